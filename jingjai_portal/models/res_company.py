from odoo import fields, models

from ..lib.expiry import DEFAULT_EXPIRY_DAYS


class ResCompany(models.Model):
    _inherit = "res.company"

    jingjai_portal_customer_expiry_days = fields.Integer(
        string="Customer-wide link validity (days)", default=DEFAULT_EXPIRY_DAYS
    )
    jingjai_portal_quote_expiry_days = fields.Integer(
        string="Quote link validity (days)", default=DEFAULT_EXPIRY_DAYS
    )
    jingjai_portal_invoice_expiry_days = fields.Integer(
        string="Invoice link validity (days)", default=DEFAULT_EXPIRY_DAYS
    )

    _jingjai_portal_expiry_days_range = models.Constraint(
        "CHECK(jingjai_portal_customer_expiry_days BETWEEN 1 AND 365"
        " AND jingjai_portal_quote_expiry_days BETWEEN 1 AND 365"
        " AND jingjai_portal_invoice_expiry_days BETWEEN 1 AND 365)",
        "Portal link validity must be between 1 and 365 days.",
    )
