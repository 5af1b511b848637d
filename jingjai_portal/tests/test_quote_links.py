import re
from datetime import timedelta
from unittest.mock import patch

from lxml import etree
from markupsafe import Markup

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import SQL, format_amount, mute_logger

from odoo.addons.jingjai_portal.lib import signature as signature_rules
from odoo.addons.jingjai_portal.lib.portal_link_urls import PortalLinkUrls
from odoo.addons.jingjai_portal.tests.quote_common import (
    QuoteLinkCommon,
    signature_b64,
)
from odoo.addons.mail.tests.common import MockEmail

LINK_IN_BODY = re.compile(r"(https?://[^\"'\s<>]*)/p/([A-Za-z0-9_-]{22})(?![\w-])")


def _text(query):
    return query.code if isinstance(query, SQL) else str(query)


@tagged("post_install", "-at_install")
class TestQuoteLinkMail(QuoteLinkCommon, MockEmail):
    """Send on a quote: one new quote link per email, in the customer's language,
    and no second way in through Odoo's access token.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The Thai wording of the template, as a database with Thai installed has it.
        cls.env["ir.module.module"]._load_module_terms(["jingjai_portal"], ["th_TH"])

    def _send(self, quote, **context):
        """Click Send on ``quote`` and send the dialog as it opens.

        :return: the email the customer received (see MockEmail)
        """
        action = quote.with_context(**context).action_quotation_send()
        composer = Form(
            self.env["mail.compose.message"].with_context(**action["context"])
        ).save()
        with self.mock_mail_gateway(mail_unlink_sent=True):
            composer.action_send_mail()
        customer_emails = [
            mail
            for mail in self._mails
            if any(quote.partner_id.email in address for address in mail["email_to"])
        ]
        self.assertEqual(len(customer_emails), 1, "one email to the customer")
        return customer_emails[0]

    def _assert_one_way_in(self, body, quote):
        """The body holds exactly one kind of link to the quote: ours."""
        self.assertNotIn("access_token", body)
        self.assertNotIn("/my/orders", body)
        self.assertNotIn("/mail/view", body)
        self.assertNotIn("link-made-when-sent", body)
        tokens = {token for _base, token in LINK_IN_BODY.findall(body)}
        self.assertEqual(len(tokens), 1, "one portal link in the email")
        link = self.Link._resolve_token(tokens.pop())
        self.assertEqual(link.sale_order_id, quote)
        self.assertEqual(link.scope, "quote")
        self.assertEqual(link.state, "active")
        return link

    def test_send_emails_a_new_quote_link_in_english(self):
        """An English customer gets the template in English: the quote's number,
        total and validity date, a button with a fresh quote link, the PDF, and no
        access_token link; the chatter keeps no token.
        """
        quote = self.quote_en
        email = self._send(quote)
        body = email["body"]
        link = self._assert_one_way_in(body, quote)
        self.assertEqual(link.generated_by_id, self.env.user)
        self.assertIn(quote.name, email["subject"])
        self.assertIn("Quotation", email["subject"])
        self.assertIn("Here is your quotation", body)
        self.assertIn("View and accept", body)
        self.assertIn(quote.name, body)
        total = format_amount(self.env, quote.amount_total, quote.currency_id)
        self.assertIn(total.replace("\xa0", " "), body.replace("\xa0", " "))
        self.assertIn("Valid until", body)
        self.assertIn(quote.validity_date.strftime("%m/%d/%Y"), body)
        self.assertTrue(
            any(quote.name in name for name, *_rest in email["attachments"]),
            "the quotation PDF is attached",
        )
        # The chatter shows where the link's audit record is, never the token.
        token = LINK_IN_BODY.search(body).group(2)
        message = quote.message_ids.filtered(
            lambda message: "Here is your quotation" in str(message.body)
        )
        self.assertEqual(len(message), 1)
        self.assertNotIn(token, str(message.body))
        self.assertIn(f"/odoo/jingjai.portal.link/{link.id}", str(message.body))
        self.env.flush_all()
        for table, column in (
            ("mail_message", "body"),
            ("mail_mail", "body_html"),
            ("mail_compose_message", "body"),
        ):
            self.env.cr.execute(
                f"SELECT COUNT(*) FROM {table} WHERE {column}::text LIKE %s",  # noqa: S608
                [f"%{token}%"],
            )
            self.assertEqual(self.env.cr.fetchone()[0], 0, f"token in {table}")

    def test_send_emails_a_thai_customer_in_thai(self):
        """A Thai customer gets the same email in Thai, with its own fresh link."""
        quote = self.quote_th
        email = self._send(quote)
        body = email["body"]
        self._assert_one_way_in(body, quote)
        self.assertIn("ใบเสนอราคา", email["subject"])
        self.assertIn("ใบเสนอราคาของคุณ", body)
        self.assertIn("ดูและยอมรับ", body)
        self.assertNotIn("Here is your quotation", body)
        self.assertNotIn("View and accept", body)
        self.assertIn(quote.name, body)

    def test_each_email_gets_its_own_link_and_a_draft_becomes_sent(self):
        """Sending twice makes two links; a draft quote is marked sent, as in Odoo."""
        quote = self._create_quote(self.customer_en, require_signature=True)
        self.assertEqual(quote.state, "draft")
        first = LINK_IN_BODY.search(self._send(quote)["body"]).group(2)
        second = LINK_IN_BODY.search(self._send(quote)["body"]).group(2)
        self.assertNotEqual(first, second)
        self.assertEqual(quote.state, "sent")
        self.assertEqual(len(quote.jingjai_portal_link_ids), 2)

    def test_opening_and_cancelling_send_makes_no_link(self):
        """The dialog's email holds no link: only sending makes one."""
        quote = self.quote_en
        action = quote.action_quotation_send()
        self.assertEqual(
            action["context"]["default_template_id"],
            self.env.ref("jingjai_portal.mail_template_quote_portal_link").id,
        )
        composer = Form(
            self.env["mail.compose.message"].with_context(**action["context"])
        )
        self.assertIn("The button of this email opens your quotation", composer.body)
        self.assertNotIn("/p/", str(composer.body))
        self.assertFalse(quote.jingjai_portal_link_ids)

    def test_portal_link_is_a_header_button_and_revoke_is_not(self):
        """Quotes and invoices: the header's Portal Link button opens the panel
        (a link without an email, for LINE); nothing of ours hides in the gear
        menu beside Odoo's Share, and revoking is one step away, in the
        Portal Links smart button.
        """
        for model in ("sale.order", "account.move"):
            arch = self.env[model].get_view(view_type="form")["arch"]
            header = etree.fromstring(arch).find(".//header")
            names = [button.get("name") for button in header.iter("button")]
            self.assertIn("action_jingjai_portal_generate", names, model)
            self.assertNotIn("action_jingjai_portal_revoke", names, model)
            bound = self.env["ir.actions.server"].search(
                [("binding_model_id.model", "=", model)]
            )
            self.assertFalse(
                bound.filtered(lambda action: "Portal" in action.name), model
            )
        action = self.quote_en.action_jingjai_portal_generate()
        self.assertEqual(action["res_model"], "jingjai.portal.link.generate")
        self.assertEqual(action["context"]["default_res_model"], "sale.order")
        self.assertEqual(action["context"]["default_res_id"], self.quote_en.id)
        wizard = (
            self.env["jingjai.portal.link.generate"]
            .with_context(**action["context"])
            .create({})
        )
        url = wizard.action_generate()["params"]["url"]
        link = self.Link._resolve_token(url.rsplit("/p/", 1)[1])
        self.assertEqual(link.sale_order_id, self.quote_en)

    def _click_send(self, quote):
        """Send as the quote form's buttons call it (Odoo sets this context)."""
        return quote.with_context(check_document_layout=True).action_quotation_send()

    def test_send_without_customer_email_says_what_is_missing(self):
        """No (valid) email on the customer: a UserError naming them, no link."""
        for email in (False, "not an address"):
            with self.subTest(email=email):
                self.customer_en.email = email
                with self.assertRaisesRegex(UserError, "Evergreen Trading Ltd"):
                    self._click_send(self.quote_en)
        self.assertFalse(self.quote_en.jingjai_portal_link_ids)

    def test_send_on_an_outdated_quote_is_refused_before_the_dialog(self):
        self._outdate(self.quote_en)
        with self.assertRaisesRegex(UserError, "expired"):
            self._click_send(self.quote_en)

    def test_send_opened_by_code_is_odoos(self):
        """Code that opens Send (Odoo's own flows and tests do, for customers
        without email too) gets Odoo's dialog, not the form button's checks.
        """
        self.customer_en.email = False
        action = self.quote_en.action_quotation_send()
        self.assertEqual(action["res_model"], "mail.compose.message")
        self.assertTrue(action["context"]["mark_so_as_sent"])
        self.assertFalse(self.quote_en.jingjai_portal_link_ids)

    def test_proforma_and_confirmed_orders_keep_odoos_templates(self):
        """Only quotes get the link email: pro-formas and orders keep Odoo's."""
        self.assertEqual(
            self.quote_en.with_context(proforma=True)._find_mail_template(),
            self.env.ref("sale.email_template_proforma"),
        )
        self.assertEqual(
            self.order_th._find_mail_template(),
            self.order_th._get_confirmation_template(),
        )

    def test_no_text_makes_a_link(self):
        """The old placeholder URL, or any text, posted by a customer in Odoo's
        portal chatter (in sudo, as the customer) or by staff, makes no link.
        """
        body = Markup("<p>https://example.com/p/link-made-when-sent</p>")
        self.quote_en.with_user(self.user_portal).sudo().message_post(
            body=body,
            author_id=self.user_portal.partner_id.id,
            message_type="comment",
        )
        message = self.quote_en.message_post(
            body=body, message_type="comment", partner_ids=self.customer_en.ids
        )
        self.assertFalse(self.Link.search([("sale_order_id", "=", self.quote_en.id)]))
        self.assertIn("link-made-when-sent", str(message.body), "kept as written")

    def test_link_request_from_a_portal_user_makes_no_link(self):
        """Only staff make links, even when the request reaches message_post (a
        customer posting in sudo, as Odoo's portal does, never passes it)."""
        with self.assertRaisesRegex(UserError, "Nobody can make the portal link"):
            self.quote_en.with_user(self.user_portal).sudo().message_post(
                body="Hello",
                author_id=self.user_portal.partner_id.id,
                message_type="comment",
                partner_ids=self.customer_en.ids,
                jingjai_portal_link={"channel": "email"},
            )
        self.assertFalse(self.Link.search([("sale_order_id", "=", self.quote_en.id)]))

    def test_scheduled_email_makes_its_link_when_it_leaves(self):
        """A message scheduled for later holds no link; its customer's copy gets
        one when the notifications are sent, in the name of whoever posted it.
        """
        message = self.quote_en.message_post(
            body=Markup("<p>Your quote</p>"),
            message_type="comment",
            partner_ids=self.quote_en.partner_id.ids,
            scheduled_date=fields.Datetime.now() + timedelta(days=1),
            jingjai_portal_link={"channel": "email"},
        )
        quote_links = [("sale_order_id", "=", self.quote_en.id)]
        self.assertFalse(self.Link.search(quote_links))
        schedule = self.env["mail.message.schedule"].search(
            [("mail_message_id", "=", message.id)]
        )
        self.assertEqual(len(schedule), 1)
        # What the cron does when the time comes, as OdooBot.
        cron_env = self.env(user=self.env.ref("base.user_root"))
        with self.mock_mail_gateway():
            schedule.with_env(cron_env)._send_notifications()
        link = self.Link.search(quote_links)
        self.assertEqual(len(link), 1)
        self.assertEqual(link.generated_by_id, self.quote_en.user_id)
        customer_mail = self._new_mails.filtered(
            lambda mail: self.quote_en.partner_id in mail.recipient_ids
        )
        token = LINK_IN_BODY.search(customer_mail.body_html).group(2)
        self.assertEqual(self.Link._resolve_token(token), link)
        self.assertNotIn(token, str(message.body))
        self.assertIn(f"/odoo/jingjai.portal.link/{link.id}", str(message.body))


