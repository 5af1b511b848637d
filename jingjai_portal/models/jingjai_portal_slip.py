import hashlib
import io
import re
import warnings

from markupsafe import Markup
from PIL import Image

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.image import IMAGE_MAX_RESOLUTION
from odoo.tools.pdf import PdfFileReader

from ..lib import slip as slip_rules
from ..lib import slip_qr, slip_scan
from .account_move import PAYABLE_STATES
from .jingjai_portal_link_mixin import BUSINESS_TIMEZONE

# Uploads kept per invoice: enough for every honest retry, not a free file store.
MAX_SLIPS_PER_INVOICE = 20
SLIP_IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
DUPLICATE_VERDICTS = ("same_transfer", "same_file")


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

    @api.depends("verdict", "duplicate_of_id", "bank_name", "transaction_ref")
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
        # Two uploads of one slip at once must not both find no earlier one.
        self._lock_keys(digest, qr)
        first = self._find_duplicate(digest, qr)
        if first:
            verdict = "same_file" if first.digest == digest else "same_transfer"
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
        payment = move._jingjai_portal_payment()
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
            }
        )
        now = fields.Datetime.context_timestamp(
            move.with_context(tz=BUSINESS_TIMEZONE), fields.Datetime.now()
        )
        move._jingjai_portal_staff_note(
            lambda env: (
                Markup("<p>%s</p><p>%s</p>")
                % (
                    env._(
                        "Payment slip “%(file)s” uploaded through portal link "
                        "…%(hint)s on %(time)s from %(ip)s. The invoice is not marked "
                        "paid: check the transfer, then register the payment.",
                        file=display_name,
                        hint=link.token_hint,
                        time=now.strftime("%Y-%m-%d %H:%M"),
                        ip=ip_address or "?",
                    ),
                    slip_sudo.with_env(env)._qr_summary(),
                )
            ),
            attachment_ids=attachment_sudo.ids,
        )
        staff_sudo.jingjai_portal_slip_ids = [fields.Command.link(attachment_sudo.id)]
        slip_sudo._activity(link)
        # The visitor's notice is in the visitor's language, not the staff's.
        return slip_sudo.with_env(self.sudo().env)

    def _qr_summary(self):
        """One sentence for the chatter and the activity: what the QR says."""
        self.ensure_one()
        duplicate = self._verdict_text()
        if duplicate:
            return self.env._(
                "%(duplicate)s: do not accept it without checking the bank "
                "account. Slip QR: %(bank)s, reference %(reference)s.",
                duplicate=duplicate,
                bank=self.bank_name or self.bank_code or "-",
                reference=self.transaction_ref or "-",
            )
        if self.verdict == "valid":
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
        keys = ["slip-file:" + digest]
        if qr:
            keys.append(f"slip-transfer:{qr.bank_code}:{qr.transaction_ref}")
        for key in keys:
            self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])

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
        activity_type = self.env.ref("jingjai_portal.mail_activity_type_payment_slip")
        # sudo: asked by an anonymous visitor; the activity goes to staff only.
        open_activity = move.sudo().activity_ids.filtered(
            lambda activity: activity.activity_type_id == activity_type
        )[:1]
        if open_activity:
            if self.verdict in DUPLICATE_VERDICTS:
                # In the language of whoever the activity is for.
                staff_sudo = move._jingjai_portal_as_staff(open_activity.user_id.lang)
                summary = self.with_env(staff_sudo.env)._qr_summary()
                open_activity.with_env(staff_sudo.env).note = (
                    open_activity.note or Markup()
                ) + Markup("<p>%s</p>") % summary
            return False
        return move._jingjai_portal_staff_activity(
            link,
            "jingjai_portal.mail_activity_type_payment_slip",
            lambda env: (
                Markup("<p>%s</p><p>%s</p>")
                % (
                    env._(
                        "The customer uploaded a payment slip through portal link …%s. "
                        "Check the transfer on the bank account, then register the "
                        "payment.",
                        link.token_hint,
                    ),
                    self.with_env(env)._qr_summary(),
                )
            ),
            users=move.invoice_user_id,
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
            "jingjai_portal_slip_id": self.id,
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
