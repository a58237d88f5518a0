"""`make bench`: run every benchmark (bench/bench_*.py) against the throwaway PostgreSQL that
`config/bin/with-postgres` started, each in its own process (so peak RSS is its own), and print
their figures. Benchmarks are never part of `make test`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.test")


def prepare_database() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from suppliers.services.seed import seed_demo

    seed_demo()


def main(argv: list[str]) -> int:
    only = set(argv)
    prepare_database()
    failures = 0
    for path in sorted((ROOT / "bench").glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if only and name not in only:
            continue
        print(f"\n=== bench: {name} ===", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(path)], cwd=ROOT)
        print(f"--- {name}: exit {result.returncode}, {time.perf_counter() - started:.1f} s", flush=True)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
