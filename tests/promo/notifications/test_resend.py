"""Mail after a crash or a long outage (issue 11 items 5 and 6): a message whose worker died
while sending is taken again when its lease ends (and fails with the reason once out of
attempts); messages marked failed after an outage longer than the retry budget are resent by
administrators from admin or ``manage.py resend_failed_mail``; a message the server stored but
whose acknowledgement was lost arrives twice, with the same Message-ID."""

import email
from datetime import timedelta
from email import policy
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from promo.models import OutboxMessage, PromoEvent
from promo.notifications.outbox import WORKER_LOST, outbox_claim, outbox_resend
from promo.services.events import event_record
from promo.tasks.notifications import outbox_send

Kind = PromoEvent.Kind
pytestmark = pytest.mark.django_db


def queue(world):
    """The author submits the promo; the messages are queued (the commit hooks do not run)."""
    event = event_record(kind=Kind.PROMO_SUBMITTED, actor=world.author, promo=world.promo,
                         from_status="draft", to_status="submitted")
    return OutboxMessage.objects.filter(event=event)


def fail_all(messages, *, when=None) -> None:
    """Mark ``messages`` failed for good, as the last retry of an outage leaves them."""
    with time_machine.travel(when or timezone.now(), tick=False):
        for message in messages:
            message.status, message.attempts, message.last_error = OutboxMessage.Status.FAILED, 12, "ConnectionRefusedError"
            message.save()


def message_ids(envelopes) -> list[str]:
    return [email.message_from_bytes(env.original_content, policy=policy.default)["Message-ID"]
            for env in envelopes]


# --- a worker that died while sending --------------------------------------------------------------


def test_a_message_whose_worker_died_while_sending_is_sent_when_its_lease_ends(world):
    # given a worker claimed the messages and died before sending them (they stay «sending»)
    messages = queue(world)
    claimed = outbox_claim(limit=100)
    assert {m.status for m in messages.all()} == {OutboxMessage.Status.SENDING}
    mail.outbox = []

    # when the outbox beat runs after the lease ended
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        outbox_send()

    # then each is sent once; the lost try counts as an attempt and says what happened
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.to_address for m in claimed)
    assert set(messages.values_list("status", "attempts")) == {(OutboxMessage.Status.SENT, 2)}


def test_a_message_that_keeps_killing_its_worker_ends_failed_with_the_reason(world, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    messages = queue(world)
    # given its worker died twice while sending it
    outbox_claim(limit=100)
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        outbox_claim(limit=100)
    mail.outbox = []

    with time_machine.travel(timezone.now() + timedelta(minutes=22), tick=False):
        outbox_send()

    assert mail.outbox == []
    assert set(messages.values_list("status", "attempts", "last_error")) == {
        (OutboxMessage.Status.FAILED, 2, WORKER_LOST)}


# --- resending failed mail ------------------------------------------------------------------------------


def test_resending_gives_failed_messages_a_fresh_budget_and_leaves_the_others(world,
                                                                              django_capture_on_commit_callbacks):
    messages = list(queue(world))
    failed, pending = messages[:-1], messages[-1]
    fail_all(failed)
    mail.outbox = []

    with django_capture_on_commit_callbacks(execute=True):
        count = outbox_resend(ids=[m.pk for m in messages])

    assert count == len(failed)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.to_address for m in messages)
    statuses = dict(OutboxMessage.objects.filter(pk__in=[m.pk for m in failed]).values_list("status", "attempts")
                    .distinct())
    assert statuses == {OutboxMessage.Status.SENT: 1}
    pending.refresh_from_db()
    assert pending.status == OutboxMessage.Status.SENT


def test_administrators_see_failed_messages_and_resend_them_from_admin(client_for, world,
                                                                       django_capture_on_commit_callbacks):
    messages = list(queue(world))
    fail_all(messages)
    admin = client_for("admin")
    mail.outbox = []

    # the list shows the failed messages with their last error
    page = admin.get("/admin/promo/outboxmessage/?status__exact=failed")
    html = page.content.decode()
    assert page.status_code == 200 and world.colleague.email in html and "ConnectionRefusedError" in html
    assert 'value="resend"' in html

    # and the action «Отправить ещё раз» sends them
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/admin/promo/outboxmessage/", {
            "action": "resend", "_selected_action": [m.pk for m in messages]}, follow=True)
    assert response.status_code == 200
    assert f"Поставлено в очередь снова: {len(messages)}" in response.content.decode()
    assert len(mail.outbox) == len(messages)
    assert set(OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).values_list("status", flat=True)) == {
        OutboxMessage.Status.SENT}


