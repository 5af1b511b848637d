from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..const import DOCUMENT_MODELS, SHARE_CONTEXT_KEY
from ..lib import expiry as expiry_rules
from .jingjai_portal_payment_mixin import RECENT_PAYMENT_DAYS

# How many documents of each section the account page shows before "See all".
OVERVIEW_SIZE = 5


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "jingjai.portal.link.mixin"]

    _jingjai_portal_link_field = "partner_id"
    _jingjai_portal_customer_path = "commercial_partner_id"
    _jingjai_portal_page_template = "jingjai_portal.page_customer"

    jingjai_portal_active_account_link_count = fields.Integer(
        string="Active account link count",
        compute="_compute_jingjai_portal_active_account_link_count",
    )
    jingjai_portal_always_require_code = fields.Boolean(
        string="Always require an access code",
        help="Every new portal link for this customer asks for a 6-digit code, "
        "sent by SMS or email, before showing anything (when access codes are "
        "turned on in Settings → Portal).",
    )

    @api.depends_context("uid")
    def _compute_jingjai_portal_active_account_link_count(self):
        for partner in self:
            partner.jingjai_portal_active_account_link_count = len(
                partner.jingjai_portal_link_ids.filtered(
                    lambda link: link.scope == "customer" and link.state == "active"
                )
            )

    @api.model
    def _commercial_fields(self):
        # The customer (commercial entity) decides, for all its contacts.
        return super()._commercial_fields() + ["jingjai_portal_always_require_code"]

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    def _jingjai_portal_undeletable_message(self):
        return self.env._(
            "This customer has portal links, kept for the audit trail. "
            "Archive the customer instead of deleting it."
        )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_jingjai_portal_revoke_account_links(self):
        """Revoke this customer's account links only (confirmed in the view);
        links to single quotes and invoices keep working."""
        self.ensure_one()
        account_links = self.jingjai_portal_link_ids.filtered(
            lambda link: link.scope == "customer" and link.state == "active"
        )
        if not account_links:
            raise UserError(
                self.env._("This customer has no active account link to revoke.")
            )
        return self._jingjai_portal_revoke_links(account_links)

    # ------------------------------------------------------------
    # MAIL: the share panel's email gives the customer a link
    # ------------------------------------------------------------

    def _notify_get_recipients_groups(self, message, model_description, msg_vals=False):
        groups = super()._notify_get_recipients_groups(
            message, model_description, msg_vals=msg_vals
        )
        return self._jingjai_portal_notify_groups(groups, message)

    def _jingjai_portal_mail_link_title(self):
        return self.env._("View your documents")

    # ------------------------------------------------------------
    # SHARING: the "Portal link ready" panel
    # ------------------------------------------------------------

    def _jingjai_portal_share_recipient(self):
        self.ensure_one()
        return self

    def _jingjai_portal_share_sms_sentence(self):
        return self.env._(
            "%(company)s: your documents:",
            company=self._jingjai_portal_company().name,
        )

    def _jingjai_portal_share_chat_sentence(self, recipient):
        return self.env._(
            "Hello %(customer)s, this is %(company)s. Here are your quotes, "
            "invoices and payments with us:",
            customer=recipient.name,
            company=self._jingjai_portal_company().name,
        )

    def _jingjai_portal_share_email_action(self, link):
        # A short email of its own: a customer has no Send dialog. Its link is
        # the email's button, made for the customer when it is sent.
        if not self.email_normalized:
            raise UserError(
                self.env._(
                    "%s has no valid email address: add one on the customer to "
                    "email the link.",
                    self.display_name,
                )
            )
        company = self._jingjai_portal_company()
        # The email is in the customer's language; the rest in the user's.
        customer_env = self.with_context(lang=self.lang or self.env.lang).env
        body = Markup("<p>%s</p><p>%s</p>") % (
            customer_env._("Hello %s,", self.name),
            customer_env._(
                "Here is a private link to your quotes, orders and invoices at "
                "%(company)s, with no password: the button of this email. It works "
                "for %(days)s days. Please do not forward this email.",
                company=company.name,
                days=expiry_rules.validity_days(link.generated_at, link.expires_at),
            ),
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Email the link"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [[False, "form"]],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_composition_mode": "comment",
                "default_partner_ids": self.ids,
                "default_subject": customer_env._(
                    "%(company)s: your documents", company=company.name
                ),
                "default_body": body,
                SHARE_CONTEXT_KEY: link.id,
            },
        }

    def _jingjai_portal_share_email_note(self):
        return self.env._(
            "The email carries its own new link, made when it leaves, valid as "
            "long as this one."
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _jingjai_portal_links_domain(self):
        # Every link to the customer's data: its account links and the links to
        # its quotes and invoices. The counter, the list and Revoke all act on
        # these, as the Revoke confirmation says.
        return [("partner_id", "in", self.ids)]

    def _jingjai_portal_check_shareable(self):
        result = super()._jingjai_portal_check_shareable()
        # A customer-wide link shows the documents its maker may read, decided at
        # every request (see _jingjai_portal_sections). Sharing the account while
        # some of it is hidden from the maker would hand out an incomplete page as
        # the customer's account: only someone who may read all of it shares it.
        customer = self._jingjai_portal_customer()
        company = self._jingjai_portal_company()
        shown = customer._jingjai_portal_sections(company, self.env.user)
        held = customer._jingjai_portal_sections(company, None)
        for key, section in held.items():
            # sudo: counts only, to compare what the account holds with what the
            # user may read of it; nothing is returned.
            Model = self.env[section["model"]].sudo()
            if Model.search_count(shown[key]["domain"]) != Model.search_count(
                section["domain"]
            ):
                raise AccessError(
                    self.env._(
                        "You cannot share the whole account of %s: it holds documents "
                        "you are not allowed to see. Share a single quote or invoice, "
                        "or ask a manager.",
                        customer.display_name,
                    )
                )
        return result

    def _jingjai_portal_sections(self, company, user):
        """The account page's sections: what each lists and how to find it.

        The one place that decides what a customer-wide link shows, at every
        request: the customer's documents of the link's company that the link's
        maker may read at that moment (their access rights, record rules and
        companies as they are now). A salesperson who sees only their own
        documents makes links that show only their documents, also those of
        quotes and invoices added later; a maker who loses a right loses it in
        their links too.

        :param company: the company whose documents the link shows
        :param user: the link's maker (``res.users``); None for everything the
            account holds, whoever may read it (only to compare the two)
        :return: ``{key: {title, model, domain, order}}`` in display order
        """
        self.ensure_one()
        documents = self._jingjai_portal_document_domains(company)
        down_payment = Domain(
            "invoice_line_ids",
            "any",
            [("sale_line_ids.is_downpayment", "=", True), ("price_subtotal", ">", 0)],
        )
        sections = {
            "quotes": {
                "title": self.env._("Quotes"),
                "model": "sale.order",
                "domain": documents["sale.order"]
                & Domain("state", "in", ("draft", "sent")),
                "order": "date_order desc, id desc",
            },
            "jobs": {
                "title": self.env._("Jobs"),
                "model": "sale.order",
                "domain": documents["sale.order"] & Domain("state", "=", "sale"),
                "order": "date_order desc, id desc",
            },
            "invoices": {
                "title": self.env._("Invoices"),
                "model": "account.move",
                "domain": documents["account.move"] & ~down_payment,
                "order": "invoice_date desc, id desc",
            },
            "deposits": {
                "title": self.env._("Deposits"),
                "model": "account.move",
                "domain": documents["account.move"] & down_payment,
                "order": "invoice_date desc, id desc",
            },
            "payments": {
                "title": self.env._("Payments received"),
                "model": "account.payment",
                "domain": Domain("partner_id.commercial_partner_id", "=", self.id)
                & Domain("company_id", "=", company.id)
                & Domain("payment_type", "=", "inbound")
                & Domain("state", "in", ("in_process", "paid")),
                "order": "date desc, id desc",
            },
        }
        if user is not None:
            for section in sections.values():
                section["domain"] &= self._jingjai_portal_readable_domain(
                    section["model"], company, user
                )
        return sections

    def _jingjai_portal_document_domains(self, company):
        """The documents a customer-wide link may open, by model, before the
        maker's rights: every section of that model lists a part of them, so a
        document opens exactly when one of the sections lists it.
        """
        self.ensure_one()
        # Everything is found through the commercial partner, as invoices are:
        # the customer and all its contacts, archived ones included, in one
        # subquery (a "child_of" would first read the contact tree).
        return {
            "sale.order": Domain("partner_id.commercial_partner_id", "=", self.id)
            & Domain("company_id", "=", company.id)
            & Domain("state", "in", ("draft", "sent", "sale")),
            "account.move": Domain("commercial_partner_id", "=", self.id)
            & Domain("company_id", "=", company.id)
            & Domain("state", "=", "posted")
            & Domain("move_type", "in", ("out_invoice", "out_refund")),
        }

    @api.model
    def _jingjai_portal_readable_domain(self, model, company, user):
        """Domain of the records of ``model`` in ``company`` that ``user`` may read
        now: nothing without access rights or that company, else their record
        rules (evaluated as if they had only ``company`` selected).
        """
        # sudo: the user's companies and groups are read to evaluate their rights,
        # also for an anonymous visitor of their link.
        user_sudo = user.sudo()
        as_user = self.env[model].with_user(user_sudo)
        if as_user.env.su:
            return Domain.TRUE  # the superuser, as scripts run
        if not user_sudo._is_internal() or company not in user_sudo.company_ids:
            return Domain.FALSE
        as_user = as_user.with_context(allowed_company_ids=company.ids)
        if not as_user.has_access("read"):
            return Domain.FALSE
        return as_user.env["ir.rule"]._compute_domain(model, "read")

    def _jingjai_portal_section_records(self, company, user, key, limit=None, offset=0):
        """Documents of one section, and how many there are in all.

        :param user: the link's maker: :meth:`_jingjai_portal_sections`
        """
        section = self._jingjai_portal_sections(company, user)[key]
        # sudo: the visitor is anonymous; the section domain confines the search
        # to this customer's documents of the link's company.
        Model = self.env[section["model"]].sudo()
        query = Model._search(
            section["domain"], order=section["order"], limit=limit, offset=offset
        )
        # One query gives the page and the section's total (the window counts
        # before LIMIT applies): a page costs the same queries for a customer
        # with 10 documents as for one with 300.
        rows = self.env.execute_query(
            query.select(SQL.identifier(Model._table, "id"), SQL("COUNT(*) OVER ()"))
        )
        if rows:
            count = rows[0][1]
        else:
            # An empty page: the section is empty, or the page is past its end.
            count = Model.search_count(section["domain"]) if offset else 0
        return Model.browse(row[0] for row in rows), count

    def _jingjai_portal_open_balance(self, company, user=None):
        """What the customer owes the company, in the company's currency.

        :param user: count only the invoices and credit notes this user may read
            (a customer-wide link's maker, :meth:`_jingjai_portal_sections`);
            None for the whole balance
        """
        self.ensure_one()
        domain = Domain(
            [
                ("commercial_partner_id", "=", self.id),
                ("company_id", "=", company.id),
                ("state", "=", "posted"),
                ("move_type", "in", ("out_invoice", "out_refund")),
            ]
        )
        if user is not None:
            domain &= self._jingjai_portal_readable_domain(
                "account.move", company, user
            )
        # sudo: anonymous visitor; confined to this customer and company.
        groups = (
            self.env["account.move"]
            .sudo()
            ._read_group(domain, aggregates=["amount_residual_signed:sum"])
        )
        return groups[0][0] if groups else 0.0

    def _jingjai_portal_page_values(self, link, urls):
        values = super()._jingjai_portal_page_values(link, urls)
        company, maker = link.company_id, link.generated_by_id
        sections = []
        for key, section in self._jingjai_portal_sections(company, maker).items():
            records, count = self._jingjai_portal_section_records(
                company, maker, key, limit=OVERVIEW_SIZE
            )
            sections.append(
                {
                    "key": key,
                    "title": section["title"],
                    "records": records,
                    "count": count,
                    "url": urls.section(key),
                }
            )
        open_invoices = self._jingjai_portal_open_invoices(link)
        values.update(
            {
                "sections": sections,
                "open_balance": self._jingjai_portal_open_balance(company, maker),
                "currency": company.currency_id,
                "open_invoices": open_invoices,
                "online_payment": open_invoices._jingjai_portal_online_payment(urls),
                "pay_reference": ", ".join(open_invoices.mapped("name")),
                "transaction_notice": self._jingjai_portal_pay_all_notice(link),
            }
        )
        return values

    def _jingjai_portal_pay_all_notice(self, link):
        """The state of this account's last payment of several invoices at once
        (its page's "Pay all open invoices"), for a couple of days: the page the
        visitor comes back to; or None.
        """
        self.ensure_one()
        since = fields.Datetime.subtract(
            fields.Datetime.now(), days=RECENT_PAYMENT_DAYS
        )
        # sudo: anonymous visitor; only this account's own payments, summed up.
        tx_sudo = (
            self.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("invoice_ids.commercial_partner_id", "=", self.id),
                    ("invoice_ids.company_id", "=", link.company_id.id),
                    ("create_date", ">=", since),
                ],
                order="id desc",
                limit=1,
            )
        )
        if len(tx_sudo.invoice_ids) < 2:
            # One invoice's payment is told on that invoice's page.
            return None
        return self.env["account.move"]._jingjai_portal_transaction_summary(tx_sudo)

    def _jingjai_portal_open_invoices(self, link):
        """The invoices "Pay all open invoices" pays: those of the account page
        still to be paid online, in the company's currency (one transaction
        is in one currency, as Odoo's overdue invoices payment).
        """
        self.ensure_one()
        company = link.company_id
        domain = Domain.OR(
            section["domain"]
            for section in self._jingjai_portal_sections(
                company, link.generated_by_id
            ).values()
            if section["model"] == "account.move"
        ) & Domain(
            [
                ("move_type", "=", "out_invoice"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("currency_id", "=", company.currency_id.id),
            ]
        )
        # sudo: anonymous visitor; confined to the account page's own invoices.
        invoices_sudo = (
            self.env["account.move"].sudo().search(domain, order="invoice_date_due, id")
        )
        return invoices_sudo.filtered(lambda invoice: invoice._has_to_be_paid())

    def _jingjai_portal_document_of(self, link, document_type, document_id):
        """A quote, job or invoice of this customer, if its account page lists it."""
        self.ensure_one()
        model = DOCUMENT_MODELS.get(document_type)
        if not model:
            return self.env["res.partner"].browse()
        # The union of the model's sections, as one domain: not the sections
        # OR-ed (invoices and deposits would test the down payment twice).
        company = link.company_id
        domain = self._jingjai_portal_document_domains(company)[
            model
        ] & self._jingjai_portal_readable_domain(model, company, link.generated_by_id)
        # sudo: anonymous visitor; the id is only accepted inside the customer's
        # own sections, so any other id answers "not found".
        return (
            self.env[model]
            .sudo()
            .search(domain & Domain("id", "=", document_id), limit=1)
        )
