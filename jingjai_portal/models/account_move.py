import base64

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.fields import Domain

from ..lib import qr_image
from ..lib import slip as slip_rules
from ..lib.text import file_name_part

PAID_STATES = ("paid", "in_payment")

# What the invoice page offers, by payment state (see _jingjai_portal_payment).
PAYABLE_STATES = ("promptpay", "not_thb", "no_promptpay")

# What invoice pages read of the accounts customers pay into.
RECEIVING_BANK_FIELDS = [
    "active",
    "partner_id",
    "company_id",
    "sequence",
    "acc_number",
    "acc_holder_name",
    "bank_id",
    "proxy_type",
    "proxy_value",
    "include_reference",
]


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = [
        "account.move",
        "jingjai.portal.link.mixin",
        "jingjai.portal.payment.mixin",
    ]

    _jingjai_portal_link_field = "account_move_id"
    _jingjai_portal_customer_path = "commercial_partner_id"
    _jingjai_portal_page_template = "jingjai_portal.page_invoice"
    _jingjai_portal_report_ref = "account.account_invoices"
    _jingjai_portal_transaction_field = "invoice_ids"

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

    jingjai_portal_slip_waiting = fields.Boolean(
        string="Slip waiting for the accountant",
        compute="_compute_jingjai_portal_slip_waiting",
        compute_sudo=True,
        help="A payment slip's activity is still open on this invoice.",
    )

    @api.depends("activity_ids.activity_type_id")
    def _compute_jingjai_portal_slip_waiting(self):
        # Computed for every invoice a page lists at once (the ORM computes a
        # non-stored field for the records prefetched together): one query for
        # the account page's invoices, not one per invoice.
        activity_type_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "jingjai_portal.mail_activity_type_payment_slip", raise_if_not_found=False
        )
        waiting_ids = set()
        if activity_type_id and self.ids:
            groups = self.env["mail.activity"]._read_group(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("activity_type_id", "=", activity_type_id),
                ],
                groupby=["res_id"],
            )
            waiting_ids = {res_id for (res_id,) in groups}
        for move in self:
            move.jingjai_portal_slip_waiting = move.id in waiting_ids

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

    def _jingjai_portal_page_values(self, link, urls):
        values = super()._jingjai_portal_page_values(link, urls)
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
            payment["qr_download_url"] = urls.promptpay_png
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
                **self._jingjai_portal_slip_values(),
                "slip_url": urls.slip,
                "slip_max_mb": slip_rules.MAX_SLIP_BYTES // (1024 * 1024),
                "slip_error": False,
                "online_payment": payment["state"] in PAYABLE_STATES
                and self._jingjai_portal_online_payment(urls),
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

    def _jingjai_portal_share_sms_sentence(self):
        return self.env._(
            "%(company)s: your invoice %(name)s:",
            company=self._jingjai_portal_company().name,
            name=self.name,
        )

    def _jingjai_portal_share_chat_sentence(self, recipient):
        return self.env._(
            "Hello %(customer)s, this is %(company)s. Here is your invoice "
            "%(name)s for %(amount)s, to view and pay online:",
            customer=recipient.name,
            company=self._jingjai_portal_company().name,
            name=self.name,
            amount=tools.format_amount(
                self.env, self.amount_residual, self.currency_id
            ),
        )

    def _jingjai_portal_share_email_action(self, link):
        return self.action_invoice_sent()

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
        banks = self._jingjai_portal_receiving_banks()
        payment = {
            "state": False,
            "amount": amount,
            "currency": currency,
            "reference": self.payment_reference or self.name,
            "bank": Bank,
            "payee": False,
            "promptpay_id": False,
            "payload": False,
            "transfer_banks": banks,
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
            bank, problem = self._jingjai_portal_promptpay_account(banks)
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
        # Every invoice page asks: one query reads what the page, the PromptPay
        # checks and Odoo's EMV fields use of the accounts (a wide table), and
        # one the countries' codes (Odoo's Thai QR checks ask for them).
        company_banks = self.env["res.partner.bank"].search_fetch(
            [
                ("partner_id", "=", company.partner_id.id),
                ("company_id", "in", (False, company.id)),
            ],
            RECEIVING_BANK_FIELDS,
        )
        banks = (self.partner_bank_id | company_banks).filtered("active")
        banks.partner_id.country_id.fetch(["code"])
        return banks

    def _jingjai_portal_promptpay_account(self, banks):
        """The account a PromptPay QR for this invoice pays into.

        The invoice's own bank account when it does PromptPay, else the company's
        first one that does; Odoo's checks decide (proxy, holder's city).

        :param banks: :meth:`_jingjai_portal_receiving_banks`, as the caller has them

        :return: ``(bank, problem)``: the account, or an empty recordset and the
            reason for staff
        """
        self.ensure_one()
        problem = False
        for bank in banks:
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
        # compute_sudo: asked for the page of an anonymous visitor; it only
        # learns whether an activity exists, not what it says.
        return self.jingjai_portal_slip_waiting

    def _jingjai_portal_slip_values(self):
        """What the page says of the customer's slips: ``slips`` (the files),
        ``slip_waiting`` (the accountant's activity is still open) and
        ``slip_notice`` (``(kind, message)`` when the last one was not accepted
        or was used before, else None).
        """
        self.ensure_one()
        # sudo: for the page of an anonymous visitor; only a message about the
        # customer's own last slip on this invoice comes out.
        last_sudo = (
            self.env["jingjai.portal.slip"]
            .sudo()
            .search([("move_id", "=", self.id)], order="id desc", limit=1)
        )
        waiting = self._jingjai_portal_slip_waiting()
        return {
            # A slip sent through a link has its record since 19.0.1.1.0;
            # without one, only a slip still waiting (sent before, or its
            # activity scheduled by hand) has files worth listing: most
            # invoice pages skip reading them.
            "slips": self.jingjai_portal_slip_ids
            if last_sudo or waiting
            else self.env["ir.attachment"],
            "slip_waiting": waiting,
            "slip_notice": last_sudo._customer_notice() if last_sudo else None,
        }

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
    # PAYING ONLINE: Odoo's payment providers (jingjai.portal.payment.mixin)
    # ------------------------------------------------------------

    def _jingjai_portal_can_pay_online(self):
        # As Odoo's own invoice page offers it (account_payment); several at
        # once in one currency and company, as its overdue invoices payment.
        return (
            bool(self)
            and len(self.currency_id) == 1
            and len(self.company_id) == 1
            and all(invoice._has_to_be_paid() for invoice in self)
        )

    def _jingjai_portal_payment_partner(self):
        # The invoice's partner, as Odoo's page for a visitor; for several, the
        # customer they all belong to.
        partner = self.partner_id
        return partner if len(partner) == 1 else self[:1].commercial_partner_id

    def _jingjai_portal_online_amount_due(self):
        return self[:1].currency_id.round(sum(self.mapped("amount_residual")))

    def _jingjai_portal_online_terms(self):
        # Odoo's own invoice page: the next installment (or the overdue ones)
        # or the full amount, or the amount less an early payment discount,
        # which Odoo writes off when the payment is exactly that amount. For
        # one invoice with such a payment term (also when "Pay all" has only
        # that one to pay); paying several is paying what they owe, as Odoo's
        # overdue invoices payment does.
        term = self.invoice_payment_term_id
        if (
            len(self) != 1
            or not term
            or (len(term.line_ids) < 2 and not term.early_discount)
        ):
            return None
        next_payment = self._get_invoice_next_payment_values()
        state = next_payment.get("installment_state")
        currency = self.currency_id
        installment = discount = None
        if state in ("next", "overdue") and currency.compare_amounts(
            next_payment["amount_due"], next_payment["next_amount_to_pay"]
        ):
            installment = {
                "offered": currency.round(next_payment["next_amount_to_pay"]),
                "full": currency.round(next_payment["amount_due"]),
                "due_date": next_payment["next_due_date"],
                "overdue": state == "overdue",
                "reference": next_payment["next_payment_reference"],
            }
        elif state == "epd":
            discount = {
                "offered": currency.round(next_payment["amount_due"]),
                "amount": next_payment["epd_discount_amount_currency"],
                "message": next_payment["epd_discount_msg"],
            }
        if not (installment or discount):
            return None
        return {"installment": installment, "discount": discount}
