"""Every URL below one portal link, built in one place (plain Python).

A link's URLs carry its token, the credential: the controller builds one
:class:`PortalLinkUrls` per request from the visit it decided, hands it to the
page values and the templates (``urls.pdf``, ``urls.decline``…), and the link
model builds its absolute URL from the same class. Nothing else writes
``/p/<token>`` by hand.
"""

from urllib.parse import urlencode

ROOT = "/p/"


def parse_record_id(value):
    """A positive database id as written in a URL, or None for anything else."""
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        return None
    return int(text) or None


class PortalLinkUrls:
    """The URLs of one page under a link's token.

    The page is the link's own (``/p/<token>``) or, below a customer-wide link,
    one of its documents (``/p/<token>/<document_type>/<id>``); the actions of
    a page (its PDF, accept, slip, payment…) are below the page, the access
    code and "ask for a new link" forms below the link.

    ``str(urls)`` is the page's own URL.
    """

    __slots__ = ("document_id", "document_type", "home", "page")

    def __init__(self, token, document_type=None, document_id=None):
        self.home = f"{ROOT}{token}"
        self.document_type = document_type if document_id else None
        self.document_id = document_id or None
        self.page = (
            self.document(document_type, document_id) if document_id else self.home
        )

    def __str__(self):
        return self.page

    def __repr__(self):
        # Never the token: a repr may end up in a log line or a traceback.
        return f"<PortalLinkUrls {self.document_type or 'link'} {self.document_id}>"

    def of_document(self, document_type, document_id):
        """The URLs of a document's page below this link."""
        urls = PortalLinkUrls.__new__(PortalLinkUrls)
        urls.home = self.home
        urls.document_type, urls.document_id = document_type, document_id
        urls.page = self.document(document_type, document_id)
        return urls

    # Below the link

    def document(self, document_type, document_id):
        return f"{self.home}/{document_type}/{document_id}"

    def section(self, key):
        return f"{self.home}/{key}"

    def at(self, next_path):
        """The link's page at ``next_path`` (a path below it, "/" for its own)."""
        return self.home if next_path == "/" else f"{self.home}{next_path}"

    @property
    def home_link(self):
        """The "Your account" link of a document's page, None on the link's own."""
        return self.home if self.document_id else None

    @property
    def code_send(self):
        return f"{self.home}/code/send"

    @property
    def code_check(self):
        return f"{self.home}/code"

    @property
    def request_link(self):
        return f"{self.home}/request-link"

    # Below the page

    @property
    def pdf(self):
        return f"{self.page}/pdf"

    @property
    def accept(self):
        return f"{self.page}/accept"

    def accept_call(self, csrf_token):
        """The signature pad's call URL: Odoo checks no CSRF on jsonrpc routes,
        so the page puts the session's token in it (the route checks it)."""
        return f"{self.accept}?{urlencode({'csrf_token': csrf_token})}"

    @property
    def decline(self):
        return f"{self.page}/decline"

    @property
    def slip(self):
        return f"{self.page}/slip"

    @property
    def promptpay_png(self):
        return f"{self.page}/promptpay.png"

    @property
    def transaction(self):
        return f"{self.page}/transaction"

    # Back from a payment provider: the page, without the ROOT, in a cookie

    @property
    def return_key(self):
        return self.page.removeprefix(ROOT)

    @staticmethod
    def from_return_key(key):
        """The page URL a payment cookie's (checked) value names."""
        return f"{ROOT}{key}"

    def absolute(self, base_url):
        """The link's URL to hand out: ``base_url`` and its own page."""
        return f"{base_url.rstrip('/')}{self.home}"
