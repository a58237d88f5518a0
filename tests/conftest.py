"""Shared fixtures. The test database is PostgreSQL (``make test`` starts a throwaway
cluster); the chain's reference set and the demo users are loaded once per test database,
so every test can use s001, manager, marketer and the 5,000 products."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import translation

from suppliers.services.seed import seed_demo
from tests.workers import real_broker, worker  # noqa: F401 (fixtures for the tests with a real worker)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        seed_demo()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """API throttle counters live in the (per-process) cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """The portal's middleware activates each request's language for the rest of the thread, so
    a test whose last request was English left English behind for the next test's plain calls
    (a message built outside a request). Each test starts and ends in the default language."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def demo_data(transactional_db):
    """For transactional tests (live server, real worker, concurrency): pytest-django flushes
    the database after each of them, so they load the demo set themselves."""
    seed_demo()


@pytest.fixture
def demo_user():
    def get(username: str):
        return get_user_model().objects.get(username=username)

    return get


@pytest.fixture
def client_for(client, demo_user):
    """A test client logged in as a demo user: ``client_for("s001")``."""

    def login(username: str):
        client.force_login(demo_user(username))
        return client

    return login


@pytest.fixture
def api_client():
    """A DRF test client (``force_authenticate``, ``credentials``)."""
    from rest_framework.test import APIClient

    return APIClient()
