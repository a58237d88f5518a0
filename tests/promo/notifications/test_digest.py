"""A bulk import is announced once: one digest per recipient listing every promo, not one
mail per line or per promo."""

from collections import Counter
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from promo.models import OutboxMessage, Promo, PromoEvent
from promo.services.imports.uploads import upload_submit
from suppliers.models import Product, Supplier
from tests.factories import marketer, supplier_user

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
