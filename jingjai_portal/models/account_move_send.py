from odoo import api, models

from ..const import LINK_PARAMETER


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_alerts(self, moves, moves_data):
        alerts = super()._get_alerts(moves, moves_data)
        emailed = moves.filtered(
            lambda move: (
                "email" in (moves_data[move].get("sending_methods") or ())
                and move.move_type == "out_invoice"
                and move._jingjai_portal_mail_can_link()
            )
        )
        # Told before sending, not after: the customer would open a page with no
        # PromptPay QR, only the bank details.
        problems = {
            move: problem
            for move in emailed
            if (problem := move._jingjai_portal_promptpay_problem())
        }
        if len(problems) == 1:
            alerts["jingjai_portal_no_promptpay_qr"] = {
                "level": "warning",
                "message": next(iter(problems.values())),
                "action_text": self.env._("Bank Accounts"),
                "action": self._jingjai_portal_bank_accounts_action(moves.company_id),
            }
        elif problems:
            invoices = self.env["account.move"].union(*problems)
            alerts["jingjai_portal_no_promptpay_qr"] = {
                "level": "warning",
                "message": self.env._(
                    "%s invoice(s) will show no PromptPay QR code on their page, "
                    "only your bank details (not in THB, or no PromptPay account).",
                    len(invoices),
                ),
                "action_text": self.env._("View Invoice(s)"),
                "action": invoices._get_records_action(
                    name=self.env._("Invoices without PromptPay QR code")
                ),
            }
        return alerts

    @api.model
    def _send_mail(self, move, mail_template, **kwargs):
        if mail_template and mail_template == move._jingjai_portal_mail_template():
            # The customer's copy gets a new invoice link when it leaves, and
            # nobody's copy Odoo's permanent access_token button, even when no
            # link can be made (a paid invoice).
            kwargs[LINK_PARAMETER] = {"channel": "email"}
        return super()._send_mail(move, mail_template, **kwargs)

    @api.model
    def _jingjai_portal_bank_accounts_action(self, companies):
        """The companies' bank accounts, where PromptPay's proxy is set up."""
        company = companies[:1]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Bank Accounts"),
            "res_model": "res.partner.bank",
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("partner_id", "in", companies.partner_id.ids)],
            "context": {"default_partner_id": company.partner_id.id},
        }
