"""The Thai translation is complete and keeps every placeholder (no Odoo needed)."""

import html
import re
from pathlib import Path

import polib
import pytest

I18N = Path(__file__).resolve().parent.parent / "jingjai_portal" / "i18n"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%s|%d|\{\{.*?\}\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")

template = polib.pofile(str(I18N / "jingjai_portal.pot"))
thai = {entry.msgid: entry for entry in polib.pofile(str(I18N / "th.po"))}


def test_template_is_not_empty():
    assert len(template) > 100


@pytest.mark.parametrize("msgid", [entry.msgid for entry in template])
def test_every_string_has_a_thai_translation(msgid):
    entry = thai.get(msgid)
    assert entry is not None and entry.msgstr.strip(), f"no Thai for: {msgid!r}"
    assert sorted(PLACEHOLDER.findall(entry.msgstr)) == sorted(
        PLACEHOLDER.findall(msgid)
    ), f"placeholders differ in: {msgid!r}"
    assert len(TAG.findall(entry.msgstr)) == len(TAG.findall(msgid)), (
        f"HTML tags differ in: {msgid!r}"
    )


# ------------------------------------------------------------------
# The .pot is current for what customers read: every text of the portal
# pages (QWeb) and of the mail templates is one of its msgids, so the test
# above covers it. Catches a page or email edited without re-exporting.
# ------------------------------------------------------------------

ADDON = I18N.parent
CUSTOMER_FACING_XML = sorted(
    [*ADDON.glob("views/*templates.xml"), ADDON / "data" / "mail_template_data.xml"]
)
LETTERS = re.compile(r"[A-Za-z]{2,}")
SPACES = re.compile(r"\s+")


def _normalized(text):
    return SPACES.sub(" ", text).strip()


def _texts(path):
    """Text nodes of ``path`` that a reader sees (not code, not attributes)."""
    from lxml import etree

    tree = etree.parse(str(path))
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style"):
            continue
        if element.get("name") in ("subject", "email_from", "email_to", "partner_to"):
            continue  # inline templates, exported as whole fields
        if element.xpath("ancestor-or-self::*[@t-translation='off']"):
            continue  # written in both languages on purpose
        for text in (element.text, element.tail):
            text = _normalized(text or "")
            if LETTERS.search(text) and "{{" not in text:
                yield text


POT_TEXT = _normalized(
    " ".join(html.unescape(TAG.sub(" ", entry.msgid)) for entry in template)
).replace(" ", "")


@pytest.mark.parametrize(
    "path", CUSTOMER_FACING_XML, ids=[path.name for path in CUSTOMER_FACING_XML]
)
def test_customer_facing_texts_are_in_the_pot(path):
    missing = [text for text in _texts(path) if text.replace(" ", "") not in POT_TEXT]
    assert not missing, (
        f"{path.name}: texts missing from jingjai_portal.pot (re-export it, then "
        f"translate th.po): {missing[:10]}"
    )
