"""Links in emails and SMS: made when the message is sent, for the customer's
recipients only, on the server's own address, never from what a message says,
and nowhere in the database but the outgoing email or SMS.
"""

import json
import re
from datetime import timedelta

from lxml import html
from markupsafe import Markup

from odoo import fields
from odoo.tests import Form, HttpCase, tagged

from odoo.addons.jingjai_portal.tests.quote_common import QuoteLinkCommon
from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.sms.tests.common import SMSCase

BASE_URL = "https://erp.jingjai.example"
# A working link's URL, any host: the host is checked apart.
LINK_URL = re.compile(r"(https?://[^\s\"'<>]+?)/p/([A-Za-z0-9_-]{22})(?![\w-])")
PLACEHOLDER_PATH = "/p/link-made-when-sent"

INCOMING_EMAIL = """Return-Path: <{email_from}>
From: Somebody <{email_from}>
To: {email_to}
Subject: Re: {subject}
Message-ID: <{msg_id}@elsewhere.example>
In-Reply-To: {in_reply_to}
References: {in_reply_to}
Date: Fri, 27 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: text/html; charset="utf-8"

<p>Please open <a href="{url}">{url}</a> again.</p>
"""


class MailLinksCommon(QuoteLinkCommon, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The Thai wording of the templates and buttons, as a Thai database has it.
        cls.env["ir.module.module"]._load_module_terms(
            ["jingjai_portal"], ["th_TH"], overwrite=True
        )
        cls.env["ir.config_parameter"].sudo().set_param("web.base.url", BASE_URL)
        cls.company.external_report_layout_id = cls.env.ref(
            "web.external_layout_standard"
        )
        cls.env.user.partner_id.email = "sales@jingjai.example"
        # Followers who must never get the customer's link: staff without sales
        # or accounting rights (by email), staff reading their inbox, and an
        # outsider following the document.
        cls.user_internal.partner_id.email = "internal@jingjai.example"
        cls.user_inbox = cls.user_sales_manager
        cls.user_inbox.write(
            {"notification_type": "inbox", "email": "manager@jingjai.example"}
        )
        cls.outsider = cls.env["res.partner"].create(
            {"name": "Outside Consultant", "email": "consultant@outside.example"}
        )

    def _follow(self, record):
        record.message_subscribe(
            partner_ids=(
                self.user_internal.partner_id
                | self.user_inbox.partner_id
                | self.outsider
            ).ids
        )

    def _send_quote(self, quote):
        """Send on ``quote``, as the dialog opens; return the mail.mail created."""
        action = quote.action_quotation_send()
        composer = Form(
            self.env["mail.compose.message"].with_context(**action["context"])
        ).save()
        with self.mock_mail_gateway():
            composer.action_send_mail()
        return self._new_mails

    def _send_invoice(self, invoice):
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({})
        )
        with self.mock_mail_gateway():
            wizard.action_send_and_print()
        return self._new_mails

    def _mails_to(self, mails, partner):
        return mails.filtered(lambda mail: partner in mail.recipient_ids)

    def _links_in(self, text):
        """``(base URL, token)`` of each link URL in ``text``, once (Odoo's
        layout puts the access button's URL in the email's markup too)."""
        return list(dict.fromkeys(LINK_URL.findall(str(text or ""))))

    def assertOnlyCustomerGetsALink(self, mails, customer, record):
        """Exactly one of ``mails`` goes to ``customer`` and carries one working
        link to ``record``, on the server's own base URL; no other email carries
        a link or Odoo's access_token. Returns ``(link, token)``.
        """
        customer_mail = self._mails_to(mails, customer)
        self.assertEqual(len(customer_mail), 1, "one email to the customer")
        found = self._links_in(customer_mail.body_html)
        self.assertEqual(len(found), 1, "one link in the customer's email")
        base_url, token = found[0]
        self.assertEqual(base_url, BASE_URL, "built on web.base.url")
        link = self.Link._resolve_token(token)
        self.assertEqual(link._get_target(), record)
        self.assertEqual(link.state, "active")
        self.assertNotIn("access_token", customer_mail.body_html)
        others = mails - customer_mail
        self.assertTrue(others, "the followers were emailed too")
        for mail in others:
            with self.subTest(to=mail.recipient_ids.mapped("name")):
                self.assertFalse(self._links_in(mail.body_html))
                self.assertNotIn(token, mail.body_html)
                self.assertNotIn("access_token", mail.body_html)
        return link, token

    def assertTokenNowhereElse(self, token):
        """The token is in no table but the outgoing email or SMS, the chatter
        and the bus notifications pushed to browsers included."""
        self.env.flush_all()
        # The bus notifications are written when the transaction commits.
        self.env.cr.precommit.run()
        for table, column in (
            ("bus_bus", "message"),
            ("mail_message", "body"),
            ("mail_compose_message", "body"),
            ("sms_composer", "body"),
            ("mail_scheduled_message", "body"),
            ("mail_tracking_value", "old_value_char"),
            ("mail_tracking_value", "new_value_char"),
        ):
            with self.subTest(table=table, column=column):
                self.env.cr.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE {column}::text LIKE %s",  # noqa: S608
                    [f"%{token}%"],
                )
                self.assertEqual(self.env.cr.fetchone()[0], 0)


