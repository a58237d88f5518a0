"""The e-mail outbox: queueing an event's messages in the change's transaction
(:func:`notify_event`) and delivering them with retries and leases (:func:`outbox_deliver`).

Queueing: one :class:`~promo.models.OutboxMessage` per recipient (:mod:`.recipients`), rendered
in the recipient's language (:mod:`.messages`), written in the caller's transaction, so a change
and its e-mails commit or roll back together; after the commit the ``promo.outbox_send`` task
(promo/tasks/notifications.py) sends them. Queueing never talks to the mail server; delivery does.

Delivery guarantees (:func:`outbox_deliver`):
- a worker claims due rows with ``SELECT ... FOR UPDATE SKIP LOCKED`` and marks them
  ``sending`` (with a lease in ``next_attempt_at``) before it talks to the server, so two
  workers never send the same row;
- a row becomes ``sent`` only after the server accepted the message; any failure puts it
  back to ``pending`` with ``attempts`` + 1 and an exponential ``next_attempt_at``, and after
  ``NOTIFY_MAX_ATTEMPTS`` it is ``failed`` (kept, with the last error, for a look);
- a worker that dies while holding rows leaves them ``sending``; when the lease ends the next
  claim (the ``promo.outbox_send`` beat, every minute) takes them again, counting the lost try
  as an attempt, so a message that kills its worker every time ends ``failed`` with the reason
  instead of looping. Every message carries a fixed Message-ID, so a mail sent just before
  such a crash (or whose acknowledgement the server's disconnect lost) and sent again is
  recognisable as the same message: at-least-once delivery, never silently none;
- after a longer outage than the retry budget, administrators resend failed messages
  (:func:`outbox_resend`: the admin action, ``manage.py resend_failed_mail``) with a fresh
  budget.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from promo.models import OutboxMessage, PromoEvent
from promo.notifications.messages import EventMessages
from promo.notifications.recipients import event_recipients

logger = logging.getLogger(__name__)


def notify_event(event: PromoEvent) -> list[OutboxMessage]:
    """Queue the e-mails for ``event``: one outbox row per recipient, written in the caller's
    transaction; after the commit a Celery task sends them. Calling it twice for the same
    event queues nothing new (unique event + recipient)."""
    recipients = event_recipients(event)
    if not recipients:
        return []
    messages = EventMessages(event)
    rows = []
    for recipient in recipients:
        subject, text, html = messages.for_recipient(recipient)
        rows.append(OutboxMessage(
            event=event, recipient=recipient.user, to_address=recipient.user.email,
            language=recipient.language, subject=subject, body_text=text, body_html=html,
        ))
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(_send_queued, robust=True)
    return rows


def _send_queued() -> None:
    # The one accepted circle: this module enqueues its own task, which calls back into
    # outbox_deliver_due. Imported here: importing promo.tasks loads every task module of the
    # app (and the services behind them), which must stay free to import this one.
    from promo.tasks.notifications import outbox_send

    outbox_send.delay()


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    outage: bool = False


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the ``attempts``-th failed attempt: base, 2×base, 4×base … capped."""
    seconds = settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, settings.NOTIFY_RETRY_MAX_SECONDS))


def message_id(message: OutboxMessage) -> str:
    host = urlsplit(settings.PORTAL_BASE_URL).hostname or "promo-portal.local"
    return f"<outbox.{message.pk}.{message.event_id}@{host}>"


# The error a message keeps when its worker died while sending it.
WORKER_LOST = "the worker stopped while sending (its lease ran out); sent again"


