from odoo import models

from ..const import LINK_PARAMETER, SHARE_CONTEXT_KEY


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _prepare_mail_values_static(self):
        values = super()._prepare_mail_values_static()
        request = self._jingjai_portal_link_request()
        if request:
            values[LINK_PARAMETER] = request
        return values

    def _jingjai_portal_link_request(self):
        """The ``jingjai_portal_link`` notification parameter of this email, or
        None: the customer's copy gets a new link when it is sent.

        Asked for by the Send template of a quote (or invoice), and by the share
        panel's email to a customer, never by what the email says.
        """
        self.ensure_one()
        if (
            self.composition_mode != "comment"
            or not self.model
            or not isinstance(
                self.env[self.model], self.env.registry["jingjai.portal.link.mixin"]
            )
        ):
            return None
        Model = self.env[self.model]
        if (
            self.template_id
            and self.template_id == Model._jingjai_portal_mail_template()
        ):
            return {"channel": "email"}
        like = self.env.context.get(SHARE_CONTEXT_KEY)
        if like and self.model == "res.partner":
            return {"channel": "email", "like": like}
        return None
