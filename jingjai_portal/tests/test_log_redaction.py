"""No link token nor access code in any log line, at any level Odoo logs at.

The redaction is made when a log record is created (lib/log_redaction.py,
installed by the add-on's post_load hook), so every logger and every handler
gets it: werkzeug's access line, Odoo's CSRF warnings, http_routing's DEBUG
notes on odd paths, and the SQL statements of ``--log-level=debug_sql``.
"""

import http.client
import logging
import re

from odoo import netsvc
from odoo.tests import BaseCase, HttpCase, tagged

from odoo.addons.jingjai_portal.lib import log_redaction
from odoo.addons.jingjai_portal.tests.common import JingjaiPortalCommon
from odoo.addons.sms.tests.common import SMSCase

TOKEN = "Qw3rTy_uI0pAsDfGhJk-Lz"  # 22 characters, like a real token


@tagged("post_install", "-at_install")
class TestRedact(BaseCase):
    """The pure rules of lib/log_redaction.py."""

    def test_tokens_are_redacted_in_any_path_shape(self):
        lines = [
            f'127.0.0.1 - - [now] "GET /p/{TOKEN}/invoice/7 HTTP/1.1" 200 -',
            f'"GET /p//{TOKEN} HTTP/1.1"',
            f'"GET /P/{TOKEN} HTTP/1.1"',
            f'"GET /p/x/../{TOKEN} HTTP/1.1"',
            f'"GET /x/../p/{TOKEN} HTTP/1.1"',
            f"'/P/{TOKEN}' (lang: 'en_US') no lang in url and default website",
            f"CSRF validation failed on path '/p/{TOKEN}/decline'",
            f'<a href="https://erp.example.com/p/{TOKEN}">View</a>',
            f"https://line.me/R/share?text=Hello%0Ahttps%3A%2F%2Ferp%2Fp%2F{TOKEN}",
            f'INSERT INTO "sms_sms" ("body") VALUES (\'Pay: https://x/p/{TOKEN}\')',
        ]
        for line in lines:
            with self.subTest(line=line):
                redacted = log_redaction.redact(line)
                self.assertNotIn(TOKEN, redacted)
                self.assertNotIn(TOKEN[:18], redacted)
                self.assertIn(f"…{TOKEN[-4:]}", redacted)

    def test_codes_are_masked_in_sql_of_outgoing_sms_and_mail(self):
        sms = (
            '[0.321 ms] query: INSERT INTO "sms_sms" ("body", "number") VALUES '
            "('482913 is your access code for Jingjai. It works for 10 minutes.', "
            "'+66812345678')"
        )
        mail = 'UPDATE "mail_mail" SET "body_html" = \'<p><b>482913</b></p>\''
        for line in (sms, mail):
            with self.subTest(line=line):
                redacted = log_redaction.redact(line, "odoo.sql_db")
                self.assertNotIn("482913", redacted)
                self.assertIn("******", redacted)
        self.assertIn(
            "+66812345678",
            log_redaction.redact(sms, "odoo.sql_db"),
            "longer numbers are kept",
        )
        # Elsewhere six digits are just numbers.
        other = 'SELECT "id" FROM "sale_order" WHERE "id" = 482913'
        self.assertEqual(log_redaction.redact(other, "odoo.sql_db"), other)
        self.assertEqual(log_redaction.redact(sms, "odoo.http"), sms)

    def test_lines_without_a_link_are_left_alone(self):
        line = "portal link 42 generated for res.partner,7 abcdefghijklmnopqrstuv"
        self.assertEqual(log_redaction.redact(line), line)

    def test_odoo_setting_logging_up_again_keeps_the_redaction(self):
        """Odoo's init_logger() puts its own record class back as the factory
        whenever the configuration is parsed anew: that class redacts too."""
        factory = logging.getLogRecordFactory()
        try:
            logging.setLogRecordFactory(logging.LogRecord)
            netsvc.init_logger()
            self.assertIs(logging.getLogRecordFactory(), netsvc.LogRecord)
            record = logging.getLogger("werkzeug").makeRecord(
                "werkzeug", logging.INFO, __file__, 0, "GET /p/%s", (TOKEN,), None
            )
            self.assertNotIn(TOKEN, record.getMessage())
        finally:
            logging.setLogRecordFactory(factory)

    def test_records_are_redacted_when_made(self):
        """Any logger, any level, any handler: the record itself is redacted, its
        traceback too; the factory is installed once.
        """
        factory = logging.getLogRecordFactory()
        self.assertTrue(log_redaction.is_redacting(factory))
        log_redaction.install()
        self.assertIs(logging.getLogRecordFactory(), factory, "installed twice")
        for name, level in (
            ("werkzeug", logging.INFO),
            ("odoo.http", logging.WARNING),
            ("odoo.addons.http_routing.models.ir_http", logging.DEBUG),
            ("some.library", logging.ERROR),
        ):
            with self.subTest(logger=name):
                record = logging.getLogger(name).makeRecord(
                    name, level, __file__, 0, "%r on %s", ("x", f"/p/{TOKEN}"), None
                )
                self.assertNotIn(TOKEN, record.getMessage())
                self.assertIn(f"/p/…{TOKEN[-4:]}", record.getMessage())
        try:
            raise ValueError(f"bad value https://x/p/{TOKEN}")
        except ValueError as error:
            record = logging.getLogger("odoo").makeRecord(
                "odoo",
                logging.ERROR,
                __file__,
                0,
                "failed",
                (),
                (ValueError, error, None),
            )
        self.assertNotIn(TOKEN, logging.Formatter().format(record))


