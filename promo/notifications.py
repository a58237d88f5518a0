"""Notifications: who hears about a promo event, in which language and with which text, and
the outbox rows that carry it.

:func:`notify_event` is called by :func:`promo.services.events.event_record` inside the
transaction of the change. It writes one :class:`~promo.models.OutboxMessage` per recipient
(rendered in the recipient's language) and, after the commit, asks Celery to send them
(``promo.tasks.notifications``). Nothing here talks to the mail server.

Recipients (:func:`event_recipients`)
    - promo events: the supplier users of the promo's supplier, the category managers of the
      categories of its lines (not of other categories), the marketers;
    - upload events (``upload_imported`` / ``upload_rejected``): the supplier users of the
      upload's supplier (and of the suppliers of the promos it touched) and the marketers;
    - export events (``export_failed`` / ``export_warnings``): the marketers;
    - never the actor; never a supplier user when ``event.internal`` is set; never someone
      who switched the kind off (:class:`~promo.models.NotificationSettings`), is inactive or
      has no e-mail address.

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
    ``request``     ``extension_requested``: ``{"new_end": "2027-03-01"}``.
    ``text``        ``comment_added``: the comment (else ``event.reason``).
    ``run_id``, ``run``, ``date``, ``reason``, ``warnings``, ``errors`` (+ ``*_total``)
                    export events (``promo=None``); the link goes to the run's page.
    ``date``        date-based events (``starts_tomorrow``, ``started``, ``finished``): the day
                    they are about, which also makes them idempotent.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from guardian.utils import get_user_obj_perms_model

from branches.targeting import Targeting
from config.parsing import parse_id
from promo.models import OutboxMessage, Promo, PromoEvent, PromoLine, PromoRevision
from promo.services.corrections import FIELD_LABELS as CORRECTION_LABELS
from promo.services.corrections import fmt_date
from suppliers.models import Category, SupplierUser
from suppliers.roles import CATEGORY_DECIDE_PERM, Role

Kind = PromoEvent.Kind

EXPORT_KINDS = frozenset({Kind.EXPORT_FAILED, Kind.EXPORT_WARNINGS})
UPLOAD_KINDS = frozenset({Kind.UPLOAD_IMPORTED, Kind.UPLOAD_REJECTED})
DIGEST_KINDS = frozenset({Kind.UPLOAD_IMPORTED, Kind.MASS_CORRECTED})
DATE_KINDS = frozenset({Kind.STARTS_TOMORROW, Kind.STARTED, Kind.FINISHED})
# Event kinds a supplier user can ever receive (the settings page offers only these to them).
SUPPLIER_KINDS = tuple(kind for kind in Kind if kind not in EXPORT_KINDS)

DEFAULT_LANGUAGE = "ru"
# A digest lists at most this many changes per promo; the page has the rest.
MAX_CHANGES = 50

MONEY_FIELDS = frozenset({"promo_price", "regular_price"})
BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")


@dataclass(frozen=True)
class Recipient:
    """A person to mail about an event. ``promo_ids`` limits a digest to the promos this
    person may see; ``None`` means every promo of the event."""

    user: object
    language: str
    promo_ids: frozenset[int] | None = None


@dataclass(frozen=True)
class Change:
    """One «old -> new» row of a message (``what`` is a product article or empty for terms)."""

    what: str
    label: str
    old: str
    new: str


# --- which promos an event is about ------------------------------------------------------


def _as_pk(item) -> int | None:
    if isinstance(item, dict):
        item = next((item[key] for key in ("id", "pk", "promo_id", "promo") if key in item), None)
    if isinstance(item, bool):
        return None
    if isinstance(item, int):
        return item
    if isinstance(item, str):
        return parse_id(item)
    return None


def event_promo_ids(event: PromoEvent) -> list[int]:
    """The promos an event is about, in the order the event lists them."""
    items = event.payload.get("promos") if isinstance(event.payload, dict) else None
    ids = [pk for pk in map(_as_pk, items) if pk is not None] if isinstance(items, list) else []
    if event.promo_id:
        ids.insert(0, event.promo_id)
    if not ids and event.upload_id and event.kind in UPLOAD_KINDS:
        ids = list(event.upload.promos.order_by("pk").values_list("pk", flat=True))
    return list(dict.fromkeys(ids))


# --- who hears about it ------------------------------------------------------------------


def _category_manager_promos(promo_ids) -> dict[int, set[int]]:
    """``{manager user id: {promo ids with a line in one of his categories}}`` in two queries
    (the lines' categories, then the guardian grants on them), whatever the number of promos."""
    promos_by_category: dict[int, set[int]] = defaultdict(set)
    pairs = (PromoLine.objects.filter(promo_id__in=promo_ids)
             .values_list("product__category_id", "promo_id").distinct())
    for category_id, promo_id in pairs:
        promos_by_category[category_id].add(promo_id)
    if not promos_by_category:
        return {}
    grants = get_user_obj_perms_model(Category).objects.filter(
        content_type=ContentType.objects.get_for_model(Category),
        permission__codename=CATEGORY_DECIDE_PERM.split(".", 1)[1],
        object_pk__in=[str(pk) for pk in promos_by_category],
    ).values_list("user_id", "object_pk")
    managers: dict[int, set[int]] = defaultdict(set)
    for user_id, object_pk in grants:
        managers[user_id] |= promos_by_category[int(object_pk)]
    return managers


def event_recipients(event: PromoEvent) -> list[Recipient]:
    """Everyone who should get a message about ``event`` (see the module docstring), in a
    fixed number of queries."""
    kind = event.kind
    promo_ids = event_promo_ids(event)
    supplier_of = dict(Promo.objects.filter(pk__in=promo_ids).values_list("pk", "supplier_id"))
    visible: dict[int, set[int] | None] = {}

    def grant(user_id: int, ids: set[int] | None) -> None:
        if ids is None or visible.get(user_id, set()) is None:
            visible[user_id] = None
        else:
            visible[user_id] = visible.get(user_id, set()) | ids

    if kind not in EXPORT_KINDS:
        if not event.internal:
            supplier_ids = set(supplier_of.values())
            if kind in UPLOAD_KINDS and event.upload_id and event.upload.supplier_id:
                supplier_ids.add(event.upload.supplier_id)
            links = SupplierUser.objects.filter(supplier_id__in=supplier_ids).values_list("user_id", "supplier_id")
            for user_id, supplier_id in links:
                grant(user_id, {pk for pk, owner in supplier_of.items() if owner == supplier_id})
        if kind not in UPLOAD_KINDS and supplier_of:
            for user_id, ids in _category_manager_promos(supplier_of.keys()).items():
                grant(user_id, ids)
    User = get_user_model()
    for user_id in User.objects.filter(groups__name=Role.MARKETER.value).values_list("pk", flat=True):
        grant(user_id, None)
    # Whoever made the change knows about it already.
    visible.pop(event.actor_id, None)

    users = (User.objects.filter(pk__in=visible.keys(), is_active=True).exclude(email="")
             .select_related("notification_settings").order_by("pk"))
    everything = set(supplier_of)
    recipients = []
    for user in users:
        prefs = getattr(user, "notification_settings", None)
        if prefs is not None and not prefs.wants(kind):
            continue
        ids = visible[user.pk]
        recipients.append(Recipient(
            user=user,
            language=prefs.language if prefs is not None else DEFAULT_LANGUAGE,
            promo_ids=None if ids is None or ids >= everything else frozenset(ids),
        ))
    return recipients


# --- what the message says ---------------------------------------------------------------


def absolute_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _url_of(obj=None, *names: str) -> str:
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


def field_label(name: str) -> str:
    """A field's name as people read it: the corrections' labels, else the model's."""
    if name in CORRECTION_LABELS:
        return str(CORRECTION_LABELS[name])
    for model in (PromoLine, Promo):
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            continue
    return name


def _format_value(field_name: str, value, targeting_cache: dict) -> str:
    if value is None or value == "":
        return "—"
    if field_name == "targeting" and isinstance(value, dict):
        key = repr(sorted(value.items()))
        if key not in targeting_cache:
            targeting_cache[key] = Targeting.from_json(value).describe()
        return targeting_cache[key]
    if field_name == "mechanic" and value in Promo.Mechanic.values:
        return str(Promo.Mechanic(value).label)
    if field_name == "decision" and value in PromoLine.Decision.values:
        return str(PromoLine.Decision(value).label)
    if field_name == "status" and value in Promo.Status.values:
        return str(Promo.Status(value).label)
    if isinstance(value, date):
        return fmt_date(value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return fmt_date(date.fromisoformat(value))
        except ValueError:
            return value
    if field_name in MONEY_FIELDS:
        try:
            return f"{Decimal(str(value)):.2f}"
        except InvalidOperation:
            return str(value)
    return str(value)


def _old_new(value) -> tuple:
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    if isinstance(value, dict) and ("old" in value or "new" in value):
        return value.get("old"), value.get("new")
    return None, value


def _line_names(rows) -> str:
    names = [str(row.get("article") or row.get("name") or "") if isinstance(row, dict) else str(row)
             for row in rows]
    return ", ".join(name for name in names if name)


def changes_from(data, targeting_cache: dict | None = None) -> list[Change]:
    """The «old -> new» rows of a payload part: a revision ``diff``, a ``changes`` mapping or
    list. Unknown shapes give nothing rather than an error."""
    if not isinstance(data, dict):
        return []
    cache = targeting_cache if targeting_cache is not None else {}
    rows: list[Change] = []

    def add(what, field_name, value) -> None:
        old, new = _old_new(value)
        label = field_label(field_name)
        rows.append(Change(str(what or ""), label, _format_value(field_name, old, cache),
                           _format_value(field_name, new, cache)))

    diff = data.get("diff")
    if isinstance(diff, dict):
        for field_name, value in (diff.get("terms") or {}).items():
            add("", field_name, value)
        if diff.get("added"):
            rows.append(Change(_("добавлены строки"), "", "—", _line_names(diff["added"])))
        if diff.get("removed"):
            rows.append(Change(_("удалены строки"), "", _line_names(diff["removed"]), "—"))
        for item in diff.get("changed") or []:
            if isinstance(item, dict):
                for field_name, value in (item.get("fields") or {}).items():
                    add(item.get("article"), field_name, value)
    changes = data.get("changes")
    if isinstance(changes, dict):
        for field_name, value in changes.items():
            if not str(field_name).isdigit():
                add("", field_name, value)
    elif isinstance(changes, list):
        for item in changes:
            if not isinstance(item, dict):
                continue
            what = item.get("article") or item.get("code") or ""
            if isinstance(item.get("fields"), dict):
                for field_name, value in item["fields"].items():
                    add(what, field_name, value)
            elif item.get("field") or item.get("name"):
                add(what, item.get("field") or item.get("name"), [item.get("old"), item.get("new")])
    request = data.get("request")
    if isinstance(request, dict) and request.get("new_end"):
        add("", "end", [data.get("old_end"), request["new_end"]])
    return rows


def _promo_changes(payload: dict, promo_id: int, cache: dict) -> list[Change]:
    """Per-promo changes of a digest: inside its ``promos`` item or keyed by its id."""
    rows: list[Change] = []
    for item in payload.get("promos") or []:
        if isinstance(item, dict) and _as_pk(item) == promo_id:
            rows += changes_from(item, cache)
    by_id = payload.get("changes")
    if isinstance(by_id, dict) and isinstance(by_id.get(str(promo_id)), dict | list):
        part = by_id[str(promo_id)]
        rows += changes_from(part if isinstance(part, dict) and "changes" in part else {"changes": part}, cache)
    return rows


class EventMessages:
    """Renders the messages of one event: the facts are loaded once, each (language, visible
    promos) variant is rendered once and shared by the recipients it fits."""

    def __init__(self, event: PromoEvent):
        self.event = event
        self.payload = event.payload if isinstance(event.payload, dict) else {}
        ids = event_promo_ids(event)
        promos = Promo.objects.filter(pk__in=ids).select_related("supplier", "approved_revision")
        by_pk = {promo.pk: promo for promo in promos}
        self.promos = [by_pk[pk] for pk in ids if pk in by_pk]
        self.targeting_cache: dict = {}
        self._rendered: dict = {}

    def for_recipient(self, recipient: Recipient) -> tuple[str, str, str]:
        key = (recipient.language, recipient.promo_ids)
        if key not in self._rendered:
            with translation.override(recipient.language):
                self._rendered[key] = self.render(recipient.promo_ids)
        return self._rendered[key]

    def render(self, promo_ids: frozenset[int] | None = None) -> tuple[str, str, str]:
        """``(subject, text, html)`` in the active language."""
        promos = [p for p in self.promos if promo_ids is None or p.pk in promo_ids]
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
        elif kind in DIGEST_KINDS:
            family = "digest"
        elif kind in UPLOAD_KINDS:
            family = "upload"
        else:
            family = "event"
        return [f"promo/email/{kind}", f"promo/email/{family}", "promo/email/event"]

    def promo_context(self, promo: Promo) -> dict:
        revision = promo.approved_revision if self.event.kind in DATE_KINDS else None
        start, end = (revision.start, revision.end) if revision else (promo.start, promo.end)
        return {
            "code": promo.code, "name": promo.name, "supplier": str(promo.supplier),
            "mechanic": promo.get_mechanic_display(), "start": start, "end": end,
            "status": promo.get_status_display(), "url": _url_of(promo),
            "changes": (_promo_changes(self.payload, promo.pk, self.targeting_cache)[:MAX_CHANGES]
                        if self.event.kind in DIGEST_KINDS else []),
        }

    def event_changes(self) -> list[Change]:
        rows = changes_from(self.payload, self.targeting_cache)
        event = self.event
        if not rows and event.kind == Kind.REVISION_CREATED and event.promo_id:
            revision = (PromoRevision.objects.filter(promo_id=event.promo_id)
                        .order_by("-number").only("diff").first())
            if revision is not None:
                rows = changes_from({"diff": revision.diff}, self.targeting_cache)
        return rows[:MAX_CHANGES]

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
                    "decision": _format_value("decision", decision, {}) if decision else "",
                    "rejected": decision == PromoLine.Decision.REJECTED,
                    "reason": line.get("reason") or line.get("decision_reason") or "",
                })
        return rows[:MAX_CHANGES * 4]

    def upload_context(self) -> dict | None:
        upload = self.event.upload if self.event.upload_id else None
        if upload is None:
            return None
        errors = [e for e in (upload.errors or []) if isinstance(e, dict)]
        summary = upload.summary if isinstance(upload.summary, dict) else {}
        return {
            "name": upload.original_name,
            "rows": summary.get("rows") or upload.rows_total,
            "errors": errors[:20],
            "errors_count": len(upload.errors or []),
            "more_errors": max(0, len(errors) - 20),
            "url": _url_of(upload),
        }

    def export_context(self) -> dict:
        def messages(key: str) -> list[str]:
            items = self.payload.get(key) or []
            items = items if isinstance(items, list) else [items]
            return [str(i.get("message") or i) if isinstance(i, dict) else str(i) for i in items][:100]

        warnings, errors = messages("warnings"), messages("errors")
        run_id = _as_pk(self.payload.get("run_id"))
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
            "date": _format_value("date", self.payload.get("date"), {}),
            "reason": self.payload.get("reason") or self.event.reason,
            "warnings": warnings,
            "errors": errors,
            "more": max(0, (totals["warnings"] or len(warnings)) - len(warnings))
            + max(0, (totals["errors"] or len(errors)) - len(errors)),
            "url": run_url or _url_of(None, "exports:run_list"),
        }

    def subject(self, promos: list[dict], upload: dict | None, export: dict | None) -> str:
        event = self.event
        label = event.get_kind_display()
        if event.kind in EXPORT_KINDS:
            what = export["date"] if export["date"] != "—" else ""
        elif event.kind in UPLOAD_KINDS and upload:
            what = upload["name"]
            if promos:
                what = _("%(name)s, промо: %(count)d") % {"name": what, "count": len(promos)}
        elif len(promos) == 1 and event.kind not in DIGEST_KINDS:
            what = f"{promos[0]['code']} «{promos[0]['name']}»"
        else:
            what = _("промо: %(count)d") % {"count": len(promos)}
        return f"[{_('Промо-портал')}] {label}: {what}".strip().rstrip(":")[:300]

    def context(self, promos: list[Promo]) -> dict:
        event = self.event
        actor = event.actor
        promo_rows = [self.promo_context(promo) for promo in promos]
        upload = self.upload_context() if event.kind in UPLOAD_KINDS else None
        export = self.export_context() if event.kind in EXPORT_KINDS else None
        if export:
            url = export["url"]
        elif upload and (event.kind == Kind.UPLOAD_REJECTED or not promo_rows):
            url = upload["url"]
        elif len(promo_rows) == 1:
            url = promo_rows[0]["url"]
        else:
            url = _url_of(event.upload if event.upload_id else None)
        return {
            "subject": self.subject(promo_rows, upload, export),
            "kind": event.kind,
            "kind_label": event.get_kind_display(),
            "actor": (actor.get_full_name() or actor.username) if actor else "",
            "created_at": event.created_at,
            "from_status": _format_value("status", event.from_status, {}) if event.from_status else "",
            "to_status": _format_value("status", event.to_status, {}) if event.to_status else "",
            "reason": event.reason,
            "comment": self.payload.get("text") or self.payload.get("comment") or event.reason,
            "date": _format_value("date", self.payload.get("date"), {}),
            "promos": promo_rows,
            "promo": promo_rows[0] if len(promo_rows) == 1 else None,
            "changes": self.event_changes(),
            "lines": self.decided_lines(),
            "upload": upload,
            "export": export,
            "url": url,
            "settings_url": _url_of(None, "promo:notification_settings"),
        }


# --- queueing ----------------------------------------------------------------------------


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
    # Imported when needed: importing promo.tasks pulls in every task module of the app
    # (imports too), which must stay free to import this module without a cycle.
    from promo.tasks.notifications import outbox_send

    outbox_send.delay()
