"""Two Odoo servers, one database: what one server does, the other one sees.

    python3 bench/two_servers.py           # fresh jj_servers, A :8291, B :8292
    python3 bench/two_servers.py --keep       # keep the database afterwards
    python3 bench/two_servers.py --reuse      # reuse a kept jj_servers (no reinstall)

Installs ``jingjai_portal`` with its demo data (``--with-demo``: the Thai demo
company, its PromptPay account, customers, posted invoices) in a fresh
database, then starts two Odoo servers on it, as behind a load balancer:
server A on ``--port-a`` and B on ``--port-b``, each ``--workers=2`` (gevent
ports +2), ``--max-cron-threads=0``, the same ``--db-filter`` and the same
``--data-dir`` (shared filestore and sessions, as several servers need),
``--proxy-mode`` (the bench says which network each browser is on with
``X-Forwarded-For``). Links are made, revoked and the invoice paid through
Odoo 19's JSON-2 API with an API key of the administrator, as an integrator
would; everything a customer does goes through the ``/p/`` pages.

SMS go to a fake SMS provider run by the bench on 127.0.0.1 (a free port
the system picks): Odoo's ``sms`` module sends to it because the database's
``sms.endpoint`` points there. It answers "success" and keeps the messages,
so the bench reads the codes the customer would get on their phone.

1. Revocation: a customer-wide link opened on B (warm), revoked through A's
   JSON-2 ``action_revoke``, the very next request on B -> the revoked page
   (the text, no customer data); and every request after it, on A and B.
2. Load: ``--clients`` x ``--requests`` GETs of one fresh link, each client
   alternating A and B -> exactly clients x requests rows in
   ``jingjai_portal_link_visit`` and one "opened for the first time" note.
3. Access codes (links made with ``require_code``, SMS to the customer):
   a. one code, 12 browsers each sending a wrong code at the same moment,
      spread over A and B -> exactly 5 tries counted (``MAX_TRIES_PER_CODE``),
      7 refused without comparing, the right code then refused too;
   b. one browser entering wrong codes, alternately on A and B, over two
      codes -> the lockout comes at exactly the 10th failure
      (``LOCKOUT_FAILURES``), one lockout note; the right code is refused in
      that browser and accepted in another one;
   c. send caps, requests alternating A/B: a second code within 60 s from the
      same browser is refused; 8 browsers of one network at once -> 5 SMS
      (``NETWORK_CODES_PER_HOUR``); 16 browsers of 16 networks at once ->
      10 SMS (``LINK_CODES_PER_HOUR``); no SMS kept in ``sms_sms``.
4. Caches: the add-on's two caches, the ``tools.ormcache`` of the invoice's
   tax totals and the ``functools.lru_cache`` of QR images, are per process.
   An invoice page and its QR image are read on B (both workers), a partial
   payment is registered through A's JSON-2 (``account.payment.register``),
   then B's page, its inline QR and its ``promptpay.png`` must all ask for
   the rest (the QR payloads are decoded with zxing-cpp, tag 54 is the
   amount); a second invoice is reset to draft, changed and posted again
   through A, and B's page shows the new totals.

Prints one table, PASS/FAIL with the figures; exits 1 when a check fails, 2
when the bench itself could not run. The servers are stopped whatever
happens, and the database is dropped unless ``--keep``.
"""

import argparse
import base64
import contextlib
import io
import json
import os
import re
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# Its own data dir (filestore, sessions, logs), shared by the two servers.
os.environ.setdefault("JJB_DATA_DIR", "/tmp/jj_servers-data")

import requests  # noqa: E402
from lxml import html  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _server  # noqa: E402

DEFAULT_DB = "jj_servers"
PORTS = range(8291, 8295)
DB_NAME = re.compile(r"jj_servers[a-z0-9_]*")
# The other benches keep to jjb_* and 8091-8099; this one to its own.
_server.PORTS = PORTS


def _check_db_name(db):
    if not DB_NAME.fullmatch(db):
        raise SystemExit(f"database {db!r}: this bench only uses jj_servers*")
    return db


_server.check_db_name = _check_db_name

MODULE = _server.MODULE
ADMIN_PASSWORD = "jj-servers-admin"
REVOKED_MARK = 'data-reason="revoked"'
REVOKED_TEXT = "This link has been revoked"
MAX_RESETS = 3
TIMEOUT = 120

