from odoo import models
from odoo.tools import html2plaintext

from ..const import LINK_CONTEXT_KEY, LINK_PARAMETER, SHARE_CONTEXT_KEY


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _get_notify_valid_parameters(self):
        return super()._get_notify_valid_parameters() | {LINK_PARAMETER}

    def _jingjai_portal_links_wanted(self, request, channel):
        """Whether ``request`` (a notification parameter) asks this record for a
        link sent by ``channel`` ("email" or "sms")."""
        return bool(
            request
            and len(self) == 1
            and isinstance(self, self.env.registry["jingjai.portal.link.mixin"])
            and request.get("channel") == channel
        )

    def _message_sms(self, body, *args, **kwargs):
        # The share panel's SMS carries a link like the panel's, made as it leaves
        # (see _notify_thread_by_sms); the composer holds only the sentence.
        like = self.env.context.get(SHARE_CONTEXT_KEY)
        if like and isinstance(self, self.env.registry["jingjai.portal.link.mixin"]):
            kwargs.setdefault(LINK_PARAMETER, {"channel": "sms", "like": like})
            self = self.with_context(**{SHARE_CONTEXT_KEY: False})
        return super()._message_sms(body, *args, **kwargs)

    def _notify_thread_by_email(
        self, message, recipients_data, *, msg_vals=False, **kwargs
    ):
        request = kwargs.pop(LINK_PARAMETER, None)
        wanted = self._jingjai_portal_links_wanted(request, "email")
        links = (
            self._jingjai_portal_notify_links_by_email(
                message, recipients_data, msg_vals, request
            )
            if wanted
            else {}
        )
        if links:
            # Once sent, the emails holding the links go, whatever the template
            # says: no table keeps a working link.
            kwargs["mail_auto_delete"] = True
        # Set for this message alone, whatever the context held before: links
        # reach the groups of no other message (see _jingjai_portal_notify_groups).
        thread = self.with_context(
            **{
                LINK_CONTEXT_KEY: wanted
                and {
                    "message_id": message.id,
                    "urls": {pid: result["url"] for pid, result in links.items()},
                }
            }
        )
        result = super(MailThread, thread)._notify_thread_by_email(
            message, recipients_data, msg_vals=msg_vals, **kwargs
        )
        if links:
            # sudo: the recipients' names, whoever sends.
            partners_sudo = self.env["res.partner"].sudo()
            self._jingjai_portal_notify_note(
                message,
                [
                    (link, partners_sudo.browse(pid).display_name)
                    for pid, link in links.items()
                ],
            )
        return result

    def _notify_thread_by_sms(
        self,
        message,
        recipients_data,
        msg_vals=False,
        sms_content=None,
        sms_numbers=None,
        **kwargs,
    ):
        request = kwargs.pop(LINK_PARAMETER, None)
        if not self._jingjai_portal_links_wanted(request, "sms"):
            return super()._notify_thread_by_sms(
                message,
                recipients_data,
                msg_vals=msg_vals,
                sms_content=sms_content,
                sms_numbers=sms_numbers,
                **kwargs,
            )
        link, recipient = self._jingjai_portal_notify_link_by_sms(
            message, recipients_data, sms_numbers, request
        )
        if sms_content is None:
            msg_vals = msg_vals or {}
            sms_content = html2plaintext(
                msg_vals["body"] if "body" in msg_vals else message.body
            )
        # The URL goes last, on its own line, into the SMS only: the chatter
        # message keeps the sentence.
        result = super()._notify_thread_by_sms(
            message,
            recipients_data,
            msg_vals=msg_vals,
            sms_content=f"{sms_content.rstrip()}\n{link['url']}",
            sms_numbers=sms_numbers,
            **kwargs,
        )
        self._jingjai_portal_notify_note(message, [(link, recipient)])
        return result
