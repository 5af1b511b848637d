"""Tests for jingjai_portal/lib/text.py: what visitors send, made fit to store."""

import pytest
from _lib_import import load

text = load("text")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("Somchai Jaidee", "Somchai Jaidee"),
        ("สมชาย ใจดี", "สมชาย ใจดี"),
        ("Mozilla/5.0\x00 (X11)", "Mozilla/5.0 (X11)"),
        ("a\x1b[31mb", "a[31mb"),
        ("a\x7fb\x85c", "abc"),
        ("a\u202eb\u2066c\u2069", "abc"),
        ("a\ud800b", "ab"),
        ("line\tone\r\nline two", "line one  line two"),
        (12, "12"),
    ],
)
def test_plain_text_drops_control_characters(raw, expected):
    assert text.plain_text(raw) == expected


def test_multiline_keeps_tabs_and_line_breaks():
    assert text.plain_text("a\tb\r\nc\x00", multiline=True) == "a\tb\r\nc"


@pytest.mark.parametrize("raw", ["a\x00b", "a\u202eb", "a\ud800b", "a\x0bb"])
def test_refuse_raises_instead_of_dropping(raw):
    with pytest.raises(text.ControlCharacterError):
        text.plain_text(raw, refuse=True)


def test_refuse_accepts_text_with_layout():
    assert text.plain_text("a\tb\nc", refuse=True) == "a b c"
    assert text.plain_text("a\tb\nc", multiline=True, refuse=True) == "a\tb\nc"
    # Zero-width joiners belong to emoji and some scripts: kept.
    assert text.plain_text("👩\u200d💻", refuse=True) == "👩\u200d💻"
