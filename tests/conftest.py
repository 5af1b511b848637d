"""pytest glue for the outer run (``python3 -m pytest tests``).

- The markers ``ODOO_TESTS`` and ``ODOO_WEBSITE_TESTS`` in test_odoo_suite.py
  become one item per Odoo test of the add-on (odoo_items.py), run on a
  database with the add-on alone or with the website and its shop.
- The end of the report says what happened to the Odoo suite: the
  ``odoo: N passed, N failed`` line that CI looks for, or, on a pure-only run,
  one loud NOT RUN line.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import odoo_items  # noqa: E402
import odoo_suite  # noqa: E402


def pytest_configure(config):
    config.stash[odoo_suite.REPORT_KEY] = odoo_suite.Report()
    config.addinivalue_line(
        "markers", "odoo_test: an Odoo test of the add-on, run by pytest-odoo"
    )


def pytest_collection_finish(session):
    # The upgrade check installs the previous release on its own database:
    # started now, it runs beside the Odoo suite instead of after it.
    if any(
        item.module.__name__ == "test_odoo_upgrade"
        for item in session.items
        if getattr(item, "module", None) is not None
    ):
        import test_odoo_upgrade

        test_odoo_upgrade.start_in_background()


def pytest_pycollect_makeitem(collector, name, obj):
    flavour = odoo_items.FLAVOUR_OF_MARKER.get(id(obj))
    if flavour is not None:
        return odoo_items.OdooTests.from_parent(collector, name=name, flavour=flavour)
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if isinstance(item, odoo_items.OdooTestItem):
        report = outcome.get_result()
        # One count per test: its call, or the setup that failed or skipped it.
        if report.when == "call" or (report.when == "setup" and not report.passed):
            counts = item.config.stash[odoo_suite.REPORT_KEY].odoo_counts
            counts[report.outcome] = counts.get(report.outcome, 0) + 1


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    report = config.stash.get(odoo_suite.REPORT_KEY, None)
    if report is None:
        return
    tr = terminalreporter
    counts = report.odoo_counts
    if counts:
        line = (
            f"odoo: {counts.get('passed', 0)} passed, {counts.get('failed', 0)} failed"
        )
        if counts.get("skipped"):
            line += f", {counts['skipped']} skipped"
        report.odoo_line = line
    if report.notes or report.warnings or report.odoo_line:
        tr.section("Odoo suite", sep="-")
        for line in report.notes:
            tr.write_line(line)
        for line in report.warnings:
            tr.write_line(f"WARNING: {line}", yellow=True, bold=True)
        if report.odoo_line:
            tr.write_line(report.odoo_line, bold=True)
    if report.not_run_reason:
        tr.write_line(odoo_suite.LOUD_NOT_RUN_LINE, red=True, bold=True)
