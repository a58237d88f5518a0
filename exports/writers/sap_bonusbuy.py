"""SAP N+M promos as bonus buys: ``sap_bonusbuy_<YYYYMMDD>_<NN>.csv`` (erp-formats.md §2.2, a
designed file for a customer loader). UTF-8 without BOM, ``;``, LF, header row, no quoting (text
fields lose ``;``, CR and LF). One record = promo × plant × article, sorted BBY_EXT_ID, WERKS,
MATNR. With ``SAP_BONUSBUY_ALL_MECHANICS`` percent and fixed-price promos come along, with the
COND_KIND and COND_VALUE columns."""

from __future__ import annotations

import re

from exports.selection import FIX, NM, PCT, LineRecord, PromoRecord, Selection, promo_branch_product
from exports.writers.base import FileSink, Writer, WriteResult, two_decimals
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

    def write(self, selection: Selection, sink: FileSink, result: WriteResult) -> None:
        config = self.config
        extra = config.bonusbuy_all_mechanics
        promos = selection.with_mechanics(NM, PCT, FIX) if extra else selection.with_mechanics(NM)
        coded = selection.coded("sap", promos)
        result.warnings += coded.warnings
        grant_mode = "ANY_LISTED" if config.nplusm_mix else "SAME_ARTICLE"

        write = sink.write
        write((";".join(COLUMNS + (EXTRA_COLUMNS if extra else ())) + "\n").encode())
        tails: dict[LineRecord, bytes] = {}
        plants: dict[str, bytes] = {}
        records = 0
        last_promo = None
        head = b""
        for promo, plant, line in promo_branch_product(promos, coded, line_key=config.matnr):
            if promo is not last_promo:
                last_promo = promo
                head = (
                    f"{'D' if promo.deleted else 'I'};{clean(promo.code)};"
                    f"{clean(promo.name)[:DESCRIPTION_LENGTH]};{promo.start:%Y%m%d};{promo.end:%Y%m%d};"
                    f"{clean(config.vkorg)};{clean(config.vtweg)};"
                ).encode()
                result.promo_ids.add(promo.pk)
                result.lines += len(promo.lines)
            tail = tails.get(line)
            if tail is None:
                tail = tails[line] = self._tail(promo, line, grant_mode, extra)
            plant_part = plants.get(plant)
            if plant_part is None:
                plant_part = plants[plant] = f"{clean(plant)};".encode()
            write(head + plant_part + tail)
            records += 1
        result.records = records
        result.promos = len(result.promo_ids)

    def _tail(self, promo: PromoRecord, line: LineRecord, grant_mode: str, extra: bool) -> bytes:
        config = self.config
        nm = promo.mechanic == NM
        columns = [
            clean(config.matnr(line)), clean(line.ean),
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
