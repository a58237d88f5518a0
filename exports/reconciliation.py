"""«Что изменится на кассе»: what a run (or a dry run of a date) changes at the tills, per system
file and per promo, against the export ledger of the previous complete run. One shape for the
page and the API, built from a run's stored rows (:func:`reconciliation_of_run`) or from the plans
of a dry run (:func:`reconciliation_of_plans`).

Shape::

    {"run": {"id", "name"} | None, "business_date": "2027-01-10", "preview": bool,
     "files": [{"system", "kind", "label", "written", "base_run", "records": {...}, "promos": {...}}],
     "promos": [{"promo_id", "code", "name", "totals": {...},
                 "files": [{"kind", "label", "added", "changed", "deleted", "repeated", "unchanged",
                            "detail"}]}],
     "warnings": [...]}

``records`` counts records added, changed, deleted (new deletions), repeated (deletions sent again
until their period ends) and unchanged; ``promos`` counts promos new to the file (added), gone
from it (deleted), with other changes (changed), only repeating deletions (repeated), unchanged.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from exports.models import ExportChange, ExportRun
from exports.selection import MECHANIC_CODES
from exports.wording import message, message_text, message_texts
from promo.changes import (
    DATE_FIELDS,
    EMPTY,
    MONEY_FIELDS,
    PERCENT_FIELDS,
    field_label,
    fmt_date,
    money_text,
    percent_text,
)
from promo.models import Promo

COUNT_NAMES = ("added", "changed", "deleted", "repeated", "unchanged")
KIND_LABELS = {
    "sap_cond": _("SAP: условия (COND_A04)"),
    "sap_bonusbuy": _("SAP: бонус-покупки"),
    "smarket": "S-Market",
    "setretail": "Set Retail 10",
}
KIND_ORDER = ("sap_cond", "sap_bonusbuy", "smarket", "setretail")
# Terms of the files that are no field of a promo or a line (the rest: promo.changes.field_label).
FILE_TERM_LABELS = {
    "supplier_inn": _("ИНН поставщика"),
    "sap_vendor": _("Поставщик SAP"),
    "ean": "EAN",
    "compensation": None,  # the line's compensation_percent
}
_TERM_FIELDS = {"compensation": "compensation_percent"}
_MECHANIC_OF_CODE = {code: mechanic for mechanic, code in MECHANIC_CODES.items()}


def term_label(name: str) -> str:
    """The name of a compared term as people read it (the promo page's and the history's labels)."""
    label = FILE_TERM_LABELS.get(name)
    return str(label) if label is not None else field_label(_TERM_FIELDS.get(name, name))


def term_text(name: str, value) -> str:
    """A compared value as the promo page and the history show it (promo/changes.py): money
    ``199,90``, percents ``15``, dates ``dd.mm.yyyy``, the mechanic by its name."""
    if value in (None, ""):
        return EMPTY
    field = _TERM_FIELDS.get(name, name)
    try:
        if field in MONEY_FIELDS:
            return money_text(value)
        if field in PERCENT_FIELDS:
            return percent_text(value)
        if field in DATE_FIELDS:
            return fmt_date(date.fromisoformat(str(value)))
    except (ValueError, ArithmeticError):
        return str(value)
    if field == "mechanic" and value in _MECHANIC_OF_CODE:
        return str(Promo.Mechanic(_MECHANIC_OF_CODE[value]).label)
    return str(value)


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def _zero() -> dict:
    return dict.fromkeys(COUNT_NAMES, 0)


def _promo_rows(rows) -> list[dict]:
    """Rows ``(kind, promo_id, code, name, counts, detail)`` grouped per promo, sorted by code."""
    promos: dict[str, dict] = {}
    for kind, promo_id, code, name, counts, detail in rows:
        entry = promos.setdefault(code, {"promo_id": promo_id, "code": code, "name": name, "totals": _zero(),
                                         "files": []})
        entry["promo_id"] = entry["promo_id"] or promo_id
        entry["files"].append({"kind": kind, "label": kind_label(kind), **counts, "detail": detail})
        for name_ in COUNT_NAMES:
            entry["totals"][name_] += counts[name_]
    for entry in promos.values():
        entry["files"].sort(key=lambda item: KIND_ORDER.index(item["kind"]) if item["kind"] in KIND_ORDER else 99)
    return [promos[code] for code in sorted(promos)]


def ledger_notes(business_date: date, files: list[dict]) -> list[dict]:
    """What a reader must know about the comparison: a file whose ledger was last advanced by a
    run for a later date than ``business_date`` (an on-demand run for a future date) is compared
    with what the systems already got, that run's records included: what the tills hold, and what
    a run of ``business_date`` compares with (exports/ledger/). One note per such run."""
    notes, seen = [], set()
    day = business_date.isoformat()
    for item in files:
        base = item.get("base_run") or {}
        later = base.get("business_date")
        if later and later > day and base.get("name") not in seen:
            seen.add(base.get("name"))
            notes.append(message("ledger_later_date", run=base.get("name"), date=later))
    return notes


def reconciliation_of_plans(business_date: date, plans, *, warnings: list[dict] | None = None) -> dict:
    """The dry run's reconciliation (plans settled without a run)."""
    files = [
        {"system": plan.system, "kind": plan.writer.kind, "label": kind_label(plan.writer.kind),
         "written": not (plan.writer.skip_empty and plan.empty), **plan.summary()}
        for plan in plans
    ]
    rows = [
        (plan.writer.kind, promo_plan.promo.pk, promo_plan.code, promo_plan.promo.name,
         promo_plan.counts.as_dict(), promo_plan.detail)
        for plan in plans for promo_plan in plan.changed_promos()
    ]
    all_warnings = [*ledger_notes(business_date, files), *(warnings or [])]
    for plan in plans:
        all_warnings += [warning for warning in plan.warnings if warning not in all_warnings]
    return {"run": None, "business_date": business_date.isoformat(), "preview": True, "files": files,
            "promos": _promo_rows(rows), "warnings": message_texts(all_warnings)}


