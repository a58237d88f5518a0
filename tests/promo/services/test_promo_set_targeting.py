import pytest

from branches.models import Region
from branches.targeting import Targeting
from promo.models import Promo, PromoEvent
from promo.services import actions, errors, point_corrections


def test_marketer_retargets_an_approved_promo_at_once(world):
    # given an approved promo for the whole chain
    promo = world.promo(Promo.Status.APPROVED)
    region = Region.objects.order_by("pk").first()
    # when a marketer targets it to one region
    point_corrections.promo_set_targeting(promo=promo, actor=world.marketer, targeting=Targeting(regions=(region.pk,)),
                                 reason="Только Сибирь", version=promo.version)
    # then the rules are stored and, needing no category decision, the new revision is in force
    promo.refresh_from_db()
    assert promo.targeting["regions"] == [region.pk]
    assert promo.status == Promo.Status.APPROVED
    assert promo.approved_revision.number == 2
    assert promo.approved_revision.targeting["regions"] == [region.pk]
    event = promo.events.get()
    assert (event.kind, event.reason) == (PromoEvent.Kind.TARGETING_CHANGED, "Только Сибирь")
    assert event.payload["changes"][0]["new"] == region.name


def test_empty_targeting_is_refused(world):
    promo = world.promo()
    with pytest.raises(errors.InvalidError) as caught:
        point_corrections.promo_set_targeting(promo=promo, actor=world.marketer, targeting=Targeting())
    assert caught.value.message == str(actions.NO_TARGETING)


def test_same_targeting_changes_nothing(world):
    promo = world.promo()
    point_corrections.promo_set_targeting(promo=promo, actor=world.marketer, targeting=Targeting.whole_chain())
    assert promo.events.count() == 0


@pytest.mark.parametrize("role", ["supplier", "manager"])
def test_only_a_marketer_targets(world, role):
    promo = world.promo()
    with pytest.raises(errors.NotAllowedError) as caught:
        point_corrections.promo_set_targeting(promo=promo, actor=world.actor(role), targeting=Targeting(branches=(1,)))
    assert caught.value.message == str(actions.MARKETER_ONLY)
