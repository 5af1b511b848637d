"""Keep link tokens and access codes out of every log line (plain Python).

A token in a log line is a live credential in every log file, log shipper and
``ir_logging`` row. Odoo names request paths at every level: werkzeug's access
line (INFO), Odoo's CSRF warnings (WARNING), ``http_routing``'s routing notes
(DEBUG), and at ``debug_sql`` every statement with its values, among them the
outgoing SMS and emails that carry a link or an access code.

So redaction happens when a log record is made, not in one logger's filter:
:func:`install` wraps the process's log record factory, and every record of
every logger is redacted before any handler (console, ``--logfile``, syslog,
``--log-db``, or one added later) sees it. The add-on calls it once, when its
package is imported (``jingjai_portal/__init__.py`` says why not from a
``post_load`` hook), never from a controller or model module.
"""

import logging
import re

# /p/<token> in a path, any case, any number of slashes: keep the last four
# characters, as the "link ends with" hint staff see.
TOKEN_IN_PATH = re.compile(
    r"/p/+[^/\s?\"'&<>]*?([^/\s?\"'&<>]{0,4})(?=[/\s?\"'&<>]|$)", re.IGNORECASE
)
# The same, URL-encoded (a share URL that carries the link as a parameter).
ENCODED_TOKEN_IN_PATH = re.compile(
    r"%2Fp(?:%2F)+[\w-]*?([\w-]{0,4})(?![\w-])", re.IGNORECASE
)
# Anything shaped like a token elsewhere in such a line (odd paths like
# /p/x/../<token> or /P/<token> still carry one).
TOKEN_LIKE = re.compile(r"(?<![\w-])[\w-]{18}([\w-]{4})(?![\w-])", re.ASCII)
MARKERS = ("/p/", "%2fp%2f")

# Access codes are six digits with nothing around them to recognise them by,
# so they are masked where they travel: the statements writing an outgoing
# SMS or email, as logged by odoo.sql_db (queries at DEBUG, failed ones at
# ERROR).
SQL_LOGGER = "odoo.sql_db"
SQL_WITH_CODES = re.compile(r'"(?:sms_sms|mail_mail)"')
SIX_DIGITS = re.compile(r"(?<!\d)\d{6}(?!\d)")

_traceback_formatter = logging.Formatter()


def redact(text, logger_name=""):
    """``text`` with link tokens and, in SQL of ``odoo.sql_db`` that writes an
    outgoing SMS or email, six-digit numbers (access codes) masked.
    """
    lowered = text.lower()
    if any(marker in lowered for marker in MARKERS):
        text = TOKEN_IN_PATH.sub(r"/p/…\1", text)
        text = ENCODED_TOKEN_IN_PATH.sub(r"%2Fp%2F…\1", text)
        text = TOKEN_LIKE.sub(r"…\1", text)
    if logger_name == SQL_LOGGER and SQL_WITH_CODES.search(text):
        text = SIX_DIGITS.sub("******", text)
    return text


def redact_record(record):
    """Redact a log record in place: its message and its traceback."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string: logging reports it
        return
    redacted = redact(message, record.name)
    if redacted != message:
        record.msg, record.args = redacted, ()
    if record.exc_info and not record.exc_text:
        # Exceptions may quote values (a failed INSERT, a URL).
        text = _traceback_formatter.formatException(record.exc_info)
        redacted = redact(text, record.name)
        if redacted != text:
            record.exc_text = redacted


class RedactedRecordMixin:
    """Mixed into a LogRecord class: its records are redacted when made."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        redact_record(self)


def redacting_record_class(record_class):
    """``record_class`` whose records are redacted (itself when it already is)."""
    if issubclass(record_class, RedactedRecordMixin):
        return record_class
    return type(
        f"Redacted{record_class.__name__}", (RedactedRecordMixin, record_class), {}
    )


def is_redacting(factory):
    return isinstance(factory, RedactingRecordFactory) or (
        isinstance(factory, type) and issubclass(factory, RedactedRecordMixin)
    )


class RedactingRecordFactory:
    """A log record factory that redacts what the wrapped factory makes."""

    def __init__(self, factory):
        self.factory = factory

    def __call__(self, *args, **kwargs):
        record = self.factory(*args, **kwargs)
        redact_record(record)
        return record


def install():
    """Redact every log record of this process from now on (idempotent).

    Wraps the current factory (Odoo's own, which adds the database name and
    the request's performance figures); Odoo's own record class is made
    redacting too (:func:`redacting_record_class`), for when Odoo sets up
    logging again after this.
    """
    factory = logging.getLogRecordFactory()
    if not is_redacting(factory):
        logging.setLogRecordFactory(RedactingRecordFactory(factory))
