"""Where a page's time goes, measured in this process with Django's test client on the same
database: how many SQL statements, their total time against the whole request, and the
EXPLAIN ANALYZE of the slowest statement (the page's list query, as a rule)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bench.web.scenario import Page


@dataclass
class Profile:
    page: str
    status: int
    seconds: float
    queries: int
    sql_seconds: float
    slowest_ms: float
    slowest_sql: str
    plan: list[str]


def profile(pages: list[Page]) -> list[Profile]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    User = get_user_model()
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the test client's host
    profiles = []
    clients: dict[str | None, Client] = {}
    for page in pages:
        if page.username not in clients:
            clients[page.username] = client = Client()
            if page.username is not None:
                client.force_login(User.objects.get(username=page.username))
        client = clients[page.username]
        client.get(page.path)  # warm caches (templates, permissions) as the server's workers have
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(page.path)
            seconds = time.perf_counter() - started
        queries = [q for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
        selects = [q for q in queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
        slowest = max(selects, key=lambda q: float(q["time"]), default=None)
        plan: list[str] = []
        if slowest is not None:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
                plan = [row[0] for row in cursor.fetchall()]
        profiles.append(Profile(
            page=page.name, status=response.status_code, seconds=seconds, queries=len(queries),
            sql_seconds=sum(float(q["time"]) for q in queries),
            slowest_ms=float(slowest["time"]) * 1000 if slowest else 0.0,
            slowest_sql=slowest["sql"] if slowest else "", plan=plan,
        ))
    return profiles
