"""Drive the add-on's Odoo tests from pytest (helper module, not a test file).

Everything Odoo runs in a subprocess: the outer pytest process never imports
``odoo`` itself, so a broken Odoo cannot take the pure tests down with it, and
pytest-odoo's plugin (which needs a database from its first line) is kept out
of the outer run (``-p no:odoo`` in pyproject.toml).

The steps, on one fresh database:

1. Odoo's own runner installs the add-on with ``--test-enable`` and runs its
   ``at_install`` tests (the only kind pytest-odoo cannot host: they must run
   inside the install, before the post-install modules load).
2. pytest-odoo runs every other Odoo test of the add-on against that
   database, with its HTTP server for HttpCase and the Chromium tours; the
   outer run shows each as its own item (see ``odoo_items.py``).
3. ``-u`` and an uninstall are checked, then the database is dropped.

Environment variables:

``ODOO_PATH``
    An Odoo 19.0 source tree (containing ``odoo/``), used when ``odoo`` is not
    importable as is; it is put on the subprocesses' PYTHONPATH.
``ODOO_SOURCE``
    An Odoo 19.0 source package or tree to set Odoo up from when it is neither
    importable nor given by ODOO_PATH (see ``scripts/odoo_setup.py``; the
    team's copy in ``../shared/odoo/`` is used when it is there).
``JINGJAI_PURE_ONLY=1``
    Run the pure tests only, on purpose: the Odoo suite is reported NOT RUN.
    Without it, a machine where no Odoo can be had fails the run.
``JINGJAI_ADDONS_DIR``
    The directory holding the ``jingjai_portal`` add-on (default: the repo root).
``JINGJAI_KEEP_DB=1``
    Keep the test database and its data dir (filestore) for debugging.
``JINGJAI_TEST_LOG_DIR``
    Where the logs go (default: ``<repo>/.odoo-test-logs``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO_ROOT / "scripts"))

import odoo_setup  # noqa: E402

MODULE = "jingjai_portal"
MODEL = "jingjai.portal.link"

PURE_ONLY_REASON = (
    "JINGJAI_PURE_ONLY=1: the Odoo suite was NOT run (pure tests only, on purpose)"
)
LOUD_NOT_RUN_LINE = (
    "!!!!!!!!!! ODOO SUITE NOT RUN: JINGJAI_PURE_ONLY=1, only the pure tests "
    "ran !!!!!!!!!!"
)

# Subprocess time limits, in seconds.
TEST_RUN_TIMEOUT = 40 * 60
OTHER_TIMEOUT = 10 * 60
PROBE_TIMEOUT = 120

# One Odoo log record starts with "2025-01-31 12:34:56,789 4242 LEVEL db logger: msg".
RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ \d+ ")
BAD_RECORD = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ \d+ (ERROR|CRITICAL) ")
WARNING_RECORD = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ \d+ WARNING ")
# odoo/tests/result.py: OdooTestResult.__str__ + odoo/service/server.py:
#   "%s when loading database %r"
SUMMARY = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database '([^']*)'"
)

UNINSTALL_RESULT_TAG = "JINGJAI_UNINSTALL_RESULT"


def truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


# --------------------------------------------------------------------------
# Locating Odoo
# --------------------------------------------------------------------------


class OdooUnavailable(RuntimeError):
    """No Odoo can be had, or the one named does not work: the run fails."""


@dataclass
class OdooLocation:
    python: str
    env: dict[str, str] = field(repr=False)
    odoo_addons_dir: str
    how: str  # "importable", "ODOO_PATH=..." or "set up from ..."

    def odoo_cmd(self, *args: str) -> list[str]:
        return [self.python, "-m", "odoo", *args]


_PROBE = r"""
import os, odoo
for p in list(odoo.__path__):
    if os.path.isdir(os.path.join(p, 'addons', 'base')):
        print('ADDONS=' + os.path.join(p, 'addons'))
        break
else:
    raise SystemExit('odoo found at %r but it has no addons/base' % list(odoo.__path__))
