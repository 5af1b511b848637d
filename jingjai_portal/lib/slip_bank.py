"""Asking a bank (or a slip-verification service) about the transfer a slip QR
names.

A slip QR gives only the sending bank's code and the transaction reference
(see :mod:`slip_qr`). A verification provider looks that transfer up and
answers with what the bank recorded: amount, date and time, receiver, sender.
This module is the one interface the add-on uses:

* :class:`Query` in, :class:`Answer` out: ``found``, ``not_found`` or
  ``error`` (with :attr:`Answer.error` = ``network``, ``auth``, ``quota`` or
  ``answer``: the provider said something we cannot read);
* :class:`Provider`, the base of every provider; a provider lives in its own
  file ``slip_bank_<code>.py`` next to this one and registers itself with
  :func:`register`, so adding one is adding that file;
* :func:`receiver_matches`: whether the receiver the bank names is one of the
  business's own accounts.

Pure Python (no Odoo, standard library only) so that it is tested alone.
"""

import importlib
import ipaddress
import json
import pkgutil
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone

# A customer waits for the answer after pressing "Send slip": a slow provider
# must not hold them (and an Odoo worker) for longer than this, in seconds.
DEFAULT_TIMEOUT = 10
# Far more than any slip answer; a bigger body is not read.
MAX_ANSWER_BYTES = 256 * 1024
# Fewest digits of a receiver account or proxy the bank must show for us to
# say it is ours: banks mask the rest ("xxx-x-x5678-x").
MIN_VISIBLE_DIGITS = 4
# Digits of the receiving account number the bank must show before a payment
# is registered by itself: with 4 (or a PromptPay ID alone, which anyone can
# choose to end like ours), a transfer to someone else's account could pass.
AUTO_REGISTER_DIGITS = 6
MASK_CHARACTERS = "xX*•"

FOUND, NOT_FOUND, ERROR = "found", "not_found", "error"
ERROR_KINDS = ("network", "auth", "quota", "answer")

# PromptPay proxy types as providers name them (ITMX), and as l10n_th does.
PROXY_TYPES = {
    "MSISDN": "mobile",
    "NATID": "merchant_tax_id",
    "EWALLETID": "ewallet_id",
}


@dataclass(frozen=True)
class Query:
    """What we know of a transfer from its slip."""

    bank_code: str
    transaction_ref: str
    # The slip QR as read: some providers want it whole rather than its parts.
    payload: str = ""
    # The amount expected, for providers that check it themselves.
    amount: float | None = None


@dataclass(frozen=True)
class Answer:
    """A provider's answer. Account numbers and proxies are as the bank shows
    them, usually masked."""

    status: str
    amount: float | None = None
    # Aware datetime of the transfer, as the bank gives it.
    transferred_at: datetime | None = None
    receiver_name: str = ""
    receiver_account: str = ""
    # ``mobile``, ``merchant_tax_id``, ``ewallet_id`` (l10n_th names) or the
    # provider's own word for another kind; empty without a proxy.
    receiver_proxy_type: str = ""
    receiver_proxy: str = ""
    sender_name: str = ""
    # The transaction reference as the bank knows it.
    bank_reference: str = ""
    # For ``error``: one of ERROR_KINDS.
    error: str = ""
    # For staff: the provider's own code or a short reason, never a credential.
    detail: str = ""

    @classmethod
    def failure(cls, error, detail=""):
        return cls(status=ERROR, error=error, detail=str(detail)[:200])


@dataclass(frozen=True)
class OwnAccount:
    """One of the business's receiving accounts, as plain values."""

    key: object
    account_number: str = ""
    proxy_type: str = ""
    proxy_value: str = ""


class VerificationError(Exception):
    """Raised inside a provider; :meth:`Provider.verify` turns it into an
    ``error`` answer."""

    def __init__(self, error, detail=""):
        super().__init__(error, detail)
        self.error = error
        self.detail = detail


class Provider:
    """A slip-verification service. Subclasses set ``code``, ``label``,
    ``default_endpoint`` and implement :meth:`_verify`."""

    code = ""
    label = ""
    default_endpoint = ""

    def __init__(self, endpoint, credential, timeout=DEFAULT_TIMEOUT):
        self.endpoint = endpoint or self.default_endpoint
        self._credential = credential or ""
        self.timeout = timeout

    def __repr__(self):
        # Never the credential, whoever prints the provider.
        return f"<{type(self).__name__} {self.endpoint}>"

    def verify(self, query):
        """:return: an :class:`Answer`; never raises for network trouble."""
        if not self._credential:
            return Answer.failure("auth", "no credential configured")
        try:
            check_endpoint(self.endpoint)
            return self._verify(query)
        except VerificationError as error:
            return Answer.failure(error.error, error.detail)
        except ValueError as error:
            return Answer.failure("answer", error)

    def _verify(self, query):
        raise NotImplementedError

    def _get_json(self, url, headers):
        """``(status, json)`` of a GET on ``url``: no redirect (it would carry
        the credential elsewhere), the timeout, a bounded body.

        :raise VerificationError: ``network`` or ``answer``
        """
        request = urllib.request.Request(url, headers=headers, method="GET")
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=self.timeout) as response:
                status, body = response.status, response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read(MAX_ANSWER_BYTES + 1)
            error.close()
        except (urllib.error.URLError, OSError, ValueError) as error:
            # Timeout, refused connection, DNS, TLS: the bank was not asked.
            raise VerificationError(
                "network", type(getattr(error, "reason", error)).__name__
            ) from error
        if 300 <= status < 400:
            raise VerificationError("answer", f"HTTP {status} redirect refused")
        if len(body) > MAX_ANSWER_BYTES:
            raise VerificationError("answer", "answer too large")
        try:
            return status, json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            if status >= 500:
                raise VerificationError("network", f"HTTP {status}") from error
            raise VerificationError("answer", f"HTTP {status}, not JSON") from error


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# ------------------------------------------------------------
# Registry: one file per provider, slip_bank_<code>.py
# ------------------------------------------------------------

