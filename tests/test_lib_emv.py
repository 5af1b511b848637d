"""Tests for jingjai_portal/lib/emv.py."""

import binascii
from decimal import Decimal

import pytest
from _lib_import import load

emv = load("emv")

PROMPTPAY_AID = "A000000677010111"
BILL_PAYMENT_AID = "A000000677010112"

# Example of a static PromptPay payload to a mobile number, as widely
# published, without its CRC value.
PUBLISHED_WITHOUT_CRC = (
    "00020101021129370016A000000677010111011300668123456785802TH53037646304"
)


def tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    """Append the CRC field to ``body``, which must not contain '6304' yet."""
    head = body + "6304"
    return head + emv.crc16_ccitt_false(head)


def dynamic_mobile_payload() -> str:
    merchant = tlv("00", PROMPTPAY_AID) + tlv("01", "0066812345678")
    return with_crc(
        tlv("00", "01")
        + tlv("01", "12")
        + tlv("29", merchant)
        + tlv("53", "764")
        + tlv("54", "1234.50")
        + tlv("58", "TH")
        + tlv("59", "JINGJAI SERVICE")
        + tlv("60", "BANGKOK")
        + tlv("62", tlv("05", "INV2025-0001"))
    )


# CRC


def test_crc_check_value():
    # The standard check value of CRC-16/CCITT-FALSE.
    assert emv.crc16_ccitt_false(b"123456789") == "29B1"


def test_crc_accepts_str_and_bytes():
    assert emv.crc16_ccitt_false("123456789") == "29B1"


@pytest.mark.parametrize(
    "data", [b"A", b"123456789", PUBLISHED_WITHOUT_CRC.encode(), bytes(range(256))]
)
def test_crc_agrees_with_stdlib_crc_hqx(data):
    # binascii.crc_hqx with initial value 0xFFFF is the same CRC, computed by
    # independent code.
    assert emv.crc16_ccitt_false(data) == f"{binascii.crc_hqx(data, 0xFFFF):04X}"


def test_crc_of_empty_input_is_initial_value():
    assert emv.crc16_ccitt_false(b"") == "FFFF"


def test_crc_is_four_uppercase_hex_digits():
    crc = emv.crc16_ccitt_false(b"A")
    assert len(crc) == 4 and crc == crc.upper()
    assert crc == "B915"


def test_published_example_decodes_with_computed_crc():
    # The CRC once quoted for this payload, 8956, is not its CRC-16/CCITT-FALSE;
    # 5D82 is, and other PromptPay implementations print 5D82 for it too.
    crc = emv.crc16_ccitt_false(PUBLISHED_WITHOUT_CRC)
    assert crc == "5D82"
    decoded = emv.decode(PUBLISHED_WITHOUT_CRC + crc)
    assert decoded == {
        "00": "01",
        "01": "11",
        "29": {"00": PROMPTPAY_AID, "01": "0066812345678"},
        "58": "TH",
        "53": "764",
        "63": crc,
    }


# parse_tlv


def test_parse_tlv_in_order():
    assert emv.parse_tlv("000201" + "5802TH" + "0100") == [
        ("00", "01"),
        ("58", "TH"),
        ("01", ""),
    ]


def test_parse_tlv_empty():
    assert emv.parse_tlv("") == []


@pytest.mark.parametrize(
    "payload",
    [
        "0",  # header cut short
        "000",
        "0002",  # value missing
        "00020",  # value cut short
        "0A0201",  # id not digits
        "00X201",  # length not digits
        "00-101",
        "000201580",  # second header cut short
        "00٠٢01",  # non-ASCII digits in the length
    ],
)
def test_parse_tlv_refuses_malformed(payload):
    with pytest.raises(emv.EmvError):
        emv.parse_tlv(payload)


# decode


def test_decode_hand_built_dynamic_payload():
    payload = dynamic_mobile_payload()
    decoded = emv.decode(payload)
    assert decoded["00"] == "01"
    assert decoded["01"] == "12"
    assert decoded["29"] == {"00": PROMPTPAY_AID, "01": "0066812345678"}
    assert decoded["53"] == "764"
    assert decoded["54"] == "1234.50"
    assert decoded["58"] == "TH"
    assert decoded["59"] == "JINGJAI SERVICE"
    assert decoded["60"] == "BANGKOK"
    assert decoded["62"] == {"05": "INV2025-0001"}
    assert decoded["63"] == payload[-4:]
    assert list(decoded) == ["00", "01", "29", "53", "54", "58", "59", "60", "62", "63"]


