"""scripts/odoo_setup.py and the strict test command, on small fake Odoo trees
(no Odoo needed)."""

import io
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

import odoo_setup  # noqa: E402

FAKE_REQUIREMENTS = (
    "Babel==2.10.3 ; python_version >= '3.11'\n"
    "cbor2==5.4.2 ; python_version < '3.12'\n"
    "cbor2==5.6.2 ; python_version >= '3.12'\n"
    "python-ldap==3.4.0 ; sys_platform != 'win32' and python_version < '3.12'\n"
    "pytz  # no version pinning\n"
)


def _fake_tree(root: Path, major=19) -> Path:
    base = root / "odoo" / "addons" / "base"
    base.mkdir(parents=True)
    (base / "__manifest__.py").write_text("{'name': 'Base'}\n")
    (root / "odoo" / "release.py").write_text(
        f"version_info = ({major}, 0, 0, 'final', 0, '')\n"
    )
    (root / "requirements.txt").write_text(FAKE_REQUIREMENTS)
    return root


def _fake_archive(tmp_path: Path, kind="tar.xz", major=19) -> Path:
    tree = _fake_tree(tmp_path / "src" / "odoo-19.0+e.20251227", major=major)
    archive = tmp_path / f"odoo.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(archive, "w") as handle:
            for path in tree.rglob("*"):
                handle.write(path, path.relative_to(tree.parent))
    else:
        mode = {"tar.xz": "w:xz", "tar.gz": "w:gz"}[kind]
        with tarfile.open(archive, mode) as handle:
            handle.add(tree, arcname=tree.name)
    return archive


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("JINGJAI_CACHE_DIR", str(folder))
    monkeypatch.delenv("ODOO_SOURCE", raising=False)
    return folder


@pytest.fixture
def pip_calls(monkeypatch):
    calls = []

    def fake_run(cmd, **kwargs):
        calls.append((cmd, Path(cmd[-1]).read_text()))
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(odoo_setup.subprocess, "run", fake_run)
    return calls


def test_requirements_leave_out_python_ldap_and_take_a_cbor2_that_builds(tmp_path):
    text = odoo_setup.filtered_requirements(_fake_tree(tmp_path / "t"))
    assert "python-ldap" not in text
    assert "cbor2==5.4.6 ; python_version < '3.12'" in text
    assert "cbor2==5.6.2 ; python_version >= '3.12'" in text
    assert "Babel==2.10.3" in text and "pytz" in text


@pytest.mark.parametrize("kind", ["tar.xz", "tar.gz", "zip"])
def test_archive_unpacks_once_into_the_cache_and_is_reused(
    tmp_path, cache, pip_calls, kind
):
    archive = _fake_archive(tmp_path, kind)
    tree = odoo_setup.ensure_odoo(archive)
    assert tree.is_relative_to(cache)
    assert (tree / "odoo" / "addons" / "base" / "__manifest__.py").is_file()
    assert len(pip_calls) == 1
    cmd, requirements = pip_calls[0]
    assert cmd[:4] == [sys.executable, "-m", "pip", "install"]
    assert "python-ldap" not in requirements

    marker = tree / "odoo" / "release.py"
    mtime = marker.stat().st_mtime_ns
    assert odoo_setup.ensure_odoo(archive) == tree
    assert marker.stat().st_mtime_ns == mtime, "unpacked a second time"
    assert len(pip_calls) == 1, "installed the requirements a second time"


def test_an_unpacked_tree_is_used_in_place(tmp_path, cache, pip_calls):
    tree = _fake_tree(tmp_path / "odoo19")
    assert odoo_setup.ensure_odoo(tmp_path) == tree
    assert not cache.exists() or not any(cache.glob("odoo-*"))


def test_source_from_the_environment(tmp_path, cache, pip_calls, monkeypatch):
    archive = _fake_archive(tmp_path)
    monkeypatch.setenv("ODOO_SOURCE", str(archive))
    assert odoo_setup.known_source() == archive.resolve()
    monkeypatch.setenv("ODOO_SOURCE", str(tmp_path / "missing.tar.xz"))
    with pytest.raises(odoo_setup.SetupError, match="does not exist"):
        odoo_setup.known_source()


def test_another_odoo_version_is_refused(tmp_path, cache, pip_calls):
    with pytest.raises(odoo_setup.SetupError, match="is Odoo 18, not Odoo 19.0"):
        odoo_setup.ensure_odoo(_fake_archive(tmp_path, major=18))
    assert not pip_calls


def test_an_archive_without_odoo_is_refused(tmp_path, cache, pip_calls):
    archive = tmp_path / "other.tar.gz"
    with tarfile.open(archive, "w:gz") as handle:
        data = b"hello"
        info = tarfile.TarInfo("project/README")
        info.size = len(data)
        handle.addfile(info, io.BytesIO(data))
    with pytest.raises(odoo_setup.SetupError, match="holds no Odoo tree"):
        odoo_setup.ensure_odoo(archive)


def test_members_outside_the_folder_are_refused(tmp_path, cache, pip_calls):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as handle:
        info = tarfile.TarInfo("../../escaped.txt")
        info.size = 1
        handle.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(odoo_setup.SetupError, match="outside the folder"):
        odoo_setup.ensure_odoo(archive)
    assert not (tmp_path / "escaped.txt").exists()
    assert not list(cache.glob("odoo-*")), "half a tree left in the cache"


# ----------------------------------------------------------------------
# The test command is strict: with no Odoo at all it fails with one line.
# Run on a copy of tests/ and scripts/ whose parent has no shared/ folder.
# ----------------------------------------------------------------------


def _odoo_importable():
    probe = subprocess.run(
        [sys.executable, "-c", "import odoo.addons.base"],
        capture_output=True,
        cwd="/",
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        check=False,
    )
    return probe.returncode == 0


@pytest.fixture
def bare_checkout(tmp_path):
    if _odoo_importable():
        pytest.skip("odoo is importable on this machine: no way to be without it")
    root = tmp_path / "checkout"
    for name in ("tests", "scripts"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ODOO_PATH", "ODOO_SOURCE", "PYTHONPATH", "JINGJAI_PURE_ONLY")
    }
    env["JINGJAI_CACHE_DIR"] = str(tmp_path / "cache")
    return root, env


def _run_suite(root, env):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_odoo_suite.py", "-q"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_without_any_odoo_the_test_command_fails_saying_how(bare_checkout):
    root, env = bare_checkout
    result = _run_suite(root, env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert odoo_setup.HOW_TO_PROVIDE in result.stdout + result.stderr


def test_a_wrong_odoo_source_fails_saying_so(bare_checkout, tmp_path):
    root, env = bare_checkout
    env["ODOO_SOURCE"] = str(tmp_path / "nowhere.tar.gz")
    result = _run_suite(root, env)
    assert result.returncode == 2
    assert "ODOO_SOURCE=" in result.stdout and "does not exist" in result.stdout


def test_pure_only_is_an_explicit_choice(bare_checkout):
    root, env = bare_checkout
    env["JINGJAI_PURE_ONLY"] = "1"
    result = _run_suite(root, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ODOO SUITE NOT RUN" in result.stdout
