"""Texts another app keeps as data in an event's payload (a code + params, e.g. an export's
warnings: exports/wording.py) and words itself. The app registers its wording once, from its
``AppConfig.ready`` (:func:`register_payload_wording`); a mail (promo/notifications/messages.py)
and the event's reason (promo.services.imports.reasons.event_reason: history, activity log)
word such an item in their reader's language with :func:`payload_text`. promo never imports the
app (the dependencies point one way: exports -> promo). A plain text is shown as it is."""

from __future__ import annotations

from config.hooks import Hooks

# ``wording(item) -> text | None``: None when the item is not one of the app's.
_WORDINGS: Hooks = Hooks()
# Register ``wording(item) -> str | None`` for the payload items of an app's events.
register_payload_wording = _WORDINGS.register


def payload_text(item) -> str:
    """A payload item in the active language: a registered app's record worded by it, a record
    with a ``message`` its message, a text as it is."""
    if not isinstance(item, dict):
        return "" if item is None else str(item)
    for wording in _WORDINGS:
        text = wording(item)
        if text is not None:
            return text
    return str(item.get("message") or item.get("code") or item)
