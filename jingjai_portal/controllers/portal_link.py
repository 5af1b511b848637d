import logging
import re

from werkzeug.exceptions import NotFound

from odoo import _, http
from odoo.exceptions import UserError
from odoo.http import STORED_SESSION_BYTES, content_disposition, request

from odoo.addons.payment.controllers.portal import PaymentPortal
from odoo.addons.payment.controllers.post_processing import PaymentPostProcessing
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..const import BUSINESS_TIMEZONE
from ..lib import access_code as code_rules
from ..lib import tokens
from ..lib.link_preview import is_link_preview
from ..lib.link_visit import VISIT_PAGE, VISIT_PDF, VISIT_UNLOCK, LinkRefused
from ..lib.portal_link_urls import PortalLinkUrls, parse_record_id
from ..lib.slip import MAX_SLIP_BYTES
from ..lib.text import plain_text
from ..models.jingjai_portal_payment_mixin import PAYMENT_RETURN_ROUTE

_logger = logging.getLogger(__name__)

SECTION_PAGE_SIZE = 20

# The cookie of a browser that entered a link's access code (one per link: its
# path is the link's own URL).
UNLOCK_COOKIE = "jingjai_portal_unlock"
# Where to go back after the code: a path below the link, nothing else.
NEXT_PATH = re.compile(r"/(?:[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*)?")
# The cookie that brings a visitor back from a payment provider to the page
# they paid from (its value: the page's path below /p/). The token stays in
# the browser that already holds it, never in the transaction.
PAYMENT_COOKIE = "jingjai_portal_payment"
PAYMENT_COOKIE_DAYS = 2
PAYMENT_PAGE = re.compile(
    rf"[A-Za-z0-9_-]{{{tokens.TOKEN_LENGTH}}}(?:/(?:invoice|order)/[0-9]{{1,9}})?"
)
# The documents a link's page may take a payment for, as named in its URLs.
PAYABLE_DOCUMENT_TYPES = ("invoice", "order")

# What the payment form may send that the link decides: checked, never used.
PAYMENT_CLAIMS = (
    "partner_id",
    "currency_id",
    "company_id",
    "invoice_id",
    "sale_order_id",
    "landing_route",
    "token_id",
    "tokenization_requested",
    "is_validation",
)
# HTTP status of the code page after a send or a check that did not unlock.
CODE_PAGE_STATUS = {
    "wrong": 400,
    "malformed": 400,
    "blocked": 400,
    "expired": 400,
    "used": 400,
    "no_code": 400,
    "locked": 429,
    "too_soon": 429,
}


def link_route(route, *, methods=("GET",), type="http", **kwargs):  # noqa: A002
    """``http.route`` of a page below /p/, with the options all of them share.

    Every route is a frontend page (``website=True``), as Odoo's portal pages
    are: with ``website`` installed it renders in the website's layout, with
    ``request.website`` set. None is ``multilang``: a page speaks its
    customer's language whatever the URL or the browser asks for, and a /p/
    URL is never redirected to a language-prefixed one. None is in the
    sitemap. Their security headers are set by ``ir.http`` (models/ir_http.py).

    :param methods: the methods the route takes, None for any
    """
    return http.route(
        route,
        type=type,
        auth="public",
        methods=list(methods) if methods else None,
        sitemap=False,
        website=True,
        multilang=False,
        **kwargs,
    )


