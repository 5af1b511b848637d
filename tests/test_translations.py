"""The Thai translation is complete and keeps every placeholder (no Odoo needed)."""

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
