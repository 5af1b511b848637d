"""SMS length accounting and share links for LINE and WhatsApp."""

from urllib.parse import quote

# GSM 03.38 default alphabet; the ESC code (0x1B) is left out because it only
# introduces an extension character.
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table characters cost two septets: ESC plus the character.
GSM7_EXTENSION = "\f^{}\\[~]|€"

_GSM7_BASIC_SET = frozenset(GSM7_BASIC)
_GSM7_EXTENSION_SET = frozenset(GSM7_EXTENSION)

# Single-message capacity, then per-part capacity once the user data header
# needed for concatenation takes its share.
_GSM7_SINGLE, _GSM7_MULTIPART = 160, 153
_UCS2_SINGLE, _UCS2_MULTIPART = 70, 67

_LINE_SHARE = "https://line.me/R/share?text="
_WHATSAPP_SHARE = "https://wa.me/"


def is_gsm7(text: str) -> bool:
    """Tell whether ``text`` fits the GSM-7 alphabet, extension table included."""
    return all(
        character in _GSM7_BASIC_SET or character in _GSM7_EXTENSION_SET
        for character in text
    )


def _gsm7_units(character: str) -> int:
    return 2 if character in _GSM7_EXTENSION_SET else 1


def _ucs2_units(character: str) -> int:
    # Characters outside the Basic Multilingual Plane need a surrogate pair.
    return 2 if ord(character) > 0xFFFF else 1


def _count_parts(text: str, units_of, per_part: int) -> int:
    """Count parts when no character may be split across two parts.

    Phones refuse to split an escape sequence or a surrogate pair, so a part
    may end one unit short and the count can exceed ceil(length / per_part).
    """
    parts, used = 1, 0
    for character in text:
        units = units_of(character)
        if used + units > per_part:
            parts, used = parts + 1, 0
        used += units
    return parts


def segments(text: str) -> dict:
    """Describe how ``text`` travels as SMS.

    Returns a dict with ``encoding`` ('GSM-7' or 'UCS-2'), ``length`` in
    encoding units (septets, or UTF-16 code units), ``segments`` (0 for empty
    text) and ``per_segment`` (the capacity of each segment).
    """
    if is_gsm7(text):
        encoding, units_of = "GSM-7", _gsm7_units
        single, multipart = _GSM7_SINGLE, _GSM7_MULTIPART
    else:
        encoding, units_of = "UCS-2", _ucs2_units
        single, multipart = _UCS2_SINGLE, _UCS2_MULTIPART
    length = sum(units_of(character) for character in text)
    if length == 0:
        count, per_segment = 0, single
    elif length <= single:
        count, per_segment = 1, single
    else:
        count, per_segment = _count_parts(text, units_of, multipart), multipart
    return {
        "encoding": encoding,
        "length": length,
        "segments": count,
        "per_segment": per_segment,
    }


def line_share_url(text: str) -> str:
    """Return a LINE link that opens the share picker with ``text``."""
    return _LINE_SHARE + quote(text, safe="")


def whatsapp_share_url(text: str, e164: str | None = None) -> str:
    """Return a WhatsApp link with ``text``, addressed to ``e164`` if given."""
    digits = "".join(character for character in e164 or "" if character in "0123456789")
    return f"{_WHATSAPP_SHARE}{digits}?text={quote(text, safe='')}"
