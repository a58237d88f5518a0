"""Upload pages: the form (drag and drop, template links, the marketer's supplier choice), the
history, one upload with its errors, warnings, promos and error workbook, the live progress
fragment, and who may see what."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from promo.models import Promo, PromoUpload, UploadSaveProgress
from promo.services.imports.uploads import XLSX_CONTENT_TYPE, upload_create
from suppliers.models import Product
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    import time_machine

    with time_machine.travel("2026-11-23 10:00 +07:00", tick=False):
        yield


def products(code: str, count: int) -> list[Product]:
    return list(Product.objects.filter(supplier__code=code).order_by("article")[:count])


def post_sheet(client, rows, **data):
    return client.post(reverse("promo:upload_create"), {"file": sheets.uploaded(rows), **data})


def test_the_upload_page_offers_a_drop_zone_the_file_field_and_the_templates(client_for):
    page = client_for("s001").get(reverse("promo:upload_create"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="file"' in html and "data-dropzone" in html and 'enctype="multipart/form-data"' in html
    assert "Скачать шаблон" in html
    assert f'{reverse("promo:template_download")}?lang=ru' in html
    assert f'{reverse("promo:template_download")}?lang=en' in html
    assert "data-once" in html  # the button is disabled after the first submit
    assert 'name="supplier"' not in html  # a supplier user uploads for its own supplier only


def test_the_nav_links_to_uploads_for_suppliers_and_marketers(client_for):
    html = client_for("s001").get(reverse("home")).content.decode()
    assert "Загрузить акции" in html and "Мои загрузки" in html
    html = client_for("marketer").get(reverse("home")).content.decode()
    assert "Загрузить акции" in html and ">Загрузки<" in html


def test_a_small_file_is_imported_at_once_and_its_page_links_the_promos(client_for):
    # given / when: s001 posts a valid sheet
    client = client_for("s001")
    response = post_sheet(client, [line(p) for p in products("S001", 3)])

    # then: to the upload's page, which shows the result and links the new promo
    upload = PromoUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == upload.get_absolute_url()
    page = client.get(upload.get_absolute_url()).content.decode()
    promo = Promo.objects.get(uploads=upload)
    assert "Загружено" in page and "Прочитан лист «Акции»." in page
    assert promo.get_absolute_url() in page and promo.code in page
    assert "hx-trigger" not in page  # finished: no polling


def test_a_rejected_file_shows_every_error_with_row_column_and_message_and_the_workbook_link(client_for):
    client = client_for("s001")
    a, b = products("S001", 2)
    post_sheet(client, [line(a), line(b, **{"Скидка, %": 150, "Механика": "Скидка %"}), line(a, **{"Скидка, %": 20})])

    upload = PromoUpload.objects.get()
    page = client.get(upload.get_absolute_url()).content.decode()
    assert upload.status == "rejected"
    assert 'data-code="discount_out_of_range" data-row="3"' in page
    assert 'data-code="duplicate_conflict" data-row="4"' in page
    assert "Скидка 150 % вне допустимого диапазона" in page
    assert "<td>Скидка, %</td>" in page
    assert reverse("promo:upload_error_workbook", args=[upload.pk]) in page


def test_the_error_workbook_marks_the_bad_cells_and_lists_the_errors(client_for):
    client = client_for("s001")
    post_sheet(client, [line(products("S001", 1)[0], **{"Скидка, %": 150})])
    upload = PromoUpload.objects.get()

    response = client.get(reverse("promo:upload_error_workbook", args=[upload.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    assert "Ошибки" in book.sheetnames
    errors = [row for row in book["Ошибки"].iter_rows(values_only=True) if any(row)]
    assert any("150" in str(cell) for row in errors for cell in row)


def test_the_error_workbook_is_built_once_per_language_and_kept(client_for, monkeypatch):
    # given a rejected upload whose error workbook was downloaded once
    client = client_for("s001")
    post_sheet(client, [line(products("S001", 1)[0], **{"Скидка, %": 150})])
    upload = PromoUpload.objects.get()
    first = client.get(reverse("promo:upload_error_workbook", args=[upload.pk]))

    # when it is downloaded again, building it anew is not needed
    from promo.services.imports import uploads

    def must_not_build(**kwargs):
        raise AssertionError("the stored error workbook should have been served")

    monkeypatch.setattr(uploads, "build_error_workbook", must_not_build)
    second = client.get(reverse("promo:upload_error_workbook", args=[upload.pk]))

    # then the same workbook comes back
    assert second.status_code == 200 and second.content == first.content


def test_the_worker_prepares_the_error_workbook_of_a_rejected_queued_upload(demo_user):
    # given a queued upload with an error, processed by the import task
    from django.core.files.storage import default_storage

    from promo.services.imports.uploads import _error_workbook_name
    from promo.tasks.imports import upload_process_task

    s001 = demo_user("s001")
    upload = upload_create(actor=s001, file=sheets.uploaded([line(products("S001", 1)[0], **{"Скидка, %": 150})]),
                           original_name="big.xlsx")
    upload_process_task(upload.pk, s001.pk)

    # then the annotated workbook is already stored for the supplier's download
    upload.refresh_from_db()
    assert upload.status == "rejected"
    assert default_storage.exists(_error_workbook_name(upload, "ru"))


def test_a_marketer_chooses_the_supplier_or_none_for_a_bulk_file(client_for):
    client = client_for("marketer")
    html = client.get(reverse("promo:upload_create")).content.decode()
    assert 'name="supplier"' in html and "сводный файл" in html

    rows = [{"Поставщик": "S002", **line(p)} for p in products("S002", 2)]
    response = client.post(reverse("promo:upload_create"),
                           {"file": sheets.uploaded(rows, header=sheets.BULK_HEADER), "supplier": ""})

    upload = PromoUpload.objects.get()
    assert response.status_code == 302
    assert upload.status == "imported" and upload.supplier is None
    assert Promo.objects.get(uploads=upload).supplier.code == "S002"


def test_a_dry_run_shows_the_outcome_and_saves_nothing(client_for):
    client = client_for("s001")
    response = post_sheet(client, [line(products("S001", 1)[0], **{"Скидка, %": 150})], dry_run="on")
    html = response.content.decode()
    assert response.status_code == 200
    assert "ничего не сохранено" in html and 'data-code="discount_out_of_range"' in html
    assert not PromoUpload.objects.exists()


def test_a_file_that_is_not_a_workbook_is_a_clear_error_not_a_500(client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("s001")
    response = client.post(reverse("promo:upload_create"),
                           {"file": SimpleUploadedFile("promo.xlsx", "Артикул;Скидка\nA1;10\n".encode())})

    upload = PromoUpload.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert upload.status == "rejected"
    assert "а не книга Excel" in page and "«Книга Excel (.xlsx)»" in page


def test_a_file_above_the_cap_is_refused_on_the_form(client_for, settings):
    settings.PROMO_UPLOAD_MAX_BYTES = 100
    response = post_sheet(client_for("s001"), [line(products("S001", 1)[0])])
    assert response.status_code == 400
    assert "МБ" in response.content.decode()
    assert not PromoUpload.objects.exists()


def test_a_queued_upload_shows_a_live_progress_bar_polled_by_htmx(client_for, demo_user):
    client = client_for("s001")
    upload = upload_create(actor=demo_user("s001"), file=sheets.uploaded([line(products("S001", 1)[0])]),
                           original_name="big.xlsx")
    PromoUpload.objects.filter(pk=upload.pk).update(status="processing", rows_done=1200, rows_total=3000)
    progress_url = reverse("promo:upload_progress", args=[upload.pk])

    page = client.get(upload.get_absolute_url()).content.decode()
    fragment = client.get(progress_url, HTTP_HX_REQUEST="true").content.decode()

    # (reading and checking fill the bar up to 70 %, saving the rest)
    for html in (page, fragment):
        assert f'hx-get="{progress_url}"' in html and 'hx-trigger="every 1s"' in html
        assert "1200 из 3000" in html and 'value="28"' in html
    assert "<html" not in fragment  # a fragment, swapped in place

    # when the sheet is read and the lines are being saved, the bar goes on from there
    PromoUpload.objects.filter(pk=upload.pk).update(rows_done=3000)
    UploadSaveProgress.objects.create(upload_id=upload.pk, attempt=upload.attempt, total=2500, done=1250)
    fragment = client.get(progress_url, HTTP_HX_REQUEST="true").content.decode()
    assert 'value="85"' in fragment and "сохранение: строк промо 1250 из 2500" in fragment
    assert 'hx-trigger="every 1s"' in fragment

    # when the upload finishes, the fragment carries the result and stops polling
    PromoUpload.objects.filter(pk=upload.pk).update(status="rejected", rows_done=3000, errors=[
        {"row": 5, "column": "Скидка, %", "code": "discount_out_of_range", "message": "",
         "params": {"value": "150", "min": 1, "max": 90}}])
    fragment = client.get(progress_url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in fragment
    assert "Скидка 150 % вне допустимого диапазона" in fragment


def test_the_history_lists_own_uploads_only(client_for, demo_user):
    for username in ("s001", "s002"):
        upload_create(actor=demo_user(username), file=sheets.uploaded([line(products(username.upper(), 1)[0])]),
                      original_name=f"{username}.xlsx")

    html = client_for("s001").get(reverse("promo:upload_list")).content.decode()

    assert "s001.xlsx" in html and "s002.xlsx" not in html


def test_the_history_names_the_uploader_as_the_upload_page_does(client_for, demo_user):
    # given an upload of s001, whose user has a full name
    s001 = demo_user("s001")
    assert s001.get_full_name()
    upload_create(actor=s001, file=sheets.uploaded([line(products("S001", 1)[0])]), original_name="a.xlsx")
    client = client_for("s001")
    # when the history is read, in Russian and in English
    russian = client.get(reverse("promo:upload_list")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("promo:upload_list")).content.decode()
    # then the uploader is named as on the upload's page (not by his login), and the counts'
    # columns say what they count
    assert f"<td>{s001.get_full_name()}</td>" in russian and "<td>s001</td>" not in russian
    assert "Строк в файле" in russian
    assert "Sheet rows" in english and ">Promos<" in english


def test_another_suppliers_upload_is_a_404(client_for, demo_user):
    upload = upload_create(actor=demo_user("s002"), file=sheets.uploaded([line(products("S002", 1)[0])]),
                           original_name="s002.xlsx")
    client = client_for("s001")
    for name in ("upload_detail", "upload_progress", "upload_error_workbook"):
        assert client.get(reverse(f"promo:{name}", args=[upload.pk])).status_code == 404


def test_category_managers_have_no_upload_pages(client_for):
    client = client_for("manager")
    assert client.get(reverse("promo:upload_create")).status_code == 403
    assert client.get(reverse("promo:upload_list")).status_code == 403


def test_anonymous_users_are_sent_to_the_login(client):
    response = client.get(reverse("promo:upload_create"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_template_downloads_in_both_languages(client_for, lang):
    response = client_for("s001").get(reverse("promo:template_download"), {"lang": lang})
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content), read_only=True)
    header = next(book.worksheets[0].iter_rows(max_row=1, values_only=True))
    assert ("Штрихкод" if lang == "ru" else "Barcode") in header


@pytest.mark.parametrize("supplier", ["²", "abc", "9" * 30])
def test_the_template_for_an_odd_supplier_id_is_the_plain_template(client_for, supplier):
    # when: a marketer's template link carries something that is no supplier id
    response = client_for("marketer").get(reverse("promo:template_download"), {"supplier": supplier})

    # then: the template without a supplier's products, not a server error
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE


def test_the_history_page_query_count_stays_flat(client_for, demo_user, django_assert_max_num_queries):
    # given: many uploads with promos
    s001 = demo_user("s001")
    for index in range(15):
        upload = upload_create(actor=s001, file=sheets.uploaded([line(products("S001", 1)[0])]),
                               original_name=f"{index}.xlsx")
        upload.promos.add(*Promo.objects.filter(pk__in=[]))
    client = client_for("s001")

    with django_assert_max_num_queries(12):
        response = client.get(reverse("promo:upload_list"))
    assert response.status_code == 200 and response.content.decode().count("data-upload=") == 15


def test_the_upload_page_query_count_does_not_grow_with_its_promos(client_for, demo_user,
                                                                    django_assert_max_num_queries):
    # given: a bulk upload that created many promos
    rows = [{"Поставщик": p.supplier.code, **line(p, **{"Название акции": f"Акция {i}"})}
            for i, p in enumerate(Product.objects.select_related("supplier").order_by("pk")[:40])]
    client = client_for("marketer")
    client.post(reverse("promo:upload_create"), {"file": sheets.uploaded(rows, header=sheets.BULK_HEADER)})
    upload = PromoUpload.objects.get()
    assert upload.promos.count() == 40

    with django_assert_max_num_queries(12):
        response = client.get(upload.get_absolute_url())
    assert response.content.decode().count("data-promo=") == 40


@pytest.fixture
def portal_language_after():
    """A request in English leaves English active in the test process: back to the default."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.mark.usefixtures("portal_language_after")
