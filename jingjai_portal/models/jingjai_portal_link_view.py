from odoo import api, fields, models
from odoo.exceptions import UserError


class JingjaiPortalLinkView(models.Model):
    _name = "jingjai.portal.link.view"
    _description = "Portal Link View"
    _order = "id desc"
    _log_access = False

    link_id = fields.Many2one(
        comodel_name="jingjai.portal.link",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    viewed_at = fields.Datetime(
        required=True, readonly=True, default=fields.Datetime.now, index=True
    )
    ip_address = fields.Char(string="IP address", readonly=True)
    user_agent = fields.Char(readonly=True)
    path = fields.Char(
        string="Page",
        readonly=True,
        help="The page opened, below the link (the token itself is never logged).",
    )
    link_state = fields.Selection(
        selection=[
            ("active", "Active"),
            ("expired", "Expired"),
            ("revoked", "Revoked"),
            ("closed", "Closed"),
        ],
        string="Link state then",
        readonly=True,
    )
    partner_id = fields.Many2one(related="link_id.partner_id", string="Customer")

    def write(self, vals):
        # The view log is insert-only: counters are derived from it.
        if vals:
            raise UserError(self.env._("The portal link view log cannot be edited."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_audit(self):
        raise UserError(
            self.env._("The portal link view log is kept for the audit trail.")
        )
