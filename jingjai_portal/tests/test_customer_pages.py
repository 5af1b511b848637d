"""What the customer's pages say after they acted, through the real routes: a
slip waiting, a quote accepted or declined, a mistyped link; the saved QR
picture and the file names of what they download."""

import io
import json
import re
from unittest.mock import patch
from urllib.parse import unquote

from lxml import html
from PIL import Image

from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.jingjai_portal.lib import qr_image
from odoo.addons.jingjai_portal.tests.common import PortalLinkHttpMixin
from odoo.addons.jingjai_portal.tests.quote_common import QuoteLinkCommon
from odoo.addons.jingjai_portal.tests.test_portal_link_invoice import (
    JingjaiInvoiceLinkCommon,
    png_bytes,
)


class CustomerPageMixin(PortalLinkHttpMixin):
    def _filename(self, response):
        """The file name of ``Content-Disposition``, as a browser decodes it."""
        disposition = response.headers["Content-Disposition"]
        match = re.search(r"filename\*=UTF-8''([^;]+)", disposition)
        self.assertTrue(match, f"RFC 5987 filename* in {disposition!r}")
        return unquote(match.group(1))


@tagged("post_install", "-at_install")
class TestNeutralNotFound(CustomerPageMixin, JingjaiInvoiceLinkCommon, HttpCase):
    def test_a_mistyped_link_names_no_business(self):
        """No link found, no company: neither this database's default company
        nor the link makers' is named, no contact and no "private link" footer;
        still a 404 with the security headers."""
        main_company = self.env.ref("base.main_company")
        main_company.phone = "+1 555-555-5556"
        _link, token, _result = self._generate(self.invoice_th)
        mistyped = token[:-1] + ("A" if token[-1] != "A" else "B")
        for path in (f"/p/{mistyped}", f"/p/{mistyped}/pdf", "/p/x", "/p/a/b/c"):
            with self.subTest(path=path):
                response = self._get(path)
                self.assertEqual(response.status_code, 404)
                self.assertSecure(response)
                self.assertIn("Page not found", response.text)
                for text in (
                    main_company.name,
                    self.company.name,
                    "555-555-5556",
                    "private link",
                    "o_jingjai_portal_footer",
                    "o_jingjai_portal_header",
                ):
                    self.assertNotIn(text, response.text)
        # A real link still shows its business.
        page = self._get(f"/p/{token}")
        self.assertIn(self.company.name, page.text)
        self.assertIn("private link", page.text)
        # With no customer to speak for, in the browser's language.
        self.env["ir.module.module"]._load_module_terms(["jingjai_portal"], ["th_TH"])
        response = self.url_open(
            f"/p/{mistyped}", headers={"Accept-Language": "th-TH,th;q=0.9,en;q=0.8"}
        )
        self.assertEqual(response.status_code, 404)
        self.assertIn("ไม่พบหน้าที่ต้องการ", response.text)
        self.assertIn("กรุณาตรวจสอบว่าคัดลอกลิงก์มาครบถ้วน", response.text)


