"""The add-on's Odoo tests, run by a real Odoo against a fresh database.

``test_install_clean`` installs ``jingjai_portal`` with Odoo's own runner
(``--test-enable``, its at_install tests inside the install); ``ODOO_TESTS``
below stands for every other Odoo test of the add-on, each its own item, run
by pytest-odoo against that database (odoo_items.py); then the module is
upgraded and uninstalled. The database and its filestore are dropped at the
end, even on failure (``JINGJAI_KEEP_DB=1`` keeps them).

See odoo_suite.py for the environment variables.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import odoo_items  # noqa: E402
import odoo_suite as S  # noqa: E402


@pytest.fixture(scope="module")
def odoo(request):
    session = odoo_items.odoo_session(request.config)
    if session is None:
        pytest.skip(S.PURE_ONLY_REASON)
    return session


def _install_usable(odoo):
    if not odoo.install_ok():
        pytest.fail(
            "not run: the install step did not finish (see test_install_clean); "
            + odoo.install().describe(),
            pytrace=False,
        )


def test_install_clean(odoo):
    res = odoo.install()
    text = res.text
    summary = S.parse_summary(text, odoo.db)
    problems = []
    if res.timed_out:
        problems.append(f"timed out after {S.TEST_RUN_TIMEOUT}s")
    elif res.returncode != 0:
        problems.append(f"odoo exited with code {res.returncode}")
    if summary is None:
        problems.append(
            'no "N failed, N error(s) of N tests when loading database '
            f"'{odoo.db}'\" summary line in the log"
        )
    elif summary.failed or summary.errors:
        problems.append(
            f"at_install tests: {summary.failed} failed, {summary.errors} error(s) "
            f"of {summary.run}"
        )
    bad_records = S.bad_records(text)
    if bad_records:
        problems.append(f"{len(bad_records)} ERROR/CRITICAL log record(s)")
    if problems:
        pytest.fail(
            "installing the add-on is not clean: "
            + "; ".join(problems)
            + f"\n{res.describe()}\n\n"
            + S.excerpt(text, bad_records),
            pytrace=False,
        )


# Every Odoo test of the add-on, one item each (conftest.py, odoo_items.py).
ODOO_TESTS = odoo_items.ODOO_TESTS


def test_upgrade_clean(odoo):
    _install_usable(odoo)
    res = odoo.upgrade()
    text = res.text
    bad = S.bad_records(text)
    warnings = S.warning_records_mentioning(text, "jingjai")
    problems = []
    if res.timed_out:
        problems.append("timed out")
    elif res.returncode != 0:
        problems.append(f"exit code {res.returncode}")
    if bad:
        problems.append(f"{len(bad)} ERROR/CRITICAL record(s)")
    if warnings:
        problems.append(f"{len(warnings)} WARNING record(s) mentioning jingjai")
    if problems:
        pytest.fail(
            f"-u {S.MODULE} not clean: "
            + "; ".join(problems)
            + f"\n{res.describe()}\n\n"
            + S.excerpt(text, bad + warnings),
            pytrace=False,
        )


def test_uninstall_clean(odoo):
    _install_usable(odoo)
    res, data = odoo.uninstall()
    if data is None:
        pytest.fail(
            f"the uninstall script printed no {S.UNINSTALL_RESULT_TAG} line\n"
            f"{res.describe()}\n\n{S.excerpt(res.text)}",
            pytrace=False,
        )
    problems = []
    if data.get("fatal"):
        problems.append("script crashed:\n" + data["fatal"])
    for step in data.get("steps", []):
        if not step["ok"]:
            problems.append(f"{step['step']} failed:\n{step['traceback']}")
    if data.get("state") != "uninstalled":
        problems.append(f"module state is {data.get('state')!r}, not 'uninstalled'")
    if data.get("views_mentioning_jingjai"):
        problems.append(
            f"views still mention jingjai: {data['views_mentioning_jingjai']}"
        )
    if data.get("module_xmlids"):
        problems.append(
            f"{data['module_xmlids']} ir.model.data record(s) of {S.MODULE} left"
            + (f" (menus: {data['menu_xmlids']})" if data.get("menu_xmlids") else "")
        )
    if data.get("model_left") or data.get("model_in_registry"):
        problems.append(f"model {S.MODEL} still exists after uninstall")
    if data.get("table_left"):
        problems.append(f"table {S.MODEL.replace('.', '_')} still exists")
    for model, outcome in (data.get("form_renders") or {}).items():
        if outcome not in ("ok", "absent"):
            problems.append(f"{model} form view no longer renders:\n{outcome}")
    if res.timed_out:
        problems.append("odoo shell timed out")
    elif res.returncode != 0:
        problems.append(f"odoo shell exit code {res.returncode}")
    bad = S.bad_records(res.text)
    if bad:
        problems.append(
            f"{len(bad)} ERROR/CRITICAL log record(s):\n" + S.excerpt(res.text, bad)
        )
    if problems:
        pytest.fail(
            "uninstall not clean:\n" + "\n".join(problems) + f"\n{res.describe()}",
            pytrace=False,
        )


# The add-on's test files named test_website_*.py, one item per test, on a
# second fresh database where the website and its shop are installed with the
# add-on (odoo_suite.WEBSITE): pages in the website's layout, tours there.
ODOO_WEBSITE_TESTS = odoo_items.ODOO_WEBSITE_TESTS
