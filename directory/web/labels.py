"""Translated labels of the closed vocabularies (directory/vocabulary.py), for templates."""

from flask_babel import lazy_gettext as _l

REGISTRATION = {
    "none": _l("No account needed"),
    "free": _l("Free sign-up"),
    "member": _l("Members only"),
    "client": _l("Clients only"),
}
LOAD = {"open": _l("Open"), "full": _l("Full")}
PRICE = {"free": _l("Free of charge"), "donation": _l("Pay what you want"), "paid": _l("Paid")}
LEGAL_TYPE = {
    "association": _l("Association"),
    "informal": _l("Informal group"),
    "cooperative": _l("Cooperative"),
    "microcompany": _l("Micro-company"),
    "company": _l("Company"),
    "individual": _l("Individual"),
    "other": _l("Other"),
}
ORGANIZATION_STATUS = {
    "active": _l("Active"),
    "idle": _l("Paused"),
    "away": _l("Inactive"),
    "closed": _l("Closed"),
}
SERVICE_STATUS = {
    "ok": _l("Working"),
    "warning": _l("Minor trouble"),
    "alert": _l("Degraded"),
    "error": _l("Down"),
    "over": _l("Ended"),
    "void": _l("Ended"),
}
ORIGIN = {
    "file": _l("declared in the host's file"),
    "form": _l("entered by the host"),
    "moderator": _l("set by a moderator"),
    "demo": _l("demo data"),
}
# Said once at the top of a listing, for the origin most of its values share.
ORIGIN_SUMMARY = {
    "file": _l(
        "Unless noted otherwise, what this page shows is declared in the host’s own file: "
        "first read %(first)s, confirmed %(confirmed)s."
    ),
    "form": _l(
        "Unless noted otherwise, what this page shows was entered by the host: "
        "first entered %(first)s, confirmed %(confirmed)s."
    ),
    "moderator": _l(
        "Unless noted otherwise, what this page shows was set by a moderator %(first)s."
    ),
    "demo": _l("Unless noted otherwise, what this page shows is demo data (%(first)s)."),
}
FACET_TITLES = {
    "category": _l("Task"),
    "software": _l("Software"),
    "registration": _l("Account"),
    "load": _l("Availability"),
    "price": _l("Price"),
    "country": _l("Country"),
    "language": _l("Language"),
    "legal_type": _l("Kind of host"),
}
FIELD_TITLES = {
    "description": _l("Description"),
    "website": _l("Website"),
    "legal_type": _l("Kind of host"),
    "status": _l("Status"),
    "country_code": _l("Country"),
    "address": _l("Place"),
    "languages": _l("Languages"),
    "contact_email": _l("Contact e-mail"),
    "contact_url": _l("Contact page"),
    "legal_url": _l("Legal notice"),
    "privacy_url": _l("Privacy policy"),
    "startdate": _l("Since"),
}
# The three kinds of facts (DESIGN.md, "Kinds of facts"): one word each, shown as text.
TRUST_KIND = {
    "decided": _l("Decided by the moderators"),
    "checked": _l("Checked by Portée"),
    "declared": _l("Declared by the host"),
}
TRUST_FACT = {
    "member_since": _l("Member since"),
    "domain": _l("Website domain"),
    "availability": _l("Availability of its services over 30 days"),
    "tls": _l("TLS certificates"),
    "legal_type": _l("Legal form"),
    "legal_url": _l("Legal notice"),
    "privacy_url": _l("Privacy policy"),
    "funding": _l("Support this host"),
    "admins_count": _l("Administrators"),
    "backups_tested": _l("Last restore test of the backups"),
    "closure_notice_days": _l("Notice before a service closes"),
    "terms_url": _l("Terms of use"),
    "host_provider_type": _l("Where the servers are"),
    "host_country_code": _l("Country where the data lives"),
    "host_server_type": _l("Kind of server"),
}
# host.provider.type and host.server.type (directory/vocabulary.py).
PROVIDER_TYPE = {
    "home": _l("At the host's home"),
    "hostedbay": _l("The host's own server, in a provider's data centre"),
    "hostedserver": _l("A server rented from a provider"),
    "outsourced": _l("Infrastructure fully outsourced to a provider"),
}
SERVER_TYPE = {
    "nano": _l("Nano-computer (such as a Raspberry Pi)"),
    "physical": _l("Physical server"),
    "virtual": _l("Virtual machine"),
    "shared": _l("Shared hosting"),
    "cloud": _l("Cloud (several servers)"),
}
# What one check of a service concluded (directory/probes/checks.py, OUTCOMES).
PROBE_OUTCOME = {
    "up": _l("Reachable"),
    "restricted": _l("Reachable (asks to sign in)"),
    "maintenance": _l("In maintenance"),
    "failed": _l("Not working"),
    "down": _l("Unreachable"),
    "unknown": _l("Not concluded"),
}
ROLE = {
    "host": _l("Host editor"),
    "moderator": _l("Moderator"),
    "admin": _l("Administrator"),
}