"""


def _probe(python: str, env: dict[str, str]) -> str | None:
    try:
        res = subprocess.run(
            [python, "-c", _PROBE],
            env=env,
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT,
            cwd=tempfile.gettempdir(),  # not the repo: no accidental local 'odoo'
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if res.returncode != 0:
        return None
    for line in res.stdout.splitlines():
        if line.startswith("ADDONS="):
            return line[len("ADDONS=") :]
    return None


def _with_path(env: dict[str, str], odoo_path: str) -> dict[str, str]:
    env = dict(env)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (odoo_path, env.get("PYTHONPATH", "")) if p
    )
    return env


_location_cache: dict[str, OdooLocation | None] = {}
# The upgrade check locates Odoo from a thread while the suite does (its first
# call may set Odoo up from a source package: once).
_location_lock = threading.Lock()


def locate_odoo() -> OdooLocation | None:
    """Find Odoo without importing it here, setting it up from a known source
    when it is missing. None only with JINGJAI_PURE_ONLY=1.

    Raises OdooUnavailable, with one line saying how to provide Odoo, when none
    can be had, and when ODOO_PATH or ODOO_SOURCE is set but unusable.
    """
    with _location_lock:
        if "loc" not in _location_cache:
            _location_cache["loc"] = None if truthy("JINGJAI_PURE_ONLY") else _locate()
        return _location_cache["loc"]


def _locate() -> OdooLocation:
    python = sys.executable or shutil.which("python3") or "python3"
    env = dict(os.environ)
    addons = _probe(python, env)
    if addons:
        return OdooLocation(python, env, addons, "importable")
    odoo_path = os.environ.get("ODOO_PATH")
    if odoo_path:
        addons = _probe(python, _with_path(env, odoo_path))
        if addons:
            return OdooLocation(
                python, _with_path(env, odoo_path), addons, f"ODOO_PATH={odoo_path}"
            )
        raise OdooUnavailable(
            f"ODOO_PATH={odoo_path!r} is set, but `{python} -c 'import odoo'` with "
            "it on PYTHONPATH fails (or has no addons/base): fix ODOO_PATH or unset it"
        )
    try:
        source = odoo_setup.known_source()
        if source is None:
            raise OdooUnavailable(odoo_setup.HOW_TO_PROVIDE)
        tree = str(odoo_setup.ensure_odoo(source))
    except odoo_setup.SetupError as exc:
        raise OdooUnavailable(str(exc)) from exc
    addons = _probe(python, _with_path(env, tree))
    if not addons:
        raise OdooUnavailable(
            f"Odoo was set up from {source} into {tree}, but `import odoo` fails there"
        )
    return OdooLocation(python, _with_path(env, tree), addons, f"set up from {source}")


def addons_dir() -> Path:
    return Path(os.environ.get("JINGJAI_ADDONS_DIR") or REPO_ROOT).resolve()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------
# Log parsing
# --------------------------------------------------------------------------


def split_records(text: str) -> list[list[str]]:
    """Group log lines into records: a timestamped line plus its continuation
    lines (tracebacks, multi-line messages). Lines before the first record
    (e.g. "Running as user 'root'...") form a record of their own."""
    records: list[list[str]] = []
    for line in text.splitlines():
        if RECORD_START.match(line) or not records:
            records.append([line])
        else:
            records[-1].append(line)
    return records


def bad_records(text: str) -> list[list[str]]:
    return [r for r in split_records(text) if BAD_RECORD.match(r[0])]


def warning_records_mentioning(text: str, needle: str) -> list[list[str]]:
    needle = needle.lower()
    return [
        r
        for r in split_records(text)
        if WARNING_RECORD.match(r[0]) and needle in "\n".join(r).lower()
    ]


@dataclass
class Summary:
    failed: int
    errors: int
    run: int
    db: str


def parse_summary(text: str, db: str) -> Summary | None:
    found = None
    for m in SUMMARY.finditer(text):
        if m.group(4) == db:
            found = Summary(int(m.group(1)), int(m.group(2)), int(m.group(3)), db)
    return found


def excerpt(text: str, records: list[list[str]] | None = None, limit: int = 200) -> str:
    """The relevant part of a log for an assertion message: the given records
    (default: ERROR/CRITICAL ones, which include Odoo's FAIL:/ERROR: test
    reports and their tracebacks), or the log's tail when there are none."""
    if records is None:
        records = bad_records(text)
    lines: list[str] = []
    for rec in records:
        lines.extend(rec)
        if len(lines) >= limit:
            break
    if not lines:
        tail = text.splitlines()[-60:]
        lines = ["(no ERROR/CRITICAL record; last lines of the log:)", *tail]
    if len(lines) > limit:
        lines = [*lines[:limit], f"... ({len(lines) - limit} more lines cut)"]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Running Odoo
