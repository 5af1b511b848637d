"""A short fuzz of the /p/ routes through the test server (bench/fuzz.py: the long one).

About 300 seeded-random malformed requests: junk and unicode tokens, overlong
tokens, percent-encoded traversal and double encoding, near-miss tokens, bad ids
and pages below valid tokens, other methods. Every answer must be below 500,
every answer that reached the add-on's routes must carry the security headers,
and nothing may be logged at ERROR level meanwhile.
"""

import logging
import random
from urllib.parse import quote

from odoo.tests import HttpCase, tagged

from odoo.addons.jingjai_portal.tests.common import JingjaiPortalCommon

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": None,  # any value
}
OUR_MARK = "o_jingjai_portal"
TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
WRONG_CHARS = "+=.~!*'()$,;:@&[]{}|^`<>"
UNICODE = ("ก๐ข฿", "é", "😀", "\u200b", "\u202e", "\ufeff", "１２", "١٢", "／", "．．")
SEED = 20261126
CASES = 300


class ErrorCatcher(logging.Handler):
    """Collects what is logged at ERROR or above while installed."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@tagged("post_install", "-at_install")
class TestPortalLinkFuzz(JingjaiPortalCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_token = cls._generate(cls.customer_th)[1]
        cls.invoice_token = cls._generate(cls.invoice_th)[1]
        cls.quote_token = cls._generate(cls.quote_th)[1]
        cls.tokens = [cls.customer_token, cls.invoice_token, cls.quote_token]

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _cases(self, rnd, count):
        """``count`` (method, path) pairs, the same for a given generator state."""

        def token_like(length=22, alphabet=TOKEN_ALPHABET):
            return "".join(rnd.choice(alphabet) for _ in range(length))

        def near_miss():
            token = list(rnd.choice(self.tokens))
            position = rnd.randrange(22)
            token[position] = rnd.choice(TOKEN_ALPHABET.replace(token[position], ""))
            return "".join(token)

        def wrong_chars():
            token = list(token_like())
            for _ in range(rnd.randint(1, 3)):
                token[rnd.randrange(22)] = rnd.choice(WRONG_CHARS)
            return quote("".join(token), safe="")

        valid = self.tokens
        customer = self.customer_token
        invoice_id = self.invoice_th.id
        other_id = self.invoice_en.id
        families = [
            lambda: (
                f"/p/{''.join(f'%{b:02X}' for b in rnd.randbytes(rnd.randint(1, 40)))}"
            ),
            lambda: (
                "/p/"
                + quote("".join(rnd.choices(UNICODE, k=3)) + token_like(10), safe="")
            ),
            lambda: f"/p/{token_like(rnd.choice([23, 64, 512, 4000]))}",
            lambda: rnd.choice(
                [
                    "/p/%2e%2e/%2e%2e/web/database/manager",
                    f"/p/{rnd.choice(valid)}/%2e%2e/pdf",
                    f"/p/..%2f{rnd.choice(valid)}",
                    f"/p/{rnd.choice(valid)}%2f..%2f..%2fweb",
                    f"/p/{customer}/invoice/%2e%2e%2f{invoice_id}",
                ]
            ),
            lambda: rnd.choice(
                [
                    "/p/%252e%252e%252fetc%252fpasswd",
                    f"/p/{quote(quote(rnd.choice(valid) + '/', safe=''), safe='')}x",
                    f"/p/{rnd.choice(valid)}/invoice/%2531",
                    "/p/%25",
                    "/p/%zz" + token_like(19),
                ]
            ),
            lambda: f"/p/{wrong_chars()}",
            lambda: f"/p/{near_miss()}" + rnd.choice(["", "/pdf", "/quotes"]),
            lambda: (
                f"/p/{rnd.choice(valid)}/{rnd.choice(['invoice', 'order', 'x'])}/"
                + rnd.choice(
                    [
                        "-1",
                        "0",
                        "2147483648",
                        str(10**30),
                        "abc",
                        "1e3",
                        "%20" + "1",
                        "١٢",
                        "１",
                        str(other_id),
                        "999999999",
                    ]
                )
                + rnd.choice(["", "/pdf", "/html"])
            ),
            lambda: (
                f"/p/{rnd.choice(valid)}/"
                + rnd.choice(["quotes", "jobs", "invoices", "payments", "secret"])
                + "?page="
                + rnd.choice(["-1", "abc", "99999999", "0", "", str(2**70), "%ff"])
            ),
        ]
        cases = []
        for index in range(count):
            if index % 15 == 14:
                method = rnd.choice(["POST", "PUT", "DELETE", "OPTIONS", "HEAD"])
                cases.append((method, f"/p/{rnd.choice(valid)}"))
            else:
                cases.append(("GET", families[index % len(families)]()))
        return cases

    def _send(self, method, path):
        return self.url_open(path, method=method, allow_redirects=False, timeout=30)

    def _missing_headers(self, response):
        return [
            name
            for name, value in SECURITY_HEADERS.items()
            if response.headers.get(name) is None
            or (value and response.headers[name] != value)
        ]

    def _fuzz(self, cases):
        """Send ``cases``; return (responses, ERROR records logged meanwhile)."""
        catcher = ErrorCatcher()
        root = logging.getLogger()
        root.addHandler(catcher)
        responses = []
        try:
            for method, path in cases:
                responses.append((method, path, self._send(method, path)))
        finally:
            root.removeHandler(catcher)
        return responses, catcher.records

    def _check(self, responses, errors):
        problems = []
        for method, path, response in responses:
            status = response.status_code
            if status >= 500:
                problems.append(f"{method} {path[:120]} -> {status}")
                continue
            missing = self._missing_headers(response)
            reached_ours = OUR_MARK in response.text or len(missing) < len(
                SECURITY_HEADERS
            )
            # A GET below /p/ with a non-empty first segment always has a route
            # of ours (the catch-all answers what the others do not).
            must_be_ours = method == "GET" and "//" not in path and path != "/p/"
            if missing and (reached_ours or must_be_ours):
                problems.append(
                    f"{method} {path[:120]} -> {status} without {', '.join(missing)}"
                )
        problems += [
            f"logged {record.levelname} {record.name}: {record.getMessage()[:300]}"
            for record in errors
        ]
        self.assertFalse(problems, "\n".join(problems[:30]))

    # ------------------------------------------------------------
    # TESTS
    # ------------------------------------------------------------

    def test_fuzz_malformed_requests(self):
        """~300 seeded-random malformed requests: no 5xx, headers, no ERROR log."""
        cases = self._cases(random.Random(SEED), CASES)
        responses, errors = self._fuzz(cases)
        self.assertEqual(len(responses), CASES)
        self._check(responses, errors)
        # The fuzz did reach the add-on: mostly "not found", some real pages.
        statuses = {response.status_code for _method, _path, response in responses}
        self.assertIn(404, statuses)
        self.assertIn(200, statuses)

    def test_nul_byte_below_a_valid_token(self):
        """A NUL byte below a valid token or in the User-Agent: no 500.

        The page below the token and the user agent go into the view log, and
        PostgreSQL refuses NUL in text: _record_visit strips control characters
        first (the fuzz found this as a 500 with a traceback).
        """
        cases = [
            ("GET", f"/p/{self.customer_token}/invoice/{self.invoice_th.id}%00"),
            ("GET", f"/p/{self.invoice_token}/pdf%00.html"),
            ("GET", f"/p/{self.customer_token}/quotes%00"),
        ]
        responses, errors = self._fuzz(cases)
        # The user agent goes into the view log too.
        catcher = ErrorCatcher()
        logging.getLogger().addHandler(catcher)
        try:
            path = f"/p/{self.customer_token}"
            response = self.url_open(
                path, headers={"User-Agent": "jjb\x00fuzz"}, allow_redirects=False
            )
        finally:
            logging.getLogger().removeHandler(catcher)
        responses.append(("GET", f"{path} (NUL in User-Agent)", response))
        errors += catcher.records
        self._check(responses, errors)
        statuses = [response.status_code for _method, _path, response in responses]
        self.assertEqual(statuses, [404, 404, 404, 200])
