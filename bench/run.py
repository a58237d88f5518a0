"""`make bench`: run every benchmark (bench/bench_*.py) and print their figures. Benchmarks are
never part of `make test`.

`config/bin/with-postgres` starts a throwaway PostgreSQL; here one database is migrated and
seeded with the demo reference set, and each benchmark then runs in its own process (so its peak
RSS is its own) on a fresh copy of that database (CREATE DATABASE … TEMPLATE), so no benchmark
sees the promos another one created."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.test")

TEMPLATE_DB = "bench_template"


def _with_database(url: str, name: str) -> str:
    base, _, _old = url.rpartition("/")
    return f"{base}/{name}"


def _admin_sql(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres").replace("postgres://", "postgresql://"),
                         autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def prepare_template(url: str) -> None:
    """Create the bench template database, migrate it and load the demo reference set."""
    _admin_sql(url, f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}"', f'CREATE DATABASE "{TEMPLATE_DB}"')
    env = {**os.environ, "DATABASE_URL": _with_database(url, TEMPLATE_DB)}
    code = (
        "import django; django.setup();"
        "from django.core.management import call_command;"
        "call_command('migrate', verbosity=0, interactive=False);"
        "from suppliers.services.seed import seed_demo; seed_demo()"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)


def main(argv: list[str]) -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("bench: run it through `make bench` (a throwaway PostgreSQL), not on SQLite", file=sys.stderr)
        return 2
    only = set(argv)
    started = time.perf_counter()
    prepare_template(url)
    print(f"bench: demo database prepared in {time.perf_counter() - started:.1f} s", flush=True)
    failures = 0
    for path in sorted((ROOT / "bench").glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if only and name not in only:
            continue
        database = f"bench_{name}"
        _admin_sql(url, f'DROP DATABASE IF EXISTS "{database}"',
                   f'CREATE DATABASE "{database}" TEMPLATE "{TEMPLATE_DB}"')
        print(f"\n=== bench: {name} ===", flush=True)
        started = time.perf_counter()
        env = {**os.environ, "DATABASE_URL": _with_database(url, database)}
        result = subprocess.run([sys.executable, str(path)], cwd=ROOT, env=env)
        print(f"--- {name}: exit {result.returncode}, {time.perf_counter() - started:.1f} s", flush=True)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
