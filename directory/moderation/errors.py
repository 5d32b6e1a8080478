"""What every part of moderation shares: the refusal it raises and the longest reason it keeps."""

from __future__ import annotations

MAX_REASON = 2000


class ModerationError(ValueError):
    """A refusal of the moderation rules; `code` says why (worded by the web layer)."""

    def __init__(self, code: str, **params) -> None:
        self.code = code
        self.params = params
        super().__init__(code)
