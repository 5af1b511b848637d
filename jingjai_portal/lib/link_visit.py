"""What a visitor of a portal link gets: a visit, or one typed refusal.

``jingjai.portal.link._visit()`` decides (plain Python here: the result's
shape only, no odoo import); each route maps the outcome to its kind of
answer: a page for HTML routes, ``{'error': message}`` for JSON ones.
"""

from dataclasses import dataclass
from typing import Any

from .portal_link_urls import PortalLinkUrls

# What a request comes for, as far as the decision goes:
# a page or an action below the link (most routes),
VISIT_PAGE = "page"
# the link's own PDF, which some closed links still serve,
VISIT_PDF = "pdf"
# sending or checking the access code, which a locked browser must reach.
VISIT_UNLOCK = "unlock"


@dataclass(frozen=True)
class LinkVisit:
    """The visitor gets ``record``'s page (or action) under ``link_sudo``."""

    link_sudo: Any
    # The page's record (sudo): the link's own, or the document of the URL.
    record: Any
    # The record as URLs name it: "order", "invoice"; "customer" for an
    # account page.
    kind: str
    urls: PortalLinkUrls

    @property
    def home_url(self):
        """The "Your account" link of a document's page, else None."""
        return self.urls.home_link


class LinkRefused(Exception):  # noqa: N818 - a refusal, not an error
    """The visitor does not get what they asked for, and why.

    :ivar kind: one of the constants below
    :ivar link_sudo: the link (empty for an unknown token)
    :ivar urls: the link's URLs (None for an unknown token)
    :ivar message: what a JSON route says (the link's refusal message), or
        None: the route says it cannot be done from this page
    :ivar closed_page: ``(template, values)`` of a closed link that tells the
        customer how their document ended, else None
    :ivar path: the path asked for, below the link
    """

    # No such token, or a document (or action) this link does not open.
    UNKNOWN = "unknown"
    # A chat app's preview fetcher: the business's name and nothing more.
    PREVIEW = "preview"
    # The link asks for its access code and this browser has not entered it.
    CODE_REQUIRED = "code_required"
    EXPIRED = "expired"
    REVOKED = "revoked"
    CLOSED = "closed"

    def __init__(
        self,
        kind,
        link_sudo=None,
        urls=None,
        *,
        message=None,
        closed_page=None,
        path="/",
    ):
        super().__init__(kind)
        self.kind = kind
        self.link_sudo = link_sudo
        self.urls = urls
        self.message = message or None
        self.closed_page = closed_page
        self.path = path

    @property
    def serves_pdf(self):
        """Whether the link still serves its record's PDF (see ``_visit``)."""
        return bool(self.closed_page and self.closed_page[1].get("offers_pdf"))
