import hashlib
import logging
import re
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.jingjai_portal.lib.log_redaction import is_redacting
from odoo.addons.jingjai_portal.tests.common import JingjaiPortalCommon

TOKEN_RE = r"[A-Za-z0-9_-]{22}"
LINK_STATES = ("active", "expired", "revoked", "closed")


@tagged("post_install", "-at_install")
class TestJingjaiPortalLink(JingjaiPortalCommon):
    # ------------------------------------------------------------
    # generate(): what it returns and what it stores
    # ------------------------------------------------------------

    def test_generate_returns_link_url_expiry_and_scope(self):
        """generate() answers link_id, url, expires_at, scope and requires_code for
        each scope, with a short <base>/p/<22 url-safe chars> URL.
        """
        for record, scope in (
            (self.customer_th, "customer"),
            (self.quote_th, "quote"),
            (self.invoice_th, "invoice"),
        ):
            with self.subTest(scope=scope):
                link, token, result = self._generate(record)
                self.assertEqual(
                    set(result),
                    {"link_id", "url", "expires_at", "scope", "requires_code"},
                )
                self.assertIs(result["requires_code"], False)
                self.assertEqual(result["scope"], scope)
                self.assertEqual(result["link_id"], link.id)
                self.assertEqual(link.scope, scope)
                base = record.get_base_url()
                self.assertRegex(result["url"], rf"^{re.escape(base)}/p/{TOKEN_RE}$")
                self.assertLess(len(result["url"]), 70)
                self.assertEqual(
                    result["expires_at"], fields.Datetime.to_string(link.expires_at)
                )
                self.assertEqual(link.token_hint, token[-4:])
                self.assertEqual(link.state, "active")
                self.assertEqual(link.generated_by_id, self.env.user)
                self.assertEqual(link.company_id, self.company)
                self.assertEqual(link.partner_id, self.customer_th)

    def test_generate_for_contact_shares_the_commercial_partner(self):
        """A link made from a contact person opens the account of its company."""
        link, _token, _result = self._generate(self.contact_th)
        self.assertEqual(link.partner_id, self.customer_th)
        self.assertEqual(link.scope, "customer")

    def test_token_is_stored_nowhere_only_its_digest(self):
        """After flush, no text column of the link, view, message, activity, tracking or
        wizard tables contains the token; token_digest holds its SHA-256.
        """
        tokens = []
        for record in (self.customer_th, self.quote_th, self.invoice_th):
            link, token, _result = self._generate(record)
            link._record_visit("127.0.0.1", "Test agent", "/")
            link._record_visit("127.0.0.1", "Test agent", "/invoices")
            self.assertEqual(
                link.token_digest, hashlib.sha256(token.encode()).hexdigest()
            )
            self.assertNotEqual(link.token_digest, token)
            tokens.append(token)
        # one made through the panel, and a link request (activity) on an expired link
        wizard = (
            self.env["jingjai.portal.link.generate"]
            .with_context(
                default_res_model="res.partner", default_res_id=self.customer_en.id
            )
            .create({})
        )
        action = wizard.action_generate()
        tokens.append(action["params"]["url"].rsplit("/p/", 1)[1])
        link = self.Link.sudo().browse(action["params"]["link_id"])
        self._expire(link)
        link._request_new_link()
        self.env.flush_all()

        tables = (
            "jingjai_portal_link",
            "jingjai_portal_link_visit",
            "jingjai_portal_link_generate",
            "mail_message",
            "mail_activity",
            "mail_tracking_value",
        )
        self.env.cr.execute(
            """
            SELECT table_name, column_name
              FROM information_schema.columns
             WHERE table_schema = current_schema()
               AND table_name IN %s
               AND data_type IN ('text', 'character varying', 'jsonb')
            """,
            [tables],
        )
        columns = self.env.cr.fetchall()
        self.assertTrue(
            {"jingjai_portal_link", "mail_message", "mail_activity"}
            <= {table for table, _column in columns}
        )
        # positive control: the same scan finds what is really stored (the digests)
        digest_hits = 0
        for table, column in columns:
            self.env.cr.execute(
                f'SELECT COUNT(*) FROM "{table}" WHERE "{column}"::text LIKE %s',  # noqa: S608
                [f"%{link.token_digest}%"],
            )
            digest_hits += self.env.cr.fetchone()[0]
        self.assertEqual(digest_hits, 1)
        for token in tokens:
            for table, column in columns:
                self.env.cr.execute(
                    f'SELECT COUNT(*) FROM "{table}" WHERE "{column}"::text LIKE %s',  # noqa: S608
                    [f"%{token}%"],
                )
                self.assertEqual(
                    self.env.cr.fetchone()[0], 0, f"token found in {table}.{column}"
                )

    def test_two_links_get_different_tokens(self):
        """Two links to the same record get two different tokens and digests."""
        link_1, token_1, _result = self._generate(self.customer_th)
        link_2, token_2, _result = self._generate(self.customer_th)
        self.assertNotEqual(token_1, token_2)
        self.assertNotEqual(link_1.token_digest, link_2.token_digest)

    # ------------------------------------------------------------
    # Expiry
    # ------------------------------------------------------------

    def test_default_expiry_is_the_company_setting_of_the_scope(self):
        """Without expiry_days the link lasts the company's setting for its scope, and
        changing a setting changes the next link.
        """
        now = fields.Datetime.now()
        settings = {"customer": 45, "quote": 7, "invoice": 14}
        self.company.write(
            {
                f"jingjai_portal_{scope}_expiry_days": days
                for scope, days in settings.items()
            }
        )
        with freeze_time(now):
            for record, scope in (
                (self.customer_th, "customer"),
                (self.quote_th, "quote"),
                (self.invoice_th, "invoice"),
            ):
                link, _token, _result = self._generate(record)
                self.assertEqual(link.generated_at, now, scope)
                self.assertEqual(
                    link.expires_at, now + timedelta(days=settings[scope]), scope
                )
            self.company.jingjai_portal_quote_expiry_days = 3
            link, _token, _result = self._generate(self.quote_th)
            self.assertEqual(link.expires_at, now + timedelta(days=3))
            # an explicit number of days wins over the setting
            link, _token, _result = self._generate(self.quote_th, expiry_days=10)
            self.assertEqual(link.expires_at, now + timedelta(days=10))

    def test_invalid_expiry_is_refused_and_creates_nothing(self):
        """expiry_days 0, negative or above 365, and expires_on in the past (or too
        far), raise UserError and leave no link and no note behind.
        """
        today = self.today
        cases = [
            {"expiry_days": 0},
            {"expiry_days": -3},
            {"expiry_days": 366},
            {"expires_on": fields.Date.to_string(today - timedelta(days=1))},
            {"expires_on": today - timedelta(days=30)},
            {"expires_on": today + timedelta(days=400)},
        ]
        messages_before = len(self.customer_th.message_ids)
        links_before = self.Link.sudo().search_count([])
        for kwargs in cases:
            with self.subTest(**{key: str(value) for key, value in kwargs.items()}):
                with self.assertRaises(UserError):
                    self.Link.generate("res.partner", self.customer_th.id, **kwargs)
        self.assertEqual(self.Link.sudo().search_count([]), links_before)
        self.customer_th.invalidate_recordset(["message_ids"])
        self.assertEqual(len(self.customer_th.message_ids), messages_before)

    def test_expiry_limits_are_accepted(self):
        """1 and 365 days are the inclusive limits."""
        for days in (1, 365):
            link, _token, _result = self._generate(self.customer_th, expiry_days=days)
            self.assertEqual(link.expires_at - link.generated_at, timedelta(days=days))

    def test_expires_on_is_valid_through_that_whole_day_in_bangkok(self):
        """expires_on = D: the link works until 23:59:59 of D in Bangkok and is expired
        at the following Bangkok midnight (17:00 UTC on D), also for a user without tz.
        """
        last_day = self.today + timedelta(days=5)
        expected = datetime.combine(last_day, datetime.min.time()) + timedelta(hours=17)
        for user_tz in ("Asia/Bangkok", False):
            with self.subTest(user_tz=user_tz):
                self.user_sales_manager.tz = user_tz
                link, _token, result = self._generate(
                    self.customer_th, user=self.user_sales_manager, expires_on=last_day
                )
                self.assertEqual(link.expires_at, expected)
                self.assertEqual(
                    result["expires_at"], fields.Datetime.to_string(expected)
                )
                for moment, state in (
                    (expected - timedelta(hours=17), "active"),  # D 00:00 Bangkok
                    (expected - timedelta(seconds=1), "active"),  # D 23:59:59 Bangkok
                    (expected, "expired"),  # D+1 00:00 Bangkok
                ):
                    self.assertEqual(
                        link.with_context(jingjai_portal_now=moment).state,
                        state,
                        moment,
                    )

    def test_state_at_the_boundary_second(self):
        """A link is active one second before expires_at and expired at expires_at."""
        link, _token, _result = self._generate(self.customer_th)
        expires_at = link.expires_at
        before = link.with_context(jingjai_portal_now=expires_at - timedelta(seconds=1))
        at = link.with_context(jingjai_portal_now=expires_at)
        self.assertEqual(before.state, "active")
        self.assertEqual(at.state, "expired")
        Link = self.Link.sudo()
        self.assertEqual(
            Link.with_context(
                jingjai_portal_now=expires_at - timedelta(seconds=1)
            ).search([("id", "=", link.id), ("state", "in", ["active"])]),
            link,
        )
        self.assertEqual(
            Link.with_context(jingjai_portal_now=expires_at).search(
                [("id", "=", link.id), ("state", "in", ["expired"])]
            ),
            link,
        )

    # ------------------------------------------------------------
    # Records that cannot be shared
    # ------------------------------------------------------------

    def test_archived_customer_cannot_be_shared(self):
        """An archived customer, and its quotes and invoices, cannot be shared."""
        self.customer_en.action_archive()
        for record in (self.customer_en, self.quote_en, self.invoice_en):
            with self.subTest(model=record._name), self.assertRaises(UserError):
                self.Link.generate(record._name, record.id)
        self.assertFalse(
            self.Link.sudo().search_count([("partner_id", "=", self.customer_en.id)])
        )

    def test_draft_invoice_and_vendor_bill_cannot_be_shared(self):
        """Only posted customer invoices and credit notes can be shared."""
        draft_invoice = self._create_invoice_for(self.customer_th, post=False)
        vendor_bill = self._create_invoice_for(self.customer_th, move_type="in_invoice")
        for move in (draft_invoice, vendor_bill):
            with self.subTest(move=move.move_type), self.assertRaises(UserError):
                self.Link.generate("account.move", move.id)
        self.assertFalse(
            self.Link.sudo().search_count(
                [("account_move_id", "in", (draft_invoice + vendor_bill).ids)]
            )
        )
        # a posted credit note can
        link, _token, _result = self._generate(self.credit_note_th)
        self.assertEqual(link.scope, "invoice")

    def test_unknown_model_or_record_refused(self):
        """Models other than customer, quote and invoice, and missing ids: refused."""
        for res_model in (
            "res.users",
            "account.payment",
            "jingjai.portal.link",
            "no.such.model",
        ):
            with self.subTest(res_model=res_model), self.assertRaises(UserError):
                self.Link.generate(res_model, 1)
        with self.assertRaises(UserError):
            self.Link.generate("sale.order", 999_999_999)

    def test_confirmed_cancelled_or_outdated_quote_cannot_be_shared(self):
        """A confirmed order, a cancelled or an outdated quote cannot be shared."""
        cancelled = self._create_quote(self.customer_th)
        cancelled._action_cancel()
        outdated = self._create_quote(
            self.customer_th, validity_date=self.today - timedelta(days=2)
        )
        for order in (self.order_th, cancelled, outdated):
            with self.subTest(state=order.state), self.assertRaises(UserError):
                self.Link.generate("sale.order", order.id)

    # ------------------------------------------------------------
    # State
    # ------------------------------------------------------------

    def test_closed_when_quote_confirmed_cancelled_or_outdated(self):
        """A quote link closes once its quote is confirmed, cancelled or outdated."""
        to_confirm = self._create_quote(self.customer_th)
        to_cancel = self._create_quote(self.customer_th)
        to_outdate = self._create_quote(self.customer_th)
        links = {}
        for quote in (to_confirm, to_cancel, to_outdate):
            links[quote], _token, _result = self._generate(quote)
            self.assertEqual(links[quote].state, "active")
        to_confirm.action_confirm()
        to_cancel._action_cancel()
        # validity is checked against today in Bangkok
        today_bkk = self.env["sale.order"]._jingjai_portal_today()
        to_outdate.validity_date = today_bkk - timedelta(days=1)
        for quote in (to_confirm, to_cancel, to_outdate):
            link = links[quote]
            link.invalidate_recordset()
            self.assertEqual(link.state, "closed", quote.state)
            self.assertTrue(link.closed_reason)
        # the last valid day itself still counts
        still_valid = self._create_quote(self.customer_th, validity_date=today_bkk)
        link, _token, _result = self._generate(still_valid)
        self.assertEqual(link.state, "active")

    def test_closed_when_invoice_paid_or_reset_to_draft(self):
        """An invoice link closes once the invoice is paid or reset to draft."""
        paid_link, _token, _result = self._generate(self.invoice_th)
        draft_link, _token, _result = self._generate(self.invoice_en)
        self._register_payment(self.invoice_th)
        self.assertIn(self.invoice_th.payment_state, ("paid", "in_payment"))
        self.invoice_en.button_draft()
        (paid_link + draft_link).invalidate_recordset()
        self.assertEqual(paid_link.state, "closed")
        self.assertEqual(draft_link.state, "closed")

    def test_revoked_overrides_every_other_state(self):
        """Revoked wins: still revoked after expiry and after the quote closed."""
        quote = self._create_quote(self.customer_th)
        link, _token, _result = self._generate(quote)
        link.with_user(self.user_sales_manager).action_revoke()
        quote.action_confirm()
        link.invalidate_recordset()
        self.assertEqual(link.state, "revoked")
        later = link.expires_at + timedelta(days=1)
        self.assertEqual(link.with_context(jingjai_portal_now=later).state, "revoked")

    def test_search_state_agrees_with_computed_state(self):
        """Filtering links by state (in / not in) finds exactly the links whose computed
        state it is, for a mix of active, expired, revoked and closed links.
        """
        active, _t, _r = self._generate(self.customer_th)
        expired, _t, _r = self._generate(self.quote_th)
        self._expire(expired)
        revoked, _t, _r = self._generate(self.customer_en)
        revoked.action_revoke()
        revoked_expired, _t, _r = self._generate(self.invoice_th)
        revoked_expired.action_revoke()
        self._expire(revoked_expired)
        quote = self._create_quote(self.customer_th)
        closed_quote, _t, _r = self._generate(quote)
        quote.action_confirm()
        closed_invoice, _t, _r = self._generate(self.invoice_en)
        self._register_payment(self.invoice_en)
        expired_and_closed, _t, _r = self._generate(self.credit_note_th)
        self._expire(expired_and_closed)
        self.credit_note_th.button_draft()
        links = (
            active
            + expired
            + revoked
            + revoked_expired
            + closed_quote
            + closed_invoice
            + expired_and_closed
        )
        self._assert_search_state_matches(links)
        self.assertEqual(
            links.mapped("state"),
            ["active", "expired", "revoked", "revoked", "closed", "closed", "closed"],
        )

    def test_search_state_archived_customer_closes_all_its_links(self):
        """Archiving a customer closes its customer, quote and invoice links, for the
        computed state and for the state filter alike.
        """
        customer_link, _t, _r = self._generate(self.customer_en)
        quote_link, _t, _r = self._generate(self.quote_en)
        invoice_link, _t, _r = self._generate(self.invoice_en)
        links = customer_link + quote_link + invoice_link
        self.customer_en.action_archive()
        links.invalidate_recordset()
        self.assertEqual(links.mapped("state"), ["closed"] * 3)
        self._assert_search_state_matches(links)

    def _assert_search_state_matches(self, links):
        links.invalidate_recordset()
        Link = self.Link.sudo().with_context(active_test=False)
        for state in LINK_STATES:
            with self.subTest(state=state):
                computed = links.filtered(lambda link, s=state: link.state == s)
                found = Link.search([("id", "in", links.ids), ("state", "in", [state])])
                self.assertEqual(found, computed, f"state in [{state}]")
                found_not = Link.search(
                    [("id", "in", links.ids), ("state", "not in", [state])]
                )
                self.assertEqual(found_not, links - computed, f"state not in [{state}]")
                # the operators of the list view filters and of integrators
                found_eq = Link.search([("id", "in", links.ids), ("state", "=", state)])
                self.assertEqual(found_eq, computed, f"state = {state}")
                found_ne = Link.search(
                    [("id", "in", links.ids), ("state", "!=", state)]
                )
                self.assertEqual(found_ne, links - computed, f"state != {state}")

    # ------------------------------------------------------------
    # Revocation and the audit trail
    # ------------------------------------------------------------

    def test_action_revoke_is_idempotent_and_posts_a_note(self):
        """Revoking twice keeps the first revocation and posts one internal note."""
        link, _token, _result = self._generate(self.quote_th)
        manager_link = link.sudo(False).with_user(self.user_sales_manager)
        with freeze_time(fields.Datetime.now()):
            self.assertTrue(manager_link.action_revoke())
        revoked_at = link.revoked_at
        self.assertTrue(revoked_at)
        self.assertEqual(link.revoked_by_id, self.user_sales_manager)
        self.assertEqual(link.state, "revoked")
        with freeze_time(fields.Datetime.now() + timedelta(hours=1)):
            self.assertTrue(manager_link.action_revoke())
        link.invalidate_recordset()
        self.assertEqual(link.revoked_at, revoked_at)
        self.assertEqual(link.revoked_by_id, self.user_sales_manager)
        notes = self._link_notes(self.quote_th, "revoked by")
        self.assertEqual(len(notes), 1)
        self.assertEqual(notes.subtype_id, self.env.ref("mail.mt_note"))
        self.assertIn(link.token_hint, notes.body)
        self.assertEqual(notes.author_id, self.user_sales_manager.partner_id)

    def test_customer_revoke_acts_on_what_it_counts(self):
        """On a customer, the counter and Revoke All Links cover every link to
        the customer's documents (account, quote and invoice links); Revoke
        Account Links only the account links, leaving the others working.
        """
        account, _t, _r = self._generate(self.customer_th)
        quote_link, _t, _r = self._generate(self.quote_th)
        invoice_link, _t, _r = self._generate(self.invoice_th)
        other, _t, _r = self._generate(self.customer_en)
        customer = self.customer_th.with_user(self.user_sales_manager)
        self.assertEqual(customer.jingjai_portal_link_count, 3)
        self.assertEqual(customer.jingjai_portal_active_link_count, 3)
        self.assertEqual(customer.jingjai_portal_active_account_link_count, 1)

        customer.action_jingjai_portal_revoke_account_links()
        (account | quote_link | invoice_link | other).invalidate_recordset()
        self.assertEqual(account.state, "revoked")
        self.assertEqual(
            (quote_link | invoice_link | other).mapped("state"), ["active"] * 3
        )
        customer.invalidate_recordset()
        self.assertEqual(customer.jingjai_portal_active_link_count, 2)
        self.assertEqual(customer.jingjai_portal_active_account_link_count, 0)
        with self.assertRaises(UserError):
            customer.action_jingjai_portal_revoke_account_links()

        action = customer.action_jingjai_portal_revoke()
        self.assertIn("2 portal link(s) revoked", action["params"]["message"])
        (quote_link | invoice_link | other).invalidate_recordset()
        self.assertEqual((quote_link | invoice_link).mapped("state"), ["revoked"] * 2)
        self.assertEqual(other.state, "active")
        customer.invalidate_recordset()
        self.assertEqual(customer.jingjai_portal_active_link_count, 0)

    def test_revoke_several_links_at_once(self):
        """Revoking from the record revokes all its active links in one go (several
        links of one record, as from the record's "Revoke" button), and leaves the
        others.
        """
        first, _t, _r = self._generate(self.invoice_th)
        second, _t, _r = self._generate(self.invoice_th)
        expired, _t, _r = self._generate(self.invoice_th)
        self._expire(expired)
        other, _t, _r = self._generate(self.customer_th)
        action = self.invoice_th.with_user(
            self.user_invoicing
        ).action_jingjai_portal_revoke()
        self.assertEqual(action["tag"], "display_notification")
        (first + second + expired + other).invalidate_recordset()
        self.assertEqual((first + second).mapped("state"), ["revoked", "revoked"])
        self.assertEqual(expired.state, "expired")
        self.assertEqual(other.state, "active")
        self.assertEqual(len(self._link_notes(self.invoice_th, "revoked by")), 2)
        with self.assertRaises(UserError):  # nothing left to revoke
            self.invoice_th.action_jingjai_portal_revoke()
        # the integrator API takes several links of different records too
        quote_link, _t, _r = self._generate(self.quote_th)
        customer_link, _t, _r = self._generate(self.customer_en)
        (quote_link + customer_link).sudo(False).with_user(
            self.user_sales_manager
        ).action_revoke()
        self.assertEqual(
            (quote_link + customer_link).mapped("state"), ["revoked", "revoked"]
        )

    def test_revoking_rotates_odoos_own_access_token(self):
        """A revoked quote or invoice link also kills Odoo's native share link."""
        for document in (self.quote_th, self.invoice_th):
            document._portal_ensure_token()
            old_token = document.access_token
            link, _token, _result = self._generate(document)
            link.with_user(self.user_sales_manager).action_revoke()
            self.assertTrue(document.access_token)
            self.assertNotEqual(document.access_token, old_token)

    def test_access_log_never_shows_a_token(self):
        """The werkzeug request line keeps only the last four characters, and so
        do Odoo's request warnings: every log record is redacted when made.
        """
        _link, token, _result = self._generate(self.customer_th)
        self.assertTrue(is_redacting(logging.getLogRecordFactory()))
        request_lines = [
            f"GET /p/{token}/invoice/7 HTTP/1.1",
            f"GET /p//{token} HTTP/1.1",
            f"GET /P/{token} HTTP/1.1",
            f"GET /p/x/../{token} HTTP/1.1",
            f"POST '/p/{token}/decline' without CSRF",
        ]
        for logger_name in ("werkzeug", "odoo.http"):
            for request_line in request_lines:
                record = logging.getLogger(logger_name).makeRecord(
                    logger_name,
                    logging.INFO,
                    __file__,
                    0,
                    '%s - - [%s] "%s" %s %s',
                    ("127.0.0.1", "now", request_line, 200, "-"),
                    None,
                )
                self.assertNotIn(token, record.getMessage())
                self.assertIn(f"…{token[-4:]}", record.getMessage())

    def test_revoked_link_stays_revoked(self):
        """Writing revoked_at (or revoked_by_id) again on a revoked link is refused."""
        link, _token, _result = self._generate(self.customer_th)
        link.action_revoke()
        with self.assertRaises(UserError):
            link.sudo().write({"revoked_at": fields.Datetime.now() + timedelta(days=1)})
        with self.assertRaises(UserError):
            link.sudo().write({"revoked_at": False})
        with self.assertRaises(UserError):
            link.sudo().write({"revoked_by_id": self.user_salesman.id})
        self.assertEqual(link.state, "revoked")

    def test_links_cannot_be_edited_even_in_sudo(self):
        """Every field but the one-way revocation is frozen, even for sudo."""
        link, _token, _result = self._generate(self.customer_th)
        later = link.expires_at + timedelta(days=30)
        for values in (
            {"expires_at": later},
            {"generated_at": fields.Datetime.now()},
            {"scope": "invoice"},
            {"token_digest": "0" * 64},
            {"token_hint": "abcd"},
            {"partner_id": self.customer_en.id},
            {"company_id": self.company.id},
            {"generated_by_id": self.user_salesman.id},
            {"first_view_posted": True},
            {"revoked_at": fields.Datetime.now(), "expires_at": later},
        ):
            with self.subTest(fields=list(values)), self.assertRaises(UserError):
                link.sudo().write(values)
        link.invalidate_recordset()
        self.assertEqual(link.state, "active")
        self.assertFalse(link.revoked_at)

    def test_links_and_views_cannot_be_deleted_even_in_sudo(self):
        """unlink() of a link or of its view log raises UserError, even in sudo."""
        link, _token, _result = self._generate(self.customer_th)
        view = link._record_visit("127.0.0.1", "Test agent", "/")
        with self.assertRaises(UserError):
            link.sudo().unlink()
        with self.assertRaises(UserError):
            view.sudo().unlink()
        with self.assertRaises(UserError):
            view.sudo().write({"ip_address": "10.0.0.1"})
        self.assertTrue(link.exists())
        self.assertTrue(view.exists())
        self.assertEqual(view.ip_address, "127.0.0.1")

    @mute_logger("odoo.sql_db")
    def test_records_with_links_cannot_be_deleted(self):
        """A customer, quote or invoice with links cannot be deleted; the link stays."""
        partner = self.env["res.partner"].create({"name": "Short-lived customer"})
        partner_link, _t, _r = self._generate(partner)
        quote = self._create_quote(self.customer_th)
        quote_link, _t, _r = self._generate(quote)
        quote._action_cancel()  # sale itself lets cancelled quotes be deleted
        invoice = self._create_invoice_for(self.customer_th)
        invoice_link, _t, _r = self._generate(invoice)
        invoice.button_draft()
        for record, link in (
            (partner, partner_link),
            (quote, quote_link),
            (invoice, invoice_link),
        ):
            with self.subTest(model=record._name):
                with self.assertRaisesRegex(UserError, "portal links"):
                    record.unlink()
                self.assertTrue(link.exists())
                self.assertTrue(record.exists())

    def test_generation_posts_an_internal_note(self):
        """generate() posts one internal note (mail.mt_note) on the shared record, with
        the link's hint but never the token.
        """
        for record in (self.customer_th, self.quote_th, self.invoice_th):
            with self.subTest(model=record._name):
                link, token, _result = self._generate(
                    record, user=self.user_sales_manager
                )
                notes = self._link_notes(record, f"…{link.token_hint} generated by")
                self.assertEqual(len(notes), 1)
                self.assertEqual(notes.subtype_id, self.env.ref("mail.mt_note"))
                self.assertTrue(notes.subtype_id.internal)
                self.assertEqual(notes.message_type, "notification")
                self.assertEqual(notes.author_id, self.user_sales_manager.partner_id)
                self.assertNotIn(token, notes.body)

    # ------------------------------------------------------------
    # Access rights
    # ------------------------------------------------------------

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_sales_manager_cannot_create_write_or_delete_links_and_views(self):
        """Even a sales manager only reads links and views: no create, write, unlink."""
        link, _token, _result = self._generate(self.customer_th)
        view = link._record_visit("127.0.0.1", "Test agent", "/")
        Link = self.Link.with_user(self.user_sales_manager)
        View = self.env["jingjai.portal.link.visit"].with_user(self.user_sales_manager)
        manager_link = Link.browse(link.id)
        manager_view = View.browse(view.id)
        self.assertEqual(manager_link.state, "active")  # can read
        self.assertEqual(manager_view.ip_address, "127.0.0.1")
        with self.assertRaises(AccessError):
            Link.create(
                {
                    "scope": "customer",
                    "token_digest": "1" * 64,
                    "partner_id": self.customer_th.id,
                    "company_id": self.company.id,
                    "generated_by_id": self.user_sales_manager.id,
                    "generated_at": fields.Datetime.now(),
                    "expires_at": fields.Datetime.now() + timedelta(days=1),
                }
            )
        with self.assertRaises(UserError):  # AccessError is a UserError too
            manager_link.write({"expires_at": link.expires_at + timedelta(days=9)})
        with self.assertRaises(AccessError):
            manager_link.write({"revoked_at": fields.Datetime.now()})
        with self.assertRaises(UserError):  # AccessError is a UserError too
            manager_link.unlink()
        with self.assertRaises(AccessError):
            View.create({"link_id": link.id, "ip_address": "10.0.0.1", "path": "/"})
        with self.assertRaises(UserError):  # AccessError is a UserError too
            manager_view.write({"ip_address": "10.0.0.1"})
        with self.assertRaises(UserError):  # AccessError is a UserError too
            manager_view.unlink()
        self.assertTrue(link.exists())
        self.assertFalse(link.revoked_at)
        self.assertEqual(link.view_count, 1)

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_portal_and_public_users_cannot_read_links(self):
        """Portal and public users cannot read links or views, nor generate links."""
        link, _token, _result = self._generate(self.customer_th)
        view = link._record_visit("127.0.0.1", "Test agent", "/")
        public_user = self.env.ref("base.public_user")
        for user, kind in ((self.user_portal, "portal"), (public_user, "public")):
            with self.subTest(user=kind):
                with self.assertRaises(AccessError):
                    self.Link.with_user(user).search([])
                with self.assertRaises(AccessError):
                    self.Link.with_user(user).browse(link.id).read(["scope"])
                with self.assertRaises(AccessError):
                    self.env["jingjai.portal.link.visit"].with_user(user).browse(
                        view.id
                    ).read(["ip_address"])
                with self.assertRaises(AccessError):
                    self.Link.with_user(user).generate(
                        "res.partner", user.partner_id.id
                    )
                with self.assertRaises(AccessError):
                    self.Link.with_user(user).browse(link.id).action_revoke()
        self.assertFalse(link.revoked_at)

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_user_without_sales_or_accounting_rights_cannot_generate(self):
        """An internal user with neither sales nor invoicing rights cannot generate."""
        count = self.Link.sudo().search_count([])
        for record in (self.customer_th, self.quote_th, self.invoice_th):
            with self.subTest(model=record._name), self.assertRaises(AccessError):
                self.Link.with_user(self.user_internal).generate(
                    record._name, record.id
                )
        self.assertEqual(self.Link.sudo().search_count([]), count)

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_own_documents_salesman_generates_only_for_what_he_can_read(self):
        """A salesman with "own documents only" can share his own quote, not the quote
        of another salesman he cannot read.
        """
        own_quote = self._create_quote(self.customer_th, user_id=self.user_salesman.id)
        other_quote = self._create_quote(
            self.customer_th, user_id=self.user_salesman_other.id
        )
        Link = self.Link.with_user(self.user_salesman)
        with self.assertRaises(AccessError):
            other_quote.with_user(self.user_salesman).check_access("read")
        with self.assertRaises(AccessError):
            Link.generate("sale.order", other_quote.id)
        self.assertFalse(
            self.Link.sudo().search_count([("sale_order_id", "=", other_quote.id)])
        )
        result = Link.generate("sale.order", own_quote.id)
        own_link = Link.browse(result["link_id"])
        self.assertEqual(own_link.sale_order_id, own_quote)
        self.assertEqual(own_link.state, "active")
        self.assertIn(
            own_link, own_quote.with_user(self.user_salesman).jingjai_portal_link_ids
        )

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_own_documents_salesman_cannot_share_documents_he_cannot_read(self):
        """A customer-wide link shows every quote, order and invoice of the customer. An
        "own documents only" salesman reads every partner, but not the orders of other
        salesmen: he must not get, through a customer-wide link he generates, a page
        showing documents the ORM hides from him.
        """
        other_quote = self._create_quote(
            self.customer_en, user_id=self.user_salesman_other.id
        )
        other_quote.action_quotation_sent()
        with self.assertRaises(AccessError):
            other_quote.with_user(self.user_salesman).check_access("read")
        self.customer_en.with_user(self.user_salesman).check_access(
            "read"
        )  # partners: yes
        with self.assertRaises(AccessError):
            self.Link.with_user(self.user_salesman).generate(
                "res.partner", self.customer_en.id
            )

    def test_invoicing_user_can_generate_for_an_invoice(self):
        """An invoicing user (no sales rights) shares an invoice and can revoke it."""
        Link = self.Link.with_user(self.user_invoicing)
        result = Link.generate("account.move", self.invoice_th.id)
        link = Link.browse(result["link_id"])
        self.assertEqual(link.scope, "invoice")
        self.assertEqual(link.account_move_id, self.invoice_th)
        self.assertEqual(link.generated_by_id, self.user_invoicing)
        link.action_revoke()
        self.assertEqual(link.state, "revoked")

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_links_of_another_company_are_invisible(self):
        """A user of company A only does not see the links of company B."""
        company_b = self.env["res.company"].create({"name": "Jingjai Company B"})
        self.env.user.company_ids += company_b
        partner_b = self.env["res.partner"].create(
            {"name": "Company B customer", "company_id": company_b.id}
        )
        Link = self.Link.with_context(
            allowed_company_ids=[self.company.id, company_b.id]
        )
        result_b = Link.generate("res.partner", partner_b.id)
        link_b = self.Link.sudo().browse(result_b["link_id"])
        self.assertEqual(link_b.company_id, company_b)
        link_a, _token, _result = self._generate(self.customer_th)
        user_links = self.Link.with_user(self.user_invoicing)
        self.assertEqual(
            user_links.search([("id", "in", (link_a + link_b).ids)]).ids, link_a.ids
        )
        with self.assertRaises(AccessError):
            user_links.browse(link_b.id).read(["scope"])

    # ------------------------------------------------------------
    # Token lookup, view log and link requests
    # ------------------------------------------------------------

    def test_resolve_token_finds_the_link_and_rejects_junk_without_query(self):
        """A token resolves to its link; malformed input returns nothing without
        touching the database; an unknown well-formed token returns nothing.
        """
        link, token, _result = self._generate(self.customer_th)
        self.env.flush_all()
        self.assertEqual(self.Link._resolve_token(token), link)
        self.assertFalse(
            self.Link._resolve_token(token[:-1] + ("A" if token[-1] != "A" else "B"))
        )
        for junk in (
            "",
            "abc",
            "A" * 21,
            "A" * 23,
            "A" * 22 + "!",
            "A" * 200,
            "../etc",
            None,
            42,
        ):
            with self.subTest(junk=junk), self.assertQueryCount(0):
                self.assertFalse(self.Link._resolve_token(junk))

    def test_record_view_truncates_and_announces_the_first_view_once(self):
        """_record_visit logs every call, truncates long user agents and paths,
        and posts the first-view note only once.
        """
        link, _token, _result = self._generate(self.customer_th)
        view = link._record_visit("10.1.2.3", "U" * 2000, "/" + "x" * 1000)
        self.assertEqual(len(view.user_agent), 512)
        self.assertEqual(len(view.path), 256)
        self.assertEqual(view.link_state, "active")
        link._record_visit("10.1.2.4", None, "/")
        link.invalidate_recordset()
        self.assertEqual(link.view_count, 2)
        self.assertEqual(link.first_viewed_ip, "10.1.2.3")
        self.assertEqual(link.last_viewed_ip, "10.1.2.4")
        self.assertTrue(link.first_view_posted)
        notes = self._link_notes(self.customer_th, "opened for the first time")
        self.assertEqual(len(notes), 1)
        self.assertIn("10.1.2.3", notes.body)

    def test_request_new_link_goes_to_admin_when_the_generating_user_left(self):
        """A request on a link whose author was archived goes to the administrator, and
        a second request while the first is open adds nothing.
        """
        own_quote = self._create_quote(self.customer_th, user_id=self.user_salesman.id)
        link, _token, _result = self._generate(own_quote, user=self.user_salesman)
        self._expire(link)
        self.user_salesman.action_archive()
        link.invalidate_recordset()
        activity = link._request_new_link()
        self.assertEqual(activity.user_id, self.env.ref("base.user_admin"))
        self.assertEqual(activity.activity_type_id, self.activity_type_link_request)
        self.assertFalse(link._request_new_link())
        self.assertEqual(
            len(
                own_quote.activity_ids.filtered(
                    lambda a: a.activity_type_id == self.activity_type_link_request
                )
            ),
            1,
        )

    # ------------------------------------------------------------
    # Generation panel
    # ------------------------------------------------------------

    def test_wizard_shows_url_and_qr_once_and_stores_no_url(self):
        """The panel answers a jingjai_portal.link_created client action carrying the
        url and a PNG QR code; the panel record itself keeps no url.
        """
        self.company.jingjai_portal_invoice_expiry_days = 12
        wizard = (
            self.env["jingjai.portal.link.generate"]
            .with_user(self.user_invoicing)
            .with_context(
                default_res_model="account.move", default_res_id=self.invoice_th.id
            )
            .create({})
        )
        self.assertEqual(wizard.scope, "invoice")
        self.assertEqual(wizard.expiry_days, 12)
        action = wizard.action_generate()
        self.assertEqual(action["type"], "ir.actions.client")
        self.assertEqual(action["tag"], "jingjai_portal.link_created")
        params = action["params"]
        self.assertRegex(params["url"], rf"/p/{TOKEN_RE}$")
        self.assertTrue(params["qr_code"].startswith("data:image/png;base64,"))
        link = self.Link.sudo().browse(params["link_id"])
        self.assertEqual(link.account_move_id, self.invoice_th)
        self.assertEqual(link.expires_at - link.generated_at, timedelta(days=12))
        token = params["url"].rsplit("/p/", 1)[1]
        self.assertEqual(link.token_digest, hashlib.sha256(token.encode()).hexdigest())
        values = wizard.read()[0]
        self.assertNotIn("url", values)
        for value in values.values():
            self.assertNotIn(token, str(value))

    def test_wizard_date_mode_uses_the_last_valid_day(self):
        """In "on a date" mode the panel's link works through the chosen day."""
        last_day = self.today + timedelta(days=3)
        wizard = (
            self.env["jingjai.portal.link.generate"]
            .with_context(
                default_res_model="sale.order", default_res_id=self.quote_th.id
            )
            .create({"expiry_mode": "date", "expires_on": last_day})
        )
        action = wizard.action_generate()
        link = self.Link.sudo().browse(action["params"]["link_id"])
        self.assertEqual(
            link.expires_at,
            datetime.combine(last_day, datetime.min.time()) + timedelta(hours=17),
        )
