from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.jingjai_portal.tests.common import JingjaiPortalCommon


@tagged("post_install", "-at_install")
class TestVisitLogRetention(JingjaiPortalCommon):
    """Views keep the visitor's IP address and browser for the company's retention
    (2 years unless set otherwise, 0 = keep); a daily cron erases both from older
    rows, keeping the rows and what is counted from them.
    """

    def _view(self, link, days_ago, ip):
        view = link._record_visit(ip, f"Browser {ip}", "/")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE jingjai_portal_link_visit SET viewed_at = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(days=days_ago), view.id],
        )
        view.invalidate_recordset()
        return view

    def _run_cron(self):
        cron = self.env.ref("jingjai_portal.ir_cron_anonymise_link_visits")
        cron.with_user(cron.user_id).ir_actions_server_id.run()
        self.env.invalidate_all()

    def test_default_retention_is_two_years_and_the_cron_runs_daily(self):
        company = self.env["res.company"].create({"name": "Fresh Company"})
        self.assertEqual(company.jingjai_portal_view_log_retention_days, 730)
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.jingjai_portal_view_log_retention_days, 730)
        cron = self.env.ref("jingjai_portal.ir_cron_anonymise_link_visits")
        self.assertTrue(cron.active)
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        self.assertEqual(cron.model_id.model, "jingjai.portal.link.visit")
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            company.jingjai_portal_view_log_retention_days = -1
            company.flush_recordset()

    def test_cron_erases_ip_and_browser_of_old_views_and_keeps_the_counts(self):
        """Views older than 730 days lose their IP and browser; newer ones keep
        them; every row, its time and page stay, and so do the link's counts.
        """
        link, _token, _result = self._generate(self.customer_th)
        old = self._view(link, 800, "192.0.2.1")
        edge = self._view(link, 729, "192.0.2.2")
        recent = self._view(link, 3, "192.0.2.3")
        old_viewed_at = old.viewed_at
        self._run_cron()
        self.assertEqual((old.ip_address, old.user_agent), (False, False))
        self.assertEqual((old.viewed_at, old.path), (old_viewed_at, "/"))
        self.assertEqual(edge.ip_address, "192.0.2.2")
        self.assertEqual(edge.user_agent, "Browser 192.0.2.2")
        self.assertEqual(recent.ip_address, "192.0.2.3")
        self.assertEqual(link.view_count, 3)
        self.assertEqual(link.first_viewed_at, old_viewed_at)
        self.assertFalse(link.first_viewed_ip)
        self.assertEqual(link.last_viewed_ip, "192.0.2.3")
        # a second run has nothing left to do
        self.assertEqual(
            self.env["jingjai.portal.link.visit"]._cron_anonymise_old_visits(), 0
        )

    def test_each_company_keeps_its_own_retention_and_zero_keeps_all(self):
        """30 days in one company erases its 40-day-old views only; 0 erases none."""
        company_b = self.env["res.company"].create(
            {"name": "Jingjai Company B", "jingjai_portal_view_log_retention_days": 30}
        )
        self.env.user.company_ids += company_b
        partner_b = self.env["res.partner"].create(
            {"name": "Company B customer", "company_id": company_b.id}
        )
        link_a, _token, _result = self._generate(self.customer_th)
        link_b = self.Link.sudo().browse(
            self.Link.with_context(allowed_company_ids=[company_b.id]).generate(
                "res.partner", partner_b.id
            )["link_id"]
        )
        view_a = self._view(link_a, 40, "192.0.2.10")
        view_b = self._view(link_b, 40, "192.0.2.20")
        self._run_cron()
        self.assertEqual(view_a.ip_address, "192.0.2.10")
        self.assertFalse(view_b.ip_address)
        self.assertFalse(view_b.user_agent)

        self.company.jingjai_portal_view_log_retention_days = 0
        very_old = self._view(link_a, 5000, "192.0.2.11")
        self._run_cron()
        self.assertEqual(very_old.ip_address, "192.0.2.11")
        self.assertEqual(view_a.ip_address, "192.0.2.10")
