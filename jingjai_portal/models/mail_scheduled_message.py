from odoo import api, models

from ..const import LINK_PARAMETER


class MailScheduledMessage(models.Model):
    _inherit = "mail.scheduled.message"

    @api.model
    def _notification_parameters_whitelist(self):
        # A Send scheduled from the composer makes its link when it is posted.
        return super()._notification_parameters_whitelist() | {LINK_PARAMETER}