@tagged("post_install", "-at_install")
class TestSlipWaitingPage(CustomerPageMixin, JingjaiInvoiceLinkCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._invoice(amount=1070.0, invoice_user_id=cls.user_invoicing.id)
        cls.link, cls.token, _result = cls._generate(cls.invoice)

    def _tree(self, path):
        response = self._get(path)
        self.assertEqual(response.status_code, 200)
        return html.fromstring(response.content)

    def _badge(self, tree):
        (summary,) = tree.xpath(
            "//*[contains(@class, 'o_jingjai_portal_invoice_summary')]"
        )
        return summary.xpath(".//span[contains(@class, 'badge')]")[0].text_content()

    def test_a_waiting_slip_leads_and_the_qr_folds_away(self):
        """Before: the QR, open, and "To pay". After a slip: "Slip received, we
        are checking it" first, the badge says so, and the QR, the Save button,
        the steps and the upload form sit folded under "Pay another amount"."""
        tree = self._tree(f"/p/{self.token}")
        self.assertEqual(self._badge(tree), "To pay")
        self.assertTrue(tree.xpath("//img[contains(@class, 'o_jingjai_portal_qr')]"))
        self.assertFalse(tree.xpath("//details[contains(@class, 'pay_another')]"))

        page = self._get(f"/p/{self.token}")
        response = self._post(
            f"/p/{self.token}/slip",
            data={"csrf_token": self._csrf(page.text)},
            files={"slip": ("transfer.png", png_bytes(), "image/png")},
        )
        self.assertEqual(response.status_code, 303)

        tree = self._tree(f"/p/{self.token}")
        (pay,) = tree.xpath("//section[@id='pay']")
        first = pay.xpath("./*")[0]
        self.assertIn("o_jingjai_portal_slip_waiting", first.get("class"))
        self.assertIn("Slip received, we are checking it", first.text_content())
        self.assertIn("transfer.png", first.text_content())
        self.assertEqual(self._badge(tree), "Slip received")
        (folded,) = pay.xpath(
            ".//details[contains(@class, 'o_jingjai_portal_pay_another')]"
        )
        self.assertIsNone(folded.get("open"))
        self.assertEqual(
            folded.xpath("./summary")[0].text_content(), "Pay another amount"
        )
        for what in (
            "img[contains(@class, 'o_jingjai_portal_qr')]",
            "a[contains(@class, 'o_jingjai_portal_save_qr')]",
            "*[contains(@class, 'o_jingjai_portal_promptpay_steps')]",
            "form[contains(@class, 'o_jingjai_portal_slip_form')]",
        ):
            with self.subTest(what=what):
                self.assertEqual(len(pay.xpath(f".//{what}")), 1)
                self.assertEqual(len(folded.xpath(f".//{what}")), 1, "folded")

        # The account page of a customer-wide link says it too.
        _link, customer_token, _result = self._generate(self.invoice.partner_id)
        tree = self._tree(f"/p/{customer_token}")
        row = tree.xpath(f"//a[contains(@href, '/invoice/{self.invoice.id}')]")[0]
        self.assertIn("Slip received", row.text_content())

    def test_a_slip_without_its_record_still_waits(self):
        """A slip kept before slips had their own record (19.0.1.0.0: the file
        on the invoice and the accountant's activity, nothing else) still
        tells the customer it is being checked, with its file."""
        attachment = self.env["ir.attachment"].create(
            {
                "name": "old-transfer.png",
                "raw": png_bytes(),
                "res_model": "account.move",
                "res_id": self.invoice.id,
            }
        )
        self.invoice.jingjai_portal_slip_ids = [Command.link(attachment.id)]
        self.invoice.activity_schedule(
            "jingjai_portal.mail_activity_type_payment_slip",
            user_id=self.user_invoicing.id,
        )
        self.assertFalse(
            self.env["jingjai.portal.slip"].search([("move_id", "=", self.invoice.id)])
        )
        tree = self._tree(f"/p/{self.token}")
        (waiting,) = tree.xpath(
            "//*[contains(@class, 'o_jingjai_portal_slip_waiting')]"
        )
        self.assertIn("Slip received, we are checking it", waiting.text_content())
        self.assertIn("old-transfer.png", waiting.text_content())
        self.assertEqual(self._badge(tree), "Slip received")


@tagged("post_install", "-at_install")
class TestSavedQrPicture(CustomerPageMixin, JingjaiInvoiceLinkCommon, HttpCase):
    def _decode(self, png):
        return self._decode_qr_png(png)

    def test_saved_qr_names_payee_amount_and_invoice_and_still_scans(self):
        """The Save QR image file: a PromptPay band, the code (zbar reads it back
        to the page's payload), then payee, amount and invoice number drawn in a
        Thai font; much taller than the bare code."""
        invoice = self._invoice(partner=self.customer_th, amount=1070.0)
        self.company.partner_id.name = "บริษัท จริงใจ แอร์ จำกัด"
        self.account_promptpay.acc_holder_name = "บริษัท จริงใจ แอร์ จำกัด"
        _link, token, _result = self._generate(invoice)
        response = self._get(f"/p/{token}/promptpay.png")
        self.assertEqual(response.status_code, 200)
        self.assertSecure(response)
        payment = invoice._jingjai_portal_payment()
        self.assertEqual(self._decode(response.content), payment["payload"])
        bare = qr_image.qr_png(payment["payload"])
        with (
            Image.open(io.BytesIO(response.content)) as card,
            Image.open(io.BytesIO(bare)) as code,
        ):
            self.assertGreater(card.height, code.height + 150)
            rgb = card.convert("RGB")
            self.assertEqual(rgb.getpixel((5, 5)), qr_image.BAND_COLOR)
            # Below the code: dark text on white, in the middle third.
            below = rgb.crop(
                (card.width // 3, 72 + code.height, 2 * card.width // 3, card.height)
            ).convert("L")
            self.assertLess(min(below.getdata()), 100, "text under the code")
        self.assertTrue(qr_image.thai_fonts(), "fonts-thai-tlwg is found")
        self.assertEqual(
            self._filename(response), f"PromptPay-{invoice.name.replace('/', '_')}.png"
        )

    def test_without_a_thai_font_the_picture_still_scans(self):
        """No Thai font on the server: the Thai lines are left out, the code and
        the Latin lines stay; no font at all: the bare code."""
        payload = self._invoice(amount=10.0)._jingjai_portal_payment()["payload"]
        args = (payload, "PromptPay", "บริษัท จริงใจ", "฿ 10.00", "INV/1")
        with_thai = qr_image.qr_card_png(*args)
        qr_image.qr_card_png.cache_clear()
        try:
            with patch.object(qr_image, "thai_fonts", lambda: None):
                latin = qr_image.qr_card_png(*args)
                qr_image.qr_card_png.cache_clear()
                with patch.object(qr_image, "latin_fonts", lambda: None):
                    bare = qr_image.qr_card_png(*args)
        finally:
            qr_image.qr_card_png.cache_clear()
        for png in (with_thai, latin, bare):
            self.assertEqual(self._decode(png), payload)
        if qr_image.latin_fonts():
            with (
                Image.open(io.BytesIO(with_thai)) as thai_card,
                Image.open(io.BytesIO(latin)) as latin_card,
            ):
                self.assertLess(latin_card.height, thai_card.height, "payee left out")
                self.assertGreater(latin_card.height, 600, "amount and number kept")
        self.assertEqual(bare, qr_image.qr_png(payload))


@tagged("post_install", "-at_install")
class TestQuoteAnswerPages(CustomerPageMixin, QuoteLinkCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The customer reads Thai: Odoo's sale terms too ("คำสั่งขาย").
        cls.env["ir.module.module"]._load_module_terms(
            ["sale", "jingjai_portal"], ["th_TH"], overwrite=True
        )
        cls.customer_th.lang = "th_TH"
        cls.quote_link, cls.quote_token, _result = cls._generate(cls.quote_th)

    def test_accepted_quote_pdf_keeps_its_thai_name(self):
        """After acceptance the link says when, in Thai, and the signed PDF
        downloads as "คำสั่งขาย_<number>.pdf": the Thai marks kept, sent as RFC
        5987 ``filename*``."""
        page = self._get(f"/p/{self.quote_token}")
        (props,) = html.fromstring(page.content).xpath(
            "//owl-component[@name='portal.signature_form']/@props"
        )
        call_url = json.loads(props)["callUrl"]
        result = self.make_jsonrpc_request(
            call_url, {"name": "สมชาย ใจดี", "signature": self.signature}
        )
        self.assertTrue(result.get("force_refresh"), result)
        self.env.invalidate_all()
        self.assertEqual(self.quote_th.state, "sale")

        page = self._get(f"/p/{self.quote_token}")
        self.assertEqual(page.status_code, 200)
        tree = html.fromstring(page.content)
        (accepted_on,) = tree.xpath(
            "//*[contains(@class, 'o_jingjai_portal_when_accepted')]"
        )
        self.assertRegex(accepted_on.text_content(), r"[\u0E00-\u0E7F]")
        self.assertRegex(accepted_on.text_content(), r"\d\d:\d\d")

        pdf = self._get(f"/p/{self.quote_token}/pdf")
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        self.assertSecure(pdf)
        self.assertEqual(
            self._filename(pdf), f"คำสั่งขาย_{self.quote_th.name.replace('/', '_')}.pdf"
        )
        self.assertTrue(pdf.headers["Content-Disposition"].startswith("inline;"))
