"""SAP N+M promos as bonus buys: ``sap_bonusbuy_<YYYYMMDD>_<NN>.csv`` (erp-formats.md §2.2, a
designed file for a customer loader). UTF-8 without BOM, ``;``, LF, header row, no quoting (text
fields lose ``;``, CR and LF). One record = promo × plant × article, sorted BBY_EXT_ID, WERKS,
MATNR; a record key is BBY_EXT_ID + WERKS + MATNR. The description is formula-safe
(``config.spreadsheets.csv_text``). With ``SAP_BONUSBUY_ALL_MECHANICS`` percent and fixed-price
promos come along, with the COND_KIND and COND_VALUE columns."""

from __future__ import annotations

import re

from config.spreadsheets import csv_text
from exports.records import Night, Part, paused_gc, records, tally
from exports.selection import FIX, NM, PCT, LineRecord, PromoRecord
from exports.writers.base import FileSink, Writer, WriteResult, term, two_decimals
from exports.writers.sap_common import SapConfig

COLUMNS = ("ACTION", "BBY_EXT_ID", "DESCRIPTION", "VALID_FROM", "VALID_TO", "VKORG", "VTWEG", "WERKS",
           "MATNR", "EAN11", "BUY_QTY", "FREE_QTY", "UNIT", "GRANT_MODE", "VENDOR")
EXTRA_COLUMNS = ("COND_KIND", "COND_VALUE")
DESCRIPTION_LENGTH = 40
_UNSAFE = re.compile(r"[;\r\n]")


def clean(value: str) -> str:
    return _UNSAFE.sub("", value)


class SapBonusBuyWriter(Writer):
    system = "sap"
    kind = "sap_bonusbuy"
    prefix = "sap_bonusbuy"
    extension = "csv"

    def __init__(self, config: SapConfig | None = None):
        self.config = config or SapConfig.from_settings()

    def wanted(self, selection) -> list[PromoRecord]:
        if self.config.bonusbuy_all_mechanics:
            return selection.with_mechanics(NM, PCT, FIX)
        return selection.with_mechanics(NM)

    def line_key(self, line: LineRecord) -> str:
        return self.config.matnr(line)

    def head_terms(self, promo: PromoRecord) -> dict[str, str]:
        return {"name": self._description(promo), "mechanic": promo.mechanic, "start": term(promo.start),
                "end": term(promo.end), "sap_vendor": promo.sap_vendor}

    def line_terms(self, promo: PromoRecord, line: LineRecord) -> dict[str, str]:
        terms = {"ean": line.ean, "n": term(line.n) if promo.mechanic == NM else "",
                 "m": term(line.m) if promo.mechanic == NM else ""}
        if self.config.bonusbuy_all_mechanics:
            terms["discount_percent"] = term(line.discount_percent) if promo.mechanic == PCT else ""
            terms["promo_price"] = term(line.promo_price) if promo.mechanic == FIX else ""
        return terms

    def write(self, night: Night, sink: FileSink, result: WriteResult) -> None:
        config = self.config
        extra = config.bonusbuy_all_mechanics
        result.warnings += night.warnings
        grant_mode = "ANY_LISTED" if config.nplusm_mix else "SAME_ARTICLE"

        write = sink.write
        write((";".join(COLUMNS + (EXTRA_COLUMNS if extra else ())) + "\n").encode())
        heads: dict[Part, bytes] = {}
        tails: dict[LineRecord, bytes] = {}
        plants: dict[str, bytes] = {}
        records_written = 0
        last_part = None
        head = b""
        with paused_gc():
            for part, plant, line, key in records(night.parts):
                if part is not last_part:
                    last_part = part
                    head = heads.get(part)
                    if head is None:
                        promo = part.promo
                        head = heads[part] = (
                            f"{'D' if promo.deleted else 'I'};{clean(promo.code)};"
                            f"{self._description(promo)};{promo.start:%Y%m%d};{promo.end:%Y%m%d};"
                            f"{clean(config.vkorg)};{clean(config.vtweg)};"
                        ).encode()
                tail = tails.get(line)
                if tail is None:
                    tail = tails[line] = self._tail(part.promo, line, grant_mode, extra, key)
                plant_part = plants.get(plant)
                if plant_part is None:
                    plant_part = plants[plant] = f"{clean(plant)};".encode()
                write(head + plant_part + tail)
                records_written += 1
        result.records = records_written
        result.deletions = sum(part.records for part in night.parts if part.deleted)
        tally(night.parts, result)

    def _description(self, promo: PromoRecord) -> str:
        return (csv_text(clean(promo.name)) or "")[:DESCRIPTION_LENGTH]

    def _tail(self, promo: PromoRecord, line: LineRecord, grant_mode: str, extra: bool, matnr: str) -> bytes:
        config = self.config
        nm = promo.mechanic == NM
        columns = [
            clean(matnr), clean(line.ean),
            str(line.n) if nm and line.n is not None else "",
            str(line.m) if nm and line.m is not None else "",
            clean(config.unit), grant_mode, clean(promo.sap_vendor),
        ]
        if extra:
            if promo.mechanic == PCT:
                columns += ["PCT", two_decimals(line.discount_percent) if line.discount_percent is not None else ""]
            elif promo.mechanic == FIX:
                columns += ["FIX", two_decimals(line.promo_price) if line.promo_price is not None else ""]
            else:
                columns += ["FREE", ""]
        return (";".join(columns) + "\n").encode()
