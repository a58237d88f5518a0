"""SAP percent and fixed-price promos: ``sap_cond_a04_<YYYYMMDD>_<NN>.xml``, IDoc COND_A04 as XML
(erp-formats.md §2.1). One IDoc per condition type × plant × article, one E1KONH per promo period
on that key; IDocs sorted by KSCHL, WERKS, MATNR. No wall-clock time: CREDAT is the business date.
A record key is the VAKEY fields + KSCHL (per promo: each promo is one period on the key); a
deletion is the period that was sent with ``LOEVM_KO=X``.

Output is assembled from pre-encoded fragments (the control record per run, the E1KONH block per
promo line, the key parts per plant and article), so a record costs a few concatenations and the
time grows linearly with the records (:func:`exports.records.condition_keys`)."""

from __future__ import annotations

from collections import defaultdict

from exports.records import (
    ENTRY_CODE,
    ENTRY_END,
    ENTRY_LINE,
    ENTRY_LIVE,
    ENTRY_START,
    Night,
    Part,
    condition_keys,
    paused_gc,
)
from exports.selection import FIX, PCT, LineRecord, PromoRecord
from exports.wording import listed, message
from exports.writers.base import FileSink, Writer, WriteResult, term, two_decimals, xml_text
from exports.writers.sap_common import MATNR_WIDTH, VAKEY_WIDTH, SapConfig

PLANT_LIST_LIMIT = 20
FLUSH_PIECES = 65536


