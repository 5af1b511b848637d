import hashlib
import io
import logging
import re
import warnings
from datetime import timedelta

from markupsafe import Markup
from PIL import Image
from psycopg2 import IntegrityError

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import ConcurrencyError, UserError, ValidationError
from odoo.tools.image import IMAGE_MAX_RESOLUTION
from odoo.tools.misc import formatLang
from odoo.tools.pdf import PdfFileReader

from ..const import BUSINESS_TIMEZONE, SLIP_CONTEXT_KEY
from ..lib import slip as slip_rules
from ..lib import slip_bank, slip_qr, slip_scan
from .account_move import PAYABLE_STATES

# Uploads kept per invoice: enough for every honest retry, not a free file store.
MAX_SLIPS_PER_INVOICE = 20
SLIP_IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
DUPLICATE_VERDICTS = ("same_transfer", "same_file")
BANK_VERDICTS = ("bank_refused", "bank_mismatch")
# What the bank's answer says of the slip, and the verdict it gives.
BANK_CHECK_VERDICTS = {
    "match": "bank_verified",
    "not_found": "bank_refused",
    "amount": "bank_mismatch",
    "receiver": "bank_mismatch",
    "no_receiver": "bank_mismatch",
    "reference": "bank_mismatch",
    "date": "bank_mismatch",
    # The bank confirms the transfer, on too few digits of the receiving
    # account to register the payment without the accountant.
    "weak_receiver": "bank_verified",
}
# A transfer made this long before the invoice is not this invoice's payment.
BANK_DATE_MARGIN_DAYS = 1

# Seconds a customer's upload waits for the verification service at most.
BANK_TIMEOUT = slip_bank.DEFAULT_TIMEOUT

_logger = logging.getLogger(__name__)


