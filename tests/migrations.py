"""Data-migration tests: move the test database to a migration and back (Django's executor)."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(target: tuple[str, str]) -> None:
    """Migrate the test database to ``target`` (``("promo", "0016_…")``): rows the test wrote
    have their deferred constraint checks run first, since the tables are about to change."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    MigrationExecutor(connection).migrate([target])
