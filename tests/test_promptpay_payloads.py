"""The PromptPay payloads the add-on must build, decoded field by field.

jingjai_portal/tests/data/promptpay_payloads.json holds one payload per proxy
type (mobile, merchant tax id, e-wallet id) and a static one without amount.
The Odoo suite checks that Odoo (account_qr_code_emv + l10n_th, as completed by
the add-on) builds exactly these strings; here, without Odoo, each one is taken
apart with the independent decoder and its CRC recomputed by the standard
library.
"""

import binascii
import json
from pathlib import Path

import pytest
from _lib_import import load

emv = load("emv")

DATA = json.loads(
    (
        Path(__file__).resolve().parent.parent
        / "jingjai_portal"
        / "tests"
        / "data"
        / "promptpay_payloads.json"
    ).read_text(encoding="utf-8")
)
VECTORS = {vector["name"]: vector for vector in DATA["vectors"]}
PROMPTPAY_AID = "A000000677010111"
PROXY_SUBTAGS = {"mobile": "01", "merchant_tax_id": "02", "ewallet_id": "03"}


def test_every_proxy_type_has_a_vector():
    assert {vector["proxy_type"] for vector in VECTORS.values()} == set(PROXY_SUBTAGS)


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_payload_fields(name):
    vector = VECTORS[name]
    payload = vector["payload"]
    decoded = emv.decode(payload)  # raises on a bad CRC or broken TLV
    expected = vector["expected"]

    assert decoded["00"] == "01"
    assert decoded["01"] == expected["01"]
    assert decoded["01"] == ("12" if vector["amount"] else "11")
    # Credit transfer template: the PromptPay AID and exactly one proxy.
    assert "30" not in decoded
    subtag = PROXY_SUBTAGS[vector["proxy_type"]]
    assert decoded["29"] == {"00": PROMPTPAY_AID, subtag: expected["29"][subtag]}
    assert decoded["53"] == "764"
    if vector["amount"]:
        assert decoded["54"] == expected["54"]
        assert decoded["54"] == emv.format_amount(vector["amount"])
    else:
        assert "54" not in decoded
    assert decoded["58"] == "TH"
    assert decoded["59"] == DATA["merchant_name"]
    assert decoded["60"] == DATA["merchant_city"]
    if vector["include_reference"]:
        assert decoded["62"] == {"05": vector["reference"]}
    else:
        assert "62" not in decoded
    # The CRC, recomputed by the standard library rather than the decoder.
    assert payload[-8:-4] == "6304"
    assert decoded["63"] == f"{binascii.crc_hqx(payload[:-4].encode(), 0xFFFF):04X}"
    assert list(decoded)[-1] == "63"


@pytest.mark.parametrize(
    ("proxy_value", "encoded"),
    [("0812345678", "0066812345678"), ("0898765432", "0066898765432")],
)
def test_mobile_numbers_become_0066_and_nine_digits(proxy_value, encoded):
    vector = next(
        vector
        for vector in VECTORS.values()
        if vector["proxy_type"] == "mobile" and vector["proxy_value"] == proxy_value
    )
    assert emv.decode(vector["payload"])["29"]["01"] == encoded
    assert encoded == "0066" + proxy_value[1:]


def test_tax_id_and_ewallet_lengths():
    assert len(emv.decode(VECTORS["merchant_tax_id"]["payload"])["29"]["02"]) == 13
    assert len(emv.decode(VECTORS["ewallet_id"]["payload"])["29"]["03"]) == 15


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("1,234.50".replace(",", ""), "1234.50"),
        (1234.5, "1234.50"),
        (100, "100.00"),
        (0.75, "0.75"),
        (0.1 + 0.2, "0.30"),
        (1070.0000000000002, "1070.00"),
    ],
)
def test_amount_format(value, text):
    assert emv.format_amount(value) == text
