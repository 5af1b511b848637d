"""Customer signatures sent by Odoo's portal signature pad: decode and check.

The pad posts a base64 PNG (drawn, typed in a script font, or an uploaded
image). Everything here runs before anything is written, so a bad upload is
refused with a reason and changes nothing.
"""

import base64
import binascii
import io

from PIL import Image

# A drawn signature is a few kilobytes; anything past this is not a signature.
MAX_SIGNATURE_BYTES = 2 * 1024 * 1024
# Checked on the header, before decoding: a small PNG can claim a huge canvas.
MAX_SIDE_PIXELS = 4096
# What the pad produces (PNG) and what phones upload (JPEG).
ALLOWED_FORMATS = ("PNG", "JPEG")

_MESSAGES = {
    "missing": "The signature is missing.",
    "not_base64": "The signature is not valid base64 data.",
    "too_large": "The signature image is too large.",
    "not_image": "The signature is not a PNG or JPEG image.",
    "blank": "The signature is empty.",
}


class SignatureError(ValueError):
    """A signature was refused.

    ``reason`` is one of 'missing', 'not_base64', 'too_large', 'not_image' or
    'blank', so callers can translate the message without parsing it.
    """

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(_MESSAGES[reason])


def decode_signature(data) -> bytes:
    """Return the image bytes of a base64 signature, or raise SignatureError.

    :param data: base64 text (``str`` or ``bytes``) without a ``data:`` prefix
    """
    if not data:
        raise SignatureError("missing")
    if isinstance(data, str):
        try:
            data = data.encode("ascii")
        except UnicodeEncodeError as error:
            raise SignatureError("not_base64") from error
    if not isinstance(data, bytes):
        raise SignatureError("not_base64")
    # Refuse oversized input before spending memory on decoding it.
    if len(data) > (MAX_SIGNATURE_BYTES // 3 + 1) * 4:
        raise SignatureError("too_large")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as error:
        raise SignatureError("not_base64") from error
    if not raw:
        raise SignatureError("missing")
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise SignatureError("too_large")
    _check_image(raw)
    return raw


def _check_image(raw: bytes) -> None:
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format not in ALLOWED_FORMATS:
                raise SignatureError("not_image")
            if max(image.size) > MAX_SIDE_PIXELS:
                raise SignatureError("too_large")
            # Decode every pixel: a truncated or corrupt file fails here.
            image.load()
            if _is_blank(image):
                raise SignatureError("blank")
    except SignatureError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise SignatureError("not_image") from error


def _is_blank(image: Image.Image) -> bool:
    """Nothing drawn: fully transparent, or one single colour."""
    extrema = image.convert("RGBA").getextrema()
    alpha_min, alpha_max = extrema[3]
    if alpha_max == 0:
        return True
    return all(low == high for low, high in extrema)
