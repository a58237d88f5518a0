"""Set Retail delivery (erp-formats.md §4 "Delivery", §4.1 "Set10 answers") against a fake Set10
server on 127.0.0.1 that answers exactly in the vendor's shapes: ``import`` elements with ``ti``,
``status`` and ``status-message`` in a ``package-status-response`` (or ``xmlGetstatus``), plain in
the SOAP body or base64 in ``return``, rejected actions as ``AdvertisingAction`` children with
``external-code``, ``errortype`` and ``errormessage``. Every status reaches its delivery state and
message; rejections reach the run page, the API and the marketers' mail; «Отправить заново»."""

from __future__ import annotations

import base64
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.etree import ElementTree

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from exports import set10
from exports.models import ExportFile, ExportRun
from exports.services import export_run
from exports.wording import message_texts
from promo.models import Promo, PromoEvent
from tests.exports.conftest import EXAMPLE_DATE

pytestmark = pytest.mark.django_db

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
IMPORT_OK = (f'<?xml version="1.0" ?><S:Envelope xmlns:S="{SOAP}"><S:Body>'
             '<ns2:importActionsWithTiResponse xmlns:ns2="http://ws.discounts.ERPIntegration.crystals.ru/"/>'
             "</S:Body></S:Envelope>").encode()
REJECTED_ACTION = ('<AdvertisingAction external-code="P000101" errortype="integrityError" '
                   'errormessage="Товар A100001 не найден в справочнике"/>')
STATUSES = {
    -1: "unknown status",
    0: "package doesn't exist",
    1: "xml error",
    2: "in process",
    3: "correct",
    4: "invalid item",
    5: "intermal server error happaned",
}


def status_answer(ti: str, status: int | str, message: str, *, children: str = "", encoded: bool = True,
                  root: str = "package-status-response") -> bytes:
    """A getPackageStatus answer as Set10 gives it: the ``import`` in a ``package-status-response``
    (or ``xmlGetstatus``), base64 in ``return`` or plain in the body."""
    inner = (f'<{root}><import ti="{ti}" status="{status}" status-message="{message}">{children}</import>'
             f"</{root}>")
    if encoded:
        document = '<?xml version="1.0" encoding="UTF-8"?>' + inner
        body = f"<return>{base64.b64encode(document.encode()).decode()}</return>"
    else:
        body = inner
    return (f'<?xml version="1.0" ?><S:Envelope xmlns:S="{SOAP}"><S:Body>'
            f'<ns2:getPackageStatusResponse xmlns:ns2="http://feedback.ERPIntegration.crystals.ru/">{body}'
            f"</ns2:getPackageStatusResponse></S:Body></S:Envelope>").encode()


