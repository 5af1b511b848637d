import re

from odoo import models
from odoo.tools import float_repr

# The proxy types l10n_th adds for PromptPay credit transfers (EMV tag 29).
PROMPTPAY_PROXY_TYPES = ("mobile", "merchant_tax_id", "ewallet_id")
# EMV text fields are "ans": printable ASCII. Thai script there makes banking
# apps that count bytes, not characters, read a wrong length and refuse the QR.
NOT_EMV_TEXT = re.compile(r"[^ -~]+")
# EMV lengths of the merchant name (59), city (60) and reference label (62.05).
MERCHANT_NAME_MAX = 25
MERCHANT_CITY_MAX = 15
REFERENCE_LABEL_MAX = 25


class ResPartnerBank(models.Model):
    """Odoo's Thai PromptPay QR (account_qr_code_emv + l10n_th), completed.

    Odoo builds the payload; this only corrects what Thai banking apps need and
    Odoo leaves out, for Thai accounts and for every QR Odoo makes from them
    (the invoice PDF too, so the PDF and the portal page carry the same code):

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
    # ODOO'S EMV QR, COMPLETED FOR THAILAND
    # ------------------------------------------------------------

    def _get_qr_code_vals_list(
        self,
        qr_method,
        amount,
        currency,
        debtor_partner,
        free_communication,
        structured_communication,
    ):
        vals = super()._get_qr_code_vals_list(
            qr_method,
            amount,
            currency,
            debtor_partner,
            free_communication,
            structured_communication,
        )
        if qr_method != "emv_qr" or self.country_code != "TH":
            return vals
        has_amount = bool(amount) and not currency.is_zero(amount)
        corrected = {
            1: "12" if has_amount else "11",
            54: float_repr(currency.round(amount), currency.decimal_places)
            if has_amount
            else None,
            59: self._jingjai_portal_emv_text(self.partner_id.name, MERCHANT_NAME_MAX)
            or "NA",
            60: self._jingjai_portal_emv_text(self.partner_id.city, MERCHANT_CITY_MAX)
            or "NA",
        }
        return [(tag, corrected.get(tag, value)) for tag, value in vals]

    def _get_additional_data_field(self, comment):
        if self.country_code == "TH" and comment:
            # Sub-tag 05, the reference label: the bank shows it with the transfer,
            # so the payment can be matched to the invoice.
            return self._serialize(5, comment[:REFERENCE_LABEL_MAX])
        return super()._get_additional_data_field(comment)

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
        """The EMV payload Odoo builds to pay ``amount`` to this account."""
        self.ensure_one()
        return self._get_qr_vals("emv_qr", amount, currency, debtor, reference, None)

    def _jingjai_portal_promptpay_display_id(self):
        """The PromptPay ID as people write it: 081-234-5678, 0-1055-51234-56-7."""
        self.ensure_one()
        value = re.sub(r"\D", "", self.proxy_value or "")
        if self.proxy_type == "mobile" and len(value) == 10:
            return f"{value[:3]}-{value[3:6]}-{value[6:]}"
        if self.proxy_type == "merchant_tax_id" and len(value) == 13:
            return f"{value[0]}-{value[1:5]}-{value[5:10]}-{value[10:12]}-{value[12]}"
        return self.proxy_value or ""