def test_the_command_resends_one_or_every_message_failed_since_a_date(world, django_capture_on_commit_callbacks):
    messages = list(queue(world))
    old, recent = messages[0], messages[1:]
    fail_all([old], when=timezone.now() - timedelta(days=10))
    fail_all(recent, when=timezone.now() - timedelta(days=1))
    since = timezone.localdate() - timedelta(days=3)
    out = StringIO()

    # --list shows the failed ones since the date, sending nothing
    call_command("resend_failed_mail", "--since", since.isoformat(), "--list", stdout=out)
    listed = [line.split("\t")[0] for line in out.getvalue().splitlines()]
    assert sorted(map(int, listed)) == sorted(m.pk for m in recent)
    assert {m.status for m in OutboxMessage.objects.filter(pk__in=listed)} == {OutboxMessage.Status.FAILED}

    # --since resends them; --id the old one
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        call_command("resend_failed_mail", "--since", since.isoformat(), stdout=StringIO())
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.to_address for m in recent)
    old.refresh_from_db()
    assert old.status == OutboxMessage.Status.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        call_command("resend_failed_mail", "--id", str(old.pk), stdout=StringIO())
    old.refresh_from_db()
    assert old.status == OutboxMessage.Status.SENT


@pytest.mark.parametrize("args", [[], ["--since", "вчера"]])
def test_the_command_refuses_unclear_arguments(world, args):
    with pytest.raises(CommandError):
        call_command("resend_failed_mail", *args, stdout=StringIO())


# --- with the real SMTP server -----------------------------------------------------------------------------


@pytest.mark.smtp
def test_after_an_outage_longer_than_the_retry_budget_failed_mail_is_resent_and_delivered(
        world, settings, smtp_server):
    # given the server is down for longer than the retry budget: every message ends failed
    settings.NOTIFY_MAX_ATTEMPTS = 2
    messages = queue(world)
    outbox_send()
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        outbox_send()
    assert set(messages.values_list("status", flat=True)) == {OutboxMessage.Status.FAILED}

    # when the server is back and an administrator resends everything failed since today
    mailbox = smtp_server()
    out = StringIO()
    call_command("resend_failed_mail", "--since", timezone.localdate().isoformat(), "--now", stdout=out)

    # then every message is delivered, once
    assert sorted(r for env in mailbox.envelopes for r in env.rcpt_tos) == sorted(m.to_address for m in messages)
    assert set(messages.values_list("status", flat=True)) == {OutboxMessage.Status.SENT}
    assert "Sent " in out.getvalue()


class LostAcknowledgement:
    """Stores the first message it receives, then drops the connection before answering (the
    acknowledgement is lost); afterwards a normal server."""

    def __init__(self):
        self.envelopes = []
        self.dropped = False

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        if not self.dropped:
            self.dropped = True
            server.transport.close()
        return "250 OK"


@pytest.mark.smtp
def test_a_message_stored_before_its_acknowledgement_was_lost_arrives_twice_with_the_same_message_id(
        world, smtp_port):
    from aiosmtpd.controller import Controller

    # given a server that stores the first message and loses its acknowledgement
    handler = LostAcknowledgement()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        messages = queue(world)
        first = messages.order_by("pk").first()
        outbox_send()
        first.refresh_from_db()
        # then the portal does not know it was delivered: it waits for a retry
        assert first.status == OutboxMessage.Status.PENDING and first.attempts == 1
        # and the retry delivers it again
        with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
            outbox_send()
    finally:
        controller.stop()

    first.refresh_from_db()
    assert first.status == OutboxMessage.Status.SENT
    copies = [env for env in handler.envelopes if env.rcpt_tos == [first.to_address]]
    ids = message_ids(copies)
    assert len(copies) == 2 and ids[0] == ids[1] and ids[0].startswith(f"<outbox.{first.pk}.")
    # every other recipient got one copy
    others = [env for env in handler.envelopes if env.rcpt_tos != [first.to_address]]
    assert sorted(r for env in others for r in env.rcpt_tos) == sorted(
        m.to_address for m in messages if m.pk != first.pk)


def test_the_command_says_when_there_is_no_failed_message_to_list():
    # given no message that failed
    out, err = StringIO(), StringIO()
    # when an operator lists the failed ones
    call_command("resend_failed_mail", "--list", stdout=out, stderr=err)
    # then he is told there are none (not an empty answer), and the listing itself stays empty
    assert err.getvalue().strip() == "No failed messages."
    assert out.getvalue() == ""
