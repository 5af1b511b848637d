import base64

from odoo import api, fields, models
from odoo.tools import format_amount
from odoo.tools.image import image_data_uri

from ..lib import expiry as expiry_rules
from ..models.jingjai_portal_link import SCOPE_BY_MODEL

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
        selection=[
            ("customer", "Customer-wide"),
            ("quote", "Single quote"),
            ("invoice", "Single invoice"),
        ],
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
                company[f"jingjai_portal_{wizard.scope}_expiry_days"]
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
                "link_id": link.id,
            },
        }
