"""One-time access codes sent by SMS or email before showing a portal link.

Everything here is a pure decision on explicit inputs; storing codes, send
times and failures is the add-on's job.

Limits are counted per browser (its Odoo session), per network (the IP
address, or the /64 of an IPv6 address) and per link, so that someone holding
the link can wear out their own browser and network but never lock the
customer out: the customer's way in is always a fresh code sent to the number
on file. What bounds guessing for everyone together is the number of wrong
tries a code accepts, times the number of codes the link may send.
"""

import hashlib
import hmac
import ipaddress
import re
import secrets
from datetime import datetime, timedelta

from .text import plain_text

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
# Wrong tries one code accepts, from all browsers together; a new code starts
# again from zero.
MAX_TRIES_PER_CODE = 5

_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
# Sending codes: one browser waits RESEND_COOLDOWN between codes and gets at
# most BROWSER_CODES_PER_HOUR; one network gets at most half of what the link
# may send, so a single attacker cannot use up the customer's codes; the link
# itself, at most LINK_CODES_PER_HOUR and LINK_CODES_PER_DAY, which also caps
# the texts the customer receives. Every attempt counts, delivered or not.
RESEND_COOLDOWN = timedelta(seconds=60)
BROWSER_CODES_PER_HOUR = 3
NETWORK_CODES_PER_HOUR = 5
NETWORK_CODES_PER_DAY = 10
LINK_CODES_PER_HOUR = 10
LINK_CODES_PER_DAY = 20
SEND_LIMITS = {
    "browser": ((1, RESEND_COOLDOWN), (BROWSER_CODES_PER_HOUR, _HOUR)),
    "network": ((NETWORK_CODES_PER_HOUR, _HOUR), (NETWORK_CODES_PER_DAY, _DAY)),
    "link": ((LINK_CODES_PER_HOUR, _HOUR), (LINK_CODES_PER_DAY, _DAY)),
}
# Wrong codes: LOCKOUT_FAILURES from one browser, or NETWORK_LOCKOUT_FAILURES
# from one network, within less than LOCKOUT_WINDOW lock that browser or
# network (and nobody else) for LOCKOUT_DURATION.
LOCKOUT_FAILURES = 10
NETWORK_LOCKOUT_FAILURES = 20
LOCKOUT_WINDOW = _HOUR
LOCKOUT_DURATION = timedelta(minutes=15)
# Hours a browser stays unlocked after entering a correct code.
DEFAULT_UNLOCK_HOURS = 12
# Amount in THB from which a link asks for an access code by default.
DEFAULT_THRESHOLD_THB = 500000

# Slow and salted because a 6-digit code has only a million values: a plain
# hash of a leaked digest would be reversed instantly. This only raises the
# cost of trying them all; the short CODE_TTL is what makes a leak harmless.
PBKDF2_ITERATIONS = 10000

# The longest window of SEND_LIMITS.
_SEND_WINDOW = _DAY
# Bytes of randomness in the cookie that marks a browser as unlocked.
UNLOCK_SECRET_BYTES = 32
_UNLOCK_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
_CODE_PATTERN = re.compile(rf"[0-9]{{{CODE_DIGITS}}}")
_SEPARATORS = re.compile(r"[\s-]+")
# Customers type codes on Thai keyboards and phone IMEs, which may produce
# Thai or full-width digits.
_DIGIT_TRANSLATION = str.maketrans("๐๑๒๓๔๕๖๗๘๙０１２３４５６７８９", "0123456789" * 2)
# IPv6 hands a whole /64 to one customer line: counting single addresses would
# give an attacker 2**64 of them.
_IPV6_NETWORK_BITS = 64


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


def _limit_until(now, times, count, window):
    """When one more event fits "at most ``count`` within ``window``", or None.

    An event exactly ``window`` old no longer counts.
    """
    recent = sorted(moment for moment in times if moment > now - window)
    if len(recent) < count:
        return None
    # Once the oldest of the last ``count`` events leaves the window, there is
    # room for one more.
    return recent[-count] + window


def can_send(
    now: datetime,
    link_sends: list[datetime],
    browser_sends: list[datetime] = (),
    network_sends: list[datetime] = (),
) -> tuple[bool, datetime | None]:
    """Decide whether a new code may be sent now.

    Each argument lists the send attempts (delivered or not) of the link, of
    the asking browser and of its network, over the last :func:`sends_since`.
    Returns ``(True, None)`` when every limit of SEND_LIMITS allows one more,
    otherwise ``(False, when)`` with the earliest moment all of them do.
    """
    sends = {"link": link_sends, "browser": browser_sends, "network": network_sends}
    allowed_from = [
        until
        for scope, limits in SEND_LIMITS.items()
        for count, window in limits
        if (until := _limit_until(now, sends[scope], count, window))
    ]
    if allowed_from:
        return False, max(allowed_from)
    return True, None


def lockout_until(
    now: datetime,
    failure_times: list[datetime],
    threshold: int = LOCKOUT_FAILURES,
    locked_at: datetime | None = None,
) -> datetime | None:
    """Return when the lockout of one browser or network ends, or None.

    A lockout starts at the failure that makes ``threshold`` failures within
    less than LOCKOUT_WINDOW, and lasts LOCKOUT_DURATION from that failure.
    Failures exactly LOCKOUT_WINDOW apart do not count together.

    :param failure_times: the wrong codes of that browser or network
    :param locked_at: when its latest lockout started, if any: the failures
        up to then are spent, so the first wrong code after a lockout does not
        start another one
    """
    ends = [locked_at + LOCKOUT_DURATION] if locked_at else []
    failures = sorted(
        failure for failure in failure_times if not locked_at or failure > locked_at
    )
    ends += [
        failures[index] + LOCKOUT_DURATION
        for index in range(threshold - 1, len(failures))
        if failures[index] - failures[index - threshold + 1] < LOCKOUT_WINDOW
    ]
    if ends and max(ends) > now:
        return max(ends)
    return None


def network_key(address) -> str:
    """The network that limits count against for the IP address ``address``.

    An IPv4 address is its own network; an IPv6 address counts for its /64,
    an IPv4-mapped one for its IPv4 address. Anything else (no address, or not
    an IP) is kept as text, so it still counts, together with its likes.
    """
    text = plain_text(address).strip()
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return text[:64]
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/{_IPV6_NETWORK_BITS}", strict=False))
    return str(ip)


def browser_key(session_identifier: str) -> str:
    """A stable name for one browser, from the identifier of its session.

    Hashed: it tells browsers apart in the log, and cannot be turned back
    into the session it came from.
    """
    digest = hashlib.sha256(f"jingjai_portal.browser:{session_identifier}".encode())
    return digest.hexdigest()[:32]


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
