import logging
import re

from werkzeug.exceptions import NotFound

from odoo import _, http
from odoo.exceptions import UserError
from odoo.http import STORED_SESSION_BYTES, content_disposition, request

from odoo.addons.payment.controllers.portal import PaymentPortal
from odoo.addons.payment.controllers.post_processing import PaymentPostProcessing
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..lib import access_code as code_rules
from ..lib import tokens
from ..lib.link_preview import is_link_preview
from ..lib.security_headers import SECURITY_HEADERS
from ..lib.slip import MAX_SLIP_BYTES
from ..lib.text import plain_text
from ..models.jingjai_portal_link import DOCUMENT_MODELS
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


class PortalLinkController(http.Controller):
    """Pages opened through a portal link: ``/p/<token>…``.

    Every route is a frontend page (``website=True``), as Odoo's portal pages
    are: with ``website`` installed it renders in the website's layout, with
    ``request.website`` set. None is ``multilang``: a page speaks its customer's
    language whatever the URL or the browser asks for, and a /p/ URL is never
    redirected to a language-prefixed one.

    Every route resolves the link once (:meth:`_open_link`), which logs the view
    and answers for links that are not active. What a page shows comes from the
    shared record's model, through ``jingjai.portal.link.mixin``.
    """

    @http.route(
        "/p/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
        website=True,
        multilang=False,
    )
    def portal_link_page(self, token, **kwargs):
        link_sudo, refusal = self._open_link(token, "/")
        if refusal:
            return refusal
        return self._render_record(link_sudo, link_sudo._get_target(), f"/p/{token}")

    @http.route(
        "/p/<string:token>/pdf",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
        website=True,
        multilang=False,
    )
    def portal_link_pdf(self, token, **kwargs):
        link_sudo, refusal = self._open_link(token, "/pdf", closed_pdf=True)
        if refusal:
            return refusal
        target = link_sudo._get_target()
        if not target._jingjai_portal_report_ref:
            return self._not_found()
        return self._pdf_response(target)

    @http.route(
        "/p/<string:token>/<string:section>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
        website=True,
        multilang=False,
    )
    def portal_link_section(self, token, section, page=1, **kwargs):
        link_sudo, refusal = self._open_link(token, f"/{section}")
        if refusal:
            return refusal
        customer = link_sudo._get_target()
        company, maker = link_sudo.company_id, link_sudo.generated_by_id
        if link_sudo.scope != "customer" or section not in (
            sections := customer._jingjai_portal_sections(company, maker)
        ):
            return self._not_found()
        page = self._parse_id(page) or 1
        records, count = customer._jingjai_portal_section_records(
            company,
            maker,
            section,
            limit=SECTION_PAGE_SIZE,
            offset=(page - 1) * SECTION_PAGE_SIZE,
        )
        base_url = f"/p/{token}"
        values = {
            "link": link_sudo,
            "company": link_sudo.company_id,
            "section": sections[section],
            "section_key": section,
            "records": records,
            "count": count,
            "home_url": base_url,
            "page_url": base_url,
            "pager": portal_pager(
                url=f"{base_url}/{section}",
                total=count,
                page=page,
                step=SECTION_PAGE_SIZE,
            ),
        }
        return self._render("jingjai_portal.page_section", values)

    @http.route(
        [
            "/p/<string:token>/<string:document_type>/<string:document_id>",
            "/p/<string:token>/<string:document_type>/<string:document_id>/<string:report>",
        ],
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
        website=True,
        multilang=False,
    )
    def portal_link_document(
        self, token, document_type, document_id, report=None, **kwargs
    ):
        subpath = f"/{document_type}/{document_id}" + (f"/{report}" if report else "")
        link_sudo, refusal = self._open_link(token, subpath)
        if refusal:
            return refusal
        record_id = self._parse_id(document_id)
        document = record_id and link_sudo._get_target()._jingjai_portal_document_of(
            link_sudo, document_type, record_id
        )
        if not document or report not in (None, "pdf"):
            return self._not_found()
        if report == "pdf":
            return self._pdf_response(document)
        return self._render_record(
            link_sudo,
            document,
            f"/p/{token}/{document_type}/{document.id}",
            f"/p/{token}",
        )

    @http.route(
        "/p/<string:token>/request-link",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
        website=True,
        multilang=False,
    )
    def portal_link_request(self, token, **kwargs):
        link_sudo = self._find_link(token, "/request-link")
        if not link_sudo:
            return self._not_found()
        if link_sudo.state not in ("expired", "closed"):
            return self._secure(request.redirect(f"/p/{token}", code=303))
        link_sudo._request_new_link()
        return self._render(
            "jingjai_portal.page_unavailable",
            {"link": link_sudo, "company": link_sudo.company_id, "reason": "requested"},
        )

    @http.route(
        "/p/<path:anything>",
        type="http",
        auth="public",
        sitemap=False,
        website=True,
        multilang=False,
    )
    def portal_link_unknown(self, anything, **kwargs):
        return self._not_found()

    # ------------------------------------------------------------
    # INVOICES: PromptPay QR image and payment slips
    # ------------------------------------------------------------

    @http.route(
        [
            "/p/<string:token>/promptpay.png",
            "/p/<string:token>/invoice/<string:document_id>/promptpay.png",
        ],
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
        website=True,
        multilang=False,
    )
    def portal_link_promptpay_png(self, token, document_id=None, **kwargs):
        """The invoice's PromptPay QR as a file to save: customers open the link on
        the phone that runs their banking app, which scans a saved picture.
        """
        link_sudo, invoice, refusal = self._open_invoice(
            token, document_id, "/promptpay.png"
        )
        if refusal:
            return refusal
        qr_file = invoice._jingjai_portal_promptpay_png()
        if not qr_file:
            return self._not_found()
        png, filename = qr_file
        disposition = content_disposition(filename, "attachment")
        return self._secure(
            request.make_response(
                png,
                headers=[
                    ("Content-Type", "image/png"),
                    ("Content-Length", len(png)),
                    ("Content-Disposition", disposition),
                ],
            )
        )

    @http.route(
        [
            "/p/<string:token>/slip",
            "/p/<string:token>/invoice/<string:document_id>/slip",
        ],
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
        website=True,
        multilang=False,
    )
    def portal_link_slip(self, token, document_id=None, slip=None, **kwargs):
        """A customer sends the slip of their transfer (form post, CSRF checked)."""
        link_sudo, invoice, refusal = self._open_invoice(token, document_id, "/slip")
        if refusal:
            return refusal
        # One byte over the limit is enough to refuse a file as too large.
        content = slip.read(MAX_SLIP_BYTES + 1) if hasattr(slip, "read") else b""
        page_url, home_url = self._document_urls(token, "invoice", invoice, document_id)
        try:
            invoice._jingjai_portal_receive_slip(
                link_sudo,
                plain_text(getattr(slip, "filename", "")),
                content,
                self._visitor()[0],
            )
        except UserError as error:
            values = invoice._jingjai_portal_page_values(link_sudo, page_url)
            values.update(home_url=home_url, slip_error=error.args[0])
            return self._render(
                invoice._jingjai_portal_page_template, values, status=400
            )
        return self._secure(request.redirect(f"{page_url}#pay", code=303))

    # ------------------------------------------------------------
    # PAYING ONLINE: Odoo's payment form, transactions under the link
    # ------------------------------------------------------------

    @http.route(
        [
            "/p/<string:token>/transaction",
            "/p/<string:token>/<string:document_type>/<string:document_id>/transaction",
        ],
        type="jsonrpc",
        auth="public",
        methods=["POST"],
        sitemap=False,
        website=True,
        multilang=False,
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
        request.future_response.headers.update(SECURITY_HEADERS)
        # Odoo checks no CSRF on jsonrpc routes: the payment form sends the
        # session's token, so no other site can start a payment in its name.
        if not isinstance(csrf_token, str) or not request.validate_csrf(csrf_token):
            raise UserError(
                _("This page is out of date. Please reload it and pay again.")
            )
        claims = {key: kwargs.pop(key) for key in PAYMENT_CLAIMS if key in kwargs}
        # Anything else the payment form never sends is refused, as Odoo does.
        PaymentPortal._validate_transaction_kwargs(kwargs)
        documents_sudo, page_url = self._open_payable(token, document_type, document_id)
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
            page_url.removeprefix("/p/"),
            max_age=PAYMENT_COOKIE_DAYS * 24 * 3600,
            path=PAYMENT_RETURN_ROUTE,
            secure=request.httprequest.scheme == "https",
            httponly=True,
            samesite="Lax",
        )
        return tx_sudo._get_processing_values()

    def _open_payable(self, token, document_type, document_id):
        """The documents a payment call under ``token`` pays, and their page.

        :return: ``(documents_sudo, page_url)``
        :raise UserError: the link is dead or this browser must enter its code
        :raise NotFound: unknown token, or a document this link does not open
        """
        if document_id is None:
            # The link's own quote or invoice, whichever it is.
            link_sudo, refusal = self._open_link(token, "/transaction")
            documents_sudo = link_sudo._get_target() if not refusal else None
            if documents_sudo is not None and documents_sudo._name == "res.partner":
                # A customer-wide link's page pays all its open invoices.
                invoices_sudo = documents_sudo._jingjai_portal_open_invoices(link_sudo)
                if not invoices_sudo:
                    raise UserError(
                        _("There is no open invoice to pay. Please reload the page.")
                    )
                return invoices_sudo, f"/p/{token}"
            document_type = next(
                (
                    kind
                    for kind, model in DOCUMENT_MODELS.items()
                    if documents_sudo is not None and documents_sudo._name == model
                ),
                None,
            )
            if not refusal and document_type not in PAYABLE_DOCUMENT_TYPES:
                raise NotFound()
        elif document_type in PAYABLE_DOCUMENT_TYPES:
            link_sudo, documents_sudo, refusal = self._open_document(
                token, document_type, document_id, "/transaction"
            )
        else:
            raise NotFound()
        if refusal:
            if refusal.status_code == 404:
                raise NotFound()
            # A dead link says why; else the access code must be entered again.
            raise UserError(
                link_sudo._get_refusal_message()
                or _(
                    "This cannot be paid from this page. Please reload it, or ask "
                    "us for a new link."
                )
            )
        page_url, _home_url = self._document_urls(
            token, document_type, documents_sudo, document_id
        )
        return documents_sudo, page_url

    @http.route(
        PAYMENT_RETURN_ROUTE,
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
        website=True,
        multilang=False,
    )
    def portal_link_payment_return(self, **kwargs):
        """Back from paying online (Odoo's ``/payment/status`` sends the visitor
        here): to the page they paid from, which resolves its link again and
        shows the payment's state. Without the cookie, a page saying so.
        """
        page = request.httprequest.cookies.get(PAYMENT_COOKIE) or ""
        if not PAYMENT_PAGE.fullmatch(page):
            # No business named: this browser's link is unknown.
            return self._secure(
                request.render(
                    "jingjai_portal.page_payment_return",
                    {"company": False, "title": _("Payment")},
                )
            )
        return self._secure(request.redirect(f"/p/{page}#pay", code=303))

    def _open_invoice(self, token, document_id, suffix):
        """:return: ``(link_sudo, invoice_sudo, refusal)``: :meth:`_open_document`"""
        return self._open_document(token, "invoice", document_id, suffix)

    # ------------------------------------------------------------
    # QUOTES: sign and accept, decline
    # ------------------------------------------------------------

    @http.route(
        [
            "/p/<string:token>/accept",
            "/p/<string:token>/order/<string:document_id>/accept",
        ],
        type="jsonrpc",
        auth="public",
        methods=["POST"],
        sitemap=False,
        website=True,
        multilang=False,
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
        request.future_response.headers.update(SECURITY_HEADERS)
        # Odoo does not check CSRF on jsonrpc routes: the page puts the session's
        # token in the call URL, so no other site can make a visitor sign.
        csrf_token = csrf_token or request.httprequest.args.get("csrf_token")
        if not isinstance(csrf_token, str) or not request.validate_csrf(csrf_token):
            return {
                "error": _("This page is out of date. Please reload it and sign again.")
            }
        link_sudo, quote_sudo, refusal = self._open_quote(token, document_id, "/accept")
        if refusal:
            # A dead link says why; otherwise the quote is not this link's, or the
            # link's access code must be entered again: reloading shows which.
            return {
                "error": (link_sudo and link_sudo._get_refusal_message())
                or _(
                    "This quote cannot be opened from this page. Please reload it, "
                    "or ask us for a new link."
                )
            }
        try:
            quote_sudo._jingjai_portal_accept(
                link_sudo, name, signature, self._visitor()[0]
            )
        except UserError as error:
            return {"error": error.args[0]}
        page_url, _home_url = self._document_urls(
            token, "order", quote_sudo, document_id
        )
        return {"force_refresh": True, "redirect_url": page_url}

    @http.route(
        [
            "/p/<string:token>/decline",
            "/p/<string:token>/order/<string:document_id>/decline",
        ],
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
        website=True,
        multilang=False,
    )
    def portal_link_decline(
        self, token, document_id=None, reason=None, confirm=None, **kwargs
    ):
        """The customer declines a quote (form post, CSRF checked by Odoo).

        A first post asks to confirm, on a page of its own (no script needed);
        only the confirmed post (``confirm=1``) cancels the quote.
        """
        link_sudo, quote_sudo, refusal = self._open_quote(
            token, document_id, "/decline"
        )
        if refusal:
            return refusal
        page_url, home_url = self._document_urls(
            token, "order", quote_sudo, document_id
        )
        try:
            if confirm != "1":
                reason = quote_sudo._jingjai_portal_check_decline(link_sudo, reason)
                return self._render(
                    "jingjai_portal.page_quote_decline_confirm",
                    {
                        "link": link_sudo,
                        "company": link_sudo.company_id,
                        "record": quote_sudo,
                        "page_url": page_url,
                        "decline_reason": reason,
                    },
                )
            quote_sudo._jingjai_portal_decline(link_sudo, reason, self._visitor()[0])
        except UserError as error:
            values = quote_sudo._jingjai_portal_page_values(link_sudo, page_url)
            values.update(
                home_url=home_url,
                decline_error=error.args[0],
                # As typed, less what cannot be stored: sending it again works.
                decline_reason=plain_text(reason, multiline=True),
            )
            return self._render(
                quote_sudo._jingjai_portal_page_template, values, status=400
            )
        return self._render(
            "jingjai_portal.page_quote_declined",
            quote_sudo._jingjai_portal_declined_values(link_sudo, home_url),
        )

    def _open_quote(self, token, document_id, suffix):
        """:return: ``(link_sudo, quote_sudo, refusal)``: :meth:`_open_document`

        Only quotes that are signed and accepted online qualify.
        """
        link_sudo, quote, refusal = self._open_document(
            token, "order", document_id, suffix
        )
        if quote and not quote._jingjai_portal_accepts_online:
            return link_sudo, None, self._not_found()
        return link_sudo, quote, refusal

    # ------------------------------------------------------------
    # ACCESS CODES: send a code, check it, unlock this browser
    # ------------------------------------------------------------

    @http.route(
        "/p/<string:token>/code/send",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
        website=True,
        multilang=False,
    )
    def portal_link_code_send(self, token, next_path="/", **kwargs):
        """Send a fresh access code to the customer (form post, CSRF checked)."""
        link_sudo, refusal = self._open_link(token, "/code/send", unlocking=True)
        if refusal:
            return refusal
        next_path = self._safe_next_path(next_path)
        if not link_sudo.requires_code:
            return self._redirect_into(token, next_path)
        outcome = link_sudo._access_code_send(self._visitor()[0], self._browser_key())
        if outcome["status"] == "sent":
            # Back to a GET, which shows the code form: reloading it sends nothing.
            return self._redirect_into(token, next_path)
        return self._render_code_page(link_sudo, token, next_path, outcome)

    @http.route(
        "/p/<string:token>/code",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
        website=True,
        multilang=False,
    )
    def portal_link_code_check(self, token, code=None, next_path="/", **kwargs):
        """Check the code typed in; the right one unlocks the link in this browser."""
        link_sudo, refusal = self._open_link(token, "/code", unlocking=True)
        if refusal:
            return refusal
        next_path = self._safe_next_path(next_path)
        if not link_sudo.requires_code:
            return self._redirect_into(token, next_path)
        outcome = link_sudo._access_code_check(
            code, *self._visitor(), self._browser_key()
        )
        if outcome["status"] != "unlocked":
            return self._render_code_page(link_sudo, token, next_path, outcome)
        response = self._redirect_into(token, next_path)
        # Scoped to this link's URLs, unreadable by scripts, not sent by other
        # sites' subrequests; only its digest is stored, with its expiry.
        response.set_cookie(
            UNLOCK_COOKIE,
            outcome["secret"],
            max_age=int((outcome["expires_at"] - link_sudo._now()).total_seconds()),
            expires=outcome["expires_at"],
            path=f"/p/{token}",
            secure=request.httprequest.scheme == "https",
            httponly=True,
            samesite="Lax",
        )
        return response

    def _code_gate(self, link_sudo, token, subpath):
        """The code page when this browser has not unlocked the link, else None."""
        if link_sudo._access_code_unlocked(
            request.httprequest.cookies.get(UNLOCK_COOKIE)
        ):
            return None
        # After the code, back to the page asked for; a form post cannot be
        # replayed, so it goes back to the link's first page.
        next_path = subpath if request.httprequest.method == "GET" else "/"
        return self._render_code_page(link_sudo, token, self._safe_next_path(next_path))

    def _render_code_page(self, link_sudo, token, next_path, outcome=None):
        values = link_sudo._access_code_page_values(
            outcome, self._visitor()[0], self._browser_key()
        )
        values.update(
            company=link_sudo.company_id,
            send_url=f"/p/{token}/code/send",
            check_url=f"/p/{token}/code",
            next_path=next_path,
        )
        return self._render(
            "jingjai_portal.page_access_code",
            values,
            status=CODE_PAGE_STATUS.get(values["status"], 200),
        )

    def _redirect_into(self, token, next_path):
        suffix = "" if next_path == "/" else next_path
        return self._secure(request.redirect(f"/p/{token}{suffix}", code=303))

    @staticmethod
    def _safe_next_path(value):
        """A path below the link to go back to, or "/" for anything else."""
        text = plain_text(value)
        if not NEXT_PATH.fullmatch(text) or ".." in text:
            return "/"
        return text

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _open_document(self, token, document_type, document_id, suffix):
        """Open the link and find the quote or invoice this URL is about.

        The link's own document (no id in the URL), or a document that a
        customer-wide link lists; anything else is "not found".

        :param str document_type: ``order`` or ``invoice``, as in the URL
        :return: ``(link_sudo, document_sudo, refusal)``
        """
        subpath = (f"/{document_type}/{document_id}" if document_id else "") + suffix
        link_sudo, refusal = self._open_link(token, subpath)
        if refusal:
            return link_sudo, None, refusal
        target = link_sudo._get_target()
        if document_id is None:
            document = (
                target if target._name == DOCUMENT_MODELS[document_type] else None
            )
        else:
            record_id = self._parse_id(document_id)
            document = record_id and target._jingjai_portal_document_of(
                link_sudo, document_type, record_id
            )
        if not document:
            return link_sudo, None, self._not_found()
        return link_sudo, document, None

    @staticmethod
    def _document_urls(token, document_type, document, document_id):
        """``(page_url, home_url)`` of a quote or invoice page under ``token``."""
        if document_id is None:
            return f"/p/{token}", None
        return f"/p/{token}/{document_type}/{document.id}", f"/p/{token}"

    def _open_link(self, token, subpath, closed_pdf=False, unlocking=False):
        """Resolve the token, log the view, and refuse anything but an active link.

        A link that requires an access code answers with the code page until
        this browser has entered the right code; the state is checked first, so
        revoking or expiring a link ends every unlocked browser at once.

        :param bool closed_pdf: the route serves the record's PDF, which a closed
            link still gives when its closed page offers it (an accepted quote)
        :param bool unlocking: the route sends or checks an access code: it gets
            the link whether or not this browser is unlocked
        :return: ``(link_sudo, refusal)``; ``refusal`` is the page to send instead
            when the token is unknown or the link is not active, else ``None``
        """
        link_sudo = self._find_link(token, subpath)
        if not link_sudo:
            return link_sudo, self._not_found()
        if self._is_link_preview():
            return link_sudo, self._render(
                "jingjai_portal.page_link_preview", {"company": link_sudo.company_id}
            )
        if link_sudo.state == "active":
            if unlocking:
                return link_sudo, None
            return link_sudo, self._code_gate(link_sudo, token, subpath)
        closed_page = (
            link_sudo.state == "closed"
            and link_sudo._get_target()._jingjai_portal_closed_page(link_sudo)
        )
        if closed_page:
            # A closed page may still show the document: it asks for the code too.
            gate = None if unlocking else self._code_gate(link_sudo, token, subpath)
            if unlocking or gate:
                return link_sudo, gate
            template, values = closed_page
            if closed_pdf and values.get("offers_pdf"):
                return link_sudo, None
            # The page's own links (its PDF) stay under this token.
            values["page_url"] = f"/p/{token}"
            return link_sudo, self._render(template, values)
        return link_sudo, self._render(
            "jingjai_portal.page_unavailable",
            {
                "link": link_sudo,
                "company": link_sudo.company_id,
                "reason": link_sudo.state,
                "request_url": f"/p/{token}/request-link",
            },
        )

    def _find_link(self, token, subpath):
        """The link (sudo) of ``token`` in its customer's language, with this
        request in its view log (unless a link preview fetched it); an empty
        recordset for an unknown token.
        """
        link_sudo = request.env["jingjai.portal.link"]._resolve_token(token)
        if link_sudo:
            link_sudo = self._use_customer_language(link_sudo)
            if not self._is_link_preview():
                link_sudo._record_view(*self._visitor(), subpath)
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

    def _render_record(self, link_sudo, record, page_url, home_url=None):
        values = record._jingjai_portal_page_values(link_sudo, page_url)
        values["home_url"] = home_url
        return self._render(record._jingjai_portal_page_template, values)

    def _pdf_response(self, record):
        content, filename = record._jingjai_portal_render_pdf()
        return self._secure(
            request.make_response(
                content,
                headers=[
                    ("Content-Type", "application/pdf"),
                    ("Content-Length", len(content)),
                    ("Content-Disposition", content_disposition(filename, "inline")),
                ],
            )
        )

    def _render(self, template, values, status=200):
        values.setdefault("title", values["company"].name)
        return self._secure(request.render(template, values, status=status))

    def _not_found(self):
        # One page for every unknown or malformed token: it says nothing about
        # whether a link ever existed, and names no business (the database's
        # default company is not the one whose link was mistyped). With no
        # customer to speak for, it speaks the browser's language, if installed.
        installed = dict(request.env["res.lang"].get_installed())
        if request.best_lang in installed:
            request.update_context(lang=request.best_lang)
        return self._secure(
            request.render(
                "jingjai_portal.page_not_found",
                {"company": False, "title": _("Page not found")},
                status=404,
            )
        )

    def _secure(self, response):
        response.headers.update(SECURITY_HEADERS)
        return response

    def _use_customer_language(self, link_sudo):
        """Speak the customer's language, whatever the browser asks for.

        :return: the link in that language, so texts computed in Python (section
            titles, totals, payment terms) follow the templates
        """
        installed = dict(request.env["res.lang"].get_installed())
        for lang in (link_sudo.partner_id.lang, link_sudo.company_id.partner_id.lang):
            if lang in installed:
                request.update_context(lang=lang)
                break
        return link_sudo.with_context(lang=request.env.lang)

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

    @staticmethod
    def _parse_id(value):
        """A positive database id from the URL, or None for anything else."""
        text = str(value)
        if not text.isascii() or not text.isdigit() or len(text) > 9:
            return None
        return int(text) or None
