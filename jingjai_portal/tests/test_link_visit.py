import json

from lxml import html

from odoo.tests import HttpCase, tagged

from odoo.addons.jingjai_portal.lib.link_visit import (
    VISIT_PAGE,
    VISIT_PDF,
    VISIT_UNLOCK,
    LinkRefused,
    LinkVisit,
)
from odoo.addons.jingjai_portal.lib.portal_link_urls import PortalLinkUrls
from odoo.addons.jingjai_portal.tests.quote_common import QuoteLinkCommon


@tagged("post_install", "-at_install")
class TestLinkVisit(QuoteLinkCommon):
    """``jingjai.portal.link._visit``: the one decision of what a visitor gets,
    a visit or one typed refusal, straight on the model (the page tests drive
    the routes that map it).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_sms_codes()
        cls.customer_link, cls.customer_token, _result = cls._generate(cls.customer_th)

    def _visit(self, link, token, purpose=VISIT_PAGE, path="/", **kwargs):
        return link._visit(token, path, purpose, **kwargs)

    def _refusal(self, link, token, purpose=VISIT_PAGE, **kwargs):
        with self.assertRaises(LinkRefused) as caught:
            self._visit(link, token, purpose, **kwargs)
        return caught.exception

    def _accept(self, quote, link):
        quote.sudo()._jingjai_portal_accept(
            link, "Somchai Jaidee", self.signature, "203.0.113.7"
        )
        link.invalidate_recordset()

    # ------------------------------------------------------------
    # VISITS
    # ------------------------------------------------------------

    def test_active_link_opens_its_own_record(self):
        quote = self._new_quote()
        link, token, result = self._generate(quote)
        visit = self._visit(link, token)
        self.assertIsInstance(visit, LinkVisit)
        self.assertEqual(visit.link_sudo, link)
        self.assertEqual(visit.record, quote)
        self.assertEqual(visit.kind, "order")
        self.assertEqual(visit.urls.page, f"/p/{token}")
        self.assertEqual(visit.urls.pdf, f"/p/{token}/pdf")
        self.assertEqual(visit.urls.accept, f"/p/{token}/accept")
        self.assertEqual(visit.urls.request_link, f"/p/{token}/request-link")
        self.assertIsNone(visit.home_url, "the link's own page has no way back")
        self.assertEqual(result["url"], f"{quote.get_base_url()}{visit.urls.home}")
        self.assertEqual(link._get_url(token), result["url"])
        self.assertNotIn(token, repr(visit.urls), "a repr may reach a log line")

    def test_customer_wide_link_opens_the_documents_it_lists(self):
        link, token = self.customer_link, self.customer_token
        visit = self._visit(link, token)
        self.assertEqual((visit.record, visit.kind), (self.customer_th, "customer"))
        self.assertEqual(visit.urls.section("invoices"), f"/p/{token}/invoices")

        invoice = self.invoice_th
        visit = self._visit(
            link, token, document_type="invoice", document_id=str(invoice.id)
        )
        self.assertEqual((visit.record, visit.kind), (invoice, "invoice"))
        page = f"/p/{token}/invoice/{invoice.id}"
        self.assertEqual(visit.urls.page, page)
        self.assertEqual(visit.urls.slip, f"{page}/slip")
        self.assertEqual(visit.urls.transaction, f"{page}/transaction")
        self.assertEqual(visit.urls.return_key, page.removeprefix("/p/"))
        self.assertEqual(visit.home_url, f"/p/{token}")
        # Leading zeros name the same document; its page has the plain id.
        visit = self._visit(
            link, token, document_type="invoice", document_id=f"00{invoice.id}"
        )
        self.assertEqual(visit.urls.page, page)

    def test_finding_and_deciding_write_nothing(self):
        """Deciding is reading: the route records the view, as its own step."""
        quote = self._new_quote()
        link, token, _result = self._generate(quote)
        notes = len(quote.message_ids)
        self._visit(link, token)
        self._refusal(link, token, document_type="invoice")
        link.invalidate_recordset()
        self.assertEqual(link.view_count, 0)
        self.assertFalse(link.first_view_posted)
        quote.invalidate_recordset(["message_ids"])
        self.assertEqual(len(quote.message_ids), notes)

    # ------------------------------------------------------------
    # REFUSALS
    # ------------------------------------------------------------

    def test_unknown_document_is_refused_as_unknown(self):
        link, token = self.customer_link, self.customer_token
        other = self.invoice_en
        for document_type, document_id in (
            ("invoice", str(other.id)),  # another customer's
            ("invoice", "x1"),
            ("invoice", "0"),
            ("invoice", "1234567890"),
            ("jobs", str(self.invoice_th.id)),
        ):
            with self.subTest(document_type=document_type, document_id=document_id):
                refusal = self._refusal(
                    link, token, document_type=document_type, document_id=document_id
                )
                self.assertEqual(refusal.kind, LinkRefused.UNKNOWN)
                self.assertIsNone(refusal.message)
        # A route about an invoice, under a link to a quote.
        quote = self._new_quote()
        quote_link, quote_token, _result = self._generate(quote)
        refusal = self._refusal(quote_link, quote_token, document_type="invoice")
        self.assertEqual(refusal.kind, LinkRefused.UNKNOWN)

    def test_expired_and_revoked_links_say_why(self):
        quote = self._new_quote()
        link, token, _result = self._generate(quote)
        self._expire(link)
        for purpose in (VISIT_PAGE, VISIT_PDF, VISIT_UNLOCK):
            with self.subTest(purpose=purpose):
                refusal = self._refusal(link, token, purpose)
                self.assertEqual(refusal.kind, LinkRefused.EXPIRED)
                self.assertIn("expired", refusal.message)
                self.assertIsNone(refusal.closed_page)
                self.assertFalse(refusal.serves_pdf)
                self.assertEqual(refusal.urls.request_link, f"/p/{token}/request-link")

        quote = self._new_quote()
        link, token, _result = self._generate(quote)
        link.sudo(False).action_revoke()
        link.invalidate_recordset()
        refusal = self._refusal(link, token, VISIT_PDF)
        self.assertEqual(refusal.kind, LinkRefused.REVOKED)
        self.assertIn("revoked", refusal.message)

    def test_closed_links_without_a_closed_page(self):
        """A quote cancelled by staff closes its link with the generic page."""
        quote = self._new_quote()
        link, token, _result = self._generate(quote)
        quote._action_cancel()
        link.invalidate_recordset()
        refusal = self._refusal(link, token, VISIT_PDF)
        self.assertEqual(refusal.kind, LinkRefused.CLOSED)
        self.assertIn("closed", refusal.message)
        self.assertIsNone(refusal.closed_page)
        self.assertFalse(refusal.serves_pdf)

    def test_a_closed_link_to_an_accepted_quote_still_serves_its_pdf(self):
        """The closed-PDF rule: the accepted quote's closed page offers the PDF,
        so the link serves it, and nothing else; only while its time runs."""
        quote = self._new_quote()
        link, token, _result = self._generate(quote)
        self._accept(quote, link)
        self.assertEqual(link.state, "closed")

        refusal = self._refusal(link, token, VISIT_PAGE)
        self.assertEqual(refusal.kind, LinkRefused.CLOSED)
        self.assertIn("accepted", refusal.message)
        template, values = refusal.closed_page
        self.assertEqual(template, quote._jingjai_portal_page_template)
        self.assertEqual(values["page_url"], f"/p/{token}")
        self.assertTrue(refusal.serves_pdf)

        visit = self._visit(link, token, VISIT_PDF, path="/pdf")
        self.assertEqual(visit.record, quote)
        # A document route's PDF is no "link's own PDF".
        refusal = self._refusal(
            link, token, VISIT_PAGE, document_type="order", document_id=str(quote.id)
        )
        self.assertEqual(refusal.kind, LinkRefused.CLOSED)

        self._expire(link)
        refusal = self._refusal(link, token, VISIT_PDF)
        self.assertEqual(refusal.kind, LinkRefused.CLOSED)
        self.assertIsNone(refusal.closed_page, "the link's own time ran out")
        self.assertIn("expired", refusal.message)

    def test_a_quote_declined_online_says_so_and_serves_no_pdf(self):
        quote = self._new_quote()
        link, token, _result = self._generate(quote)
        quote.sudo()._jingjai_portal_decline(link, "Too expensive", "203.0.113.8")
        link.invalidate_recordset()
        refusal = self._refusal(link, token, VISIT_PDF)
        self.assertEqual(refusal.kind, LinkRefused.CLOSED)
        self.assertEqual(refusal.closed_page[0], "jingjai_portal.page_quote_declined")
        self.assertFalse(refusal.serves_pdf)

    def test_a_link_with_a_code_asks_for_it_first(self):
        quote = self._new_quote()
        link, token, _result = self._generate(quote, require_code=True)
        self.assertTrue(link.requires_code)
        for unlock_secret in (None, "not-a-secret"):
            with self.subTest(unlock_secret=unlock_secret):
                refusal = self._refusal(
                    link, token, VISIT_PDF, path="/pdf", unlock_secret=unlock_secret
                )
                self.assertEqual(refusal.kind, LinkRefused.CODE_REQUIRED)
                self.assertEqual(refusal.path, "/pdf")
                self.assertIsNone(refusal.message, "an active link: reload to see")
                self.assertEqual(refusal.urls.code_send, f"/p/{token}/code/send")
        # Sending and checking the code is what a locked browser may do.
        self.assertEqual(self._visit(link, token, VISIT_UNLOCK).record, quote)

        # Closed with its own page: the code first, then the closed-PDF rule.
        self._accept(quote, link)
        refusal = self._refusal(link, token, VISIT_PDF)
        self.assertEqual(refusal.kind, LinkRefused.CODE_REQUIRED)
        self.assertIn("accepted", refusal.message)
        self.assertEqual(self._visit(link, token, VISIT_UNLOCK).record, quote)
        # Expired: the state comes before the code.
        self._expire(link)
        refusal = self._refusal(link, token, VISIT_UNLOCK)
        self.assertEqual(refusal.kind, LinkRefused.CLOSED)


@tagged("post_install", "-at_install")
class TestLinkVisitRoutes(QuoteLinkCommon, HttpCase):
    """The routes map a refusal to their kind of answer, a page or
    ``{'error': message}``, and build their URLs from the one builder."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.quote_link, cls.quote_token, _result = cls._generate(cls.quote_th)

    def _get(self, path):
        response = self.url_open(path, allow_redirects=False)
        self.env.invalidate_all()
        return response

    def _call_url(self, response):
        props = html.fromstring(response.content).xpath(
            "//owl-component[@name='portal.signature_form']/@props"
        )
        self.assertEqual(len(props), 1, "one signature pad on the page")
        return json.loads(props[0])["callUrl"]

    def test_refusals_as_pages_and_as_json(self):
        token = self.quote_token
        urls = PortalLinkUrls(token)
        page = self._get(urls.home)
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page.headers["Cache-Control"], "no-store")
        self.assertIn(f'action="{urls.decline}"', page.text)
        self.assertIn(f'href="{urls.pdf}"', page.text)
        call_url = self._call_url(page)
        self.assertTrue(call_url.startswith(f"{urls.accept}?csrf_token="))
        self.assertEqual(self.quote_link.view_count, 1, "the route records the view")

        self.quote_link.sudo(False).action_revoke()
        self.env.invalidate_all()
        page = self._get(urls.home)
        self.assertEqual(page.status_code, 200)
        self.assertIn('data-reason="revoked"', page.text)
        self.assertEqual(page.headers["X-Frame-Options"], "DENY")
        # The same refusal, for a JSON call: its message.
        result = self.make_jsonrpc_request(
            call_url, {"name": "Somchai Jaidee", "signature": self.signature}
        )
        self.assertEqual(
            result["error"],
            self.quote_link.with_context(
                lang=self.customer_th.lang
            )._get_refusal_message(),
            "the link's own message, in its customer's language",
        )
        self.assertEqual(self.quote_th.state, "sent")

        unknown = self._get(f"/p/{'x' * 22}")
        self.assertEqual(unknown.status_code, 404)
        self.assertEqual(unknown.headers["Cache-Control"], "no-store")
