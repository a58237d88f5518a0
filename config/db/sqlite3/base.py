"""The embedded database of `make run`: Django's SQLite backend whose LIKE folds case for every
alphabet. SQLite's own folds ASCII only, so a search for «салфетки» did not find «Салфетки» there
(PostgreSQL, the production database, finds it). Django turns ``icontains``, ``iexact``,
``istartswith`` and their case-sensitive twins into LIKE on SQLite alike, so they all fold, as
SQLite's own LIKE did for ASCII."""

from __future__ import annotations

import re
from functools import lru_cache

from django.db.backends.sqlite3 import base


@lru_cache(maxsize=1024)
def _pattern(pattern: str, escape: str | None) -> re.Pattern[str]:
    parts, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if escape and char == escape and index + 1 < len(pattern):
            parts.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        index += 1
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def like(pattern, value, escape=None):
    """SQLite's ``like(X, Y[, Z])``: ``Y LIKE X ESCAPE Z``, case folded for every alphabet."""
    if pattern is None or value is None:
        return None
    return _pattern(str(pattern), escape).fullmatch(str(value)) is not None


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.create_function("like", 2, like, deterministic=True)
        connection.create_function("like", 3, like, deterministic=True)
        return connection