class SapConditionWriter(Writer):
    system = "sap"
    kind = "sap_cond"
    prefix = "sap_cond_a04"
    extension = "xml"

    def __init__(self, config: SapConfig | None = None):
        self.config = config or SapConfig.from_settings()
        self.kschl_of = {PCT: self.config.kschl_pct, FIX: self.config.kschl_fix}

    def wanted(self, selection) -> list[PromoRecord]:
        return selection.with_mechanics(PCT, FIX)

    def identity(self, promo: PromoRecord) -> str:
        return self.kschl_of[promo.mechanic]

    def line_key(self, line: LineRecord) -> str:
        return self.config.matnr(line)

    def head_terms(self, promo: PromoRecord) -> dict[str, str]:
        return {"start": term(promo.start), "end": term(promo.end)}

    def line_terms(self, promo: PromoRecord, line: LineRecord) -> dict[str, str]:
        if promo.mechanic == PCT:
            return {"discount_percent": term(line.discount_percent)}
        return {"promo_price": term(line.promo_price)}

    def write(self, night: Night, sink: FileSink, result: WriteResult) -> None:
        config = self.config
        parts = night.parts
        result.warnings += night.warnings

        layout_width = sum(width for _name, width in config.vakey_layout)
        long_key = layout_width > VAKEY_WIDTH
        s4 = config.s4_long_fields
        vakey_tag = "VAKEY_LONG" if long_key and not s4 else "VAKEY"
        widths = dict(config.vakey_layout)
        template = _vakey_template(config)
        werks_width = widths.get("WERKS", 4)
        matnr_width = widths.get("MATNR", MATNR_WIDTH)

        dc40 = (
            '<EDI_DC40 SEGMENT="1"><TABNAM>EDI_DC40</TABNAM><DIRECT>2</DIRECT><IDOCTYP>COND_A04</IDOCTYP>'
            f"<MESTYP>COND_A</MESTYP><SNDPOR>{xml_text(config.sndpor)}</SNDPOR><SNDPRT>LS</SNDPRT>"
            f"<SNDPRN>{xml_text(config.sndprn)}</SNDPRN><RCVPOR>{xml_text(config.rcvpor)}</RCVPOR>"
            f"<RCVPRT>LS</RCVPRT><RCVPRN>{xml_text(config.rcvprn)}</RCVPRN>"
            f"<CREDAT>{night.business_date:%Y%m%d}</CREDAT><CRETIM>000000</CRETIM></EDI_DC40>"
        )
        kschls = {part.identity for part in parts}
        openers = {
            kschl: (
                f'  <IDOC BEGIN="1">\n    {dc40}\n    <E1KOMG SEGMENT="1">\n'
                f"      <KVEWE>A</KVEWE><KOTABNR>{xml_text(config.kotabnr)}</KOTABNR><KAPPL>V</KAPPL>"
                f"<KSCHL>{xml_text(kschl)}</KSCHL>"
            ).encode()
            for kschl in kschls
        }
        heads = {kschl: opener + f"<{vakey_tag}>".encode() for kschl, opener in openers.items()}
        tail = b"    </E1KOMG>\n  </IDOC>\n"
        # Every E1KONH block once per promo line (None: the line cannot be written).
        bad_lines: dict[tuple[str, str], str] = {}
        konh: dict[LineRecord, bytes | None] = {}
        for part in parts:
            for line in part.lines:
                konh[line] = self._konh(part.promo, line, part.identity, bad_lines)
        any_bad = bool(bad_lines)
        # Only keys on which two live periods overlap at all need the check per plant.
        may_clash = _may_clash(parts)
        by_matnr: dict[str, tuple[bytes, bytes]] = {}

        too_long: dict[str, int] = defaultdict(int)
        overlaps: dict[tuple, list[str]] = defaultdict(list)
        skipped: dict[tuple[str, str], set] = defaultdict(set)
        pieces: list[bytes] = []
        extend = pieces.extend
        records = 0
        last_kschl = last_plant = None
        plant_head = plant_mid = b""
        before, after, plant_ok = "", None, True

        sink.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<COND_A04>\n')
        with paused_gc():
            for kschl, plant, matnr, periods in condition_keys(parts):
                if plant is not last_plant or kschl is not last_kschl:
                    # Records come sorted by KSCHL and WERKS: the plant's pieces change rarely.
                    last_kschl, last_plant = kschl, plant
                    plant_ok = len(plant) <= werks_width
                    before, after = _vakey_around_matnr(template, plant.ljust(werks_width))
                    plant_head = heads[kschl] + xml_text(before).encode()
                    plant_mid = (
                        f"</{vakey_tag}>\n      <VKORG>{xml_text(config.vkorg)}</VKORG>"
                        f"<VTWEG>{xml_text(config.vtweg)}</VTWEG><WERKS>{xml_text(plant)}</WERKS><MATNR>"
                    ).encode()
                if not plant_ok or len(matnr) > matnr_width:
                    too_long[matnr if len(matnr) > matnr_width else f"WERKS {plant}"] += 1
                    _skip(result, skipped, periods, plant, matnr)
                    continue
                if len(periods) == 1:
                    block = konh[periods[0][ENTRY_LINE]]
                    if block is None:
                        _skip(result, skipped, periods, plant, matnr)
                        continue
                    blocks = (block,)
                else:
                    if (kschl, matnr) in may_clash:
                        clash = _overlapping(periods)
                        if clash:
                            # The live periods of this key are refused; deletions on it still go.
                            overlaps[(kschl, matnr, clash)].append(plant)
                            _skip(result, skipped, [p for p in periods if p[ENTRY_LIVE]], plant, matnr)
                            periods = [p for p in periods if not p[ENTRY_LIVE]]
                    if any_bad:
                        _skip(result, skipped, [p for p in periods if konh[p[ENTRY_LINE]] is None], plant, matnr)
                        periods = [p for p in periods if konh[p[ENTRY_LINE]] is not None]
                    if not periods:
                        continue
                    blocks = [konh[entry[ENTRY_LINE]] for entry in periods]
                if s4:
                    vakey = before if after is None else (before + matnr.ljust(matnr_width) + after).rstrip()
                    extend((openers[kschl], self._s4_key(vakey, plant, matnr), *blocks, tail))
                else:
                    matnr_bits = by_matnr.get(matnr)
                    if matnr_bits is None:
                        matnr_bits = by_matnr[matnr] = (xml_text(matnr).encode(),
                                                        f"{xml_text(matnr)}</MATNR>\n".encode())
                    if after == "" and matnr:
                        # VAKEY = the plant's fixed part + MATNR (its trailing padding dropped).
                        extend((plant_head, matnr_bits[0], plant_mid, matnr_bits[1], *blocks, tail))
                    else:
                        vakey = before if after is None else (before + matnr.ljust(matnr_width) + after).rstrip()
                        extend((heads[kschl], xml_text(vakey).encode(), plant_mid, matnr_bits[1], *blocks, tail))
                records += 1
                if len(pieces) >= FLUSH_PIECES:
                    sink.write_pieces(pieces)
                    pieces.clear()
        sink.write_pieces(pieces)
        sink.write(b"</COND_A04>\n")

        result.records = records
        # Counted from the parts: a record is written unless refused (live) or skipped (deletion).
        seen: set[tuple[str, str]] = set()
        for part in parts:
            code = part.promo.code
            blocked = result.refused.get(code, {}) if not part.deleted else None
            all_codes = None
            for key in part.keys:
                stopped = blocked.get(key) if blocked is not None else skipped.get((code, key))
                if stopped:
                    all_codes = all_codes or set(part.codes)
                    if all_codes <= stopped:
                        continue
                seen.add((code, key))
                result.promo_ids.add(part.promo.pk)
            if part.deleted:
                result.deletions += part.records
        result.deletions -= sum(len(plants) for plants in skipped.values())
        result.lines = len(seen)
        result.promos = len(result.promo_ids)
        for value, count in sorted(too_long.items()):
            result.errors.append(message("sap_key_too_long", value=value, matnr=matnr_width, werks=werks_width,
                                         count=count))
        for (kschl, matnr, clash), plants in sorted(overlaps.items()):
            result.errors.append(message("sap_periods_overlap", kschl=kschl, matnr=matnr, promos=", ".join(clash),
                                         plants=listed(plants, PLANT_LIST_LIMIT)))
        result.errors += [error for _key, error in sorted(bad_lines.items())]

    def _s4_key(self, vakey: str, plant: str, matnr: str) -> bytes:
        """E1KOMG key fields with the S/4HANA long fields next to the short ones (a short field
        only when the value fits it)."""
        config = self.config
        short_vakey = f"<VAKEY>{xml_text(vakey)}</VAKEY>" if len(vakey) <= VAKEY_WIDTH else ""
        short_matnr = f"<MATNR>{xml_text(matnr)}</MATNR>" if len(matnr) <= MATNR_WIDTH else ""
        return (
            f"{short_vakey}<VAKEY_LONG>{xml_text(vakey)}</VAKEY_LONG>\n      <VKORG>{xml_text(config.vkorg)}</VKORG>"
            f"<VTWEG>{xml_text(config.vtweg)}</VTWEG><WERKS>{xml_text(plant)}</WERKS>{short_matnr}"
            f"<MATNR_LONG>{xml_text(matnr)}</MATNR_LONG>\n"
        ).encode()

    def _konh(self, promo: PromoRecord, line: LineRecord, kschl: str, bad_lines: dict) -> bytes | None:
        config = self.config
        if promo.mechanic == PCT:
            if line.discount_percent is None:
                bad_lines[(promo.code, line.article)] = message("no_discount_percent", code=promo.code,
                                                                article=line.article)
                return None
            sign = "-" if config.pct_sign == "-" else ""
            krech = f"<KRECH>{xml_text(config.krech_pct)}</KRECH>" if config.krech_pct else ""
            amount = (f"{krech}<KBETR>{sign}{two_decimals(line.discount_percent * config.pct_scale)}</KBETR>"
                      "<KONWA>%</KONWA>")
        else:
            if line.promo_price is None:
                bad_lines[(promo.code, line.article)] = message("no_promo_price", code=promo.code,
                                                                article=line.article)
                return None
            krech = f"<KRECH>{xml_text(config.krech_fix)}</KRECH>" if config.krech_fix else ""
            amount = (f"{krech}<KBETR>{two_decimals(line.promo_price)}</KBETR><KONWA>RUB</KONWA>"
                      f"<KPEIN>1</KPEIN><KMEIN>{xml_text(config.cond_unit)}</KMEIN>")
        deletion = "<LOEVM_KO>X</LOEVM_KO>" if promo.deleted else ""
        return (
            f'      <E1KONH SEGMENT="1"><DATAB>{promo.start:%Y%m%d}</DATAB><DATBI>{promo.end:%Y%m%d}</DATBI>\n'
            f'        <E1KONP SEGMENT="1"><KSCHL>{xml_text(kschl)}</KSCHL>{amount}{deletion}</E1KONP>\n'
            "      </E1KONH>\n"
        ).encode()


