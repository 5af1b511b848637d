"""Each Odoo test of the add-on as its own item of the outer pytest run.

``tests/test_odoo_suite.py`` holds the markers ``ODOO_TESTS`` and
``ODOO_WEBSITE_TESTS``; conftest.py turns each into an :class:`OdooTests`
collector of the test files of its database kind (``odoo_suite.Flavour``).
Collecting asks pytest-odoo which tests the add-on has (no database needed);
running the first selected item of a kind installs the add-on in a fresh
database of that kind and runs every selected Odoo test of it in one
pytest-odoo process; each item then reports its own
outcome, with the test's own traceback and captured log on failure.

``python3 -m pytest tests -k test_revoked_link`` therefore installs, then runs
only the Odoo tests (and pure tests) whose name matches.
"""

from __future__ import annotations

import threading

import odoo_suite as S
import pytest

ODOO_TESTS = object()  # the markers: see test_odoo_suite.py
ODOO_WEBSITE_TESTS = object()
FLAVOUR_OF_MARKER = {id(ODOO_TESTS): S.MAIN, id(ODOO_WEBSITE_TESTS): S.WEBSITE}
SESSIONS_KEY = pytest.StashKey[dict]()
RUNS_KEY = pytest.StashKey[dict]()
COLLECTED_KEY = pytest.StashKey[tuple]()
MAX_FAILURE_TEXT = 40_000


def odoo_session(
    config: pytest.Config, flavour: S.Flavour = S.MAIN
) -> S.OdooSession | None:
    """The run's Odoo session of that flavour (a fresh database), created on
    first use and dropped when pytest ends. None with JINGJAI_PURE_ONLY=1."""
    sessions = config.stash.setdefault(SESSIONS_KEY, {})
    if flavour.name in sessions:
        return sessions[flavour.name]
    report = config.stash[S.REPORT_KEY]
    try:
        location = S.locate_odoo()
    except S.OdooUnavailable as exc:
        pytest.exit(str(exc), returncode=2)
    session = None
    if location is None:
        report.not_run_reason = S.PURE_ONLY_REASON
    else:
        session = S.OdooSession(location, flavour)
        modules = " + ".join((S.MODULE, *flavour.modules))
        if flavour is S.MAIN:
            report.note(
                f"Odoo: {location.how} (addons {location.odoo_addons_dir}); "
                f"add-on from {session.addons}"
            )
        report.note(f"database {session.db} ({modules}); logs in {session.log_dir}")
        config.add_cleanup(lambda: report.note(session.cleanup()))
        missing = session.check_addon_present()
        if missing:
            pytest.exit(missing, returncode=2)
    sessions[flavour.name] = session
    return session


def _collected(config: pytest.Config, session: S.OdooSession):
    """Node ids of every Odoo test of the add-on, collected once per run."""
    if COLLECTED_KEY not in config.stash:
        config.stash[COLLECTED_KEY] = session.collect()
    return config.stash[COLLECTED_KEY]


class OdooTestFailure(Exception):
    """An Odoo test failed in the pytest-odoo run; the text says how."""


class OdooTests(pytest.Collector):
    """Every Odoo test of the add-on, grouped by file and class as pytest-odoo
    names them (``jingjai_portal/tests/test_x.py::TestX::test_y``)."""

    def __init__(self, *, flavour, **kwargs):
        super().__init__(**kwargs)
        self.flavour = flavour

    def collect(self):
        session = odoo_session(self.config, self.flavour)
        if session is None:
            return []
        nodeids, res = _collected(self.config, session)
        if not nodeids:
            raise pytest.Collector.CollectError(
                "pytest-odoo collected no Odoo test of the add-on "
                f"({res.describe()}):\n{S.excerpt(res.text)}"
            )
        groups: dict[str, list[str]] = {}
        for nodeid in nodeids:
            filename = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
            if S.flavour_of(filename) is self.flavour:
                groups.setdefault(filename, []).append(nodeid)
        return [
            OdooTestFile.from_parent(self, name=filename, nodeids=ids)
            for filename, ids in groups.items()
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
                f"test?): {self._run()['result'].describe()}"
            )
        failures = [
            r for r in records if r.get("outcome") == "failed" or r.get("errors")
        ]
        if failures:
            raise OdooTestFailure(_failure_text(failures))
        skipped = [r for r in records if r.get("outcome") == "skipped"]
        if skipped:
            pytest.skip(skipped[0]["longrepr"])

    @property
    def flavour(self) -> S.Flavour:
        return self.parent.parent.parent.flavour

    def _run(self) -> dict:
        runs = self.config.stash.setdefault(RUNS_KEY, {})
        if self.flavour.name not in runs:
            runs[self.flavour.name] = _run_selected(self)
        return runs[self.flavour.name]

    def _records(self) -> list[dict] | None:
        run = self._run()
        if run.get("install_failed"):
            raise OdooTestFailure(
                "not run: installing the add-on failed "
                + (
                    "(see test_install_clean)"
                    if self.flavour is S.MAIN
                    else f"with {', '.join(self.flavour.modules)}: {run['install']}"
                )
            )
        return run["by_test"].get(self.inner_nodeid)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, OdooTestFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"[odoo] {self.inner_nodeid}"


def _run_selected(item: OdooTestItem) -> dict:
    """Run, in one pytest-odoo process, every Odoo item of ``item``'s database
    kind that this pytest run selected."""
    session = odoo_session(item.config, item.flavour)
    if not session.install_ok():
        install = session.install()
        return {
            "install_failed": True,
            "install": f"{install.describe()}\n{S.excerpt(install.text)}",
            "by_test": {},
        }
    nodeids = [
        i.inner_nodeid
        for i in item.session.items
        if isinstance(i, OdooTestItem) and i.flavour is item.flavour
    ]
    _install_the_others_meanwhile(item)
    result, by_test = session.run_odoo_tests(nodeids)
    return {"result": result, "by_test": by_test}


def _install_the_others_meanwhile(item: OdooTestItem) -> None:
    """Install the other databases' add-on while this kind's tests run.

    A test run keeps about one core busy; an install is the other half of the
    minutes the next kind would otherwise wait for. Their own run then finds
    the install done (or waits for it: ``OdooSession.install`` is locked).
    """
    flavours = {
        i.flavour
        for i in item.session.items
        if isinstance(i, OdooTestItem) and i.flavour is not item.flavour
    }
    for flavour in flavours:
        session = odoo_session(item.config, flavour)
        if session is not None and "install" not in session.results:
            threading.Thread(
                target=session.install, name=f"install-{flavour.name}", daemon=True
            ).start()


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
