import base64

import psycopg2

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.fields import Command, Domain
from odoo.tools import SQL

from ..lib import qr_image
from ..lib import slip as slip_rules
from ..lib.text import file_name_part

PAID_STATES = ("paid", "in_payment")

# Where a payment provider sends the visitor back to (see the controller).
PAYMENT_RETURN_ROUTE = "/p/payment-return"
# How long a second click or tab reuses the first one's draft transaction.
DRAFT_REUSE_MINUTES = 30

# What the invoice page offers, by payment state (see _jingjai_portal_payment).
PAYABLE_STATES = ("promptpay", "not_thb", "no_promptpay")

# What the page says of the invoice's last online payment, by transaction state.
TRANSACTION_NOTICES = {
    "draft": None,
    "pending": "pending",
    "authorized": "pending",
    "done": "done",
    "cancel": "error",
    "error": "error",
}


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "jingjai.portal.link.mixin"]

    _jingjai_portal_link_field = "account_move_id"
    _jingjai_portal_customer_path = "commercial_partner_id"
    _jingjai_portal_page_template = "jingjai_portal.page_invoice"
    _jingjai_portal_report_ref = "account.account_invoices"

    jingjai_portal_slip_ids = fields.Many2many(
        comodel_name="ir.attachment",
        relation="jingjai_portal_account_move_slip_rel",
        column1="move_id",
        column2="attachment_id",
        string="Payment slips from the portal",
        readonly=True,
        copy=False,
        help="Transfer slips the customer uploaded through a portal link. They do "
        "not mark the invoice paid: register the payment once the transfer is "
        "confirmed.",
    )

    jingjai_portal_slip_record_ids = fields.One2many(
        "jingjai.portal.slip",
        "move_id",
        string="Payment slips",
        readonly=True,
        groups="account.group_account_invoice",
    )
    jingjai_portal_slip_count = fields.Integer(
        string="Slips",
        compute="_compute_jingjai_portal_slip_count",
        groups="account.group_account_invoice",
    )

    @api.depends("jingjai_portal_slip_record_ids")
    def _compute_jingjai_portal_slip_count(self):
        for move in self:
            move.jingjai_portal_slip_count = len(move.jingjai_portal_slip_record_ids)

    def action_jingjai_portal_slips(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "jingjai_portal.action_jingjai_portal_slip"
        )
        action["domain"] = [("move_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def _jingjai_portal_undeletable_message(self):
        return self.env._(
            "This invoice has portal links, kept for the audit trail. "
            "Cancel it instead of deleting it."
        )

    def _jingjai_portal_check_shareable(self):
        self.ensure_one()
        if self.move_type not in ("out_invoice", "out_refund"):
            raise UserError(
                self.env._("Only customer invoices and credit notes can be shared.")
            )
        if self.state != "posted":
            raise UserError(
                self.env._("Confirm the invoice before sharing a portal link to it.")
            )
        return super()._jingjai_portal_check_shareable()

    def _jingjai_portal_closed_reason(self):
        reason = super()._jingjai_portal_closed_reason()
        if reason:
            return reason
        if self.state != "posted":
            return self.env._("the invoice was cancelled or reset to draft.")
        if self.payment_state in PAID_STATES:
            return self.env._("the invoice is paid.")
        if self.payment_state == "reversed":
            return self.env._("the invoice was reversed by a credit note.")
        return False

    @api.model
    def _jingjai_portal_closed_domain(self):
        return (
            super()._jingjai_portal_closed_domain()
            | Domain("state", "!=", "posted")
            | Domain("payment_state", "in", (*PAID_STATES, "reversed"))
        )

    def _jingjai_portal_page_values(self, link, page_url):
        values = super()._jingjai_portal_page_values(link, page_url)
        today = self._jingjai_portal_today()
        is_overdue = bool(
            self.move_type == "out_invoice"
            and self.payment_state not in (*PAID_STATES, "reversed")
            and self.invoice_date_due
            and self.invoice_date_due < today
        )
        overdue_days = (today - self.invoice_date_due).days if is_overdue else 0
        payment = self._jingjai_portal_payment()
        if payment["state"] == "promptpay":
            png = self._jingjai_portal_qr_png(payment["payload"])
            # Inline, so the QR shows without a second request (and a second
            # entry in the view log); the download route serves the same PNG.
            payment["qr_src"] = "data:image/png;base64," + base64.b64encode(png).decode(
                "ascii"
            )
            # Half the PNG's pixels: one image pixel per screen pixel on the
            # usual 2x phone screen, so no module is blurred by scaling.
            payment["qr_width"] = int.from_bytes(png[16:20], "big") // 2
            payment["qr_download_url"] = f"{page_url}/promptpay.png"
            payment["qr_filename"] = self._jingjai_portal_promptpay_filename()
        values.update(
            {
                "lines": self.invoice_line_ids,
                "currency": self.currency_id,
                "tax_totals": self._jingjai_portal_tax_totals(),
                "amount_paid": self.amount_total - self.amount_residual,
                "is_overdue": is_overdue,
                "overdue_label": self.env._("Overdue by %s day(s)", overdue_days),
                "payment": payment,
                "slips": self.jingjai_portal_slip_ids,
                "slip_waiting": self._jingjai_portal_slip_waiting(),
                "slip_url": f"{page_url}/slip",
                "slip_max_mb": slip_rules.MAX_SLIP_BYTES // (1024 * 1024),
                "slip_error": False,
                "slip_notice": self._jingjai_portal_slip_notice(),
                "online_payment": payment["state"] in PAYABLE_STATES
                and self._jingjai_portal_online_payment(page_url),
                "transaction_notice": self._jingjai_portal_transaction_notice(),
            }
        )
        return values

    def _jingjai_portal_closed_page(self, link):
        """A paid invoice thanks the customer instead of saying "expired".

        Only while the link's own time runs: a receipt is no reason to keep a
        link readable for ever. Cancelled or reversed invoices, and archived
        customers, keep the generic page.
        """
        self.ensure_one()
        if (
            self.state != "posted"
            or self.payment_state not in PAID_STATES
            or not self._jingjai_portal_customer().active
            or link._now() >= link.expires_at
        ):
            return None
        payments = self._jingjai_portal_payments_received()
        return "jingjai_portal.page_invoice_paid", {
            "link": link,
            "record": self,
            "company": link.company_id,
            "paid_on": max((payment["date"] for payment in payments), default=False),
            "transaction_notice": self._jingjai_portal_transaction_notice(),
            # The paid invoice's PDF stays downloadable: it is the customer's
            # receipt (the controller serves /pdf of a closed link that offers it).
            "offers_pdf": True,
        }

    # ------------------------------------------------------------
    # MAIL: Send with a portal link instead of Odoo's access token
    # ------------------------------------------------------------

    def _get_mail_template(self):
        # The invoice's Send flow (single and batch) emails our template, with a
        # portal link button, to customers; vendor bills keep Odoo's.
        template = (
            self
            and all(move.move_type in ("out_invoice", "out_refund") for move in self)
            and self._jingjai_portal_mail_template()
        )
        return template or super()._get_mail_template()

    def _notify_get_recipients_groups(self, message, model_description, msg_vals=False):
        groups = super()._notify_get_recipients_groups(
            message, model_description, msg_vals=msg_vals
        )
        return self._jingjai_portal_notify_groups(groups, message)

    def _jingjai_portal_mail_template(self):
        return (
            self.env.ref(
                "jingjai_portal.mail_template_invoice_portal_link",
                raise_if_not_found=False,
            )
            or super()._jingjai_portal_mail_template()
        )

    def _jingjai_portal_mail_link_title(self):
        if (
            self.move_type == "out_invoice"
            and self.payment_state not in PAID_STATES
            and not self.currency_id.is_zero(self.amount_residual)
        ):
            return self.env._("View and pay")
        return self.env._("View online")

    def _jingjai_portal_mail_can_link(self):
        """Whether the Send email can carry a portal link to this invoice now."""
        self.ensure_one()
        try:
            self._jingjai_portal_check_shareable()
        except UserError:
            return False
        return True

    def _jingjai_portal_mail_link_days(self):
        """How many days a link made now stays valid (the company's setting)."""
        self.ensure_one()
        return self._jingjai_portal_company().jingjai_portal_invoice_expiry_days

    def _jingjai_portal_mail_link_authors(self):
        # Batch sending runs in a cron as OdooBot: the user who asked for the
        # sending (kept in sending_data), else the invoice's salesperson.
        Users = self.env["res.users"]
        return (
            Users.browse((self.sending_data or {}).get("author_user_id")).exists()
            | self.invoice_user_id
            | (self.env.ref("base.user_admin", raise_if_not_found=False) or Users)
        )

    # ------------------------------------------------------------
    # PAYING: PromptPay QR, bank details, slips
    # ------------------------------------------------------------

    def _jingjai_portal_payment(self):
        """How the customer can pay this invoice from its page.

        :return: a dict with

            * ``state``: ``credit_note`` (nothing to pay), ``paid``,
              ``nothing_due``, ``promptpay`` (a QR can be shown), ``not_thb`` or
              ``no_promptpay`` (pay by bank transfer instead);
            * ``amount`` due and its ``currency``; the payment ``reference``;
            * ``bank``: the PromptPay account, with ``payee``,
              ``promptpay_id`` and the EMV ``payload`` when ``promptpay``;
            * ``transfer_banks``: the company's accounts, to pay without a QR;
            * ``problem``: for staff, why there is no QR when payable.
        """
        self.ensure_one()
        currency = self.currency_id
        amount = currency.round(self.amount_residual)
        Bank = self.env["res.partner.bank"]
        payment = {
            "state": False,
            "amount": amount,
            "currency": currency,
            "reference": self.payment_reference or self.name,
            "bank": Bank,
            "payee": False,
            "promptpay_id": False,
            "payload": False,
            "transfer_banks": self._jingjai_portal_receiving_banks(),
            "problem": False,
        }
        if self.move_type != "out_invoice":
            payment["state"] = "credit_note"
        elif self.payment_state in PAID_STATES:
            payment["state"] = "paid"
        elif (
            self.state != "posted"
            or self.payment_state == "reversed"
            or currency.compare_amounts(amount, 0.0) <= 0
        ):
            payment["state"] = "nothing_due"
        elif currency.name != "THB":
            payment["state"] = "not_thb"
            payment["problem"] = self.env._(
                "This invoice is in %s: PromptPay QR codes are for Thai baht only, "
                "so its page shows your bank details instead.",
                currency.name,
            )
        else:
            bank, problem = self._jingjai_portal_promptpay_account()
            if bank:
                payment.update(
                    state="promptpay",
                    bank=bank,
                    payee=bank.acc_holder_name or bank.partner_id.name,
                    promptpay_id=bank._jingjai_portal_promptpay_display_id(),
                    payload=bank._jingjai_portal_promptpay_payload(
                        amount,
                        currency,
                        self.commercial_partner_id,
                        payment["reference"],
                    ),
                )
            else:
                payment.update(state="no_promptpay", problem=problem)
        return payment

    def _jingjai_portal_receiving_banks(self):
        """The company's bank accounts customers pay into, the invoice's first."""
        self.ensure_one()
        company = self.company_id
        company_banks = company.partner_id.bank_ids.filtered(
            lambda bank: not bank.company_id or bank.company_id == company
        )
        return (self.partner_bank_id | company_banks).filtered("active")

    def _jingjai_portal_promptpay_account(self):
        """The account a PromptPay QR for this invoice pays into.

        The invoice's own bank account when it does PromptPay, else the company's
        first one that does; Odoo's checks decide (proxy, holder's city).

        :return: ``(bank, problem)``: the account, or an empty recordset and the
            reason for staff
        """
        self.ensure_one()
        problem = False
        for bank in self._jingjai_portal_receiving_banks():
            if not bank._jingjai_portal_is_promptpay():
                continue
            error = bank._jingjai_portal_promptpay_error(
                self.currency_id, self.commercial_partner_id
            )
            if not error:
                return bank, False
            problem = problem or self.env._(
                "PromptPay account %(account)s cannot make a QR code: %(error)s",
                account=bank.display_name,
                error=error,
            )
        return self.env["res.partner.bank"], problem or self.env._(
            "%s has no bank account with PromptPay: set a Proxy Type and Proxy "
            "Value on its Thai bank account, so that invoice pages show a PromptPay "
            "QR code. Until then they show your bank details.",
            self.company_id.name,
        )

    def _jingjai_portal_promptpay_problem(self):
        """For staff: why this invoice's page will show no QR, or False."""
        self.ensure_one()
        payment = self._jingjai_portal_payment()
        return payment["state"] in PAYABLE_STATES and payment["problem"]

    def _jingjai_portal_tax_totals(self):
        """Odoo's ``tax_totals`` of this invoice, as its PDF shows them.

        Computing them is about a sixth of the invoice page's time and a posted
        invoice's totals do not change, so they are kept per version of the
        invoice: any write moves ``write_date``, and the amounts in the key
        catch a change made within the same second.
        """
        self.ensure_one()
        if self.state != "posted":
            return self.tax_totals
        return self._jingjai_portal_cached_tax_totals(
            self.id,
            self.write_date,
            (self.amount_untaxed, self.amount_tax, self.amount_total),
            self.env.lang,
        )

    @api.model
    @tools.ormcache("move_id", "write_date", "amounts", "lang")
    def _jingjai_portal_cached_tax_totals(self, move_id, write_date, amounts, lang):
        # sudo: totals are the same for every reader, so they are cached for all.
        return self.sudo().browse(move_id).with_context(lang=lang).tax_totals

    @api.model
    def _jingjai_portal_qr_png(self, payload):
        """The PNG of a QR code for ``payload``, made for phones and banking apps."""
        return qr_image.qr_png(payload)

    def _jingjai_portal_promptpay_png(self):
        """``(png, filename)`` of this invoice's PromptPay QR, or None."""
        self.ensure_one()
        payment = self._jingjai_portal_payment()
        if payment["state"] != "promptpay":
            return None
        # The saved picture says what it is for whoever opens it later: the
        # page's own details around the same code.
        png = qr_image.qr_card_png(
            payment["payload"],
            "PromptPay",
            payment["payee"] or "",
            tools.format_amount(self.env, payment["amount"], payment["currency"]),
            self.env._("Invoice %s", self.name),
        )
        return png, self._jingjai_portal_promptpay_filename()

    def _jingjai_portal_promptpay_filename(self):
        self.ensure_one()
        return "PromptPay-%s.png" % file_name_part(self.name)

    def _jingjai_portal_payments_received(self):
        """Payments and credits set against this invoice: ``[{date, amount}]``."""
        self.ensure_one()
        content = (self.invoice_payments_widget or {}).get("content") or []
        return [
            {"date": line["date"], "amount": line["amount"]}
            for line in content
            if not line.get("is_exchange")
        ]

    def _jingjai_portal_slip_waiting(self):
        """Whether a slip waits for the accountant (their activity is still open)."""
        self.ensure_one()
        activity_type_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "jingjai_portal.mail_activity_type_payment_slip", raise_if_not_found=False
        )
        # sudo: asked for the invoice page of an anonymous visitor; it only
        # learns whether an activity exists, not what it says.
        return bool(
            activity_type_id
            and self.env["mail.activity"]
            .sudo()
            .search_count(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "=", self.id),
                    ("activity_type_id", "=", activity_type_id),
                ],
                limit=1,
            )
        )

    def _jingjai_portal_slip_notice(self):
        """What the page says about the customer's last slip when it was not
        accepted or was used before: ``(kind, message)`` or None.
        """
        self.ensure_one()
        # sudo: for the page of an anonymous visitor; only a message about the
        # customer's own last slip on this invoice comes out.
        last_sudo = (
            self.env["jingjai.portal.slip"]
            .sudo()
            .search([("move_id", "=", self.id)], order="id desc", limit=1)
        )
        return last_sudo._customer_notice() if last_sudo else None

    def _jingjai_portal_receive_slip(self, link, filename, content, ip_address):
        """Keep a transfer slip a customer uploaded, and tell the accountant
        (``jingjai.portal.slip._receive``: checks, QR, duplicates, chatter,
        activity). It never marks the invoice paid: only a registered payment
        does.

        :param link: the ``jingjai.portal.link`` (sudo) the visitor came through
        :param str filename: the name the visitor's device gave the file
        :param bytes content: the file, read up to just over the size limit
        :raise UserError: with a message for the visitor when the file is refused
        :return: the ``ir.attachment``
        """
        self.ensure_one()
        slip = self.env["jingjai.portal.slip"]._receive(
            self, link, filename, content, ip_address
        )
        return slip.attachment_id

    # ------------------------------------------------------------
    # PAYING ONLINE: Odoo's payment providers (account_payment)
    # ------------------------------------------------------------

    def _jingjai_portal_online_payment(self, page_url):
        """The values of Odoo's payment form on this invoice's page, or False.

        Offered as Odoo's own invoice page offers it (``_has_to_be_paid``) when
        the company has an enabled provider for the invoice's partner, currency
        and amount. No saved payment method is offered nor saved: whoever holds
        the link is a visitor, not the customer's account.

        :param str page_url: the invoice's page under the visitor's token
        """
        self.ensure_one()
        if not self._has_to_be_paid() or (
            self.partner_id.company_id and self.partner_id.company_id != self.company_id
        ):
            return False
        amount = self._jingjai_portal_online_amount_due()
        providers_sudo, methods_sudo = self._jingjai_portal_payment_options(amount)
        if not methods_sudo:
            return False
        return {
            "amount": amount,
            "currency": self.currency_id,
            "partner_id": self.partner_id.id,
            "reference_prefix": False,
            "providers_sudo": providers_sudo,
            "payment_methods_sudo": methods_sudo,
            "tokens_sudo": self.env["payment.token"].sudo(),
            "show_tokenize_input_mapping": dict.fromkeys(providers_sudo.ids, False),
            "availability_report": {},
            "transaction_route": f"{page_url}/transaction",
            # The link's token is never stored: the transaction keeps a landing
            # route without it (see the controller's payment return).
            "landing_route": PAYMENT_RETURN_ROUTE,
            "access_token": False,
        }

    def _jingjai_portal_online_amount_due(self):
        """What is still due on this invoice: the most one payment may be."""
        self.ensure_one()
        return self.currency_id.round(self.amount_residual)

    def _jingjai_portal_payment_options(self, amount):
        """``(providers_sudo, payment_methods_sudo)`` that can pay ``amount`` now."""
        self.ensure_one()
        # sudo: an anonymous visitor reads no provider or method, as on Odoo's
        # own invoice page; only the ones enabled for this invoice come out.
        providers_sudo = (
            self.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                self.company_id.id,
                self.partner_id.id,
                amount,
                currency_id=self.currency_id.id,
            )
        )
        methods_sudo = (
            self.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers_sudo.ids,
                self.partner_id.id,
                currency_id=self.currency_id.id,
            )
        )
        return providers_sudo, methods_sudo

    def _jingjai_portal_transaction_values(
        self, provider_id, payment_method_id, amount, flow
    ):
        """Check a payment the visitor asked for, and the transaction's values.

        Partner, currency, company and landing route are the invoice's and the
        link's; the provider and method must be among those the page offers;
        the amount is at most what is still due.

        :return: the keyword arguments of Odoo's ``_create_transaction``
        :raise UserError: with a message for the visitor; nothing is created
        """
        self.ensure_one()
        currency = self.currency_id
        if not self._has_to_be_paid():
            raise UserError(
                self.env._(
                    "This invoice cannot be paid online. Please reload the page."
                )
            )
        due = self._jingjai_portal_online_amount_due()
        if (
            not isinstance(amount, (int, float))
            or isinstance(amount, bool)
            or currency.compare_amounts(amount, 0.0) <= 0
            or currency.compare_amounts(amount, due) > 0
        ):
            raise UserError(
                self.env._(
                    "The amount to pay must be more than zero and at most %s, "
                    "what is still due.",
                    tools.format_amount(self.env, due, currency),
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
                    "This payment method is not available for this invoice. Please "
                    "reload the page and choose another one."
                )
            )
        return {
            "provider_id": provider_sudo.id,
            "payment_method_id": method_sudo.id,
            "token_id": None,
            "amount": currency.round(amount),
            "currency_id": currency.id,
            "partner_id": self.partner_id.id,
            "flow": flow,
            "tokenization_requested": False,
            "landing_route": PAYMENT_RETURN_ROUTE,
            "is_validation": False,
            "custom_create_values": {"invoice_ids": [Command.set(self.ids)]},
        }

    def _jingjai_portal_check_payment_claims(self, claims):
        """Refuse a payment call that names anything else than this invoice's
        own partner, currency, company, invoice or landing route, or asks for
        a saved payment method: the link decides them all.

        :param dict claims: what the call sent of those, as it sent it
        :raise UserError: with a message for the visitor
        """
        self.ensure_one()
        expected = {
            "partner_id": self.partner_id.id,
            "currency_id": self.currency_id.id,
            "company_id": self.company_id.id,
            "invoice_id": self.id,
            "landing_route": PAYMENT_RETURN_ROUTE,
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
                    "This payment does not match the invoice on this page. Please "
                    "reload the page and pay again."
                )
                if key in expected
                else self.env._(
                    "Saved payment methods cannot be used or saved from this page."
                )
            )

    def _jingjai_portal_draft_transaction(self, values):
        """A transaction this visitor just started for the same payment, to
        answer a second click or tab with the first one's transaction.

        Call it with the invoice locked (:meth:`_jingjai_portal_lock_for_payment`).
        """
        self.ensure_one()
        # sudo: the visitor is anonymous; only this invoice's own draft comes out.
        return (
            self.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("invoice_ids", "in", self.ids),
                    ("state", "=", "draft"),
                    ("provider_id", "=", values["provider_id"]),
                    ("payment_method_id", "=", values["payment_method_id"]),
                    ("amount", "=", values["amount"]),
                    ("currency_id", "=", values["currency_id"]),
                    ("partner_id", "=", values["partner_id"]),
                    ("operation", "=", f"online_{values['flow']}"),
                    (
                        "create_date",
                        ">=",
                        fields.Datetime.subtract(
                            fields.Datetime.now(), minutes=DRAFT_REUSE_MINUTES
                        ),
                    ),
                ],
                order="id desc",
                limit=1,
            )
        )

    def _jingjai_portal_lock_for_payment(self):
        """Lock this invoice's row until the transaction ends.

        A second click or tab at once is refused without waiting; one that
        comes once the first committed fails to serialize under Odoo's
        repeatable-read transactions (the row is written below) and Odoo
        replays it: it then finds the first one's draft transaction.

        :raise UserError: another request holds the lock; nothing changed
        """
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM account_move WHERE id = %s "
                        "FOR NO KEY UPDATE NOWAIT",
                        self.id,
                    ),
                    log_exceptions=False,
                )
        except psycopg2.errors.LockNotAvailable:
            raise UserError(
                self.env._(
                    "A payment of this invoice is being started right now. Please "
                    "wait a moment and reload the page."
                )
            ) from None
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET write_date = write_date WHERE id = %s", self.id
            )
        )

    def _jingjai_portal_transaction_notice(self):
        """What the page says of this invoice's last online payment: a dict with
        ``kind`` (``done``, ``pending`` or ``error``), the transaction's
        ``date``, ``amount``, ``currency``, ``method`` and ``reference``; or None.
        """
        self.ensure_one()
        tx_sudo = self.get_portal_last_transaction()
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
