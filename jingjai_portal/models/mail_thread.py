import re

from markupsafe import Markup

from odoo import models

from ..lib import tokens

# The path of a portal link in a message body: /p/ and the 22-character token.
_LINK_PATH = re.compile(
    rf"/p/([A-Za-z0-9_-]{{{tokens.TOKEN_LENGTH}}})(?![A-Za-z0-9_-])"
)

# Context key set by the share panel's SMS and email buttons: the id of the
# link whose URL the message carries.
SHARE_CONTEXT_KEY = "jingjai_portal_share_link_id"


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def message_post(self, **kwargs):
        message = super().message_post(**kwargs)
        link_id = self.env.context.get(SHARE_CONTEXT_KEY)
        if (
            not link_id
            or not message
            or not message.body
            # A scheduled message is sent later, from this very body.
            or self._is_notification_scheduled(kwargs.get("scheduled_date"))
        ):
            return message
        # The SMS or email has left with the link; the chatter keeps a way to
        # the link's audit record instead, so no table holds the token.
        # sudo: the sender may not edit messages; this only removes the token.
        message.sudo().body = self._jingjai_portal_redact_link(message.body, link_id)
        return message

    def _jingjai_portal_redact_link(self, body, link_id):
        """``body`` with link ``link_id``'s URL path replaced by its record's path."""
        # sudo: only administrators read digests; this compares, never shows.
        link = self.env["jingjai.portal.link"].sudo().browse(int(link_id)).exists()
        if not link:
            return body

        def replace(match):
            if tokens.token_digest(match.group(1)) != link.token_digest:
                return match.group(0)
            return f"/odoo/jingjai.portal.link/{link.id}"

        # The path is plain ASCII without quotes or ampersands: replacing it in
        # the HTML text cannot break the markup.
        return Markup(_LINK_PATH.sub(replace, str(body)))