@tagged("post_install", "-at_install")
class TestQuoteAcceptDecline(QuoteLinkCommon):
    """Accepting and declining, straight on the model (the HTTP tests drive the
    routes): Odoo's own rules, one outcome under races, clear refusals.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.quote_link, cls.quote_token, _result = cls._generate(cls.quote_th)

    def _quote_sudo(self, quote=None):
        return (quote or self.quote_th).sudo()

    def _accept(self, quote=None, link=None, name="Somchai Jaidee", signature=None):
        return self._quote_sudo(quote)._jingjai_portal_accept(
            link or self.quote_link,
            name,
            self.signature if signature is None else signature,
            "203.0.113.7",
        )

    def _decline(self, quote=None, link=None, reason="Too expensive"):
        return self._quote_sudo(quote)._jingjai_portal_decline(
            link or self.quote_link, reason, "203.0.113.8"
        )

    def assertUnchanged(self, quote, state="sent"):
        quote.invalidate_recordset()
        self.assertEqual(quote.state, state)
        self.assertFalse(quote.signature)
        self.assertFalse(quote.signed_by)
        self.assertFalse(quote.signed_on)

    # ------------------------------------------------------------
    # Accept
    # ------------------------------------------------------------

    def test_accept_signs_confirms_and_audits(self):
        """Accepting stores the signature like Odoo, confirms the order with its
        confirmation email, closes the quote link and posts an internal note with
        the link's last characters, the time and the IP, and the signed PDF.
        """
        quote = self.quote_th
        with patch.object(
            type(quote), "_send_order_confirmation_mail", autospec=True
        ) as confirmation_mail:
            self._accept(name="  Somchai   Jaidee ")
        quote.invalidate_recordset()
        self.assertEqual(quote.state, "sale")
        self.assertEqual(quote.signed_by, "Somchai Jaidee")
        self.assertTrue(quote.signed_on)
        self.assertTrue(quote.signature)
        self.assertEqual(confirmation_mail.call_count, 1)
        self.quote_link.invalidate_recordset()
        self.assertEqual(self.quote_link.state, "closed")
        note = self._quote_notes(quote, "signed and accepted by Somchai Jaidee")
        self.assertEqual(len(note), 1)
        self.assertIn(f"…{self.quote_link.token_hint}", note.body)
        self.assertIn("203.0.113.7", note.body)
        self.assertIn("Bangkok time", note.body)
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(note.author_id, quote.partner_id)
        self.assertIn(quote.user_id.partner_id, note.partner_ids)
        self.assertEqual(len(note.attachment_ids), 1)
        self.assertIn(quote.name.replace("/", "_"), note.attachment_ids.name)

    def test_accept_with_prepayment_signs_without_confirming(self):
        """With a prepayment required, Odoo signs and waits for the payment: so do
        we; the quote link stays open and can no longer sign or decline.
        """
        quote = self._new_quote(require_payment=True, prepayment_percent=0.5)
        link, _token, _result = self._generate(quote)
        with patch.object(
            type(quote), "_send_order_confirmation_mail", autospec=True
        ) as confirmation_mail:
            self._accept(quote, link)
        quote.invalidate_recordset()
        self.assertEqual(quote.state, "sent")
        self.assertTrue(quote.signature)
        self.assertFalse(confirmation_mail.called)
        self.assertEqual(link.state, "active")
        note = self._quote_notes(quote, "once the prepayment is received")
        self.assertEqual(len(note), 1)
        values = quote._jingjai_portal_page_values(link, PortalLinkUrls("x"))
        self.assertTrue(values["awaiting_payment"])
        self.assertFalse(values["can_accept"])
        self.assertFalse(values["can_decline"])
        self.assertAlmostEqual(values["prepayment_amount"], quote.amount_total / 2, 2)
        with self.assertRaisesRegex(UserError, "already been signed"):
            self._accept(quote, link)
        with self.assertRaisesRegex(UserError, "already been signed"):
            self._decline(quote, link)

    def test_accepting_twice_gives_one_acceptance(self):
        """A second accept (another tab) is refused and changes nothing."""
        self._accept()
        signed_on = self.quote_th.signed_on
        with self.assertRaisesRegex(UserError, "closed: the quote has been accepted"):
            self._accept(name="Someone Else")
        customer_link, _token, _result = self._generate(self.customer_th)
        with self.assertRaisesRegex(UserError, "already been accepted"):
            self._accept(link=customer_link, name="Someone Else")
        self.quote_th.invalidate_recordset()
        self.assertEqual(self.quote_th.signed_by, "Somchai Jaidee")
        self.assertEqual(self.quote_th.signed_on, signed_on)
        self.assertEqual(len(self._quote_notes(self.quote_th, "accepted by")), 1)

    def test_accept_locks_the_order_and_rechecks_after_the_lock(self):
        """The order row is locked FOR UPDATE, and its state is read again after
        the lock: a concurrent acceptance committed in between (simulated behind
        the ORM's back) turns this one into a refusal.
        """
        quote = self._quote_sudo()
        self.assertEqual(quote.state, "sent")  # now in this transaction's cache
        customer_link, _token, _result = self._generate(self.customer_th)
        executed = []
        execute = type(self.env.cr).execute

        def spy(cr, query, *args, **kwargs):
            executed.append(_text(query))
            # What another transaction commits while we wait for the lock.
            if "FOR UPDATE" in _text(query):
                execute(
                    cr,
                    "UPDATE sale_order SET state = 'sale', signed_by = 'Other tab'"
                    " WHERE id = %s",
                    [quote.id],
                )
            return execute(cr, query, *args, **kwargs)

        with (
            patch.object(type(self.env.cr), "execute", spy),
            self.assertRaisesRegex(UserError, "already been accepted"),
        ):
            self._accept(link=customer_link)
        self.assertTrue(
            any("FOR UPDATE" in query and "sale_order" in query for query in executed)
        )
        quote.invalidate_recordset()
        self.assertEqual(quote.signed_by, "Other tab")
        self.assertFalse(quote.signature)

    def test_accept_and_decline_do_not_wait_for_a_locked_order(self):
        """While another request holds the order's lock (it is accepting and
        rendering the signed PDF), accepting or declining is refused at once
        with a message to reload, instead of holding a worker; nothing changes.
        """
        quote = self._quote_sudo()
        customer_link, _token, _result = self._generate(self.customer_th)
        execute = type(self.env.cr).execute
        locking = []

        def spy(cr, query, *args, **kwargs):
            if "FOR UPDATE" in _text(query):
                locking.append(_text(query))
                # What the lock query finds while another transaction holds
                # the row: nothing, at once (SKIP LOCKED).
                return execute(cr, "SELECT id FROM sale_order WHERE false")
            return execute(cr, query, *args, **kwargs)

        for act in (
            lambda: self._accept(link=customer_link),
            lambda: self._decline(link=customer_link),
        ):
            with (
                patch.object(type(self.env.cr), "execute", spy),
                self.assertRaisesRegex(UserError, "reload the page in a moment"),
            ):
                act()
        self.assertEqual(len(locking), 2)
        self.assertTrue(all("SKIP LOCKED" in query for query in locking))
        quote.invalidate_recordset()
        self.assertEqual(quote.state, "sent")
        self.assertFalse(quote.signature)
        self.assertFalse(self._quote_notes(quote, "accepted by"))
        self.assertFalse(self._quote_notes(quote, "declined through"))

    def test_decline_locks_and_rechecks_too(self):
        quote = self._quote_sudo()
        self.assertEqual(quote.state, "sent")
        customer_link, _token, _result = self._generate(self.customer_th)
        execute = type(self.env.cr).execute

        def spy(cr, query, *args, **kwargs):
            if "FOR UPDATE" in _text(query):
                execute(
                    cr,
                    "UPDATE sale_order SET state = 'cancel' WHERE id = %s",
                    [quote.id],
                )
            return execute(cr, query, *args, **kwargs)

        with (
            patch.object(type(self.env.cr), "execute", spy),
            self.assertRaisesRegex(UserError, "already been declined"),
        ):
            self._decline(link=customer_link)
        self.assertFalse(self._quote_notes(quote, "declined through"))

    def test_accept_refuses_bad_names_and_signatures_and_changes_nothing(self):
        cases = [
            ({"name": ""}, "type your full name"),
            ({"name": "   "}, "type your full name"),
            ({"name": "x" * 101}, "too long"),
            ({"signature": ""}, "sign in the box"),
            ({"signature": "not base64!"}, "could not be read"),
            ({"signature": signature_b64(fmt="GIF")}, "could not be read"),
            ({"signature": signature_b64(size=(5000, 10))}, "too large"),
            (
                {"signature": "A" * (signature_rules.MAX_SIGNATURE_BYTES * 2)},
                "too large",
            ),
            (
                {
                    "signature": signature_b64(size=(300, 100), fmt="PNG")[:40]
                    + "AAAA" * 10
                },
                "could not be read",
            ),
        ]
        for kwargs, message in cases:
            with (
                self.subTest(message=message, value=str(kwargs)[:40]),
                self.assertRaisesRegex(UserError, message),
            ):
                self._accept(**kwargs)
            self.assertUnchanged(self.quote_th)
        self.assertFalse(self._quote_notes(self.quote_th, "accepted by"))

    def test_accept_refuses_blank_signature(self):
        with self.assertRaisesRegex(UserError, "signature is empty"):
            self._accept(signature=signature_b64(blank=True))
        self.assertUnchanged(self.quote_th)

    def test_accept_refuses_dead_links_and_ended_quotes(self):
        """Revoked or expired links, and cancelled, confirmed, outdated or unsigned
        quotes: each refused with its own message, nothing changed.
        """
        revoked, _token, _result = self._generate(self.quote_en)
        revoked.action_revoke()
        with self.assertRaisesRegex(UserError, "revoked"):
            self._accept(self.quote_en, revoked)
        self.assertUnchanged(self.quote_en)

        expired, _token, _result = self._generate(self.quote_en)
        self._expire(expired)
        with self.assertRaisesRegex(UserError, "link has expired"):
            self._accept(self.quote_en, expired)
        self.assertUnchanged(self.quote_en)

        customer_link, _token, _result = self._generate(self.customer_th)
        with self.assertRaisesRegex(UserError, "already been accepted"):
            self._accept(self.order_th, customer_link)

        cancelled = self._new_quote()
        cancelled._action_cancel()
        with self.assertRaisesRegex(UserError, "declined or cancelled"):
            self._accept(cancelled, customer_link)
        self.assertUnchanged(cancelled, state="cancel")

        outdated = self._new_quote()
        self._outdate(outdated)
        with self.assertRaisesRegex(UserError, "expired on"):
            self._accept(outdated, customer_link)
        self.assertUnchanged(outdated)

        unsigned = self._new_quote(require_signature=False)
        with self.assertRaisesRegex(UserError, "cannot be signed online"):
            self._accept(unsigned, customer_link)
        self.assertUnchanged(unsigned)

    def test_accept_refused_when_staff_must_fix_the_quote_first(self):
        """A line without a product cannot be confirmed: refused before signing."""
        quote = self._new_quote()
        quote.order_line = [Command.create({"name": "Site visit", "price_unit": 500})]
        link, _token, _result = self._generate(quote)
        with self.assertRaisesRegex(UserError, "cannot be accepted online"):
            self._accept(quote, link)
        self.assertUnchanged(quote)

    @mute_logger("odoo.addons.jingjai_portal.models.sale_order")
    def test_confirmation_refused_by_another_module_rolls_the_signature_back(self):
        quote = self._new_quote()
        link, _token, _result = self._generate(quote)
        with (
            patch.object(
                type(quote),
                "action_confirm",
                autospec=True,
                side_effect=UserError("analytic plan missing"),
            ),
            self.assertRaisesRegex(UserError, "cannot be accepted online"),
        ):
            self._accept(quote, link)
        self.assertUnchanged(quote)

    # ------------------------------------------------------------
    # Decline
    # ------------------------------------------------------------

    def test_decline_cancels_and_posts_the_reason_as_plain_text(self):
        """Declining cancels the quote (Odoo's _action_cancel), closes the link and
        posts the reason escaped, with the link's last characters, time and IP.
        """
        reason = "Too expensive <script>alert('x')</script>\nSecond line & more"
        self._decline(reason=reason)
        self.quote_th.invalidate_recordset()
        self.assertEqual(self.quote_th.state, "cancel")
        self.quote_link.invalidate_recordset()
        self.assertEqual(self.quote_link.state, "closed")
        note = self._quote_notes(self.quote_th, "declined through portal link")
        self.assertEqual(len(note), 1)
        body = str(note.body)
        self.assertIn(f"…{self.quote_link.token_hint}", body)
        self.assertIn("203.0.113.8", body)
        self.assertNotIn("<script>", body)
        self.assertIn("&lt;script&gt;alert(", body)
        self.assertIn("<br>Second line &amp; more", body.replace("<br/>", "<br>"))
        self.assertEqual(note.author_id, self.quote_th.partner_id)
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))

    def test_decline_without_reason_and_twice(self):
        customer_link, _token, _result = self._generate(self.customer_th)
        self._decline(link=customer_link, reason="  ")
        self.assertEqual(len(self._quote_notes(self.quote_th, "No reason given")), 1)
        with self.assertRaisesRegex(UserError, "already been declined"):
            self._decline(link=customer_link)
        with self.assertRaisesRegex(UserError, "declined or cancelled"):
            self._accept(link=customer_link)
        self.assertEqual(
            len(self._quote_notes(self.quote_th, "declined through portal link")), 1
        )

    def test_decline_refuses_long_reasons_accepted_and_outdated_quotes(self):
        with self.assertRaisesRegex(UserError, "2000 characters"):
            self._decline(reason="x" * 2001)
        self.assertUnchanged(self.quote_th)
        self._decline(reason="y" * 2000)  # the limit itself is fine
        customer_link, _token, _result = self._generate(self.customer_th)
        with self.assertRaisesRegex(UserError, "already been accepted"):
            self._decline(self.order_th, customer_link)
        outdated = self._new_quote()
        self._outdate(outdated)
        with self.assertRaisesRegex(UserError, "expired on"):
            self._decline(outdated, customer_link)
        self.assertUnchanged(outdated)

    # ------------------------------------------------------------
    # After the end
    # ------------------------------------------------------------

    def test_closed_page_only_for_accepted_quotes_while_the_link_runs(self):
        """An accepted quote's link keeps a page (and its PDF) until the link's own
        expiry, a quote declined online one that says when and why (no PDF);
        quotes cancelled by staff and outdated ones get the generic page.
        """
        self._accept()
        template, values = self.quote_th._jingjai_portal_closed_page(self.quote_link)
        self.assertEqual(template, "jingjai_portal.page_sale_order")
        self.assertTrue(values["offers_pdf"])
        self.assertFalse(values["can_accept"])
        self.assertFalse(values["can_decline"])
        self.assertTrue(values["signature_src"].startswith("data:image/"))
        self._expire(self.quote_link)
        self.assertIsNone(self.quote_th._jingjai_portal_closed_page(self.quote_link))

        declined = self._new_quote()
        link, _token, _result = self._generate(declined)
        self._decline(declined, link)
        template, values = declined._jingjai_portal_closed_page(link)
        self.assertEqual(template, "jingjai_portal.page_quote_declined")
        self.assertFalse(values.get("offers_pdf"))
        self.assertIn("You declined this quote on", values["declined_text"])
        self._expire(link)
        self.assertIsNone(declined._jingjai_portal_closed_page(link))

        cancelled = self._new_quote()
        link, _token, _result = self._generate(cancelled)
        cancelled._action_cancel()
        self.assertIsNone(cancelled._jingjai_portal_closed_page(link))

        outdated = self._new_quote()
        link, _token, _result = self._generate(outdated)
        self._outdate(outdated)
        self.assertIsNone(outdated._jingjai_portal_closed_page(link))

    def test_only_quotes_accept_online(self):
        self.assertTrue(self.quote_th._jingjai_portal_accepts_online)
        self.assertFalse(self.customer_th._jingjai_portal_accepts_online)
        self.assertFalse(self.invoice_th._jingjai_portal_accepts_online)
