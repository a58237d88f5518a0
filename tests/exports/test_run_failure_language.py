"""A failed export run's reason reaches each reader in their language: it is stored as a message
(exports/failures.py), worded on the run page and list, in the API's ``error``, in the mail and
in the activity log. It used to be the exception's own text: a Russian OS message or a Python
error on an English page, in the API and in the mail. An unexpected error shows its class name
only; its text goes to the server log. Old runs keep a readable reason (migration exports 0007)."""

from __future__ import annotations

import errno
import logging
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone, translation

from exports.models import ExportRun
from exports.services import export_run, export_run_queue, export_runs_recover
from exports.writers import FileSink
from exports.writers.smarket import SMarketWriter
from promo.models import PromoEvent
from tests.exports.conftest import NIGHT, approved_promo
from tests.exports.test_message_language import api_as, mail_of, page_as, readers  # noqa: F401 - the fixture
from tests.factories import BranchFactory, ProductFactory
from tests.migrations import migrate

pytestmark = pytest.mark.django_db

RAW = "Ошибка сервера: соединение с хранилищем разорвано\nTraceback (most recent call last): ..."
CRASH_EN = ("The export failed because of an internal error (RuntimeError): no file was published. Start it "
            "again; if the error recurs, tell the administrator (the details are in the server log).")
CRASH_RU = ("Выгрузка не удалась из-за внутренней ошибки (RuntimeError): файлы не выложены. Запустите её снова; "
            "если ошибка повторится, сообщите администратору (подробности — в журнале сервера).")


@pytest.fixture(autouse=True)
def _language_kept():
    """A page read in English leaves English active in this thread (the locale middleware
    activates the reader's language): the next tests run in the portal's language again."""
    language = translation.get_language()
    yield
    translation.activate(language)


def a_promo():
    approved_promo(products=[ProductFactory()], targeting={"branches": [BranchFactory().pk]})


def test_an_unexpected_error_is_worded_for_each_reader_and_its_text_is_only_logged(
        export_root, client, readers, monkeypatch, caplog):  # noqa: F811
    # given a night whose S-Market writer breaks with a Russian, traceback-like text, started by
    # a marketer reading English
    english, russian = readers
    a_promo()

    def broken(self, promo, line):
        raise RuntimeError(RAW)

    monkeypatch.setattr(SMarketWriter, "_tail", broken)
    with caplog.at_level(logging.ERROR, logger="exports.services"), translation.override("en"):
        run = export_run(business_date=NIGHT, actor=english)
    assert run.status == ExportRun.Status.FAILED

    # when each reads the run page, the list, the API, the mail and the activity log
    detail = reverse("exports:run_detail", args=[run.pk])
    pages = {language: page_as(client, english, detail, language) for language in ("en", "ru")}
    lists = {language: page_as(client, english, reverse("exports:run_list"), language) for language in ("en", "ru")}
    answers = {language: api_as(english, f"/api/v1/exports/{run.pk}/", language)["error"] for language in ("en", "ru")}
    listed = api_as(english, "/api/v1/exports/", "en")["results"][0]["error"]
    mails = {user.email: mail_of(PromoEvent.Kind.EXPORT_FAILED, user) for user in (english, russian)}
    log = {language: page_as(client, english, reverse("promo:activity_log"), language) for language in ("en", "ru")}

    # then the English reader reads English and the Russian reader Russian, everywhere
    assert CRASH_EN in pages["en"] and "Выгрузка не удалась" not in pages["en"]
    assert CRASH_RU in pages["ru"] and CRASH_EN not in pages["ru"]
    assert CRASH_EN[:100] in lists["en"] and CRASH_RU[:100] in lists["ru"]
    assert answers == {"en": CRASH_EN, "ru": CRASH_RU} and listed == CRASH_EN
    english_mail, russian_mail = mails["en@example.com"], mails["ru@example.com"]
    for body in (english_mail.body_text, english_mail.body_html):
        assert CRASH_EN in body and "Выгрузка не удалась из-за" not in body
    assert CRASH_RU in russian_mail.body_text
    assert f"Export {run.name} failed: {CRASH_EN[:60]}" in log["en"]  # (the log shortens long reasons)
    assert f"Выгрузка {run.name} не удалась: {CRASH_RU[:60]}" in log["ru"]
    # and the exception's text is nowhere a person reads, only in the server log
    for text in (*pages.values(), *lists.values(), *answers.values(), *log.values(), english_mail.body_text,
                 english_mail.body_html, russian_mail.body_text, russian_mail.body_html):
        assert "соединение с хранилищем" not in text and "Traceback" not in text
    event = PromoEvent.objects.get(kind=PromoEvent.Kind.EXPORT_FAILED, payload__run_id=run.pk)
    assert "соединение с хранилищем" not in str(event.payload) + event.reason
    assert "соединение с хранилищем" in caplog.text


