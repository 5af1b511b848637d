from odoo import fields, models

from ..const import CODE_CHANNELS

EVENT_TYPES = [
    ("sent", "Code sent"),
    ("send_failed", "Sending failed"),
    ("no_destination", "No mobile or email"),
    ("failure", "Wrong code"),
    ("lockout", "Locked out"),
    ("unlock", "Unlocked"),
]


LOCK_SCOPES = [("browser", "One browser"), ("network", "One network")]


class JingjaiPortalAccessEvent(models.Model):
    """The access-code log of a portal link: sends, failures, lockouts, unlocks.

    Sends and wrong codes are counted from here for the limits, per browser,
    per network and per link, so the counts hold across workers and restarts.
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
    network = fields.Char(
        readonly=True,
        help="What the limits count per network: the IP address, or the /64 "
        "network of an IPv6 address.",
    )
    browser_key = fields.Char(
        string="Browser",
        readonly=True,
        help="Tells the visitor's browsers apart: a digest of the browser's "
        "session, which grants nothing.",
    )
    lock_scope = fields.Selection(
        selection=LOCK_SCOPES,
        string="Locked",
        readonly=True,
        help="For a lockout: whether one browser or every browser of one "
        "network was locked. Nobody else is.",
    )
    detail = fields.Char(readonly=True)

    _link_type_at_idx = models.Index("(link_id, event_type, event_at)")