# --------------------------------------------------------------------------


@dataclass
class RunResult:
    cmd: list[str]
    returncode: int | None  # None: timed out
    log_path: Path
    seconds: float
    timed_out: bool = False

    @property
    def text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def describe(self) -> str:
        status = "TIMED OUT" if self.timed_out else f"exit code {self.returncode}"
        return (
            f"{status} after {self.seconds:.0f}s; full log: {self.log_path}\n"
            f"command: {' '.join(self.cmd)}"
        )


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def run_logged(
    cmd: list[str],
    log_path: Path,
    env: dict[str, str],
    timeout: float,
    stdin_text: str | None = None,
) -> RunResult:
    """Run cmd with stdout+stderr going to log_path (nothing streamed)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    with open(log_path, "wb") as log:
        log.write(("$ " + " ".join(cmd) + "\n").encode())
        log.flush()
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=str(REPO_ROOT),
            start_new_session=True,  # own process group: a timeout kills it all
        )
        try:
            if stdin_text is not None:
                proc.communicate(stdin_text.encode(), timeout=timeout)
            else:
                proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            return RunResult(cmd, None, log_path, time.monotonic() - t0, True)
    return RunResult(cmd, proc.returncode, log_path, time.monotonic() - t0)


def read_jsonl(path: Path) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [json.loads(line) for line in lines if line.strip()]


def _prune_old_logs(root: Path, keep: int = 5) -> None:
    try:
        dirs = sorted(
            (p for p in root.iterdir() if p.is_dir() and p.name.startswith(MODULE)),
            key=lambda p: p.stat().st_mtime,
        )
    except OSError:
        return
    for old in dirs[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


UNINSTALL_SCRIPT = r"""
import json, traceback
import odoo
result = {"steps": []}
def step(name, fn):
    try:
        value = fn()
        result["steps"].append({"step": name, "ok": True})
        return value
    except Exception:
        result["steps"].append({"step": name, "ok": False,
                                "traceback": traceback.format_exc()})
        return None
try:
    mod = env["ir.module.module"].search([("name", "=", MODULE)])
    result["state_before"] = mod.state
    step("button_immediate_uninstall", lambda: mod.button_immediate_uninstall())
    env.cr.commit()
    # button_immediate_uninstall rebuilt the registry; use a fresh env on it.
    registry = odoo.modules.registry.Registry(env.cr.dbname)
    with registry.cursor() as cr:
        e = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        m = e["ir.module.module"].search([("name", "=", MODULE)])
        result["state"] = m.state
        cr.execute("SELECT id, name FROM ir_ui_view WHERE arch_db::text ILIKE %s",
                   ("%jingjai%",))
        result["views_mentioning_jingjai"] = [list(r) for r in cr.fetchall()]
        result["module_xmlids"] = e["ir.model.data"].search_count(
            [("module", "=", MODULE)])
        cr.execute(
            "SELECT d.name FROM ir_model_data d WHERE d.module = %s "
            "AND d.model = 'ir.ui.menu'", (MODULE,))
        result["menu_xmlids"] = [r[0] for r in cr.fetchall()]
        result["model_left"] = e["ir.model"].search_count([("model", "=", MODEL)])
        result["model_in_registry"] = MODEL in e
        cr.execute("SELECT to_regclass(%s) IS NOT NULL",
                   (MODEL.replace(".", "_"),))
        result["table_left"] = cr.fetchone()[0]
        renders = {}
        for model in ("res.partner", "sale.order", "account.move"):
            if model not in e:
                renders[model] = "absent"
                continue
            try:
                e[model].get_views([(False, "form")])
                renders[model] = "ok"
            except Exception:
                renders[model] = traceback.format_exc()
        result["form_renders"] = renders
        cr.rollback()
except Exception:
    result["fatal"] = traceback.format_exc()
