from datetime import timedelta
from decimal import Decimal

import pytest

from promo.models import Promo, PromoEvent, PromoLine, PromoRevision
from promo.services import actions, errors, mass_corrections, transitions, workflow
from promo.services.corrections import FIELD_NOT_FOR_MECHANIC
from tests.promo.services.world import TODAY

Decision = PromoLine.Decision


def snapshot():
    """Everything a mass correction could write."""
    return (
        list(Promo.objects.order_by("pk").values_list("pk", "start", "end", "status", "version", "revision")),
        list(PromoLine.objects.order_by("pk").values_list("pk", "discount_percent", "compensation_percent",
                                                          "decision")),
        PromoRevision.objects.count(), PromoEvent.objects.count(),
        Promo.history.count(), PromoLine.history.count(),
    )


def test_preview_lists_every_change_and_writes_nothing(world):
    # given two promos, one approved
    first, second = world.promo(Promo.Status.APPROVED), world.promo(categories=("a",))
    lines = list(PromoLine.objects.filter(promo__in=[first, second]))
    before = snapshot()
    # when a marketer previews a 7-day shift and a 20 % discount on all their lines
    changes = mass_corrections.mass_correction_preview(actor=world.marketer, lines=lines, shift_days=7,
                                               discount_percent="20", today=TODAY)
    # then each promo gets its start and end moved once and each line its discount, no errors
    assert snapshot() == before
    assert {(c.promo.pk, c.field) for c in changes if c.line is None} == {
        (first.pk, "start"), (first.pk, "end"), (second.pk, "start"), (second.pk, "end")}
    start = next(c for c in changes if c.promo.pk == first.pk and c.field == "start")
    assert (start.old, start.new) == (first.start, first.start + timedelta(days=7))
    assert sorted(c.line.pk for c in changes if c.field == "discount_percent") == sorted(line.pk for line in lines)
    assert not [c for c in changes if c.error]


def test_preview_reports_the_lines_a_rule_refuses(world):
    # given a fixed-price promo and a percent one
    fixed, percent = world.promo(mechanic=Promo.Mechanic.FIXED_PRICE, categories=("a",)), world.promo(categories=("a",))
    # when a marketer previews a 95 % discount on both
    changes = mass_corrections.mass_correction_preview(actor=world.marketer, lines=list(PromoLine.objects.filter(
        promo__in=[fixed, percent])), discount_percent=95)
    # then each change carries the reason it cannot be applied
    errors = {c.promo.pk: c.error for c in changes}
    assert errors[fixed.pk] == str(FIELD_NOT_FOR_MECHANIC % {"field": "скидка, %", "mechanic": "Фиксированная цена"})
    assert errors[percent.pk] == "Скидка 95 % вне допустимого диапазона: от 1 до 90 %."


def test_apply_is_all_or_nothing(world):
    # given a percent promo and a fixed-price promo
    good, bad = world.promo(categories=("a",)), world.promo(mechanic=Promo.Mechanic.FIXED_PRICE, categories=("a",))
    before = snapshot()
    # when a marketer sets a discount on the lines of both
    with pytest.raises(errors.MassCorrectionError) as caught:
        mass_corrections.mass_correction_apply(actor=world.marketer, line_ids=PromoLine.objects.filter(
            promo__in=[good, bad]).values_list("pk", flat=True), reason="Акция недели", discount_percent=20)
    # then nothing at all was written, and the error lists the refused change
    assert snapshot() == before
    assert caught.value.message == str(mass_corrections.MASS_CORRECTION_INVALID % {"count": 1})
    assert [c.promo.pk for c in caught.value.changes if c.error] == [bad.pk]