SETUP = """
from datetime import timedelta
from odoo import fields

admin = env.ref("base.user_admin")
admin.write({"password": ARGS["admin_password"]})
company = env.ref("base.demo_company_th")
company.write({"jingjai_portal_access_codes": True,
               "jingjai_portal_code_channel": "sms"})
params = env["ir.config_parameter"].sudo()
params.set_param("sms.endpoint", ARGS["sms_endpoint"])
params.set_param("web.base.url", ARGS["base_url"])
params.set_param("web.base.url.freeze", "True")
# The SMS account exists before the servers send: two workers creating it at
# once would each make one.
env["iap.account"].with_company(company).get("sms")
key = env["res.users.apikeys"].with_user(admin)._generate(
    scope="rpc", name="jj_servers bench",
    expiration_date=fields.Datetime.now() + timedelta(days=1),
)
ref = lambda xmlid: env.ref("jingjai_portal." + xmlid)
clinic, somchai = ref("demo_partner_clinic"), ref("demo_partner_somchai")
invoice, invoice2 = ref("demo_invoice_clinic"), ref("demo_invoice_somchai_due")
journal = env["account.journal"].search(
    [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
env.cr.commit()
report({
    "api_key": key,
    "company": {"id": company.id, "name": company.name},
    "clinic": {"id": clinic.id, "name": clinic.name, "phone": clinic.phone},
    "somchai": {"id": somchai.id, "name": somchai.name},
    "invoice": {"id": invoice.id, "name": invoice.name,
                "total": invoice.amount_total, "residual": invoice.amount_residual},
    "invoice2": {"id": invoice2.id, "name": invoice2.name,
                 "total": invoice2.amount_total},
    "bank_journal": journal.id,
})
"""


def log(message):
    _server.log(message)


# ----------------------------------------------------------------------------
# Fake SMS provider
# ----------------------------------------------------------------------------


class SmsGateway:
    """Odoo's IAP SMS API (``/api/sms/3/send``) on 127.0.0.1, answering success."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                results = []
                for message in body["params"].get("messages", []):
                    for number in message["numbers"]:
                        with gateway.lock:
                            gateway.messages.append(
                                {
                                    "number": number["number"],
                                    "content": message["content"],
                                    "at": time.time(),
                                }
                            )
                        results.append(
                            {"uuid": number["uuid"], "state": "success", "credit": 1}
                        )
                answer = json.dumps(
                    {"jsonrpc": "2.0", "id": body.get("id"), "result": results}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((_server.HOST, 0), Handler)
        self.url = f"http://{_server.HOST}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def count(self):
        with self.lock:
            return len(self.messages)

    def codes_since(self, index):
        with self.lock:
            messages = self.messages[index:]
        return [re.search(r"\b(\d{6})\b", m["content"]).group(1) for m in messages]


# ----------------------------------------------------------------------------
# Clients
# ----------------------------------------------------------------------------


class Api:
    """JSON-2 calls with the administrator's API key, on one server."""

    def __init__(self, url, key):
        self.url = url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"bearer {key}"

    def __call__(self, model, method, **body):
        response = self.session.post(
            f"{self.url}/json/2/{model}/{method}", json=body, timeout=TIMEOUT
        )
        if response.status_code != 200:
            raise BenchError(
                f"JSON-2 {model}.{method} on {self.url}: "
                f"{response.status_code} {response.text[:500]}"
            )
        return response.json()

    def generate(self, res_model, res_id, **kwargs):
        result = self(
            "jingjai.portal.link",
            "generate",
            res_model=res_model,
            res_id=res_id,
            **kwargs,
        )
        result["token"] = result["url"].rsplit("/p/", 1)[1]
        return result


class BenchError(Exception):
    pass


class Browser:
    """One visitor's browser (its own Odoo session) at the address ``ip``."""

    def __init__(self, ip, name="bench"):
        self.session = requests.Session()
        self.session.headers.update(
            {
                "User-Agent": f"jj-servers/{name}",
                # Odoo's --proxy-mode takes the client address from these.
                "X-Forwarded-For": ip,
                "X-Forwarded-Host": f"{_server.HOST}",
            }
        )

    def get(self, server, path):
        return self.session.get(
            server.url + path, timeout=TIMEOUT, allow_redirects=False
        )

    def csrf(self, server, token):
        page = self.get(server, f"/p/{token}")
        match = re.search(r'csrf_token: "([^"]+)"', page.text)
        if not match:
            raise BenchError(f"no CSRF token on /p/ page ({page.status_code})")
        return match.group(1)

    def post(self, server, path, data):
        return self.session.post(
            server.url + path, data=data, timeout=TIMEOUT, allow_redirects=False
        )


