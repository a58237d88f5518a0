"""Hostile and careless workbooks, built in code: the upload fuzz test posts them through the
API, ``bench/bench_hostile.py`` measures what each costs the reader and the error workbook.

- ``raw_xlsx`` writes a package from raw sheet XML (what a crafted file really is);
- ``crafted()`` is the catalogue of classes seen in issue 11 (bombs, entity tricks, odd values,
  odd structure), each small on disk;
- ``mutated(seed, count)`` derives broken files from the sample workbooks with a fixed-seed
  mutator: truncations, bit flips, zeroed blocks, a bit flip inside the sheet's deflate stream.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

WORKBOOKS = Path(__file__).resolve().parents[2] / "data" / "workbooks"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER = ["Название акции", "Штрихкод", "Механика", "Скидка, %", "Начало", "Окончание"]
# An EAN of the demo catalogue (S001's) and a valid period for the fuzz test's frozen day.
ROW = ["Акция", "4614155800444", "Скидка %", 15, 46569, 46580]


def column(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell(ref: str, value) -> str:
    """One <c> element: text as an inline string, numbers as numbers, "<..." as raw XML."""
    if isinstance(value, str) and value.startswith("<"):
        return value
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def sheet_xml(rows: dict[int, list], *, dimension: str | None = None, prolog: str = "", extra: str = "") -> str:
    """A worksheet part: ``rows`` is {row number: values from column A}."""
    out = [f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN_NS}">']
    if dimension:
        out.append(f'<dimension ref="{dimension}"/>')
    out.append("<sheetData>")
    for number, values in sorted(rows.items()):
        cells = "".join(cell(f"{column(index)}{number}", value)
                        for index, value in enumerate(values, start=1) if value is not None)
        out.append(f'<row r="{number}">{cells}</row>')
    out.append(f"</sheetData>{extra}</worksheet>")
    return "".join(out)


def raw_xlsx(sheets: list[tuple[str, str, str | None]], *, shared: str | None = None,
             styles: str | None = None) -> bytes:
    """A package of ``sheets`` ((name, sheet XML, state or None)), optionally with a shared
    strings part and a styles part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        types = ['<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                 'package/2006/content-types"><Default Extension="rels" ContentType="application/'
                 'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                 'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
                 '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>']
        for index in range(1, len(sheets) + 1):
            types.append(f'<Override PartName="/xl/worksheets/sheet{index}.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
        if shared is not None:
            types.append('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
        if styles is not None:
            types.append('<Override PartName="/xl/styles.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>')
        types.append("</Types>")
        archive.writestr("[Content_Types].xml", "".join(types))
        archive.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://'
                         'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                         f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        book = [f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>']
        rels = ['<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                'package/2006/relationships">']
        for index, (name, xml, state) in enumerate(sheets, start=1):
            visibility = f' state="{state}"' if state else ""
            book.append(f'<sheet name="{escape(name)}" sheetId="{index}"{visibility} r:id="rId{index}"/>')
            rels.append(f'<Relationship Id="rId{index}" Type="{REL_NS}/worksheet" '
                        f'Target="worksheets/sheet{index}.xml"/>')
            archive.writestr(f"xl/worksheets/sheet{index}.xml", xml)
        if shared is not None:
            rels.append(f'<Relationship Id="rIdS" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>')
            archive.writestr("xl/sharedStrings.xml", shared)
        if styles is not None:
            rels.append(f'<Relationship Id="rIdY" Type="{REL_NS}/styles" Target="styles.xml"/>')
            archive.writestr("xl/styles.xml", styles)
        book.append("</sheets></workbook>")
        rels.append("</Relationships>")
        archive.writestr("xl/workbook.xml", "".join(book))
        archive.writestr("xl/_rels/workbook.xml.rels", "".join(rels))
    return buffer.getvalue()


def one_sheet(rows: dict[int, list], **options) -> bytes:
    return raw_xlsx([("Акции", sheet_xml(rows, **options), None)])


def promo_rows(count: int = 1, first: int = 2) -> dict[int, list]:
    return {1: HEADER, **{first + index: list(ROW) for index in range(count)}}


def _billion_laughs() -> str:
    entities = ['<!ENTITY a "aaaaaaaaaa">'] + [
        f'<!ENTITY {chr(98 + level)} "{("&" + chr(97 + level) + ";") * 10}">' for level in range(8)]
    return f'<!DOCTYPE worksheet [{"".join(entities)}]>'


def _shared(strings: list[str]) -> str:
    items = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="{len(strings)}">{items}</sst>'


def crafted(*, heavy: bool = True) -> list[tuple[str, bytes]]:
    """(what it tries, the file) for each class of hostile file; ``heavy`` adds the two that
    take seconds to build (a million formatted rows, 4 million formatted cells)."""
    return [(name, build()) for name, build in CRAFTED.items() if heavy or name not in HEAVY]


_ROW = promo_rows()


def _formatted_rows() -> bytes:
    rows = "".join(f'<row r="{n}" s="1" customFormat="1"/>' for n in range(3, 1_048_577))
    return raw_xlsx([("Акции", sheet_xml(_ROW).replace("</sheetData>", rows + "</sheetData>"), None)])


def _formatted_cells() -> bytes:
    rows = "".join(f'<row r="{n}">' + "".join(f'<c r="{column(c)}{n}" s="1"/>' for c in range(1, 15)) + "</row>"
                   for n in range(3, 300_003))
    return raw_xlsx([("Акции", sheet_xml(_ROW).replace("</sheetData>", rows + "</sheetData>"), None)])


CRAFTED = {
    "far cell XFD1048576 (dense-array bomb)": lambda: one_sheet({**_ROW, 1_048_576: [None] * 16383 + ["x"]}),
    "far cell in the last row, column A": lambda: one_sheet({**_ROW, 1_048_576: ["x"]}),
    "declared dimension A1:XFD1048576": lambda: one_sheet(_ROW, dimension="A1:XFD1048576"),
    "dimension beyond any integer": lambda: one_sheet(_ROW, dimension="A1:F99999999999999"),
    "row number beyond Excel": lambda: one_sheet({**_ROW, 99_999_999: ["x"]}),
    "billion laughs": lambda: one_sheet(_ROW, prolog=_billion_laughs()),
    "undefined entity": lambda: raw_xlsx([("Акции", sheet_xml(_ROW).replace("Акция", "&nope;"), None)]),
    "external entity": lambda: one_sheet(_ROW, prolog='<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'),
    "malformed sheet XML": lambda: raw_xlsx([("Акции", sheet_xml(_ROW)[:-40] + "<<<", None)]),
    "raw NaN, INF and 1e999 cells": lambda: one_sheet({
        1: HEADER, 2: ["A", "4614155800444", "Скидка %", '<c r="D2"><v>NaN</v></c>', 46569, 46580],
        3: ["B", "4614155800444", "Скидка %", '<c r="D3"><v>INF</v></c>', '<c r="E3"><v>1e999</v></c>', 46580]}),
    "prices of 1e308 and 10^30": lambda: one_sheet({
        1: [*HEADER, "Промо-цена", "Регулярная цена"],
        2: ["A", "4614155800444", "Цена", None, 46569, 46580, 1e308, 10 ** 30],
        3: ["A", "4614155800444", "Цена", None, 46569, 46580, "1" * 400, 5]}),
    "control characters and NUL in text": lambda: one_sheet({
        1: HEADER, 2: ["A_x0000_B\x07", "4614155800444", "Скидка %", 15, 46569, 46580]}),
    "error cells": lambda: one_sheet({
        1: HEADER, 2: ["A", "4614155800444", "Скидка %", '<c r="D2" t="e"><v>#DIV/0!</v></c>', 46569, 46580]}),
    "shared-string amplification": lambda: raw_xlsx(
        [("Акции", sheet_xml({1: HEADER, **{n: [f'<c r="A{n}" t="s"><v>0</v></c>'] for n in range(2, 20002)}}), None)],
        shared=_shared(["я" * 30_000])),
    "shared string index out of range": lambda: raw_xlsx(
        [("Акции", sheet_xml({1: HEADER, 2: ['<c r="A2" t="s"><v>99</v></c>']}), None)], shared=_shared(["a"])),
    "lowercase, spaced and 4-letter references": lambda: one_sheet({
        **_ROW, 3: ['<c r="aaaa3"><v>1</v></c>'], 4: ["<c r = 'zz4'><v>1</v></c>"]}),
    "cells without references": lambda: raw_xlsx(
        [("Акции", sheet_xml(_ROW).replace(' r="A2"', "").replace(' r="B2"', ""), None)]),
    "rows out of order": lambda: one_sheet({5: list(ROW), 1: HEADER, 3: list(ROW)}),
    "huge styles part": lambda: raw_xlsx([("Акции", sheet_xml(_ROW), None)], styles=(
        f'<styleSheet xmlns="{MAIN_NS}"><cellXfs>' + '<xf numFmtId="0"/>' * 200_000 + "</cellXfs></styleSheet>")),
    "hidden sheet before the visible one": lambda: raw_xlsx([("Скрытый", sheet_xml(promo_rows()), "hidden"),
                                                             ("Акции", sheet_xml(promo_rows(2)), None)]),
    "data only on a very hidden sheet": lambda: raw_xlsx([("Акции", sheet_xml({1: HEADER}), None),
                                                          ("Тайный", sheet_xml(promo_rows()), "veryHidden")]),
    "two data sheets": lambda: raw_xlsx([("Март", sheet_xml(promo_rows()), None),
                                         ("Апрель", sheet_xml(promo_rows()), None)]),
    "many empty sheets": lambda: raw_xlsx([(f"Лист{n}", sheet_xml({}), None) for n in range(300)]),
    "a header that appears twice": lambda: one_sheet({1: [*HEADER, "Скидка"], 2: [*ROW, 20]}),
    "non-ASCII digits": lambda: one_sheet({
        1: HEADER, 2: ["A", "4614155800444", "Скидка %", "1²", "٠١.٠٦.٢٠٢٧", 46580],
        3: ["A", "４６１４１５５８００４４４", "Скидка %", "１５", 46569, 46580]}),
    "bidi and zero-width characters": lambda: one_sheet({
        1: HEADER, 2: ["Акция\u200b", "4614155800444", "Скидка %", "1\u202e5", 46569, 46580]}),
    "a promo name longer than its field": lambda: one_sheet({1: HEADER, 2: ["Я" * 5000, *ROW[1:]]}),
    "data after 5,000 blank rows": lambda: one_sheet({**_ROW, 5002: list(ROW)}),
    "rows formatted down to 1,048,576": _formatted_rows,
    "300,000 rows of formatted empty cells": _formatted_cells,
    "the workbook part missing": lambda: _without("xl/workbook.xml"),
    "empty zip": lambda: _empty_zip(),
    "zip with a wrong CRC": lambda: _bad_crc(),
}
HEAVY = {"rows formatted down to 1,048,576", "300,000 rows of formatted empty cells"}


def _without(part: str) -> bytes:
    source = (WORKBOOKS / "s001_discount_clean.xlsx").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename != part:
                new.writestr(info, old.read(info))
    return buffer.getvalue()


def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    return buffer.getvalue()


def _bad_crc() -> bytes:
    """The sheet part stored uncompressed with one byte changed after the CRC was computed."""
    source = (WORKBOOKS / "s001_discount_clean.xlsx").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
    data = bytearray(buffer.getvalue())
    at = data.find(b"<sheetData>")
    data[at + 1] ^= 0x01
    return bytes(data)


def _deflate_flip(source: bytes, rng: random.Random) -> bytes:
    """One bit flipped inside the compressed stream of the first sheet: zlib fails mid-part."""
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(source)
    # local header: 30 bytes + name + extra, then the compressed data
    name_length = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_length = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    if info.compress_size > 8:
        at = start + rng.randrange(2, info.compress_size)
        data[at] ^= 1 << rng.randrange(8)
    return bytes(data)


def _rezipped(source: bytes, change) -> bytes:
    """The package with one part's XML changed by ``change(xml) -> xml`` (a valid zip again)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as new:
        parts = [info.filename for info in old.infolist()]
        target = "xl/worksheets/sheet1.xml" if "xl/worksheets/sheet1.xml" in parts else parts[0]
        for name in parts:
            data = old.read(name)
            new.writestr(name, change(data) if name == target else data)
    return buffer.getvalue()


def _xml_mutation(kind: str, rng: random.Random):
    def change(xml: bytes) -> bytes:
        data = bytearray(xml)
        if kind == "xml-flip":
            for _flip in range(rng.randrange(1, 6)):
                at = rng.randrange(len(data))
                data[at] ^= 1 << rng.randrange(7)
        elif kind == "xml-cut":
            start = rng.randrange(len(data))
            del data[start:start + rng.randrange(1, 200)]
        else:  # xml-splice: a slice of the sheet repeated somewhere else
            start = rng.randrange(len(data))
            piece = data[start:start + rng.randrange(1, 400)]
            at = rng.randrange(len(data))
            data[at:at] = piece * rng.randrange(1, 4)
        return bytes(data)
    return change


def mutated(seed: int, count: int) -> list[tuple[str, bytes]]:
    """``count`` broken variants of the sample workbooks, the same for the same seed: damaged
    zips (truncated, bits flipped, blocks zeroed, the deflate stream hit) and valid zips whose
    sheet XML is damaged (bits flipped, bytes cut, slices repeated)."""
    rng = random.Random(seed)
    samples = sorted(path for path in WORKBOOKS.glob("*.xlsx") if "not_a_workbook" not in path.name)
    kinds = ("truncate", "xml-flip", "bitflip", "xml-cut", "zero", "xml-splice", "deflate")
    files = []
    for index in range(count):
        path = samples[index % len(samples)]
        data = bytearray(path.read_bytes())
        kind = kinds[index % len(kinds)]
        if kind.startswith("xml-"):
            files.append((f"{path.stem} {kind} #{index}", _rezipped(bytes(data), _xml_mutation(kind, rng))))
            continue
        if kind == "truncate":
            data = data[:rng.randrange(1, len(data))]
        elif kind == "bitflip":
            for _flip in range(rng.randrange(1, 8)):
                at = rng.randrange(len(data))
                data[at] ^= 1 << rng.randrange(8)
        elif kind == "zero":
            start = rng.randrange(len(data))
            end = min(len(data), start + rng.randrange(16, 4096))
            data[start:end] = bytes(end - start)
        else:
            data = bytearray(_deflate_flip(bytes(data), rng))
        files.append((f"{path.stem} {kind} #{index}", bytes(data)))
    return files
