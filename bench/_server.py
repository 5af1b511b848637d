"""Shared helper of the bench scripts: database, data, Odoo server, tables.

Not a script of its own, but ``python3 bench/_server.py [--reuse]`` prepares the
bench database and prints the links, which is handy before running a bench by
hand against ``--url``.

What it does for the scripts:

* :func:`prepare` creates the database ``jjb_bench`` with ``jingjai_portal``
  installed (dropped and recreated unless ``reuse``), then fills it through an
  ``odoo shell`` script (:data:`POPULATE`): a Thai company with a chart of
  accounts, THB active with a rate and a PromptPay account (mobile proxy, so
  the invoice pages show a QR), a customer with 10 documents and one with 300
  (quotes, confirmed orders, posted invoices in THB paid into that account,
  all through the ORM in batches; and one with 30, to tell a step from a
  growth), a portal user for the 300-document customer, portal links made with
  the add-on's own API ``jingjai.portal.link.generate`` and Odoo's own
  ``access_token`` of one quote and one invoice. Everything the benches need is
  written to ``/tmp/jjb-data/<db>-data.json``.
* :class:`Server` starts Odoo on 127.0.0.1 (threaded, or ``--workers=N``),
  waits for ``/web/health``, logs to a file (INFO: the werkzeug access line ends
  with the request's query count, query time and remaining time) and stops it
  again, whatever happens.
* :func:`odoo_shell` runs a Python snippet in ``odoo shell`` and returns the
  JSON it prints on a ``JJB_RESULT`` line.

Only 127.0.0.1, ports 8091-8099 and databases named ``jjb_*``.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("JJB_DATA_DIR", "/tmp/jjb-data"))
DEFAULT_DB = "jjb_bench"
HOST = "127.0.0.1"
PORTS = range(8091, 8100)
MODULE = "jingjai_portal"
ADMIN_PASSWORD = "jjb-admin-pass"
PORTAL_LOGIN = "jjb_portal"
PORTAL_PASSWORD = "jjb-portal-pass"
RESULT_PREFIX = "JJB_RESULT "

# Names unique enough to be searched for in a page's HTML.
CUSTOMER_NAMES = {
    "ten": "Jjb Tendocs Trading",
    "thirty": "Jjb Thirtydocs Service",
    "three_hundred": "Jjb Threehundred Cooling",
}


def _odoo_addons_dir():
    try:
        import odoo  # noqa: PLC0415 - only needed when a bench runs
    except ImportError:
        # As the test command: ODOO_PATH, else Odoo set up from ODOO_SOURCE or
        # the team's copy beside the repository; the servers and shells this
        # bench starts inherit the path.
        tree = os.environ.get("ODOO_PATH")
        if not tree:
            sys.path.insert(0, str(ROOT / "scripts"))
            import odoo_setup  # noqa: PLC0415

            try:
                tree = str(odoo_setup.ensure_odoo())
            except odoo_setup.SetupError as error:
                raise SystemExit(str(error)) from None
        sys.path.insert(0, tree)
        os.environ["PYTHONPATH"] = os.pathsep.join(
            path for path in (tree, os.environ.get("PYTHONPATH")) if path
        )
        import odoo  # noqa: PLC0415

    for path in odoo.__path__:
        candidate = Path(path, "addons")
        if (candidate / "base").is_dir():
            return candidate
    raise SystemExit("cannot find Odoo's addons directory (is odoo importable?)")


ODOO_ADDONS = _odoo_addons_dir()
# Where jingjai_portal is loaded from: this work tree (default), or a copy of
# the committed add-on (``--code head``) when the tree is being edited.
ADDON_ROOT = ROOT


def addons_path():
    return f"{ADDON_ROOT},{ODOO_ADDONS}"


def use_code(which):
    """Load the add-on from the work tree (``tree``) or from git HEAD (``head``)."""
    global ADDON_ROOT  # noqa: PLW0603
    if which == "tree":
        ADDON_ROOT = ROOT
        return "work tree"
    sha = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dest = DATA_DIR / f"src-{sha[:12]}"
    if not (dest / MODULE / "__manifest__.py").exists():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", sha, MODULE],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    ADDON_ROOT = dest
    return f"git HEAD {sha[:12]} ({dest})"


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def check_db_name(db):
    if not re.fullmatch(r"jjb_[a-z0-9_]+", db):
        raise SystemExit(f"database {db!r}: the benches only use databases named jjb_*")
    return db


def check_port(port):
    if port not in PORTS:
        raise SystemExit(f"port {port}: the benches only use ports 8091-8099")
    return port


def odoo_base_args(db):
    return [
        sys.executable,
        "-m",
        "odoo",
        "-d",
        db,
        f"--addons-path={addons_path()}",
        f"--data-dir={DATA_DIR}",
        f"--db-filter=^{db}$",
        "--max-cron-threads=0",
    ]


# ----------------------------------------------------------------------------
# PostgreSQL
# ----------------------------------------------------------------------------


def psql(db, sql, timeout=600):
    """Run ``sql`` in ``db``; return the rows as lists of strings."""
    out = subprocess.run(
        ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", db],
        input=sql,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if out.returncode:
        raise RuntimeError(f"psql failed on {db}: {out.stderr.strip()}")
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def link_visit_facts(db, link_id, partner_id, hint):
    """What the database says of one link after a run: its visits, the
    "opened for the first time" notes on its customer (one at most, whatever
    the number of clients), its visits made after it was revoked, when it was.
    """
    row = psql(
        db,
        f"""
        SELECT (SELECT count(*) FROM jingjai_portal_link_visit
                 WHERE link_id = {link_id}),
               (SELECT count(*) FROM mail_message
                 WHERE model = 'res.partner' AND res_id = {partner_id}
                   AND body::text LIKE '%opened for the first time%'
                   AND body::text LIKE '%{hint}%'),
               (SELECT count(*) FROM jingjai_portal_link_visit
                 WHERE link_id = {link_id} AND link_state = 'revoked'),
               (SELECT revoked_at FROM jingjai_portal_link WHERE id = {link_id})
        """,
    )[0]
    return {
        "views": int(row[0]),
        "first_notes": int(row[1]),
        "revoked_views": int(row[2]),
        "revoked_at": row[3] or None,
    }


def db_exists(db):
    rows = psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'")
    return bool(rows)


def module_installed(db):
    try:
        rows = psql(db, f"SELECT state FROM ir_module_module WHERE name = '{MODULE}'")
    except RuntimeError:
        return False
    return rows == [["installed"]]


def drop_db(db):
    check_db_name(db)
    subprocess.run(
        ["dropdb", "--if-exists", "--force", db],
        check=True,
        env={**os.environ, "PGOPTIONS": "--client-min-messages=warning"},
    )
    subprocess.run(["rm", "-rf", str(DATA_DIR / "filestore" / db)], check=True)


def install_db(db, demo=False):
    """Drop ``db`` and install the add-on in it, with Odoo's demo data if ``demo``."""
    check_db_name(db)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    drop_db(db)
    logfile = DATA_DIR / f"{db}-install.log"
    with_demo = " with demo data" if demo else ""
    log(f"installing {MODULE}{with_demo} in {db} (a few minutes; log {logfile})")
    started = time.monotonic()
    with open(logfile, "w") as out:
        result = subprocess.run(
            [
                *odoo_base_args(db),
                "-i",
                MODULE,
                *(["--with-demo"] if demo else []),
                "--stop-after-init",
                "--no-http",
                "--log-level=warn",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=1800,
            check=False,
        )
    if result.returncode or not module_installed(db):
        raise SystemExit(f"install of {MODULE} in {db} failed, see {logfile}")
    log(f"installed in {time.monotonic() - started:.0f} s")


# ----------------------------------------------------------------------------
# odoo shell
# ----------------------------------------------------------------------------


def odoo_shell(db, script, args=None, timeout=900, logfile=None, command=None):
    """Run ``script`` in ``odoo shell`` on ``db``; return the JSON it reports.

    The script gets ``env`` (superuser), ``ARGS`` (the ``args`` dict) and
    ``report(obj)``, which prints ``obj`` as the JSON result. It must commit
    itself: ``odoo shell`` rolls back at the end.

    :param list command: the shell's command line, when not the usual one
        (instructions.py runs it under valgrind)
    """
    prologue = textwrap.dedent(
        f"""
        import json as _json, os as _os
        ARGS = _json.loads(_os.environ["JJB_ARGS"])
        def report(obj):
            print({RESULT_PREFIX!r} + _json.dumps(obj, default=str), flush=True)
        """
    )
    logfile = logfile or DATA_DIR / f"{db}-shell.log"
    with open(logfile, "a") as err:
        out = subprocess.run(
            command
            or [
                *odoo_base_args(db)[:3],
                "shell",
                *odoo_base_args(db)[3:],
                "--no-http",
                "--log-level=warn",
            ],
            input=prologue + textwrap.dedent(script),
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            timeout=timeout,
            env={**os.environ, "JJB_ARGS": json.dumps(args or {})},
            check=False,
        )
    results = [
        json.loads(line[len(RESULT_PREFIX) :])
        for line in out.stdout.splitlines()
        if line.startswith(RESULT_PREFIX)
    ]
    if out.returncode or not results:
        raise RuntimeError(
            f"odoo shell on {db} failed (exit {out.returncode}); stdout:\n"
            f"{out.stdout[-3000:]}\nsee {logfile}"
        )
    return results[-1]


POPULATE = """
import time
from datetime import timedelta
from odoo import Command, fields

started = time.monotonic()
company = env.ref("base.main_company")
thailand = env.ref("base.th")
if company.country_id != thailand:
    company.write({"country_id": thailand.id})
company.write({"name": "Jjb Bench Aircon Co.", "phone": "+66 2 000 0000",
               "city": "Bangkok"})
if not env["account.journal"].search_count(
    [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
):
    env["account.chart.template"].try_loading("th", company, install_demo=False)
env.cr.commit()

# The invoices are in Thai baht and paid into a PromptPay account, so that the
# invoice pages show their PromptPay QR (Odoo's EMV QR from l10n_th needs THB, a
# Thai account with a proxy type and value, and the holder's city). The
# company's own currency stays whatever its chart gave it; THB gets a rate.
thb = env.ref("base.THB")
if not thb.active:
    thb.active = True
if thb != company.currency_id and not env["res.currency.rate"].search_count(
    [("currency_id", "=", thb.id), ("company_id", "=", company.id)], limit=1
):
    env["res.currency.rate"].create({
        "currency_id": thb.id, "company_id": company.id,
        "name": fields.Date.today() - timedelta(days=30),
        "rate": 1.0 if company.currency_id.name == "THB" else 35.0,
    })
promptpay = env["res.partner.bank"].search(
    [("partner_id", "=", company.partner_id.id), ("proxy_value", "=", "0812345678")],
    limit=1,
)
if not promptpay:
    promptpay = env["res.partner.bank"].create({
        "acc_number": "JJB-123-4-56789-0",
        "partner_id": company.partner_id.id,
        "currency_id": thb.id,
        "proxy_type": "mobile",
        "proxy_value": "0812345678",
    })
problem = promptpay._jingjai_portal_promptpay_error(thb, company.partner_id)
if problem:
    raise SystemExit(f"bench PromptPay account refused by Odoo: {problem}")
env.cr.commit()

params = env["ir.config_parameter"].sudo()
params.set_param("web.base.url", ARGS["base_url"])
params.set_param("web.base.url.freeze", "True")
admin = env.ref("base.user_admin")
admin.write({"password": ARGS["admin_password"], "tz": "Asia/Bangkok"})

Partner = env["res.partner"]
product = env["product.product"].search([("default_code", "=", "JJB-CLEAN")], limit=1)
if not product:
    product = env["product.product"].create(
        {"name": "Jjb aircon cleaning", "default_code": "JJB-CLEAN",
         "type": "service", "list_price": 1500.0}
    )
today = fields.Date.context_today(admin)

def fill(name, quotes, orders, invoices):
    customer = Partner.search([("name", "=", name)], limit=1)
    if customer:
        return customer
    email = name.lower().replace(" ", ".") + "@example.com"
    customer = Partner.create(
        {"name": name, "is_company": True, "lang": "en_US", "email": email}
    )
    # Every customer has one contact, as real ones do: the pages find orders and
    # payments through their partner's commercial partner, so the contacts are
    # part of what every query joins.
    Partner.create(
        {"name": f"Contact of {name}", "parent_id": customer.id, "type": "contact"}
    )
    def line(qty):
        return [Command.create({"product_id": product.id, "product_uom_qty": qty})]
    SaleOrder = env["sale.order"].with_context(tracking_disable=True, mail_notrack=True)
    sent = SaleOrder.create([
        {"partner_id": customer.id, "validity_date": today + timedelta(days=90),
         "client_order_ref": f"Q{i}", "order_line": line(1 + i % 3)}
        for i in range(quotes)
    ])
    sent.write({"state": "sent"})
    confirmed = SaleOrder.create([
        {"partner_id": customer.id, "client_order_ref": f"O{i}", "order_line": line(2)}
        for i in range(orders)
    ])
    confirmed.action_confirm()
    moves = env["account.move"].with_context(tracking_disable=True).create([
        {"move_type": "out_invoice", "partner_id": customer.id,
         "currency_id": thb.id, "partner_bank_id": promptpay.id,
         "invoice_date": today - timedelta(days=i % 20),
         "invoice_line_ids": [Command.create({"product_id": product.id, "quantity": 1,
                                               "price_unit": 1000.0 + i})]}
        for i in range(invoices)
    ])
    moves.action_post()
    env.cr.commit()
    return customer

ten = fill(ARGS["names"]["ten"], 4, 3, 3)
thirty = fill(ARGS["names"]["thirty"], 10, 10, 10)
big = fill(ARGS["names"]["three_hundred"], 100, 100, 100)

portal_user = env["res.users"].with_context(active_test=False).search(
    [("login", "=", ARGS["portal_login"])], limit=1)
if not portal_user:
    # A contact of the customer (Odoo's portal shows the commercial partner's
    # documents to its contacts); making the customer itself the user would
    # rename it after the user.
    person = Partner.create({"name": "Jjb Portal Person", "parent_id": big.id,
                             "type": "contact", "email": "jjb.portal@example.com"})
    portal_user = env["res.users"].with_context(no_reset_password=True).create({
        "name": person.name, "login": ARGS["portal_login"],
        "partner_id": person.id, "password": ARGS["portal_password"],
        "group_ids": [Command.set([env.ref("base.group_portal").id])],
    })
env.cr.commit()

Link = env["jingjai.portal.link"].with_user(admin)
quote = env["sale.order"].search([("partner_id", "=", big.id), ("state", "=", "sent")],
                                 order="id", limit=1)
invoice = env["account.move"].search([("partner_id", "=", big.id),
                                      ("move_type", "=", "out_invoice"),
                                      ("state", "=", "posted")], order="id", limit=1)
def token_of(result):
    return result["url"].rsplit("/p/", 1)[1]

links = {}
for key, model, record in (
    ("ten", "res.partner", ten),
    ("thirty", "res.partner", thirty),
    ("three_hundred", "res.partner", big),
    ("quote", "sale.order", quote),
    ("invoice", "account.move", invoice),
):
    result = Link.generate(model, record.id)
    links[key] = {"link_id": result["link_id"], "token": token_of(result),
                  "url": result["url"],
                  "model": model, "res_id": record.id, "name": record.display_name,
                  "expires_at": result["expires_at"]}
quote_token = quote._portal_ensure_token()
invoice_token = invoice._portal_ensure_token()
env.cr.commit()

def count(model, domain):
    return env[model].search_count(domain)

report({
    "db": env.cr.dbname,
    "base_url": ARGS["base_url"],
    "company": company.name,
    "admin": {"login": admin.login, "password": ARGS["admin_password"], "id": admin.id},
    "portal_user": {"login": ARGS["portal_login"], "password": ARGS["portal_password"],
                    "id": portal_user.id},
    "customers": {
        key: {"id": partner.id, "name": partner.name,
              "quotes": count("sale.order", [("partner_id", "=", partner.id),
                                             ("state", "in", ("draft", "sent"))]),
              "orders": count("sale.order", [("partner_id", "=", partner.id),
                                             ("state", "=", "sale")]),
              "invoices": count("account.move", [("partner_id", "=", partner.id),
                                                 ("state", "=", "posted"),
                                                 ("move_type", "=", "out_invoice")])}
        for key, partner in (("ten", ten), ("thirty", thirty), ("three_hundred", big))
    },
    "links": links,
    "quote": {"id": quote.id, "name": quote.name, "access_token": quote_token,
              "my_url": f"/my/orders/{quote.id}?access_token={quote_token}"},
    "invoice": {"id": invoice.id, "name": invoice.name, "access_token": invoice_token,
                "my_url": f"/my/invoices/{invoice.id}?access_token={invoice_token}"},
    "seconds": round(time.monotonic() - started, 1),
})
"""

NEW_LINKS = """
admin = env.ref("base.user_admin")
Link = env["jingjai.portal.link"].with_user(admin)
out = []
for model, res_id in ARGS["targets"]:
    result = Link.generate(model, res_id)
    out.append({"link_id": result["link_id"],
                "token": result["url"].rsplit("/p/", 1)[1],
                "url": result["url"]})
env.cr.commit()
report(out)
"""


def data_file(db):
    return DATA_DIR / f"{db}-data.json"


def prepare(db=DEFAULT_DB, reuse=False, port=8091):
    """The bench database, installed and filled; return its data (the JSON)."""
    check_db_name(db)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = data_file(db)
    same_code = False
    if reuse and module_installed(db) and path.exists():
        data = json.loads(path.read_text())
        same_code = data.get("addon_root") == str(ADDON_ROOT)
        if same_code and _links_exist(db, data):
            log(f"reusing {db} and {path}")
            return data
        if not same_code:
            log(
                f"{db} was filled with the add-on from {data.get('addon_root')}: "
                "reinstalling"
            )
    if not (reuse and same_code and module_installed(db)):
        install_db(db)
    log(f"filling {db} through odoo shell (customers, 340 documents, links)")
    data = odoo_shell(
        db,
        POPULATE,
        {
            "base_url": f"http://{HOST}:{port}",
            "admin_password": ADMIN_PASSWORD,
            "portal_login": PORTAL_LOGIN,
            "portal_password": PORTAL_PASSWORD,
            "names": CUSTOMER_NAMES,
        },
    )
    data["addon_root"] = str(ADDON_ROOT)
    path.write_text(json.dumps(data, indent=2))
    log(f"data in {path} ({data['seconds']} s)")
    return data


def _links_exist(db, data):
    ids = [str(link["link_id"]) for link in data["links"].values()]
    rows = psql(
        db,
        "SELECT count(*) FROM jingjai_portal_link WHERE revoked_at IS NULL"
        f" AND id IN ({','.join(ids)})",
    )
    return int(rows[0][0]) == len(ids)


def new_links(db, targets):
    """Generate fresh links as admin: ``targets`` = [(model, res_id)], in one shell."""
    return odoo_shell(db, NEW_LINKS, {"targets": targets})


# ----------------------------------------------------------------------------
# The server
# ----------------------------------------------------------------------------


class Server:
    """Odoo on 127.0.0.1:``port``, threaded (``workers=0``) or prefork.

    Use as a context manager: the server (its whole process group) is stopped on
    exit, errors included. ``log_offset()``/``log_since()`` read what it wrote.
    """

    def __init__(
        self, db, port, workers=0, log_level="info", gevent_port=None, extra=()
    ):
        self.db = check_db_name(db)
        self.port = check_port(port)
        self.workers = workers
        self.log_level = log_level
        self.gevent_port = check_port(gevent_port or port + 1) if workers else None
        self.extra = list(extra)
        self.logfile = DATA_DIR / f"{db}-server-{port}.log"
        self.url = f"http://{HOST}:{port}"
        self.process = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def command(self):
        cmd = [
            *odoo_base_args(self.db),
            f"--http-interface={HOST}",
            f"--http-port={self.port}",
            f"--workers={self.workers}",
            f"--log-level={self.log_level}",
            f"--logfile={self.logfile}",
            "--limit-time-real=300",
            "--limit-time-cpu=240",
        ]
        if self.workers:
            cmd.append(f"--gevent-port={self.gevent_port}")
        return cmd + self.extra

    def start(self, timeout=180):
        for port in filter(None, (self.port, self.gevent_port)):
            if _port_busy(port):
                raise SystemExit(f"port {port} on {HOST} is busy: stop what uses it")
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        self.logfile.write_text("")
        mode = f"--workers={self.workers}" if self.workers else "threaded"
        log(f"starting Odoo ({mode}) on {self.url}, log {self.logfile}")
        self.process = subprocess.Popen(
            self.command(),
            stdout=subprocess.DEVNULL,
            stderr=open(DATA_DIR / f"{self.db}-server-{self.port}.stderr", "w"),
            start_new_session=True,  # its own process group: stop() ends it all
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"Odoo exited with {self.process.returncode}, see {self.logfile}"
                )
            try:
                with urllib.request.urlopen(
                    f"{self.url}/web/health", timeout=5
                ) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise SystemExit(f"Odoo did not answer on {self.url} within {timeout} s")

    def stop(self):
        if not self.process or self.process.poll() is not None:
            return
        pgid = self.process.pid  # start_new_session: group id == our child's pid
        try:
            os.killpg(pgid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        # Prefork children may linger a moment after the master.
        for _ in range(20):
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.25)
        else:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        log(f"stopped Odoo on {self.url}")

    def log_offset(self):
        return self.logfile.stat().st_size if self.logfile.exists() else 0

    def log_since(self, offset):
        with open(self.logfile, "rb") as fh:
            fh.seek(offset)
            return fh.read().decode("utf-8", "replace")


def _port_busy(port):
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((HOST, port)) == 0


# Problems a server run wrote to its log.
LOG_ERROR = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ", re.MULTILINE)


def log_problems(text):
    """Tracebacks and ERROR/CRITICAL lines in a piece of server log."""
    return {
        "tracebacks": text.count("Traceback (most recent call last)"),
        "errors": len(LOG_ERROR.findall(text)),
        "warnings": len(re.findall(r"^\S+ \S+ \d+ WARNING ", text, re.MULTILINE)),
    }


def first_problem_lines(text, limit=12):
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if LOG_ERROR.match(line) or line.startswith("Traceback"):
            return "\n".join(lines[index : index + limit])
    return ""


# Werkzeug access line: ... "GET /path HTTP/1.1" 200 - <queries> <query s> <other s>
ACCESS_LINE = re.compile(
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) \S+'
    r" (?P<queries>\d+) (?P<query_time>[\d.]+) (?P<other_time>[\d.]+)"
)


