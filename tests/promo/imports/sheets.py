"""Building promo sheets for tests: rows as dicts keyed by the template's Russian headers,
written with openpyxl. Defaults give a valid percent line of the given product."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

HEADER = [
    "Название акции", "Артикул", "Штрихкод", "Наименование", "Механика", "Скидка, %", "Промо-цена",
    "Регулярная цена", "Начало", "Окончание", "Компенсация поставщика, %", "Филиалы", "Комментарий",
]
BULK_HEADER = ["Поставщик", *HEADER]
START = date(2027, 3, 1)
END = date(2027, 3, 14)


def line(product, **values) -> dict:
    """A valid «Скидка %» row of ``product`` (a Product), overridable by header title:
    ``line(p, **{"Скидка, %": 150})``."""
    row = {
        "Название акции": "Тестовая акция", "Артикул": product.article, "Штрихкод": product.ean,
        "Наименование": product.name, "Механика": "Скидка %", "Скидка, %": 15, "Промо-цена": None,
        "Регулярная цена": float(product.regular_price), "Начало": START, "Окончание": END,
        "Компенсация поставщика, %": 10, "Филиалы": "Все", "Комментарий": None,
    }
    row.update(values)
    return row


def workbook_bytes(rows: list[dict], *, header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Акции"
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(title) for title in header])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def uploaded(rows: list[dict], *, name: str = "promo.xlsx", header: list[str] = HEADER) -> SimpleUploadedFile:
    """The sheet as a Django uploaded file (for services, forms and test clients)."""
    return SimpleUploadedFile(
        name, workbook_bytes(rows, header=header),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def submit(user, rows: list[dict], name: str = "promo.xlsx", *, today: date):
    """``rows`` uploaded by ``user`` through the upload service, as the page and the API do:
    ``(upload, result)``."""
    from promo.services.imports.uploads import upload_submit

    return upload_submit(actor=user, file=uploaded(rows, name=name), original_name=name, today=today)
