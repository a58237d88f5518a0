"""A correction never destroys by surprise (issue 11 item 4): rows without a promo name never
revise a named promo, and a sheet that would remove lines from a promo, or change a promo the
uploader did not name, stops at a preview (the diff per promo) that is applied only once
confirmed, exactly as shown; a stale, cancelled or expired preview leaves nothing. Through the
service, the page, the API, the command and the worker."""

import json
from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from promo.models import OutboxMessage, Promo, PromoEvent, PromoLine, PromoRevision, PromoUpload
from promo.services.errors import IllegalStateError, NotFoundError, StaleVersionError
from promo.services.imports.confirmation import upload_cancel, upload_confirm
from promo.services.imports.matching import match_revisions
from promo.services.imports.recovery import uploads_recover
from promo.services.imports.uploads import upload_submit
from promo.services.imports.validation import PromoCandidate
from suppliers.models import Product
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)
NAME = "Весенняя распродажа"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-11-23 10:00 +07:00", tick=False):
        yield


def products(code: str, count: int) -> list[Product]:
    return list(Product.objects.filter(supplier__code=code).order_by("article")[:count])


def submit(user, rows, *, name="promo.xlsx", **options):
    content = sheets.workbook_bytes(rows)
    return upload_submit(actor=user, file=SimpleUploadedFile(name, content), original_name=name, today=TODAY,
                         **options)


def named(items, name=NAME, **values):
    return [line(p, **{"Название акции": name, **values}) for p in items]


def unnamed(items, **values):
    return named(items, None, **values)


def everything() -> tuple:
    """What an unconfirmed upload must not have written (the upload record aside)."""
    return (Promo.objects.count(), PromoLine.objects.count(), PromoRevision.objects.count(),
            Promo.history.count(), PromoLine.history.count(), PromoEvent.objects.count(),
            OutboxMessage.objects.count(), sorted(Promo.objects.values_list("pk", "version")))


@pytest.fixture
def spring(demo_user):
    """A named promo of 25 lines, uploaded by s001 earlier."""
    upload, result = submit(demo_user("s001"), named(products("S001", 25)), name="spring.xlsx")
    assert result.ok
    return upload.promos.get()


# --- unnamed never matches named -------------------------------------------------------------------


def test_rows_under_a_merged_name_cell_do_not_cut_the_named_promo_they_stop_at_a_preview(demo_user, spring,
                                                                                         mailoutbox):
    # given: the same 25 products again, the promo name only on the first row (a merged cell,
    # as Excel writes it: the other 24 rows have no name)
    items = products("S001", 25)
    rows = named(items[:1]) + unnamed(items[1:])
    before = everything()
    mailoutbox.clear()

    # when
    upload, result = submit(demo_user("s001"), rows, name="merged.xlsx")

    # then: nothing is applied; the preview says the named promo would lose 24 lines and the
    # 24 unnamed rows would become a promo of their own (they never revise the named one)
    assert (result.ok, result.status, result.needs_confirmation) == (False, "awaiting_confirmation", True)
    [revision] = result.revisions
    assert (revision["promo"], revision["removed"], revision["added"], revision["changed"]) == (spring.code, 24, 0, 0)
    assert revision["reasons"] == ["removes_lines"] and revision["named"] is True
    assert sorted(row["article"] for row in revision["diff"]["removed"]) == sorted(p.article for p in items[1:])
    assert [(c["lines"], c["name"] == NAME) for c in result.created] == [(24, False)]
    assert everything() == before and spring.lines.count() == 25
    assert mailoutbox == []
    # and the upload keeps its state in the database: another server can confirm it
    upload.refresh_from_db()
    assert upload.status == PromoUpload.Status.AWAITING_CONFIRMATION
    assert upload.preview["fingerprint"] and upload.preview["promos"][0]["promo_id"] == spring.pk


def test_unnamed_rows_in_the_period_of_a_named_promo_become_a_new_promo(demo_user, spring):
    # given: three of the named promo's products again, without a promo name
    items = products("S001", 3)

    # when
    upload, result = submit(demo_user("s001"), unnamed(items, **{"Скидка, %": 30}), name="unnamed.xlsx")

    # then: a new promo (nothing destructive, applied at once); the named one is untouched
    assert result.ok and result.revisions == []
    new = upload.promos.get()
    assert new.pk != spring.pk and new.name != NAME and new.lines.count() == 3
    spring.refresh_from_db()
    assert (spring.revision, spring.lines.count()) == (1, 25)


