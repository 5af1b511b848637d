import logging

from odoo.sql_db import categorize_query
from odoo.tests import HttpCase, tagged

from odoo.addons.jingjai_portal.tests.test_pay_online import PayOnlineCommon

_logger = logging.getLogger(__name__)

# SQL queries of a warm request, as Odoo's log line counts them (each one
# records a view in the link's log). Without an enabled provider the pages ask
# Odoo nothing about payments (30 and 33 queries before, when Odoo's provider
# and payment method searches ran on every page); with the form, Odoo's own
# searches (as its /my/invoices page) and nothing twice. An invoice without
# slips asks two questions about them (24 and 35 before, when its page also read
# the slip files, and the bank accounts twice). The customer and the business
# are read together, and days are counted in the business's timezone, not in
# the public user's; the bank accounts are read in one query, with only what
# the page uses (22, 33 and 26 before: each partner read on its own, the public
# user's partner for its timezone, the accounts' ids then all their fields).
INVOICE_LINK_PAGE_QUERIES = 20
INVOICE_LINK_PAGE_WITH_FORM_QUERIES = 30
CUSTOMER_LINK_PAGE_QUERIES = 24


@tagged("post_install", "-at_install")
class TestPayOnlinePageQueries(PayOnlineCommon, HttpCase):
    """The invoice link page's SQL queries, pinned as Odoo pins its pages'
    (``website``'s ``test_performance``): what each section reads, once."""

    def _hot_queries(self, path):
        """The queries of a warm request to ``path``, as a real server runs it
        (the test cursor's savepoints left out), the way ``website``'s
        ``UtilPerf._get_url_hot_query`` counts them."""
        for _i in range(3):
            self.assertEqual(self.url_open(path).status_code, 200)
        profiler = self.profile(collectors=["sql"], db=False)
        with profiler:
            self.registry.get_sequences(self.cr)
            self.assertEqual(self.url_open(path).status_code, 200)
        profiler = profiler._profiler__
        self.assertEqual(len(profiler.sub_profilers), 1)
        entries = (
            profiler.collectors[0].entries
            + profiler.sub_profilers[0].collectors[0].entries
        )
        return [entry["full_query"].strip() for entry in entries]

    def assertQueries(self, path, expected):
        queries = self._hot_queries(path)
        _logger.info(
            "%s: %s queries: %s",
            path,
            len(queries),
            ", ".join(" ".join(map(str, categorize_query(q))) for q in queries),
        )
        self.assertLessEqual(
            len(queries),
            expected,
            "%s: %s queries, at most %s expected:\n%s"
            % (path, len(queries), expected, "\n---\n".join(queries)),
        )

    def test_invoice_link_page_queries(self):
        self.provider.state = "disabled"
        self.assertQueries(f"/p/{self.token}", INVOICE_LINK_PAGE_QUERIES)

    def test_customer_link_page_queries(self):
        self.provider.state = "disabled"
        token = self._generate(self.customer_en)[1]
        self.assertQueries(f"/p/{token}", CUSTOMER_LINK_PAGE_QUERIES)

    def test_customer_link_page_queries_do_not_grow_with_its_invoices(self):
        """Each invoice the account page lists says whether a slip of it waits
        for the accountant: asked for all of them at once (one invoice per
        query before)."""
        self.provider.state = "disabled"
        counts = []
        for invoices in (1, 4):
            customer = self.env["res.partner"].create(
                {"name": f"Queries {invoices} Co.", "is_company": True}
            )
            for _i in range(invoices):
                self._invoice(partner=customer, amount=100.0)
            token = self._generate(customer)[1]
            counts.append(len(self._hot_queries(f"/p/{token}")))
        self.assertEqual(counts[0], counts[1], counts)

    def test_invoice_link_page_with_payment_form_queries(self):
        self.assertQueries(f"/p/{self.token}", INVOICE_LINK_PAGE_WITH_FORM_QUERIES)