class FakeSet10:
    """Records every request; answers imports with ``import_status`` (HTTP) and every status poll
    with the next of ``statuses`` (the last one repeats), each a function of the polled TI."""

    def __init__(self, *, import_status: int = 200, statuses=None):
        self.import_status = import_status
        self.statuses = statuses or [lambda ti: status_answer(ti, 3, "correct")]
        self.requests: list[tuple[str, dict, bytes]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {key.lower(): value for key, value in self.headers.items()}
                fake.requests.append((self.path, headers, body))
                if self.path.endswith("/AdvertisingActionsImport"):
                    status, answer = fake.import_status, IMPORT_OK if fake.import_status == 200 else b"down"
                else:
                    polls = sum(1 for path, _h, _b in fake.requests if path.endswith("/FeedbackWS"))
                    ti = ElementTree.fromstring(body).find(".//xmlGetstatus/import").get("ti")
                    status, answer = 200, fake.statuses[min(polls, len(fake.statuses)) - 1](ti)
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def paths(self) -> list[str]:
        return [path for path, _headers, _body in self.requests]

    def uploads(self) -> list[bytes]:
        return [body for path, _headers, body in self.requests if path.endswith("/AdvertisingActionsImport")]

    def polls(self) -> int:
        return sum(1 for path in self.paths() if path.endswith("/FeedbackWS"))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def set10_on(settings, export_root):
    from config.celery import app

    # Eager tasks here retry at once, as a worker would after the countdown (instead of the
    # test settings' propagating the Retry to the caller).
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    settings.SET10_UPLOAD = True
    settings.SET10_POLL_INTERVAL = 0
    settings.SET10_POLL_ATTEMPTS = 3
    settings.SET10_UPLOAD_RETRIES = 2
    settings.SET10_TIMEOUT = 5
    yield settings
    app.conf.task_eager_propagates = propagates


def run_with_delivery(django_capture_on_commit_callbacks) -> tuple[ExportRun, ExportFile]:
    with django_capture_on_commit_callbacks(execute=True):
        run = export_run(business_date=EXAMPLE_DATE)
    assert run.status == ExportRun.Status.SUCCEEDED
    return run, run.files.get(kind="setretail")


def uploaded_ti(body: bytes) -> str:
    envelope = ElementTree.fromstring(body)
    return envelope.find(".//{http://ws.discounts.ERPIntegration.crystals.ru/}importActionsWithTi").findtext("TI")


def test_upload_sends_the_file_and_records_the_status(set10_on, example_promos, django_capture_on_commit_callbacks):
    # given a Set10 that answers «in process» once, then «correct» (base64 in <return>)
    statuses = [lambda ti: status_answer(ti, 2, "in process"), lambda ti: status_answer(ti, 3, "correct")]
    with FakeSet10(statuses=statuses) as fake:
        set10_on.SET10_URL = fake.url
        # when the night is exported with the upload switched on
        run, set10_file = run_with_delivery(django_capture_on_commit_callbacks)
    # then the file went once, base64 in xmlData, with the run id as TI and the SOAP action
    assert fake.paths() == ["/SET-ERPIntegration/AdvertisingActionsImport", "/SET-ERPIntegration/SET/FeedbackWS",
                            "/SET-ERPIntegration/SET/FeedbackWS"]
    _path, headers, body = fake.requests[0]
    assert headers["soapaction"] == "http://ws.discounts.ERPIntegration.crystals.ru/importActionsWithTi"
    call = ElementTree.fromstring(body).find(".//{http://ws.discounts.ERPIntegration.crystals.ru/}importActionsWithTi")
    assert base64.b64decode(call.findtext("xmlData")) == set10_file.path.read_bytes()
    assert call.findtext("TI") == "20260920_01"
    poll = ElementTree.fromstring(fake.requests[1][2])
    assert poll.find(".//xmlGetstatus/import").get("ti") == "20260920_01"
    # and the outcome is recorded, the answer stored next to the file
    set10_file.refresh_from_db()
    assert set10_file.delivery_status == ExportFile.Delivery.SUCCEEDED
    assert set10_file.delivery_detail == "3 «correct»"
    assert set10_file.delivery_attempts == 1 and set10_file.uploaded_at is not None
    stored = set10_file.path.with_name(set10_file.name + ".status.xml")
    assert stored.read_bytes() == status_answer("20260920_01", 3, "correct")
    # the other files are not uploaded anywhere
    assert set(run.files.exclude(kind="setretail").values_list("delivery_status", flat=True)) == {""}


# What each vendor status leads to, with SET10_POLL_ATTEMPTS=3 and SET10_UPLOAD_RETRIES=2:
# (final delivery state, uploads, status polls, words of the stored message)
OUTCOMES = {
    3: (ExportFile.Delivery.SUCCEEDED, 1, 1, "3 «correct»"),
    4: (ExportFile.Delivery.REJECTED, 1, 1, "отклонил пакет 20260920_01: 4 «invalid item»"),
    1: (ExportFile.Delivery.REJECTED, 1, 1, "отклонил пакет 20260920_01: 1 «xml error»"),
    2: (ExportFile.Delivery.FAILED, 1, 9, "не сообщил результат пакета 20260920_01"),
    0: (ExportFile.Delivery.FAILED, 3, 3, "не знает пакет 20260920_01 (0 «package doesn't exist»)"),
    5: (ExportFile.Delivery.FAILED, 1, 3, "не смог принять пакет 20260920_01 (5 «intermal server error happaned»)"),
    -1: (ExportFile.Delivery.FAILED, 1, 3, "не смог принять пакет 20260920_01 (-1 «unknown status»)"),
}


@pytest.mark.parametrize("encoded", [True, False], ids=["base64", "plain"])
@pytest.mark.parametrize("with_rejections", [False, True], ids=["bare", "rejected-actions"])
@pytest.mark.parametrize("status", list(STATUSES))
def test_every_vendor_status_reaches_its_delivery_state(set10_on, example_promos, django_capture_on_commit_callbacks,
                                                        status, with_rejections, encoded):
    # given a Set10 that always answers this status (plain or base64, with or without a
    # rejected action), in one of the two payload roots the vendor's schema has
    children = REJECTED_ACTION if with_rejections else ""
    root = "xmlGetstatus" if status % 2 else "package-status-response"
    answer = [lambda ti: status_answer(ti, status, STATUSES[status], children=children, encoded=encoded, root=root)]
    with FakeSet10(statuses=answer) as fake:
        set10_on.SET10_URL = fake.url
        # when the night is exported and delivered (retries run at once here)
        _run, set10_file = run_with_delivery(django_capture_on_commit_callbacks)
    # then the file ends in the state §4.1 gives the status, after as many uploads and polls
    state, uploads, polls, words = OUTCOMES[status]
    set10_file.refresh_from_db()
    assert set10_file.delivery_status == state
    assert len(fake.uploads()) == uploads and fake.polls() == polls
    assert words in set10_file.delivery_detail
    if status == 0:
        # a lost package is sent again, under the same package id
        assert {uploaded_ti(body) for body in fake.uploads()} == {"20260920_01"}
    # and a rejected action of the last answer is kept with its promo and the vendor's message
    if with_rejections:
        assert set10_file.rejections == [{
            "element": "AdvertisingAction", "key": "P000101", "errortype": "integrityError",
            "errormessage": "Товар A100001 не найден в справочнике", "promo_id": 101,
            "promo_name": "2+1 Кедровый Край и Нежный Шёлк"}]
        if state != ExportFile.Delivery.FAILED:
            assert ("Промо P000101 «2+1 Кедровый Край и Нежный Шёлк»: Товар A100001 не найден в справочнике "
                    "(integrityError)") in set10_file.delivery_detail
    else:
        assert set10_file.rejections == []


def test_an_unknown_status_fails_at_once_with_the_raw_answer_kept(set10_on, example_promos,
                                                                  django_capture_on_commit_callbacks):
    # given a Set10 that answers a status the vendor's enum does not have
    with FakeSet10(statuses=[lambda ti: status_answer(ti, 9, "something new", encoded=False)]) as fake:
        set10_on.SET10_URL = fake.url
        _run, set10_file = run_with_delivery(django_capture_on_commit_callbacks)
    # then the delivery failed without retries, the raw answer is in the detail and next to the file
    set10_file.refresh_from_db()
    assert set10_file.delivery_status == ExportFile.Delivery.FAILED
    assert len(fake.uploads()) == 1 and fake.polls() == 1
    assert "непонятно (9 «something new»)" in set10_file.delivery_detail
    assert 'status="9"' in set10_file.delivery_detail
    assert b'status="9"' in set10_file.path.with_name(set10_file.name + ".status.xml").read_bytes()


def test_a_lost_package_is_uploaded_again_and_then_delivered(set10_on, example_promos,
                                                             django_capture_on_commit_callbacks):
    # given a Set10 that lost the first package, then takes the second upload
    statuses = [lambda ti: status_answer(ti, 0, "package doesn't exist"), lambda ti: status_answer(ti, 3, "correct")]
    with FakeSet10(statuses=statuses) as fake:
        set10_on.SET10_URL = fake.url
        _run, set10_file = run_with_delivery(django_capture_on_commit_callbacks)
    # then the file went twice (the second attempt counts as a retry) and is delivered
    set10_file.refresh_from_db()
    assert len(fake.uploads()) == 2
    assert set10_file.delivery_attempts == 2
    assert set10_file.delivery_status == ExportFile.Delivery.SUCCEEDED


def test_a_rejection_reaches_the_run_page_the_api_and_the_marketers_mail(set10_on, example_promos, client_for,
                                                                         demo_user, django_capture_on_commit_callbacks):
    # given a Set10 that refuses one action of the night
    answer = [lambda ti: status_answer(ti, 4, "invalid item", children=REJECTED_ACTION)]
    with FakeSet10(statuses=answer) as fake:
        set10_on.SET10_URL = fake.url
        mail.outbox.clear()
        run, set10_file = run_with_delivery(django_capture_on_commit_callbacks)
    line = "Промо P000101 «2+1 Кедровый Край и Нежный Шёлк»: Товар A100001 не найден в справочнике (integrityError)"
    # then the run page lists the rejected action with a link to its promo and the message
    page = client_for("marketer").get(run.get_absolute_url()).content.decode()
    assert "Отклонено Set Retail" in page
    assert 'href="/promo/101/"' in page and "Товар A100001 не найден в справочнике" in page
    # the API carries it per file
    api = APIClient()
    api.force_authenticate(demo_user("marketer"))
    files = {f["kind"]: f for f in api.get(f"/api/v1/exports/{run.pk}/").json()["files"]}
    assert files["setretail"]["delivery_status"] == "rejected"
    assert files["setretail"]["rejections"][0]["key"] == "P000101"
    assert files["setretail"]["rejections"][0]["promo_id"] == 101
    # and the marketers' failure mail names the promo and the vendor's message
    event = PromoEvent.objects.get(kind=PromoEvent.Kind.EXPORT_FAILED, payload__file=set10_file.name)
    assert message_texts(event.payload["errors"]) == [line]
    to_marketer = [message for message in mail.outbox if "marketer@" in " ".join(message.to)]
    assert to_marketer and line in to_marketer[-1].body


def test_a_rejected_good_is_named_in_the_readers_language(set10_on, example_promos,
                                                          django_capture_on_commit_callbacks):
    from django.utils import translation

    # given Set10 rejects the package because a good is missing from its catalog
    good = '<good marking-of-the-good="A100001" errortype="parentError" errormessage="no such good"/>'
    with FakeSet10(statuses=[lambda ti: status_answer(ti, 4, "invalid item", children=good)]) as fake:
        set10_on.SET10_URL = fake.url
        # when the night is delivered
        _run, set10_file = run_with_delivery(django_capture_on_commit_callbacks)
    set10_file.refresh_from_db()
    # then the rejected object is named as a marketer knows it, in Russian and in English
    assert set10_file.delivery_status == ExportFile.Delivery.REJECTED
    assert "Товар A100001: no such good (parentError)" in set10_file.delivery_detail.splitlines()
    with translation.override("en"):
        assert "Product A100001: no such good (parentError)" in set10_file.delivery_detail.splitlines()


def test_the_marketer_who_started_the_run_is_told_of_the_rejection_as_what_happened(
        set10_on, example_promos, demo_user, django_capture_on_commit_callbacks):
    # given a marketer's own run (page or API) whose Set Retail file Set10 refuses
    marketer = demo_user("marketer")
    answer = [lambda ti: status_answer(ti, 4, "invalid item", children=REJECTED_ACTION)]
    with FakeSet10(statuses=answer) as fake:
        set10_on.SET10_URL = fake.url
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            run = export_run(business_date=EXAMPLE_DATE, actor=marketer)
    assert run.status == ExportRun.Status.SUCCEEDED
    # then the event says the run succeeded and its delivery was rejected (not «не удалась»)
    event = PromoEvent.objects.get(kind=PromoEvent.Kind.EXPORT_FAILED, payload__run_id=run.pk)
    assert event.actor == marketer
    assert event.reason.startswith(
        f"Выгрузка {run.name} выполнена, но Set Retail 10 отклонил её файл set10_actions_{run.name}.xml: ")
    assert "не удалась" not in event.reason
    # and the marketer who started it gets the mail, worded for the rejection
    own = [message for message in mail.outbox if marketer.email in message.to]
    assert len(own) == 1
    assert own[0].subject == "[Промо-портал] Set Retail 10 не принял выгрузку: 20.09.2026"
    assert f"Выгрузка за 20.09.2026 выполнена, но Set Retail 10 отклонил её файл set10_actions_{run.name}.xml." \
        in own[0].body
    assert "не удалась" not in own[0].body
    assert "Товар A100001 не найден в справочнике" in own[0].body


def test_failing_server_is_retried_then_given_up_without_a_crash(set10_on, example_promos,
                                                                 django_capture_on_commit_callbacks):
    # given a Set10 that answers HTTP 500 to every upload
    with FakeSet10(import_status=500) as fake:
        set10_on.SET10_URL = fake.url
        # when the night is exported (the task retries eagerly here)
        run, set10_file = run_with_delivery(django_capture_on_commit_callbacks)
    # then the upload was tried 1 + SET10_UPLOAD_RETRIES times and ended as failed, the run itself
    # stays succeeded (its files are the artifact) and the marketers are told
    assert fake.paths() == ["/SET-ERPIntegration/AdvertisingActionsImport"] * 3
    set10_file.refresh_from_db()
    assert set10_file.delivery_status == ExportFile.Delivery.FAILED
    assert set10_file.delivery_attempts == 3
    assert "HTTP 500" in set10_file.delivery_detail
    assert run.status == ExportRun.Status.SUCCEEDED
    event = PromoEvent.objects.get(kind=PromoEvent.Kind.EXPORT_FAILED, payload__file=set10_file.name)
    assert event.payload["run_id"] == run.pk


def test_upload_is_off_by_default(export_root, example_promos, settings, django_capture_on_commit_callbacks):
    assert settings.SET10_UPLOAD is False
    _run, set10_file = run_with_delivery(django_capture_on_commit_callbacks)
    assert set10_file.delivery_status == "" and set10_file.delivery_attempts == 0


def test_an_empty_night_uploads_nothing(set10_on, django_capture_on_commit_callbacks):
    # given no promo at all on the night
    with FakeSet10() as fake:
        set10_on.SET10_URL = fake.url
        with django_capture_on_commit_callbacks(execute=True):
            run = export_run(business_date=EXAMPLE_DATE)
    # then no Set Retail file exists and Set10 was never called
    assert run.status == ExportRun.Status.SUCCEEDED
    assert not run.files.filter(system="setretail").exists()
    assert fake.requests == []
    assert run.skipped[0]["name"] == "set10_actions_20260920_01.xml"


# --- «Отправить заново» --------------------------------------------------------------------------

def test_resend_after_a_rejection_uploads_a_new_package(set10_on, example_promos, client_for,
                                                        django_capture_on_commit_callbacks):
    # given a file Set10 rejected, and a Set10 that takes it now
    statuses = [lambda ti: status_answer(ti, 4, "invalid item", children=REJECTED_ACTION),
                lambda ti: status_answer(ti, 3, "correct")]
    with FakeSet10(statuses=statuses) as fake:
        set10_on.SET10_URL = fake.url
        run, set10_file = run_with_delivery(django_capture_on_commit_callbacks)
        set10_file.refresh_from_db()
        assert set10_file.delivery_status == ExportFile.Delivery.REJECTED
        client = client_for("marketer")
        assert "Отправить заново" in client.get(run.get_absolute_url()).content.decode()
        # when the marketer clicks «Отправить заново» on the run page
        url = reverse("exports:file_resend", args=[run.pk, set10_file.pk])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url)
    # then the file went again as a new package (its own TI) and is delivered
    assert response.status_code == 302 and response.url == run.get_absolute_url()
    assert [uploaded_ti(body) for body in fake.uploads()] == ["20260920_01", "20260920_01-2"]
    set10_file.refresh_from_db()
    assert set10_file.delivery_status == ExportFile.Delivery.SUCCEEDED
    assert set10_file.rejections == [] and set10_file.resends == 1


