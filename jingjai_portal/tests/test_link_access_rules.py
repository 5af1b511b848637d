from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.jingjai_portal.tests.common import JingjaiPortalCommon
from odoo.addons.jingjai_portal.tests.quote_common import QuoteLinkCommon

# Everything logged below a link, each with what a salesperson could read there.
LINK_LOGS = {
    "jingjai.portal.link.visit": ["ip_address", "user_agent", "partner_id"],
    "jingjai.portal.access.code": ["destination", "ip_address"],
    "jingjai.portal.access.event": ["destination", "ip_address"],
    "jingjai.portal.link.unlock": ["ip_address", "user_agent"],
}


@tagged("post_install", "-at_install")
class TestLinkRecordRules(JingjaiPortalCommon):
    """A salesperson who sees only their own documents sees the links to what they
    own, and nothing logged below anyone else's links, through any RPC (they all
    end in search_read / read with the user's rights).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_a, cls.user_b = cls.user_salesman, cls.user_salesman_other
        # A customer without a salesperson: each salesperson has quotes there.
        cls.shared_customer = cls.env["res.partner"].create(
            {"name": "Shared Customer Co.", "is_company": True}
        )
        cls.customer_of_b = cls.env["res.partner"].create(
            {"name": "B's Customer Co.", "is_company": True, "user_id": cls.user_b.id}
        )
        quote_a = cls._create_quote(cls.shared_customer, user_id=cls.user_a.id)
        quote_b = cls._create_quote(cls.shared_customer, user_id=cls.user_b.id)
        invoice_b = cls._create_invoice_for(
            cls.shared_customer, invoice_user_id=cls.user_b.id
        )
        cls.links = {
            "quote of A": cls._generate(quote_a, user=cls.user_a)[0],
            "quote of B": cls._generate(quote_b, user=cls.user_b)[0],
            "invoice of B": cls._generate(invoice_b)[0],
            "customer of B, by B": cls._generate(cls.customer_of_b, user=cls.user_b)[0],
            "shared customer, by the manager": cls._generate(cls.shared_customer)[0],
        }
        now = fields.Datetime.now()
        for name, link in cls.links.items():
            link._record_visit("203.0.113.7", f"Browser of {name}", "/")
            code = (
                cls.env["jingjai.portal.access.code"]
                .sudo()
                .create(
                    {
                        "link_id": link.id,
                        "salt": "s",
                        "digest": f"d-{link.id}",
                        "channel": "sms",
                        "destination": "•••• 5678",
                        "sent_at": now,
                        "ip_address": "203.0.113.7",
                    }
                )
            )
            cls.env["jingjai.portal.access.event"].sudo().create(
                {
                    "link_id": link.id,
                    "event_at": now,
                    "event_type": "sent",
                    "code_id": code.id,
                    "channel": "sms",
                    "destination": "•••• 5678",
                    "ip_address": "203.0.113.7",
                }
            )
            cls.env["jingjai.portal.link.unlock"].sudo().create(
                {
                    "link_id": link.id,
                    "digest": f"u-{link.id}",
                    "code_id": code.id,
                    "unlocked_at": now,
                    "expires_at": now + timedelta(hours=1),
                    "ip_address": "203.0.113.7",
                    "user_agent": f"Browser of {name}",
                }
            )

    def _visible(self, user):
        """Names of the links whose link and every log row ``user`` reads."""
        by_id = {link.id: name for name, link in self.links.items()}
        seen = {
            "jingjai.portal.link": {
                by_id[row["id"]]
                for row in self.Link.with_user(user).search_read(
                    [("id", "in", list(by_id))], ["display_name", "partner_id"]
                )
            }
        }
        for model, fields_read in LINK_LOGS.items():
            rows = (
                self.env[model]
                .with_user(user)
                .search_read(
                    [("link_id", "in", list(by_id))], ["link_id", *fields_read]
                )
            )
            seen[model] = {by_id[row["link_id"][0]] for row in rows}
        return seen

    def _assert_sees(self, user, names):
        for model, seen in self._visible(user).items():
            with self.subTest(user=user.login, model=model):
                self.assertEqual(seen, set(names))

    def test_own_documents_salesperson_sees_only_links_to_own_documents(self):
        """A sees their own quote's link; not B's quote or invoice links of the same
        customer (who has no salesperson), nor B's customer-wide link, nor the
        manager's customer-wide link: nor any view, code, send or unlocked browser
        logged below them. "All documents" salespeople and invoicing users see all.
        """
        self._assert_sees(self.user_a, {"quote of A"})
        self._assert_sees(
            self.user_b, {"quote of B", "invoice of B", "customer of B, by B"}
        )
        for user in (self.user_sales_manager, self.user_invoicing):
            self._assert_sees(user, set(self.links))

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_reading_another_salespersons_link_or_its_log_is_refused(self):
        """Reading by id (read, /web/dataset/call_kw's web_read) is refused too."""
        link = self.links["quote of B"]
        with self.assertRaises(AccessError):
            self.Link.with_user(self.user_a).browse(link.id).read(["display_name"])
        for model in LINK_LOGS:
            row = self.env[model].sudo().search([("link_id", "=", link.id)])
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.user_a).browse(row.id).read(["link_id"])

    def test_link_follows_the_document_when_it_changes_hands(self):
        """A quote handed from A to B takes its links and their logs along."""
        link = self.links["quote of A"]
        link.sale_order_id.user_id = self.user_b
        self._assert_sees(self.user_a, set())
        self.assertIn("quote of A", self._visible(self.user_b)["jingjai.portal.link"])