def _bad_encoding(settings_fixture, monkeypatch):
    settings_fixture.SMARKET_ENCODING = "klingon-8"
    return export_run(business_date=NIGHT)


def _disk_refuses(settings_fixture, monkeypatch):
    def refuse(self):
        raise PermissionError(errno.EACCES, "Отказано в доступе", "/srv/exports/x")

    monkeypatch.setattr(FileSink, "commit", refuse)
    return export_run(business_date=NIGHT)


def _refused_date(settings_fixture, monkeypatch):
    return export_run(business_date=date(9999, 12, 31))


def _worker_lost(settings_fixture, monkeypatch):
    run = export_run_queue(business_date=NIGHT)
    ExportRun.objects.filter(pk=run.pk).update(status=ExportRun.Status.RUNNING, attempt=2, started_at=timezone.now(),
                                               lease_until=timezone.now(), restarts=settings.EXPORT_RUN_MAX_RESTARTS)
    export_runs_recover(now=timezone.now() + timedelta(seconds=1))
    return ExportRun.objects.get(pk=run.pk)


def _not_taken(settings_fixture, monkeypatch):
    run = export_run_queue(business_date=NIGHT)
    export_runs_recover(now=timezone.now() + timedelta(minutes=settings.EXPORT_RUN_TIMEOUT_MINUTES + 1))
    return ExportRun.objects.get(pk=run.pk)


@pytest.mark.parametrize(("make", "ru", "en"), [
    (_bad_encoding, "SMARKET_ENCODING: неизвестная кодировка «klingon-8».",
     "SMARKET_ENCODING: unknown encoding «klingon-8»."),
    (_disk_refuses, "Файлы выгрузки не удалось записать в папку выгрузок (EACCES): ничего не выложено.",
     "The export files could not be written to the export folder (EACCES): nothing was published."),
    (_refused_date, "Дата выгрузки должна быть между 01.01.2000 и 31.12.2099.",
     "The export date must be between 01.01.2000 and 31.12.2099."),
    (_worker_lost, "Выгрузка прервана: обработчик остановился, не закончив работу (перезапусков: ",
     "The run was interrupted: its worker stopped before finishing (restarts: "),
    (_not_taken, "Выгрузка не была взята в работу за ", "No worker took the run within "),
], ids=["setting", "disk", "date", "worker-lost", "not-taken"])
def test_each_known_failure_is_worded_in_the_readers_language(export_root, settings, monkeypatch, make, ru, en):
    # given a run that fails for a known reason, in a process working in English
    a_promo()
    with translation.override("en"):
        run = make(settings, monkeypatch)
    # then it failed with that reason, stored as a message, not as a text of one language
    assert run.status == ExportRun.Status.FAILED
    assert run.failure["code"] != "text" and ru not in str(run.failure) and en not in str(run.failure)
    # and each reader reads it in their language, in the model's text and the API alike
    with translation.override("ru"):
        assert run.error.startswith(ru)
    with translation.override("en"):
        assert run.error.startswith(en)
    event = PromoEvent.objects.get(kind=PromoEvent.Kind.EXPORT_FAILED, payload__run_id=run.pk)
    assert event.payload["message"] == run.failure and event.reason.startswith(f"Выгрузка {run.name} не удалась: {ru}")