def test_resend_through_the_api(set10_on, example_promos, demo_user, django_capture_on_commit_callbacks):
    with FakeSet10(statuses=[lambda ti: status_answer(ti, 1, "xml error")]) as fake:
        set10_on.SET10_URL = fake.url
        run, set10_file = run_with_delivery(django_capture_on_commit_callbacks)
        api = APIClient()
        api.force_authenticate(demo_user("marketer"))
        url = f"/api/v1/exports/{run.pk}/files/{set10_file.pk}/resend/"
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(url, {}, format="json")
    assert response.status_code == 202
    assert response.json()["delivery_status"] in ("pending", "rejected")
    assert len(fake.uploads()) == 2
    # others may not
    other = APIClient()
    other.force_authenticate(demo_user("s001"))
    assert other.post(url, {}, format="json").status_code == 403


def test_resend_is_refused_with_the_reason(set10_on, example_promos, client_for, demo_user,
                                           django_capture_on_commit_callbacks):
    # given two runs of the night, both delivered
    with FakeSet10() as fake:
        set10_on.SET10_URL = fake.url
        old, old_file = run_with_delivery(django_capture_on_commit_callbacks)
        new, new_file = run_with_delivery(django_capture_on_commit_callbacks)
    api = APIClient()
    api.force_authenticate(demo_user("marketer"))
    # when the older file is sent again, then the API refuses: it would bring back old actions
    response = api.post(f"/api/v1/exports/{old.pk}/files/{old_file.pk}/resend/", {}, format="json")
    assert response.status_code == 400
    assert "только последний файл Set Retail 10 (set10_actions_20260920_02.xml)" in response.json()["fields"]["file"][0]
    # a file on its way cannot go twice
    ExportFile.objects.filter(pk=new_file.pk).update(delivery_status=ExportFile.Delivery.RETRYING)
    response = api.post(f"/api/v1/exports/{new.pk}/files/{new_file.pk}/resend/", {}, format="json")
    assert response.status_code == 400 and "уже отправляется" in response.json()["fields"]["file"][0]
    # another file than Set Retail's cannot go at all; the page explains it too
    smarket = new.files.get(kind="smarket")
    response = client_for("marketer").post(reverse("exports:file_resend", args=[new.pk, smarket.pk]), follow=True)
    assert "Заново отправить можно только файл Set Retail 10." in response.content.decode()
    # nothing was uploaded by a refused request
    assert len(fake.uploads()) == 2
    # with the upload switched off it is refused as well
    set10_on.SET10_UPLOAD = False
    ExportFile.objects.filter(pk=new_file.pk).update(delivery_status=ExportFile.Delivery.SUCCEEDED)
    response = api.post(f"/api/v1/exports/{new.pk}/files/{new_file.pk}/resend/", {}, format="json")
    assert response.status_code == 400 and "SET10_UPLOAD" in response.json()["fields"]["file"][0]


