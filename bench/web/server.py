"""A real gunicorn serving the portal with the production settings over plain HTTP on loopback.

Used by ``make bench-web`` and by the tests that need a real web process
(tests/test_production_server.py, tests/test_bench_web.py)::

    with Gunicorn(database_url=url, workers=2, log_path=tmp / "web.log") as web:
        urllib.request.urlopen(web.url("/login/"))
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]

# The agreed names (config/django/production.py): plain HTTP on loopback, no redirect to HTTPS,
# cookies that a client sends over HTTP, no HSTS.
PLAIN_HTTP_ENV = {
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_HSTS_SECONDS": "0",
    # A load benchmark measures capacity: the per-user API throttle (API_THROTTLE_USER) would turn
    # its users' repeated API reads into 429s.
    "API_THROTTLE_USER": "1000000/hour",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """A ``DATABASE_URL`` for a child process from Django's connection settings (the test
    database's name is known only inside pytest)."""
    credentials = settings_dict["USER"] + (f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else "")
    return f"postgres://{credentials}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"


def production_password_hash(password: str) -> str:
    """The hash production verifies (PBKDF2 at Django's default cost), whatever hashers the
    calling process is configured with (the tests use MD5)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    return hasher.encode(password, hasher.salt())


@dataclass
class Gunicorn:
    """``gunicorn -c config/gunicorn.py config.wsgi:application`` as a child process; entering
    waits until ``/login/`` answers, leaving stops it (TERM, then KILL)."""

    database_url: str
    log_path: Path
    workers: int = 2
    threads: int = 1
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    start_timeout: float = 60.0
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def child_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.django.production",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "DATABASE_URL": self.database_url,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Nothing in a page view queues a task; should one, it stays in this process.
            "CELERY_BROKER_URL": "memory://",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(self.workers),
            "GUNICORN_THREADS": str(self.threads),
            "GUNICORN_MAX_REQUESTS": "0",
            **PLAIN_HTTP_ENV,
            **self.env,
        }

    def __enter__(self) -> Gunicorn:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(gunicorn), "-c", "config/gunicorn.py", "config.wsgi:application"],
                cwd=ROOT, env=self.child_env(), stdout=log, stderr=subprocess.STDOUT,
            )
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url("/login/"), timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /login/ in {self.start_timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # graceful: the workers finish their requests
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds (user + system) used so far by the web processes (gunicorn's master and
        workers) and by the database server (the postmaster on this URL's port, its live
        processes and, through its children's times, every backend that has exited: workers
        reconnect after ``DB_CONN_MAX_AGE``, so counting live backends alone loses their CPU):
        what the load costs the machine, whoever else shares it."""
        port = f"-p {urlsplit(self.database_url).port}"
        used = {"web": 0.0, "database": 0.0}
        tick = os.sysconf("SC_CLK_TCK")
        processes = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue  # gone meanwhile
            fields = stat.rpartition(")")[2].split()
            # fields[1]: the parent; [11], [12]: user, system; [13], [14]: of the waited-for children
            processes.append((int(entry.name), int(fields[1]), [int(value) for value in fields[11:15]], command))
        postmaster = next((pid for pid, _parent, _ticks, command in processes
                           if "bin/postgres" in command.split(" ")[0] and f" {port} " in f" {command} "), None)
        for pid, parent, ticks, _command in processes:
            if self.process and (pid == self.process.pid or parent == self.process.pid):
                used["web"] += (ticks[0] + ticks[1]) / tick
            elif postmaster is not None and pid == postmaster:
                used["database"] += sum(ticks) / tick
            elif postmaster is not None and parent == postmaster:
                used["database"] += (ticks[0] + ticks[1]) / tick
        return used

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""
