"""``{% load exports_tags %}{% promo_export_runs promo %}``: on the promo page, the export runs the
promo left in (newest first), with the revision and whether it was an insert or a deletion.
One query; runs are links for marketers only."""

from django import template

from exports.models import ExportRunPromo
from suppliers.roles import is_marketer

register = template.Library()

RUNS_SHOWN = 30


@register.inclusion_tag("exports/inc/promo_export_runs.html", takes_context=True)
def promo_export_runs(context, promo):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    rows = list(
        ExportRunPromo.objects.restrict(user)
        .filter(promo=promo)
        .select_related("run")
        .order_by("-run__business_date", "-run__number")[:RUNS_SHOWN]
    )
    return {"rows": rows, "can_open_runs": is_marketer(user) if user is not None else False}
