"""Tests for jingjai_portal/lib/tokens.py."""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from _lib_import import LIB_DIR, load

tokens = load("tokens")


def test_new_token_is_well_formed_and_of_documented_length():
    token = tokens.new_token()
    assert len(token) == tokens.TOKEN_LENGTH == 22
    assert tokens.is_well_formed(token)


def test_new_tokens_differ():
    assert len({tokens.new_token() for _ in range(100)}) == 100


def test_token_digest_is_sha256_hex_of_utf8():
    token = "abcdefghijklmnopqrstuv"
    digest = tokens.token_digest(token)
    assert digest == hashlib.sha256(token.encode("utf-8")).hexdigest()
    assert len(digest) == 64
    assert tokens.token_digest(token) == digest


def test_token_digest_differs_per_token():
    assert tokens.token_digest("a" * 22) != tokens.token_digest("b" * 22)


@pytest.mark.parametrize(
    "candidate",
    ["A" * 22, "z" * 22, "0123456789_-abcdefABCD", "-" * 22],
)
def test_is_well_formed_accepts_urlsafe_22_characters(candidate):
    assert tokens.is_well_formed(candidate)


@pytest.mark.parametrize(
    "candidate",
    [
        "",
        "A" * 21,
        "A" * 23,
        "A" * 21 + "=",
        "A" * 21 + "+",
        "A" * 21 + "/",
        "A" * 21 + " ",
        "A" * 21 + "\n",
        "A" * 21 + "é",
        "A" * 21 + "๑",
        None,
        12345,
        b"A" * 22,
        ["A" * 22],
    ],
)
def test_is_well_formed_rejects_everything_else(candidate):
    assert not tokens.is_well_formed(candidate)


def _lib_files():
    return sorted(LIB_DIR.rglob("*.py"))


def test_lib_has_modules():
    names = {path.name for path in _lib_files()}
    assert {"__init__.py", "tokens.py", "expiry.py", "phone.py"} <= names


@pytest.mark.parametrize("path", _lib_files(), ids=lambda path: path.name)
def test_lib_files_do_not_import_odoo(path):
    text = path.read_text(encoding="utf-8")
    assert "import odoo" not in text
    assert "from odoo" not in text


def test_loading_every_lib_module_does_not_import_odoo():
    # A fresh interpreter, because other tests in the session may load odoo.
    names = [path.stem for path in _lib_files() if path.stem != "__init__"]
    script = (
        "import sys\n"
        "from _lib_import import load\n"
        f"for name in {names!r}:\n"
        "    load(name)\n"
        "assert 'odoo' not in sys.modules, 'odoo was imported'\n"
        "assert 'jingjai_portal' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
