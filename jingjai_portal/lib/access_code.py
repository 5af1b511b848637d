"""One-time access codes sent by SMS or email before showing a portal link.

Everything here is a pure decision on explicit inputs; storing codes, send
times and failures is the add-on's job.
"""

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from .text import plain_text

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_TRIES_PER_CODE = 5
RESEND_COOLDOWN = timedelta(seconds=60)
MAX_CODES_PER_HOUR = 5
LOCKOUT_FAILURES = 10
LOCKOUT_WINDOW = timedelta(hours=1)
LOCKOUT_DURATION = timedelta(minutes=15)
# Hours a browser stays unlocked after entering a correct code.
DEFAULT_UNLOCK_HOURS = 12
# Amount in THB from which a link asks for an access code by default.
DEFAULT_THRESHOLD_THB = 500000

# Slow and salted because a 6-digit code has only a million values: a plain
# hash of a leaked digest would be reversed instantly. This only raises the
# cost of trying them all; the short CODE_TTL is what makes a leak harmless.
PBKDF2_ITERATIONS = 10000

_SEND_WINDOW = timedelta(hours=1)
# Bytes of randomness in the cookie that marks a browser as unlocked.
UNLOCK_SECRET_BYTES = 32
_UNLOCK_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
_CODE_PATTERN = re.compile(rf"[0-9]{{{CODE_DIGITS}}}")
_SEPARATORS = re.compile(r"[\s-]+")
# Customers type codes on Thai keyboards and phone IMEs, which may produce
# Thai or full-width digits.
_DIGIT_TRANSLATION = str.maketrans("๐๑๒๓๔๕๖๗๘๙０１２３４５６７８９", "0123456789" * 2)


def new_code() -> str:
    """Return a random code of CODE_DIGITS digits, zero-padded."""
    return str(secrets.randbelow(10**CODE_DIGITS)).zfill(CODE_DIGITS)


def normalize_code(raw) -> str | None:
    """Return the code as CODE_DIGITS ASCII digits, or None if it is not one.

    Spaces and dashes are dropped because people copy codes like '123 456'.
    """
    if not isinstance(raw, str):
        return None
    code = _SEPARATORS.sub("", plain_text(raw)).translate(_DIGIT_TRANSLATION)
    if _CODE_PATTERN.fullmatch(code) is None:
        return None
    return code


def new_salt() -> str:
    """Return a fresh random salt for :func:`code_digest`."""
    return secrets.token_hex(16)


def code_digest(code: str, salt: str) -> str:
    """Return the hex PBKDF2-SHA256 digest of ``code`` with ``salt``."""
    return hashlib.pbkdf2_hmac(
        "sha256", code.encode("utf-8"), salt.encode("utf-8"), PBKDF2_ITERATIONS
    ).hex()


def codes_match(candidate: str, salt: str, stored_digest: str) -> bool:
    """Tell whether ``candidate`` is the code behind ``stored_digest``.

    The candidate is normalized first, so '123 456' matches '123456'.
    """
    code = normalize_code(candidate)
    if code is None:
        return False
    # Constant-time so response timing tells nothing about the digest.
    return hmac.compare_digest(code_digest(code, salt), stored_digest)


def can_send(now: datetime, sent_times: list[datetime]) -> tuple[bool, datetime | None]:
    """Decide whether a new code may be sent now.

    Returns ``(True, None)`` when allowed, otherwise ``(False, when)`` with
    the earliest moment sending becomes allowed. Two limits apply: a
    RESEND_COOLDOWN after the last send, and at most MAX_CODES_PER_HOUR sends
    in any hour. A send exactly one hour ago no longer counts.
    """
    recent = sorted(sent for sent in sent_times if sent > now - _SEND_WINDOW)
    allowed_from = []
    if recent and now < recent[-1] + RESEND_COOLDOWN:
        allowed_from.append(recent[-1] + RESEND_COOLDOWN)
    if len(recent) >= MAX_CODES_PER_HOUR:
        # Once the oldest of the last MAX_CODES_PER_HOUR sends leaves the
        # window, there is room for one more.
        allowed_from.append(recent[-MAX_CODES_PER_HOUR] + _SEND_WINDOW)
    if allowed_from:
        return False, max(allowed_from)
    return True, None


def lockout_until(now: datetime, failure_times: list[datetime]) -> datetime | None:
    """Return when the lockout ends, or None if there is no lockout now.

    A lockout starts at the failure that makes LOCKOUT_FAILURES failures
    within less than LOCKOUT_WINDOW, and lasts LOCKOUT_DURATION from that
    failure. Failures exactly LOCKOUT_WINDOW apart do not count together.
    """
    failures = sorted(failure_times)
    ends = [
        failures[index] + LOCKOUT_DURATION
        for index in range(LOCKOUT_FAILURES - 1, len(failures))
        if failures[index] - failures[index - LOCKOUT_FAILURES + 1] < LOCKOUT_WINDOW
    ]
    if ends and max(ends) > now:
        return max(ends)
    return None


def code_required(
    enabled: bool, always: bool, open_balance: float, threshold: float
) -> bool:
    """Tell whether a new link for a customer asks for an access code.

    Only when the company turned access codes on, and then when the customer
    always wants one or owes strictly more than ``threshold``.
    """
    return bool(enabled) and (bool(always) or (open_balance or 0.0) > threshold)


def tries_left(tries: int) -> int:
    """Return how many more wrong codes the current code accepts."""
    return max(MAX_TRIES_PER_CODE - tries, 0)


def failures_since(now: datetime) -> datetime:
    """Return the oldest failure time that can still lock the page at ``now``.

    A lockout lasts LOCKOUT_DURATION after failures spread over less than
    LOCKOUT_WINDOW, so older failures can be left out of :func:`lockout_until`.
    """
    return now - LOCKOUT_WINDOW - LOCKOUT_DURATION


def sends_since(now: datetime) -> datetime:
    """Return the oldest send time that :func:`can_send` still counts at ``now``."""
    return now - _SEND_WINDOW


def new_unlock_secret() -> str:
    """Return the random value of a browser's unlock cookie (256 bits)."""
    return secrets.token_urlsafe(UNLOCK_SECRET_BYTES)


def is_unlock_secret(value) -> bool:
    """Tell whether ``value`` has the shape of :func:`new_unlock_secret`.

    Anything else is not worth a database lookup.
    """
    return isinstance(value, str) and _UNLOCK_PATTERN.fullmatch(value) is not None


def unlock_digest(secret: str) -> str:
    """Return the hex SHA-256 of an unlock secret, the only form stored.

    Unlike codes, a plain hash is enough: 256 random bits cannot be enumerated.
    """
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def code_usable(now: datetime, sent_at: datetime, tries: int, used: bool) -> bool:
    """Tell whether a sent code may still be checked against input.

    Like links, a code is already expired at exactly ``sent_at + CODE_TTL``.
    """
    return not used and tries < MAX_TRIES_PER_CODE and now < sent_at + CODE_TTL
