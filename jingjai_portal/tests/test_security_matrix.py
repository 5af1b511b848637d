"""The security matrix of the /p/ routes, in one place, through the test server.

Every route of ``controllers/portal_link.py`` × every link scope × own / other /
malformed ids; every GET route × every link state; POSTs without CSRF token;
customer-supplied text escaped; the security headers on every answer; no token
nor customer name in the log. The tables below say what is allowed: a cell that
is not listed as a success answers "not found".
"""

import logging
import re
import secrets
from contextlib import contextmanager

from lxml import etree, html

from odoo.tests import HttpCase, tagged

from odoo.addons.jingjai_portal.tests.quote_common import signature_b64
from odoo.addons.jingjai_portal.tests.test_portal_link_invoice import (
    JingjaiInvoiceLinkCommon,
    png_bytes,
)

SCOPES = ("customer", "quote", "invoice")
# "own": the Thai customer's quote (order routes) or invoice (invoice routes);
# "other": the other customer's; "missing": an id no record has.
ID_VARIANTS = ("own", "other", "missing", "abc", "-1", "99999999999", "1.5", "0x1")
OK = "ok"  # JSON-RPC accept: {"force_refresh": True, "redirect_url": page}
REFUSED = "refused"  # JSON-RPC accept: {"error": "…cannot be opened…"}
SUCCESSES = (200, 303, OK)

# fmt: off
# Routes with a document id: the answer for the own id, per scope
# (customer, quote, invoice). Every other id of ID_VARIANTS: 404 (REFUSED).
# A single (quote or invoice) link answers only at its root, never by id.
BY_ID = {
    "GET /p/<t>/order/<id>":                 (200, 404, 404),
    "GET /p/<t>/order/<id>/pdf":             (200, 404, 404),
    "GET /p/<t>/invoice/<id>":               (200, 404, 404),
    "GET /p/<t>/invoice/<id>/pdf":           (200, 404, 404),
    "GET /p/<t>/invoice/<id>/promptpay.png": (200, 404, 404),
    "POST /p/<t>/order/<id>/decline":        (200, 404, 404),
    "POST /p/<t>/invoice/<id>/slip":         (303, 404, 404),
    "RPC /p/<t>/order/<id>/accept":          (OK, REFUSED, REFUSED),
}
# Routes without id, per scope (customer, quote, invoice), active link that
# needs no access code (request-link and code routes then go back to the page).
NO_ID = {
    "GET /p/<t>":                (200, 200, 200),
    "GET /p/<t>/pdf":            (404, 200, 200),
    "GET /p/<t>/quotes":         (200, 404, 404),
    "GET /p/<t>/jobs":           (200, 404, 404),
    "GET /p/<t>/invoices":       (200, 404, 404),
    "GET /p/<t>/deposits":       (200, 404, 404),
    "GET /p/<t>/payments":       (200, 404, 404),
    "GET /p/<t>/nosuchsection":  (404, 404, 404),
    "GET /p/<t>/promptpay.png":  (404, 404, 200),
    "POST /p/<t>/decline":       (404, 200, 404),
    "POST /p/<t>/slip":          (404, 404, 303),
    "RPC /p/<t>/accept":         (REFUSED, OK, REFUSED),
    "POST /p/<t>/request-link":  (303, 303, 303),
    "POST /p/<t>/code/send":     (303, 303, 303),
    "POST /p/<t>/code":          (303, 303, 303),
}
# fmt: on

