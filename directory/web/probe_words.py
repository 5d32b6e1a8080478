"""The probes' outcomes in the reader's language, and the words of one check: its first issue
worded by issue_text (the failure, when it failed), else the outcome itself."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from directory.web.issue_text import describe

OUTCOME = {
    "up": _l("Reachable"),
    "restricted": _l("Reachable (asks to sign in)"),
    "maintenance": _l("In maintenance"),
    "failed": _l("Not working"),
    "down": _l("Unreachable"),
    "unknown": _l("Not concluded"),
}


def outcome(code: str | None) -> str:
    return str(OUTCOME.get(code or "", code or ""))


def check_words(check) -> str:
    """What one check found, in words (a ProbeCheck, or None)."""
    if check is None:
        return ""
    if check.issues:
        return describe(check.issues[0])
    return outcome(check.outcome)


def helpers() -> dict:
    """For the templates that show checks."""
    return {"probe_outcome": outcome, "check_words": check_words, "describe_issue": describe}
