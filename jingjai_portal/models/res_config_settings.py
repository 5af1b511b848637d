from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    jingjai_portal_customer_expiry_days = fields.Integer(
        related="company_id.jingjai_portal_customer_expiry_days", readonly=False
    )
    jingjai_portal_quote_expiry_days = fields.Integer(
        related="company_id.jingjai_portal_quote_expiry_days", readonly=False
    )
    jingjai_portal_invoice_expiry_days = fields.Integer(
        related="company_id.jingjai_portal_invoice_expiry_days", readonly=False
    )
    jingjai_portal_access_codes = fields.Boolean(
        related="company_id.jingjai_portal_access_codes", readonly=False
    )
    jingjai_portal_code_channel = fields.Selection(
        related="company_id.jingjai_portal_code_channel", readonly=False
    )
    jingjai_portal_code_threshold = fields.Monetary(
        related="company_id.jingjai_portal_code_threshold",
        readonly=False,
        currency_field="currency_id",
    )
    jingjai_portal_code_unlock_hours = fields.Integer(
        related="company_id.jingjai_portal_code_unlock_hours", readonly=False
    )
    jingjai_portal_view_log_retention_days = fields.Integer(
        related="company_id.jingjai_portal_view_log_retention_days", readonly=False
    )
    jingjai_portal_bank_verification = fields.Boolean(
        related="company_id.jingjai_portal_bank_verification",
        readonly=False,
        groups="base.group_system",
    )
    jingjai_portal_bank_provider = fields.Selection(
        related="company_id.jingjai_portal_bank_provider",
        readonly=False,
        groups="base.group_system",
    )
    jingjai_portal_bank_endpoint = fields.Char(
        related="company_id.jingjai_portal_bank_endpoint",
        readonly=False,
        groups="base.group_system",
    )
    jingjai_portal_bank_api_key = fields.Char(
        related="company_id.jingjai_portal_bank_api_key",
        readonly=False,
        groups="base.group_system",
    )
