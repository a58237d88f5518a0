"""One writer per file (erp-formats.md §1 table). :func:`writers_for` lists the writers of the
systems of a run, in a fixed order, with the settings of this moment."""

from __future__ import annotations

from django.conf import settings

from exports.wording import RunRefused, message
from exports.writers.base import FileSink, Writer, WriteResult
from exports.writers.sap_bonusbuy import SapBonusBuyWriter
from exports.writers.sap_common import SapConfig
from exports.writers.sap_cond import SapConditionWriter
from exports.writers.setretail import SetRetailWriter
from exports.writers.smarket import SMarketWriter

__all__ = [
    "FileSink",
    "SMarketWriter",
    "SapBonusBuyWriter",
    "SapConditionWriter",
    "SetRetailWriter",
    "WriteResult",
    "Writer",
    "writers_for",
]


def writers_for(systems) -> list[Writer]:
    """The writers of ``systems`` ("sap", "smarket", "setretail"); raises RunRefused (a ValueError) on a
    setting that cannot work, before any file is opened."""
    writers: list[Writer] = []
    if "sap" in systems:
        config = SapConfig.from_settings()
        writers += [SapConditionWriter(config), SapBonusBuyWriter(config)]
    if "smarket" in systems:
        if settings.SMARKET_FORMAT == "set10":
            writers.append(SetRetailWriter(system="smarket", kind="smarket", prefix="smarket_promo"))
        elif settings.SMARKET_FORMAT == "csv":
            writers.append(SMarketWriter())
        else:
            raise RunRefused(message("smarket_format", value=settings.SMARKET_FORMAT))
    if "setretail" in systems:
        writers.append(SetRetailWriter())
    return writers
