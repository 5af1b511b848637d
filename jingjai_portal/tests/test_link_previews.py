"""Link-preview fetchers (LINE, Facebook, Slack…) get no data and are no view."""

import re

from odoo.tests import BaseCase, HttpCase, tagged

from odoo.addons.jingjai_portal.lib.link_preview import (
    PREVIEW_AGENTS,
    is_link_preview,
)
from odoo.addons.jingjai_portal.tests.common import JingjaiPortalCommon

# The fetchers as they introduce themselves (published or observed strings).
FETCHERS = {
    "LINE": "facebookexternalhit/1.1;line-poker/1.0",
    "LINE crawler": "Mozilla/5.0 (compatible; Linespider/1.1; +https://lin.ee/4dwXkTH)",
    "Facebook": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Facebot": "Facebot",
    "iMessage": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 "
        "(KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 "
        "Facebot Twitterbot/1.0"
    ),
    "KakaoTalk": "facebookexternalhit/1.1; kakaotalk-scrap/1.0; +https://devtalk.kakao.com/",
    "WhatsApp": "WhatsApp/2.23.20.0 A",
    "WhatsApp iOS": "WhatsApp/2.2352.7 i",
    "Telegram": "TelegramBot (like TwitterBot)",
    "Slack": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Slack images": "Slack-ImgProxy (+https://api.slack.com/robots)",
    "Twitter/X": "Twitterbot/1.0",
    "Discord": "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "Skype": (
        "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 "
        "skype-url-preview@microsoft.com"
    ),
    "Teams/Outlook": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Chrome/112.0.0.0 Safari/537.36 Edg/112.0.1722.48 MicrosoftPreview/2.0 "
        "+https://aka.ms/MicrosoftPreview"
    ),
    "Bing": "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Google": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Google other": "Mozilla/5.0 (compatible; GoogleOther)",
    "Google favicon": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/49.0.2623.75 Safari/537.36 Google Favicon"
    ),
    "Google preview": "Mozilla/5.0 (en-us) AppleWebKit/525.13 Google Web Preview",
    "Google feeds": "FeedFetcher-Google; (+http://www.google.com/feedfetcher.html)",
    "Google read aloud": "Mozilla/5.0 (compatible; Google-Read-Aloud)",
    "Google inspection": "Mozilla/5.0 (compatible; Google-InspectionTool/1.0)",
    "Apple": "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Applebot/0.1",
    "LinkedIn": "LinkedInBot/1.0 (compatible; Mozilla/5.0; +http://www.linkedin.com)",
    "Pinterest": "Pinterest/0.2 (+https://www.pinterest.com/bot.html)",
    "Pinterestbot": "Mozilla/5.0 (compatible; Pinterestbot/1.0)",
    "Reddit": "Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)",
    "Mastodon": "http.rb/5.1.1 (Mastodon/4.2.0; +https://mastodon.social/)",
    "Bluesky": "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
    "Embedly": "Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)",
    "Iframely": "Iframely/1.3.1 (+https://iframely.com/docs/about)",
    "VK": "Mozilla/5.0 (compatible; vkShare; +http://vk.com/dev/Share)",
}
# People, in the browsers they open a link with, in-app browsers included.
PEOPLE = {
    "LINE in-app": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 Safari Line/13.19.0"
    ),
    "LINE Android": (
        "Mozilla/5.0 (Linux; Android 13; SM-A536E Build/TP1A.220624.014; wv) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 "
        "Mobile Safari/537.36 Line/13.20.1/IAB"
    ),
    "Facebook in-app": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/441.0.0.23.105;FBBV/1]"
    ),
    "Messenger in-app": (
        "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Chrome/119.0 Mobile Safari/537.36 [FB_IAB/Orca-Android;FBAV/433.0]"
    ),
    "Instagram": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 Instagram 307.0.0.34.111"
    ),
    "Safari": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
    ),
    "Chrome Android": (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Mobile Safari/537.36"
    ),
    "Samsung Internet": (
        "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, "
        "like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36"
    ),
    "Edge desktop": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0"
    ),
    "Python requests": "python-requests/2.31.0",
    "empty": "",
    "none": None,
}
LINE_PREVIEW = FETCHERS["LINE"]
HUMAN = PEOPLE["LINE in-app"]


@tagged("post_install", "-at_install")
class TestLinkPreviewAgents(BaseCase):
    """The pure list in lib/link_preview.py."""

    def test_fetchers_are_recognised(self):
        for who, user_agent in FETCHERS.items():
            with self.subTest(who=who):
                self.assertTrue(is_link_preview(user_agent), user_agent)

    def test_people_are_not_fetchers(self):
        for who, user_agent in PEOPLE.items():
            with self.subTest(who=who):
                self.assertFalse(is_link_preview(user_agent), user_agent)

    def test_every_pattern_has_an_example(self):
        for who, pattern in PREVIEW_AGENTS:
            with self.subTest(who=who, pattern=pattern):
                self.assertTrue(
                    any(
                        re.search(pattern, agent, re.IGNORECASE)
                        for agent in FETCHERS.values()
                    ),
                    f"no example of {pattern!r}",
                )


