"""Payment slips uploaded by customers: what kind of file it really is.

A customer proves a PromptPay transfer with the slip their banking app shows
(a screenshot or a saved image) or a PDF statement. The file comes from an
anonymous visitor, so its type is decided here from its first bytes, never
from its name or the browser's declared content type: a page disguised as a
``.jpg`` must not end up served back as HTML from the invoice's attachments.

Images are checked further by the caller with Pillow, PDFs with Odoo's pypdf
(it must parse, have pages, and carry nothing active: :func:`pdf_active_name`
walks what pypdf read); this module stays free of third-party imports so that
it can be tested without Odoo.
"""

import re

# 5 MB: a phone screenshot is well under 1 MB, a scanned PDF page 1-3 MB.
MAX_SLIP_BYTES = 5 * 1024 * 1024

# (mimetype, extension, kind) by leading bytes.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", ("image/png", "png", "image")),
    (b"\xff\xd8\xff", ("image/jpeg", "jpg", "image")),
    (b"%PDF-", ("application/pdf", "pdf", "pdf")),
)
# A PDF ends with %%EOF, possibly followed by a line break or a little padding.
_PDF_TAIL = 2048

# What a PDF viewer may run or open by itself, or smuggle: scripts, launch
# and form-submission actions, actions on opening a page or a field (/AA),
# embedded files, XFA forms and rich media. Refused as dictionary keys and as
# names (an action's /S type), so an /OpenAction that runs a script is caught
# by its /JavaScript, while an /OpenAction that only opens page 1 passes.
PDF_ACTIVE_NAMES = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/Launch",
        "/AA",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/XFA",
    }
)
# The same names as they appear in the bytes, up to a PDF delimiter: a first,
# cheap refusal that also covers objects no reference leads to.
_PDF_ACTIVE_BYTES = re.compile(
    rb"/(?:%s)(?=[\s()<>\[\]{}/%%]|$)"
    % b"|".join(re.escape(name[1:].encode()) for name in sorted(PDF_ACTIVE_NAMES))
)
# A slip PDF is a page or two: past this many objects, it is not one.
PDF_MAX_OBJECTS = 100000


class SlipError(ValueError):
    """The file is not an acceptable slip.

    ``reason`` is one of ``empty``, ``too_large``, ``bad_type``,
    ``pdf_active`` (scripts, actions, embedded files) or ``pdf_locked``
    (password-protected), for the caller to turn into a message in the
    visitor's language.
    """

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _webp(content: bytes):
    # RIFF container: 'RIFF' <4-byte size> 'WEBP'.
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return ("image/webp", "webp", "image")
    return None


def sniff(content: bytes) -> tuple[str, str, str]:
    """Return ``(mimetype, extension, kind)`` of a slip, or raise SlipError.

    ``kind`` is ``image`` (PNG, JPEG, WebP) or ``pdf``. Checks the size limit
    first, then the leading bytes; a PDF must also carry its end-of-file
    marker, so a file that merely starts with ``%PDF-`` is refused, and none
    of :data:`PDF_ACTIVE_NAMES` in plain sight. That a PDF really is one is
    for the caller to check with a PDF reader (:func:`pdf_active_name`).
    """
    if not content:
        raise SlipError("empty")
    if len(content) > MAX_SLIP_BYTES:
        raise SlipError("too_large")
    found = _webp(content)
    if not found:
        found = next(
            (kind for magic, kind in _SIGNATURES if content.startswith(magic)), None
        )
    if not found:
        raise SlipError("bad_type")
    if found[2] == "pdf":
        if b"%%EOF" not in content[-_PDF_TAIL:]:
            raise SlipError("bad_type")
        if _PDF_ACTIVE_BYTES.search(content):
            raise SlipError("pdf_active")
    return found


def pdf_active_name(trailer, max_objects=PDF_MAX_OBJECTS):
    """The first of :data:`PDF_ACTIVE_NAMES` found in a parsed PDF, or None.

    Walks every dictionary and array reachable from the trailer, as a PDF
    reader (pypdf) gives them: dictionaries and lists, whose indirect
    references have ``get_object()``. Reading through the parser, not the
    bytes, also sees names written with ``#xx`` escapes and objects packed in
    compressed object streams. Stream contents (page drawings, images) are not
    decoded: only their dictionaries are looked at.

    :raise SlipError: ``bad_type`` past ``max_objects`` objects
    """
    seen = set()
    pending = [trailer]
    while pending:
        value = pending.pop()
        # pypdf and PyPDF2 2.x say get_object, PyPDF2 1.x getObject.
        resolve = getattr(value, "get_object", None) or getattr(
            value, "getObject", None
        )
        if resolve is not None:
            value = resolve()
        if isinstance(value, str):
            if value in PDF_ACTIVE_NAMES:
                return value
            continue
        if not isinstance(value, (dict, list, tuple)) or id(value) in seen:
            continue
        seen.add(id(value))
        if len(seen) > max_objects:
            raise SlipError("bad_type")
        if isinstance(value, dict):
            for key, item in dict.items(value):
                if key in PDF_ACTIVE_NAMES:
                    return key
                pending.append(item)
        else:
            pending.extend(value)
    return None


def safe_display_name(filename, limit: int = 100) -> str:
    """The uploaded file's name as shown to staff: its last path part, printable
    characters only, at most ``limit`` characters.
    """
    name = str(filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable()).strip()
    return name[:limit] or "slip"
