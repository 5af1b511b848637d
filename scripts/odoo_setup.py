#!/usr/bin/env python3
"""Make Odoo 19.0 usable on this machine from a source you name.

    python3 scripts/odoo_setup.py [SOURCE]     # prints the Odoo tree's path

SOURCE (or ``$ODOO_SOURCE``) is an Odoo 19.0 source package - a ``.tar.xz``,
``.tar.gz``/``.tgz`` or ``.zip`` such as Odoo's official nightly
``odoo_19.0.latest.tar.gz`` - or an unpacked source tree. Without either, the
team's copy beside the repository (``../shared/odoo/odoo-19.0-community-th.tar.xz``)
is used when it is there.

An archive is unpacked once into a cache folder outside the repository
(``$JINGJAI_CACHE_DIR``, default ``~/.cache/jingjai_portal``), in a folder named
after the archive's SHA-256, and reused on the next run. Odoo's Python
requirements are then installed into the running interpreter with pip, once
per interpreter and requirements file: python-ldap is left out (it needs the
OpenLDAP C headers and only serves ``auth_ldap``) and cbor2 5.4.2, which does
not build on Python 3.11, becomes 5.4.6.

The last line printed on stdout is the tree to use as ``ODOO_PATH`` (it holds
``odoo/`` and ``odoo/addons/base``); progress goes to stderr. Exit status 2
means no source was found (one line says how to give one), 1 that the set-up
failed.

Standard library only: ``tests/odoo_suite.py`` imports it, and the shell
scripts (``.ci/run``, ``scripts/demo``) run it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# The team's copy (see ../shared/odoo/README.md), found beside the repository.
SHARED_SOURCE = REPO_ROOT.parent / "shared" / "odoo" / "odoo-19.0-community-th.tar.xz"
ODOO_MAJOR = 19
OFFICIAL_SOURCE_HINT = (
    "https://nightly.odoo.com/19.0/nightly/src/odoo_19.0.latest.tar.gz"
)
HOW_TO_PROVIDE = (
    "Odoo 19.0 is not available: set ODOO_SOURCE to an Odoo 19.0 source package "
    f"or tree (e.g. {OFFICIAL_SOURCE_HINT}), or ODOO_PATH to an installed tree; "
    "JINGJAI_PURE_ONLY=1 runs the pure tests alone"
)
READY_MARKER = ".jingjai-requirements-installed"


class SetupError(RuntimeError):
    """The source exists but could not be turned into a usable Odoo."""


def log(message: str) -> None:
    print(f"[odoo-setup] {message}", file=sys.stderr, flush=True)


def cache_dir() -> Path:
    explicit = os.environ.get("JINGJAI_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "jingjai_portal"


def known_source() -> Path | None:
    """ODOO_SOURCE when set (it must exist), else the team's shared copy."""
    named = os.environ.get("ODOO_SOURCE", "").strip()
    if named:
        path = Path(named).expanduser()
        if not path.exists():
            raise SetupError(f"ODOO_SOURCE={named!r} does not exist")
        return path.resolve()
    if SHARED_SOURCE.is_file():
        return SHARED_SOURCE
    return None


def find_tree(root: Path) -> Path | None:
    """``root`` itself, or the folder at most two levels below it, that is an
    Odoo tree (official packages unpack to ``odoo-19.0+e.2025…/``)."""
    for pattern in ("", "*", "*/*"):
        for folder in sorted(root.glob(pattern)) if pattern else [root]:
            if (folder / "odoo" / "addons" / "base" / "__manifest__.py").is_file():
                return folder
    return None