@tagged("post_install", "-at_install")
class TestLinkPreviewPages(JingjaiPortalCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_th.lang = "en_US"

    def _get(self, path, user_agent):
        response = self.url_open(
            path, headers={"User-Agent": user_agent}, allow_redirects=False
        )
        self.env.invalidate_all()
        return response

    def assertPreviewPage(self, response, secrets):
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("text/html"))
        self.assertEqual(response.headers.get("Cache-Control"), "no-store")
        self.assertIn("noindex", response.headers.get("X-Robots-Tag", ""))
        body = response.text
        self.assertIn("o_jingjai_portal_preview", body)
        self.assertIn('<meta name="robots" content="noindex, nofollow"', body)
        self.assertIn(f"<title>{self.company.name}</title>", body)
        self.assertIn(f'property="og:title" content="{self.company.name}"', body)
        for secret in secrets:
            self.assertNotIn(secret, body)

    def _quote_secrets(self):
        return [
            self.quote_th.name,
            self.customer_th.name,
            self.contact_th.name,
            self.product_goods.name,
            "Sign",
            "Decline",
            'csrf_token" value',
        ]

    def test_line_preview_of_a_quote_link_shows_nothing_and_is_no_view(self):
        """LINE draws its card from the business's name only; the customer's own
        first visit is still the first view.
        """
        link, token, _result = self._generate(self.quote_th)
        for path in (f"/p/{token}", f"/p/{token}/pdf"):
            with self.subTest(path=path):
                self.assertPreviewPage(
                    self._get(path, LINE_PREVIEW), self._quote_secrets()
                )
        self.assertFalse(link.visit_ids, "the preview was logged as a view")
        self.assertFalse(link.first_view_posted)
        self.assertFalse(self._link_notes(self.quote_th, "opened for the first time"))

        response = self._get(f"/p/{token}", HUMAN)
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.quote_th.name, response.text)
        self.assertEqual(link.view_count, 1)
        self.assertEqual(link.visit_ids.user_agent, HUMAN)
        notes = self._link_notes(self.quote_th, "opened for the first time")
        self.assertEqual(len(notes), 1)

    def test_every_fetcher_gets_the_preview_of_a_customer_link(self):
        link, token, _result = self._generate(self.customer_th)
        secrets = [
            self.customer_th.name,
            self.quote_th.name,
            self.invoice_th.name,
            self.order_th.name,
        ]
        for who, user_agent in FETCHERS.items():
            with self.subTest(who=who):
                self.assertPreviewPage(self._get(f"/p/{token}", user_agent), secrets)
        response = self._get(f"/p/{token}/invoice/{self.invoice_th.id}", LINE_PREVIEW)
        self.assertPreviewPage(response, secrets)
        self.assertFalse(link.visit_ids)

    def test_preview_of_a_code_or_dead_link_sends_nothing_and_says_nothing(self):
        """A link behind an access code sends no code to a fetcher; a revoked or
        expired one does not tell it so.
        """
        self.company.jingjai_portal_access_codes = True
        locked, locked_token, _result = self._generate(
            self.customer_th, require_code=True
        )
        expired, expired_token, _result = self._generate(self.customer_th)
        self._expire(expired)
        revoked, revoked_token, _result = self._generate(self.customer_th)
        revoked.action_revoke()
        bodies = set()
        for token in (locked_token, expired_token, revoked_token):
            response = self._get(f"/p/{token}", LINE_PREVIEW)
            self.assertPreviewPage(response, [self.customer_th.name])
            for text in ("expired", "revoked", "access code", "Request a new link"):
                self.assertNotIn(text, response.text)
            # Per request: nonces and CSRF tokens (whose value ends with the
            # second it was made: two requests a second apart differ); per asset
            # build: the bundles' URLs (regenerated when another test changed a
            # view or asset).
            bodies.add(
                re.sub(
                    r"(nonce|csrf_token)[^ >]*|[0-9a-f]{40}o[0-9]+|/web/assets/[^\"']*",
                    "",
                    response.text,
                )
            )
        self.assertEqual(len(bodies), 1, "the preview differs by the link's state")
        for link in (locked, expired, revoked):
            self.assertFalse(link.visit_ids)
        self.assertFalse(locked.access_code_ids)

    def test_unknown_token_is_still_not_found(self):
        response = self._get("/p/" + "A" * 22, LINE_PREVIEW)
        self.assertEqual(response.status_code, 404)
