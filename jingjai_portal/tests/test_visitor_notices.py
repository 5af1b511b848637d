import json
import re

from lxml import html

from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tools.discuss import Store

from .quote_common import signature_b64
from .test_portal_link_invoice import JingjaiInvoiceLinkCommon, png_bytes


@tagged("post_install", "-at_install")
class TestVisitorNotices(JingjaiInvoiceLinkCommon, HttpCase):
    """What a visitor's action leaves for staff (notes, activities) opens for
    every staff member, in any company, and speaks the staff's language.

    The visitor acts as the Public user, who belongs to the database's first
    company; the staff below work in the test company only, as in any database
    with more than one company.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.public_user = cls.env.ref("base.public_user")
        cls.staff = cls.user_invoicing | cls.user_salesman | cls.user_sales_manager
        cls.staff.write({"company_id": cls.company.id, "company_ids": cls.company.ids})
        # An English-speaking office serving a Thai customer.
        cls.staff.write({"lang": "en_US"})
        cls.company.partner_id.lang = "en_US"
        cls.invoice = cls._invoice(
            partner=cls.customer_th, amount=500.0, invoice_user_id=cls.user_invoicing.id
        )
        cls.quote = cls._create_quote(
            cls.customer_th,
            user_id=cls.user_salesman.id,
            require_signature=True,
            require_payment=False,
        )
        cls.quote.action_quotation_sent()

    def test_public_user_is_in_another_company(self):
        public_user = self.public_user.sudo()
        self.assertNotIn(public_user.company_id, self.company)
        self.assertFalse(public_user.company_ids & self.staff.company_ids)

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _get(self, path):
        response = self.url_open(path, allow_redirects=False)
        self.env.invalidate_all()
        return response

    def _post(self, path, data, files=None):
        response = self.url_open(
            path, data=data, files=files, allow_redirects=False, method="POST"
        )
        self.env.invalidate_all()
        return response

    def _csrf(self, path):
        page = self._get(path)
        self.assertEqual(page.status_code, 200, path)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text) or (
            re.search(r'csrf_token: "([^"]+)"', page.text)
        )
        self.assertTrue(match, f"no CSRF token on {path}")
        return page, match.group(1)

    def assertStaffReads(self, record, user, texts=()):
        """``user``, working in the test company only, opens ``record``: the
        form's read of its activities and the chatter's messages and activities
        (as the web client formats them) raise no access error.

        :param texts: English texts the notes or activities must hold
        """
        # What the web client asks when it opens the form: the chatter's
        # activities and messages, in the user's one company.
        self.authenticate(user.login, user.login)
        self.opener.cookies.set("cids", str(self.company.id))
        thread = {"thread_model": record._name, "thread_id": record.id}
        self.make_jsonrpc_request(
            "/mail/data",
            {
                "fetch_params": [
                    [
                        "mail.thread",
                        {**thread, "request_list": ["activities", "followers"]},
                    ]
                ],
                "context": {"allowed_company_ids": self.company.ids},
            },
        )
        self.make_jsonrpc_request(
            "/mail/thread/messages", {**thread, "fetch_params": {"limit": 30}}
        )
        self.env.invalidate_all()
        record = record.with_user(user).with_context(
            allowed_company_ids=self.company.ids, lang=user.lang
        )
        values = record.web_read(
            {
                "display_name": {},
                "activity_ids": {
                    "fields": {
                        "create_uid": {"fields": {"display_name": {}}},
                        "user_id": {"fields": {"display_name": {}}},
                        "note": {},
                    }
                },
                "message_ids": {
                    "fields": {
                        "create_uid": {"fields": {"display_name": {}}},
                        "author_id": {"fields": {"display_name": {}}},
                        "body": {},
                    }
                },
            }
        )[0]
        activities = record.activity_ids
        messages = record.message_ids
        self.assertTrue(activities or messages)
        store = Store()
        store.add(activities)
        store.add(messages)
        result = json.dumps(store.get_result(), default=str)
        written = " ".join(
            [str(activity["note"]) for activity in values["activity_ids"]]
            + [str(message["body"]) for message in values["message_ids"]]
        )
        for text in texts:
            self.assertIn(text, written)
        # What the add-on wrote is by a user every staff member can see.
        notes = messages.sudo().filtered(
            lambda message: any(text in str(message.body) for text in texts)
        )
        for creator in (activities.sudo().create_uid, notes.create_uid):
            self.assertEqual(creator, self.env.ref("base.user_root") & creator)
        return result

    # ------------------------------------------------------------
    # Every visitor action
    # ------------------------------------------------------------

    def test_slip_upload_and_first_view(self):
        link, token, _result = self._generate(self.invoice, user=self.user_invoicing)
        _page, csrf = self._csrf(f"/p/{token}")
        response = self._post(
            f"/p/{token}/slip",
            {"csrf_token": csrf},
            files={"slip": ("slip.png", png_bytes(), "image/png")},
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(len(self.invoice.jingjai_portal_slip_ids), 1)
        activity = self.invoice.activity_ids
        self.assertEqual(activity.user_id, self.user_invoicing)
        self.assertEqual(activity.create_uid, self.env.ref("base.user_root"))
        self.assertStaffReads(
            self.invoice,
            self.user_invoicing,
            texts=(
                "The customer uploaded a payment slip",
                "Payment slip “slip.png” uploaded",
                f"Portal link …{link.token_hint} opened for the first time",
            ),
        )
        # The salesperson too: a user of the company, not of the invoice.
        self.assertStaffReads(self.invoice, self.user_sales_manager)

    def test_request_new_link(self):
        link, token, _result = self._generate(self.quote, user=self.user_salesman)
        self._expire(link)
        _page, csrf = self._csrf(f"/p/{token}")
        response = self._post(f"/p/{token}/request-link", {"csrf_token": csrf})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.quote.activity_ids.user_id, self.user_salesman)
        self.assertStaffReads(
            self.quote,
            self.user_salesman,
            texts=("which has expired, and asked for a new one",),
        )

    def test_access_code_contact_request(self):
        self.company.jingjai_portal_access_codes = True
        customer = self.env["res.partner"].create(
            {"name": "Silent Thai Co.", "is_company": True, "lang": "th_TH"}
        )
        _link, token, _result = self._generate(
            customer, user=self.user_sales_manager, require_code=True
        )
        _page, csrf = self._csrf(f"/p/{token}")
        response = self._post(f"/p/{token}/code/send", {"csrf_token": csrf})
        self.assertIn(response.status_code, (200, 303))
        self.assertEqual(customer.activity_ids.user_id, self.user_sales_manager)
        self.assertStaffReads(
            customer,
            self.user_sales_manager,
            texts=("Enter a mobile number in the customer's Phone field",),
        )

    def test_decline_note(self):
        _link, token, _result = self._generate(self.quote, user=self.user_salesman)
        page = self._get(f"/p/{token}")
        form = html.fromstring(page.content).xpath(
            "//section[contains(@class, 'o_jingjai_portal_decline')]//form"
        )[0]
        csrf = form.xpath(".//input[@name='csrf_token']")[0].get("value")
        response = self._post(
            form.get("action"), {"csrf_token": csrf, "reason": "ราคาสูงไป"}
        )
        # Declining asks to confirm on a page of its own.
        (confirm,) = html.fromstring(response.content).xpath(
            "//*[contains(@class, 'o_jingjai_portal_decline_confirm')]//form"
        )
        response = self._post(
            confirm.get("action"),
            {
                field.get("name"): field.get("value")
                for field in confirm.xpath(".//input")
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.quote.state, "cancel")
        self.assertStaffReads(
            self.quote,
            self.user_salesman,
            texts=("Quote declined through portal link", "Reason given:"),
        )

    def test_accept_note(self):
        _link, token, _result = self._generate(self.quote, user=self.user_salesman)
        page = self._get(f"/p/{token}")
        props = html.fromstring(page.content).xpath(
            "//owl-component[@name='portal.signature_form']/@props"
        )[0]
        result = self.make_jsonrpc_request(
            json.loads(props)["callUrl"],
            {"name": "Somchai Jaidee", "signature": signature_b64()},
        )
        self.env.invalidate_all()
        self.assertTrue(result.get("force_refresh"), result)
        self.assertEqual(self.quote.state, "sale")
        self.assertStaffReads(
            self.quote,
            self.user_salesman,
            texts=("Quote signed and accepted by Somchai Jaidee",),
        )
