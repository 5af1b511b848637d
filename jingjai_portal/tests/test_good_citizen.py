from contextlib import contextmanager
from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.jingjai_portal.lib import emv
from odoo.addons.jingjai_portal.tests.common import JingjaiPortalCommon

# What Odoo alone (account_qr_code_emv + l10n_th) builds for l10n_th's own test
# account: PromptPay mobile 0810704060 of "company_1_data", Thailand. The first
# is the string of l10n_th's test_emv_qr_vals; the others were built the same
# way (amount as Python writes it, always "12", no reference for Thailand).
ODOO_PAYLOAD_100 = (
    "00020101021229370016A0000006770101110113006681070406052040000530376454031005"
    "802TH5914company_1_data6008Thailand63048B76"
)
ODOO_PAYLOAD_1234_5 = (
    "00020101021229370016A0000006770101110113006681070406052040000530376454061234."
    "55802TH5914company_1_data6008Thailand6304F72E"
)
ODOO_PAYLOAD_NO_AMOUNT = (
    "00020101021229370016A000000677010111011300668107040605204000053037645802TH5914"
    "company_1_data6008Thailand63040FA8"
)


@tagged("post_install", "-at_install")
class TestGoodCitizen(AccountTestInvoicingCommon):
    """Installing the add-on changes nothing in Odoo's own Thai EMV QR codes.

    Its PromptPay corrections (two-decimal amount, static code without amount,
    reference label, ASCII merchant) are for its own page and QR image only:
    the invoice PDF and every other caller of Odoo's builder get Odoo's payload.
    """

    @classmethod
    @AccountTestInvoicingCommon.setup_country("th")
    def setUpClass(cls):
        super().setUpClass()
        # l10n_th's own fixture (tests/test_l10n_th_emv_qr.py).
        cls.company_data["company"].qr_code = True
        cls.company_data["company"].partner_id.update(
            {"country_id": cls.env.ref("base.th").id, "city": "Thailand"}
        )
        cls.thb = cls.env.ref("base.THB")
        cls.account_emv_th = cls.env["res.partner.bank"].create(
            {
                "acc_number": "123456789012345678",
                "partner_id": cls.company_data["company"].partner_id.id,
                "proxy_type": "mobile",
                "proxy_value": "0810704060",
            }
        )

    @contextmanager
    def _drawn_qr_values(self):
        """The values of the QR codes Odoo draws inside the block, in order.

        Odoo's PNGs differ from one drawing to the next, so the payload is read
        where it is drawn rather than compared as an image.
        """
        Report = self.registry["ir.actions.report"]
        draw = Report.barcode
        values = []

        def barcode(report, barcode_type, value, **kwargs):
            if barcode_type == "QR":
                values.append(value)
            return draw(report, barcode_type, value, **kwargs)

        with patch.object(Report, "barcode", barcode):
            yield values

    def _invoice(self, amount):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner_a.id,
                "currency_id": self.thb.id,
                "partner_bank_id": self.account_emv_th.id,
                "company_id": self.company_data["company"].id,
                "qr_code_method": "emv_qr",
                "invoice_line_ids": [
                    Command.create({"quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        invoice.action_post()
        return invoice

    def test_emv_qr_vals_are_odoo_s(self):
        """``_get_qr_vals('emv_qr', ...)`` gives exactly Odoo's payload: l10n_th's
        own expected string, the amount as Odoo writes it ("1234.5"), "12" and no
        tag 54 without amount, no tag 62 even with "Include Reference".
        """
        for amount, include_reference, expected in (
            (100.0, False, ODOO_PAYLOAD_100),
            (100.0, True, ODOO_PAYLOAD_100),
            (1234.5, True, ODOO_PAYLOAD_1234_5),
            (0.0, False, ODOO_PAYLOAD_NO_AMOUNT),
        ):
            with self.subTest(amount=amount, include_reference=include_reference):
                self.account_emv_th.include_reference = include_reference
                payload = self.account_emv_th._get_qr_vals(
                    qr_method="emv_qr",
                    amount=amount,
                    currency=self.thb,
                    debtor_partner=self.partner_a,
                    free_communication="INV/TEST/0001",
                    structured_communication=False,
                )
                self.assertEqual(payload, expected)

    def test_emv_qr_code_vals_list_is_odoo_s(self):
        """The fields other modules extend are Odoo's, untouched."""
        self.account_emv_th.include_reference = True
        vals = dict(
            self.account_emv_th._get_qr_code_vals_list(
                "emv_qr", 1234.5, self.thb, self.partner_a, "INV/TEST/0001", None
            )
        )
        self.assertEqual(vals[1], "12")
        self.assertEqual(vals[54], 1234.5)
        self.assertEqual(vals[59], "company_1_data")
        self.assertEqual(vals[60], "Thailand")
        self.assertIsNone(vals[62])
        self.assertIsNone(self.account_emv_th._get_additional_data_field("INV"))

    def test_build_qr_code_base64_is_odoo_s(self):
        """Odoo's public QR builder draws Odoo's payload."""
        self.account_emv_th.include_reference = True
        with self._drawn_qr_values() as values:
            image = self.account_emv_th.build_qr_code_base64(
                1234.5, "INV/TEST/0001", None, self.thb, self.partner_a, "emv_qr"
            )
        self.assertTrue(image.startswith("data:image/png;base64,"))
        self.assertEqual(values, [ODOO_PAYLOAD_1234_5])

    def test_invoice_pdf_qr_is_odoo_s(self):
        """The invoice's ``_generate_qr_code`` and its PDF carry Odoo's payload;
        the add-on's own page, for the same invoice, its corrected one.
        """
        self.account_emv_th.include_reference = True
        invoice = self._invoice(1234.5)
        with self._drawn_qr_values() as values:
            self.assertTrue(invoice._generate_qr_code())
        self.assertEqual(values, [ODOO_PAYLOAD_1234_5])

        with self._drawn_qr_values() as values:
            html = self.env["ir.actions.report"]._render_qweb_html(
                "account.account_invoices", invoice.ids
            )[0]
        # Every QR the invoice report draws is Odoo's (it may draw one twice).
        self.assertTrue(values)
        self.assertEqual(set(values), {ODOO_PAYLOAD_1234_5})
        self.assertIn(b'id="qrcode_image"', html)

        page = emv.decode(invoice._jingjai_portal_payment()["payload"])
        self.assertEqual(page["54"], "1234.50")
        self.assertEqual(page["62"], {"05": invoice.payment_reference})


@tagged("post_install", "-at_install")
class TestOdooQuoteFlows(JingjaiPortalCommon):
    """Odoo's own quote flows, as sale's tests drive them, with the add-on."""

    def test_quote_sent_from_code_without_a_salesperson(self):
        """sale's test_sale_order_standard_flow: Send's template posted by code
        (as OdooBot) on a quote without a salesperson goes out, with a link
        made by the administrator."""
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.company
        quote = self._create_quote(self.customer_en, user_id=False).with_user(
            self.env.ref("base.user_root")
        )
        email_ctx = quote.action_quotation_send().get("context", {})
        quote.with_context(**email_ctx).message_post_with_source(
            self.env["mail.template"].browse(email_ctx.get("default_template_id")),
            subtype_xmlid="mail.mt_comment",
        )
        self.assertEqual(quote.state, "sent")
        link = self.env["jingjai.portal.link"].search(
            [("sale_order_id", "=", quote.id)]
        )
        self.assertEqual(link.generated_by_id, admin)

    def test_order_notification_is_called_as_odoo_calls_it(self):
        """sale's test_partial_payment_confirm_order patches Odoo's method and
        checks its arguments: the add-on adds none of its own."""
        template = self.env.ref("sale.mail_template_sale_payment_executed")
        with patch(
            "odoo.addons.sale.models.sale_order.SaleOrder._send_order_notification_mail"
        ) as notification_mail:
            self.quote_en._send_order_notification_mail(template)
        notification_mail.assert_called_once_with(template)
