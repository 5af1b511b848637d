from unittest import SkipTest
from urllib.parse import urlsplit

from lxml import html

from odoo.tests import HttpCase, tagged

from odoo.addons.jingjai_portal.lib.security_headers import SECURITY_HEADERS
from odoo.addons.jingjai_portal.tests.common import JingjaiPortalCommon
from odoo.addons.jingjai_portal.tests.quote_common import QuoteLinkCommon

# Where a visitor may go from a page below a link: the link itself, or the
# business's phone and email.
SAFE_SCHEMES = ("tel:", "mailto:")
# What the website's header and footer would offer, and must not here.
WAYS_OUT = ("/web/login", "/shop", "/my", "/contactus", "/odoo", "o_wsale_my_cart")


def _skip_without_website_sale(env):
    if env["ir.module.module"]._get("website_sale").state != "installed":
        raise SkipTest("website_sale is not installed on this database")


@tagged("post_install", "-at_install")
class TestPagesWithWebsite(JingjaiPortalCommon, HttpCase):
    """Every page below a link, with ``website`` and ``website_sale`` installed.

    The test command runs the files named ``test_website_*.py`` on a database
    of their own where ``website_sale`` is installed (tests/odoo_suite.py); on
    any other database they are skipped.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _skip_without_website_sale(cls.env)
        cls.website = cls.env["website"].get_current_website()
        cls.company.write(
            {
                "jingjai_portal_access_codes": True,
                "phone": "+66 2 999 9999",
                "email": "hello@aircon.example.com",
            }
        )
        cls.pages = {}
        _link, token, _result = cls._generate(cls.customer_th)
        cls.pages["customer"] = (token, "")
        cls.pages["customer order"] = (token, f"/order/{cls.order_th.id}")
        cls.pages["customer invoice"] = (token, f"/invoice/{cls.invoice_th.id}")
        _link, token, _result = cls._generate(cls.quote_en)
        cls.pages["quote"] = (token, "")
        _link, token, _result = cls._generate(cls.invoice_en)
        cls.pages["invoice"] = (token, "")
        link, token, _result = cls._generate(cls.customer_en)
        cls._expire(link)
        cls.pages["expired"] = (token, "")
        link, token, _result = cls._generate(cls.invoice_th)
        link.action_revoke()
        cls.pages["revoked"] = (token, "")
        quote = cls._create_quote(cls.customer_en)
        quote.action_quotation_sent()
        _link, token, _result = cls._generate(quote)
        quote._action_cancel()
        cls.pages["closed"] = (token, "")
        _link, token, _result = cls._generate(cls.customer_th, require_code=True)
        cls.pages["code"] = (token, "")

    def _get(self, path):
        response = self.url_open(path, allow_redirects=False)
        self.env.invalidate_all()
        return response

    def assertLinkPage(self, response, token, what):
        """Website layout, the /p/ headers, and no way out of the link."""
        for header, value in SECURITY_HEADERS.items():
            self.assertEqual(response.headers.get(header), value, f"{header} of {what}")
        document = html.fromstring(response.content)
        root = document.getroottree().getroot()
        self.assertEqual(
            root.get("data-website-id"),
            str(self.website.id),
            f"{what} is in the website's frontend layout",
        )
        self.assertFalse(document.xpath("//header[@id='top']"), f"{what}: header")
        self.assertFalse(document.xpath("//footer[@id='bottom']"), f"{what}: footer")
        self.assertTrue(document.xpath("//*[hasclass('o_jingjai_portal')]"), what)
        inside = f"/p/{token}" if token else None
        for element in document.xpath("//a[@href] | //form[@action]"):
            target = (element.get("href") or element.get("action")).strip()
            if not target or target.startswith("#") or target.startswith(SAFE_SCHEMES):
                continue
            parts = urlsplit(target)
            self.assertFalse(parts.netloc, f"{what} links to another site: {target}")
            self.assertTrue(
                inside
                and (parts.path == inside or parts.path.startswith(f"{inside}/")),
                f"{what} links out of the link: {target}",
            )
        for element in document.xpath(
            "//script[@src] | //img[@src] | //link[@rel='stylesheet']"
        ):
            source = element.get("src") or element.get("href")
            self.assertFalse(
                urlsplit(source).netloc, f"{what} loads {source} from elsewhere"
            )
        for canonical in document.xpath("//link[@rel='canonical']/@href"):
            # The website names the page's canonical URL: never the link's.
            self.assertEqual(urlsplit(canonical).path, "/p/", what)
        body = response.text
        for way_out in WAYS_OUT:
            self.assertNotIn(f'href="{way_out}', body, f"{what} offers {way_out}")
        self.assertNotIn("o_wsale_my_cart", body, f"{what} shows the cart")
        self.assertNotIn("o_header_language_selector", body, what)

    def test_every_page_in_the_website_layout(self):
        statuses = {
            "customer": 200,
            "customer order": 200,
            "customer invoice": 200,
            "quote": 200,
            "invoice": 200,
            "expired": 200,
            "revoked": 200,
            "closed": 200,
            "code": 200,
        }
        for what, (token, subpath) in self.pages.items():
            with self.subTest(page=what):
                response = self._get(f"/p/{token}{subpath}")
                self.assertEqual(response.status_code, statuses[what], what)
                self.assertLinkPage(response, token, what)
        self.assertIn(
            "This link has expired", self._get(f"/p/{self.pages['expired'][0]}").text
        )
        self.assertIn(
            "This link has been revoked",
            self._get(f"/p/{self.pages['revoked'][0]}").text,
        )

    def test_not_found_page(self):
        for path in ("/p/AAAAAAAAAAAAAAAAAAAAAA", "/p/short", "/p/x/y/z/w/v"):
            with self.subTest(path=path):
                response = self._get(path)
                self.assertEqual(response.status_code, 404)
                self.assertLinkPage(response, None, path)
                self.assertIn("Page not found", response.text)

    def test_request_a_new_link_page(self):
        token = self.pages["expired"][0]
        page = html.fromstring(self._get(f"/p/{token}").content)
        csrf = page.xpath("//form//input[@name='csrf_token']/@value")[0]
        response = self.url_open(
            f"/p/{token}/request-link",
            data={"csrf_token": csrf},
            allow_redirects=False,
            method="POST",
        )
        self.assertEqual(response.status_code, 200)
        self.assertLinkPage(response, token, "request-link")
        self.assertIn("we got your request", response.text)

    def test_page_speaks_the_customers_language(self):
        """The website's language (English) does not override the customer's."""
        token, _subpath = self.pages["customer"]
        document = html.fromstring(self._get(f"/p/{token}").content)
        self.assertEqual(document.getroottree().getroot().get("lang"), "th-TH")

    def test_dot_segments_are_not_found(self):
        """Crafted paths with "." or ".." segments (browsers never send them) get a
        404 with the /p/ headers, not the website's error on their canonical URL.
        """
        token, _subpath = self.pages["customer"]
        for path in (
            f"/p/{token}/%2e%2e/pdf",
            f"/p/..%2f{token}",
            f"/p/{token}%2f..%2f..%2fweb",
            f"/p/{token}/invoice/%2e%2e%2f{self.invoice_th.id}",
            "/p/%2e%2e/%2e%2e/web/database/manager",
        ):
            with self.subTest(path=path):
                response = self._get(path)
                self.assertEqual(response.status_code, 404)
                for header, value in SECURITY_HEADERS.items():
                    self.assertEqual(response.headers.get(header), value, header)


@tagged("post_install", "-at_install")
class TestQuoteTourWithWebsite(QuoteLinkCommon, HttpCase):
    """The customer's tour in Chromium, with the website's frontend assets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _skip_without_website_sale(cls.env)
        cls.customer_th.lang = "en_US"
        cls.quote_link, cls.quote_token, _result = cls._generate(cls.quote_th)

    def test_customer_signs_with_a_finger_in_chromium(self):
        self.start_tour(f"/p/{self.quote_token}", "jingjai_portal_quote_sign")
        self.assertEqual(self.quote_th.state, "sale")
        self.assertEqual(self.quote_th.signed_by, "Somchai Jaidee")
        self.assertTrue(self.quote_th.signature)
