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
