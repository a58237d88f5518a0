"""API throttling: per signed-in user, per address for anonymous calls and the token endpoint;
a throttled call answers 429 in the portal's error format (code + message, Russian) with
Retry-After. The rates are settings (API_THROTTLE_RATES)."""

import pytest

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"


@pytest.fixture
def rates(settings):
    settings.API_THROTTLE_RATES = {"user": "3/minute", "anon": "2/minute", "token": "2/minute"}
    return settings.API_THROTTLE_RATES


def test_a_user_over_the_rate_gets_429_in_the_error_format(api_client, demo_user, rates):
    # given s001 signed in, reading within the rate
    api_client.force_authenticate(demo_user("s001"))
    assert [api_client.get(PRODUCTS).status_code for _ in range(3)] == [200, 200, 200]

    # when it reads once more within the minute
    response = api_client.get(PRODUCTS)

    # then 429 with a Russian message, the code and how long to wait
    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"code", "message", "fields", "detail"} and body["code"] == "throttled"
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    assert body["message"] == body["detail"] == f"Слишком много запросов: повторите через {wait} с."


def test_a_rate_lowered_below_what_was_already_counted_still_says_when_to_retry(api_client, demo_user, rates,
                                                                              settings):
    # given s001 has read three times within the minute
    api_client.force_authenticate(demo_user("s001"))
    assert [api_client.get(PRODUCTS).status_code for _ in range(3)] == [200, 200, 200]
    # when the rate is lowered to one a minute (a deployment tightening it) and it reads again
    settings.API_THROTTLE_RATES = {**rates, "user": "1/minute"}
    response = api_client.get(PRODUCTS)
    # then 429 in the error format with Retry-After, as the schema documents for every 429
    # (DRF itself has no wait to offer here and would send no header)
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert response["Retry-After"] == "1"
    assert response.json()["message"] == "Слишком много запросов: повторите через 1 с."


def test_the_rate_is_per_user(api_client, demo_user, rates):
    api_client.force_authenticate(demo_user("s001"))
    for _ in range(4):
        api_client.get(PRODUCTS)
    api_client.force_authenticate(demo_user("s002"))
    assert api_client.get(PRODUCTS).status_code == 200


def test_a_throttled_token_endpoint_answers_the_same_way(api_client, rates):
    # given two token requests from one address (a wrong password counts as well)
    assert api_client.post("/api/v1/auth/token/", {"username": "s001", "password": "demo"}).status_code == 200
    assert api_client.post("/api/v1/auth/token/", {"username": "s002", "password": "x"}).status_code == 400
    # when a third comes within the minute, then 429 in the error format, even with a right password
    response = api_client.post("/api/v1/auth/token/", {"username": "s001", "password": "demo"})
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    # and another address is not affected
    assert api_client.post("/api/v1/auth/token/", {"username": "s001", "password": "demo"},
                           REMOTE_ADDR="127.0.0.2").status_code == 200


def test_behind_a_proxy_the_forwarded_address_counts(api_client, rates, settings):
    # given one proxy in front of the portal: it appends the client's address to X-Forwarded-For
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for _ in range(2):
        api_client.post("/api/v1/auth/token/", {"username": "s001", "password": "demo"},
                        HTTP_X_FORWARDED_FOR="127.0.0.5")
    # then the third from that client is throttled, and another client behind the same proxy is not,
    # even if it puts an address of its own in front
    assert api_client.post("/api/v1/auth/token/", {"username": "s001", "password": "demo"},
                           HTTP_X_FORWARDED_FOR="127.0.0.5").status_code == 429
    assert api_client.post("/api/v1/auth/token/", {"username": "s001", "password": "demo"},
                           HTTP_X_FORWARDED_FOR="127.0.0.5, 127.0.0.6").status_code == 200


def test_default_rates_leave_room_for_an_integrator(settings):
    from rest_framework.throttling import SimpleRateThrottle

    count, seconds = SimpleRateThrottle.parse_rate(None, settings.API_THROTTLE_RATES["user"])
    assert count / seconds * 3600 >= 1000  # a catalogue of 5,000 products is 5 pages of 1,000
