"""Access codes: generation rules, the code page and every limit at its boundary.

Everything goes through the real routes of the test server, forms with their CSRF
token, SMS through Odoo's sms module (its test gateway) and email through a mail
template (the mail gateway mock). Time moves with freezegun, in the test and in
the server thread alike.
"""

import re
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

import pytz
from freezegun import freeze_time
from lxml import html

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tests.common import Opener
from odoo.tools import config, mute_logger

from odoo.addons.jingjai_portal.controllers.portal_link import UNLOCK_COOKIE
from odoo.addons.jingjai_portal.lib import access_code as code_rules
from odoo.addons.jingjai_portal.tests.common import JingjaiPortalCommon
from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.sms.tests.common import SMSCase
from odoo.addons.sms.tools.sms_api import SmsApi

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
SEND_LOGGER = "odoo.addons.jingjai_portal.models.jingjai_portal_link_access_code"


@tagged("post_install", "-at_install")
class TestAccessCodes(JingjaiPortalCommon, SMSCase, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "jingjai_portal_access_codes": True,
                "jingjai_portal_code_channel": "sms",
                "jingjai_portal_code_threshold": 500000,
                "jingjai_portal_code_unlock_hours": 12,
                "email": "hello@jingjai-aircon.example.com",
            }
        )
        Partner = cls.env["res.partner"]
        cls.customer_mobile = Partner.create(
            {
                "name": "Chaiyo Mobile Service",
                "is_company": True,
                "lang": "en_US",
                "phone": "081-234-5678",
                "email": "chaiyo@mobile.example.com",
                "country_id": cls.env.ref("base.th").id,
            }
        )
        cls.customer_unreachable = Partner.create(
            {"name": "Silent Partner Co.", "is_company": True, "lang": "en_US"}
        )

    def setUp(self):
        super().setUp()
        # On a whole minute, a little after the links made in setUpClass, so
        # the times the pages show are easy to predict.
        self.start = (fields.Datetime.now() + 2 * MINUTE).replace(
            second=0, microsecond=0
        )

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _code_link(self, record=None, **kwargs):
        """A link to ``record`` (the mobile customer) that requires a code."""
        link, token, _result = self._generate(
            record or self.customer_mobile, require_code=True, **kwargs
        )
        self.assertTrue(link.requires_code)
        return link, token

    def _get(self, path):
        response = self.url_open(path, allow_redirects=False)
        self.env.invalidate_all()
        return response

    def _post(self, path, data):
        response = self.url_open(path, data=data, allow_redirects=False, method="POST")
        self.env.invalidate_all()
        return response

    def _csrf(self, token):
        page = self._get(f"/p/{token}")
        return re.search(r'csrf_token: "([^"]+)"', page.text).group(1)

    def _send(self, token, **data):
        return self._post(
            f"/p/{token}/code/send", {"csrf_token": self._csrf(token), **data}
        )

    def _check(self, token, code, **data):
        return self._post(
            f"/p/{token}/code",
            {"csrf_token": self._csrf(token), "code": code, **data},
        )

    def _sent_code(self, index=-1):
        return re.search(r"\b(\d{6})\b", self._sms[index]["body"]).group(1)

    def _mailed_code(self):
        return re.search(r">\s*(\d{6})\s*<", self._mails[-1]["body"]).group(1)

    @staticmethod
    def _wrong(code):
        return f"{(int(code) + 1) % 10**6:06d}"

    def _unlock(self, token):
        """Send a code by SMS and enter it; return the answer to the code."""
        with self.mockSMSGateway():
            self.assertEqual(self._send(token).status_code, 303)
            return self._check(token, self._sent_code())

    @staticmethod
    def _text(response):
        """The page's text as a reader sees it: no tags, single spaces."""
        body = html.fromstring(response.content).body
        return " ".join(body.text_content().split())

    def _status(self, response):
        """The code page's status, or None when the response is not the code page."""
        tree = html.fromstring(response.content)
        pages = tree.xpath("//*[contains(@class, 'o_jingjai_portal_access_code')]")
        return pages[0].get("data-status") if pages else None

    def assertCodePage(self, response, status=None, http_status=200):
        self.assertEqual(response.status_code, http_status, response.text[:300])
        self.assertIsNotNone(self._status(response), "not the code page")
        if status:
            self.assertEqual(self._status(response), status)
        self.assertEqual(response.headers.get("Cache-Control"), "no-store")

    def assertOpens(self, token, text):
        response = self._get(f"/p/{token}")
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(self._status(response), "the code page is still shown")
        self.assertIn(text, response.text)

    def _unlock_cookie(self, response):
        """``(value, attributes)`` of the unlock cookie the response sets."""
        for header in response.raw.headers.getlist("Set-Cookie"):
            if header.startswith(f"{UNLOCK_COOKIE}="):
                pair, _separator, attributes = header.partition(";")
                return pair.split("=", 1)[1], attributes
        self.fail("no unlock cookie set")

    @contextmanager
    def _other_browser(self):
        """Requests from a second browser: its own session, no cookie of ours."""
        first = self.opener
        self.opener = Opener(self)
        try:
            yield self.opener
        finally:
            self.opener = first

    def _behind_a_proxy(self):
        """Turn on Odoo's proxy mode for this test: the visitor's IP address is
        then the X-Forwarded-For of the request, as behind a reverse proxy.
        """
        self.startPatcher(patch.dict(config.options, {"proxy_mode": True}))

    def _new_browser(self, ip):
        """Another browser (its own session and cookies) at the address ``ip``,
        as the reverse proxy reports it (see :meth:`_behind_a_proxy`).
        """
        browser = Opener(self)
        browser.headers.update(
            {
                "X-Forwarded-For": ip,
                "X-Forwarded-Host": urlsplit(self.base_url()).netloc,
            }
        )
        return browser

    @contextmanager
    def _using(self, browser):
        """Send the requests of the block from ``browser``."""
        first, self.opener = self.opener, browser
        try:
            yield browser
        finally:
            self.opener = first

    def _wear_out(self, token, code, count=code_rules.MAX_TRIES_PER_CODE):
        """Enter ``count`` wrong codes; return the last answer."""
        for _try in range(count):
            response = self._check(token, self._wrong(code))
        return response

    def _events(self, link, event_type):
        return link.access_event_ids.filtered(
            lambda event: event.event_type == event_type
        )

    def _bangkok_when(self, value):
        """``value`` as the code page says when it comes: the time alone on the
        visitor's day (in Bangkok, frozen time), else the date too."""
        bangkok = pytz.timezone("Asia/Bangkok")
        local = bangkok.fromutc(value)
        today = bangkok.fromutc(fields.Datetime.now()).date()
        return local.strftime("%H:%M" if local.date() == today else "%Y-%m-%d %H:%M")

    def _bangkok(self, value):
        """HH:MM in Bangkok, rounded up to the minute as the pages show it."""
        if value.second:
            value = value.replace(second=0) + MINUTE
        return pytz.timezone("Asia/Bangkok").fromutc(value).strftime("%H:%M")

    # ------------------------------------------------------------
    # Generation rules
    # ------------------------------------------------------------

    def test_generation_rules(self):
        """Switch on and (always, or open balance strictly above the threshold),
        for customer-wide, quote and invoice links alike.
        """
        customer = self.customer_en
        balance = customer._jingjai_portal_open_balance(self.company)
        self.assertGreater(balance, 0)
        cases = [
            # (switch, always, threshold, expected)
            (True, False, balance - 0.01, True),
            (True, False, balance, False),
            (True, True, balance + 1000, True),
            (True, False, 500000, False),
            (False, True, 0, False),
            (False, False, 0, False),
        ]
        for enabled, always, threshold, expected in cases:
            with self.subTest(enabled=enabled, always=always, threshold=threshold):
                self.company.write(
                    {
                        "jingjai_portal_access_codes": enabled,
                        "jingjai_portal_code_threshold": threshold,
                    }
                )
                customer.jingjai_portal_always_require_code = always
                for record in (customer, self.quote_en, self.invoice_en):
                    link, _token, result = self._generate(record)
                    self.assertEqual(link.requires_code, expected, record._name)
                    self.assertIs(result["requires_code"], expected)

    def test_generation_require_code_parameter(self):
        """True adds a code; False cannot remove one the rules ask for; None (the
        default) and the old signature keep working; nothing requires a code while
        the switch is off.
        """
        link, _token, result = self._generate(self.customer_en)
        self.assertFalse(link.requires_code)
        self.assertEqual(
            set(result), {"link_id", "url", "expires_at", "scope", "requires_code"}
        )
        link, _token, _result = self._generate(self.customer_en, require_code=True)
        self.assertTrue(link.requires_code)
        notes = self._link_notes(self.customer_en, "requires an access code")
        self.assertEqual(len(notes), 1)
        self.customer_en.jingjai_portal_always_require_code = True
        with self.assertRaisesRegex(UserError, "cannot be left out"):
            self._generate(self.customer_en, require_code=False)
        link, _token, _result = self._generate(self.customer_en, expiry_days=3)
        self.assertTrue(link.requires_code)
        self.company.jingjai_portal_access_codes = False
        with self.assertRaisesRegex(UserError, "turned off"):
            self._generate(self.customer_en, require_code=True)
        link, _token, _result = self._generate(self.customer_en, require_code=False)
        self.assertFalse(link.requires_code)

    def test_link_requirement_is_frozen(self):
        """requires_code is set at generation and never changes afterwards."""
        link, _token = self._code_link()
        with self.assertRaises(UserError):
            link.write({"requires_code": False})
        self.company.jingjai_portal_access_codes = False
        link.invalidate_recordset()
        self.assertTrue(link.requires_code)

    def test_always_require_is_a_commercial_field(self):
        """The customer decides for its contacts; a contact's quote follows it."""
        self.customer_th.jingjai_portal_always_require_code = True
        self.assertTrue(self.contact_th.jingjai_portal_always_require_code)
        quote = self._create_quote(self.contact_th)
        link, _token, _result = self._generate(quote)
        self.assertTrue(link.requires_code)

    def test_wizard_shows_the_rule_and_lets_staff_require_a_code(self):
        Wizard = self.env["jingjai.portal.link.generate"]
        context = {
            "default_res_model": "res.partner",
            "default_res_id": self.customer_en.id,
        }
        wizard = Wizard.with_context(**context).create({})
        self.assertTrue(wizard.access_codes_enabled)
        self.assertFalse(wizard.code_required_by_rules)
        self.assertFalse(wizard.require_code)
        wizard.require_code = True
        result = wizard.action_generate()
        link = self.Link.browse(result["params"]["link_id"])
        self.assertTrue(link.requires_code)

        self.customer_en.jingjai_portal_always_require_code = True
        wizard = Wizard.with_context(**context).create({})
        self.assertTrue(wizard.code_required_by_rules)
        self.assertTrue(wizard.require_code)
        self.assertIn("always requires", wizard.code_rule_reason)

        self.customer_en.jingjai_portal_always_require_code = False
        self.company.jingjai_portal_code_threshold = 0
        wizard = Wizard.with_context(**context).create({})
        self.assertTrue(wizard.require_code)
        self.assertIn("owes more than", wizard.code_rule_reason)

        self.company.jingjai_portal_access_codes = False
        wizard = Wizard.with_context(**context).create({"require_code": True})
        self.assertFalse(wizard.access_codes_enabled)
        result = wizard.action_generate()
        self.assertFalse(self.Link.browse(result["params"]["link_id"]).requires_code)

    # ------------------------------------------------------------
    # The code page and the SMS flow
    # ------------------------------------------------------------

    def test_code_page_shows_no_customer_data(self):
        """Every page below the link answers with the code page, which names the
        business and the masked destination, and nothing of the customer.
        """
        self.customer_th.jingjai_portal_always_require_code = True
        _link, token, _result = self._generate(self.customer_th)
        secrets_of_customer = [
            self.customer_th.name,
            self.contact_th.name,
            self.customer_th.email,
            "123 4567",
            self.invoice_th.name,
            self.quote_th.name,
            self.order_th.name,
            "Open balance",
        ]
        for path in ("", "/invoices", f"/invoice/{self.invoice_th.id}", "/pdf"):
            with self.subTest(path=path):
                response = self._get(f"/p/{token}{path}")
                self.assertCodePage(response, "fresh")
                self.assertIn(self.company.name, response.text)
                # A landline cannot receive SMS: the code goes by email.
                self.assertIn("o•••@siamcool.example.com", response.text)
                for text in secrets_of_customer:
                    self.assertNotIn(text, response.text)
                self.assertEqual(response.headers["Referrer-Policy"], "no-referrer")

    def test_sms_code_unlocks_this_browser(self):
        """Send by SMS to +66812345678, enter the code: an HttpOnly, SameSite=Lax
        cookie scoped to the link opens it; only digests are stored.
        """
        link, token = self._code_link()
        page = self._get(f"/p/{token}")
        self.assertCodePage(page, "fresh")
        self.assertIn("•••• •••• 5678", page.text)
        self.assertIn("Send me a code", page.text)
        self.assertNotIn(self.customer_mobile.name, page.text)
        with self.mockSMSGateway():
            response = self._send(token)
            self.assertEqual(response.status_code, 303)
            self.assertTrue(response.headers["Location"].endswith(f"/p/{token}"))
            self.assertSMSIapSent(["+66812345678"])
            code = self._sent_code()
        self.assertIn(self.company.name, self._sms[-1]["body"])
        # The SMS record that held the code is gone already.
        self.assertFalse(self.env["sms.sms"].sudo().search([("body", "like", code)]))
        page = self._get(f"/p/{token}")
        self.assertCodePage(page, "sent")
        self.assertIn("by SMS to", page.text)
        self.assertIn('name="code"', page.text)

        response = self._check(token, code)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(f"/p/{token}"))
        _value, attributes = self._unlock_cookie(response)
        self.assertIn("HttpOnly", attributes)
        self.assertIn("SameSite=Lax", attributes)
        self.assertIn(f"Path=/p/{token}", attributes)
        self.assertIn("Max-Age=43200", attributes)
        self.assertNotIn("Secure", attributes)  # plain http here
        self.assertOpens(token, self.customer_mobile.name)

        sent = link.access_code_ids
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent.channel, "sms")
        self.assertEqual(sent.destination, "•••• •••• 5678")
        self.assertEqual(sent.tries, 0)
        self.assertTrue(sent.used_at)
        self.assertEqual(sent.code_state, "used")
        self.assertNotEqual(sent.sudo().digest, code)
        self.assertEqual(len(self._events(link, "sent")), 1)
        self.assertEqual(len(self._events(link, "unlock")), 1)
        self.assertEqual(len(link.unlock_ids), 1)
        self.assertNotIn(code, link.unlock_ids.sudo().digest)
        # No chatter note or stored message holds the code.
        self.assertFalse(
            self.env["mail.message"].sudo().search([("body", "like", code)])
        )

    def test_email_code_in_a_template_deleted_once_sent(self):
        """No usable mobile: the code goes by email, from the template, and the
        mail (and its message) is deleted once sent.
        """
        link, token = self._code_link(self.customer_th)
        with self.mock_mail_gateway(mail_unlink_sent=True):
            response = self._send(token)
            self.assertEqual(response.status_code, 303)
            self.assertEqual(len(self._mails), 1)
            mail = self._mails[0]
            self.assertIn("office@siamcool.example.com", str(mail["email_to"]))
            self.assertIn(self.company.name, mail["subject"])
            code = self._mailed_code()
        self.assertFalse(self._new_mails.exists())
        self.assertFalse(
            self.env["mail.message"].sudo().search([("body", "like", code)])
        )
        self.assertEqual(link.access_code_ids.channel, "email")
        self.assertEqual(link.access_code_ids.destination, "o•••@siamcool.example.com")
        page = self._get(f"/p/{token}")
        self.assertCodePage(page, "sent")
        self.assertIn("by email to", page.text)
        self.assertEqual(self._check(token, code).status_code, 303)
        self.assertOpens(token, self.customer_th.name)

    def test_channel_fallbacks(self):
        """Email first when the company says so; an invalid phone falls back to
        email; no usable phone and no email leaves no destination.
        """
        link, _token = self._code_link()
        self.assertEqual(link._access_code_destination()[0], "sms")
        self.company.jingjai_portal_code_channel = "email"
        self.assertEqual(
            link._access_code_destination(),
            ("email", "chaiyo@mobile.example.com", "c•••@mobile.example.com"),
        )
        self.customer_mobile.email = False
        self.assertEqual(link._access_code_destination()[0], "sms")
        self.company.jingjai_portal_code_channel = "sms"
        self.customer_mobile.write({"phone": "12345", "email": "x@example.com"})
        self.assertEqual(link._access_code_destination()[0], "email")
        self.customer_mobile.email = False
        self.assertIsNone(link._access_code_destination())
        self.customer_mobile.phone = "๐๘๑ ๒๓๔ ๕๖๗๘"
        self.assertEqual(
            link._access_code_destination(),
            ("sms", "+66812345678", "•••• •••• 5678"),
        )
        # 00 as the international prefix, which Thai numbering reads as a
        # carrier's; a landline gets no SMS.
        for phone in ("0066812345678", "๐๐๖๖๘๑๒๓๔๕๖๗๘"):
            self.customer_mobile.phone = phone
            self.assertEqual(link._access_code_destination()[1], "+66812345678")
        self.customer_mobile.phone = "02 123 4567"
        self.assertIsNone(link._access_code_destination())

    def test_customer_without_mobile_or_email(self):
        """The page says to contact the business; asking leaves one activity for
        the staff member who made the link, however often it is asked.
        """
        link, token = self._code_link(
            self.customer_unreachable, user=self.user_sales_manager
        )
        page = self._get(f"/p/{token}")
        self.assertCodePage(page, "fresh")
        self.assertIn("no mobile number or email", page.text)
        self.assertNotIn("Send me a code", page.text)
        activity_type = self.env.ref(
            "jingjai_portal.mail_activity_type_access_code_contact"
        )
        for _attempt in range(2):
            response = self._send(token)
            self.assertCodePage(response, "no_destination")
            self.assertIn("We have let our team know", response.text)
        activities = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", self.customer_unreachable.id),
                ("activity_type_id", "=", activity_type.id),
            ]
        )
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.user_sales_manager)
        self.assertFalse(link.access_code_ids)
        self.assertEqual(len(self._events(link, "no_destination")), 1)

    def test_code_forms_need_the_csrf_token(self):
        _link, token = self._code_link()
        with self.mockSMSGateway(), mute_logger("odoo.http"):
            for data in ({}, {"csrf_token": "forged0123456789o9999999999"}):
                response = self._post(f"/p/{token}/code/send", data)
                self.assertNotEqual(response.status_code, 303)
                response = self._post(f"/p/{token}/code", {**data, "code": "123456"})
                self.assertNotIn(UNLOCK_COOKIE, response.headers.get("Set-Cookie", ""))
            self.assertFalse(self._sms)

    def test_link_without_code_is_unchanged(self):
        _link, token, _result = self._generate(self.customer_mobile)
        self.assertOpens(token, self.customer_mobile.name)
        response = self._send(token)
        self.assertEqual(response.status_code, 303)
        self.assertFalse(_link.access_code_ids)

    def test_back_to_the_page_asked_for(self):
        """After the code, the visitor lands on the page they opened; a forged
        "next" path stays below the link.
        """
        self.customer_th.jingjai_portal_always_require_code = True
        _link, token, _result = self._generate(self.customer_th)
        page = self._get(f"/p/{token}/invoices")
        self.assertCodePage(page)
        self.assertIn('name="next_path" value="/invoices"', page.text)
        with self.mock_mail_gateway():
            self._send(token, next_path="/invoices")
            code = self._mailed_code()
        response = self._check(token, code, next_path="/invoices")
        self.assertTrue(response.headers["Location"].endswith(f"/p/{token}/invoices"))
        # A link without a code sends the visitor straight on, to the same place.
        _link, open_token, _result = self._generate(self.customer_en)
        for forged in ("//evil.example.com", "/../x", "https://evil.example.com"):
            response = self._send(open_token, next_path=forged)
            self.assertEqual(response.status_code, 303)
            self.assertEqual(
                urlsplit(response.headers["Location"]).path, f"/p/{open_token}"
            )
            self.assertIn(
                urlsplit(response.headers["Location"]).netloc,
                ("", urlsplit(self.base_url()).netloc),
            )
        response = self._send(open_token, next_path="/quotes")
        self.assertTrue(response.headers["Location"].endswith(f"{open_token}/quotes"))

    # ------------------------------------------------------------
    # Limits at their boundaries
    # ------------------------------------------------------------

    def test_fifth_wrong_try_counts_sixth_is_refused(self):
        """Four wrong tries leave the right code usable; after five, even the
        right code is refused.
        """
        link, token = self._code_link()
        with freeze_time(self.start) as frozen, self.mockSMSGateway():
            self._send(token)
            code = self._sent_code()
            for tries_left in (4, 3, 2, 1):
                response = self._check(token, self._wrong(code))
                self.assertCodePage(response, "wrong", 400)
                self.assertIn(
                    "You can try once more."
                    if tries_left == 1
                    else f"You can try {tries_left} more times.",
                    self._text(response),
                )
            self.assertEqual(self._check(token, code).status_code, 303)
            self.assertEqual(link.access_code_ids.tries, 4)

            other_link, other_token = self._code_link()
            frozen.tick(1)
            self._send(other_token)
            code = self._sent_code()
            for _try in range(4):
                self._check(other_token, self._wrong(code))
            response = self._check(other_token, self._wrong(code))
            self.assertCodePage(response, "wrong", 400)
            self.assertIn("Please ask for a new code", response.text)
            response = self._check(other_token, code)
            self.assertCodePage(response, "blocked", 400)
            self.assertNotIn(UNLOCK_COOKIE, response.headers.get("Set-Cookie", ""))
            self.assertEqual(other_link.access_code_ids.tries, 5)
            self.assertEqual(other_link.access_code_ids.code_state, "blocked")
            self.assertEqual(len(self._events(other_link, "failure")), 5)

    def test_resend_at_59_seconds_refused_at_60_allowed(self):
        link, token = self._code_link()
        with freeze_time(self.start) as frozen, self.mockSMSGateway():
            self.assertEqual(self._send(token).status_code, 303)
            frozen.move_to(self.start + 59 * SECOND)
            response = self._send(token)
            self.assertCodePage(response, "too_soon", 429)
            self.assertIn(self._bangkok(self.start + MINUTE), response.text)
            self.assertEqual(len(self._sms), 1)
            frozen.move_to(self.start + 60 * SECOND)
            self.assertEqual(self._send(token).status_code, 303)
            self.assertEqual(len(self._sms), 2)
            first, second = self._sent_code(0), self._sent_code(1)
            # Only the latest code counts.
            if first != second:
                self.assertCodePage(self._check(token, first), "wrong", 400)
            self.assertEqual(self._check(token, second).status_code, 303)
        self.assertEqual(len(link.access_code_ids), 2)

    def test_three_codes_an_hour_per_browser_fourth_refused(self):
        """One browser gets three codes an hour (the rule was five an hour for
        the whole link: see test_send_limits_per_network_and_link).
        """
        _link, token = self._code_link()
        with freeze_time(self.start) as frozen, self.mockSMSGateway():
            for index in range(3):
                frozen.move_to(self.start + index * MINUTE)
                self.assertEqual(self._send(token).status_code, 303, index)
            frozen.move_to(self.start + 3 * MINUTE)
            self.assertCodePage(self._send(token), "too_soon", 429)
            frozen.move_to(self.start + 60 * MINUTE - SECOND)
            response = self._send(token)
            self.assertCodePage(response, "too_soon", 429)
            self.assertIn(self._bangkok(self.start + 60 * MINUTE), response.text)
            frozen.move_to(self.start + 60 * MINUTE)
            self.assertEqual(self._send(token).status_code, 303)
            self.assertEqual(len(self._sms), 4)

    def test_ten_failures_lock_the_page_for_fifteen_minutes(self):
        link, token = self._code_link()
        with freeze_time(self.start) as frozen, self.mockSMSGateway():
            self._send(token)
            code = self._sent_code()
            for second in range(1, 6):
                frozen.move_to(self.start + second * SECOND)
                self._check(token, self._wrong(code))
            frozen.move_to(self.start + MINUTE)
            self._send(token)
            code = self._sent_code()
            for second in range(1, 5):
                frozen.move_to(self.start + MINUTE + second * SECOND)
                self.assertCodePage(self._check(token, self._wrong(code)), "wrong", 400)
            tenth = self.start + MINUTE + 5 * SECOND
            frozen.move_to(tenth)
            response = self._check(token, self._wrong(code))
            self.assertCodePage(response, "locked", 429)
            locked_until = tenth + code_rules.LOCKOUT_DURATION
            shown = self._bangkok(locked_until)
            self.assertIn(shown, response.text)
            self.assertIn("Bangkok time", response.text)
            self.assertNotIn('name="code"', response.text)
            self.assertEqual(len(self._events(link, "lockout")), 1)
            notes = self._link_notes(self.customer_mobile, "locked until")
            self.assertEqual(len(notes), 1)
            self.assertIn(shown, notes.body)

            # Locked: no code is sent, none is checked, every page says so.
            frozen.move_to(locked_until - SECOND)
            self.assertCodePage(self._get(f"/p/{token}"), "locked", 429)
            self.assertCodePage(self._send(token), "locked", 429)
            self.assertCodePage(self._check(token, code), "locked", 429)
            self.assertEqual(len(self._sms), 2)
            self.assertEqual(len(self._events(link, "failure")), 10)

            frozen.move_to(locked_until)
            self.assertEqual(self._send(token).status_code, 303)
            self.assertEqual(self._check(token, self._sent_code()).status_code, 303)
        self.assertOpens(token, self.customer_mobile.name)

    def test_code_valid_for_ten_minutes(self):
        _link, token = self._code_link()
        _late_link, late_token = self._code_link()
        with freeze_time(self.start) as frozen, self.mockSMSGateway():
            self._send(token)
            code = self._sent_code()
            self._send(late_token)
            late_code = self._sent_code()
            frozen.move_to(self.start + code_rules.CODE_TTL - SECOND)
            self.assertEqual(self._check(token, code).status_code, 303)
            frozen.move_to(self.start + code_rules.CODE_TTL)
            page = self._get(f"/p/{late_token}")
            self.assertCodePage(page, "fresh")
            response = self._check(late_token, late_code)
            self.assertCodePage(response, "expired", 400)
            self.assertIn("This code has expired", response.text)

    def test_malformed_input_costs_nothing_thai_digits_and_spaces_work(self):
        thai_link, thai_token = self._code_link()
        _link, spaced_token = self._code_link()
        with self.mockSMSGateway():
            self._send(thai_token)
            code = self._sent_code()
            for junk in ("12345", "1234567", "abcdef", "", "12 34 5a"):
                self.assertCodePage(self._check(thai_token, junk), "malformed", 400)
            self.assertEqual(thai_link.access_code_ids.tries, 0)
            self.assertFalse(self._events(thai_link, "failure"))
            thai = code.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
            self.assertEqual(self._check(thai_token, f" {thai} ").status_code, 303)

            self._send(spaced_token)
            code = self._sent_code()
            spaced = f"{code[:3]} {code[3:]}"
            self.assertEqual(self._check(spaced_token, spaced).status_code, 303)
        self.assertOpens(spaced_token, self.customer_mobile.name)

    def test_replayed_code_refused(self):
        _link, token = self._code_link()
        with self.mockSMSGateway():
            self._send(token)
            code = self._sent_code()
        self.assertEqual(self._check(token, code).status_code, 303)
        with self._other_browser():
            response = self._check(token, code)
            self.assertCodePage(response, "used", 400)
            self.assertNotIn(UNLOCK_COOKIE, response.headers.get("Set-Cookie", ""))
            self.assertCodePage(self._get(f"/p/{token}"))

    def test_code_of_one_link_refused_on_another(self):
        link_a, token_a = self._code_link()
        link_b, token_b = self._code_link()
        with self.mockSMSGateway():
            self._send(token_a)
            code_a = self._sent_code()
            # Link B has no code yet: nothing to compare to, nothing counted.
            self.assertCodePage(self._check(token_b, code_a), "no_code", 400)
            self._send(token_b)
            code_b = self._sent_code()
        if code_a != code_b:
            self.assertCodePage(self._check(token_b, code_a), "wrong", 400)
            self.assertEqual(link_b.access_code_ids.tries, 1)
        self.assertEqual(self._check(token_a, code_a).status_code, 303)
        self.assertOpens(token_a, self.customer_mobile.name)
        # Link A's cookie opens link A only.
        self.assertCodePage(self._get(f"/p/{token_b}"))
        self.assertEqual(link_a.access_code_ids.tries, 0)

    def test_sms_failure_is_told_logged_and_counted(self):
        """A failed send tells the customer and logs it. It counts like any
        other send (the rule was that it counted nothing: see
        test_failed_sends_count_against_the_limits).
        """
        link, token = self._code_link()
        with freeze_time(self.start) as frozen:
            with (
                self.mockSMSGateway(sim_error="server_error"),
                mute_logger(SEND_LOGGER),
            ):
                for attempt in range(3):
                    frozen.move_to(self.start + attempt * MINUTE)
                    response = self._send(token)
                    self.assertCodePage(response, "failed")
                    self.assertIn("could not send the code", response.text)
            self.assertFalse(link.access_code_ids)
            self.assertEqual(len(self._events(link, "send_failed")), 3)
            self.assertEqual(self._events(link, "send_failed")[0].detail, "sms_server")
            self.assertFalse(
                self.env["sms.sms"]
                .sudo()
                .search([("partner_id", "=", self.customer_mobile.id)])
            )
            with self.mockSMSGateway():
                frozen.move_to(self.start + 3 * MINUTE)
                self.assertCodePage(self._send(token), "too_soon", 429)
                frozen.move_to(self.start + 60 * MINUTE)
                self.assertEqual(self._send(token).status_code, 303)
        self.assertEqual(len(link.access_code_ids), 1)

    # ------------------------------------------------------------
    # The unlocked browser
    # ------------------------------------------------------------

    def test_unlock_lasts_the_company_duration(self):
        _link, token = self._code_link()
        with freeze_time(self.start) as frozen:
            self.assertEqual(self._unlock(token).status_code, 303)
            frozen.move_to(self.start + timedelta(hours=12) - SECOND)
            self.assertOpens(token, self.customer_mobile.name)
            frozen.move_to(self.start + timedelta(hours=12))
            self.assertCodePage(self._get(f"/p/{token}"), "fresh")

    def test_second_browser_still_sees_the_code_page(self):
        _link, token = self._code_link()
        self._unlock(token)
        self.assertOpens(token, self.customer_mobile.name)
        with self._other_browser():
            page = self._get(f"/p/{token}")
            self.assertCodePage(page)
            self.assertNotIn(self.customer_mobile.name, page.text)

    def test_unlock_is_stored_server_side(self):
        """Two HTTP sessions holding the same cookie both get in: what grants
        access is the row in the database, not a worker's memory or the session.
        Deleting the row ends both at once.
        """
        link, token = self._code_link()
        value, _attributes = self._unlock_cookie(self._unlock(token))
        self.assertOpens(token, self.customer_mobile.name)
        with self._other_browser() as opener:
            self.assertCodePage(self._get(f"/p/{token}"))
            opener.cookies.set(UNLOCK_COOKIE, value, path=f"/p/{token}")
            self.assertOpens(token, self.customer_mobile.name)
            opener.cookies.set(UNLOCK_COOKIE, "x" * 43, path=f"/p/{token}")
            self.assertCodePage(self._get(f"/p/{token}"))
            opener.cookies.set(UNLOCK_COOKIE, value, path=f"/p/{token}")
            link.unlock_ids.sudo().unlink()
            self.assertCodePage(self._get(f"/p/{token}"))
        self.assertCodePage(self._get(f"/p/{token}"))

    def test_revocation_ends_unlocked_browsers(self):
        link, token = self._code_link()
        self._unlock(token)
        self.assertOpens(token, self.customer_mobile.name)
        link.with_user(self.user_sales_manager).action_revoke()
        response = self._get(f"/p/{token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn('data-reason="revoked"', response.text)
        self.assertNotIn(self.customer_mobile.name, response.text)

    def test_expiry_ends_unlocked_browsers(self):
        link, token = self._code_link()
        self._unlock(token)
        self.assertOpens(token, self.customer_mobile.name)
        self._expire(link)
        response = self._get(f"/p/{token}")
        self.assertIn('data-reason="expired"', response.text)
        self.assertNotIn(self.customer_mobile.name, response.text)

    def test_audit_on_the_link_form(self):
        """Staff read the codes sent (masked) and the log on the link; only
        administrators may read digests and salts.
        """
        link, token = self._code_link()
        self._unlock(token)
        staff_link = link.with_user(self.user_sales_manager)
        staff_link.invalidate_recordset()
        self.assertEqual(staff_link.access_code_ids.destination, "•••• •••• 5678")
        self.assertEqual(
            set(staff_link.access_event_ids.mapped("event_type")), {"sent", "unlock"}
        )
        with self.assertRaises(AccessError):
            staff_link.access_code_ids.read(["digest"])
        view = self.env.ref("jingjai_portal.view_jingjai_portal_link_form")
        self.assertIn('name="access_codes"', view.arch)

    # ------------------------------------------------------------
    # Whoever holds the link cannot lock the customer out
    # ------------------------------------------------------------

    def test_wrong_codes_from_one_browser_lock_that_browser_only(self):
        """Ten wrong codes from one browser lock that browser, not the link: the
        customer, in another browser on another network, asks for a fresh code
        and gets in.
        """
        link, token = self._code_link()
        self._behind_a_proxy()
        attacker = self._new_browser("203.0.113.66")
        customer = self._new_browser("198.51.100.7")
        with freeze_time(self.start) as frozen, self.mockSMSGateway():
            with self._using(attacker):
                self._send(token)
                response = self._wear_out(token, self._sent_code())
                self.assertCodePage(response, "wrong", 400)
                frozen.move_to(self.start + MINUTE)
                self._send(token)
                response = self._wear_out(token, self._sent_code())
                self.assertCodePage(response, "locked", 429)
                self.assertCodePage(self._get(f"/p/{token}"), "locked", 429)
                self.assertCodePage(self._send(token), "locked", 429)
            self.assertEqual(len(self._sms), 2)
            with self._using(customer):
                page = self._get(f"/p/{token}")
                self.assertCodePage(page, "fresh")
                # The code the attacker wore out is gone; a fresh one is offered.
                self.assertIn("no longer works", self._text(page))
                self.assertIn("•••• •••• 5678", page.text)
                self.assertEqual(self._send(token).status_code, 303)
                self.assertEqual(self._check(token, self._sent_code()).status_code, 303)
                self.assertOpens(token, self.customer_mobile.name)
        lockout = self._events(link, "lockout")
        self.assertEqual(len(lockout), 1)
        self.assertEqual(lockout.lock_scope, "browser")
        self.assertEqual(lockout.ip_address, "203.0.113.66")
        notes = self._link_notes(self.customer_mobile, "from one browser")
        self.assertEqual(len(notes), 1)
        self.assertIn("other browsers can still enter a code", notes.body)

    def test_wrong_codes_from_one_network_lock_that_network_only(self):
        """Twenty wrong codes from one network, from as many fresh browsers as it
        takes (an IPv6 /64 counts as one network), lock every browser there;
        another network gets in.
        """
        link, token = self._code_link()
        self._behind_a_proxy()
        with freeze_time(self.start) as frozen, self.mockSMSGateway():
            for index in range(4):
                frozen.move_to(self.start + index * MINUTE)
                with self._using(self._new_browser(f"2001:db8:66:1::{index + 1}")):
                    self.assertEqual(self._send(token).status_code, 303)
                    response = self._wear_out(token, self._sent_code())
            self.assertCodePage(response, "locked", 429)
            self.assertIn("from your network", self._text(response))
            with self._using(self._new_browser("2001:db8:66:1:ffff::9")):
                page = self._get(f"/p/{token}")
                self.assertCodePage(page, "locked", 429)
                self.assertIn("from another connection", self._text(page))
                self.assertCodePage(self._send(token), "locked", 429)
            with self._using(self._new_browser("2001:db8:77:1::1")):
                self.assertCodePage(self._get(f"/p/{token}"), "fresh")
                self.assertEqual(self._send(token).status_code, 303)
                self.assertEqual(self._check(token, self._sent_code()).status_code, 303)
                self.assertOpens(token, self.customer_mobile.name)
        lockout = self._events(link, "lockout")
        self.assertEqual(len(lockout), 1)
        self.assertEqual(lockout.lock_scope, "network")
        self.assertEqual(lockout.network, "2001:db8:66:1::/64")
        self.assertEqual(len(self._events(link, "failure")), 20)

    def test_after_a_lockout_one_wrong_code_does_not_lock_again(self):
        """The wrong codes that caused a lockout are spent once it has run: the
        next wrong code leaves four tries, it does not lock for another fifteen
        minutes.
        """
        link, token = self._code_link()
        with freeze_time(self.start) as frozen, self.mockSMSGateway():
            self._send(token)
            self._wear_out(token, self._sent_code())
            frozen.move_to(self.start + MINUTE)
            self._send(token)
            self.assertCodePage(self._wear_out(token, self._sent_code()), "locked", 429)
            frozen.move_to(self.start + MINUTE + code_rules.LOCKOUT_DURATION)
            self.assertEqual(self._send(token).status_code, 303)
            response = self._check(token, self._wrong(self._sent_code()))
            self.assertCodePage(response, "wrong", 400)
            self.assertIn("You can try 4 more times.", self._text(response))
            self.assertEqual(self._check(token, self._sent_code()).status_code, 303)
        self.assertEqual(len(self._events(link, "lockout")), 1)

    def test_a_code_takes_five_wrong_tries_from_all_browsers_together(self):
        """Five browsers on five networks, one wrong code each, wear the code out
        for everyone, the right code included; a new code starts again from zero.
        """
        link, token = self._code_link()
        self._behind_a_proxy()
        with freeze_time(self.start), self.mockSMSGateway():
            self._send(token)
            code = self._sent_code()
            for index in range(5):
                with self._using(self._new_browser(f"198.51.100.{index + 1}")):
                    self.assertCodePage(
                        self._check(token, self._wrong(code)), "wrong", 400
                    )
            self.assertCodePage(self._check(token, code), "blocked", 400)
            self.assertEqual(link.access_code_ids.tries, 5)
            self.assertFalse(self._events(link, "lockout"))
            with self._using(self._new_browser("192.0.2.10")):
                self.assertEqual(self._send(token).status_code, 303)
                fresh = self._sent_code()
                self.assertCodePage(
                    self._check(token, self._wrong(fresh)), "wrong", 400
                )
                self.assertEqual(self._check(token, fresh).status_code, 303)

    def test_send_limits_per_network_and_link(self):
        """One network gets five codes an hour and ten a day, half of what the
        link sends (ten an hour, twenty a day), so that one attacker cannot use
        up the customer's codes.
        """
        _link, token = self._code_link()
        self._behind_a_proxy()
        attacker = "203.0.113.66"

        def send(minutes, ip):
            frozen.move_to(self.start + minutes * MINUTE)
            with self._using(self._new_browser(ip)):
                return self._send(token)

        with freeze_time(self.start) as frozen, self.mockSMSGateway():
            for minutes in range(5):
                self.assertEqual(send(minutes, attacker).status_code, 303, minutes)
            response = send(5, attacker)
            self.assertCodePage(response, "too_soon", 429)
            self.assertIn(self._bangkok(self.start + 60 * MINUTE), response.text)
            for minutes in range(5, 10):
                self.assertEqual(
                    send(minutes, f"198.51.100.{minutes}").status_code, 303
                )
            self.assertCodePage(send(10, "192.0.2.1"), "too_soon", 429)

            for minutes in range(60, 65):
                self.assertEqual(send(minutes, attacker).status_code, 303, minutes)
            response = send(65, attacker)
            self.assertCodePage(response, "too_soon", 429)
            self.assertIn(self._bangkok_when(self.start + timedelta(1)), response.text)
            for minutes in range(65, 70):
                self.assertEqual(
                    send(minutes, f"198.51.100.{minutes}").status_code, 303
                )
            response = send(70, "192.0.2.2")
            self.assertCodePage(response, "too_soon", 429)
            self.assertIn(self._bangkok_when(self.start + timedelta(1)), response.text)
            self.assertEqual(len(self._sms), 20)
            frozen.move_to(self.start + timedelta(days=1))
            self.assertEqual(send(24 * 60, "192.0.2.2").status_code, 303)
            self.assertEqual(len(self._sms), 21)

    def test_failed_sends_count_against_the_limits(self):
        """The provider texts the customer, then answers with an error: the send
        counts all the same. Thirty attempts from one browser reach the provider
        three times; from thirty browsers on thirty networks, ten times.
        """
        one_link, one_token = self._code_link()
        _many_link, many_token = self._code_link()
        self._behind_a_proxy()
        delivered = []

        def delivered_then_failed(local_endpoint, params):
            numbers = [
                number
                for message in params["messages"]
                for number in message["numbers"]
            ]
            delivered.extend(number["number"] for number in numbers)
            return [
                {"uuid": number["uuid"], "state": "server_error", "credit": 1}
                for number in numbers
            ]

        with (
            freeze_time(self.start) as frozen,
            patch.object(SmsApi, "_contact_iap", side_effect=delivered_then_failed),
            mute_logger(SEND_LOGGER),
        ):
            for attempt in range(30):
                frozen.move_to(self.start + attempt * MINUTE)
                self._send(one_token)
            self.assertEqual(delivered, ["+66812345678"] * 3)
            for attempt in range(30):
                frozen.move_to(self.start + attempt * MINUTE)
                with self._using(self._new_browser(f"198.51.100.{attempt + 1}")):
                    self._send(many_token)
            self.assertEqual(len(delivered), 3 + 10)
        self.assertEqual(len(self._events(one_link, "send_failed")), 3)

    def test_control_characters_from_the_browser_are_dropped(self):
        """The right code sent with a NUL in the User-Agent opens the link; the
        stored user agent has no control characters.
        """
        link, token = self._code_link()
        self.opener.headers["User-Agent"] = "Mozilla/5.0\x00 (Linux\x1b[31m)"
        with self.mockSMSGateway():
            self.assertEqual(self._send(token).status_code, 303)
            response = self._check(token, self._sent_code())
        self.assertEqual(response.status_code, 303)
        self.assertOpens(token, self.customer_mobile.name)
        self.assertEqual(link.unlock_ids.user_agent, "Mozilla/5.0 (Linux[31m)")
