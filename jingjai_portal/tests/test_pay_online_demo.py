from datetime import timedelta

from lxml import html

from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.jingjai_portal.tests.test_pay_online import (
    RETURN_ROUTE,
    PayOnlineCommon,
    TestPayOnline,
)

# Odoo's demo provider: its inline form posts the card and the state to
# simulate here, as a provider's webhook would tell them.
SIMULATION_ROUTE = "/payment/demo/simulate_payment"
# What Odoo's status page polls: it post-processes the transaction.
POLL_ROUTE = "/payment/status/poll"


class PayOnlineDemoCommon(PayOnlineCommon):
    """The same invoice link, paid with Odoo's ``payment_demo`` provider.

    The test databases install ``payment_demo`` beside the add-on (the add-on
    does not depend on it): its copy for the test company is enabled in test
    mode with its Demo method and the company's bank journal, as
    ``payment_demo``'s and ``account_payment``'s tests prepare it.
    """

    # The Demo inline form pays in the direct flow.
    flow = "direct"

    @classmethod
    def _setup_payment_provider(cls):
        # Not a skip: without payment_demo these tests would prove nothing.
        state = cls.env["ir.module.module"]._get("payment_demo").state
        if state != "installed":
            raise AssertionError(
                f"payment_demo is {state!r}, not installed: the add-on's test "
                "database installs it (tests/odoo_suite.py, MAIN)"
            )
        cls.pm_card = cls.env.ref("payment_demo.payment_method_demo")
        Provider = cls.env["payment.provider"]
        # Odoo copies the installed providers into every new company (disabled).
        cls.provider = Provider.search(
            [("code", "=", "demo"), ("company_id", "=", cls.company.id)], limit=1
        ) or cls.env.ref("payment.payment_provider_demo").copy(
            {"company_id": cls.company.id}
        )
        cls.provider.write(
            {
                "state": "test",
                "is_published": True,
                "payment_method_ids": [Command.set(cls.pm_card.ids)],
            }
        )
        cls.provider.journal_id = cls.company_data["default_journal_bank"]
        cls.pm_card.active = True

    def _simulate(self, tx, state="done"):
        """What Demo's inline form sends once the customer pays, then what
        Odoo's status page polls (the post-processing)."""
        _response, body = self._rpc(
            SIMULATION_ROUTE,
            {
                "reference": tx.reference,
                "payment_details": "4242424242424242",
                "simulated_state": state,
            },
        )
        self.assertNotIn("error", body)
        _response, body = self._rpc(POLL_ROUTE, {})
        self.assertIn("result", body, body)
        self.assertEqual(body["result"]["state"], state)
        self.assertEqual(body["result"]["landing_route"], RETURN_ROUTE)
        return body["result"]

    def _confirm(self, tx):
        self._simulate(tx, "done")

    def assertReconciled(self, invoices, tx):
        self.assertEqual(tx.state, "done")
        self.assertTrue(tx.is_post_processed)
        self.assertEqual(
            tx.payment_id.journal_id, self.company_data["default_journal_bank"]
        )
        self.assertEqual(
            tx.payment_id.payment_method_line_id.payment_provider_id, tx.provider_id
        )
        for invoice in invoices:
            self.assertIn(invoice.payment_state, ("paid", "in_payment"), invoice.name)
            receivable = invoice.line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
            )
            self.assertTrue(all(receivable.mapped("reconciled")), invoice.name)
            self.assertEqual(invoice.amount_residual, 0.0)
            self.assertIn(tx.payment_id, invoice.matched_payment_ids)


