"""What a message says: subject, plain text and HTML of an event, rendered from the
``templates/promo/email/`` templates in the recipient's language, with the «old → new» rows
of :mod:`promo.changes` (the same texts the history and the promo page show).

A digest (an import, a mass correction) lists the promos of the event a recipient may see (the
first :data:`MAX_PROMOS`, then how many more and the link to all of them);
its per-promo changes are read from the payload once (:func:`digest_changes`), so building a
digest is linear in promos and changes and its queries do not grow with them.
"""

from __future__ import annotations

import re
from collections import defaultdict

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from promo.changes import Change, ChangeFormatter, RawChange, below_floor_note, payload_changes
from promo.models import Promo, PromoEvent, PromoLine, PromoRevision
from promo.notifications.kinds import (
    DATE_KINDS,
    EXPORT_KINDS,
    UPLOAD_KINDS,
    Kind,
    as_pk,
    event_promo_ids,
    is_digest,
)
from promo.notifications.recipients import Recipient
from promo.payload_wording import payload_text
from promo.services.imports.problems import stored_problems
from promo.services.imports.reasons import event_reason

# A message lists at most this many changes (per promo in a digest); the page has the rest.
MAX_CHANGES = 50
# A digest lists at most this many promos and links to the page with all of them (the upload,
# or the promo list): nobody reads a mail of 10,000 promos, and 100 of them take seconds.
MAX_PROMOS = 100
BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")


def absolute_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def url_of(obj=None, *names: str) -> str:
    """The absolute link to ``obj`` or the first named page that exists. A page another part
    of the portal has not wired yet must not break the change that sends the mail."""
    if obj is not None:
        try:
            return absolute_url(obj.get_absolute_url())
        except NoReverseMatch:
            pass
    for name in names:
        try:
            return absolute_url(reverse(name))
        except NoReverseMatch:
            continue
    return absolute_url(reverse("home"))


def _day(value) -> str:
    """A date as the ``date:"d.m.Y"`` filter writes it; "" for none."""
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}" if value else ""


def digest_changes(payload: dict) -> dict[int, list[RawChange]]:
    """``{promo id: raw change rows}`` of a digest payload, in one pass: the changes inside
    each ``promos`` item, then those keyed by promo id in ``changes`` (a mass correction)."""
    rows: dict[int, list[RawChange]] = defaultdict(list)
    for item in payload.get("promos") or []:
        if isinstance(item, dict):
            pk = as_pk(item)
            if pk is not None:
                rows[pk] += payload_changes(item)
    by_id = payload.get("changes")
    if isinstance(by_id, dict):
        for key, part in by_id.items():
            pk = as_pk(key)
            if pk is None or not str(key).isdigit() or not isinstance(part, dict | list):
                continue
            rows[pk] += payload_changes(part if isinstance(part, dict) and "changes" in part else {"changes": part})
    return rows


