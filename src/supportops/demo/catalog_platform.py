"""Recurring problems of the platform: integrations, notifications, performance."""

from __future__ import annotations

from supportops.demo.problems import Problem

INTEGRATIONS: tuple[Problem, ...] = (
    Problem(
        id="webhook-delays",
        category="integrations",
        product_area="Webhooks",
        title="Webhook deliveries delayed by hours",
        kb_title="Webhook deliveries arrive late or in bursts",
        weight=2.5,
        escalation=6.0,
        elevation=0.50,
        l3=0.08,
        urgency="high",
        rounds=(1, 3),
        profile=(("burst", 0.22, 0.02, 3.0), ("burst", 0.74, 0.02, 2.0)),
        subjects=(
            "Webhook deliveries delayed",
            "Webhooks arriving hours late",
            "Not receiving webhook events in real time",
            "{event} webhook delay",
            "Webhooks stuck / backlog?",
            "webhook events come in bursts",
        ),
        symptoms=(
            "Webhook events for {event} arrive {delay} after the change happens.",
            "We get nothing for a long time and then hundreds of webhook calls at once.",
            "Our endpoint receives the {event} webhooks with a delay of {delay}.",
            "Deliveries to our webhook URL are way behind; customers see stale data.",
        ),
        context=(
            "Our endpoint responds in under 200 ms with 200 OK.",
            "The delivery log shows several retries with timeouts.",
            "Is there an incident? Nothing on the status page.",
            "We depend on these for order fulfilment.",
        ),
        slots={
            "event": ("order.created", "contact.updated", "invoice.paid", "task.completed"),
            "delay": ("2 hours", "30-40 minutes", "half a day", "over an hour"),
        },
        cause="Endpoints that time out (over 10 s) are retried with backoff and slow down the "
        "queue for that workspace; during platform incidents the backlog is delivered in "
        "bursts.",
        steps=(
            "Respond 200 within 10 seconds and process the payload asynchronously.",
            "Check Settings → Webhooks → Delivery log for timeouts and retries.",
            "Subscribe to the status page for delivery incidents.",
        ),
    ),
    Problem(
        id="salesforce-duplicates",
        category="integrations",
        product_area="Salesforce sync",
        title="Salesforce sync creates duplicate contacts",
        kb_title="The Salesforce sync creates duplicate contacts",
        weight=2.0,
        escalation=1.8,
        elevation=0.40,
        l3=0.05,
        urgency="normal",
        rounds=(1, 3),
        subjects=(
            "Salesforce sync duplicating contacts",
            "Duplicate records after SFDC sync",
            "Salesforce integration creates dupes",
            "Contacts doubled in Salesforce",
        ),
        symptoms=(
            "Every sync run creates a second copy of {n_contacts} contacts in Salesforce.",
            "Since the sync was reconnected we have duplicates for most leads.",
            "The Salesforce integration doesn't match existing contacts, it adds new ones.",
        ),
        context=(
            "We reconnected the integration with a different Salesforce user.",
            "Our sales team is getting frustrated with the dupes.",
        ),
        slots={"n_contacts": ("about 300", "hundreds of", "2,000", "some")},
        cause="Matching uses the external id field; reconnecting with a profile that cannot "
        "read that field makes every record look new.",
        steps=(
            "Give the integration user read access to the External_Id__c field.",
            "Run the de-duplication job from Integrations → Salesforce → Repair.",
        ),
    ),
    Problem(
        id="slack-disconnects",
        category="integrations",
        product_area="Slack app",
        title="Slack integration disconnects and notifications stop",
        kb_title="The Slack app stops posting",
        weight=1.5,
        escalation=0.8,
        elevation=0.10,
        urgency="low",
        rounds=(0, 2),
        subjects=(
            "Slack notifications stopped",
            "Slack app disconnected",
            "No more alerts in #{channel}",
            "slack integration broken",
        ),
        symptoms=(
            "Nothing has been posted to #{channel} {since}.",
            "The Slack integration shows 'disconnected' and reconnecting fails.",
        ),
        context=("Our Slack admin changed app approval settings.",),
        slots={"channel": ("support-alerts", "ops", "sales", "general")},
        cause="The Slack token is revoked when the installing user is deactivated or app "
        "approval rules change.",
        steps=(
            "Reinstall the Slack app from Integrations → Slack with an active admin.",
            "Invite the app to the channel again.",
        ),
    ),
)

