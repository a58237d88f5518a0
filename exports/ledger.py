"""The export ledger (erp-formats.md §1 "Deletions: the export ledger"): per file of each system,
what the system was sent and has not yet been told to delete, so that a record that is no longer
wanted goes out as a deletion instead of silently staying live at the till.

One :class:`~exports.models.ExportLedgerEntry` per system file and promo holds the promo's
:class:`~exports.records.Part` s as sent: the live ones (the terms and period sent, the branch
codes and product keys) and the ones being deleted (repeated every night until the period that
was sent has ended). A record key is a part's identity (SAP: KSCHL) + branch code + product key;
for Set Retail the whole action is one record.

A run compares tonight's wanted snapshot with the ledger, promo by promo (:func:`plan`):

- a key not held -> the record as usual (added); held with other terms -> the record as usual
  (changed); held and wanted -> unchanged;
- held but no longer wanted -> a deletion part carrying what was sent (deleted), written into the
  file in its order; a deletion already under way is written again (repeated) until its period
  has ended, and stops at once when the key is wanted again;
- nothing is deleted that was never sent: only what the ledger holds can become a deletion.

The writers write the parts (:meth:`KindPlan.settle` then learns which wanted records a writer
refused, e.g. an SAP key with overlapping periods: those are not sent, so the ledger keeps what it
held for them). :func:`save` stores the new state in the transaction that marks the run complete,
after checking that no other run advanced the same ledger meanwhile, so a failed run changes
nothing and a rerun of the same date reads the ledger it left: the same parts, the same bytes.
A dry run (:func:`plan` + :meth:`KindPlan.settle` without :func:`save`) changes nothing.

Cost: a promo whose state equals tonight's wanted part (a digest comparison) costs no decoding
and no write; only changed promos are compared record-set-wise (codes × keys arithmetic, never
record by record), so memory holds the selection plus the changed promos' old parts."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from config.locks import advisory_xact_lock
from exports.records import Night, Part
from exports.selection import DELETE, INSERT, LineRecord, PromoRecord, Selection

LOAD_CHUNK = 500
SAVE_BATCH = 500
DETAIL_LIST_LIMIT = 400


class LedgerMoved(RuntimeError):
    """Another run advanced the same ledger while this one was being written."""


# State codec ----------------------------------------------------------------------------------

_PROMO_FIELDS = ("pk", "code", "revision", "name", "mechanic", "start", "end", "supplier_inn", "sap_vendor")
_LINE_DECIMALS = ("discount_percent", "promo_price", "regular_price")
_LINE_FIELDS = ("product_id", "article", "ean", "name", "discount_percent", "promo_price", "n", "m",
                "regular_price", "compensation")


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def encode_promo(promo: PromoRecord) -> dict:
    return {name: _plain(getattr(promo, name)) for name in _PROMO_FIELDS}


def decode_promo(data: dict, *, deleted: bool) -> PromoRecord:
    return PromoRecord(
        pk=data.get("pk"), code=data["code"], revision=data.get("revision") or 0, name=data.get("name") or "",
        mechanic=data.get("mechanic") or "", start=date.fromisoformat(data["start"]),
        end=date.fromisoformat(data["end"]), action=DELETE if deleted else INSERT,
        supplier_inn=data.get("supplier_inn") or "", sap_vendor=data.get("sap_vendor") or "",
        lines=(), branches=(),
    )


def encode_line(line: LineRecord) -> dict:
    return {name: _plain(getattr(line, name)) for name in _LINE_FIELDS}


def decode_line(data: dict) -> LineRecord:
    values = {name: data.get(name) for name in _LINE_FIELDS}
    for name in _LINE_DECIMALS:
        values[name] = Decimal(values[name]) if values[name] not in (None, "") else None
    values["regular_price"] = values["regular_price"] or Decimal("0.00")
    values["compensation"] = values["compensation"] or ""
    for name in ("article", "ean", "name"):
        values[name] = values[name] or ""
    return LineRecord(**values)


@dataclass(slots=True, eq=False)
class Held:
    """A part the ledger holds: live (``part.deleted`` false) or being deleted, with the run that
    sent its terms and, for a deletion, the run that first sent the deletion."""

    part: Part
    sent_by: int | None = None
    deleted_by: int | None = None


def encode_part(part: Part) -> dict:
    """What a part says, as plain values (which run sent it is not part of it)."""
    return {"deleted": part.deleted, "identity": part.identity, "promo": encode_promo(part.promo),
            "codes": list(part.codes),
            "lines": [{"key": key, **encode_line(line)} for line, key in zip(part.lines, part.keys, strict=True)]}


def _digest(encoded: list[dict]) -> str:
    text = json.dumps(encoded, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def digest_of(parts: list[Part]) -> str:
    """A fingerprint of what the parts say (not which run sent them)."""
    return _digest([encode_part(part) for part in parts])


def encode_state(held: list[Held]) -> tuple[dict, str]:
    """The stored state of an entry and its digest (encoded once)."""
    parts = [encode_part(h.part) for h in held]
    digest = _digest(parts)
    for data, h in zip(parts, held, strict=True):
        data["sent_by"], data["deleted_by"] = h.sent_by, h.deleted_by
    return {"parts": parts}, digest


def decode_state(state: dict, intern: dict | None = None) -> list[Held]:
    intern = {} if intern is None else intern
    held = []
    for data in (state or {}).get("parts", []):
        deleted = bool(data.get("deleted"))
        codes = tuple(data.get("codes") or ())
        codes = intern.setdefault(codes, codes)
        rows = data.get("lines") or []
        lines = tuple(decode_line(line) for line in rows)
        promo = replace(decode_promo(data["promo"], deleted=deleted), lines=lines)
        held.append(Held(
            part=Part(promo=promo, codes=codes, lines=lines, keys=tuple(str(line.get("key", "")) for line in rows),
                      identity=data.get("identity") or ""),
            sent_by=data.get("sent_by"), deleted_by=data.get("deleted_by"),
        ))
    return held


# Comparison -----------------------------------------------------------------------------------


@dataclass
class Counts:
    added: int = 0
    changed: int = 0
    deleted: int = 0
    repeated: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        for name in ("added", "changed", "deleted", "repeated", "unchanged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def changes(self) -> bool:
        return bool(self.added or self.changed or self.deleted or self.repeated)

    def as_dict(self) -> dict:
        return {"added": self.added, "changed": self.changed, "deleted": self.deleted, "repeated": self.repeated,
                "unchanged": self.unchanged}


@dataclass(eq=False)
class PromoPlan:
    """One promo in one ledger: tonight's wanted part (``live``), what the ledger held (``held``;
    None when it equals ``live``: nothing to compare), and the deletions to write."""

    code: str
    live: Part | None = None
    held: list[Held] | None = None
    row_pk: int | None = None
    deletions: list[Held] = field(default_factory=list)
    live_digest: str | None = None
    # After settle:
    new_state: list[Held] | None = None
    counts: Counts = field(default_factory=Counts)
    detail: dict = field(default_factory=dict)
    kind: str = ""

    @property
    def promo(self) -> PromoRecord:
        if self.live is not None:
            return self.live.promo
        return next(h.part.promo for h in [*(self.held or []), *self.deletions])


class KindPlan:
    """The comparison of one file's ledger with tonight (see the module docstring)."""

    def __init__(self, writer, business_date: date):
        self.writer = writer
        self.kind = writer.ledger_kind
        self.system = writer.system
        self.granular = writer.granular
        self.business_date = business_date
        self.promos: dict[str, PromoPlan] = {}
        self.drop: list[int] = []
        self.head_run_id: int | None = None
        self.base_run: dict | None = None
        self.warnings: list[str] = []
        self.counts = Counts()
        self.promo_counts = Counts()
        self._intern: dict[tuple, tuple] = {}
        self.settled = False

    # Night ----------------------------------------------------------------------------------

    def night(self) -> Night:
        """The parts to write, sorted by promo code, the live part of a promo first."""
        parts: list[Part] = []
        for code in sorted(self.promos):
            plan = self.promos[code]
            if plan.live is not None:
                parts.append(plan.live)
            parts += [h.part for h in plan.deletions]
        return Night(business_date=self.business_date, parts=parts, warnings=self.warnings)

    @property
    def empty(self) -> bool:
        return not any(plan.live is not None or plan.deletions for plan in self.promos.values())

    def _codes(self, codes) -> tuple:
        codes = tuple(codes)
        return self._intern.setdefault(codes, codes)

    # Deletions ------------------------------------------------------------------------------

    def _same_key_space(self, part: Part, live: Part | None) -> bool:
        return live is not None and part.identity == live.identity

    def _minus(self, part: Part, live: Part | None) -> list[tuple[tuple, tuple, tuple]]:
        """The records of ``part`` that ``live`` does not want, as ``(codes, lines, keys)`` pieces."""
        if not self._same_key_space(part, live):
            return [(part.codes, part.lines, part.keys)]
        wanted_codes, wanted_keys = set(live.codes), set(live.keys)
        pieces = []
        outside = tuple(code for code in part.codes if code not in wanted_codes)
        if outside:
            pieces.append((self._codes(outside), part.lines, part.keys))
        inside = tuple(code for code in part.codes if code in wanted_codes)
        if inside:
            kept = [index for index, key in enumerate(part.keys) if key not in wanted_keys]
            if kept:
                pieces.append((self._codes(inside), tuple(part.lines[i] for i in kept),
                               tuple(part.keys[i] for i in kept)))
        return pieces

    def _compare(self, plan: PromoPlan) -> None:
        """Tonight's deletions of one promo from what the ledger held."""
        day = self.business_date
        live = plan.live
        for held in plan.held or ():
            part = held.part
            if part.promo.end < day:
                continue  # the period that was sent has ended: it leaves the ledger
            if self.granular:
                pieces = self._minus(part, live)
            else:
                pieces = [] if live is not None else [(part.codes, part.lines, part.keys)]
            if not pieces:
                continue
            promo = part.promo if part.deleted else replace(part.promo, action=DELETE)
            for codes, lines, keys in pieces:
                plan.deletions.append(Held(
                    part=Part(promo=promo, codes=codes, lines=lines, keys=keys, identity=part.identity),
                    sent_by=held.sent_by, deleted_by=held.deleted_by))

    # Settle ---------------------------------------------------------------------------------

    def settle(self, refused: dict[str, dict[str, set]] | None = None, *, run_id: int | None = None) -> None:
        """Tonight's outcome per promo once the file is written: the counts, the detail of what
        changed and the ledger state to keep. ``refused[promo code][key]`` = branch codes of
        wanted records the writer did not write (not sent: the old state stays for them)."""
        refused = refused or {}
        self.counts, self.promo_counts = Counts(), Counts()
        for code, plan in self.promos.items():
            plan.kind = self.writer.kind
            self._settle_promo(plan, refused.get(code) or {}, run_id)
            self.counts.add(plan.counts)
            if plan.counts.changes:
                kind = "added" if plan.detail.get("new") else "deleted" if plan.detail.get("gone") else \
                    "repeated" if not (plan.counts.added or plan.counts.changed or plan.counts.deleted) else "changed"
                setattr(self.promo_counts, kind, getattr(self.promo_counts, kind) + 1)
            elif plan.live is not None:
                self.promo_counts.unchanged += 1
        self.settled = True

    def _records(self, part: Part) -> int:
        return part.records if self.granular else 1

    def _settle_promo(self, plan: PromoPlan, refused: dict[str, set], run_id: int | None) -> None:
        live = plan.live
        counts = plan.counts = Counts()
        for held in plan.deletions:
            # A deletion is new when the records were live until tonight (no run sent it yet).
            if held.deleted_by is None:
                counts.deleted += self._records(held.part)
            else:
                counts.repeated += self._records(held.part)
        if plan.held is None:
            # The ledger held exactly tonight's part: nothing to compare, nothing to store.
            counts.unchanged = self._records(live) - sum(len(codes) for codes in refused.values())
            plan.new_state = None
            return

        old_live = [h for h in plan.held if not h.part.deleted]
        comparable = [h for h in old_live if self._same_key_space(h.part, live)] if self.granular else old_live
        if live is not None:
            self._count_live(plan, comparable, refused)
        plan.detail = self._detail(plan, comparable, old_live)

        state: list[Held] = []
        if live is not None:
            fingerprint = plan.live_digest or digest_of([live])
            sent_by = next((h.sent_by for h in old_live if digest_of([h.part]) == fingerprint), None) or run_id
            state += [Held(part, sent_by) for part in self._minus_refused(live, refused)]
            # Records refused tonight stay as the system holds them (sent before, not replaced).
            for held in comparable if self.granular else ():
                state += [Held(part, held.sent_by) for part in self._intersect_refused(held.part, refused)]
        state += [Held(held.part, held.sent_by, held.deleted_by or run_id) for held in plan.deletions]
        plan.new_state = state

    def _count_live(self, plan: PromoPlan, comparable: list[Held], refused: dict[str, set]) -> None:
        live, writer, counts = plan.live, self.writer, plan.counts
        if not self.granular:
            if not comparable:
                counts.added += 1
            elif any(self._action_differs(h.part, live) for h in comparable):
                counts.changed += 1
            else:
                counts.unchanged += 1
            return
        live_head = writer.head_terms(live.promo)
        olds = []
        for held in comparable:
            part = held.part
            olds.append((set(part.codes), dict(zip(part.keys, part.lines, strict=True)),
                         writer.head_terms(part.promo) != live_head, part.promo))
        live_codes = set(live.codes)
        whole = [len(live_codes & codes) for codes, _lines, _head, _promo in olds]
        for line, key in zip(live.lines, live.keys, strict=True):
            refused_codes = refused.get(key)
            written = live_codes - refused_codes if refused_codes else live_codes
            terms = None
            common = changed = 0
            for index, (codes, lines, head_differs, promo) in enumerate(olds):
                old_line = lines.get(key)
                if old_line is None:
                    continue
                both = whole[index] if not refused_codes else len(written & codes)
                common += both
                if head_differs:
                    changed += both
                else:
                    terms = terms if terms is not None else writer.line_terms(live.promo, line)
                    if writer.line_terms(promo, old_line) != terms:
                        changed += both
            counts.added += len(written) - common
            counts.changed += changed
            counts.unchanged += common - changed

    def _action_differs(self, old: Part, live: Part) -> bool:
        writer = self.writer
        if old.codes != live.codes or old.keys != live.keys:
            return True
        if writer.head_terms(old.promo) != writer.head_terms(live.promo):
            return True
        return any(writer.line_terms(old.promo, a) != writer.line_terms(live.promo, b)
                   for a, b in zip(old.lines, live.lines, strict=True))

    def _minus_refused(self, live: Part, refused: dict[str, set]) -> list[Part]:
        """The records of ``live`` that were written (all but the refused ones)."""
        if not refused:
            return [live]
        groups: dict[tuple, list[int]] = {}
        for index, key in enumerate(live.keys):
            refused_codes = refused.get(key)
            sent = tuple(code for code in live.codes if code not in refused_codes) if refused_codes else live.codes
            if sent:
                groups.setdefault(self._codes(sent), []).append(index)
        return [Part(promo=live.promo, codes=sent, lines=tuple(live.lines[i] for i in indices),
                     keys=tuple(live.keys[i] for i in indices), identity=live.identity)
                for sent, indices in groups.items()]

    def _intersect_refused(self, part: Part, refused: dict[str, set]) -> list[Part]:
        """The records of ``part`` that tonight's writer refused to replace."""
        groups: dict[tuple, list[int]] = {}
        for index, key in enumerate(part.keys):
            refused_codes = refused.get(key)
            if refused_codes:
                held = tuple(code for code in part.codes if code in refused_codes)
                if held:
                    groups.setdefault(self._codes(held), []).append(index)
        return [Part(promo=part.promo, codes=codes, lines=tuple(part.lines[i] for i in indices),
                     keys=tuple(part.keys[i] for i in indices), identity=part.identity)
                for codes, indices in groups.items()]

    def _detail(self, plan: PromoPlan, comparable: list[Held], old_live: list[Held]) -> dict:
        """What changed for a person to read: terms old -> new, lines and branches added or
        removed, deletions with their period."""
        writer, live = self.writer, plan.live
        detail: dict = {}
        if live is not None and not comparable:
            detail["new"] = True
        if live is None and old_live:
            detail["gone"] = True
        if live is not None and comparable:
            main = max(comparable, key=lambda h: h.part.records).part
            old_head, new_head = writer.head_terms(main.promo), writer.head_terms(live.promo)
            detail["terms"] = {name: [old_head.get(name, ""), value] for name, value in new_head.items()
                               if old_head.get(name, "") != value}
            old_lines = {}
            old_codes: set = set()
            for held in comparable:
                old_codes.update(held.part.codes)
                for line, key in zip(held.part.lines, held.part.keys, strict=True):
                    old_lines.setdefault(key, (held.part.promo, line))
            new_keys = set(live.keys)
            detail["lines_added"] = _limited(sorted(new_keys - old_lines.keys()))
            detail["lines_removed"] = _limited(sorted(old_lines.keys() - new_keys))
            changed = {}
            for line, key in zip(live.lines, live.keys, strict=True):
                if key in old_lines:
                    promo, old_line = old_lines[key]
                    before, after = writer.line_terms(promo, old_line), writer.line_terms(live.promo, line)
                    diff = {name: [before.get(name, ""), value] for name, value in after.items()
                            if before.get(name, "") != value}
                    if diff:
                        changed[key] = diff
            detail["lines_changed"] = dict(list(changed.items())[:DETAIL_LIST_LIMIT])
            new_codes = set(live.codes)
            detail["codes_added"] = _limited(sorted(new_codes - old_codes))
            detail["codes_removed"] = _limited(sorted(old_codes - new_codes))
            for name in ("lines_added", "lines_removed", "lines_changed", "codes_added", "codes_removed", "terms"):
                if not detail[name]:
                    del detail[name]
        deletions = [
            {"new": held.deleted_by is None, "codes": _limited(list(held.part.codes)), "code_count": len(held.part.codes),
             "keys": _limited(list(held.part.keys)), "start": held.part.promo.start.isoformat(),
             "end": held.part.promo.end.isoformat(), "records": self._records(held.part)}
            for held in plan.deletions
        ]
        if deletions:
            detail["deletions"] = deletions
        return detail

    # Reconciliation -------------------------------------------------------------------------

    def summary(self) -> dict:
        """The counts of this file against the ledger, and the run it was compared with."""
        return {"records": self.counts.as_dict(), "promos": self.promo_counts.as_dict(), "base_run": self.base_run}

    def changed_promos(self) -> list[PromoPlan]:
        return [self.promos[code] for code in sorted(self.promos) if self.promos[code].counts.changes]


