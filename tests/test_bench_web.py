"""`make bench-web` works end to end, on a small data set and for a few seconds: the generator
writes a year of promos, gunicorn serves them with the production settings, and the load
client logs in a user of every role and gets their pages. Behaviour only: no timing is
asserted (the figures are the benchmark's business)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection

from bench.web import client
from bench.web.dataset import Size, build
from bench.web.explain import profile
from bench.web.scenario import ROLES, make_plan
from bench.web.server import Gunicorn, database_url, production_password_hash
from promo.models import Promo

PASSWORD = "bench-web-smoke"


def test_the_load_harness_logs_in_every_role_and_gets_their_pages(demo_data, tmp_path):
    # given a small year of promos (one of them with 300 lines) and passwords production checks
    build(Size(promos=60, lines=600))
    assert set(Promo.objects.values_list("status", flat=True)) >= {"draft", "submitted", "approved"}
    get_user_model().objects.update(password=production_password_hash(PASSWORD))
    plan = make_plan(users=8)
    assert plan.big_promo_lines == 300
    assert {user.role for user in plan.users} == set(ROLES)

    with Gunicorn(database_url=database_url(connection.settings_dict), workers=2,
                  log_path=tmp_path / "gunicorn.log",
                  env={"MEDIA_ROOT": str(tmp_path / "media"), "EXPORT_ROOT": str(tmp_path / "exports")}) as web:
        # when each page is asked for once, and 8 users of every role work for 2 seconds
        single = client.run_single(plan.single, web.base_url, password=PASSWORD, repeats=1)
        mix = client.run_mix(plan.users, web.base_url, password=PASSWORD, seconds=2)
        baseline = client.run_anonymous(4, web.base_url, seconds=1)

    # then every page answered 200, every role logged in and got 200s, with no error
    assert not single.errors, single.errors
    assert {name for name, values in single.latencies.items() if values} == {page.name for page in plan.single}
    assert not mix.login_failures
    assert set(mix.logged_in) == set(ROLES)
    assert not mix.errors, dict(mix.errors)
    answered_roles = {name.rsplit("(", 1)[1].rstrip(")") for name, values in mix.latencies.items() if values}
    assert answered_roles == set(ROLES)
    assert all(set(statuses) == {200} for statuses in mix.statuses.values())
    assert baseline.requests > 0 and not baseline.errors
    # and the in-process profile finds each page's slowest statement and explains it
    profiles = profile(plan.single[:3])
    assert [p.status for p in profiles] == [200, 200, 200]
    assert all(p.plan for p in profiles[1:])  # the login page has no SQL
