"""Database locks shared by the apps."""

from __future__ import annotations

import hashlib

from django.db import connection


def advisory_xact_lock(key: str) -> None:
    """Hold a PostgreSQL advisory lock named ``key`` until the current transaction ends, so
    two requests doing the same thing at once (a double submit) run one after the other.
    SQLite (``make run``) serialises writers anyway, so there it does nothing."""
    if connection.vendor == "postgresql":
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [number])
