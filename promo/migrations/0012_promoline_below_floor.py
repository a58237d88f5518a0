"""An accept below the price floor stored as facts: ``PromoLine.below_floor`` keeps the margin and
the floor of the moment ({"margin": "-3.25", "floor": "10.00"}), the decision reason the manager's
reason as typed; every reader's language words them (promo.changes.below_floor_note).

Lines (and their history rows) accepted before carry the note in their reason, in the actor's
language («Согласовано ниже порога маржи (-3,25 % при пороге 10,00 %): <reason>», or its English
translation): the data step moves its figures into the field and leaves the reason as typed. A
reason that does not read as such a note is left as it is. Events keep their payloads (their
``lines[].below_floor`` has carried the figures from the start)."""

import re
from decimal import Decimal, InvalidOperation

from django.db import migrations, models

NUMBER = r"(-?[\d\s\u00a0\u202f.,]+?)"
OLD_NOTES = [
    re.compile(rf"^Согласовано ниже порога маржи \({NUMBER} % при пороге {NUMBER} %\): (.*)$", re.S),
    re.compile(rf"^Approved below the margin floor \({NUMBER} % against {NUMBER} %\): (.*)$", re.S),
]
PREFIXES = ("Согласовано ниже порога маржи (", "Approved below the margin floor (")


def _decimal(text: str, *, comma: bool) -> str | None:
    """A number as the note wrote it (``-3,25`` in Russian, ``1,281.90`` in English)."""
    text = re.sub(r"[\s\u00a0\u202f]", "", text)
    text = text.replace(".", "").replace(",", ".") if comma else text.replace(",", "")
    try:
        return f"{Decimal(text).quantize(Decimal('0.01'))}"
    except InvalidOperation:
        return None


def parse_old_note(reason: str) -> tuple[dict, str] | None:
    """``(facts, reason as typed)`` of a reason holding the old note, else None."""
    for index, pattern in enumerate(OLD_NOTES):
        found = pattern.match(reason)
        if found is None:
            continue
        margin, floor = (_decimal(found.group(n), comma=index == 0) for n in (1, 2))
        if margin is None or floor is None:
            return None
        return {"margin": margin, "floor": floor}, found.group(3)
    return None


def facts_from_old_notes(apps, schema_editor):
    for name in ("PromoLine", "HistoricalPromoLine"):
        model = apps.get_model("promo", name)
        pk = model._meta.pk.attname
        query = models.Q()
        for prefix in PREFIXES:
            query |= models.Q(decision_reason__startswith=prefix)
        rows = model.objects.filter(query, decision="accepted").values_list(pk, "decision_reason")
        for key, reason in rows.iterator(chunk_size=2000):
            parsed = parse_old_note(reason)
            if parsed is not None:
                facts, typed = parsed
                model.objects.filter(**{pk: key}).update(below_floor=facts, decision_reason=typed)


class Migration(migrations.Migration):

    dependencies = [
        ('promo', '0011_sort_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalpromoline',
            name='below_floor',
            field=models.JSONField(blank=True, default=None, null=True, verbose_name='согласовано ниже порога маржи'),
        ),
        migrations.AddField(
            model_name='promoline',
            name='below_floor',
            field=models.JSONField(blank=True, default=None, null=True, verbose_name='согласовано ниже порога маржи'),
        ),
        migrations.RunPython(facts_from_old_notes, migrations.RunPython.noop),
    ]
