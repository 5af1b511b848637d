import base64
import io
import re
import warnings

from markupsafe import Markup
from PIL import Image

from odoo import Command, api, fields, models, tools
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools.image import IMAGE_MAX_RESOLUTION
from odoo.tools.pdf import PdfFileReader

from ..lib import qr_image
from ..lib import slip as slip_rules
from ..lib.text import file_name_part
from .jingjai_portal_link_mixin import (
    BUSINESS_TIMEZONE,
    MAIL_LINK_PLACEHOLDER,  # noqa: F401 (tests import it from here)
)

PAID_STATES = ("paid", "in_payment")

# What the invoice page offers, by payment state (see _jingjai_portal_payment).
PAYABLE_STATES = ("promptpay", "not_thb", "no_promptpay")


# Uploads kept per invoice: enough for every honest retry, not a free file store.
MAX_SLIPS_PER_INVOICE = 20
SLIP_IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "jingjai.portal.link.mixin"]

    _jingjai_portal_link_field = "account_move_id"
    _jingjai_portal_customer_path = "commercial_partner_id"
    _jingjai_portal_page_template = "jingjai_portal.page_invoice"
    _jingjai_portal_report_ref = "account.account_invoices"
    # Also set by account.move.send, which sends our template even without a link.
    _jingjai_portal_mail_context_key = "jingjai_portal_mail_move_id"

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
            and self.env.ref(
                "jingjai_portal.mail_template_invoice_portal_link",
                raise_if_not_found=False,
            )
        )
        return template or super()._get_mail_template()

    def message_post(self, **kwargs):
        # Unbound: the mixin calls it on this record under a context of its own.
        return self._jingjai_portal_message_post_with_link(
            super().message_post.__func__, kwargs
        )

    def _notify_get_recipients_groups(self, message, model_description, msg_vals=False):
        groups = super()._notify_get_recipients_groups(
            message, model_description, msg_vals=msg_vals
        )
        return self._jingjai_portal_mail_hide_token_button(groups)

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

    def _jingjai_portal_mail_link_generate(self):
        """Make the link an email carries, in the name of whoever sends it.

        Batch sending runs in a cron as OdooBot: the link is then made by the user
        who asked for the sending (kept in ``sending_data``), or the invoice's
        salesperson.
        """
        self.ensure_one()
        Users = self.env["res.users"]
        candidates = (
            self.env.user,
            Users.browse((self.sending_data or {}).get("author_user_id")).exists(),
            self.invoice_user_id,
            self.env.ref("base.user_admin", raise_if_not_found=False) or Users,
        )
        author = next(
            (
                user
                for user in candidates
                if user and user.active and user._is_internal()
            ),
            Users,
        )
        if not author:
            raise UserError(
                self.env._("Nobody can make the portal link this email needs.")
            )
        return (
            self.env["jingjai.portal.link"]
            .with_user(author)
            .generate(self._name, self.id)
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

    def _jingjai_portal_receive_slip(self, link, filename, content, ip_address):
        """Keep a transfer slip a customer uploaded, and tell the accountant.

        The slip is attached to the invoice, announced in its chatter (link, time,
        IP, file) and an activity asks the accountant to check it. It never marks
        the invoice paid: only a registered payment does.

        :param link: the ``jingjai.portal.link`` (sudo) the visitor came through
        :param str filename: the name the visitor's device gave the file
        :param bytes content: the file, read up to just over the size limit
        :raise UserError: with a message for the visitor when the file is refused
        :return: the ``ir.attachment``
        """
        self.ensure_one()
        if self._jingjai_portal_payment()["state"] not in PAYABLE_STATES:
            raise UserError(
                self.env._("This invoice has nothing left to pay: no slip is needed.")
            )
        if len(self.jingjai_portal_slip_ids) >= MAX_SLIPS_PER_INVOICE:
            raise UserError(
                self.env._(
                    "We already received %s slips for this invoice. Please contact "
                    "us instead.",
                    MAX_SLIPS_PER_INVOICE,
                )
            )
        mimetype, extension = self._jingjai_portal_check_slip(content)
        display_name = slip_rules.safe_display_name(filename)
        number = len(self.jingjai_portal_slip_ids) + 1
        # sudo: uploaded by an anonymous visitor through a live link to this
        # invoice. Created "pending" (composer, id 0) as a visitor's upload must
        # be for message_post to accept it; the post moves it onto the invoice.
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": "slip-%s-%s.%s"
                    % (re.sub(r"\W+", "_", self.name).strip("_"), number, extension),
                    "raw": content,
                    "mimetype": mimetype,
                    "res_model": "mail.compose.message",
                    "res_id": 0,
                    "description": display_name,
                }
            )
        )
        move_sudo = self.sudo()
        now = fields.Datetime.context_timestamp(
            self.with_context(tz=BUSINESS_TIMEZONE), fields.Datetime.now()
        )
        move_sudo.message_post(
            body=Markup("<p>%s</p>")
            % self.env._(
                "Payment slip “%(file)s” uploaded through portal link …%(hint)s on "
                "%(time)s from %(ip)s. The invoice is not marked paid: check the "
                "transfer, then register the payment.",
                file=display_name,
                hint=link.token_hint,
                time=now.strftime("%Y-%m-%d %H:%M"),
                ip=ip_address or "?",
            ),
            author_id=self.env.ref("base.partner_root").id,
            message_type="notification",
            subtype_xmlid="mail.mt_note",
            attachment_ids=attachment.ids,
        )
        move_sudo.jingjai_portal_slip_ids = [Command.link(attachment.id)]
        self._jingjai_portal_slip_activity(link)
        return attachment

    def _jingjai_portal_check_slip(self, content):
        """``(mimetype, extension)`` of an acceptable slip; UserError otherwise.

        Decided from the content only: the leading bytes, then Pillow reads
        images through (dimensions, structure) and pypdf PDFs (pages, nothing
        active), so a renamed page, script or archive is refused whatever its
        name says.
        """
        try:
            mimetype, extension, kind = slip_rules.sniff(content)
            if kind == "image":
                self._jingjai_portal_check_slip_image(content, mimetype)
            else:
                self._jingjai_portal_check_slip_pdf(content)
        except slip_rules.SlipError as error:
            messages = {
                "empty": self.env._("Choose the file of your payment slip."),
                "too_large": self.env._(
                    "This file is too large: a slip can be at most %s MB.",
                    slip_rules.MAX_SLIP_BYTES // (1024 * 1024),
                ),
                "bad_type": self.env._(
                    "This file is not a picture or a PDF we can read. Send a "
                    "screenshot or photo of the slip (JPEG, PNG or WebP) or a PDF."
                ),
                "pdf_active": self.env._(
                    "This PDF contains scripts, actions or attached files, which we "
                    "do not accept. Send a screenshot or photo of the slip instead."
                ),
                "pdf_locked": self.env._(
                    "This PDF is protected by a password. Send it without the "
                    "password, or a screenshot or photo of the slip."
                ),
            }
            raise UserError(messages[error.reason]) from error
        return mimetype, extension

    @api.model
    def _jingjai_portal_check_slip_image(self, content, mimetype):
        try:
            with warnings.catch_warnings():
                # Pillow only warns below twice its own pixel limit.
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(content)) as image:
                    if (
                        image.format != SLIP_IMAGE_FORMATS[mimetype]
                        or image.width * image.height > IMAGE_MAX_RESOLUTION
                    ):
                        raise slip_rules.SlipError("bad_type")
                    image.verify()
        except (
            OSError,
            SyntaxError,
            ValueError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
        ) as error:
            raise slip_rules.SlipError("bad_type") from error

    @api.model
    def _jingjai_portal_check_slip_pdf(self, content):
        """Read a PDF slip with Odoo's pypdf: it must parse, have at least one
        page and carry nothing a viewer would run or open by itself.

        :raise slip_rules.SlipError: ``bad_type``, ``pdf_locked`` or
            ``pdf_active``
        """
        try:
            reader = PdfFileReader(io.BytesIO(content), strict=False)
            encrypted = getattr(reader, "is_encrypted", None)
            if encrypted is None:  # PyPDF2 1.x
                encrypted = reader.isEncrypted
        except Exception as error:  # noqa: BLE001 - pypdf raises anything on junk
            raise slip_rules.SlipError("bad_type") from error
        if encrypted:
            # Only an empty user password (an owner-only lock) opens it here.
            try:
                opened = reader.decrypt("")
            except Exception as error:  # noqa: BLE001 - unsupported encryption
                raise slip_rules.SlipError("pdf_locked") from error
            if not opened:
                raise slip_rules.SlipError("pdf_locked")
        try:
            pages = len(reader.pages)
            active = slip_rules.pdf_active_name(reader.trailer)
        except slip_rules.SlipError:
            raise
        except Exception as error:  # noqa: BLE001 - broken objects, bad xref
            raise slip_rules.SlipError("bad_type") from error
        if not pages:
            raise slip_rules.SlipError("bad_type")
        if active:
            raise slip_rules.SlipError("pdf_active")

    def _jingjai_portal_slip_activity(self, link):
        """One open "check the payment slip" activity for the accountant."""
        self.ensure_one()
        activity_type = self.env.ref("jingjai_portal.mail_activity_type_payment_slip")
        move_sudo = self.sudo()
        if move_sudo.activity_ids.filtered(
            lambda activity: activity.activity_type_id == activity_type
        ):
            return False
        assignee = next(
            (
                user
                for user in (self.invoice_user_id, link.generated_by_id)
                if user.active and user._is_internal()
            ),
            self.env.ref("base.user_admin"),
        )
        # sudo: asked by an anonymous visitor; the activity goes to staff only.
        return move_sudo.activity_schedule(
            activity_type_id=activity_type.id,
            user_id=assignee.id,
            note=self.env._(
                "The customer uploaded a payment slip through portal link …%s. "
                "Check the transfer on the bank account, then register the payment.",
                link.token_hint,
            ),
        )
