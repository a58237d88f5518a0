import pytest
from rest_framework.test import APIClient

from tests.promo.services import world as cast


@pytest.fixture(autouse=True)
def frozen_today():
    with cast.frozen_today():
        yield


@pytest.fixture
def world(db):
    return cast.build_world()


@pytest.fixture
def api_as(world):
    """An API client signed in as one of the world's roles (``anonymous``: not signed in)."""

    def login(role: str) -> APIClient:
        client = APIClient()
        if role != "anonymous":
            client.force_authenticate(world.actor(role))
        return client

    return login
