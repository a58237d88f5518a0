"""Visibility-aware reads of promos for pages and the API."""

import bisect
from datetime import timedelta

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from promo.changes import LINE_ADDED, LINE_REMOVED, ChangeFormatter, payload_changes
from promo.models import Promo, PromoEvent, PromoLine, PromoUpload, SupplierRequest
from promo.services.imports.reasons import event_reason
from suppliers.models import Product
from suppliers.querysets import DECIDE, VIEW
from suppliers.roles import is_category_manager, is_marketer, is_staff_role, is_supplier_user


def home_counts(*, user) -> dict:
    """The numbers on a person's home page (one aggregate query per block). A category manager's
    promos are found through his categories' lines (the costly part of the page at 10,000
    promos): the promos waiting for his decision are counted in the same pass as the others
    when the promos he sees are those he decides (:meth:`PromoQuerySet.decides_what_it_sees`),
    by a second query only for a manager who is a marketer or a supplier user too."""
    counts: dict = {}
    promos = Promo.objects.restrict(user).aggregate(
        total=Count("pk"),
        draft=Count("pk", filter=Q(status=Promo.Status.DRAFT)),
        # the queue's promos are the submitted ones (PromoQuerySet.pending_review)
        submitted=Count("pk", filter=Q(status=Promo.Status.SUBMITTED)),
        approved=Count("pk", filter=Q(status=Promo.Status.APPROVED)),
        # approved, or approved before with a newer revision waiting or rejected (workflow.in_force):
        # the promo list's «(действует N)», the calendar's green bar
        in_force=Count("pk", filter=Promo.objects.in_force_condition()),
        rejected=Count("pk", filter=Q(status=Promo.Status.REJECTED)),
    )
    # of those in force, the ones with a newer revision waiting or rejected (counted there too)
    promos["renewing"] = promos["in_force"] - promos["approved"]
    counts["promos"] = promos
    if is_supplier_user(user):
        counts["products"] = Product.objects.restrict(user).count()
        counts["uploads"] = PromoUpload.objects.restrict(user).count()
    if is_category_manager(user):
        counts["to_review"] = (promos["submitted"] if Promo.objects.decides_what_it_sees(user)
                               else Promo.objects.restrict(user, DECIDE).pending_review().count())
    if is_marketer(user):
        counts["uploads"] = PromoUpload.objects.restrict(user).count()
    return counts


def promo_list(*, user, action: str = VIEW, counts: bool = True):
    """The promos ``user`` may see (or decide), with what a list shows: supplier, the revision
    in force and line counts by decision. ``counts=False`` leaves the counts out of the query
    (grouping every line of every promo to sort and page them is most of a list's cost): a
    list reads them for its page with :func:`with_line_counts`."""
    queryset = Promo.objects.restrict(user, action).select_related("supplier", "approved_revision")
    if not counts:
        return queryset
    return queryset.annotate(
        lines_total=Count("lines"),
        lines_pending=Count("lines", filter=Q(lines__decision=PromoLine.Decision.PENDING)),
        lines_accepted=Count("lines", filter=Q(lines__decision=PromoLine.Decision.ACCEPTED)),
        lines_rejected=Count("lines", filter=Q(lines__decision=PromoLine.Decision.REJECTED)),
    )


def with_line_counts(promos):
    """Set ``lines_total``, ``lines_pending``, ``lines_accepted`` and ``lines_rejected`` on the
    promos of a page (what :func:`promo_list` annotates), in one query whatever their number."""
    promos = list(promos)
    by_promo: dict[int, dict[str, int]] = {}
    if promos:
        rows = (PromoLine.objects.filter(promo_id__in=[promo.pk for promo in promos]).order_by()
                .values_list("promo_id", "decision").annotate(n=Count("pk")))
        for promo_id, decision, n in rows:
            by_promo.setdefault(promo_id, {})[decision] = n
    for promo in promos:
        found = by_promo.get(promo.pk, {})
        promo.lines_total = sum(found.values())
        promo.lines_pending = found.get(PromoLine.Decision.PENDING, 0)
        promo.lines_accepted = found.get(PromoLine.Decision.ACCEPTED, 0)
        promo.lines_rejected = found.get(PromoLine.Decision.REJECTED, 0)
    return promos


# Answered requests a promo page shows under the open ones.
ANSWERED_SHOWN = 3


