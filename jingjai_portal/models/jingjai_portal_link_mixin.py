import uuid

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import is_html_empty

from ..const import BUSINESS_TIMEZONE, LINK_CONTEXT_KEY
from ..lib import expiry as expiry_rules
from ..lib.text import file_name_part


def _staff_text(note, env):
    """The text of ``note``: ``note(env)``, in ``env``'s language, or itself
    when it is already a string (translated by the caller)."""
    return note(env) if callable(note) else note


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
    # Context key holding the id of a record whose notifications, in that
    # context, hide Odoo's access_token button (Odoo's confirmation after a
    # Sign & Accept through a link).
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
        return self._jingjai_portal_revoke_links(active_links)

    def _jingjai_portal_revoke_links(self, links):
        """Revoke ``links`` and tell staff how many died."""
        links.action_revoke()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%s portal link(s) revoked. Generate a new one and send it "
                    "through a different channel if the customer still needs access.",
                    len(links),
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

    def _jingjai_portal_page_values(self, link, urls):
        """Values for this record's page under ``link``.

        :param link: the ``jingjai.portal.link`` (sudo) the visitor came through
        :param urls: the request's ``PortalLinkUrls`` (lib/portal_link_urls.py)
            of this page, which the templates also get; None on a closed page
        """
        self.ensure_one()
        return {
            "link": link,
            "record": self,
            "company": link.company_id,
            "page_url": urls and urls.page,
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
            ``company``; or None for the generic page. The link's visit
            decision (``jingjai.portal.link._visit``) sets ``page_url`` (the
            link's own page); with ``offers_pdf`` the link also still serves
            the record's PDF, which the page may then offer (``urls.pdf``).
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
        # In the record's company, as Odoo's portal renders reports
        # (_show_report): the request's company is the website's or the public
        # user's, and the report's header and texts are the document's company's.
        content, _report_type = (
            self.env["ir.actions.report"]
            .sudo()
            .with_company(self._jingjai_portal_company())
            ._render_qweb_pdf(self._jingjai_portal_report_ref, [self.id])
        )
        # Odoo's own portal download name, with the Thai marks kept.
        filename = file_name_part(self._get_report_base_filename())
        return content, f"{filename}.pdf"

    # ------------------------------------------------------------
    # STAFF NOTICES: what a visitor's action leaves for staff
    # ------------------------------------------------------------

    def _jingjai_portal_as_staff(self, lang=None):
        """This record as OdooBot writes on it for a visitor, in ``lang``.

        A visitor's request runs as the Public user, who belongs to one
        company only: an activity or note it created would name it as creator,
        and every staff member working in another company would get an access
        error opening the record's chatter. OdooBot is internal, so every user
        of every company may read it. Staff read these texts, not the customer:
        they are in ``lang``, else the company's language, never the one the
        customer's page speaks.
        """
        self.ensure_one()
        lang = lang or self._jingjai_portal_company().partner_id.lang
        installed = dict(self.env["res.lang"].get_installed())
        # sudo: written for an anonymous visitor, whom nothing else allows to.
        return (
            self.with_user(self.env.ref("base.user_root"))
            .sudo()
            .with_context(lang=lang if lang in installed else None)
        )

    def _jingjai_portal_staff_note(self, note, **kwargs):
        """Post an internal note for staff on a visitor's behalf.

        :param note: ``note(env)`` returns the text, translated with ``env``
            (the company's language); a string is posted as it is
        :param kwargs: more arguments of ``message_post`` (attachments)
        """
        self.ensure_one()
        staff_sudo = self._jingjai_portal_as_staff()
        text = _staff_text(note, staff_sudo.env)
        return staff_sudo.message_post(
            # Markup already holds its paragraphs; a plain text is one.
            body=text if isinstance(text, Markup) else Markup("<p>%s</p>") % text,
            author_id=staff_sudo.env.user.partner_id.id,
            message_type="notification",
            subtype_xmlid="mail.mt_note",
            **kwargs,
        )

    def _jingjai_portal_open_activity(self, activity_type_xmlid):
        """The open activity of this type on this record (sudo), if any."""
        self.ensure_one()
        activity_type = self.env.ref(activity_type_xmlid, raise_if_not_found=False)
        # sudo: asked for an anonymous visitor; callers only learn whether one
        # is open, or add to it for staff.
        return self.sudo().activity_ids.filtered(
            lambda activity: (
                activity_type and activity.activity_type_id == activity_type
            )
        )[:1]

    def _jingjai_portal_staff_activity(
        self, link, activity_type_xmlid, note, users=(), addition=None
    ):
        """One open activity of this type on this record, for a visitor's request.

        Asking again while one is open adds nothing, so double submits stay
        harmless; ``addition`` may add a paragraph to the open one instead. It
        goes to the first active internal user among ``users`` and the link's
        maker, else to the administrator, in their language.

        :param link: the ``jingjai.portal.link`` the visitor came through
        :param str activity_type_xmlid: the ``mail.activity.type``
        :param note: ``note(env)`` returns the text, translated with ``env``
        :param users: who should be asked before the link's maker
        :param addition: ``addition(env)`` returns a paragraph to add to the
            open activity, in its assignee's language, or None to add nothing
        :return: the new ``mail.activity``, or False when one was open
        """
        self.ensure_one()
        activity_type = self.env.ref(activity_type_xmlid)
        open_activity = self._jingjai_portal_open_activity(activity_type_xmlid)
        if open_activity:
            if addition:
                staff_sudo = self._jingjai_portal_as_staff(open_activity.user_id.lang)
                text = addition(staff_sudo.env)
                if text:
                    open_activity.with_env(staff_sudo.env).note = (
                        open_activity.note or Markup()
                    ) + Markup("<p>%s</p>") % text
            return False
        assignee = next(
            (
                user
                for user in (*users, link.sudo().generated_by_id)
                if user.active and user._is_internal()
            ),
            self.env.ref("base.user_admin"),
        )
        staff_sudo = self._jingjai_portal_as_staff(assignee.lang)
        return staff_sudo.activity_schedule(
            activity_type_id=activity_type.id,
            user_id=assignee.id,
            note=_staff_text(note, staff_sudo.env),
        )

    # ------------------------------------------------------------
    # SHARING: what the "Portal link ready" panel says, per model
    # ------------------------------------------------------------

    def _jingjai_portal_share_recipient(self):
        """The partner the panel's messages are for: the document's customer."""
        self.ensure_one()
        return self.partner_id or self._jingjai_portal_customer()

    def _jingjai_portal_share_sms_sentence(self):
        """The SMS's sentence before the URL, in the context's language; it
        always names the business."""
        raise NotImplementedError

    def _jingjai_portal_share_chat_sentence(self, recipient):
        """The LINE and WhatsApp sentence before the URL, in the context's
        language: who writes, to ``recipient``, what the link opens and for
        how much."""
        raise NotImplementedError

    def _jingjai_portal_share_email_action(self, link):
        """The email composer the panel's Email button opens, for a link like
        ``link``.

        :raise UserError: the record cannot be emailed, with the reason
        """
        raise NotImplementedError

    def _jingjai_portal_share_email_note(self):
        """What the panel says under its Email button."""
        return self.env._(
            "Email opens the document's own Send dialog: that email carries "
            "a new link of its own, made when it is sent, not this one."
        )

    # ------------------------------------------------------------
    # MAIL AND SMS: the link goes only into the customer's copy
    # ------------------------------------------------------------

    def _jingjai_portal_mail_template(self):
        """The email template whose Send gives the customer a portal link."""
        return self.env["mail.template"]

    def _jingjai_portal_mail_can_link(self):
        """Whether an email sent now can give the customer a link to this record."""
        self.ensure_one()
        return True

    def _jingjai_portal_mail_link_title(self):
        """The label of the email's button that opens the link (context language)."""
        raise NotImplementedError

    def _jingjai_portal_mail_link_authors(self):
        """Who else may make a link for an email sent by a cron (as OdooBot)."""
        return self.env["res.users"]

    def _jingjai_portal_notify_links_by_email(
        self, message, recipients_data, msg_vals, request
    ):
        """A new link for each customer's recipient that ``message`` emails.

        The customer's recipients are the partners the message is addressed to
        (mere followers are not) who belong to the customer and are not staff.
        Everyone else gets the usual email, without a link.

        :param dict request: the ``jingjai_portal_link`` notification parameter
        :return: ``{partner id: generate() result}``
        """
        self.ensure_one()
        if not self._jingjai_portal_mail_can_link():
            return {}
        msg_vals = msg_vals or {}
        addressed = set(
            msg_vals["partner_ids"]
            if "partner_ids" in msg_vals
            else message.partner_ids.ids
        )
        candidate_ids = [
            data["id"]
            for data in recipients_data
            if data["id"] in addressed
            and data["notif"] == "email"
            and data["type"] != "user"
        ]
        customer = self._jingjai_portal_customer()
        # sudo: whether a recipient belongs to the customer, whoever sends.
        partners_sudo = self.env["res.partner"].sudo().browse(candidate_ids)
        return {
            partner.id: self._jingjai_portal_notify_generate(message, request)
            for partner in partners_sudo
            if partner.commercial_partner_id == customer
        }

    def _jingjai_portal_notify_link_by_sms(
        self, message, recipients_data, sms_numbers, request
    ):
        """A new link for the one number an SMS of ``message`` goes to.

        :return: ``(generate() result, who receives it)``
        :raise UserError: the SMS goes to several numbers, or to a partner who is
            not the customer
        """
        self.ensure_one()
        sender_env = self._jingjai_portal_sender_env()
        partner_ids = [data["id"] for data in recipients_data if data["notif"] == "sms"]
        numbers = [number for number in sms_numbers or () if number]
        if len(partner_ids) + len(numbers) != 1:
            raise UserError(
                sender_env._("A portal link is sent by SMS to one number at a time.")
            )
        if partner_ids:
            # sudo: whether the recipient belongs to the customer, whoever sends.
            recipient = self.env["res.partner"].sudo().browse(partner_ids)
            if recipient.commercial_partner_id != self._jingjai_portal_customer():
                raise UserError(
                    sender_env._(
                        "A portal link is only sent to the customer, not to %s.",
                        recipient.display_name,
                    )
                )
            label = recipient.display_name
        else:
            label = numbers[0]
        return self._jingjai_portal_notify_generate(message, request), label

    def _jingjai_portal_notify_generate(self, message, request):
        """Make the link a message carries, in the name of whoever sends it.

        generate() checks that they may share it. A message shared from the
        "Portal link ready" panel gets a link like the panel's (``like``): same
        validity and access-code rule.
        """
        self.ensure_one()
        author = self._jingjai_portal_notify_author()
        # In the author's language, not the customer's the email is written in:
        # the chatter note of the generation, or why it failed, is for staff.
        Link = self.env["jingjai.portal.link"].with_context(lang=author.lang)
        options = {}
        like_id = request.get("like")
        if like_id:
            # sudo: read the panel's link to copy its settings; checked below.
            like = Link.sudo().browse(like_id if isinstance(like_id, int) else ())
            like = like.exists()
            target = like._get_target() if like else None
            expected = (
                self._jingjai_portal_customer() if self._name == "res.partner" else self
            )
            if not like or target != expected or like.state != "active":
                raise UserError(
                    Link.env._(
                        "The portal link of this message is no longer active: "
                        "generate a new one."
                    )
                )
            codes_on = self._jingjai_portal_company().jingjai_portal_access_codes
            options = {
                "expiry_days": expiry_rules.validity_days(
                    like.generated_at, like.expires_at
                ),
                "require_code": True if like.requires_code and codes_on else None,
            }
        return Link.with_user(author).generate(self._name, self.id, **options)

    def _jingjai_portal_notify_author(self):
        """The user who makes the links of a message being sent: its sender.

        A cron (batch or scheduled sending) sends as OdooBot, who is no one:
        the link is then made by someone the record names. Anyone else, a
        portal user posting in sudo among them, makes no link.
        """
        user = self.env.user
        if user.active and user._is_internal():
            return user
        if user._is_superuser():
            authors = self._jingjai_portal_mail_link_authors().filtered(
                lambda author: author.active and author._is_internal()
            )
            if authors:
                return authors[0]
        raise UserError(
            self._jingjai_portal_sender_env()._(
                "Nobody can make the portal link this message needs."
            )
        )

    def _jingjai_portal_sender_env(self):
        """The environment in the sending user's language.

        Notifications run in the language of the customer they are written
        for; what goes wrong with the links is said to the sender.
        """
        return self.with_context(lang=self.env.user.lang).env

    def _jingjai_portal_notify_groups(self, groups, message):
        """``groups`` (of ``_notify_get_recipients_groups``) for our messages.

        A message that carries links, or Odoo's confirmation after a Sign &
        Accept through one, gives nobody but staff Odoo's button with the
        record's permanent access_token. Each customer's recipient given a link
        gets it as the email's access button instead, made for them alone.
        """
        links = self.env.context.get(LINK_CONTEXT_KEY) or {}
        if links.get("message_id") != message.id:
            links = {}
        key = self._jingjai_portal_mail_context_key
        accepted = bool(self and key and self.env.context.get(key) == self.id)
        if not links and not accepted:
            return groups
        for group_name, _group_func, group_data in groups:
            if group_name != "user":
                group_data["has_button_access"] = False
        urls = links.get("urls") or {}
        if not urls:
            return groups
        title = self._jingjai_portal_mail_link_title()
        return [
            [
                f"jingjai_portal_link_{partner_id}",
                lambda pdata, partner_id=partner_id: pdata["id"] == partner_id,
                {
                    "active": True,
                    "has_button_access": True,
                    "button_access": {"url": url, "title": title},
                },
            ]
            for partner_id, url in urls.items()
        ] + groups

    def _jingjai_portal_notify_note(self, message, sent):
        """Name in the chatter copy of ``message`` the links it carried.

        Each line opens the link's audit record; the URL itself is only in the
        outgoing email or SMS.

        :param list sent: ``(generate() result, who received it)`` pairs
        """
        lines = Markup()
        for result, recipient in sent:
            link = self.env["jingjai.portal.link"].sudo().browse(result["link_id"])
            # In the language of whoever sent it, who reads the chatter.
            text = link.with_context(lang=link.generated_by_id.lang).env._(
                "Portal link …%(hint)s sent to %(recipient)s.",
                hint=link.token_hint,
                recipient=recipient,
            )
            lines += Markup('<p><a href="/odoo/jingjai.portal.link/%s">%s</a></p>') % (
                link.id,
                text,
            )
        if lines:
            # sudo: the sender may not edit messages; this adds no token.
            message.sudo().body = (message.body or Markup()) + lines