@tagged("post_install", "-at_install")
class TestIncomingEmailsMakeNoLink(MailLinksCommon):
    """H1: whatever an email says, the mail gateway never makes a link."""

    def _process(self, record, url, reply_to_message):
        raw = INCOMING_EMAIL.format(
            email_from="attacker@elsewhere.example",
            email_to="catchall@jingjai.example",
            subject=record.name,
            msg_id=f"reply-{record._name}-{record.id}-{len(url)}",
            in_reply_to=reply_to_message.message_id,
            url=url,
        )
        # As the fetchmail cron does it: OdooBot, in sudo.
        cron_env = self.env(user=self.env.ref("base.user_root"))
        with self.mock_mail_gateway():
            thread_id = (
                cron_env["mail.thread"]
                .sudo()
                .message_process(record._name, raw, thread_id=record.id)
            )
        self.assertEqual(thread_id, record.id, "the reply landed on the document")
        return self._new_mails

    def test_a_reply_with_the_placeholder_makes_no_link_on_any_host(self):
        for record in (self.quote_en, self.invoice_en):
            self._follow(record)
            sent = record.message_post(
                body="Your document", message_type="comment", partner_ids=[]
            )
            for host in (
                "https://attacker.example",
                "http://127.0.0.1:8069",
                BASE_URL,
                "",
            ):
                with self.subTest(model=record._name, host=host):
                    links_before = self.Link.sudo().search_count([])
                    mails = self._process(record, host + PLACEHOLDER_PATH, sent)
                    self.assertEqual(
                        self.Link.sudo().search_count([]), links_before, "no link"
                    )
                    self.assertTrue(mails, "the followers were told, as usual")
                    for mail in mails:
                        self.assertFalse(self._links_in(mail.body_html))
                    message = record.message_ids[:1]
                    self.assertEqual(message.message_type, "email")
                    self.assertIn(PLACEHOLDER_PATH, message.body, "kept as written")

    def test_staff_typing_the_placeholder_make_no_link_either(self):
        """No text makes a link, not even staff's: only the Send flows do."""
        self.quote_en.message_post(
            body=Markup("<p>%s%s</p>") % (BASE_URL, PLACEHOLDER_PATH),
            message_type="comment",
            partner_ids=self.quote_en.partner_id.ids,
        )
        self.assertFalse(self.quote_en.sudo().jingjai_portal_link_ids)


