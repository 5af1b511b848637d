import re
from contextlib import contextmanager
from datetime import timedelta

from odoo import api, fields
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, new_test_user
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

# What every /p/ response must carry, written out here rather than read from
# lib/security_headers.py: a test comparing the add-on with itself would pass
# whatever the add-on sends.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}


class PortalLinkHttpMixin:
    """Requests to the running test server as a visitor's browser sends them
    (no redirect followed), then a fresh cache for the assertions."""

    def _get(self, path, **kwargs):
        response = self.url_open(path, allow_redirects=False, **kwargs)
        self.env.invalidate_all()
        return response

    def _post(self, path, data=None, files=None, **kwargs):
        response = self.url_open(
            path, data=data, files=files, allow_redirects=False, method="POST", **kwargs
        )
        self.env.invalidate_all()
        return response

    def assertSecure(self, response, path=""):
        for header, value in SECURITY_HEADERS.items():
            self.assertEqual(
                response.headers.get(header),
                value,
                f"{header} of {path or response.url} ({response.status_code})",
            )

    def _csrf(self, text):
        """The CSRF token of the form in a page's ``text``."""
        return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)


class CommittedLinkCase(BaseCase):
    """Tests of two workers at once: real transactions, so their data is
    committed, and removed afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    @contextmanager
    def _committed_customer_link(self, name):
        """A customer and a customer-wide link to it, committed when the
        ``with`` block (which may change them further) ends.

        :return: ``(env, partner, generate's result)``
        """
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            partner = env["res.partner"].create(
                {"name": name, "is_company": True, "lang": "en_US"}
            )
            self.addCleanup(self._remove_customer, partner.id)
            yield (
                env,
                partner,
                env["jingjai.portal.link"].generate("res.partner", partner.id),
            )

    def _remove_customer(self, partner_id):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            env["mail.activity"].search(
                [("res_model", "=", "res.partner"), ("res_id", "=", partner_id)]
            ).unlink()
            # Links and their visits are audit records the ORM never deletes.
            cr.execute(
                SQL(
                    "DELETE FROM jingjai_portal_link_visit WHERE link_id IN"
                    " (SELECT id FROM jingjai_portal_link WHERE partner_id = %s);"
                    " DELETE FROM jingjai_portal_link WHERE partner_id = %s",
                    partner_id,
                    partner_id,
                )
            )
            env.invalidate_all()
            env["res.partner"].browse(partner_id).unlink()


class JingjaiPortalCommon(AccountTestInvoicingCommon):
    """Fixtures of the portal link tests, built here and never taken from demo data.

    ``AccountTestInvoicingCommon`` gives an independent company with a chart of accounts
    and taxes (post-install tests only), so invoices can be posted and paid. On top of
    it:

    * ``customer_th`` (a company, Thai), its contact ``contact_th`` and
      ``customer_en`` (English), a second customer;
    * for ``customer_th``: a sent quote, a confirmed order (ordered by the
      contact), a posted invoice and a posted credit note;
    * for ``customer_en``: a sent quote and a posted invoice;
    * users: an "own documents only" salesman (and a second one), a sales
      manager, an invoicing user, an internal user with no sales or accounting
      rights and a portal user.
    """

    @classmethod
    def get_default_groups(cls):
        # The class's own env user creates quotes and orders: give it sales rights.
        return super().get_default_groups() | cls.quick_ref(
            "sales_team.group_sale_manager"
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("th_TH")
        cls.env.user.tz = "Asia/Bangkok"
        cls.company.write(
            {
                "name": "Jingjai Test Aircon",
                "jingjai_portal_customer_expiry_days": 30,
                "jingjai_portal_quote_expiry_days": 30,
                "jingjai_portal_invoice_expiry_days": 30,
            }
        )
        Link = cls.env["jingjai.portal.link"]
        cls.Link = Link
        cls.activity_type_link_request = cls.env.ref(
            "jingjai_portal.mail_activity_type_link_request"
        )

        # ==== Users ====
        common = {"company_id": cls.company.id, "tz": "Asia/Bangkok"}
        cls.user_salesman = new_test_user(
            cls.env,
            login="jj_salesman",
            name="Jingjai Salesman",
            groups="sales_team.group_sale_salesman",
            **common,
        )
        cls.user_salesman_other = new_test_user(
            cls.env,
            login="jj_salesman_other",
            name="Jingjai Other Salesman",
            groups="sales_team.group_sale_salesman",
            **common,
        )
        cls.user_sales_manager = new_test_user(
            cls.env,
            login="jj_sales_manager",
            name="Jingjai Sales Manager",
            groups="sales_team.group_sale_manager",
            **common,
        )
        cls.user_invoicing = new_test_user(
            cls.env,
            login="jj_invoicing",
            name="Jingjai Invoicing",
            groups="account.group_account_invoice",
            **common,
        )
        cls.user_internal = new_test_user(
            cls.env,
            login="jj_internal",
            name="Jingjai Internal",
            groups="base.group_user",
            **common,
        )
        cls.user_portal = new_test_user(
            cls.env,
            login="jj_portal",
            name="Jingjai Portal",
            groups="base.group_portal",
            **common,
        )

        # ==== Customers ====
        cls.customer_th = cls.env["res.partner"].create(
            {
                "name": "Siam Cool Building Co.",
                "is_company": True,
                "lang": "th_TH",
                "email": "office@siamcool.example.com",
                "phone": "+66 2 123 4567",
            }
        )
        cls.contact_th = cls.env["res.partner"].create(
            {
                "name": "Somchai Contact",
                "type": "contact",
                "parent_id": cls.customer_th.id,
                "email": "somchai@siamcool.example.com",
            }
        )
        cls.customer_en = cls.env["res.partner"].create(
            {
                "name": "Evergreen Trading Ltd",
                "is_company": True,
                "lang": "en_US",
                "email": "accounts@evergreen.example.com",
            }
        )

        # ==== Products ====
        cls.product_service = cls._create_product(
            name="Aircon cleaning", type="service", lst_price=1500.0
        )
        cls.product_goods = cls._create_product(
            name="Inverter unit 18000 BTU", type="consu", lst_price=25000.0
        )

        # ==== Documents of the Thai customer ====
        cls.today = fields.Date.context_today(cls.env.user)
        cls.quote_th = cls._create_quote(cls.customer_th, client_order_ref="TH-QUOTE")
        cls.quote_th.action_quotation_sent()
        cls.order_th = cls._create_quote(cls.contact_th, client_order_ref="TH-ORDER")
        cls.order_th.action_confirm()
        cls.invoice_th = cls._create_invoice_for(cls.customer_th)
        cls.credit_note_th = cls._create_invoice_for(
            cls.customer_th, move_type="out_refund"
        )

        # ==== Documents of the second customer ====
        cls.quote_en = cls._create_quote(cls.customer_en, client_order_ref="EN-QUOTE")
        cls.quote_en.action_quotation_sent()
        cls.invoice_en = cls._create_invoice_for(cls.customer_en)

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    @classmethod
    def _create_quote(cls, partner, **values):
        return cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "validity_date": cls.today + timedelta(days=30),
                "order_line": [
                    cls._prepare_order_line(
                        product_id=cls.product_service, product_uom_qty=2
                    ),
                    cls._prepare_order_line(
                        product_id=cls.product_goods, product_uom_qty=1
                    ),
                ],
                **values,
            }
        )

    @classmethod
    def _create_invoice_for(cls, partner, move_type="out_invoice", post=True, **values):
        return cls._create_invoice(
            move_type=move_type,
            partner_id=partner,
            invoice_line_ids=[
                cls._prepare_invoice_line(product_id=cls.product_service)
            ],
            post=post,
            **values,
        )

    def _an_invoice_id_no_order_has(self, invoice):
        """An invoice's id for the "wrong model" checks (/order/<invoice id>).

        Orders and invoices draw their ids from separate sequences, so once
        other tests ran, an invoice's id may also be one of the customer's
        orders, which the link then rightly opens; a copy of the invoice has a
        fresh id.
        """
        while self.env["sale.order"].browse(invoice.id).exists():
            invoice = invoice.copy()
        return invoice.id

    @classmethod
    def _enable_sms_codes(cls, threshold=10**9, **company_values):
        """Access codes on, sent by SMS to ``customer_th``'s Thai mobile number;
        links of customers owing more than ``threshold`` require one."""
        cls.company.write(
            {
                "jingjai_portal_access_codes": True,
                "jingjai_portal_code_channel": "sms",
                "jingjai_portal_code_threshold": threshold,
                **company_values,
            }
        )
        cls.customer_th.write(
            {"phone": "081-234-5678", "country_id": cls.env.ref("base.th").id}
        )

    @classmethod
    def _generate(cls, record, user=None, **kwargs):
        """Generate a link to ``record``; return ``(link (sudo), token, result)``."""
        Link = cls.env["jingjai.portal.link"]
        if user:
            Link = Link.with_user(user)
        result = Link.generate(record._name, record.id, **kwargs)
        token = result["url"].rsplit("/p/", 1)[1]
        return Link.sudo().browse(result["link_id"]), token, result

    @classmethod
    def _set_link_dates(cls, link, **values):
        """Move a link in time in SQL: the model forbids any write, on purpose."""
        assignments = ", ".join(f"{column} = %s" for column in values)
        cls.env.flush_all()
        cls.env.cr.execute(
            f"UPDATE jingjai_portal_link SET {assignments} WHERE id = %s",  # noqa: S608
            [*values.values(), link.id],
        )
        link.invalidate_recordset()

    @classmethod
    def _expire(cls, link):
        """Make ``link`` expired: generated 40 days ago, expired one day ago."""
        now = fields.Datetime.now()
        cls._set_link_dates(
            link,
            generated_at=now - timedelta(days=40),
            expires_at=now - timedelta(days=1),
        )

    def _link_notes(self, record, text):
        """Internal notes posted on ``record`` whose body contains ``text``."""
        record.invalidate_recordset(["message_ids"])
        return record.sudo().message_ids.filtered(
            lambda message: text in (message.body or "")
        )
