"""Moderation: the moderators' collective decision on applications, suspensions and departures,
the public moderation log, the automatic checks of a candidate, and the team of moderators.

One module per job — `votes` (rounds, quorum, decisions), `checks` (automatic checks of a
candidate, troubled files), `membership_changes` (suspend, reinstate, leave, confirm),
`public_log` (and the private audit trail), `team`. This module names what the web layer and
the command line may call. Every action is audited with its before and after values; no Flask
here: callers commit, then send the mails the returned outcomes call for.
"""

from directory.moderation.checks import (
    GONE_AFTER,
    TroubledSource,
    check_website,
    run_checks,
    summarize_checks,
    troubled_sources,
)
from directory.moderation.errors import MAX_REASON, ModerationError
from directory.moderation.membership_changes import (
    ALL_MEMBERSHIPS,
    MEMBERSHIP_ACTIONS,
    change_membership,
    confirm_listing,
    listed_organizations,
)
from directory.moderation.public_log import (
    LOG_KINDS,
    LOG_PAGE_SIZE,
    audit_trail,
    log_of,
    log_position,
    public_log,
)
from directory.moderation.team import (
    STAFF_ROLES,
    applicant_addresses,
    grant_moderator,
    is_conflicted,
    make_admin,
    moderator_addresses,
    revoke_moderator,
    team,
)
from directory.moderation.votes import (
    DEFAULT_MAJORITY,
    DEFAULT_QUORUM,
    VOTES,
    Rules,
    Tally,
    VoteOutcome,
    decisions_of,
    domain_proved,
    may_vote,
    message_authors,
    open_applications,
    queue_votes,
    rejection_reasons,
    tally,
    vote,
)

__all__ = [
    "ALL_MEMBERSHIPS",
    "DEFAULT_MAJORITY",
    "DEFAULT_QUORUM",
    "GONE_AFTER",
    "LOG_KINDS",
    "LOG_PAGE_SIZE",
    "MAX_REASON",
    "MEMBERSHIP_ACTIONS",
    "STAFF_ROLES",
    "VOTES",
    "ModerationError",
    "Rules",
    "Tally",
    "TroubledSource",
    "VoteOutcome",
    "applicant_addresses",
    "audit_trail",
    "change_membership",
    "check_website",
    "confirm_listing",
    "decisions_of",
    "domain_proved",
    "grant_moderator",
    "is_conflicted",
    "listed_organizations",
    "log_of",
    "log_position",
    "make_admin",
    "may_vote",
    "message_authors",
    "moderator_addresses",
    "open_applications",
    "public_log",
    "queue_votes",
    "rejection_reasons",
    "revoke_moderator",
    "run_checks",
    "summarize_checks",
    "tally",
    "team",
    "troubled_sources",
    "vote",
]
