"""The ledger's state codec: a promo's parts as stored in ``ExportLedgerEntry.state`` (plain JSON
values, the run that sent each part), their digest (what a part says, not who sent it), and what
the promo page shows of them (:func:`holdings`)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from exports.records import Part
from exports.selection import DELETE, INSERT, LineRecord, PromoRecord

DETAIL_LIST_LIMIT = 400

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
