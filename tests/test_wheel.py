"""The add-on builds as OCA builds its add-ons: a wheel odoo-addon-jingjai_portal
made by the whool backend, versioned from the manifest, requiring what the
manifest requires; installed next to Odoo it imports as odoo.addons.jingjai_portal
with no --addons-path."""

import ast
import os
import subprocess
import sys
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import odoo_suite  # noqa: E402

ADDON = Path(__file__).resolve().parent.parent / "jingjai_portal"
MANIFEST = ast.literal_eval((ADDON / "__manifest__.py").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(ADDON),
        ],
        check=True,
        env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1"),
    )
    (path,) = out.glob("*.whl")
    return path


def _metadata(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return HeaderParser().parsestr(archive.read(name).decode())


def test_wheel_name_and_version_come_from_the_manifest(wheel):
    metadata = _metadata(wheel)
    assert metadata["Name"] == "odoo-addon-jingjai_portal"
    assert metadata["Version"] == MANIFEST["version"]
    assert (
        wheel.name
        == f"odoo_addon_jingjai_portal-{MANIFEST['version']}-py3-none-any.whl"
    )


def test_wheel_requires_odoo_19_and_the_manifest_python_dependencies(wheel):
    requires = sorted(_metadata(wheel).get_all("Requires-Dist"))
    expected = sorted(["odoo==19.0.*", *MANIFEST["external_dependencies"]["python"]])
    assert requires == expected


def test_wheel_holds_the_addon_under_odoo_addons(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    prefix = "odoo/addons/jingjai_portal/"
    for data_file in [*MANIFEST["data"], *MANIFEST.get("demo", [])]:
        assert prefix + data_file in names
    for must in ("__manifest__.py", "__init__.py", "i18n/th.po", "lib/tokens.py"):
        assert prefix + must in names
    assert not any(n.endswith((".pyc", "pyproject.toml")) for n in names)
    assert not [n for n in names if not n.startswith((prefix, "odoo_addon_"))]


def test_installed_wheel_imports_as_an_odoo_addon(wheel, tmp_path):
    location = odoo_suite.locate_odoo()
    if location is None:
        pytest.skip(odoo_suite.PURE_ONLY_REASON)
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    env = dict(location.env)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(target), env.get("PYTHONPATH", "")) if p
    )
    probe = (
        "import odoo.addons.jingjai_portal as m, odoo.modules.module as mm; "
        "print(m.__file__); print(mm.get_module_path('jingjai_portal'))"
    )
    result = subprocess.run(
        [location.python, "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,  # not the repository: only the wheel can provide it
        check=False,
    )
    assert result.returncode == 0, result.stderr
    module_file, module_path = result.stdout.split()
    assert module_file.startswith(str(target))
    assert module_path.startswith(str(target))
