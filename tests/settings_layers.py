"""Running Django under another settings layer (local, production) in a child process, with
only the environment a test gives it: what an operator's shell would have."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def production_env(**extra: str) -> dict[str, str]:
    """The documented minimum for the production settings: SECRET_KEY, ALLOWED_HOSTS and
    DATABASE_URL (a database that is never opened here)."""
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "promo.example.com,testserver",
        "DATABASE_URL": "postgres://promo:secret@127.0.0.1:1/promo",
        **extra,
    }


def run_django(settings_module: str, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """``python <args>`` in the project root under ``settings_module`` and ``env`` alone."""
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": settings_module,
                   "LANG": "C.UTF-8", **env}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=120, check=False)