@tagged("post_install", "-at_install")
class TestSendGivesTheCustomerAlone(MailLinksCommon):
    """M4 and L3: Send gives the customer's recipients a link of their own, made
    as the email leaves; followers get the usual email without it, and the token
    is in no table but the outgoing email.
    """

    def test_quote_send_links_the_customer_only(self):
        quote = self.quote_en
        self._follow(quote)
        mails = self._send_quote(quote)
        link, token = self.assertOnlyCustomerGetsALink(mails, quote.partner_id, quote)
        self.assertEqual(link.scope, "quote")
        self.assertEqual(link.generated_by_id, self.env.user)
        customer_mail = self._mails_to(mails, quote.partner_id)
        self.assertIn("View and accept", customer_mail.body_html)
        self.assertIn("Here is your quotation", customer_mail.body_html)
        self.assertIn(quote.name, customer_mail.subject)
        self.assertTrue(
            any(
                quote.name in name
                for name in customer_mail.attachment_ids.mapped("name")
            ),
            "the quotation PDF is attached",
        )
        # The staff follower gets Odoo's own button to the back office.
        staff_mail = self._mails_to(mails, self.user_internal.partner_id)
        self.assertEqual(len(staff_mail), 1)
        self.assertIn(f"res_id={quote.id}", staff_mail.body_html)
        self.assertEqual(len(self._mails_to(mails, self.outsider)), 1)
        # The chatter copy names the link and its record, not its URL.
        message = customer_mail.mail_message_id
        self.assertIn(f"/odoo/jingjai.portal.link/{link.id}", message.body)
        self.assertIn(f"…{link.token_hint} sent to Evergreen Trading Ltd", message.body)
        self.assertFalse(self._links_in(message.body))
        self.assertTokenNowhereElse(token)

    def test_emails_with_a_link_are_deleted_once_sent_whatever_the_template(self):
        """A template restyled to keep its emails still loses the link's email
        once sent, as the README promises: no table keeps a working link."""
        template = self.env.ref("jingjai_portal.mail_template_quote_portal_link")
        template.auto_delete = False
        quote = self.quote_en
        self._follow(quote)
        mails = self._send_quote(quote)
        customer_mail = self._mails_to(mails, quote.partner_id)
        self.assertTrue(self._links_in(customer_mail.body_html))
        self.assertTrue(customer_mail.auto_delete)

    def test_thai_customer_gets_the_thai_email_and_button(self):
        quote = self.quote_th
        self._follow(quote)
        mails = self._send_quote(quote)
        self.assertOnlyCustomerGetsALink(mails, quote.partner_id, quote)
        customer_mail = self._mails_to(mails, quote.partner_id)
        self.assertIn("ใบเสนอราคา", customer_mail.subject)
        self.assertIn("ใบเสนอราคาของคุณ", customer_mail.body_html)
        self.assertIn("ดูและยอมรับ", customer_mail.body_html)
        self.assertNotIn("View and accept", customer_mail.body_html)
        self.assertNotIn("Here is your quotation", customer_mail.body_html)
        # What staff read in the chatter stays in the sender's language.
        self.assertEqual(len(self._link_notes(quote, "generated by")), 1)
        self.assertEqual(len(self._link_notes(quote, "sent to Siam Cool")), 1)

    def test_each_recipient_of_the_customer_gets_a_link_of_their_own(self):
        """A contact of the customer added to the recipients gets their own link;
        a stranger added to them gets none."""
        quote = self.quote_th
        action = quote.action_quotation_send()
        with Form(
            self.env["mail.compose.message"].with_context(**action["context"])
        ) as form:
            form.partner_ids.add(self.contact_th)
            form.partner_ids.add(self.outsider)
        with self.mock_mail_gateway():
            form.record.action_send_mail()
        mails = self._new_mails
        tokens = {}
        for partner in (quote.partner_id, self.contact_th):
            found = self._links_in(self._mails_to(mails, partner).body_html)
            self.assertEqual(len(found), 1, partner.name)
            tokens[partner] = found[0][1]
        self.assertNotEqual(tokens[quote.partner_id], tokens[self.contact_th])
        self.assertFalse(self._links_in(self._mails_to(mails, self.outsider).body_html))
        self.assertEqual(len(quote.sudo().jingjai_portal_link_ids), 2)

    def test_invoice_send_links_the_customer_only_in_their_language(self):
        invoice = self._create_invoice_for(
            self.customer_th, invoice_date_due=self.today + timedelta(days=30)
        )
        self._follow(invoice)
        mails = self._send_invoice(invoice)
        link, token = self.assertOnlyCustomerGetsALink(
            mails, invoice.partner_id, invoice
        )
        self.assertEqual(link.scope, "invoice")
        customer_mail = self._mails_to(mails, invoice.partner_id)
        self.assertIn("ดูและชำระเงิน", customer_mail.body_html)
        self.assertIn("ขอส่งใบแจ้งหนี้", customer_mail.body_html)
        self.assertNotIn("View and pay", customer_mail.body_html)
        self.assertTokenNowhereElse(token)

    def test_a_paid_invoice_is_sent_without_any_link_or_access_token(self):
        invoice = self._create_invoice_for(self.customer_en)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        links_before = self.Link.sudo().search_count([])
        mails = self._send_invoice(invoice)
        self.assertTrue(self._mails_to(mails, invoice.partner_id))
        for mail in mails:
            self.assertFalse(self._links_in(mail.body_html))
            self.assertNotIn("access_token", mail.body_html)
        self.assertEqual(self.Link.sudo().search_count([]), links_before)

    def test_a_scheduled_send_makes_its_link_when_it_is_posted(self):
        """Send later: the scheduled message holds no link; posting it makes one
        for the customer, in the scheduler's name."""
        quote = self.quote_en
        action = quote.action_quotation_send()
        composer = Form(
            self.env["mail.compose.message"].with_context(**action["context"])
        ).save()
        composer.scheduled_date = fields.Datetime.now() + timedelta(hours=1)
        composer.action_schedule_message()
        scheduled = self.env["mail.scheduled.message"].search(
            [("model", "=", "sale.order"), ("res_id", "=", quote.id)]
        )
        self.assertEqual(len(scheduled), 1)
        self.assertFalse(quote.sudo().jingjai_portal_link_ids)
        self.assertNotIn("/p/", scheduled.body)
        self._follow(quote)
        with self.mock_mail_gateway():
            scheduled._post_message()
        link, token = self.assertOnlyCustomerGetsALink(
            self._new_mails, quote.partner_id, quote
        )
        self.assertEqual(link.generated_by_id, self.env.user)
        self.assertTokenNowhereElse(token)


