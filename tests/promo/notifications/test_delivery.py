"""Delivery of the outbox: sent after the commit over the configured backend, marked sent only
once the server accepted the message, retried with backoff during an outage, never twice."""

import email
import smtplib
from datetime import timedelta
from email import policy
from email.header import decode_header, make_header

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from promo.models import OutboxMessage, PromoEvent
from promo.notifications.outbox import outbox_claim
from promo.services.events import event_record
from promo.tasks.notifications import outbox_send

Kind = PromoEvent.Kind
pytestmark = pytest.mark.django_db


def submit(world, django_capture_on_commit_callbacks):
    """The author submits the promo; the commit hooks run (they send the outbox)."""
    with django_capture_on_commit_callbacks(execute=True):
        return event_record(kind=Kind.PROMO_SUBMITTED, actor=world.author, promo=world.promo,
                            from_status="draft", to_status="submitted")


def parsed(envelope):
    return email.message_from_bytes(envelope.original_content, policy=policy.default)


def subject_of(envelope) -> str:
    """The subject as a mail client shows it (encoded words decoded and joined)."""
    raw = email.message_from_bytes(envelope.original_content)["Subject"]
    return str(make_header(decode_header(raw)))


def test_messages_go_out_after_the_commit_over_the_configured_backend(world, django_capture_on_commit_callbacks):
    # when the change commits
    event = submit(world, django_capture_on_commit_callbacks)

    # then every queued message was handed to the backend and marked sent
    queued = OutboxMessage.objects.filter(event=event)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(queued.values_list("to_address", flat=True))
    assert set(queued.values_list("status", flat=True)) == {OutboxMessage.Status.SENT}
    assert all(m.sent_at and m.attempts == 1 for m in queued)
    first = mail.outbox[0]
    assert first.alternatives[0].mimetype == "text/html"
    assert first.extra_headers["Message-ID"].startswith("<outbox.")


@pytest.mark.smtp
def test_a_real_smtp_server_receives_the_message(world, smtp_server, django_capture_on_commit_callbacks):
    # given a mail server listening on 127.0.0.1
    mailbox = smtp_server()

    # when the promo is submitted
    event = submit(world, django_capture_on_commit_callbacks)

    # then the server received one message per recipient, with the subject and both bodies
    queued = {m.to_address: m for m in OutboxMessage.objects.filter(event=event)}
    assert sorted(rcpt for env in mailbox.envelopes for rcpt in env.rcpt_tos) == sorted(queued)
    colleague = next(env for env in mailbox.envelopes if env.rcpt_tos == [world.colleague.email])
    message = parsed(colleague)
    assert subject_of(colleague) == f"[Промо-портал] Отправлено на согласование: {world.promo.code} «Весенние скидки»"
    assert "Весенние скидки" in message.get_body(("plain",)).get_content()
    assert "01.02.2027 – 14.02.2027" in message.get_body(("html",)).get_content()
    assert all(m.status == OutboxMessage.Status.SENT for m in queued.values())


@pytest.mark.smtp
def test_an_outage_keeps_messages_queued_and_delivers_them_once_when_the_server_is_back(
        world, smtp_server, django_capture_on_commit_callbacks):
    # given the mail server is down when the promo is submitted
    event = submit(world, django_capture_on_commit_callbacks)

    # then nothing is lost: every message waits with one attempt and a later retry time
    queued = list(OutboxMessage.objects.filter(event=event))
    assert queued
    for message in queued:
        assert message.status == OutboxMessage.Status.PENDING
        assert message.attempts == 1
        assert message.next_attempt_at > timezone.now()
        assert "Connection" in message.last_error or "refused" in message.last_error

    # when the server comes back, a run before the retry time sends nothing yet
    mailbox = smtp_server()
    outbox_send()
    assert mailbox.envelopes == []

    # and the beat's run after the retry time delivers each message, once
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        outbox_send()
        outbox_send()
    assert sorted(r for env in mailbox.envelopes for r in env.rcpt_tos) == sorted(m.to_address for m in queued)
    assert set(OutboxMessage.objects.filter(event=event).values_list("status", "attempts")) == {
        (OutboxMessage.Status.SENT, 2)}


@pytest.mark.smtp
def test_a_message_the_server_refuses_is_not_marked_sent(world, smtp_server, django_capture_on_commit_callbacks):
    # given a server that answers the data with 554
    mailbox = smtp_server()
    mailbox.refuse = True

    event = submit(world, django_capture_on_commit_callbacks)

    # then the messages stay queued with the server's answer
    assert set(OutboxMessage.objects.filter(event=event).values_list("status", flat=True)) == {
        OutboxMessage.Status.PENDING}
    assert "554" in OutboxMessage.objects.filter(event=event).first().last_error


class RefusingBackend(BaseEmailBackend):
    """Accepts every message except those to an address containing «colleague»."""

    def send_messages(self, messages):
        for message in messages:
            if "colleague" in message.to[0]:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no such user")})
            mail.outbox.append(message)
        return len(messages)


def test_one_refused_recipient_does_not_hold_back_the_others(world, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    mail.outbox = []

    event = submit(world, django_capture_on_commit_callbacks)

    statuses = dict(OutboxMessage.objects.filter(event=event).values_list("recipient__username", "status"))
    assert statuses.pop("colleague") == OutboxMessage.Status.PENDING
    assert set(statuses.values()) == {OutboxMessage.Status.SENT}
    assert world.colleague.email not in [m.to[0] for m in mail.outbox]


def test_retries_back_off_and_give_up_after_the_last_attempt(world, settings, django_capture_on_commit_callbacks):
    # given a backend that keeps refusing the colleague, and three attempts allowed
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    settings.NOTIFY_MAX_ATTEMPTS = 3
    event = submit(world, django_capture_on_commit_callbacks)
    message = OutboxMessage.objects.get(event=event, recipient=world.colleague)
    first_delay = message.next_attempt_at - message.updated_at

    # when the beat retries after each wait
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        outbox_send()
        message.refresh_from_db()
        second_delay = message.next_attempt_at - message.updated_at
    with time_machine.travel(timezone.now() + timedelta(hours=3), tick=False):
        outbox_send()

    # then each wait doubled, and after the third attempt the message is marked failed
    assert second_delay > first_delay * 1.9
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.FAILED, 3)
    assert "no such user" in message.last_error


def test_a_claimed_message_is_not_claimed_again_until_its_lease_ends(world):
    # given queued messages (the commit hooks did not run: nothing was sent)
    event = event_record(kind=Kind.PROMO_SUBMITTED, actor=world.author, promo=world.promo)
    total = OutboxMessage.objects.filter(event=event).count()

    # when one worker claims them, a second worker finds nothing to do
    first = outbox_claim(limit=100)
    assert len(first) == total
    assert outbox_claim(limit=100) == []

    # and if the first worker died, the messages are due again once its lease ended
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        assert {m.pk for m in outbox_claim(limit=100)} == {m.pk for m in first}


def test_administrators_can_look_at_the_outbox(client_for, world):
    # given a message that failed and waits for a retry
    event = event_record(kind=Kind.PROMO_SUBMITTED, actor=world.author, promo=world.promo)
    OutboxMessage.objects.filter(event=event).update(attempts=2, last_error="SMTPServerDisconnected")

    response = client_for("admin").get("/admin/promo/outboxmessage/?status=pending")

    assert response.status_code == 200
    assert world.colleague.email in response.content.decode()
