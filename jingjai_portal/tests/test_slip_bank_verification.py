"""Optional bank verification of slips, against a fake EasySlip on loopback.

The fake answers as EasySlip's API v1 documentation says
(https://document.easyslip.com/documents/verify/bank/payload and
https://easyslip-document.cl1.easythunder.com/en/reference/error-codes):
``GET /api/v1/verify?payload=...`` with ``Authorization: Bearer <key>``,
``{"status": 200, "data": {...}}`` on success and ``{"status": <code>,
"message": "<error code>"}`` otherwise. Slips are uploaded through the link's
real route, with the slip images of test_slip_qr.
"""

import copy
import json
import re
import socket
import threading
import time
import urllib.parse
from datetime import date, datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import BaseCase, HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.jingjai_portal.lib import slip_bank, slip_bank_easyslip, slip_qr
from odoo.addons.jingjai_portal.models import jingjai_portal_slip
from odoo.addons.jingjai_portal.tests.test_portal_link_invoice import (
    JingjaiInvoiceLinkCommon,
)
from odoo.addons.jingjai_portal.tests.test_slip_qr import slip_image

API_KEY = "test-key-0b7e1c2d-5d1a-4b8e-9c33-1f2e3d4c5b6a"
REFERENCE = "015335100425ATF08123"


INVOICE_DATE = date(2026, 11, 29)


def easyslip_success(payload, amount=1234.5, receiver_account=None, proxy=None):
    """The success answer of EasySlip's documentation, for our company's
    account (123-4-56789-0, PromptPay 0812345678) unless told otherwise, from a
    bank that shows six digits of the receiving account (the documentation's
    example shows four: see test_four_digits_of_the_account_go_to_the_accountant)."""
    receiver = {
        "bank": {"id": "004", "name": "กสิกรไทย", "short": "KBANK"},
        "account": {
            "name": {"th": "บจก. จิงใจ เทสต์ แอร์", "en": "JINGJAI TEST AIRCON"},
            "bank": {"type": "BANKAC", "account": receiver_account or "xxx-4-56789-x"},
        },
    }
    if proxy is not False:
        receiver["account"]["proxy"] = proxy or {
            "type": "MSISDN",
            "account": "xxx-xxx-5678",
        }
    if receiver_account is False:
        del receiver["account"]["bank"]
    return {
        "status": 200,
        "data": {
            "payload": payload,
            "transRef": REFERENCE,
            "date": "2026-11-30T21:15:00+07:00",
            "countryCode": "TH",
            "amount": {"amount": amount, "local": {"amount": 0, "currency": ""}},
            "fee": 0,
            "ref1": "",
            "ref2": "",
            "ref3": "",
            "sender": {
                "bank": {"id": "014", "name": "ไทยพาณิชย์", "short": "SCB"},
                "account": {
                    "name": {"th": "นาย สมชาย ใจดี", "en": "MR. SOMCHAI JAIDEE"},
                    "bank": {"type": "BANKAC", "account": "xxx-x-x4321-x"},
                },
            },
            "receiver": receiver,
        },
    }


class FakeEasySlip(BaseHTTPRequestHandler):
    """Answers the next queued ``(status, body)``; records every request."""

    answers = []
    requests = []
    delay = 0

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).requests.append(
            {"path": self.path, "authorization": self.headers.get("Authorization")}
        )
        parts = urllib.parse.urlsplit(self.path)
        if self.headers.get("Authorization") != f"Bearer {API_KEY}":
            status, body = 401, {"status": 401, "message": "unauthorized"}
        elif parts.path != "/api/v1/verify":
            status, body = 404, {"status": 404, "message": "not_found"}
        else:
            status, body = type(self).answers.pop(0)
        # After taking the answer: a late one must not take the next test's.
        if self.delay:
            time.sleep(self.delay)
        content = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
        except OSError:
            pass  # the client gave up waiting (the timeout test)

    def log_message(self, format, *args):  # noqa: A002 - http.server's name
        pass


