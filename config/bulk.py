"""Bulk inserts with their simple-history rows, for any model (STYLE.md §12: write in batches,
history in bulk).

``bulk_create`` spends most of a 100,000-row insert building SQL in Python. On PostgreSQL the
rows go in with COPY instead (primary keys reserved from the sequence first), and their
simple-history rows are copied server-side with one ``INSERT ... SELECT`` from the rows just
written: the same records ``bulk_create_with_history`` would make. Other databases (the SQLite
of ``make run``), and a history model with columns of its own, take the
``bulk_create_with_history`` path. Either way the rows and their history are the same.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from simple_history.utils import bulk_create_with_history

# Rows per statement on the fallback path.
BATCH = 2000

_HISTORY_COLUMNS = {"history_id", "history_date", "history_change_reason", "history_type", "history_user_id"}


def _history_model(model):
    """The simple-history model of ``model``, or None (no history, or history switched off)."""
    name = getattr(model._meta, "simple_history_manager_attribute", None)
    if name is None or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return None
    return getattr(model, name).model


def _copy_supported(model) -> bool:
    """COPY for PostgreSQL, when the history model holds nothing but the standard columns."""
    if connection.vendor != "postgresql":
        return False
    history = _history_model(model)
    if history is None:
        return True
    tracked = {f.column for f in history.tracked_fields}
    return {f.column for f in history._meta.concrete_fields} - tracked == _HISTORY_COLUMNS


def bulk_insert(model, rows: list[dict], *, actor, reason: str, now,
                scope: tuple[str, list[int]] | None = None) -> list[int] | None:
    """Insert ``rows`` (field attname -> value; the rest take their defaults) with their history
    records (``+``, ``reason``, ``actor``, ``now``), in bulk; returns the new primary keys in the
    order of ``rows``.

    ``scope`` (a column and values selecting exactly the new rows, such as the lines of new
    promos) lets the database number the rows itself: on PostgreSQL nothing is returned then."""
    if not rows:
        return []
    if not _copy_supported(model):
        objects = [model(**row) for row in rows]
        if _history_model(model) is not None:
            bulk_create_with_history(objects, model, batch_size=BATCH, default_user=actor,
                                     default_change_reason=reason, default_date=now)
        else:
            model.objects.bulk_create(objects, batch_size=BATCH)
        return [obj.pk for obj in objects]

    from psycopg.types.json import Jsonb

    meta = model._meta
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        else:
            defaults[f.attname] = f.get_default()  # "" for a text field without a default, as Model() does
    names = [f.attname for f in fields]
    pairs = [(name, defaults[name]) for name in names]
    offset = 0 if scope is not None else 1  # the primary key leads each row when it is reserved here
    json_positions = [offset + index for index, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if scope is None:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [meta.db_table, meta.pk.column, len(rows)])
            ids = [row[0] for row in cursor.fetchall()]
            columns = [meta.pk.column, *(f.column for f in fields)]
        else:
            ids = None
            columns = [f.column for f in fields]
        with cursor.cursor.copy(f"COPY {table} ({', '.join(map(quote, columns))}) FROM STDIN") as copy:
            write = copy.write_row
            # The inner loop runs once per row and column (a million times for an import of
            # 100,000 lines): one comprehension per row, JSON wrapped only where it goes.
            for index, row in enumerate(rows):
                get = row.get
                values = [get(name, default) for name, default in pairs]
                if ids is not None:
                    values.insert(0, ids[index])
                for position in json_positions:
                    if values[position] is not None:
                        values[position] = Jsonb(values[position])
                write(values)
        history = _history_model(model)
        if history is not None:
            column, keys = (meta.pk.column, ids) if scope is None else scope
            tracked = ", ".join(quote(f.column) for f in history.tracked_fields)
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({tracked}, history_date, "
                f"history_change_reason, history_type, history_user_id) "
                f"SELECT {tracked}, %s, %s, '+', %s FROM {table} "
                f"WHERE {quote(column)} = ANY(string_to_array(%s, ',')::bigint[])",
                [now, reason, actor.pk if actor else None, ",".join(map(str, keys))],
            )
    return ids
