# ruff: noqa: E501  (the Odoo shell scripts below are kept one statement a line)
"""``-u`` from the previous release keeps every link, visit, code and slip.

A database is made by the add-on as it was released (``PREVIOUS_VERSION``,
taken from this repository's history with ``git archive``), given customers'
links, their visits, access codes sent, tried and unlocked, a revoked link and
a slip, exactly through that version's own methods. The add-on of this
checkout then upgrades it (``-u``), and every row of every table of the add-on
must still be there, unchanged (column for column, by digest), under the
table's new name where this version renamed it; the tokens handed out still
find their links, and the renamed models answer through the ORM.

Outside the add-on's Odoo suite (which installs a fresh database): this is
the database an existing customer has.
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import odoo_suite as S  # noqa: E402

# The last commit of the previous release on main.
PREVIOUS_VERSION = "19.0.1.2.0"
PREVIOUS_COMMIT = "afbf6fce6f0782cf3b6999c678f9a38632545d84"

# What this version renamed: old table -> new table (the migration's work).
RENAMED_TABLES = {"jingjai_portal_link_view": "jingjai_portal_link_visit"}
# Models that must answer after the upgrade, and the old table they hold.
MODELS = {
    "jingjai.portal.link": "jingjai_portal_link",
    "jingjai.portal.link.view": "jingjai_portal_link_view",
    "jingjai.portal.access.code": "jingjai_portal_access_code",
    "jingjai.portal.access.event": "jingjai_portal_access_event",
    "jingjai.portal.link.unlock": "jingjai_portal_link_unlock",
    "jingjai.portal.slip": "jingjai_portal_slip",
}
TAG = "JINGJAI_UPGRADE"

# Run by `odoo shell` on the PREVIOUS version: the data a business has.
SEED = r"""
import base64, io, json
from unittest.mock import patch
from PIL import Image
from odoo import Command
from odoo.addons.jingjai_portal.lib import access_code as code_rules

# As the staff member an integrator or the back office acts as.
env = env(user=env.ref("base.user_admin"))
company = env.company
if not company.chart_template:
    env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
company.write({"jingjai_portal_access_codes": True, "jingjai_portal_code_channel": "email"})
customer = env["res.partner"].create({"name": "Upgrade Customer", "email": "upgrade@example.com"})
product = env["product.product"].create({"name": "Aircon service", "type": "service", "list_price": 1500})
quote = env["sale.order"].create({
    "partner_id": customer.id,
    "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 2})],
})
invoice = env["account.move"].create({
    "move_type": "out_invoice",
    "partner_id": customer.id,
    "invoice_line_ids": [Command.create({"name": "Repair", "quantity": 1, "price_unit": 800})],
})
invoice.action_post()

Link = env["jingjai.portal.link"]
made = {
    "customer": Link.generate("res.partner", customer.id),
    "quote": Link.generate("sale.order", quote.id, require_code=True),
    "invoice": Link.generate("account.move", invoice.id, expiry_days=7),
    "revoked": Link.generate("res.partner", customer.id),
}
links = {name: Link.browse(data["link_id"]) for name, data in made.items()}
for name, link in links.items():
    for path in ("/", "/pdf", "/invoice/%s" % invoice.id):
        link.sudo()._record_view("203.0.113.%s" % link.id, "Mozilla/5.0 (Upgrade)", path)
links["revoked"].action_revoke()

quote_link = links["quote"].sudo()
# No mail server here: the code is "delivered" by a stand-in, as tests do.
delivered = patch.object(type(Link), "_access_code_deliver_email", lambda *args: False)
with patch.object(code_rules, "new_code", lambda: "424242"), delivered:
    outcomes = [quote_link._access_code_send("203.0.113.9", "browser-one")]
outcomes.append(quote_link._access_code_check("111111", "203.0.113.9", "UA", "browser-one"))
outcomes.append(quote_link._access_code_check("424242", "203.0.113.9", "UA", "browser-one"))

png = io.BytesIO()
Image.new("RGB", (320, 480), "white").save(png, "PNG")
invoice.sudo()._jingjai_portal_receive_slip(
    links["invoice"].sudo(), "slip.png", png.getvalue(), "203.0.113.7"
)
env.cr.commit()
print(TAG, json.dumps({
    "tokens": {name: data["url"].rsplit("/p/", 1)[1] for name, data in made.items()},
    "link_ids": {name: link.id for name, link in links.items()},
    "view_counts": {str(link.id): link.view_count for link in links.values()},
    "code_outcomes": [str(outcome) for outcome in outcomes],
}))
"""

# Run by `odoo shell` on THIS version after -u: counts, digests, the ORM.
CHECK = r"""
import json
from odoo.addons.jingjai_portal.lib import tokens as token_rules

