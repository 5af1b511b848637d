"""Tests for jingjai_portal/lib/sms.py."""

import pytest
from _lib_import import load

sms = load("sms")

THAI = "สวัสดีครับ"  # 10 code points, all in the Basic Multilingual Plane


def percent_encoded(text: str) -> str:
    """Percent-encode every UTF-8 byte, to compare against quote()."""
    return "".join(f"%{byte:02X}" for byte in text.encode("utf-8"))


# is_gsm7


def test_gsm7_alphabet_has_127_basic_and_10_extension_characters():
    assert len(set(sms.GSM7_BASIC)) == len(sms.GSM7_BASIC) == 127
    assert len(set(sms.GSM7_EXTENSION)) == len(sms.GSM7_EXTENSION) == 10
    assert not set(sms.GSM7_BASIC) & set(sms.GSM7_EXTENSION)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Hello, world!",
        "@£$¥èéùìòÇ",
        "ÄÖÑÜäöñüà§¿¡",
        "ΔΦΓΛΩΠΨΣΘΞ",
        "line\nbreak",
        "€[]{}",
    ],
)
def test_is_gsm7_true(text):
    assert sms.is_gsm7(text)


@pytest.mark.parametrize("text", [THAI, "ç", "á", "`", "😀", "“quoted”", "\x1b"])
def test_is_gsm7_false(text):
    assert not sms.is_gsm7(text)


# segments


def expect(encoding, length, count, per_segment):
    return {
        "encoding": encoding,
        "length": length,
        "segments": count,
        "per_segment": per_segment,
    }


def test_empty_text_needs_no_segment():
    assert sms.segments("") == expect("GSM-7", 0, 0, 160)


@pytest.mark.parametrize(
    ("length", "count", "per_segment"),
    [(1, 1, 160), (160, 1, 160), (161, 2, 153), (306, 2, 153), (307, 3, 153)],
)
def test_english_segment_boundaries(length, count, per_segment):
    assert sms.segments("a" * length) == expect("GSM-7", length, count, per_segment)


@pytest.mark.parametrize(
    ("length", "count", "per_segment"),
    [(1, 1, 70), (70, 1, 70), (71, 2, 67), (134, 2, 67), (135, 3, 67)],
)
def test_thai_segment_boundaries(length, count, per_segment):
    text = (THAI * 20)[:length]
    assert sms.segments(text) == expect("UCS-2", length, count, per_segment)


def test_one_thai_character_switches_whole_message_to_ucs2():
    assert sms.segments("a" * 69 + "ก") == expect("UCS-2", 70, 1, 70)
    assert sms.segments("a" * 70 + "ก") == expect("UCS-2", 71, 2, 67)


def test_extension_characters_count_twice():
    assert sms.segments("€") == expect("GSM-7", 2, 1, 160)
    assert sms.segments("€" * 80) == expect("GSM-7", 160, 1, 160)
    assert sms.segments("€" * 80 + "a") == expect("GSM-7", 161, 2, 153)
    assert sms.segments("a" * 159 + "{") == expect("GSM-7", 161, 2, 153)


def test_extension_character_is_not_split_across_segments():
    # 306 septets would fit two parts of 153, but the escape sequence at
    # septets 153-154 has to move whole to the second part.
    text = "a" * 152 + "€" + "b" * 152
    assert sms.segments(text) == expect("GSM-7", 306, 3, 153)


def test_ucs2_counts_utf16_code_units():
    assert sms.segments("😀") == expect("UCS-2", 2, 1, 70)
    assert sms.segments("😀" * 35) == expect("UCS-2", 70, 1, 70)
    assert sms.segments("😀" * 36) == expect("UCS-2", 72, 2, 67)


def test_surrogate_pair_is_not_split_across_segments():
    text = "ก" * 66 + "😀" + "ข" * 66
    assert sms.segments(text) == expect("UCS-2", 134, 3, 67)


# Share links


def test_line_share_url_encodes_thai_and_ampersand():
    url = sms.line_share_url(f"{THAI} & more")
    assert url == (
        "https://line.me/R/share?text=" + percent_encoded(THAI) + "%20%26%20more"
    )


def test_share_urls_encode_url_reserved_characters():
    text = "https://x.example/p?a=1&b=2#c+d"
    encoded = "https%3A%2F%2Fx.example%2Fp%3Fa%3D1%26b%3D2%23c%2Bd"
    assert sms.line_share_url(text) == "https://line.me/R/share?text=" + encoded
    assert sms.whatsapp_share_url(text) == "https://wa.me/?text=" + encoded


def test_whatsapp_share_url_with_number():
    url = sms.whatsapp_share_url(f"{THAI} & more", "+66812345678")
    assert url == (
        "https://wa.me/66812345678?text=" + percent_encoded(THAI) + "%20%26%20more"
    )


@pytest.mark.parametrize("e164", [None, ""])
def test_whatsapp_share_url_without_number(e164):
    assert sms.whatsapp_share_url("hi", e164) == "https://wa.me/?text=hi"


def test_whatsapp_share_url_keeps_only_ascii_digits_of_number():
    assert sms.whatsapp_share_url("hi", "+66 81-234-5678") == (
        "https://wa.me/66812345678?text=hi"
    )