def code_status(response):
    """``(http status, the code page's data-status or the Location)``."""
    if response.status_code == 303:
        return 303, "redirect"
    tree = html.fromstring(response.content)
    pages = tree.xpath("//*[contains(@class, 'o_jingjai_portal_access_code')]")
    return response.status_code, pages[0].get("data-status") if pages else None


def counted(values):
    out = {}
    for value in values:
        out[value] = out.get(value, 0) + 1
    return dict(sorted(out.items(), key=str))


def at_once(count, work):
    """Run ``work(i)`` for i in range(count) in threads released together."""
    barrier = threading.Barrier(count, timeout=TIMEOUT)

    def run(index):
        barrier.wait()
        return work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


# ----------------------------------------------------------------------------
# Database facts
# ----------------------------------------------------------------------------


def scalar(db, sql):
    return _server.psql(db, sql)[0][0]


def code_facts(db, link_id):
    rows = _server.psql(
        db,
        f"""
        SELECT (SELECT count(*) FROM jingjai_portal_access_code
                 WHERE link_id = {link_id}),
               (SELECT coalesce(sum(tries), 0) FROM jingjai_portal_access_code
                 WHERE link_id = {link_id}),
               (SELECT count(*) FROM jingjai_portal_access_event
                 WHERE link_id = {link_id} AND event_type = 'sent'),
               (SELECT count(*) FROM jingjai_portal_access_event
                 WHERE link_id = {link_id} AND event_type = 'failure'),
               (SELECT count(*) FROM jingjai_portal_access_event
                 WHERE link_id = {link_id} AND event_type = 'lockout'),
               (SELECT count(*) FROM jingjai_portal_access_event
                 WHERE link_id = {link_id} AND event_type = 'unlock'),
               (SELECT count(*) FROM sms_sms)
        """,
    )[0]
    keys = ("codes", "tries", "sent", "failures", "lockouts", "unlocks", "sms_rows")
    return dict(zip(keys, map(int, rows), strict=True))


def notes_on(db, model, res_id, text):
    return int(
        scalar(
            db,
            f"SELECT count(*) FROM mail_message WHERE model = '{model}'"
            f" AND res_id = {res_id} AND body::text LIKE '%{text}%'",
        )
    )


# ----------------------------------------------------------------------------
# QR codes
# ----------------------------------------------------------------------------


def emv_fields(payload):
    """The top-level tags of an EMV QR payload: {tag: value}."""
    fields, index = {}, 0
    while index + 4 <= len(payload):
        tag, size = payload[index : index + 2], int(payload[index + 2 : index + 4])
        fields[tag] = payload[index + 4 : index + 4 + size]
        index += 4 + size
    return fields


def qr_amount(png):
    """The amount (EMV tag 54) of the QR code in a PNG, as a string, or None."""
    import zxingcpp  # noqa: PLC0415 - requirements.txt
    from PIL import Image  # noqa: PLC0415 - Odoo's requirements

    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    if not results:
        return None
    return emv_fields(results[0].text).get("54")


def invoice_page_facts(response):
    """What an invoice page asks for: amount due, QR amount, the inline QR's
    amount, the totals' figures.
    """
    tree = html.fromstring(response.content)

    def text(css_class):
        nodes = tree.xpath(f"//*[contains(@class, '{css_class}')]")
        return " ".join(nodes[0].text_content().split()) if nodes else None

    inline = tree.xpath("//img[contains(@class, 'o_jingjai_portal_qr')]/@src")
    inline_amount = None
    if inline and inline[0].startswith("data:image/png;base64,"):
        inline_amount = qr_amount(base64.b64decode(inline[0].split(",", 1)[1]))
    return {
        "status": response.status_code,
        "due": text("o_jingjai_portal_amount_due"),
        "qr_amount": text("o_jingjai_portal_qr_amount"),
        "inline_qr": inline_amount,
        "totals": text("o_jingjai_portal_totals"),
    }


def money(value):
    return f"{value:,.2f}"


# ----------------------------------------------------------------------------
# The checks
# ----------------------------------------------------------------------------


