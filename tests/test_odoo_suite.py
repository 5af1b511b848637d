"""The add-on's Odoo tests, run by a real Odoo against a fresh database.

One module-scoped fixture installs ``jingjai_portal`` with its tests enabled
(``--test-enable --test-tags /jingjai_portal``); the tests below then inspect
that run, upgrade the module, and uninstall it. The database and its filestore
are dropped at the end, even on failure (``JINGJAI_KEEP_DB=1`` keeps them).

See odoo_suite.py for the environment variables.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import odoo_suite as S  # noqa: E402


@pytest.fixture(scope="module")
def report(request):
    return request.config.stash[S.REPORT_KEY]


@pytest.fixture(scope="module")
def odoo(request, report):
    try:
        loc = S.locate_odoo()
    except S.OdooMisconfigured as exc:
        pytest.fail(str(exc), pytrace=False)
    if loc is None:
        report.not_run_reason = S.NOT_IMPORTABLE_REASON
        pytest.skip(S.NOT_IMPORTABLE_REASON)
    session = S.OdooSession(loc)
    report.note(
        f"Odoo: {loc.how} (addons {loc.odoo_addons_dir}); add-on from {session.addons}"
    )
    report.note(f"database {session.db}; logs in {session.log_dir}")
    request.addfinalizer(lambda: report.note(session.cleanup()))
    missing = session.check_addon_present()
    if missing:
        pytest.fail(missing, pytrace=False)
    session.install_and_test()
    return session


def _install_usable(odoo):
    res = odoo.results["install"]
    if res.timed_out or S.parse_summary(res.text, odoo.db) is None:
        pytest.fail(
            "not run: the install + test step did not finish (see "
            f"test_odoo_tests_green); {res.describe()}",
            pytrace=False,
        )


def test_odoo_tests_green(odoo, report):
    res = odoo.results["install"]
    text = res.text
    summary = S.parse_summary(text, odoo.db)
    skipped = S.skipped_tests(text)

    browser = S.browser_skip_lines(text)
    if browser:
        report.warn(
            "browser (tour) tests did NOT run properly - Chrome/websocket problem: "
            + " | ".join(dict.fromkeys(browser))
        )
    if skipped:
        report.warn(f"{len(skipped)} Odoo test(s) skipped: " + " | ".join(skipped[:10]))

    problems = []
    if res.timed_out:
        problems.append(f"timed out after {S.TEST_RUN_TIMEOUT}s")
    if summary is None:
        problems.append(
            'no "N failed, N error(s) of N tests when loading database '
            f"'{odoo.db}'\" summary line in the log"
        )
    else:
        bad = summary.failed + summary.errors
        passed = max(summary.run - bad - len(skipped), 0)
        line = f"odoo: {passed} passed, {bad} failed"
        if skipped:
            line += f", {len(skipped)} skipped"
        report.odoo_line = line
        if summary.run == 0:
            problems.append(
                "Odoo ran 0 tests (are the tests imported in tests/__init__.py, "
                "and tagged so that --test-tags /jingjai_portal selects them?)"
            )
        if summary.failed or summary.errors:
            problems.append(
                f"{summary.failed} failed, {summary.errors} error(s) "
                f"of {summary.run} tests"
            )
    bad_records = S.bad_records(text)
    if bad_records:
        problems.append(f"{len(bad_records)} ERROR/CRITICAL log record(s)")
    if not res.timed_out and res.returncode != 0:
        problems.append(f"odoo exited with code {res.returncode}")

    if problems:
        pytest.fail(
            "Odoo suite not green: "
            + "; ".join(problems)
            + f"\n{res.describe()}\n\n"
            + S.excerpt(text, bad_records),
            pytrace=False,
        )


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
