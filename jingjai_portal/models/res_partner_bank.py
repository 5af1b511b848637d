import re

from odoo import models
from odoo.tools import float_repr

# The proxy types l10n_th adds for PromptPay credit transfers (EMV tag 29).
PROMPTPAY_PROXY_TYPES = ("mobile", "merchant_tax_id", "ewallet_id")
# EMV text fields are "ans": printable ASCII. Thai script there makes banking
# apps that count bytes, not characters, read a wrong length and refuse the QR.
NOT_EMV_TEXT = re.compile(r"[^ -~]+")
# What account_qr_code_emv removes from a reference before putting it in a QR.
NOT_EMV_REFERENCE = re.compile(r"[^ A-Za-z0-9_@.\\/#&+-]+")
# EMV lengths of the merchant name (59), city (60) and reference label (62.05).
MERCHANT_NAME_MAX = 25
MERCHANT_CITY_MAX = 15
REFERENCE_LABEL_MAX = 25


class ResPartnerBank(models.Model):
    """PromptPay for the add-on's own invoice page, from Odoo's Thai EMV QR.

    Odoo (account_qr_code_emv + l10n_th) builds the fields; the add-on's page
    and its QR image then correct what Thai banking apps need and Odoo leaves
    out. Only that page: Odoo's own QR codes (the invoice PDF's, any other
    module's) stay exactly as Odoo builds them, so nothing overrides Odoo's
    builder here.

    * the amount always with two decimals ("1234.50"), as EMV and PromptPay
      write it, where Odoo writes "100" or Python's "1234.5";
    * point of initiation "11" (static) when there is no amount, where Odoo
      always says "12" (dynamic, one payment);
    * the invoice reference in the additional data (tag 62, reference label)
      when the account's "Include Reference" is ticked, which Odoo silently
      drops for Thailand;
    * merchant name and city in printable ASCII.
    """

    _inherit = "res.partner.bank"

    # ------------------------------------------------------------
    # ODOO'S EMV QR, COMPLETED FOR THE PORTAL LINK'S PAGE
    # ------------------------------------------------------------

    def _jingjai_portal_promptpay_vals_list(self, amount, currency, debtor, reference):
        """Odoo's EMV fields ``[(tag, value)]`` to pay ``amount``, corrected."""
        self.ensure_one()
        vals = self._get_qr_code_vals_list(
            "emv_qr", amount, currency, debtor, reference, None
        )
        has_amount = bool(amount) and not currency.is_zero(amount)
        # Odoo's own cleaning of the reference, before it would add it.
        comment = NOT_EMV_REFERENCE.sub("", self._remove_accents(reference or ""))
        corrected = {
            1: "12" if has_amount else "11",
            54: float_repr(currency.round(amount), currency.decimal_places)
            if has_amount
            else None,
            59: self._jingjai_portal_emv_text(self.partner_id.name, MERCHANT_NAME_MAX)
            or "NA",
            60: self._jingjai_portal_emv_text(self.partner_id.city, MERCHANT_CITY_MAX)
            or "NA",
            # Sub-tag 05, the reference label: the bank shows it with the
            # transfer, so the payment can be matched to the invoice.
            62: self._serialize(5, comment[:REFERENCE_LABEL_MAX])
            if self.include_reference and comment
            else None,
        }
        return [(tag, corrected.get(tag, value)) for tag, value in vals]

    def _jingjai_portal_emv_text(self, text, limit):
        """``text`` as EMV text: accents removed, printable ASCII, at most ``limit``."""
        ascii_text = NOT_EMV_TEXT.sub(" ", self._remove_accents(text or ""))
        # A cut name should not end on "Co.," or a dangling separator.
        return " ".join(ascii_text.split())[:limit].rstrip(" ,;:-")

    # ------------------------------------------------------------
    # PROMPTPAY FOR PORTAL LINKS
    # ------------------------------------------------------------

    def _jingjai_portal_is_promptpay(self):
        """Whether this is a Thai account with a PromptPay proxy (type and value)."""
        self.ensure_one()
        return bool(
            self.active
            and self.country_code == "TH"
            and self.proxy_type in PROMPTPAY_PROXY_TYPES
            and self.proxy_value
        )

    def _jingjai_portal_promptpay_error(self, currency, debtor_partner):
        """Odoo's own reason why no PromptPay QR can be made here, or None.

        The same checks as the invoice PDF's QR code: the currency, then the
        account's data (proxy type and value, the holder's city).
        """
        self.ensure_one()
        if not self._jingjai_portal_is_promptpay():
            return self.env._(
                "The bank account %s has no PromptPay proxy type and value.",
                self.display_name,
            )
        return self._get_error_messages_for_qr(
            "emv_qr", debtor_partner, currency
        ) or self._check_for_qr_code_errors(
            "emv_qr", 0.0, currency, debtor_partner, "", ""
        )

    def _jingjai_portal_promptpay_payload(self, amount, currency, debtor, reference):
        """The EMV payload of the add-on's own QR to pay ``amount`` to this account.

        Serialized and closed with its CRC as Odoo's ``_get_qr_vals`` does.
        """
        self.ensure_one()
        vals = self._jingjai_portal_promptpay_vals_list(
            amount, currency, debtor, reference
        )
        payload = "".join(self._serialize(tag, value) for tag, value in vals) + "6304"
        return payload + format(self._get_crc16(payload.encode()), "04X")

    def _jingjai_portal_promptpay_display_id(self):
        """The PromptPay ID as people write it: 081-234-5678, 0-1055-51234-56-7."""
        self.ensure_one()
        value = re.sub(r"\D", "", self.proxy_value or "")
        if self.proxy_type == "mobile" and len(value) == 10:
            return f"{value[:3]}-{value[3:6]}-{value[6:]}"
        if self.proxy_type == "merchant_tax_id" and len(value) == 13:
            return f"{value[0]}-{value[1:5]}-{value[5:10]}-{value[10:12]}-{value[12]}"
        return self.proxy_value or ""
