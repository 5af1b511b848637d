"""The QR code of a Thai mobile-banking transfer slip ("e-slip").

Thai banking apps print a small QR on every transfer slip. It is a key for
the banks' own slip-verification services, not a receipt: it carries the
sending bank and the transaction reference, never the amount, the date or
the receiver. Its payload is EMV-style TLV (2-digit tag, 2-digit length,
value):

* tag ``00``: sub-fields ``00`` = API id ``000001``, ``01`` = the sending
  bank's 3-digit code, ``02`` = the transaction reference;
* tag ``51``: the country, ``TH``;
* tag ``91``: CRC-16/CCITT-FALSE of everything before its value, 4 hex digits
  (some apps drop a leading zero and write 3).

Pure Python (no Odoo, no third-party import) so that it is tested alone.
"""

from dataclasses import dataclass

from .emv import EmvError, crc16_ccitt_false, parse_tlv

API_ID = "000001"
COUNTRY = "TH"

# Thai bank codes (Bank of Thailand / Thai Bankers' Association numbering),
# as the slip QR gives the sending bank.
BANK_NAMES = {
    "002": "Bangkok Bank",
    "004": "Kasikornbank",
    "006": "Krungthai Bank",
    "011": "TMBThanachart Bank",
    "014": "Siam Commercial Bank",
    "017": "Citibank",
    "018": "Sumitomo Mitsui Banking Corporation",
    "020": "Standard Chartered Bank (Thai)",
    "022": "CIMB Thai Bank",
    "024": "UOB Thailand",
    "025": "Bank of Ayudhya (Krungsri)",
    "030": "Government Savings Bank",
    "031": "HSBC",
    "033": "Government Housing Bank",
    "034": "Bank for Agriculture and Agricultural Cooperatives",
    "035": "Export-Import Bank of Thailand",
    "039": "Mizuho Bank",
    "052": "Bank of China (Thai)",
    "066": "Islamic Bank of Thailand",
    "067": "Tisco Bank",
    "069": "Kiatnakin Phatra Bank",
    "070": "ICBC (Thai)",
    "071": "Thai Credit Bank",
    "073": "Land and Houses Bank",
    "079": "ANZ Bank (Thai)",
    "080": "MUFG Bank (Mitsubishi UFJ)",
    "098": "SME Development Bank",
}


class SlipQrError(ValueError):
    """A QR that is not a valid slip QR; ``reason`` says why (for staff)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SlipQr:
    bank_code: str
    transaction_ref: str
    payload: str

    @property
    def bank_name(self):
        return bank_name(self.bank_code)


def bank_name(code):
    """The bank's name for a 3-digit code, or ``""`` when unknown."""
    return BANK_NAMES.get(code or "", "")


def looks_like_slip(payload):
    """Whether ``payload`` starts the way a slip QR does (tag 00, API id).

    Tells a slip QR that fails its checks apart from an unrelated QR (a shop's
    PromptPay QR, a URL) printed on the same slip.
    """
    return (
        isinstance(payload, str)
        and payload[:2] == "00"
        and (payload[4:14] == "00" + "06" + API_ID)
    )


def _crc_matches(payload, crc_value):
    """CRC of the payload up to tag 91's value, as written or as ``9104``.

    An app that drops the CRC's leading zero may also write the length as
    ``03``; the CRC is then computed over ``…9104`` as the standard says, so
    both prefixes are tried.
    """
    try:
        expected = int(crc_value, 16)
    except ValueError:
        return False
    if len(crc_value) not in (3, 4):
        return False
    prefix = payload[: -len(crc_value)]
    candidates = {prefix}
    if prefix.endswith("9103"):
        candidates.add(prefix[:-2] + "04")
    return any(int(crc16_ccitt_false(text), 16) == expected for text in candidates)


def parse(payload):
    """Read a slip QR payload.

    :return: :class:`SlipQr`
    :raise SlipQrError: ``structure`` (not TLV, fields missing or misplaced),
        ``api_id``, ``country``, ``bank_code``, ``reference`` or ``crc``
    """
    if not isinstance(payload, str) or not payload.isascii():
        raise SlipQrError("structure")
    payload = payload.strip()
    try:
        fields = parse_tlv(payload)
    except EmvError as error:
        raise SlipQrError("structure") from error
    tags = [tag for tag, _value in fields]
    if not fields or tags[-1] != "91" or tags.count("91") != 1:
        raise SlipQrError("structure")
    values = dict(fields)
    if tags.count("00") != 1 or tags.count("51") != 1:
        raise SlipQrError("structure")
    try:
        sub = parse_tlv(values["00"])
    except EmvError as error:
        raise SlipQrError("structure") from error
    subvalues = dict(sub)
    if subvalues.get("00") != API_ID:
        raise SlipQrError("api_id")
    if values["51"] != COUNTRY:
        raise SlipQrError("country")
    bank_code = subvalues.get("01", "")
    if not (len(bank_code) == 3 and bank_code.isdigit()):
        raise SlipQrError("bank_code")
    reference = subvalues.get("02", "")
    if not (reference and reference.isalnum() and len(reference) <= 50):
        raise SlipQrError("reference")
    if not _crc_matches(payload, values["91"]):
        raise SlipQrError("crc")
    return SlipQr(bank_code=bank_code, transaction_ref=reference, payload=payload)


def build(bank_code, transaction_ref, country=COUNTRY, api_id=API_ID):
    """A slip QR payload with its CRC (for tests and demo data)."""

    def field(tag, value):
        return f"{tag}{len(value):02d}{value}"

    head = (
        field(
            "00",
            field("00", api_id) + field("01", bank_code) + field("02", transaction_ref),
        )
        + field("51", country)
        + "9104"
    )
    return head + crc16_ccitt_false(head)


def choose(payloads):
    """From the texts of every QR found on a slip, the verdict and slip QR.

    :return: ``(verdict, slip_qr or None, payload or "")``; verdict is
        ``valid`` (the first valid slip QR), ``invalid_qr`` (something shaped
        like a slip QR that fails its checks, or a QR that is not one while no
        other is found), or ``no_qr`` (no QR at all)
    """
    payloads = [text for text in payloads if text]
    if not payloads:
        return "no_qr", None, ""
    bad = [text for text in payloads if looks_like_slip(text)] or payloads
    for text in payloads:
        try:
            return "valid", parse(text), text
        except SlipQrError:
            continue
    return "invalid_qr", None, bad[0]
