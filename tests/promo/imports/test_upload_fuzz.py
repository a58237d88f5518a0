"""Hostile and careless files through the upload API (issue 11): whatever a file holds, the
answer is never a 5xx, every upload ends imported or rejected with a reason (never queued,
processing or failed), and its error workbook downloads.

The files: the catalogue of crafted classes of tests/promo/imports/hostile.py (bombs, entity
tricks, odd values and structure, built in the test) and a fixed-seed mutator over the sample
workbooks (truncations, bit flips, zeroed blocks, a hit deflate stream, damaged sheet XML in a
valid zip). A large file goes to the worker (eager here, run on commit) like in production."""

from functools import cache
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from rest_framework.test import APIClient

from promo.models import Promo, PromoUpload
from tests.promo.imports import hostile

pytestmark = pytest.mark.django_db
UPLOADS = "/api/v1/uploads/"
SEED = 11
MUTATIONS = 70


@cache
def mutations() -> list[tuple[str, bytes]]:
    return hostile.mutated(seed=SEED, count=MUTATIONS)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-11-23 10:00 +07:00", tick=False):
        yield


@pytest.fixture
def supplier_api(demo_user):
    client = APIClient()
    client.force_authenticate(demo_user("s001"))
    return client


def upload_through_the_api(client, name: str, data: bytes, capture) -> dict:
    # when: the file is posted (a queued one is processed by the worker on commit)
    with capture(execute=True):
        response = client.post(UPLOADS, {"file": SimpleUploadedFile(name, data)}, format="multipart")
    # then: never a server error
    assert response.status_code < 500, response.content[:500]
    return response.json()


def assert_finished_with_a_reason(client, body: dict) -> None:
    upload_id = body.get("upload_id")
    if upload_id is None:  # refused before anything was stored (above the size cap)
        assert body["errors"] and body["ok"] is False
        return
    upload = PromoUpload.objects.get(pk=upload_id)
    # then: the upload ends imported or rejected; never left queued or processing, never a crash
    assert upload.status in (PromoUpload.Status.IMPORTED, PromoUpload.Status.REJECTED), (upload.status, upload.failure)
    assert not PromoUpload.objects.filter(status__in=[PromoUpload.Status.QUEUED, PromoUpload.Status.PROCESSING,
                                                      PromoUpload.Status.FAILED]).exists()
    if upload.status == PromoUpload.Status.REJECTED:
        # nothing of it is saved
        assert not Promo.objects.filter(uploads=upload).exists()
        # with a reason the supplier can read, in Russian
        assert upload.errors and all(error["message"] for error in client.get(f"{UPLOADS}{upload_id}/").json()["errors"])
        # and its error workbook downloads and opens
        response = client.get(f"{UPLOADS}{upload_id}/error-workbook/")
        assert response.status_code == 200
        assert "Ошибки" in load_workbook(BytesIO(response.content), read_only=True).sheetnames


@pytest.mark.parametrize("name", sorted(set(hostile.CRAFTED) - hostile.HEAVY))
def test_a_crafted_file_never_answers_5xx_and_ends_with_a_reason(name, supplier_api,
                                                                 django_capture_on_commit_callbacks):
    # given a file of one hostile class
    data = hostile.CRAFTED[name]()
    body = upload_through_the_api(supplier_api, "hostile.xlsx", data, django_capture_on_commit_callbacks)
    assert_finished_with_a_reason(supplier_api, body)


@pytest.mark.parametrize("index", range(MUTATIONS))
def test_a_mutated_sample_never_answers_5xx_and_ends_with_a_reason(index, supplier_api,
                                                                   django_capture_on_commit_callbacks):
    # given the index-th mutation of a sample workbook (seed 11: the same files on every run)
    name, data = mutations()[index]
    body = upload_through_the_api(supplier_api, f"{name}.xlsx", data, django_capture_on_commit_callbacks)
    assert_finished_with_a_reason(supplier_api, body)
