from datetime import datetime, timedelta

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.jingjai_portal.tests.common import JingjaiPortalCommon

API = "/json/2/jingjai.portal.link"


@tagged("post_install", "-at_install")
class TestJson2Api(JingjaiPortalCommon, HttpCase):
    """What an integrator does with Odoo 19's JSON-2 API and an API key:
    generate a link, revoke it, read the states; bad arguments get a readable
    UserError (HTTP 422), never a ValueError or TypeError traceback.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.api_key = cls._api_key(cls.user_sales_manager)

    @classmethod
    def _api_key(cls, user):
        return (
            cls.env["res.users.apikeys"]
            .with_user(user)
            ._generate(
                scope="rpc",
                name="Integration",
                expiration_date=datetime.now() + timedelta(days=0.5),
            )
        )

    def _call(self, method, body, api_key=None):
        response = self.url_open(
            f"{API}/{method}",
            json=body,
            headers={"Authorization": f"bearer {api_key or self.api_key}"},
        )
        self.env.invalidate_all()
        return response

    @mute_logger("odoo.http")
    def test_generate_revoke_and_read_the_states(self):
        """generate → the URL opens the quote; action_revoke → the URL says revoked;
        search_read gives the states, who revoked and the views. A first try with
        a wrong argument is told what is wrong, and makes nothing.
        """
        body = {"res_model": "sale.order", "res_id": self.quote_th.id}
        response = self._call("generate", {**body, "expiry_days": 7.5})
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(
            response.json()["message"],
            "The number of days a portal link stays valid is a whole number from 1 "
            "to 365, not “7.5”.",
        )
        self.assertFalse(
            self.Link.sudo().search_count([("sale_order_id", "=", self.quote_th.id)])
        )
        response = self._call("generate", {**body, "expiry_days": 7})
        self.assertEqual(response.status_code, 200, response.text)
        result = response.json()
        self.assertEqual(
            set(result), {"link_id", "url", "expires_at", "scope", "requires_code"}
        )
        self.assertEqual(result["scope"], "quote")
        link = self.Link.sudo().browse(result["link_id"])
        self.assertEqual(link.generated_by_id, self.user_sales_manager)
        self.assertEqual(link.expires_at - link.generated_at, timedelta(days=7))
        path = "/p/" + result["url"].rsplit("/p/", 1)[1]
        page = self.url_open(path)
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.quote_th.name, page.text)

        # an invoice link through expires_on, as JSON has it: a YYYY-MM-DD string
        last_day = (self.today + timedelta(days=3)).isoformat()
        response = self._call(
            "generate",
            {
                "res_model": "account.move",
                "res_id": self.invoice_th.id,
                "expires_on": last_day,
            },
        )
        self.assertEqual(response.status_code, 200, response.text)
        invoice_link_id = response.json()["link_id"]

        response = self._call("action_revoke", {"ids": [result["link_id"]]})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertIs(response.json(), True)
        self.assertIn("revoked", self.url_open(path).text)

        response = self._call(
            "search_read",
            {
                "domain": [["id", "in", [result["link_id"], invoice_link_id]]],
                "fields": ["scope", "state", "revoked_by_id", "view_count"],
                "order": "id",
            },
        )
        self.assertEqual(response.status_code, 200, response.text)
        rows = response.json()
        self.assertEqual(
            [(row["id"], row["scope"], row["state"]) for row in rows],
            [
                (result["link_id"], "quote", "revoked"),
                (invoice_link_id, "invoice", "active"),
            ],
        )
        self.assertEqual(rows[0]["revoked_by_id"][0], self.user_sales_manager.id)
        self.assertEqual(rows[0]["view_count"], 2)

    @mute_logger("odoo.http")
    def test_bad_arguments_get_a_readable_user_error(self):
        """Each bad argument: HTTP 422, an odoo.exceptions.UserError saying what is
        wrong, no ValueError/TypeError anywhere in the answer, and no link made.
        """
        quote = {"res_model": "sale.order", "res_id": self.quote_th.id}
        whole_id = "The record to share is given by its id, a whole number, not “%s”."
        days = (
            "The number of days a portal link stays valid is a whole number from 1 "
            "to 365, not “%s”."
        )
        last_day = (
            "The last day of a portal link is a date written YYYY-MM-DD, not “%s”."
        )
        unknown = (
            "There is no model “%s”. Portal links are made for customers "
            "(res.partner), quotes (sale.order) and invoices (account.move)."
        )
        cases = [
            ({**quote, "res_id": "abc"}, whole_id % "abc"),
            ({**quote, "res_id": str(self.quote_th.id)}, whole_id % self.quote_th.id),
            ({**quote, "res_id": None}, whole_id % "None"),
            ({**quote, "res_id": [self.quote_th.id]}, whole_id % [self.quote_th.id]),
            ({**quote, "res_id": 1.5}, whole_id % "1.5"),
            ({**quote, "res_id": True}, whole_id % "True"),
            ({**quote, "expiry_days": 1.9}, days % "1.9"),
            ({**quote, "expiry_days": True}, days % "True"),
            ({**quote, "expiry_days": "30"}, days % "30"),
            ({**quote, "expiry_days": [30]}, days % "[30]"),
            (
                {**quote, "expiry_days": 0},
                "A portal link must stay valid for at least one day.",
            ),
            ({**quote, "expires_on": "31/12/2026"}, last_day % "31/12/2026"),
            ({**quote, "expires_on": "2026-02-30"}, last_day % "2026-02-30"),
            (
                {**quote, "expires_on": "2026-12-31T10:00"},
                last_day % "2026-12-31T10:00",
            ),
            ({**quote, "expires_on": 20261231}, last_day % "20261231"),
            ({**quote, "expires_on": True}, last_day % "True"),
            (
                {**quote, "expiry_days": 5, "expires_on": "2026-12-31"},
                "Give either the number of days (expiry_days) or the last day "
                "(expires_on) of a portal link, not both.",
            ),
            (
                {**quote, "require_code": "yes"},
                "require_code is true, false or left out, not “yes”.",
            ),
            ({"res_model": "no.such.model", "res_id": 1}, unknown % "no.such.model"),
            ({"res_model": ["sale.order"], "res_id": 1}, unknown % "['sale.order']"),
            ({"res_model": 42, "res_id": 1}, unknown % "42"),
            (
                {"res_model": "res.users", "res_id": self.user_salesman.id},
                "Portal links can be made for customers, quotes and invoices, not "
                "for “res.users”.",
            ),
        ]
        links_before = self.Link.sudo().search_count([])
        for body, message in cases:
            with self.subTest(body=body):
                response = self._call("generate", body)
                self.assertEqual(response.status_code, 422, response.text)
                error = response.json()
                self.assertEqual(error["name"], "odoo.exceptions.UserError")
                self.assertEqual(error["message"], message)
                self.assertNotIn("ValueError", error["debug"])
                self.assertNotIn("TypeError", error["debug"])
        self.assertEqual(self.Link.sudo().search_count([]), links_before)

    def test_view_log_of_other_salespeoples_links_is_not_readable(self):
        """A salesperson limited to own documents reads, over JSON-2, the view log
        of their own quote's link and nothing of another salesperson's.
        """
        own = self._create_quote(self.customer_th, user_id=self.user_salesman.id)
        other = self._create_quote(
            self.customer_th, user_id=self.user_salesman_other.id
        )
        own_link = self._generate(own, user=self.user_salesman)[0]
        other_link = self._generate(other, user=self.user_salesman_other)[0]
        for link in (own_link, other_link):
            link._record_visit("198.51.100.4", "Phone browser", "/")
        response = self.url_open(
            "/json/2/jingjai.portal.link.visit/search_read",
            json={"domain": [], "fields": ["link_id", "ip_address", "user_agent"]},
            headers={"Authorization": f"bearer {self._api_key(self.user_salesman)}"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual({row["link_id"][0] for row in response.json()}, {own_link.id})