def odoo_major(tree: Path) -> int | None:
    release = (tree / "odoo" / "release.py").read_text(encoding="utf-8")
    match = re.search(r"^version_info\s*=\s*\(\s*(?:'saas~)?(\d+)", release, re.M)
    return int(match.group(1)) if match else None


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def locked(folder: Path):
    """One set-up at a time per cache folder (two CI jobs, demo + tests)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _safe_members(archive: tarfile.TarFile, target: Path):
    for member in archive.getmembers():
        resolved = (target / member.name).resolve()
        if not str(resolved).startswith(str(target.resolve()) + os.sep):
            raise SetupError(f"archive member outside the folder: {member.name!r}")
        if member.issym() or member.islnk():
            # Odoo's source has no links; refusing them keeps the unpack inside.
            continue
        yield member


def unpack(archive_path: Path, target: Path) -> None:
    """Unpack into a temporary sibling folder, then rename: never half a tree."""
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=target.parent))
    try:
        if zipfile.is_zipfile(archive_path):
            with zipfile.ZipFile(archive_path) as archive:
                for name in archive.namelist():
                    resolved = (staging / name).resolve()
                    if not str(resolved).startswith(str(staging.resolve()) + os.sep):
                        raise SetupError(f"archive member outside the folder: {name!r}")
                archive.extractall(staging)
        elif tarfile.is_tarfile(archive_path):
            with tarfile.open(archive_path) as archive:
                archive.extractall(staging, members=_safe_members(archive, staging))
        else:
            raise SetupError(f"{archive_path} is neither a tar nor a zip archive")
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def tree_from_source(source: Path) -> Path:
    if source.is_dir():
        tree = find_tree(source)
        if tree is None:
            raise SetupError(f"{source} holds no Odoo tree (no odoo/addons/base)")
        return tree
    root = cache_dir()
    with locked(root):
        target = root / f"odoo-{file_digest(source)[:16]}"
        if not target.is_dir():
            log(f"unpacking {source} into {target} (once)")
            unpack(source, target)
        else:
            log(f"reusing {target}")
    tree = find_tree(target)
    if tree is None:
        raise SetupError(f"{source} unpacked, but holds no Odoo tree")
    return tree


def filtered_requirements(tree: Path) -> str:
    """Odoo's requirements.txt, less python-ldap, with a cbor2 that builds."""
    lines = []
    for line in (tree / "requirements.txt").read_text(encoding="utf-8").splitlines():
        name = re.split(r"[=<>!~;\s\[]", line.strip(), maxsplit=1)[0].lower()
        if name == "python-ldap":
            continue
        if name == "cbor2" and "5.4.2" in line:
            line = line.replace("5.4.2", "5.4.6")
        lines.append(line)
    return "\n".join(lines) + "\n"


def install_requirements(tree: Path) -> None:
    requirements = filtered_requirements(tree)
    key = hashlib.sha256(
        f"{sys.executable}\n{sys.version}\n{requirements}".encode()
    ).hexdigest()[:16]
    marker = tree / f"{READY_MARKER}-{key}"
    if marker.exists():
        return
    with locked(tree):
        if marker.exists():
            return
        log(f"installing Odoo's Python requirements for {sys.executable} (once)")
        with tempfile.NamedTemporaryFile(
            "w", suffix="-odoo-requirements.txt", delete=False
        ) as handle:
            handle.write(requirements)
        try:
            env = dict(os.environ, PIP_ROOT_USER_ACTION="ignore")
            result = subprocess.run(
                [sys.executable, "-m", "pip", "install", "-q", "-r", handle.name],
                env=env,
                check=False,
            )
        finally:
            os.unlink(handle.name)
        if result.returncode != 0:
            raise SetupError(
                f"pip could not install Odoo's requirements (exit {result.returncode})"
            )
        marker.write_text(requirements, encoding="utf-8")


def ensure_odoo(source: Path | None = None) -> Path:
    """Return a ready Odoo 19 tree; SetupError when none can be had."""
    source = source or known_source()
    if source is None:
        raise SetupError(HOW_TO_PROVIDE)
    tree = tree_from_source(source)
    major = odoo_major(tree)
    if major != ODOO_MAJOR:
        raise SetupError(f"{source} is Odoo {major}, not Odoo {ODOO_MAJOR}.0")
    install_requirements(tree)
    return tree


def main(argv: list[str]) -> int:
    try:
        source = Path(argv[1]).expanduser().resolve() if len(argv) > 1 else None
        if source is None and known_source() is None:
            print(HOW_TO_PROVIDE, file=sys.stderr)
            return 2
        tree = ensure_odoo(source)
    except SetupError as exc:
        print(f"[odoo-setup] {exc}", file=sys.stderr)
        return 1
    log(f"Odoo {ODOO_MAJOR}.0 ready: ODOO_PATH={tree}")
    print(tree)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
