"""Phone numbers: normalizing to E.164 and masking for display."""

import phonenumbers

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_INTERNATIONAL_ZEROS = "00"
_MASKED_GROUPS = "•••• •••• "
_VISIBLE_DIGITS = 4
_SMS_CAPABLE_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
)


class PhoneError(ValueError):
    """A phone number is empty, cannot be parsed or is not a valid number."""


def _parse(text: str, default_region: str):
    """Return the parsed number, or None when phonenumbers cannot parse it."""
    try:
        return phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        return None


def _is_valid(number) -> bool:
    return number is not None and phonenumbers.is_valid_number(number)


def normalize_phone(raw: str, default_region: str = "TH") -> str:
    """Return ``raw`` as an E.164 string such as '+66812345678'.

    Numbers without a country code are read in ``default_region``. Raises
    PhoneError with a message fit for the user when the number is unusable.
    """
    text = (raw or "").strip().translate(_THAI_DIGITS)
    if not text:
        raise PhoneError("Please enter a phone number.")
    number = _parse(text, default_region)
    if not _is_valid(number) and text.startswith(_INTERNATIONAL_ZEROS):
        # The Thai dialing plan reads 00X as a carrier prefix (001, 007,
        # 009...), so '0066...' comes out wrong; people usually mean the ITU
        # '00' prefix, which is what '+' stands for.
        retried = _parse("+" + text[len(_INTERNATIONAL_ZEROS) :], default_region)
        if _is_valid(retried):
            number = retried
    if number is None:
        raise PhoneError(f"{raw!r} does not look like a phone number.")
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(f"{raw!r} is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    """Tell whether an E.164 number can receive SMS: a mobile number.

    Numbers whose plan does not tell mobile from fixed lines (the United
    States, for one) are given the benefit of the doubt.
    """
    number = _parse(e164 or "", "ZZ")
    if not _is_valid(number):
        return False
    return phonenumbers.number_type(number) in _SMS_CAPABLE_TYPES


def mask_phone(e164: str) -> str:
    """Return the number with only its last four digits shown.

    The grouping is fixed so the mask does not reveal the number's length.
    """
    digits = [character for character in e164 or "" if character in "0123456789"]
    if len(digits) <= _VISIBLE_DIGITS:
        # Showing the last four digits of a four-digit number is showing it all.
        return "•" * len(digits)
    return _MASKED_GROUPS + "".join(digits[-_VISIBLE_DIGITS:])


def mask_email(email: str) -> str:
    """Return 'somchai@example.com' as 's•••@example.com'; '' when not an email."""
    local_part, at_sign, domain = (email or "").strip().rpartition("@")
    if not at_sign or not local_part or not domain:
        return ""
    return local_part[0] + "•••@" + domain
