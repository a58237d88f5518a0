"""`make run` serves the portal on its embedded defaults (SQLite), while the suite runs on
PostgreSQL. A query that only PostgreSQL answers right then breaks the demo a newcomer sees
first: a JSON key read through a subquery came back as a number on SQLite, and every promo list
and upload page holding a rejected promo answered 500; a forged branch id beyond 2**63 - 1 in the
targeting editor was a 500 too (SQLite cannot bind it). So the smoke crawl (a realistic portal,
every page of every role) and the bad-input sweep of every form run once more here on SQLite,
in a child pytest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_smoke_crawl_and_the_bad_input_sweep_pass_on_sqlite(tmp_path):
    # given the embedded database of `make run` instead of the suite's PostgreSQL
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.django.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    # when the smoke crawl and the bad-input sweep run on it
    child = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_smoke_crawl.py",
         "tests/test_bad_input.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    # then every page of every role renders there too and every bad input is refused, none skipped
    summary = child.stdout.strip().splitlines()[-1] if child.stdout.strip() else ""
    assert child.returncode == 0, child.stdout[-6000:] + child.stderr[-2000:]
    assert " passed" in summary and "skipped" not in summary and "failed" not in summary, summary


READ_WHILE_WRITING = """
import threading
import django
django.setup()
from django.db import connection

connection.cursor().execute("CREATE TABLE progress (done integer)")
connection.cursor().execute("INSERT INTO progress VALUES (0)")
connection.ensure_connection()
connection.connection.execute("BEGIN EXCLUSIVE")  # a worker saving a big sheet, mid-transaction
connection.connection.execute("UPDATE progress SET done = 23000")
seen = []

def poll():  # the upload page's progress poll, on its own connection
    from django.db import connection as own
    seen.append(own.cursor().execute("SELECT done FROM progress").fetchone()[0])

reader = threading.Thread(target=poll)
reader.start()
reader.join()
print("read", seen)
"""


def on_make_runs_database(script: str, tmp_path) -> subprocess.CompletedProcess:
    """``script`` run by Python under `make run`'s settings, on a fresh embedded database."""
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.django.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_a_page_reads_the_embedded_database_while_a_worker_holds_a_write_transaction(tmp_path):
    # given the embedded database of `make run` and a worker's write transaction still open on it
    # when a web request reads it meanwhile (the upload's progress poll)
    child = on_make_runs_database(READ_WHILE_WRITING, tmp_path)
    # then it reads what was committed before, at once: no «database is locked», no 500
    assert child.returncode == 0, child.stderr[-3000:]
    assert child.stdout.strip().splitlines()[-1] == "read [0]", child.stdout


SEARCH_FOLDS_CASE = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", "auth", verbosity=0)
from django.contrib.auth.models import Group
for name in ("Салфетки влажные", "Скидка 100% на ШАМПУНЬ", "код a_b", "код axb"):
    Group.objects.create(name=name)
def found(**lookup):
    return sorted(Group.objects.filter(**lookup).values_list("name", flat=True))
print(found(name__icontains="салфетки"))
print(found(name__icontains="шампунь"))
print(found(name__istartswith="скидка 100%"))
print(found(name__icontains="a_b"))
"""


def test_a_search_on_the_embedded_database_finds_cyrillic_whatever_its_case(tmp_path):
    # given the embedded database of `make run` with names written in Cyrillic capitals
    # when someone searches them in lower case (the portal's searches are icontains)
    child = on_make_runs_database(SEARCH_FOLDS_CASE, tmp_path)
    # then they are found, as on PostgreSQL; «%» and «_» typed by the user stay literal
    assert child.returncode == 0, child.stderr[-3000:]
    assert child.stdout.strip().splitlines() == [
        "['Салфетки влажные']", "['Скидка 100% на ШАМПУНЬ']", "['Скидка 100% на ШАМПУНЬ']", "['код a_b']"]
