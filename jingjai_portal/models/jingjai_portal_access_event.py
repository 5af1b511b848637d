from odoo import fields, models

from .jingjai_portal_access_code import CODE_CHANNELS

EVENT_TYPES = [
    ("sent", "Code sent"),
    ("send_failed", "Sending failed"),
    ("no_destination", "No mobile or email"),
    ("failure", "Wrong code"),
    ("lockout", "Locked out"),
    ("unlock", "Unlocked"),
]


class JingjaiPortalAccessEvent(models.Model):
    """The access-code log of a portal link: sends, failures, lockouts, unlocks.

    Wrong codes are counted from here for the lockout rule, so the count holds
    across workers and restarts.
    """

    _name = "jingjai.portal.access.event"
    _description = "Portal Link Access Code Event"
    _order = "event_at desc, id desc"
    _log_access = False

    link_id = fields.Many2one(
        comodel_name="jingjai.portal.link",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    event_at = fields.Datetime(string="When", required=True, readonly=True)
    event_type = fields.Selection(
        selection=EVENT_TYPES, string="Event", required=True, readonly=True
    )
    code_id = fields.Many2one(
        comodel_name="jingjai.portal.access.code",
        readonly=True,
        ondelete="set null",
    )
    channel = fields.Selection(selection=CODE_CHANNELS, readonly=True)
    destination = fields.Char(string="Sent to", readonly=True)
    ip_address = fields.Char(string="IP address", readonly=True)
    detail = fields.Char(readonly=True)

    _link_type_at_idx = models.Index("(link_id, event_type, event_at)")
