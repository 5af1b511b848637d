import json
import re
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from lxml import html

from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.jingjai_portal.lib.security_headers import SECURITY_HEADERS
from odoo.addons.jingjai_portal.tests.quote_common import signature_b64
from odoo.addons.jingjai_portal.tests.test_portal_link_invoice import (
    JingjaiInvoiceLinkCommon,
)

RETURN_ROUTE = "/p/payment-return"


class PayOnlineCommon(JingjaiInvoiceLinkCommon):
    """An enabled provider for the test company and an unpaid invoice link.

    The provider is Odoo's test-only one (code ``none``, as in
    ``payment.tests.common``), with its own journal and payment method line, so
    Odoo posts and reconciles the payment as for any provider. Its redirect
    form goes straight to Odoo's payment status page, as a provider's payment
    page would once paid.
    """

    # The flow the provider's option in Odoo's form pays with.
    flow = "redirect"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Odoo's own invoice page offers online payment with this on (its default).
        cls.env["ir.config_parameter"].sudo().set_param(
            "account_payment.enable_portal_payment", True
        )
        cls._setup_payment_provider()
        cls.invoice = cls._invoice(
            amount=1234.5,
            invoice_date=cls.today - timedelta(days=5),
            invoice_date_due=cls.today + timedelta(days=25),
        )
        cls.link, cls.token, _result = cls._generate(cls.invoice)

    @classmethod
    def _setup_payment_provider(cls):
        """``cls.provider`` enabled for the test company, paying by ``cls.pm_card``."""
        redirect_form = cls.env["ir.ui.view"].create(
            {
                "name": "Test Redirect Form",
                "type": "qweb",
                "arch": '<form action="/payment/status" method="get"/>',
            }
        )
        cls.pm_card = cls.env.ref("payment.payment_method_unknown")
        cls.provider = cls.env["payment.provider"].create(
            {
                "name": "Test Cards",
                "code": "none",
                "state": "test",
                "is_published": True,
                "company_id": cls.company.id,
                "payment_method_ids": [Command.set(cls.pm_card.ids)],
                "redirect_form_view_id": redirect_form.id,
                "available_currency_ids": [Command.set(cls.thb.ids)],
            }
        )
        cls.pm_card.write({"active": True})
        cls._create_dummy_payment_method_for_provider(
            provider=cls.provider,
            journal=cls.company_data["default_journal_bank"],
        )

    def _invoice_with_term(self, xmlid, invoice_date=None):
        """A posted invoice of 1,000 with Odoo's payment term ``xmlid``, and its
        link's token."""
        invoice = self._invoice(
            amount=1000.0,
            invoice_date=invoice_date or self.today,
            invoice_payment_term_id=self.env.ref(xmlid).id,
        )
        return invoice, self._generate(invoice)[1]


