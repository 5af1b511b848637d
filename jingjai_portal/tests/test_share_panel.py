"""Sharing a fresh link from the "Portal link ready" panel: SMS, LINE, WhatsApp,
email."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from odoo.tests import Form, tagged
from odoo.tools import format_amount, format_date

from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.sms.tests.common import SMSCase

from ..lib import sms as sms_rules
from .common import JingjaiPortalCommon


@tagged("post_install", "-at_install")
class TestSharePanel(JingjaiPortalCommon, SMSCase, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        thailand = cls.env.ref("base.th")
        cls.customer_en.write({"phone": "081 234 5678", "country_id": thailand.id})
        cls.customer_th.write({"phone": "+66 81 765 4321", "country_id": thailand.id})

    def _generate(self, record, user=None):
        Wizard = self.env["jingjai.portal.link.generate"]
        if user:
            Wizard = Wizard.with_user(user)
        wizard = Wizard.with_context(
            default_res_model=record._name, default_res_id=record.id
        ).create({})
        params = wizard.action_generate()["params"]
        return params, params["share"]

    # ------------------------------------------------------------
    # The message
    # ------------------------------------------------------------

    def test_english_message_fits_one_gsm7_sms_with_the_url_last(self):
        params, share = self._generate(self.customer_en)
        message = share["sms_message"]
        self.assertEqual(
            message, f"{self.company.name}: your documents:\n{params['url']}"
        )
        self.assertEqual(share["sms"]["encoding"], "GSM-7")
        self.assertEqual(share["sms"]["segments"], 1)
        self.assertTrue(share["sms"]["fits"])
        self.assertEqual(share["sms"], dict(sms_rules.segments(message), fits=True))
        self.assertIn("fits one SMS", share["sms_text"])

    def test_thai_sms_always_names_the_business_in_two_parts_if_need_be(self):
        """A bare "your invoice" and a link reads as a scam: the Thai SMS keeps
        the business's name though it then takes two parts, and says so."""
        params, share = self._generate(self.invoice_th)
        message = share["sms_message"]
        sentence, url = message.split("\n")
        self.assertEqual(url, params["url"], "the URL is last, on its own, whole")
        self.assertIn(self.invoice_th.name, sentence)
        self.assertIn(self.company.name, sentence)
        self.assertRegex(sentence, r"[\u0E00-\u0E7F]", "the sentence is Thai")
        self.assertEqual(share["sms"]["encoding"], "UCS-2")
        self.assertEqual(share["sms"], dict(sms_rules.segments(message), fits=False))
        self.assertEqual(share["sms"]["segments"], 2)
        self.assertIn("2 SMS", share["sms_text"])

    def test_line_and_whatsapp_get_the_fuller_message(self):
        """No length limit there: who writes, to whom, the document and amount."""
        for record in (self.invoice_th, self.quote_th, self.customer_th):
            with self.subTest(record=record._name):
                params, share = self._generate(record)
                message = share["message"]
                self.assertNotEqual(message, share["sms_message"])
                self.assertIn(self.company.name, message)
                self.assertIn(self.customer_th.name, message)
                self.assertTrue(message.endswith("\n" + params["url"]))
                self.assertRegex(message, r"[\u0E00-\u0E7F]", "in Thai")
                line = parse_qs(urlsplit(share["line_url"]).query)
                self.assertEqual(line, {"text": [message]})
                if record._name != "res.partner":
                    self.assertIn(record.name, message)
        _params, share = self._generate(self.invoice_th)
        amount = format_amount(
            self.env, self.invoice_th.amount_residual, self.invoice_th.currency_id
        )
        self.assertIn(amount, share["message"])

    def test_thai_message_in_one_sms_when_it_fits(self):
        # A short base URL leaves room for the Thai sentence in 70 characters.
        self.env["ir.config_parameter"].set_param("web.base.url", "http://a.th")
        self.company.name = "JJ"
        params, share = self._generate(self.customer_th)
        self.assertTrue(share["sms_message"].endswith("\n" + params["url"]))
        self.assertIn("JJ", share["sms_message"])
        self.assertEqual(share["sms"]["encoding"], "UCS-2")
        self.assertEqual(share["sms"]["segments"], 1)

    # ------------------------------------------------------------
    # LINE and WhatsApp
    # ------------------------------------------------------------

    def test_share_urls_encode_thai_text_and_ampersands(self):
        # Short names so the Thai sentence with the company fits one SMS.
        self.env["ir.config_parameter"].set_param("web.base.url", "http://a.th")
        self.company.name = "A&B"
        params, share = self._generate(self.customer_th)
        message = share["message"]
        self.assertIn("&", message)
        line = urlsplit(share["line_url"])
        self.assertEqual(
            (line.scheme, line.netloc, line.path), ("https", "line.me", "/R/share")
        )
        self.assertEqual(parse_qs(line.query), {"text": [message]})
        self.assertNotIn("&", line.query, "the & of the message is encoded")
        self.assertNotIn(" ", share["line_url"])
        self.assertIn("%E0%B8", line.query, "Thai is percent-encoded as UTF-8")
        whatsapp = urlsplit(share["whatsapp_url"])
        self.assertEqual(whatsapp.netloc, "wa.me")
        self.assertEqual(whatsapp.path, "/66817654321", "E.164 digits without '+'")
        self.assertEqual(parse_qs(whatsapp.query), {"text": [message]})

    def test_whatsapp_without_number_and_sms_disabled_without_mobile(self):
        self.customer_en.phone = "+66 2 123 4567"  # a landline cannot take SMS
        _params, share = self._generate(self.customer_en)
        self.assertTrue(share["whatsapp_url"].startswith("https://wa.me/?text="))
        self.assertFalse(share["sms_action"])
        self.assertIn("no mobile number", share["sms_disabled_reason"])
        self.customer_en.phone = False
        _params, share = self._generate(self.customer_en)
        self.assertFalse(share["sms_action"])
        self.assertIn(self.customer_en.name, share["sms_disabled_reason"])

    def test_foreign_number_keeps_its_country(self):
        self.customer_en.write(
            {"phone": "06 12 34 56 78", "country_id": self.env.ref("base.fr").id}
        )
        _params, share = self._generate(self.customer_en)
        self.assertEqual(
            share["sms_action"]["context"]["default_recipient_single_number_itf"],
            "+33612345678",
        )
        self.assertTrue(share["whatsapp_url"].startswith("https://wa.me/33612345678?"))

    # ------------------------------------------------------------
    # SMS through Odoo's composer
    # ------------------------------------------------------------

    def _send_sms(self, share):
        action = share["sms_action"]
        self.assertEqual(action["res_model"], "sms.composer")
        composer = Form(
            self.env["sms.composer"].with_context(**action["context"])
        ).save()
        self.assertEqual(composer.composition_mode, "comment")
        # The sentence only: the SMS gets its own link when it leaves.
        self.assertEqual(composer.body, share["sms_message"].rsplit("\n", 1)[0])
        with self.mockSMSGateway():
            composer.with_context(**action["context"]).action_send_sms()
        return composer

    def test_sms_goes_to_the_mobile_with_its_own_link_the_chatter_with_none(self):
        for record, number in (
            (self.customer_en, "+66812345678"),
            (self.quote_th, "+66817654321"),
            (self.invoice_en, "+66812345678"),
        ):
            with self.subTest(model=record._name):
                params, share = self._generate(record, user=self.user_sales_manager)
                self.assertEqual(
                    share["sms_action"]["context"]["default_res_model"], record._name
                )
                self._send_sms(share)
                sms = self._new_sms
                self.assertEqual(sms.mapped("number"), [number], "to the mobile")
                token = sms.body.rsplit("/p/", 1)[1]
                link = self.Link._resolve_token(token)
                self.assertEqual(
                    link._get_target(),
                    record._jingjai_portal_customer()
                    if record._name == "res.partner"
                    else record,
                )
                self.assertNotEqual(link.id, params["link_id"])
                message = record.message_ids.filtered(
                    lambda m: m.message_type == "sms"
                )[:1]
                self.assertTrue(message, "the SMS is in the chatter, as Odoo logs it")
                self.assertNotIn(token, str(message.body))
                self.assertIn(f"/odoo/jingjai.portal.link/{link.id}", str(message.body))
                for each in (token, params["url"].rsplit("/p/", 1)[1]):
                    self.assertFalse(
                        self.env["mail.message"].sudo().search([("body", "like", each)])
                    )

    def test_panel_and_list_show_the_last_valid_day(self):
        """A link asked for "last valid day 24/12" ends at midnight after it:
        the panel and the links list say the 24th, not "until 25/12 00:00"."""
        last_day = self.today + timedelta(days=20)
        wizard = (
            self.env["jingjai.portal.link.generate"]
            .with_context(
                default_res_model="res.partner", default_res_id=self.customer_en.id
            )
            .create({"expiry_mode": "date", "expires_on": last_day})
        )
        params = wizard.action_generate()["params"]
        link = self.env["jingjai.portal.link"].browse(params["link_id"])
        self.assertEqual(link.last_valid_day, last_day)
        self.assertEqual(params["last_valid_day"], format_date(self.env, last_day))
        arch = self.env["jingjai.portal.link"].get_view(view_type="list")["arch"]
        self.assertIn('name="last_valid_day"', arch)
        # The four characters every chatter note names the link by.
        self.assertRegex(arch, r'<field name="token_hint"(?! optional="hide")')

    # ------------------------------------------------------------
    # Email
    # ------------------------------------------------------------

    def test_email_opens_send_to_client_on_documents(self):
        _params, share = self._generate(self.quote_en)
        self.assertEqual(share["email_action"]["res_model"], "mail.compose.message")
        self.assertEqual(
            share["email_action"]["context"]["default_template_id"],
            self.env.ref("jingjai_portal.mail_template_quote_portal_link").id,
        )
        self.assertIn("a new link of its own", share["email_note"])
        self.assertNotIn("Send to Client's", share["email_note"])
        self.company.external_report_layout_id = self.env.ref(
            "web.external_layout_standard"
        )
        _params, share = self._generate(self.invoice_en)
        self.assertEqual(share["email_action"]["res_model"], "account.move.send.wizard")
        self.assertTrue(share["email_note"])
        # The panel runs the actions in the browser, whose action service maps
        # their views: Odoo's invoice Send action has a view mode only.
        for record in (self.quote_en, self.invoice_en, self.customer_en):
            _params, share = self._generate(record)
            self.assertEqual(
                [tuple(view) for view in share["email_action"]["views"]],
                [(False, "form")],
            )

    def test_customer_email_carries_its_own_link_and_the_chatter_none(self):
        params, share = self._generate(self.customer_th, user=self.user_sales_manager)
        action = share["email_action"]
        self.assertIn("its own new link", share["email_note"])
        self.assertNotIn("/p/", str(action["context"]["default_body"]))
        self.assertIn("สวัสดี", str(action["context"]["default_body"]), "in Thai")
        composer = Form(
            self.env["mail.compose.message"]
            .with_user(self.user_sales_manager)
            .with_context(**action["context"])
        ).save()
        with self.mock_mail_gateway():
            composer.with_context(**action["context"]).action_send_mail()
        self.assertEqual(len(self._new_mails), 1)
        token = re.search(r"/p/([\w-]{22})", self._new_mails.body_html).group(1)
        link = self.Link._resolve_token(token)
        self.assertEqual(link.scope, "customer")
        self.assertEqual(link.generated_by_id, self.user_sales_manager)
        self.assertNotEqual(link.id, params["link_id"])
        for each in (token, params["url"].rsplit("/p/", 1)[1]):
            self.assertFalse(
                self.env["mail.message"].sudo().search([("body", "like", each)])
            )

    def test_customer_without_email_cannot_be_emailed(self):
        self.customer_en.email = False
        _params, share = self._generate(self.customer_en)
        self.assertFalse(share["email_action"])
        self.assertIn("no valid email address", share["email_disabled_reason"])
