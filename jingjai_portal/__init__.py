from . import controllers
from . import models
from . import wizard
from .lib import log_redaction


def _post_load():
    # Process-wide, once, whatever database is served: from here on no log
    # record of any logger or level carries a link token (lib/log_redaction.py).
    log_redaction.install()
