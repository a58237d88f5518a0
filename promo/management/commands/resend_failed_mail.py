"""``python manage.py resend_failed_mail (--id ID [ID ...] | --since YYYY-MM-DD) [--list] [--now]``:
send again e-mails that were marked failed (the mail server was away longer than the retry
budget, NOTIFY_MAX_ATTEMPTS tries). Thin over ``promo.notifications.outbox.outbox_resend``,
the same service as the admin action «Отправить ещё раз».

Each message gets a fresh retry budget and goes out with the worker (``--now``: from this
process, at once). A message the mail server had stored before its acknowledgement was lost
may arrive twice, with the same Message-ID (docs/operations.md, «E-mail»)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from promo.models import OutboxMessage
from promo.notifications.outbox import outbox_deliver_due, outbox_resend


class Command(BaseCommand):
    help = ("Send failed e-mails again: --id for some of them, --since YYYY-MM-DD for every one marked "
            "failed since that day (local time); --list shows them without sending.")

    def add_arguments(self, parser):
        parser.add_argument("--id", dest="ids", type=int, nargs="+", help="Outbox message ids.")
        parser.add_argument("--since", help="Every message marked failed since this day (YYYY-MM-DD, local time).")
        parser.add_argument("--list", action="store_true", help="List the failed messages, send nothing.")
        parser.add_argument("--now", action="store_true",
                            help="Deliver from this process right away instead of leaving it to the worker.")

    def handle(self, *args, ids=None, since=None, **options):
        failed_since = self._since(since)
        if ids is None and failed_since is None and not options["list"]:
            raise CommandError("Pass --id ID [ID ...] or --since YYYY-MM-DD (or --list).")
        if options["list"]:
            self._list(ids, failed_since)
            return
        count = outbox_resend(ids=ids, failed_since=failed_since)
        if options["verbosity"] >= 1:
            self.stdout.write(f"Queued again: {count} failed message(s).")
        if options["now"] and count:
            report = outbox_deliver_due()
            if options["verbosity"] >= 1:
                self.stdout.write(f"Sent {report.sent}, waiting for a retry {report.retried}, "
                                  f"failed {report.failed}{' (the mail server is unreachable)' if report.outage else ''}.")

    def _since(self, value: str | None):
        if not value:
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from None
        return timezone.make_aware(datetime.combine(day, time.min))

    def _list(self, ids, failed_since) -> None:
        rows = OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED).order_by("updated_at", "pk")
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        if failed_since is not None:
            rows = rows.filter(updated_at__gte=failed_since)
        listed = 0
        for row in rows.iterator():
            failed_at = timezone.localtime(row.updated_at).strftime("%d.%m.%Y %H:%M")
            self.stdout.write(f"{row.pk}\t{failed_at}\t{row.to_address}\t{row.subject}\t{row.last_error[:200]}")
            listed += 1
        if not listed:
            # Said on stderr: the listing itself stays one tab-separated line per message.
            self.stderr.write("No failed messages.")
