"""`make bench-web`: the portal under load (issue 12). Never part of `make test`.

    config/bin/with-postgres .venv/bin/python -m bench.web [--users 50 --seconds 60 ...]

1. The data set (bench/web/dataset.py, 10,000 promos / 100,000 lines) in the database
   ``bench_web`` of the throwaway cluster: restored from var/bench/web-v<GENERATOR_VERSION>-….dump
   when that exists, else built (migrate, seed_demo, generator) and dumped there (pg_dump -Fc)
   for the next run; then migrated (a newer migration applies on top) and analysed.
2. gunicorn with the production settings on a free loopback port (4 sync workers).
3. (a) one user at a time: every page and API list ``--repeats`` times, p50/p95, with the SQL
   share of each page and the EXPLAIN ANALYZE of its slowest statement (in this process).
4. (b) the same number of anonymous users on GET /login/ for ``--seconds`` (the baseline),
   then 50 logged-in users of every role on a page mix for ``--seconds``: per page
   p50/p95/p99, throughput, errors, and the ratios of issue 12's targets.

Every option has a BENCH_WEB_* variable (BENCH_WEB_USERS=8 BENCH_WEB_SECONDS=5 for a smoke run).
Exit 0 when the harness ran (targets met or not: the verdict is printed), 1 when it could not
log in or a phase failed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.test")

from bench.web import client, report  # noqa: E402
from bench.web.dataset import GENERATOR_VERSION, Size  # noqa: E402
from bench.web.server import Gunicorn, production_password_hash  # noqa: E402

DATABASE = "bench_web"
PASSWORD = "demo"
CACHE_DIR = ROOT / "var" / "bench"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(f"BENCH_WEB_{name}", "")
    return int(value) if value.strip() else default


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.web", description=__doc__.split("\n\n")[0])
    parser.add_argument("--promos", type=int, default=_env_int("PROMOS", 10_000))
    parser.add_argument("--lines", type=int, default=_env_int("LINES", 100_000))
    parser.add_argument("--users", type=int, default=_env_int("USERS", 50), help="virtual users of phase (b)")
    parser.add_argument("--seconds", type=float, default=_env_int("SECONDS", 60), help="length of each load run")
    parser.add_argument("--workers", type=int, default=_env_int("WORKERS", 4), help="gunicorn sync workers")
    parser.add_argument("--repeats", type=int, default=_env_int("REPEATS", 15), help="requests per page in (a)")
    parser.add_argument("--conn-max-age", type=int, default=_env_int("CONN_MAX_AGE", 60),
                        help="DB_CONN_MAX_AGE of the web workers (docs/operations.md recommends 60)")
    parser.add_argument("--rebuild", action="store_true", help="build the data set even if a dump is cached")
    parser.add_argument("--skip-single", action="store_true", help="skip phase (a)")
    parser.add_argument("--skip-load", action="store_true", help="skip phase (b)")
    return parser.parse_args(argv)


def _with_database(url: str, name: str) -> str:
    return url.rpartition("/")[0] + "/" + name


def _pg_tool(name: str) -> str:
    """pg_dump / pg_restore of the newest server version installed (as config/bin/with-postgres)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if candidates:
        return str(candidates[-1])
    return shutil.which(name) or name


def _admin(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def prepare_database(admin_url: str, size: Size, *, rebuild: bool) -> str:
    """Restore the cached data set, or build and cache it; returns the bench database's URL
    (and points this process's Django at it)."""
    url = _with_database(admin_url, DATABASE)
    dump = CACHE_DIR / f"web-v{GENERATOR_VERSION}-{size.promos}x{size.lines}-{date.today():%Y-%m}.dump"
    _admin(admin_url, f'DROP DATABASE IF EXISTS "{DATABASE}"', f'CREATE DATABASE "{DATABASE}"')
    started = time.perf_counter()
    restored = dump.exists() and not rebuild
    if restored:
        subprocess.run([_pg_tool("pg_restore"), "--no-owner", "--jobs", "2", "--dbname", url, str(dump)], check=True)
        print(f"bench-web: data set restored from {dump.relative_to(ROOT)} in {time.perf_counter() - started:.1f} s",
              flush=True)

    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if not restored:
        from bench.web.dataset import build
        from suppliers.services.seed import seed_demo

        seed_demo()
        counts = build(size)
        # One hash for every user: production checks PBKDF2 (the test settings would write MD5).
        get_user_model().objects.update(password=production_password_hash(PASSWORD))
        print(f"bench-web: data set built in {time.perf_counter() - started:.1f} s: "
              + ", ".join(f"{value:,} {key}" for key, value in counts.items()), flush=True)
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        partial = dump.with_suffix(".partial")
        subprocess.run([_pg_tool("pg_dump"), "--format", "custom", "--no-owner", "--file", str(partial), url],
                       check=True)
        partial.replace(dump)
        print(f"bench-web: cached as {dump.relative_to(ROOT)} ({dump.stat().st_size / 1e6:.0f} MB)", flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return url


def main(argv: list[str]) -> int:
    options = arguments(argv)
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        print("bench-web: run it through `make bench-web` (a throwaway PostgreSQL)", file=sys.stderr)
        return 2
    size = Size(promos=options.promos, lines=options.lines)
    url = prepare_database(admin_url, size, rebuild=options.rebuild)

    from bench.web.explain import profile
    from bench.web.scenario import make_plan
    from promo.models import Promo, PromoLine

    plan = make_plan(users=options.users)
    roles = sorted({user.role for user in plan.users})
    print(f"bench-web: {Promo.objects.count():,} promos, {PromoLine.objects.count():,} lines; gunicorn "
          f"{options.workers} sync workers; {len(plan.users)} users ({', '.join(roles)}); "
          f"{options.seconds:.0f} s per load run", flush=True)
    missed: list[str] = []
    log = CACHE_DIR / "gunicorn.log"
    with Gunicorn(database_url=url, workers=options.workers, log_path=log,
                  env={"DB_CONN_MAX_AGE": str(options.conn_max_age), "GUNICORN_ACCESS_LOG": "",
                       "MEDIA_ROOT": str(CACHE_DIR / "media"), "EXPORT_ROOT": str(CACHE_DIR / "exports")}) as web:
        if not options.skip_single:
            print(f"\n=== (a) one user at a time, {options.repeats} requests per page ===", flush=True)
            single = client.run_single(plan.single, web.base_url, password=PASSWORD, repeats=options.repeats,
                                       warm_up=options.workers)
            profiles = profile(plan.single)
            missed += report.single_table(single, profiles, plan.big_promo_lines)
            report.explain_section(profiles)
        if not options.skip_load:
            print(f"\n=== (b) {len(plan.users)} users at once, {options.seconds:.0f} s each ===", flush=True)
            baseline = client.run_anonymous(len(plan.users), web.base_url, seconds=options.seconds,
                                            cpu=web.cpu_seconds)
            report.load_table(f"baseline: {len(plan.users)} anonymous users on GET /login/", baseline)
            mix = client.run_mix(plan.users, web.base_url, password=PASSWORD, seconds=options.seconds,
                                 cpu=web.cpu_seconds)
            report.load_table(f"mix: {len(plan.users)} logged-in users of every role", mix)
            missed += report.ratios(mix, baseline)
            if mix.login_failures:
                print("\nlogin failures: " + "; ".join(mix.login_failures[:5]))
                return 1
    print("\ntargets (issue 12): " + ("met" if not missed else "NOT met"))
    for line in missed:
        print("  - " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