result = {"tables": {}, "models": {}, "found": {}, "view_counts": {}}
for old, (new, columns) in SNAPSHOT_COLUMNS.items():
    env.cr.execute("SELECT to_regclass(%s)", [new])
    if env.cr.fetchone()[0] is None:
        result["tables"][old] = None
        continue
    cols = ", ".join('"%s"' % c for c in columns)
    env.cr.execute(
        f'SELECT count(*), md5(string_agg(row({cols})::text, \'|\' ORDER BY id)) FROM "{new}"'
    )
    result["tables"][old] = list(env.cr.fetchone())
for model in MODELS_AFTER:
    result["models"][model] = (
        env[model].sudo().search_count([]) if model in env else None
    )
Link = env["jingjai.portal.link"].sudo()
for name, token in SEEDED["tokens"].items():
    link = Link.search([("token_digest", "=", token_rules.token_digest(token))])
    result["found"][name] = link.id
for link in Link.browse([int(i) for i in SEEDED["view_counts"]]):
    result["view_counts"][str(link.id)] = link.view_count
cron = env.ref(CRON_AFTER, raise_if_not_found=False)
result["cron"] = cron.code if cron else None
if cron:
    cron.ir_actions_server_id.run()
env.cr.execute(
    "SELECT name FROM ir_model_data WHERE module = 'jingjai_portal' AND name LIKE %s",
    [STALE_XMLIDS],
)
result["stale_xmlids"] = sorted(r[0] for r in env.cr.fetchall())
env.cr.execute("SELECT name FROM ir_model_constraint WHERE name LIKE %s", [STALE_XMLIDS])
result["stale_constraints"] = sorted(r[0] for r in env.cr.fetchall())
env.cr.execute("SELECT model FROM ir_model WHERE model LIKE 'jingjai.%%'")
result["ir_models"] = sorted(r[0] for r in env.cr.fetchall())
print(TAG, json.dumps(result))
"""

SNAPSHOT = r"""
import json
tables = {}
env.cr.execute(
    "SELECT table_name FROM information_schema.tables"
    " WHERE table_schema = 'public' AND table_name LIKE 'jingjai\\_%%'"
    " AND table_type = 'BASE TABLE'"
)
for (table,) in env.cr.fetchall():
    env.cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = %s ORDER BY ordinal_position",
        [table],
    )
    columns = [c for (c,) in env.cr.fetchall()]
    if "id" not in columns:
        continue
    cols = ", ".join('"%s"' % c for c in columns)
    env.cr.execute(
        f'SELECT count(*), md5(string_agg(row({cols})::text, \'|\' ORDER BY id)) FROM "{table}"'
    )
    tables[table] = {"columns": columns, "digest": list(env.cr.fetchone())}
