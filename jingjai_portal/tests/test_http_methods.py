"""Below a link, a route runs only for the methods it declares.

Odoo 19 adds OPTIONS to the methods of every route and dispatches it as a
"safe" method, without CSRF check: an OPTIONS request from anyone, with no
cookie, used to decline a quote, attach a slip, send an SMS code, check a code
(and set the unlock cookie) and ask for a new link. Every method but POST on
those paths, and every method but GET/HEAD on the pages, now gets a 405 with
the headers of every /p/ answer, before anything is read or written.
"""

from odoo.tests import HttpCase, tagged

from odoo.addons.jingjai_portal.controllers.portal_link import UNLOCK_COOKIE
from odoo.addons.jingjai_portal.tests.quote_common import signature_b64
from odoo.addons.jingjai_portal.tests.test_portal_link_invoice import (
    JingjaiInvoiceLinkCommon,
    png_bytes,
)
from odoo.addons.sms.tests.common import SMSCase


@tagged("post_install", "-at_install")
class TestHttpMethods(JingjaiInvoiceLinkCommon, SMSCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_sms_codes()
        cls.quote_th.write({"require_signature": True, "require_payment": False})
        cls.invoice = cls._invoice(partner=cls.customer_th, amount=700.0)
        _link, cls.customer_token, _result = cls._generate(cls.customer_th)
        _link, cls.quote_token, _result = cls._generate(cls.quote_th)
        _link, cls.invoice_token, _result = cls._generate(cls.invoice)
        cls.locked_link, cls.locked_token, _result = cls._generate(
            cls.customer_th, require_code=True
        )
        cls.expired_link, cls.expired_token, _result = cls._generate(cls.customer_en)
        cls._expire(cls.expired_link)

    def _request(self, method, path, **kwargs):
        """``method`` on ``path`` from a browser with no cookie at all."""
        self.opener.cookies.clear()
        response = self.url_open(path, method=method, allow_redirects=False, **kwargs)
        self.env.invalidate_all()
        return response

    def assertMethodRefused(self, response, allowed):
        self.assertEqual(response.status_code, 405, response.text[:200])
        self.assertEqual(response.headers.get("Allow"), allowed)
        self.assertEqual(response.headers.get("Cache-Control"), "no-store")
        self.assertEqual(response.headers.get("Referrer-Policy"), "no-referrer")
        self.assertIn("noindex", response.headers.get("X-Robots-Tag", ""))
        self.assertEqual(response.headers.get("X-Content-Type-Options"), "nosniff")
        self.assertNotIn(UNLOCK_COOKIE, response.headers.get("Set-Cookie", ""))

    def _state(self):
        """What the state-changing routes would have changed."""
        links = self.env["jingjai.portal.link"].sudo().search([])
        return {
            "quote": self.quote_th.state,
            "slips": self.invoice.jingjai_portal_slip_ids.ids,
            "codes": self.locked_link.access_code_ids.ids,
            "events": self.locked_link.access_event_ids.ids,
            "unlocks": self.env["jingjai.portal.link.unlock"].sudo().search([]).ids,
            "activities": self.env["mail.activity"].sudo().search([]).ids,
            "views": links.visit_ids.ids,
        }

    def test_state_changing_routes_refuse_every_method_but_post(self):
        """OPTIONS (as the attack sent it: no cookie, the form's fields in the
        body), GET and HEAD on every route that changes something: 405, and
        nothing changed, not even the view log.
        """
        quote, customer = self.quote_token, self.customer_token
        quote_id, invoice_id = self.quote_th.id, self.invoice.id
        slip = {"slip": ("slip.png", png_bytes(), "image/png")}
        forms = [
            (f"/p/{quote}/decline", {"data": {"reason": "OPTIONS says no"}}),
            (f"/p/{customer}/order/{quote_id}/decline", {"data": {"reason": "no"}}),
            (f"/p/{self.invoice_token}/slip", {"files": slip}),
            (f"/p/{customer}/invoice/{invoice_id}/slip", {"files": slip}),
            (f"/p/{self.locked_token}/code/send", {"data": {"next_path": "/"}}),
            (f"/p/{self.locked_token}/code", {"data": {"code": "123456"}}),
            (f"/p/{self.expired_token}/request-link", {"data": {}}),
        ]
        call = {
            "id": 0,
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"name": "Nobody", "signature": signature_b64()},
        }
        calls = [
            (f"/p/{quote}/accept", {"json": call}),
            (f"/p/{customer}/order/{quote_id}/accept", {"json": call}),
        ]
        before = self._state()
        with self.mockSMSGateway():
            for path, body in forms + calls:
                for method in ("OPTIONS", "GET", "HEAD", "PUT"):
                    with self.subTest(method=method, path=path):
                        kwargs = body if method in ("OPTIONS", "PUT") else {}
                        response = self._request(method, path, **kwargs)
                        self.assertMethodRefused(response, "POST")
            self.assertFalse(self._sms, "an SMS code was sent")
        self.assertEqual(self._state(), before)
        self.assertEqual(self.quote_th.state, "sent")
        self.assertFalse(self.quote_th.signed_by)

    def test_pages_refuse_options(self):
        """The pages take GET (and HEAD): OPTIONS shows no page and logs no view."""
        token = self.customer_token
        before = self._state()
        for path in (
            f"/p/{token}",
            f"/p/{token}/pdf",
            f"/p/{token}/invoices",
            f"/p/{token}/invoice/{self.invoice.id}",
            f"/p/{token}/invoice/{self.invoice.id}/pdf",
            f"/p/{self.invoice_token}/promptpay.png",
        ):
            with self.subTest(path=path):
                response = self._request("OPTIONS", path)
                self.assertMethodRefused(response, "GET, HEAD")
                self.assertNotIn(self.customer_th.name, response.text)
        self.assertEqual(self._state(), before)
        self.assertEqual(self._request("HEAD", f"/p/{token}").status_code, 200)

    def test_post_still_works_with_csrf(self):
        """The form post itself, with the page's CSRF token, still declines."""
        page = self._request("GET", f"/p/{self.quote_token}")
        self.assertEqual(page.status_code, 200)
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        response = self.url_open(
            f"/p/{self.quote_token}/decline",
            data={"csrf_token": csrf, "reason": "Too expensive", "confirm": "1"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(self.quote_th.state, "cancel")
