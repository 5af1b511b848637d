import uuid

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import is_html_empty

from ..lib.text import file_name_part

BUSINESS_TIMEZONE = "Asia/Bangkok"

# A Send email carries this URL until the email really goes out: only then is
# the link made, so opening and cancelling the Send dialog makes none.
MAIL_LINK_PLACEHOLDER = "/p/link-made-when-sent"


class JingjaiPortalLinkMixin(models.AbstractModel):
    """What a record shared through portal links must answer.

    Customers, quotes and invoices inherit this and say only what differs for
    their scope: who the customer is, when their link closes, what their page
    shows and which PDF it offers. The link model and the controller ask these
    questions and never test the scope themselves.
    """

    _name = "jingjai.portal.link.mixin"
    _description = "Record shareable through portal links"

    # Field of jingjai.portal.link that points at this model.
    _jingjai_portal_link_field = None
    # Path from this model to the customer (commercial partner) it belongs to.
    _jingjai_portal_customer_path = None
    # QWeb template of this record's page, and its PDF report.
    _jingjai_portal_page_template = None
    _jingjai_portal_report_ref = None
    # The customer can accept or decline this record from its page; such models
    # implement _jingjai_portal_accept(link, name, signature, ip_address) and
    # _jingjai_portal_decline(link, reason, ip_address).
    _jingjai_portal_accepts_online = False
    # Models whose Send emails a link: context key holding the id of the record
    # whose email is being posted, so that it hides Odoo's access_token button.
    _jingjai_portal_mail_context_key = None

    jingjai_portal_link_ids = fields.One2many(
        comodel_name="jingjai.portal.link",
        compute="_compute_jingjai_portal_link_ids",
        string="Portal Links",
    )
    jingjai_portal_link_count = fields.Integer(
        string="Portal link count", compute="_compute_jingjai_portal_link_ids"
    )
    jingjai_portal_active_link_count = fields.Integer(
        string="Active portal link count",
        compute="_compute_jingjai_portal_link_ids",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends_context("uid")
    def _compute_jingjai_portal_link_ids(self):
        Link = self.env["jingjai.portal.link"]
        if not Link.has_access("read"):
            self.jingjai_portal_link_ids = False
            self.jingjai_portal_link_count = 0
            self.jingjai_portal_active_link_count = 0
            return
        links = Link.search(self._jingjai_portal_links_domain())
        field = self._jingjai_portal_link_field
        for record in self:
            record_links = links.filtered(
                lambda link, record=record: link[field] == record
            )
            record.jingjai_portal_link_ids = record_links
            record.jingjai_portal_link_count = len(record_links)
            record.jingjai_portal_active_link_count = len(
                record_links.filtered(lambda link: link.state == "active")
            )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_except_portal_links(self):
        # Links are the audit trail of who opened what: the records they point
        # at are archived or cancelled, never deleted from under them.
        # sudo: links the deleting user may not read count all the same.
        Link = self.env["jingjai.portal.link"].sudo()
        if Link.search_count(
            [(self._jingjai_portal_link_field, "in", self.ids)], limit=1
        ):
            raise UserError(self._jingjai_portal_undeletable_message())

    def _jingjai_portal_undeletable_message(self):
        """Why this record cannot be deleted, and what to do instead."""
        raise NotImplementedError

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_jingjai_portal_generate(self):
        """Open the "Generate Portal Link" panel for this record."""
        self.ensure_one()
        self._jingjai_portal_check_shareable()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Generate Portal Link"),
            "res_model": "jingjai.portal.link.generate",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_res_model": self._name,
                "default_res_id": self.id,
                "dialog_size": "medium",
            },
        }

    def action_jingjai_portal_revoke(self):
        """Revoke every active link made from this record (confirmed in the view)."""
        self.ensure_one()
        active_links = self.jingjai_portal_link_ids.filtered(
            lambda link: link.state == "active"
        )
        if not active_links:
            raise UserError(
                self.env._("This record has no active portal link to revoke.")
            )
        active_links.action_revoke()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%s portal link(s) revoked. Generate a new one and send it "
                    "through a different channel if the customer still needs access.",
                    len(active_links),
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_jingjai_portal_view_links(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "jingjai_portal.jingjai_portal_link_action"
        )
        action["domain"] = [("id", "in", self.jingjai_portal_link_ids.ids)]
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------
    # BUSINESS METHODS: what each linkable model answers
    # ------------------------------------------------------------

    def _jingjai_portal_links_domain(self):
        """Links made from these records."""
        return [(self._jingjai_portal_link_field, "in", self.ids)]

    def _jingjai_portal_customer(self):
        """The commercial partner whose data the link shows."""
        self.ensure_one()
        return self.mapped(self._jingjai_portal_customer_path)

    def _jingjai_portal_company(self):
        """The company whose documents the link shows."""
        self.ensure_one()
        return self.company_id or self.env.company

    def _jingjai_portal_check_shareable(self):
        """Raise a UserError saying why this record cannot be shared now."""
        self.ensure_one()
        customer = self._jingjai_portal_customer()
        if not customer.active:
            raise UserError(
                self.env._(
                    "%s is archived: restore the customer before sharing a portal "
                    "link.",
                    customer.display_name,
                )
            )
        reason = self._jingjai_portal_closed_reason()
        if reason:
            raise UserError(self.env._("A portal link cannot be made now: %s", reason))

    def _jingjai_portal_closed_reason(self):
        """Why links to this record have reached their end, or False."""
        self.ensure_one()
        customer = self._jingjai_portal_customer().with_context(active_test=False)
        if not customer.active:
            return self.env._("the customer is archived.")
        return False

    @api.model
    def _jingjai_portal_closed_domain(self):
        """Domain on this model matching the records whose links are closed.

        Mirrors :meth:`_jingjai_portal_closed_reason` so the links list can filter
        by state without reading every record.
        """
        return Domain(f"{self._jingjai_portal_customer_path}.active", "=", False)

    def _jingjai_portal_page_values(self, link, page_url):
        """Values for this record's page under ``link``.

        :param link: the ``jingjai.portal.link`` (sudo) the visitor came through
        :param str page_url: URL of this page under the visitor's token
        """
        self.ensure_one()
        return {
            "link": link,
            "record": self,
            "company": link.company_id,
            "page_url": page_url,
            "is_html_empty": is_html_empty,
        }

    def _jingjai_portal_document_of(self, link, document_type, document_id):
        """The document ``document_type``/``document_id`` if this link shows it.

        Only a customer-wide link opens other documents; single links open only
        their own record. Returns an empty recordset otherwise.
        """
        return self.env["res.partner"].browse()

    def _jingjai_portal_closed_page(self, link):
        """The page a closed link shows instead of the generic one, or None.

        A document that reached a happy end (a paid invoice, an accepted quote)
        may say so to the customer rather than "this link has expired".

        :param link: the closed ``jingjai.portal.link`` (sudo)
        :return: ``(template xmlid, values)``, the values holding at least
            ``company``; or None for the generic page. The controller sets
            ``page_url`` (the link's own page); with ``offers_pdf`` the link also
            still serves the record's PDF, which the page may then offer.
        """
        self.ensure_one()
        return None

    def _jingjai_portal_after_revoke(self):
        """Close the other doors to this record when one of its links is revoked.

        A revoked link usually means the URL leaked. Documents that also carry
        Odoo's own permanent ``access_token`` get a new one, so an older native
        share link to the same document dies with ours.
        """
        self.ensure_one()
        if "access_token" in self._fields and self.sudo().access_token:
            # sudo: staff revoking a link may not write the document itself.
            self.sudo().access_token = str(uuid.uuid4())

    @api.model
    def _jingjai_portal_today(self):
        """Today for validity and due dates, in the business's timezone.

        A quote stays valid through its whole last day in Thailand, whatever the
        server's clock or the anonymous visitor's timezone says.
        """
        return fields.Date.context_today(self.with_context(tz=BUSINESS_TIMEZONE))

    def _jingjai_portal_render_pdf(self):
        """The record's standard PDF as ``(content, filename)``."""
        self.ensure_one()
        # sudo: the visitor is anonymous; the link already proved access to self.
        content, _report_type = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf(self._jingjai_portal_report_ref, [self.id])
        )
        # Odoo's own portal download name, with the Thai marks kept.
        filename = file_name_part(self._get_report_base_filename())
        return content, f"{filename}.pdf"

    # ------------------------------------------------------------
    # MAIL: Send with a portal link instead of Odoo's access token
    # ------------------------------------------------------------

    def _jingjai_portal_mail_link_placeholder(self):
        """The URL a Send email shows until the email goes out with its link."""
        self.ensure_one()
        return f"{self.get_base_url()}{MAIL_LINK_PLACEHOLDER}"

    def _jingjai_portal_message_post_with_link(self, post, kwargs):
        """``message_post`` of a model whose Send email carries a portal link.

        The mixin comes after ``mail.thread`` in the model's MRO, so it cannot
        override ``message_post`` itself: the model's override calls this.

        :param post: ``post(records, **kwargs)``, the model's next
            ``message_post`` (its ``super()``) for ``records``
        :param dict kwargs: the arguments of ``message_post``
        :return: the posted ``mail.message``
        """
        body = kwargs.get("body")
        # Only staff (OdooBot too, for automations and the sending cron) turn the
        # placeholder into a link: a customer typing it in Odoo's portal chatter
        # posts in sudo, but as themselves, and must not mint links.
        if (
            len(self) != 1
            or not body
            or MAIL_LINK_PLACEHOLDER not in body
            or not self.env.user._is_internal()
        ):
            return post(self, **kwargs)
        # The email is really going out: make its link now, one per email.
        result = self._jingjai_portal_mail_link_generate()
        link_path = "/p/" + result["url"].rsplit("/p/", 1)[1]
        kwargs["body"] = self._jingjai_portal_replace_path(
            body, MAIL_LINK_PLACEHOLDER, link_path
        )
        scheduled = self._jingjai_portal_mail_scheduled(kwargs)
        message = post(
            self.with_context(**{self._jingjai_portal_mail_context_key: self.id}),
            **kwargs,
        )
        if not scheduled:
            # The email has been rendered with the link; the chatter keeps a way
            # to the link's audit record instead, so no table holds the token.
            # sudo: the sender may not edit messages; this only removes the token.
            message.sudo().body = self._jingjai_portal_replace_path(
                message.body,
                link_path,
                f"/odoo/jingjai.portal.link/{result['link_id']}",
            )
        return message

    def _jingjai_portal_mail_link_generate(self):
        """Make the link a Send email carries, in the name of whoever sends it.

        generate() checks that they may share it.
        """
        self.ensure_one()
        return self.env["jingjai.portal.link"].generate(self._name, self.id)

    def _jingjai_portal_mail_scheduled(self, kwargs):
        """Whether the email posted with ``kwargs`` is sent later.

        It is then rendered from the posted body, which must keep the link.
        Odoo's composer can schedule the Send email of quotes and invoices alike.
        """
        return self._is_notification_scheduled(kwargs.get("scheduled_date"))

    def _jingjai_portal_mail_hide_token_button(self, groups):
        """``groups`` (of ``_notify_get_recipients_groups``) for our Send email.

        The email's portal link is the customer's way in; Odoo's own button would
        carry the record's permanent access_token next to it.
        """
        key = self._jingjai_portal_mail_context_key
        if self and self.env.context.get(key) == self.id:
            for group_name, _group_func, group_data in groups:
                if group_name != "user":
                    group_data["has_button_access"] = False
        return groups

    @api.model
    def _jingjai_portal_replace_path(self, body, old_path, new_path):
        """``body`` with every URL path ``old_path`` replaced, as HTML."""
        # Both paths are plain ASCII without quotes or ampersands: replacing in
        # the HTML text cannot break its markup. The host part stays as rendered.
        return Markup(str(body).replace(old_path, new_path))
