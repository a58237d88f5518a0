"""The import service (promo/services/imports/uploads.py and saving.py) as the page, the API,
the command and the task use it: all or nothing, every error at once, dedup, revisions, events,
progress."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from branches.models import Branch, Region
from promo.models import Promo, PromoEvent, PromoLine, PromoRevision, PromoUpload
from promo.services.imports.confirmation import upload_confirm
from promo.services.imports.uploads import (
    UploadRefused,
    upload_create,
    upload_process,
    upload_submit,
)
from promo.services.revisions import snapshot_lines
from promo.tasks.imports import upload_process_task
from suppliers.models import Product, Supplier
from tests.factories import PromoFactory, PromoLineFactory
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


def products(code: str, count: int) -> list[Product]:
    return list(Product.objects.filter(supplier__code=code).order_by("article")[:count])


def submit(user, rows, *, header=sheets.HEADER, supplier=None, dry_run=False, name="promo.xlsx"):
    """``rows`` as a new sheet, or the very same bytes again (``rows`` given as bytes)."""
    content = rows if isinstance(rows, bytes) else sheets.workbook_bytes(rows, header=header)
    return upload_submit(actor=user, file=SimpleUploadedFile(name, content), original_name=name,
                         supplier=supplier, dry_run=dry_run, today=TODAY)


def counts() -> tuple:
    return (Promo.objects.count(), PromoLine.objects.count(), PromoRevision.objects.count(),
            PromoLine.history.count(), Promo.history.count())


def pairs(result) -> list:
    return [(problem["row"], problem["code"]) for problem in result.errors]


# --- all or nothing -------------------------------------------------------------------------------


def test_a_rejected_file_saves_nothing_and_keeps_its_errors(demo_user):
    # given: a sheet with two good rows and one bad one
    s001 = demo_user("s001")
    good, other = products("S001", 2)
    before = counts()

    # when
    upload, result = submit(s001, [line(good), line(other, **{"Скидка, %": 95}), line(good, **{"Скидка, %": 20})])

    # then: nothing saved, the upload is rejected with both problems, one event announces it
    assert not result.ok
    assert counts() == before
    assert pairs(result) == [(3, "discount_out_of_range"), (4, "duplicate_conflict")]
    upload.refresh_from_db()
    assert upload.status == PromoUpload.Status.REJECTED
    assert [e["code"] for e in upload.errors] == ["discount_out_of_range", "duplicate_conflict"]
    assert upload.errors[0]["column"] == "Скидка, %"
    assert upload.errors[0]["params"] == {"value": "95", "min": 1, "max": 90}
    assert list(PromoEvent.objects.filter(upload=upload).values_list("kind", flat=True)) == ["upload_rejected"]


def test_an_accepted_file_creates_draft_promos_with_revision_one_and_events(demo_user):
    # given
    s001 = demo_user("s001")
    items = products("S001", 3)

    # when
    upload, result = submit(s001, [line(p) for p in items])

    # then: one draft promo of three lines, its frozen revision 1 equal to what it holds
    assert result.ok and result.lines == 3 and result.promos == 1
    promo = upload.promos.get()
    assert (promo.status, promo.revision, promo.created_by, promo.name) == ("draft", 1, s001, "Тестовая акция")
    assert promo.code == f"P{promo.pk:06d}"
    revision = promo.revisions.get()
    assert revision.number == 1 and revision.upload == upload
    # (frozen exactly as a revision recorded from the saved lines would be)
    assert revision.lines == [line.to_json() for line in snapshot_lines(promo)]
    # history rows exist for the promo and each line (bulk, with the uploader)
    assert promo.history.get().history_user == s001
    assert PromoLine.history.filter(promo_id=promo.pk, history_type="+").count() == 3
    kinds = PromoEvent.objects.filter(upload=upload).values_list("kind", flat=True)
    assert sorted(kinds) == ["promo_created", "upload_imported"]
    line_ = promo.lines.get(product=items[0])
    assert (line_.discount_percent, line_.compensation_percent, line_.regular_price, line_.source_row) == (
        Decimal("15.00"), Decimal("10.00"), items[0].regular_price, 2)


def test_progress_ends_at_every_row_read(demo_user):
    s001 = demo_user("s001")
    seen = []
    upload = upload_create(actor=s001, file=sheets.uploaded([line(p) for p in products("S001", 4)]),
                           original_name="p.xlsx")

    upload_process(upload=upload, today=TODAY, progress=lambda done, total: seen.append((done, total)))

    upload.refresh_from_db()
    assert (upload.rows_done, upload.rows_total) == (4, 4)
    assert seen[0][0] == 0 and seen[-1] == (4, 4)


# --- permissions ---------------------------------------------------------------------------------


def test_a_supplier_importing_another_suppliers_product_is_refused(demo_user):
    # given: S001's user names a product of S002
    s001 = demo_user("s001")
    foreign = products("S002", 1)[0]

    _upload, result = submit(s001, [line(products("S001", 1)[0]), line(foreign)])

    assert not result.ok
    assert pairs(result) == [(3, "product_other_supplier")]
    assert not Promo.objects.filter(lines__product=foreign).exists()


def test_a_marketer_upload_bound_to_a_supplier_refuses_other_suppliers_products(demo_user):
    s001 = Supplier.objects.get(code="S001")
    _upload, result = submit(demo_user("marketer"), [line(products("S002", 1)[0])], supplier=s001)
    assert pairs(result) == [(2, "product_other_supplier")]


def test_a_supplier_user_cannot_upload_for_another_supplier(demo_user):
    with pytest.raises(UploadRefused):
        submit(demo_user("s001"), [], supplier=Supplier.objects.get(code="S002"))


def test_category_managers_do_not_upload(demo_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        submit(demo_user("manager"), [line(products("S001", 1)[0])])


def test_a_file_above_the_size_cap_is_refused_before_it_is_stored(demo_user, settings):
    settings.PROMO_UPLOAD_MAX_BYTES = 1000
    big = SimpleUploadedFile("big.xlsx", b"x" * 1001)

    with pytest.raises(UploadRefused) as refused:
        upload_submit(actor=demo_user("s001"), file=big, original_name="big.xlsx")

    assert refused.value.problem.code == "file_unreadable"
    assert "1000" not in refused.value.message and "МБ" in refused.value.message
    assert not PromoUpload.objects.exists()


# --- the marketer's bulk file -----------------------------------------------------------------------


def test_a_marketer_bulk_file_names_each_rows_supplier_by_code_or_inn(demo_user):
    # given: rows of two suppliers, one by code, one by INN
    s1, s2 = Supplier.objects.get(code="S001"), Supplier.objects.get(code="S002")
    rows = [{"Поставщик": "S001", **line(p)} for p in products("S001", 2)]
    rows += [{"Поставщик": s2.inn, **line(p)} for p in products("S002", 3)]

    # when: a marketer uploads it with no supplier chosen
    upload, result = submit(demo_user("marketer"), rows, header=sheets.BULK_HEADER)

    # then: one promo per supplier
    assert result.ok and result.lines == 5 and result.promos == 2
    assert upload.supplier is None
    assert sorted(upload.promos.values_list("supplier__code", flat=True)) == [s1.code, s2.code]


def test_a_bulk_file_with_an_unknown_supplier_is_rejected(demo_user):
    rows = [{"Поставщик": "S999", **line(products("S001", 1)[0])}]
    _upload, result = submit(demo_user("marketer"), rows, header=sheets.BULK_HEADER)
    assert pairs(result) == [(2, "supplier_unknown")]
    assert result.errors[0]["column"] == "Поставщик"


def test_a_bulk_file_without_the_supplier_column_is_rejected_at_the_header(demo_user):
    _upload, result = submit(demo_user("marketer"), [line(products("S001", 1)[0])])
    assert pairs(result) == [(1, "header_missing")]
    assert "Поставщик" in result.errors[0]["message"]


# --- every error code of a row ------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "code", "column"), [
    ({"Штрихкод": "4621964496607"}, "article_barcode_mismatch", "Штрихкод"),  # A100002's EAN
    ({"Механика": "0+1"}, "nplusm_invalid", "Механика"),
    ({"Механика": "Купон"}, "mechanic_unknown", "Механика"),
    ({"Начало": date(2026, 12, 1), "Окончание": date(2026, 12, 10)}, "start_too_soon", "Начало"),
    ({"Окончание": date(2027, 8, 1)}, "period_too_long", "Окончание"),
    ({"Компенсация поставщика, %": 120}, "compensation_out_of_range", "Компенсация поставщика, %"),
    ({"Филиалы": "Атлантида"}, "branch_unknown", "Филиалы"),
    ({"Механика": "Цена", "Промо-цена": "дёшево"}, "price_invalid", "Промо-цена"),
    ({"Механика": "Цена", "Промо-цена": None}, "value_required", "Промо-цена"),
    ({"Механика": None}, "value_required", "Механика"),
    ({"Начало": "сегодня"}, "date_invalid", "Начало"),
    ({"Скидка, %": 0}, "discount_out_of_range", "Скидка, %"),
    ({"Артикул": None, "Штрихкод": None}, "value_required", "Штрихкод"),
])
def test_each_bad_row_gives_its_error_on_its_cell(demo_user, values, code, column):
    product = products("S001", 1)[0]
    _upload, result = submit(demo_user("s001"), [line(product, **values)])
    assert [(e["row"], e["code"], e["column"]) for e in result.errors] == [(2, code, column)]
    assert result.errors[0]["message"]


def test_an_exclusion_the_named_region_never_reaches_is_refused_as_the_editor_refuses_it(demo_user):
    # given a sheet narrowing one promo to a region, excluding a branch of another region, and a
    # second row excluding a branch of that region (a real exclusion)
    region, other = Region.objects.order_by("pk")[:2]
    inside = Branch.objects.filter(region=region).order_by("code").first()
    outside = Branch.objects.filter(region=other).order_by("code").first()
    first, second = products("S001", 2)

    # when the supplier uploads it
    _upload, result = submit(demo_user("s001"), [
        line(first, **{"Филиалы": f"{region.name}; кроме {outside.code}"}),
        line(second, **{"Филиалы": f"{region.name}; кроме {inside.code}"})])

    # then the first row is refused on its cell, naming the branch (before: saved, an exclusion
    # that did nothing, shown everywhere as «…; кроме B0200»)
    assert [(e["row"], e["code"], e["column"]) for e in result.errors] == [(2, "branch_unknown", "Филиалы")]
    assert result.errors[0]["message"] == (
        f"В колонке «Филиалы» исключены филиалы {outside.code}, но указанные регионы, города, группы и "
        "филиалы их не включают, исключать их не из чего. Уберите их из «кроме …» или проверьте коды.")


def test_all_branches_with_a_region_to_include_is_refused_as_the_editor_refuses_it(demo_user):
    # given a sheet whose «Филиалы» cell reads «Все; Томская область» (the chain has Tomsk anyway;
    # before, the region was dropped without a word and the promo ran chain-wide)
    first, second = products("S001", 2)

    # when the supplier uploads it
    _upload, result = submit(demo_user("s001"), [line(first, **{"Филиалы": "Все; Томская область"}),
                                                 line(second, **{"Филиалы": "Все, кроме B0003"})])

    # then the row is refused on its cell, saying why (the whole chain minus a branch stays fine)
    assert not result.ok
    assert [(e["row"], e["code"], e["column"]) for e in result.errors] == [(2, "branch_unknown", "Филиалы")]
    assert result.errors[0]["message"] == (
        "«Все» в колонке «Филиалы» уже означает всю сеть, а рядом указано «Томская область». Оставьте «Все» "
        "(исключения «кроме …» можно) или перечислите только регионы, города, группы и филиалы.")


def test_every_error_of_every_row_is_reported_in_one_pass(demo_user):
    a, b = products("S001", 2)
    rows = [line(a, **{"Механика": "Купон", "Начало": "31.02.2027"}), line(b, **{"Скидка, %": 99})]

    _upload, result = submit(demo_user("s001"), rows)

    assert pairs(result) == [(2, "mechanic_unknown"), (2, "date_invalid"), (3, "discount_out_of_range")]


@pytest.mark.parametrize("mechanic", ["40000+1", "2+40000", "100+1", "200 за 1"])
def test_an_n_plus_m_too_large_is_an_error_on_its_cell(demo_user, mechanic):
    # given: a row whose N or M is beyond what a shelf offer (and the database) holds
    product = Product.objects.filter(supplier__code="S001").order_by("article").first()
    before = (Promo.objects.count(), PromoLine.objects.count())

    # when: the supplier uploads it
    upload, result = submit(demo_user("s001"), [line(product, **{"Механика": mechanic})])

    # then: a rejected upload with the error on the mechanic cell, in Russian; nothing saved
    assert not result.ok
    assert [(e["row"], e["code"], e["column"]) for e in result.errors] == [(2, "nplusm_invalid", "Механика")]
    assert "не больше 99" in result.errors[0]["message"]
    assert upload.status == PromoUpload.Status.REJECTED
    assert (Promo.objects.count(), PromoLine.objects.count()) == before


def test_a_promo_price_that_rounds_to_zero_kopecks_is_refused(demo_user):
    # given: a fixed price of a tenth of a kopeck (float noise of a formula)
    product = Product.objects.filter(supplier__code="S001").order_by("article").first()

    # when
    _upload, result = submit(demo_user("s001"), [line(product, **{"Механика": "Цена", "Скидка, %": None,
                                                                  "Промо-цена": 0.001})])

    # then: the «price must be above zero» error, not a line at 0,00
    assert [(e["row"], e["code"]) for e in result.errors] == [(2, "price_invalid")]
    assert "больше нуля" in result.errors[0]["message"]
    assert not PromoLine.objects.filter(product=product).exists()


def test_a_date_in_a_far_year_is_an_error_on_its_cell(demo_user):
    # given: a start and an end in the year 9999 (a typo passing every other date rule)
    product = Product.objects.filter(supplier__code="S001").order_by("article").first()

    # when
    _upload, result = submit(demo_user("s001"), [line(product, **{"Начало": date(9999, 6, 1),
                                                                  "Окончание": date(9999, 6, 30)})])

    # then: date_invalid on both cells with the range in Russian; nothing saved
    assert [(e["row"], e["code"], e["column"]) for e in result.errors] == [
        (2, "date_invalid", "Начало"), (2, "date_invalid", "Окончание")]
    assert "между 01.01.2000 и 31.12.2099" in result.errors[0]["message"]
    assert not PromoLine.objects.filter(product=product).exists()


@pytest.mark.parametrize(("values", "code"), [
    ({"Наименование": "Совсем другой товар"}, "name_mismatch"),
    ({"Регулярная цена": 1.0}, "regular_price_mismatch"),
])
def test_catalogue_differences_are_warnings_and_the_catalogue_wins(demo_user, values, code):
    product = products("S001", 1)[0]
    upload, result = submit(demo_user("s001"), [line(product, **values)])
    assert result.ok
    assert [(w["row"], w["code"]) for w in result.warnings] == [(2, code)]
    assert upload.promos.get().lines.get().regular_price == product.regular_price


def test_a_name_spelled_with_other_case_and_quotes_is_the_same_name(demo_user):
    product = products("S001", 1)[0]
    written = product.name.upper().replace("«", '"').replace("»", '"')
    _upload, result = submit(demo_user("s001"), [line(product, **{"Наименование": written})])
    assert result.ok and result.warnings == []


# --- grouping and dedup ----------------------------------------------------------------------------------


def test_rows_group_into_promos_by_name_mechanic_period_and_branches(demo_user):
    a, b, c, d = products("S001", 4)
    rows = [
        line(a), line(b),
        line(c, **{"Механика": "2+1", "Скидка, %": None}),
        line(d, **{"Филиалы": "B0001; B0002"}),
    ]
    upload, result = submit(demo_user("s001"), rows)
    assert result.promos == 3
    mechanics = sorted(upload.promos.values_list("mechanic", flat=True))
    assert mechanics == ["n_plus_m", "percent", "percent"]
    nplusm = upload.promos.get(mechanic="n_plus_m").lines.get()
    assert (nplusm.n, nplusm.m, nplusm.discount_percent) == (2, 1, None)


def test_an_unnamed_promo_is_named_from_supplier_mechanic_and_dates(demo_user):
    upload, _result = submit(demo_user("s001"), [line(products("S001", 1)[0], **{"Название акции": None})])
    assert upload.promos.get().name == "ООО «Стандартбайкал»: Скидка % 01.03.2027–14.03.2027"


def test_an_identical_duplicate_row_is_merged_with_a_warning(demo_user):
    a, b = products("S001", 2)
    upload, result = submit(demo_user("s001"), [line(a), line(b), line(a)])
    assert result.ok and result.lines == 2
    assert [(w["row"], w["code"]) for w in result.warnings] == [(4, "duplicate_merged")]
    assert "2" in result.warnings[0]["message"]


def test_the_same_file_again_is_refused_naming_the_first_upload(demo_user):
    s001 = demo_user("s001")
    content = sheets.workbook_bytes([line(p) for p in products("S001", 2)])
    first, _ = submit(s001, content)
    before = counts()

    second, result = submit(s001, content)

    assert not result.ok and result.duplicate_of == first.pk
    assert pairs(result) == [(0, "file_duplicate")]
    assert f"№ {first.pk}" in result.errors[0]["message"]
    # and who uploaded it, and when
    assert f"загрузил {s001.get_full_name() or s001.username}" in result.errors[0]["message"]
    assert timezone.localtime(first.created_at).strftime("%d.%m.%Y %H:%M") in result.errors[0]["message"]
    assert counts() == before
    second.refresh_from_db()
    assert second.status == PromoUpload.Status.REJECTED


def test_a_retried_file_already_imported_mails_no_rejection(demo_user):
    # given a marketer's sheet for S001, imported: S001's user hears of it
    from promo.models import OutboxMessage

    s001 = Supplier.objects.get(code="S001")
    content = sheets.workbook_bytes([line(p) for p in products("S001", 2)])
    first, result = submit(demo_user("marketer"), content, supplier=s001)
    assert result.ok and OutboxMessage.objects.filter(event__kind=PromoEvent.Kind.UPLOAD_IMPORTED).exists()

    # when the same file is sent again (an integrator's retry after a timeout)
    second, retry = submit(demo_user("marketer"), content, supplier=s001)

    # then the retry is refused as a duplicate of the first, recorded in the activity log,
    # and nobody gets a «Файл отклонён» mail for a file that was imported
    assert not retry.ok and retry.duplicate_of == first.pk
    assert PromoEvent.objects.filter(kind=PromoEvent.Kind.UPLOAD_REJECTED, upload=second).count() == 1
    assert not OutboxMessage.objects.filter(event__kind=PromoEvent.Kind.UPLOAD_REJECTED).exists()


def test_a_rejected_file_still_mails_its_rejection(demo_user):
    # given a sheet with a discount out of range, for S001, by a marketer
    from promo.models import OutboxMessage

    product = products("S001", 1)[0]
    content = sheets.workbook_bytes([line(product, **{"Скидка, %": 95})])
    _upload, result = submit(demo_user("marketer"), content, supplier=Supplier.objects.get(code="S001"))
    # then S001's user is told by mail
    assert not result.ok
    assert OutboxMessage.objects.filter(event__kind=PromoEvent.Kind.UPLOAD_REJECTED,
                                        recipient__username="s001").exists()


def test_the_same_file_for_another_supplier_is_not_a_duplicate(demo_user):
    # The rule is per supplier: a marketer's bulk upload is its own scope.
    content = sheets.workbook_bytes([{"Поставщик": "S001", **line(p)} for p in products("S001", 2)],
                                    header=sheets.BULK_HEADER)
    first, _ = submit(demo_user("marketer"), content)
    _upload, result = submit(demo_user("marketer"), content, supplier=Supplier.objects.get(code="S001"))
    assert first.status == "imported"
    assert "file_duplicate" not in [e["code"] for e in result.errors]


# --- revisions --------------------------------------------------------------------------------------------


def test_a_corrected_upload_becomes_a_new_revision_keeping_unchanged_decisions(demo_user):
    # given: an approved promo of four lines (decided), uploaded by the supplier earlier
    s001, manager = demo_user("s001"), demo_user("manager")
    a, b, c, d, e = products("S001", 5)
    upload, _ = submit(s001, [line(a), line(b), line(c), line(d)])
    promo = upload.promos.get()
    promo.lines.update(decision="accepted", decided_by=manager)
    approved = promo.revisions.get()
    Promo.objects.filter(pk=promo.pk).update(status="approved", approved_revision=approved)
    promo_count = Promo.objects.count()

    # when: the corrected sheet changes b, drops d and adds e (dropping d waits for a
    # confirmation), and the supplier confirms it
    upload2, waiting = submit(s001, [line(a), line(b, **{"Скидка, %": 30}), line(c), line(e)], name="fixed.xlsx")
    assert waiting.needs_confirmation and not waiting.ok
    result = upload_confirm(upload=upload2, actor=s001, today=TODAY)

    # then: the same promo, revision 2, back for approval with revision 1 still in force
    assert result.ok and Promo.objects.count() == promo_count
    assert result.revisions == [{"promo": promo.code, "added": 1, "removed": 1, "changed": 1}]
    promo.refresh_from_db()
    assert (promo.revision, promo.version, promo.status) == (2, 2, "submitted")
    assert promo.approved_revision == approved
    decisions = dict(promo.lines.values_list("product__article", "decision"))
    assert decisions == {a.article: "accepted", b.article: "pending", c.article: "accepted", e.article: "pending"}
    assert promo.lines.get(product=b).discount_percent == Decimal("30.00")
    revision = promo.revisions.get(number=2)
    assert revision.upload == upload2 and revision.diff_counts() == {"added": 1, "removed": 1, "changed": 1}
    assert revision.diff["changed"][0]["fields"] == {"discount_percent": ["15", "30"]}
    assert list(upload2.promos.all()) == [promo]
    event = PromoEvent.objects.get(upload=upload2, kind="revision_created")
    assert (event.promo, event.from_status, event.to_status) == (promo, "approved", "submitted")
    assert PromoLine.history.filter(product_id=d.pk, history_type="-").exists()


def test_an_unchanged_reupload_makes_no_revision(demo_user):
    s001 = demo_user("s001")
    rows = [line(p) for p in products("S001", 2)]
    upload, _ = submit(s001, rows)
    promo = upload.promos.get()

    _upload2, result = submit(s001, rows + [line(p, **{"Название акции": "Другая"}) for p in products("S001", 1)])

    assert result.ok and result.revisions == []
    promo.refresh_from_db()
    assert promo.revision == 1


def test_a_final_promo_is_not_revised_a_new_promo_is_created(demo_user):
    s001 = demo_user("s001")
    rows = [line(p) for p in products("S001", 2)]
    upload, _ = submit(s001, rows)
    Promo.objects.filter(pk=upload.promos.get().pk).update(status="withdrawn")

    upload2, result = submit(s001, [line(p, **{"Скидка, %": 20}) for p in products("S001", 2)])

    assert result.ok and result.revisions == []
    assert upload2.promos.get().pk != upload.promos.get().pk


# --- overlap -------------------------------------------------------------------------------------------------


def test_a_product_already_in_a_live_promo_in_the_same_days_and_branches_is_an_overlap_warning(demo_user):
    # given: a submitted promo holding the product in overlapping days, and a draft one
    product = products("S001", 1)[0]
    other = PromoFactory(supplier=product.supplier, status="submitted", name="Весенняя",
                         start=date(2027, 3, 10), end=date(2027, 3, 20), targeting={"chain": True})
    PromoLineFactory(promo=other, product=product)
    draft = PromoFactory(supplier=product.supplier, status="draft", start=date(2027, 3, 1), end=date(2027, 3, 5))
    PromoLineFactory(promo=draft, product=product)

    # when
    _upload, result = submit(demo_user("s001"), [line(product, **{"Название акции": "Новая"})])

    # then: a warning naming the live promo (a draft does not count)
    assert result.ok
    assert [(w["row"], w["code"]) for w in result.warnings] == [(2, "overlap")]
    assert other.code in result.warnings[0]["message"]


def test_no_overlap_when_the_branches_do_not_intersect(demo_user):
    from branches.models import Branch

    product = products("S001", 1)[0]
    far = Branch.objects.exclude(code__in=["B0001"]).order_by("code").first()
    other = PromoFactory(supplier=product.supplier, status="approved", start=date(2027, 3, 1),
                         end=date(2027, 3, 31), targeting={"branches": [far.pk]})
    PromoLineFactory(promo=other, product=product)

    _upload, result = submit(demo_user("s001"), [line(product, **{"Филиалы": "B0001"})])

    assert result.ok and result.warnings == []


# --- dry run ----------------------------------------------------------------------------------------------------


def test_a_dry_run_answers_exactly_and_leaves_nothing(demo_user, mailoutbox):
    s001 = demo_user("s001")
    before = counts()
    events = PromoEvent.objects.count()

    upload, result = submit(s001, [line(p) for p in products("S001", 3)], dry_run=True)

    assert result.ok and result.lines == 3 and result.promos == 1 and result.upload_id is None
    assert counts() == before
    assert PromoEvent.objects.count() == events
    assert not PromoUpload.objects.exists()
    assert mailoutbox == []


# --- large files and the task -------------------------------------------------------------------------------------


def test_a_large_file_is_queued_and_the_task_imports_it(demo_user, settings, django_capture_on_commit_callbacks):
    settings.PROMO_UPLOAD_ASYNC_ROWS = 3
    s001 = demo_user("s001")

    with django_capture_on_commit_callbacks(execute=True):
        upload, result = upload_submit(actor=s001, file=sheets.uploaded([line(p) for p in products("S001", 5)]),
                                       original_name="big.xlsx")

    assert result is None
    upload.refresh_from_db()
    assert upload.status == PromoUpload.Status.IMPORTED
    assert (upload.rows_done, upload.rows_total) == (5, 5)
    assert upload.summary["lines"] == 5


def test_a_crashing_task_marks_the_upload_failed_with_the_reason(demo_user, monkeypatch):
    from promo.services.imports import uploads

    upload = upload_create(actor=demo_user("s001"), file=sheets.uploaded([line(products("S001", 1)[0])]),
                           original_name="p.xlsx")

    def explode(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(uploads, "upload_save", explode)
    upload_process_task(upload.pk, upload.uploaded_by_id)

    upload.refresh_from_db()
    assert upload.status == PromoUpload.Status.FAILED
    assert "disk on fire" in upload.failure
    assert not Promo.objects.filter(uploads=upload).exists()


def test_the_task_skips_an_upload_already_finished(demo_user):
    upload, _ = submit(demo_user("s001"), [line(products("S001", 1)[0])])
    assert upload_process_task(upload.pk, upload.uploaded_by_id) is None
    assert Promo.objects.filter(uploads=upload).count() == 1


def test_an_unnamed_promo_is_revised_by_mechanic_and_period(demo_user):
    s001 = demo_user("s001")
    a, b = products("S001", 2)
    upload, _ = submit(s001, [line(a, **{"Название акции": None}), line(b, **{"Название акции": None})])
    promo = upload.promos.get()

    upload2, waiting = submit(s001, [line(a, **{"Название акции": None, "Скидка, %": 25})])
    # (a promo the sheet does not name, losing a line: shown first, applied once confirmed)
    assert waiting.needs_confirmation
    assert waiting.revisions[0]["reasons"] == ["removes_lines", "not_named"]
    result = upload_confirm(upload=upload2, actor=s001, today=TODAY)

    assert result.revisions == [{"promo": promo.code, "added": 0, "removed": 1, "changed": 1}]
    promo.refresh_from_db()
    assert promo.revision == 2 and promo.lines.count() == 1


# --- a double submit ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_same_file_submitted_twice_at_once_is_imported_once(demo_data, demo_user):
    """Two requests with the same file race each other: the advisory lock lets one import it
    and the other finds it imported (file_duplicate), whatever the timing."""
    import threading

    from django.db import connection

    s001 = demo_user("s001")
    content = sheets.workbook_bytes([line(p) for p in products("S001", 20)])
    barrier = threading.Barrier(2)
    results = []

    def send():
        try:
            barrier.wait()
            _upload, result = upload_submit(actor=s001, file=SimpleUploadedFile("p.xlsx", content),
                                            original_name="p.xlsx", today=TODAY)
            results.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(result.ok for result in results) == [False, True]
    refused = next(result for result in results if not result.ok)
    assert [e["code"] for e in refused.errors] == ["file_duplicate"]
    assert Promo.objects.count() == 1 and PromoLine.objects.count() == 20


def test_an_unreachable_broker_fails_the_queued_upload_instead_of_leaving_it_queued(
        demo_user, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.PROMO_UPLOAD_ASYNC_ROWS = 1

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(upload_process_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        upload, result = submit(demo_user("s001"), [line(p) for p in products("S001", 3)])

    assert result is None
    upload.refresh_from_db()
    assert upload.status == PromoUpload.Status.FAILED and "broker down" in upload.failure


def test_a_name_longer_than_the_tills_hold_is_saved_whole_with_one_warning(demo_user):
    # given a promo of three lines named in 130 characters, and another in exactly 100
    long_name, fits = "Д" * 130, "Ф" * 100
    first, second, third, fourth = products("S001", 4)
    rows = [line(first, **{"Название акции": long_name}), line(second, **{"Название акции": long_name}),
            line(third, **{"Название акции": long_name}), line(fourth, **{"Название акции": fits})]

    # when s001 uploads it
    upload, result = submit(demo_user("s001"), rows)

    # then both promos are saved with their names whole, and the long one is warned about once,
    # on its first row, saying how much of it the tills get
    assert result.ok
    assert sorted(Promo.objects.filter(uploads=upload).values_list("name", flat=True)) == sorted([long_name, fits])
    cut = [w for w in result.warnings if w["code"] == "name_cut_at_tills"]
    assert [(w["row"], w["column"]) for w in cut] == [(2, "Название акции")]
    assert "130" in cut[0]["message"] and "первые 100" in cut[0]["message"]