def _limited(items: list) -> list:
    return items[:DETAIL_LIST_LIMIT]


def plan(writer, selection: Selection, business_date: date) -> KindPlan:
    """Compare tonight's wanted records of ``writer``'s file with its ledger (read only)."""
    from exports.models import ExportLedgerEntry, ExportLedgerHead

    kind_plan = KindPlan(writer, business_date)
    wanted = writer.wanted(selection)
    coded = selection.coded(writer.system, wanted)
    kind_plan.warnings = list(coded.warnings)
    for promo in wanted:
        codes = coded.codes.get(promo.pk, ())
        if not codes:
            if not writer.granular:
                kind_plan.warnings.append(writer.without_shops(promo))
            continue
        if not promo.lines:
            continue
        pairs = sorted((writer.line_key(line), index, line) for index, line in enumerate(promo.lines))
        kind_plan.promos[promo.code] = PromoPlan(code=promo.code, live=Part(
            promo=promo, codes=kind_plan._codes(codes), lines=tuple(line for _k, _i, line in pairs),
            keys=tuple(key for key, _i, _line in pairs), identity=writer.identity(promo)))

    head = ExportLedgerHead.objects.filter(kind=kind_plan.kind).select_related("run").first()
    if head is not None:
        kind_plan.head_run_id = head.run_id
        kind_plan.base_run = {"id": head.run_id, "name": head.run.name} if head.run is not None else None
    slow: dict[int, str] = {}
    for pk, code, digest, ends in ExportLedgerEntry.objects.filter(kind=kind_plan.kind).values_list(
            "pk", "promo_code", "digest", "ends"):
        promo_plan = kind_plan.promos.get(code)
        if promo_plan is not None:
            promo_plan.row_pk = pk
            promo_plan.live_digest = digest_of([promo_plan.live])
            if digest != promo_plan.live_digest:
                slow[pk] = code
        elif ends is not None and ends >= business_date:
            kind_plan.promos[code] = PromoPlan(code=code, row_pk=pk)
            slow[pk] = code
        else:
            kind_plan.drop.append(pk)
    for promo_plan in kind_plan.promos.values():
        if promo_plan.row_pk is None:
            promo_plan.held = []
    pks = sorted(slow)
    for start in range(0, len(pks), LOAD_CHUNK):
        rows = ExportLedgerEntry.objects.filter(pk__in=pks[start:start + LOAD_CHUNK]).values_list("pk", "state")
        for pk, state in rows:
            kind_plan.promos[slow[pk]].held = decode_state(state, kind_plan._intern)
    for promo_plan in kind_plan.promos.values():
        if promo_plan.held is not None:
            kind_plan._compare(promo_plan)
    return kind_plan


