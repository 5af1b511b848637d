import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, email_normalize

from ..const import ACCESS_CODE_CONTEXT_KEY, BUSINESS_TIMEZONE
from ..lib import access_code as code_rules
from ..lib import phone as phone_rules
from ..lib.text import plain_text

_logger = logging.getLogger(__name__)

# States of sms.sms after sending that mean the provider took the message.
SMS_ACCEPTED_STATES = ("process", "pending", "sent")


class JingjaiPortalLinkAccessCode(models.Model):
    """Optional access codes: a link that requires one opens only in a browser
    that entered a 6-digit code sent to the customer by SMS or email.

    The controller asks three things: is this browser unlocked, send a code,
    check a code. Every limit is decided here, from rows in the database, with
    the link's row locked, so several workers agree and none can be raced.

    Limits are counted per browser, per network and per link
    (``lib/access_code.py``): whoever holds the link can lock their own
    browser or network, never the customer's, and the customer's way back in
    is a fresh code sent to the number on file.
    """

    _inherit = "jingjai.portal.link"

    access_code_ids = fields.One2many(
        comodel_name="jingjai.portal.access.code",
        inverse_name="link_id",
        string="Access codes sent",
        readonly=True,
    )
    access_event_ids = fields.One2many(
        comodel_name="jingjai.portal.access.event",
        inverse_name="link_id",
        string="Access code log",
        readonly=True,
    )
    unlock_ids = fields.One2many(
        comodel_name="jingjai.portal.link.unlock",
        inverse_name="link_id",
        string="Unlocked browsers",
        readonly=True,
    )
    access_code_serial = fields.Integer(
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="Bumped in SQL by every access-code decision, so that two requests "
        "deciding at once on the same link cannot both succeed.",
    )

    # ------------------------------------------------------------
    # GENERATION RULE
    # ------------------------------------------------------------

    @api.model
    def _access_code_required(self, record, require_code=None):
        """Whether a new link to ``record`` will ask for an access code.

        :param record: the customer, quote or invoice to share
        :param require_code: None applies the company's rules; True asks for a
            code even when the rules do not; False is refused when the rules
            ask for one (staff may add the protection, not remove it)
        :rtype: bool
        """
        company = record._jingjai_portal_company()
        if not company.jingjai_portal_access_codes:
            if require_code:
                raise UserError(
                    self.env._(
                        "Access codes are turned off for %s. Turn them on in "
                        "Settings → Portal to require one.",
                        company.name,
                    )
                )
            return False
        customer = record._jingjai_portal_customer()
        by_rules = code_rules.code_required(
            True,
            customer.jingjai_portal_always_require_code,
            customer._jingjai_portal_open_balance(company),
            company.jingjai_portal_code_threshold,
        )
        if require_code is None or bool(require_code) == by_rules:
            return by_rules
        if require_code:
            return True
        raise UserError(
            self.env._(
                "Links for %s require an access code (company settings or the "
                "customer's choice): it cannot be left out.",
                customer.display_name,
            )
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS: called for the anonymous visitor (sudo)
    # ------------------------------------------------------------

    def _access_code_unlocked(self, secret):
        """Whether the browser holding cookie ``secret`` may open this link now.

        Links without an access code are always open. Runs after the state
        check, so a revoked or expired link is refused whatever the cookie.
        """
        self.ensure_one()
        if not self.requires_code:
            return True
        if not code_rules.is_unlock_secret(secret):
            return False
        # sudo: the visitor is anonymous; the cookie's digest is the credential.
        return bool(
            self.env["jingjai.portal.link.unlock"]
            .sudo()
            .search_count(
                [
                    ("link_id", "=", self.id),
                    ("digest", "=", code_rules.unlock_digest(secret)),
                    ("expires_at", ">", self._now()),
                ],
                limit=1,
            )
        )

    def _access_code_send(self, ip_address, browser_key):
        """Send a fresh code to the customer, when the limits allow it.

        Every attempt counts against the limits, delivered or not: a provider
        may deliver and still answer with an error.

        :param str ip_address: the visitor's IP address
        :param str browser_key: :func:`~..lib.access_code.browser_key` of the
            visitor's session
        :return: ``{'status': …}``: ``sent``, ``locked`` (with ``until`` and
            ``scope``), ``too_soon`` (with ``retry_at``), ``no_destination`` or
            ``failed``
        """
        self.ensure_one()
        self._access_code_lock()
        now = self._now()
        network = code_rules.network_key(ip_address)
        lockout = self._access_code_lockout_of(now, network, browser_key)
        if lockout:
            return {"status": "locked", **lockout}
        allowed, retry_at = code_rules.can_send(
            now, *self._access_code_sends(now, network, browser_key)
        )
        if not allowed:
            return {"status": "too_soon", "retry_at": retry_at}
        destination = self._access_code_destination()
        if not destination:
            self._access_code_request_contact(ip_address, browser_key)
            return {"status": "no_destination"}
        channel, address, masked = destination
        code = code_rules.new_code()
        if channel == "sms":
            failure = self._access_code_deliver_sms(address, code)
        else:
            failure = self._access_code_deliver_email(address, code)
        if failure:
            self._access_code_log(
                "send_failed",
                ip_address,
                browser_key,
                channel=channel,
                destination=masked,
                detail=failure,
            )
            _logger.warning(
                "portal link %s: access code not sent by %s (%s)",
                self.id,
                channel,
                failure,
            )
            return {"status": "failed", "channel": channel}
        salt = code_rules.new_salt()
        # sudo: codes are written for the anonymous visitor, and only here.
        code_sudo = (
            self.env["jingjai.portal.access.code"]
            .sudo()
            .create(
                {
                    "link_id": self.id,
                    "salt": salt,
                    "digest": code_rules.code_digest(code, salt),
                    "channel": channel,
                    "destination": masked,
                    "sent_at": now,
                    "ip_address": ip_address,
                }
            )
        )
        self._access_code_log(
            "sent",
            ip_address,
            browser_key,
            code=code_sudo,
            channel=channel,
            destination=masked,
        )
        return {"status": "sent", "channel": channel}

    def _access_code_check(self, raw_code, ip_address, user_agent, browser_key):
        """Check a code typed by the visitor against this link's current code.

        Only the latest code sent counts; it is compared in constant time after
        a try has been claimed on it, so concurrent guesses, from any browser,
        share its five tries. Malformed input, and input with no code to
        compare to, cost nothing: they cannot guess anything. A wrong code
        counts against the visitor's browser and network, which it may lock;
        other visitors keep their own counts.

        :return: ``{'status': …}``: ``unlocked`` (with ``secret``, the cookie
            value, and ``expires_at``), ``wrong`` (with ``tries_left``),
            ``locked`` (with ``until`` and ``scope``), ``malformed``,
            ``no_code``, ``used``, ``expired`` or ``blocked``
        """
        self.ensure_one()
        self._access_code_lock()
        now = self._now()
        network = code_rules.network_key(ip_address)
        lockout = self._access_code_lockout_of(now, network, browser_key)
        if lockout:
            return {"status": "locked", **lockout}
        code = code_rules.normalize_code(raw_code)
        if code is None:
            return {"status": "malformed"}
        current = self._access_code_current()
        if not current:
            return {"status": "no_code"}
        if current.used_at:
            return {"status": "used"}
        if now >= current.sent_at + code_rules.CODE_TTL:
            return {"status": "expired"}
        tries = current._claim_try()
        if tries is None:
            return {"status": "blocked"}
        # sudo: salt and digest are readable by administrators only.
        current_sudo = current.sudo()
        if code_rules.codes_match(
            code, current_sudo.salt, current_sudo.digest
        ) and current._use(now):
            return self._access_code_unlock(
                current, now, ip_address, user_agent, browser_key
            )
        self._access_code_log("failure", ip_address, browser_key, code=current)
        # None ran before this failure: whatever runs now starts with it.
        lockouts = self._access_code_lockouts(now, network, browser_key)
        for lockout in lockouts:
            self._access_code_lockout(lockout, ip_address, browser_key)
        if lockouts:
            lockout = max(lockouts, key=lambda lockout: lockout["until"])
            return {"status": "locked", **lockout}
        return {"status": "wrong", "tries_left": code_rules.tries_left(tries)}

    def _access_code_page_values(self, outcome=None, ip_address=None, browser_key=None):
        """What the code page shows: no customer data, the destination masked.

        :param dict outcome: what :meth:`_access_code_send` or
            :meth:`_access_code_check` just answered, if anything
        :param str ip_address: the visitor's IP address
        :param str browser_key: the visitor's browser, as for the checks
        """
        self.ensure_one()
        outcome = outcome or {}
        now = self._now()
        network = code_rules.network_key(ip_address)
        lockout = (
            outcome if outcome.get("until") else None
        ) or self._access_code_lockout_of(now, network, browser_key)
        current = self._access_code_current()
        live = current.filtered(
            lambda code: code_rules.code_usable(
                now, code.sent_at, code.tries, bool(code.used_at)
            )
        )
        allowed, retry_at = code_rules.can_send(
            now, *self._access_code_sends(now, network, browser_key)
        )
        destination = self._access_code_destination()
        status = outcome.get("status") or (
            "locked" if lockout else "sent" if live else "fresh"
        )
        tries_left = outcome.get("tries_left")
        if tries_left is None:
            tries_left = code_rules.tries_left(live.tries) if live else 0
        return {
            "status": status,
            "locked_until": lockout
            and self._access_code_clock(lockout["until"], round_up=True),
            "lock_scope": lockout and lockout["scope"],
            "live_code": bool(live),
            # The latest code took its last wrong try, from whichever browser:
            # the page says so, and offers a fresh one.
            "code_worn_out": bool(
                current
                and not live
                and not current.used_at
                and current.tries >= code_rules.MAX_TRIES_PER_CODE
                and now < current.sent_at + code_rules.CODE_TTL
            ),
            "sent_channel": live.channel,
            "sent_to": live.destination,
            "sent_at": live and self._access_code_clock(live.sent_at),
            "tries_left": tries_left,
            "channel": destination and destination[0],
            "destination": destination and destination[2],
            "retry_at": not allowed
            and self._access_code_clock(retry_at, round_up=True),
            "code_minutes": int(code_rules.CODE_TTL.total_seconds() // 60),
        }

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _access_code_lock(self):
        """Serialize the access-code decisions of this link across workers."""
        # NO KEY: every request through the link inserts a view row referencing
        # it, whose foreign-key check takes a KEY SHARE lock. FOR UPDATE would
        # make those requests wait for this one (two code requests, each
        # holding a view row, deadlock) and, once it committed, fail to
        # serialize; this lock only conflicts with other decisions, as Odoo's
        # lock_for_update(allow_referencing=True).
        # Not logged when it fails to serialize: Odoo replays the request.
        self.env.cr.execute(
            SQL(
                "SELECT id FROM jingjai_portal_link WHERE id = %s FOR NO KEY UPDATE",
                self.id,
            ),
            log_exceptions=False,
        )
        # Under REPEATABLE READ a lock alone would let a request that waited
        # for it decide on a snapshot older than the other request's commit;
        # writing the row makes it fail to serialize instead, and Odoo replays
        # it on fresh data.
        self.env.cr.execute(
            SQL(
                "UPDATE jingjai_portal_link"
                " SET access_code_serial = COALESCE(access_code_serial, 0) + 1"
                " WHERE id = %s",
                self.id,
            ),
            log_exceptions=False,
        )

    def _access_code_current(self):
        """The latest code sent for this link: the only one accepted."""
        # sudo: anonymous visitor; confined to this link.
        return (
            self.env["jingjai.portal.access.code"]
            .sudo()
            .search([("link_id", "=", self.id)], limit=1)
        )

    def _access_code_sends(self, now, network, browser_key):
        """Send attempts still counted at ``now``: ``(link, browser, network)``.

        Attempts, not deliveries: a failed send may have reached the phone.
        """
        # sudo: anonymous visitor; confined to this link.
        attempts = (
            self.env["jingjai.portal.access.event"]
            .sudo()
            .search_fetch(
                [
                    ("link_id", "=", self.id),
                    ("event_type", "in", ("sent", "send_failed")),
                    ("event_at", ">=", code_rules.sends_since(now)),
                ],
                ["event_at", "network", "browser_key"],
            )
        )
        return (
            attempts.mapped("event_at"),
            [event.event_at for event in attempts if event.browser_key == browser_key],
            [event.event_at for event in attempts if event.network == network],
        )

    def _access_code_lockout_of(self, now, network, browser_key):
        """The lockout of this visitor that ends last, or None.

        :return: ``{'until': datetime, 'scope': 'browser' or 'network'}``
        """
        return max(
            self._access_code_lockouts(now, network, browser_key),
            key=lambda lockout: lockout["until"],
            default=None,
        )

    def _access_code_lockouts(self, now, network, browser_key):
        """The lockouts of this visitor's browser and of its network running now.

        :return: a list of ``{'until': datetime, 'scope': …}``, at most one
            per scope
        """
        visitor = Domain("network", "=", network)
        if browser_key:
            visitor |= Domain("browser_key", "=", browser_key)
        # sudo: anonymous visitor; confined to this link.
        events = (
            self.env["jingjai.portal.access.event"]
            .sudo()
            .search_fetch(
                Domain(
                    [
                        ("link_id", "=", self.id),
                        ("event_type", "in", ("failure", "lockout")),
                        ("event_at", ">=", code_rules.failures_since(now)),
                    ]
                )
                & visitor,
                ["event_type", "event_at", "network", "browser_key", "lock_scope"],
            )
        )
        lockouts = []
        for scope, threshold, mine in (
            (
                "browser",
                code_rules.LOCKOUT_FAILURES,
                lambda event: browser_key and event.browser_key == browser_key,
            ),
            (
                "network",
                code_rules.NETWORK_LOCKOUT_FAILURES,
                lambda event: event.network == network,
            ),
        ):
            events_of_scope = events.filtered(mine)
            locked_at = [
                event.event_at
                for event in events_of_scope
                if event.event_type == "lockout" and event.lock_scope == scope
            ]
            until = code_rules.lockout_until(
                now,
                [
                    event.event_at
                    for event in events_of_scope
                    if event.event_type == "failure"
                ],
                threshold,
                max(locked_at, default=None),
            )
            if until:
                lockouts.append({"until": until, "scope": scope})
        return lockouts

    def _access_code_destination(self):
        """Where a code goes: ``(channel, address, masked address)``, or None.

        The company's channel first; the other one when the customer has no
        usable mobile number (a landline cannot receive SMS) or no email.
        """
        self.ensure_one()
        customer = self.partner_id
        phone = self._access_code_phone(customer)
        email = email_normalize(customer.email or "")
        destinations = {
            "sms": phone and ("sms", phone, phone_rules.mask_phone(phone)),
            "email": email and ("email", email, phone_rules.mask_email(email)),
        }
        first = self.company_id.jingjai_portal_code_channel or "sms"
        second = "email" if first == "sms" else "sms"
        return destinations[first] or destinations[second] or None

    def _access_code_phone(self, customer):
        """The customer's mobile number in E.164, or False."""
        country = (
            customer.country_id or self.company_id.country_id or self.env.ref("base.th")
        )
        for fname in customer._phone_get_number_fields():
            raw = (customer[fname] or "").strip()
            # The Thai dialing plan reads 00X as a carrier prefix (001, 007,
            # 009...), so Odoo reads '0066...' wrong; people usually mean the
            # ITU '00' prefix, which is what '+' stands for.
            candidates = [raw]
            if raw.startswith(("00", "๐๐")):
                candidates.append("+" + raw[2:])
            number = next(
                (
                    formatted
                    for candidate in candidates
                    if (
                        formatted := customer._phone_format(
                            number=candidate, country=country, force_format="E164"
                        )
                    )
                ),
                False,
            )
            # Odoo does not tell mobiles from landlines, which get no SMS.
            if number and phone_rules.is_mobile(number):
                return number
        return False

    def _access_code_deliver_sms(self, number, code):
        """Send ``code`` by SMS through Odoo's sms module (its configured provider).

        :return: False when the provider took the message, else why not
        """
        lang = self.partner_id.lang or self.env.lang
        body = self.with_context(lang=lang).env._(
            "%(code)s is your access code for %(company)s. It works for "
            "%(minutes)s minutes. Do not share it.",
            code=code,
            company=self.company_id.name,
            minutes=int(code_rules.CODE_TTL.total_seconds() // 60),
        )
        # sudo: the visitor is anonymous; the SMS goes to the number on file.
        sms_sudo = (
            self.env["sms.sms"]
            .sudo()
            .create({"number": number, "body": body, "partner_id": self.partner_id.id})
        )
        try:
            sms_sudo.send(unlink_failed=False, unlink_sent=False, raise_exception=False)
            sms_sudo.invalidate_recordset(["state", "failure_type"])
            if sms_sudo.state in SMS_ACCEPTED_STATES:
                return False
            return sms_sudo.failure_type or "unknown"
        finally:
            # The body holds the code: gone now, not at the next garbage
            # collection.
            sms_sudo.unlink()

    def _access_code_deliver_email(self, email, code):
        """Send ``code`` by email, in the customer's language, from a template.

        :return: False when the mail server took the message, else why not
        """
        template = self.env.ref("jingjai_portal.mail_template_access_code")
        sender = (
            self.company_id.email_formatted
            or self.env["ir.mail_server"].sudo()._get_default_from_address()
        )
        if not sender:
            return "no_sender"
        # sudo: the visitor is anonymous; the template renders this link's
        # company and sends to the address on file only. The code travels in
        # the context, never in a field.
        mail_id = (
            template.sudo()
            .with_context(**{ACCESS_CODE_CONTEXT_KEY: code})
            .send_mail(
                self.id,
                force_send=True,
                raise_exception=False,
                email_values={
                    "email_to": email,
                    "email_from": sender,
                    "recipient_ids": [],
                    "auto_delete": True,
                },
            )
        )
        mail_sudo = self.env["mail.mail"].sudo().browse(mail_id).exists()
        failure = mail_sudo.state not in (False, "sent") and (
            mail_sudo.failure_type or "unknown"
        )
        # The body holds the code: a failed mail is not left for a retry, and
        # a sent one is gone even if auto_delete was turned off on the template.
        mail_sudo.unlink()
        return failure or False

    def _access_code_unlock(self, code, now, ip_address, user_agent, browser_key):
        """Unlock this link for the visitor's browser for the company's duration."""
        secret = code_rules.new_unlock_secret()
        hours = self.company_id.jingjai_portal_code_unlock_hours
        expires_at = now + timedelta(hours=hours)
        # sudo: written for the anonymous visitor, who just proved the code.
        self.env["jingjai.portal.link.unlock"].sudo().create(
            {
                "link_id": self.id,
                "digest": code_rules.unlock_digest(secret),
                "code_id": code.id,
                "unlocked_at": now,
                "expires_at": expires_at,
                "ip_address": ip_address,
                "user_agent": plain_text(user_agent)[:512],
            }
        )
        self._access_code_log(
            "unlock",
            ip_address,
            browser_key,
            code=code,
            detail=self.env._(
                "until %s (Bangkok time)", self._access_code_clock(expires_at)
            ),
        )
        return {"status": "unlocked", "secret": secret, "expires_at": expires_at}

    def _access_code_lockout(self, lockout, ip_address, browser_key):
        """Log a lockout that starts now, and tell staff on the record.

        :param dict lockout: ``until`` and ``scope``, from
            :meth:`_access_code_lockouts`
        """
        until = self._access_code_clock(lockout["until"], round_up=True)
        self._access_code_log(
            "lockout",
            ip_address,
            browser_key,
            lock_scope=lockout["scope"],
            detail=self.env._("until %s (Bangkok time)", until),
        )
        values = {
            "hint": self.token_hint,
            "ip": ip_address or "?",
            "network": code_rules.network_key(ip_address) or "?",
            "until": until,
        }

        def note(env):
            if lockout["scope"] == "browser":
                return env._(
                    "Portal link …%(hint)s: %(count)s wrong access codes within an "
                    "hour from one browser, at %(ip)s. That browser is locked until "
                    "%(until)s (Bangkok time); other browsers can still enter a code.",
                    count=code_rules.LOCKOUT_FAILURES,
                    **values,
                )
            return env._(
                "Portal link …%(hint)s: %(count)s wrong access codes within an "
                "hour from the network %(network)s (last from %(ip)s). Every "
                "browser there is locked until %(until)s (Bangkok time); other "
                "networks can still enter a code.",
                count=code_rules.NETWORK_LOCKOUT_FAILURES,
                **values,
            )

        self._post_audit_note(note)

    def _access_code_request_contact(self, ip_address, browser_key):
        """The customer has no mobile or email to receive a code: tell staff.

        One activity for the staff member who made the link, as for a request
        for a new link; asking again while it is open adds nothing.
        """
        self.ensure_one()
        target = self._get_target()
        if not target._jingjai_portal_staff_activity(
            self,
            "jingjai_portal.mail_activity_type_access_code_contact",
            lambda env: env._(
                "The customer opened portal link …%s, which requires an access "
                "code, but we have no mobile number or email address to send it "
                "to. Enter a mobile number in the customer's Phone field or an "
                "email address and ask them to try again, or contact them.",
                self.token_hint,
            ),
        ):
            return False
        self._access_code_log("no_destination", ip_address, browser_key)
        return True

    def _access_code_log(
        self, event_type, ip_address, browser_key, code=None, **values
    ):
        # sudo: the log is written for anonymous visitors; nobody else writes it.
        return (
            self.env["jingjai.portal.access.event"]
            .sudo()
            .create(
                {
                    "link_id": self.id,
                    "event_type": event_type,
                    "event_at": self._now(),
                    "code_id": code.id if code else False,
                    "channel": code.channel if code else False,
                    "destination": code.destination if code else False,
                    "ip_address": ip_address,
                    "network": code_rules.network_key(ip_address),
                    "browser_key": browser_key,
                    **values,
                }
            )
        )

    def _access_code_clock(self, value, round_up=False):
        """``value`` as HH:MM in the business's timezone, with its date in front
        when that is not today (a daily limit may lift only tomorrow).

        :param bool round_up: to the next minute, for "from when": the customer
            may act at the time shown, never before
        """
        if round_up and (value.second or value.microsecond):
            value = value.replace(second=0, microsecond=0) + timedelta(minutes=1)
        business = self.with_context(tz=BUSINESS_TIMEZONE)
        local = fields.Datetime.context_timestamp(business, value)
        today = fields.Datetime.context_timestamp(business, self._now()).date()
        return local.strftime("%H:%M" if local.date() == today else "%Y-%m-%d %H:%M")
