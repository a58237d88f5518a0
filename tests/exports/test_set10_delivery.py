"""Set Retail delivery (erp-formats.md §4 "Delivery") against a small fake Set10 server on
127.0.0.1: the SOAP upload carries the file's bytes, the package status is polled and stored,
a failing server means retries and never a crash."""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.etree import ElementTree

import pytest

from exports.models import ExportFile, ExportRun
from exports.services import export_run
from promo.models import PromoEvent
from tests.exports.conftest import EXAMPLE_DATE

pytestmark = pytest.mark.django_db

IMPORT_OK = (b'<?xml version="1.0"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>'
             b'<ns2:importActionsWithTiResponse xmlns:ns2="http://ws.discounts.ERPIntegration.crystals.ru/"/>'
             b"</S:Body></S:Envelope>")


def status_answer(inner: str, *, encoded: bool = False) -> bytes:
    """A getPackageStatus answer: the ``import`` element in the body, or base64 in ``return``."""
    payload = base64.b64encode(inner.encode()).decode() if encoded else inner
    body = f"<return>{payload}</return>" if encoded else payload
    return (f'<?xml version="1.0"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>'
            f'<ns2:getPackageStatusResponse xmlns:ns2="http://feedback.ERPIntegration.crystals.ru/">{body}'
            f"</ns2:getPackageStatusResponse></S:Body></S:Envelope>").encode()


class FakeSet10:
    """Records every request; answers imports with ``import_status`` and status polls with the
    next of ``statuses`` (the last one repeats)."""

    def __init__(self, *, import_status: int = 200, statuses: list[bytes] | None = None):
        self.import_status = import_status
        self.statuses = statuses or [status_answer('<import ti="x" status-message="correct"/>')]
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
                    status, answer = 200, fake.statuses[min(polls, len(fake.statuses)) - 1]
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


def test_upload_sends_the_file_and_records_the_status(set10_on, example_promos, django_capture_on_commit_callbacks):
    # given a Set10 that answers "not yet" once, then "correct" (base64 in <return>)
    statuses = [status_answer("<nothing/>"),
                status_answer('<import ti="20260920_01" status-message="correct"/>', encoded=True)]
    with FakeSet10(statuses=statuses) as fake:
        set10_on.SET10_URL = fake.url
        # when the night is exported with the upload switched on
        run, set10_file = run_with_delivery(django_capture_on_commit_callbacks)
    # then the file went once, base64 in xmlData, with the run id as TI and the SOAP action
    assert fake.paths() == ["/SET-ERPIntegration/AdvertisingActionsImport", "/SET-ERPIntegration/SET/FeedbackWS",
                            "/SET-ERPIntegration/SET/FeedbackWS"]
    _path, headers, body = fake.requests[0]
    assert headers["soapaction"] == "http://ws.discounts.ERPIntegration.crystals.ru/importActionsWithTi"
    envelope = ElementTree.fromstring(body)
    call = envelope.find(".//{http://ws.discounts.ERPIntegration.crystals.ru/}importActionsWithTi")
    assert base64.b64decode(call.findtext("xmlData")) == set10_file.path.read_bytes()
    assert call.findtext("TI") == "20260920_01"
    poll = ElementTree.fromstring(fake.requests[1][2])
    assert poll.find(".//xmlGetstatus/import").get("ti") == "20260920_01"
    # and the outcome is recorded, the answer stored next to the file
    set10_file.refresh_from_db()
    assert set10_file.delivery_status == ExportFile.Delivery.SUCCEEDED
    assert set10_file.delivery_detail == "correct"
    assert set10_file.delivery_attempts == 1 and set10_file.uploaded_at is not None
    stored = set10_file.path.with_name(set10_file.name + ".status.xml")
    assert stored.read_bytes() == statuses[1]
    # the other files are not uploaded anywhere
    assert set(run.files.exclude(kind="setretail").values_list("delivery_status", flat=True)) == {""}


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


def test_rejected_actions_are_final_and_not_resent(set10_on, example_promos, django_capture_on_commit_callbacks):
    answer = status_answer('<import ti="20260920_01" status-message="error"><InvalidAdvertisingActionInfo '
                           'external-code="P000101" message="товар A100001 не найден"/></import>')
    with FakeSet10(statuses=[answer]) as fake:
        set10_on.SET10_URL = fake.url
        _run, set10_file = run_with_delivery(django_capture_on_commit_callbacks)
    assert fake.paths().count("/SET-ERPIntegration/AdvertisingActionsImport") == 1
    set10_file.refresh_from_db()
    assert set10_file.delivery_status == ExportFile.Delivery.FAILED
    assert "P000101" in set10_file.delivery_detail and "A100001" in set10_file.delivery_detail


def test_an_undecided_package_is_polled_again_but_never_uploaded_twice(set10_on, example_promos,
                                                                       django_capture_on_commit_callbacks):
    with FakeSet10(statuses=[status_answer('<import ti="20260920_01" status-message=""/>')]) as fake:
        set10_on.SET10_URL = fake.url
        _run, set10_file = run_with_delivery(django_capture_on_commit_callbacks)
    paths = fake.paths()
    assert paths.count("/SET-ERPIntegration/AdvertisingActionsImport") == 1
    assert paths.count("/SET-ERPIntegration/SET/FeedbackWS") == 3 * 3  # attempts × (1 + retries)
    set10_file.refresh_from_db()
    assert set10_file.delivery_status == ExportFile.Delivery.FAILED
    assert "20260920_01" in set10_file.delivery_detail


def test_upload_is_off_by_default(export_root, example_promos, settings, django_capture_on_commit_callbacks):
    assert settings.SET10_UPLOAD is False
    _run, set10_file = run_with_delivery(django_capture_on_commit_callbacks)
    assert set10_file.delivery_status == "" and set10_file.delivery_attempts == 0