def _vakey_template(config: SapConfig) -> str:
    """The VAKEY as a format string: VKORG and VTWEG are fixed per run, WERKS and MATNR are
    filled per record (each left-aligned and space-padded to its width)."""
    constants = {"VKORG": config.vkorg, "VTWEG": config.vtweg}
    parts = []
    for name, width in config.vakey_layout:
        if name in constants:
            parts.append(constants[name].ljust(width).replace("{", "{{").replace("}", "}}"))
        else:
            parts.append("{" + name + "}")
    return "".join(parts)


def _vakey_around_matnr(template: str, werks: str) -> tuple[str, str | None]:
    """The VAKEY of one plant split around MATNR: ``(before, after)``; ``after`` is None when
    the layout has no MATNR (then ``before`` is the whole key)."""
    text = template.format(WERKS=werks, MATNR="\x00")
    head, found, rest = text.partition("\x00")
    return (head, rest) if found else (text.rstrip(), None)


def _skip(result: WriteResult, skipped: dict, periods, plant: str, matnr: str) -> None:
    """The records of ``periods`` at ``plant`` were not written: a live one is refused (not sent
    tonight, the ledger keeps what it held), a deletion is counted out."""
    for entry in periods:
        if entry[ENTRY_LIVE]:
            result.refuse(entry[ENTRY_CODE], matnr, (plant,))
        else:
            skipped[(entry[ENTRY_CODE], matnr)].add(plant)


