"""Notifications: who hears about an event, and the outbox of e-mails.

``notify_event(event)`` is called by :func:`promo.services.events.event_record` inside the
transaction of the change. (The outbox and delivery are built by the notification issue.)"""

from __future__ import annotations


def notify_event(event) -> None:
    """Queue the e-mails for ``event`` (outbox rows in the caller's transaction)."""
    return None
