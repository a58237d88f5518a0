"""A bulk import is announced once: one digest per recipient listing every promo, not one
mail per line or per promo."""

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from promo.models import OutboxMessage, Promo, PromoEvent, PromoLine
from promo.notifications.messages import MAX_PROMOS
from promo.services.events import event_record
from promo.services.imports.uploads import upload_submit
from suppliers.models import Product, Supplier
from tests.factories import PromoUploadFactory, marketer, supplier_user

Kind = PromoEvent.Kind
pytestmark = pytest.mark.django_db

HEADER = ("Название акции", "Артикул", "Штрихкод", "Наименование", "Механика", "Скидка, %", "Промо-цена",
          "Регулярная цена", "Начало", "Окончание", "Компенсация поставщика, %", "Филиалы", "Комментарий")


def workbook_of_s001(*, promos: int) -> bytes:
    """A supplier sheet of S001: ``promos`` promos × its 50 products (10 promos = 500 lines)."""
    products = list(Product.objects.filter(supplier__code="S001").order_by("article"))
    book = Workbook()
    sheet = book.active
    sheet.title = "Акции"
    sheet.append(HEADER)
    for index in range(promos):
        start = date(2027, 3, 1) + timedelta(days=10 * index)
        for product in products:
            sheet.append((f"Весна {index + 1}", product.article, product.ean, product.name, "Скидка %", 15,
                          None, float(product.regular_price), start, start + timedelta(days=6), 10, "Все",
                          None))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_500_line_import_sends_one_digest_per_recipient(demo_user, django_capture_on_commit_callbacks):
    # given S001's uploader, a colleague of his and the marketers
    uploader = demo_user("s001")
    colleague = supplier_user(Supplier.objects.get(code="S001"), username="s001-colleague")
    extra_marketer = marketer(username="second-marketer")
    content = workbook_of_s001(promos=10)

    # when the 500-line sheet is imported and committed
    with django_capture_on_commit_callbacks(execute=True):
        upload, result = upload_submit(actor=uploader, file=SimpleUploadedFile("spring.xlsx", content),
                                       original_name="spring.xlsx")

    # then the import made 10 promos of 500 lines and exactly one message per recipient
    assert result.ok, result.errors
    assert (result.lines, result.promos) == (500, 10)
    messages = OutboxMessage.objects.all()
    per_recipient = Counter(messages.values_list("recipient__username", flat=True))
    assert set(per_recipient.values()) == {1}
    assert {"s001-colleague", "marketer", "second-marketer"} <= set(per_recipient)
    assert "s001" not in per_recipient
    assert set(messages.values_list("event__kind", flat=True)) == {PromoEvent.Kind.UPLOAD_IMPORTED}
    assert len(mail.outbox) == len(per_recipient)

    # and the digest lists every promo of the file
    digest = messages.get(recipient=colleague)
    assert digest.subject == "[Промо-портал] Файл загружен: spring.xlsx, промо: 10"
    for promo in Promo.objects.filter(uploads=upload):
        assert promo.code in digest.body_text
        assert promo.code in digest.body_html
    assert messages.get(recipient=extra_marketer).body_text == digest.body_text


def promos_of(world, count: int) -> list[Promo]:
    """``count`` promos of the world's supplier, each with one line in the first category."""
    promos = Promo.objects.bulk_create([
        Promo(supplier=world.supplier, name=f"Неделя {index}", mechanic=Promo.Mechanic.PERCENT,
              start=date(2027, 3, 1), end=date(2027, 3, 7), targeting={"chain": True})
        for index in range(count)
    ])
    product = world.promo.lines.get(product__category=world.categories[0]).product
    PromoLine.objects.bulk_create([
        PromoLine(promo=promo, product=product, discount_percent=Decimal("15.00"),
                  regular_price=product.regular_price) for promo in promos
    ])
    return promos


# The queries of recording a digest event and queueing its mails (7 for an import, 9 for a mass
# correction, which also finds the categories' managers), whatever the number of promos in it.
DIGEST_QUERIES = 9