def access_lines(text):
    return [m.groupdict() for m in ACCESS_LINE.finditer(text)]


# ----------------------------------------------------------------------------
# Output
# ----------------------------------------------------------------------------


def percentile(values, pct):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def table(headers, rows):
    """Return a plain-text table."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row):
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) if _numeric(c) else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), sep, *map(line, cells[1:])])


def _numeric(text):
    return bool(re.fullmatch(r"[-+]?[\d.,]+( ?(ms|s|x|%))?", text))


def add_common_args(parser, default_port):
    parser.add_argument(
        "--db", default=DEFAULT_DB, help="bench database, jjb_* (default %(default)s)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database and its data file when they are there "
        "(default: drop, install and fill it again)",
    )
    parser.add_argument(
        "--code",
        choices=("tree", "head"),
        default="tree",
        help="load jingjai_portal from this work tree (default) or from a copy "
        "of the last commit (git HEAD), for stable figures while the tree "
        "is being edited",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=default_port,
        help="HTTP port of the server this script starts, 8091-8099 "
        "(default %(default)s)",
    )
    return parser


def script_parser(doc, default_port):
    """The command line of a bench script: its docstring as help, common options.

    :param str doc: the script's ``__doc__``: first paragraph as description,
        the rest as epilog
    """
    parser = argparse.ArgumentParser(
        description=doc.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=doc.split("\n\n", 1)[1],
    )
    return add_common_args(parser, default_port)


def verdict(ok):
    return "PASS" if ok else "MISS"


def main():
    parser = argparse.ArgumentParser(
        description="Prepare the bench database (install + data) and print its links."
    )
    add_common_args(parser, 8091)
    args = parser.parse_args()
    log(f"add-on from the {use_code(args.code)}")
    data = prepare(args.db, reuse=args.reuse, port=check_port(args.port))
    rows = [
        (key, link["model"], link["name"], link["url"])
        for key, link in data["links"].items()
    ]
    rows += [
        (
            "odoo quote",
            "sale.order",
            data["quote"]["name"],
            data["base_url"] + data["quote"]["my_url"],
        ),
        (
            "odoo invoice",
            "account.move",
            data["invoice"]["name"],
            data["base_url"] + data["invoice"]["my_url"],
        ),
    ]
    print(table(("link", "model", "record", "url"), rows))
    print(f"\ndata: {data_file(args.db)}")


if __name__ == "__main__":
    main()