@tagged("post_install", "-at_install")
class TestPayOnlineDemo(PayOnlineDemoCommon, TestPayOnline):
    """Every case of :class:`TestPayOnline` again with ``payment_demo`` (the
    provider confirms through Demo's route and Odoo's status page), and the
    flows the issue asks of it.
    """

    # Odoo runs a test class's own methods only, unless asked.
    allow_inherited_tests_method = True

    def test_demo_form_has_the_card_field(self):
        tree = self._page(f"/p/{self.token}")
        (form,) = tree.xpath("//form[@id='o_payment_form']")
        (option,) = form.xpath(
            f".//input[@name='o_payment_radio'][@data-payment-option-id='{self.pm_card.id}']"
        )
        self.assertEqual(option.get("data-provider-code"), "demo")
        self.assertEqual(option.get("data-provider-id"), str(self.provider.id))
        self.assertTrue(form.xpath(".//input[@id='customer_input']"))

    def test_customer_holding_only_the_link_pays_and_the_invoice_is_reconciled(self):
        """No session, no portal user: the link alone. Demo confirms, Odoo's
        status page post-processes, the invoice is paid and reconciled, the
        link closes and its page gives the receipt."""
        self.assertFalse(self.invoice.partner_id.user_ids)
        body = self._pay()
        self.assertIn("result", body, body)
        tx = self._transactions()
        self.assertEqual(tx.provider_code, "demo")
        self.assertEqual(tx.operation, "online_direct")
        self._simulate(tx, "done")
        self.assertReconciled(self.invoice, tx)
        self.assertEqual(tx.provider_reference, f"demo-{tx.reference}")
        self.assertEqual(self.link.state, "closed")
        response = self._get(RETURN_ROUTE)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(f"/p/{self.token}#pay"))
        tree = self._page(f"/p/{self.token}")
        (receipt,) = tree.xpath(
            "//div[contains(@class, 'o_jingjai_portal_paid_online')]"
        )
        self.assertIn(tx.reference, receipt.text_content())
        self.assertIn("1,234.50", receipt.text_content())

    def test_demo_partial_then_the_rest(self):
        self.assertIn("result", self._pay(amount=1000.0))
        tx = self._transactions()
        self._simulate(tx, "done")
        self.assertEqual(self.invoice.payment_state, "partial")
        self.assertEqual(self.invoice.amount_residual, 234.5)
        self.assertEqual(self.link.state, "active")
        (form,) = self._page(f"/p/{self.token}").xpath("//form[@id='o_payment_form']")
        self.assertEqual(float(form.get("data-amount")), 234.5)
        body = self._pay(amount=234.51)
        self.assertIn("at most", str(body))
        self.assertIn("result", self._pay())
        rest = self._transactions() - tx
        self.assertEqual(rest.amount, 234.5)
        self._simulate(rest, "done")
        self.assertReconciled(self.invoice, rest)

    def test_demo_pending_is_shown_on_the_landing_page_until_done(self):
        """Demo's "Pending" (what PromptPay through a provider does until the
        bank confirms): back on the link's page, "waiting for confirmation";
        once the provider says done, paid."""
        self.assertIn("result", self._pay())
        tx = self._transactions()
        self._simulate(tx, "pending")
        self.assertEqual(tx.state, "pending")
        response = self._get(RETURN_ROUTE)
        self.assertTrue(response.headers["Location"].endswith(f"/p/{self.token}#pay"))
        tree = self._page(f"/p/{self.token}")
        (notice,) = tree.xpath("//div[contains(@class, 'o_jingjai_portal_tx_notice')]")
        self.assertEqual(notice.get("data-kind"), "pending")
        self.assertIn("waiting for confirmation", notice.text_content())
        self.assertIn(tx.reference, notice.text_content())
        self.assertEqual(self.invoice.payment_state, "not_paid")
        self.assertFalse(tx.payment_id)

        self._simulate(tx, "done")
        self.assertReconciled(self.invoice, tx)

    def test_demo_error_and_cancel_leave_the_invoice_open(self):
        for state, kind in (("error", "error"), ("cancel", "error")):
            with self.subTest(state=state):
                self.assertIn("result", self._pay())
                tx = self._transactions().filtered(lambda tx: tx.state == "draft")
                self._simulate(tx, state)
                tree = self._page(f"/p/{self.token}")
                (notice,) = tree.xpath(
                    "//div[contains(@class, 'o_jingjai_portal_tx_notice')]"
                )
                self.assertEqual(notice.get("data-kind"), kind)
                self.assertTrue(tree.xpath("//form[@id='o_payment_form']"))
                self.assertEqual(self.invoice.payment_state, "not_paid")

    def test_demo_simulating_another_invoice_reference_pays_nothing_here(self):
        """The transaction's invoices are the link's: another customer's
        invoice, paid by its own means, is not touched by this link's payment."""
        other = self._invoice(partner=self.customer_th, amount=99.0)
        self.assertIn("result", self._pay(invoice_id=self.invoice.id))
        tx = self._transactions()
        self.assertEqual(tx.invoice_ids, self.invoice)
        self._simulate(tx, "done")
        self.assertEqual(other.payment_state, "not_paid")
        self.assertReconciled(self.invoice, tx)

    def test_demo_prepayment_quote_signed_then_paid_confirms_the_order(self):
        quote, path = self._prepayment_quote_link(0.5)
        body = self._sign_and_accept(path)
        self.assertIn("result", body, body)
        self.assertTrue(quote.signature)
        self.assertEqual(quote.state, "sent")
        self.assertIn("result", self._pay(path))
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .search([("sale_order_ids", "in", quote.ids)])
        )
        self.assertEqual(tx.amount, quote._get_prepayment_required_amount())
        self._simulate(tx, "done")
        self.assertEqual(quote.state, "sale")
        self.assertEqual(quote.amount_paid, tx.amount)
        self.assertTrue(tx.payment_id)

    def test_demo_pay_all_reconciles_every_open_invoice(self):
        customer = self.env["res.partner"].create(
            {"name": "Pay All Demo Co.", "is_company": True, "lang": "en_US"}
        )
        invoices = (
            self._invoice(partner=customer, amount=1000.0)
            | self._invoice(
                partner=customer,
                amount=250.0,
                invoice_date_due=self.today - timedelta(days=3),
            )
            | self._invoice(partner=customer, amount=80.25)
        )
        _link, token = self._generate(customer)[:2]
        path = f"/p/{token}"
        (form,) = self._page(path).xpath(
            "//section[contains(@class, 'o_jingjai_portal_pay_all')]"
            "//form[@id='o_payment_form']"
        )
        self.assertEqual(float(form.get("data-amount")), 1330.25)
        self.assertIn("result", self._pay(path))
        tx = self._transactions(invoices[0])
        self.assertEqual(tx.invoice_ids, invoices)
        self._simulate(tx, "done")
        self.assertReconciled(invoices, tx)
        self.assertFalse(
            html.fromstring(self._get(path).content).xpath(
                "//form[@id='o_payment_form']"
            )
        )


@tagged("post_install", "-at_install")
class TestPayOnlineDemoTour(PayOnlineDemoCommon, HttpCase):
    browser_size = "390x844"
    touch_enabled = True

    def test_customer_pays_with_payment_demo_on_a_phone_in_chromium(self):
        """On a phone-width page, the customer types a card number in Demo's
        inline form and pays; Demo confirms, Odoo's status page post-processes
        and sends the customer back to the link, which shows the receipt. No
        patch: Odoo's and payment_demo's own code all the way."""
        self.start_tour(f"/p/{self.token}", "jingjai_portal_pay_online_demo")
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .search([("invoice_ids", "in", self.invoice.ids)])
        )
        self.assertEqual(len(tx), 1)
        self.assertEqual(tx.provider_code, "demo")
        self.assertEqual(tx.amount, 1234.5)
        self.assertEqual(tx.state, "done")
        self.assertTrue(tx.is_post_processed)
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertTrue(tx.payment_id)