class JingjaiPortalSlip(models.Model):
    """A transfer slip a customer uploaded through a portal link, with what was
    read from it: the slip QR (sending bank, transaction reference) and whether
    the same transfer or the same file came in before.

    The QR only names a transfer; it does not say that money arrived, how much,
    or to whom. A slip never marks the invoice paid by itself.
    """

    _name = "jingjai.portal.slip"
    _description = "Payment slip from a portal link"
    _order = "received_at desc, id desc"
    _rec_name = "display_name"
    _check_company_auto = True

    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    link_id = fields.Many2one(
        "jingjai.portal.link",
        string="Portal link",
        readonly=True,
        ondelete="set null",
    )
    received_at = fields.Datetime(
        string="Received", required=True, readonly=True, default=fields.Datetime.now
    )
    attachment_id = fields.Many2one(
        "ir.attachment", string="File", readonly=True, ondelete="set null"
    )
    mimetype = fields.Char(related="attachment_id.mimetype")
    file_name = fields.Text(
        related="attachment_id.description", string="Customer's file name"
    )
    image = fields.Binary(
        string="Slip", compute="_compute_image", help="The slip, when it is an image."
    )
    file_pdf = fields.Binary(string="PDF", compute="_compute_image")
    digest = fields.Char(
        string="Content digest",
        readonly=True,
        index=True,
        help="SHA-256 of the file: the same file uploaded again has the same digest.",
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    amount_due = fields.Monetary(
        string="Amount due at upload", readonly=True, currency_field="currency_id"
    )
    qr_payload = fields.Char(string="QR payload", readonly=True)
    bank_code = fields.Char(readonly=True, index=True)
    bank_name = fields.Char(readonly=True)
    transaction_ref = fields.Char(
        string="Transaction reference", readonly=True, index=True
    )
    verdict = fields.Selection(
        [
            ("valid", "Valid slip QR"),
            ("no_qr", "No slip QR"),
            ("invalid_qr", "Invalid QR"),
            ("same_transfer", "Same transfer as an earlier slip"),
            ("same_file", "Same file as an earlier slip"),
            ("bank_verified", "Verified by the bank"),
            ("bank_refused", "Bank says no"),
            ("bank_mismatch", "Differs from the bank's record"),
            ("rejected", "Rejected"),
        ],
        required=True,
        readonly=True,
        default="no_qr",
    )
    verdict_label = fields.Char(
        string="Verdict details", compute="_compute_verdict_label"
    )
    duplicate_of_id = fields.Many2one(
        "jingjai.portal.slip",
        string="Duplicate of",
        readonly=True,
        ondelete="set null",
        # The first slip may belong to another company: shown by name only.
        check_company=False,
    )
    # What the verification service said (Settings > Portal > Payment Slips).
    bank_check = fields.Selection(
        [
            ("match", "Amount and receiver match"),
            ("not_found", "Transfer not found"),
            ("amount", "Different amount"),
            ("receiver", "Different receiving account"),
            ("no_receiver", "No receiving account to compare"),
            ("reference", "Different transaction"),
            ("date", "Transfer older than the invoice"),
            ("weak_receiver", "Receiving account shown too briefly"),
            ("error", "Could not be asked"),
        ],
        string="Bank check",
        readonly=True,
    )
    bank_provider = fields.Char(string="Asked", readonly=True)
    bank_checked_at = fields.Datetime(string="Asked on", readonly=True)
    bank_error = fields.Char(
        string="Bank check problem",
        readonly=True,
        help="Why the service could not be asked, or why a confirmed payment "
        "was not registered by itself.",
    )
    bank_amount = fields.Monetary(
        string="Amount at the bank", readonly=True, currency_field="currency_id"
    )
    bank_transferred_at = fields.Datetime(string="Transferred", readonly=True)
    bank_receiver = fields.Char(
        string="Receiver at the bank",
        readonly=True,
        help="Name, account number and PromptPay ID as the bank shows them (masked).",
    )
    bank_sender = fields.Char(string="Sender at the bank", readonly=True)
    bank_reference = fields.Char(string="Bank's transaction reference", readonly=True)
    bank_account_id = fields.Many2one(
        "res.partner.bank",
        string="Received on",
        readonly=True,
        ondelete="set null",
        help="The company's account whose number the bank's receiver matches.",
    )
    payment_id = fields.Many2one(
        "account.payment", string="Payment", readonly=True, ondelete="set null"
    )
    state = fields.Selection(
        [
            ("received", "Received"),
            ("registered", "Payment registered"),
            ("rejected", "Rejected"),
        ],
        required=True,
        readonly=True,
        default="received",
    )

    # One transfer pays one invoice by itself, whatever the timing: two
    # uploads of one slip at the same moment may both miss the other (each
    # reads the slips as they were when its request began), but the second
    # payment then breaks this index and is not registered.
    _bank_payment_transfer_unique = models.UniqueIndex(
        "(bank_code, transaction_ref) WHERE payment_id IS NOT NULL",
        "This transfer already paid an invoice by bank verification.",
    )

    @api.depends("move_id.name", "received_at")
    def _compute_display_name(self):
        for slip in self:
            slip.display_name = self.env._(
                "Slip on %(invoice)s", invoice=slip.move_id.name or "?"
            )

    @api.depends("attachment_id.datas", "attachment_id.mimetype")
    def _compute_image(self):
        for slip in self:
            kind = (slip.attachment_id.mimetype or "").split("/")[0]
            slip.image = slip.attachment_id.datas if kind == "image" else False
            slip.file_pdf = (
                slip.attachment_id.datas
                if slip.attachment_id.mimetype == "application/pdf"
                else False
            )

    @api.depends(
        "verdict", "duplicate_of_id", "bank_name", "transaction_ref", "bank_check"
    )
    def _compute_verdict_label(self):
        labels = dict(self._fields["verdict"]._description_selection(self.env))
        for slip in self:
            slip.verdict_label = slip._verdict_text() or labels.get(slip.verdict, "")

    def _verdict_text(self):
        """The verdict as staff read it: "same transfer as the slip on INV/…"."""
        self.ensure_one()
        # sudo: the first slip may be in a company the reader is not in; staff
        # of this company learn only its invoice number.
        first_sudo = self.sudo().duplicate_of_id
        if self.verdict == "same_transfer" and first_sudo:
            return self.env._(
                "Same transfer as the slip on %s", first_sudo.move_id.name
            )
        if self.verdict == "same_file" and first_sudo:
            return self.env._("Same file as the slip on %s", first_sudo.move_id.name)
        if self.verdict in BANK_VERDICTS and self.bank_check:
            verdicts = dict(self._fields["verdict"]._description_selection(self.env))
            checks = dict(self._fields["bank_check"]._description_selection(self.env))
            return self.env._(
                "%(verdict)s: %(reason)s",
                verdict=verdicts[self.verdict],
                reason=checks[self.bank_check],
            )
        return False

    # ------------------------------------------------------------
    # RECEIVING: checks, QR, duplicates, chatter and activity
    # ------------------------------------------------------------

    @api.model
    def _receive(self, move, link, filename, content, ip_address):
        """Keep a slip ``content`` a customer uploaded for ``move``.

        The file is checked (type, size, structure), attached to the invoice and
        announced in its chatter with what its QR says; an activity asks the
        accountant to check it. It never marks the invoice paid.

        :raise UserError: with a message for the visitor when the file is refused
        :return: the new slip (sudo)
        """
        move.ensure_one()
        if move._jingjai_portal_payment()["state"] not in PAYABLE_STATES:
            raise UserError(
                self.env._("This invoice has nothing left to pay: no slip is needed.")
            )
        if len(move.jingjai_portal_slip_ids) >= MAX_SLIPS_PER_INVOICE:
            raise UserError(
                self.env._(
                    "We already received %s slips for this invoice. Please contact "
                    "us instead.",
                    MAX_SLIPS_PER_INVOICE,
                )
            )
        mimetype, extension, kind = self._check_file(content)
        display_name = slip_rules.safe_display_name(filename)
        digest = hashlib.sha256(content).hexdigest()
        verdict, qr, payload = slip_qr.choose(slip_scan.qr_texts(content, kind))
        payment = move._jingjai_portal_payment()
        # Asked before the locks below: a slow service then holds up this
        # upload only, not another upload of the same file or transfer.
        answer = self._bank_ask(move, payment, digest, qr, payload)
        # Two uploads of one slip at once must not both find no earlier one.
        self._lock_keys(digest, qr)
        first = self._find_duplicate(digest, qr)
        bank_values = {}
        if first:
            verdict = "same_file" if first.digest == digest else "same_transfer"
        elif answer:
            bank_values = self._bank_values(move, payment, qr, answer)
            verdict = bank_values.pop("verdict", verdict)
        number = len(move.jingjai_portal_slip_ids) + 1
        # Uploaded by an anonymous visitor through a live link to this invoice,
        # kept by OdooBot (readable by staff of every company), who announces it.
        # Created "pending" (composer, id 0) as a visitor's upload must be for
        # message_post to accept it; the post moves it onto the invoice.
        staff_sudo = move._jingjai_portal_as_staff()
        attachment_sudo = staff_sudo.env["ir.attachment"].create(
            {
                "name": "slip-%s-%s.%s"
                % (re.sub(r"\W+", "_", move.name).strip("_"), number, extension),
                "raw": content,
                "mimetype": mimetype,
                "res_model": "mail.compose.message",
                "res_id": 0,
                "description": display_name,
            }
        )
        # sudo (OdooBot's): the visitor may create the slip of the invoice its
        # link opens, nothing else; staff read it under the access rules.
        slip_sudo = staff_sudo.env["jingjai.portal.slip"].create(
            {
                "move_id": move.id,
                "partner_id": move.commercial_partner_id.id,
                "company_id": move.company_id.id,
                "link_id": link.id,
                "attachment_id": attachment_sudo.id,
                "digest": digest,
                "currency_id": payment["currency"].id,
                "amount_due": payment["amount"],
                "qr_payload": (payload or "")[:512] or False,
                "bank_code": qr.bank_code if qr else False,
                "bank_name": qr.bank_name if qr else False,
                "transaction_ref": qr.transaction_ref if qr else False,
                "verdict": verdict,
                "duplicate_of_id": first.id if first else False,
                **bank_values,
            }
        )
        if slip_sudo.bank_check == "match":
            slip_sudo._bank_register_payment()
        now = fields.Datetime.context_timestamp(
            move.with_context(tz=BUSINESS_TIMEZONE), fields.Datetime.now()
        )
        upload = {
            "file": display_name,
            "hint": link.token_hint,
            "time": now.strftime("%Y-%m-%d %H:%M"),
            "ip": ip_address or "?",
        }
        registered = slip_sudo.state == "registered"

        def note(env):
            slip = slip_sudo.with_env(env)
            if registered:
                text = env._(
                    "Payment slip “%(file)s” uploaded through portal link …%(hint)s "
                    "on %(time)s from %(ip)s.",
                    **upload,
                )
            else:
                text = env._(
                    "Payment slip “%(file)s” uploaded through portal link …%(hint)s "
                    "on %(time)s from %(ip)s. The invoice is not marked paid: check "
                    "the transfer, then register the payment.",
                    **upload,
                )
            body = Markup("<p>%s</p><p>%s</p>") % (text, slip._qr_summary())
            bank_summary = slip._bank_summary()
            if bank_summary:
                body += Markup("<p>%s</p>") % bank_summary
            return body

        move._jingjai_portal_staff_note(note, attachment_ids=attachment_sudo.ids)
        staff_sudo.jingjai_portal_slip_ids = [fields.Command.link(attachment_sudo.id)]
        if not registered:
            slip_sudo._activity(link)
        # The visitor's notice is in the visitor's language, not the staff's.
        return slip_sudo.with_env(self.sudo().env)

    def _qr_summary(self):
        """One sentence for the chatter and the activity: what the QR says."""
        self.ensure_one()
        duplicate = self.verdict in DUPLICATE_VERDICTS and self._verdict_text()
        if duplicate:
            return self.env._(
                "%(duplicate)s: do not accept it without checking the bank "
                "account. Slip QR: %(bank)s, reference %(reference)s.",
                duplicate=duplicate,
                bank=self.bank_name or self.bank_code or "-",
                reference=self.transaction_ref or "-",
            )
        if self.verdict in ("valid", "bank_verified", *BANK_VERDICTS):
            return self.env._(
                "Slip QR read: %(bank)s (%(code)s), transaction reference "
                "%(reference)s. A valid QR does not prove the money arrived.",
                bank=self.bank_name or self.env._("unknown bank"),
                code=self.bank_code,
                reference=self.transaction_ref,
            )
        if self.verdict == "invalid_qr":
            return self.env._(
                "The slip's QR code is not a valid bank slip QR: check this slip "
                "with particular care."
            )
        return self.env._(
            "No slip QR code found on the file: check the transfer on the bank account."
        )

    def _lock_keys(self, digest, qr):
        """Take the locks of this file and this transfer for the transaction.

        Odoo's transactions are REPEATABLE READ: a request that waited for
        another upload of the same slip still reads the database as it was
        before that upload committed, and would find no earlier slip. So a
        request that has to wait starts again once the lock is free (Odoo
        replays it on ConcurrencyError), and then sees the other slip.

        :raise ConcurrencyError: another upload held a lock
        """
        keys = ["slip-file:" + digest]
        if qr:
            keys.append(f"slip-transfer:{qr.bank_code}:{qr.transaction_ref}")
        for key in keys:
            self.env.cr.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [key])
            if not self.env.cr.fetchone()[0]:
                self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])
                raise ConcurrencyError("another upload of this slip was being received")

    @api.model
    def _find_duplicate(self, digest, qr):
        """The first earlier slip with the same file or the same transfer."""
        # sudo: a slip can be reused on another customer's invoice, in another
        # company; the search must see every slip, its result is shown to staff
        # only (by invoice number), never to the visitor.
        Slip = self.sudo().with_context(active_test=False)
        first = Slip.search([("digest", "=", digest)], order="id", limit=1)
        if not first and qr:
            first = Slip.search(
                [
                    ("bank_code", "=", qr.bank_code),
                    ("transaction_ref", "=", qr.transaction_ref),
                ],
                order="id",
                limit=1,
            )
        return first

    def _activity(self, link):
        """One open "check the payment slip" activity for the accountant; a
        reused slip is added to it when one is open already.
        """
        self.ensure_one()
        move = self.move_id

        def addition(env):
            # A slip the accountant must look at twice is added to the open
            # activity: reused, or not what the bank recorded.
            if self.verdict in DUPLICATE_VERDICTS:
                return self.with_env(env)._qr_summary()
            if self.verdict in BANK_VERDICTS or self.bank_check == "error":
                return self.with_env(env)._bank_summary()
            return None

        def note(env):
            slip = self.with_env(env)
            body = Markup("<p>%s</p><p>%s</p>") % (
                env._(
                    "The customer uploaded a payment slip through portal link …%s. "
                    "Check the transfer on the bank account, then register the "
                    "payment.",
                    link.token_hint,
                ),
                slip._qr_summary(),
            )
            bank_summary = slip._bank_summary()
            if bank_summary:
                body += Markup("<p>%s</p>") % bank_summary
            return body

        return move._jingjai_portal_staff_activity(
            link,
            "jingjai_portal.mail_activity_type_payment_slip",
            note,
            users=move.invoice_user_id,
            addition=addition,
        )

    # ------------------------------------------------------------
    # BANK VERIFICATION (optional, per company)
    # ------------------------------------------------------------

    @api.model
    def _bank_provider(self, company):
        """The company's verification service, or None when it is off."""
        if not company.jingjai_portal_bank_verification:
            return None
        # sudo: the API key is readable by administrators only; it is read
        # here to ask the service for an upload, and never shown or logged.
        company_sudo = company.sudo()
        return slip_bank.get_provider(
            company_sudo.jingjai_portal_bank_provider,
            company_sudo.jingjai_portal_bank_endpoint,
            company_sudo.jingjai_portal_bank_api_key,
            timeout=BANK_TIMEOUT,
        )

    @api.model
    def _bank_ask(self, move, payment, digest, qr, payload):
        """Ask the company's verification service about the transfer of a
        valid slip QR, when the service is on.

        Not asked for an invoice in another currency than baht (Thai transfers
        are in baht), nor for a slip already known as reused (the check again
        under the lock decides; this one only saves a question).

        :return: a :class:`slip_bank.Answer`, or None when not asked
        """
        if not qr or payment["currency"].name != "THB":
            return None
        try:
            provider = self._bank_provider(move.company_id)
        except KeyError:
            # The service's file is gone from the add-on.
            return slip_bank.Answer.failure(
                "answer", move.company_id.sudo().jingjai_portal_bank_provider
            )
        if provider is None or self._find_duplicate(digest, qr):
            return None
        answer = provider.verify(
            slip_bank.Query(
                bank_code=qr.bank_code,
                transaction_ref=qr.transaction_ref,
                payload=payload,
                amount=float(payment["amount"]),
            )
        )
        _logger.info(
            "Slip verification by %s for %s: %s %s",
            provider.code,
            move.name,
            answer.status,
            answer.error,
        )
        return answer

    @api.model
    def _bank_values(self, move, payment, qr, answer):
        """The slip's bank fields from a service's ``answer``, and its
        ``verdict`` when the answer decides one.

        Compared, in this order: the transaction the service answered about
        (its reference must be the slip QR's, when it gives one), the amount
        (equal to the amount due, in the currency's rounding), then the
        receiver (:meth:`_bank_receiving_account`). The transfer's date, the
        sender and the receiver's name are kept for the accountant, not
        compared.
        """
        code = move.company_id.jingjai_portal_bank_provider
        provider = slip_bank.providers().get(code)
        values = {
            "bank_provider": provider.label if provider else code,
            "bank_checked_at": fields.Datetime.now(),
        }
        if answer.status == slip_bank.ERROR:
            errors = {
                "network": self.env._("no answer in time"),
                "auth": self.env._("the API key was refused"),
                "quota": self.env._("the quota of the service is used up"),
                "answer": self.env._("an answer we cannot read"),
            }
            reason = errors.get(answer.error, answer.error)
            values.update(
                bank_check="error",
                bank_error=f"{reason} ({answer.detail})" if answer.detail else reason,
            )
            return values
        if answer.status == slip_bank.NOT_FOUND:
            values.update(bank_check="not_found", verdict="bank_refused")
            return values
        currency = payment["currency"]
        receiver = " · ".join(
            part
            for part in (
                answer.receiver_name,
                answer.receiver_account,
                answer.receiver_proxy,
            )
            if part
        )
        values.update(
            bank_amount=answer.amount,
            bank_transferred_at=answer.transferred_at
            and answer.transferred_at.replace(tzinfo=None),
            bank_receiver=receiver[:256] or False,
            bank_sender=answer.sender_name[:256] or False,
            bank_reference=answer.bank_reference[:64] or False,
        )
        bank_account, receiver_check = self._bank_receiving_account(move, answer)
        if answer.bank_reference and answer.bank_reference != qr.transaction_ref:
            check = "reference"
        elif currency.compare_amounts(answer.amount, payment["amount"]) != 0:
            check = "amount"
        elif receiver_check == "no_identifier":
            check = "no_receiver"
        elif not bank_account:
            check = "receiver"
        elif (
            answer.transferred_at
            and move.invoice_date
            and answer.transferred_at.date()
            < move.invoice_date - timedelta(days=BANK_DATE_MARGIN_DAYS)
        ):
            # An older genuine slip (last month's, another customer's) for
            # the same amount would otherwise pay this invoice again.
            check = "date"
        elif (
            slip_bank.visible_digits(answer.receiver_account)
            < slip_bank.AUTO_REGISTER_DIGITS
        ):
            check = "weak_receiver"
        else:
            check = "match"
        values.update(
            bank_check=check,
            verdict=BANK_CHECK_VERDICTS[check],
            bank_account_id=bank_account.id if bank_account else False,
        )
        return values

    @api.model
    def _bank_receiving_account(self, move, answer):
        """Which of the company's accounts the bank's receiver is.

        The digits the bank shows of the receiver's account number and of its
        PromptPay ID (mobile, tax ID, e-wallet) are compared with the
        company's bank accounts customers pay this invoice into: every digit
        shown must agree, at least four of them. Masked digits are not known,
        so this says "the visible digits are ours", not "this is our
        account"; the receiver's name is not compared at all.

        :return: ``(res.partner.bank or None, reason)``, reason as
            :func:`slip_bank.receiver_matches`
        """
        banks = move._jingjai_portal_receiving_banks()
        own_accounts = [
            slip_bank.OwnAccount(
                key=bank.id,
                account_number=bank.acc_number or "",
                proxy_type=bank.proxy_type or "",
                proxy_value=bank.proxy_value or "",
            )
            for bank in banks
        ]
        own, reason = slip_bank.receiver_matches(answer, own_accounts)
        return (banks.browse(own.key) if own else None), reason

    def _bank_register_payment(self):
        """Register and reconcile the payment of a slip the bank confirmed,
        as the accountant's "Register Payment" would: Odoo's wizard with the
        amount due at upload, the slip's memo and the bank journal of the
        account the money went to, dated on the transfer's day.

        Nothing is registered without such a journal, or when Odoo refuses
        (a lock date, a journal without payment method): the slip then waits
        for the accountant, who sees why.

        :return: the payment, or an empty recordset
        """
        self.ensure_one()
        Payment = self.env["account.payment"]
        journal = self.env["account.journal"].search(
            [
                ("type", "=", "bank"),
                ("bank_account_id", "=", self.bank_account_id.id),
                ("company_id", "=", self.company_id.id),
            ],
            limit=1,
        )
        if not journal:
            self.bank_error = self.env._(
                "No bank journal uses the account %s: register the payment yourself.",
                self.bank_account_id.display_name,
            )
            return Payment
        action = self.action_register_payment()
        context = action["context"]
        transferred_on = self.bank_transferred_at and fields.Date.context_today(
            self.with_context(tz=BUSINESS_TIMEZONE), self.bank_transferred_at
        )
        try:
            with self.env.cr.savepoint():
                # sudo (superuser): asked for an anonymous visitor's upload;
                # the payment is Odoo's own, registered in the name of OdooBot.
                wizard_sudo = (
                    self.env["account.payment.register"]
                    .with_user(SUPERUSER_ID)
                    .with_company(self.company_id)
                    .with_context(context)
                    .create(
                        {
                            "journal_id": journal.id,
                            "amount": self.amount_due,
                            "communication": context["default_communication"],
                            "payment_date": transferred_on
                            or fields.Date.context_today(self),
                        }
                    )
                )
                payments = wizard_sudo._create_payments()
                self.payment_id = payments[:1]
        except IntegrityError:
            self.bank_error = self.env._(
                "Another slip of this transfer paid an invoice at the same "
                "moment: this one was not registered."
            )
            return Payment
        except (UserError, ValidationError) as error:
            self.bank_error = self.env._(
                "Odoo refused to register the payment: %s", error.args[0]
            )
            return Payment
        return payments

    def _bank_summary(self):
        """One sentence for the chatter and the activity: what the bank said."""
        self.ensure_one()
        if not self.bank_check:
            return False
        currency = self.currency_id
        values = {
            "provider": self.bank_provider or "?",
            "amount": formatLang(self.env, self.bank_amount, currency_obj=currency),
            "due": formatLang(self.env, self.amount_due, currency_obj=currency),
            "receiver": self.bank_receiver or "?",
            "reference": self.bank_reference or "?",
            "error": self.bank_error or "?",
        }
        if self.bank_check == "error":
            return self.env._(
                "%(provider)s could not be asked about this transfer (%(error)s): "
                "check it on the bank account yourself.",
                **values,
            )
        if self.bank_check == "not_found":
            return self.env._(
                "%(provider)s does not know this transfer: do not accept the slip "
                "before you find the money on the bank account.",
                **values,
            )
        if self.bank_check == "reference":
            return self.env._(
                "%(provider)s answered about another transaction (%(reference)s): "
                "check the slip on the bank account.",
                **values,
            )
        if self.bank_check == "amount":
            return self.env._(
                "%(provider)s: this transfer was %(amount)s, not the %(due)s due. "
                "Nothing was registered: check it on the bank account.",
                **values,
            )
        if self.bank_check == "receiver":
            return self.env._(
                "%(provider)s: this transfer went to %(receiver)s, which is not one "
                "of your bank accounts. Nothing was registered.",
                **values,
            )
        if self.bank_check == "date":
            return self.env._(
                "%(provider)s: this transfer was made on %(date)s, before the "
                "invoice: it is not its payment. Nothing was registered.",
                date=self.bank_transferred_at
                and fields.Date.to_string(self.bank_transferred_at.date()),
                **values,
            )
        if self.bank_check == "weak_receiver":
            return self.env._(
                "Verified by %(provider)s: %(amount)s received on %(receiver)s, but "
                "the bank shows too few digits of the receiving account to be sure "
                "it is yours. Check the account, then register the payment.",
                **values,
            )
        if self.bank_check == "no_receiver":
            return self.env._(
                "%(provider)s confirms %(amount)s but shows no receiving account "
                "number to compare (%(receiver)s). Nothing was registered: check "
                "the receiving account yourself.",
                **values,
            )
        if self.payment_id:
            return self.env._(
                "Verified by %(provider)s: %(amount)s received on %(receiver)s. "
                "Payment %(payment)s registered and reconciled.",
                payment=self.payment_id.name,
                **values,
            )
        return self.env._(
            "Verified by %(provider)s: %(amount)s received on %(receiver)s, but "
            "the payment was not registered by itself: %(error)s",
            **values,
        )

    # ------------------------------------------------------------
    # CHECKS: what kind of file it really is
    # ------------------------------------------------------------

    @api.model
    def _check_file(self, content):
        """``(mimetype, extension, kind)`` of an acceptable slip; UserError
        otherwise.

        Decided from the content only: the leading bytes, then Pillow reads
        images through (dimensions, structure) and pypdf PDFs (pages, nothing
        active), so a renamed page, script or archive is refused whatever its
        name says.
        """
        try:
            mimetype, extension, kind = slip_rules.sniff(content)
            if kind == "image":
                self._check_image(content, mimetype)
            else:
                self._check_pdf(content)
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
        return mimetype, extension, kind

    @api.model
    def _check_image(self, content, mimetype):
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
    def _check_pdf(self, content):
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

    # ------------------------------------------------------------
    # WHAT THE CUSTOMER READS about their last slip
    # ------------------------------------------------------------

    def _customer_notice(self):
        """``(kind, message)`` for the invoice page about this slip, or None.

        Never names another invoice or customer: the visitor learns only that
        the slip was used before, and what to do.
        """
        self.ensure_one()
        if self.state == "rejected":
            return "rejected", self.env._(
                "We could not accept the payment slip you sent on %s. If you paid, "
                "send the slip of that transfer again, or contact us; otherwise "
                "please pay with the details on this page.",
                fields.Datetime.context_timestamp(
                    self.with_context(tz=BUSINESS_TIMEZONE), self.received_at
                ).strftime("%Y-%m-%d %H:%M"),
            )
        if self.verdict in DUPLICATE_VERDICTS:
            # sudo: only to tell "this invoice" from "another one", never shown.
            if self.sudo().duplicate_of_id.move_id == self.move_id:
                return "duplicate", self.env._(
                    "You already sent us this slip for this invoice: no need to "
                    "send it again. We are checking it."
                )
            return "duplicate", self.env._(
                "This slip was already used for another payment, so it cannot pay "
                "this invoice. If you made a new transfer for this invoice, send "
                "the slip of that transfer; otherwise please pay with the details "
                "on this page, or contact us."
            )
        return None

    # ------------------------------------------------------------
    # ACTIONS for the accountant
    # ------------------------------------------------------------

    def action_register_payment(self):
        """Odoo's register-payment wizard for the invoice, with the amount due
        at upload and the slip's transaction reference in the memo.
        """
        self.ensure_one()
        if self.state == "rejected":
            raise UserError(self.env._("This slip was rejected."))
        action = self.move_id.action_register_payment()
        memo = " ".join(
            part
            for part in (
                self.move_id.payment_reference or self.move_id.name,
                self.transaction_ref and self.env._("slip %s", self.transaction_ref),
            )
            if part
        )
        action["context"] = {
            **action.get("context", {}),
            "default_amount": self.amount_due,
            "default_communication": memo,
            SLIP_CONTEXT_KEY: self.id,
        }
        return action

    def action_reject(self):
        """Not accepted: the customer's invoice page says so and what to do."""
        for slip in self:
            if slip.state == "registered":
                raise UserError(
                    self.env._("A slip whose payment is registered cannot be rejected.")
                )
        self.write({"state": "rejected"})
        for slip in self:
            slip.move_id.message_post(
                body=self.env._("Payment slip rejected by %s.", self.env.user.name),
                subtype_xmlid="mail.mt_note",
            )
        return True
