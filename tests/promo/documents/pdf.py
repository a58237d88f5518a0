"""Reading back the PDFs the portal renders."""

from io import BytesIO

from pypdf import PdfReader


def body(response) -> bytes:
    """The bytes of a page's answer, streamed (a PDF file) or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def pdf_text(content: bytes) -> str:
    """The text of every page, whitespace collapsed (table cells wrap their words)."""
    reader = PdfReader(BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def pdf_pages(content: bytes) -> int:
    return len(PdfReader(BytesIO(content)).pages)


def embedded_fonts(content: bytes) -> set[str]:
    """Base names of the fonts whose program is embedded in the file."""
    names = set()
    for page in PdfReader(BytesIO(content)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor and any(key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(font["/BaseFont"]).split("+")[-1])
    return names