@tagged("post_install", "-at_install")
class TestSlipBankVerification(JingjaiInvoiceLinkCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), FakeEasySlip)
        cls.server_thread = threading.Thread(
            target=cls.server.serve_forever, daemon=True
        )
        cls.server_thread.start()
        cls.addClassCleanup(cls.server.server_close)
        cls.addClassCleanup(cls.server.shutdown)
        cls.endpoint = "http://127.0.0.1:%s/api/v1/verify" % cls.server.server_port
        cls.company.write(
            {
                "jingjai_portal_bank_verification": True,
                "jingjai_portal_bank_provider": "easyslip",
                "jingjai_portal_bank_endpoint": cls.endpoint,
                "jingjai_portal_bank_api_key": API_KEY,
            }
        )
        cls.journal_bank = cls.company_data["default_journal_bank"]
        cls.journal_bank.bank_account_id = cls.account_promptpay
        # Dated before the fake bank's transfer (2026-11-30), whatever today is.
        cls.invoice = cls._invoice(
            amount=1234.5,
            invoice_user_id=cls.user_invoicing.id,
            invoice_date=INVOICE_DATE,
        )
        cls.link, cls.token, _result = cls._generate(cls.invoice)
        cls.payload = slip_qr.build("004", REFERENCE)

    def setUp(self):
        super().setUp()
        FakeEasySlip.answers = []
        FakeEasySlip.requests = []
        FakeEasySlip.delay = 0

    def _upload(self, content=None, token=None, invoice=None):
        token = token or self.token
        page = self.url_open(f"/p/{token}")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        self.assertTrue(csrf, "no slip form on the page")
        response = self.url_open(
            f"/p/{token}/slip",
            data={"csrf_token": csrf.group(1)},
            files={
                "slip": ("slip.png", content or slip_image(self.payload), "image/png")
            },
            allow_redirects=False,
            method="POST",
        )
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.env.invalidate_all()
        return self.env["jingjai.portal.slip"].search(
            [("move_id", "=", (invoice or self.invoice).id)], order="id desc", limit=1
        )

    def _answer(self, status, body):
        FakeEasySlip.answers.append((status, body))

    def _notes(self):
        return "\n".join(
            self.invoice.message_ids.filtered(
                lambda message: "Payment slip" in (message.body or "")
            ).mapped("body")
        )

    def _activity(self):
        activity_type = self.env.ref("jingjai_portal.mail_activity_type_payment_slip")
        return self.invoice.activity_ids.filtered(
            lambda activity: activity.activity_type_id == activity_type
        )

    def assertAsked(self):
        self.assertEqual(len(FakeEasySlip.requests), 1)
        request = FakeEasySlip.requests[0]
        self.assertEqual(request["authorization"], f"Bearer {API_KEY}")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(request["path"]).query)
        self.assertEqual(query, {"payload": [self.payload]})

    def assertNotRegistered(self, slip):
        self.assertEqual(slip.state, "received")
        self.assertFalse(slip.payment_id)
        self.assertEqual(self.invoice.payment_state, "not_paid")
        self.assertEqual(self.invoice.amount_residual, 1234.5)
        self.assertEqual(len(self._activity()), 1)
        page = self.url_open(f"/p/{self.token}").text
        self.assertIn("Slip received, we are checking it", page)

    # ------------------------------------------------------------
    # The bank confirms: registered and reconciled by itself
    # ------------------------------------------------------------

    def test_verified_by_the_bank_is_registered_and_reconciled(self):
        self._answer(200, easyslip_success(self.payload))
        with patch.object(jingjai_portal_slip._logger, "info") as log_info:
            slip = self._upload()
        self.assertAsked()
        self.assertRecordValues(
            slip,
            [
                {
                    "verdict": "bank_verified",
                    "bank_check": "match",
                    "state": "registered",
                    "bank_amount": 1234.5,
                    "bank_account_id": self.account_promptpay.id,
                    "bank_reference": REFERENCE,
                    "bank_provider": "EasySlip",
                    "bank_error": False,
                    "bank_transferred_at": datetime(2026, 11, 30, 14, 15),
                }
            ],
        )
        self.assertIn("บจก. จิงใจ เทสต์ แอร์", slip.bank_receiver)
        self.assertIn("xxx-4-56789-x", slip.bank_receiver)
        self.assertEqual(slip.bank_sender, "นาย สมชาย ใจดี")
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.invoice.amount_residual, 0)
        payment = slip.payment_id
        self.assertRecordValues(
            payment,
            [
                {
                    "amount": 1234.5,
                    "journal_id": self.journal_bank.id,
                    "partner_id": self.customer_en.id,
                    "is_reconciled": True,
                }
            ],
        )
        self.assertIn(REFERENCE, payment.memo)
        self.assertIn(self.invoice, payment.reconciled_invoice_ids)
        # On the transfer's day in Bangkok, not the server's (UTC) day before.
        self.assertEqual(str(payment.date), "2026-11-30")
        notes = self._notes()
        self.assertIn("Verified by EasySlip", notes)
        self.assertIn(payment.name, notes)
        self.assertNotIn("The invoice is not marked paid", notes)
        # Nothing left for the accountant to do; the customer sees it paid.
        self.assertFalse(self._activity())
        page = self.url_open(f"/p/{self.token}").text
        self.assertNotIn("Slip received, we are checking it", page)
        self.assertNotIn("o_jingjai_portal_slip_form", page)
        self.assertEqual(self.invoice._jingjai_portal_payment()["state"], "paid")
        # The API key is sent to the service only.
        log_info.assert_called_once()
        self.assertNotIn(API_KEY, repr(log_info.call_args))
        self.assertNotIn(API_KEY, notes)

    def test_one_transfer_pays_one_invoice_even_at_the_same_moment(self):
        """Two uploads of one slip for two invoices at once: each request reads
        the slips as they were when it began, so the second may not see the
        first (played here by hiding it); the second payment is refused.
        """
        self._answer(200, easyslip_success(self.payload))
        first = self._upload()
        self.assertEqual(first.state, "registered")
        other_invoice = self._invoice(amount=1234.5, invoice_date=INVOICE_DATE)
        _link, other_token, _result = self._generate(other_invoice)
        self._answer(200, easyslip_success(self.payload))
        unseen = patch.object(
            jingjai_portal_slip.JingjaiPortalSlip,
            "_find_duplicate",
            lambda slips, digest, qr: slips.browse(),
        )
        # The refused payment's unique index violation is logged by the cursor.
        with unseen, mute_logger("odoo.sql_db"):
            photo = slip_image(self.payload, "JPEG", quality=60)
            second = self._upload(photo, other_token, other_invoice)
        self.assertRecordValues(
            second,
            [{"verdict": "bank_verified", "state": "received", "payment_id": False}],
        )
        self.assertIn(
            "Another slip of this transfer paid an invoice", second.bank_error
        )
        self.assertEqual(other_invoice.payment_state, "not_paid")
        self.assertTrue(other_invoice.activity_ids)

    def test_promptpay_transfer_shown_by_proxy_only(self):
        """A PromptPay ID anyone may choose to end like ours: the bank confirms
        the transfer, the accountant checks where it went."""
        answer = easyslip_success(self.payload, receiver_account=False)
        self._answer(200, answer)
        slip = self._upload()
        self.assertRecordValues(
            slip, [{"verdict": "bank_verified", "bank_check": "weak_receiver"}]
        )
        self.assertNotRegistered(slip)
        self.assertIn("too few digits of the receiving account", self._notes())

    def test_four_digits_of_the_account_go_to_the_accountant(self):
        """As EasySlip's documentation shows it (xxx-x-x6789-x): one account in
        10,000 ends so; never registered by itself."""
        self._answer(
            200, easyslip_success(self.payload, receiver_account="xxx-x-x6789-x")
        )
        slip = self._upload()
        self.assertRecordValues(
            slip, [{"verdict": "bank_verified", "bank_check": "weak_receiver"}]
        )
        self.assertNotRegistered(slip)

    def test_a_transfer_older_than_the_invoice_is_not_its_payment(self):
        """Last month's genuine slip for the same amount pays nothing now."""
        answer = easyslip_success(self.payload)
        answer["data"]["date"] = "2026-01-02T10:00:00+07:00"
        self._answer(200, answer)
        slip = self._upload()
        self.assertRecordValues(
            slip, [{"verdict": "bank_mismatch", "bank_check": "date"}]
        )
        self.assertNotRegistered(slip)
        self.assertIn("before the invoice", self._notes())

    # ------------------------------------------------------------
    # The bank says something else: the accountant decides
    # ------------------------------------------------------------

    def test_different_amount_goes_to_the_accountant(self):
        self._answer(200, easyslip_success(self.payload, amount=1000))
        slip = self._upload()
        self.assertAsked()
        self.assertRecordValues(
            slip,
            [
                {
                    "verdict": "bank_mismatch",
                    "bank_check": "amount",
                    "bank_amount": 1000,
                    "amount_due": 1234.5,
                }
            ],
        )
        self.assertEqual(
            slip.verdict_label, "Differs from the bank's record: Different amount"
        )
        self.assertNotRegistered(slip)
        self.assertIn("this transfer was", self._notes())
        self.assertIn("1,000.00", self._notes())
        self.assertIn("1,234.50", str(self._activity().note))

    def test_different_receiver_goes_to_the_accountant(self):
        answer = easyslip_success(
            self.payload,
            receiver_account="xxx-x-x1111-x",
            proxy={"type": "MSISDN", "account": "xxx-xxx-9999"},
        )
        answer["data"]["receiver"]["account"]["name"] = {"th": "นาย โกง"}
        self._answer(200, answer)
        slip = self._upload()
        self.assertRecordValues(
            slip,
            [
                {
                    "verdict": "bank_mismatch",
                    "bank_check": "receiver",
                    "bank_account_id": False,
                }
            ],
        )
        self.assertNotRegistered(slip)
        self.assertIn("which is not one of your bank accounts", self._notes())
        self.assertIn("นาย โกง", str(self._activity().note))

    def test_right_account_wrong_promptpay_is_a_different_receiver(self):
        answer = easyslip_success(
            self.payload, proxy={"type": "MSISDN", "account": "xxx-xxx-9999"}
        )
        self._answer(200, answer)
        slip = self._upload()
        self.assertEqual(slip.bank_check, "receiver")
        self.assertNotRegistered(slip)

    def test_receiver_named_only_is_not_enough(self):
        answer = easyslip_success(self.payload, receiver_account=False, proxy=False)
        self._answer(200, answer)
        slip = self._upload()
        self.assertRecordValues(
            slip, [{"verdict": "bank_mismatch", "bank_check": "no_receiver"}]
        )
        self.assertNotRegistered(slip)

    def test_not_found_at_the_bank(self):
        self._answer(404, {"status": 404, "message": "slip_not_found"})
        slip = self._upload()
        self.assertAsked()
        self.assertRecordValues(
            slip, [{"verdict": "bank_refused", "bank_check": "not_found"}]
        )
        self.assertEqual(slip.verdict_label, "Bank says no: Transfer not found")
        self.assertNotRegistered(slip)
        self.assertIn("EasySlip does not know this transfer", self._notes())
        self.assertIn(
            "EasySlip does not know this transfer", str(self._activity().note)
        )

    def test_confirmed_but_no_journal_for_the_account(self):
        self.journal_bank.bank_account_id = False
        self._answer(200, easyslip_success(self.payload))
        slip = self._upload()
        self.assertRecordValues(
            slip, [{"verdict": "bank_verified", "bank_check": "match"}]
        )
        self.assertIn("No bank journal uses the account", slip.bank_error)
        self.assertNotRegistered(slip)
        self.assertIn("the payment was not registered by itself", self._notes())

    # ------------------------------------------------------------
    # The bank cannot be asked: the slip waits as without verification
    # ------------------------------------------------------------

    def assertNotAsked(self, slip, reason):
        self.assertRecordValues(slip, [{"verdict": "valid", "bank_check": "error"}])
        self.assertIn(reason, slip.bank_error)
        self.assertNotRegistered(slip)
        self.assertIn("EasySlip could not be asked about this transfer", self._notes())
        self.assertIn("could not be asked", str(self._activity().note))

    def test_wrong_api_key(self):
        self.company.jingjai_portal_bank_api_key = "a-key-that-was-revoked"
        slip = self._upload()
        self.assertNotAsked(slip, "the API key was refused")

    def test_quota_used_up(self):
        self._answer(403, {"status": 403, "message": "quota_exceeded"})
        slip = self._upload()
        self.assertNotAsked(slip, "quota")

    def test_service_down(self):
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            closed_port = unused.getsockname()[1]
        # A new endpoint gets the key only when it is entered again.
        self.company.jingjai_portal_bank_endpoint = (
            f"http://127.0.0.1:{closed_port}/api/v1/verify"
        )
        self.assertFalse(self.company.sudo().jingjai_portal_bank_api_key)
        self.company.jingjai_portal_bank_api_key = API_KEY
        slip = self._upload()
        self.assertNotAsked(slip, "no answer in time")

    def test_slow_service_does_not_hold_the_customer(self):
        FakeEasySlip.delay = 6
        self._answer(200, easyslip_success(self.payload))
        started = time.monotonic()
        with patch.object(jingjai_portal_slip, "BANK_TIMEOUT", 0.5):
            slip = self._upload()
        # The page and the upload take about 2 s here, the service 6 s.
        self.assertLess(time.monotonic() - started, 5)
        self.assertNotAsked(slip, "no answer in time")

    # ------------------------------------------------------------
    # Not asked at all
    # ------------------------------------------------------------

    def test_off_asks_nothing(self):
        self.company.jingjai_portal_bank_verification = False
        slip = self._upload()
        self.assertEqual(FakeEasySlip.requests, [])
        self.assertRecordValues(slip, [{"verdict": "valid", "bank_check": False}])
        self.assertNotRegistered(slip)

    def test_reused_slip_is_not_asked(self):
        self._answer(404, {"status": 404, "message": "slip_not_found"})
        self._upload()
        FakeEasySlip.requests = []
        slip = self._upload()
        self.assertEqual(FakeEasySlip.requests, [])
        self.assertRecordValues(
            slip, [{"verdict": "same_file", "bank_check": False, "state": "received"}]
        )

    def test_slip_without_qr_is_not_asked(self):
        slip = self._upload(slip_image(None))
        self.assertEqual(FakeEasySlip.requests, [])
        self.assertRecordValues(slip, [{"verdict": "no_qr", "bank_check": False}])

    # ------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------

    def test_settings(self):
        self.assertFalse(
            self.env["res.company"]
            .create({"name": "New"})
            .jingjai_portal_bank_verification,
            "off by default",
        )
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.jingjai_portal_bank_api_key, API_KEY)
        self.assertEqual(settings.jingjai_portal_bank_provider, "easyslip")
        with self.assertRaises(ValidationError):
            with self.env.cr.savepoint():
                self.company.jingjai_portal_bank_endpoint = "http://bank.example.com/v1"
                self.company.flush_recordset()
        # The key is for administrators only.
        with self.assertRaises(AccessError):
            _key = self.company.with_user(
                self.user_invoicing
            ).jingjai_portal_bank_api_key


