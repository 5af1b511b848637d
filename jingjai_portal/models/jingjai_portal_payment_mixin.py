import math

import psycopg2

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.http import request
from odoo.tools import SQL

# Where a payment provider sends the visitor back to (see the controller).
PAYMENT_RETURN_ROUTE = "/p/payment-return"
# How long a second click or tab reuses the first one's draft transaction.
DRAFT_REUSE_MINUTES = 30
# How long the account page tells of the last "Pay all" (the way back's life).
RECENT_PAYMENT_DAYS = 2
# What a page says of the document's last online payment, by transaction state.
TRANSACTION_NOTICES = {
    "draft": None,
    "pending": "pending",
    "authorized": "pending",
    "done": "done",
    "cancel": "error",
    "error": "error",
}


class JingjaiPortalPaymentMixin(models.AbstractModel):
    """Paying a link's quote or invoices online, with Odoo's payment providers.

    What Odoo's own portal does for a document (``payment.form``, then
    ``_create_transaction``), for a visitor holding a link: the models say
    what is payable and how much; the controller resolves the link and calls
    these. A recordset of several invoices is paid by one transaction.
    """

    _name = "jingjai.portal.payment.mixin"
    _description = "Portal Link Online Payment"

    # The payment.transaction field that links the transaction to the documents.
    _jingjai_portal_transaction_field = None

    # ------------------------------------------------------------
    # What each model says
    # ------------------------------------------------------------

    def _jingjai_portal_can_pay_online(self):
        """Whether these documents may be paid online now, as Odoo decides."""
        return False

    def _jingjai_portal_payment_partner(self):
        """The partner paying, as on Odoo's own page for a visitor."""
        raise NotImplementedError

    def _jingjai_portal_online_amount_due(self):
        """What the payment form offers to pay, unless Odoo's payment terms
        offer less (:meth:`_jingjai_portal_online_terms`)."""
        raise NotImplementedError

    def _jingjai_portal_online_amount_max(self):
        """The most one payment may be: what is still due."""
        return self._jingjai_portal_online_amount_due()

    def _jingjai_portal_online_terms(self):
        """What Odoo's own page offers to pay instead of all that is due, or None.

        :return: a dict with ``installment`` (the next or overdue installments:
            ``offered`` amount, ``full`` amount due, ``due_date``, ``overdue``,
            ``reference``; the customer chooses one of the two) and
            ``discount`` (an early payment discount: ``offered`` amount, the
            discount's ``amount``, Odoo's ``message``), one of them None
        """
        return None

    # ------------------------------------------------------------
    # The form
    # ------------------------------------------------------------

    def _jingjai_portal_online_payment(self, urls):
        """The values of Odoo's payment form on a page under a link, or False.

        Offered when Odoo would offer it and the company has an enabled
        provider for the partner, currency and amount. No saved payment method
        is offered nor saved: whoever holds the link is a visitor, not the
        customer's account.

        :param urls: the ``PortalLinkUrls`` of the page under the visitor's token
        """
        if not self or not self._jingjai_portal_payable_now():
            return False
        terms = self._jingjai_portal_online_terms()
        offer = terms and (terms["installment"] or terms["discount"])
        amount = offer["offered"] if offer else self._jingjai_portal_online_amount_due()
        # The providers that can take the most the form may pay (the full
        # amount beside an installment), as Odoo's page asks: the transaction
        # route checks the amount actually paid again.
        most = offer.get("full", amount) if offer else amount
        providers_sudo, methods_sudo = self._jingjai_portal_payment_options(most)
        if not methods_sudo:
            return False
        return {
            "amount": amount,
            "terms": terms,
            "currency": self[:1].currency_id,
            "partner_id": self._jingjai_portal_payment_partner().id,
            "reference_prefix": False,
            "providers_sudo": providers_sudo,
            "payment_methods_sudo": methods_sudo,
            "tokens_sudo": self.env["payment.token"].sudo(),
            "show_tokenize_input_mapping": dict.fromkeys(providers_sudo.ids, False),
            "availability_report": {},
            "transaction_route": urls.transaction,
            # The link's token is never stored: the transaction keeps a landing
            # route without it (see the controller's payment return).
            "landing_route": PAYMENT_RETURN_ROUTE,
            "access_token": False,
        }

    def _jingjai_portal_payable_now(self):
        """Odoo's rule for these documents, and a partner of their company:
        decided here for the form and for every transaction alike."""
        company = self[:1].company_id
        partner = self._jingjai_portal_payment_partner()
        return self._jingjai_portal_can_pay_online() and (
            not partner.company_id or partner.company_id == company
        )

    @api.model
    def _jingjai_portal_website_filter(self):
        """``website_id`` for ``_get_compatible_providers`` on a website page
        (website_payment keeps each website's providers to it), else nothing."""
        website = getattr(request, "website", None) if request else None
        return {"website_id": website.id} if website else {}

    def _jingjai_portal_payment_options(self, amount):
        """``(providers_sudo, payment_methods_sudo)`` that can pay ``amount`` now."""
        company = self[:1].company_id
        currency = self[:1].currency_id
        partner = self._jingjai_portal_payment_partner()
        # The link was found with active_test off (its documents come with
        # that context), and Odoo's searches below leave archived payment
        # methods out only with it on: else every method a provider could
        # support would be offered, not just the ones the business enabled.
        env = self.with_context(active_test=True).env
        Provider, Method = env["payment.provider"], env["payment.method"]
        # Without any enabled provider (most companies), none of Odoo's
        # searches below: nothing to offer, no query.
        if not Provider._jingjai_portal_company_has_enabled(company.id):
            return Provider.sudo(), Method.sudo()
        # sudo: an anonymous visitor reads no provider or method, as on Odoo's
        # own pages; only the ones enabled for these documents come out.
        providers_sudo = Provider.sudo()._get_compatible_providers(
            company.id,
            partner.id,
            amount,
            currency_id=currency.id,
            # As Odoo's pages: providers of this website only, if any.
            **self._jingjai_portal_website_filter(),
        )
        if not providers_sudo:
            # No method is compatible with no provider: spare Odoo's search of
            # every payment method.
            return providers_sudo, Method.sudo()
        methods_sudo = Method.sudo()._get_compatible_payment_methods(
            providers_sudo.ids, partner.id, currency_id=currency.id
        )
        return providers_sudo, methods_sudo

    # ------------------------------------------------------------
    # The transaction
    # ------------------------------------------------------------

    def _jingjai_portal_check_payment_claims(self, claims):
        """Refuse a payment call that names anything else than these documents'
        own partner, currency, company, documents or landing route, or asks
        for a saved payment method: the link decides them all.

        :param dict claims: what the call sent of those, as it sent it
        :raise UserError: with a message for the visitor
        """
        expected = {
            "partner_id": self._jingjai_portal_payment_partner().id,
            "currency_id": self[:1].currency_id.id,
            "company_id": self[:1].company_id.id,
            "landing_route": PAYMENT_RETURN_ROUTE,
            "invoice_id": self.id
            if self._name == "account.move" and len(self) == 1
            else -1,
            "sale_order_id": self.id if self._name == "sale.order" else -1,
        }
        for key, value in claims.items():
            if key in expected:
                if value in (None, False, "") or str(value) == str(expected[key]):
                    continue
            elif not value:
                # token_id, tokenization_requested, is_validation: off
                continue
            raise UserError(
                self.env._(
                    "This payment does not match this page. Please reload the page "
                    "and pay again."
                )
                if key in expected
                else self.env._(
                    "Saved payment methods cannot be used or saved from this page."
                )
            )

    def _jingjai_portal_transaction_values(
        self, provider_id, payment_method_id, amount, flow
    ):
        """Check a payment the visitor asked for, and the transaction's values.

        Partner, currency, company and landing route are the documents' and
        the link's; the provider and method must be among those the page
        offers; the amount is at most what is still due.

        :return: the keyword arguments of Odoo's ``_create_transaction``
        :raise UserError: with a message for the visitor; nothing is created
        """
        currency = self[:1].currency_id
        if not self._jingjai_portal_payable_now():
            raise UserError(
                self.env._("This cannot be paid online now. Please reload the page.")
            )
        most = self._jingjai_portal_online_amount_max()
        if (
            not isinstance(amount, (int, float))
            or isinstance(amount, bool)
            # NaN, infinities and huge numbers would break the rounding below.
            or not math.isfinite(amount)
            or abs(amount) >= 1e12
            or currency.compare_amounts(amount, 0.0) <= 0
            or currency.compare_amounts(amount, most) > 0
        ):
            raise UserError(
                self.env._(
                    "The amount to pay must be more than zero and at most %s, "
                    "what is still due.",
                    tools.format_amount(self.env, most, currency),
                )
            )
        if flow not in ("redirect", "direct"):
            raise UserError(
                self.env._("Please choose a payment method on the page to pay with.")
            )
        providers_sudo, methods_sudo = self._jingjai_portal_payment_options(amount)
        method_sudo = methods_sudo.filtered(
            lambda method: method.id == payment_method_id
        )
        provider_sudo = providers_sudo.filtered(
            lambda provider: provider.id == provider_id
        )
        if not method_sudo or provider_sudo not in method_sudo.provider_ids:
            raise UserError(
                self.env._(
                    "This payment method is not available here. Please reload the "
                    "page and choose another one."
                )
            )
        return {
            "provider_id": provider_sudo.id,
            "payment_method_id": method_sudo.id,
            "token_id": None,
            "amount": currency.round(amount),
            "currency_id": currency.id,
            "partner_id": self._jingjai_portal_payment_partner().id,
            "flow": flow,
            "tokenization_requested": False,
            "landing_route": PAYMENT_RETURN_ROUTE,
            "is_validation": False,
            "custom_create_values": {
                self._jingjai_portal_transaction_field: [Command.set(self.ids)]
            },
        }

    def _jingjai_portal_draft_transaction(self, values):
        """A transaction this visitor just started for the same payment, to
        answer a second click or tab with the first one's transaction.

        Call it with the documents locked (:meth:`_jingjai_portal_lock_for_payment`).
        """
        # sudo: the visitor is anonymous; only these documents' own drafts come out.
        drafts_sudo = (
            self.env["payment.transaction"]
            .sudo()
            .search(
                [
                    (self._jingjai_portal_transaction_field, "in", self.ids),
                    ("state", "=", "draft"),
                    ("provider_id", "=", values["provider_id"]),
                    ("payment_method_id", "=", values["payment_method_id"]),
                    ("amount", "=", values["amount"]),
                    ("currency_id", "=", values["currency_id"]),
                    ("partner_id", "=", values["partner_id"]),
                    ("operation", "=", f"online_{values['flow']}"),
                    # Only a draft a link started: never one of Odoo's own
                    # pages (its landing route holds an access_token), one
                    # saving a card, or one the provider already knows.
                    ("landing_route", "=", PAYMENT_RETURN_ROUTE),
                    ("tokenize", "=", False),
                    ("token_id", "=", False),
                    ("provider_reference", "=", False),
                    (
                        "create_date",
                        ">=",
                        fields.Datetime.subtract(
                            fields.Datetime.now(), minutes=DRAFT_REUSE_MINUTES
                        ),
                    ),
                ],
                order="id desc",
            )
        )
        # For exactly these documents: paying them all is not paying one.
        return drafts_sudo.filtered(
            lambda tx: tx[self._jingjai_portal_transaction_field] == self
        )[:1]

    def _jingjai_portal_lock_for_payment(self):
        """Lock these documents' rows until the transaction ends.

        A second click or tab at once is refused without waiting; one that
        comes once the first committed fails to serialize under Odoo's
        repeatable-read transactions (the rows are written below) and Odoo
        replays it: it then finds the first one's draft transaction.

        :raise UserError: another request holds the lock; nothing changed
        """
        table = SQL.identifier(self._table)
        ids = tuple(sorted(self.ids))
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM %s WHERE id IN %s ORDER BY id "
                        "FOR NO KEY UPDATE NOWAIT",
                        table,
                        ids,
                    ),
                    log_exceptions=False,
                )
        except psycopg2.errors.LockNotAvailable:
            raise UserError(
                self.env._(
                    "A payment is being started from this page right now. Please "
                    "wait a moment and reload the page."
                )
            ) from None
        self.env.cr.execute(
            SQL("UPDATE %s SET write_date = write_date WHERE id IN %s", table, ids)
        )

    # ------------------------------------------------------------
    # Landing
    # ------------------------------------------------------------

    def _jingjai_portal_transaction_notice(self):
        """What the page says of the document's last online payment: a dict with
        ``kind`` (``done``, ``pending`` or ``error``), the transaction's
        ``date``, ``amount``, ``currency``, ``method`` and ``reference``; or None.
        """
        self.ensure_one()
        # sudo: the visitor reads no transaction; only this document's last one
        # is summed up.
        tx_sudo = (
            self.with_context(active_test=False).sudo().transaction_ids._get_last()
        )
        return self._jingjai_portal_transaction_summary(tx_sudo)

    @api.model
    def _jingjai_portal_transaction_summary(self, tx_sudo):
        """:meth:`_jingjai_portal_transaction_notice` of ``tx_sudo`` (or None)."""
        # A "custom" provider is a bank transfer: slips have their own notices.
        kind = (
            tx_sudo
            and tx_sudo.provider_code != "custom"
            and TRANSACTION_NOTICES.get(tx_sudo.state)
        )
        if not kind:
            return None
        return {
            "kind": kind,
            "date": tx_sudo.last_state_change or tx_sudo.create_date,
            "amount": tx_sudo.amount,
            "currency": tx_sudo.currency_id,
            "method": tx_sudo.payment_method_id.name or tx_sudo.provider_id.name,
            "reference": tx_sudo.reference,
        }
