"""The access-code lock of a link, taken by two workers, while views go on.

Every request through a link inserts a view row referencing the link; its
foreign-key check takes a KEY SHARE lock on the link's row. Access-code
decisions serialize on that same row. Found by ``bench/two_servers.py``: with
``FOR UPDATE``, code requests on two servers deadlocked, and page views that
started before a decision committed failed to serialize (an ERROR line and a
replay each). Two real transactions here, as two workers; the data is
committed and removed afterwards.
"""

import psycopg2

from odoo import api
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.jingjai_portal.tests.common import CommittedLinkCase


@tagged("post_install", "-at_install")
class TestAccessCodeLock(CommittedLinkCase):
    def setUp(self):
        super().setUp()
        with self._committed_customer_link("Two Workers Co.") as (env, partner, result):
            self.partner_id = partner.id
            self.link_id = result["link_id"]
            # Already seen once: these views are later ones, without the
            # first-view election.
            env.cr.execute(
                SQL(
                    "UPDATE jingjai_portal_link SET first_view_posted = TRUE"
                    " WHERE id = %s",
                    self.link_id,
                )
            )

    def _link(self, cr):
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        return env["jingjai.portal.link"].browse(self.link_id)

    def _view(self, cr, ip_address):
        link = self._link(cr)
        link._record_visit(ip_address, "two-workers-test", "/")
        link.env.flush_all()

    def _views(self):
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "SELECT ip_address FROM jingjai_portal_link_visit"
                    " WHERE link_id = %s ORDER BY id",
                    self.link_id,
                )
            )
            return [row[0] for row in cr.fetchall()]

    def test_a_view_that_started_before_a_decision_is_recorded(self):
        """A page request whose snapshot predates an access-code decision that
        another worker committed records its view: no serialization failure.
        """
        with self.registry.cursor() as page_cr:
            self.assertTrue(self._link(page_cr).token_hint)  # snapshot taken
            with self.registry.cursor() as code_cr:
                self._link(code_cr)._access_code_lock()
            with self.assertNoLogs("odoo.sql_db", "ERROR"):
                self._view(page_cr, "10.0.0.1")
        self.assertEqual(self._views(), ["10.0.0.1"])

    def test_two_code_requests_with_their_views_do_not_deadlock(self):
        """Two code requests, each with its view recorded, both take the lock:
        the first gets it at once (the other's view does not hold it up); the
        second, once the first committed, fails to serialize, unlogged, so that
        Odoo replays it on fresh data.
        """
        with (
            self.registry.cursor() as first_cr,
            self.registry.cursor() as second_cr,
        ):
            self._view(first_cr, "10.0.0.1")
            self._view(second_cr, "10.0.0.2")
            first_cr.execute("SET LOCAL lock_timeout = '2s'")
            self._link(first_cr)._access_code_lock()
            first_cr.commit()
            with (
                self.assertNoLogs("odoo.sql_db", "ERROR"),
                self.assertRaises(psycopg2.errors.SerializationFailure),
            ):
                self._link(second_cr)._access_code_lock()
            second_cr.rollback()
        self.assertEqual(self._views(), ["10.0.0.1"])