@tagged("post_install", "-at_install")
class TestCustomerLinkFollowsItsMaker(QuoteLinkCommon, HttpCase):
    """A customer-wide link shows, at every request, what its maker may read then:
    a quote or invoice of another salesperson added later is not listed, opened,
    downloaded, accepted or declined through it.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_a, cls.user_b = cls.user_salesman, cls.user_salesman_other
        cls.customer = cls.env["res.partner"].create(
            {"name": "Chiang Mai Hotel Co.", "is_company": True, "lang": "en_US"}
        )
        cls.quote_a = cls._new_quote(cls.customer, user_id=cls.user_a.id)
        cls.invoice_a = cls._create_invoice_for(
            cls.customer, invoice_user_id=cls.user_a.id
        )
        # A may read every document of the customer: the link is made.
        cls.link, cls.token, _result = cls._generate(cls.customer, user=cls.user_a)
        # Later, B's quote and invoice for the same customer.
        cls.quote_b = cls._new_quote(cls.customer, user_id=cls.user_b.id)
        cls.invoice_b = cls._create_invoice_for(
            cls.customer, invoice_user_id=cls.user_b.id
        )

    def _get(self, path):
        response = self.url_open(path, allow_redirects=False)
        self.env.invalidate_all()
        return response

    def _csrf_token(self, body):
        marker = 'name="csrf_token" value="'
        self.assertIn(marker, body)
        return body.split(marker, 1)[1].split('"', 1)[0]

    def test_new_documents_of_another_salesperson_are_not_listed(self):
        """The account page and its sections list A's quote and invoice, never B's;
        the open balance counts A's invoice only. A new link by A is refused.
        """
        base = f"/p/{self.token}"
        for path in (base, f"{base}/quotes", f"{base}/invoices"):
            with self.subTest(path=path):
                response = self._get(path)
                self.assertEqual(response.status_code, 200)
                self.assertNotIn(self.quote_b.name, response.text)
                self.assertNotIn(self.invoice_b.name, response.text)
        self.assertIn(self.quote_a.name, self._get(base).text)
        self.assertIn(self.invoice_a.name, self._get(f"{base}/invoices").text)
        self.assertEqual(
            self.customer._jingjai_portal_open_balance(self.company, self.user_a),
            self.invoice_a.amount_residual_signed,
        )
        # Generation agrees: A can no longer share this account; the manager can,
        # and the manager's link shows B's quote.
        with self.assertRaises(AccessError):
            self.Link.with_user(self.user_a).generate("res.partner", self.customer.id)
        _link, token, _result = self._generate(self.customer)
        self.assertIn(self.quote_b.name, self._get(f"/p/{token}").text)

    def test_documents_of_another_salesperson_cannot_be_opened(self):
        """B's quote and invoice, their PDFs and the invoice's QR answer 404."""
        base = f"/p/{self.token}"
        for path in (
            f"{base}/order/{self.quote_b.id}",
            f"{base}/order/{self.quote_b.id}/pdf",
            f"{base}/invoice/{self.invoice_b.id}",
            f"{base}/invoice/{self.invoice_b.id}/pdf",
            f"{base}/invoice/{self.invoice_b.id}/promptpay.png",
        ):
            with self.subTest(path=path):
                self.assertEqual(self._get(path).status_code, 404)
        for path in (
            f"{base}/order/{self.quote_a.id}",
            f"{base}/invoice/{self.invoice_a.id}",
        ):
            with self.subTest(path=path):
                self.assertEqual(self._get(path).status_code, 200)

    def test_quote_of_another_salesperson_cannot_be_declined_or_accepted(self):
        """Declining or accepting B's quote through A's link is refused (404 / an
        error) and leaves it as it was; A's own quote is still declined.
        """
        base = f"/p/{self.token}"
        page = self._get(f"{base}/order/{self.quote_a.id}")
        csrf_token = self._csrf_token(page.text)
        response = self.url_open(
            f"{base}/order/{self.quote_b.id}/decline",
            data={"csrf_token": csrf_token, "reason": "no"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 404)
        result = self.make_jsonrpc_request(
            f"{base}/order/{self.quote_b.id}/accept?csrf_token={csrf_token}",
            {"name": "Somchai", "signature": self.signature},
        )
        self.assertIn("error", result)
        self.env.invalidate_all()
        self.assertEqual(self.quote_b.state, "sent")
        self.assertFalse(self.quote_b.signature)
        response = self.url_open(
            f"{base}/order/{self.quote_a.id}/decline",
            data={"csrf_token": csrf_token, "reason": "too dear", "confirm": "1"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(self.quote_a.state, "cancel")

    def test_a_maker_who_loses_a_right_loses_it_in_the_link(self):
        """Without sales rights any more, A's link lists no quote and opens none."""
        self.user_a.group_ids -= self.env.ref("sales_team.group_sale_salesman")
        base = f"/p/{self.token}"
        self.assertNotIn(self.quote_a.name, self._get(base).text)
        self.assertEqual(self._get(f"{base}/order/{self.quote_a.id}").status_code, 404)
