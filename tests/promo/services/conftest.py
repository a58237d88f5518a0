import pytest

from tests.promo.services import world as cast


@pytest.fixture(autouse=True)
def frozen_today():
    with cast.frozen_today():
        yield


@pytest.fixture
def world(db):
    return cast.build_world()