@pytest.mark.parametrize(("language", "expected"), [
    ("ru", "Промо-цена {price},00 не ниже регулярной цены {regular},{kopecks}"),
    ("en", "Promo price {price}.00 is not below the regular price {regular}.{kopecks}"),
])
def test_a_rejected_upload_writes_its_prices_in_the_readers_language(client_for, settings, language, expected):
    # given s001 reading the portal in ``language`` and a fixed-price row above the regular price
    product = products("S001", 1)[0]
    price = int(product.regular_price) + 10
    client = client_for("s001")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    row = line(product, **{"Механика": "Цена", "Скидка, %": None, "Промо-цена": price})

    # when the sheet is uploaded and its page opened
    post_sheet(client, [row])
    html = client.get(PromoUpload.objects.latest("pk").get_absolute_url()).content.decode()

    # then the prices have two decimals with the language's decimal separator
    whole, kopecks = f"{product.regular_price:.2f}".split(".")
    assert expected.format(price=price, regular=whole, kopecks=kopecks) in html


@pytest.mark.usefixtures("portal_language_after")
@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_row_lists_its_errors_in_the_same_order_on_the_page_and_in_the_error_workbook(
        client_for, settings, language):
    # given a row whose discount, compensation and planned quantity are not numbers, read in
    # ``language``
    client = client_for("s001")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    header = [*sheets.HEADER, "План, шт"]
    row = line(products("S001", 1)[0], **{"Скидка, %": "abc", "Компенсация поставщика, %": "десять",
                                          "План, шт": "много"})
    client.post(reverse("promo:upload_create"), {"file": sheets.uploaded([row], header=header)})
    upload = PromoUpload.objects.latest("pk")

    # when the page and the error workbook are opened
    html = client.get(upload.get_absolute_url()).content.decode()
    workbook = load_workbook(BytesIO(client.get(reverse("promo:upload_error_workbook", args=[upload.pk])).content))

    # then both list the row's errors left to right, as the columns stand in the sheet
    expected = ["price_invalid", "price_invalid", "quantity_invalid"]
    on_page = [chunk.split('"')[0] for chunk in html.split('data-code="')[1:]]
    listed = workbook.worksheets[0]
    in_workbook = [(row[1], row[2]) for row in listed.iter_rows(min_row=2, values_only=True)]
    assert on_page == expected
    assert in_workbook == [("Скидка, %", "price_invalid"), ("Компенсация поставщика, %", "price_invalid"),
                           ("План, шт", "quantity_invalid")]
    # and a discount or compensation that is no number is asked for as a percent, not a price
    percent = {"ru": "Укажите процент числом, например 15 или 15,5.",
               "en": "Enter the percentage as a number, e.g. 15 or 15.5."}[language]
    assert html.count(percent) == 2 and "199" not in html


