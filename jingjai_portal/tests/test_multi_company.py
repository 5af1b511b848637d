import io
from datetime import timedelta
from unittest.mock import patch

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import pdf as odoo_pdf

from odoo.addons.base.models.ir_actions_report import IrActionsReport
from odoo.addons.jingjai_portal.lib import emv
from odoo.addons.jingjai_portal.tests.test_portal_link_invoice import (
    LINK_URL,
    JingjaiInvoiceLinkCommon,
)
from odoo.addons.mail.tests.common import MockEmail


@tagged("post_install", "-at_install")
class TestMultiCompanyLinks(JingjaiInvoiceLinkCommon, HttpCase, MockEmail):
    """A link made in company B shows company B, and only B's documents, for all
    three scopes, even when its maker's default company is A.

    Company A is the fixtures' company (``cls.company``); the customer
    ``customer_th`` is shared by both (no company) and has documents in A (the
    fixtures') and in B.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "vat": "0105551111111",
                "email": "office@aircon-a.example.com",
                "phone": "+66 2 111 1111",
            }
        )
        cls.company_b = cls.setup_other_company(name="Chiang Mai Breeze Co.")["company"]
        cls.company_b.write(
            {
                "vat": "0505562222222",
                "email": "hello@breeze-b.example.com",
                "phone": "+66 53 222 222",
                "street": "99 Nimman Road",
                "city": "Chiang Mai",
                "jingjai_portal_customer_expiry_days": 30,
                "jingjai_portal_quote_expiry_days": 30,
                "jingjai_portal_invoice_expiry_days": 30,
            }
        )
        cls.account_promptpay_b = cls.env["res.partner.bank"].create(
            {
                "acc_number": "987-6-54321-0",
                "bank_id": cls.bank.id,
                "partner_id": cls.company_b.partner_id.id,
                "proxy_type": "mobile",
                "proxy_value": "0898765432",
                "allow_out_payment": True,
            }
        )
        # Default company A, B allowed: the maker of B's links.
        cls.user_both = new_test_user(
            cls.env,
            login="jj_both_companies",
            name="Jingjai Both Companies",
            email="both@aircon-a.example.com",
            groups="sales_team.group_sale_manager,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set((cls.company | cls.company_b).ids)],
            tz="Asia/Bangkok",
        )
        env_b = cls.env(
            context=dict(cls.env.context, allowed_company_ids=[cls.company_b.id])
        )
        cls.quote_b = env_b["sale.order"].create(
            {
                "partner_id": cls.customer_th.id,
                "company_id": cls.company_b.id,
                "client_order_ref": "B-QUOTE",
                "validity_date": cls.today + timedelta(days=30),
                "order_line": [
                    Command.create(
                        {"product_id": cls.product_service.id, "product_uom_qty": 1}
                    )
                ],
            }
        )
        cls.quote_b.action_quotation_sent()
        cls.invoice_b = env_b["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer_th.id,
                "company_id": cls.company_b.id,
                "invoice_date": cls.today,
                "invoice_user_id": False,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Breeze service", "quantity": 1, "price_unit": 700.0}
                    )
                ],
            }
        )
        cls.invoice_b.action_post()
        cls.a_documents = cls.quote_th | cls.order_th
        cls.a_invoices = cls.invoice_th | cls.credit_note_th

    def _generate_in_b(self, record):
        """A link to ``record`` made by a user of A working in B (B first)."""
        Link = self.Link.with_user(self.user_both).with_context(
            allowed_company_ids=[self.company_b.id, self.company.id]
        )
        result = Link.generate(record._name, record.id)
        link = self.Link.sudo().browse(result["link_id"])
        self.assertEqual(link.company_id, self.company_b)
        return link, result["url"].rsplit("/p/", 1)[1]

    def _get(self, path):
        response = self.url_open(path, allow_redirects=False)
        self.env.invalidate_all()
        return response

    def assertShowsB(self, body, path):
        for text in (self.company_b.name, self.company_b.email, self.company_b.phone):
            self.assertIn(text, body, f"{path} shows B's {text}")
        for text in (
            self.company.name,
            # The request's company (the website's, or the public user's).
            self.env.ref("base.main_company").name,
            "081-234-5678",
            self.company.email,
            self.company.phone,
            self.company.vat,
            self.account_promptpay.acc_number,
        ):
            self.assertNotIn(text, body, f"{path} shows A's {text}")

    def test_customer_wide_link_of_b(self):
        link, token = self._generate_in_b(self.customer_th)
        page = self._get(f"/p/{token}")
        self.assertEqual(page.status_code, 200)
        self.assertShowsB(page.text, "the account page")
        # Documents are told apart by their links (A's and B's invoices may have
        # the same number: each company has its own sequence).
        for document in self.a_documents:
            self.assertNotIn(f"/order/{document.id}", page.text, "A's order listed")
        for document in self.a_invoices:
            self.assertNotIn(f"/invoice/{document.id}", page.text, "A's invoice listed")
        self.assertIn(f"/order/{self.quote_b.id}", page.text)
        self.assertIn(f"/invoice/{self.invoice_b.id}", page.text)
        # A's documents are not found below B's link, even by id.
        for document in self.a_documents:
            self.assertEqual(
                self._get(f"/p/{token}/order/{document.id}").status_code, 404
            )
        for document in self.a_invoices:
            self.assertEqual(
                self._get(f"/p/{token}/invoice/{document.id}").status_code, 404
            )
        quote_page = self._get(f"/p/{token}/order/{self.quote_b.id}")
        self.assertEqual(quote_page.status_code, 200)
        self.assertShowsB(quote_page.text, "the account's quote page")
        self.assertIn(self.company_b.vat, quote_page.text)
        invoice_page = self._get(f"/p/{token}/invoice/{self.invoice_b.id}")
        self.assertEqual(invoice_page.status_code, 200)
        self.assertShowsB(invoice_page.text, "the account's invoice page")
        self.assertIn("089-876-5432", invoice_page.text)

    def test_quote_link_of_b(self):
        _link, token = self._generate_in_b(self.quote_b)
        page = self._get(f"/p/{token}")
        self.assertEqual(page.status_code, 200)
        self.assertShowsB(page.text, "the quote page")
        self.assertIn(self.company_b.vat, page.text)
        self.assertIn("Chiang Mai", page.text)
        # In test mode Odoo renders reports as HTML: their header is the company's.
        pdf = self._get(f"/p/{token}/pdf")
        self.assertEqual(pdf.status_code, 200)
        self.assertIn(self.company_b.name, pdf.text)
        self.assertNotIn(self.company.name, pdf.text)

    def test_invoice_link_of_b(self):
        link, token = self._generate_in_b(self.invoice_b)
        page = self._get(f"/p/{token}")
        self.assertEqual(page.status_code, 200)
        self.assertShowsB(page.text, "the invoice page")
        self.assertIn("089-876-5432", page.text)
        payment = self.invoice_b.with_user(self.user_both)._jingjai_portal_payment()
        self.assertEqual(payment["bank"], self.account_promptpay_b)
        decoded = emv.decode(payment["payload"])
        self.assertEqual(decoded["29"]["01"], "0066898765432")
        png = self._get(f"/p/{token}/promptpay.png")
        self.assertEqual(png.status_code, 200)
        self.assertEqual(self._decode_qr_png(png.content), payment["payload"])
        pdf = self._get(f"/p/{token}/pdf")
        self.assertEqual(pdf.status_code, 200)
        self.assertIn(self.company_b.name, pdf.text)
        self.assertNotIn(self.company.name, pdf.text)

    def test_pdf_header_is_the_links_company(self):
        """The real PDF (wkhtmltopdf), rendered while the request's company is
        another one, has B's header, as Odoo's own portal renders with the
        document's company: the HTML handed to wkhtmltopdf is checked, the text
        of a wkhtmltopdf PDF being unreadable without its fonts.
        """
        env_a = self.env(
            user=self.env.ref("base.public_user"),
            context=dict(self.env.context, allowed_company_ids=[self.company.id]),
        )
        rendered = []
        run_wkhtmltopdf = IrActionsReport._run_wkhtmltopdf

        def _run_wkhtmltopdf(report, bodies, *args, **kwargs):
            header = kwargs.get("header") or ""
            rendered.append(str(header) + "".join(map(str, bodies)))
            return run_wkhtmltopdf(report, bodies, *args, **kwargs)

        for document in (self.invoice_b, self.quote_b):
            with self.subTest(document=document._name):
                rendered.clear()
                with patch.object(
                    IrActionsReport, "_run_wkhtmltopdf", _run_wkhtmltopdf
                ):
                    content, filename = (
                        document.with_env(env_a)
                        .sudo()
                        .with_context(force_report_rendering=True)
                        ._jingjai_portal_render_pdf()
                    )
                self.assertTrue(content.startswith(b"%PDF"), filename)
                self.assertEqual(
                    len(odoo_pdf.PdfFileReader(io.BytesIO(content)).pages), 1
                )
                self.assertEqual(len(rendered), 1)
                self.assertIn(self.company_b.name, rendered[0])
                self.assertIn("99 Nimman Road", rendered[0])
                self.assertNotIn(self.company.name, rendered[0])
                self.assertNotIn(self.env.ref("base.main_company").name, rendered[0])

    def test_emails_come_from_b(self):
        """The invoice's Send email and the access-code email are B's."""
        wizard = (
            self.env["account.move.send.wizard"]
            .with_user(self.user_both)
            .with_context(
                allowed_company_ids=[self.company_b.id, self.company.id],
                active_model="account.move",
                active_ids=self.invoice_b.ids,
            )
            .create({})
        )
        wizard.action_send_and_print()
        mail = self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", self.invoice_b.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn(self.company_b.email, mail.email_from)
        self.assertNotIn("aircon-a", mail.email_from)
        self.assertIn(self.company_b.name, mail.subject)
        self.assertNotIn(self.company.name, mail.body_html)
        token = LINK_URL.findall(mail.body_html)[0]
        link = self.Link._resolve_token(token)
        self.assertEqual(link.company_id, self.company_b)

        self.company_b.write(
            {
                "jingjai_portal_access_codes": True,
                "jingjai_portal_code_channel": "email",
            }
        )
        code_link, _token = self._generate_in_b(self.customer_th)
        with self.mock_mail_gateway():
            code_link._access_code_deliver_email(
                "office@siamcool.example.com", "123456"
            )
        self.assertEqual(len(self._mails), 1)
        self.assertIn(self.company_b.email, self._mails[0]["email_from"])
        self.assertIn(self.company_b.name, self._mails[0]["subject"])
