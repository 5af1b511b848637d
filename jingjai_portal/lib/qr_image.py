"""QR code images for PromptPay payloads (plain Python, no odoo import)."""

import functools
import io

import qrcode
from qrcode.image.pil import PilImage

# 10 px per module and the standard 4-module quiet zone give about 490 px, sharp
# on a 3x phone screen and easy for banking apps to read from a saved picture.
# Level M survives a scratched or slightly cropped screen.
BOX_SIZE = 10
BORDER = 4


@functools.lru_cache(maxsize=512)
def qr_png(payload):
    """The PNG of a QR code for ``payload``.

    Drawing it costs about as much as the rest of an invoice page, and the same
    payload (same invoice, same amount due) is drawn again on every visit and
    every "Save QR image": the result is kept per process. The payload is the
    page's own public content, so the cache holds nothing secret.
    """
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=BOX_SIZE,
        border=BORDER,
    )
    code.add_data(payload)
    code.make(fit=True)
    stream = io.BytesIO()
    code.make_image(image_factory=PilImage).save(stream)
    return stream.getvalue()