NOTIFY_PERF: tuple[Problem, ...] = (
    Problem(
        id="notification-spam",
        category="notifications",
        product_area="Email notifications",
        title="Notification emails land in spam (DKIM not set up)",
        kb_title="Notification emails go to spam",
        weight=2.0,
        escalation=0.8,
        elevation=0.10,
        urgency="low",
        rounds=(0, 2),
        subjects=(
            "Notifications going to spam",
            "Emails from {app} in junk folder",
            "Our customers don't get notification emails",
            "DKIM failing?",
        ),
        symptoms=(
            "Notification emails end up in spam for {n_users}.",
            "Gmail flags the emails sent from our custom domain as suspicious.",
        ),
        context=("We use a custom sender domain.", "Outlook users are affected the most."),
        cause="Emails from a custom sender domain without the DKIM and SPF records fail "
        "authentication.",
        steps=(
            "Add the DKIM CNAME records shown in Settings → Email → Domain.",
            "Include our SPF include in your SPF record.",
            "Click 'Verify' once DNS updates.",
        ),
    ),
    Problem(
        id="digest-timezone",
        category="notifications",
        product_area="Email notifications",
        title="Daily digest sent at the wrong time",
        kb_title="The daily digest arrives at the wrong time",
        weight=1.5,
        escalation=0.4,
        elevation=0.05,
        urgency="low",
        rounds=(0, 1),
        subjects=(
            "Daily digest at wrong time",
            "Digest email arrives at {hour}",
            "summary email timing off",
        ),
        symptoms=(
            "The daily digest arrives at {hour} instead of 8am.",
            "Our team gets the summary email in the middle of the night.",
        ),
        context=("Half of our team is in Europe.",),
        slots={"hour": ("3am", "2:00 AM", "midnight", "11pm")},
        cause="Digests follow each user's profile time zone, which defaults to UTC.",
        steps=(
            "Set the time zone under Profile → Preferences.",
            "Admins can set a workspace default under Settings → Locale.",
        ),
    ),
    Problem(
        id="dashboard-slow",
        category="performance",
        product_area="Dashboard",
        title="Dashboard takes 30+ seconds to load for large workspaces",
        kb_title="The dashboard is slow for large workspaces",
        weight=2.0,
        escalation=1.8,
        elevation=0.40,
        l3=0.15,
        urgency="normal",
        rounds=(1, 3),
        subjects=(
            "Dashboard extremely slow",
            "Dashboard takes {secs} seconds to load",
            "performance issues on main dashboard",
            "App very slow {since}",
            "Dashboard times out",
        ),
        symptoms=(
            "The dashboard takes {secs} seconds to load, sometimes it times out.",
            "Loading the home dashboard is painfully slow for {n_users}.",
            "Widgets spin forever before showing data.",
        ),
        context=(
            "We have about {records} records.",
            "It's slow in every browser.",
            "The rest of the app is fine.",
        ),
        slots={"secs": ("30", "45", "60+", "40"), "records": ("2 million", "800k", "5M")},
        cause="Widgets with 'All time' ranges scan the full history on every load.",
        steps=(
            "Set dashboard widgets to a bounded range (last 90 days).",
            "Turn on cached widgets in Dashboard → Settings.",
        ),
    ),
    Problem(
        id="search-index-lag",
        category="performance",
        product_area="Search",
        title="New records missing from search for hours",
        kb_title="New records take hours to appear in search",
        weight=1.5,
        escalation=1.4,
        elevation=0.35,
        l3=0.20,
        urgency="normal",
        rounds=(1, 2),
        profile=(("from", 0.45),),  # a regression that appears mid-span
        subjects=(
            "Search not finding new records",
            "Search index outdated",
            "newly created items not searchable",
            "Search results missing recent data",
        ),
        symptoms=(
            "Records created today don't show up in search until hours later.",
            "Search can't find a contact we added {ago}.",
        ),
        context=("Filtering the list view finds it fine.",),
        slots={"ago": ("this morning", "an hour ago", "yesterday afternoon")},
        cause="A search-indexing backlog after the indexing pipeline change.",
        steps=("Use list filters as a workaround.", "Engineering is tracking the backlog."),
    ),
)

PROBLEMS: tuple[Problem, ...] = (*INTEGRATIONS, *NOTIFY_PERF)