WORKER_LOST_RU = ("Выгрузка прервана: обработчик остановился, не закончив работу (перезапусков: 2). Файлы этой "
                  "выгрузки не выложены; запустите её снова.")
WORKER_LOST_EN = ("The run was interrupted: its worker stopped before finishing (restarts: 2). None of its files "
                  "were published; start it again.")
LAYOUT_RU = "SAP_VAKEY_LAYOUT: «VKORG» не понят; ожидается ПОЛЕ:ширина, поля VKORG, VTWEG, WERKS, MATNR."
LAYOUT_EN = "SAP_VAKEY_LAYOUT: «VKORG» not understood; expected FIELD:width, fields VKORG, VTWEG, WERKS, MATNR."
OS_TEXT = "[Errno 28] No space left on device: '/srv/exports/.20270110_03.1.part'"


def test_the_migration_words_old_reasons_that_parse_back_and_keeps_the_rest_as_written(client, readers):  # noqa: F811
    # given the schema before a run's failure was data, with runs failed by the reaper (in
    # Russian, its event too), by a refused setting, by a raw OS error, and a run that succeeded
    english, _russian = readers
    before, after = ("exports", "0006_exportfile_delivery_message"), ("exports", "0007_exportrun_failure_message")
    migrate(before)
    OldRun = MigrationExecutor(connection).loader.project_state([before]).apps.get_model("exports", "ExportRun")
    lost, layout, disk, fine = (
        OldRun.objects.create(business_date=NIGHT, number=number, systems=["sap"], status=status, error=error)
        for number, status, error in ((1, "failed", WORKER_LOST_RU), (2, "failed", LAYOUT_RU), (3, "failed", OS_TEXT),
                                      (4, "succeeded", "")))
    PromoEvent.objects.create(kind=PromoEvent.Kind.EXPORT_FAILED, internal=True,
                              reason=f"Выгрузка 20270110_01 не удалась: {WORKER_LOST_RU}", payload={
                                  "run_id": lost.pk, "run": "20270110_01", "date": NIGHT.isoformat(),
                                  "reason": WORKER_LOST_RU})

    # when the migration runs
    migrate(after)

    # then the reasons that read back exactly are messages, worded for each reader
    runs = {run.number: run for run in ExportRun.objects.all()}
    assert runs[1].failure == {"code": "run_worker_lost", "params": {"restarts": 2}}
    assert runs[2].failure["code"] == "sap_vakey_layout"
    for run, ru, en in ((runs[1], WORKER_LOST_RU, WORKER_LOST_EN), (runs[2], LAYOUT_RU, LAYOUT_EN)):
        with translation.override("ru"):
            assert run.error == ru
        with translation.override("en"):
            assert run.error == en
    # and any other text is kept as it was written, for every reader; a run that succeeded has none
    assert runs[3].failure == {"code": "text", "params": {"text": OS_TEXT}}
    for language in ("ru", "en"):
        with translation.override(language):
            assert runs[3].error == OS_TEXT and runs[4].error == ""
    # and the old event of the reaped run reads in English in the English activity log
    log = page_as(client, english, reverse("promo:activity_log"), "en")
    assert f"Export 20270110_01 failed: {WORKER_LOST_EN[:60]}" in log and "Выгрузка прервана" not in log

    # and backwards the texts come back as they were
    migrate(before)
    old = {run.number: run.error for run in OldRun.objects.all()}
    assert old == {1: WORKER_LOST_RU, 2: LAYOUT_RU, 3: OS_TEXT, 4: ""}
    migrate(after)
