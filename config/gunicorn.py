"""gunicorn settings for the web process (``make serve``; docs/operations.md).

    gunicorn -c config/gunicorn.py config.wsgi:application

Everything comes from the environment, with defaults that suit one small server behind a proxy:

| variable | default | meaning |
| --- | --- | --- |
| ``GUNICORN_BIND`` | ``127.0.0.1:8000`` | address (``0.0.0.0:8000`` in a container), or ``unix:/run/promo.sock`` |
| ``GUNICORN_WORKERS`` | ``WEB_CONCURRENCY``, else 2 × cores + 1 | worker processes |
| ``GUNICORN_THREADS`` | ``1`` | threads per worker (more than 1 switches to the gthread worker) |
| ``GUNICORN_TIMEOUT`` | ``120`` | seconds a request may take before its worker is killed and restarted |
| ``GUNICORN_GRACEFUL_TIMEOUT`` | ``30`` | seconds a stopping worker gets to finish its requests |
| ``GUNICORN_KEEPALIVE`` | ``5`` | seconds to keep an idle proxy connection open |
| ``GUNICORN_MAX_REQUESTS`` | ``1000`` | a worker is recycled after about this many requests (0: never) |
| ``GUNICORN_PRELOAD`` | ``true`` | load and warm the application in the master before forking (``config/warmup.py``) |
| ``GUNICORN_ACCESS_LOG`` | ``-`` (stdout) | access log file; empty turns it off |
| ``FORWARDED_ALLOW_IPS`` | ``127.0.0.1,::1`` | proxies whose ``X-Forwarded-*`` headers gunicorn trusts |

Logs (access and errors) go to standard output, like the rest of the portal's.
"""

import gc
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return value in {"1", "true", "yes", "on"} if value else default


bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10
# The application is imported and warmed (URLconf, views, catalogues, templates) once in the
# master, and every worker, a recycled one too, starts warm from the fork. The price: a HUP
# reloads the configuration but not the code; deploy new code with a restart.
preload_app = _bool("GUNICORN_PRELOAD", True)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# method, path, status, bytes, microseconds: enough to find the slow pages in the log.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(D)sus "%(a)s"'
# Heartbeat files in memory, not on a possibly slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# gunicorn's control socket lives at one fixed path per user (~/.gunicorn/gunicorn.ctl), so two
# servers on one machine would fight over it; the portal does not use it.
control_socket_disable = True
proc_name = "promo-portal-web"


def when_ready(server):
    """In the master, once the (preloaded) application is loaded, before the first fork."""
    if server.cfg.preload_app:
        from config import warmup

        parsed = warmup.warm_up()
        warmup.freeze()
        server.log.info("warmed up: %d templates parsed, %d objects frozen", parsed, gc.get_freeze_count())
