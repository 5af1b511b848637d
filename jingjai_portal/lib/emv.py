"""Independent decoder for EMVCo merchant-presented QR payloads (PromptPay).

Tests use it to check the payloads Odoo builds, so it shares no code with
Odoo's generator. A payload is a run of TLV fields: a 2-digit id, a 2-digit
decimal length and the value. The PromptPay fields are:

====  =========================================================
Tag   Meaning
====  =========================================================
00    Payload format indicator, always '01'
01    Point of initiation: '11' static (reusable), '12' dynamic
29    Credit transfer template:
        00 AID 'A000000677010111'
        01 mobile number, '0066' + 9 digits
        02 tax id, 13 digits
        03 e-wallet id, 15 digits
30    Bill payment template, 00 AID 'A000000677010112'
53    Currency, '764' for THB
54    Amount, such as '1234.50'
58    Country, 'TH'
59    Merchant name
60    Merchant city
62    Additional data template
63    CRC-16/CCITT-FALSE over everything up to and including '6304'
====  =========================================================
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Merchant account information (26-51) and additional data (62) hold TLVs.
_TEMPLATE_TAGS = {f"{tag:02d}" for tag in range(26, 52)} | {"62"}
_CRC_LENGTH = 4
_CENTS = Decimal("0.01")


class EmvError(ValueError):
    """A payload is malformed or its CRC does not match."""


def crc16_ccitt_false(data: bytes | str) -> str:
    """Return the CRC-16/CCITT-FALSE of ``data`` as 4 uppercase hex digits.

    Polynomial 0x1021, initial value 0xFFFF, no reflection, no final xor;
    strings are encoded as UTF-8.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = (crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def parse_tlv(payload: str) -> list[tuple[str, str]]:
    """Split ``payload`` into ``(id, value)`` pairs, in order."""
    fields = []
    position = 0
    while position < len(payload):
        header = payload[position : position + 4]
        if len(header) < 4 or not (header.isascii() and header.isdigit()):
            raise EmvError(f"Malformed field header {header!r} at {position}.")
        tag, length = header[:2], int(header[2:])
        value = payload[position + 4 : position + 4 + length]
        if len(value) < length:
            raise EmvError(f"Field {tag} at {position} is truncated.")
        fields.append((tag, value))
        position += 4 + length
    return fields


def _to_dict(fields: list[tuple[str, str]]) -> dict:
    result = {}
    for tag, value in fields:
        # A repeated tag would make the dict silently keep only one value.
        if tag in result:
            raise EmvError(f"Tag {tag} appears twice.")
        result[tag] = value
    return result


def decode(payload: str) -> dict:
    """Return the top-level tags of ``payload`` as a dict of id to value.

    Templates (26-51 and 62) become nested dicts. Raises EmvError unless the
    payload starts with tag 00, ends with tag 63 of length 04, and that CRC
    matches.
    """
    fields = parse_tlv(payload)
    if not fields or fields[0][0] != "00":
        raise EmvError("The payload must start with tag 00.")
    last_tag, last_value = fields[-1]
    if last_tag != "63" or len(last_value) != _CRC_LENGTH:
        raise EmvError("The payload must end with tag 63 of length 04.")
    expected = crc16_ccitt_false(payload[:-_CRC_LENGTH])
    if last_value.upper() != expected:
        raise EmvError(f"CRC mismatch: payload has {last_value}, computed {expected}.")
    result = _to_dict(fields)
    for tag in _TEMPLATE_TAGS & result.keys():
        result[tag] = _to_dict(parse_tlv(result[tag]))
    return result


def format_amount(value) -> str:
    """Return ``value`` as an EMV amount: 2 decimals, no separators ('1234.50')."""
    try:
        # Going through str keeps a float like 0.1 from carrying binary noise.
        amount = Decimal(str(value))
    except InvalidOperation:
        raise EmvError(f"{value!r} is not an amount.") from None
    if not amount.is_finite() or amount < 0:
        raise EmvError(f"{value!r} is not a finite, non-negative amount.")
    return format(amount.quantize(_CENTS, rounding=ROUND_HALF_UP), "f")
