"""pytest plugin loaded into the inner pytest-odoo run (``-p odoo_results_plugin``).

The outer run (``python3 -m pytest tests``) never imports Odoo: it starts a
second pytest, with pytest-odoo, against the freshly installed database, and
reads back what this plugin writes, one JSON object a line, to the file named
by ``JINGJAI_ODOO_RESULTS``:

- ``{"collected": [nodeid, ...]}`` once collection is done;
- ``{"nodeid", "when", "outcome", "longrepr", "sections", "duration"}`` for
  every report (setup, call, teardown, and each failed subtest);
- ``{"nodeid", "when": "logs", "errors": [...]}`` after each test: ERROR and
  CRITICAL log records that reached the root logger while it ran. Odoo's own
  runner counts those against the test; so does the outer run. Records a test
  expects (``assertLogs``, ``mute_logger``) never get there.

With ``JINGJAI_ODOO_COLLECT_ONLY=1`` nothing runs (``--collect-only``); only the
collected node ids are written.
"""

import json
import logging
import os

import pytest

RESULTS_PATH = os.environ.get("JINGJAI_ODOO_RESULTS")
MAX_SECTION = 20_000


def _write(data):
    if not RESULTS_PATH:
        return
    with open(RESULTS_PATH, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(data) + "\n")


class _ErrorRecords(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines = []

    def emit(self, record):
        try:
            self.lines.append(self.format(record))
        except Exception:  # a broken record must not break the test run
            self.lines.append(f"{record.levelname} {record.name}: {record.msg!r}")


def pytest_collection_finish(session):
    _write({"collected": [item.nodeid for item in session.items]})


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    handler = _ErrorRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        return (yield)
    finally:
        root.removeHandler(handler)
        _write({"nodeid": item.nodeid, "when": "logs", "errors": handler.lines})


def _reason(report):
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2])
    return str(report.longrepr) if report.longrepr else ""


def pytest_runtest_logreport(report):
    sections = []
    if report.failed:
        for title, content in report.sections:
            if "teardown" in title and report.when != "teardown":
                continue
            sections.append([title, content[-MAX_SECTION:]])
    _write(
        {
            "nodeid": report.nodeid,
            "when": report.when,
            "outcome": report.outcome,
            "longrepr": _reason(report),
            "sections": sections,
            "duration": report.duration,
        }
    )