def test_an_older_file_of_the_night_is_not_sent_after_a_newer_one(set10_on, example_promos,
                                                                  django_capture_on_commit_callbacks):
    from exports.tasks import export_set10_deliver

    with FakeSet10() as fake:
        set10_on.SET10_URL = fake.url
        # given the night's run whose Set10 delivery has not gone yet (Set10 was down: its task
        # waits for a retry), then a promo is cancelled and the marketer runs the night again
        with django_capture_on_commit_callbacks(execute=False):
            first = export_run(business_date=EXAMPLE_DATE)
        first_file = first.files.get(kind="setretail")
        _nm, pct = example_promos
        Promo.objects.filter(pk=pct.pk).update(status=Promo.Status.CANCELLED)
        second, second_file = run_with_delivery(django_capture_on_commit_callbacks)
        assert b'external-code="P000102" active="false"' in second_file.path.read_bytes()
        # when the first run's delivery is retried after the rerun's file went
        export_set10_deliver.delay(first_file.pk)
    # then Set10 got only the rerun's file: the older one, with the cancelled promo still
    # active, is not sent after it (it would put the promo back on the tills)
    assert [uploaded_ti(body) for body in fake.uploads()] == [second.name]
    first_file.refresh_from_db()
    second_file.refresh_from_db()
    assert second_file.delivery_status == ExportFile.Delivery.SUCCEEDED
    assert first_file.delivery_status == ExportFile.Delivery.FAILED
    assert first_file.uploaded_at is None
    assert "получает более новый файл set10_actions_20260920_02.xml (выгрузка 20260920_02)" in \
        first_file.delivery_detail
    # and nobody is alarmed: nothing went wrong
    assert not PromoEvent.objects.filter(kind=PromoEvent.Kind.EXPORT_FAILED).exists()


