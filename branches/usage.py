"""Who uses reference data in branch rules. A promo's rules (branches.targeting) hold branch,
group, city and region ids; the app above that stores them (promo) registers lookups here (a
lower app never imports promo: ARCHITECTURE.md, tests/test_architecture.py):

- what names an id (:func:`targeting_users`), so Django admin can refuse to delete it: the deleted
  id would silently drop out of the promo's rules, and the promo out of those branches' tills at
  the next export;
- the promos at the tills or on their way there (:func:`running_promos`), so an edit of a branch
  (region, city, opening or closing date, a new branch) or of a group's members can be told: which
  promos it moves to other branches (:func:`where_promos_run` before and after the save,
  :func:`run_shifts`). The rules stay stored, not expanded, so such an edit does move them; the
  administrator is warned, the edit's admin log names the promos (branches/admin.py), and each
  promo's history records why its tills changed (:func:`record_run_shifts`: promo writes the
  event; its reason is kept as a code and params, worded per reader by :func:`run_shift_wording`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext

from branches.targeting import Targeting, resolve_among
from config.hooks import Hooks

# A lookup takes the rules' list name ("branches", "groups", "cities", "regions") and ids, and
# returns one text per thing that names any of them (e.g. «P000003 «Весна»»).
TargetingLookup = Callable[[str, Collection[int]], list[str]]
_LOOKUPS: Hooks = Hooks()
register_targeting_users = _LOOKUPS.register


def targeting_users(field: str, ids: Collection[int]) -> list[str]:
    """What names any of ``ids`` in its ``field`` list of branch rules, as texts."""
    ids = set(ids)
    return [text for lookup in _LOOKUPS for text in lookup(field, ids)] if ids else []


@dataclass(frozen=True)
class RunningPromo:
    """A promo's rules and period as the tills get them (an approved revision in force) or will
    once approved (a revision waiting for a decision). A promo may come twice, once each way
    (``waiting`` tells which)."""

    code: str
    rules: Targeting
    start: date
    end: date
    waiting: bool = False


# A lookup takes today and returns the promos not finished by then, in force or submitted.
RunningLookup = Callable[[date], Iterable[RunningPromo]]
_RUNNING_LOOKUPS: Hooks = Hooks()
register_running_promos = _RUNNING_LOOKUPS.register

# At most this many promo codes are named in the warning and the log, then «и ещё N».
SHIFTS_NAMED = 10


def running_promos(today: date) -> list[RunningPromo]:
    return [promo for lookup in _RUNNING_LOOKUPS for promo in lookup(today)]


RunKey = tuple[str, bool]  # (promo code, waiting)


def where_promos_run(branch_ids: Collection[int], *, today: date | None = None) -> dict[RunKey, frozenset[int]]:
    """For each promo in force or waiting for a decision, which of ``branch_ids`` it runs in
    (``resolve`` from the day it runs, today at the earliest, to its end): (code, waiting) ->
    branch ids. A few queries whatever the number of promos (``resolve_among``)."""
    if not branch_ids:
        return {}
    today = today or timezone.localdate()
    promos = [((promo.code, promo.waiting), (promo.rules, max(today, promo.start), promo.end))
              for promo in running_promos(today)]
    found = resolve_among((key for _run, key in promos), branch_ids=branch_ids)
    runs: dict[RunKey, set[int]] = defaultdict(set)
    for run, key in promos:
        runs[run] |= found[key]
    return {run: frozenset(ids) for run, ids in runs.items()}


@dataclass(frozen=True)
class RunShift:
    """A promo that an edit moves: how many branches it gains and loses."""

    code: str
    added: int
    removed: int


def run_shifts(before: dict[RunKey, frozenset[int]], after: dict[RunKey, frozenset[int]]) -> list[RunShift]:
    """The promos whose branches differ between two :func:`where_promos_run` answers, by code;
    a promo in force counts on its approved revision first (what the tills run today)."""
    shifts: dict[str, RunShift] = {}
    for code, waiting in sorted(before.keys() | after.keys()):
        was, now = before.get((code, waiting), frozenset()), after.get((code, waiting), frozenset())
        if was != now and code not in shifts:
            shifts[code] = RunShift(code=code, added=len(now - was), removed=len(was - now))
    return list(shifts.values())


def run_shifts_text(shifts: list[RunShift]) -> str:
    """«Эта правка меняет, где идут промо (3): P000001 (филиалов +1, −0), ...», in the active
    language; empty when nothing moves."""
    if not shifts:
        return ""
    named = ", ".join(gettext("%(code)s (филиалов +%(added)s, −%(removed)s)")
                      % {"code": shift.code, "added": shift.added, "removed": shift.removed}
                      for shift in shifts[:SHIFTS_NAMED])
    if len(shifts) > SHIFTS_NAMED:
        named = gettext("%(codes)s и ещё %(more)s") % {"codes": named, "more": len(shifts) - SHIFTS_NAMED}
    return gettext(
        "Эта правка меняет, где идут согласованные и ждущие решения промо (%(count)s): %(promos)s. "
        "Со следующей выгрузки кассы этих филиалов получат их по-новому."
    ) % {"count": len(shifts), "promos": named}


# Records a shift on the promos: (shifts, actor, subject) where subject names what was edited.
ShiftRecorder = Callable[[list[RunShift], object, dict], None]
_RECORDERS: Hooks = Hooks()
register_run_shift_recorder = _RECORDERS.register

# The code of the reason an event keeps (payload["reason_message"]) for a promo an edit moved.
RUN_SHIFT_CODE = "branches_run_shift"


def run_shift_subject(*objs, deleted: bool = False) -> dict:
    """What an edit changed, as data: ``{"model": "branch", "name": "B0001"}`` (several
    branches' codes joined with commas; ``"deleted": True`` for a deletion)."""
    names = [getattr(obj, "code", None) or getattr(obj, "name", "") or str(obj.pk) for obj in objs]
    subject = {"model": objs[0]._meta.model_name, "name": ", ".join(names)}
    return {**subject, "deleted": True} if deleted else subject


def record_run_shifts(shifts: list[RunShift], *, actor, subject: dict) -> None:
    """Record on each moved promo why its branches changed (in the caller's transaction)."""
    if shifts:
        for recorder in _RECORDERS:
            recorder(shifts, actor, subject)


def run_shift_reason(shift: RunShift, subject: dict) -> dict:
    """The reason an event keeps for ``shift``, as a code and params (:func:`run_shift_wording`)."""
    return {"code": RUN_SHIFT_CODE, "params": {**subject, "added": shift.added, "removed": shift.removed}}


def run_shift_wording(item: dict) -> str | None:
    """The reason kept by :func:`run_shift_reason` in the active language; None for any other."""
    if not isinstance(item, dict) or item.get("code") != RUN_SHIFT_CODE:
        return None
    params = item.get("params") or {}
    if params.get("deleted"):
        what = gettext("удалён филиал %(name)s") % {"name": params.get("name", "")}
    elif params.get("model") == "branchgroup":
        what = gettext("изменён состав группы филиалов «%(name)s»") % {"name": params.get("name", "")}
    else:
        what = gettext("изменён филиал %(name)s") % {"name": params.get("name", "")}
    return gettext(
        "В справочнике %(what)s: промо идёт в других филиалах (+%(added)s, −%(removed)s) со следующей выгрузки."
    ) % {"what": what, "added": params.get("added", 0), "removed": params.get("removed", 0)}
