import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import LockError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import format_amount, format_date, format_datetime
from odoo.tools.image import image_data_uri

from ..const import (
    ACCEPTED_ORDER_CONTEXT_KEY,
    BUSINESS_TIMEZONE,
    SEND_CHECK_CONTEXT_KEY,
)
from ..lib import signature as signature_rules
from ..lib.text import ControlCharacterError, plain_text
from .jingjai_portal_link_mixin import _staff_text

_logger = logging.getLogger(__name__)

# What the customer types on the quote page.
SIGNER_NAME_MAX_LENGTH = 100
DECLINE_REASON_MAX_LENGTH = 2000
# Context key of the share panel's Email button: check the quote can be emailed
# before Send opens, as a click on the form's Send does.


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = [
        "sale.order",
        "jingjai.portal.link.mixin",
        "jingjai.portal.payment.mixin",
    ]
    _jingjai_portal_transaction_field = "sale_order_ids"

    _jingjai_portal_link_field = "sale_order_id"
    _jingjai_portal_customer_path = "partner_id.commercial_partner_id"
    _jingjai_portal_page_template = "jingjai_portal.page_sale_order"
    _jingjai_portal_report_ref = "sale.action_report_saleorder"
    _jingjai_portal_accepts_online = True
    _jingjai_portal_mail_context_key = ACCEPTED_ORDER_CONTEXT_KEY

    # What the customer's link says once they declined: when, and why.
    jingjai_portal_declined_on = fields.Datetime(
        string="Declined Online On", readonly=True, copy=False
    )
    jingjai_portal_decline_reason = fields.Text(
        string="Reason for Declining", readonly=True, copy=False
    )

    def _jingjai_portal_undeletable_message(self):
        return self.env._(
            "This quote has portal links, kept for the audit trail. "
            "Cancel it instead of deleting it."
        )

    def _jingjai_portal_closed_reason(self):
        reason = super()._jingjai_portal_closed_reason()
        if reason:
            return reason
        if self.state == "sale":
            return self.env._("the quote has been accepted.")
        if self.state == "cancel":
            return self.env._("the quote was declined or cancelled.")
        if self.validity_date and self.validity_date < self._jingjai_portal_today():
            return self.env._("the quote expired.")
        return False

    @api.model
    def _jingjai_portal_closed_domain(self):
        return (
            super()._jingjai_portal_closed_domain()
            | Domain("state", "in", ("sale", "cancel"))
            | Domain("validity_date", "<", self._jingjai_portal_today())
        )

    def _jingjai_portal_page_values(self, link, urls):
        values = super()._jingjai_portal_page_values(link, urls)
        awaiting_payment = bool(self.signature) and self._has_to_be_paid()
        values.update(
            {
                "lines": self.order_line.filtered(lambda line: not line.is_downpayment),
                "currency": self.currency_id,
                "tax_totals": self.tax_totals,
                "is_open": self.state in ("draft", "sent") and not self.is_expired,
                "can_accept": self._has_to_be_signed(),
                "can_decline": self._jingjai_portal_can_decline(),
                "awaiting_payment": awaiting_payment,
                "prepayment_amount": (
                    self._get_prepayment_required_amount() if awaiting_payment else 0.0
                ),
                "signature_src": (
                    image_data_uri(self.signature) if self.signature else False
                ),
                "accepted_text": (
                    self._jingjai_portal_accepted_text() if self.signed_on else False
                ),
                "online_payment": awaiting_payment
                and urls
                and self._jingjai_portal_online_payment(urls),
                "transaction_notice": self._jingjai_portal_transaction_notice(),
                "decline_error": False,
                "decline_reason": "",
                "reason_max_length": DECLINE_REASON_MAX_LENGTH,
                "name_max_length": SIGNER_NAME_MAX_LENGTH,
            }
        )
        return values

    def _jingjai_portal_closed_page(self, link):
        """An accepted or declined quote says what happened and when, instead of
        "link expired".

        Accepted: who signed and when, the lines, and the PDF. Declined online:
        when, and the reason given. Only while the link's own time runs: an
        answer is no reason to keep a link readable for ever. Quotes cancelled
        by staff or outdated, and archived customers, keep the generic page.
        """
        self.ensure_one()
        if not self._jingjai_portal_customer().active or link._now() >= link.expires_at:
            return None
        if self.state == "sale":
            values = self._jingjai_portal_page_values(link, urls=None)
            values.update(offers_pdf=True, home_url=None)
            return self._jingjai_portal_page_template, values
        if self.state == "cancel" and self.jingjai_portal_declined_on:
            return (
                "jingjai_portal.page_quote_declined",
                self._jingjai_portal_declined_values(link),
            )
        return None

    # ------------------------------------------------------------
    # PAYING ONLINE: the prepayment (jingjai.portal.payment.mixin)
    # ------------------------------------------------------------

    def _jingjai_portal_can_pay_online(self):
        # Once signed through the link, as Odoo's own page asks for it after
        # signing: paying enough confirms the order (sale's post-processing).
        return (
            len(self) == 1
            and bool(self.signature)
            and self.state in ("draft", "sent")
            and self._has_to_be_paid()
        )

    def _jingjai_portal_payment_partner(self):
        # The partner of Odoo's own order transactions for a visitor.
        return self.partner_invoice_id

    def _jingjai_portal_online_amount_due(self):
        # What is still needed to confirm the order.
        return self.currency_id.round(
            self._get_prepayment_required_amount() - self.amount_paid
        )

    def _jingjai_portal_online_amount_max(self):
        return self.currency_id.round(self.amount_total - self.amount_paid)

    def _jingjai_portal_customer_time(self, value):
        """``value`` (UTC) as ``(date, time)`` in the business's timezone and the
        reader's language: ("3 Dec 2026", "14:05")."""
        return (
            format_datetime(self.env, value, tz=BUSINESS_TIMEZONE, dt_format="d MMM y"),
            format_datetime(self.env, value, tz=BUSINESS_TIMEZONE, dt_format="HH:mm"),
        )

    def _jingjai_portal_accepted_text(self):
        date, time = self._jingjai_portal_customer_time(self.signed_on)
        return self.env._(
            "You accepted this quote on %(date)s at %(time)s.", date=date, time=time
        )

    def _jingjai_portal_declined_values(self, link, home_url=None):
        """Values of ``page_quote_declined``: when the customer declined, why."""
        self.ensure_one()
        date, time = self._jingjai_portal_customer_time(self.jingjai_portal_declined_on)
        return {
            "link": link,
            "company": link.company_id,
            "record": self,
            "home_url": home_url,
            "declined_text": self.env._(
                "You declined this quote on %(date)s at %(time)s.", date=date, time=time
            ),
            "declined_reason": self.jingjai_portal_decline_reason or "",
        }

    def action_draft(self):
        # Back to a quote: it is no longer the one the customer declined.
        self.write(
            {
                "jingjai_portal_declined_on": False,
                "jingjai_portal_decline_reason": False,
            }
        )
        return super().action_draft()

    # ------------------------------------------------------------
    # MAIL: Send with a quote link instead of Odoo's access token
    # ------------------------------------------------------------

    def action_quotation_send(self):
        # Say what is missing before the Send dialog opens, not after the
        # salesperson has written the email: when someone clicks Send (Odoo's
        # own Send buttons of the quote form say so with check_document_layout,
        # the share panel with its own key). Code that opens the dialog, Odoo's
        # own flows and tests among it, gets Odoo's dialog as before.
        clicked = self.env.context.get("check_document_layout") or self.env.context.get(
            SEND_CHECK_CONTEXT_KEY
        )
        if clicked and len(self) == 1 and self._jingjai_portal_mail_sends_link():
            self._jingjai_portal_check_mailable()
        return super().action_quotation_send()

    def _find_mail_template(self):
        # A quote's Send emails our template, with a quote link button, in the
        # customer's language. Pro-formas and confirmed orders keep Odoo's.
        template = (
            self._jingjai_portal_mail_sends_link()
            and self._jingjai_portal_mail_template()
        )
        return template or super()._find_mail_template()

    def _notify_get_recipients_groups(self, message, model_description, msg_vals=False):
        groups = super()._notify_get_recipients_groups(
            message, model_description, msg_vals=msg_vals
        )
        return self._jingjai_portal_notify_groups(groups, message)

    def _send_order_notification_mail(self, mail_template, *args, **kwargs):
        # After a Sign & Accept through a link, Odoo's confirmation leaves now,
        # while the context still says it must carry no access_token (see
        # _jingjai_portal_accept), rather than later from a cron. Any other
        # call reaches Odoo exactly as it was made.
        if self.env.context.get(self._jingjai_portal_mail_context_key) == self.id:
            args, kwargs = (), dict(kwargs, allow_deferred_sending=False)
        return super()._send_order_notification_mail(mail_template, *args, **kwargs)

    def _get_product_documents(self):
        # Their links carry the order's permanent access_token: the confirmation
        # after a Sign & Accept through a link goes without them.
        if self.env.context.get(self._jingjai_portal_mail_context_key) == self.id:
            return self.env["product.document"]
        return super()._get_product_documents()

    def _jingjai_portal_mail_template(self):
        return (
            self.env.ref(
                "jingjai_portal.mail_template_quote_portal_link",
                raise_if_not_found=False,
            )
            or super()._jingjai_portal_mail_template()
        )

    def _jingjai_portal_mail_link_title(self):
        return self.env._("View and accept")

    def _jingjai_portal_share_sms_sentence(self):
        return self.env._(
            "%(company)s: your quote %(name)s:",
            company=self._jingjai_portal_company().name,
            name=self.name,
        )

    def _jingjai_portal_share_chat_sentence(self, recipient):
        return self.env._(
            "Hello %(customer)s, this is %(company)s. Here is your quote "
            "%(name)s for %(amount)s, to read and accept online:",
            customer=recipient.name,
            company=self._jingjai_portal_company().name,
            name=self.name,
            amount=format_amount(self.env, self.amount_total, self.currency_id),
        )

    def _jingjai_portal_share_email_action(self, link):
        # The quote's own Send, as its button: it checks what the email needs.
        return self.with_context(
            **{SEND_CHECK_CONTEXT_KEY: True}
        ).action_quotation_send()

    def _jingjai_portal_mail_link_authors(self):
        # Sent by OdooBot (an automation, a cron, code): the salesperson makes
        # the link, else the administrator, as for invoices; Odoo's flows that
        # send a quote from code keep working on quotes without a salesperson.
        return self.user_id | (
            self.env.ref("base.user_admin", raise_if_not_found=False)
            or self.env["res.users"]
        )

    def _jingjai_portal_mail_sends_link(self):
        """Whether Send emails this order with a quote link: quotes, not pro-formas."""
        self.ensure_one()
        return self.state in ("draft", "sent") and not self.env.context.get("proforma")

    def _jingjai_portal_check_mailable(self):
        """Raise a UserError saying why this quote cannot be emailed with a link."""
        self.ensure_one()
        if not self.partner_id.email_normalized:
            raise UserError(
                self.env._(
                    "%(customer)s has no valid email address, so the quote cannot "
                    "be emailed. Add one on the customer, or share the quote with "
                    "its Portal Link button (for example on LINE).",
                    customer=self.partner_id.display_name,
                )
            )
        self._jingjai_portal_check_shareable()

    # ------------------------------------------------------------
    # ACCEPT AND DECLINE from the quote page
    # ------------------------------------------------------------

    def _jingjai_portal_accept(self, link, name, signature, ip_address):
        """Sign and accept this quote for the customer holding ``link``.

        Odoo's own rules decide what follows, as on its portal: the order is
        confirmed and its confirmation email sent, unless a prepayment is
        required; then it stays signed, waiting for the payment.

        :param link: the ``jingjai.portal.link`` (sudo) the customer came through
        :param str name: the signer's name, as typed
        :param str signature: the signature image, base64 (PNG or JPEG)
        :param str ip_address: the visitor's IP, for the audit note
        :raise UserError: with the message for the customer; nothing changed
        """
        self.ensure_one()
        self._jingjai_portal_check_can_act(link, "accept")
        name = self._jingjai_portal_clean_signer_name(name)
        self._jingjai_portal_check_signature(signature)
        self._jingjai_portal_lock()
        self._jingjai_portal_check_can_act(link, "accept")
        now = fields.Datetime.now()
        try:
            # Confirming runs other modules' rules: if one refuses, the
            # signature goes too, and the customer is told to call.
            with self.env.cr.savepoint():
                self.write(
                    {"signed_by": name, "signed_on": now, "signature": signature}
                )
                confirm = not self._has_to_be_paid()
                if confirm:
                    # The customer came through a link: Odoo's confirmation email
                    # carries no permanent access_token link to outlive it.
                    self.with_context(
                        **{self._jingjai_portal_mail_context_key: self.id}
                    )._validate_order()
        except (UserError, ValidationError) as error:
            _logger.info(
                "portal link %s: quote %s signed but not confirmed: %s",
                link.id,
                self.id,
                error,
            )
            raise UserError(
                self.env._(
                    "This quote cannot be accepted online right now. Please contact us."
                )
            ) from error
        values = {
            "name": name,
            "hint": link.token_hint,
            "time": self._jingjai_portal_audit_time(now),
            "ip": ip_address or "?",
        }

        def note(env):
            text = (
                env._(
                    "Quote signed and accepted by %(name)s through portal link "
                    "…%(hint)s on %(time)s (Bangkok time), from %(ip)s.",
                    **values,
                )
                if confirm
                else env._(
                    "Quote signed by %(name)s through portal link …%(hint)s on "
                    "%(time)s (Bangkok time), from %(ip)s. It will be confirmed once "
                    "the prepayment is received.",
                    **values,
                )
            )
            return Markup("<p>%s</p>") % text

        # The signed quote attached, as Odoo's own portal keeps it.
        pdf, filename = self._jingjai_portal_render_pdf()
        self._jingjai_portal_post_customer_note(note, attachments=[(filename, pdf)])
        return True

    def _jingjai_portal_decline(self, link, reason, ip_address):
        """Decline this quote for the customer holding ``link``: cancel it.

        :param link: the ``jingjai.portal.link`` (sudo) the customer came through
        :param str reason: why, as typed (optional); posted as plain text
        :param str ip_address: the visitor's IP, for the audit note
        :raise UserError: with the message for the customer; nothing changed
        """
        self.ensure_one()
        reason = self._jingjai_portal_check_decline(link, reason)
        self._jingjai_portal_lock()
        self._jingjai_portal_check_can_act(link, "decline")
        now = fields.Datetime.now()
        self._action_cancel()
        self.write(
            {
                "jingjai_portal_declined_on": now,
                "jingjai_portal_decline_reason": reason or False,
            }
        )
        time = self._jingjai_portal_audit_time(now)

        def note(env):
            body = Markup("<p>%s</p>") % env._(
                "Quote declined through portal link …%(hint)s on %(time)s (Bangkok "
                "time), from %(ip)s.",
                hint=link.token_hint,
                time=time,
                ip=ip_address or "?",
            )
            if reason:
                # Plain text from an anonymous visitor: escaped line by line. Not
                # a <blockquote>, which the chatter folds away as a quoted email.
                body += Markup("<p>%s<br/><em>%s</em></p>") % (
                    env._("Reason given:"),
                    Markup("<br/>").join(reason.splitlines()),
                )
            else:
                body += Markup("<p>%s</p>") % env._("No reason given.")
            return body

        self._jingjai_portal_post_customer_note(note)
        return True

    def _jingjai_portal_check_decline(self, link, reason):
        """The reason as it will be kept, if ``link`` may decline this quote.

        Checked before the customer is asked to confirm, and again on the
        confirmed post.

        :raise UserError: with the message for the customer
        """
        self.ensure_one()
        self._jingjai_portal_check_can_act(link, "decline")
        try:
            reason = plain_text(reason, multiline=True, refuse=True).strip()
        except ControlCharacterError:
            raise UserError(
                self.env._(
                    "The reason holds invisible control characters, which we "
                    "cannot keep. We removed them below: please check the text "
                    "and send it again."
                )
            ) from None
        if len(reason) > DECLINE_REASON_MAX_LENGTH:
            raise UserError(
                self.env._(
                    "Please keep the reason under %s characters.",
                    DECLINE_REASON_MAX_LENGTH,
                )
            )
        return reason

    def _jingjai_portal_can_decline(self):
        """Whether the customer may still decline: open, not expired, not signed."""
        self.ensure_one()
        return (
            self.state in ("draft", "sent")
            and not self.is_expired
            and not self.signature
        )

    def _jingjai_portal_check_can_act(self, link, action):
        """Raise a UserError if ``link`` may not ``accept`` or ``decline`` this quote.

        A dead link says only that it is dead; a live one says what stands in the
        way: the quote already accepted, declined, expired or signed.
        """
        self.ensure_one()
        # The link's state is computed from the quote: never trust a cached one.
        link.invalidate_recordset(["state", "closed_reason"])
        message = link._get_refusal_message()
        if message:
            raise UserError(message)
        if self.state == "sale":
            message = (
                self.env._("This quote has already been accepted.")
                if action == "accept"
                else self.env._(
                    "This quote has already been accepted. Please contact us to "
                    "change it."
                )
            )
        elif self.state == "cancel":
            message = self.env._("This quote has already been declined or cancelled.")
        elif self.is_expired:
            message = self.env._(
                "This quote expired on %s. Please ask us for a new one.",
                format_date(self.env, self.validity_date),
            )
        elif self.signature:
            message = (
                self.env._("This quote has already been signed.")
                if action == "accept"
                else self.env._(
                    "This quote has already been signed. Please contact us to "
                    "change it."
                )
            )
        elif action == "accept" and not self._has_to_be_signed():
            message = self.env._(
                "This quote cannot be signed online. Please contact us to accept it."
            )
        elif action == "accept" and (
            not self._has_to_be_paid() and self._confirmation_error_message()
        ):
            # Something staff must fix first (a line without a product): refuse
            # before the customer signs for nothing.
            message = self.env._(
                "This quote cannot be accepted online right now. Please contact us."
            )
        if message:
            raise UserError(message)

    def _jingjai_portal_clean_signer_name(self, name):
        """The signer's name on one line, or a UserError when empty, too long or
        holding control characters (the name signed is kept as typed, or not at
        all).
        """
        try:
            name = " ".join(plain_text(name or "", refuse=True).split())
        except ControlCharacterError:
            raise UserError(
                self.env._(
                    "Your name holds invisible control characters, which we "
                    "cannot keep. Please type it again."
                )
            ) from None
        if not name:
            raise UserError(self.env._("Please type your full name."))
        if len(name) > SIGNER_NAME_MAX_LENGTH:
            raise UserError(
                self.env._(
                    "Your name is too long (at most %s characters).",
                    SIGNER_NAME_MAX_LENGTH,
                )
            )
        return name

    def _jingjai_portal_check_signature(self, signature):
        """Raise a UserError unless ``signature`` is a real, reasonable image."""
        try:
            signature_rules.decode_signature(signature)
        except signature_rules.SignatureError as error:
            messages = {
                "missing": self.env._("Please sign in the box before accepting."),
                "blank": self.env._("The signature is empty. Please sign in the box."),
                "too_large": self.env._(
                    "The signature image is too large (at most %s MB).",
                    signature_rules.MAX_SIGNATURE_BYTES // (1024 * 1024),
                ),
            }
            raise UserError(
                messages.get(
                    error.reason,
                    self.env._("The signature could not be read. Please sign again."),
                )
            ) from error

    def _jingjai_portal_lock(self):
        """Lock this order's row until the transaction ends, then re-read it.

        Two tabs or twenty clicks act at once: the first one takes the lock and
        the others are refused at once, without waiting for it. A waiting
        request would hold one of Odoo's few workers while the first one renders
        the signed PDF, whose wkhtmltopdf fetches its stylesheets from those same
        workers: with every worker waiting, nothing moves until wkhtmltopdf
        times out. A request that comes after the first one committed fails to
        serialize under Odoo's repeatable-read transactions instead, and Odoo
        replays it: it then sees the quote accepted or declined and refuses. The
        re-read also drops anything this transaction had cached before the lock.

        :raise UserError: another request holds the lock; nothing changed
        """
        self.ensure_one()
        try:
            # Odoo's row lock skips a locked row instead of waiting for it, and
            # leaves the transaction (and this request's view log) usable.
            self.lock_for_update()
        except LockError:
            raise UserError(
                self.env._(
                    "Someone is accepting or declining this quote right now. "
                    "Please reload the page in a moment."
                )
            ) from None
        self.invalidate_recordset()

    def _jingjai_portal_post_customer_note(self, note, attachments=None):
        """An internal note from the customer, telling the salesperson.

        The customer is the author, as on Odoo's own portal; OdooBot writes it
        (see :meth:`_jingjai_portal_as_staff`), in the salesperson's language.
        The note stays internal: it holds the IP.

        :param note: ``note(env)`` returns the body, translated with ``env``
        """
        self.ensure_one()
        staff_sudo = self._jingjai_portal_as_staff(self.user_id.lang)
        return staff_sudo.message_post(
            body=_staff_text(note, staff_sudo.env),
            author_id=self.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            partner_ids=self.user_id.partner_id.ids,
            attachments=attachments or [],
        )

    def _jingjai_portal_audit_time(self, value):
        """``value`` (UTC) as the business reads it, for audit notes."""
        local = fields.Datetime.context_timestamp(
            self.with_context(tz=BUSINESS_TIMEZONE), value
        )
        return local.strftime("%Y-%m-%d %H:%M:%S")