_PROVIDERS = {}
PROVIDER_MODULE_PREFIX = "slip_bank_"


def register(provider_class):
    """Class decorator of a provider module."""
    _PROVIDERS[provider_class.code] = provider_class
    return provider_class


def _load_provider_modules():
    package = importlib.import_module(__package__)
    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith(PROVIDER_MODULE_PREFIX):
            importlib.import_module(f"{__package__}.{module.name}")


def providers():
    """``{code: provider class}`` of every provider file."""
    if not _PROVIDERS:
        _load_provider_modules()
    return dict(_PROVIDERS)


def get_provider(code, endpoint, credential, timeout=DEFAULT_TIMEOUT):
    """A provider instance; :raise KeyError: for an unknown code."""
    return providers()[code](endpoint, credential, timeout=timeout)


def check_endpoint(url):
    """An endpoint must be HTTPS: the credential travels with every request.
    Plain HTTP only to this machine (a loopback address), for tests.

    :raise ValueError: with the reason
    """
    parts = urllib.parse.urlsplit(url or "")
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname:
        host = parts.hostname
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if loopback:
            return url
    raise ValueError("endpoint must be an https:// URL")


def parse_datetime(text):
    """An ISO 8601 date-time with its offset as an aware datetime, or None."""
    if not text or not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(timezone.utc)


# ------------------------------------------------------------
# Is the receiver ours?
# ------------------------------------------------------------


def _shown(text):
    """A masked number as the bank shows it, separators removed: digits and
    ``x`` for every masked one ("xxx-x-x5678-x" -> "xxxxx5678x")."""
    return "".join(
        "x" if char in MASK_CHARACTERS else char
        for char in (text or "")
        if char.isdigit() or char in MASK_CHARACTERS
    )


def digits_match(shown, number):
    """Whether a masked number the bank shows can be ``number``.

    Compared from the right, digit by digit: every digit the bank shows must be
    ``number``'s digit at that place, masked places match anything, and the
    bank must show at least :data:`MIN_VISIBLE_DIGITS` digits. What this
    proves: the visible digits agree, no more (with 4 digits shown, one
    account in 10,000 has the same ones).
    """
    shown = _shown(shown)
    digits = re.sub(r"\D", "", number or "")
    if not digits or sum(char.isdigit() for char in shown) < MIN_VISIBLE_DIGITS:
        return False
    if len(shown) > len(digits):
        # Places the bank shows beyond our number must all be masked.
        if shown[: len(shown) - len(digits)].strip("x"):
            return False
        shown = shown[-len(digits) :]
    return all(
        char == "x" or char == digit
        for char, digit in zip(reversed(shown), reversed(digits), strict=False)
    )


def visible_digits(text):
    """How many digits of a masked number the bank shows."""
    return sum(char.isdigit() for char in _shown(text))


def national_mobile(text):
    """A Thai mobile number as written at home: "0066812345678", "66812345678"
    and "+66 81 234 5678" become "0812345678"; masked digits stay masked."""
    shown = _shown(text)
    for prefix in ("0066", "66"):
        if shown.startswith(prefix) and len(shown) - len(prefix) == 9:
            return "0" + shown[len(prefix) :]
    return shown


def _proxy_matches(answer, own):
    if answer.receiver_proxy_type and answer.receiver_proxy_type != own.proxy_type:
        return False
    if own.proxy_type == "mobile":
        return digits_match(
            national_mobile(answer.receiver_proxy), national_mobile(own.proxy_value)
        )
    return digits_match(answer.receiver_proxy, own.proxy_value)


def receiver_matches(answer, own_accounts):
    """Which of our accounts the bank's receiver is, by number and proxy.

    Every identifier the bank gives (the receiver's account number, its
    PromptPay proxy) must match the same one of ``own_accounts``. The
    receiver's name is not compared: banks cut and mask it, and a name alone
    says nothing of the account.

    :param own_accounts: iterable of :class:`OwnAccount`
    :return: ``(account or None, reason)``; reason ``match``, ``no_identifier``
        (the bank gave no number to compare) or ``different``
    """
    checks = []
    if _shown(answer.receiver_account):
        checks.append(
            lambda own: digits_match(answer.receiver_account, own.account_number)
        )
    if _shown(answer.receiver_proxy):
        checks.append(lambda own: _proxy_matches(answer, own))
    if not checks:
        return None, "no_identifier"
    for own in own_accounts:
        if all(check(own) for check in checks):
            return own, "match"
    return None, "different"
