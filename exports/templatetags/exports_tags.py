"""Export blocks for other pages and small template helpers.

- ``{% promo_export_runs promo %}``: the export runs the promo left in (newest first), with the
  revision and whether it was an insert or a deletion; one query; runs are links for marketers.
- ``{% promo_export_state promo %}``: what each system currently holds of the promo, from the
  export ledger (live records with their period and revision, records being deleted and until
  when); one query. The promo page includes it through ``exports/inc/promo_exports.html``.
- ``value|get_item:key``: a dict lookup in templates (empty for anything else);
  ``value|term:name``, ``name|term_label``: a compared term as people read it."""

import re

from django import template

from exports import reconciliation
from exports.ledger import holdings
from exports.models import ExportLedgerEntry, ExportRunPromo
from exports.reconciliation import kind_label, term_text
from suppliers.roles import is_marketer

register = template.Library()

RUNS_SHOWN = 30


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.inclusion_tag("exports/inc/promo_export_runs.html", takes_context=True)
def promo_export_runs(context, promo):
    user = _user(context)
    rows = list(
        ExportRunPromo.objects.restrict(user)
        .filter(promo=promo)
        .select_related("run")
        .order_by("-run__business_date", "-run__number")[:RUNS_SHOWN]
    )
    return {"rows": rows, "can_open_runs": is_marketer(user) if user is not None else False}


@register.inclusion_tag("exports/inc/promo_export_state.html", takes_context=True)
def promo_export_state(context, promo):
    user = _user(context)
    entries = (ExportLedgerEntry.objects.restrict(user).filter(promo=promo).select_related("run")
               .order_by("system", "kind"))
    rows = holdings(entries)
    for row in rows:
        row["label"] = kind_label(row["kind"].removesuffix("_set10"))
    return {"rows": rows, "can_open_runs": is_marketer(user) if user is not None else False}


@register.filter
def get_item(mapping, key):
    if isinstance(mapping, dict):
        return mapping.get(key, "")
    return ""


@register.filter
def term(value, name: str = ""):
    """``{{ value|term:"end" }}``: a compared value as people read it (ISO dates as dd.mm.yyyy,
    money and percents in the reader's format, the mechanic by its name)."""
    if not name:
        return term_text("start", value) if _ISO_DAY.match(str(value or "")) else value
    return term_text(name, value)


@register.filter
def term_label(name: str) -> str:
    return reconciliation.term_label(name)


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