def reconciliation_of_run(run: ExportRun, *, promo_code: str | None = None, kind: str | None = None) -> dict:
    """A run's reconciliation from its files' summaries and its change rows (two queries)."""
    files = [
        {"system": export_file.system, "kind": export_file.kind, "label": kind_label(export_file.kind),
         "written": True, "base_run": (export_file.changes or {}).get("base_run"),
         "records": {**_zero(), **(export_file.changes or {}).get("records", {})},
         "promos": {**_zero(), **(export_file.changes or {}).get("promos", {})}}
        for export_file in run.files.order_by("pk")
    ]
    for skipped in run.skipped or []:
        files.append({"system": skipped.get("system"), "kind": skipped.get("kind"),
                      "label": kind_label(skipped.get("kind", "")), "written": False, "base_run": None,
                      "records": _zero(), "promos": _zero(), "reason": message_text(skipped.get("reason", ""))})
    changes = ExportChange.objects.filter(run=run)
    if promo_code:
        changes = changes.filter(promo_code=promo_code)
    if kind:
        changes = changes.filter(kind=kind)
    rows = [
        (change.kind, change.promo_id, change.promo_code, change.promo_name,
         {name: getattr(change, name) for name in COUNT_NAMES}, change.detail)
        for change in changes.order_by("promo_code", "kind")
    ]
    notes = ledger_notes(run.business_date, files)
    return {"run": {"id": run.pk, "name": run.name}, "business_date": run.business_date.isoformat(),
            "preview": False, "files": files, "promos": _promo_rows(rows),
            "warnings": message_texts([*notes, *(run.warnings or [])])}


def filtered(data: dict, *, promo_code: str | None = None, kind: str | None = None) -> dict:
    """The same data limited to one promo and/or one file kind (dry runs are filtered here)."""
    promos = data["promos"]
    if promo_code:
        promos = [entry for entry in promos if entry["code"] == promo_code]
    if kind:
        promos = [{**entry, "files": [item for item in entry["files"] if item["kind"] == kind]} for entry in promos]
        promos = [entry for entry in promos if entry["files"]]
    return {**data, "promos": promos}
