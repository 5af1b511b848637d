"""Text that comes from visitors, made fit to store and show.

Names, reasons, codes, file names, browser user agents and addresses all come
from anonymous visitors. None of them has a use for control characters, and
PostgreSQL refuses a NUL byte outright: one reaching an INSERT turns a form
post into a server error. Everything a visitor sends goes through
:func:`plain_text` where it enters the add-on.
"""

import re
import unicodedata

# C0 and C1 controls and DEL; the Unicode controls that reorder text on
# screen (bidirectional embeddings, overrides and isolates), which would make
# an audit note read differently from what was typed; and lone surrogates,
# which JSON may carry but UTF-8 cannot store. Tab, line feed and carriage
# return are the only controls with a meaning in text.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_LAYOUT = re.compile(r"[\t\n\r]")


class ControlCharacterError(ValueError):
    """The text holds characters that :func:`plain_text` refuses."""


def plain_text(value, multiline=False, refuse=False) -> str:
    """Return ``value`` as text without control characters.

    :param value: a visitor's input; None gives "", anything else its ``str``
    :param bool multiline: keep tabs and line breaks (a reason typed in a text
        area); otherwise they become spaces, as a one-line field shows them
    :param bool refuse: raise :class:`ControlCharacterError` instead of
        dropping the other control characters, for text a person typed and
        must see stored as typed
    """
    text = "" if value is None else value if isinstance(value, str) else str(value)
    if refuse and _CONTROL.search(text):
        raise ControlCharacterError(text)
    text = _CONTROL.sub("", text)
    if not multiline:
        text = _LAYOUT.sub(" ", text)
    return text


def file_name_part(value) -> str:
    """``value`` fit for a file name: letters, combining marks and digits kept,
    every other run of characters made one ``_``, none at either end.

    Python's ``\\W`` counts combining marks as non-word characters: the Thai
    vowel and tone marks above and below a letter would become ``_``
    ("คำสั่งขาย" gave "คำส_งขาย"). The name goes out whole, encoded as
    RFC 5987 ``filename*`` by Odoo's ``content_disposition``.
    """
    kept = [
        character if unicodedata.category(character)[0] in "LMN" else "_"
        for character in str(value or "")
    ]
    return re.sub(r"_+", "_", "".join(kept)).strip("_")
