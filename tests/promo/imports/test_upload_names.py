"""A file is never dropped for its name (issue 11): a name in windows-1251 (an old client), ".",
"..", or a folder path used to be discarded by the multipart parser and the upload refused as
«Ни одного файла не было отправлено». On the page (Django's form parsing) and the API (DRF's)."""

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from promo.models import PromoUpload
from suppliers.models import Product
from tests.promo.imports.sheets import line, workbook_bytes

pytestmark = pytest.mark.django_db
BOUNDARY = "----promoportal-boundary"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-11-23 10:00 +07:00", tick=False):
        yield


def multipart(filename: bytes, content: bytes) -> bytes:
    """A body with one file part whose filename parameter is these raw bytes."""
    return (f"--{BOUNDARY}\r\n".encode() + b'Content-Disposition: form-data; name="file"; filename="' + filename
            + b'"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n'
            + content + f"\r\n--{BOUNDARY}--\r\n".encode())


def sheet() -> bytes:
    return workbook_bytes([line(Product.objects.filter(supplier__code="S001").order_by("article").first())])


NAMES = [
    ("Акции июнь.xlsx".encode("cp1251"), "Акции июнь.xlsx"),
    ("Акции июнь.xlsx".encode(), "Акции июнь.xlsx"),
    (b".", "upload"),
    (b"..", "upload"),
    (b"C:\\\\Users\\\\buh\\\\", "upload"),
]


@pytest.mark.parametrize("raw, stored", NAMES)
def test_the_upload_page_keeps_the_file_whatever_its_name(client_for, raw, stored):
    client = client_for("s001")
    # when the form is posted with that file name
    response = client.generic("POST", reverse("promo:upload_create"), data=multipart(raw, sheet()),
                              content_type=f"multipart/form-data; boundary={BOUNDARY}")
    # then the file is imported under a readable name, not refused as missing
    upload = PromoUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == upload.get_absolute_url()
    assert (upload.original_name, upload.status) == (stored, PromoUpload.Status.IMPORTED)


@pytest.mark.parametrize("raw, stored", NAMES)
def test_the_api_keeps_the_file_whatever_its_name(demo_user, raw, stored):
    client = APIClient()
    client.force_authenticate(demo_user("s001"))
    response = client.generic("POST", "/api/v1/uploads/", data=multipart(raw, sheet()),
                              content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code == 201 and response.json()["ok"]
    assert PromoUpload.objects.get().original_name == stored


def test_an_empty_file_field_is_still_no_file(client_for):
    # given the form sent with no file chosen (browsers send filename="")
    response = client_for("s001").generic("POST", reverse("promo:upload_create"), data=multipart(b"", b""),
                                          content_type=f"multipart/form-data; boundary={BOUNDARY}")
    # then the form says so and nothing is stored
    assert response.status_code == 400 and not PromoUpload.objects.exists()
    assert "Обязательное поле" in response.content.decode()
