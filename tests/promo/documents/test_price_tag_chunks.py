"""Price tags rendered in chunks of whole pages and merged (bounded memory, issue 12) are the
one-shot document: the same pages in the same order, the same text on each, the fonts embedded,
the same bytes when there is only one chunk, and the same bytes on every run."""

from __future__ import annotations

import subprocess
from io import BytesIO

import pytest
from pypdf import PdfReader

from promo.services.documents import price_tag_chunks, price_tags_for, price_tags_pdf, price_tags_write
from tests.promo.documents.conftest import DAY
from tests.promo.documents.pdf import embedded_fonts
from tests.promo.documents.tagdata import running_lines

pytestmark = pytest.mark.django_db


def chunked(branch, tags, **kwargs) -> bytes:
    out = BytesIO()
    pages = price_tags_write(branch=branch, day=DAY, tags=tags, out=out, **kwargs)
    content = out.getvalue()
    assert pages == len(PdfReader(BytesIO(content)).pages)
    return content


def page_texts(content: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(content)).pages]


def pdftotext(content: bytes, tmp_path, name: str) -> list[str]:
    """poppler's text of each page (form feeds separate the pages)."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    return text.split("\f")


def page_images(content: bytes, tmp_path, name: str) -> list[bytes]:
    """Each page drawn by poppler at 40 dpi (greyscale PPM): the bars, the boxes and the glyphs."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(content)
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(path), str(tmp_path / name)], check=True)
    return [image.read_bytes() for image in sorted(tmp_path.glob(f"{name}-*.pgm"))]


@pytest.mark.parametrize("chunk_pages", [1, 2])
def test_chunks_give_the_pages_of_the_one_shot_document_in_order(branch, settings, tmp_path, chunk_pages):
    # given 50 tags in B0001 (3 pages: 21 + 21 + 8) and chunks of 1 or 2 pages (3 or 2 chunks)
    running_lines(50)
    tags = price_tags_for(branch=branch, day=DAY)
    assert len(tags) == 50
    settings.PROMO_PRICE_TAGS_CHUNK_PAGES = chunk_pages
    assert [len(chunk) for chunk in price_tag_chunks(tags)] == {1: [21, 21, 8], 2: [42, 8]}[chunk_pages]

    # when the tags are rendered in one go and in chunks
    one_shot = price_tags_pdf(branch=branch, day=DAY, tags=tags)
    merged = chunked(branch, tags)

    # then both have the same three pages, each with the same text, in the same order
    assert len(page_texts(merged)) == 3
    assert page_texts(merged) == page_texts(one_shot)
    assert pdftotext(merged, tmp_path, "merged") == pdftotext(one_shot, tmp_path, "one-shot")
    # and look the same: the same pixels on every page (barcodes, prices, boxes)
    images = page_images(merged, tmp_path, "merged")
    assert len(images) == 3 and images == page_images(one_shot, tmp_path, "one-shot")
    # every tag is on it once, in the one-shot order (by product name)
    text = " ".join(page_texts(merged))
    positions = [text.index(f"{tag.article} · {tag.promo_code}") for tag in tags]
    assert positions == sorted(positions)
    # with the fonts embedded and the document's title kept
    assert embedded_fonts(merged) >= {"PortalSans", "PortalSans-Bold"}
    assert PdfReader(BytesIO(merged)).metadata.title == PdfReader(BytesIO(one_shot)).metadata.title


def test_the_merged_file_is_the_same_bytes_on_every_run(branch, settings):
    running_lines(30)
    settings.PROMO_PRICE_TAGS_CHUNK_PAGES = 1
    tags = price_tags_for(branch=branch, day=DAY)

    assert chunked(branch, tags) == chunked(branch, tags)


def test_up_to_one_chunk_the_bytes_are_the_one_shot_documents(branch, percent_promo, nplusm_promo):
    # given two tags (one chunk of the default 10 pages)
    tags = price_tags_for(branch=branch, day=DAY)

    # then writing them is exactly the one-shot rendering, as before chunking existed
    assert chunked(branch, tags) == price_tags_pdf(branch=branch, day=DAY, tags=tags)


def test_a_day_without_tags_still_prints_the_page_saying_so(branch, settings):
    settings.PROMO_PRICE_TAGS_CHUNK_PAGES = 1

    content = chunked(branch, [])

    assert ["нет промо-акций" in text for text in page_texts(content)] == [True]


def test_progress_counts_the_tags_rendered_after_each_chunk(branch, settings):
    running_lines(50)
    settings.PROMO_PRICE_TAGS_CHUNK_PAGES = 1
    seen = []

    chunked(branch, price_tags_for(branch=branch, day=DAY), progress=lambda done, total: seen.append((done, total)))

    assert seen == [(21, 50), (42, 50), (50, 50)]
