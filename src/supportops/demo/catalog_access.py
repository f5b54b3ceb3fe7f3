"""Recurring problems about getting in: login, SSO, MFA, sessions, accounts and admin."""

from __future__ import annotations

from supportops.demo.problems import Problem

IDPS = ("Okta", "Azure AD", "Entra ID", "OneLogin", "Google Workspace", "JumpCloud", "Ping")

PROBLEMS: tuple[Problem, ...] = (
    Problem(
        id="sso-cert-rotation",
        category="login",
        product_area="SSO",
        title="SSO login loop after IdP certificate rotation",
        kb_title="SSO sign-in loops after you rotate your identity provider's certificate",
        weight=3.0,
        escalation=7.0,
        elevation=0.45,
        l3=0.04,
        urgency="high",
        rounds=(1, 3),
        subjects=(
            "SSO login loop after {idp} cert rotation",
            "Users stuck in a redirect loop signing in with {idp}",
            "Can't log in via SSO - keeps bouncing back to the login page",
            "{idp} SSO broken {since}",
            "SAML login redirects forever",
            "nobody can sign in through {idp}",
            "Login page keeps reloading after {idp} authentication",
            "SSO: {error} when logging in",
        ),
        symptoms=(
            "When our users click 'Sign in with {idp}' they are sent back to the login page "
            "again and again.",
            "The browser bounces between {idp} and your sign-in screen until {browser} gives "
            "up with {error}.",
            "SAML login just loops: after a few redirects we end up on {error}.",
            "{n_users} authenticate fine in {idp} but land on the {app} login page again "
            "instead of the dashboard.",
            "Single sign-on stopped working; {idp} says the login succeeded but {app} never "
            "lets us in.",
            "Our people are caught in an endless redirect between the IdP and {app}.",
        ),
        context=(
            "This started right after our IT team rotated the {idp} signing certificate.",
            "Our IdP admin renewed the SAML certificate yesterday, not sure if that's related.",
            "We uploaded the new IdP metadata {since} and that's when it began.",
            "Nothing changed on our side as far as I know, except the yearly cert renewal.",
            "Password login still works for the admin account, only SSO is affected.",
        ),
        slots={
            "idp": IDPS,
            "error": (
                "ERR_TOO_MANY_REDIRECTS",
                "'Invalid SAML response'",
                "a blank page",
                "'signature validation failed'",
                "error SSO-401",
            ),
        },
        cause="The identity provider signs SAML responses with its new certificate, but the "
        "workspace still trusts the old one, so every response is rejected and the login "
        "starts over.",
        steps=(
            "In Settings → Security → Single sign-on, open the SAML connection.",
            "Upload the new IdP metadata XML (or paste the new X.509 signing certificate).",
            "Keep the old certificate as secondary until every user has signed in once.",
            "Ask affected users to clear cookies for the app domain and sign in again.",
        ),
    ),
    Problem(
        id="password-reset-email",
        category="login",
        product_area="Authentication",
        title="Password reset emails not arriving",
        kb_title="Password reset emails do not arrive",
        weight=3.0,
        escalation=0.8,
        elevation=0.08,
        urgency="normal",
        rounds=(0, 2),
        subjects=(
            "Password reset email never arrives",
            "Not receiving the reset password link",
            "forgot password email missing",
            "Reset link not coming through for {n_users}",
            "Can't reset my password - no email",
            "Password reset mails blocked?",
        ),
        symptoms=(
            "I requested a password reset several times but the email never shows up, not "
            "even in spam.",
            "{n_users} clicked 'Forgot password' and nothing arrives in their inbox.",
            "The reset link email doesn't come through; I've waited over an hour.",
            "We never get the password reset message from {sender}.",
            "The page says 'check your email' but there is no email.",
        ),
        context=(
            "Our mail goes through {gateway}, maybe it's being quarantined there.",
            "Other emails from you (notifications) do arrive.",
            "I'm locked out and have a deadline today.",
            "It worked for a colleague last month.",
        ),
        slots={
            "sender": ("no-reply@app.demo.example", "your no-reply address", "you"),
            "gateway": ("Mimecast", "Proofpoint", "Microsoft Defender", "Barracuda"),
        },
        cause="Corporate mail gateways quarantine the reset message because it carries a "
        "short-lived link from an address the gateway has not seen before.",
        steps=(
            "Ask your mail admin to allow-list no-reply@app.demo.example and the app domain.",
            "Release the quarantined message, or request a new link after the allow-listing.",
            "Reset links expire after 30 minutes; always use the newest one.",
        ),
    ),
    Problem(
        id="mfa-code-rejected",
        category="login",
        product_area="MFA",
        title="MFA codes rejected because of authenticator clock drift",
        kb_title="Two-factor codes are rejected as invalid",
        weight=2.0,
        escalation=1.5,
        elevation=0.10,
        urgency="normal",
        rounds=(1, 2),
        subjects=(
            "2FA code always invalid",
            "MFA code not accepted",
            "Authenticator codes rejected at login",
            "two factor keeps saying wrong code",
            "Locked out - {authenticator} code invalid",
            "MFA: 'invalid verification code'",
        ),
        symptoms=(
            "Every code from {authenticator} is rejected with 'invalid verification code'.",
            "The six-digit MFA code never works, even when I type it right away.",
            "After entering the 2FA code the login says it's wrong and asks again.",
            "{n_users} can't get past the two-factor step; the codes are refused.",
        ),
        context=(
            "The phone was recently restored from a backup.",
            "It's an Android phone, time set manually because of travel.",
            "Codes worked fine until last week.",
            "We enforce MFA for the whole workspace.",
        ),
        slots={
            "authenticator": (
                "Google Authenticator",
                "Authy",
                "Microsoft Authenticator",
                "1Password",
                "the authenticator app",
            )
        },
        cause="Time-based codes depend on the phone's clock; a clock that is off by more than "
        "30 seconds produces codes the server no longer accepts.",
        steps=(
            "Turn on automatic date and time on the phone (Android: Settings → Date & time).",
            "In Google Authenticator use 'Time correction for codes' → 'Sync now'.",
            "If it still fails, an admin can reset the user's MFA from Admin → Members.",
        ),
    ),
    Problem(
        id="session-timeout",
        category="login",
        product_area="Sessions",
        title="Users logged out every few minutes (session cookie blocked)",
        kb_title="You are signed out every few minutes",
        weight=1.5,
        escalation=1.2,
        elevation=0.15,
        urgency="low",
        rounds=(1, 3),
        subjects=(
            "Keeps logging me out",
            "Session expires after a few minutes",
            "logged out constantly in {browser}",
            "Users kicked out of {app} every 5 minutes",
            "Random logouts",
        ),
        symptoms=(
            "We get signed out every few minutes and lose whatever we were typing.",
            "In {browser} the session ends after roughly {minutes} minutes of work.",
            "{n_users} report being kicked back to the login screen several times an hour.",
            "I have to log in again almost every time I switch tabs.",
        ),
        context=(
            "It only happens in {browser}; another browser seems fine.",
            "We recently deployed a new browser policy via Intune.",
            "Our users are behind a corporate proxy.",
        ),
        slots={"minutes": ("5", "10", "3", "15")},
        cause="Third-party cookie blocking or a privacy extension drops the session cookie, so "
        "the next request arrives without a session.",
        steps=(
            "Allow cookies for app.demo.example (or add it to the browser's exceptions).",
            "Disable privacy extensions for the app domain and reload.",
            "Admins using managed browsers: allow the domain in the cookie policy.",
        ),
    ),
    Problem(
        id="account-locked",
        category="login",
        product_area="Authentication",
        title="Account locked after failed attempts; unlock link expired",
        kb_title="Your account is locked after too many attempts",
        weight=1.5,
        escalation=0.7,
        elevation=0.05,
        urgency="normal",
        rounds=(0, 1),
        subjects=(
            "Account locked",
            "Locked out after too many attempts",
            "unlock link expired",
            "User account is locked, please unlock",
            "My login is blocked",
        ),
        symptoms=(
            "After a few wrong passwords my account got locked and the unlock link says it "
            "has expired.",
            "One of our users is locked out: 'too many failed attempts'.",
            "I can't log in, it says the account is temporarily locked.",
        ),
        context=(
            "I'm the only admin, so nobody else can unlock me.",
            "The unlock email arrived the next morning, too late.",
        ),
        cause="Five failed attempts lock an account for 30 minutes; the unlock link expires "
        "with the lock.",
        steps=(
            "Wait 30 minutes, or ask a workspace admin to unlock you under Admin → Members.",
            "Request a fresh unlock link; older links stop working.",
        ),
    ),
    Problem(
        id="scim-deprovision",
        category="account_admin",
        product_area="User provisioning",
        title="SCIM-deprovisioned users remain active",
        kb_title="Users removed in your identity provider stay active",
        weight=1.5,
        escalation=3.0,
        elevation=0.40,
        l3=0.10,
        urgency="high",
        rounds=(1, 3),
        subjects=(
            "Deprovisioned users still active",
            "SCIM not removing users",
            "Offboarded employees can still log in",
            "{idp} deprovisioning not syncing",
            "Security concern: removed users still have access",
        ),
        symptoms=(
            "We removed {n_users} in {idp} but they are still active in {app}.",
            "SCIM deprovisioning doesn't do anything, the users keep their seats.",
            "A former employee could still sign in a week after we offboarded them.",
            "The provisioning log in {idp} shows success but the user is still enabled.",
        ),
        context=(
            "This is a compliance issue for us, our audit is next month.",
            "We switched from {idp} groups to direct assignment recently.",
            "It's also making us pay for seats we don't use.",
        ),
        slots={"idp": IDPS},
        cause="The identity provider sends a PATCH with active=false, which older SCIM "
        "connections were configured to ignore; only DELETE removed the user.",
        steps=(
            "In Admin → Provisioning, switch the SCIM connection to 'Deactivate on active=false'.",
            "Re-run provisioning in the IdP for the affected users.",
            "Check Admin → Members → Inactive to confirm they are deactivated.",
        ),
    ),
    Problem(
        id="transfer-ownership",
        category="account_admin",
        product_area="Workspace admin",
        title="Transfer workspace ownership after the admin left",
        kb_title="How to transfer workspace ownership",
        weight=2.0,
        escalation=0.8,
        elevation=0.06,
        urgency="low",
        rounds=(1, 2),
        type="question",
        subjects=(
            "Change account owner",
            "Our admin left the company - need ownership transferred",
            "Transfer workspace ownership",
            "How do I become the owner of our workspace?",
            "owner left, locked out of admin settings",
        ),
        symptoms=(
            "The person who set up our account has left and we can't change admin settings.",
            "We need to transfer ownership of workspace {ws} to me.",
            "Only the owner can change billing and SSO, and the owner no longer works here.",
        ),
        context=(
            "Their email account has already been deleted.",
            "I'm the new IT manager at {org}.",
            "We can provide a letter on company letterhead if needed.",
        ),
        cause="Only the current owner can hand over ownership in the app; when they are gone, "
        "support must verify the request first.",
        steps=(
            "If the owner can still sign in: Settings → Workspace → Transfer ownership.",
            "Otherwise an admin sends a request from the company domain; support verifies it "
            "and transfers within one business day.",
        ),
    ),
)