@tagged("post_install", "-at_install")
class TestSharePanelMessages(MailLinksCommon, SMSCase):
    """L3: the share panel's SMS and email hold no URL in their composers; each
    gets a link like the panel's, made as it leaves."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        thailand = cls.env.ref("base.th")
        cls.customer_en.write({"phone": "081 234 5678", "country_id": thailand.id})

    def _panel(self, record, days=7):
        wizard = (
            self.env["jingjai.portal.link.generate"]
            .with_context(default_res_model=record._name, default_res_id=record.id)
            .create({"expiry_days": days})
        )
        params = wizard.action_generate()["params"]
        return params, params["share"]

    def test_sms_gets_its_own_link_like_the_panels(self):
        for record in (self.customer_en, self.quote_en, self.invoice_en):
            with self.subTest(model=record._name):
                params, share = self._panel(record)
                panel_link = self.Link.sudo().browse(params["link_id"])
                action = share["sms_action"]
                self.assertNotIn("/p/", action["context"]["default_body"])
                self.assertTrue(share["sms_note"])
                composer = Form(
                    self.env["sms.composer"].with_context(**action["context"])
                ).save()
                self.assertNotIn("/p/", composer.body)
                with self.mockSMSGateway():
                    composer.with_context(**action["context"]).action_send_sms()
                self.assertEqual(len(self._new_sms), 1)
                sms = self._new_sms
                self.assertEqual(sms.number, "+66812345678")
                found = self._links_in(sms.body)
                self.assertEqual(len(found), 1)
                base_url, token = found[0]
                self.assertEqual(base_url, BASE_URL)
                self.assertTrue(sms.body.endswith(f"\n{BASE_URL}/p/{token}"))
                self.assertTrue(sms.body.startswith(action["context"]["default_body"]))
                self.assertEqual(len(sms.body), len(share["sms_message"]), "as counted")
                link = self.Link._resolve_token(token)
                self.assertNotEqual(link, panel_link)
                self.assertEqual(link._get_target(), panel_link._get_target())
                self.assertEqual(
                    link.expires_at - link.generated_at,
                    panel_link.expires_at - panel_link.generated_at,
                )
                message = sms.mail_message_id
                self.assertIn(f"/odoo/jingjai.portal.link/{link.id}", message.body)
                self.assertTokenNowhereElse(token)
                panel_token = params["url"].rsplit("/p/", 1)[1]
                self.assertTokenNowhereElse(panel_token)

    def test_customer_email_gets_its_own_link_like_the_panels(self):
        params, share = self._panel(self.customer_th, days=10)
        action = share["email_action"]
        self.assertNotIn("/p/", str(action["context"]["default_body"]))
        self.assertIn("สวัสดี", str(action["context"]["default_body"]), "in Thai")
        composer = Form(
            self.env["mail.compose.message"].with_context(**action["context"])
        ).save()
        with self.mock_mail_gateway():
            composer.with_context(**action["context"]).action_send_mail()
        mails = self._new_mails
        customer_mail = self._mails_to(mails, self.customer_th)
        found = self._links_in(customer_mail.body_html)
        self.assertEqual(len(found), 1)
        self.assertEqual(found[0][0], BASE_URL)
        link = self.Link._resolve_token(found[0][1])
        self.assertEqual(link.scope, "customer")
        self.assertEqual(link.partner_id, self.customer_th)
        self.assertNotEqual(link.id, params["link_id"])
        self.assertEqual(link.expires_at - link.generated_at, timedelta(days=10))
        self.assertIn("ดูเอกสารของคุณ", customer_mail.body_html, "Thai button")
        self.assertTokenNowhereElse(found[0][1])
        self.assertTokenNowhereElse(params["url"].rsplit("/p/", 1)[1])


@tagged("post_install", "-at_install")
class TestConfirmationAfterAccept(QuoteLinkCommon, HttpCase):
    """L4: Odoo's confirmation after a Sign & Accept through a link carries no
    permanent access_token link that would outlive ours."""

    def _accept_through_the_link(self, quote):
        """Sign & Accept ``quote`` through a new quote link, as its page does."""
        _link, token, _result = self._generate(quote)
        page = self.url_open(f"/p/{token}")
        self.assertEqual(page.status_code, 200)
        props = html.fromstring(page.content).xpath(
            "//owl-component[@name='portal.signature_form']/@props"
        )
        self.assertEqual(len(props), 1, "one signature pad on the page")
        result = self.make_jsonrpc_request(
            json.loads(props[0])["callUrl"],
            {"name": "Somchai Jaidee", "signature": self.signature},
        )
        self.assertEqual(result.get("redirect_url"), f"/p/{token}")
        self.env.invalidate_all()
        self.assertEqual(quote.state, "sale")

    def _confirmation_mails(self, quote):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "sale.order"),
                ("res_id", "=", quote.id),
                ("recipient_ids", "in", quote.partner_id.ids),
            ]
        )

    def test_confirmation_email_has_no_access_token(self):
        quote = self.quote_en
        self._accept_through_the_link(quote)
        mail = self._confirmation_mails(quote)
        self.assertEqual(len(mail), 1, "Odoo's confirmation email went out")
        self.assertIn("has been confirmed", mail.body_html)
        self.assertNotIn("access_token", mail.body_html)
        self.assertNotIn("/my/orders", mail.body_html)

    def test_confirmation_leaves_at_once_even_when_odoo_defers_emails(self):
        """With sale's asynchronous emails on, the confirmation would leave later
        from a cron, with the access_token: it leaves at once, without."""
        self.env["ir.config_parameter"].sudo().set_param("sale.async_emails", "True")
        self.env.ref("sale.send_pending_emails_cron").sudo().active = True
        quote = self.quote_en
        self._accept_through_the_link(quote)
        self.assertFalse(quote.pending_email_template_id)
        mail = self._confirmation_mails(quote)
        self.assertEqual(len(mail), 1)
        self.assertNotIn("access_token", mail.body_html)
