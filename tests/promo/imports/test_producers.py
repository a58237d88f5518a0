"""Workbooks as other programs write them are still accepted (issue 11): openpyxl, XlsxWriter
(shared strings, and its constant-memory mode with inline strings), and a LibreOffice-style
package (shared strings, styled date serials, LibreOffice's row attributes). Each goes through
the upload API, on both engines."""

from datetime import date
from io import BytesIO

import pytest
import time_machine
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from promo.models import PromoLine
from suppliers.models import Product
from tests.promo.imports import hostile
from tests.promo.imports.sheets import END, HEADER, START, line, workbook_bytes

pytestmark = pytest.mark.django_db
UPLOADS = "/api/v1/uploads/"
EXCEL_EPOCH = date(1899, 12, 30)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-11-23 10:00 +07:00", tick=False):
        yield


@pytest.fixture(params=["calamine", "openpyxl"])
def engine(request, settings):
    settings.PROMO_IMPORT_ENGINE = request.param
    return request.param


def products() -> list[Product]:
    return list(Product.objects.filter(supplier__code="S001").order_by("article")[:4])


def xlsxwriter_bytes(rows: list[dict], *, constant_memory: bool = False) -> bytes:
    buffer = BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": not constant_memory, "constant_memory": constant_memory})
    sheet = book.add_worksheet("Акции")
    dates = book.add_format({"num_format": "dd.mm.yyyy"})
    percent = book.add_format({"num_format": "0%"})
    sheet.write_row(0, 0, HEADER)
    for number, row in enumerate(rows, start=1):
        for column, title in enumerate(HEADER):
            value = row.get(title)
            if value is None:
                continue
            if isinstance(value, date):
                sheet.write_datetime(number, column, value, dates)
            elif title == "Скидка, %":
                sheet.write_number(number, column, value / 100, percent)  # 15 % typed into a % cell
            elif title == "Штрихкод":
                sheet.write_string(number, column, value)
            else:
                sheet.write(number, column, value)
    book.close()
    return buffer.getvalue()


LIBREOFFICE_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{hostile.MAIN_NS}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="DD.MM.YYYY"/></numFmts>'
    '<fonts count="1"><font><sz val="10"/><name val="Arial"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border diagonalUp="false" diagonalDown="false"><left/><right/><top/><bottom/><diagonal/></border>'
    '</borders><cellStyleXfs count="1"><xf numFmtId="164" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyFont="false"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyFont="false" applyNumberFormat="true"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def libreoffice_bytes(rows: list[dict]) -> bytes:
    """A package shaped like LibreOffice Calc's: every text in the shared strings, dates as
    serials in a DD.MM.YYYY style, its row attributes, a sheetPr and a dimension."""
    strings: list[str] = []

    def text(value: str) -> int:
        if value not in strings:
            strings.append(value)
        return strings.index(value)

    out = []
    for number, values in enumerate([{title: title for title in HEADER}, *rows], start=1):
        cells = []
        for column, title in enumerate(HEADER, start=1):
            value, ref = values.get(title), f"{hostile.column(column)}{number}"
            if value is None:
                continue
            if isinstance(value, date):
                cells.append(f'<c r="{ref}" s="1" t="n"><v>{(value - EXCEL_EPOCH).days}</v></c>')
            elif isinstance(value, int | float):
                cells.append(f'<c r="{ref}" s="0" t="n"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}" s="0" t="s"><v>{text(str(value))}</v></c>')
        out.append(f'<row r="{number}" customFormat="false" ht="12.8" hidden="false" customHeight="false" '
                   f'outlineLevel="0" collapsed="false">{"".join(cells)}</row>')
    sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{hostile.MAIN_NS}" '
             f'xmlns:r="{hostile.REL_NS}"><sheetPr filterMode="false"><pageSetUpPr fitToPage="false"/></sheetPr>'
             f'<dimension ref="A1:M{len(rows) + 1}"/><sheetViews><sheetView showFormulas="false" '
             'tabSelected="true" workbookViewId="0"/></sheetViews><sheetFormatPr defaultColWidth="11.53515625" '
             f'defaultRowHeight="12.8"/><sheetData>{"".join(out)}</sheetData></worksheet>')
    shared = hostile._shared(strings)
    return hostile.raw_xlsx([("Акции", sheet, None)], shared=shared, styles=LIBREOFFICE_STYLES)


PRODUCERS = {
    "openpyxl": lambda rows: workbook_bytes(rows),
    "XlsxWriter": lambda rows: xlsxwriter_bytes(rows),
    "XlsxWriter constant memory": lambda rows: xlsxwriter_bytes(rows, constant_memory=True),
    "LibreOffice-style": libreoffice_bytes,
}


@pytest.mark.parametrize("producer", sorted(PRODUCERS))
def test_a_sheet_written_by_another_program_imports_the_same_lines(producer, engine, demo_user):
    # given four percent lines of S001 written by the producer
    rows = [line(p, **{"Скидка, %": 15 + index, "Комментарий": f"строка {index}"})
            for index, p in enumerate(products())]
    content = PRODUCERS[producer](rows)
    client = APIClient()
    client.force_authenticate(demo_user("s001"))
    # when it is uploaded
    response = client.post(UPLOADS, {"file": SimpleUploadedFile("promo.xlsx", content)}, format="multipart")
    # then it is accepted whole, with the values as written
    body = response.json()
    assert response.status_code == 201 and body["ok"], body["errors"]
    assert (body["lines"], body["sheet"], body["warnings"]) == (4, "Акции", [])
    saved = sorted(PromoLine.objects.values_list("product__article", "discount_percent", "comment",
                                                 "promo__start", "promo__end"))
    assert saved == sorted((p.article, 15 + index, f"строка {index}", START, END)
                           for index, p in enumerate(products()))
