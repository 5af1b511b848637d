from odoo import api, fields, models
from odoo.tools import SQL

from ..const import CODE_CHANNELS
from ..lib import access_code as code_rules


class JingjaiPortalAccessCode(models.Model):
    """One access code sent for a portal link.

    Only a salted digest of the code is kept, never the code; the row counts
    the wrong tries against it and says when it was used.
    """

    _name = "jingjai.portal.access.code"
    _description = "Portal Link Access Code"
    _order = "sent_at desc, id desc"
    _log_access = False

    link_id = fields.Many2one(
        comodel_name="jingjai.portal.link",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    salt = fields.Char(required=True, readonly=True, groups="base.group_system")
    digest = fields.Char(
        required=True,
        readonly=True,
        groups="base.group_system",
        help="Salted PBKDF2 digest of the code. The code itself is never stored.",
    )
    channel = fields.Selection(selection=CODE_CHANNELS, required=True, readonly=True)
    destination = fields.Char(
        string="Sent to",
        readonly=True,
        help="Masked: only the end of the phone number, or the first letter of "
        "the email address.",
    )
    sent_at = fields.Datetime(required=True, readonly=True)
    ip_address = fields.Char(
        string="Asked from", readonly=True, help="IP address that asked for the code."
    )
    tries = fields.Integer(
        string="Wrong tries",
        readonly=True,
        default=0,
        help="Wrong codes entered while this was the current code.",
    )
    used_at = fields.Datetime(readonly=True)
    code_state = fields.Selection(
        selection=[
            ("valid", "Valid"),
            ("used", "Used"),
            ("expired", "Expired"),
            ("blocked", "Too many wrong tries"),
        ],
        string="Status",
        compute="_compute_code_state",
    )

    _link_sent_at_idx = models.Index("(link_id, sent_at DESC)")

    @api.depends("sent_at", "tries", "used_at")
    def _compute_code_state(self):
        now = fields.Datetime.now()
        for code in self:
            if code.used_at:
                code.code_state = "used"
            elif code.tries >= code_rules.MAX_TRIES_PER_CODE:
                code.code_state = "blocked"
            elif not code.sent_at or now >= code.sent_at + code_rules.CODE_TTL:
                code.code_state = "expired"
            else:
                code.code_state = "valid"

    def _claim_try(self):
        """Count one more try against this code, if it still accepts one.

        The increment and the limit are one SQL statement, so requests racing
        on the same code never get more than MAX_TRIES_PER_CODE comparisons.

        :return: the tries counted so far, this one included; None when the
            code is used or has no try left
        """
        self.ensure_one()
        self.flush_model(["tries", "used_at"])
        self.env.cr.execute(
            SQL(
                "UPDATE jingjai_portal_access_code SET tries = COALESCE(tries, 0) + 1"
                " WHERE id = %s AND used_at IS NULL AND COALESCE(tries, 0) < %s"
                " RETURNING tries",
                self.id,
                code_rules.MAX_TRIES_PER_CODE,
            )
        )
        row = self.env.cr.fetchone()
        self.invalidate_recordset(["tries"])
        return row[0] if row else None

    def _use(self, now):
        """Mark the code used, once: the right code was entered.

        The try just claimed was not a wrong one, so it is given back.

        :return: whether this call used it (False when another request did)
        """
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "UPDATE jingjai_portal_access_code"
                " SET used_at = %s, tries = GREATEST(COALESCE(tries, 0) - 1, 0)"
                " WHERE id = %s AND used_at IS NULL RETURNING id",
                now,
                self.id,
            )
        )
        used = bool(self.env.cr.fetchone())
        self.invalidate_recordset(["used_at", "tries"])
        return used
