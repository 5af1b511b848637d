from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Domain

PAID_STATES = ("paid", "in_payment")


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "jingjai.portal.link.mixin"]

    _jingjai_portal_link_field = "account_move_id"
    _jingjai_portal_customer_path = "commercial_partner_id"
    _jingjai_portal_page_template = "jingjai_portal.page_invoice"
    _jingjai_portal_report_ref = "account.account_invoices"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_portal_links(self):
        Link = self.env["jingjai.portal.link"].sudo()
        if Link.search_count([("account_move_id", "in", self.ids)], limit=1):
            raise UserError(
                self.env._(
                    "This invoice has portal links, kept for the audit trail. "
                    "Cancel it instead of deleting it."
                )
            )

    def _jingjai_portal_check_shareable(self):
        self.ensure_one()
        if self.move_type not in ("out_invoice", "out_refund"):
            raise UserError(
                self.env._("Only customer invoices and credit notes can be shared.")
            )
        if self.state != "posted":
            raise UserError(
                self.env._("Confirm the invoice before sharing a portal link to it.")
            )
        return super()._jingjai_portal_check_shareable()

    def _jingjai_portal_closed_reason(self):
        reason = super()._jingjai_portal_closed_reason()
        if reason:
            return reason
        if self.state != "posted":
            return self.env._("the invoice was cancelled or reset to draft.")
        if self.payment_state in PAID_STATES:
            return self.env._("the invoice is paid.")
        if self.payment_state == "reversed":
            return self.env._("the invoice was reversed by a credit note.")
        return False

    @api.model
    def _jingjai_portal_closed_domain(self):
        return (
            super()._jingjai_portal_closed_domain()
            | Domain("state", "!=", "posted")
            | Domain("payment_state", "in", (*PAID_STATES, "reversed"))
        )

    def _jingjai_portal_page_values(self, link, page_url):
        values = super()._jingjai_portal_page_values(link, page_url)
        values.update(
            {
                "lines": self.invoice_line_ids,
                "currency": self.currency_id,
                "tax_totals": self.tax_totals,
                "amount_paid": self.amount_total - self.amount_residual,
                "is_overdue": bool(
                    self.payment_state not in (*PAID_STATES, "reversed")
                    and self.invoice_date_due
                    and self.invoice_date_due < self._jingjai_portal_today()
                ),
            }
        )
        return values
