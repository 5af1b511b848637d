"""QR code images for PromptPay payloads (plain Python, no odoo import)."""

import functools
import io
import logging
import os
import re
import shutil
import subprocess

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.image.pil import PilImage

_logger = logging.getLogger(__name__)

# Thai letters, vowels, marks and digits; not the baht sign (U+0E3F), which
# Latin fonts such as DejaVu Sans draw too.
_THAI_LETTERS = re.compile("[\u0e01-\u0e3a\u0e40-\u0e5b]")

# 10 px per module and the standard 4-module quiet zone give about 490 px, sharp
# on a 3x phone screen and easy for banking apps to read from a saved picture.
# Level M survives a scratched or slightly cropped screen.
BOX_SIZE = 10
BORDER = 4

# The saved picture around the code: PromptPay's dark blue band on top, then
# the code, then who is paid, how much and for what, so a customer who opens
# it later in the banking app knows what it is.
CARD_WIDTH = 600
BAND_COLOR = (17, 53, 102)
TEXT_COLOR = (33, 37, 41)
MUTED_COLOR = (108, 117, 125)

# Thai fonts by preference, looked for when fontconfig cannot be asked: Loma
# and Garuda (fonts-thai-tlwg) are sans-serif, as are Noto Sans Thai and
# Sarabun; the others still draw Thai.
THAI_FONT_FILES = (
    ("Loma.ttf", "Loma-Bold.ttf"),
    ("Garuda.ttf", "Garuda-Bold.ttf"),
    ("NotoSansThai-Regular.ttf", "NotoSansThai-Bold.ttf"),
    ("NotoSansThaiUI-Regular.ttf", "NotoSansThaiUI-Bold.ttf"),
    ("Sarabun-Regular.ttf", "Sarabun-Bold.ttf"),
    ("Waree.ttf", "Waree-Bold.ttf"),
    ("Umpush.ttf", "Umpush-Bold.ttf"),
    ("Sawasdee.ttf", "Sawasdee-Bold.ttf"),
)
FONT_DIRECTORIES = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    os.path.expanduser("~/.local/share/fonts"),
    os.path.expanduser("~/.fonts"),
)