@tagged("post_install", "-at_install")
class TestPayOnline(PayOnlineCommon, HttpCase):
    """Odoo's payment form on the link pages, the transaction route under the
    link, and the way back to the page.
    """

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _get(self, path):
        response = self.url_open(path, allow_redirects=False)
        self.env.invalidate_all()
        return response

    def _page(self, path):
        response = self._get(path)
        self.assertEqual(response.status_code, 200, path)
        return html.fromstring(response.content)

    def _csrf_token(self, path):
        match = re.search(r'csrf_token: "([^"]+)"', self._get(path).text)
        self.assertTrue(match, "no CSRF token on the page")
        return match.group(1)

    def _pay_params(self, path, **params):
        """What Odoo's payment form sends for the card method of ``path``'s page."""
        (form,) = self._page(path).xpath("//form[@id='o_payment_form']")
        return {
            "provider_id": self.provider.id,
            "payment_method_id": self.pm_card.id,
            "token_id": None,
            "amount": float(form.get("data-amount")),
            "flow": self.flow,
            "tokenization_requested": False,
            "landing_route": form.get("data-landing-route"),
            "is_validation": False,
            "access_token": form.get("data-access-token"),
            "csrf_token": self._csrf_token(path),
            **params,
        }

    def _rpc(self, route, params):
        """POST JSON-RPC as the payment form does: ``(response, decoded body)``."""
        # Serialized here: NaN and Infinity are what a crafted call may send,
        # and requests refuses to write them.
        response = self.opener.post(
            f"{self.base_url()}{route}",
            data=json.dumps(
                {"jsonrpc": "2.0", "method": "call", "id": 0, "params": params}
            ),
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
        self.env.invalidate_all()
        return response, response.json()

    def _pay(self, path=None, **params):
        path = path or f"/p/{self.token}"
        _response, body = self._rpc(
            f"{path}/transaction", self._pay_params(path, **params)
        )
        return body

    def _prepayment_quote_link(self, percent):
        """A sent quote asking for ``percent`` as prepayment, and its link's path."""
        quote = self._create_quote(
            self.customer_en,
            require_signature=True,
            require_payment=True,
            prepayment_percent=percent,
        )
        quote.action_quotation_sent()
        return quote, f"/p/{self._generate(quote)[1]}"

    def _sign_and_accept(self, path):
        """Sign & Accept the quote of ``path`` as the customer does: the body."""
        return self._rpc(
            f"{path}/accept?csrf_token={self._csrf_token(path)}",
            {"name": "Somchai Jaidee", "signature": signature_b64()},
        )[1]

    def _transactions(self, invoice=None):
        return (
            self.env["payment.transaction"]
            .sudo()
            .search([("invoice_ids", "in", (invoice or self.invoice).ids)])
        )

    def assertRefused(self, body, text):
        self.assertIn("error", body, body)
        self.assertIn(text, body["error"]["data"]["message"])
        self.assertFalse(self._transactions())

    def _confirm(self, tx):
        """What the provider's confirmation then Odoo's status page do."""
        tx._set_done()
        tx._post_process()
        self.env.invalidate_all()

    # ------------------------------------------------------------
    # The form
    # ------------------------------------------------------------

    def test_page_offers_odoo_payment_form(self):
        """The page has Odoo's payment form for the amount due, posting to the
        link's own route and coming back without the token; no saved method
        is offered. Without an enabled provider, no form.
        """
        tree = self._page(f"/p/{self.token}")
        (form,) = tree.xpath("//form[@id='o_payment_form']")
        self.assertEqual(
            form.get("data-transaction-route"), f"/p/{self.token}/transaction"
        )
        self.assertEqual(form.get("data-landing-route"), RETURN_ROUTE)
        self.assertEqual(float(form.get("data-amount")), 1234.5)
        self.assertEqual(form.get("data-currency-id"), str(self.thb.id))
        self.assertFalse(form.get("data-access-token"))
        self.assertTrue(
            form.xpath(f"//input[@data-payment-option-id='{self.pm_card.id}']")
        )
        self.assertFalse(form.xpath("//input[@data-payment-option-type='token']"))
        self.assertFalse(form.xpath("//input[@name='o_payment_tokenize_checkbox']"))
        # The PromptPay QR and the slip form stay beside it.
        self.assertTrue(tree.xpath("//img[contains(@class, 'o_jingjai_portal_qr')]"))
        self.assertTrue(
            tree.xpath("//form[contains(@class, 'o_jingjai_portal_slip_form')]")
        )

        self.provider.state = "disabled"
        tree = self._page(f"/p/{self.token}")
        self.assertFalse(tree.xpath("//form[@id='o_payment_form']"))
        self.assertFalse(
            tree.xpath("//*[contains(@class, 'o_jingjai_portal_pay_online')]")
        )

    def test_methods_the_business_did_not_enable_are_not_offered(self):
        """A method the provider supports but that is archived (as Odoo ships
        Stripe's PromptPay until the business enables it) is neither on the
        form nor payable, as on Odoo's own page, though the link is found with
        archived records visible.
        """
        promptpay = self.env.ref("payment.payment_method_promptpay")
        promptpay.active = False
        self.provider.payment_method_ids = [Command.link(promptpay.id)]
        for path in (f"/p/{self.token}", self.invoice.get_portal_url()):
            with self.subTest(path=path):
                (form,) = self._page(path).xpath("//form[@id='o_payment_form']")
                offered = {
                    int(option.get("data-payment-option-id"))
                    for option in form.xpath(
                        "//input[@data-payment-option-type='payment_method']"
                    )
                }
                self.assertEqual(offered, set(self.pm_card.ids))
        self.assertRefused(
            self._pay(payment_method_id=promptpay.id), "not available here"
        )

    def test_customer_link_invoice_page_pays_through_its_own_route(self):
        """Through a customer-wide link, the form posts below that link."""
        _link, token = self._generate(self.customer_en)[:2]
        path = f"/p/{token}/invoice/{self.invoice.id}"
        (form,) = self._page(path).xpath("//form[@id='o_payment_form']")
        self.assertEqual(form.get("data-transaction-route"), f"{path}/transaction")
        body = self._pay(path)
        self.assertIn("result", body, body)
        self.assertEqual(len(self._transactions()), 1)
        response = self._get(RETURN_ROUTE)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(f"{path}#pay"))

    # ------------------------------------------------------------
    # Paying
    # ------------------------------------------------------------

    def test_pay_through_the_link_posts_and_reconciles(self):
        """The route creates the transaction for the invoice, its partner and
        currency, landing without the token; once the provider confirms it,
        Odoo's post-processing pays and reconciles the invoice, the way back
        leads to the link's page, which shows the receipt.
        """
        response, body = self._rpc(
            f"/p/{self.token}/transaction", self._pay_params(f"/p/{self.token}")
        )
        self.assertIn("result", body, body)
        for header, value in SECURITY_HEADERS.items():
            self.assertEqual(response.headers.get(header), value, header)
        tx = self._transactions()
        self.assertEqual(len(tx), 1)
        self.assertEqual(body["result"]["reference"], tx.reference)
        self.assertEqual(tx.state, "draft")
        self.assertEqual(tx.amount, 1234.5)
        self.assertEqual(tx.currency_id, self.thb)
        self.assertEqual(tx.partner_id, self.invoice.partner_id)
        self.assertEqual(tx.provider_id, self.provider)
        self.assertEqual(tx.landing_route, RETURN_ROUTE)
        self.assertFalse(tx.tokenize)
        self.assertNotIn(self.token, str(tx.read()))

        self._confirm(tx)
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertTrue(tx.payment_id)
        self.assertEqual(self.link.state, "closed")

        response = self._get(RETURN_ROUTE)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(f"/p/{self.token}#pay"))
        tree = self._page(f"/p/{self.token}")
        (receipt,) = tree.xpath(
            "//div[contains(@class, 'o_jingjai_portal_paid_online')]"
        )
        text = receipt.text_content()
        self.assertIn(tx.reference, text)
        self.assertIn("1,234.50", text)
        self.assertIn(self.pm_card.name, text)
        self.assertTrue(
            tree.xpath("//a[contains(@class, 'o_jingjai_portal_paid_pdf')]")
        )
        self.assertFalse(tree.xpath("//form[@id='o_payment_form']"))

    def test_partial_amount(self):
        """A part of what is due: that amount is paid, the page then offers the
        rest and shows the payment received.
        """
        body = self._pay(amount=500.0)
        self.assertIn("result", body, body)
        tx = self._transactions()
        self.assertEqual(tx.amount, 500.0)
        self._confirm(tx)
        self.assertEqual(self.invoice.payment_state, "partial")
        self.assertEqual(self.invoice.amount_residual, 734.5)
        tree = self._page(f"/p/{self.token}")
        (notice,) = tree.xpath("//div[contains(@class, 'o_jingjai_portal_tx_notice')]")
        self.assertEqual(notice.get("data-kind"), "done")
        self.assertIn("500.00", notice.text_content())
        (form,) = tree.xpath("//form[@id='o_payment_form']")
        self.assertEqual(float(form.get("data-amount")), 734.5)

    # ------------------------------------------------------------
    # Odoo's payment terms: installments, early payment discount
    # ------------------------------------------------------------

    def test_installments_as_odoo_offers_them(self):
        """An invoice in installments: the form offers the next installment
        first and the full amount beside it, as Odoo's own invoice page does;
        paying the installment pays that part, and the page then offers the
        rest (the last installment: nothing left to choose).
        """
        invoice, token = self._invoice_with_term(
            "account.account_payment_term_advance_60days"
        )
        odoo = invoice._get_invoice_next_payment_values()
        self.assertEqual(odoo["installment_state"], "next")
        for path in (f"/p/{token}", invoice.get_portal_url()):
            with self.subTest(path=path):
                (form,) = self._page(path).xpath("//form[@id='o_payment_form']")
                self.assertEqual(
                    float(form.get("data-invoice-next-amount-to-pay")), 300
                )
                self.assertEqual(float(form.get("data-invoice-amount-due")), 1000)
        tree = self._page(f"/p/{token}")
        (form,) = tree.xpath("//form[@id='o_payment_form']")
        self.assertEqual(float(form.get("data-amount")), 300.0)
        tabs = tree.xpath(
            "//*[@id='pay_with']//button[contains(@class, 'o_btn_payment_tab')]"
        )
        self.assertEqual(
            [tab.get("id") for tab in tabs],
            ["o_payment_installments_tab", "o_payment_full_tab"],
        )
        self.assertIn("Next installment", tabs[0].text_content())
        self.assertIn("300.00", tabs[0].text_content())
        self.assertIn("1,000.00", tabs[1].text_content())

        body = self._pay(f"/p/{token}")
        self.assertIn("result", body, body)
        tx = self._transactions(invoice)
        self.assertEqual(tx.amount, 300.0)
        self._confirm(tx)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(invoice.amount_residual, 700.0)
        tree = self._page(f"/p/{token}")
        (form,) = tree.xpath("//form[@id='o_payment_form']")
        self.assertEqual(float(form.get("data-amount")), 700.0)
        self.assertFalse(tree.xpath("//*[@id='pay_with']"))

    def test_overdue_installments_are_offered_together(self):
        """Overdue installments are offered as one amount, marked overdue; the
        full amount may be paid instead (never more than what is due).
        """
        invoice, token = self._invoice_with_term(
            "account.account_payment_term_advance_60days",
            invoice_date=self.today - timedelta(days=5),
        )
        tree = self._page(f"/p/{token}")
        (tab,) = tree.xpath("//button[@id='o_payment_installments_tab']")
        self.assertIn("Overdue installments", tab.text_content())
        self.assertTrue(tree.xpath("//dd[contains(@class, 'text-danger')]"))
        body = self._pay(f"/p/{token}", amount=1000.0)
        self.assertIn("result", body, body)
        self.assertEqual(self._transactions(invoice).amount, 1000.0)
        self.assertIn("at most", str(self._pay(f"/p/{token}", amount=1000.01)["error"]))

    def test_installments_fall_due_in_the_business_timezone(self):
        """At 01:00 in Thailand (18:00 UTC the day before), an installment due
        the day before there is overdue, as the page's own due dates count
        days: Odoo's installments are not decided in the public visitor's
        timezone (UTC), which would still offer it as the next one.
        """
        with freeze_time("2026-12-01 18:00:00"):
            invoice, token = self._invoice_with_term(
                "account.account_payment_term_advance_60days",
                invoice_date=date(2026, 12, 1),
            )
            tree = self._page(f"/p/{token}")
        (tab,) = tree.xpath("//button[@id='o_payment_installments_tab']")
        self.assertIn("Overdue installments", tab.text_content())

    def test_early_payment_discount_as_odoo_offers_it(self):
        """Within the discount's days the form offers the amount less the early
        payment discount, as Odoo's page does; paying it pays the invoice in
        full (Odoo writes the discount off).
        """
        invoice, token = self._invoice_with_term(
            "account.account_payment_term_30days_early_discount"
        )
        tree = self._page(f"/p/{token}")
        (form,) = tree.xpath("//form[@id='o_payment_form']")
        self.assertEqual(float(form.get("data-amount")), 980.0)
        (notice,) = tree.xpath(
            "//div[contains(@class, 'o_jingjai_portal_early_discount')]"
        )
        self.assertIn("20.00", notice.text_content())
        self.assertFalse(tree.xpath("//*[@id='pay_with']"))

        body = self._pay(f"/p/{token}")
        self.assertIn("result", body, body)
        tx = self._transactions(invoice)
        self.assertEqual(tx.amount, 980.0)
        self._confirm(tx)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))

    def test_early_payment_discount_ends_with_its_days(self):
        """Past the discount's days the form offers all that is due, without
        the discount notice, as Odoo's page does."""
        invoice, token = self._invoice_with_term(
            "account.account_payment_term_30days_early_discount",
            invoice_date=self.today - timedelta(days=10),
        )
        self.assertNotEqual(
            invoice._get_invoice_next_payment_values()["installment_state"], "epd"
        )
        tree = self._page(f"/p/{token}")
        (form,) = tree.xpath("//form[@id='o_payment_form']")
        self.assertEqual(float(form.get("data-amount")), 1000.0)
        self.assertFalse(
            tree.xpath("//div[contains(@class, 'o_jingjai_portal_early_discount')]")
        )

    def test_amount_above_due_or_not_positive_is_refused(self):
        huge = (float("nan"), float("inf"), float("-inf"), 1e300, 10**30)
        for amount in (1234.51, 5000.0, 0.0, -10.0, "1000", None, True, *huge):
            with self.subTest(amount=amount):
                self.assertRefused(
                    self._pay(amount=amount), "must be more than zero and at most"
                )

    def test_tampered_partner_currency_invoice_or_landing_is_refused(self):
        """The link decides partner, currency, company, invoice and landing
        route: a call naming others is refused; naming the same ones is fine.
        """
        usd = self.setup_other_currency("USD")
        other_invoice = self._invoice(partner=self.customer_th)
        for key, value in (
            ("partner_id", self.customer_th.id),
            ("currency_id", usd.id),
            ("invoice_id", other_invoice.id),
            ("company_id", self.env.ref("base.main_company").id),
            ("landing_route", "https://evil.example.com/"),
        ):
            with self.subTest(key=key):
                self.assertRefused(
                    self._pay(**{key: value}), "does not match this page"
                )
        for key, value in (("token_id", 1), ("tokenization_requested", True)):
            with self.subTest(key=key):
                self.assertRefused(self._pay(**{key: value}), "Saved payment methods")
        self.assertRefused(self._pay(flow="token"), "choose a payment method")
        self.assertRefused(
            self._pay(provider_id=self.provider.id + 1000), "not available"
        )
        with mute_logger("odoo.http"):
            body = self._pay(reference_prefix="X")
        self.assertIn("error", body)
        self.assertFalse(self._transactions())
        body = self._pay(
            partner_id=self.invoice.partner_id.id,
            currency_id=self.thb.id,
            invoice_id=self.invoice.id,
        )
        self.assertIn("result", body, body)
        self.assertEqual(self._transactions().amount, 1234.5)

    def test_call_without_the_pages_csrf_token_is_refused(self):
        self.assertRefused(self._pay(csrf_token="forged"), "out of date")

    def test_revoked_expired_or_closed_link_is_refused(self):
        path = f"/p/{self.token}"
        params = self._pay_params(path)
        self.link.action_revoke()
        _response, body = self._rpc(f"{path}/transaction", params)
        self.assertRefused(body, "revoked")

        invoice = self._invoice()
        link, token = self._generate(invoice)[:2]
        params = self._pay_params(f"/p/{token}")
        self._expire(link)
        _response, body = self._rpc(f"/p/{token}/transaction", params)
        self.assertIn("expired", body["error"]["data"]["message"])
        self.assertFalse(self._transactions(invoice))

        invoice = self._invoice()
        link, token = self._generate(invoice)[:2]
        params = self._pay_params(f"/p/{token}")
        invoice.button_draft()
        _response, body = self._rpc(f"/p/{token}/transaction", params)
        self.assertIn("closed", body["error"]["data"]["message"])
        self.assertFalse(self._transactions(invoice))

    def test_code_link_needs_this_browser_unlocked(self):
        self.company.write(
            {
                "jingjai_portal_access_codes": True,
                "jingjai_portal_code_channel": "email",
            }
        )
        link, token = self._generate(self.invoice, require_code=True)[:2]
        self.assertTrue(link.requires_code)
        params = self._pay_params(f"/p/{self.token}")
        _response, body = self._rpc(f"/p/{token}/transaction", params)
        self.assertRefused(body, "cannot be paid from this page")

    def test_other_customers_invoice_is_not_found(self):
        _link, token = self._generate(self.customer_th)[:2]
        params = self._pay_params(f"/p/{self.token}")
        for path in (
            f"/p/{token}/invoice/{self.invoice.id}/transaction",
            f"/p/{token}/invoice/999999999/transaction",
            f"/p/{token}/payment/{self.invoice.id}/transaction",
            "/p/AAAAAAAAAAAAAAAAAAAAAA/transaction",
        ):
            with self.subTest(path=path):
                _response, body = self._rpc(path, params)
                self.assertEqual(body["error"]["code"], 404)
                self.assertFalse(self._transactions())

    def test_double_submit_gives_one_transaction(self):
        params = self._pay_params(f"/p/{self.token}")
        first = self._rpc(f"/p/{self.token}/transaction", params)[1]
        second = self._rpc(f"/p/{self.token}/transaction", params)[1]
        self.assertEqual(first["result"]["reference"], second["result"]["reference"])
        self.assertEqual(len(self._transactions()), 1)
        # Another amount is another payment.
        self._rpc(f"/p/{self.token}/transaction", {**params, "amount": 100.0})
        self.assertEqual(len(self._transactions()), 2)

    def test_a_draft_of_odoos_own_page_is_never_reused(self):
        """A draft Odoo's own invoice page started (its landing route holds the
        invoice's access_token), or one saving a card, is not handed to the
        link's visitor: the link makes its own."""
        params = self._pay_params(f"/p/{self.token}")
        Transaction = self.env["payment.transaction"].sudo()
        for extra in (
            {"landing_route": self.invoice.get_portal_url()},
            {"landing_route": "/p/payment-return", "tokenize": True},
        ):
            with self.subTest(extra=extra):
                odoo_draft = Transaction.create(
                    {
                        "provider_id": self.provider.id,
                        "payment_method_id": self.pm_card.id,
                        "amount": params["amount"],
                        "currency_id": self.invoice.currency_id.id,
                        "partner_id": self.invoice.partner_id.id,
                        "operation": f"online_{self.flow}",
                        "invoice_ids": [Command.set(self.invoice.ids)],
                        **extra,
                    }
                )
                body = self._rpc(f"/p/{self.token}/transaction", params)[1]
                self.assertNotEqual(body["result"]["reference"], odoo_draft.reference)
                new = self._transactions() - odoo_draft
                self.assertEqual(new[-1:].landing_route, "/p/payment-return")
                self.assertFalse(new[-1:].tokenize)
                (self._transactions()).unlink()

    # ------------------------------------------------------------
    # Landing
    # ------------------------------------------------------------

    def test_pending_and_failed_payments_are_shown(self):
        self.assertIn("result", self._pay())
        tx = self._transactions()
        tx._set_pending()
        self.env.invalidate_all()
        tree = self._page(f"/p/{self.token}")
        (notice,) = tree.xpath("//div[contains(@class, 'o_jingjai_portal_tx_notice')]")
        self.assertEqual(notice.get("data-kind"), "pending")
        self.assertIn("waiting for confirmation", notice.text_content())
        self.assertIn(tx.reference, notice.text_content())
        self.assertEqual(self.invoice.payment_state, "not_paid")

        tx._set_error("Card declined")
        self.env.invalidate_all()
        tree = self._page(f"/p/{self.token}")
        (notice,) = tree.xpath("//div[contains(@class, 'o_jingjai_portal_tx_notice')]")
        self.assertEqual(notice.get("data-kind"), "error")
        self.assertIn("did not go through", notice.text_content())
        self.assertTrue(tree.xpath("//form[@id='o_payment_form']"))

    def test_return_without_cookie_names_nothing(self):
        self.opener.cookies.clear()
        response = self._get(RETURN_ROUTE)
        self.assertEqual(response.status_code, 200)
        self.assertIn("open the link we sent you again", response.text)
        self.assertNotIn(self.company.name, response.text)
        for header, value in SECURITY_HEADERS.items():
            self.assertEqual(response.headers.get(header), value, header)
        self.opener.cookies.set(
            "jingjai_portal_payment", "../../web", path=RETURN_ROUTE
        )
        response = self._get(RETURN_ROUTE)
        self.assertEqual(response.status_code, 200)

    # ------------------------------------------------------------
    # Quotes: the prepayment after Sign & Accept
    # ------------------------------------------------------------

    def test_prepayment_after_sign_and_accept_confirms_the_order(self):
        """A quote asking for 30 % signed through its link offers that amount in
        Odoo's form; paying it confirms the order as on Odoo's own page, and the
        accepted quote's page shows the payment.
        """
        quote, path = self._prepayment_quote_link(0.3)
        self.assertFalse(self._page(path).xpath("//form[@id='o_payment_form']"))
        body = self._sign_and_accept(path)
        self.assertTrue(body["result"].get("force_refresh"), body)
        self.assertEqual(quote.state, "sent")

        (form,) = self._page(path).xpath("//form[@id='o_payment_form']")
        prepayment = quote._get_prepayment_required_amount()
        self.assertTrue(prepayment)
        self.assertEqual(float(form.get("data-amount")), prepayment)
        self.assertEqual(form.get("data-transaction-route"), f"{path}/transaction")
        body = self._pay(path, amount=quote.amount_total + 1)
        self.assertIn("must be more than zero and at most", str(body))
        body = self._pay(path, sale_order_id=quote.id + 1)
        self.assertIn("does not match", str(body))
        body = self._pay(path)
        self.assertIn("result", body, body)
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .search([("sale_order_ids", "in", quote.ids)])
        )
        self.assertEqual(len(tx), 1)
        self.assertEqual(tx.amount, prepayment)
        self.assertEqual(tx.partner_id, quote.partner_invoice_id)
        self.assertEqual(tx.landing_route, RETURN_ROUTE)

        self._confirm(tx)
        self.assertEqual(quote.state, "sale")
        response = self._get(RETURN_ROUTE)
        self.assertTrue(response.headers["Location"].endswith(f"{path}#pay"))
        tree = self._page(path)
        (receipt,) = tree.xpath(
            "//div[contains(@class, 'o_jingjai_portal_paid_online')]"
        )
        self.assertIn(tx.reference, receipt.text_content())
        self.assertFalse(tree.xpath("//form[@id='o_payment_form']"))

    # ------------------------------------------------------------
    # Customer-wide link: pay all open invoices
    # ------------------------------------------------------------

    def test_pay_all_open_invoices_from_the_account_page(self):
        """The account page offers one payment for every open invoice in baht;
        paying it reconciles them all. Paid ones, credit notes and other
        currencies stay out.
        """
        customer = self.env["res.partner"].create(
            {"name": "Pay All Co.", "is_company": True, "lang": "en_US"}
        )
        first = self._invoice(partner=customer, amount=1000.0)
        second = self._invoice(partner=customer, amount=250.0)
        paid = self._invoice(partner=customer, amount=70.0)
        self._register_payment(paid)
        usd = self.setup_other_currency("USD")
        in_usd = self._invoice(partner=customer, amount=40.0, currency_id=usd.id)
        _link, token = self._generate(customer)[:2]
        path = f"/p/{token}"
        tree = self._page(path)
        (section,) = tree.xpath(
            "//section[contains(@class, 'o_jingjai_portal_pay_all')]"
        )
        (form,) = section.xpath(".//form[@id='o_payment_form']")
        self.assertEqual(float(form.get("data-amount")), 1250.0)
        self.assertEqual(form.get("data-transaction-route"), f"{path}/transaction")
        self.assertIn(first.name, section.text_content())

        body = self._pay(path, invoice_id=first.id)
        self.assertIn("does not match this page", str(body))
        body = self._pay(path, amount=1250.01)
        self.assertIn("at most", str(body))
        body = self._pay(path)
        self.assertIn("result", body, body)
        tx = self._transactions(first)
        self.assertEqual(tx.invoice_ids, first | second)
        self.assertEqual(tx.amount, 1250.0)
        self.assertEqual(tx.partner_id, customer)
        self._confirm(tx)
        for invoice in (first, second):
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(in_usd.payment_state, "not_paid")
        response = self._get(RETURN_ROUTE)
        self.assertTrue(response.headers["Location"].endswith(f"{path}#pay"))
        tree = self._page(path)
        self.assertFalse(tree.xpath("//form[@id='o_payment_form']"))
        (notice,) = tree.xpath("//div[contains(@class, 'o_jingjai_portal_tx_notice')]")
        self.assertEqual(notice.get("data-kind"), "done")
        self.assertIn(tx.reference, notice.text_content())
        self.assertIn("1,250.00", notice.text_content())
        _response, body = self._rpc(
            f"{path}/transaction", {**self._pay_params(f"/p/{self.token}")}
        )
        self.assertIn("no open invoice", str(body))