class PortalLinkController(http.Controller):
    """Pages opened through a portal link: ``/p/<token>…`` (:func:`link_route`).

    Every route opens the visit once (:meth:`_open_visit`): the link model
    decides what the visitor gets (``jingjai.portal.link._visit``), a
    :class:`LinkVisit` or a :class:`LinkRefused`, and the route maps a refusal
    to its kind of answer: :meth:`_refusal_page` for pages and form posts,
    :meth:`_refusal_json` for the JSON calls. What a page shows comes from the
    shared record's model, through ``jingjai.portal.link.mixin``.
    """

    @link_route("/p/<string:token>")
    def portal_link_page(self, token, **kwargs):
        try:
            visit = self._open_visit(token, "/")
        except LinkRefused as refusal:
            return self._refusal_page(refusal)
        return self._render_record(visit, visit.record)

    @link_route("/p/<string:token>/pdf")
    def portal_link_pdf(self, token, **kwargs):
        try:
            visit = self._open_visit(token, "/pdf", VISIT_PDF)
        except LinkRefused as refusal:
            return self._refusal_page(refusal)
        if not visit.record._jingjai_portal_report_ref:
            return self._not_found()
        return self._pdf_response(visit.record)

    @link_route("/p/<string:token>/<string:section>")
    def portal_link_section(self, token, section, page=1, **kwargs):
        try:
            visit = self._open_visit(token, f"/{section}")
        except LinkRefused as refusal:
            return self._refusal_page(refusal)
        link_sudo, customer = visit.link_sudo, visit.record
        company, maker = link_sudo.company_id, link_sudo.generated_by_id
        if link_sudo.scope != "customer" or section not in (
            sections := customer._jingjai_portal_sections(company, maker)
        ):
            return self._not_found()
        page = parse_record_id(page) or 1
        records, count = customer._jingjai_portal_section_records(
            company,
            maker,
            section,
            limit=SECTION_PAGE_SIZE,
            offset=(page - 1) * SECTION_PAGE_SIZE,
        )
        values = {
            "link": link_sudo,
            "company": link_sudo.company_id,
            "section": sections[section],
            "section_key": section,
            "records": records,
            "count": count,
            "home_url": visit.urls.home,
            "page_url": visit.urls.page,
            "pager": portal_pager(
                url=visit.urls.section(section),
                total=count,
                page=page,
                step=SECTION_PAGE_SIZE,
            ),
        }
        return self._render("jingjai_portal.page_section", values, visit.urls)

    @link_route(
        [
            "/p/<string:token>/<string:document_type>/<string:document_id>",
            "/p/<string:token>/<string:document_type>/<string:document_id>/<string:report>",
        ]
    )
    def portal_link_document(
        self, token, document_type, document_id, report=None, **kwargs
    ):
        subpath = f"/{document_type}/{document_id}" + (f"/{report}" if report else "")
        try:
            visit = self._open_visit(
                token, subpath, VISIT_PAGE, document_type, document_id
            )
        except LinkRefused as refusal:
            return self._refusal_page(refusal)
        if report not in (None, "pdf"):
            return self._not_found()
        if report == "pdf":
            return self._pdf_response(visit.record)
        return self._render_record(visit, visit.record)

    @link_route("/p/<string:token>/request-link", methods=["POST"])
    def portal_link_request(self, token, **kwargs):
        link_sudo = self._find_link(token)
        if not link_sudo:
            return self._not_found()
        link_sudo._record_visit(*self._visitor(), "/request-link")
        if link_sudo.state not in ("expired", "closed"):
            return request.redirect(PortalLinkUrls(token).home, code=303)
        link_sudo._request_new_link()
        return self._render(
            "jingjai_portal.page_unavailable",
            {"link": link_sudo, "company": link_sudo.company_id, "reason": "requested"},
            PortalLinkUrls(token),
        )

    @link_route("/p/<path:anything>", methods=None)
    def portal_link_unknown(self, anything, **kwargs):
        return self._not_found()

    # ------------------------------------------------------------
    # INVOICES: PromptPay QR image and payment slips
    # ------------------------------------------------------------

    @link_route(
        [
            "/p/<string:token>/promptpay.png",
            "/p/<string:token>/invoice/<string:document_id>/promptpay.png",
        ]
    )
    def portal_link_promptpay_png(self, token, document_id=None, **kwargs):
        """The invoice's PromptPay QR as a file to save: customers open the link on
        the phone that runs their banking app, which scans a saved picture.
        """
        try:
            visit = self._open_document(token, "invoice", document_id, "/promptpay.png")
        except LinkRefused as refusal:
            return self._refusal_page(refusal)
        qr_file = visit.record._jingjai_portal_promptpay_png()
        if not qr_file:
            return self._not_found()
        png, filename = qr_file
        disposition = content_disposition(filename, "attachment")
        return request.make_response(
            png,
            headers=[
                ("Content-Type", "image/png"),
                ("Content-Length", len(png)),
                ("Content-Disposition", disposition),
            ],
        )

    @link_route(
        [
            "/p/<string:token>/slip",
            "/p/<string:token>/invoice/<string:document_id>/slip",
        ],
        methods=["POST"],
    )
    def portal_link_slip(self, token, document_id=None, slip=None, **kwargs):
        """A customer sends the slip of their transfer (form post, CSRF checked)."""
        try:
            visit = self._open_document(token, "invoice", document_id, "/slip")
        except LinkRefused as refusal:
            return self._refusal_page(refusal)
        invoice = visit.record
        # One byte over the limit is enough to refuse a file as too large.
        content = slip.read(MAX_SLIP_BYTES + 1) if hasattr(slip, "read") else b""
        try:
            invoice._jingjai_portal_receive_slip(
                visit.link_sudo,
                plain_text(getattr(slip, "filename", "")),
                content,
                self._visitor()[0],
            )
        except UserError as error:
            return self._render_record(
                visit, invoice, status=400, slip_error=error.args[0]
            )
        return request.redirect(f"{visit.urls.page}#pay", code=303)

    # ------------------------------------------------------------
    # PAYING ONLINE: Odoo's payment form, transactions under the link
    # ------------------------------------------------------------

    @link_route(
        [
            "/p/<string:token>/transaction",
            "/p/<string:token>/<string:document_type>/<string:document_id>/transaction",
        ],
        type="jsonrpc",
        methods=["POST"],
    )
    def portal_link_transaction(
        self,
        token,
        document_type=None,
        document_id=None,
        provider_id=None,
        payment_method_id=None,
        amount=None,
        flow=None,
        csrf_token=None,
        access_token=None,
        **kwargs,
    ):
        """Start paying an invoice or a quote's prepayment online: the call of
        Odoo's ``payment.form``.

        The link is resolved again on every call; the partner, currency,
        company, document and landing route are the link's: a call naming
        others is refused, and the amount is at most what is still due.

        :return: the transaction's processing values, as Odoo's own
            ``/invoice/transaction/<id>`` returns them
        :raise UserError: with the message the form shows; ``NotFound`` for a
            token or a document this link does not open
        """
        # Odoo checks no CSRF on jsonrpc routes: the payment form sends the
        # session's token, so no other site can start a payment in its name.
        if not isinstance(csrf_token, str) or not request.validate_csrf(csrf_token):
            raise UserError(
                _("This page is out of date. Please reload it and pay again.")
            )
        claims = {key: kwargs.pop(key) for key in PAYMENT_CLAIMS if key in kwargs}
        # Anything else the payment form never sends is refused, as Odoo does.
        PaymentPortal._validate_transaction_kwargs(kwargs)
        try:
            documents_sudo, urls = self._open_payable(token, document_type, document_id)
        except LinkRefused as refusal:
            raise self._refusal_error(refusal) from None
        documents_sudo._jingjai_portal_check_payment_claims(claims)
        values = documents_sudo._jingjai_portal_transaction_values(
            PaymentPortal._cast_as_int(provider_id),
            PaymentPortal._cast_as_int(payment_method_id),
            amount,
            flow,
        )
        documents_sudo._jingjai_portal_lock_for_payment()
        tx_sudo = documents_sudo._jingjai_portal_draft_transaction(values)
        if tx_sudo:
            PaymentPostProcessing.monitor_transaction(tx_sudo)
        else:
            # Odoo's own transaction factory (no module overrides it): a plain
            # instance, since this controller is no PaymentPortal.
            tx_sudo = PaymentPortal()._create_transaction(**values)
        request.future_response.set_cookie(
            PAYMENT_COOKIE,
            urls.return_key,
            max_age=PAYMENT_COOKIE_DAYS * 24 * 3600,
            path=PAYMENT_RETURN_ROUTE,
            secure=request.httprequest.scheme == "https",
            httponly=True,
            samesite="Lax",
        )
        return tx_sudo._get_processing_values()

    def _open_payable(self, token, document_type, document_id):
        """The documents a payment call under ``token`` pays, and their page.

        :return: ``(documents_sudo, urls)``
        :raise LinkRefused: the visit is refused
        :raise UserError: a customer-wide link's account has nothing to pay
        :raise NotFound: a document type that is not paid online
        """
        if document_id is None:
            # The link's own quote or invoice, whichever it is.
            visit = self._open_visit(token, "/transaction")
            if visit.kind == "customer":
                # A customer-wide link's page pays all its open invoices.
                invoices_sudo = visit.record._jingjai_portal_open_invoices(
                    visit.link_sudo
                )
                if not invoices_sudo:
                    raise UserError(
                        _("There is no open invoice to pay. Please reload the page.")
                    )
                return invoices_sudo, visit.urls
        elif document_type in PAYABLE_DOCUMENT_TYPES:
            visit = self._open_document(
                token, document_type, document_id, "/transaction"
            )
        else:
            raise NotFound()
        if visit.kind not in PAYABLE_DOCUMENT_TYPES:
            raise NotFound()
        return visit.record, visit.urls

    @link_route(PAYMENT_RETURN_ROUTE)
    def portal_link_payment_return(self, **kwargs):
        """Back from paying online (Odoo's ``/payment/status`` sends the visitor
        here): to the page they paid from, which resolves its link again and
        shows the payment's state. Without the cookie, a page saying so.
        """
        page = request.httprequest.cookies.get(PAYMENT_COOKIE) or ""
        if not PAYMENT_PAGE.fullmatch(page):
            # No business named: this browser's link is unknown.
            return request.render(
                "jingjai_portal.page_payment_return",
                {"company": False, "title": _("Payment")},
            )
        return request.redirect(f"{PortalLinkUrls.from_return_key(page)}#pay", code=303)

    # ------------------------------------------------------------
    # QUOTES: sign and accept, decline
    # ------------------------------------------------------------

    @link_route(
        [
            "/p/<string:token>/accept",
            "/p/<string:token>/order/<string:document_id>/accept",
        ],
        type="jsonrpc",
        methods=["POST"],
    )
    def portal_link_accept(
        self,
        token,
        document_id=None,
        name=None,
        signature=None,
        csrf_token=None,
        **kwargs,
    ):
        """Sign and accept a quote: the contract of ``portal.signature_form``.

        :return: ``{'error': message}``, or ``{'force_refresh': True,
            'redirect_url': …}`` back to the quote's page
        """
        # Odoo does not check CSRF on jsonrpc routes: the page puts the session's
        # token in the call URL, so no other site can make a visitor sign.
        csrf_token = csrf_token or request.httprequest.args.get("csrf_token")
        if not isinstance(csrf_token, str) or not request.validate_csrf(csrf_token):
            return {
                "error": _("This page is out of date. Please reload it and sign again.")
            }
        try:
            visit = self._open_quote(token, document_id, "/accept")
        except LinkRefused as refusal:
            return self._refusal_json(refusal)
        try:
            visit.record._jingjai_portal_accept(
                visit.link_sudo, name, signature, self._visitor()[0]
            )
        except UserError as error:
            return {"error": error.args[0]}
        return {"force_refresh": True, "redirect_url": visit.urls.page}

    @link_route(
        [
            "/p/<string:token>/decline",
            "/p/<string:token>/order/<string:document_id>/decline",
        ],
        methods=["POST"],
    )
    def portal_link_decline(
        self, token, document_id=None, reason=None, confirm=None, **kwargs
    ):
        """The customer declines a quote (form post, CSRF checked by Odoo).

        A first post asks to confirm, on a page of its own (no script needed);
        only the confirmed post (``confirm=1``) cancels the quote.
        """
        try:
            visit = self._open_quote(token, document_id, "/decline")
        except LinkRefused as refusal:
            return self._refusal_page(refusal)
        link_sudo, quote_sudo = visit.link_sudo, visit.record
        try:
            if confirm != "1":
                reason = quote_sudo._jingjai_portal_check_decline(link_sudo, reason)
                return self._render(
                    "jingjai_portal.page_quote_decline_confirm",
                    {
                        "link": link_sudo,
                        "company": link_sudo.company_id,
                        "record": quote_sudo,
                        "page_url": visit.urls.page,
                        "decline_reason": reason,
                    },
                    visit.urls,
                )
            quote_sudo._jingjai_portal_decline(link_sudo, reason, self._visitor()[0])
        except UserError as error:
            return self._render_record(
                visit,
                quote_sudo,
                status=400,
                decline_error=error.args[0],
                # As typed, less what cannot be stored: sending it again works.
                decline_reason=plain_text(reason, multiline=True),
            )
        return self._render(
            "jingjai_portal.page_quote_declined",
            quote_sudo._jingjai_portal_declined_values(link_sudo, visit.home_url),
            visit.urls,
        )

    # ------------------------------------------------------------
    # ACCESS CODES: send a code, check it, unlock this browser
    # ------------------------------------------------------------

    @link_route("/p/<string:token>/code/send", methods=["POST"])
    def portal_link_code_send(self, token, next_path="/", **kwargs):
        """Send a fresh access code to the customer (form post, CSRF checked)."""
        try:
            visit = self._open_visit(token, "/code/send", VISIT_UNLOCK)
        except LinkRefused as refusal:
            return self._refusal_page(refusal)
        link_sudo, urls = visit.link_sudo, visit.urls
        next_path = self._safe_next_path(next_path)
        if not link_sudo.requires_code:
            return request.redirect(urls.at(next_path), code=303)
        outcome = link_sudo._access_code_send(self._visitor()[0], self._browser_key())
        if outcome["status"] == "sent":
            # Back to a GET, which shows the code form: reloading it sends nothing.
            return request.redirect(urls.at(next_path), code=303)
        return self._render_code_page(link_sudo, urls, next_path, outcome)

    @link_route("/p/<string:token>/code", methods=["POST"])
    def portal_link_code_check(self, token, code=None, next_path="/", **kwargs):
        """Check the code typed in; the right one unlocks the link in this browser."""
        try:
            visit = self._open_visit(token, "/code", VISIT_UNLOCK)
        except LinkRefused as refusal:
            return self._refusal_page(refusal)
        link_sudo, urls = visit.link_sudo, visit.urls
        next_path = self._safe_next_path(next_path)
        if not link_sudo.requires_code:
            return request.redirect(urls.at(next_path), code=303)
        outcome = link_sudo._access_code_check(
            code, *self._visitor(), self._browser_key()
        )
        if outcome["status"] != "unlocked":
            return self._render_code_page(link_sudo, urls, next_path, outcome)
        response = request.redirect(urls.at(next_path), code=303)
        # Scoped to this link's URLs, unreadable by scripts, not sent by other
        # sites' subrequests; only its digest is stored, with its expiry.
        response.set_cookie(
            UNLOCK_COOKIE,
            outcome["secret"],
            max_age=int((outcome["expires_at"] - link_sudo._now()).total_seconds()),
            expires=outcome["expires_at"],
            path=urls.home,
            secure=request.httprequest.scheme == "https",
            httponly=True,
            samesite="Lax",
        )
        return response

    def _render_code_page(self, link_sudo, urls, next_path, outcome=None):
        values = link_sudo._access_code_page_values(
            outcome, self._visitor()[0], self._browser_key()
        )
        values.update(company=link_sudo.company_id, next_path=next_path)
        return self._render(
            "jingjai_portal.page_access_code",
            values,
            urls,
            status=CODE_PAGE_STATUS.get(values["status"], 200),
        )

    @staticmethod
    def _safe_next_path(value):
        """A path below the link to go back to, or "/" for anything else."""
        text = plain_text(value)
        if not NEXT_PATH.fullmatch(text) or ".." in text:
            return "/"
        return text

    # ------------------------------------------------------------
    # VISITS: open one, map a refusal to each kind of answer
    # ------------------------------------------------------------

    def _open_visit(
        self, token, path, purpose=VISIT_PAGE, document_type=None, document_id=None
    ):
        """What this request gets through ``token``: the link model decides.

        The link is found, speaks its customer's language, and this request
        goes to its view log (unless a link preview fetched it) whatever the
        decision: a refused visit is a visit too.

        :return: a :class:`LinkVisit` (see ``jingjai.portal.link._visit``)
        :raise LinkRefused: unknown token, link preview, or the model's refusal
        """
        link_sudo = self._find_link(token)
        if not link_sudo:
            raise LinkRefused(LinkRefused.UNKNOWN, link_sudo, path=path)
        if self._is_link_preview():
            raise LinkRefused(
                LinkRefused.PREVIEW, link_sudo, PortalLinkUrls(token), path=path
            )
        link_sudo._record_visit(*self._visitor(), path)
        return link_sudo._visit(
            token,
            path,
            purpose,
            document_type,
            document_id,
            request.httprequest.cookies.get(UNLOCK_COOKIE),
        )

    def _open_document(self, token, document_type, document_id, suffix):
        """The visit of a quote or invoice route: the link's own document (no id
        in the URL), or one that a customer-wide link lists.

        :param str document_type: ``order`` or ``invoice``, as in the URL
        :raise LinkRefused: anything else is "not found"
        """
        subpath = (f"/{document_type}/{document_id}" if document_id else "") + suffix
        return self._open_visit(token, subpath, VISIT_PAGE, document_type, document_id)

    def _open_quote(self, token, document_id, suffix):
        """:meth:`_open_document` of a quote that is signed and accepted online."""
        visit = self._open_document(token, "order", document_id, suffix)
        if not visit.record._jingjai_portal_accepts_online:
            raise LinkRefused(LinkRefused.UNKNOWN, visit.link_sudo, visit.urls)
        return visit

    def _refusal_page(self, refusal):
        """The page answering a refused visit (HTML routes and form posts)."""
        link_sudo, urls = refusal.link_sudo, refusal.urls
        if refusal.kind == LinkRefused.UNKNOWN:
            return self._not_found()
        if refusal.kind == LinkRefused.PREVIEW:
            return self._render(
                "jingjai_portal.page_link_preview", {"company": link_sudo.company_id}
            )
        if refusal.kind == LinkRefused.CODE_REQUIRED:
            # After the code, back to the page asked for; a form post cannot be
            # replayed, so it goes back to the link's first page.
            next_path = refusal.path if request.httprequest.method == "GET" else "/"
            return self._render_code_page(
                link_sudo, urls, self._safe_next_path(next_path)
            )
        if refusal.closed_page:
            template, values = refusal.closed_page
            return self._render(template, values, urls)
        return self._render(
            "jingjai_portal.page_unavailable",
            {
                "link": link_sudo,
                "company": link_sudo.company_id,
                "reason": link_sudo.state,
            },
            urls,
        )

    def _refusal_json(self, refusal):
        """``{'error': message}`` answering a refused visit (JSON calls).

        A dead link says why; otherwise the quote is not this link's, or the
        link's access code must be entered again: reloading shows which.
        """
        return {
            "error": refusal.message
            or _(
                "This quote cannot be opened from this page. Please reload it, "
                "or ask us for a new link."
            )
        }

    def _refusal_error(self, refusal):
        """The exception answering a refused payment call (the payment form
        shows a UserError's message; an unknown link or document is a 404)."""
        if refusal.kind == LinkRefused.UNKNOWN:
            return NotFound()
        # A dead link says why; else the access code must be entered again.
        return UserError(
            refusal.message
            or _(
                "This cannot be paid from this page. Please reload it, or ask "
                "us for a new link."
            )
        )

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _find_link(self, token):
        """The link (sudo) of ``token`` in its customer's language and the
        business's timezone (:meth:`_use_link_locale`); an empty recordset for
        an unknown token. Finding writes nothing: the route
        records the view (:meth:`_open_visit`).
        """
        link_sudo = request.env["jingjai.portal.link"]._resolve_token(token)
        if link_sudo:
            link_sudo = self._use_link_locale(link_sudo)
        return link_sudo

    def _is_link_preview(self):
        """Whether a chat app's or social network's preview fetcher reads a page.

        It is answered with the business's name only and is no view: else it
        would be the link's first view, and the preview card would keep the
        customer's data. Form posts and calls are people's, whatever their
        browser says.
        """
        httprequest = request.httprequest
        return httprequest.method in ("GET", "HEAD") and is_link_preview(
            httprequest.user_agent.string
        )

    def _render_record(self, visit, record, status=200, **extra_values):
        """``record``'s page under the visit, with ``extra_values`` (errors)."""
        values = record._jingjai_portal_page_values(visit.link_sudo, visit.urls)
        values["home_url"] = visit.home_url
        values.update(extra_values)
        return self._render(
            record._jingjai_portal_page_template, values, visit.urls, status=status
        )

    def _pdf_response(self, record):
        content, filename = record._jingjai_portal_render_pdf()
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(filename, "inline")),
            ],
        )

    def _render(self, template, values, urls=None, status=200):
        """Render a page; ``urls`` (the request's :class:`PortalLinkUrls`) is
        what its templates build every link below the token from."""
        values.setdefault("title", values["company"].name)
        values.setdefault("urls", urls)
        return request.render(template, values, status=status)

    def _not_found(self):
        # One page for every unknown or malformed token: it says nothing about
        # whether a link ever existed, and names no business (the database's
        # default company is not the one whose link was mistyped). With no
        # customer to speak for, it speaks the browser's language, if installed.
        installed = dict(request.env["res.lang"].get_installed())
        if request.best_lang in installed:
            request.update_context(lang=request.best_lang)
        return request.render(
            "jingjai_portal.page_not_found",
            {"company": False, "title": _("Page not found")},
            status=404,
        )

    def _use_link_locale(self, link_sudo):
        """Speak the customer's language, whatever the browser asks for, and
        count days in the business's timezone.

        The visitor is Odoo's public user, whose timezone is nobody's: Odoo's
        own code on the page (an installment's due date, a currency rate's
        day) would count days in it, and the add-on's in Thailand's
        (``_jingjai_portal_today``).

        :return: the link in that language and timezone, so texts computed in
            Python (section titles, totals, payment terms) follow the templates
        """
        installed = dict(request.env["res.lang"].get_installed())
        # Both partners in one read: every page shows the customer and the
        # business, so each would otherwise be fetched on its own.
        partners = link_sudo.partner_id | link_sudo.company_id.partner_id
        lang = next(
            (lang for lang in partners.mapped("lang") if lang in installed),
            request.env.lang,
        )
        request.update_context(lang=lang, tz=BUSINESS_TIMEZONE)
        return link_sudo.with_context(lang=lang, tz=BUSINESS_TIMEZONE)

    def _visitor(self):
        """IP (after Odoo's proxy-mode handling of X-Forwarded-For) and user agent.

        Both are headers anyone can write: control characters are dropped
        before they reach a log row.
        """
        httprequest = request.httprequest
        return (
            plain_text(httprequest.remote_addr)[:64] or None,
            plain_text(httprequest.user_agent.string),
        )

    def _browser_key(self):
        """The visitor's browser for the access-code limits: its Odoo session.

        The session's stable part (the one Odoo's CSRF tokens are bound to),
        hashed. A visitor without cookies cannot post a form at all.
        """
        return code_rules.browser_key(request.session.sid[:STORED_SESSION_BYTES])
