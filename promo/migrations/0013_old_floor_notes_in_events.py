"""The decisions recorded before an accept below the price floor was stored as facts (promo
0012): their events' ``payload.lines[].reason`` holds the note in the manager's language
(«Согласовано ниже порога маржи (-3,25 % при пороге 10,00 %): Стратегический товар», or its
English translation), so the mail and the history showed it in that language to every reader.

The same line of the payload has carried the facts from the start (``below_floor``: the margin,
the floor and the reason as typed). A note is rewritten only when it reads back (the parser of
promo 0012) into exactly those facts: the same margin and floor to the cent and the same typed
reason. The line's reason then becomes the reason as typed, and every reader's language words the
override again (promo.changes.below_floor_note), as for a decision made today. The history rows
of the same line and promo get the same note replaced by the typed reason in their change reason
(where it was joined with the manager's comment by «; »). Anything that does not read back
exactly is left as it was. Backwards: nothing to undo (the facts say the same)."""

import importlib
from decimal import Decimal, InvalidOperation

from django.db import migrations

parse_old_note = importlib.import_module("promo.migrations.0012_promoline_below_floor").parse_old_note
DECISION_KINDS = ("line_decided", "promo_approved", "promo_rejected")
PREFIXES = ("Согласовано ниже порога маржи (", "Approved below the margin floor (")
CHUNK = 2000
SEPARATOR = "; "  # the history rows' change reason: the comment and the lines' reasons


def _cents(value) -> str | None:
    try:
        return f"{Decimal(str(value)).quantize(Decimal('0.01'))}"
    except (InvalidOperation, TypeError, ValueError):
        return None


def typed_reason(line) -> str | None:
    """The reason as typed of a payload line whose reason is the old note of its own facts."""
    if not isinstance(line, dict):
        return None
    note, facts = line.get("reason"), line.get("below_floor")
    if not isinstance(note, str) or not note.startswith(PREFIXES) or not isinstance(facts, dict):
        return None
    parsed = parse_old_note(note)
    if parsed is None:
        return None
    numbers, typed = parsed
    if numbers != {"margin": _cents(facts.get("margin")), "floor": _cents(facts.get("floor"))}:
        return None
    if "reason" in facts and facts["reason"] != typed:
        return None
    return typed


def replace_part(reason: str, note: str, typed: str) -> str:
    """``reason`` («comment; note; other») with ``note`` as a whole part replaced by ``typed``."""
    padded, target = f"{SEPARATOR}{reason}{SEPARATOR}", f"{SEPARATOR}{note}{SEPARATOR}"
    if target not in padded:
        return reason
    return padded.replace(target, f"{SEPARATOR}{typed}{SEPARATOR}")[len(SEPARATOR):-len(SEPARATOR)]


def notes_to_facts(apps, schema_editor):
    PromoEvent = apps.get_model("promo", "PromoEvent")
    HistoricalPromoLine = apps.get_model("promo", "HistoricalPromoLine")
    HistoricalPromo = apps.get_model("promo", "HistoricalPromo")
    events = PromoEvent.objects.filter(kind__in=DECISION_KINDS, payload__has_key="lines").only("pk", "promo_id",
                                                                                                 "payload")
    for event in events.iterator(chunk_size=CHUNK):
        lines = event.payload.get("lines") if isinstance(event.payload, dict) else None
        if not isinstance(lines, list):
            continue
        replaced = {}
        for line in lines:
            typed = typed_reason(line)
            if typed is not None:
                replaced[line["reason"]] = (line.get("line_id"), typed)
                line["reason"] = typed
        if not replaced:
            continue
        PromoEvent.objects.filter(pk=event.pk).update(payload=event.payload)
        for note, (line_id, typed) in replaced.items():
            rows = [(HistoricalPromo, {"id": event.promo_id})]
            if line_id is not None:
                rows.append((HistoricalPromoLine, {"id": line_id}))
            for model, lookup in rows:
                for pk, reason in (model.objects.filter(**lookup, history_change_reason__contains=note)
                                   .values_list("history_id", "history_change_reason")):
                    changed = replace_part(reason, note, typed)
                    if changed != reason:
                        model.objects.filter(history_id=pk).update(history_change_reason=changed)


class Migration(migrations.Migration):

    dependencies = [
        ("promo", "0012_promoline_below_floor"),
    ]

    operations = [
        migrations.RunPython(notes_to_facts, migrations.RunPython.noop),
    ]