@tagged("post_install", "-at_install")
class TestPayOnlineTour(PayOnlineCommon, HttpCase):
    browser_size = "390x844"
    touch_enabled = True

    def _pay_in_chromium(self, token, tour, invoice):
        """Run ``tour`` on the link's page, the provider confirming the payment
        (as its webhook would) before Odoo's status page post-processes it.

        :return: the invoice's transactions
        """
        Transaction = self.registry["payment.transaction"]
        post_process = Transaction._post_process
        provider = self.provider

        def confirm_then_post_process(transactions):
            for tx in transactions.filtered(
                lambda tx: tx.state == "draft" and tx.provider_id == provider
            ):
                tx._set_done()
            return post_process(transactions)

        with patch.object(Transaction, "_post_process", confirm_then_post_process):
            self.start_tour(f"/p/{token}", tour)
        return (
            self.env["payment.transaction"]
            .sudo()
            .search([("invoice_ids", "in", invoice.ids)])
        )

    def test_customer_pays_on_a_phone_in_chromium(self):
        """On a phone-width page, Odoo's payment form calls the link's route,
        the provider confirms, Odoo's status page post-processes and sends the
        customer back to the link, which shows the paid invoice and the receipt.
        """
        tx = self._pay_in_chromium(
            self.token, "jingjai_portal_pay_online", self.invoice
        )
        self.assertEqual(len(tx), 1)
        self.assertEqual(tx.amount, 1234.5)
        self.assertEqual(tx.state, "done")
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))

    def test_customer_chooses_the_full_amount_of_an_installment_invoice(self):
        """An invoice in installments offers the next one first; the customer
        chooses the full amount, and Odoo's own payment form script pays the
        chosen tab's amount through the link.
        """
        invoice, token = self._invoice_with_term(
            "account.account_payment_term_advance_60days"
        )
        tx = self._pay_in_chromium(
            token, "jingjai_portal_pay_online_full_amount", invoice
        )
        self.assertEqual(len(tx), 1)
        self.assertEqual(tx.amount, 1000.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
