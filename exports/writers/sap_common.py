"""SAP settings shared by the condition IDoc and the bonus-buy file (erp-formats.md §2), read once
per run so a test can change them with the ``settings`` fixture."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from exports.selection import LineRecord
from exports.wording import RunRefused, message

MATNR_WIDTH = 18
MATNR_LONG_WIDTH = 40
VAKEY_WIDTH = 50
VAKEY_FIELDS = ("VKORG", "VTWEG", "WERKS", "MATNR")


class SapConfigError(RunRefused):
    """A SAP setting cannot be used (the run fails with this message, exports/failures.py)."""


@dataclass(frozen=True)
class SapConfig:
    vkorg: str
    vtweg: str
    kotabnr: str
    kschl_pct: str
    kschl_fix: str
    vakey_layout: tuple[tuple[str, int], ...]
    unit: str
    cond_unit: str
    krech_pct: str
    krech_fix: str
    s4_long_fields: bool
    matnr_source: str
    matnr_pad: bool
    pct_sign: str
    pct_scale: int
    sndpor: str
    sndprn: str
    rcvpor: str
    rcvprn: str
    bonusbuy_all_mechanics: bool
    nplusm_mix: bool

    @classmethod
    def from_settings(cls) -> SapConfig:
        config = cls(
            vkorg=settings.SAP_VKORG, vtweg=settings.SAP_VTWEG, kotabnr=settings.SAP_KOTABNR,
            kschl_pct=settings.SAP_KSCHL_PCT, kschl_fix=settings.SAP_KSCHL_FIX,
            vakey_layout=parse_vakey_layout(settings.SAP_VAKEY_LAYOUT), unit=settings.SAP_UNIT,
            cond_unit=settings.SAP_COND_UNIT, krech_pct=settings.SAP_KRECH_PCT, krech_fix=settings.SAP_KRECH_FIX,
            s4_long_fields=settings.SAP_S4_LONG_FIELDS,
            matnr_source=settings.SAP_MATNR_SOURCE, matnr_pad=settings.SAP_MATNR_PAD,
            pct_sign=settings.SAP_PCT_SIGN, pct_scale=settings.SAP_PCT_SCALE,
            sndpor=settings.SAP_SNDPOR, sndprn=settings.SAP_SNDPRN, rcvpor=settings.SAP_RCVPOR,
            rcvprn=settings.SAP_RCVPRN, bonusbuy_all_mechanics=settings.SAP_BONUSBUY_ALL_MECHANICS,
            nplusm_mix=settings.SET10_NPLUSM_MIX,
        )
        if config.matnr_source not in ("article", "ean"):
            raise SapConfigError(message("sap_matnr_source", value=config.matnr_source))
        if config.pct_sign not in ("-", "+"):
            raise SapConfigError(message("sap_pct_sign", value=config.pct_sign))
        for name in ("SAP_KRECH_PCT", "SAP_KRECH_FIX"):
            value = getattr(config, name.removeprefix("SAP_").lower())
            if len(value) > 1:
                raise SapConfigError(message("sap_krech", name=name, value=value))
        if not config.cond_unit or len(config.cond_unit) > 3:
            raise SapConfigError(message("sap_cond_unit", value=config.cond_unit))
        for name, width in config.vakey_layout:
            value = {"VKORG": config.vkorg, "VTWEG": config.vtweg}.get(name)
            if value is not None and len(value) > width:
                raise SapConfigError(message("sap_vakey_too_long", name=name, value=value, width=width))
        return config

    def matnr(self, line: LineRecord) -> str:
        """MATNR of a line: its article (or EAN), all-digit values zero-padded to 18 if asked."""
        value = line.article if self.matnr_source == "article" else line.ean
        if self.matnr_pad and value.isdigit():
            value = value.zfill(MATNR_WIDTH)
        return value


def parse_vakey_layout(text: str) -> tuple[tuple[str, int], ...]:
    """``"VKORG:4,VTWEG:2,WERKS:4,MATNR:18"`` -> ``(("VKORG", 4), ...)``."""
    layout = []
    for part in (text or "").split(","):
        name, _sep, width = part.strip().partition(":")
        name = name.strip().upper()
        if name not in VAKEY_FIELDS or not width.strip().isdigit() or int(width) < 1:
            raise SapConfigError(message("sap_vakey_layout", part=part.strip(), fields=", ".join(VAKEY_FIELDS)))
        layout.append((name, int(width)))
    if not layout:
        raise SapConfigError(message("sap_vakey_empty"))
    return tuple(layout)
