"""Payment slips uploaded by customers: what kind of file it really is.

A customer proves a PromptPay transfer with the slip their banking app shows
(a screenshot or a saved image) or a PDF statement. The file comes from an
anonymous visitor, so its type is decided here from its first bytes, never
from its name or the browser's declared content type: a page disguised as a
``.jpg`` must not end up served back as HTML from the invoice's attachments.

Images are checked further by the caller with Pillow; this module stays free
of third-party imports so that it can be tested without Odoo.
"""

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


class SlipError(ValueError):
    """The file is not an acceptable slip.

    ``reason`` is one of ``empty``, ``too_large`` or ``bad_type``, for the
    caller to turn into a message in the visitor's language.
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
    marker, so a file that merely starts with ``%PDF-`` is refused.
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
    if found[2] == "pdf" and b"%%EOF" not in content[-_PDF_TAIL:]:
        raise SlipError("bad_type")
    return found


def safe_display_name(filename, limit: int = 100) -> str:
    """The uploaded file's name as shown to staff: its last path part, printable
    characters only, at most ``limit`` characters.
    """
    name = str(filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable()).strip()
    return name[:limit] or "slip"
