"""Uploaded originals have no URL: whoever asks for /media/<the stored file> gets a 404, in
every settings layer (test; local with DEBUG on; production). A sheet is read only through the
views that check who may see its upload."""

import json

import pytest

from promo.services.imports.uploads import upload_create
from suppliers.models import Product
from tests.promo.imports import sheets
from tests.settings_layers import production_env, run_django

pytestmark = pytest.mark.django_db

FETCH = (
    "import django, json, sys; django.setup(); from django.conf import settings; from pathlib import Path;"
    "from django.test import Client; path = Path(settings.MEDIA_ROOT) / 'uploads' / 'original.xlsx';"
    "path.parent.mkdir(parents=True, exist_ok=True); path.write_bytes(b'secret prices');"
    "r = Client().get(settings.MEDIA_URL + 'uploads/original.xlsx', headers={'x-forwarded-proto': 'https'});"
    "print(json.dumps({'status': r.status_code, 'debug': settings.DEBUG, 'leaked': b'secret prices' in r.content}))"
)


@pytest.fixture
def stored_upload(demo_user):
    product = Product.objects.filter(supplier__code="S001").order_by("article").first()
    upload = upload_create(actor=demo_user("s001"), file=sheets.uploaded([sheets.line(product)]),
                           original_name="prices.xlsx")
    assert upload.file.storage.exists(upload.file.name)
    return upload


@pytest.mark.parametrize("username", ["anonymous", "s001", "s002", "manager", "marketer", "admin"])
def test_no_one_reads_an_original_by_its_media_url(client, demo_user, stored_upload, username, settings):
    # given s001's stored sheet, and someone signed in (or not)
    if username != "anonymous":
        client.force_login(demo_user(username))
    # when they ask for it under MEDIA_URL
    response = client.get(settings.MEDIA_URL + stored_upload.file.name)
    # then it is not found, and nothing of the file is sent
    assert response.status_code == 404
    with stored_upload.file.open("rb") as handle:
        assert handle.read()[:64] not in response.content


@pytest.mark.parametrize(("layer", "environment"), [
    ("config.django.local", {"DEBUG": "true", "ALLOWED_HOSTS": "testserver"}),
    ("config.django.production", production_env()),
], ids=["local-debug", "production"])
def test_no_settings_layer_serves_media(tmp_path, layer, environment):
    # given a file under MEDIA_ROOT in that settings layer
    result = run_django(layer, ["-c", FETCH], {**environment, "MEDIA_ROOT": str(tmp_path)})
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    # then its URL is a 404 (with DEBUG on as well)
    assert answer["status"] == 404, result.stderr
    assert not answer["leaked"]
    assert answer["debug"] is (layer == "config.django.local")
