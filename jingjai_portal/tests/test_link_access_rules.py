from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.jingjai_portal.tests.common import JingjaiPortalCommon

# Everything logged below a link, each with what a salesperson could read there.
LINK_LOGS = {
    "jingjai.portal.link.view": ["ip_address", "user_agent", "partner_id"],
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
            link._record_view("203.0.113.7", f"Browser of {name}", "/")
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