class Bench:
    def __init__(self, args, data, server_a, server_b, gateway):
        self.args = args
        self.db = args.db
        self.data = data
        self.a, self.b = server_a, server_b
        self.api_a = Api(server_a.url, data["api_key"])
        self.api_b = Api(server_b.url, data["api_key"])
        self.gateway = gateway
        self.rows = []

    def row(self, check, figure, target, ok, note=""):
        self.rows.append((check, figure, target, "PASS" if ok else "FAIL", note))
        return ok

    def servers(self, index):
        return self.a if index % 2 == 0 else self.b

    # -- 1 ---------------------------------------------------------------
    def revocation(self):
        clinic = self.data["clinic"]
        link = self.api_a.generate("res.partner", clinic["id"])
        browser = Browser("10.1.0.1", "revocation")
        path = f"/p/{link['token']}"
        # Both workers of B, most likely, have served the live page.
        warm = [browser.get(self.b, path) for _ in range(6)]
        warm_ok = all(r.status_code == 200 and clinic["name"] in r.text for r in warm)
        self.row(
            "1. live page on B before (6 requests)",
            counted(r.status_code for r in warm),
            "200 with the customer",
            warm_ok,
        )
        started = time.monotonic()
        revoked = self.api_a(
            "jingjai.portal.link", "action_revoke", ids=[link["link_id"]]
        )
        after_revoke = time.monotonic()
        first = browser.get(self.b, path)
        answered = time.monotonic()
        first_ok = (
            first.status_code == 200
            and REVOKED_MARK in first.text
            and REVOKED_TEXT in first.text
            and clinic["name"] not in first.text
        )
        self.row(
            "1. action_revoke on A (JSON-2), then the next request on B",
            f"{first.status_code}, "
            + ("revoked page" if REVOKED_MARK in first.text else "NOT revoked"),
            "revoked page, no customer",
            revoked is True and first_ok,
            f"revoke {1000 * (after_revoke - started):.0f} ms, B answered "
            f"{1000 * (answered - after_revoke):.0f} ms after",
        )
        later = [browser.get(self.b if i % 2 else self.a, path) for i in range(20)]
        later_ok = sum(
            1 for r in later if REVOKED_MARK in r.text and clinic["name"] not in r.text
        )
        self.row(
            "1. the 20 requests after it, A and B in turn: revoked pages",
            later_ok,
            20,
            later_ok == 20,
        )
        state = self.api_b(
            "jingjai.portal.link",
            "search_read",
            domain=[["id", "=", link["link_id"]]],
            fields=["state"],
        )[0]["state"]
        self.row(
            "1. state read through B's JSON-2", state, "revoked", state == "revoked"
        )

    # -- 2 ---------------------------------------------------------------
    def load(self):
        clinic = self.data["clinic"]
        link = self.api_b.generate("res.partner", clinic["id"])
        path = f"/p/{link['token']}"
        clients, per_client = self.args.clients, self.args.requests
        results, lock = [], threading.Lock()

        def client(number):
            session = requests.Session()
            session.headers["User-Agent"] = f"jj-servers-load/{number}"
            for index in range(per_client):
                server = self.servers(number + index)
                resets = 0
                while True:
                    started = time.monotonic()
                    try:
                        response = session.get(
                            server.url + path, timeout=TIMEOUT, allow_redirects=False
                        )
                        result = {
                            "server": server.port,
                            "status": response.status_code,
                            "name": clinic["name"] in response.text,
                        }
                    except requests.ConnectionError as error:
                        # Odoo's prefork server drops a connection it could not
                        # read within 2 s; never read, so sent again, as a browser
                        # or a proxy would (see bench/concurrency.py).
                        if resets < MAX_RESETS:
                            resets += 1
                            continue
                        result = {"server": server.port, "error": repr(error)}
                    except requests.RequestException as error:
                        result = {"server": server.port, "error": repr(error)}
                    break
                result.update(resets=resets, seconds=time.monotonic() - started)
                with lock:
                    results.append(result)

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(client, range(clients)))
        seconds = time.monotonic() - started
        total = clients * per_client
        ok = [r for r in results if r.get("status") == 200 and r["name"]]
        latencies = [r["seconds"] for r in results if "status" in r]
        per_server = counted(r["server"] for r in ok)
        facts = _server.link_visit_facts(
            self.db, link["link_id"], clinic["id"], link["token"][-4:]
        )
        self.row(
            f"2. {clients} clients x {per_client} GETs, A/B in turn: 200 pages",
            len(ok),
            total,
            len(ok) == total,
            f"{seconds:.1f} s, {total / seconds:.0f} req/s, p50 "
            f"{1000 * _server.percentile(latencies, 50):.0f} ms, p95 "
            f"{1000 * _server.percentile(latencies, 95):.0f} ms; A "
            f"{per_server.get(self.a.port, 0)}, B {per_server.get(self.b.port, 0)}; "
            f"{sum(r['resets'] for r in results)} resets resent",
        )
        errors = [r for r in results if r.get("status") != 200 or not r.get("name")]
        for error in errors[:5]:
            print("   load error:", error, file=sys.stderr)
        self.row(
            "2. rows in jingjai_portal_link_visit",
            facts["views"],
            total,
            facts["views"] == total,
        )
        self.row(
            "2. 'opened for the first time' notes",
            facts["first_notes"],
            1,
            facts["first_notes"] == 1,
        )

    # -- 3 ---------------------------------------------------------------
    def code_link(self):
        link = self.api_a.generate(
            "res.partner", self.data["clinic"]["id"], require_code=True
        )
        if not link["requires_code"]:
            raise BenchError("the link does not require a code")
        return link

    def send_code(self, browser, server, token):
        """A browser asks for a code (page on the other server); the SMS's code."""
        before = self.gateway.count()
        other = self.b if server is self.a else self.a
        response = browser.post(
            server, f"/p/{token}/code/send", {"csrf_token": browser.csrf(other, token)}
        )
        codes = self.gateway.codes_since(before)
        return code_status(response), (codes[-1] if codes else None)

    def enter_code(self, browser, server, token, code, csrf_server=None):
        csrf = browser.csrf(csrf_server or server, token)
        response = browser.post(
            server, f"/p/{token}/code", {"csrf_token": csrf, "code": code}
        )
        return code_status(response), response

    @staticmethod
    def wrong(code):
        return f"{(int(code) + 1) % 10**6:06d}"

    def code_tries(self):
        link = self.code_link()
        token = link["token"]
        sender = Browser("10.3.1.1", "sender")
        (status, _), code = self.send_code(sender, self.a, token)
        if status != 303 or not code:
            raise BenchError(f"code not sent: {status}")
        guessers = [Browser(f"10.3.1.{10 + i}", f"guesser{i}") for i in range(12)]
        # Each guesser's page (session and CSRF token) comes from the other server.
        tokens = [
            g.csrf(self.b if i % 2 == 0 else self.a, token)
            for i, g in enumerate(guessers)
        ]

        def guess(index):
            response = guessers[index].post(
                self.servers(index),
                f"/p/{token}/code",
                {"csrf_token": tokens[index], "code": self.wrong(code)},
            )
            return code_status(response)

        answers = at_once(len(guessers), guess)
        statuses = counted(s for _http, s in answers)
        facts = code_facts(self.db, link["link_id"])
        self.row(
            "3a. 12 wrong codes at once on one code, A/B: answers",
            statuses,
            "{'blocked': 7, 'wrong': 5}",
            statuses == {"blocked": 7, "wrong": 5},
        )
        self.row(
            "3a. tries counted on the code / failures logged",
            f"{facts['tries']} / {facts['failures']}",
            "5 / 5",
            facts["tries"] == 5 and facts["failures"] == 5,
        )
        (_http, right), _response = self.enter_code(sender, self.b, token, code)
        self.row("3a. then the right code, on B", right, "blocked", right == "blocked")

    def code_lockout(self):
        link = self.code_link()
        token = link["token"]
        walker = Browser("10.3.2.1", "walker")
        senders = [Browser(f"10.3.2.{11 + i}", f"sender{i}") for i in range(3)]
        answers = []
        for round_number in range(2):
            (status, _), code = self.send_code(
                senders[round_number], self.servers(round_number), token
            )
            if status != 303 or not code:
                raise BenchError(f"code not sent: {status}")
            for index in range(5):
                server = self.servers(round_number * 5 + index)
                (_http, answer), _r = self.enter_code(
                    walker,
                    server,
                    token,
                    self.wrong(code),
                    csrf_server=self.b if server is self.a else self.a,
                )
                answers.append(answer)
        locked_at = answers.index("locked") + 1 if "locked" in answers else None
        self.row(
            "3b. one browser, wrong codes on A, B, A… over 2 codes: locked at try",
            locked_at,
            10,
            locked_at == 10 and answers[:9] == ["wrong"] * 9,
            " ".join(a[0] for a in answers),
        )
        (status, _), code = self.send_code(senders[2], self.a, token)
        (_http, blocked), _r = self.enter_code(walker, self.b, token, code)
        (http_status, opened), response = self.enter_code(
            senders[2], self.b, token, code
        )
        page = senders[2].get(self.a, f"/p/{token}")
        facts = code_facts(self.db, link["link_id"])
        notes = notes_on(
            self.db,
            "res.partner",
            self.data["clinic"]["id"],
            f"…{token[-4:]}: 10 wrong access codes within an hour from one browser",
        )
        self.row(
            "3b. right code in the locked browser (B)",
            blocked,
            "locked",
            blocked == "locked",
        )
        self.row(
            "3b. right code in another browser (B), then its page on A",
            f"{http_status} {opened}, page {page.status_code}",
            "303, page 200 with the customer",
            http_status == 303
            and page.status_code == 200
            and self.data["clinic"]["name"] in page.text
            and code_status(page)[1] is None,
        )
        self.row(
            "3b. failures / lockouts / lockout notes / unlocks",
            f"{facts['failures']} / {facts['lockouts']} / {notes} / {facts['unlocks']}",
            "10 / 1 / 1 / 1",
            (facts["failures"], facts["lockouts"], notes, facts["unlocks"])
            == (10, 1, 1, 1),
        )

    def send_caps(self):
        link = self.code_link()
        token = link["token"]
        first = self.gateway.count()
        same = Browser("10.3.3.1", "resender")
        (one, _), _c = self.send_code(same, self.a, token)
        (two, two_status), _c = self.send_code(same, self.b, token)
        self.row(
            "3c. one browser: a code on A, another at once on B",
            f"{one} / {two} {two_status}",
            "303 / 429 too_soon",
            one == 303 and (two, two_status) == (429, "too_soon"),
        )

        def burst(ips, name):
            browsers = [Browser(ip, f"{name}{i}") for i, ip in enumerate(ips)]
            csrfs = [
                b.csrf(self.b if i % 2 == 0 else self.a, token)
                for i, b in enumerate(browsers)
            ]
            before = self.gateway.count()
            started = time.monotonic()
            answers = at_once(
                len(browsers),
                lambda i: code_status(
                    browsers[i].post(
                        self.servers(i),
                        f"/p/{token}/code/send",
                        {"csrf_token": csrfs[i]},
                    )
                ),
            )
            return (
                counted(f"{http} {s}" for http, s in answers),
                self.gateway.count() - before,
                time.monotonic() - started,
            )

        statuses, sms, seconds = burst(["10.3.4.1"] * 8, "network")
        self.row(
            "3c. 8 browsers of one network at once, A/B: SMS sent",
            sms,
            5,
            sms == 5 and statuses == {"303 redirect": 5, "429 too_soon": 3},
            f"{statuses}, {seconds:.1f} s",
        )
        link = self.code_link()
        token = link["token"]
        statuses, sms, seconds = burst([f"10.3.5.{i}" for i in range(1, 17)], "net")
        self.row(
            "3c. 16 browsers of 16 networks at once, A/B: SMS sent",
            sms,
            10,
            sms == 10 and statuses == {"303 redirect": 10, "429 too_soon": 6},
            f"{statuses}, {seconds:.1f} s",
        )
        facts = code_facts(self.db, link["link_id"])
        self.row(
            "3c. that link: codes stored / 'sent' events / sms_sms rows left",
            f"{facts['codes']} / {facts['sent']} / {facts['sms_rows']}",
            "10 / 10 / 0",
            (facts["codes"], facts["sent"], facts["sms_rows"]) == (10, 10, 0),
        )
        total = self.gateway.count() - first
        self.row("3c. SMS the provider got in 3c", total, 1 + 5 + 10, total == 16)

    # -- 4 ---------------------------------------------------------------
    def on_both_workers(self, server, browser, token, suffix, parse):
        """GET ``/p/<token><suffix>`` on ``server`` until both of its workers
        answered it (read back from its access log), at least 4 times.

        :return: ``(parsed answers, pids that answered)``
        """
        offset = server.log_offset()
        # The access log shows the token's last four characters only.
        line = re.compile(
            r"^\S+ \S+ (\d+) INFO \S+ werkzeug: .*\"GET "
            + re.escape(f"/p/…{token[-4:]}{suffix}")
            + r" HTTP",
            re.MULTILINE,
        )
        answers, pids = [], set()
        while len(answers) < 24:
            answers += [
                parse(browser.get(server, f"/p/{token}{suffix}")) for _ in range(4)
            ]
            time.sleep(0.3)  # the access line is written after the answer
            pids = set(line.findall(server.log_since(offset)))
            if len(pids) >= 2:
                break
        return answers, pids

    def caches(self):
        invoice = self.data["invoice"]
        link = self.api_a.generate("account.move", invoice["id"])
        token = link["token"]
        browser = Browser("10.4.0.1", "payer")

        def png_amount(response):
            if response.status_code != 200:
                return response.status_code
            return qr_amount(response.content)

        def look(server):
            pages, page_pids = self.on_both_workers(
                server, browser, token, "", invoice_page_facts
            )
            pngs, png_pids = self.on_both_workers(
                server, browser, token, "/promptpay.png", png_amount
            )
            return pages, set(pngs), f"{len(page_pids)} + {len(png_pids)}"

        # What is due now (a kept database may have paid part of it already).
        due, paid = invoice["residual"], self.args.partial
        if paid >= due:
            raise BenchError(f"{invoice['name']}: {money(due)} due, nothing to test")
        before_pages, before_png, workers = look(self.b)
        look(self.a)
        full = f"{due:.2f}"
        ok_before = all(
            p["status"] == 200 and p["inline_qr"] == full and money(due) in p["due"]
            for p in before_pages
        ) and before_png == {full}
        self.row(
            "4. invoice page and promptpay.png on B before",
            f"QR {before_pages[0]['inline_qr']}, png {sorted(before_png)}, "
            f"due {before_pages[0]['due']}",
            f"QR {full}",
            ok_before,
            f"{len(before_pages)} pages + pngs; B's workers that served them: "
            f"{workers}",
        )
        started = time.monotonic()
        context = {"active_model": "account.move", "active_ids": [invoice["id"]]}
        wizard = self.api_a(
            "account.payment.register",
            "create",
            vals_list=[{"amount": paid, "journal_id": self.data["bank_journal"]}],
            context=context,
        )
        self.api_a(
            "account.payment.register",
            "action_create_payments",
            ids=wizard,
            context=context,
        )
        state = self.api_a(
            "account.move",
            "read",
            ids=[invoice["id"]],
            fields=["amount_residual", "payment_state"],
        )[0]
        paid_in = time.monotonic() - started
        rest = due - paid
        after_pages, after_png, workers = look(self.b)
        left = f"{rest:.2f}"
        self.row(
            f"4. partial payment of {money(paid)} registered on A (JSON-2)",
            f"residual {money(state['amount_residual'])}, {state['payment_state']}",
            f"residual {money(rest)}",
            abs(state["amount_residual"] - rest) < 0.005,
            f"{paid_in:.1f} s",
        )
        page_ok = all(
            p["status"] == 200
            and p["inline_qr"] == left
            and money(rest) in (p["due"] or "")
            and money(rest) in (p["qr_amount"] or "")
            for p in after_pages
        )
        self.row(
            "4. then on B: amount due, QR amount, inline QR payload",
            f"{after_pages[0]['due']}, {after_pages[0]['qr_amount']}, "
            f"QR {after_pages[0]['inline_qr']}",
            f"{money(rest)}, QR {left}",
            page_ok,
            f"all {len(after_pages)} pages; B's workers that served them + the "
            f"pngs: {workers}",
        )
        self.row(
            "4. then on B: promptpay.png payloads",
            sorted(after_png),
            f"[{left!r}]",
            after_png == {left},
        )

        # Tax totals: a corrected invoice, posted again through A.
        invoice2 = self.data["invoice2"]
        token2 = self.api_a.generate("account.move", invoice2["id"])["token"]
        before, pids = self.on_both_workers(
            self.b, browser, token2, "", invoice_page_facts
        )
        lines = self.api_a(
            "account.move.line",
            "search_read",
            domain=[["move_id", "=", invoice2["id"]], ["display_type", "=", "product"]],
            fields=["price_unit"],
            order="id",
        )
        self.api_a("account.move", "button_draft", ids=[invoice2["id"]])
        self.api_a(
            "account.move",
            "write",
            ids=[invoice2["id"]],
            vals={
                "invoice_line_ids": [
                    [1, lines[0]["id"], {"price_unit": lines[0]["price_unit"] + 100}]
                ]
            },
        )
        self.api_a("account.move", "action_post", ids=[invoice2["id"]])
        new_total = self.api_a(
            "account.move", "read", ids=[invoice2["id"]], fields=["amount_total"]
        )[0]["amount_total"]
        after, pids_after = self.on_both_workers(
            self.b, browser, token2, "", invoice_page_facts
        )
        ok = (
            all(money(invoice2["total"]) in (p["totals"] or "") for p in before)
            and new_total != invoice2["total"]
            and all(
                p["status"] == 200
                and money(new_total) in (p["totals"] or "")
                and money(invoice2["total"]) not in (p["totals"] or "")
                and p["inline_qr"] == f"{new_total:.2f}"
                for p in after
            )
        )
        self.row(
            "4. invoice reset, line changed, posted on A: totals and QR on B",
            f"total {money(invoice2['total'])} -> {money(new_total)}, "
            f"QR {after[0]['inline_qr']}",
            f"totals show {money(new_total)}",
            ok,
            f"{len(before)} pages before, {len(after)} after; B's workers: "
            f"{len(pids)}, {len(pids_after)}",
        )

    def server_logs(self, offsets):
        problems = {"tracebacks": 0, "errors": 0}
        samples = []
        for server, offset in zip((self.a, self.b), offsets, strict=True):
            text = server.log_since(offset)
            found = _server.log_problems(text)
            problems["tracebacks"] += found["tracebacks"]
            problems["errors"] += found["errors"]
            if found["errors"] or found["tracebacks"]:
                samples.append(f"{server.url}:\n{_server.first_problem_lines(text)}")
            for key, mark in (
                ("serialization", "could not serialize"),
                ("replays", "SERIALIZATION_FAILURE, "),
                ("deadlocks", "deadlock detected"),
            ):
                problems[key] = problems.get(key, 0) + text.count(mark)
        self.row(
            "logs of A and B: tracebacks / ERROR lines",
            f"{problems['tracebacks']} / {problems['errors']}",
            "0 / 0",
            not problems["tracebacks"] and not problems["errors"],
            f"'could not serialize' lines {problems['serialization']}, deadlocks "
            f"{problems['deadlocks']}; requests Odoo replayed after a "
            f"serialization failure (INFO) {problems['replays']}",
        )
        for sample in samples:
            print(sample, file=sys.stderr)


