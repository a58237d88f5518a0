"""The comparison of one file's ledger with tonight's wanted records (:class:`KindPlan`): the
deletions to write, then, once the file is written, the counts, the detail of what changed and the
state to keep (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from exports.ledger.state import DETAIL_LIST_LIMIT, Held, digest_of
from exports.records import Night, Part
from exports.selection import DELETE, PromoRecord


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
    # Held records kept as sent, neither written nor deleted: a promo still wanted but starting
    # after tonight's horizon, or a period that ended before a future business date but not yet.
    kept: list[Held] = field(default_factory=list)
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

    def __init__(self, writer, business_date: date, *, keep_from: date | None = None):
        self.writer = writer
        self.kind = writer.ledger_kind
        self.system = writer.system
        self.granular = writer.granular
        self.business_date = business_date
        # Parts whose period ended before the business date but not before this day are still
        # held at the tills (a future-dated run): kept as they are (store.keep_from).
        self.keep_from = business_date if keep_from is None else min(keep_from, business_date)
        self.promos: dict[str, PromoPlan] = {}
        self.drop: list[int] = []
        self.head_run_id: int | None = None
        self.base_run: dict | None = None
        self.warnings: list[dict] = []
        self.counts = Counts()
        self.promo_counts = Counts()
        self.interned: dict[tuple, tuple] = {}
        # {promo pk: revision in force} of held promos left out only by the horizon (see _compare).
        self.deferred: dict[int, int] = {}
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

    def intern_codes(self, codes) -> tuple:
        codes = tuple(codes)
        return self.interned.setdefault(codes, codes)

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
            pieces.append((self.intern_codes(outside), part.lines, part.keys))
        inside = tuple(code for code in part.codes if code in wanted_codes)
        if inside:
            kept = [index for index, key in enumerate(part.keys) if key not in wanted_keys]
            if kept:
                pieces.append((self.intern_codes(inside), tuple(part.lines[i] for i in kept),
                               tuple(part.keys[i] for i in kept)))
        return pieces

    def _compare(self, plan: PromoPlan) -> None:
        """Tonight's deletions of one promo from what the ledger held.

        A promo left out of tonight only because it starts after the horizon (a run for an
        earlier business date than the one that sent it) is still wanted: what was sent of its
        revision in force stays as sent (``kept``: not deleted, not written again), so a run for
        an earlier date never deletes an approved promo that a later-dated run put on the tills.
        What was sent of an earlier revision (postponed, corrected) is deleted as usual."""
        day = self.business_date
        live = plan.live
        for held in plan.held or ():
            part = held.part
            if part.promo.end < day:
                if part.promo.end >= self.keep_from:
                    plan.kept.append(held)  # ended for a future date only: still at the tills today
                continue  # the period that was sent has ended: it leaves the ledger
            if live is None and not part.deleted and self.deferred.get(part.promo.pk) == part.promo.revision:
                plan.kept.append(held)
                continue
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

    def records_of(self, part: Part) -> int:
        return part.records if self.granular else 1

    def _settle_promo(self, plan: PromoPlan, refused: dict[str, set], run_id: int | None) -> None:
        live = plan.live
        counts = plan.counts = Counts()
        for held in plan.deletions:
            # A deletion is new when the records were live until tonight (no run sent it yet).
            if held.deleted_by is None:
                counts.deleted += self.records_of(held.part)
            else:
                counts.repeated += self.records_of(held.part)
        if plan.held is None:
            # The ledger held exactly tonight's part: nothing to compare, nothing to store.
            counts.unchanged = self.records_of(live) - sum(len(codes) for codes in refused.values())
            plan.new_state = None
            return
        if live is None and plan.kept and not plan.deletions and len(plan.kept) == len(plan.held):
            # Beyond tonight's horizon, or ended only for a future date: the ledger keeps it as it is.
            plan.new_state = None
            return

        kept = {id(h) for h in plan.kept}
        old_live = [h for h in plan.held if not h.part.deleted and id(h) not in kept]
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
        state += plan.kept
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
                groups.setdefault(self.intern_codes(sent), []).append(index)
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
                    groups.setdefault(self.intern_codes(held), []).append(index)
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
             "end": held.part.promo.end.isoformat(), "records": self.records_of(held.part)}
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
