"""Hostile-file benchmark (issue 11 item 2): what the worst file under the caps costs.

Builds the catalogue of crafted files of ``tests/promo/imports/hostile.py`` (dense-array and
shared-string bombs, entity tricks, far cells, odd values and structure) plus fixed-seed
mutations of the sample workbooks, and for each, in a fresh process (so its peak RSS is its own,
the calamine sandbox included), reads it with ``SheetReader`` and every value parser, then builds
its error workbook. Prints per file the outcome, seconds and peak RSS (the process; the calamine
sandbox, one that died of its memory limit not counted; the most the two held at once), and the
worst case.

Target: every file under 300 MB and a few seconds. Needs no database.
``python bench/bench_hostile.py [MUTATIONS]``; run by ``make bench``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import peak_rss_mb, setup_django, timer  # noqa: E402

MUTATIONS = 40
TARGET_RSS_MB, TARGET_SECONDS = 300.0, 5.0


def run_case(path: str) -> dict:
    setup_django()
    from promo.services.imports import values as v
    from promo.services.imports.error_workbook import build_error_workbook
    from promo.services.imports.problems import FileProblem, Problem
    from promo.services.imports.reader import SheetReader

    parsers = {"ean": v.parse_ean, "start": v.parse_date, "end": v.parse_date, "mechanic": v.parse_mechanic,
               "discount": v.parse_discount, "promo_price": v.parse_decimal, "promo_name": v.parse_text}
    outcome, rows, problems = "", 0, []
    with timer() as took:
        try:
            with SheetReader(path) as reader:
                for row in reader:
                    rows += 1
                    for name, raw in row.cells.items():
                        try:
                            parsers.get(name, v.parse_text)(raw)
                        except v.ValueProblem as problem:
                            if len(problems) < 1000:
                                problems.append(Problem(problem.code, row.row, name, problem.params))
            outcome = f"read {rows} rows"
            sheet = reader.sheet_title
        except FileProblem as refused:
            problems = [refused.problem]
            outcome = f"{refused.problem.code}:{refused.problem.params.get('reason', '')}".rstrip(":")
            sheet = None
        content = build_error_workbook(source_path=path, problems=problems or [Problem("file_empty", 0)],
                                       sheet_title=sheet)
    from promo.services.imports import sandbox

    rss = peak_rss_mb()
    return {"outcome": outcome, "seconds": took["seconds"], "rss_mb": rss, "child_mb": sandbox.peak_memory_kb / 1024,
            "total_mb": max(rss, sandbox.peak_with_parent_kb / 1024), "workbook_kb": len(content) // 1024}


def main(argv: list[str]) -> int:
    if argv[:1] == ["--case"]:
        print(json.dumps(run_case(argv[1])))
        return 0
    setup_django()
    from tests.promo.imports.hostile import crafted, mutated

    count = int(argv[0]) if argv else MUTATIONS
    worst_time, worst_rss, failures = None, None, 0
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as folder:
        files = []
        for index, (name, data) in enumerate(crafted() + mutated(seed=11, count=count)):
            path = Path(folder) / f"{index:03d}.xlsx"
            path.write_bytes(data)
            files.append((name, path))
        print(f"{len(files)} files: {len(files) - count} crafted, {count} mutated samples (seed 11)")
        print(f"{'file':<48}{'KB':>7}  {'outcome':<40}{'s':>7}{'RSS MB':>9}{'child MB':>10}")
        for name, path in files:
            size = path.stat().st_size
            done = subprocess.run([sys.executable, __file__, "--case", str(path)], capture_output=True, text=True)
            if done.returncode != 0:
                failures += 1
                print(f"{name[:47]:<48}{size // 1024:>7}  CRASHED (exit {done.returncode}): "
                      f"{done.stderr.strip().splitlines()[-1:]}", flush=True)
                continue
            result = json.loads(done.stdout.strip().splitlines()[-1])
            total = result["total_mb"]
            print(f"{name[:47]:<48}{size // 1024:>7}  {result['outcome'][:39]:<40}{result['seconds']:>7.2f}"
                  f"{result['rss_mb']:>9.0f}{result['child_mb']:>10.0f}", flush=True)
            if worst_time is None or result["seconds"] > worst_time[1]:
                worst_time = (name, result["seconds"])
            if worst_rss is None or total > worst_rss[1]:
                worst_rss = (name, total)
    print()
    print(f"  slowest file        {worst_time[1]:8.2f} s   ({worst_time[0]}; target < {TARGET_SECONDS:.0f} s)")
    print(f"  most memory         {worst_rss[1]:8.0f} MB  ({worst_rss[0]}; process + sandbox; target < "
          f"{TARGET_RSS_MB:.0f} MB)")
    print(f"  crashes             {failures:8d}")
    met = failures == 0 and worst_time[1] < TARGET_SECONDS and worst_rss[1] < TARGET_RSS_MB
    print(f"  targets met: {'yes' if met else 'NO'}")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
