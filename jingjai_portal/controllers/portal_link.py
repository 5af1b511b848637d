import logging
import re

from odoo import _, http
from odoo.http import content_disposition, request

from odoo.addons.portal.controllers.portal import pager as portal_pager

_logger = logging.getLogger(__name__)

# Sent with every /p/ response, error pages included: the URL is a credential,
# so nothing may cache it, index it or pass it on in a Referer.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
}
SECTION_PAGE_SIZE = 20

TOKEN_IN_PATH = re.compile(r"/p/[^/\s?\"]*?([^/\s?\"]{0,4})(?=[/\s?\"]|$)")


class RedactLinkTokens(logging.Filter):
    """Keep link tokens out of the HTTP access log.

    The werkzeug logger writes every request line at INFO level; a token there
    would be a live credential in every log file and log shipper. The last four
    characters stay, matching the "link ends with" hint staff see.
    """

    def filter(self, record):
        message = record.getMessage()
        if "/p/" in message:
            record.msg = TOKEN_IN_PATH.sub(r"/p/…\1", message)
            record.args = ()
        return True


logging.getLogger("werkzeug").addFilter(RedactLinkTokens())


class PortalLinkController(http.Controller):
    """Pages opened through a portal link: ``/p/<token>…``.

    Every route resolves the link once (:meth:`_open_link`), which logs the view
    and answers for links that are not active. What a page shows comes from the
    shared record's model, through ``jingjai.portal.link.mixin``.
    """

    @http.route(
        "/p/<string:token>", type="http", auth="public", methods=["GET"], sitemap=False
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
    )
    def portal_link_pdf(self, token, **kwargs):
        link_sudo, refusal = self._open_link(token, "/pdf")
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
    )
    def portal_link_section(self, token, section, page=1, **kwargs):
        link_sudo, refusal = self._open_link(token, f"/{section}")
        if refusal:
            return refusal
        customer = link_sudo._get_target()
        if (
            link_sudo.scope != "customer"
            or section not in customer._jingjai_portal_sections(link_sudo.company_id)
        ):
            return self._not_found()
        page = self._parse_id(page) or 1
        records, count = customer._jingjai_portal_section_records(
            link_sudo.company_id,
            section,
            limit=SECTION_PAGE_SIZE,
            offset=(page - 1) * SECTION_PAGE_SIZE,
        )
        base_url = f"/p/{token}"
        values = {
            "link": link_sudo,
            "company": link_sudo.company_id,
            "section": customer._jingjai_portal_sections(link_sudo.company_id)[section],
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
    )
    def portal_link_request(self, token, **kwargs):
        link_sudo = request.env["jingjai.portal.link"]._resolve_token(token)
        if not link_sudo:
            return self._not_found()
        link_sudo = self._use_customer_language(link_sudo)
        link_sudo._record_view(*self._visitor(), "/request-link")
        if link_sudo.state not in ("expired", "closed"):
            return self._secure(request.redirect(f"/p/{token}", code=303))
        link_sudo._request_new_link()
        return self._render(
            "jingjai_portal.page_unavailable",
            {"link": link_sudo, "company": link_sudo.company_id, "reason": "requested"},
        )

    @http.route("/p/<path:anything>", type="http", auth="public", sitemap=False)
    def portal_link_unknown(self, anything, **kwargs):
        return self._not_found()

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _open_link(self, token, subpath):
        """Resolve the token, log the view, and refuse anything but an active link.

        :return: ``(link_sudo, refusal)``; ``refusal`` is the page to send instead
            when the token is unknown or the link is not active, else ``None``
        """
        link_sudo = request.env["jingjai.portal.link"]._resolve_token(token)
        if not link_sudo:
            return link_sudo, self._not_found()
        link_sudo = self._use_customer_language(link_sudo)
        link_sudo._record_view(*self._visitor(), subpath)
        if link_sudo.state == "active":
            return link_sudo, None
        return link_sudo, self._render(
            "jingjai_portal.page_unavailable",
            {
                "link": link_sudo,
                "company": link_sudo.company_id,
                "reason": link_sudo.state,
                "request_url": f"/p/{token}/request-link",
            },
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
        # whether a link ever existed.
        return self._secure(
            request.render(
                "jingjai_portal.page_not_found",
                {"company": request.env.company, "title": _("Page not found")},
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
        """IP (after Odoo's proxy-mode handling of X-Forwarded-For) and user agent."""
        httprequest = request.httprequest
        return httprequest.remote_addr, httprequest.user_agent.string

    @staticmethod
    def _parse_id(value):
        """A positive database id from the URL, or None for anything else."""
        text = str(value)
        if not text.isascii() or not text.isdigit() or len(text) > 9:
            return None
        return int(text) or None