class EventMessages:
    """Renders the messages of one event: the facts are loaded once, each (language, visible
    promos) variant is rendered once and shared by the recipients it fits."""

    def __init__(self, event: PromoEvent):
        self.event = event
        self.payload = event.payload if isinstance(event.payload, dict) else {}
        ids = event_promo_ids(event)
        # What a message shows of a promo (promo_context), and nothing more: a digest loads
        # 10,000 of them.
        promos = Promo.objects.filter(pk__in=ids).select_related("supplier", "approved_revision").only(
            "name", "mechanic", "start", "end", "status", "revision", "approved_revision_id", "supplier__code",
            "supplier__name", "approved_revision__number", "approved_revision__start", "approved_revision__end")
        by_pk = {promo.pk: promo for promo in promos}
        self.promos = [by_pk[pk] for pk in ids if pk in by_pk]
        self._position = {promo.pk: index for index, promo in enumerate(self.promos)}
        self.is_digest = is_digest(event)
        self.digest = digest_changes(self.payload) if self.is_digest else {}
        self.raw_changes = self._event_changes()
        self.formatter = ChangeFormatter()
        self.formatter.load(row for rows in (self.raw_changes, *self.digest.values()) for row in rows)
        # Texts depend on the language only: a promo's rows are formatted once per language.
        self._promo_rows: dict[tuple[str, int], dict] = {}
        self._labels: dict[tuple[str, str, str], str] = {}
        self._rendered: dict = {}

    def for_recipient(self, recipient: Recipient) -> tuple[str, str, str]:
        key = (recipient.language, recipient.promo_ids)
        if key not in self._rendered:
            with translation.override(recipient.language):
                self._rendered[key] = self.render(recipient.promo_ids)
        return self._rendered[key]

    def render(self, promo_ids: frozenset[int] | None = None) -> tuple[str, str, str]:
        """``(subject, text, html)`` in the active language."""
        if promo_ids is None:
            promos = self.promos
        else:
            # A recipient's few promos, in the event's order, without a pass over all of them
            # (100 suppliers' digests of 10,000 promos would be a million look-ups).
            position = self._position
            promos = [self.promos[index] for index in sorted(position[pk] for pk in promo_ids if pk in position)]
        context = self.context(promos)
        names = self.template_names()
        text = render_to_string([f"{name}.txt" for name in names], context)
        html = render_to_string([f"{name}.html" for name in names], context)
        # Template tags leave runs of empty lines in the plain text: one is enough.
        return context["subject"], BLANK_LINES.sub("\n\n", text).strip() + "\n", html

    def template_names(self) -> list[str]:
        kind = self.event.kind
        if kind in EXPORT_KINDS:
            family = "export"
        elif self.is_digest:
            family = "digest"
        elif kind in UPLOAD_KINDS:
            family = "upload"
        else:
            family = "event"
        return [f"promo/email/{kind}", f"promo/email/{family}", "promo/email/event"]

    def changes(self, raw: list[RawChange]) -> list[Change]:
        return [self.formatter.change(*row) for row in raw[:MAX_CHANGES]]

    def label(self, field: str, value: str) -> str:
        """``get_<field>_display()`` in the active language, looked up once per language and
        value (Django's rebuilds the choices and translates the label on every call: a quarter
        of a 10,000-promo digest)."""
        key = (translation.get_language(), field, value)
        text = self._labels.get(key)
        if text is None:
            choices = dict(Promo._meta.get_field(field).flatchoices)
            text = self._labels[key] = str(choices.get(value, value))
        return text

    def promo_context(self, promo: Promo) -> dict:
        key = (translation.get_language(), promo.pk)
        if key not in self._promo_rows:
            revision = promo.approved_revision if self.event.kind in DATE_KINDS else None
            start, end = (revision.start, revision.end) if revision else (promo.start, promo.end)
            self._promo_rows[key] = {
                "code": promo.code, "name": promo.name, "supplier": str(promo.supplier),
                "mechanic": self.label("mechanic", promo.mechanic), "start": start, "end": end,
                # The period as the templates show it (d.m.Y), formatted once per promo rather
                # than by the date filter in every template that lists it.
                "period": f"{_day(start)} – {_day(end)}",
                "status": self.label("status", promo.status), "url": url_of(promo),
                "changes": self.changes(self.digest.get(promo.pk, [])),
                "due": self.formatter.value("date", due) if (due := self._due_of(promo.pk)) else "",
                "in_force": self._in_force(promo),
            }
        return self._promo_rows[key]

    @staticmethod
    def _in_force(promo: Promo) -> str:
        """The approved revision still at the tills while a newer one waits or was rejected
        (its period), or ``""``: a mail about the newer revision must not read as if the
        running promo had changed or stopped."""
        revision = promo.approved_revision
        if (revision is None or revision.number == promo.revision
                or promo.status not in Promo.Status.behind_newer()):
            return ""
        return _("действует согласованная ревизия %(n)s: %(start)s – %(end)s") % {
            "n": revision.number, "start": _day(revision.start), "end": _day(revision.end)}

    def _due_of(self, pk: int) -> str | None:
        """A deadline event's due date of one promo (``payload.due``, keyed by promo id)."""
        due = self.payload.get("due")
        return due.get(str(pk)) if isinstance(due, dict) else None

    def _event_changes(self) -> list[RawChange]:
        rows = payload_changes(self.payload)
        event = self.event
        if not rows and event.kind == Kind.REVISION_CREATED and event.promo_id:
            revision = (PromoRevision.objects.filter(promo_id=event.promo_id)
                        .order_by("-number").only("diff").first())
            if revision is not None:
                rows = payload_changes({"diff": revision.diff})
        return rows

    def decided_lines(self) -> list[dict]:
        lines = self.payload.get("lines")
        if not isinstance(lines, list):
            return []
        rows = []
        for line in lines:
            if isinstance(line, dict):
                decision = line.get("decision") or ""
                rows.append({
                    "article": line.get("article") or "", "name": line.get("name") or "",
                    "decision": self.formatter.value("decision", decision) if decision else "",
                    "rejected": decision == PromoLine.Decision.REJECTED,
                    "reason": below_floor_note(line.get("below_floor"),
                                               line.get("reason") or line.get("decision_reason") or ""),
                })
        return rows[:MAX_CHANGES * 4]

    def upload_context(self) -> dict | None:
        upload = self.event.upload if self.event.upload_id else None
        if upload is None:
            return None
        records = [e for e in (upload.errors or []) if isinstance(e, dict)]
        summary = upload.summary if isinstance(upload.summary, dict) else {}
        return {
            "name": upload.original_name,
            "rows": summary.get("rows") or upload.rows_total,
            # Worded again in the recipient's language (the mail is rendered in it).
            "errors": stored_problems(records[:20]),
            "errors_count": len(upload.errors or []),
            "more_errors": max(0, len(records) - 20),
            "url": url_of(upload),
        }

    def export_context(self) -> dict:
        def messages(key: str) -> list[str]:
            items = self.payload.get(key) or []
            items = items if isinstance(items, list) else [items]
            # An export's messages are stored as data, worded here in the recipient's language.
            return [payload_text(item) for item in items][:100]

        warnings, errors = messages("warnings"), messages("errors")
        run_id = as_pk(self.payload.get("run_id"))
        totals = {key: self.payload.get(f"{key}_total") for key in ("warnings", "errors")}
        run_url = None
        if run_id is not None:
            try:
                run_url = absolute_url(reverse("exports:run_detail", args=[run_id]))
            except NoReverseMatch:
                run_url = None
        return {
            "run_id": run_id,
            "run": self.payload.get("run") or run_id,
            "date": self.formatter.value("date", self.payload.get("date")),
            "reason": (payload_text(self.payload["message"]) if isinstance(self.payload.get("message"), dict)
                       else self.payload.get("reason") or self.event.reason),
            # A Set Retail delivery that failed or was rejected (the run itself succeeded).
            "delivery": self.payload.get("delivery") or "",
            "file": self.payload.get("file") or "",
            "warnings": warnings,
            "errors": errors,
            "more": max(0, (totals["warnings"] or len(warnings)) - len(warnings))
            + max(0, (totals["errors"] or len(errors)) - len(errors)),
            "url": run_url or url_of(None, "exports:run_list"),
        }

    def kind_label(self, export: dict | None) -> str:
        """The event's title: its kind, or what happened to a succeeded run's Set Retail delivery."""
        if export and export["delivery"]:
            return str(_("Set Retail 10 не принял выгрузку"))
        return self.event.get_kind_display()

    def subject(self, promos: list[dict], count: int, upload: dict | None, export: dict | None) -> str:
        """``count``: the recipient's promos of the event (``promos`` lists the first of them)."""
        event = self.event
        label = self.kind_label(export)
        if event.kind in EXPORT_KINDS:
            what = export["date"] if export["date"] != "—" else ""
        elif event.kind in UPLOAD_KINDS and upload:
            what = upload["name"]
            if count:
                what = _("%(name)s, промо: %(count)d") % {"name": what, "count": count}
        elif count == 1:
            # One promo, whether the event is about one or a digest names just one for this
            # recipient (a reminder, a mass correction): its code and name, not «промо: 1».
            what = f"{promos[0]['code']} «{promos[0]['name']}»"
        else:
            what = _("промо: %(count)d") % {"count": count}
        return f"[{_('Промо-портал')}] {label}: {what}".strip().rstrip(":")[:300]

    def context(self, promos: list[Promo]) -> dict:
        event = self.event
        actor = event.actor
        count = len(promos)
        promo_rows = [self.promo_context(promo) for promo in promos[:MAX_PROMOS]]
        upload = self.upload_context() if event.kind in UPLOAD_KINDS else None
        export = self.export_context() if event.kind in EXPORT_KINDS else None
        if export:
            url = export["url"]
        elif upload and (event.kind == Kind.UPLOAD_REJECTED or not promo_rows):
            url = upload["url"]
        elif count == 1:
            url = promo_rows[0]["url"]
        else:
            url = url_of(event.upload if event.upload_id else None)
        value = self.formatter.value
        return {
            "subject": self.subject(promo_rows, count, upload, export),
            "kind": event.kind,
            "digest": self.is_digest,
            "requested_end": value("date", self.payload.get("requested_end")) if self.payload.get("requested_end") else "",
            "request_kind": self.payload.get("request_kind") or "",
            "request_reason": self.payload.get("request_reason") or "",
            "kind_label": self.kind_label(export),
            "actor": (actor.get_full_name() or actor.username) if actor else "",
            "created_at": event.created_at,
            "from_status": value("status", event.from_status) if event.from_status else "",
            "to_status": value("status", event.to_status) if event.to_status else "",
            "reason": event_reason(event),
            "comment": self.payload.get("text") or self.payload.get("comment") or event.reason,
            "date": value("date", self.payload.get("date")),
            "promos": promo_rows,
            "promo": promo_rows[0] if count == 1 else None,
            "promo_count": count,
            "more_promos": count - len(promo_rows),
            "all_promos_url": upload["url"] if upload else url_of(None, "promo:promo_list"),
            "changes": self.changes(self.raw_changes),
            "lines": self.decided_lines(),
            "upload": upload,
            "export": export,
            "url": url,
            "settings_url": url_of(None, "promo:notification_settings"),
        }
