"""The load client: asyncio + aiohttp, one session (cookies, one connection) per virtual user.

Bounded by construction: a fixed number of virtual users, each a closed loop (the next request
when the last one is answered, no think time) that starts no request after ``seconds``; every
request has a timeout. Loopback only: ``base_url`` must be http://127.0.0.1:PORT.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

from bench.web.scenario import Page, VirtualUser

# Where the server's CPU time is read: seconds used so far by each part (``Gunicorn.cpu_seconds``).
CpuClock = Callable[[], dict[str, float]]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REQUEST_TIMEOUT = 120.0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass
class Stats:
    """What one run measured: per page, the latencies (s) of the answers and the errors."""

    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    logged_in: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # role -> usernames
    login_failures: list[str] = field(default_factory=list)
    # CPU seconds the server (web processes, their database backends) spent while the clock ran,
    # when the caller could measure it: per request it does not depend on who else uses the cores.
    server_cpu: dict[str, float] = field(default_factory=dict)

    def record(self, name: str, status: int | None, took: float, error: str = "") -> None:
        if status is not None:
            self.statuses[name][status] += 1
        if error:
            self.errors[name].append(error)
        else:
            self.latencies[name].append(took)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values()) + self.error_count

    def cpu_ms_per_request(self, part: str) -> float | None:
        return 1000 * self.server_cpu[part] / self.requests if part in self.server_cpu and self.requests else None

    @property
    def error_count(self) -> int:
        return sum(len(v) for v in self.errors.values())

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def all_latencies(self) -> list[float]:
        return [value for values in self.latencies.values() for value in values]


def _check_loopback(base_url: str) -> None:
    host = urlsplit(base_url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise ValueError(f"bench-web sends load to loopback only, not to {host!r}")


def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies for 127.0.0.1 (an IP address)
        connector=aiohttp.TCPConnector(limit=1),  # one browser connection per user
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
    )


async def login(session: aiohttp.ClientSession, base_url: str, username: str, password: str) -> None:
    """Log in through the form, as a browser does: GET /login/, then POST it with the CSRF token."""
    async with session.get(base_url + "/login/") as response:
        page = await response.text()
        if response.status != 200:
            raise RuntimeError(f"GET /login/ answered {response.status}")
    match = TOKEN.search(page)
    if not match:
        raise RuntimeError("no CSRF token on /login/")
    form = {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password, "next": ""}
    async with session.post(base_url + "/login/", data=form, allow_redirects=False) as response:
        await response.read()
        if response.status != 302:
            raise RuntimeError(f"login of {username} answered {response.status}, not a redirect")


async def fetch(session: aiohttp.ClientSession, base_url: str, name: str, path: str, stats: Stats) -> None:
    """One request; a status other than 200 (a redirect to the login page too) is an error."""
    started = time.perf_counter()
    try:
        async with session.get(base_url + path, allow_redirects=False) as response:
            await response.read()
            took = time.perf_counter() - started
            error = "" if response.status == 200 else f"{path}: HTTP {response.status}"
            stats.record(name, response.status, took, error)
    except (TimeoutError, aiohttp.ClientError) as exc:
        stats.record(name, None, time.perf_counter() - started, f"{path}: {type(exc).__name__} {exc}")


async def _log_in(user: VirtualUser | None, session: aiohttp.ClientSession, base_url: str, password: str,
                  stats: Stats) -> bool:
    if user is None:
        return True
    try:
        await login(session, base_url, user.username, password)
    except (TimeoutError, RuntimeError, aiohttp.ClientError) as exc:
        stats.login_failures.append(f"{user.username}: {exc}")
        return False
    stats.logged_in[user.role].add(user.username)
    return True


async def _loop(user: VirtualUser | None, session: aiohttp.ClientSession, base_url: str, deadline: float,
                stats: Stats, rng: random.Random, anonymous_path: str) -> None:
    weights = [visit.weight for visit in user.mix] if user else []
    while time.perf_counter() < deadline:
        if user is None:
            await fetch(session, base_url, anonymous_path, anonymous_path, stats)
        else:
            visit = rng.choices(user.mix, weights)[0]
            await fetch(session, base_url, f"{visit.name} ({user.role})", rng.choice(visit.paths), stats)


async def _run(users: list[VirtualUser | None], base_url: str, password: str, seconds: float, seed: int,
               anonymous_path: str = "/login/", cpu: CpuClock | None = None) -> Stats:
    _check_loopback(base_url)
    stats = Stats()
    rng = random.Random(seed)
    sessions = [_session() for _ in users]
    try:
        # Everybody logs in first (not measured), then the clock starts for all at once.
        ready = await asyncio.gather(*(_log_in(user, session, base_url, password, stats)
                                       for user, session in zip(users, sessions, strict=True)))
        started = time.perf_counter()
        cpu_started = cpu() if cpu else {}
        deadline = started + seconds
        await asyncio.gather(*(_loop(user, session, base_url, deadline, stats, random.Random(rng.random()),
                                     anonymous_path)
                               for user, session, ok in zip(users, sessions, ready, strict=True) if ok))
        stats.seconds = time.perf_counter() - started
        if cpu:
            stats.server_cpu = {part: used - cpu_started.get(part, 0.0) for part, used in cpu().items()}
    finally:
        for session in sessions:
            await session.close()
    return stats


def run_mix(users: list[VirtualUser], base_url: str, *, password: str, seconds: float, seed: int = 1,
            cpu: CpuClock | None = None) -> Stats:
    """Phase (b): every virtual user logs in, then asks for its role's page mix for ``seconds``."""
    return asyncio.run(_run(list(users), base_url, password, seconds, seed, cpu=cpu))


def run_anonymous(count: int, base_url: str, *, path: str = "/login/", seconds: float, seed: int = 2,
                  cpu: CpuClock | None = None) -> Stats:
    """The baseline: ``count`` anonymous users asking for ``path`` (GET /login/) for ``seconds``."""
    return asyncio.run(_run([None] * count, base_url, "", seconds, seed, anonymous_path=path, cpu=cpu))


async def _single(pages: list[Page], base_url: str, password: str, repeats: int, warm_up: int) -> Stats:
    _check_loopback(base_url)
    stats = Stats()
    sessions: dict[str | None, aiohttp.ClientSession] = {}
    started = time.perf_counter()
    try:
        for page in pages:
            if page.username not in sessions:
                session = sessions[page.username] = _session()
                if page.username is not None:
                    await login(session, base_url, page.username, password)
            session = sessions[page.username]
            for _ in range(warm_up):  # one request per server worker, not counted
                await fetch(session, base_url, page.name, page.path, stats)
            stats.latencies[page.name].clear()
            stats.statuses[page.name].clear()
            for _ in range(repeats):
                await fetch(session, base_url, page.name, page.path, stats)
    finally:
        for session in sessions.values():
            await session.close()
    stats.seconds = time.perf_counter() - started
    return stats


def run_single(pages: list[Page], base_url: str, *, password: str, repeats: int, warm_up: int = 1) -> Stats:
    """Phase (a): one user at a time, each page ``repeats`` times after ``warm_up`` requests
    (as many as the server has workers, so that none of them is cold)."""
    return asyncio.run(_single(pages, base_url, password, repeats, warm_up))