def test_apply_makes_one_revision_and_one_event_per_promo_and_one_digest(world):
    # given an approved promo (one line rejected) and a submitted one
    approved = world.promo(Promo.Status.APPROVED, categories=("a", "b"))
    PromoLine.objects.filter(pk=world.line(approved, "b").pk).update(decision=Decision.REJECTED, decision_reason="Нет")
    submitted = world.promo(categories=("a",))
    in_force = approved.approved_revision
    selected = [world.line(approved, "a").pk, world.line(submitted, "a").pk]
    # when a marketer shifts both by 7 days and sets compensation 60 % on the selected lines
    result = mass_corrections.mass_correction_apply(
        actor=world.marketer, line_ids=selected, reason="Перенос каталога", shift_days=7,
        compensation_percent="60", versions={approved.pk: approved.version, submitted.pk: submitted.version},
        today=TODAY)
    # then both promos have new dates and a new revision; the approved one waits for approval again
    approved.refresh_from_db()
    submitted.refresh_from_db()
    assert [p.pk for p in result.promos] == sorted([approved.pk, submitted.pk])
    assert approved.start == in_force.start + timedelta(days=7)
    assert (approved.status, approved.revision, approved.approved_revision) == (Promo.Status.SUBMITTED, 2, in_force)
    assert submitted.revision == 2
    assert PromoLine.objects.get(pk=selected[0]).compensation_percent == Decimal("60.00")
    assert PromoLine.objects.get(pk=selected[0]).decision == Decision.PENDING
    assert world.line(approved, "b").decision == Decision.REJECTED
    # one silent event per promo, one digest to announce them all
    for promo in (approved, submitted):
        event = promo.events.get()
        assert (event.kind, event.actor, event.reason) == (PromoEvent.Kind.MASS_CORRECTED, world.marketer,
                                                            "Перенос каталога")
    digest = result.event
    assert (digest.promo, digest.kind, digest.reason) == (None, PromoEvent.Kind.MASS_CORRECTED, "Перенос каталога")
    assert {item["promo_id"] for item in digest.payload["promos"]} == {approved.pk, submitted.pk}
    assert {c["field"] for c in digest.payload["promos"][0]["changes"]} == {"start", "end", "compensation_percent"}


def test_apply_with_a_stale_version_writes_nothing(world):
    promo = world.promo(categories=("a",))
    transitions.promo_approve(promo=promo, actor=world.manager_a)
    before = snapshot()
    with pytest.raises(errors.StaleVersionError):
        mass_corrections.mass_correction_apply(actor=world.marketer, line_ids=[world.line(promo).pk], reason="x",
                                       compensation_percent=10, versions={promo.pk: 1})
    assert snapshot() == before


def test_apply_needs_a_reason_and_something_to_change(world):
    line = world.line(world.promo())
    with pytest.raises(errors.InvalidError) as caught:
        mass_corrections.mass_correction_apply(actor=world.marketer, line_ids=[line.pk], reason="", shift_days=3)
    assert caught.value.message == str(workflow.REASON_REQUIRED)
    with pytest.raises(errors.InvalidError) as caught:
        mass_corrections.mass_correction_apply(actor=world.marketer, line_ids=[line.pk], reason="x")
    assert caught.value.message == str(mass_corrections.NOTHING_TO_CHANGE)


def test_unknown_lines_refuse_the_batch(world):
    line = world.line(world.promo())
    with pytest.raises(errors.NotAllowedError) as caught:
        mass_corrections.mass_correction_apply(actor=world.marketer, line_ids=[line.pk, 10**9], reason="x", shift_days=3)
    assert caught.value.message == str(mass_corrections.LINES_NOT_FOUND)


@pytest.mark.parametrize("role", ["supplier", "manager"])
def test_only_a_marketer_corrects_in_bulk(world, role):
    line = world.line(world.promo())
    with pytest.raises(errors.NotAllowedError) as caught:
        mass_corrections.mass_correction_preview(actor=world.actor(role), lines=[line], shift_days=3)
    assert caught.value.message == str(actions.MARKETER_ONLY)
    with pytest.raises(errors.NotAllowedError):
        mass_corrections.mass_correction_apply(actor=world.actor(role), line_ids=[line.pk], reason="x", shift_days=3)


def test_form_values_are_parsed_and_garbage_is_refused(world):
    # given a promo, when a form posts ids and numbers as text, then they are understood
    promo = world.promo(categories=("a",))
    line = world.line(promo)
    changes = mass_corrections.mass_correction_preview(actor=world.marketer, lines=[str(line.pk)], shift_days="3",
                                               discount_percent="", compensation_percent="55,5")
    assert {c.field for c in changes} == {"start", "end", "compensation_percent"}
    # and a shift that is not a number is refused with a message, not an error page
    with pytest.raises(errors.InvalidError) as caught:
        mass_corrections.mass_correction_preview(actor=world.marketer, lines=[line.pk], shift_days="неделя")
    assert caught.value.message == str(mass_corrections.SHIFT_INVALID)