def test_an_unnamed_candidate_never_matches_a_named_promo_even_as_the_only_one(spring):
    # given: a candidate of the named promo's supplier, mechanic and period, without a name
    candidate = PromoCandidate(supplier_id=spring.supplier_id, name="ООО «Поставщик»: Скидка % 01.03.2027–14.03.2027",
                               named=False, mechanic=spring.mechanic, start=spring.start, end=spring.end,
                               targeting=spring.targeting)

    # then: it revises nothing; the same candidate with the promo's name does
    assert match_revisions([candidate]) == {}
    candidate.name, candidate.named = NAME.upper(), True
    assert match_revisions([candidate]) == {0: spring}


def test_an_unnamed_promo_changed_by_unnamed_rows_waits_even_without_removing_lines(demo_user):
    # given: a promo uploaded without a name
    s001 = demo_user("s001")
    items = products("S001", 2)
    first, _result = submit(s001, unnamed(items), name="first.xlsx")
    promo = first.promos.get()

    # when: unnamed rows of the same period change a discount
    _upload, result = submit(s001, unnamed(items, **{"Скидка, %": 25}), name="second.xlsx")

    # then: a promo the uploader did not name would change: shown, not applied
    assert result.needs_confirmation
    [revision] = result.revisions
    assert (revision["promo"], revision["reasons"], revision["changed"]) == (promo.code, ["not_named"], 2)
    assert revision["diff"]["changed"][0]["fields"] == {"discount_percent": ["15", "25"]}
    assert set(promo.lines.values_list("discount_percent", flat=True)) == {15}


def test_a_named_correction_that_only_adds_and_changes_lines_applies_at_once(demo_user, spring):
    items = products("S001", 26)

    _upload, result = submit(demo_user("s001"), named(items[:24]) + named(items[24:], **{"Скидка, %": 20}))

    assert result.ok and not result.needs_confirmation
    assert result.revisions == [{"promo": spring.code, "added": 1, "removed": 0, "changed": 1}]


# --- confirm, cancel, stale, expired ---------------------------------------------------------------


@pytest.fixture
def waiting(demo_user, spring):
    """s001's correction of ``spring`` dropping 20 lines and changing one, waiting."""
    items = products("S001", 5)
    upload, result = submit(demo_user("s001"), named(items[:4]) + named(items[4:], **{"Скидка, %": 20}),
                            name="cut.xlsx")
    assert result.needs_confirmation
    return upload