def promo_requests(*, promo: Promo) -> tuple[list[SupplierRequest], list[SupplierRequest]]:
    """The supplier's open requests of ``promo`` and its last answered ones, in one query (none
    when the promo was read with ``has_requests`` false: it never had one)."""
    if not getattr(promo, "has_requests", True):
        return [], []
    answered = (SupplierRequest.objects.filter(promo_id=promo.pk).exclude(status=SupplierRequest.Status.OPEN)
                .order_by("-answered_at", "-pk").values("pk")[:ANSWERED_SHOWN])
    rows = list(SupplierRequest.objects.filter(promo_id=promo.pk)
                .filter(Q(status=SupplierRequest.Status.OPEN) | Q(pk__in=answered))
                .select_related("requested_by", "answered_by").order_by("created_at", "pk"))
    return ([row for row in rows if row.is_open],
            sorted((row for row in rows if not row.is_open), key=lambda row: (row.answered_at, row.pk), reverse=True))


def promo_comments(*, promo: Promo, user):
    """A promo's comment thread as ``user`` may read it: internal comments for chain staff only."""
    comments = promo.comments.select_related("author").order_by("created_at", "pk")
    return comments if is_staff_role(user) else comments.filter(internal=False)


# --- a promo's history timeline ----------------------------------------------------------

# History rows written just before an event by the same person belong to that event (services
# save the promo and its lines, then record the event, in one transaction).
HISTORY_LINK_WINDOW = timedelta(seconds=30)
# Standalone changes (admin edits, say) by one person with one reason this close together are
# shown as one entry.
HISTORY_GROUP_GAP = timedelta(seconds=2)
PROMO_HISTORY_FIELDS = ("name", "supplier", "mechanic", "start", "end", "targeting", "status", "revision",
                        "approved_revision")
LINE_HISTORY_FIELDS = ("discount_percent", "promo_price", "n", "m", "regular_price", "compensation_percent",
                       "comment", "decision", "decision_reason", "below_floor")


def _record_diffs(records, fields: tuple[str, ...], model) -> list[tuple]:
    """``(record, [(field, old, new), ...])`` for each history record that changed something,
    comparing it with the previous record of the same object (records sorted by object, time)."""
    attnames = {name: model._meta.get_field(name).attname for name in fields}
    previous: dict[int, object] = {}
    out = []
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        if record.history_type != "~" or before is None:
            continue
        changes = [(name, getattr(before, attnames[name]), getattr(record, attnames[name]))
                   for name in fields if getattr(before, attnames[name]) != getattr(record, attnames[name])]
        if changes:
            out.append((record, changes))
    return out


def _entry(*, kind: str, kind_display: str, actor, when, summary: str, reason: str = "",
           internal: bool = False, event: PromoEvent | None = None) -> dict:
    return {
        "kind": kind,
        "kind_display": kind_display,
        "actor": actor,
        "actor_name": (actor.get_full_name() or actor.get_username()) if actor else str(_("система")),
        "when": when,
        "summary": summary,
        "reason": reason,
        "changes": [],
        "internal": internal,
        "event_id": event.pk if event else None,
        "from_status": event.from_status if event else "",
        "to_status": event.to_status if event else "",
    }


def deadline_summary(event: PromoEvent, formatter: ChangeFormatter | None = None) -> str:
    """A reminder's or an escalation's text, in the promo's history and the activity log (its
    page and .xlsx): the due date and the revision it is about (its payload), «Скоро срок
    решения: 27.11.2026, ревизия 2»; "" for another kind, or when the payload lacks them (a
    run's digest)."""
    if event.kind not in (PromoEvent.Kind.DECISION_DUE, PromoEvent.Kind.DECISION_OVERDUE):
        return ""
    formatter = formatter or ChangeFormatter()
    payload = event.payload if isinstance(event.payload, dict) else {}
    day, revision = payload.get("date"), payload.get("revision")
    if not day or revision is None:
        return ""
    return _("%(kind)s: %(date)s, ревизия %(revision)s") % {
        "kind": event.get_kind_display(), "date": formatter.value("date", day), "revision": revision}


