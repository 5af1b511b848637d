"""Each Odoo test of the add-on as its own item of the outer pytest run.

``tests/test_odoo_suite.py`` holds the marker ``ODOO_TESTS``; conftest.py turns
it into an :class:`OdooTests` collector. Collecting asks pytest-odoo which
tests the add-on has (no database needed); running the first selected item
installs the add-on in a fresh database (if not done yet) and runs every
selected Odoo test in one pytest-odoo process; each item then reports its own
outcome, with the test's own traceback and captured log on failure.

``python3 -m pytest tests -k test_revoked_link`` therefore installs, then runs
only the Odoo tests (and pure tests) whose name matches.
"""

from __future__ import annotations

import odoo_suite as S
import pytest

ODOO_TESTS = object()  # the marker: see test_odoo_suite.py
SESSION_KEY = pytest.StashKey["S.OdooSession"]()
RUN_KEY = pytest.StashKey[dict]()
MAX_FAILURE_TEXT = 40_000


def odoo_session(config: pytest.Config) -> S.OdooSession | None:
    """The run's one Odoo session (fresh database), created on first use and
    dropped when pytest ends. None with JINGJAI_PURE_ONLY=1."""
    if SESSION_KEY in config.stash:
        return config.stash[SESSION_KEY]
    report = config.stash[S.REPORT_KEY]
    try:
        location = S.locate_odoo()
    except S.OdooUnavailable as exc:
        pytest.exit(str(exc), returncode=2)
    session = None
    if location is None:
        report.not_run_reason = S.PURE_ONLY_REASON
    else:
        session = S.OdooSession(location)
        report.note(
            f"Odoo: {location.how} (addons {location.odoo_addons_dir}); "
            f"add-on from {session.addons}"
        )
        report.note(f"database {session.db}; logs in {session.log_dir}")
        config.add_cleanup(lambda: report.note(session.cleanup()))
        missing = session.check_addon_present()
        if missing:
            pytest.exit(missing, returncode=2)
    config.stash[SESSION_KEY] = session
    return session


class OdooTestFailure(Exception):
    """An Odoo test failed in the pytest-odoo run; the text says how."""


class OdooTests(pytest.Collector):
    """Every Odoo test of the add-on, grouped by file and class as pytest-odoo
    names them (``jingjai_portal/tests/test_x.py::TestX::test_y``)."""

    def collect(self):
        session = odoo_session(self.config)
        if session is None:
            return []
        nodeids, res = session.collect()
        if not nodeids:
            raise pytest.Collector.CollectError(
                "pytest-odoo collected no Odoo test of the add-on "
                f"({res.describe()}):\n{S.excerpt(res.text)}"
            )
        groups: dict[str, list[str]] = {}
        for nodeid in nodeids:
            groups.setdefault(nodeid.split("::", 1)[0], []).append(nodeid)
        return [
            OdooTestFile.from_parent(self, name=path.rsplit("/", 1)[-1], nodeids=ids)
            for path, ids in groups.items()
        ]


class OdooTestFile(pytest.Collector):
    def __init__(self, *, nodeids, **kwargs):
        super().__init__(**kwargs)
        self.nodeids = nodeids

    def collect(self):
        classes: dict[str, list[str]] = {}
        for nodeid in self.nodeids:
            classes.setdefault(nodeid.split("::")[1], []).append(nodeid)
        return [
            OdooTestClass.from_parent(self, name=name, nodeids=ids)
            for name, ids in classes.items()
        ]


class OdooTestClass(pytest.Collector):
    def __init__(self, *, nodeids, **kwargs):
        super().__init__(**kwargs)
        self.nodeids = nodeids

    def collect(self):
        return [
            OdooTestItem.from_parent(
                self, name=nodeid.rsplit("::", 1)[-1], inner_nodeid=nodeid
            )
            for nodeid in self.nodeids
        ]


class OdooTestItem(pytest.Item):
    def __init__(self, *, inner_nodeid, **kwargs):
        super().__init__(**kwargs)
        self.inner_nodeid = inner_nodeid
        self.add_marker("odoo_test")

    def runtest(self):
        records = self._records()
        if records is None:
            raise OdooTestFailure(
                "not reported by the pytest-odoo run (it stopped before this "
                f"test?): {self.config.stash[RUN_KEY]['result'].describe()}"
            )
        failures = [
            r for r in records if r.get("outcome") == "failed" or r.get("errors")
        ]
        if failures:
            raise OdooTestFailure(_failure_text(failures))
        skipped = [r for r in records if r.get("outcome") == "skipped"]
        if skipped:
            pytest.skip(skipped[0]["longrepr"])

    def _records(self) -> list[dict] | None:
        if RUN_KEY not in self.config.stash:
            self.config.stash[RUN_KEY] = _run_selected(self)
        run = self.config.stash[RUN_KEY]
        if run.get("install_failed"):
            raise OdooTestFailure(
                "not run: installing the add-on failed (see test_install_clean)"
            )
        return run["by_test"].get(self.inner_nodeid)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, OdooTestFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"[odoo] {self.inner_nodeid}"


def _run_selected(item: OdooTestItem) -> dict:
    """Run, in one pytest-odoo process, every Odoo item this pytest run selected."""
    session = odoo_session(item.config)
    if not session.install_ok():
        return {"install_failed": True, "by_test": {}}
    nodeids = [
        i.inner_nodeid for i in item.session.items if isinstance(i, OdooTestItem)
    ]
    result, by_test = session.run_odoo_tests(nodeids)
    return {"result": result, "by_test": by_test}


def _failure_text(records: list[dict]) -> str:
    parts = []
    for record in records:
        if record.get("errors"):
            parts.append(
                "ERROR/CRITICAL log records while the test ran (Odoo's runner "
                "fails a test on them too):\n" + "\n".join(record["errors"])
            )
            continue
        parts.append(f"--- {record['when']} ---\n{record['longrepr']}")
        for title, content in record.get("sections", []):
            parts.append(f"--- {title} ---\n{content}")
    text = "\n\n".join(parts)
    if len(text) > MAX_FAILURE_TEXT:
        text = text[:MAX_FAILURE_TEXT] + "\n... (cut; the whole run's log is kept)"
    return text
