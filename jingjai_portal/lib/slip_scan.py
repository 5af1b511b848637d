"""Every QR code on a slip file: images with zxing-cpp, PDFs through pdfium.

No Odoo import. zxing-cpp and pypdfium2 are PyPI wheels that bundle their
native code (declared in the manifest's external_dependencies). The file was
already checked by the caller (type, size, pixel count, nothing active in a
PDF); this only looks for codes and never raises on a file it cannot read.
"""

import io
import logging

import pypdfium2
import zxingcpp
from PIL import Image, ImageOps

_logger = logging.getLogger(__name__)

# A PDF slip's first page rendered at 200 dpi: an A4 page is then about
# 1650 x 2340 pixels, enough for a QR a centimetre wide.
PDF_RENDER_SCALE = 200 / 72
# Past this side, a copy is scaled down first (a photo from a 48 MP camera).
MAX_SIDE = 3000


def _read(image):
    found = []
    for barcode in zxingcpp.read_barcodes(image, formats=zxingcpp.QRCode):
        if barcode.valid and barcode.text and barcode.text not in found:
            found.append(barcode.text)
    return found


def qr_texts_in_image(image):
    """The texts of the QR codes in a Pillow image, in reading order."""
    image = ImageOps.exif_transpose(image).convert("L")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    found = _read(image)
    if not found and max(image.size) < MAX_SIDE // 2:
        # A small code in a screenshot: its modules may be 2 pixels wide, too
        # few for the detector after JPEG blur; twice the size helps.
        found = _read(image.resize((image.width * 2, image.height * 2)))
    return found


def pdf_first_page(content):
    """The first page of a PDF as a Pillow image, or None."""
    try:
        document = pypdfium2.PdfDocument(content)
        try:
            page = document[0]
            width, height = page.get_size()
            # A page the size of a wall must not become a bitmap of gigabytes.
            scale = min(PDF_RENDER_SCALE, MAX_SIDE / max(width, height, 1))
            return page.render(scale=scale).to_pil()
        finally:
            document.close()
    except Exception:  # noqa: BLE001 - pdfium raises on anything it cannot draw
        _logger.info("Could not render the first page of a PDF slip", exc_info=True)
        return None


def qr_texts(content, kind):
    """The texts of the QR codes on a slip (``kind`` ``image`` or ``pdf``)."""
    try:
        if kind == "pdf":
            image = pdf_first_page(content)
            return qr_texts_in_image(image) if image is not None else []
        with Image.open(io.BytesIO(content)) as image:
            image.load()
            return qr_texts_in_image(image)
    except Exception:  # noqa: BLE001 - a slip we cannot scan is "no QR", not a crash
        _logger.info("Could not scan a slip for QR codes", exc_info=True)
        return []