def test_confirming_applies_exactly_the_preview_once(demo_user, spring, waiting, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    s001 = demo_user("s001")
    shown = dict(waiting.preview["promos"][0])
    mailoutbox.clear()

    # when: the supplier confirms the preview it saw
    with django_capture_on_commit_callbacks(execute=True):
        result = upload_confirm(upload=waiting, actor=s001, fingerprint=waiting.preview["fingerprint"], today=TODAY)

    # then: applied as shown (20 removed, 1 changed), one revision, the upload imported
    assert (result.ok, result.status) == (True, "imported")
    assert result.revisions == [{"promo": spring.code, "added": 0, "removed": 20, "changed": 1}]
    assert (shown["removed"], shown["changed"]) == (20, 1)
    spring.refresh_from_db()
    assert (spring.revision, spring.lines.count()) == (2, 5)
    assert spring.revisions.get(number=2).upload_id == waiting.pk
    waiting.refresh_from_db()
    assert (waiting.status, waiting.confirmed_by) == (PromoUpload.Status.IMPORTED, s001)
    # and only now the upload is announced
    assert PromoEvent.objects.filter(upload=waiting, kind="upload_imported").count() == 1
    assert mailoutbox

    # and a second confirmation is refused, changing nothing
    with pytest.raises(IllegalStateError) as refused:
        upload_confirm(upload=waiting, actor=s001, today=TODAY)
    assert refused.value.code == "not_awaiting" and "уже применена" in refused.value.message
    assert spring.lines.count() == 5


def test_a_confirmation_after_the_promo_changed_is_refused_as_stale_and_shows_the_new_preview(
        demo_user, spring, waiting):
    s001 = demo_user("s001")
    old = waiting.preview["fingerprint"]
    # given: between the preview and the confirmation another upload revised the promo (a
    # line added: applied at once, the promo's version moves)
    extra = products("S001", 26)[25:]
    _other, changed = submit(s001, named(products("S001", 25)) + named(extra), name="more.xlsx")
    assert changed.ok
    spring.refresh_from_db()
    before = everything()

    # when: the supplier confirms what it saw
    result = upload_confirm(upload=waiting, actor=s001, fingerprint=old, today=TODAY)

    # then: refused as stale, nothing saved, the upload waits again with the new diff (21 removed)
    assert result.stale and result.needs_confirmation and not result.ok
    assert everything() == before
    waiting.refresh_from_db()
    assert waiting.status == PromoUpload.Status.AWAITING_CONFIRMATION and waiting.confirmed_at is None
    assert waiting.preview["fingerprint"] != old
    assert (waiting.preview["promos"][0]["removed"], waiting.preview["promos"][0]["version"]) == (21, spring.version)

    # and the old preview can no longer be confirmed; the new one can
    with pytest.raises(StaleVersionError) as refused:
        upload_confirm(upload=waiting, actor=s001, fingerprint=old, today=TODAY)
    assert refused.value.code == "preview_stale"
    result = upload_confirm(upload=waiting, actor=s001, fingerprint=waiting.preview["fingerprint"], today=TODAY)
    assert result.ok and spring.lines.count() == 5


def test_cancelling_leaves_nothing_but_the_upload_record(demo_user, spring, waiting):
    before = everything()

    upload = upload_cancel(upload=waiting, actor=demo_user("s001"))

    assert (upload.status, upload.preview) == (PromoUpload.Status.CANCELLED, {})
    assert upload.summary["cancelled_by"] == "s001"
    assert everything() == before and spring.lines.count() == 25
    with pytest.raises(IllegalStateError):
        upload_confirm(upload=upload, actor=demo_user("s001"), today=TODAY)


def test_the_reaper_cancels_an_expired_preview_and_a_late_confirmation_is_refused(demo_user, waiting, settings):
    before = everything()
    later = timezone.now() + timedelta(hours=settings.PROMO_UPLOAD_PREVIEW_HOURS, minutes=1)

    # a confirmation after the deadline is refused (and cancels the preview)
    with time_machine.travel(later, tick=False), pytest.raises(IllegalStateError) as refused:
        upload_confirm(upload=waiting, actor=demo_user("s001"), today=TODAY)
    assert refused.value.code == "preview_expired"
    waiting.refresh_from_db()
    assert waiting.status == PromoUpload.Status.CANCELLED and waiting.summary["expired"] is True
    assert everything() == before


def test_the_reaper_expires_previews_nobody_confirmed(demo_user, waiting, settings):
    with time_machine.travel(timezone.now() + timedelta(hours=settings.PROMO_UPLOAD_PREVIEW_HOURS - 1), tick=False):
        assert uploads_recover().expired == 0
    with time_machine.travel(timezone.now() + timedelta(hours=settings.PROMO_UPLOAD_PREVIEW_HOURS + 1), tick=False):
        assert uploads_recover().expired == 1
    waiting.refresh_from_db()
    assert (waiting.status, waiting.preview) == (PromoUpload.Status.CANCELLED, {})


def test_only_who_sees_the_upload_may_confirm_it(demo_user, waiting):
    with pytest.raises(NotFoundError):
        upload_confirm(upload=waiting, actor=demo_user("s002"), today=TODAY)
    with pytest.raises(NotFoundError):
        upload_cancel(upload=waiting, actor=demo_user("manager"))
    waiting.refresh_from_db()
    assert waiting.status == PromoUpload.Status.AWAITING_CONFIRMATION
    # a marketer sees every upload and may confirm it
    assert upload_confirm(upload=waiting, actor=demo_user("marketer"), today=TODAY).ok


def test_a_dry_run_of_a_destructive_sheet_shows_the_preview_and_keeps_nothing(demo_user, spring):
    before = everything()
    uploads = PromoUpload.objects.count()

    _upload, result = submit(demo_user("s001"), named(products("S001", 3)), dry_run=True)

    assert result.needs_confirmation and result.revisions[0]["removed"] == 22 and result.upload_id is None
    assert everything() == before and PromoUpload.objects.count() == uploads


def test_a_large_upload_reaches_the_same_preview_through_the_worker_task(demo_user, spring, settings,
                                                                        django_capture_on_commit_callbacks):
    # given: uploads above 3 rows go to the worker (eager in tests: the same task code)
    settings.PROMO_UPLOAD_ASYNC_ROWS = 3
    s001 = demo_user("s001")
    before = everything()

    with django_capture_on_commit_callbacks(execute=True):
        upload, result = submit(s001, named(products("S001", 5)), name="large.xlsx")
    assert result is None
    upload.refresh_from_db()
    assert upload.status == PromoUpload.Status.AWAITING_CONFIRMATION and upload.preview["promos"][0]["removed"] == 20
    assert everything() == before

    # when confirmed, it goes to the worker again, which applies it
    with django_capture_on_commit_callbacks(execute=True):
        assert upload_confirm(upload=upload, actor=s001, today=TODAY) is None
    upload.refresh_from_db()
    assert upload.status == PromoUpload.Status.IMPORTED
    assert spring.lines.count() == 5


# --- the command -------------------------------------------------------------------------------------


def run(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("import_promos", *map(str, args), stdout=out, stderr=StringIO())
        return 0, out.getvalue()
    except SystemExit as exit_:
        return exit_.code, out.getvalue()


def test_the_command_prints_the_preview_exits_4_and_confirm_applies_at_once(tmp_path, spring):
    path = tmp_path / "cut.xlsx"
    path.write_bytes(sheets.workbook_bytes(named(products("S001", 5))))
    before = everything()

    # when: imported as is, in JSON
    code, out = run(path, "--as", "s001", "--format", "json")

    # then: exit 4, the same JSON as the API (status, needs_confirmation, the revisions diff)
    body = json.loads(out)
    assert code == 4
    assert (body["status"], body["needs_confirmation"], body["ok"]) == ("awaiting_confirmation", True, False)
    assert body["revisions"][0]["removed"] == 20 and len(body["revisions"][0]["diff"]["removed"]) == 20
    assert everything() == before
    assert PromoUpload.objects.get(pk=body["upload_id"]).status == "awaiting_confirmation"

    # and in text it lists what each promo would lose
    code, out = run(path, "--as", "s001")
    assert code == 4 and "удалено 20" in out and "--confirm" in out and "удалены строки" in out

    # when: --confirm
    code, out = run(path, "--as", "s001", "--confirm", "--format", "json")
    assert code == 0 and json.loads(out)["revisions"] == [
        {"promo": spring.code, "added": 0, "removed": 20, "changed": 0}]
    assert spring.lines.count() == 5


# --- the API -------------------------------------------------------------------------------------------


@pytest.fixture
def api_as(demo_user):
    def login(username: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(demo_user(username))
        return client

    return login


def post(client, rows):
    return client.post("/api/v1/uploads/", {"file": sheets.uploaded(rows)}, format="multipart")


def test_the_api_answers_200_awaiting_confirmation_and_confirm_applies_with_201(api_as, spring):
    client = api_as("s001")
    before = everything()

    response = post(client, named(products("S001", 5)))

    body = response.json()
    assert response.status_code == 200
    assert (body["status"], body["needs_confirmation"], body["ok"]) == ("awaiting_confirmation", True, False)
    assert body["revisions"][0]["promo"] == spring.code and body["revisions"][0]["removed"] == 20
    assert body["confirm"] == f"/api/v1/uploads/{body['upload_id']}/confirm/"
    assert everything() == before
    # the upload resource shows the same preview with its fingerprint
    detail = client.get(f"/api/v1/uploads/{body['upload_id']}/").json()
    assert detail["needs_confirmation"] is True and detail["preview"]["promos"] == body["revisions"]

    # when: confirmed with the fingerprint it saw
    response = client.post(body["confirm"], {"fingerprint": detail["preview"]["fingerprint"]}, format="json")

    # then: 201 with the usual result
    assert response.status_code == 201
    assert response.json()["ok"] is True and response.json()["status"] == "imported"
    assert spring.lines.count() == 5
    # and again: 409, nothing to confirm
    again = client.post(body["confirm"], {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "not_awaiting"


def test_the_api_refuses_a_stale_confirmation_with_409_and_the_new_preview(api_as, spring):
    client = api_as("s001")
    body = post(client, named(products("S001", 5))).json()
    old = client.get(f"/api/v1/uploads/{body['upload_id']}/").json()["preview"]["fingerprint"]
    # the promo changes meanwhile (another upload adds a line)
    assert post(client, named(products("S001", 26))).status_code == 201
    before = everything()

    response = client.post(body["confirm"], {"fingerprint": old}, format="json")

    assert response.status_code == 409
    stale = response.json()
    assert stale["code"] == "preview_stale" and stale["detail"]
    assert stale["needs_confirmation"] is True and stale["revisions"][0]["removed"] == 21
    assert everything() == before
    # the old fingerprint stays refused
    response = client.post(body["confirm"], {"fingerprint": old}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "preview_stale"


def test_the_api_cancels_a_preview_and_hides_foreign_uploads(api_as, spring):
    body = post(api_as("s001"), named(products("S001", 5))).json()
    cancel = f"/api/v1/uploads/{body['upload_id']}/cancel/"

    assert api_as("s002").post(cancel, {}, format="json").status_code == 404
    assert api_as("s002").post(body["confirm"], {}, format="json").status_code == 404
    response = api_as("s001").post(cancel, {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert spring.lines.count() == 25


@pytest.mark.parametrize("fingerprint", ["x" * 5000, "0" * 64])
def test_a_wrong_fingerprint_is_refused_and_changes_nothing(api_as, spring, fingerprint):
    body = post(api_as("s001"), named(products("S001", 5))).json()

    response = api_as("s001").post(body["confirm"], {"fingerprint": fingerprint}, format="json")

    # a malformed one is a 400, a well-formed one of another preview is stale (409)
    if len(fingerprint) != 64:
        assert response.status_code == 400 and "fingerprint" in response.content.decode()
    else:
        assert response.status_code == 409 and response.json()["code"] == "preview_stale"
    assert spring.lines.count() == 25
    assert PromoUpload.objects.get(pk=body["upload_id"]).status == "awaiting_confirmation"


# --- the page ------------------------------------------------------------------------------------------


def post_page(client, rows):
    return client.post(reverse("promo:upload_create"), {"file": sheets.uploaded(rows)})


def test_the_page_shows_the_preview_with_apply_and_cancel_and_applies_it(client_for, spring):
    client = client_for("s001")
    response = post_page(client, named(products("S001", 5)))
    upload = PromoUpload.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == upload.get_absolute_url()

    page = client.get(upload.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "Ждёт подтверждения" in html and "Применить" in html and "Отменить" in html
    assert "из промо будут удалены строки" in html and spring.code in html
    assert html.count('data-kind="removed"') == 20 and 'data-kind="changed"' not in html
    assert f'value="{upload.preview["fingerprint"]}"' in html
    assert 'hx-trigger' not in html  # a preview is not polled

    # when: «Применить»
    response = client.post(reverse("promo:upload_confirm", args=[upload.pk]),
                           {"fingerprint": upload.preview["fingerprint"]})

    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.status == PromoUpload.Status.IMPORTED and spring.lines.count() == 5
    assert "Загружено" in client.get(upload.get_absolute_url()).content.decode()


def test_the_page_refuses_a_stale_confirmation_with_409_and_shows_the_new_preview(client_for, spring):
    client = client_for("s001")
    post_page(client, named(products("S001", 5)))
    upload = PromoUpload.objects.latest("pk")
    old = upload.preview["fingerprint"]
    post_page(client, named(products("S001", 26)))  # the promo changes meanwhile
    before = everything()

    response = client.post(reverse("promo:upload_confirm", args=[upload.pk]), {"fingerprint": old})

    html = response.content.decode()
    assert response.status_code == 409
    assert "Промо изменились после предпросмотра" in html and "Применить" in html
    assert html.count('data-kind="removed"') == 21
    assert everything() == before


def test_the_page_cancels_a_preview(client_for, spring):
    client = client_for("s001")
    post_page(client, named(products("S001", 5)))
    upload = PromoUpload.objects.latest("pk")

    response = client.post(reverse("promo:upload_cancel", args=[upload.pk]))

    assert response.status_code == 302
    html = client.get(upload.get_absolute_url()).content.decode()
    assert "Отменено" in html and "Предпросмотр отменён" in html and "Применить" not in html
    assert spring.lines.count() == 25
    # and a late «Применить» is a clear 409
    response = client.post(reverse("promo:upload_confirm", args=[upload.pk]), {"fingerprint": "0" * 64})
    assert response.status_code == 409 and "отменён" in response.content.decode()


def test_another_supplier_cannot_see_or_confirm_the_preview(client_for, spring):
    post_page(client_for("s001"), named(products("S001", 5)))
    upload = PromoUpload.objects.latest("pk")
    other = client_for("s002")

    assert other.get(upload.get_absolute_url()).status_code == 404
    assert other.post(reverse("promo:upload_confirm", args=[upload.pk])).status_code == 404
    assert other.post(reverse("promo:upload_cancel", args=[upload.pk])).status_code == 404
    assert spring.lines.count() == 25

