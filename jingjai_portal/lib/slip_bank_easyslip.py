"""EasySlip: a Thai slip-verification service, asked with the slip QR.

Implemented from EasySlip's public API documentation (API v1):

* https://document.easyslip.com/documents/verify/bank/payload
  ("Verify Bank Slip By Payload": ``GET https://developer.easyslip.com/api/v1/verify?payload=...``
  with ``Authorization: Bearer <API key>``; the answer type and example)
* https://easyslip-document.cl1.easythunder.com/en/v1/verify/bank/payload
  (the same endpoint, optional ``checkDuplicate``)
* https://easyslip-document.cl1.easythunder.com/en/reference/error-codes
  (v1 errors: ``{"status": <HTTP status>, "message": "<code>"}``)

A success is HTTP 200 with ``{"status": 200, "data": {payload, transRef,
date (ISO 8601 with offset), countryCode, amount: {amount, local}, fee, ref1-3,
sender, receiver}}``; a party is ``{bank: {id, name, short}, account: {name:
{th, en}, bank: {type: BANKAC|TOKEN|DUMMY, account}, proxy: {type:
NATID|MSISDN|EWALLETID|EMAIL|BILLERID, account}}}``, numbers masked.

We do not send ``checkDuplicate``: the add-on finds reused slips itself, in
every company, and a retry after a timeout must not look like a reused slip.
"""

import urllib.parse

from . import slip_bank

# v1 error codes (the "message" of an error answer) by what they mean to us.
NOT_FOUND_CODES = {"slip_not_found", "invalid_payload"}
AUTH_CODES = {
    "unauthorized",
    "access_denied",
    "application_expired",
    "application_deactivated",
}
QUOTA_CODES = {"quota_exceeded"}


def _text(value):
    return value.strip() if isinstance(value, str) else ""


def _party(party):
    """``(name, account, proxy_type, proxy)`` of a sender or receiver."""
    account = (party or {}).get("account") or {}
    names = account.get("name") or {}
    name = _text(names.get("th")) or _text(names.get("en"))
    bank_account = account.get("bank") or {}
    # A TOKEN or DUMMY "account" is not the receiver's account number.
    number = (
        _text(bank_account.get("account"))
        if bank_account.get("type") == "BANKAC"
        else ""
    )
    proxy = account.get("proxy") or {}
    proxy_type = _text(proxy.get("type"))
    return (
        name,
        number,
        slip_bank.PROXY_TYPES.get(proxy_type, proxy_type.lower()),
        _text(proxy.get("account")),
    )


def parse_answer(http_status, body):
    """An :class:`slip_bank.Answer` from EasySlip's HTTP status and JSON body."""
    if not isinstance(body, dict):
        return slip_bank.Answer.failure("answer", f"HTTP {http_status}")
    code = _text(body.get("message")).lower()
    if http_status == 200 and body.get("status") == 200:
        data = body.get("data")
        if not isinstance(data, dict):
            return slip_bank.Answer.failure("answer", "no data")
        amount = (data.get("amount") or {}).get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            return slip_bank.Answer.failure("answer", "no amount")
        receiver_name, receiver_account, proxy_type, proxy = _party(
            data.get("receiver")
        )
        return slip_bank.Answer(
            status=slip_bank.FOUND,
            amount=float(amount),
            transferred_at=slip_bank.parse_datetime(data.get("date")),
            receiver_name=receiver_name,
            receiver_account=receiver_account,
            receiver_proxy_type=proxy_type if proxy else "",
            receiver_proxy=proxy,
            sender_name=_party(data.get("sender"))[0],
            bank_reference=_text(data.get("transRef")),
        )
    if http_status == 404 or code in NOT_FOUND_CODES:
        return slip_bank.Answer(status=slip_bank.NOT_FOUND, detail=code)
    if http_status == 401 or code in AUTH_CODES:
        return slip_bank.Answer.failure("auth", code or f"HTTP {http_status}")
    if code in QUOTA_CODES or http_status == 429:
        return slip_bank.Answer.failure("quota", code or f"HTTP {http_status}")
    if http_status >= 500:
        return slip_bank.Answer.failure("network", code or f"HTTP {http_status}")
    return slip_bank.Answer.failure("answer", code or f"HTTP {http_status}")


@slip_bank.register
class EasySlip(slip_bank.Provider):
    code = "easyslip"
    label = "EasySlip"
    default_endpoint = "https://developer.easyslip.com/api/v1/verify"

    def _verify(self, query):
        if not query.payload:
            # EasySlip is asked with the QR payload itself, not its parts.
            return slip_bank.Answer(status=slip_bank.NOT_FOUND, detail="no payload")
        url = (
            self.endpoint
            + ("&" if "?" in self.endpoint else "?")
            + urllib.parse.urlencode({"payload": query.payload})
        )
        status, body = self._get_json(
            url,
            {
                "Authorization": f"Bearer {self._credential}",
                "Accept": "application/json",
                "User-Agent": "jingjai_portal (Odoo)",
            },
        )
        return parse_answer(status, body)
