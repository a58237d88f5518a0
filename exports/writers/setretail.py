"""Set Retail 10: ``set10_actions_<YYYYMMDD>_<NN>.xml``, the ``AdvertisingActions`` import
(erp-formats.md §4). UTF-8, 2-space indent, LF, attributes in the spec's order. One record = one
``AdvertisingAction`` per promo, sorted by external-code; inside, goods by the Set10 key
(``SET10_GOOD_KEY``). Set10's own spellings ``requiedQuantity`` and ``ignoreRestictions`` are kept.
A record key is the external-code; the shops and goods are the action's terms, so an action that
lost shops or goods is simply re-sent with the reduced sets, and one that is no longer wanted at
all goes as ``active="false" deleted="true"`` with what was sent (erp-formats.md §1, §4.1). The
vendor schema wants at least one action: with nothing to send no file is written.

Also writes the S-Market file when ``SMARKET_FORMAT=set10`` (shop numbers = S-Market store ids)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal

from django.conf import settings

from exports.records import Night, tally
from exports.selection import FIX, NM, PCT, LineRecord, PromoRecord
from exports.wording import RunRefused, message
from exports.writers.base import FileSink, Writer, WriteResult, term, two_decimals, xml_attr
from promo.rules import TILL_NAME_MAX

NAME_LENGTH = TILL_NAME_MAX
# SET10_ACTION_GUID: AdvertActGUID = uuid5(this namespace, external-code), the same every night.
ACTION_GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:promo-portal:set10:advertising-action")


def _percent_label(value: Decimal) -> str:
    """15.00 -> ``15``, 12.50 -> ``12.5`` (for set names)."""
    return format(value.normalize(), "f")


def _quantity(value: int) -> str:
    return f"{value}.000"


class SetRetailWriter(Writer):
    system = "setretail"
    kind = "setretail"
    prefix = "set10_actions"
    extension = "xml"
    granular = False
    skip_empty = True

    def __init__(self, *, system: str = "setretail", kind: str = "setretail", prefix: str = "set10_actions",
                 good_key: str | None = None):
        self.system = system
        self.kind = kind
        self.prefix = prefix
        self.good_key = good_key or settings.SET10_GOOD_KEY
        if self.good_key not in ("article", "ean"):
            raise RunRefused(message("set10_good_key", value=self.good_key))
        self.priority = str(settings.SET10_PRIORITY)
        self.works_any_time = "true" if settings.SET10_WORKS_ANY_TIME else "false"
        self.nplusm_mix = settings.SET10_NPLUSM_MIX
        self.pct_element = settings.SET10_PCT_ELEMENT
        if self.pct_element not in ("set", "goodsDiscount"):
            raise RunRefused(message("set10_pct_element", value=self.pct_element))
        self.action_guid = settings.SET10_ACTION_GUID

    @property
    def ledger_kind(self) -> str:
        # The S-Market file in Set10 form keeps a ledger of its own (its records are actions).
        return self.kind if self.system == "setretail" else f"{self.kind}_set10"

    def line_key(self, line: LineRecord) -> str:
        return self._key(line)

    def head_terms(self, promo: PromoRecord) -> dict[str, str]:
        return {"name": promo.name[:NAME_LENGTH], "mechanic": promo.mechanic, "start": term(promo.start),
                "end": term(promo.end)}

    def line_terms(self, promo: PromoRecord, line: LineRecord) -> dict[str, str]:
        if promo.mechanic == PCT:
            return {"discount_percent": term(line.discount_percent)}
        if promo.mechanic == FIX:
            return {"promo_price": term(line.promo_price)}
        return {"n": term(line.n), "m": term(line.m)}

    def without_shops(self, promo: PromoRecord) -> dict:
        """The warning for a wanted promo none of whose branches has a code in this system."""
        return message("no_shop_codes", code=promo.code, label=self.system)

    def write(self, night: Night, sink: FileSink, result: WriteResult) -> None:
        result.warnings += night.warnings
        sink.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<AdvertisingActions>\n')
        for part in night.parts:
            sink.write(self._action(part.promo, part.codes).encode())
            result.records += 1
            result.deletions += part.deleted
        sink.write(b"</AdvertisingActions>\n")
        tally(night.parts, result)

    def _key(self, line: LineRecord) -> str:
        return line.article if self.good_key == "article" else line.ean

    def _good(self, line: LineRecord) -> str:
        return f'<marking-of-the-good id="{xml_attr(self._key(line))}"/>'

    def _action(self, promo: PromoRecord, shops: tuple) -> str:
        guid = (f' AdvertActGUID="{uuid.uuid5(ACTION_GUID_NAMESPACE, promo.code)}"'
                if self.action_guid else "")
        attributes = (
            f'name="{xml_attr(promo.name[:NAME_LENGTH])}" external-code="{xml_attr(promo.code)}"{guid} '
            f'active="{"false" if promo.deleted else "true"}" mode="automatic" '
            f'priority="{xml_attr(self.priority)}" worksAnyTime="{self.works_any_time}" ignoreRestictions="false"'
        )
        if promo.deleted:
            attributes += ' deleted="true"'
        lines = sorted(promo.lines, key=self._key)
        out = [
            f"  <AdvertisingAction {attributes}>\n",
            f"    <shop-indices>{' '.join(str(shop) for shop in shops)}</shop-indices>\n",
            f"    <begin-date>{promo.start:%Y-%m-%d}T00:00:00</begin-date>\n",
            f"    <end-date>{promo.end:%Y-%m-%d}T23:59:59</end-date>\n",
            "    <actionResults>\n",
        ]
        if promo.mechanic == PCT:
            out += self._percent(promo, lines)
        elif promo.mechanic == FIX:
            out += self._fixed(promo, lines)
        elif promo.mechanic == NM:
            out += self._n_plus_m(promo, lines)
        out += ["    </actionResults>\n", "  </AdvertisingAction>\n"]
        return "".join(out)

    def _percent(self, promo: PromoRecord, lines: list[LineRecord]) -> list[str]:
        """One set (or goodsDiscount) per distinct percent, listing its goods."""
        by_percent: dict[Decimal, list[LineRecord]] = defaultdict(list)
        for line in lines:
            if line.discount_percent is not None:
                by_percent[line.discount_percent].append(line)
        out = []
        for percent in sorted(by_percent):
            name = xml_attr(f"{promo.code} -{_percent_label(percent)}%")
            goods = [f"          {self._good(line)}\n" for line in by_percent[percent]]
            if self.pct_element == "goodsDiscount":
                out += [f'      <goodsDiscount name="{name}" discountPercent="{two_decimals(percent)}">\n',
                        *(good[2:] for good in goods), "      </goodsDiscount>\n"]
            else:
                out += [f'      <set name="{name}">\n',
                        f'        <row requiedQuantity="1.000" discountPercent="{two_decimals(percent)}">\n',
                        *goods, "        </row>\n", "      </set>\n"]
        return out

    def _fixed(self, promo: PromoRecord, lines: list[LineRecord]) -> list[str]:
        out = []
        for line in lines:
            if line.promo_price is None:
                continue
            out += [f'      <set name="{xml_attr(f"{promo.code} {line.article}")}">'
                    f'<row requiedQuantity="1.000" fixedPrice="{two_decimals(line.promo_price)}">'
                    f"{self._good(line)}</row></set>\n"]
        return out

    def _n_plus_m(self, promo: PromoRecord, lines: list[LineRecord]) -> list[str]:
        out = []
        if self.nplusm_mix:
            by_terms: dict[tuple[int, int], list[LineRecord]] = defaultdict(list)
            for line in lines:
                if line.n and line.m:
                    by_terms[(line.n, line.m)].append(line)
            for (n, m), group in sorted(by_terms.items()):
                goods = [f"          {self._good(line)}\n" for line in group]
                out += [f'      <set name="{xml_attr(f"{promo.code} {n}+{m}")}">\n',
                        f'        <row requiedQuantity="{_quantity(n)}" discountPercent="0.00">\n', *goods,
                        "        </row>\n",
                        f'        <row requiedQuantity="{_quantity(m)}" discountPercent="100.00">\n', *goods,
                        "        </row>\n", "      </set>\n"]
            return out
        for line in lines:
            if not (line.n and line.m):
                continue
            good = self._good(line)
            out += [f'      <set name="{xml_attr(f"{promo.code} {line.n}+{line.m} {line.article}")}">\n',
                    f'        <row requiedQuantity="{_quantity(line.n)}" discountPercent="0.00">{good}</row>\n',
                    f'        <row requiedQuantity="{_quantity(line.m)}" discountPercent="100.00">{good}</row>\n',
                    "      </set>\n"]
        return out
