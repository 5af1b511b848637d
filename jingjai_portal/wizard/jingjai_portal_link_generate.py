import base64

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date
from odoo.tools.image import image_data_uri

from odoo.addons.web.controllers.utils import clean_action

from ..const import (
    EXPIRY_DAYS_FIELDS,
    LINK_SCOPES,
    SCOPE_BY_MODEL,
    SHARE_CONTEXT_KEY,
)
from ..lib import expiry as expiry_rules
from ..lib import sms as sms_rules

QR_SIZE = 240


class JingjaiPortalLinkGenerate(models.TransientModel):
    """The "Generate Portal Link" panel.

    It holds only the options. The link's URL is never stored here: generation
    hands it straight to the browser, which shows it once.
    """

    _name = "jingjai.portal.link.generate"
    _description = "Generate Portal Link"

    res_model = fields.Char(string="Shared model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Shared record", model_field="res_model", required=True, readonly=True
    )
    record_name = fields.Char(string="Sharing", compute="_compute_record_name")
    scope = fields.Selection(
        selection=LINK_SCOPES,
        compute="_compute_scope",
    )
    expiry_mode = fields.Selection(
        selection=[("days", "After a number of days"), ("date", "On a date")],
        string="Expires",
        required=True,
        default="days",
    )
    expiry_days = fields.Integer(
        string="Valid for (days)",
        compute="_compute_expiry_days",
        store=True,
        readonly=False,
        precompute=True,
    )
    expires_on = fields.Date(
        string="Last valid day", help="The link works until the end of this day."
    )
    max_expiry_days = fields.Integer(
        default=expiry_rules.MAX_EXPIRY_DAYS, readonly=True
    )
    access_codes_enabled = fields.Boolean(compute="_compute_code_rules")
    code_required_by_rules = fields.Boolean(compute="_compute_code_rules")
    code_rule_reason = fields.Char(compute="_compute_code_rules")
    require_code = fields.Boolean(
        string="Require an access code",
        compute="_compute_require_code",
        store=True,
        readonly=False,
        precompute=True,
        help="The customer enters a 6-digit code, sent to their mobile or email, "
        "before the link shows anything.",
    )

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        for wizard in self:
            record = wizard._get_record()
            wizard.record_name = record.display_name if record else False

    @api.depends("res_model")
    def _compute_scope(self):
        for wizard in self:
            wizard.scope = SCOPE_BY_MODEL.get(wizard.res_model)

    @api.depends("res_model", "res_id")
    def _compute_expiry_days(self):
        for wizard in self:
            record = wizard._get_record()
            company = record._jingjai_portal_company() if record else self.env.company
            wizard.expiry_days = (
                company[EXPIRY_DAYS_FIELDS[wizard.scope]]
                if (wizard.scope)
                else expiry_rules.DEFAULT_EXPIRY_DAYS
            )

    @api.depends("res_model", "res_id")
    def _compute_code_rules(self):
        for wizard in self:
            record = wizard._get_record()
            company = record._jingjai_portal_company() if record else self.env.company
            wizard.access_codes_enabled = company.jingjai_portal_access_codes
            wizard.code_required_by_rules = bool(
                record and self.env["jingjai.portal.link"]._access_code_required(record)
            )
            wizard.code_rule_reason = (
                wizard.code_required_by_rules and wizard._code_rule_reason(record)
            )

    @api.depends("code_required_by_rules")
    def _compute_require_code(self):
        for wizard in self:
            wizard.require_code = wizard.code_required_by_rules

    def _code_rule_reason(self, record):
        customer = record._jingjai_portal_customer()
        if customer.jingjai_portal_always_require_code:
            return self.env._("%s always requires an access code.", customer.name)
        company = record._jingjai_portal_company()
        return self.env._(
            "%(customer)s owes more than %(threshold)s.",
            customer=customer.name,
            threshold=format_amount(
                self.env, company.jingjai_portal_code_threshold, company.currency_id
            ),
        )

    def _get_record(self):
        self.ensure_one()
        if self.res_model not in SCOPE_BY_MODEL or not self.res_id:
            return False
        return self.env[self.res_model].browse(self.res_id).exists()

    def action_generate(self):
        """Make the link and show it once, with a copy button and a QR code."""
        self.ensure_one()
        result = self.env["jingjai.portal.link"].generate(
            self.res_model,
            self.res_id,
            expiry_days=self.expiry_days if self.expiry_mode == "days" else False,
            expires_on=self.expires_on if self.expiry_mode == "date" else False,
            require_code=self.require_code if self.access_codes_enabled else None,
        )
        link = self.env["jingjai.portal.link"].browse(result["link_id"])
        qr_png = self.env["ir.actions.report"].barcode(
            "QR", result["url"], width=QR_SIZE, height=QR_SIZE
        )
        return {
            "type": "ir.actions.client",
            "tag": "jingjai_portal.link_created",
            "name": self.env._("Portal link ready"),
            "target": "new",
            "params": {
                "url": result["url"],
                "qr_code": image_data_uri(base64.b64encode(qr_png)),
                "record_name": self.record_name,
                "scope_label": dict(
                    self._fields["scope"]._description_selection(self.env)
                )[link.scope],
                "expires_at": link._format_datetime(link.expires_at),
                # A link ending at midnight is shown by its last day, as the
                # panel that made it asked for it.
                "last_valid_day": format_date(self.env, link.last_valid_day),
                "link_id": link.id,
                "share": self._share_params(link, result["url"]),
            },
        }

    # ------------------------------------------------------------
    # SHARING the fresh link: SMS, LINE, WhatsApp, email
    # ------------------------------------------------------------

    def _share_params(self, link, url):
        """What the "Portal link ready" panel needs to share ``url``.

        The message is in the recipient's language; the URL only lives in these
        params (and in the SMS or email once sent), never in a stored field.
        """
        record = self._get_record()
        recipient = record._jingjai_portal_share_recipient()
        mobile = link._access_code_phone(recipient) or (
            recipient != link.partner_id and link._access_code_phone(link.partner_id)
        )
        share_self = self.with_context(lang=recipient.lang or self.env.lang)
        message, sms_info = share_self._share_message(record, url)
        # SMS and email carry a link of their own, like this one, made when they
        # leave: the composers hold the sentence without any URL.
        sentence = message.rsplit("\n", 1)[0]
        chat_message = share_self._share_chat_message(record, recipient, url)
        params = {
            "message": chat_message,
            "sms_message": message,
            "sms": dict(sms_info, fits=sms_info["segments"] == 1),
            "sms_text": self._share_sms_text(sms_info),
            "line_url": sms_rules.line_share_url(chat_message),
            "whatsapp_url": sms_rules.whatsapp_share_url(chat_message, mobile or None),
            "sms_action": False,
            "sms_disabled_reason": False,
            "email_action": False,
            "email_disabled_reason": False,
            "email_note": False,
            "sms_note": False,
        }
        if mobile:
            params["sms_action"] = self._share_sms_action(
                record, sentence, mobile, link
            )
            params["sms_note"] = self.env._(
                "The SMS carries its own new link, made when it leaves, valid as "
                "long as this one."
            )
        else:
            params["sms_disabled_reason"] = self.env._(
                "%s has no mobile number in its Phone field: enter one on the "
                "customer to send the link by SMS.",
                recipient.display_name,
            )
        try:
            # The panel's buttons run these actions in the browser, not through
            # a button call that would complete them: Odoo's invoice Send
            # action comes with a view mode only, and the web client needs views.
            params["email_action"] = clean_action(
                record._jingjai_portal_share_email_action(link), self.env
            )
        except UserError as error:
            params["email_disabled_reason"] = error.args[0]
        params["email_note"] = record._jingjai_portal_share_email_note()
        return params

    def _share_message(self, record, url):
        """The SMS carrying ``url``, in the context's language.

        It always names the business: a bare "your document" and a link is what
        Thai customers are taught to ignore as a scam. A Thai SMS holds 70
        characters, so it may take two parts; the panel says how many. The URL
        goes last, on its own line, and is never shortened.
        Returns ``(message, segments)`` (see ``lib.sms.segments``).
        """
        sentence = record.with_env(self.env)._jingjai_portal_share_sms_sentence()
        message = f"{sentence}\n{url}"
        return message, sms_rules.segments(message)

    def _share_chat_message(self, record, recipient, url):
        """The message for LINE and WhatsApp, which have no length limit: who
        writes, to whom, what the link opens and for how much."""
        sentence = record.with_env(self.env)._jingjai_portal_share_chat_sentence(
            recipient
        )
        return f"{sentence}\n{url}"

    def _share_sms_text(self, info):
        """The message's length and SMS count, for staff."""
        if info["segments"] == 1:
            return self.env._(
                "%(length)s of %(capacity)s characters (%(encoding)s): fits one SMS.",
                length=info["length"],
                capacity=info["per_segment"],
                encoding=info["encoding"],
            )
        return self.env._(
            "%(length)s characters (%(encoding)s): sent as %(count)s SMS of up to "
            "%(capacity)s characters each. The link stays whole.",
            length=info["length"],
            count=info["segments"],
            capacity=info["per_segment"],
            encoding=info["encoding"],
        )

    def _share_sms_action(self, record, sentence, mobile, link):
        """Odoo's SMS composer on the shared record, to ``mobile``, with the
        sentence; the SMS gets its own link, like ``link``, when it leaves."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send SMS"),
            "res_model": "sms.composer",
            "view_mode": "form",
            "views": [[False, "form"]],
            "target": "new",
            "context": {
                "default_composition_mode": "comment",
                "default_res_model": record._name,
                "default_res_id": record.id,
                "default_body": sentence,
                "default_recipient_single_number_itf": mobile,
                SHARE_CONTEXT_KEY: link.id,
            },
        }
