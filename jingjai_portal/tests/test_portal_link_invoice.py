import base64
import binascii
import io
import json
import re
from datetime import timedelta
from unittest.mock import patch

from lxml import html
from PIL import Image

from odoo.tests import HttpCase, tagged
from odoo.tools import file_path, mute_logger
from odoo.tools import pdf as odoo_pdf

from odoo.addons.jingjai_portal.lib import emv, tokens
from odoo.addons.jingjai_portal.lib.slip import MAX_SLIP_BYTES
from odoo.addons.jingjai_portal.tests.common import (
    JingjaiPortalCommon,
    PortalLinkHttpMixin,
)

try:
    from pyzbar import pyzbar
except ImportError:  # the Python package, or the zbar library it loads
    pyzbar = None

PROMPTPAY_AID = "A000000677010111"
PROXY_SUBTAGS = {"mobile": "01", "merchant_tax_id": "02", "ewallet_id": "03"}
LINK_URL = re.compile(r"https?://[^\s\"'<>]+/p/([A-Za-z0-9_-]{22})(?![A-Za-z0-9_-])")


def png_bytes(size=(40, 60), image_format="PNG"):
    stream = io.BytesIO()
    Image.new("RGB", size, (0, 120, 80)).save(stream, format=image_format)
    return stream.getvalue()


class JingjaiInvoiceLinkCommon(JingjaiPortalCommon):
    """The portal fixtures in a Thai company (THB, Thai chart of accounts), whose
    partner is in Bangkok, with one PromptPay account (mobile) and one plain bank
    account.
    """

    @classmethod
    @JingjaiPortalCommon.setup_country("th")
    def setUpClass(cls):
        super().setUpClass()
        cls.thb = cls.env.ref("base.THB")
        cls.company.partner_id.write({"city": "Bangkok"})
        cls.bank = cls.env["res.bank"].create({"name": "Kasikornbank"})
        cls.account_promptpay = cls.env["res.partner.bank"].create(
            {
                "acc_number": "123-4-56789-0",
                "bank_id": cls.bank.id,
                "partner_id": cls.company.partner_id.id,
                "proxy_type": "mobile",
                "proxy_value": "0812345678",
            }
        )
        cls.user_invoicing.partner_id.email = "invoicing@jingjai.example.com"
        cls.env.user.partner_id.email = "accounts@jingjai.example.com"

    @classmethod
    def _invoice(cls, partner=None, amount=1000.0, post=True, **values):
        return cls._create_invoice(
            move_type="out_invoice",
            partner_id=partner or cls.customer_en,
            invoice_line_ids=[
                cls._prepare_invoice_line(
                    product_id=cls.product_service, price_unit=amount, tax_ids=[]
                )
            ],
            post=post,
            **values,
        )

    def _decode_qr_png(self, png):
        """The text the QR code in ``png`` carries, read back with zbar."""
        if pyzbar is None:
            self.skipTest(
                "!!! pyzbar (pip install pyzbar) or libzbar0 (apt-get install "
                "libzbar0) is missing: the PromptPay QR image was NOT scanned back !!!"
            )
        with Image.open(io.BytesIO(png)) as image:
            symbols = pyzbar.decode(image)
        self.assertEqual(len(symbols), 1, "exactly one QR code in the image")
        self.assertEqual(symbols[0].type, "QRCODE")
        return symbols[0].data.decode("ascii")