# Every GET route, for the link states: whatever the path, a link that is not
# active answers its state's page before looking at the path.
GET_PATHS = (
    "",
    "/pdf",
    "/quotes",
    "/jobs",
    "/invoices",
    "/deposits",
    "/payments",
    "/order/<order>",
    "/order/<order>/pdf",
    "/invoice/<invoice>",
    "/invoice/<invoice>/pdf",
    "/promptpay.png",
    "/invoice/<invoice>/promptpay.png",
)
# State -> (HTTP status, marker of the page). "closed" is the generic page of
# a declined quote, a reset invoice or an archived customer.
STATE_PAGES = {
    "expired": (
        200,
        "//*[contains(@class, 'o_jingjai_portal_unavailable')][@data-reason='expired']",
    ),
    "closed": (
        200,
        "//*[contains(@class, 'o_jingjai_portal_unavailable')][@data-reason='closed']",
    ),
    "revoked": (
        200,
        "//*[contains(@class, 'o_jingjai_portal_unavailable')][@data-reason='revoked']",
    ),
    "locked": (200, "//*[contains(@class, 'o_jingjai_portal_access_code')]"),
}
NOT_FOUND = "//*[contains(@class, 'o_jingjai_portal_not_found')]"
VOLATILE = [
    (re.compile(r'csrf_token: "[^"]*"'), 'csrf_token: ""'),
    (re.compile(r'name="csrf_token" value="[^"]*"'), 'name="csrf_token" value=""'),
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
]
XSS_REASON = "<script>alert('jj-reason')</script>\n<img src=x onerror=alert(1)>"
XSS_SIGNER = "<script>alert('jj-sign')</script><b>Bold</b>"
XSS_FILE = "<img src=x onerror=alert('jj-slip')>.png"
XSS_AGENT = "Mozilla/5.0 <script>alert('jj-agent')</script>"
XSS_PATH = "<script>alert('jj-path')<"
RAW_MARKERS = ("<script>alert(", "<img src=x", "<b>Bold</b>")


class LogCapture(logging.Handler):
    """Every record reaching the root logger at INFO or above, formatted."""

    def __init__(self):
        super().__init__(level=logging.INFO)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines = []

    def emit(self, record):
        self.lines.append((record.name, self.format(record)))