print(TAG, json.dumps(tables))
"""


def _tagged(res):
    for line in res.text.splitlines():
        if line.startswith(TAG + " "):
            return json.loads(line[len(TAG) + 1 :])
    return None


def _fail(what, res):
    pytest.fail(
        f"{what}\n{res.describe()}\n\n{S.excerpt(res.text, S.bad_records(res.text))}",
        pytrace=False,
    )


def _previous_addons():
    """The add-on as released in PREVIOUS_VERSION, from git history; None
    (and why) when this clone does not have it."""
    root = Path(tempfile.mkdtemp(prefix="jingjai-previous-addons-"))
    archive = root / "previous.tar"
    try:
        subprocess.run(
            [
                "git",
                "-C",
                str(S.REPO_ROOT),
                "archive",
                "--format=tar",
                f"--output={archive}",
                PREVIOUS_COMMIT,
                S.MODULE,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = (getattr(exc, "stderr", "") or str(exc)).strip()
        return None, (
            f"{PREVIOUS_COMMIT[:10]} ({PREVIOUS_VERSION}) is not in this clone's "
            f"history (a shallow clone?): {detail}"
        )
    with tarfile.open(archive) as tar:
        tar.extractall(root, filter="data")
    manifest = (root / S.MODULE / "__manifest__.py").read_text()
    assert f'"version": "{PREVIOUS_VERSION}"' in manifest
    return root, None


class Background(threading.Thread):
    """The whole check, in subprocesses, while the Odoo suite runs: it waits
    on Odoo most of the time, and the suite leaves a core idle."""

    def __init__(self):
        super().__init__(name="jingjai-upgrade-check", daemon=True)
        self.outcome = None
        self.skip_reason = None

    def run(self):
        try:
            location = S.locate_odoo()
            if location is None:
                self.skip_reason = S.PURE_ONLY_REASON
                return
            addons, self.skip_reason = _previous_addons()
            if addons is None:
                return
            db = Database(location)
            try:
                _run(db, addons)
            finally:
                if not S.truthy("JINGJAI_KEEP_DB"):
                    db.drop()
                shutil.rmtree(addons, ignore_errors=True)
        except BaseException as exc:  # re-raised by the test, pytest.fail included
            self.outcome = exc


_background = None


def start_in_background():
    """Called by conftest.py once this test is collected."""
    global _background
    if _background is None:
        _background = Background()
        _background.start()


class Database:
    def __init__(self, loc):
        self.loc = loc
        self.name = f"{S.MODULE}_upgrade_{int(time.time())}_{os.getpid()}"
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"{self.name}-data-"))
        self.log_dir = (
            Path(
                os.environ.get("JINGJAI_TEST_LOG_DIR")
                or S.REPO_ROOT / ".odoo-test-logs"
            )
            / self.name
        )

    def _common(self, addons):
        return [
            "-d",
            self.name,
            f"--addons-path={addons},{self.loc.odoo_addons_dir}",
            f"--data-dir={self.data_dir}",
            "--max-cron-threads=0",
            "--no-http",
        ]

    def odoo(self, log, addons, *args):
        return S.run_logged(
            self.loc.odoo_cmd(*self._common(addons), *args, "--stop-after-init"),
            self.log_dir / log,
            self.loc.env,
            S.OTHER_TIMEOUT,
        )

    def shell(self, log, addons, script):
        return S.run_logged(
            self.loc.odoo_cmd("shell", *self._common(addons), "--log-level=warn"),
            self.log_dir / log,
            self.loc.env,
            S.OTHER_TIMEOUT,
            stdin_text=script,
        )

    def drop(self):
        subprocess.run(
            ["dropdb", "--if-exists", "--force", self.name],
            capture_output=True,
            timeout=S.OTHER_TIMEOUT,
        )
        subprocess.run(["rm", "-rf", str(self.data_dir)], check=False)


def test_upgrade_from_previous_release_keeps_every_row():
    start_in_background()
    _background.join()
    if _background.skip_reason:
        pytest.skip(_background.skip_reason)
    if _background.outcome is not None:
        raise _background.outcome


def _run(db, previous_addons):
    res = db.odoo("install-previous.log", previous_addons, "-i", S.MODULE)
    if res.returncode != 0 or S.bad_records(res.text):
        _fail(f"installing {PREVIOUS_VERSION} failed", res)
    res = db.shell("seed.log", previous_addons, f"TAG = {TAG!r}\n{SEED}")
    seeded = _tagged(res)
    if seeded is None:
        _fail(f"seeding the {PREVIOUS_VERSION} database failed", res)
    res = db.shell("snapshot.log", previous_addons, f"TAG = {TAG!r}\n{SNAPSHOT}")
    before = _tagged(res)
    if before is None:
        _fail("the snapshot before the upgrade failed", res)
    for table in MODELS.values():
        assert before.get(table, {}).get("digest", [0])[0] > 0, (
            f"the seed left {table} empty: nothing to keep"
        )

    res = db.odoo("upgrade.log", S.REPO_ROOT, "-u", S.MODULE, "--log-level=info")
    bad = S.bad_records(res.text)
    if res.returncode != 0 or bad:
        _fail(f"-u {S.MODULE} from {PREVIOUS_VERSION} failed", res)

    columns = {
        old: (RENAMED_TABLES.get(old, old), info["columns"])
        for old, info in before.items()
    }
    models_after = sorted({_model_after(model) for model in MODELS})
    script = (
        f"TAG = {TAG!r}\nSNAPSHOT_COLUMNS = {columns!r}\n"
        f"MODELS_AFTER = {models_after!r}\nSEEDED = {seeded!r}\n"
        f"CRON_AFTER = {CRON_AFTER!r}\nSTALE_XMLIDS = {STALE_XMLIDS!r}\n{CHECK}"
    )
    res = db.shell("check.log", S.REPO_ROOT, script)
    after = _tagged(res)
    if after is None:
        _fail("the check after the upgrade failed", res)

    lost = {
        old: (info["digest"], after["tables"].get(old))
        for old, info in before.items()
        if after["tables"].get(old) != info["digest"]
    }
    assert not lost, f"rows changed or lost by -u (before, after): {lost}"
    for model, table in MODELS.items():
        assert after["models"][_model_after(model)] == before[table]["digest"][0], (
            f"{_model_after(model)} does not answer for the rows of {table}"
        )
    assert after["found"] == seeded["link_ids"], "a token handed out lost its link"
    assert after["view_counts"] == seeded["view_counts"]
    stale = [m for m in RENAMED_MODELS if m in after["ir_models"]]
    assert not stale, f"renamed models still registered: {stale}"
    assert not after["stale_xmlids"], "xmlids left under their old names"
    assert not after["stale_constraints"], "constraints left under their old names"
    assert after["cron"] and "visits" in after["cron"], after["cron"]


# Old model name -> new (the migration's work).
RENAMED_MODELS = {"jingjai.portal.link.view": "jingjai.portal.link.visit"}
# Names of the view log that must be gone (ir_model_data, ir_model_constraint).
STALE_XMLIDS = "%link\\_view%"
# The noupdate cron erasing old visitors' addresses, and what it calls now.
CRON_AFTER = "jingjai_portal.ir_cron_anonymise_link_visits"


def _model_after(model):
    return RENAMED_MODELS.get(model, model)