@tagged("post_install", "-at_install")
class TestPromptPayPayload(JingjaiInvoiceLinkCommon):
    def assertPromptPay(self, payload, proxy_type, proxy_value, amount):
        """Check ``payload`` field by field with the independent decoder."""
        decoded = emv.decode(payload)  # raises on a bad CRC or broken TLV
        self.assertEqual(decoded["00"], "01")
        self.assertEqual(decoded["01"], "12")
        subtag = PROXY_SUBTAGS[proxy_type]
        expected_value = (
            "0066" + proxy_value[1:] if proxy_type == "mobile" else proxy_value
        )
        self.assertEqual(decoded["29"], {"00": PROMPTPAY_AID, subtag: expected_value})
        self.assertNotIn("30", decoded)
        self.assertEqual(decoded["53"], "764")
        self.assertEqual(decoded["54"], amount)
        self.assertEqual(decoded["58"], "TH")
        self.assertEqual(decoded["59"], "Jingjai Test Aircon")
        self.assertEqual(decoded["60"], "Bangkok")
        self.assertEqual(
            decoded["63"], f"{binascii.crc_hqx(payload[:-4].encode(), 0xFFFF):04X}"
        )
        return decoded

    def test_payloads_match_the_reference_vectors(self):
        """For each proxy type (and a static code without amount) Odoo builds exactly
        the payload of tests/data/promptpay_payloads.json, written by hand from the
        EMV layout and decoded field by field by the pure tests.
        """
        with open(
            file_path("jingjai_portal/tests/data/promptpay_payloads.json"),
            encoding="utf-8",
        ) as data_file:
            data = json.load(data_file)
        self.assertEqual(self.company.partner_id.name, data["merchant_name"])
        for vector in data["vectors"]:
            with self.subTest(vector=vector["name"]):
                self.account_promptpay.write(
                    {
                        "proxy_type": vector["proxy_type"],
                        "proxy_value": vector["proxy_value"],
                        "include_reference": vector["include_reference"],
                    }
                )
                payload = self.account_promptpay._jingjai_portal_promptpay_payload(
                    vector["amount"], self.thb, self.customer_en, vector["reference"]
                )
                self.assertEqual(payload, vector["payload"])
                decoded = emv.decode(payload)
                for tag, value in vector["expected"].items():
                    if value is None:
                        self.assertNotIn(tag, decoded)
                    else:
                        self.assertEqual(decoded[tag], value)

    def test_invoice_payload_for_each_proxy_type(self):
        """An invoice's QR pays its amount due to the PromptPay proxy, whatever its
        type: mobile (0066 + 9 digits), merchant tax id (13), e-wallet id (15).
        """
        invoice = self._invoice(amount=1234.5)
        for proxy_type, proxy_value in (
            ("mobile", "0812345678"),
            ("merchant_tax_id", "0105551234567"),
            ("ewallet_id", "004999000000001"),
        ):
            with self.subTest(proxy_type=proxy_type):
                self.account_promptpay.write(
                    {"proxy_type": proxy_type, "proxy_value": proxy_value}
                )
                payment = invoice._jingjai_portal_payment()
                self.assertEqual(payment["state"], "promptpay")
                self.assertEqual(payment["bank"], self.account_promptpay)
                self.assertPromptPay(
                    payment["payload"], proxy_type, proxy_value, "1234.50"
                )

    def test_amount_has_two_decimals(self):
        """Amounts are written as EMV and PromptPay write them: 1,234.50 -> "1234.50",
        1,000 -> "1000.00", 0.75 -> "0.75", where Odoo alone writes "1000" and
        "1234.5".
        """
        for amount, text in ((1234.5, "1234.50"), (1000.0, "1000.00"), (0.75, "0.75")):
            with self.subTest(amount=amount):
                payload = self.account_promptpay._jingjai_portal_promptpay_payload(
                    amount, self.thb, self.customer_en, "X"
                )
                self.assertEqual(emv.decode(payload)["54"], text)
                self.assertEqual(text, emv.format_amount(amount))

    def test_no_amount_is_a_static_code(self):
        """Without an amount the code is static ("11"), with no tag 54."""
        decoded = emv.decode(
            self.account_promptpay._jingjai_portal_promptpay_payload(
                0.0, self.thb, self.customer_en, ""
            )
        )
        self.assertEqual(decoded["01"], "11")
        self.assertNotIn("54", decoded)

    def test_reference_only_when_the_account_asks_for_it(self):
        """The invoice reference goes in tag 62 (sub-tag 05) when the account's
        "Include Reference" is ticked, and nowhere otherwise.
        """
        invoice = self._invoice(amount=500.0)
        decoded = emv.decode(invoice._jingjai_portal_payment()["payload"])
        self.assertNotIn("62", decoded)
        self.account_promptpay.include_reference = True
        decoded = emv.decode(invoice._jingjai_portal_payment()["payload"])
        self.assertEqual(decoded["62"], {"05": invoice.payment_reference})

    def test_merchant_name_and_city_are_printable_ascii(self):
        """A Thai company name or city never reaches the payload: banking apps that
        count bytes would misread the lengths.
        """
        self.company.partner_id.write(
            {"name": "บริษัท จิงใจ Cool Service จำกัด", "city": "กรุงเทพฯ"}
        )
        payload = self.account_promptpay._jingjai_portal_promptpay_payload(
            10.0, self.thb, self.customer_en, "X"
        )
        self.assertTrue(payload.isascii())
        decoded = emv.decode(payload)
        self.assertEqual(decoded["59"], "Cool Service")
        self.assertEqual(decoded["60"], "NA")

    def test_account_choice(self):
        """The invoice's own bank account when it does PromptPay, else the company's
        first PromptPay account; an account Odoo refuses (no holder city) is
        skipped, and staff are told why.
        """
        second = self.env["res.partner.bank"].create(
            {
                "acc_number": "987-6-54321-0",
                "partner_id": self.company.partner_id.id,
                "proxy_type": "merchant_tax_id",
                "proxy_value": "0105551234567",
                "sequence": 20,
            }
        )
        plain = self.env["res.partner.bank"].create(
            {"acc_number": "555-5-55555-5", "partner_id": self.company.partner_id.id}
        )
        invoice = self._invoice()
        for partner_bank, expected in (
            (second, second),
            (plain, self.account_promptpay),
            (self.env["res.partner.bank"], self.account_promptpay),
        ):
            with self.subTest(partner_bank=partner_bank.acc_number):
                invoice.partner_bank_id = partner_bank
                payment = invoice._jingjai_portal_payment()
                self.assertEqual(payment["bank"], expected)
                self.assertEqual(payment["payee"], "Jingjai Test Aircon")
        self.company.partner_id.city = False
        payment = invoice._jingjai_portal_payment()
        self.assertEqual(payment["state"], "no_promptpay")
        self.assertIn("Missing Merchant City", payment["problem"])
        self.assertIn(plain, payment["transfer_banks"])

    def test_states_without_qr(self):
        """Not in THB, no PromptPay account, nothing due, paid and credit notes give
        no QR code, each with its own state.
        """
        usd = self.setup_other_currency("USD")
        self.assertEqual(
            self._invoice(currency_id=usd.id)._jingjai_portal_payment()["state"],
            "not_thb",
        )
        # Odoo counts an invoice of zero as paid: no QR either way.
        nothing = self._invoice(amount=0.0)._jingjai_portal_payment()
        self.assertIn(nothing["state"], ("paid", "nothing_due"))
        self.assertFalse(nothing["payload"])
        paid = self._invoice()
        self._register_payment(paid)
        self.assertEqual(paid._jingjai_portal_payment()["state"], "paid")
        self.assertEqual(
            self.credit_note_th._jingjai_portal_payment()["state"], "credit_note"
        )
        self.account_promptpay.proxy_type = "none"
        payment = self._invoice()._jingjai_portal_payment()
        self.assertEqual(payment["state"], "no_promptpay")
        self.assertIn("no bank account with PromptPay", payment["problem"])
        self.assertEqual(payment["transfer_banks"], self.account_promptpay)

    def test_partial_payment_qr_is_for_the_rest(self):
        """After a partial payment the QR asks for exactly what remains."""
        invoice = self._invoice(amount=1000.0)
        self._register_payment(invoice, amount=400.0)
        self.assertEqual(invoice.payment_state, "partial")
        payment = invoice._jingjai_portal_payment()
        self.assertEqual(payment["amount"], 600.0)
        self.assertEqual(emv.decode(payment["payload"])["54"], "600.00")

    def test_qr_image_scans_back_to_the_payload(self):
        """The PNG is a QR code that zbar reads back to exactly the payload, large
        enough for phones (at least 4 px per module, with its quiet zone).
        """
        invoice = self._invoice(amount=1234.5)
        payload = invoice._jingjai_portal_payment()["payload"]
        png, filename = invoice._jingjai_portal_promptpay_png()
        self.assertTrue(png.startswith(b"\x89PNG\r\n\x1a\n"))
        self.assertTrue(filename.startswith("PromptPay-") and filename.endswith(".png"))
        with Image.open(io.BytesIO(png)) as image:
            self.assertGreaterEqual(image.width, 330)
            # The quiet zone: the rows below the PromptPay band are white.
            self.assertEqual(image.convert("L").getpixel((image.width // 2, 77)), 255)
        self.assertEqual(self._decode_qr_png(png), payload)


@tagged("post_install", "-at_install")
class TestInvoiceLinkPages(PortalLinkHttpMixin, JingjaiInvoiceLinkCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._invoice(
            amount=1234.5,
            invoice_user_id=cls.user_invoicing.id,
            invoice_date=cls.today - timedelta(days=40),
            invoice_date_due=cls.today - timedelta(days=10),
        )
        cls.link, cls.token, _result = cls._generate(cls.invoice)

    def _page(self, path):
        response = self._get(path)
        self.assertEqual(response.status_code, 200, path)
        self.assertSecure(response)
        return response.text, html.fromstring(response.content)

    def _upload(self, path, content, filename="slip.png", mimetype="image/png"):
        """POST a slip the way the page's form does, with the page's CSRF token."""
        page = self._get(path)
        csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        self.assertTrue(csrf_token, "no slip form on the page")
        action = path.rstrip("/") + "/slip"
        return self._post(
            action,
            data={"csrf_token": csrf_token.group(1)},
            files={"slip": (filename, content, mimetype)},
        )

    def _slip_activities(self, invoice):
        return invoice.activity_ids.filtered(
            lambda activity: (
                activity.activity_type_id
                == self.env.ref("jingjai_portal.mail_activity_type_payment_slip")
            )
        )

    # ------------------------------------------------------------
    # The page and its QR
    # ------------------------------------------------------------

    def test_unpaid_invoice_page_offers_promptpay(self):
        """An unpaid THB invoice: amount due, overdue due date, the QR (PNG inline)
        with payee, PromptPay id, amount and reference, a "Save QR image" download,
        the steps in Thai and English, and the slip form.
        """
        body, tree = self._page(f"/p/{self.token}")
        self.assertIn(self.invoice.name, body)
        self.assertIn("Pay by PromptPay", body)
        self.assertIn("Overdue by 10 day(s)", body)
        self.assertTrue(
            tree.xpath("//dd[contains(@class, 'o_jingjai_portal_overdue')]")
        )
        (qr,) = tree.xpath("//img[contains(@class, 'o_jingjai_portal_qr')]")
        self.assertTrue(qr.get("src").startswith("data:image/png;base64,"))
        png = base64.b64decode(qr.get("src").split(",", 1)[1])
        payload = self.invoice._jingjai_portal_payment()["payload"]
        self.assertEqual(emv.decode(payload)["54"], "1234.50")
        self.assertEqual(self._decode_qr_png(png), payload)
        details = tree.xpath("//dl[contains(@class, 'promptpay_details')]")[0]
        details_text = details.text_content()
        for text in ("Jingjai Test Aircon", "081-234-5678", "1,234.50"):
            self.assertIn(text, details_text)
        self.assertIn(self.invoice.payment_reference, details_text)
        (save,) = tree.xpath("//a[contains(@class, 'o_jingjai_portal_save_qr')]")
        self.assertEqual(save.get("href"), f"/p/{self.token}/promptpay.png")
        self.assertIn("How to pay with PromptPay", body)
        self.assertIn("วิธีจ่ายด้วยพร้อมเพย์", body)
        (form,) = tree.xpath("//form[contains(@class, 'o_jingjai_portal_slip_form')]")
        self.assertEqual(form.get("action"), f"/p/{self.token}/slip")
        self.assertEqual(form.get("enctype"), "multipart/form-data")

    def test_totals_follow_a_reposted_invoice(self):
        """The page's totals are Odoo's own, and a corrected invoice (reset to
        draft, changed, posted again within the same second) shows the new ones.
        """
        invoice = self._create_invoice_for(self.customer_en)
        _link, token, _result = self._generate(invoice)

        def total_on_page():
            _body, tree = self._page(f"/p/{token}")
            (totals,) = tree.xpath(
                "//table[contains(@class, 'o_jingjai_portal_totals')]"
            )
            return totals.text_content()

        self.assertEqual(invoice._jingjai_portal_tax_totals(), invoice.tax_totals)
        self.assertIn(self._amount_text(invoice.amount_total), total_on_page())
        old_total = invoice.amount_total
        invoice.button_draft()
        invoice.invoice_line_ids.price_unit *= 3
        invoice.action_post()
        self.assertNotEqual(invoice.amount_total, old_total)
        self.assertEqual(invoice._jingjai_portal_tax_totals(), invoice.tax_totals)
        text = total_on_page()
        self.assertIn(self._amount_text(invoice.amount_total), text)
        self.assertNotIn(self._amount_text(old_total), text)

    @staticmethod
    def _amount_text(amount):
        return f"{amount:,.2f}"

    def test_thai_page_puts_thai_steps_first(self):
        """For a Thai-speaking customer the Thai steps come first."""
        invoice = self._invoice(partner=self.customer_th)
        _link, token, _result = self._generate(invoice)
        body, _tree = self._page(f"/p/{token}")
        self.assertLess(
            body.index("o_jingjai_portal_steps_th"),
            body.index("o_jingjai_portal_steps_en"),
        )

    def test_qr_download_route(self):
        """/promptpay.png downloads the same QR (attachment, PNG, security headers);
        under a customer-wide link it hangs below the invoice, and nowhere else.
        """
        response = self._get(f"/p/{self.token}/promptpay.png")
        self.assertEqual(response.status_code, 200)
        self.assertSecure(response)
        self.assertEqual(response.headers["Content-Type"], "image/png")
        disposition = response.headers["Content-Disposition"]
        self.assertTrue(disposition.startswith("attachment"), disposition)
        self.assertIn("PromptPay-", disposition)
        payload = self.invoice._jingjai_portal_payment()["payload"]
        self.assertEqual(self._decode_qr_png(response.content), payload)
        self.assertIn("/promptpay.png", self.link.visit_ids.mapped("path"))

        customer_link, customer_token, _result = self._generate(self.customer_en)
        path = f"/p/{customer_token}/invoice/{self.invoice.id}"
        _body, tree = self._page(path)
        (save,) = tree.xpath("//a[contains(@class, 'o_jingjai_portal_save_qr')]")
        self.assertEqual(save.get("href"), f"{path}/promptpay.png")
        response = self._get(f"{path}/promptpay.png")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._decode_qr_png(response.content), payload)
        for not_found in (
            f"/p/{customer_token}/promptpay.png",  # a customer link has no invoice
            f"/p/{customer_token}/invoice/{self.invoice_th.id}/promptpay.png",
            f"/p/{self.token}/invoice/{self.invoice.id}/promptpay.png",
            f"/p/{customer_token}/invoice/{self.credit_note_th.id}/promptpay.png",
        ):
            with self.subTest(path=not_found):
                response = self._get(not_found)
                self.assertEqual(response.status_code, 404)
                self.assertSecure(response)

    def test_partial_payment_page(self):
        """After a partial payment the page shows what was paid and a QR for the
        rest.
        """
        self._register_payment(self.invoice, amount=234.5)
        body, tree = self._page(f"/p/{self.token}")
        paid = tree.xpath("//dd[contains(@class, 'o_jingjai_portal_amount_paid')]")
        self.assertIn("234.50", paid[0].text_content())
        (amount,) = tree.xpath("//dd[contains(@class, 'o_jingjai_portal_qr_amount')]")
        self.assertIn("1,000.00", amount.text_content())
        response = self._get(f"/p/{self.token}/promptpay.png")
        self.assertEqual(
            emv.decode(self._decode_qr_png(response.content))["54"], "1000.00"
        )

    def test_paid_invoice_link_shows_a_receipt_then_closes(self):
        """Once paid, the invoice link answers "Paid, thank you" with the invoice
        number and amount, no QR and no form, on every path; after its expiry date
        the generic expired page; revoked, the revoked page.
        """
        self._register_payment(self.invoice)
        self.assertEqual(self.link.state, "closed")
        for path in (f"/p/{self.token}", f"/p/{self.token}/promptpay.png"):
            with self.subTest(path=path):
                body, tree = self._page(path)
                self.assertTrue(
                    tree.xpath("//div[contains(@class, 'o_jingjai_portal_paid')]")
                )
                self.assertIn("Paid, thank you!", body)
                self.assertIn(self.invoice.name, body)
                self.assertIn("1,234.50", body)
                self.assertNotIn("o_jingjai_portal_qr", body)
                self.assertNotIn("<form", body)
        # The receipt's PDF: the paid invoice, still under the closed link.
        _body, tree = self._page(f"/p/{self.token}")
        (pdf,) = tree.xpath("//a[contains(@class, 'o_jingjai_portal_paid_pdf')]")
        self.assertEqual(pdf.get("href"), f"/p/{self.token}/pdf")
        response = self._get(f"/p/{self.token}/pdf")
        self.assertEqual(response.status_code, 200)
        self.assertSecure(response)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self._expire(self.link)
        body, _tree = self._page(f"/p/{self.token}")
        self.assertIn("This link has expired", body)
        self.assertNotIn(self.invoice.name, body)
        response = self._get(f"/p/{self.token}/pdf")
        self.assertNotEqual(response.headers["Content-Type"], "application/pdf")

        other = self._invoice()
        link, token, _result = self._generate(other)
        self._register_payment(other)
        link.action_revoke()
        body, _tree = self._page(f"/p/{token}")
        self.assertIn("This link has been revoked", body)
        self.assertNotIn(other.name, body)

    def test_paid_invoice_in_a_customer_link_says_paid(self):
        """Through a customer-wide link a paid invoice says so, without QR or form."""
        self._register_payment(self.invoice)
        _link, token, _result = self._generate(self.customer_en)
        body, tree = self._page(f"/p/{token}/invoice/{self.invoice.id}")
        self.assertTrue(tree.xpath("//section[@id='pay'][@data-state='paid']"))
        self.assertIn("Paid, thank you!", body)
        self.assertNotIn("o_jingjai_portal_qr", body)
        self.assertNotIn("o_jingjai_portal_slip_form", body)

    def test_credit_note_has_no_pay_section(self):
        """A credit note shows its credit, and neither QR nor slip form."""
        _link, token, _result = self._generate(self.customer_th)
        body, tree = self._page(f"/p/{token}/invoice/{self.credit_note_th.id}")
        self.assertIn(self.credit_note_th.name, body)
        self.assertTrue(tree.xpath("//section[@id='pay'][@data-state='credit_note']"))
        self.assertNotIn("o_jingjai_portal_qr", body)
        self.assertNotIn("o_jingjai_portal_slip_form", body)

    def test_no_promptpay_account_page_explains_how_to_pay(self):
        """Without a PromptPay account the page says there is no QR, gives the bank
        account to transfer to and the business's contact, and keeps the slip form;
        the QR download is not found.
        """
        self.account_promptpay.proxy_type = "none"
        self.company.phone = "+66 2 000 0000"
        body, tree = self._page(f"/p/{self.token}")
        self.assertTrue(tree.xpath("//section[@id='pay'][@data-state='no_promptpay']"))
        self.assertIn("A PromptPay QR code is not available", body)
        self.assertIn("123-4-56789-0", body)
        self.assertIn("Kasikornbank", body)
        self.assertIn("+66 2 000 0000", body)
        self.assertNotIn("o_jingjai_portal_qr ", body)
        self.assertIn("o_jingjai_portal_slip_form", body)
        self.assertEqual(self._get(f"/p/{self.token}/promptpay.png").status_code, 404)

    def test_invoice_not_in_thb_says_why(self):
        """An invoice in another currency says PromptPay is for baht only."""
        usd = self.setup_other_currency("USD")
        invoice = self._invoice(currency_id=usd.id)
        _link, token, _result = self._generate(invoice)
        body, tree = self._page(f"/p/{token}")
        self.assertTrue(tree.xpath("//section[@id='pay'][@data-state='not_thb']"))
        self.assertIn("PromptPay QR codes work in Thai baht only", body)
        self.assertEqual(self._get(f"/p/{token}/promptpay.png").status_code, 404)

    def test_invoice_page_loads_nothing_from_elsewhere(self):
        """The QR is embedded (data: URI), every other resource is same-origin."""
        _body, tree = self._page(f"/p/{self.token}")
        for resource in (*tree.xpath("//img/@src"), *tree.xpath("//script/@src")):
            self.assertTrue(
                resource.startswith(("/", "data:image/png;base64,")), resource
            )

    # ------------------------------------------------------------
    # Payment slips
    # ------------------------------------------------------------

    def test_slip_upload_attaches_notes_and_asks_the_accountant(self):
        """A slip is attached to the invoice, announced in its chatter (link hint,
        time, IP, file name), gives the invoicing user one activity, leaves the
        invoice unpaid and makes the page say it waits for confirmation. A second
        slip is kept next to the first, with no second activity.
        """
        slip = png_bytes()
        response = self._upload(f"/p/{self.token}", slip, filename="โอนเงิน.png")
        self.assertEqual(response.status_code, 303)
        self.assertSecure(response)
        self.assertTrue(response.headers["Location"].endswith(f"/p/{self.token}#pay"))

        self.assertEqual(self.invoice.payment_state, "not_paid")
        attachment = self.invoice.jingjai_portal_slip_ids
        self.assertEqual(len(attachment), 1)
        self.assertEqual(attachment.raw, slip)
        self.assertEqual(attachment.mimetype, "image/png")
        self.assertEqual(
            (attachment.res_model, attachment.res_id), ("account.move", self.invoice.id)
        )
        self.assertEqual(attachment.description, "โอนเงิน.png")
        notes = self._link_notes(self.invoice, "Payment slip")
        self.assertEqual(len(notes), 1)
        self.assertIn(f"…{self.link.token_hint}", notes.body)
        self.assertIn("127.0.0.1", notes.body)
        self.assertIn("โอนเงิน.png", notes.body)
        self.assertRegex(notes.body, r"\d{4}-\d\d-\d\d \d\d:\d\d")
        self.assertEqual(notes.attachment_ids, attachment)
        self.assertNotIn(self.token, notes.body)
        activities = self._slip_activities(self.invoice)
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.user_invoicing)
        self.assertIn("/slip", self.link.visit_ids.mapped("path"))

        body, tree = self._page(f"/p/{self.token}")
        self.assertIn("Slip received, we are checking it", body)
        self.assertIn("โอนเงิน.png", body)

        second = png_bytes(size=(50, 50), image_format="JPEG")
        response = self._upload(f"/p/{self.token}", second, "slip.jpg", "image/jpeg")
        self.assertEqual(response.status_code, 303)
        slips = self.invoice.jingjai_portal_slip_ids
        self.assertEqual(len(slips), 2)
        self.assertEqual(slips.sorted("id").mapped("raw"), [slip, second])
        self.assertEqual(len(self._slip_activities(self.invoice)), 1)
        self.assertEqual(self.invoice.payment_state, "not_paid")

    def test_slip_upload_through_a_customer_link(self):
        """A customer-wide link takes slips on its unpaid invoices' pages."""
        _link, token, _result = self._generate(self.customer_en)
        path = f"/p/{token}/invoice/{self.invoice.id}"
        response = self._upload(path, png_bytes())
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(f"{path}#pay"))
        self.assertEqual(len(self.invoice.jingjai_portal_slip_ids), 1)

    @mute_logger("odoo.http")
    def test_bad_slips_are_refused_with_a_message(self):
        """Oversized, disguised (a page named .jpg), truncated and empty files are
        refused with a clear message on the page, and nothing is attached.
        """
        truncated_png = png_bytes()[:60]
        page = b"<html><body><script>alert(1)</script></body></html>"
        cases = (
            (b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_SLIP_BYTES, "slip.png", "too large"),
            (page, "slip.jpg", "not a picture or a PDF"),
            (b"GIF89a" + b"\0" * 64, "slip.gif", "not a picture or a PDF"),
            (truncated_png, "slip.png", "not a picture or a PDF"),
            (b"%PDF-1.4\n" + b"x" * 100, "slip.pdf", "not a picture or a PDF"),
            (b"", "slip.png", "Choose the file"),
        )
        for content, filename, message in cases:
            with self.subTest(filename=filename, message=message):
                response = self._upload(
                    f"/p/{self.token}", content, filename, "image/jpeg"
                )
                self.assertEqual(response.status_code, 400)
                self.assertSecure(response)
                self.assertIn(message, response.text)
                self.assertIn("o_jingjai_portal_slip_error", response.text)
        self.assertFalse(self.invoice.jingjai_portal_slip_ids)
        self.assertFalse(self._slip_activities(self.invoice))

    def test_pdf_slip_is_accepted(self):
        """A real PDF slip is kept as application/pdf."""
        writer = odoo_pdf.PdfFileWriter()
        writer.add_blank_page(300, 400)
        stream = io.BytesIO()
        writer.write(stream)
        pdf = stream.getvalue()
        response = self._upload(f"/p/{self.token}", pdf, "slip.pdf", "application/pdf")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(
            self.invoice.jingjai_portal_slip_ids.mimetype, "application/pdf"
        )

    def test_slip_count_is_limited(self):
        """Past the limit of slips per invoice, more are refused."""
        with patch(
            "odoo.addons.jingjai_portal.models.jingjai_portal_slip"
            ".MAX_SLIPS_PER_INVOICE",
            2,
        ):
            for _index in range(2):
                self.assertEqual(
                    self._upload(f"/p/{self.token}", png_bytes()).status_code, 303
                )
            response = self._upload(f"/p/{self.token}", png_bytes())
            self.assertEqual(response.status_code, 400)
            self.assertIn("already received 2 slips", response.text)
        self.assertEqual(len(self.invoice.jingjai_portal_slip_ids), 2)

    @mute_logger("odoo.http")
    def test_slip_without_csrf_token_is_refused(self):
        """Without the form's CSRF token the upload is refused and nothing kept."""
        self._get(f"/p/{self.token}")
        response = self._post(
            f"/p/{self.token}/slip",
            data={"csrf_token": "forged"},
            files={"slip": ("slip.png", png_bytes(), "image/png")},
        )
        self.assertIn(response.status_code, (400, 403))
        self.assertFalse(self.invoice.jingjai_portal_slip_ids)

    def test_slip_on_a_dead_link_or_a_paid_invoice_is_refused(self):
        """An expired link answers its expired page; a paid invoice (through a
        customer link) needs no slip; an invoice link takes no slip for another
        invoice.
        """
        _body, _tree = self._page(f"/p/{self.token}")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', _body).group(1)
        files = {"slip": ("slip.png", png_bytes(), "image/png")}
        self._expire(self.link)
        response = self._post(f"/p/{self.token}/slip", {"csrf_token": csrf}, files)
        self.assertEqual(response.status_code, 200)
        self.assertIn("This link has expired", response.text)
        self.assertFalse(self.invoice.jingjai_portal_slip_ids)

        other = self._invoice()
        response = self._post(
            f"/p/{self.token}/invoice/{other.id}/slip", {"csrf_token": csrf}, files
        )
        self.assertEqual(response.status_code, 200)  # the expired page again
        self.assertFalse(other.jingjai_portal_slip_ids)

        self._register_payment(other)
        _link, token, _result = self._generate(self.customer_en)
        response = self._post(
            f"/p/{token}/invoice/{other.id}/slip", {"csrf_token": csrf}, files
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("nothing left to pay", response.text)
        self.assertFalse(other.jingjai_portal_slip_ids)

        _link, token, _result = self._generate(self._invoice())
        response = self._post(
            f"/p/{token}/invoice/{self.invoice.id}/slip", {"csrf_token": csrf}, files
        )
        self.assertEqual(response.status_code, 404)


@tagged("post_install", "-at_install")
class TestInvoiceLinkEmail(JingjaiInvoiceLinkCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The Thai email needs the add-on's Thai terms, loaded here as a Thai
        # database would have them.
        cls.env["ir.module.module"]._load_module_terms(
            ["jingjai_portal"], ["th_TH"], overwrite=True
        )

    def _send(self, invoice):
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({})
        )
        self.assertEqual(
            wizard.template_id,
            self.env.ref("jingjai_portal.mail_template_invoice_portal_link"),
        )
        wizard.action_send_and_print()
        return self.env["mail.mail"].search(
            [
                ("model", "=", "account.move"),
                ("res_id", "=", invoice.id),
                ("recipient_ids", "in", invoice.partner_id.ids),
            ]
        )

    def assertLinkEmail(self, mail, invoice):
        """The email carries one working invoice link and no access_token; returns
        the link.
        """
        self.assertEqual(len(mail), 1)
        body = mail.body_html
        self.assertNotIn("access_token", body)
        self.assertNotIn("link-made-when-sent", body)
        found = set(LINK_URL.findall(body))
        self.assertEqual(len(found), 1, body)
        link = self.Link._resolve_token(found.pop())
        self.assertEqual(link.scope, "invoice")
        self.assertEqual(link.account_move_id, invoice)
        self.assertEqual(link.state, "active")
        self.assertEqual(link.generated_by_id, self.env.user)
        self.assertIn(invoice.name, body)
        attachments = mail.attachment_ids
        self.assertTrue(
            any(name.endswith(".pdf") for name in attachments.mapped("name")),
            "the invoice PDF is attached",
        )
        return link

    def test_email_to_an_english_customer(self):
        """Send: English email with the invoice number, amount due, due date and one
        portal link as a button; no access_token; the PDF attached.
        """
        invoice = self._invoice(
            amount=1234.5, invoice_date_due=self.today + timedelta(days=30)
        )
        mail = self._send(invoice)
        link = self.assertLinkEmail(mail, invoice)
        body = mail.body_html
        self.assertIn("Here is your invoice", body)
        self.assertIn("Amount due", body)
        self.assertIn("1,234.50", body)
        self.assertIn("Due date", body)
        self.assertIn("View and pay", body)
        self.assertIn("works for 30 days", body)
        self.assertIn("Jingjai Test Aircon", mail.subject)
        self.assertIn(invoice.name, mail.subject)
        # The chatter keeps the email, the token goes nowhere in the database.
        self.env.flush_all()
        message = mail.mail_message_id
        self.assertIn(f"/odoo/jingjai.portal.link/{link.id}", message.body)
        token = LINK_URL.search(body).group(1)
        self.assertEqual(link.token_digest, tokens.token_digest(token))
        for table, column in (
            ("mail_message", "body"),
            ("jingjai_portal_link", "token_hint"),
            ("account_move_send_wizard", "body"),
        ):
            self.env.cr.execute(
                f'SELECT COUNT(*) FROM "{table}" WHERE "{column}"::text LIKE %s',  # noqa: S608
                [f"%{token}%"],
            )
            self.assertEqual(self.env.cr.fetchone()[0], 0, f"{table}.{column}")
        self.assertEqual(len(self._link_notes(invoice, "generated by")), 1)

    def test_email_to_a_thai_customer(self):
        """The Thai customer's email is in Thai, with the link and no access_token."""
        invoice = self._invoice(
            partner=self.customer_th,
            amount=500.0,
            invoice_date_due=self.today + timedelta(days=7),
        )
        mail = self._send(invoice)
        self.assertLinkEmail(mail, invoice)
        body = mail.body_html
        self.assertIn("ใบแจ้งหนี้", body)
        self.assertIn("ยอดที่ต้องชำระ", body)
        self.assertIn("ดูและชำระเงิน", body)
        self.assertNotIn("Here is your invoice", body)

    def test_email_of_a_paid_invoice_has_no_link(self):
        """A paid invoice can still be sent (Odoo's flow), without any link."""
        invoice = self._invoice()
        self._register_payment(invoice)
        links_before = self.Link.sudo().search_count([])
        mail = self._send(invoice)
        self.assertEqual(len(mail), 1)
        self.assertIn("already paid", mail.body_html)
        self.assertNotIn("/p/", mail.body_html)
        self.assertNotIn("access_token", mail.body_html)
        self.assertEqual(self.Link.sudo().search_count([]), links_before)

    def test_opening_the_send_dialog_makes_no_link(self):
        """The dialog's email holds no link; only sending makes one."""
        invoice = self._invoice()
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({})
        )
        self.assertIn("The button of this email opens your invoice", wizard.body)
        self.assertNotIn("/p/", wizard.body)
        self.assertFalse(invoice.jingjai_portal_link_ids)

    def test_staff_are_warned_at_send_time_without_promptpay(self):
        """The Send dialog warns (without blocking) when the page will show no QR: no
        PromptPay account, or an invoice not in THB; not when all is set.
        """
        invoice = self._invoice()

        def alerts():
            wizard = (
                self.env["account.move.send.wizard"]
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({})
            )
            return wizard.alerts or {}

        self.assertNotIn("jingjai_portal_no_promptpay_qr", alerts())
        self.account_promptpay.proxy_type = "none"
        alert = alerts()["jingjai_portal_no_promptpay_qr"]
        self.assertEqual(alert["level"], "warning")
        self.assertIn("no bank account with PromptPay", alert["message"])
        self.account_promptpay.proxy_type = "mobile"
        usd = self.setup_other_currency("USD")
        invoice = self._invoice(currency_id=usd.id)
        self.assertIn(
            "Thai baht only", alerts()["jingjai_portal_no_promptpay_qr"]["message"]
        )
        # Warnings do not stop the sending.
        mail = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({})
            .action_send_and_print()
        )
        self.assertTrue(mail)

    def test_batch_send_from_the_cron_makes_the_link_as_the_sender(self):
        """Sending several invoices at once (done later by a cron, as OdooBot) makes
        each link in the name of the user who asked.
        """
        invoices = self._invoice() + self._invoice(partner=self.customer_th)
        wizard = (
            self.env["account.move.send.batch.wizard"]
            .with_user(self.user_invoicing)
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create({})
        )
        wizard.action_send_and_print()
        self.assertTrue(all(invoices.mapped("sending_data")))
        # What the cron does, as the cron's user (OdooBot), without its commit.
        cron_env = self.env(user=self.env.ref("base.user_root"))
        cron_env["account.move.send"]._generate_and_send_invoices(
            invoices.with_env(cron_env), from_cron=True
        )
        for invoice in invoices:
            with self.subTest(invoice=invoice.name):
                link = invoice.sudo().jingjai_portal_link_ids
                self.assertEqual(len(link), 1)
                self.assertEqual(link.generated_by_id, self.user_invoicing)
