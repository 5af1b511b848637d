"""Tests for jingjai_portal/lib/slip.py."""

import pytest
from _lib_import import load

slip = load("slip")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PNG, ("image/png", "png", "image")),
        (JPEG, ("image/jpeg", "jpg", "image")),
        (WEBP, ("image/webp", "webp", "image")),
        (PDF, ("application/pdf", "pdf", "pdf")),
    ],
)
def test_sniff_recognises_slip_types_by_content(content, expected):
    assert slip.sniff(content) == expected


@pytest.mark.parametrize(
    "content",
    [
        b"<html><script>alert(1)</script></html>",  # a page named slip.jpg
        b'<svg xmlns="http://www.w3.org/2000/svg"/>',  # SVG can carry scripts
        b"GIF89a" + b"\x00" * 16,  # not a slip format we accept
        b"PK\x03\x04" + b"\x00" * 16,  # a zip (or docx) renamed
        b"MZ\x90\x00" + b"\x00" * 16,  # a Windows executable
        b" %PDF-1.7\n%%EOF",  # the signature must come first
        b"x\x89PNG\r\n\x1a\n",
        b"RIFF\x24\x00\x00\x00WAVEfmt ",  # RIFF, but audio
    ],
)
def test_sniff_refuses_disguised_files(content):
    with pytest.raises(slip.SlipError) as error:
        slip.sniff(content)
    assert error.value.reason == "bad_type"


def test_sniff_refuses_a_pdf_without_end_marker():
    # Only the header: a truncated upload or a file that just starts like a PDF.
    with pytest.raises(slip.SlipError) as error:
        slip.sniff(b"%PDF-1.7\n" + b"A" * 5000)
    assert error.value.reason == "bad_type"


def test_sniff_refuses_empty():
    with pytest.raises(slip.SlipError) as error:
        slip.sniff(b"")
    assert error.value.reason == "empty"


def test_size_limit_is_five_megabytes_inclusive():
    assert slip.MAX_SLIP_BYTES == 5 * 1024 * 1024
    at_limit = PNG + b"\x00" * (slip.MAX_SLIP_BYTES - len(PNG))
    assert slip.sniff(at_limit)[0] == "image/png"
    with pytest.raises(slip.SlipError) as error:
        slip.sniff(at_limit + b"\x00")
    assert error.value.reason == "too_large"


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("โอนเงิน 12-03.jpg", "โอนเงิน 12-03.jpg"),
        ("C:\\Users\\me\\slip.png", "slip.png"),
        ("../../etc/passwd", "passwd"),
        ("a\x00b\nc.pdf", "abc.pdf"),
        ("", "slip"),
        (None, "slip"),
        ("x" * 300, "x" * 100),
    ],
)
def test_safe_display_name(filename, expected):
    assert slip.safe_display_name(filename) == expected


# ------------------------------------------------------------------
# PDFs: nothing active, in the bytes (sniff) or in what a reader parsed
# (pdf_active_name, fed here with dictionaries and lists as pypdf gives them).
# ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
        b"<< /Names << /JavaScript 5 0 R >> >>",
        b"<< /AA << /O 7 0 R >> >>",
        b"<< /OpenAction << /S /Launch /F (cmd.exe) >> >>",
        b"<< /Names << /EmbeddedFiles 9 0 R >> >>",
        b"<< /AcroForm << /XFA 4 0 R >> >>",
        b"<< /A << /S /SubmitForm /F (https://evil.example) >> >>",
        b"<</JS(x)>>",
    ],
)
def test_sniff_refuses_active_pdfs_in_plain_sight(body):
    with pytest.raises(slip.SlipError) as error:
        slip.sniff(b"%PDF-1.7\n1 0 obj\n" + body + b"\nendobj\n%%EOF\n")
    assert error.value.reason == "pdf_active"


def test_sniff_keeps_names_that_only_start_like_active_ones():
    # Subset fonts are named /AAAAAB+Tahoma; /JSON or /Launcher are no actions.
    pdf = b"%PDF-1.7\n<< /BaseFont /AAAAAB+Tahoma /JSON 1 /Launcher 2 >>\n%%EOF\n"
    assert slip.sniff(pdf)[0] == "application/pdf"


class Ref:
    """An indirect reference, as pypdf's IndirectObject: resolved on demand."""

    def __init__(self, target):
        self.target = target

    def get_object(self):
        return self.target


class OldRef:
    """PyPDF2 1.x spelling."""

    def __init__(self, target):
        self.target = target

    def getObject(self):
        return self.target


def _document(catalog_extra=None, page_extra=None):
    pages = {"/Type": "/Pages", "/Kids": [], "/Count": 1}
    page = {"/Type": "/Page", "/Parent": Ref(pages), "/MediaBox": [0, 0, 300, 400]}
    page.update(page_extra or {})
    pages["/Kids"].append(Ref(page))  # a cycle: page -> /Parent -> /Kids -> page
    catalog = {"/Type": "/Catalog", "/Pages": Ref(pages), **(catalog_extra or {})}
    return {"/Root": Ref(catalog), "/Size": 4}


def test_pdf_active_name_passes_a_plain_document():
    assert slip.pdf_active_name(_document()) is None
    # Opening on page 1 is a destination, not an action.
    assert slip.pdf_active_name(_document({"/OpenAction": [0, "/Fit"]})) is None


@pytest.mark.parametrize(
    ("catalog_extra", "page_extra", "found"),
    [
        ({"/OpenAction": Ref({"/S": "/JavaScript", "/JS": "x"})}, None, "/JS"),
        ({"/OpenAction": OldRef({"/S": "/Launch", "/F": "calc"})}, None, "/Launch"),
        (None, {"/AA": {"/O": Ref({"/S": "/GoTo"})}}, "/AA"),
        ({"/Names": {"/EmbeddedFiles": Ref({"/Names": []})}}, None, "/EmbeddedFiles"),
        (None, {"/Annots": [Ref({"/A": {"/S": "/SubmitForm"}})]}, "/SubmitForm"),
    ],
)
def test_pdf_active_name_finds_what_is_reachable(catalog_extra, page_extra, found):
    assert slip.pdf_active_name(_document(catalog_extra, page_extra)) == found


def test_pdf_active_name_gives_up_on_too_many_objects():
    trailer = {"/Root": [[{"/N": index}] for index in range(50)]}
    assert slip.pdf_active_name(trailer) is None
    with pytest.raises(slip.SlipError) as error:
        slip.pdf_active_name(trailer, max_objects=20)
    assert error.value.reason == "bad_type"