@pytest.mark.parametrize("count", [3, 300])
def test_an_import_digest_costs_the_same_queries_for_3_and_300_promos(world, count, django_assert_max_num_queries):
    # given an upload of the supplier that touched ``count`` promos
    promos = promos_of(world, count)
    upload = PromoUploadFactory(supplier=world.supplier, uploaded_by=world.author)

    # when its digest is recorded, then the queries do not grow with the promos
    with django_assert_max_num_queries(DIGEST_QUERIES):
        event = event_record(kind=Kind.UPLOAD_IMPORTED, actor=world.author, upload=upload,
                             payload={"promos": [promo.pk for promo in promos], "rows": count})

    # and the colleague's one digest lists the promos, the first MAX_PROMOS of them by name
    digest = OutboxMessage.objects.get(event=event, recipient=world.colleague)
    assert all(promo.code in digest.body_text for promo in promos[:MAX_PROMOS])
    assert not any(promo.code in digest.body_text for promo in promos[MAX_PROMOS:])


@pytest.mark.parametrize("count", [3, 300])
def test_a_mass_correction_digest_costs_the_same_queries_for_3_and_300_promos(
        world, count, django_assert_max_num_queries):
    # given a mass correction of ``count`` promos, each with its own changes, some by promo id
    promos = promos_of(world, count)
    items = [{"promo_id": promo.pk, "changes": [
        {"field": "start", "old": "2027-03-01", "new": "2027-03-08"},
        {"field": "discount_percent", "article": "A1", "old": "15.00", "new": "20.00"},
    ]} for promo in promos]
    by_id = {str(promo.pk): [{"field": "promo_price", "article": "A2", "old": "99.90", "new": "89.90"}]
             for promo in promos[::2]}

    # when the digest is recorded, then the queries do not grow with the promos
    with django_assert_max_num_queries(DIGEST_QUERIES):
        event = event_record(kind=Kind.MASS_CORRECTED, actor=world.marketer, reason="Сдвиг",
                             payload={"promos": items, "changes": by_id})

    # and the category's manager reads each promo with its own changes, in one message
    text = OutboxMessage.objects.get(event=event, recipient=world.managers[0]).body_text
    listed = promos[:MAX_PROMOS]
    assert text.count("начало: 01.03.2027 → 08.03.2027") == len(listed)
    assert text.count("A1 · скидка, %: 15 → 20") == len(listed)
    assert text.count("A2 · промо-цена: 99,90 → 89,90") == len(listed[::2])
    assert not OutboxMessage.objects.filter(event=event, recipient=world.managers[2]).exists()


def test_a_digest_of_more_promos_than_a_mail_lists_links_to_all_of_them(world):
    # given an upload of the supplier that touched 250 promos
    promos = promos_of(world, MAX_PROMOS + 150)
    upload = PromoUploadFactory(supplier=world.supplier, uploaded_by=world.author, original_name="year.xlsx")

    # when its digest is recorded
    event = event_record(kind=Kind.UPLOAD_IMPORTED, actor=world.author, upload=upload,
                         payload={"promos": [promo.pk for promo in promos], "rows": len(promos)})

    # then the colleague's mail counts all 250 promos, lists the first 100 and links to the upload
    digest = OutboxMessage.objects.get(event=event, recipient=world.colleague)
    assert digest.subject == "[Промо-портал] Файл загружен: year.xlsx, промо: 250"
    assert "Промо в нём: 250." in digest.body_text
    assert [p.code for p in promos if p.code in digest.body_text] == [p.code for p in promos[:MAX_PROMOS]]
    upload_url = f"{settings.PORTAL_BASE_URL}/promo/uploads/{upload.pk}/"
    assert f"…и ещё промо: 150. Все промо: {upload_url}" in digest.body_text
    assert f'<a href="{upload_url}">' in digest.body_html
    assert promos[MAX_PROMOS].code not in digest.body_html


def test_a_digest_that_fits_in_a_mail_has_no_more_line(world):
    # given an upload of the supplier that touched exactly MAX_PROMOS promos
    promos = promos_of(world, MAX_PROMOS)
    upload = PromoUploadFactory(supplier=world.supplier, uploaded_by=world.author)

    # when its digest is recorded, then it lists every promo and says nothing of more
    event = event_record(kind=Kind.UPLOAD_IMPORTED, actor=world.author, upload=upload,
                         payload={"promos": [promo.pk for promo in promos], "rows": len(promos)})
    digest = OutboxMessage.objects.get(event=event, recipient=world.colleague)
    assert all(promo.code in digest.body_text for promo in promos)
    assert "и ещё промо" not in digest.body_text
