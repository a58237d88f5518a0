import pytest

from promo.models import PromoEvent
from promo.services import errors
from promo.services.comments import COMMENT_EMPTY, INTERNAL_FOR_STAFF, comment_add


def test_supplier_comments_on_his_promo(world):
    promo = world.promo()
    comment = comment_add(promo=promo, actor=world.supplier_user, text="  Цены уточнены  ")
    assert (comment.text, comment.internal, comment.author) == ("Цены уточнены", False, world.supplier_user)
    event = promo.events.get()
    assert (event.kind, event.internal, event.reason) == (PromoEvent.Kind.COMMENT_ADDED, False, "Цены уточнены")


def test_manager_writes_an_internal_comment(world):
    promo = world.promo()
    comment = comment_add(promo=promo, actor=world.manager_a, text="Проверить маржу", internal=True)
    assert comment.internal
    assert promo.events.get().internal


def test_supplier_cannot_write_internal_comments(world):
    promo = world.promo()
    with pytest.raises(errors.NotAllowedError) as caught:
        comment_add(promo=promo, actor=world.supplier_user, text="секрет", internal=True)
    assert caught.value.message == str(INTERNAL_FOR_STAFF)
    assert not promo.comments.exists()


def test_empty_comment_is_refused(world):
    with pytest.raises(errors.InvalidError) as caught:
        comment_add(promo=world.promo(), actor=world.marketer, text="   ")
    assert caught.value.message == str(COMMENT_EMPTY)


@pytest.mark.parametrize("role", ["other_supplier", "other_manager", "anonymous"])
def test_foreign_promo_is_not_found(world, role):
    promo = world.promo()
    with pytest.raises(errors.NotFoundError) as caught:
        comment_add(promo=promo, actor=world.actor(role), text="Привет")
    assert caught.value.code == "not_found"
