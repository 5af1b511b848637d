"""Two "Request a new link" at the same moment leave one activity.

HttpCase serialises the test server's requests on one test cursor, so these
tests commit their data (removed afterwards) and send real requests: each is its
own transaction, in its own server thread, as under ``--workers=2``. Both
requests are held just before asking, once they have read the link (their
REPEATABLE READ snapshot is taken), so neither can see the other's activity:
only the lock on the link keeps it to one.
"""

import re
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from unittest.mock import patch

import requests

import odoo
from odoo import api
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.jingjai_portal.tests.common import CommittedLinkCase


@tagged("post_install", "-at_install")
class TestRequestLinkConcurrency(CommittedLinkCase):
    def setUp(self):
        super().setUp()
        # The test run holds the registry lock that the server's requests
        # take; Odoo's own test mode swaps it for a dummy too.
        self.startPatcher(patch.object(Registry, "_lock", DummyRLock()))
        self._create_expired_link()

    def _create_expired_link(self):
        """A customer and an expired link to it, committed (removed afterwards)."""
        with self._committed_customer_link("Concurrent Requests Co.") as (
            env,
            partner,
            result,
        ):
            self.partner_id = partner.id
            self.link_id = result["link_id"]
            self.token = result["url"].rsplit("/p/", 1)[1]
            # Generated 40 days ago, expired yesterday (the model is frozen).
            env.cr.execute(
                SQL(
                    "UPDATE jingjai_portal_link SET generated_at = now() AT TIME ZONE"
                    " 'UTC' - interval '40 days', expires_at = now() AT TIME ZONE"
                    " 'UTC' - interval '1 day' WHERE id = %s",
                    self.link_id,
                )
            )

    def _url(self, path):
        port = odoo.service.server.server.httpd.server_port
        return f"http://127.0.0.1:{port}{path}"

    def _activities(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            return env["mail.activity"].search_count(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", self.partner_id),
                    (
                        "activity_type_id",
                        "=",
                        env.ref("jingjai_portal.mail_activity_type_link_request").id,
                    ),
                ]
            )

    def _race(self, second_waits_for_first):
        """Two "Request a new link" posts from the expired page, both held once
        they have read the link; with ``second_waits_for_first``, the second
        goes on only once the first one has answered (committed).
        """
        browser = requests.Session()
        page = browser.get(self._url(f"/p/{self.token}"), timeout=30)
        self.assertEqual(page.status_code, 200)
        self.assertIn('data-reason="expired"', page.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        cookies = browser.cookies.get_dict()
        self.assertEqual(self._activities(), 0)

        Link = self.registry["jingjai.portal.link"]
        original = Link._request_new_link
        both_read = threading.Barrier(2, timeout=30)
        first_answered = threading.Event()
        held = []

        def held_request_new_link(link):
            # The first call of each request is held; a request that Odoo
            # replays (lock refused, serialization failure) goes straight on.
            if len(held) < 2:
                held.append(link.id)
                rank = len(held)
                both_read.wait()
                if second_waits_for_first and rank == 2:
                    first_answered.wait(timeout=30)
            return original(link)

        def ask():
            return requests.post(
                self._url(f"/p/{self.token}/request-link"),
                data={"csrf_token": csrf},
                cookies=cookies,
                allow_redirects=False,
                timeout=60,
            )

        with (
            patch.object(Link, "_request_new_link", held_request_new_link),
            ThreadPoolExecutor(max_workers=2) as executor,
        ):
            futures = [executor.submit(ask) for _index in range(2)]
            done, _pending = wait(futures, timeout=60, return_when=FIRST_COMPLETED)
            self.assertTrue(done, "no request answered")
            first_answered.set()
            answers = [future.result(timeout=90) for future in futures]
        self.assertEqual(held, [self.link_id, self.link_id], "both requests asked")
        for answer in answers:
            self.assertEqual(answer.status_code, 200, answer.text[:300])
            self.assertIn('data-reason="requested"', answer.text)

    @mute_logger("odoo.service.model", "odoo.sql_db")
    def test_two_requests_at_once_leave_one_activity(self):
        """While one holds the link, the other is replayed and finds its activity."""
        self._race(second_waits_for_first=False)
        self.assertEqual(self._activities(), 1)

    @mute_logger("odoo.service.model", "odoo.sql_db")
    def test_a_request_that_read_before_the_other_committed_adds_nothing(self):
        """The second one read the link before the first committed, so it cannot
        see the first one's activity: it fails to serialize on the link, is
        replayed, and then finds it.
        """
        self._race(second_waits_for_first=True)
        self.assertEqual(self._activities(), 1)
