import logging
import re
from datetime import date, datetime, timedelta

import psycopg2.errors
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, ConcurrencyError, LockError, UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..const import (
    BUSINESS_TIMEZONE,
    DOCUMENT_MODELS,
    DOCUMENT_TYPES,
    EXPIRY_DAYS_FIELDS,
    LINK_SCOPES,
    LINK_STATES,
    NOW_CONTEXT_KEY,
    SCOPE_BY_MODEL,
    SCOPE_TARGETS,
)
from ..lib import expiry as expiry_rules
from ..lib import tokens
from ..lib.link_visit import VISIT_PDF, VISIT_UNLOCK, LinkRefused, LinkVisit
from ..lib.portal_link_urls import PortalLinkUrls, parse_record_id
from ..lib.text import plain_text
from .jingjai_portal_link_mixin import _staff_text

_logger = logging.getLogger(__name__)

# The last day of a link as integrators write it: 2026-12-31.
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)

# The only fields that change after a link is made: revocation, once.
REVOCATION_FIELDS = frozenset({"revoked_at", "revoked_by_id"})


class JingjaiPortalLink(models.Model):
    _name = "jingjai.portal.link"
    _description = "Portal Link"
    _order = "generated_at desc, id desc"
    _check_company_auto = True

    scope = fields.Selection(
        selection=LINK_SCOPES,
        required=True,
        readonly=True,
    )
    token_digest = fields.Char(
        required=True,
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="SHA-256 of the token. The token itself is never stored.",
    )
    token_hint = fields.Char(
        string="Link ends with",
        readonly=True,
        copy=False,
        help="The last characters of the URL, so staff can tell which link a "
        "customer holds without the link being stored.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, readonly=True, index=True
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    sale_order_id = fields.Many2one(
        comodel_name="sale.order",
        string="Quote",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    account_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    generated_by_id = fields.Many2one(
        comodel_name="res.users", required=True, readonly=True, ondelete="restrict"
    )
    generated_at = fields.Datetime(required=True, readonly=True)
    expires_at = fields.Datetime(required=True, readonly=True)
    last_valid_day = fields.Date(
        compute="_compute_last_valid_day",
        help="The last day the link opens, in Bangkok: a link that ends at "
        "midnight is valid through the day before.",
    )
    revoked_at = fields.Datetime(readonly=True, copy=False)
    revoked_by_id = fields.Many2one(
        comodel_name="res.users", readonly=True, copy=False, ondelete="restrict"
    )
    requires_code = fields.Boolean(
        string="Requires an access code",
        readonly=True,
        help="Opening the link asks for a 6-digit code sent to the customer by "
        "SMS or email; the right code unlocks it in that browser for a while. "
        "Decided when the link is generated.",
    )
    state = fields.Selection(
        selection=LINK_STATES,
        compute="_compute_state",
        search="_search_state",
        help="Decided from the facts at the moment it is read: revocation, the "
        "quote or invoice reaching its end, then the expiry date.",
    )
    closed_reason = fields.Char(compute="_compute_state")
    visit_ids = fields.One2many(
        comodel_name="jingjai.portal.link.visit",
        inverse_name="link_id",
        string="Views",
        readonly=True,
    )
    view_count = fields.Integer(string="Total views", compute="_compute_view_stats")
    first_viewed_at = fields.Datetime(compute="_compute_view_stats")
    first_viewed_ip = fields.Char(
        string="First viewed from", compute="_compute_view_stats"
    )
    last_viewed_at = fields.Datetime(compute="_compute_view_stats")
    last_viewed_ip = fields.Char(
        string="Last viewed from", compute="_compute_view_stats"
    )
    new_link_requested_at = fields.Datetime(
        string="New link requested on",
        readonly=True,
        copy=False,
        help="When the customer last asked for a new link from this one's "
        "expired or closed page. Set in SQL, as part of the lock that gives "
        "one activity however many requests arrive at once.",
    )
    first_view_posted = fields.Boolean(
        readonly=True,
        copy=False,
        help="Set in SQL by the first view, so that exactly one chatter note "
        "announces it however many requests arrive at once.",
    )

    _token_digest_unique = models.Constraint(
        "UNIQUE(token_digest)", "Two portal links cannot share a token."
    )
    _target_matches_scope = models.Constraint(
        "CHECK((scope = 'customer'"
        " AND sale_order_id IS NULL AND account_move_id IS NULL)"
        " OR (scope = 'quote'"
        " AND sale_order_id IS NOT NULL AND account_move_id IS NULL)"
        " OR (scope = 'invoice'"
        " AND account_move_id IS NOT NULL AND sale_order_id IS NULL))",
        "A portal link points at exactly the record of its scope.",
    )
    _expires_after_generation = models.Constraint(
        "CHECK(expires_at > generated_at)",
        "A portal link must expire after it was generated.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("scope", "partner_id", "sale_order_id", "account_move_id")
    @api.depends_context("uid")
    def _compute_display_name(self):
        names = {
            "customer": self.env._("Customer-wide link to %(target)s (…%(hint)s)"),
            "quote": self.env._("Link to quote %(target)s (…%(hint)s)"),
            "invoice": self.env._("Link to invoice %(target)s (…%(hint)s)"),
        }
        for link in self:
            link.display_name = names.get(link.scope, names["customer"]) % {
                "target": link._get_target().sudo().display_name or "",
                "hint": link.token_hint or "",
            }

    @api.depends("expires_at")
    def _compute_last_valid_day(self):
        business = self.with_context(tz=BUSINESS_TIMEZONE)
        for link in self:
            link.last_valid_day = link.expires_at and (
                fields.Datetime.context_timestamp(
                    business, link.expires_at - timedelta(seconds=1)
                ).date()
            )

    @api.depends("revoked_at", "expires_at", "scope")
    @api.depends_context(NOW_CONTEXT_KEY)
    def _compute_state(self):
        now = self._now()
        for link in self:
            # Read the target in sudo: a link's state must not depend on who asks.
            closed_reason = link._get_target().sudo()._jingjai_portal_closed_reason()
            link.closed_reason = closed_reason or False
            if not link.expires_at:
                link.state = "active"
                continue
            link.state = expiry_rules.link_state(
                now,
                link.expires_at,
                revoked_at=link.revoked_at,
                closed=bool(closed_reason),
            )

    def _search_state(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        now = self._now()
        not_revoked = Domain("revoked_at", "=", False)
        closed = Domain.OR(
            Domain(field, "any", self.env[model]._jingjai_portal_closed_domain())
            & Domain("scope", "=", scope)
            for scope, (model, field) in SCOPE_TARGETS.items()
        )
        state_domains = {
            "revoked": Domain("revoked_at", "!=", False),
            "closed": not_revoked & closed,
            "expired": not_revoked & ~closed & Domain("expires_at", "<=", now),
            "active": not_revoked & ~closed & Domain("expires_at", ">", now),
        }
        domain = Domain.OR(
            state_domains[state] for state in value if state in state_domains
        )
        return ~domain if operator == "not in" else domain

    def _compute_view_stats(self):
        stats = {
            link.id: (count, first_view, last_view)
            for link, count, first_view, last_view in self.env[
                "jingjai.portal.link.visit"
            ]
            .sudo()
            ._read_group(
                [("link_id", "in", self.ids)],
                groupby=["link_id"],
                aggregates=["__count", "id:min", "id:max"],
            )
        }
        Visit = self.env["jingjai.portal.link.visit"].sudo()
        for link in self:
            count, first_id, last_id = stats.get(link.id, (0, False, False))
            first_view, last_view = Visit.browse(first_id), Visit.browse(last_id)
            link.view_count = count
            link.first_viewed_at = first_view.viewed_at
            link.first_viewed_ip = first_view.ip_address
            link.last_viewed_at = last_view.viewed_at
            link.last_viewed_ip = last_view.ip_address

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    def write(self, vals):
        # Links are audit records: everything but the one-way revocation is frozen,
        # even for sudo code, so no module can quietly rewrite history.
        if set(vals) - REVOCATION_FIELDS:
            raise UserError(
                self.env._("Portal links are audit records and cannot be edited.")
            )
        if any(self.mapped("revoked_at")):
            raise UserError(self.env._("A revoked portal link stays revoked."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_audit(self):
        raise UserError(
            self.env._(
                "Portal links are kept for the audit trail. Revoke a link instead "
                "of deleting it."
            )
        )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_revoke(self):
        """Revoke the links for good. Part of the integrator API.

        The next request through a revoked link gets the "link revoked" page; the
        link and its view log stay for the audit trail.
        """
        self._check_staff_access()
        for link in self:
            link._get_target().check_access("read")
        to_revoke = self.filtered(lambda link: not link.revoked_at)
        if not to_revoke:
            return True
        # sudo: staff have no write access to audit records; revocation is the one
        # change allowed, and it is written here with who did it.
        to_revoke.sudo().write(
            {"revoked_at": fields.Datetime.now(), "revoked_by_id": self.env.uid}
        )
        for link in to_revoke:
            link._get_target()._jingjai_portal_after_revoke()
            link._post_audit_note(
                lambda env, link=link: env._(
                    "Portal link …%(hint)s revoked by %(user)s.",
                    hint=link.token_hint,
                    user=env.user.name,
                )
            )
        return True

    def action_view_visits(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Views of %s", self.display_name),
            "res_model": "jingjai.portal.link.visit",
            "view_mode": "list",
            "domain": [("link_id", "=", self.id)],
            "context": {"create": False},
        }

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def generate(
        self, res_model, res_id, expiry_days=False, expires_on=False, require_code=None
    ):
        """Create a portal link. Part of the integrator API (JSON-2, XML-RPC).

        :param str res_model: ``res.partner`` (customer-wide), ``sale.order``
            (single quote) or ``account.move`` (single invoice)
        :param int res_id: id of the record to share
        :param int expiry_days: days until the link expires, a whole number from
            1 to 365; the company's default for the scope when not given
        :param str expires_on: last day (``YYYY-MM-DD``, the user's timezone)
            the link works, instead of ``expiry_days``
        :param bool require_code: whether opening the link asks for an access
            code; None (the default) applies the company's rules, True asks for
            one anyway, False is refused when the rules ask for one
        :return: ``link_id``, ``url`` (shown this once: only its digest is
            stored), ``expires_at`` (UTC, ``YYYY-MM-DD HH:MM:SS``), ``scope``,
            ``requires_code``
        :rtype: dict
        :raise UserError: on any argument it cannot take, saying which and why
        """
        self._check_staff_access()
        res_id, expiry_days, expires_on = self._check_generate_arguments(
            res_model, res_id, expiry_days, expires_on, require_code
        )
        record = self.env[res_model].browse(res_id).exists()
        if not record:
            raise UserError(self.env._("The record to share no longer exists."))
        record.check_access("read")
        record._jingjai_portal_check_shareable()
        expires_at = self._compute_expires_at(record, expiry_days, expires_on)
        requires_code = self._access_code_required(record, require_code)
        token = tokens.new_token()
        scope = SCOPE_BY_MODEL[res_model]
        values = {
            "scope": scope,
            "token_digest": tokens.token_digest(token),
            "token_hint": token[-4:],
            "partner_id": record._jingjai_portal_customer().id,
            "company_id": record._jingjai_portal_company().id,
            "generated_by_id": self.env.uid,
            "generated_at": fields.Datetime.now(),
            "expires_at": expires_at,
            "requires_code": requires_code,
        }
        target_field = SCOPE_TARGETS[scope][1]
        if target_field != "partner_id":
            values[target_field] = record.id
        # sudo: staff may not create audit records directly (that would let them
        # choose a digest or a date); this method is the only way in.
        link_sudo = self.sudo().create(values)
        link = link_sudo.sudo(False)

        def note(env):
            text = env._(
                "Portal link …%(hint)s generated by %(user)s, valid until %(expiry)s.",
                hint=link.token_hint,
                user=env.user.name,
                expiry=self._format_datetime(expires_at),
            )
            if requires_code:
                text = f"{text} {env._('Opening it requires an access code.')}"
            return text

        link._post_audit_note(note)
        # The id, never the token, goes to the log.
        _logger.info(
            "portal link %s generated for %s,%s", link.id, res_model, record.id
        )
        return {
            "link_id": link.id,
            "url": link._get_url(token),
            "expires_at": fields.Datetime.to_string(expires_at),
            "scope": scope,
            "requires_code": requires_code,
        }

    @api.model
    def _check_generate_arguments(
        self, res_model, res_id, expiry_days, expires_on, require_code
    ):
        """Refuse, with a message an integrator can act on, what generate() cannot
        take: it is called over JSON-2 and XML-RPC, where anything may arrive.

        :return: ``(res_id, expiry_days, expires_on)``: the id, the number of
            days (False for the company's default) and the last day (a ``date``,
            or False), checked and typed
        """

        def shown(value):
            return str(value)[:40]

        if not isinstance(res_model, str) or res_model not in self.env:
            raise UserError(
                self.env._(
                    "There is no model “%s”. Portal links are made for customers "
                    "(res.partner), quotes (sale.order) and invoices (account.move).",
                    shown(res_model),
                )
            )
        if res_model not in SCOPE_BY_MODEL:
            raise UserError(
                self.env._(
                    "Portal links can be made for customers, quotes and invoices, "
                    "not for “%s”.",
                    res_model,
                )
            )
        # bool is an int in Python, but True is no record id and no number of days.
        if isinstance(res_id, bool) or not isinstance(res_id, int):
            raise UserError(
                self.env._(
                    "The record to share is given by its id, a whole number, not “%s”.",
                    shown(res_id),
                )
            )
        if expiry_days is None:
            expiry_days = False
        if expiry_days is not False and (
            isinstance(expiry_days, bool)
            or not isinstance(expiry_days, int | float)
            or not float(expiry_days).is_integer()
        ):
            raise UserError(
                self.env._(
                    "The number of days a portal link stays valid is a whole number "
                    "from %(min)s to %(max)s, not “%(value)s”.",
                    min=expiry_rules.MIN_EXPIRY_DAYS,
                    max=expiry_rules.MAX_EXPIRY_DAYS,
                    value=shown(expiry_days),
                )
            )
        if expires_on is None:
            expires_on = False
        if expires_on is not False:
            if expiry_days is not False:
                raise UserError(
                    self.env._(
                        "Give either the number of days (expiry_days) or the last "
                        "day (expires_on) of a portal link, not both."
                    )
                )
            last_day = self._parse_last_day(expires_on)
            if not last_day:
                raise UserError(
                    self.env._(
                        "The last day of a portal link is a date written "
                        "YYYY-MM-DD, not “%s”.",
                        shown(expires_on),
                    )
                )
            expires_on = last_day
        if require_code is not None and not isinstance(require_code, bool):
            raise UserError(
                self.env._(
                    "require_code is true, false or left out, not “%s”.",
                    shown(require_code),
                )
            )
        return res_id, expiry_days is not False and int(expiry_days), expires_on

    @api.model
    def _parse_last_day(self, value):
        """``value`` as a ``date`` (a date, or text ``YYYY-MM-DD``), or None."""
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str) and ISO_DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:  # 2026-02-30
                return None
        return None

    @api.model
    def _compute_expires_at(self, record, expiry_days, expires_on):
        now = fields.Datetime.now()
        try:
            if expires_on:
                return expiry_rules.expires_at_from_date(
                    now,
                    expires_on,
                    tz_name=self.env.user.tz or BUSINESS_TIMEZONE,
                )
            days = expiry_days
            if days is False or days is None:
                days = record._jingjai_portal_company()[
                    EXPIRY_DAYS_FIELDS[SCOPE_BY_MODEL[record._name]]
                ]
            return expiry_rules.expires_at_from_days(now, int(days))
        except expiry_rules.ExpiryError as error:
            messages = {
                "not_positive": self.env._(
                    "A portal link must stay valid for at least one day."
                ),
                "in_past": self.env._("The expiry date must be in the future."),
                "too_far": self.env._(
                    "A portal link can stay valid for at most %s days. Generate a new "
                    "link when it runs out: it costs nothing.",
                    expiry_rules.MAX_EXPIRY_DAYS,
                ),
            }
            raise UserError(messages[error.reason]) from error

    @api.model
    def _resolve_token(self, token):
        """Return the link (sudo) a customer's token opens, or an empty recordset.

        One indexed lookup of the digest, which also reads the link's fields
        (every visit reads them: one query, not two); malformed tokens never
        reach the database.
        """
        if not tokens.is_well_formed(token):
            return self.sudo().browse()
        # sudo: the visitor is anonymous; the token itself is the credential.
        return (
            self.sudo()
            .with_context(active_test=False)
            .search_fetch([("token_digest", "=", tokens.token_digest(token))], limit=1)
        )

    def _get_target(self):
        """The record this link opens (customer, quote or invoice)."""
        self.ensure_one()
        model, field = SCOPE_TARGETS.get(self.scope, SCOPE_TARGETS["customer"])
        return self[field] if field != "partner_id" else self.partner_id

    def _get_url(self, token):
        self.ensure_one()
        return PortalLinkUrls(token).absolute(self._get_target().get_base_url())

    # ------------------------------------------------------------
    # VISITS: what a visitor of this link gets
    # ------------------------------------------------------------

    def _visit(
        self,
        token,
        path,
        purpose,
        document_type=None,
        document_id=None,
        unlock_secret=None,
    ):
        """What the visitor holding ``token`` gets for ``path``: the one decision.

        The state comes first, then the access code, then the document: revoking
        or expiring a link ends every unlocked browser at once, and a dead link
        says nothing about the documents behind it. Reading only: the route
        records the view (:meth:`_record_visit`).

        :param str path: the path asked for, below the link
        :param str purpose: ``VISIT_PAGE``, ``VISIT_PDF`` (the link's own PDF)
            or ``VISIT_UNLOCK`` (send or check the access code)
        :param str document_type: ``order`` or ``invoice`` when the route is
            about such a document; None for any record of the link
        :param str document_id: the document's id as the URL gives it, below a
            customer-wide link; None for the link's own record
        :param str unlock_secret: the browser's unlock cookie
        :return: a :class:`LinkVisit`
        :raise LinkRefused: with its kind, message and closed page
        """
        self.ensure_one()
        urls = PortalLinkUrls(token)
        self._check_visit(urls, path, purpose, unlock_secret)
        target = self._get_target()
        if document_id is None:
            record = target
            if document_type and target._name != DOCUMENT_MODELS.get(document_type):
                record = None
        else:
            record_id = parse_record_id(document_id)
            record = record_id and target._jingjai_portal_document_of(
                self, document_type, record_id
            )
            if record:
                urls = urls.of_document(document_type, record.id)
        if not record:
            raise LinkRefused(LinkRefused.UNKNOWN, self, urls, path=path)
        return LinkVisit(
            self, record, DOCUMENT_TYPES.get(record._name, "customer"), urls
        )

    def _check_visit(self, urls, path, purpose, unlock_secret):
        """Refuse the visit (:class:`LinkRefused`) unless this link opens now."""

        def refuse(kind, **kwargs):
            return LinkRefused(
                kind,
                self,
                urls,
                message=self._get_refusal_message(),
                path=path,
                **kwargs,
            )

        def unlocked():
            # Sending and checking the code are what a locked browser may do.
            return purpose == VISIT_UNLOCK or self._access_code_unlocked(unlock_secret)

        if self.state == "active":
            if not unlocked():
                raise refuse(LinkRefused.CODE_REQUIRED)
            return
        closed_page = (
            self.state == "closed"
            and self._get_target()._jingjai_portal_closed_page(self)
        )
        if not closed_page:
            raise refuse(self.state)
        # A closed page may still show the document: it asks for the code too,
        # and the code can still be sent and checked.
        if not unlocked():
            raise refuse(LinkRefused.CODE_REQUIRED)
        if purpose == VISIT_UNLOCK:
            return
        template, values = closed_page
        # Why a closed link still serves its PDF: a document that reached a
        # happy end says so on its closed page (an accepted quote, a paid
        # invoice: _jingjai_portal_closed_page), and when that page offers the
        # PDF ("offers_pdf": the signed quote, the receipt), the link serves it,
        # for as long as the link's own time runs. Nothing else of a closed link
        # opens.
        if purpose == VISIT_PDF and values.get("offers_pdf"):
            return
        # The page's own links (its PDF) stay under this token.
        values["page_url"] = urls.home
        raise refuse(LinkRefused.CLOSED, closed_page=(template, values))

    def _get_refusal_message(self):
        """Why this link may no longer change anything (accept, decline), or False.

        Time and revocation come first, whatever else closed the link: the holder
        of a dead link learns nothing about the document.
        """
        self.ensure_one()
        if self.state == "revoked":
            return self.env._(
                "This link has been revoked. Please contact us if you still need "
                "access."
            )
        if self.state == "expired" or self.expires_at <= self._now():
            return self.env._("This link has expired. Please ask us for a new one.")
        if self.state == "closed":
            return self.env._("This link is closed: %s", self.closed_reason)
        return False

    def _record_visit(self, ip_address, user_agent, path):
        """Log one page served through this link and announce the very first one."""
        self.ensure_one()
        # sudo: written for anonymous visitors; nobody else may write the log.
        view = (
            self.env["jingjai.portal.link.visit"]
            .sudo()
            .create(
                {
                    "link_id": self.id,
                    # Never a control character: PostgreSQL refuses a NUL
                    # byte outright.
                    "ip_address": plain_text(ip_address)[:64] or False,
                    "user_agent": plain_text(user_agent)[:512],
                    "path": plain_text(path)[:256],
                    "link_state": self.state,
                }
            )
        )
        if self._claim_first_view():
            self.invalidate_recordset(["first_view_posted"])
            self._post_audit_note(
                lambda env: env._(
                    "Portal link …%(hint)s opened for the first time, from %(ip)s.",
                    hint=self.token_hint,
                    ip=ip_address or "?",
                )
            )
        return view

    def _claim_first_view(self):
        """Whether this request is the link's very first view, decided once.

        A conditional UPDATE elects exactly one first view among concurrent
        requests. Under Odoo's REPEATABLE READ, a request that raced another
        first view gets a serialization failure instead of "no row": that can
        only mean the other one won, so it is answered without retrying the
        whole request or logging an error.
        """
        if self.first_view_posted:
            # Read with the link in this request's snapshot: already claimed and
            # committed, so every later view skips the UPDATE and its savepoint.
            return False
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "UPDATE jingjai_portal_link SET first_view_posted = TRUE"
                    " WHERE id = %s AND first_view_posted IS NOT TRUE RETURNING id",
                    [self.id],
                    log_exceptions=False,
                )
                claimed = bool(self.env.cr.fetchone())
        except psycopg2.errors.SerializationFailure:
            return False
        if claimed:
            self.invalidate_recordset(["first_view_posted"])
        return claimed

    def _request_new_link(self):
        """The customer asks, from a dead link, for a new one.

        Leaves one activity for the staff member who made the link; asking again
        while it is open adds nothing, so double submits stay harmless, at
        once too.
        """
        self.ensure_one()
        try:
            # A row lock that lets the view log keep referencing the link.
            self.lock_for_update(allow_referencing=True)
        except LockError as error:
            # Another request holds the link (asking too, or revoking it): no
            # worker waits for it, Odoo replays this request in a moment and it
            # then sees what the other one did.
            raise ConcurrencyError(
                f"portal link {self.id} is locked by another request"
            ) from error
        # Under REPEATABLE READ a request that started before the other one
        # committed would not see its activity: writing the locked row makes
        # that request fail to serialize, and Odoo replays it, when it sees the
        # activity. The model refuses writes (audit record), hence SQL.
        self.env.cr.execute(
            SQL(
                "UPDATE jingjai_portal_link SET new_link_requested_at = %s"
                " WHERE id = %s",
                fields.Datetime.now(),
                self.id,
            )
        )
        self.invalidate_recordset(["new_link_requested_at"])
        expired = self.state == "expired"
        return self._get_target()._jingjai_portal_staff_activity(
            self,
            "jingjai_portal.mail_activity_type_link_request",
            lambda env: (
                env._(
                    "The customer opened portal link …%s, which has expired, and asked "
                    "for a new one. Generate a new link and send it to them.",
                    self.token_hint,
                )
                if expired
                else env._(
                    "The customer opened portal link …%s, which is closed, and asked "
                    "for a new one. Generate a new link and send it to them if they "
                    "still need access.",
                    self.token_hint,
                )
            ),
        )

    def _post_audit_note(self, note):
        """Post an internal note on the record the link was made from.

        :param note: ``note(env)`` returns the text, translated with ``env``
            (a string is posted as it is)
        """
        self.ensure_one()
        if not self.env.user._is_internal():
            # Anonymous visitors are not authors; the system speaks for them.
            return self._get_target()._jingjai_portal_staff_note(note)
        # In the acting staff member's language, even when a Send in the
        # customer's language made the link.
        staff = self.with_context(lang=self.env.user.lang)
        # sudo: audit notes are written by the system, whatever the author may
        # otherwise post; the author stays the acting staff member.
        return (
            self._get_target()
            .sudo()
            .message_post(
                body=Markup("<p>%s</p>") % _staff_text(note, staff.env),
                author_id=self.env.user.partner_id.id,
                message_type="notification",
                subtype_xmlid="mail.mt_note",
            )
        )

    def _check_staff_access(self):
        """Only staff who may read links (sales or invoicing) make or revoke them."""
        if not self.env.su and not self.env.user._is_internal():
            raise AccessError(self.env._("Only staff can manage portal links."))
        self.browse().check_access("read")

    def _now(self):
        # Tests pin "now" through the context to check the boundary second.
        return self.env.context.get(NOW_CONTEXT_KEY) or fields.Datetime.now()

    def _format_datetime(self, value):
        return fields.Datetime.context_timestamp(self, value).strftime("%Y-%m-%d %H:%M")
