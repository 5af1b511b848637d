import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..const import LINK_STATES

_logger = logging.getLogger(__name__)


class JingjaiPortalLinkVisit(models.Model):
    _name = "jingjai.portal.link.visit"
    _description = "Portal Link Visit"
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
        selection=LINK_STATES,
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

    @api.model
    def _cron_anonymise_old_visits(self):
        """Erase the IP address and browser of views older than their company's
        retention (``jingjai_portal_view_log_retention_days``, 0 keeps them).

        The rows stay, with their time, page and the link's state then: view
        counts and "first/last viewed" times do not change, only who it was.
        The log is insert-only for everyone else, so this is one SQL statement.
        """
        now = fields.Datetime.now()
        # sudo: run by the scheduler over every company's settings.
        companies = (
            self.env["res.company"]
            .sudo()
            .search([("jingjai_portal_view_log_retention_days", ">", 0)])
        )
        self.flush_model(["ip_address", "user_agent"])
        erased = 0
        for company in companies:
            days = company.jingjai_portal_view_log_retention_days
            cutoff = now - timedelta(days=days)
            self.env.cr.execute(
                SQL(
                    "UPDATE jingjai_portal_link_visit AS v"
                    " SET ip_address = NULL, user_agent = NULL"
                    " FROM jingjai_portal_link AS l"
                    " WHERE l.id = v.link_id AND l.company_id = %s"
                    " AND v.viewed_at < %s"
                    " AND (v.ip_address IS NOT NULL OR v.user_agent IS NOT NULL)",
                    company.id,
                    cutoff,
                )
            )
            erased += self.env.cr.rowcount
        if erased:
            self.invalidate_model(["ip_address", "user_agent"])
            # The link's "first/last viewed from" are computed from these rows.
            self.env["jingjai.portal.link"].invalidate_model(
                ["first_viewed_ip", "last_viewed_ip"]
            )
        _logger.info("portal link views anonymised: %s", erased)
        return erased
