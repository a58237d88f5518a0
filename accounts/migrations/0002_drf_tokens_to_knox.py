"""Move the tokens of DRF's authtoken app (stored in clear, never expiring) to knox's table
(hashed, expiring API_TOKEN_TTL_DAYS from now), so integrators' existing tokens keep working
until then; the clear-text rows are deleted. A new installation has no such table: nothing to do."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"


def move_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS

    AuthToken = apps.get_model("knox", "AuthToken")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id FROM {OLD_TABLE}")
        rows = cursor.fetchall()
        expiry = timezone.now() + settings.REST_KNOX["TOKEN_TTL"]
        AuthToken.objects.bulk_create(
            AuthToken(digest=hash_token(key), token_key=key[:CONSTANTS.TOKEN_KEY_LENGTH], user_id=user_id,
                      expiry=expiry)
            for key, user_id in rows
        )
        cursor.execute(f"DELETE FROM {OLD_TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_apitoken"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(move_tokens, migrations.RunPython.noop)]
