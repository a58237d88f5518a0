"""An export's messages reach each reader in their language, whoever started the run: a file's
warnings and errors and Set Retail 10's answer are stored as data (exports/wording.py) and worded
on the run page, in the API and in the mail in the reader's language. They used to be stored as
Russian text, so the English page, the API and the mail showed «Промо P000256, PROMO_NAME: символы
✓ …» and «Set Retail 10 ответил о пакете … непонятно». The manifest written for the ERP stays in
the portal's language (Russian), so re-runs stay byte-identical; old rows keep their text."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from exports.models import ExportFile, ExportRun
from exports.services import export_run
from promo.models import OutboxMessage, PromoEvent
from promo.notifications.preferences import notification_settings_update
from tests.exports import test_set10_delivery as delivery
from tests.exports.conftest import EXAMPLE_DATE, NIGHT, approved_promo
from tests.exports.test_set10_delivery import FakeSet10, run_with_delivery, status_answer
from tests.factories import BranchFactory, ProductFactory
from tests.factories import marketer as make_marketer

pytestmark = pytest.mark.django_db
set10_on = delivery.set10_on  # the fake Set10's settings (tests/exports/test_set10_delivery.py)

CHARS_RU = "PROMO_NAME: символы ✓ не представимы в windows-1251"
CHARS_EN = "PROMO_NAME: characters ✓ cannot be represented in windows-1251"
BRANCH_RU = "Филиал T9999 без кода Set Retail пропущен в промо"
BRANCH_EN = "Branch T9999 has no Set Retail code and was skipped in promos"
REJECTED_ACTION = ('<AdvertisingAction external-code="P000101" errortype="integrityError" '
                   'errormessage="Товар A100001 не найден в справочнике"/>')


def page_as(client, user, url: str, language: str) -> str:
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get(url).content.decode()


def api_as(user, url: str, language: str) -> dict:
    api = APIClient()
    api.force_authenticate(user)
    api.cookies["django_language"] = language
    response = api.get(url)
    assert response.status_code == 200
    return response.json()


def mail_of(kind: str, user) -> OutboxMessage:
    return OutboxMessage.objects.get(event__kind=kind, recipient=user)


@pytest.fixture
def readers():
    """Two marketers: one reading English (page, API and mail), one Russian."""
    english, russian = make_marketer(email="en@example.com"), make_marketer(email="ru@example.com")
    notification_settings_update(user=english, language="en", disabled_kinds=[])
    return english, russian


def test_file_warnings_reach_every_reader_in_their_language(export_root, client, readers):
    # given a promo whose name S-Market's windows-1251 cannot hold, on a branch without a Set
    # Retail shop number, and a night started by a marketer working in English
    english, russian = readers
    ok, no_code = BranchFactory(), BranchFactory(code="T9999", setretail_shop=None)
    approved_promo(products=[ProductFactory(regular_price=Decimal("99.90"))], name="Скидка ✓",
                   targeting={"branches": [ok.pk, no_code.pk]})
    with translation.override("en"):
        run = export_run(business_date=NIGHT, actor=english)
    assert run.status == ExportRun.Status.SUCCEEDED

    # when each reads the run page, the API and the warnings mail
    url = reverse("exports:run_detail", args=[run.pk])
    pages = {language: page_as(client, english, url, language) for language in ("en", "ru")}
    answers = {language: api_as(english, f"/api/v1/exports/{run.pk}/", language) for language in ("en", "ru")}
    warnings = {language: [w for f in answer["files"] for w in f["warnings"]] for language, answer in answers.items()}

    # then the English reader reads English and the Russian reader Russian, everywhere
    assert CHARS_EN in pages["en"] and BRANCH_EN in pages["en"]
    assert CHARS_RU not in pages["en"] and BRANCH_RU not in pages["en"]
    assert CHARS_RU in pages["ru"] and BRANCH_RU in pages["ru"] and CHARS_EN not in pages["ru"]
    assert any(CHARS_EN in w for w in warnings["en"]) and any(BRANCH_EN in w for w in warnings["en"])
    assert not any("символы" in w or "Филиал" in w for w in warnings["en"])
    assert any(CHARS_RU in w for w in warnings["ru"]) and any(BRANCH_RU in w for w in warnings["ru"])
    assert all(isinstance(w, str) for w in warnings["en"])
    preview = {language: api_as(english, f"/api/v1/exports/preview/?date={NIGHT.isoformat()}", language)["warnings"]
               for language in ("en", "ru")}
    assert any(BRANCH_EN in w for w in preview["en"]) and not any(BRANCH_RU in w for w in preview["en"])
    assert any(BRANCH_RU in w for w in preview["ru"])
    english_mail = mail_of(PromoEvent.Kind.EXPORT_WARNINGS, english)
    russian_mail = mail_of(PromoEvent.Kind.EXPORT_WARNINGS, russian)
    assert english_mail.language == "en" and russian_mail.language == "ru"
    for body in (english_mail.body_text, english_mail.body_html):
        assert CHARS_EN in body and BRANCH_EN in body and CHARS_RU not in body
    for body in (russian_mail.body_text, russian_mail.body_html):
        assert CHARS_RU in body and BRANCH_RU in body and CHARS_EN not in body

    # and the manifest, written for the ERP, is in the portal's language: the same bytes when the
    # same night is run again by someone working in Russian
    manifest = (export_root / run.name / "manifest.json").read_bytes()
    assert CHARS_RU in manifest.decode() and BRANCH_RU in manifest.decode()
    with translation.override("ru"):
        again = export_run(business_date=NIGHT, actor=russian)
    rerun = (export_root / again.name / "manifest.json").read_bytes()
    assert rerun == manifest.replace(run.name.encode(), again.name.encode())


def test_set10_answers_reach_every_reader_in_their_language(set10_on, example_promos, client, readers,
                                                            django_capture_on_commit_callbacks):
    # given a Set10 answering a status the portal does not know (7)
    english, russian = readers
    with FakeSet10(statuses=[lambda ti: status_answer(ti, 7, "new status")]) as fake:
        set10_on.SET10_URL = fake.url
        with translation.override("en"):
            run, set10_file = run_with_delivery(django_capture_on_commit_callbacks)
    set10_file.refresh_from_db()
    assert set10_file.delivery_status == ExportFile.Delivery.FAILED
    ru = f"Set Retail 10 ответил о пакете {run.name} непонятно (7 «new status»)"
    en = f"Set Retail 10 answered about package {run.name} with an unknown status (7 «new status»)"

    # when each reads the run page, the API and the failure mail
    url = reverse("exports:run_detail", args=[run.pk])
    pages = {language: page_as(client, english, url, language) for language in ("en", "ru")}
    details = {language: {f["kind"]: f for f in api_as(english, f"/api/v1/exports/{run.pk}/", language)["files"]}
               ["setretail"]["delivery_detail"] for language in ("en", "ru")}

    # then each reads it in their language (the raw answer kept after it, as it came)
    assert en in pages["en"] and ru not in pages["en"]
    assert ru in pages["ru"] and en not in pages["ru"]
    assert details["en"].startswith(en) and "getPackageStatusResponse" in details["en"]
    assert details["ru"].startswith(ru)
    english_mail = mail_of(PromoEvent.Kind.EXPORT_FAILED, english)
    russian_mail = mail_of(PromoEvent.Kind.EXPORT_FAILED, russian)
    assert en in english_mail.body_text and ru not in english_mail.body_text
    assert ru in russian_mail.body_text and en not in russian_mail.body_text
    # and the activity log says what happened in the reader's language
    log = {language: page_as(client, english, reverse("promo:activity_log"), language) for language in ("en", "ru")}
    assert f"Export {run.name} succeeded, but its file {set10_file.name} was not delivered" in log["en"]
    assert "Выгрузка" not in log["en"] and en in log["en"]
    assert f"Выгрузка {run.name} выполнена, но её файл {set10_file.name} не доставлен" in log["ru"]


def test_a_rejection_is_worded_for_each_reader_with_the_vendors_message_as_sent(
        set10_on, example_promos, readers, django_capture_on_commit_callbacks):
    # given a Set10 that refuses one action of the night
    english, russian = readers
    with FakeSet10(statuses=[lambda ti: status_answer(ti, 4, "invalid item", children=REJECTED_ACTION)]) as fake:
        set10_on.SET10_URL = fake.url
        run, set10_file = run_with_delivery(django_capture_on_commit_callbacks)
    # when each reads the API and the mail
    details = {language: {f["kind"]: f for f in api_as(english, f"/api/v1/exports/{run.pk}/", language)["files"]}
               ["setretail"]["delivery_detail"] for language in ("en", "ru")}
    # then the portal's words are the reader's, the vendor's message stays as Set10 sent it
    assert details["en"] == (f"Set Retail 10 rejected package {run.name}: 4 «invalid item».\n"
                             "Promo P000101 «2+1 Кедровый Край и Нежный Шёлк»: Товар A100001 не найден в справочнике "
                             "(integrityError)")
    assert details["ru"].startswith(f"Set Retail 10 отклонил пакет {run.name}: 4 «invalid item».\nПромо P000101")
    english_mail = mail_of(PromoEvent.Kind.EXPORT_FAILED, english).body_text
    russian_mail = mail_of(PromoEvent.Kind.EXPORT_FAILED, russian).body_text
    assert f"rejected package {run.name}" in english_mail and "Promo P000101 «2+1" in english_mail
    assert "Промо P000101 «2+1" not in english_mail
    assert f"отклонил пакет {run.name}" in russian_mail and "Промо P000101 «2+1" in russian_mail


def test_messages_stored_as_text_before_are_shown_as_they_are(export_root, client, readers):
    # given a run and a file recorded before messages were data: their warnings are Russian texts
    english, _russian = readers
    run = ExportRun.objects.create(business_date=EXAMPLE_DATE, number=1, systems=["smarket"],
                                   status=ExportRun.Status.SUCCEEDED, warnings=["Старое предупреждение выгрузки."])
    ExportFile.objects.create(run=run, system="smarket", kind="smarket", name="smarket_promo_x.csv", sha256="0" * 64,
                              warnings=["Старое предупреждение файла."], errors=["Старая ошибка."],
                              delivery_message={"code": "text", "params": {"text": "Старый ответ Set10."}})
    # when an English reader opens the page and the API
    page = page_as(client, english, reverse("exports:run_detail", args=[run.pk]), "en")
    answer = api_as(english, f"/api/v1/exports/{run.pk}/", "en")
    # then the texts are shown as they were written
    assert "Старое предупреждение выгрузки." in page and "Старое предупреждение файла." in page
    assert answer["warnings"] == ["Старое предупреждение выгрузки."]
    assert answer["files"][0]["warnings"] == ["Старое предупреждение файла."]
    assert answer["files"][0]["errors"] == ["Старая ошибка."]
    assert answer["files"][0]["delivery_detail"] == "Старый ответ Set10."


def test_the_migration_keeps_an_old_set10_answer_as_its_text():
    # given the schema before Set10's answer was data, with a file whose answer is a Russian text
    executor = MigrationExecutor(connection)
    executor.migrate([("exports", "0005_sort_indexes")])
    old_apps = executor.loader.project_state([("exports", "0005_sort_indexes")]).apps
    OldRun, OldFile = old_apps.get_model("exports", "ExportRun"), old_apps.get_model("exports", "ExportFile")
    run = OldRun.objects.create(business_date=EXAMPLE_DATE, number=1, systems=["setretail"], status="succeeded")
    text = "Set Retail 10 отклонил пакет 20261001_01: 4 «invalid item».\nПромо P000101: нет товара"
    OldFile.objects.create(run=run, system="setretail", kind="setretail", name="set10_actions_x.xml",
                           sha256="0" * 64, delivery_status="rejected", delivery_detail=text)
    OldFile.objects.create(run=run, system="smarket", kind="smarket", name="smarket_promo_x.csv", sha256="0" * 64)
    with connection.cursor() as cursor:  # the rows' deferred checks before the table changes
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    # when the migration runs
    executor = MigrationExecutor(connection)
    executor.migrate([("exports", "0006_exportfile_delivery_message")])

    # then the answer reads as it was written, for every reader; a file without one has none
    answered = ExportFile.objects.get(name="set10_actions_x.xml")
    assert answered.delivery_message == {"code": "text", "params": {"text": text}}
    for language in ("ru", "en"):
        with translation.override(language):
            assert answered.delivery_detail == text
    assert ExportFile.objects.get(name="smarket_promo_x.csv").delivery_message == {}
    # and backwards the text comes back as it was
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate([("exports", "0005_sort_indexes")])
    assert OldFile.objects.get(name="set10_actions_x.xml").delivery_detail == text
    assert OldFile.objects.get(name="smarket_promo_x.csv").delivery_detail == ""
    MigrationExecutor(connection).migrate([("exports", "0006_exportfile_delivery_message")])
