import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from unittest.mock import patch
from urllib.parse import unquote, urlsplit

import requests
from lxml import html

from odoo.tests import HttpCase, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME
from odoo.tools import config, mute_logger

from odoo.addons.jingjai_portal.tests.common import (
    JingjaiPortalCommon,
    PortalLinkHttpMixin,
)

# Per-session or per-request values that may differ between two otherwise equal pages.
VOLATILE = [
    (re.compile(r'csrf_token: "[^"]*"'), 'csrf_token: ""'),
    (re.compile(r'name="csrf_token" value="[^"]*"'), 'name="csrf_token" value=""'),
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
]


@tagged("post_install", "-at_install")
class TestPortalLinkPages(PortalLinkHttpMixin, JingjaiPortalCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_link, cls.customer_token, _result = cls._generate(cls.customer_th)
        cls.customer_en_link, cls.customer_en_token, _result = cls._generate(
            cls.customer_en
        )
        cls.quote_link, cls.quote_token, _result = cls._generate(cls.quote_th)
        cls.invoice_link, cls.invoice_token, _result = cls._generate(cls.invoice_th)

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def assertContainsName(self, body, name):
        self.assertRegex(body, rf"(?<![\w/]){re.escape(name)}(?![\w/])")

    def assertNotContainsName(self, body, name):
        self.assertNotRegex(body, rf"(?<![\w/]){re.escape(name)}(?![\w/])")

    def _normalized(self, body):
        for pattern, replacement in VOLATILE:
            body = pattern.sub(replacement, body)
        return body

    def _link_request_activities(self, record):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
                ("activity_type_id", "=", self.activity_type_link_request.id),
            ]
        )

    def _csrf_token(self, body):
        match = re.search(r'name="csrf_token" value="([^"]+)"', body)
        self.assertTrue(match, "no csrf token in the page")
        return match.group(1)

    # ------------------------------------------------------------
    # Customer-wide link
    # ------------------------------------------------------------

    def test_customer_page_shows_own_documents_only(self):
        """The customer-wide page lists the customer's quote, order, invoice and credit
        note, and nothing of the other customer.
        """
        response = self._get(f"/p/{self.customer_token}")
        self.assertEqual(response.status_code, 200)
        self.assertSecure(response)
        body = response.text
        self.assertIn("Siam Cool Building Co.", body)
        for record in (
            self.quote_th,
            self.order_th,
            self.invoice_th,
            self.credit_note_th,
        ):
            self.assertContainsName(body, record.name)
        self.assertNotIn("Evergreen Trading", body)
        for record in (self.quote_en, self.invoice_en):
            self.assertNotContainsName(body, record.name)

    def test_customer_link_sections_and_documents(self):
        """A customer-wide link opens its sections and its own documents (page and PDF),
        and answers 404 for any other document, id or section.
        """
        token = self.customer_token
        vendor_bill = self._create_invoice_for(self.customer_th, move_type="in_invoice")
        draft_invoice = self._create_invoice_for(self.customer_th, post=False)
        invoice_id = self._an_invoice_id_no_order_has(self.invoice_th)
        pages = {
            f"/p/{token}/invoices": (200, self.invoice_th.name),
            f"/p/{token}/quotes": (200, self.quote_th.name),
            f"/p/{token}/jobs": (200, self.order_th.name),
            f"/p/{token}/invoice/{self.invoice_th.id}": (200, self.invoice_th.name),
            f"/p/{token}/invoice/{self.credit_note_th.id}": (
                200,
                self.credit_note_th.name,
            ),
            f"/p/{token}/order/{self.quote_th.id}": (200, self.quote_th.name),
            f"/p/{token}/order/{self.order_th.id}": (200, self.order_th.name),
            f"/p/{token}/invoice/{self.invoice_en.id}": (404, None),
            f"/p/{token}/order/{self.quote_en.id}": (404, None),
            f"/p/{token}/invoice/{vendor_bill.id}": (404, None),
            f"/p/{token}/invoice/{draft_invoice.id}": (404, None),
            f"/p/{token}/order/{invoice_id}": (404, None),
            f"/p/{token}/invoice/-1": (404, None),
            f"/p/{token}/invoice/0": (404, None),
            f"/p/{token}/invoice/99999999999": (404, None),
            f"/p/{token}/invoice/abc": (404, None),
            f"/p/{token}/invoice/{self.invoice_th.id}/xls": (404, None),
            f"/p/{token}/nonsense": (404, None),
            f"/p/{token}/nonsense/1/2/3": (404, None),
        }
        for path, (status, name) in pages.items():
            with self.subTest(path=path):
                response = self._get(path)
                self.assertEqual(response.status_code, status)
                self.assertSecure(response, path)
                if name:
                    self.assertContainsName(response.text, name)
                if status == 404:
                    self.assertIn("o_jingjai_portal_not_found", response.text)
                    self.assertNotIn("Siam Cool Building", response.text)

    def test_customer_page_queries_do_not_grow_with_documents(self):
        """The account page costs the same SQL queries for a customer with one quote
        as for one with 25; its quotes list pages through all of them (an archived
        contact's quote included) with the total on every page.
        """
        Partner = self.env["res.partner"]
        small = Partner.create({"name": "Small Customer", "is_company": True})
        big = Partner.create({"name": "Big Customer", "is_company": True})
        contact = Partner.create({"name": "Big Contact", "parent_id": big.id})
        self._create_quote(small)
        quotes = self.env["sale.order"]
        for number in range(24):
            quotes |= self._create_quote(big, client_order_ref=f"BIG-{number:02d}")
        quotes |= self._create_quote(contact, client_order_ref="BIG-CONTACT")
        contact.action_archive()
        _link, small_token, _result = self._generate(small)
        _link, big_token, _result = self._generate(big)

        queries = []
        for token in (small_token, big_token):
            self._get(f"/p/{token}")  # warm the caches
            before = self.cr.sql_log_count
            response = self._get(f"/p/{token}")
            queries.append(self.cr.sql_log_count - before)
            self.assertEqual(response.status_code, 200)
        self.assertEqual(queries[0], queries[1], "queries for 1 and for 25 quotes")

        shown = []
        for page, expected in ((1, 20), (2, 5), (9, 0)):
            with self.subTest(page=page):
                response = self._get(f"/p/{big_token}/quotes?page={page}")
                self.assertEqual(response.status_code, 200)
                tree = html.fromstring(response.text)
                (badge,) = tree.xpath("//h1/span[contains(@class, 'badge')]")
                self.assertEqual(badge.text_content().strip(), "25")
                on_page = [
                    quote.name for quote in quotes if quote.name in response.text
                ]
                self.assertEqual(len(on_page), expected)
                shown += on_page
                if not expected:
                    self.assertIn("Nothing here", response.text)
        self.assertEqual(sorted(shown), sorted(quotes.mapped("name")))

    # ------------------------------------------------------------
    # Security headers and not found
    # ------------------------------------------------------------

    def test_every_response_carries_the_security_headers(self):
        """Pages, lists, documents, PDFs, 404s, expired and revoked pages all carry
        Cache-Control no-store, Referrer-Policy no-referrer and X-Robots-Tag.
        """
        expired_link, expired_token, _result = self._generate(self.customer_th)
        self._expire(expired_link)
        revoked_link, revoked_token, _result = self._generate(self.customer_th)
        revoked_link.action_revoke()
        token = self.customer_token
        paths = [
            f"/p/{token}",
            f"/p/{token}/invoices",
            f"/p/{token}/invoice/{self.invoice_th.id}",
            f"/p/{token}/invoice/{self.invoice_th.id}/pdf",
            f"/p/{token}/order/{self.quote_th.id}/pdf",
            f"/p/{token}/invoice/{self.invoice_en.id}",
            f"/p/{token}/invoice/-1",
            f"/p/{token}/invoice/99999999999",
            f"/p/{token}/invoice/abc",
            f"/p/{token}/nonsense/1/2/3",
            f"/p/{token}/pdf",
            f"/p/{self.quote_token}",
            f"/p/{self.quote_token}/pdf",
            f"/p/{self.invoice_token}",
            f"/p/{self.invoice_token}/pdf",
            f"/p/{secrets.token_urlsafe(16)}",
            "/p/abc",
            "/p/" + "A" * 22 + "!",
            "/p/" + "A" * 200,
            "/p/..%2Fetc",
            "/p/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
            f"/p/{expired_token}",
            f"/p/{expired_token}/invoices",
            f"/p/{revoked_token}",
            f"/p/{revoked_token}/invoice/{self.invoice_th.id}",
        ]
        for path in paths:
            with self.subTest(path=path):
                response = self._get(path)
                self.assertIn(response.status_code, (200, 404))
                self.assertSecure(response, path)

    def test_unknown_and_malformed_tokens_get_one_same_404(self):
        """Unknown and malformed tokens all answer 404 with the same page, whatever the
        input, and log nothing.
        """
        views_before = self.env["jingjai.portal.link.visit"].sudo().search_count([])
        unknown = secrets.token_urlsafe(16)
        paths = [
            f"/p/{unknown}",
            f"/p/{unknown}/invoices",
            f"/p/{unknown}/invoice/{self.invoice_th.id}",
            f"/p/{unknown}/pdf",
            "/p/abc",
            "/p/" + "A" * 22 + "!",
            "/p/" + "A" * 200,
            "/p/..%2Fetc",
            "/p/" + self.customer_token[:-1],
            "/p/" + self.customer_token + "A",
            "/p/" + self.customer_token.swapcase(),
        ]
        bodies = {}
        for path in paths:
            with self.subTest(path=path):
                response = self._get(path)
                self.assertEqual(response.status_code, 404)
                self.assertSecure(response, path)
                bodies[path] = self._normalized(response.text)
        reference = bodies[paths[0]]
        self.assertIn("Page not found", reference)
        for path, body in bodies.items():
            self.assertEqual(body, reference, f"404 body of {path} differs")
        self.assertEqual(
            self.env["jingjai.portal.link.visit"].sudo().search_count([]), views_before
        )

    # ------------------------------------------------------------
    # Single quote / single invoice links
    # ------------------------------------------------------------

    def test_quote_link_opens_only_its_quote(self):
        """A quote link shows its quote and PDF, and nothing else."""
        token = self.quote_token
        response = self._get(f"/p/{token}")
        self.assertEqual(response.status_code, 200)
        self.assertContainsName(response.text, self.quote_th.name)
        self.assertNotContainsName(response.text, self.invoice_th.name)
        self.assertNotContainsName(response.text, self.order_th.name)
        for path in (
            f"/p/{token}/order/{self.quote_th.id}",
            f"/p/{token}/order/{self.order_th.id}",
            f"/p/{token}/invoice/{self.invoice_th.id}",
            f"/p/{token}/invoices",
            f"/p/{token}/quotes",
        ):
            with self.subTest(path=path):
                response = self._get(path)
                self.assertEqual(response.status_code, 404)
                self.assertSecure(response, path)

    def test_invoice_link_opens_only_its_invoice(self):
        """An invoice link shows its invoice and PDF, and nothing else."""
        token = self.invoice_token
        response = self._get(f"/p/{token}")
        self.assertEqual(response.status_code, 200)
        self.assertContainsName(response.text, self.invoice_th.name)
        self.assertNotContainsName(response.text, self.credit_note_th.name)
        self.assertNotContainsName(response.text, self.quote_th.name)
        for path in (
            f"/p/{token}/invoice/{self.invoice_th.id}",
            f"/p/{token}/invoice/{self.credit_note_th.id}",
            f"/p/{token}/order/{self.quote_th.id}",
            f"/p/{token}/invoices",
        ):
            with self.subTest(path=path):
                response = self._get(path)
                self.assertEqual(response.status_code, 404)
                self.assertSecure(response, path)

    def test_pdf_routes(self):
        """Quote and invoice PDFs answer 200 with an inline .pdf file name; a customer
        link has no PDF of its own.
        """
        for path, record in (
            (f"/p/{self.quote_token}/pdf", self.quote_th),
            (f"/p/{self.invoice_token}/pdf", self.invoice_th),
            (
                f"/p/{self.customer_token}/invoice/{self.invoice_th.id}/pdf",
                self.invoice_th,
            ),
            (f"/p/{self.customer_token}/order/{self.order_th.id}/pdf", self.order_th),
        ):
            with self.subTest(path=path):
                response = self._get(path)
                self.assertEqual(response.status_code, 200)
                self.assertSecure(response, path)
                self.assertEqual(response.headers["Content-Type"], "application/pdf")
                disposition = response.headers["Content-Disposition"]
                self.assertTrue(disposition.startswith("inline"), disposition)
                self.assertRegex(disposition, r'filename\*?=[^;]*\.pdf"?$')
                self.assertIn(re.sub(r"\W+", "_", record.name), unquote(disposition))
        response = self._get(f"/p/{self.customer_token}/pdf")
        self.assertEqual(response.status_code, 404)

    def test_pdf_is_a_real_pdf_when_wkhtmltopdf_works(self):
        """With a working wkhtmltopdf the shared document renders as a real PDF."""
        if self.env["ir.actions.report"].get_wkhtmltopdf_state() != "ok":
            self.skipTest(
                "wkhtmltopdf is not usable here: real PDF rendering not checked"
            )
        content, filename = self.invoice_th.with_context(
            force_report_rendering=True
        )._jingjai_portal_render_pdf()
        self.assertTrue(content.startswith(b"%PDF"))
        self.assertTrue(filename.endswith(".pdf"))

    # ------------------------------------------------------------
    # Expired and revoked links
    # ------------------------------------------------------------

    def test_expired_link_shows_no_customer_data_and_offers_a_new_link(self):
        """An expired link answers an "expired" page with a request form and no customer
        or document data, on every path.
        """
        link, token, _result = self._generate(self.customer_th)
        self._expire(link)
        for path in (
            f"/p/{token}",
            f"/p/{token}/invoices",
            f"/p/{token}/invoice/{self.invoice_th.id}",
        ):
            with self.subTest(path=path):
                response = self._get(path)
                self.assertEqual(response.status_code, 200)
                self.assertSecure(response, path)
                body = response.text
                self.assertIn("This link has expired", body)
                self.assertIn("Request a new link", body)
                self.assertIn(f'action="/p/{token}/request-link"', body)
                self.assertNotIn("Siam Cool Building", body)
                self.assertNotIn("Somchai", body)
                for record in (self.quote_th, self.order_th, self.invoice_th):
                    self.assertNotContainsName(body, record.name)
        self.assertEqual(link.visit_ids.mapped("link_state"), ["expired"] * 3)

    def test_closed_link_shows_the_expired_page(self):
        """A link whose invoice was cancelled answers the "expired" page, without the
        invoice. (A paid one thanks the customer instead: test_portal_link_invoice.)
        """
        link, token, _result = self._generate(self.invoice_en)
        self.invoice_en.button_draft()
        self.invoice_en.button_cancel()
        response = self._get(f"/p/{token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("This link has expired", response.text)
        self.assertNotContainsName(response.text, self.invoice_en.name)
        self.assertNotIn("Evergreen", response.text)

    def test_request_new_link_creates_one_activity_for_the_generating_user(self):
        """POSTing the request form of an expired link leaves exactly one "new portal
        link requested" activity, for the user who made the link; a second POST adds
        none.
        """
        link, token, _result = self._generate(
            self.quote_th, user=self.user_sales_manager
        )
        self._expire(link)
        page = self._get(f"/p/{token}")
        csrf_token = self._csrf_token(page.text)
        response = self._post(f"/p/{token}/request-link", {"csrf_token": csrf_token})
        self.assertEqual(response.status_code, 200)
        self.assertSecure(response)
        self.assertIn("we got your request", response.text)
        self.assertNotContainsName(response.text, self.quote_th.name)
        activities = self._link_request_activities(self.quote_th)
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.user_sales_manager)
        self.assertIn(link.token_hint, str(activities.note))
        self.assertNotIn(token, str(activities.note))

        response = self._post(f"/p/{token}/request-link", {"csrf_token": csrf_token})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(self._link_request_activities(self.quote_th)), 1)

    @mute_logger("odoo.http")
    def test_request_new_link_without_csrf_token_is_refused(self):
        """A request POST without (or with a forged) CSRF token is refused, and leaves
        no activity.
        """
        link, token, _result = self._generate(self.customer_th)
        self._expire(link)
        self._get(f"/p/{token}")  # a session exists, as for a real visitor
        for data in ({"something": "1"}, {"csrf_token": "forged0123456789o"}):
            with self.subTest(data=data):
                response = self._post(f"/p/{token}/request-link", data)
                self.assertIn(response.status_code, (400, 403))
        self.assertFalse(self._link_request_activities(self.customer_th))

    def test_request_new_link_on_a_live_or_revoked_link_does_nothing(self):
        """Asking for a new link through an active or revoked link just redirects to the
        link (with the security headers) and leaves no activity.
        """
        revoked_link, revoked_token, _result = self._generate(self.customer_en)
        revoked_link.action_revoke()
        # the active page has no form: take the session's token from the page's script
        page = self._get(f"/p/{self.customer_en_token}")
        csrf_token = re.search(r'csrf_token: "([^"]+)"', page.text).group(1)
        for token in (self.customer_en_token, revoked_token):
            with self.subTest(token=token[-4:]):
                response = self._post(
                    f"/p/{token}/request-link", {"csrf_token": csrf_token}
                )
                self.assertEqual(response.status_code, 303)
                self.assertTrue(response.headers["Location"].endswith(f"/p/{token}"))
                self.assertSecure(response, "request-link redirect")
        self.assertFalse(self._link_request_activities(self.customer_en))

    def test_revoked_link_shows_the_revoked_page(self):
        """A revoked link answers a "revoked" page with no customer data and no form."""
        link, token, _result = self._generate(self.customer_th)
        link.action_revoke()
        for path in (
            f"/p/{token}",
            f"/p/{token}/invoice/{self.invoice_th.id}",
            f"/p/{token}/pdf",
        ):
            with self.subTest(path=path):
                response = self._get(path)
                self.assertEqual(response.status_code, 200)
                self.assertSecure(response, path)
                body = response.text
                self.assertIn("This link has been revoked", body)
                self.assertNotIn("Request a new link", body)
                self.assertNotIn("Siam Cool Building", body)
                self.assertNotContainsName(body, self.invoice_th.name)

    # ------------------------------------------------------------
    # View log
    # ------------------------------------------------------------

    def test_views_are_counted_and_the_first_one_announced_once(self):
        """Opening a link N times gives view_count N, the IPs, one first-view note, and
        a view log whose paths never contain the token.
        """
        link, token, _result = self._generate(self.customer_en)
        paths = [
            f"/p/{token}",
            f"/p/{token}",
            f"/p/{token}/invoices",
            f"/p/{token}/invoice/{self.invoice_en.id}",
            f"/p/{token}/invoice/{self.invoice_en.id}/pdf",
        ]
        for path in paths:
            self.assertEqual(self._get(path).status_code, 200, path)
        link.invalidate_recordset()
        self.assertEqual(link.view_count, len(paths))
        self.assertEqual(link.first_viewed_ip, "127.0.0.1")
        self.assertEqual(link.last_viewed_ip, "127.0.0.1")
        self.assertTrue(link.first_viewed_at)
        self.assertLessEqual(link.first_viewed_at, link.last_viewed_at)
        self.assertEqual(
            sorted(link.visit_ids.mapped("path")),
            sorted(
                [
                    "/",
                    "/",
                    "/invoices",
                    f"/invoice/{self.invoice_en.id}",
                    f"/invoice/{self.invoice_en.id}/pdf",
                ]
            ),
        )
        for view in link.visit_ids:
            self.assertNotIn(token, view.path)
            self.assertEqual(view.link_state, "active")
        notes = self._link_notes(self.customer_en, "opened for the first time")
        self.assertEqual(len(notes), 1)
        self.assertEqual(notes.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(notes.author_id, self.env.ref("base.partner_root"))

    def test_parallel_views_are_counted_exactly(self):
        """8 threads x 5 requests: 40 views and exactly one first-view note.

        In test mode Odoo serialises requests on the test cursor, so this proves the
        counting under concurrent HTTP clients, not under concurrent transactions.
        """
        link, token, _result = self._generate(self.customer_en)
        url = f"{self.base_url()}/p/{token}"
        self.env.flush_all()
        self.env.invalidate_all()

        def open_five_times(_index):
            with requests.Session() as session:
                session.cookies.set(TEST_CURSOR_COOKIE_NAME, request_key)
                return [session.get(url, timeout=60).status_code for _i in range(5)]

        with self.allow_requests():
            request_key = self.http_request_key
            with ThreadPoolExecutor(max_workers=8) as pool:
                statuses = [
                    status
                    for batch in pool.map(open_five_times, range(8))
                    for status in batch
                ]
        self.env.invalidate_all()
        self.assertEqual(statuses, [200] * 40)
        self.assertEqual(link.view_count, 40)
        self.assertEqual(
            len(self._link_notes(self.customer_en, "opened for the first time")), 1
        )

    def test_x_forwarded_for_is_ignored_without_proxy_mode(self):
        """Without proxy mode the logged IP is the peer's, not X-Forwarded-For."""
        self.assertFalse(config["proxy_mode"])
        link, token, _result = self._generate(self.customer_th)
        response = self._get(
            f"/p/{token}",
            headers={"X-Forwarded-For": "1.2.3.4", "User-Agent": "LINE/14.0"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(link.visit_ids.ip_address, "127.0.0.1")
        self.assertEqual(link.visit_ids.user_agent, "LINE/14.0")
        self.assertEqual(link.first_viewed_ip, "127.0.0.1")

    def test_x_forwarded_for_behind_a_proxy_is_logged_without_control_characters(
        self,
    ):
        """In proxy mode the logged IP is X-Forwarded-For, which anyone can write:
        a NUL there gives the page, and the view log keeps the address without it.
        """
        link, token, _result = self._generate(self.customer_th)
        with patch.dict(config.options, {"proxy_mode": True}):
            response = self._get(
                f"/p/{token}",
                headers={
                    "X-Forwarded-For": "203.0.113.9\x00",
                    "X-Forwarded-Host": urlsplit(self.base_url()).netloc,
                },
            )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(link.visit_ids.ip_address, "203.0.113.9")
        self.assertEqual(link.first_viewed_ip, "203.0.113.9")

    # ------------------------------------------------------------
    # Language and third-party resources
    # ------------------------------------------------------------

    def test_page_language_follows_the_customer(self):
        """<html lang> is th-TH for the Thai customer, en-US for the English one."""
        for token, lang in (
            (self.customer_token, "th-TH"),
            (self.customer_en_token, "en-US"),
        ):
            with self.subTest(lang=lang):
                response = self._get(f"/p/{token}")
                self.assertEqual(response.status_code, 200)
                tree = html.fromstring(response.content)
                self.assertEqual(tree.getroottree().getroot().get("lang"), lang)

    def test_pages_load_no_third_party_resource(self):
        """Scripts, stylesheets and images of every kind of page are same-origin."""
        expired_link, expired_token, _result = self._generate(self.customer_th)
        self._expire(expired_link)
        base = urlsplit(self.base_url())
        for path in (
            f"/p/{self.customer_token}",
            f"/p/{self.customer_token}/invoices",
            f"/p/{self.quote_token}",
            f"/p/{self.invoice_token}",
            f"/p/{expired_token}",
            f"/p/{secrets.token_urlsafe(16)}",
        ):
            with self.subTest(path=path):
                response = self._get(path)
                tree = html.fromstring(response.content)
                resources = [
                    *tree.xpath("//script/@src"),
                    *tree.xpath("//link/@href"),
                    *tree.xpath("//img/@src"),
                    *tree.xpath("//iframe/@src"),
                    *tree.xpath("//source/@src"),
                ]
                self.assertTrue(resources, "no resource found: is the page parsed?")
                for resource in resources:
                    url = urlsplit(resource)
                    same_origin = not url.netloc or (url.scheme, url.netloc) == (
                        base.scheme,
                        base.netloc,
                    )
                    self.assertTrue(
                        same_origin and url.scheme in ("", "http", "https"), resource
                    )
