import pytest
from rest_framework.test import APIClient

from tests.promo.services.conftest import frozen_today, world  # noqa: F401  (shared fixtures)


@pytest.fixture
def api_as(world):
    """An API client signed in as one of the world's roles (``anonymous``: not signed in)."""

    def login(role: str) -> APIClient:
        client = APIClient()
        if role != "anonymous":
            client.force_authenticate(world.actor(role))
        return client

    return login
