from odoo import netsvc

from . import controllers
from . import models
from . import wizard
from .lib import log_redaction


def _install_log_redaction():
    """From here on no log record of any logger or level carries a link token
    (lib/log_redaction.py), process-wide, whatever database is served.

    Done when the package is imported, not in a ``post_load`` hook: Odoo skips
    ``post_load`` for a package imported before the registry loads it (pytest-
    odoo collecting the tests, another add-on importing ours). Odoo's own record
    class is made redacting too, because Odoo sets up logging again (and puts
    its class back as the factory) whenever its configuration is parsed anew.
    """
    netsvc.LogRecord = log_redaction.redacting_record_class(netsvc.LogRecord)
    log_redaction.install()


_install_log_redaction()
