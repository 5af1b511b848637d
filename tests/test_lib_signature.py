"""Tests for jingjai_portal/lib/signature.py."""

import base64
import io

import pytest
from _lib_import import load

Image = pytest.importorskip("PIL.Image")

signature = load("signature")


def _image_b64(size=(300, 100), mode="RGBA", fmt="PNG", draw=True, **save):
    image = Image.new(mode, size, (0, 0, 0, 0) if mode == "RGBA" else "white")
    if draw:
        for x in range(20, 200):
            image.putpixel((x, 50), (0, 0, 139, 255) if mode == "RGBA" else (0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return base64.b64encode(buffer.getvalue()).decode()


def _reason(data):
    with pytest.raises(signature.SignatureError) as info:
        signature.decode_signature(data)
    return info.value.reason


def test_signature_error_is_value_error_with_reason_and_message():
    error = signature.SignatureError("blank")
    assert isinstance(error, ValueError)
    assert error.reason == "blank"
    assert "empty" in str(error)


def test_drawn_png_is_accepted_and_decoded():
    data = _image_b64()
    assert signature.decode_signature(data) == base64.b64decode(data)
    assert signature.decode_signature(data.encode()) == base64.b64decode(data)


def test_jpeg_photo_is_accepted():
    assert signature.decode_signature(_image_b64(mode="RGB", fmt="JPEG"))


@pytest.mark.parametrize("data", [None, "", b""])
def test_missing(data):
    assert _reason(data) == "missing"


@pytest.mark.parametrize(
    "data",
    [
        "not base64!",
        "data:image/png;base64," + "iVBORw0KGgo=",
        "ลายเซ็น",
        "abc",
        12345,
    ],
)
def test_not_base64(data):
    assert _reason(data) == "not_base64"


def test_oversized_input_is_refused_before_decoding():
    too_long = "A" * ((signature.MAX_SIGNATURE_BYTES // 3 + 1) * 4 + 4)
    assert _reason(too_long) == "too_large"


def test_oversized_decoded_image_is_refused():
    # An uncompressed PNG of a 1000x800 photo: a real image just over the limit.
    noise = Image.frombytes("RGB", (1000, 800), bytes(range(256)) * 9375)
    buffer = io.BytesIO()
    noise.save(buffer, "PNG", compress_level=0)
    assert len(buffer.getvalue()) > signature.MAX_SIGNATURE_BYTES
    assert _reason(base64.b64encode(buffer.getvalue()).decode()) == "too_large"


def test_huge_canvas_is_refused_from_its_header():
    data = _image_b64(size=(signature.MAX_SIDE_PIXELS + 1, 10), draw=False)
    assert _reason(data) == "too_large"


@pytest.mark.parametrize(
    "payload",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"%PDF-1.4 not an image",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        b"GIF89a" + b"\x00" * 40,
    ],
)
def test_non_images_and_other_formats_are_refused(payload):
    assert _reason(base64.b64encode(payload).decode()) == "not_image"


def test_gif_is_refused_even_when_valid():
    assert _reason(_image_b64(mode="RGB", fmt="GIF")) == "not_image"


def test_truncated_png_is_refused():
    raw = base64.b64decode(_image_b64())
    assert _reason(base64.b64encode(raw[: len(raw) // 2]).decode()) == "not_image"


@pytest.mark.parametrize("mode,fmt", [("RGBA", "PNG"), ("RGB", "PNG"), ("RGB", "JPEG")])
def test_blank_signature_is_refused(mode, fmt):
    assert _reason(_image_b64(mode=mode, fmt=fmt, draw=False)) == "blank"
