from odoo import models

from ..const import SLIP_CONTEXT_KEY


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    def _create_payments(self):
        payments = super()._create_payments()
        slip_id = self.env.context.get(SLIP_CONTEXT_KEY)
        if slip_id and payments:
            # Opened from a payment slip (jingjai.portal.slip
            # .action_register_payment): the slip is now dealt with.
            slip = self.env["jingjai.portal.slip"].browse(slip_id).exists()
            slip.filtered(lambda s: s.state == "received").state = "registered"
        return payments
