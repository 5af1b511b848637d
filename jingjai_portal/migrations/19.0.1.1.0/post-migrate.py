"""Send emails no longer carry a placeholder URL turned into the link.

Since 19.0.1.1.0 the link is the email's access button, made when the email is
sent for the customer's recipients alone. The two Send templates are noupdate:
databases made before still render the placeholder button, whose method is
gone, and would fail to send. Those still calling it are reset to the module's
version, Thai included; templates restyled without it are left alone.
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

TEMPLATES = (
    "jingjai_portal.mail_template_quote_portal_link",
    "jingjai_portal.mail_template_invoice_portal_link",
)
PLACEHOLDER_CALL = "_jingjai_portal_mail_link_placeholder"


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid in TEMPLATES:
        template = env.ref(xmlid, raise_if_not_found=False)
        if not template:
            continue
        # Every language at once: the translations are in the same column.
        cr.execute(
            "SELECT body_html::text LIKE %s FROM mail_template WHERE id = %s",
            [f"%{PLACEHOLDER_CALL}%", template.id],
        )
        if not cr.fetchone()[0]:
            continue
        if not template.template_fs:
            _logger.warning(
                "%s still calls %s and cannot be reset: edit it to remove that "
                "button (the link is now the email's access button).",
                xmlid,
                PLACEHOLDER_CALL,
            )
            continue
        template.reset_template()
        _logger.info("%s reset: its link is now the email's access button", xmlid)