def test_decode_tax_id_and_e_wallet():
    tax_id = tlv("00", PROMPTPAY_AID) + tlv("02", "0105551234567")
    decoded = emv.decode(with_crc(tlv("00", "01") + tlv("29", tax_id)))
    assert decoded["29"] == {"00": PROMPTPAY_AID, "02": "0105551234567"}
    wallet = tlv("00", PROMPTPAY_AID) + tlv("03", "004999000000001")
    decoded = emv.decode(with_crc(tlv("00", "01") + tlv("29", wallet)))
    assert decoded["29"]["03"] == "004999000000001"


def test_decode_bill_payment_template():
    bill = (
        tlv("00", BILL_PAYMENT_AID)
        + tlv("01", "010555123456701")
        + tlv("02", "INV0001")
    )
    decoded = emv.decode(with_crc(tlv("00", "01") + tlv("30", bill)))
    assert decoded["30"] == {
        "00": BILL_PAYMENT_AID,
        "01": "010555123456701",
        "02": "INV0001",
    }


@pytest.mark.parametrize("tag", ["26", "51"])
def test_decode_template_range_bounds(tag):
    decoded = emv.decode(with_crc(tlv("00", "01") + tlv(tag, tlv("00", "X"))))
    assert decoded[tag] == {"00": "X"}


@pytest.mark.parametrize("tag", ["25", "52"])
def test_decode_outside_template_range_stays_text(tag):
    decoded = emv.decode(with_crc(tlv("00", "01") + tlv(tag, tlv("00", "X"))))
    assert decoded[tag] == "0001X"


def test_decode_accepts_lowercase_crc():
    payload = dynamic_mobile_payload()
    assert payload.endswith("5AFE")
    assert emv.decode(payload[:-4] + "5afe")["63"] == "5afe"


def _replace_one(payload: str, old: str, new: str) -> str:
    assert payload.count(old) == 1
    return payload.replace(old, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("1234.50", "1234.59"),  # amount changed
        ("0066812345678", "0066812345679"),  # recipient changed
        ("JINGJAI SERVICE", "JINGJAI SERVICF"),
    ],
)
def test_decode_refuses_tampered_payload(old, new):
    tampered = _replace_one(dynamic_mobile_payload(), old, new)
    with pytest.raises(emv.EmvError, match="CRC mismatch"):
        emv.decode(tampered)


def test_decode_refuses_tampered_crc():
    payload = dynamic_mobile_payload()
    wrong = "0000" if payload[-4:] != "0000" else "0001"
    with pytest.raises(emv.EmvError, match="CRC mismatch"):
        emv.decode(payload[:-4] + wrong)


def test_decode_refuses_missing_crc():
    with pytest.raises(emv.EmvError, match="end with tag 63"):
        emv.decode(tlv("00", "01") + tlv("58", "TH"))


def test_decode_refuses_crc_not_last():
    payload = dynamic_mobile_payload() + tlv("58", "TH")
    with pytest.raises(emv.EmvError, match="end with tag 63"):
        emv.decode(payload)


def test_decode_refuses_crc_of_wrong_length():
    with pytest.raises(emv.EmvError, match="end with tag 63"):
        emv.decode(tlv("00", "01") + tlv("63", "29B"))


def test_decode_refuses_truncated_payload():
    with pytest.raises(emv.EmvError):
        emv.decode(dynamic_mobile_payload()[:-1])


def test_decode_refuses_empty_payload():
    with pytest.raises(emv.EmvError):
        emv.decode("")


def test_decode_refuses_payload_not_starting_with_format_indicator():
    with pytest.raises(emv.EmvError, match="start with tag 00"):
        emv.decode(with_crc(tlv("01", "11") + tlv("00", "01")))


def test_decode_refuses_duplicate_tag():
    with pytest.raises(emv.EmvError, match="twice"):
        emv.decode(with_crc(tlv("00", "01") + tlv("54", "1.00") + tlv("54", "9.00")))


def test_decode_refuses_malformed_template():
    with pytest.raises(emv.EmvError):
        emv.decode(with_crc(tlv("00", "01") + tlv("29", "0016A0000006")))


def test_emv_error_is_value_error():
    assert issubclass(emv.EmvError, ValueError)


# format_amount


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234.5, "1234.50"),
        (Decimal("1234.5"), "1234.50"),
        (1234, "1234.00"),
        (0, "0.00"),
        (0.1 + 0.2, "0.30"),
        (1000000, "1000000.00"),
        (2.675, "2.68"),
        (Decimal("0.005"), "0.01"),
        (Decimal("99.994"), "99.99"),
        ("500", "500.00"),
    ],
)
def test_format_amount(value, expected):
    assert emv.format_amount(value) == expected


@pytest.mark.parametrize(
    "value", [-1, Decimal("-0.01"), "abc", float("nan"), float("inf"), None]
)
def test_format_amount_refuses(value):
    with pytest.raises(emv.EmvError):
        emv.format_amount(value)
