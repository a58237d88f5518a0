"""Database locks shared by the apps."""

from __future__ import annotations

import hashlib

from django.db import connection


def _number(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def advisory_xact_lock(key: str) -> None:
    """Hold a PostgreSQL advisory lock named ``key`` until the current transaction ends, so
    two requests doing the same thing at once (a double submit) run one after the other.
    SQLite (``make run``) serialises writers anyway, so there it does nothing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_number(key)])


def advisory_xact_locks(keys) -> None:
    """:func:`advisory_xact_lock` for each of ``keys``, in one statement and always in the same
    order (by lock number), so two transactions taking overlapping sets cannot deadlock."""
    numbers = sorted({_number(key) for key in keys})
    if numbers and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(pg_advisory_xact_lock(n)) FROM (SELECT unnest(%s::bigint[]) AS n "
                           "ORDER BY n) AS ordered", [numbers])