def _fontconfig_thai_files():
    """Font files that fontconfig says cover Thai, or () without fontconfig."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return ()
    try:
        listing = subprocess.run(
            [fc_list, ":lang=th", "file"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(
        line.split(":")[0].strip() for line in listing.splitlines() if line.strip()
    )


def _walk_font_files():
    for directory in FONT_DIRECTORIES:
        for root, _dirs, files in os.walk(directory):
            for name in files:
                yield os.path.join(root, name)


@functools.cache
def thai_fonts():
    """``(regular, bold)`` paths of a font that draws Thai, or None.

    Fontconfig's list of fonts covering Thai first (any install layout), else
    the usual font directories; the preferred family that has both faces wins,
    and a family without a bold face uses its regular one for both.
    """
    files = _fontconfig_thai_files() or tuple(_walk_font_files())
    by_name = {os.path.basename(path): path for path in files}
    for regular, bold in THAI_FONT_FILES:
        if regular in by_name:
            return by_name[regular], by_name.get(bold, by_name[regular])
    if _fontconfig_thai_files():
        # Some other font covering Thai: better than none.
        path = sorted(_fontconfig_thai_files())[0]
        return path, path
    return None


@functools.cache
def latin_fonts():
    """``(regular, bold)`` of fontconfig's sans-serif font, for a server
    without a Thai font, or None."""
    fc_match = shutil.which("fc-match")
    if not fc_match:
        return None
    found = []
    for pattern in ("sans-serif", "sans-serif:style=Bold"):
        try:
            path = subprocess.run(
                [fc_match, "-f", "%{file}", pattern],
                capture_output=True,
                text=True,
                timeout=5,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
        if not path.lower().endswith((".ttf", ".otf", ".ttc")):
            return None
        found.append(path)
    return tuple(found)


def _font(size, bold=False):
    """``(font, draws_thai)`` for ``size`` px, or ``(None, False)`` when the
    server has no scalable font at all."""
    for paths, draws_thai in ((thai_fonts(), True), (latin_fonts(), False)):
        if not paths:
            continue
        try:
            return ImageFont.truetype(paths[1 if bold else 0], size), draws_thai
        except OSError:
            _logger.warning("cannot load the font %s", paths[1 if bold else 0])
    return None, False


def _fit(draw, text, size, bold, width):
    """``(text, font, draws_thai)`` drawing ``text`` within ``width`` px: a
    smaller font if need be, down to 60 % of ``size``; below that the text is
    shortened with "…". ``font`` is None without any usable font."""
    font = draws_thai = None
    for step in range(size, int(size * 0.6) - 1, -2):
        font, draws_thai = _font(step, bold)
        if font is None:
            return text, None, False
        if draw.textlength(text, font=font) <= width:
            return text, font, draws_thai
    while len(text) > 1 and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…", font, draws_thai


@functools.lru_cache(maxsize=512)
def qr_png(payload):
    """The PNG of a QR code for ``payload``.

    Drawing it costs about as much as the rest of an invoice page, and the same
    payload (same invoice, same amount due) is drawn again on every visit and
    every "Save QR image": the result is kept per process. The payload is the
    page's own public content, so the cache holds nothing secret.
    """
    stream = io.BytesIO()
    _qr_image(payload).save(stream, format="PNG")
    return stream.getvalue()


def _qr_image(payload):
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=BOX_SIZE,
        border=BORDER,
    )
    code.add_data(payload)
    code.make(fit=True)
    return code.make_image(image_factory=PilImage).get_image().convert("RGB")


@functools.lru_cache(maxsize=512)
def qr_card_png(payload, label, payee, amount, reference):
    """The PNG to save: ``label`` (e.g. "PromptPay") in a band on top, the QR
    code of ``payload`` whole with its quiet zone, then ``payee`` (bold),
    ``amount`` (large) and ``reference`` (e.g. "Invoice INV/2026/0001").

    Thai text needs a Thai font (:func:`thai_fonts`); without one, the Thai
    lines are left out (a sans-serif font draws the others), and without any
    scalable font the picture is the bare code of :func:`qr_png`.
    Cached as :func:`qr_png`, for the same reason.
    """
    qr = _qr_image(payload)
    width = max(CARD_WIDTH, qr.width)
    margin = 24
    text_width = width - 2 * margin
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    _label, band_font, _thai = _fit(measure, label, 34, True, text_width)
    if band_font is None:
        # No scalable font on this server: the bare code, still what pays.
        _logger.warning("no TrueType font found: the saved QR image has no text")
        return qr_png(payload)
    lines = []  # (text, font, color)
    for text, size, bold, color in (
        (payee, 30, True, TEXT_COLOR),
        (amount, 44, True, TEXT_COLOR),
        (reference, 24, False, MUTED_COLOR),
    ):
        if not text:
            continue
        text, font, draws_thai = _fit(measure, text, size, bold, text_width)
        if not draws_thai and _THAI_LETTERS.search(text):
            continue  # Thai without a Thai font would be a row of boxes
        lines.append((text, font, color))
    band_height = 72
    line_heights = [
        font.getbbox("Ågป้ำ")[3] - font.getbbox("Ågป้ำ")[1] + 16
        for _text, font, _color in lines
    ]
    height = band_height + qr.height + sum(line_heights) + margin
    card = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, width - 1, band_height - 1), fill=BAND_COLOR)
    draw.text(
        (width / 2, band_height / 2), _label, font=band_font, fill="white", anchor="mm"
    )
    card.paste(qr, ((width - qr.width) // 2, band_height))
    y = band_height + qr.height - BORDER * BOX_SIZE // 2
    for (text, font, color), line_height in zip(lines, line_heights, strict=True):
        draw.text((width / 2, y), text, font=font, fill=color, anchor="ma")
        y += line_height
    stream = io.BytesIO()
    card.save(stream, format="PNG", optimize=True)
    return stream.getvalue()