print(TAG + " " + json.dumps(result), flush=True)
"""


@dataclass(frozen=True)
class Flavour:
    """A kind of database the add-on's Odoo tests run on.

    ``modules`` are installed with the add-on; ``owns(file)`` says which test
    files (``test_x.py``) run on that database rather than on another.
    """

    name: str
    modules: tuple[str, ...] = ()
    file_prefixes: tuple[str, ...] = ()

    def owns(self, filename: str) -> bool:
        return filename.startswith(self.file_prefixes) if self.file_prefixes else True


# Where Thai businesses often run the add-on: with the website and its shop.
# Files named test_website_*.py run there, and only there.
WEBSITE = Flavour("website", ("website_sale",), ("test_website_",))
# Every other test file, on a database with the add-on alone.
MAIN = Flavour("main", ("payment_demo",))
FLAVOURS = {flavour.name: flavour for flavour in (MAIN, WEBSITE)}


def flavour_of(filename: str) -> Flavour:
    """The database kind a test file of the add-on runs on."""
    return WEBSITE if WEBSITE.owns(filename) else MAIN


@dataclass
class OdooSession:
    """One fresh database: install + tests, upgrade, uninstall, then drop."""

    loc: OdooLocation
    flavour: Flavour = MAIN
    addons: Path = field(default_factory=addons_dir)
    db: str = ""
    keep: bool = field(default_factory=lambda: truthy("JINGJAI_KEEP_DB"))
    results: dict[str, RunResult] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.db:
            suffix = "" if self.flavour is MAIN else f"_{self.flavour.name}"
            self.db = f"{MODULE}_test_{int(time.time())}_{os.getpid()}{suffix}"
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"{self.db}-data-"))
        log_root = Path(
            os.environ.get("JINGJAI_TEST_LOG_DIR") or REPO_ROOT / ".odoo-test-logs"
        )
        _prune_old_logs(log_root)
        self.log_dir = log_root / self.db
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.dropped = False
        # install() may be started early from another thread (odoo_items):
        # whoever asks next waits for that one install.
        self._install_lock = threading.Lock()

    @property
    def addons_path(self) -> str:
        return f"{self.addons},{self.loc.odoo_addons_dir}"

    def _common(self) -> list[str]:
        return [
            "-d",
            self.db,
            f"--addons-path={self.addons_path}",
            f"--data-dir={self.data_dir}",
            "--max-cron-threads=0",
        ]

    def check_addon_present(self) -> str | None:
        manifest = self.addons / MODULE / "__manifest__.py"
        if not manifest.is_file():
            return (
                f"{manifest} does not exist: set JINGJAI_ADDONS_DIR to the directory "
                f"that holds the {MODULE} add-on"
            )
        return None

    def install(self) -> RunResult:
        """Odoo's runner: install with --test-enable, running the add-on's
        at_install tests inside the install, as Odoo does."""
        with self._install_lock:
            return self._install()

    def _install(self) -> RunResult:
        if "install" not in self.results:
            cmd = self.loc.odoo_cmd(
                *self._common(),
                "-i",
                ",".join((MODULE, *self.flavour.modules)),
                "--test-enable",
                f"--test-tags=at_install/{MODULE}",
                "--stop-after-init",
                "--http-interface=127.0.0.1",
                f"--http-port={free_port()}",
                "--log-level=info",
            )
            self.results["install"] = run_logged(
                cmd, self.log_dir / "install.log", self.loc.env, TEST_RUN_TIMEOUT
            )
        return self.results["install"]

    def install_ok(self) -> bool:
        res = self.install()
        return (
            not res.timed_out
            and res.returncode == 0
            and parse_summary(res.text, self.db) is not None
        )

    def pytest_odoo_cmd(self, *args: str) -> list[str]:
        """pytest with pytest-odoo on this database (tests/pytest_odoo.ini)."""
        return [
            self.loc.python,
            "-m",
            "pytest",
            "-c",
            str(TESTS_DIR / "pytest_odoo.ini"),
            f"--rootdir={self.addons}",
            "-p",
            "odoo_results_plugin",
            f"--odoo-database={self.db}",
            f"--odoo-addons-path={self.addons_path}",
            "--odoo-log-level=warn",
            "--odoo-http",
            f"--odoo-extra=data-dir={self.data_dir}",
            "--odoo-extra=max-cron-threads=0",
            "--odoo-extra=http-interface=127.0.0.1",
            *args,
        ]

    def _pytest_env(self, results: Path, **extra: str) -> dict[str, str]:
        env = dict(self.loc.env, JINGJAI_ODOO_RESULTS=str(results), **extra)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(TESTS_DIR), env.get("PYTHONPATH", "")) if p
        )
        return env

    def collect(self) -> tuple[list[str], RunResult]:
        """Node ids of the add-on's Odoo tests, as pytest-odoo collects them
        (imports the test modules; needs no database)."""
        results = self.log_dir / "collected.jsonl"
        results.unlink(missing_ok=True)
        cmd = self.pytest_odoo_cmd(
            "--collect-only", "-q", str(self.addons / MODULE / "tests")
        )
        res = run_logged(
            cmd, self.log_dir / "collect.log", self._pytest_env(results), OTHER_TIMEOUT
        )
        collected: list[str] = []
        for record in read_jsonl(results):
            collected = record.get("collected", collected)
        return collected, res

    def run_odoo_tests(self, nodeids: list[str]) -> tuple[RunResult, dict]:
        """Run the given tests with pytest-odoo; their reports by node id."""
        results = self.log_dir / "results.jsonl"
        results.unlink(missing_ok=True)
        cmd = self.pytest_odoo_cmd("-q", *nodeids)
        res = run_logged(
            cmd,
            self.log_dir / "odoo_tests.log",
            self._pytest_env(results),
            TEST_RUN_TIMEOUT,
        )
        by_test: dict[str, list[dict]] = {}
        for record in read_jsonl(results):
            if "nodeid" in record:
                by_test.setdefault(record["nodeid"], []).append(record)
        self.results["odoo_tests"] = res
        return res, by_test

    def upgrade(self) -> RunResult:
        cmd = self.loc.odoo_cmd(
            *self._common(),
            "-u",
            MODULE,
            "--stop-after-init",
            "--no-http",
            "--log-level=info",
        )
        res = run_logged(cmd, self.log_dir / "upgrade.log", self.loc.env, OTHER_TIMEOUT)
        self.results["upgrade"] = res
        return res

    def uninstall(self) -> tuple[RunResult, dict | None]:
        cmd = self.loc.odoo_cmd(
            "shell", *self._common(), "--no-http", "--log-level=warn"
        )
        script = (
            f"MODULE = {MODULE!r}\nMODEL = {MODEL!r}\n"
            f"TAG = {UNINSTALL_RESULT_TAG!r}\n{UNINSTALL_SCRIPT}"
        )
        res = run_logged(
            cmd,
            self.log_dir / "uninstall.log",
            self.loc.env,
            OTHER_TIMEOUT,
            stdin_text=script,
        )
        self.results["uninstall"] = res
        data = None
        for line in res.text.splitlines():
            if line.startswith(UNINSTALL_RESULT_TAG + " "):
                data = json.loads(line[len(UNINSTALL_RESULT_TAG) + 1 :])
        return res, data

    def cleanup(self) -> str:
        """Drop the database and remove its data dir (filestore), unless kept."""
        if self.keep:
            return (
                f"JINGJAI_KEEP_DB=1: kept database {self.db!r} and data dir "
                f"{self.data_dir} (drop with: dropdb {self.db}; rm -rf {self.data_dir})"
            )
        msgs = []
        dropdb = shutil.which("dropdb")
        if dropdb:
            cmd = [dropdb, "--if-exists", "--force", self.db]
        else:
            cmd = [
                "psql",
                "-d",
                "postgres",
                "-c",
                f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)',
            ]
        try:
            res = subprocess.run(
                cmd, capture_output=True, text=True, timeout=OTHER_TIMEOUT
            )
            if res.returncode == 0:
                self.dropped = True
            else:
                msgs.append(f"could not drop {self.db}: {res.stderr.strip()}")
        except (OSError, subprocess.TimeoutExpired) as exc:
            msgs.append(f"could not drop {self.db}: {exc}")
        shutil.rmtree(self.data_dir, ignore_errors=True)
        return "; ".join(msgs) or f"dropped database {self.db} and its filestore"


# --------------------------------------------------------------------------
# What the terminal summary shows (filled by the tests, printed by conftest.py)
# --------------------------------------------------------------------------


@dataclass
class Report:
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    odoo_line: str | None = None
    not_run_reason: str | None = None
    odoo_counts: dict[str, int] = field(default_factory=dict)

    def note(self, line: str) -> None:
        self.notes.append(line)

    def warn(self, line: str) -> None:
        self.warnings.append(line)


try:  # pytest >= 7
    import pytest as _pytest

    REPORT_KEY = _pytest.StashKey[Report]()
except (ImportError, AttributeError):  # pragma: no cover
    REPORT_KEY = None