def _may_clash(parts: list[Part]) -> set[tuple[str, str]]:
    """``(KSCHL, MATNR)`` on which two live periods of different promos overlap in time (at some
    plant or other): only those keys are checked plant by plant."""
    periods: dict[tuple[str, str], list] = defaultdict(list)
    for part in parts:
        if not part.deleted:
            for key in part.keys:
                periods[(part.identity, key)].append((part.promo.start, part.promo.end, part.promo.code))
    clashing = set()
    for key, spans in periods.items():
        if len(spans) < 2:
            continue
        spans.sort()
        latest_end, latest_code = spans[0][1], spans[0][2]
        for start, end, code in spans[1:]:
            if start <= latest_end and code != latest_code:
                clashing.add(key)
                break
            if end > latest_end:
                latest_end, latest_code = end, code
    return clashing


def _overlapping(periods: list[tuple]) -> tuple[str, ...]:
    """Codes of the live (not deleted) promos whose periods overlap on one key; empty if none.
    ``periods`` (entries of :func:`~exports.records.condition_keys`) is sorted by start."""
    clash: set[str] = set()
    latest = None
    for entry in periods:
        if not entry[ENTRY_LIVE]:
            continue
        if latest is not None and entry[ENTRY_START] <= latest[ENTRY_END]:
            clash.update((latest[ENTRY_CODE], entry[ENTRY_CODE]))
        if latest is None or entry[ENTRY_END] > latest[ENTRY_END]:
            latest = entry
    return tuple(sorted(clash))