# ----------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument(
        "--db", default=DEFAULT_DB, help="database, jj_servers* (default %(default)s)"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the database at the end (default: drop it)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database when the add-on is installed in it",
    )
    parser.add_argument(
        "--code",
        choices=("tree", "head"),
        default="tree",
        help="add-on from this work tree (default) or git HEAD",
    )
    parser.add_argument("--port-a", type=int, default=8291)
    parser.add_argument("--port-b", type=int, default=8292)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument(
        "--partial",
        type=float,
        default=2000.0,
        help="partial payment on the invoice (default %(default)s)",
    )
    parser.add_argument(
        "--only", default="1234", help="the checks to run, e.g. 34 (default: all)"
    )
    return parser.parse_args()


def main():
    args = parse_args()
    _check_db_name(args.db)
    for port in (args.port_a, args.port_b, args.port_a + 2, args.port_b + 2):
        _server.check_port(port)
    # A SIGTERM (a CI timeout) goes through the same clean-up as an error.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))
    log(f"add-on from the {_server.use_code(args.code)}")
    started = time.monotonic()
    failed = True
    with contextlib.ExitStack() as stack:
        if not args.keep:
            stack.callback(_server.drop_db, args.db)
        if not (args.reuse and _server.module_installed(args.db)):
            _server.install_db(args.db, demo=True)
        gateway = stack.enter_context(SmsGateway())
        data = _server.odoo_shell(
            args.db,
            SETUP,
            {
                "admin_password": ADMIN_PASSWORD,
                "sms_endpoint": gateway.url,
                "base_url": f"http://{_server.HOST}:{args.port_a}",
            },
        )
        servers = []
        for port in (args.port_a, args.port_b):
            server = _server.Server(
                args.db, port, workers=2, gevent_port=port + 2, extra=["--proxy-mode"]
            )
            stack.enter_context(server)
            servers.append(server)
        offsets = [server.log_offset() for server in servers]
        bench = Bench(args, data, *servers, gateway)
        print(
            f"\nserver A {servers[0].url}, server B {servers[1].url}: --workers=2 "
            f"each, database {args.db}, SMS provider {gateway.url}"
        )
        checks = {
            "1": [bench.revocation],
            "2": [bench.load],
            "3": [bench.code_tries, bench.code_lockout, bench.send_caps],
            "4": [bench.caches],
        }
        for key in args.only:
            for check in checks[key]:
                log(f"check {check.__name__}")
                try:
                    check()
                except (BenchError, requests.RequestException) as error:
                    bench.row(
                        f"{key}. {check.__name__}",
                        "could not run",
                        "",
                        False,
                        str(error)[:300],
                    )
        bench.server_logs(offsets)
        print()
        print(_server.table(("check", "figure", "target", "", "notes"), bench.rows))
        failed = any(row[3] != "PASS" for row in bench.rows)
        print(
            f"\n{'FAIL' if failed else 'PASS'}: "
            f"{sum(r[3] == 'PASS' for r in bench.rows)}"
            f" of {len(bench.rows)} checks passed, {time.monotonic() - started:.0f} s"
            f" in all (machine: {os.cpu_count()} cores, load "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())})"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
