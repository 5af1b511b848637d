from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib import slip_bank
from ..lib.access_code import DEFAULT_THRESHOLD_THB, DEFAULT_UNLOCK_HOURS
from ..lib.expiry import DEFAULT_EXPIRY_DAYS

# Longest time a browser stays unlocked by one access code: 30 days.
MAX_UNLOCK_HOURS = 720
# How long the view log keeps who opened a link (IP address, browser): 2 years.
DEFAULT_VIEW_LOG_RETENTION_DAYS = 730


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
    jingjai_portal_access_codes = fields.Boolean(
        string="Access Codes",
        help="Links for some customers ask for a 6-digit code, sent by SMS or "
        "email, before showing anything.",
    )
    jingjai_portal_code_channel = fields.Selection(
        selection=[
            ("sms", "SMS to the customer's mobile"),
            ("email", "Email to the customer"),
        ],
        string="Send access codes by",
        default="sms",
        required=True,
        help="When the customer has no usable mobile number (or no email), the "
        "other channel is used.",
    )
    jingjai_portal_code_threshold = fields.Monetary(
        string="Access code above open balance",
        currency_field="currency_id",
        default=DEFAULT_THRESHOLD_THB,
        help="New links for a customer who owes more than this ask for an access code.",
    )
    jingjai_portal_code_unlock_hours = fields.Integer(
        string="Unlock duration (hours)",
        default=DEFAULT_UNLOCK_HOURS,
        help="How long the right code keeps a link open in the customer's browser.",
    )
    jingjai_portal_view_log_retention_days = fields.Integer(
        string="Keep visitors' IP addresses and browsers (days)",
        default=DEFAULT_VIEW_LOG_RETENTION_DAYS,
        help="Views of a portal link older than this lose their IP address and "
        "browser every night; the views themselves and the counts stay. 0 keeps "
        "them forever.",
    )
    # Per company: a slip belongs to an invoice of one company, paid into that
    # company's accounts, under that company's contract with the service.
    jingjai_portal_bank_verification = fields.Boolean(
        string="Bank verification of slips",
        groups="base.group_system",
        help="Ask a slip-verification service about the transfer of every slip "
        "with a valid slip QR. When the amount and the receiving account match, "
        "the payment is registered and reconciled by itself.",
    )
    jingjai_portal_bank_provider = fields.Selection(
        selection="_selection_jingjai_portal_bank_provider",
        groups="base.group_system",
        string="Verification service",
        default="easyslip",
    )
    jingjai_portal_bank_endpoint = fields.Char(
        string="Verification endpoint",
        groups="base.group_system",
        help="The service's URL; empty for the one its documentation gives.",
    )
    jingjai_portal_bank_api_key = fields.Char(
        string="Verification API key",
        groups="base.group_system",
        copy=False,
    )

    _jingjai_portal_expiry_days_range = models.Constraint(
        "CHECK(jingjai_portal_customer_expiry_days BETWEEN 1 AND 365"
        " AND jingjai_portal_quote_expiry_days BETWEEN 1 AND 365"
        " AND jingjai_portal_invoice_expiry_days BETWEEN 1 AND 365)",
        "Portal link validity must be between 1 and 365 days.",
    )
    _jingjai_portal_code_settings_range = models.Constraint(
        f"CHECK(jingjai_portal_code_unlock_hours BETWEEN 1 AND {MAX_UNLOCK_HOURS}"
        " AND jingjai_portal_code_threshold >= 0)",
        "An access code unlocks a link for 1 to 720 hours, and the open balance "
        "threshold cannot be negative.",
    )
    _jingjai_portal_view_log_retention_positive = models.Constraint(
        "CHECK(jingjai_portal_view_log_retention_days >= 0)",
        "The view log retention is a number of days, or 0 to keep the log as is.",
    )

    def write(self, vals):
        # The API key goes to the endpoint with every slip: a new endpoint
        # gets it only when the administrator enters it again.
        if "jingjai_portal_bank_endpoint" in vals and (
            "jingjai_portal_bank_api_key" not in vals
        ):
            new_endpoint = vals["jingjai_portal_bank_endpoint"] or False
            moved = self.sudo().filtered(
                lambda company: (
                    (company.jingjai_portal_bank_endpoint or False) != new_endpoint
                )
            )
            moved.jingjai_portal_bank_api_key = False
        return super().write(vals)

    @api.model
    def _selection_jingjai_portal_bank_provider(self):
        return [
            (code, provider.label)
            for code, provider in sorted(slip_bank.providers().items())
        ]

    @api.constrains("jingjai_portal_bank_endpoint")
    def _check_jingjai_portal_bank_endpoint(self):
        for company in self.filtered("jingjai_portal_bank_endpoint"):
            try:
                slip_bank.check_endpoint(company.jingjai_portal_bank_endpoint)
            except ValueError as error:
                raise ValidationError(
                    self.env._(
                        "The verification endpoint must be an https:// address: "
                        "the API key travels with every request."
                    )
                ) from error
