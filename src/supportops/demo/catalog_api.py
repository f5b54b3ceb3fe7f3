"""Recurring problems of the public API: rate limits, auth, pagination, bulk, time zones."""

from __future__ import annotations

from supportops.demo.problems import Problem

LANGS = ("Python", "Node", "a Go service", "our Java client", "a Zapier step", "curl", "C#")
ENDPOINTS = ("/v2/contacts", "/v2/orders", "/v2/events", "/v2/projects", "/v2/invoices")

PROBLEMS: tuple[Problem, ...] = (
    Problem(
        id="api-429-below-limit",
        category="api",
        product_area="REST API",
        title="API returns 429 below the documented rate limit",
        kb_title="429 Too Many Requests below the documented rate limit",
        weight=3.0,
        escalation=6.5,
        elevation=0.55,
        l3=0.06,
        urgency="high",
        rounds=(1, 3),
        subjects=(
            "API returns 429 below documented rate limit",
            "Getting rate limited at ~{rps} req/s",
            "429 Too Many Requests but we're under the limit",
            "Rate limiting too aggressive on {endpoint}",
            "HTTP 429 errors from the API {since}",
            "api throttling our integration",
            "Throttled although we send far fewer than {limit} requests/min",
        ),
        symptoms=(
            "Our integration gets HTTP 429 responses even though we stay well below the "
            "{limit} requests per minute in your docs.",
            "Calls to {endpoint} start failing with 'Too Many Requests' at about {rps} "
            "requests per second.",
            "{lang} keeps hitting 429s; the Retry-After header says {retry} seconds.",
            "We see bursts of 429 errors from the API although our average rate is low.",
            "The sync job is throttled every few minutes with status 429.",
        ),
        context=(
            "We run {workers} workers in parallel with the same API key.",
            "Request id of one failure: {req}.",
            "This is breaking our nightly sync.",
            "We didn't change anything in our code.",
            "Our dashboards show only {rps} requests per second at peak.",
        ),
        slots={
            "limit": ("600", "1,000", "1200"),
            "rps": ("5", "8", "10", "12"),
            "endpoint": ENDPOINTS,
            "lang": LANGS,
            "retry": ("30", "60", "1"),
            "workers": ("4", "8", "16", "several"),
        },
        cause="The limit is enforced per second in short windows (burst limit of 10 requests "
        "per second per key) as well as per minute, so parallel workers sharing one key hit "
        "the burst limit while staying under the minute limit.",
        steps=(
            "Spread requests evenly: at most 10 per second per API key.",
            "Honour the Retry-After header and back off exponentially.",
            "Use one key per integration, or ask support to raise the burst limit.",
        ),
    ),
    Problem(
        id="api-token-401",
        category="api",
        product_area="OAuth",
        title="API calls fail with 401 after OAuth refresh token expiry",
        kb_title="API requests fail with 401 after a token refresh",
        weight=2.5,
        escalation=1.6,
        elevation=0.35,
        urgency="normal",
        rounds=(1, 2),
        subjects=(
            "401 Unauthorized from API",
            "OAuth refresh token not working",
            "invalid_grant when refreshing token",
            "Integration logged out - API 401",
            "API auth failing after {days} days",
        ),
        symptoms=(
            "Our integration works for a while and then every call returns 401 Unauthorized.",
            "Refreshing the OAuth token fails with 'invalid_grant'.",
            "After about {days} days the refresh token stops working and we have to reconnect.",
            "{lang} gets 401s on {endpoint} even with a freshly refreshed token.",
        ),
        context=(
            "We store the refresh token once and reuse it.",
            "We have two servers refreshing the token at the same time.",
            "Request id: {req}.",
        ),
        slots={"days": ("30", "7", "14", "90"), "lang": LANGS, "endpoint": ENDPOINTS},
        cause="Refresh tokens rotate: each refresh returns a new refresh token and invalidates "
        "the old one, so clients that keep the first token (or refresh concurrently) fail.",
        steps=(
            "Store the new refresh token returned by every refresh.",
            "Refresh from one place only (a lock or a single worker).",
            "Reconnect the integration once to get a fresh token pair.",
        ),
    ),
    Problem(
        id="api-pagination-skips",
        category="api",
        product_area="REST API",
        title="API pagination skips records when data changes during paging",
        kb_title="Paging through results misses records",
        weight=1.5,
        escalation=3.0,
        elevation=0.50,
        l3=0.20,
        urgency="normal",
        rounds=(2, 3),
        profile=(("until", 0.62),),  # fixed by a release in the second half
        subjects=(
            "API pagination missing records",
            "List endpoint skips items between pages",
            "Some records never returned by {endpoint}",
            "Paging with offset loses data",
            "Count doesn't match number of records fetched",
        ),
        symptoms=(
            "When we page through {endpoint} we get fewer records than total_count says.",
            "Records are skipped between page {page} and {next_page} while the sync runs.",
            "Our export via the API is missing a handful of items every night.",
        ),
        context=(
            "We use offset pagination with page size {size}.",
            "Records are being updated while we page.",
        ),
        slots={
            "endpoint": ENDPOINTS,
            "page": ("3", "7", "12"),
            "next_page": ("4", "8", "13"),
            "size": ("100", "250", "500"),
        },
        cause="Offset pagination shifts when records are inserted or deleted during the scan; "
        "items move across page boundaries and are skipped.",
        steps=(
            "Use cursor pagination (the `cursor` parameter) instead of `offset`.",
            "Sort by a stable key (`id`) when you must use offsets.",
        ),
    ),
    Problem(
        id="api-bulk-413",
        category="api",
        product_area="Bulk API",
        title="Bulk endpoint rejects payloads over 5 MB",
        kb_title="Bulk uploads fail with 413 or 500",
        weight=1.5,
        escalation=1.8,
        elevation=0.30,
        l3=0.05,
        urgency="normal",
        rounds=(1, 2),
        subjects=(
            "Bulk API returns 413",
            "500 error on bulk upsert",
            "Payload too large on /v2/bulk",
            "bulk import via API failing",
        ),
        symptoms=(
            "Posting {rows} records to /v2/bulk fails with {status}.",
            "Large batches to the bulk endpoint error out; small ones work.",
            "We get 'Request Entity Too Large' when sending our daily batch.",
        ),
        context=("Our payload is about {mb} MB.", "It worked when we had fewer records."),
        slots={
            "rows": ("20,000", "50k", "12000"),
            "status": ("413", "a 500 error", "HTTP 413"),
            "mb": ("6", "9", "14"),
        },
        cause="The bulk endpoint accepts at most 5 MB (or 10,000 records) per request.",
        steps=(
            "Split batches into chunks of at most 10,000 records or 5 MB.",
            "Use the async bulk job endpoint for larger loads.",
        ),
    ),
    Problem(
        id="api-timestamps-utc",
        category="api",
        product_area="REST API",
        title="API timestamps appear shifted by hours (UTC vs local)",
        kb_title="Timestamps from the API are hours off",
        weight=1.0,
        escalation=0.6,
        elevation=0.10,
        urgency="low",
        rounds=(0, 1),
        type="question",
        subjects=(
            "API dates are wrong by {hours} hours",
            "Timezone issue in API responses",
            "created_at off by several hours",
        ),
        symptoms=(
            "All timestamps from the API are {hours} hours ahead of what the UI shows.",
            "created_at in the API doesn't match the time in {app}.",
        ),
        context=("We're in {city}.", "Our reporting tool shows the wrong day for late events."),
        slots={"hours": ("4", "5", "7", "8"), "city": ("Chicago", "Denver", "Boston", "LA")},
        cause="The API returns UTC (ISO 8601 with Z); the UI shows your workspace time zone.",
        steps=(
            "Convert API timestamps from UTC to your zone.",
            "Or pass `tz=America/Chicago` to get local offsets.",
        ),
    ),
)