@pytest.mark.parametrize("answer", [
    b"not xml at all",
    status_answer("x", 3, "correct").replace(b"<return>", b"<return>!!").replace(b"</return>", b"!!</return>"),
])
def test_a_garbled_answer_is_retried(answer):
    # given an answer that is no XML, or a return that is no base64, then it is worth a retry
    with pytest.raises(set10.Set10Unavailable):
        set10.read_status(answer, ti="x")


def test_an_answer_without_the_package_is_pending():
    # given an answer listing another package only among several, or none
    answer = (f'<S:Envelope xmlns:S="{SOAP}"><S:Body><r><package-status-response>'
              '<import ti="a" status="3" status-message="correct"/><import ti="b" status="4" status-message="invalid item"/>'
              "</package-status-response></r></S:Body></S:Envelope>").encode()
    assert set10.read_status(answer, ti="c").state == set10.PENDING
    assert set10.read_status(answer, ti="b").state == set10.REJECTED
    empty = f'<S:Envelope xmlns:S="{SOAP}"><S:Body><package-status-response/></S:Body></S:Envelope>'.encode()
    assert set10.read_status(empty, ti="c").state == set10.PENDING


def test_an_answer_about_another_package_only_is_not_this_packages_outcome():
    # given a resend (TI 20260920_01-2) and a Set10 that still answers about the first package only
    answer = status_answer("20260920_01", 3, "correct")
    # when the answer is read for the resend, then it says nothing about it yet: pending, not delivered
    assert set10.read_status(answer, ti="20260920_01-2").state == set10.PENDING
    # while an answer about the package asked for, or one naming no package, is its outcome
    assert set10.read_status(answer, ti="20260920_01").state == set10.DELIVERED
    unnamed = status_answer("", 4, "invalid item", children=REJECTED_ACTION).replace(b' ti=""', b"")
    assert set10.read_status(unnamed, ti="20260920_01-2").state == set10.REJECTED