def save(kind_plan: KindPlan, run) -> None:
    """Store what the run sent (call inside the transaction that completes the run). Raises
    :class:`LedgerMoved` if another run advanced this ledger since :func:`plan` read it."""
    from exports.models import ExportChange, ExportLedgerEntry, ExportLedgerHead
    from promo.models import Promo

    kind = kind_plan.kind
    advisory_xact_lock(f"export-ledger:{kind}")
    head, _created = ExportLedgerHead.objects.get_or_create(kind=kind, defaults={"system": kind_plan.system})
    if head.run_id != kind_plan.head_run_id:
        raise LedgerMoved(_("Пока шла выгрузка, журнал отправленного ({kind}) изменила выгрузка {run}: "
                            "запустите выгрузку заново.").format(kind=kind, run=head.run or "—"))

    stale = list(kind_plan.drop)
    fresh = []
    for promo_plan in kind_plan.promos.values():
        if promo_plan.new_state is None:
            continue
        if promo_plan.row_pk is not None:
            stale.append(promo_plan.row_pk)
        if promo_plan.new_state:
            fresh.append(promo_plan)
    changed = kind_plan.changed_promos()
    # A promo row may have gone from the database since it was sent: keep the code, drop the link.
    wanted_pks = {plan.promo.pk for plan in [*fresh, *changed]} - {None}
    existing: set[int] = set()
    ordered = sorted(wanted_pks)
    for start in range(0, len(ordered), LOAD_CHUNK * 4):
        existing.update(Promo.objects.filter(pk__in=ordered[start:start + LOAD_CHUNK * 4]).values_list("pk", flat=True))

    def link(promo_plan: PromoPlan) -> int | None:
        return promo_plan.promo.pk if promo_plan.promo.pk in existing else None

    for start in range(0, len(stale), SAVE_BATCH):
        ExportLedgerEntry.objects.filter(pk__in=stale[start:start + SAVE_BATCH]).delete()
    for start in range(0, len(fresh), SAVE_BATCH):
        ExportLedgerEntry.objects.bulk_create([_entry(kind_plan, promo_plan, run, link(promo_plan))
                                               for promo_plan in fresh[start:start + SAVE_BATCH]])
    for start in range(0, len(changed), SAVE_BATCH):
        ExportChange.objects.bulk_create([
            ExportChange(run=run, system=kind_plan.system, kind=kind_plan.writer.kind,
                         promo_id=link(promo_plan), promo_code=promo_plan.code,
                         promo_name=promo_plan.promo.name[:200], **promo_plan.counts.as_dict(),
                         detail=promo_plan.detail)
            for promo_plan in changed[start:start + SAVE_BATCH]
        ], batch_size=SAVE_BATCH)
    head.run = run
    head.business_date = kind_plan.business_date
    head.save(update_fields=["run", "business_date", "updated_at"])


