import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import requests
from lxml import html

from odoo.tests import HttpCase, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

from odoo.addons.jingjai_portal.tests.common import PortalLinkHttpMixin
from odoo.addons.jingjai_portal.tests.quote_common import (
    QuoteLinkCommon,
    signature_b64,
)


@tagged("post_install", "-at_install")
class TestQuoteLinkPages(PortalLinkHttpMixin, QuoteLinkCommon, HttpCase):
    """The quote page through the real routes: sign and accept (jsonrpc, with the
    session's CSRF token in the call URL), decline (form post), what each link may
    reach, and the page after the end.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The pages speak the customer's language: these tests read English
        # messages (test_messages_speak_thai_to_a_thai_customer reads Thai).
        cls.customer_th.lang = "en_US"
        cls.quote_link, cls.quote_token, _result = cls._generate(cls.quote_th)
        cls.customer_link, cls.customer_token, _result = cls._generate(cls.customer_th)

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _rpc(self, url, params):
        """POST JSON-RPC as the signature pad does; return the ``result``."""
        result = self.make_jsonrpc_request(url, params)
        self.env.invalidate_all()
        return result

    def _call_url(self, page_path):
        """Open the page and read the signature pad's call URL from it."""
        response = self._get(page_path)
        self.assertEqual(response.status_code, 200)
        props = html.fromstring(response.content).xpath(
            "//owl-component[@name='portal.signature_form']/@props"
        )
        self.assertEqual(len(props), 1, "one signature pad on the page")
        return json.loads(props[0])["callUrl"]

    def _decline_form(self, page_path):
        """Open the page; return the decline form's action and CSRF token."""
        response = self._get(page_path)
        self.assertEqual(response.status_code, 200)
        form = html.fromstring(response.content).xpath(
            "//section[contains(@class, 'o_jingjai_portal_decline')]//form"
        )
        self.assertEqual(len(form), 1, "one decline form on the page")
        return form[0].get("action"), form[0].xpath(".//input[@name='csrf_token']")[
            0
        ].get("value")

    def _accept_params(self, **params):
        return {"name": "Somchai Jaidee", "signature": self.signature, **params}

    def assertNothingChanged(self, quote, state="sent"):
        quote.invalidate_recordset()
        self.assertEqual(quote.state, state)
        self.assertFalse(quote.signature)
        self.assertFalse(self._quote_notes(quote, "accepted by"))
        self.assertFalse(self._quote_notes(quote, "declined through"))

    # ------------------------------------------------------------
    # The page
    # ------------------------------------------------------------

    def test_quote_page_shows_the_quote_and_its_actions(self):
        """Lines, totals, validity, payment terms, notes, the business's details,
        the PDF, a signature pad posting to this link and a decline form.
        """
        self.quote_th.write(
            {
                "note": "<p>Installation within 3 days</p>",
                "payment_term_id": self.env.ref(
                    "account.account_payment_term_30days"
                ).id,
            }
        )
        self.company.write({"vat": "0105551234567", "street": "99/1 Sukhumvit"})
        response = self._get(f"/p/{self.quote_token}")
        self.assertEqual(response.status_code, 200)
        self.assertSecure(response)
        body = response.text
        for text in (
            self.quote_th.name,
            "Aircon cleaning",
            "Inverter unit 18000 BTU",
            "Installation within 3 days",
            "0105551234567",
            "99/1 Sukhumvit",
            f"/p/{self.quote_token}/pdf",
            f'action="/p/{self.quote_token}/decline"',
        ):
            self.assertIn(text, body)
        tree = html.fromstring(response.content)
        self.assertTrue(tree.xpath("//*[contains(@class, 'o_jingjai_portal_totals')]"))
        call_url = self._call_url(f"/p/{self.quote_token}")
        self.assertTrue(call_url.startswith(f"/p/{self.quote_token}/accept?"))
        self.assertTrue(parse_qs(urlsplit(call_url).query)["csrf_token"][0])

    def test_the_quote_is_dated_in_the_business_timezone(self):
        """A quote made at 03:00 in Thailand (20:00 UTC the day before) is
        dated that day, as staff see it in Odoo: the public visitor's timezone
        is nobody's.
        """
        self.quote_th.date_order = datetime(2026, 11, 30, 20, 0)
        tree = html.fromstring(self._get(f"/p/{self.quote_token}").content)
        (date,) = tree.xpath("//dt[normalize-space()='Date']/following-sibling::dd[1]")
        self.assertEqual(date.text_content().strip(), "12/01/2026")

    # ------------------------------------------------------------
    # Accept
    # ------------------------------------------------------------

    def test_accept_through_the_quote_link(self):
        """Signing through the real route confirms the order, sends Odoo's
        confirmation email, and the link then shows "accepted on … by …" with the
        signature and the PDF, not the form.
        """
        call_url = self._call_url(f"/p/{self.quote_token}")
        result = self._rpc(call_url, self._accept_params())
        self.assertEqual(
            result, {"force_refresh": True, "redirect_url": f"/p/{self.quote_token}"}
        )
        quote = self.quote_th
        self.assertEqual(quote.state, "sale")
        self.assertEqual(quote.signed_by, "Somchai Jaidee")
        self.assertTrue(quote.signature)
        note = self._quote_notes(quote, "signed and accepted by Somchai Jaidee")
        self.assertEqual(len(note), 1)
        self.assertIn("127.0.0.1", note.body)
        self.assertIn(f"…{self.quote_link.token_hint}", note.body)
        confirmation = quote.message_ids.filtered(
            lambda message: (
                message.subtype_id == self.env.ref("mail.mt_comment")
                and quote.partner_id in message.partner_ids
            )
        )
        self.assertTrue(confirmation, "Odoo's confirmation email went out")

        response = self._get(f"/p/{self.quote_token}")
        self.assertEqual(response.status_code, 200)
        self.assertSecure(response)
        tree = html.fromstring(response.content)
        accepted = tree.xpath("//*[contains(@class, 'o_jingjai_portal_accepted')]")
        self.assertEqual(len(accepted), 1)
        self.assertIn("Somchai Jaidee", accepted[0].text_content())
        self.assertIn("Accepted on", accepted[0].text_content())
        (accepted_on,) = tree.xpath(
            "//*[contains(@class, 'o_jingjai_portal_when_accepted')]"
        )
        self.assertRegex(
            accepted_on.text_content().strip(),
            r"^You accepted this quote on \d{1,2} \w{3} \d{4} at \d\d:\d\d\.$",
        )
        self.assertTrue(
            tree.xpath("//img[contains(@class, 'o_jingjai_portal_signature')]")
        )
        self.assertFalse(tree.xpath("//owl-component"), "no signature pad")
        self.assertFalse(tree.xpath("//form[contains(@action, '/decline')]"))
        self.assertIn(f"/p/{self.quote_token}/pdf", response.text)

        pdf = self._get(f"/p/{self.quote_token}/pdf")
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        self.assertSecure(pdf)

        again = self._rpc(call_url, self._accept_params(name="Other Tab"))
        self.assertIn("the quote has been accepted", again["error"])
        quote.invalidate_recordset()
        self.assertEqual(quote.signed_by, "Somchai Jaidee")

    def test_accept_from_a_customer_wide_link(self):
        """The same accept works on the customer's quotes from the account page, at
        /p/<token>/order/<id>/accept, and lands back on that order's page.
        """
        page = f"/p/{self.customer_token}/order/{self.quote_en.id}"
        self.assertEqual(self._get(page).status_code, 404, "not this customer's")
        page = f"/p/{self.customer_token}/order/{self.quote_th.id}"
        call_url = self._call_url(page)
        self.assertTrue(call_url.startswith(f"{page}/accept?"))
        result = self._rpc(call_url, self._accept_params())
        self.assertEqual(result, {"force_refresh": True, "redirect_url": page})
        self.assertEqual(self.quote_th.state, "sale")
        response = self._get(page)
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_jingjai_portal_accepted", response.text)
        self.assertEqual(self.customer_link.state, "active")

    def test_accept_needs_the_sessions_csrf_token(self):
        """No token, a forged one, or one from another session: refused."""
        call_url = self._call_url(f"/p/{self.quote_token}")
        bare_url = call_url.split("?")[0]
        for url, params in (
            (bare_url, {}),
            (f"{bare_url}?csrf_token=forged0123456789o9999999999", {}),
            (bare_url, {"csrf_token": "forged0123456789o9999999999"}),
            (bare_url, {"csrf_token": ["not", "a", "string"]}),
        ):
            with self.subTest(url=url, params=params):
                result = self._rpc(url, self._accept_params(**params))
                self.assertIn("reload", result["error"])
        # The same URL from another browser (another session) is refused too.
        self.opener.cookies.clear()
        self._get(f"/p/{self.quote_token}")
        result = self._rpc(call_url, self._accept_params())
        self.assertIn("reload", result["error"])
        self.assertNothingChanged(self.quote_th)
        # The token may also come in the JSON params, as the brief's API allows.
        token = parse_qs(urlsplit(self._call_url(f"/p/{self.quote_token}")).query)[
            "csrf_token"
        ][0]
        result = self._rpc(bare_url, self._accept_params(csrf_token=token))
        self.assertTrue(result.get("force_refresh"), result)

    def test_accept_refuses_bad_input_with_a_clear_message(self):
        call_url = self._call_url(f"/p/{self.quote_token}")
        cases = [
            ({"name": ""}, "full name"),
            ({"name": None}, "full name"),
            ({"signature": ""}, "sign in the box"),
            ({"signature": None}, "sign in the box"),
            ({"signature": "bm90IGFuIGltYWdl"}, "could not be read"),
            ({"signature": signature_b64(blank=True)}, "signature is empty"),
            ({"signature": "A" * (3 * 1024 * 1024)}, "too large"),
            ({"signature": ["a", "list"]}, "could not be read"),
        ]
        for params, message in cases:
            with self.subTest(message=message):
                result = self._rpc(call_url, self._accept_params(**params))
                self.assertIn(message, result["error"])
        self.assertNothingChanged(self.quote_th)

    def test_control_characters_in_the_name_or_the_reason_are_refused(self):
        """A NUL, a text-reversing control or a lone surrogate in the signer's
        name, or a NUL in the decline reason: a clear message, the quote as it
        was, and the reason shown back without what could not be kept.
        """
        call_url = self._call_url(f"/p/{self.quote_token}")
        for name in ("Somchai\x00 Jaidee", "Somchai \u202eeediaJ", "Somchai \ud800"):
            with self.subTest(name=repr(name)):
                result = self._rpc(call_url, self._accept_params(name=name))
                self.assertIn("control characters", result["error"])
        self.assertNothingChanged(self.quote_th)

        action, csrf = self._decline_form(f"/p/{self.quote_token}")
        reason = "Too\x00 expensive.\nSorry"
        response = self._post(action, {"csrf_token": csrf, "reason": reason})
        self.assertEqual(response.status_code, 400)
        self.assertSecure(response)
        tree = html.fromstring(response.content)
        section = tree.xpath("//section[contains(@class, 'o_jingjai_portal_decline')]")
        self.assertIn("control characters", section[0].text_content())
        self.assertEqual(
            tree.xpath("//textarea[@name='reason']")[0].text, "Too expensive.\nSorry"
        )
        self.assertNothingChanged(self.quote_th)

        # Tabs and line breaks are text: the name goes on one line, and the
        # reason keeps its lines.
        result = self._rpc(call_url, self._accept_params(name="Somchai\tJaidee\n"))
        self.assertTrue(result.get("force_refresh"), result)
        self.assertEqual(self.quote_th.signed_by, "Somchai Jaidee")

    def test_accept_refused_on_dead_links_and_ended_quotes(self):
        """Expired, revoked or closed links, and confirmed, cancelled or outdated
        quotes answer a clear error and change nothing.
        """
        call_url = self._call_url(f"/p/{self.quote_token}")
        csrf = parse_qs(urlsplit(call_url).query)["csrf_token"][0]

        expired, expired_token, _result = self._generate(self.quote_en)
        self._expire(expired)
        revoked, revoked_token, _result = self._generate(self.quote_en)
        revoked.action_revoke()
        outdated = self._new_quote()
        outdated_link, outdated_token, _result = self._generate(outdated)
        self._outdate(outdated)
        cancelled = self._new_quote()
        cancelled_link, cancelled_token, _result = self._generate(cancelled)
        cancelled._action_cancel()
        cases = [
            (f"/p/{expired_token}/accept", "link has expired"),
            (f"/p/{revoked_token}/accept", "revoked"),
            (f"/p/{outdated_token}/accept", "the quote expired"),
            (f"/p/{cancelled_token}/accept", "declined or cancelled"),
            (
                f"/p/{self.customer_token}/order/{self.order_th.id}/accept",
                "already been accepted",
            ),
            (
                f"/p/{self.customer_token}/order/{cancelled.id}/accept",
                "cannot be opened",
            ),
            (f"/p/{'x' * 22}/accept", "cannot be opened"),
        ]
        for path, message in cases:
            with self.subTest(path=path.replace(self.customer_token, "<customer>")):
                result = self._rpc(f"{path}?csrf_token={csrf}", self._accept_params())
                self.assertIn(message, result["error"])
        for quote, state in (
            (self.quote_en, "sent"),
            (outdated, "sent"),
            (cancelled, "cancel"),
        ):
            self.assertNothingChanged(quote, state)

    def test_accept_with_a_prepayment_signs_and_waits(self):
        quote = self._new_quote(require_payment=True, prepayment_percent=0.3)
        _link, token, _result = self._generate(quote)
        result = self._rpc(self._call_url(f"/p/{token}"), self._accept_params())
        self.assertTrue(result["force_refresh"])
        self.assertEqual(quote.state, "sent")
        self.assertTrue(quote.signature)
        response = self._get(f"/p/{token}")
        tree = html.fromstring(response.content)
        self.assertTrue(tree.xpath("//*[contains(@class, 'o_jingjai_portal_signed')]"))
        self.assertIn("prepayment", response.text)
        self.assertFalse(tree.xpath("//owl-component"))
        self.assertFalse(tree.xpath("//form[contains(@action, '/decline')]"))

    def test_quote_without_online_signature_asks_to_contact_us(self):
        quote = self._new_quote(require_signature=False)
        _link, token, _result = self._generate(quote)
        response = self._get(f"/p/{token}")
        tree = html.fromstring(response.content)
        self.assertFalse(tree.xpath("//owl-component"))
        self.assertTrue(
            tree.xpath("//*[contains(@class, 'o_jingjai_portal_contact_to_accept')]")
        )
        csrf = re.search(r'csrf_token: "([^"]+)"', response.text).group(1)
        result = self._rpc(
            f"/p/{token}/accept?csrf_token={csrf}", self._accept_params()
        )
        self.assertIn("cannot be signed online", result["error"])

    def test_messages_speak_thai_to_a_thai_customer(self):
        """The page and the refusals are in the customer's language."""
        # The pages' Thai wording, as a database with Thai installed has it.
        self.env["ir.module.module"]._load_module_terms(["jingjai_portal"], ["th_TH"])
        self.customer_th.lang = "th_TH"
        call_url = self._call_url(f"/p/{self.quote_token}")
        result = self._rpc(call_url, self._accept_params(name=""))
        self.assertEqual(result["error"], "กรุณาพิมพ์ชื่อ-นามสกุลของคุณ")
        response = self._get(f"/p/{self.quote_token}")
        self.assertIn("ยอมรับใบเสนอราคานี้", response.text)
        self.assertIn("ปฏิเสธใบเสนอราคานี้", response.text)

    def test_twenty_concurrent_accepts_give_one_acceptance(self):
        """20 simultaneous Sign & Accept clicks: exactly one acceptance.

        Odoo's test server serialises requests on the test cursor, so this proves
        the outcome under concurrent clients; the lock and re-check under
        concurrent transactions are tested on the model.
        """
        call_url = self._call_url(f"/p/{self.quote_token}")
        session_id = self.opener.cookies.get("session_id")
        url = f"{self.base_url()}{call_url}"
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 0,
            "params": self._accept_params(),
        }
        self.env.flush_all()
        self.env.invalidate_all()

        def accept(_index):
            with requests.Session() as session:
                session.cookies.set(TEST_CURSOR_COOKIE_NAME, request_key)
                session.cookies.set("session_id", session_id)
                return session.post(url, json=payload, timeout=60).json()["result"]

        with self.allow_requests():
            request_key = self.http_request_key
            with ThreadPoolExecutor(max_workers=20) as pool:
                results = list(pool.map(accept, range(20)))
        self.env.invalidate_all()
        self.assertEqual(sum(1 for r in results if r.get("force_refresh")), 1)
        self.assertEqual(sum(1 for r in results if r.get("error")), 19)
        self.assertEqual(self.quote_th.state, "sale")
        self.assertEqual(len(self._quote_notes(self.quote_th, "accepted by")), 1)

    # ------------------------------------------------------------
    # Decline
    # ------------------------------------------------------------

    def _confirm_form(self, response):
        """The confirmation page's form: its action and fields."""
        self.assertEqual(response.status_code, 200)
        self.assertSecure(response)
        tree = html.fromstring(response.content)
        (form,) = tree.xpath(
            "//*[contains(@class, 'o_jingjai_portal_decline_confirm')]//form"
        )
        return form.get("action"), {
            field.get("name"): field.get("value") for field in form.xpath(".//input")
        }

    def test_decline_through_the_quote_link(self):
        """Declining asks to confirm first (a page of its own, no script), then
        posts the reason escaped, cancels the quote, thanks the customer; the link
        then says when the customer declined, and why, instead of "expired".
        """
        action, csrf = self._decline_form(f"/p/{self.quote_token}")
        self.assertEqual(action, f"/p/{self.quote_token}/decline")
        reason = "<script>alert('x')</script> too expensive"
        response = self._post(action, {"csrf_token": csrf, "reason": reason})
        self.assertIn(f"Decline quote {self.quote_th.name}?", response.text)
        self.assertNotIn("<script>alert", response.text)
        self.assertNothingChanged(self.quote_th)
        confirm_action, fields = self._confirm_form(response)
        self.assertEqual(confirm_action, action)
        self.assertEqual(fields["confirm"], "1")
        self.assertEqual(fields["reason"], reason)
        self.assertIn(f'href="/p/{self.quote_token}"', response.text, "a way back")

        response = self._post(confirm_action, fields)
        self.assertEqual(response.status_code, 200)
        self.assertSecure(response)
        self.assertIn("o_jingjai_portal_declined", response.text)
        self.assertIn("You declined this quote on", response.text)
        self.assertNotIn("<script>alert", response.text)
        self.assertEqual(self.quote_th.state, "cancel")
        note = self._quote_notes(self.quote_th, "declined through portal link")
        self.assertEqual(len(note), 1)
        self.assertIn("&lt;script&gt;", note.body)
        self.assertIn("127.0.0.1", note.body)

        page = self._get(f"/p/{self.quote_token}")
        self.assertEqual(page.status_code, 200)
        self.assertSecure(page)
        tree = html.fromstring(page.content)
        (declined,) = tree.xpath(
            "//*[contains(@class, 'o_jingjai_portal_when_declined')]"
        )
        self.assertRegex(
            declined.text_content(),
            r"^You declined this quote on \d{1,2} \w{3} \d{4} at \d\d:\d\d\.$",
        )
        (why,) = tree.xpath("//*[contains(@class, 'o_jingjai_portal_why_declined')]")
        self.assertIn(reason, why.text_content())
        self.assertNotIn("<script>alert", page.text)
        self.assertNotIn("expired", page.text)
        self.assertNotIn("o_jingjai_portal_unavailable", page.text)
        self.assertNotIn(
            "application/pdf",
            self._get(f"/p/{self.quote_token}/pdf").headers["Content-Type"],
        )
        # A second post (refresh) meets the closed link: nothing more happens.
        again = self._post(confirm_action, fields)
        self.assertIn("You declined this quote on", again.text)
        self.assertEqual(
            len(self._quote_notes(self.quote_th, "declined through portal link")), 1
        )

    def test_a_quote_cancelled_by_staff_keeps_the_generic_page(self):
        """Only the customer's own online answer is told back to them."""
        self.quote_th._action_cancel()
        page = self._get(f"/p/{self.quote_token}")
        self.assertIn("o_jingjai_portal_unavailable", page.text)
        self.assertNotIn("You declined", page.text)

    def test_decline_from_a_customer_wide_link(self):
        page = f"/p/{self.customer_token}/order/{self.quote_th.id}"
        action, csrf = self._decline_form(page)
        self.assertEqual(action, f"{page}/decline")
        response = self._post(action, {"csrf_token": csrf, "reason": ""})
        confirm_action, fields = self._confirm_form(response)
        self.assertEqual(confirm_action, action)
        self.assertEqual(self.quote_th.state, "sent")
        response = self._post(confirm_action, fields)
        self.assertEqual(response.status_code, 200)
        self.assertIn(f'href="/p/{self.customer_token}"', response.text)
        self.assertEqual(self.quote_th.state, "cancel")
        self.assertEqual(len(self._quote_notes(self.quote_th, "No reason given")), 1)
        # Another customer's quote through this link: not found, untouched.
        response = self._post(
            f"/p/{self.customer_token}/order/{self.quote_en.id}/decline",
            {"csrf_token": csrf, "confirm": "1"},
        )
        self.assertEqual(response.status_code, 404)
        self.assertNothingChanged(self.quote_en)

    def test_decline_needs_a_csrf_token(self):
        """A decline without (or with a forged) CSRF token is refused; Odoo's warning
        about it names the path without the token.
        """
        self._decline_form(f"/p/{self.quote_token}")  # a session, as for a visitor
        for data in ({"reason": "x"}, {"reason": "x", "csrf_token": "forged0o1"}):
            with (
                self.subTest(data=data),
                self.assertLogs("odoo.http", "WARNING") as logs,
            ):
                response = self._post(f"/p/{self.quote_token}/decline", data)
                self.assertIn(response.status_code, (400, 403))
            self.assertNotIn(self.quote_token, "\n".join(logs.output))
            self.assertIn(f"/p/…{self.quote_token[-4:]}", "\n".join(logs.output))
        self.assertNothingChanged(self.quote_th)

    def test_decline_with_a_too_long_reason_keeps_the_text_and_says_why(self):
        action, csrf = self._decline_form(f"/p/{self.quote_token}")
        response = self._post(action, {"csrf_token": csrf, "reason": "é" * 2001})
        self.assertEqual(response.status_code, 400)
        self.assertSecure(response)
        tree = html.fromstring(response.content)
        self.assertIn(
            "2000 characters",
            tree.xpath("//section[contains(@class, 'o_jingjai_portal_decline')]")[
                0
            ].text_content(),
        )
        self.assertEqual(tree.xpath("//textarea[@name='reason']")[0].text, "é" * 2001)
        self.assertNothingChanged(self.quote_th)

    # ------------------------------------------------------------
    # Scope
    # ------------------------------------------------------------

    def test_a_quote_link_never_acts_on_another_record(self):
        """Through a quote link, /order/<id>/accept and /decline answer "not found"
        for every other order; a customer-wide link has no quote of its own; an
        invoice link accepts nothing.
        """
        call_url = self._call_url(f"/p/{self.quote_token}")
        csrf = parse_qs(urlsplit(call_url).query)["csrf_token"][0]
        invoice_link, invoice_token, _result = self._generate(self.invoice_th)
        other = self._new_quote()
        invoice_id = self._an_invoice_id_no_order_has(self.invoice_th)
        for path in (
            f"/p/{self.quote_token}/order/{other.id}/accept",
            f"/p/{self.quote_token}/order/{self.quote_th.id}/accept",
            f"/p/{self.quote_token}/order/{self.quote_en.id}/accept",
            f"/p/{self.customer_token}/accept",
            f"/p/{invoice_token}/accept",
            f"/p/{self.customer_token}/order/{invoice_id}/accept",
        ):
            with self.subTest(path=path):
                result = self._rpc(f"{path}?csrf_token={csrf}", self._accept_params())
                self.assertIn("cannot be opened", result["error"])
        for path in (
            f"/p/{self.quote_token}/order/{other.id}/decline",
            f"/p/{self.customer_token}/decline",
            f"/p/{invoice_token}/decline",
        ):
            with self.subTest(path=path):
                response = self._post(path, {"csrf_token": csrf})
                self.assertEqual(response.status_code, 404)
        for quote in (other, self.quote_th, self.quote_en):
            self.assertNothingChanged(quote)
        self.assertEqual(self.invoice_th.state, "posted")

    def test_get_on_the_action_urls_is_refused(self):
        """They only take a POST: a GET gets 405 (test_http_methods.py)."""
        for path in (
            f"/p/{self.quote_token}/accept",
            f"/p/{self.quote_token}/decline",
            f"/p/{self.customer_token}/order/{self.quote_th.id}/accept",
            f"/p/{self.customer_token}/order/{self.quote_th.id}/decline",
        ):
            with self.subTest(path=path):
                self.assertEqual(self._get(path).status_code, 405)
        self.assertNothingChanged(self.quote_th)

    # ------------------------------------------------------------
    # In Chromium
    # ------------------------------------------------------------

    def test_customer_signs_with_a_finger_in_chromium(self):
        """The portal signature pad loads on the page, a drawn stroke is sent, and
        the customer lands on the accepted quote.
        """
        self.start_tour(f"/p/{self.quote_token}", "jingjai_portal_quote_sign")
        self.assertEqual(self.quote_th.state, "sale")
        self.assertEqual(self.quote_th.signed_by, "Somchai Jaidee")
        self.assertTrue(self.quote_th.signature)