class TestSlipBankLib(BaseCase):
    """The lib without Odoo: EasySlip's answers read, receivers compared."""

    def test_easyslip_answers(self):
        found = slip_bank_easyslip.parse_answer(200, easyslip_success("PAYLOAD"))
        self.assertEqual(found.status, slip_bank.FOUND)
        self.assertEqual(found.amount, 1234.5)
        self.assertEqual(
            found.transferred_at, datetime(2026, 11, 30, 14, 15, tzinfo=timezone.utc)
        )
        self.assertEqual(found.receiver_account, "xxx-4-56789-x")
        self.assertEqual(
            (found.receiver_proxy_type, found.receiver_proxy),
            ("mobile", "xxx-xxx-5678"),
        )
        self.assertEqual(found.bank_reference, REFERENCE)
        token = copy.deepcopy(easyslip_success("PAYLOAD"))
        token["data"]["receiver"]["account"]["bank"]["type"] = "TOKEN"
        self.assertEqual(
            slip_bank_easyslip.parse_answer(200, token).receiver_account, ""
        )
        cases = {
            (404, "slip_not_found"): (slip_bank.NOT_FOUND, ""),
            (400, "invalid_payload"): (slip_bank.NOT_FOUND, ""),
            (401, "unauthorized"): (slip_bank.ERROR, "auth"),
            (403, "application_expired"): (slip_bank.ERROR, "auth"),
            (403, "quota_exceeded"): (slip_bank.ERROR, "quota"),
            (500, "server_error"): (slip_bank.ERROR, "network"),
            (400, "something_new"): (slip_bank.ERROR, "answer"),
        }
        for (status, code), expected in cases.items():
            answer = slip_bank_easyslip.parse_answer(
                status, {"status": status, "message": code}
            )
            self.assertEqual((answer.status, answer.error), expected, code)
        no_amount = easyslip_success("PAYLOAD")
        no_amount["data"]["amount"] = {}
        self.assertEqual(
            slip_bank_easyslip.parse_answer(200, no_amount).error, "answer"
        )
        self.assertEqual(slip_bank_easyslip.parse_answer(200, ["x"]).error, "answer")

    def test_masked_numbers(self):
        match = slip_bank.digits_match
        self.assertTrue(match("xxx-x-x6789-x", "123-4-56789-0"))
        self.assertFalse(match("xxx-x-x6780-x", "123-4-56789-0"))
        self.assertTrue(match("1234xxxx5678", "123499995678"))
        self.assertFalse(match("xxx-x-xx89-x", "1234567890"), "4 digits at least")
        self.assertFalse(match("12-xxx-x6789-x", "1234567890"), "longer, not masked")
        self.assertTrue(match(slip_bank.national_mobile("66812345678"), "0812345678"))
        self.assertTrue(
            match(slip_bank.national_mobile("+66 81 234 5678"), "0812345678")
        )

    def test_receiver(self):
        ours = [
            slip_bank.OwnAccount(1, "111-1-11111-1", "", ""),
            slip_bank.OwnAccount(2, "123-4-56789-0", "mobile", "0812345678"),
        ]
        answer = slip_bank.Answer(
            status=slip_bank.FOUND,
            receiver_account="xxx-x-x6789-x",
            receiver_proxy_type="mobile",
            receiver_proxy="xxx-xxx-5678",
        )
        self.assertEqual(slip_bank.receiver_matches(answer, ours), (ours[1], "match"))
        other_proxy = slip_bank.Answer(
            status=slip_bank.FOUND,
            receiver_account="xxx-x-x6789-x",
            receiver_proxy_type="mobile",
            receiver_proxy="xxx-xxx-9999",
        )
        self.assertEqual(
            slip_bank.receiver_matches(other_proxy, ours), (None, "different")
        )
        named = slip_bank.Answer(status=slip_bank.FOUND, receiver_name="JINGJAI")
        self.assertEqual(
            slip_bank.receiver_matches(named, ours), (None, "no_identifier")
        )

    def test_endpoint_and_credential(self):
        self.assertEqual(
            slip_bank.check_endpoint("http://127.0.0.1:9/x"), "http://127.0.0.1:9/x"
        )
        for url in ("http://bank.example.com/x", "ftp://x", "", "https://"):
            with self.assertRaises(ValueError):
                slip_bank.check_endpoint(url)
        provider = slip_bank.get_provider("easyslip", "", "secret-key")
        self.assertEqual(
            provider.endpoint, slip_bank_easyslip.EasySlip.default_endpoint
        )
        self.assertNotIn("secret-key", repr(provider))
        self.assertEqual(
            slip_bank.get_provider("easyslip", "", "")
            .verify(slip_bank.Query("004", REFERENCE, payload="x"))
            .error,
            "auth",
        )
        self.assertIn("easyslip", slip_bank.providers())
