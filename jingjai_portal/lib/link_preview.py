"""Link-preview fetchers of chat apps and social networks (plain Python).

A link pasted into LINE, Messenger, WhatsApp, Slack… is fetched at once by the
app's servers to draw a preview card: that fetch would be the link's "first
view", and the card (title, text, picture) would keep the customer's data in
the app's cache. Those fetchers get a page without data instead, and their
visit is not a view.

Each pattern is matched, case-insensitively, anywhere in the User-Agent. They
name the fetchers only, never the in-app browsers the customer reads the link
with: LINE's browser says ``Line/13.x``, Facebook's ``FBAN``/``FB_IAB``,
Instagram's ``Instagram``, and those are people.
"""

import re

# (who, pattern): the fetchers' own published or observed User-Agent tokens.
PREVIEW_AGENTS = (
    # LINE's preview fetcher, and its crawler.
    ("LINE", r"line-poker|linespider"),
    # Facebook and Messenger; also iMessage's and KakaoTalk's, which borrow it.
    ("Facebook", r"facebookexternalhit|facebot|facebookcatalog"),
    ("KakaoTalk", r"kakaotalk-scrap"),
    # WhatsApp's fetcher is the app itself: "WhatsApp/2.23.20.0 A" (it has no
    # in-app browser, links open in the phone's browser).
    ("WhatsApp", r"^whatsapp/"),
    ("Telegram", r"telegrambot"),
    ("Slack", r"slackbot|slack-imgproxy"),
    ("Twitter/X", r"twitterbot"),
    ("Discord", r"discordbot"),
    # Skype, and Teams, which fetches with Skype's preview service.
    ("Skype/Teams", r"skypeuripreview"),
    ("Microsoft (Teams, Outlook, Bing)", r"microsoftpreview|bingpreview|bingbot"),
    ("Google", r"googlebot|google-inspectiontool|googleother|google favicon"),
    ("Google", r"google web preview|feedfetcher-google|google-read-aloud"),
    ("Apple", r"applebot"),
    ("LinkedIn", r"linkedinbot"),
    ("Pinterest", r"pinterestbot|pinterest/0\."),
    ("Reddit", r"redditbot"),
    ("Mastodon", r"\(mastodon/"),
    ("Bluesky", r"bluesky cardyb"),
    ("Embedly, Iframely", r"embedly|iframely"),
    ("VK", r"vkshare"),
)

_PREVIEW_AGENT = re.compile(
    "|".join(f"(?:{pattern})" for _who, pattern in PREVIEW_AGENTS), re.IGNORECASE
)


def is_link_preview(user_agent) -> bool:
    """Whether ``user_agent`` is a known link-preview fetcher."""
    return bool(user_agent) and bool(_PREVIEW_AGENT.search(str(user_agent)))