@tagged("post_install", "-at_install")
class TestRedactedLogs(JingjaiPortalCommon, SMSCase, HttpCase):
    """The levels found leaking: debug (http_routing) and debug_sql."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_sms_codes()

    def _raw_get(self, path):
        """GET ``path`` exactly as written (requests would resolve ``..``)."""
        self.env.flush_all()
        with self.allow_requests(all_requests=True):
            connection = http.client.HTTPConnection("127.0.0.1", self.http_port())
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                return response.status
            finally:
                connection.close()

    def assertNoSecret(self, lines, secrets, what):
        self.assertTrue(lines, f"nothing logged for {what}: the capture is broken")
        for line in lines:
            for secret in secrets:
                self.assertNotIn(secret, line, what)

    def test_debug_routing_lines_keep_no_token(self):
        """``--log-level=debug``: http_routing names the odd paths it routes."""
        _link, token, _result = self._generate(self.customer_th)
        for path in (f"/P/{token}", f"/x/../p/{token}"):
            with (
                self.subTest(path=path),
                self.assertLogs("odoo.addons.http_routing", logging.DEBUG) as logs,
            ):
                self.assertEqual(self._raw_get(path), 404)
            self.assertNoSecret(logs.output, [token, token[:18]], path)
            self.assertTrue(any(f"…{token[-4:]}" in line for line in logs.output))

    def test_debug_sql_keeps_no_token_nor_code(self):
        """``--log-level=debug_sql``: the statements writing the SMS with the
        access code, and an email with a link, are logged without either.
        """
        _link, token, _result = self._generate(self.customer_th, require_code=True)
        page = self.url_open(f"/p/{token}")
        csrf = re.search(r'csrf_token: "([^"]+)"', page.text).group(1)
        with (
            self.mockSMSGateway(),
            self.assertLogs("odoo.sql_db", logging.DEBUG) as logs,
        ):
            response = self.url_open(
                f"/p/{token}/code/send",
                data={"csrf_token": csrf},
                allow_redirects=False,
            )
            self.assertEqual(response.status_code, 303)
            code = re.search(r"\b(\d{6})\b", self._sms[-1]["body"]).group(1)
            url = f"https://erp.example.com/p/{token}"
            self.env["mail.mail"].sudo().create(
                {"body_html": f'<p><a href="{url}">Your documents</a></p>'}
            )
            self.env.flush_all()
        sms_lines = [line for line in logs.output if '"sms_sms"' in line]
        self.assertTrue(sms_lines, "the SMS statements were not captured")
        self.assertTrue(any('"mail_mail"' in line for line in logs.output))
        self.assertNoSecret(logs.output, [token, token[:18], code], "debug_sql")