def outbox_claim(*, limit: int, now=None) -> list[OutboxMessage]:
    """Take up to ``limit`` due messages for this worker: pending ones whose time has come and
    ``sending`` ones whose lease ran out (their worker died: that try counts as an attempt,
    and a message out of attempts is failed instead of taken). Rows another worker holds are
    skipped, not waited for."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING],
                    next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")[:limit]
        )
        lease_end = now + timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
        claimed = []
        for row in rows:
            row.updated_at = now  # bulk_update does not touch auto_now fields
            if row.status == OutboxMessage.Status.SENDING:
                row.attempts += 1
                row.last_error = WORKER_LOST
                logger.warning("outbox message %s: its worker died while sending it", row.pk)
                if row.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
                    row.status = OutboxMessage.Status.FAILED
                    continue
            row.status = OutboxMessage.Status.SENDING
            row.next_attempt_at = lease_end
            claimed.append(row)
        OutboxMessage.objects.bulk_update(rows, ["status", "attempts", "last_error", "next_attempt_at",
                                                 "updated_at"])
    return claimed


def _email(message: OutboxMessage, connection) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.body_text, from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_address], connection=connection,
        headers={"Message-ID": message_id(message), "Content-Language": message.language},
    )
    email.attach_alternative(message.body_html, "text/html")
    return email


def _mark_sent(message: OutboxMessage) -> None:
    message.status = OutboxMessage.Status.SENT
    message.attempts += 1
    message.sent_at = timezone.now()
    message.last_error = ""
    message.save(update_fields=["status", "attempts", "sent_at", "last_error", "updated_at"])


def _mark_retry(message: OutboxMessage, error: str, report: DeliveryReport) -> None:
    message.attempts += 1
    message.last_error = error[:2000]
    if message.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        message.status = OutboxMessage.Status.FAILED
        report.failed += 1
        logger.error("outbox message %s failed for good after %s attempts: %s",
                     message.pk, message.attempts, error)
    else:
        message.status = OutboxMessage.Status.PENDING
        message.next_attempt_at = timezone.now() + retry_delay(message.attempts)
        report.retried += 1
    message.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "updated_at"])


def _is_outage(exc: Exception) -> bool:
    """The server is gone for this run (the rest of the batch waits too), as opposed to a
    refusal of one message. smtplib's errors are OSErrors as well, hence the order."""
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def outbox_deliver(*, limit: int | None = None) -> DeliveryReport:
    """Send one batch of due messages over the configured e-mail backend, one connection for
    the batch. Returns what happened; an outage is reported, never raised."""
    report = DeliveryReport()
    claimed = outbox_claim(limit=limit or settings.NOTIFY_BATCH_SIZE)
    report.claimed = len(claimed)
    if not claimed:
        return report
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:  # the server is unreachable: every claimed message waits
        report.outage = True
        for message in claimed:
            _mark_retry(message, _describe(exc), report)
        logger.warning("mail server unreachable, %s messages wait: %s", len(claimed), exc)
        return report
    outage: Exception | None = None
    try:
        for message in claimed:
            if outage is not None:
                _mark_retry(message, _describe(outage), report)
                continue
            try:
                accepted = connection.send_messages([_email(message, connection)])
            except Exception as exc:  # an outage, or a refusal of this message only
                if _is_outage(exc):
                    outage = exc
                    report.outage = True
                _mark_retry(message, _describe(exc), report)
            else:
                if accepted:
                    _mark_sent(message)
                    report.sent += 1
                else:
                    _mark_retry(message, "the backend did not accept the message", report)
    finally:
        try:
            connection.close()
        except Exception:  # closing a dead connection must not hide what was sent
            logger.debug("closing the mail connection failed", exc_info=True)
    return report


def outbox_deliver_due(*, max_batches: int = 50) -> DeliveryReport:
    """Deliver batches until nothing is due or the server is down (then the beat retries)."""
    total = DeliveryReport()
    for _batch in range(max_batches):
        report = outbox_deliver()
        for name in ("claimed", "sent", "retried", "failed"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        total.outage = total.outage or report.outage
        if report.outage or report.claimed < settings.NOTIFY_BATCH_SIZE:
            break
    return total


def outbox_resend(*, ids: list[int] | None = None, failed_since=None, now=None) -> int:
    """Give failed messages a fresh retry budget and send them (an outage longer than
    NOTIFY_MAX_ATTEMPTS tries, now over): ``ids`` some of them, ``failed_since`` every message
    marked failed since then (an aware datetime), or both. Messages that are not failed are
    left alone; the number queued again is returned. The mail goes out after the commit; a
    message the server had stored before its acknowledgement was lost arrives twice, with the
    same Message-ID."""
    now = now or timezone.now()
    if ids is None and failed_since is None:
        raise ValueError("outbox_resend needs ids or failed_since")
    rows = OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    if failed_since is not None:
        rows = rows.filter(updated_at__gte=failed_since)
    with transaction.atomic():
        resent = list(rows.select_for_update(skip_locked=True))
        for row in resent:
            row.status = OutboxMessage.Status.PENDING
            row.attempts = 0
            row.next_attempt_at = now
            row.updated_at = now
        OutboxMessage.objects.bulk_update(resent, ["status", "attempts", "next_attempt_at", "updated_at"])
        if resent:
            transaction.on_commit(_send_queued, robust=True)
    logger.info("outbox: %s failed messages queued again", len(resent))
    return len(resent)
