"""Portal link expiry: computing the expiry moment and the link state.

All datetimes are naive and in UTC, the way Odoo stores them.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_EXPIRY_DAYS = 30
MIN_EXPIRY_DAYS = 1
MAX_EXPIRY_DAYS = 365

# A link that lasts "through" a day ends at the next local midnight, which
# can land up to one day after now + MAX_EXPIRY_DAYS.
_END_OF_DAY_TOLERANCE = timedelta(days=1)

# ZoneInfo rather than datetime.UTC, which only exists from Python 3.11.
_UTC = ZoneInfo("UTC")

LINK_STATES = ("active", "expired", "revoked", "closed")

_MESSAGES = {
    "not_positive": f"The link must stay valid for at least {MIN_EXPIRY_DAYS} day.",
    "in_past": "The expiry date must be in the future.",
    "too_far": f"The link cannot stay valid for more than {MAX_EXPIRY_DAYS} days.",
}


class ExpiryError(ValueError):
    """A requested expiry is not allowed.

    ``reason`` is one of 'not_positive', 'in_past' or 'too_far', so callers
    can translate or react without parsing the message.
    """

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(_MESSAGES[reason])


def expires_at_from_days(now: datetime, days: int) -> datetime:
    """Return the moment a link made at ``now`` and valid ``days`` days expires."""
    if days < MIN_EXPIRY_DAYS:
        raise ExpiryError("not_positive")
    if days > MAX_EXPIRY_DAYS:
        raise ExpiryError("too_far")
    return now + timedelta(days=days)


def validity_days(generated_at: datetime, expires_at: datetime) -> int:
    """How many days a link made at ``generated_at`` works, as a whole number
    allowed for a new link: another link "like this one" lasts as long."""
    days = round((expires_at - generated_at) / timedelta(days=1))
    return min(max(days, MIN_EXPIRY_DAYS), MAX_EXPIRY_DAYS)


def expires_at_from_date(
    now: datetime, last_day: date, tz_name: str = "UTC"
) -> datetime:
    """Return the naive UTC moment a link valid through ``last_day`` expires.

    The customer thinks in local calendar days, so the link stays usable for
    the whole of ``last_day`` in ``tz_name`` and expires at the following
    local midnight.
    """
    next_midnight = datetime.combine(
        last_day + timedelta(days=1), time.min, tzinfo=ZoneInfo(tz_name)
    )
    expires_at = next_midnight.astimezone(_UTC).replace(tzinfo=None)
    if expires_at <= now:
        raise ExpiryError("in_past")
    if expires_at > now + timedelta(days=MAX_EXPIRY_DAYS) + _END_OF_DAY_TOLERANCE:
        raise ExpiryError("too_far")
    return expires_at


def link_state(
    now: datetime,
    expires_at: datetime,
    revoked_at: datetime | None = None,
    closed: bool = False,
) -> str:
    """Return the state of a link, one of LINK_STATES.

    Precedence is revoked > closed > expired > active: an explicit staff
    action explains more to the customer than the passing of time.

    The link is already expired at exactly ``expires_at`` (``now >=
    expires_at``), so ``expires_at`` is the first moment it no longer works.
    """
    # A truthiness test so that Odoo's False for an empty field means "not revoked".
    if revoked_at:
        return "revoked"
    if closed:
        return "closed"
    if now >= expires_at:
        return "expired"
    return "active"
