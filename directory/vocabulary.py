"""The closed vocabularies of a listing, in one place (the ChatonsInfos words, lowercased).

Display labels live with the web layer (directory/web/labels.py) so this module stays free of
Flask and usable by the parsers.
"""

# service.registration: None (no account needed), Free (open sign-up), Member, Client.
REGISTRATIONS = ("none", "free", "member", "client")
# service.registration.load
LOADS = ("open", "full")
# extension key service.price (no ChatonsInfos key exists for it)
PRICES = ("free", "donation", "paid")
# organization.type
LEGAL_TYPES = (
    "association",
    "informal",
    "cooperative",
    "microcompany",
    "company",
    "individual",
    "other",
)
# organization.status.level, plus "closed" for an organization whose end date has passed
ORGANIZATION_STATUSES = ("active", "idle", "away", "closed")
# Where an organization stands with the collective.
MEMBERSHIPS = ("candidate", "member", "suspended", "former")
# service.status.level as generators write it; "over" and "void" mean the service has ended.
SERVICE_STATUSES = ("ok", "warning", "alert", "error", "over", "void")
ENDED_SERVICE_STATUSES = ("over", "void")
# host.provider.type: at home, own server in a provider's rack, a provider's server, outsourced.
PROVIDER_TYPES = ("home", "hostedbay", "hostedserver", "outsourced")
# host.server.type: a nano-computer, a physical or virtual machine, shared hosting, a cloud.
SERVER_TYPES = ("nano", "physical", "virtual", "shared", "cloud")
# Promise keys that are counts (organization.admins.count, organization.closure.notice.days,
# service.capacity.participants): whole numbers from 0 to this; more is a typo, not a promise.
COUNT_LIMIT = 1_000_000
# Who set a value (provenance). A file never overwrites a moderator's value.
ORIGINS = ("file", "form", "moderator", "demo")


def price_for(registration: str | None, declared: str | None) -> str | None:
    """A declared price wins; `Client` registration implies paid; otherwise it is unknown."""
    if declared:
        return declared
    if registration == "client":
        return "paid"
    return None
