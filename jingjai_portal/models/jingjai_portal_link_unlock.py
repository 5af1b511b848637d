from odoo import fields, models


class JingjaiPortalLinkUnlock(models.Model):
    """A browser that entered the right access code for a link.

    The browser holds a random cookie; only its digest is here. Kept in the
    database rather than in a worker's memory, so every worker agrees, and
    deleting the row ends that browser's access at once.
    """

    _name = "jingjai.portal.link.unlock"
    _description = "Portal Link Unlocked Browser"
    _order = "unlocked_at desc, id desc"
    _log_access = False

    link_id = fields.Many2one(
        comodel_name="jingjai.portal.link",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    digest = fields.Char(
        required=True,
        readonly=True,
        groups="base.group_system",
        help="SHA-256 of the browser's cookie. The cookie itself is never stored.",
    )
    code_id = fields.Many2one(
        comodel_name="jingjai.portal.access.code",
        readonly=True,
        ondelete="set null",
    )
    unlocked_at = fields.Datetime(required=True, readonly=True)
    expires_at = fields.Datetime(string="Unlocked until", required=True, readonly=True)
    ip_address = fields.Char(string="IP address", readonly=True)
    user_agent = fields.Char(readonly=True)

    _digest_unique = models.Constraint(
        "UNIQUE(digest)", "Two unlocked browsers cannot share a cookie."
    )