def promo_history(*, promo: Promo, user) -> list[dict]:
    """One timeline of a promo, oldest first: its events (uploads, revisions, decisions,
    corrections, comments, requests) and the field changes simple-history recorded for the
    promo and its lines, who / when / old -> new. Field changes written by a service are
    shown inside the event they belong to; others (say, an admin edit) as entries of their
    own. A supplier never gets internal entries. A fixed number of queries, whatever the
    length of the history.

    Each entry: ``kind``, ``kind_display``, ``actor``, ``actor_name``, ``when``, ``summary``,
    ``reason``, ``changes`` (:class:`promo.changes.Change` rows, as the promo page and the
    e-mails word them), ``internal``, ``event_id``,
    ``from_status``, ``to_status``."""
    staff = is_staff_role(user)
    events = list(
        PromoEvent.objects.filter(Q(promo=promo) | Q(promo__isnull=True, upload__in=promo.uploads.all()))
        .exclude(kind=PromoEvent.Kind.MASS_CORRECTED, promo__isnull=True)
        .select_related("actor").order_by("created_at", "pk")
    )
    if not staff:
        events = [event for event in events if not event.internal]
    promo_records = list(Promo.history.filter(id=promo.pk).select_related("history_user")
                         .order_by("history_date", "history_id"))
    line_records = list(PromoLine.history.filter(promo_id=promo.pk).select_related("history_user")
                        .order_by("id", "history_date", "history_id"))
    articles = dict(Product.objects.filter(pk__in={r.product_id for r in line_records})
                    .values_list("pk", "article"))

    promo_diffs = _record_diffs(promo_records, PROMO_HISTORY_FIELDS, Promo)
    line_diffs = _record_diffs(line_records, LINE_HISTORY_FIELDS, PromoLine)
    # Changes of one save, as raw rows: promo fields first, then lines by article.
    raw: list[tuple] = []
    for record, changes in promo_diffs:
        raw.append((record, [("", name, old, new) for name, old, new in changes]))
    for record, changes in line_diffs:
        article = articles.get(record.product_id, "")
        raw.append((record, [(article, name, old, new) for name, old, new in changes]))
    created = promo_records[0].history_date if promo_records else promo.created_at
    for record in line_records:
        # Lines added by a later upload, and removed ones. The first upload's lines are the
        # promo's creation: they are written with it (the same moment; an admin's inline rows
        # right after it). A corrected sheet uploaded seconds later adds lines all the same.
        if record.history_type == "+" and record.history_date - created > HISTORY_GROUP_GAP:
            raw.append((record, [(articles.get(record.product_id, ""), "", None, LINE_ADDED)]))
        elif record.history_type == "-":
            raw.append((record, [(articles.get(record.product_id, ""), "", LINE_REMOVED, None)]))
    payload_rows = {event.pk: payload_changes({"changes": event.payload.get("changes")})
                    if isinstance(event.payload, dict) else [] for event in events}
    # The names the values refer to (suppliers, revisions, regions...) in one query per kind.
    formatter = ChangeFormatter()
    formatter.load(row for _record, changes in raw for row in changes)
    formatter.load(row for changes in payload_rows.values() for row in changes)
    rows = [(record, [formatter.change(*change) for change in changes]) for record, changes in raw]
    rows.sort(key=lambda row: (row[0].history_date, row[0].history_id))

    entries: list[dict] = []
    by_actor: dict[int | None, list[tuple]] = {}
    for event in events:
        status_move = ""
        if event.from_status and event.to_status and event.from_status != event.to_status:
            status_move = f"{formatter.value('status', event.from_status)} → {formatter.value('status', event.to_status)}"
        summary = f"{event.get_kind_display()}: {status_move}" if status_move else event.get_kind_display()
        summary = deadline_summary(event, formatter) or summary
        entry = _entry(kind=event.kind, kind_display=event.get_kind_display(), actor=event.actor,
                       when=event.created_at, reason=event_reason(event), internal=event.internal, event=event,
                       summary=summary)
        entries.append(entry)
        if event.kind != PromoEvent.Kind.COMMENT_ADDED:
            by_actor.setdefault(event.actor_id, []).append((event.created_at, entry))

    standalone: list[dict] = []
    for record, changes in rows:
        candidates = by_actor.get(record.history_user_id, [])
        position = bisect.bisect_left(candidates, record.history_date, key=lambda item: item[0])
        if position < len(candidates) and candidates[position][0] - record.history_date <= HISTORY_LINK_WINDOW:
            candidates[position][1]["changes"] += changes
            continue
        last = standalone[-1] if standalone else None
        if (last is not None and last["actor"] == record.history_user
                and last["reason"] == (record.history_change_reason or "")
                and record.history_date - last["last_at"] <= HISTORY_GROUP_GAP):
            last["changes"] += changes
            last["last_at"] = record.history_date
            continue
        entry = _entry(kind="field_change", kind_display=str(_("Изменение данных")), actor=record.history_user,
                       when=record.history_date, summary=str(_("Изменение данных")),
                       reason=record.history_change_reason or "")
        entry["changes"] = list(changes)
        entry["last_at"] = record.history_date
        standalone.append(entry)
    for entry in standalone:
        entry.pop("last_at")

    for entry in entries:
        if not entry["changes"]:
            # Old -> new rows the event carries itself (a request, a change without history rows).
            entry["changes"] = [formatter.change(*row) for row in payload_rows[entry["event_id"]]]
    timeline = entries + standalone
    timeline.sort(key=lambda entry: (entry["when"], entry["event_id"] or 0))
    return timeline