def test_a_fault_of_the_status_service_is_retried_with_its_text(set10_on, example_promos,
                                                                django_capture_on_commit_callbacks):
    # given a Set10 whose status service answers with a SOAP Fault
    fault = (f'<S:Envelope xmlns:S="{SOAP}"><S:Body><S:Fault><faultcode>S:Server</faultcode>'
             "<faultstring>FeedbackWS: база недоступна</faultstring></S:Fault></S:Body></S:Envelope>").encode()
    with FakeSet10(statuses=[lambda ti: fault]) as fake:
        set10_on.SET10_URL = fake.url
        # when the night is delivered
        _run, set10_file = run_with_delivery(django_capture_on_commit_callbacks)
    # then the fault is not taken for «still in process» (polled SET10_POLL_ATTEMPTS times): each
    # attempt asks once, is retried, and the marketer reads what Set10 said
    assert fake.polls() == 1 + set10_on.SET10_UPLOAD_RETRIES
    set10_file.refresh_from_db()
    assert set10_file.delivery_status == ExportFile.Delivery.FAILED
    assert "SOAP Fault" in set10_file.delivery_detail and "база недоступна" in set10_file.delivery_detail


def test_a_status_given_only_as_text_is_understood():
    # older Set10 versions answer with the message only (as the vendor's own tests read it)
    answer = (f'<S:Envelope xmlns:S="{SOAP}"><S:Body><import ti="t" status-message="correct"/>'
              "</S:Body></S:Envelope>").encode()
    status = set10.read_status(answer, ti="t")
    assert (status.state, status.status) == (set10.DELIVERED, 3)
    assert re.fullmatch(r"3 «correct»", status.label)
