"""Notifications: who hears about a promo event, in which language and with which text, and the
outbox that carries it to the mail server.

Recording an event (:func:`promo.services.events.event_record`) calls :func:`notify_event`
inside the transaction of the change; nothing in this package calls back up into the services.

Modules
    :mod:`.kinds`        families of event kinds; which promos an event is about
    :mod:`.routing`      who hears about which kind (the routing table of the docs)
    :mod:`.recipients`   who is mailed (:func:`event_recipients`), which promos each may see
    :mod:`.messages`     subject, text and HTML from ``templates/promo/email/`` (:class:`EventMessages`);
                         the «old → new» rows come from :mod:`promo.changes`
    :mod:`.outbox`       queueing (:func:`notify_event`) and delivery with retries and leases;
                         its Celery task ``promo.outbox_send`` is in promo/tasks/notifications.py
    :mod:`.preferences`  a person's settings (language, kinds switched off)

Payload contract (read defensively: every key is optional)
    ``promos``      digest events (an import, a mass correction) list every promo they touched,
                    as ids or as ``{"id": 12, "changes": {...}}``; one event then makes ONE
                    digest per recipient, each recipient seeing only the promos they may see
                    (a supplier user its own supplier's, a category manager those with lines in
                    his categories). Without it an upload event falls back to the upload's promos.
    ``changes``     what changed, old -> new: ``{"end": ["2027-02-14", "2027-02-28"]}``, or a
                    list of ``{"article", "field", "old", "new"}``; per promo inside ``promos``
                    or keyed by promo id (``{"12": {...}}``) for a mass correction.
    ``diff``        a revision diff as promo.services.revisions builds it; for
                    ``revision_created`` without one, the promo's current revision diff is used.
    ``lines``       ``line_decided``: ``[{"article", "name", "decision", "reason"}]``.
    ``request``     ``extension_requested``, ``cancellation_requested``, ``request_accepted``,
                    ``request_declined``: ``{"id", "kind", "new_end": "2027-03-01"}``.
    ``answer``      ``request_accepted`` / ``request_declined``: what the marketer answered.
    ``bulk``        the one event of a bulk action (``promo=None``): the action's name; its
                    ``promos`` are the promos it went through for.
    ``due``         deadline events: ``{promo id: "2027-03-01"}``, the due date of each promo.
    ``text``        ``comment_added``: the comment (else ``event.reason``).
    ``run_id``, ``run``, ``date``, ``reason``, ``warnings``, ``errors`` (+ ``*_total``)
                    export events (``promo=None``); the link goes to the run's page.
    ``date``        date-based events (``starts_tomorrow``, ``started``, ``finished``): the day
                    they are about, which also makes them idempotent.
"""

from promo.notifications.messages import EventMessages
from promo.notifications.outbox import notify_event
from promo.notifications.recipients import Recipient, event_recipients
from promo.notifications.routing import SUPPLIER_KINDS

__all__ = ["SUPPLIER_KINDS", "EventMessages", "Recipient", "event_recipients", "notify_event"]
