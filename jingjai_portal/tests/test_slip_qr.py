"""Slips read on upload: the slip QR (bank, transaction reference), its
verdict, reused transfers and files across customers and companies, and what
the accountant can do with a slip.

The slips are made here: a phone-sized screenshot with the code in a corner, a
JPEG photo at quality 60 turned a few degrees, a PDF.
"""

import hashlib
import io
import re

import qrcode
from PIL import Image, ImageDraw

from odoo.tests import Form, HttpCase, tagged

from odoo.addons.jingjai_portal.lib import slip_qr
from odoo.addons.jingjai_portal.tests.test_portal_link_invoice import (
    JingjaiInvoiceLinkCommon,
)

BACKGROUND = (244, 247, 250)


def slip_image(payload=None, image_format="PNG", angle=0, box_size=4, **save):
    """A banking app's slip: 1080 x 2340 with text, the QR small bottom left."""
    image = Image.new("RGB", (1080, 2340), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for row in range(24):
        draw.text(
            (90, 240 + row * 64), "Transfer completed 1,234.50 THB", fill=(30,) * 3
        )
    if payload:
        code = qrcode.QRCode(box_size=box_size, border=2)
        code.add_data(payload)
        image.paste(code.make_image().convert("RGB"), (70, 1980))
    if angle:
        image = image.rotate(angle, expand=True, fillcolor=BACKGROUND)
    stream = io.BytesIO()
    image.save(stream, format=image_format, **save)
    return stream.getvalue()


def slip_pdf(payload):
    """A one-page PDF slip (Pillow's writer: an A5-ish page with the image)."""
    image = Image.open(io.BytesIO(slip_image(payload, box_size=6)))
    stream = io.BytesIO()
    image.save(stream, format="PDF", resolution=200)
    return stream.getvalue()


@tagged("post_install", "-at_install")
class TestSlipQr(JingjaiInvoiceLinkCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._invoice(amount=1234.5, invoice_user_id=cls.user_invoicing.id)
        cls.link, cls.token, _result = cls._generate(cls.invoice)
        cls.payload = slip_qr.build("004", "015335100425ATF08123")

    def _post(self, path, data=None, files=None):
        response = self.url_open(
            path, data=data, files=files, allow_redirects=False, method="POST"
        )
        self.env.invalidate_all()
        return response

    def _upload(self, token, content, filename="slip.png", mimetype="image/png"):
        page = self.url_open(f"/p/{token}")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        self.assertTrue(csrf, "no slip form on the page")
        response = self._post(
            f"/p/{token}/slip",
            data={"csrf_token": csrf.group(1)},
            files={"slip": (filename, content, mimetype)},
        )
        self.assertEqual(response.status_code, 303, response.text[:500])
        return response

    def _slips(self, invoice):
        return (
            self.env["jingjai.portal.slip"]
            .sudo()
            .search([("move_id", "=", invoice.id)], order="id")
        )

    def _notes(self, invoice):
        return "\n".join(
            invoice.message_ids.filtered(
                lambda message: "Payment slip" in (message.body or "")
            ).mapped("body")
        )

    def _activity_note(self, invoice):
        activity_type = self.env.ref("jingjai_portal.mail_activity_type_payment_slip")
        activity = invoice.activity_ids.filtered(
            lambda activity: activity.activity_type_id == activity_type
        )
        self.assertEqual(len(activity), 1)
        return str(activity.note)

    def assertReadAsValid(self, content, filename, mimetype):
        self._upload(self.token, content, filename, mimetype)
        slip = self._slips(self.invoice)
        self.assertEqual(len(slip), 1)
        self.assertRecordValues(
            slip,
            [
                {
                    "verdict": "valid",
                    "bank_code": "004",
                    "bank_name": "Kasikornbank",
                    "transaction_ref": "015335100425ATF08123",
                    "qr_payload": self.payload,
                    "state": "received",
                    "amount_due": 1234.5,
                    "currency_id": self.thb.id,
                    "partner_id": self.customer_en.id,
                    "company_id": self.company.id,
                    "link_id": self.link.id,
                    "digest": hashlib.sha256(content).hexdigest(),
                    "duplicate_of_id": False,
                }
            ],
        )
        self.assertEqual(slip.attachment_id, self.invoice.jingjai_portal_slip_ids)
        # Odoo stores large images scaled down; the digest is of the upload.
        self.assertEqual(slip.attachment_id.mimetype, mimetype)
        return slip

    # ------------------------------------------------------------
    # Reading the QR
    # ------------------------------------------------------------

    def test_screenshot_with_a_small_code_in_a_corner(self):
        self.assertReadAsValid(
            slip_image(self.payload, box_size=3), "slip.png", "image/png"
        )
        notes = self._notes(self.invoice)
        self.assertIn("Kasikornbank (004)", notes)
        self.assertIn("015335100425ATF08123", notes)
        self.assertIn("does not prove the money arrived", notes)
        self.assertIn("015335100425ATF08123", self._activity_note(self.invoice))

    def test_jpeg_photo_turned_a_little(self):
        photo = slip_image(self.payload, "JPEG", angle=4, quality=60)
        self.assertReadAsValid(photo, "IMG_0001.jpg", "image/jpeg")

    def test_pdf_slip_first_page(self):
        self.assertReadAsValid(slip_pdf(self.payload), "slip.pdf", "application/pdf")

    def test_bad_crc_is_an_invalid_qr(self):
        broken = self.payload[:-4] + ("0000" if self.payload[-4:] != "0000" else "1111")
        self._upload(self.token, slip_image(broken))
        slip = self._slips(self.invoice)
        self.assertRecordValues(
            slip,
            [{"verdict": "invalid_qr", "bank_code": False, "transaction_ref": False}],
        )
        self.assertEqual(slip.qr_payload, broken)
        self.assertIn("not a valid bank slip QR", self._notes(self.invoice))
        # Kept for the accountant all the same, with the usual activity.
        self.assertEqual(len(self.invoice.jingjai_portal_slip_ids), 1)
        self._activity_note(self.invoice)

    def test_no_qr(self):
        self._upload(self.token, slip_image(None))
        self.assertRecordValues(self._slips(self.invoice), [{"verdict": "no_qr"}])
        self.assertIn("No slip QR code found", self._notes(self.invoice))
        page = self.url_open(f"/p/{self.token}").text
        self.assertNotIn("o_jingjai_portal_slip_notice", page)
        self.assertIn("Slip received, we are checking it", page)

    # ------------------------------------------------------------
    # Reused slips
    # ------------------------------------------------------------

    def test_same_transfer_on_another_customers_invoice_in_another_company(self):
        """The slip of a transfer paid for one customer's invoice, sent again
        (as another file) for another customer's invoice in another company.
        """
        self._upload(self.token, slip_image(self.payload))
        first = self._slips(self.invoice)

        other_company = self.setup_other_company(name="Jingjai Second Shop")["company"]
        other_company.partner_id.city = "Chiang Mai"
        stranger = self.env["res.partner"].create(
            {"name": "Somchai Stranger", "company_id": False}
        )
        other_invoice = self._invoice(partner=stranger, company_id=other_company.id)
        self.assertEqual(other_invoice.company_id, other_company)
        _link, other_token, _result = self._generate(other_invoice)

        photo = slip_image(self.payload, "JPEG", angle=-3, quality=60)
        self._upload(other_token, photo, "photo.jpg", "image/jpeg")
        second = self._slips(other_invoice)
        self.assertRecordValues(
            second,
            [
                {
                    "verdict": "same_transfer",
                    "duplicate_of_id": first.id,
                    "company_id": other_company.id,
                    "partner_id": stranger.id,
                    "transaction_ref": "015335100425ATF08123",
                }
            ],
        )
        expected = f"Same transfer as the slip on {self.invoice.name}"
        self.assertIn(expected, self._notes(other_invoice))
        self.assertIn(expected, self._activity_note(other_invoice))
        self.assertEqual(second.verdict_label, expected)

        # The visitor is told plainly, and learns nothing of the first slip.
        page = self.url_open(f"/p/{other_token}").text
        self.assertIn("o_jingjai_portal_slip_notice", page)
        self.assertIn("This slip was already used for another payment", page)
        self.assertNotIn("Slip received, we are checking it", page)
        for secret in (self.invoice.name, self.customer_en.name, self.company.name):
            self.assertNotIn(secret, page)
        # The first customer's page is unchanged.
        page = self.url_open(f"/p/{self.token}").text
        self.assertNotIn("o_jingjai_portal_slip_notice", page)

        # Staff of the first company see their slip only (multi-company rule).
        Slip = self.env["jingjai.portal.slip"].with_user(self.user_invoicing)
        self.assertEqual(Slip.search([("id", "in", (first | second).ids)]), first)

    def test_same_file_twice_on_the_same_invoice(self):
        content = slip_image(None)
        self._upload(self.token, content)
        self._upload(self.token, content)
        first, second = self._slips(self.invoice)
        self.assertRecordValues(
            second, [{"verdict": "same_file", "duplicate_of_id": first.id}]
        )
        expected = f"Same file as the slip on {self.invoice.name}"
        self.assertIn(expected, self._notes(self.invoice))
        # Added to the open activity, not a second one.
        self.assertIn(expected, self._activity_note(self.invoice))
        page = self.url_open(f"/p/{self.token}").text
        self.assertIn("You already sent us this slip for this invoice", page)

    # ------------------------------------------------------------
    # The accountant
    # ------------------------------------------------------------

    def test_register_payment_from_the_slip(self):
        self._upload(self.token, slip_image(self.payload))
        slip = self._slips(self.invoice).with_user(self.user_invoicing)
        invoice = self.invoice.with_user(self.user_invoicing)
        self.assertEqual(invoice.jingjai_portal_slip_count, 1)
        action = slip.action_register_payment()
        self.assertEqual(action["res_model"], "account.payment.register")
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.user_invoicing)
            .with_context(action["context"])
        )
        self.assertEqual(wizard.amount, 1234.5)
        self.assertIn("015335100425ATF08123", wizard.communication)
        wizard.save().action_create_payments()
        self.assertEqual(slip.state, "registered")
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))

    def test_reject_tells_the_customer(self):
        self._upload(self.token, slip_image(self.payload))
        slip = self._slips(self.invoice).with_user(self.user_invoicing)
        slip.action_reject()
        self.assertEqual(slip.state, "rejected")
        page = self.url_open(f"/p/{self.token}").text
        self.assertIn("Your payment slip was not accepted", page)
        self.assertIn("We could not accept the payment slip you sent on", page)

    def test_salespeople_do_not_read_slips(self):
        self._upload(self.token, slip_image(self.payload))
        Slip = self.env["jingjai.portal.slip"].with_user(self.user_salesman)
        self.assertFalse(Slip.has_access("read"))
