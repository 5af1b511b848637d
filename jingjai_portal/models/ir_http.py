from werkzeug.exceptions import HTTPException

from odoo import models
from odoo.http import request

from ..lib.security_headers import SECURITY_HEADERS


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

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
        if hasattr(response, "headers"):
            response.headers.update(SECURITY_HEADERS)
        return response
