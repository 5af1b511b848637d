"""Two uploads of one slip at the same moment, as two workers.

Odoo's transactions are REPEATABLE READ: the upload that waited for the
other's lock still read the database as it was before the other committed, so
both found no earlier slip and both came out "valid". The one that waits now
asks Odoo to replay the request, which then sees the first slip. Two real
transactions here; nothing is written.
"""

import threading
from unittest.mock import patch

from odoo import api
from odoo.exceptions import ConcurrencyError
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import BaseCase, get_db_name, tagged

from odoo.addons.jingjai_portal.lib.slip_qr import SlipQr

DIGEST = "f" * 64
TRANSFER = SlipQr(
    bank_code="004", transaction_ref="015335100425ATF08123", payload="0046..."
)


@tagged("post_install", "-at_install")
class TestSlipLock(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    def setUp(self):
        super().setUp()
        # Odoo's own runner runs post_install tests while it holds the
        # registry lock, which the second upload's thread takes to make its
        # environment: it would wait for the test, not for the slip's lock.
        self.startPatcher(patch.object(Registry, "_lock", DummyRLock()))

    def _slips(self, cr):
        return api.Environment(cr, api.SUPERUSER_ID, {})["jingjai.portal.slip"]

    def test_an_upload_alone_takes_its_locks(self):
        with self.registry.cursor() as cr:
            self._slips(cr)._lock_keys(DIGEST, TRANSFER)
            cr.rollback()

    def test_an_upload_that_waited_is_replayed(self):
        outcome = {}
        with self.registry.cursor() as first:
            self._slips(first)._lock_keys(DIGEST, TRANSFER)

            def second_upload():
                with self.registry.cursor() as second:
                    try:
                        self._slips(second)._lock_keys(DIGEST, None)
                        outcome["result"] = "went on with an old snapshot"
                    except ConcurrencyError:
                        outcome["result"] = "replayed"
                    second.rollback()

            thread = threading.Thread(target=second_upload)
            thread.start()
            thread.join(timeout=1)
            self.assertTrue(thread.is_alive(), "the second upload waits for the lock")
            first.rollback()
        thread.join(timeout=30)
        self.assertEqual(outcome.get("result"), "replayed")