def test_the_history_counts_each_uploads_warnings_next_to_its_errors(client_for):
    # given: an upload imported with a warning (the product's name differs from the catalogue)
    client = client_for("s001")
    product = products("S001", 1)[0]
    post_sheet(client, [line(product, **{"Наименование": "Совсем другой товар"})])
    upload = PromoUpload.objects.get()
    assert upload.status == PromoUpload.Status.IMPORTED and len(upload.warnings) == 1

    # when the supplier reads the history
    html = client.get(reverse("promo:upload_list")).content.decode()

    # then the row says there is a warning to read (before, only errors were counted)
    assert ">Предупреждений<" in html
    assert '<td class="num" data-warnings><span class="warn">1</span></td>' in html


def test_an_uploads_page_names_the_revision_it_made_and_the_terms_it_changed(client_for):
    # given: a promo uploaded by s001, then corrected twice: first its targeting (to one region),
    # then one discount
    from branches.models import Region

    client = client_for("s001")
    items = products("S001", 2)
    region = Region.objects.order_by("name").first()
    post_sheet(client, [line(p) for p in items])
    post_sheet(client, [line(p, **{"Филиалы": region.name}) for p in items])
    post_sheet(client, [line(items[0], **{"Филиалы": region.name, "Скидка, %": 30}),
                        line(items[1], **{"Филиалы": region.name})])
    first, targeting, discount = PromoUpload.objects.order_by("pk")
    assert discount.promos.get().revision == 3

    # when the supplier opens the page of the targeting correction
    html = client.get(targeting.get_absolute_url()).content.decode()

    # then it names the revision it made (2, not the promo's current 3) and the changed targeting,
    # which no line count shows
    assert "ревизия 2: добавлено 0, удалено 0, изменено 0; изменены условия: филиалы" in html
    assert "ревизия 3" not in html
    # and in English as well
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(targeting.get_absolute_url()).content.decode()
    assert "revision 2: 0 added, 0 removed, 0 changed; terms changed: branches" in english


def test_a_dry_run_says_which_promo_terms_a_correction_would_change(client_for):
    # given: a promo uploaded by s001 for the whole chain
    from branches.models import Region

    client = client_for("s001")
    items = products("S001", 2)
    region = Region.objects.order_by("name").first()
    post_sheet(client, [line(p) for p in items])

    # when the supplier checks (saving nothing) a correction moving it to one region
    html = post_sheet(client, [line(p, **{"Филиалы": region.name}) for p in items],
                      dry_run="on").content.decode()

    # then the check says the branches would change, which no line count shows
    promo = Promo.objects.get()
    assert f"{promo.code}: будет новая ревизия (добавлено 0, удалено 0, изменено 0); изменены условия: филиалы" in html
    # and nothing changed
    assert (promo.revision, promo.targeting["chain"]) == (1, True)
