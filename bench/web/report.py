"""Printing what bench-web measured, and the issue's targets (issue 12)."""

from __future__ import annotations

from bench.web.client import Stats, percentile
from bench.web.explain import Profile

# Issue 12: single user p95 <= 150 ms per page and API list (the 300-line page <= 300 ms);
# 50 users: zero errors, p95 of the mix <= 5x /login/ p95, throughput >= 25 % of /login/'s.
TARGET_PAGE_MS, TARGET_BIG_PAGE_MS = 150.0, 300.0
TARGET_P95_RATIO, TARGET_THROUGHPUT_SHARE = 5.0, 0.25
PLAN_LINES = 30


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def single_table(stats: Stats, profiles: list[Profile], big_lines: int) -> list[str]:
    """Phase (a) table; returns the targets missed."""
    missed = []
    by_page = {p.page: p for p in profiles}
    print(f"\n{'page':<46}{'n':>4}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}   in-process: SQL / request")
    for name, values in stats.latencies.items():
        errors = len(stats.errors.get(name, []))
        prof = by_page.get(name)
        where = (f"{prof.queries:>4} queries {ms(prof.sql_seconds):>6} / {ms(prof.seconds):>6} ms"
                 f" ({100 * prof.sql_seconds / prof.seconds:.0f} % SQL)") if prof and prof.seconds else ""
        if not values:
            print(f"{name:<46}{0:>4}{'-':>9}{'-':>9}{errors:>8}")
            missed.append(f"{name}: no answer")
            continue
        p95 = percentile(values, 0.95)
        print(f"{name:<46}{len(values):>4}{ms(percentile(values, 0.5)):>9}{ms(p95):>9}{errors:>8}   {where}")
        limit = TARGET_BIG_PAGE_MS if big_lines and f"{big_lines} lines" in name else TARGET_PAGE_MS
        if p95 * 1000 > limit and not name.startswith("/login/"):
            missed.append(f"{name}: p95 {ms(p95)} ms (target <= {limit:.0f} ms)")
        if errors:
            missed.append(f"{name}: {errors} errors ({stats.errors[name][0]})")
    return missed


def explain_section(profiles: list[Profile]) -> None:
    print("\nThe slowest SQL statement of each page, EXPLAIN (ANALYZE, BUFFERS):")
    for prof in profiles:
        if not prof.plan:
            continue
        print(f"\n--- {prof.page}: {prof.slowest_ms:,.1f} ms of {prof.queries} statements "
              f"({ms(prof.sql_seconds)} ms SQL, {ms(prof.seconds)} ms request)")
        sql = " ".join(prof.slowest_sql.split())
        print("    " + (sql[:600] + " …" if len(sql) > 600 else sql))
        for line in prof.plan[:PLAN_LINES]:
            print("    " + line)
        if len(prof.plan) > PLAN_LINES:
            print(f"    … {len(prof.plan) - PLAN_LINES} more plan lines")


def load_table(title: str, stats: Stats) -> None:
    print(f"\n{title}: {stats.requests:,} requests in {stats.seconds:.1f} s = {stats.throughput:,.1f} req/s, "
          f"{stats.error_count} errors")
    print(f"{'page':<46}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name in sorted(set(stats.latencies) | set(stats.errors)):
        values = stats.latencies.get(name, [])
        errors = len(stats.errors.get(name, []))
        if values:
            print(f"{name:<46}{len(values):>6}{ms(percentile(values, 0.5)):>9}{ms(percentile(values, 0.95)):>9}"
                  f"{ms(percentile(values, 0.99)):>9}{errors:>8}")
        else:
            print(f"{name:<46}{0:>6}{'-':>9}{'-':>9}{'-':>9}{errors:>8}")
    cpu = [f"{part} {stats.cpu_ms_per_request(part):.1f} ms" for part in stats.server_cpu]
    if cpu:
        print("server CPU per request: " + ", ".join(cpu))
    every = stats.all_latencies()
    if every:
        print(f"{'all':<46}{len(every):>6}{ms(percentile(every, 0.5)):>9}{ms(percentile(every, 0.95)):>9}"
              f"{ms(percentile(every, 0.99)):>9}{stats.error_count:>8}")
    for name, errors in stats.errors.items():
        print(f"  errors of {name}: {errors[0]}" + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))


def ratios(mix: Stats, baseline: Stats) -> list[str]:
    """The issue's two ratios and the zero-errors target; returns the targets missed."""
    missed = []
    mix_all, base_all = mix.all_latencies(), baseline.all_latencies()
    if not mix_all or not base_all:
        return ["no answers to compare"]
    p95_ratio = percentile(mix_all, 0.95) / percentile(base_all, 0.95)
    share = mix.throughput / baseline.throughput if baseline.throughput else 0.0
    print(f"\nmix vs /login/ in this run: p95 {ms(percentile(mix_all, 0.95))} ms vs "
          f"{ms(percentile(base_all, 0.95))} ms = {p95_ratio:.1f}x (target <= {TARGET_P95_RATIO:.0f}x); "
          f"throughput {mix.throughput:,.1f} vs {baseline.throughput:,.1f} req/s = {100 * share:.1f} % "
          f"(target >= {100 * TARGET_THROUGHPUT_SHARE:.0f} %); errors {mix.error_count} (target 0)")
    mix_cpu, base_cpu = mix.cpu_ms_per_request("web"), baseline.cpu_ms_per_request("web")
    if mix_cpu and base_cpu:
        print(f"web processes' CPU per request (whoever else used the cores): mix {mix_cpu:.1f} ms vs /login/ "
              f"{base_cpu:.1f} ms = {mix_cpu / base_cpu:.1f}x; the database's: mix "
              f"{mix.cpu_ms_per_request('database') or 0:.1f} ms")
    if p95_ratio > TARGET_P95_RATIO:
        missed.append(f"p95 of the mix is {p95_ratio:.1f}x the /login/ p95")
    if share < TARGET_THROUGHPUT_SHARE:
        missed.append(f"throughput of the mix is {100 * share:.1f} % of /login/'s")
    if mix.error_count:
        missed.append(f"{mix.error_count} errors under load")
    return missed
