"""The public validator's form: an address and the kind of file (CSRF like every form)."""

from __future__ import annotations

from directory.web.dashboard.forms import SourceForm

KINDS = ("organization", "json")


class ValidateForm(SourceForm):
    """The public validator's form: the dashboard's, for the two kinds it can preview."""

    kinds = KINDS
