"""Tests for jingjai_portal/lib/phone.py."""

import pytest
from _lib_import import load

phone = load("phone")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("081-234-5678", "+66812345678"),
        ("0812345678", "+66812345678"),
        ("+66 81 234 5678", "+66812345678"),
        ("+66812345678", "+66812345678"),
        ("0066812345678", "+66812345678"),
        ("00166812345678", "+66812345678"),
        ("(081) 234 5678", "+66812345678"),
        ("  081 234 5678  ", "+66812345678"),
        ("๐๘๑-๒๓๔-๕๖๗๘", "+66812345678"),
        ("02 123 4567", "+6621234567"),
        ("+1 650 253 0000", "+16502530000"),
    ],
)
def test_normalize_phone(raw, expected):
    assert phone.normalize_phone(raw) == expected


def test_normalize_phone_other_default_region():
    assert phone.normalize_phone("(650) 253-0000", "US") == "+16502530000"


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_normalize_phone_refuses_empty(raw):
    with pytest.raises(phone.PhoneError, match="enter a phone number"):
        phone.normalize_phone(raw)


@pytest.mark.parametrize("raw", ["abc", "phone me", "+"])
def test_normalize_phone_refuses_unparsable(raw):
    with pytest.raises(phone.PhoneError, match="does not look like"):
        phone.normalize_phone(raw)


@pytest.mark.parametrize("raw", ["12", "081234567890123", "+66 12", "0000000000"])
def test_normalize_phone_refuses_invalid(raw):
    with pytest.raises(phone.PhoneError, match="not a valid phone number"):
        phone.normalize_phone(raw)


def test_phone_error_is_value_error():
    assert issubclass(phone.PhoneError, ValueError)


@pytest.mark.parametrize(
    ("e164", "expected"),
    [
        ("+66812345678", "•••• •••• 5678"),
        ("+16502530000", "•••• •••• 0000"),
        ("+6621234567", "•••• •••• 4567"),
        ("12345", "•••• •••• 2345"),
        ("1234", "••••"),
        ("", ""),
    ],
)
def test_mask_phone(e164, expected):
    assert phone.mask_phone(e164) == expected


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("somchai@example.com", "s•••@example.com"),
        ("a@example.co.th", "a•••@example.co.th"),
        ("  somchai@example.com ", "s•••@example.com"),
        ("", ""),
        (None, ""),
        ("somchai", ""),
        ("@example.com", ""),
        ("somchai@", ""),
    ],
)
def test_mask_email(email, expected):
    assert phone.mask_email(email) == expected


@pytest.mark.parametrize(
    ("e164", "expected"),
    [
        ("+66812345678", True),
        ("+66912345678", True),
        ("+6621234567", False),
        ("+16502530000", True),
        ("+447400123456", True),
        ("+442071234567", False),
        ("0812345678", False),
        ("", False),
        (None, False),
        ("abc", False),
    ],
)
def test_is_mobile(e164, expected):
    assert phone.is_mobile(e164) is expected