@tagged("post_install", "-at_install")
class TestSecurityMatrix(JingjaiInvoiceLinkCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # English pages and messages; quotes signed online, no prepayment.
        cls.customer_th.lang = "en_US"
        (cls.quote_th | cls.quote_en).write(
            {"require_signature": True, "require_payment": False}
        )
        # Access codes on, but only for links that ask for one.
        cls.company.write(
            {
                "jingjai_portal_access_codes": True,
                "jingjai_portal_code_channel": "sms",
                "jingjai_portal_code_threshold": 10**9,
            }
        )
        cls.tokens_seen = []
        cls.names = [cls.customer_th.name, cls.contact_th.name, cls.customer_en.name]
        targets = {
            "customer": cls.customer_th,
            "quote": cls.quote_th,
            "invoice": cls.invoice_th,
        }
        cls.token = {scope: cls._link(record) for scope, record in targets.items()}
        cls.own = {"order": cls.quote_th.id, "invoice": cls.invoice_th.id}
        cls.other = {"order": cls.quote_en.id, "invoice": cls.invoice_en.id}
        cls.env.cr.execute("SELECT max(id) FROM sale_order")
        missing_order = cls.env.cr.fetchone()[0] + 100000
        cls.env.cr.execute("SELECT max(id) FROM account_move")
        missing_move = cls.env.cr.fetchone()[0] + 100000
        cls.missing = {"order": missing_order, "invoice": missing_move}

        # ==== One link per scope and state ====
        cls.state_token = {scope: {} for scope in SCOPES}
        for scope, record in targets.items():
            link, token, _result = cls._generate(record)
            cls._expire(link)
            cls.state_token[scope]["expired"] = cls._seen(token)
            link, token, _result = cls._generate(record)
            link.action_revoke()
            cls.state_token[scope]["revoked"] = cls._seen(token)
            cls.state_token[scope]["locked"] = cls._link(record, require_code=True)
        archived = cls.env["res.partner"].create(
            {"name": "Archived Aircon Buyer Ltd", "is_company": True}
        )
        cls.names.append(archived.name)
        cls.state_token["customer"]["closed"] = cls._link(archived)
        archived.action_archive()
        cancelled = cls._fresh_quote()
        cls.state_token["quote"]["closed"] = cls._link(cancelled)
        cancelled._action_cancel()
        reset = cls._fresh_invoice()
        cls.state_token["invoice"]["closed"] = cls._link(reset)
        reset.button_draft()
        # What each page must not show, per scope.
        cls.secrets = {
            "customer": [
                *cls.names,
                cls.quote_th.name,
                cls.order_th.name,
                cls.invoice_th.name,
                cls.credit_note_th.name,
            ],
            "quote": [*cls.names, cls.quote_th.name, cancelled.name],
            "invoice": [*cls.names, cls.invoice_th.name, reset.name],
        }
        # Closed with a designed page: an accepted quote, a paid invoice.
        accepted = cls._fresh_quote()
        cls.accepted_token = cls._link(accepted)
        accepted.action_confirm()
        paid = cls._fresh_invoice()
        cls.paid_token = cls._link(paid)
        cls._register_payment(paid)
        cls.accepted, cls.paid = accepted, paid

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    @classmethod
    def _seen(cls, token):
        cls.tokens_seen.append(token)
        return token

    @classmethod
    def _link(cls, record, **kwargs):
        return cls._seen(cls._generate(record, **kwargs)[1])

    @classmethod
    def _fresh_quote(cls):
        quote = cls._create_quote(
            cls.customer_th, require_signature=True, require_payment=False
        )
        quote.action_quotation_sent()
        return quote

    @classmethod
    def _fresh_invoice(cls):
        return cls._invoice(partner=cls.customer_th, amount=500.0)

    def _request(self, method, path, data=None, files=None, json=None, **kwargs):
        if method == "RPC":
            json = {"id": 0, "jsonrpc": "2.0", "method": "call", "params": json}
            method = "POST"
        response = self.url_open(
            path,
            data=data,
            files=files,
            json=json,
            method=method,
            allow_redirects=False,
            **kwargs,
        )
        self.env.invalidate_all()
        return response

    def _csrf(self):
        page = self._request("GET", f"/p/{self.token['customer']}")
        return re.search(r'csrf_token: "([^"]+)"', page.text).group(1)

    def _send(self, route, token, record_id=None, csrf=None, reason="matrix"):
        """Send ``route`` ("METHOD /p/<t>/…") as the page would, CSRF included."""
        method, path = route.split(" ", 1)
        path = path.replace("<t>", token).replace("<id>", str(record_id))
        if method == "GET":
            return self._request("GET", path)
        if method == "RPC":
            params = {"name": "Matrix Signer", "signature": self.signature}
            return self._request("RPC", f"{path}?csrf_token={csrf}", json=params)
        data = {"csrf_token": csrf, "reason": reason}
        if path.endswith("/decline"):
            data["confirm"] = "1"  # the confirmed post, after the confirm page
        files = None
        if path.endswith("/slip"):
            files = {"slip": ("slip.png", png_bytes(), "image/png")}
        return self._request("POST", path, data=data, files=files)

    def assertSecureHeaders(self, response):
        headers = response.headers
        self.assertEqual(headers.get("Cache-Control"), "no-store")
        self.assertEqual(headers.get("Referrer-Policy"), "no-referrer")
        self.assertIn("noindex", headers.get("X-Robots-Tag", ""))

    def assertNotFound(self, response):
        self.assertEqual(response.status_code, 404, response.text[:200])
        self.assertSecureHeaders(response)
        self.assertTrue(html.fromstring(response.content).xpath(NOT_FOUND))

    def assertAnswer(self, route, response, expected, token):
        """The answer of ``route`` is ``expected`` (a status, OK or REFUSED)."""
        self.assertSecureHeaders(response)
        if route.startswith("RPC"):
            self.assertEqual(response.status_code, 200)
            result = response.json()["result"]
            if expected == OK:
                self.assertTrue(result.get("force_refresh"), result)
                self.assertTrue(result["redirect_url"].startswith(f"/p/{token}"))
            else:
                self.assertIn("cannot be opened", result.get("error", ""), result)
            return
        if expected == 404:
            self.assertNotFound(response)
            return
        self.assertEqual(response.status_code, expected, response.text[:300])
        if expected == 303:
            location = response.headers["Location"]
            self.assertRegex(location, rf"^(https?://[^/]+)?/p/{token}([/#]|$)")
            return
        content_type = response.headers["Content-Type"]
        if route.endswith("/pdf"):
            self.assertEqual(content_type, "application/pdf")
        elif route.endswith(".png"):
            self.assertEqual(content_type, "image/png")
        else:
            self.assertTrue(content_type.startswith("text/html"), content_type)
            self.assertIn("o_jingjai_portal", response.text)
            self.assertNotIn("o_jingjai_portal_not_found", response.text)
            self.assertNotIn(self.customer_en.name, response.text)

    def assertNoName(self, body, names):
        for name in names:
            self.assertNotRegex(body, rf"(?<![\w/]){re.escape(name)}(?![\w/])")

    @contextmanager
    def _no_secret_in_logs(self, extra_tokens=()):
        """Capture the root logger at INFO; then no token nor customer name."""
        capture = LogCapture()
        root = logging.getLogger()
        changed = [
            (logger, logger.level)
            for logger in (root, logging.getLogger("werkzeug"))
            if logger.getEffectiveLevel() > logging.INFO
        ]
        for logger, _level in changed:
            logger.setLevel(logging.INFO)
        root.addHandler(capture)
        try:
            yield capture
        finally:
            root.removeHandler(capture)
            for logger, level in changed:
                logger.setLevel(level)
        self.assertTrue(capture.lines, "nothing was logged: the capture is broken")
        secrets_ = [*self.tokens_seen, *extra_tokens, *self.names]
        leaks = [
            line
            for name, line in capture.lines
            # The server's log, not this test's own (a failed subTest names it).
            if not name.startswith(("odoo.tests", __name__))
            and any(text in line for text in secrets_)
        ]
        self.assertFalse(leaks, "\n".join(leaks[:20]))

    def _snapshot(self):
        """What a refused POST must leave unchanged."""
        Attachment = self.env["ir.attachment"].sudo()
        return {
            "activities": self.env["mail.activity"].sudo().search_count([]),
            "attachments": Attachment.search_count([]),
            "messages": self.env["mail.message"].sudo().search_count([]),
            "quote_th": (self.quote_th.state, bool(self.quote_th.signature)),
            "quote_en": (self.quote_en.state, bool(self.quote_en.signature)),
            "slips": len(
                (self.invoice_th | self.invoice_en).sudo().jingjai_portal_slip_ids
            ),
            "codes": self.env["jingjai.portal.access.code"].sudo().search_count([]),
            "events": self.env["jingjai.portal.access.event"].sudo().search_count([]),
            "unlocks": self.env["jingjai.portal.link.unlock"].sudo().search_count([]),
        }

    # ------------------------------------------------------------
    # 1. Routes × scopes × ids
    # ------------------------------------------------------------

    def test_routes_by_scope_and_id(self):
        """Each route × scope × id answers as BY_ID and NO_ID say."""
        self.signature = signature_b64()
        before = self._snapshot()
        successes = []
        fresh_tokens = []
        with self._no_secret_in_logs(fresh_tokens):
            csrf = self._csrf()
            for route, expectations in BY_ID.items():
                kind = "invoice" if "/invoice/" in route else "order"
                for scope, expected_own in zip(SCOPES, expectations, strict=True):
                    for variant in ID_VARIANTS:
                        token = self.token[scope]
                        record_id = {
                            "own": self.own[kind],
                            "other": self.other[kind],
                            "missing": self.missing[kind],
                        }.get(variant, variant)
                        expected = expected_own if variant == "own" else 404
                        if expected == REFUSED or (
                            variant != "own" and route.startswith("RPC")
                        ):
                            expected = REFUSED
                        if expected in SUCCESSES and not route.startswith("GET"):
                            # An action that succeeds acts on a fresh document.
                            fresh = (
                                self._fresh_invoice()
                                if kind == "invoice"
                                else self._fresh_quote()
                            )
                            record_id = fresh.id
                            successes.append((route, fresh))
                        with self.subTest(route=route, scope=scope, id=variant):
                            response = self._send(route, token, record_id, csrf)
                            self.assertAnswer(route, response, expected, token)
            for route, expectations in NO_ID.items():
                for scope, expected in zip(SCOPES, expectations, strict=True):
                    token = self.token[scope]
                    if expected in SUCCESSES and not route.startswith("GET"):
                        if route.endswith(("/decline", "/accept")):
                            fresh = self._fresh_quote()
                        elif route.endswith("/slip"):
                            fresh = self._fresh_invoice()
                        else:
                            fresh = None  # request-link, code: nothing changes
                        if fresh:
                            token = self._generate(fresh)[1]
                            fresh_tokens.append(token)
                            successes.append((route, fresh))
                    with self.subTest(route=route, scope=scope):
                        response = self._send(route, token, csrf=csrf)
                        self.assertAnswer(route, response, expected, token)
        # The successes did what they say, on their fresh document only.
        self.assertEqual(len(successes), 6)
        for route, record in successes:
            with self.subTest(route=route, done=record.display_name):
                record.invalidate_recordset()
                if route.endswith("/decline"):
                    self.assertEqual(record.state, "cancel")
                elif route.endswith("/accept"):
                    self.assertEqual(record.state, "sale")
                    self.assertEqual(record.signed_by, "Matrix Signer")
                else:
                    self.assertEqual(len(record.sudo().jingjai_portal_slip_ids), 1)
        # Nothing else changed: the fixtures' documents are untouched.
        after = self._snapshot()
        for key in ("quote_th", "quote_en", "slips", "codes", "unlocks"):
            self.assertEqual(after[key], before[key], key)

    # ------------------------------------------------------------
    # 2. Link states × GET routes; unknown token
    # ------------------------------------------------------------

    def test_link_states_on_every_get_route(self):
        """Expired, closed, revoked and locked links answer their page on every
        GET route, without customer data; an unknown token one 404 page.
        """
        ids = {"<order>": str(self.quote_th.id), "<invoice>": str(self.invoice_th.id)}

        def path_of(token, path):
            for placeholder, value in ids.items():
                path = path.replace(placeholder, value)
            return f"/p/{token}{path}"

        unknown = secrets.token_urlsafe(16)[:22]
        with self._no_secret_in_logs([unknown]):
            for scope in SCOPES:
                for state, (status, marker) in STATE_PAGES.items():
                    token = self.state_token[scope][state]
                    for path in GET_PATHS:
                        with self.subTest(scope=scope, state=state, path=path):
                            response = self._request("GET", path_of(token, path))
                            self.assertEqual(response.status_code, status)
                            self.assertSecureHeaders(response)
                            tree = html.fromstring(response.content)
                            self.assertTrue(tree.xpath(marker), response.text[:300])
                            self.assertNoName(response.text, self.secrets[scope])
            designed = (
                (
                    "quote",
                    self.accepted_token,
                    self.accepted,
                    "o_jingjai_portal_accepted",
                ),
                ("invoice", self.paid_token, self.paid, "o_jingjai_portal_paid"),
            )
            for scope, token, record, marker in designed:
                for path in GET_PATHS:
                    with self.subTest(
                        scope=scope, state="closed (designed)", path=path
                    ):
                        response = self._request("GET", path_of(token, path))
                        self.assertEqual(response.status_code, 200)
                        self.assertSecureHeaders(response)
                        if path == "/pdf":
                            self.assertEqual(
                                response.headers["Content-Type"], "application/pdf"
                            )
                            continue
                        self.assertIn(marker, response.text)
                        self.assertIn(record.name, response.text)
                        # The designed page names the document, not the others.
                        self.assertNoName(
                            response.text,
                            [
                                self.quote_th.name,
                                self.invoice_th.name,
                                self.contact_th.name,
                            ],
                        )
            bodies = set()
            csrf = self._csrf()
            posts = ("/request-link", "/decline", "/slip", "/code/send", "/code")
            for method, path in [("GET", p) for p in GET_PATHS] + [
                ("POST", p) for p in posts
            ]:
                with self.subTest(state="unknown token", method=method, path=path):
                    response = self._request(
                        method,
                        path_of(unknown, path),
                        data={"csrf_token": csrf} if method == "POST" else None,
                    )
                    self.assertNotFound(response)
                    self.assertNoName(response.text, self.secrets["customer"])
                    body = response.text
                    for pattern, replacement in VOLATILE:
                        body = pattern.sub(replacement, body)
                    bodies.add(body)
            self.assertEqual(len(bodies), 1, "one not-found page for every route")

    # ------------------------------------------------------------
    # 3. POSTs without CSRF token
    # ------------------------------------------------------------

    def test_posts_without_csrf_token_are_refused(self):
        """No token, or a forged one: 400/403 and nothing changes."""
        self.signature = signature_b64()
        customer, quote, invoice = (self.token[scope] for scope in SCOPES)
        expired = self.state_token["customer"]["expired"]
        locked = self.state_token["customer"]["locked"]
        posts = [
            f"/p/{expired}/request-link",
            f"/p/{quote}/decline",
            f"/p/{customer}/order/{self.quote_th.id}/decline",
            f"/p/{invoice}/slip",
            f"/p/{customer}/invoice/{self.invoice_th.id}/slip",
            f"/p/{locked}/code/send",
            f"/p/{locked}/code",
        ]
        self._csrf()  # a session, as a visitor who opened a page has
        before = self._snapshot()
        with self._no_secret_in_logs():
            for path in posts:
                for forged in (None, "forged0123456789o9999999999"):
                    with (
                        self.subTest(path=path, csrf=forged),
                        self.assertLogs("odoo.http", "WARNING") as logs,
                    ):
                        data = {"reason": "x", "code": "123456"}
                        if forged:
                            data["csrf_token"] = forged
                        response = self._request(
                            "POST",
                            path,
                            data=data,
                            files={"slip": ("s.png", png_bytes(), "image/png")}
                            if path.endswith("/slip")
                            else None,
                        )
                        self.assertIn(response.status_code, (400, 403))
                        # Headers: test_csrf_refusal_has_the_security_headers.
                        self.assertNotIn(
                            "jingjai_portal_unlock",
                            response.headers.get("Set-Cookie", ""),
                        )
                    self.assertFalse(
                        [line for line in logs.output if path in line],
                        "the token is in Odoo's CSRF warning",
                    )
            for path in (
                f"/p/{quote}/accept",
                f"/p/{customer}/order/{self.quote_th.id}/accept",
            ):
                for url in (path, f"{path}?csrf_token=forged0123456789o9999999999"):
                    with self.subTest(path=url):
                        response = self._request(
                            "RPC",
                            url,
                            json={"name": "Forged", "signature": self.signature},
                        )
                        self.assertSecureHeaders(response)
                        self.assertIn("reload", response.json()["result"]["error"])
        self.assertEqual(self._snapshot(), before)

    def test_csrf_refusal_has_the_security_headers(self):
        """Odoo's own 400 for a form posted to /p/ without CSRF token is a /p/
        response too: it must carry the headers.
        """
        self._csrf()
        paths = [
            f"/p/{self.token['quote']}/decline",
            f"/p/{self.token['invoice']}/slip",
            f"/p/{self.state_token['customer']['expired']}/request-link",
            f"/p/{self.state_token['customer']['locked']}/code/send",
            f"/p/{self.state_token['customer']['locked']}/code",
        ]
        for path in paths:
            with (
                self.subTest(path=path),
                self.assertLogs("odoo.http", "WARNING"),
            ):
                response = self._request("POST", path, data={"reason": "x"})
                self.assertEqual(response.status_code, 400)
                self.assertSecureHeaders(response)

    # ------------------------------------------------------------
    # 4. Customer-supplied text is escaped
    # ------------------------------------------------------------

    def assertEscaped(self, text, where):
        for raw in RAW_MARKERS:
            self.assertNotIn(raw, text or "", where)

    def test_customer_text_is_escaped(self):
        """Decline reason, signer name, slip file name, User-Agent and path."""
        self.signature = signature_b64()
        customer = self.token["customer"]
        csrf = self._csrf()

        # Decline reason: in the note, and in the page that keeps a too-long one.
        quote = self._fresh_quote()
        path = f"/p/{customer}/order/{quote.id}/decline"
        response = self._request(
            "POST", path, data={"csrf_token": csrf, "reason": XSS_REASON + "x" * 2001}
        )
        self.assertEqual(response.status_code, 400)
        self.assertSecureHeaders(response)
        self.assertEscaped(response.text, "too-long reason page")
        self.assertIn("&lt;script&gt;alert(", response.text)
        response = self._request(
            "POST", path, data={"csrf_token": csrf, "reason": XSS_REASON}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEscaped(response.text, "decline confirmation page")
        response = self._request(
            "POST",
            path,
            data={"csrf_token": csrf, "reason": XSS_REASON, "confirm": "1"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEscaped(response.text, "declined page")
        (note,) = self._link_notes(quote, "declined through portal link")
        self.assertEscaped(note.body, "decline note")
        self.assertIn("&lt;script&gt;alert('jj-reason')&lt;/script&gt;", note.body)

        # Signer name: in the note and on the accepted page.
        quote = self._fresh_quote()
        quote_token = self._link(quote)
        response = self._request(
            "RPC",
            f"/p/{quote_token}/accept?csrf_token={csrf}",
            json={"name": XSS_SIGNER, "signature": self.signature},
        )
        self.assertTrue(response.json()["result"].get("force_refresh"), response.text)
        self.assertEqual(quote.signed_by, XSS_SIGNER)
        (note,) = self._link_notes(quote, "accepted by")
        self.assertEscaped(note.body, "accept note")
        self.assertIn("&lt;b&gt;Bold&lt;/b&gt;", note.body)
        page = self._request("GET", f"/p/{quote_token}")
        self.assertIn("o_jingjai_portal_accepted", page.text)
        self.assertEscaped(page.text, "accepted page")
        self.assertIn("&lt;b&gt;Bold&lt;/b&gt;", page.text)

        # Slip file name: in the note, the attachment and the invoice page.
        invoice = self._fresh_invoice()
        response = self._request(
            "POST",
            f"/p/{customer}/invoice/{invoice.id}/slip",
            data={"csrf_token": csrf},
            files={"slip": (XSS_FILE, png_bytes(), "image/png")},
        )
        self.assertEqual(response.status_code, 303)
        (note,) = self._link_notes(invoice, "Payment slip")
        self.assertEscaped(note.body, "slip note")
        self.assertIn("&lt;img src=x", note.body)
        page = self._request("GET", f"/p/{customer}/invoice/{invoice.id}")
        self.assertEqual(page.status_code, 200)
        self.assertEscaped(page.text, "invoice page after the slip")

        # User-Agent and path: stored as plain text, shown as plain text.
        link, fresh_token, _result = self._generate(self._fresh_quote())
        self.tokens_seen.append(fresh_token)
        response = self._request(
            "GET",
            f"/p/{fresh_token}/{XSS_PATH}/x",
            headers={"User-Agent": XSS_AGENT},
        )
        self.assertNotFound(response)
        self.assertEscaped(response.text, "not-found page")
        self.assertEqual(link.visit_ids.user_agent, XSS_AGENT)
        self.assertIn("<script>alert('jj-path')<", link.visit_ids.path)
        fields = self.env["jingjai.portal.link.visit"].fields_get(
            ["user_agent", "path"]
        )
        self.assertEqual({field["type"] for field in fields.values()}, {"char"})
        arch = self.env["jingjai.portal.link"].get_view(view_type="form")["arch"]
        for name in ("user_agent", "path"):
            for node in etree.fromstring(arch).xpath(f"//field[@name='{name}']"):
                self.assertFalse(node.get("widget"), f"{name} shown with a widget")
        # Chatter of every record touched: no raw markup from a visitor.
        Message = self.env["mail.message"].sudo()
        for raw in RAW_MARKERS:
            with self.subTest(raw=raw):
                self.assertFalse(Message.search([("body", "like", raw)]))
