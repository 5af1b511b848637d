"""pytest glue: show what happened to the Odoo suite at the end of the run.

A machine without Odoo must never look green by accident: when the Odoo suite
was skipped, one loud line closes the report (just before pytest's own
short summary and stats).
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import odoo_suite  # noqa: E402


def pytest_configure(config):
    config.stash[odoo_suite.REPORT_KEY] = odoo_suite.Report()


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    report = config.stash.get(odoo_suite.REPORT_KEY, None)
    if report is None:
        return
    tr = terminalreporter
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
