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
