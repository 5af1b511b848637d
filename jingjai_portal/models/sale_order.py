from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Domain


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "jingjai.portal.link.mixin"]

    _jingjai_portal_link_field = "sale_order_id"
    _jingjai_portal_customer_path = "partner_id.commercial_partner_id"
    _jingjai_portal_page_template = "jingjai_portal.page_sale_order"
    _jingjai_portal_report_ref = "sale.action_report_saleorder"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_portal_links(self):
        Link = self.env["jingjai.portal.link"].sudo()
        if Link.search_count([("sale_order_id", "in", self.ids)], limit=1):
            raise UserError(
                self.env._(
                    "This quote has portal links, kept for the audit trail. "
                    "Cancel it instead of deleting it."
                )
            )

    def _jingjai_portal_closed_reason(self):
        reason = super()._jingjai_portal_closed_reason()
        if reason:
            return reason
        if self.state == "sale":
            return self.env._("the quote has been accepted.")
        if self.state == "cancel":
            return self.env._("the quote was declined or cancelled.")
        if self.validity_date and self.validity_date < self._jingjai_portal_today():
            return self.env._("the quote expired.")
        return False

    @api.model
    def _jingjai_portal_closed_domain(self):
        return (
            super()._jingjai_portal_closed_domain()
            | Domain("state", "in", ("sale", "cancel"))
            | Domain("validity_date", "<", self._jingjai_portal_today())
        )

    def _jingjai_portal_page_values(self, link, page_url):
        values = super()._jingjai_portal_page_values(link, page_url)
        values.update(
            {
                "lines": self.order_line.filtered(lambda line: not line.is_downpayment),
                "currency": self.currency_id,
                "tax_totals": self.tax_totals,
            }
        )
        return values
