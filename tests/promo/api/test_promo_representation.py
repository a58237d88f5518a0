"""The API list's promos written field by field (issue 12) are the JSON DRF's generic
``to_representation`` writes for the same serializer: every field, its order and its value, in
Russian and in English and in another time zone, for promos in every state of the world."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from rest_framework import serializers

from promo.api.serializers import PromoSerializer
from promo.models import Promo
from promo.selectors import promo_list
from tests.promo.services.world import TODAY


def generic(promo: Promo) -> dict:
    """What DRF writes for the promo, field by field through its declared fields."""
    return serializers.ModelSerializer.to_representation(PromoSerializer(), promo)


@pytest.fixture
def listed(world):
    """Promos of every status and mechanic as the API list reads them (supplier, revision in
    force, counts): one submitted long ago, now overdue; one approved whose revision 2 waits
    while revision 1 is in force; one running and one finished."""
    world.promo(Promo.Status.DRAFT, mechanic=Promo.Mechanic.FIXED_PRICE)
    submitted = world.promo(Promo.Status.SUBMITTED, mechanic=Promo.Mechanic.N_PLUS_M)
    submitted.submitted_at = timezone.now() - timedelta(days=20)
    submitted.decision_due = TODAY - timedelta(days=3)
    submitted.save(update_fields=["submitted_at", "decision_due"])
    revised = world.promo(Promo.Status.APPROVED)
    revised.revision += 1
    revised.save(update_fields=["revision"])
    world.promo(Promo.Status.APPROVED, start=TODAY - timedelta(days=3))
    world.promo(Promo.Status.APPROVED, start=TODAY - timedelta(days=60))
    world.promo(Promo.Status.REJECTED)
    world.promo(Promo.Status.CANCELLED)
    return list(promo_list(user=world.actor("marketer")).order_by("pk"))


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("zone", ["Europe/Moscow", "UTC", "Asia/Vladivostok"])
def test_a_listed_promo_is_the_json_drf_writes(listed, language, zone):
    # given promos of every status, with and without a revision in force, one overdue
    assert [promo.phase(TODAY) for promo in listed] == [None, None, "upcoming", "running", "finished", None, None]
    assert listed[1].is_overdue(TODAY) and listed[2].approved_revision.number != listed[2].revision
    with translation.override(language), timezone.override(zone):
        # when the list writes them
        written = PromoSerializer(listed, many=True).data
        # then each is, field for field and in the same order, what DRF writes
        for promo, data in zip(listed, written, strict=True):
            expected = generic(promo)
            assert list(data) == list(expected)
            assert data == expected

