"""Forms of the moderation blueprint, and the wording of votes, public log entries, audit
actions and refusals (the domain module only says codes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from directory.membership import MAX_MESSAGE
from directory.moderation.errors import MAX_REASON
from directory.web.validators import email_address

# -- wording -------------------------------------------------------------------------------

# An application's state as moderators read it (the applicant reads apply.forms.STATE).
MODERATOR_STATE = {
    "submitted": _l("Waiting for your votes"),
    "questioned": _l("Waiting for the applicant's answer to a question"),
    "withdrawn": _l("Withdrawn by the applicant"),
    "approved": _l("Approved"),
    "rejected": _l("Not accepted"),
}
# A vote already cast, in the past tense ("camille@… approved").
VOTED = {
    "approve": _l("%(who)s approved"),
    "reject": _l("%(who)s rejected"),
    "abstain": _l("%(who)s abstained"),
}
VOTED_BY_YOU = {
    "approve": _l("You approved"),
    "reject": _l("You rejected"),
    "abstain": _l("You abstained"),
}

VOTE = {
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "abstain": _l("Abstain"),
}
# The public log's line for each kind of entry (a rejection never names the candidate).
LOG_KIND = {
    "admitted": _l("Admitted"),
    "rejected": _l("Application not accepted"),
    "suspended": _l("Suspended"),
    "reinstated": _l("Reinstated"),
    "left": _l("Left the directory"),
}
LOG_LINE = {
    "admitted": _l("%(name)s joined the directory."),
    "rejected": _l("An application was not accepted."),
    "suspended": _l("%(name)s was suspended."),
    "reinstated": _l("%(name)s was reinstated."),
    "left": _l("%(name)s left the directory."),
}
MEMBERSHIP = {
    "candidate": _l("Candidate (not public)"),
    "member": _l("Member"),
    "suspended": _l("Suspended"),
    "former": _l("Former member"),
}
ACTION = {
    "application_submitted": _l("Application submitted"),
    "application_questioned": _l("Question asked"),
    "application_answered": _l("Question answered"),
    "application_withdrawn": _l("Application withdrawn"),
    "application_appealed": _l("Rejection appealed"),
    "application_checked": _l("Automatic checks run"),
    "application_approved": _l("Application approved"),
    "application_rejected": _l("Application rejected"),
    "moderation_vote": _l("Vote"),
    "organization_suspended": _l("Suspended"),
    "organization_reinstated": _l("Reinstated"),
    "organization_left": _l("Marked as having left"),
    "role_granted": _l("Rights granted"),
    "role_revoked": _l("Rights revoked"),
    "domain_verified": _l("Domain proved"),
}
ERROR = {
    "not_allowed": _l("Your account may not do this."),
    "closed": _l("This application is no longer open."),
    "own_organization": _l("You edit this organization: other moderators decide on it, not you."),
    "already_voted": _l("You have already voted in this round."),
    "reason_missing": _l("Give a reason."),
    "reason_unproved": _l(
        "Give a reason: the domain of this applicant is not proved, say why you trust it."
    ),
    "too_long": _l("The text is longer than %(limit)s characters."),
    "unknown_vote": _l("Choose approve, reject or abstain."),
    "unknown_action": _l("This action does not exist."),
    "wrong_membership": _l("This cannot be done while the organization is %(membership)s."),
    "no_such_account": _l("There is no confirmed account with this address."),
    "already_moderator": _l("This account is already a moderator."),
    "not_moderator": _l("This account is not a moderator."),
    "last_admin": _l("The last administrator cannot lose their rights."),
    "message_empty": _l("The message is empty."),
    "invalid_transition": _l("This application cannot do that in its present state."),
}


def error_text(error) -> str:
    """The sentence for a ModerationError or MembershipError."""
    wording = ERROR.get(error.code)
    if wording is None:
        return error.code
    params = {key: str(MEMBERSHIP.get(value, value)) for key, value in error.params.items()}
    try:
        return str(wording) % params
    except (KeyError, TypeError, ValueError):
        return str(wording)


# -- forms ---------------------------------------------------------------------------------


class VoteForm(FlaskForm):
    vote = RadioField(
        _l("Your vote"),
        [DataRequired(message=_l("Choose approve, reject or abstain."))],
        choices=[SelectChoice(key, label) for key, label in VOTE.items()],
    )
    reason = TextAreaField(
        _l(
            "Reason (needed to reject, or to approve an applicant whose domain is not proved;"
            " the applicant reads it, the public does not)"
        ),
        [Length(max=MAX_REASON)],
    )

    def validate_reason(self, field) -> None:
        if self.vote.data == "reject" and not (field.data or "").strip():
            raise ValidationError(_l("Give a reason: the applicant will read it."))


class QuestionForm(FlaskForm):
    body = TextAreaField(
        _l("Your question to the applicant"), [DataRequired(), Length(max=MAX_MESSAGE)]
    )


class SuspendForm(FlaskForm):
    reason = TextAreaField(
        _l("Public reason (shown on the host's page and in the public log)"),
        [DataRequired(), Length(max=MAX_REASON)],
    )


class ReasonForm(FlaskForm):
    """Reinstating or recording a departure: the public reason may be left out."""

    reason = TextAreaField(_l("Public reason (optional)"), [Optional(), Length(max=MAX_REASON)])


class GrantForm(FlaskForm):
    email = EmailField(
        _l("E-mail address of the account"), [DataRequired(), Length(max=254), email_address()]
    )


class ActionForm(FlaskForm):
    """Nothing to fill in: the CSRF token only (run the checks, revoke rights)."""