def _entry(kind_plan: KindPlan, promo_plan: PromoPlan, run, promo_id: int | None):
    from exports.models import ExportLedgerEntry

    state = promo_plan.new_state
    encoded, digest = encode_state(state)
    return ExportLedgerEntry(
        kind=kind_plan.kind, system=kind_plan.system, promo_code=promo_plan.code, promo_id=promo_id,
        state=encoded, digest=digest,
        ends=max(held.part.promo.end for held in state),
        records=sum(kind_plan._records(held.part) for held in state if not held.part.deleted),
        deleting=sum(kind_plan._records(held.part) for held in state if held.part.deleted),
        run=run,
    )


def purge_ended(business_date: date) -> int:
    """Drop the entries whose every period ended before ``business_date`` (of any file, also of
    a format no longer written)."""
    from exports.models import ExportLedgerEntry

    deleted, _by_model = ExportLedgerEntry.objects.filter(ends__lt=business_date).delete()
    return deleted




def holdings(entries) -> list[dict]:
    """What each system file holds of a promo (the promo page), from its ledger entries:
    per file the live and the deleting parts with their period, revision, branch and line counts
    and the run that sent them."""
    rows = []
    for entry in entries:
        parts = []
        for data in (entry.state or {}).get("parts", []):
            promo = data.get("promo") or {}
            lines = data.get("lines") or []
            codes = data.get("codes") or []
            parts.append({
                "deleted": bool(data.get("deleted")), "start": _day(promo.get("start")), "end": _day(promo.get("end")),
                "revision": promo.get("revision"), "codes": len(codes), "lines": len(lines),
                "keys": [line.get("key", "") for line in lines][:DETAIL_LIST_LIMIT],
                "records": len(codes) * len(lines), "sent_by": data.get("sent_by"), "deleted_by": data.get("deleted_by"),
            })
        parts.sort(key=lambda part: (part["deleted"], part["start"] or date.min))
        rows.append({"kind": entry.kind, "system": entry.system, "records": entry.records, "deleting": entry.deleting,
                     "ends": entry.ends, "run": entry.run, "parts": parts})
    return rows


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
