import posixpath

import werkzeug.exceptions
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from odoo import models
from odoo.http import request

from ..lib.security_headers import SECURITY_HEADERS


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _jingjai_portal_secure(cls, response):
        """Give an answer below /p/ the link pages' headers (lib/security_headers).

        The one place they are set, from each hook where Odoo hands over an
        answer: every route's (``_post_dispatch``, where Odoo sets its own),
        the errors (``_handle_error``), and the methods refused before any
        dispatcher runs (``_match``).
        """
        if hasattr(response, "headers"):
            response.headers.update(SECURITY_HEADERS)
        return response

    @classmethod
    def _post_dispatch(cls, response):
        super()._post_dispatch(response)
        if request.httprequest.path.startswith("/p/"):
            cls._jingjai_portal_secure(response)

    @classmethod
    def _match(cls, path_info):
        rule, args = super()._match(path_info)
        if rule.rule.startswith("/p/"):
            allowed = cls._jingjai_portal_refused_method(rule, path_info)
            if allowed:
                response = MethodNotAllowed(valid_methods=allowed).get_response(
                    request.httprequest.environ
                )
                cls._jingjai_portal_secure(response)
                # Answered before a dispatcher, CSRF check or route runs.
                werkzeug.exceptions.abort(response)
        return rule, args

    @classmethod
    def _jingjai_portal_refused_method(cls, rule, path_info):
        """The methods a /p/ path takes when this request's is not one of them.

        Odoo adds OPTIONS to the methods of every route and, OPTIONS being a
        "safe" method, dispatches it without checking CSRF: a route declared
        for POST only would change things on an OPTIONS request from anyone.
        Below a link, a route runs for the methods it declares and no other.
        A GET on a path that only takes a form post (``…/decline``) would
        match the section or document route of the same shape instead: it is
        refused as well, so that every method but POST gets the same answer.

        :return: the allowed methods (for the ``Allow`` header), or None when
            the request may go on
        """
        method = request.httprequest.method
        declared = rule.endpoint.routing.get("methods")
        if declared:
            allowed = set(declared) | ({"HEAD"} if "GET" in declared else set())
            if method not in allowed:
                return sorted(allowed)
        if method == "POST":
            return None
        try:
            post_rule, _args = (
                request.env["ir.http"]
                .routing_map()
                .bind_to_environ(request.httprequest.environ)
                .match(path_info=path_info, method="POST", return_rule=True)
            )
        except HTTPException:
            return None
        if post_rule is not rule and post_rule.endpoint.routing.get("methods") == [
            "POST"
        ]:
            return ["POST"]
        return None

    @classmethod
    def _url_localized(
        cls,
        url=None,
        lang_code=None,
        canonical_domain=None,
        prefetch_langs=False,
        force_default_lang=False,
    ):
        # Without a URL, the current page's: the website's layout names it as
        # the canonical URL of every page. Below /p/ that is a credential, and
        # one 404 page for every path, crafted ones with ".." segments
        # included (which website cannot build a canonical URL of): the
        # canonical URL of a link's page is just where links live.
        if (
            not url
            and request
            and (
                request.httprequest.path.startswith("/p/")
                or (posixpath.normpath(request.httprequest.path) + "/").startswith(
                    "/p/"
                )
            )
        ):
            url = "/p/"
        return super()._url_localized(
            url,
            lang_code=lang_code,
            canonical_domain=canonical_domain,
            prefetch_langs=prefetch_langs,
            force_default_lang=force_default_lang,
        )

    @classmethod
    def _handle_error(cls, exception):
        # Odoo answers some /p/ requests before our routes run (a form posted
        # without a valid CSRF token gets its 400 here): the URL is a credential
        # all the same, so those answers carry the link pages' headers too.
        response = super()._handle_error(exception)
        if not request.httprequest.path.startswith("/p/"):
            return response
        if isinstance(response, HTTPException):
            # Odoo hands werkzeug's exception over as the answer itself.
            response = response.get_response(request.httprequest.environ)
        return cls._jingjai_portal_secure(response)
