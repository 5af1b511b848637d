"""Tests for jingjai_portal/lib/slip_qr.py (the Thai slip QR payload)."""

import pytest
from _lib_import import load

slip_qr = load("slip_qr")
emv = load("emv")


def test_a_built_payload_parses_back():
    payload = slip_qr.build("004", "015118123456ATF00012")
    assert payload == "0041000600000101030040220015118123456ATF000125102TH9104312E"
    qr = slip_qr.parse(payload)
    assert (qr.bank_code, qr.transaction_ref) == ("004", "015118123456ATF00012")
    assert qr.bank_name == "Kasikornbank"


def test_crc_is_checked():
    payload = slip_qr.build("014", "2025120112345678ABC")
    broken = payload[:-4] + ("0000" if payload[-4:] != "0000" else "FFFF")
    with pytest.raises(slip_qr.SlipQrError) as error:
        slip_qr.parse(broken)
    assert error.value.reason == "crc"


def test_a_dropped_leading_zero_of_the_crc_is_accepted():
    # Find a reference whose CRC starts with 0, then write it as some apps do.
    for number in range(10000):
        payload = slip_qr.build("002", f"REF{number:06d}")
        if payload[-4] == "0":
            break
    else:  # pragma: no cover
        pytest.fail("no CRC with a leading zero")
    short = payload[:-8] + "9103" + payload[-3:]
    assert slip_qr.parse(short).transaction_ref == f"REF{number:06d}"
    also_short = payload[:-4] + payload[-3:]  # length still 04, 3 digits
    with pytest.raises(slip_qr.SlipQrError):
        slip_qr.parse(also_short)


def test_lowercase_crc_is_accepted():
    payload = slip_qr.build("006", "ABC123")
    assert slip_qr.parse(payload[:-4] + payload[-4:].lower()).bank_code == "006"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (slip_qr.build("004", "REF1", api_id="000002"), "api_id"),
        (slip_qr.build("004", "REF1", country="US"), "country"),
        (slip_qr.build("04", "REF1"), "bank_code"),
        (slip_qr.build("ABC", "REF1"), "bank_code"),
        (slip_qr.build("004", ""), "reference"),
        (slip_qr.build("004", "REF 1"), "reference"),
        ("hello", "structure"),
        ("", "structure"),
        ("https://example.com/slip", "structure"),
        # A PromptPay payment QR is EMV too, but no slip QR.
        ("0002010102115802TH6304ABCD", "structure"),
        # Tag 91 must be last.
        ("0041000600000101030040220015118123456ATF000129104312E5102TH", "structure"),
        ("0041000600000101030040220015118123456ATF000125102TH", "structure"),
        ("00410006000001", "structure"),  # truncated
        ("ไทย", "structure"),
    ],
)
def test_malformed_payloads_are_refused_with_a_reason(payload, reason):
    with pytest.raises(slip_qr.SlipQrError) as error:
        slip_qr.parse(payload)
    assert error.value.reason == reason


def test_bank_names_from_codes():
    expected = {
        "002": "Bangkok Bank",
        "004": "Kasikornbank",
        "006": "Krungthai Bank",
        "011": "TMBThanachart Bank",
        "014": "Siam Commercial Bank",
        "025": "Bank of Ayudhya (Krungsri)",
        "030": "Government Savings Bank",
        "034": "Bank for Agriculture and Agricultural Cooperatives",
        "069": "Kiatnakin Phatra Bank",
    }
    for code, name in expected.items():
        assert slip_qr.bank_name(code) == name
    assert slip_qr.bank_name("999") == ""
    assert slip_qr.bank_name(None) == ""
    assert all(len(code) == 3 and code.isdigit() for code in slip_qr.BANK_NAMES)


def test_choose_takes_the_slip_qr_among_others():
    good = slip_qr.build("004", "REF42")
    promptpay = (
        "00020101021129370016A000000677010111011300668123456785802TH53037646304ABCD"
    )
    assert slip_qr.choose([]) == ("no_qr", None, "")
    verdict, qr, payload = slip_qr.choose([promptpay, good])
    assert (verdict, qr.transaction_ref, payload) == ("valid", "REF42", good)
    bad = good[:-4] + "0000"
    # A slip-shaped QR that fails is what the accountant is told about.
    assert slip_qr.choose([promptpay, bad]) == ("invalid_qr", None, bad)
    assert slip_qr.choose(["https://example.com"])[0] == "invalid_qr"


def test_crc_is_emv_crc():
    head = slip_qr.build("004", "X1")[:-4]
    assert slip_qr.build("004", "X1")[-4:] == emv.crc16_ccitt_false(head)


def test_a_huge_pdf_page_is_rendered_small():
    """A 200-inch page would be a bitmap of gigabytes at 200 dpi: it is capped."""
    pytest.importorskip("pypdfium2")
    pytest.importorskip("zxingcpp")
    slip_scan = load("slip_scan")
    pdf = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages"
        b"/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R"
        b"/MediaBox[0 0 14400 14400]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"
    )
    image = slip_scan.pdf_first_page(pdf)
    assert max(image.size) <= slip_scan.MAX_SIDE
    assert slip_scan.qr_texts(pdf, "pdf") == []
    assert slip_scan.qr_texts(b"not an image", "image") == []
