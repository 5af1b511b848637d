"""Concurrent visitors on one customer-wide link, and a revocation in the middle.

    python3 bench/concurrency.py            # fresh jjb_bench, Odoo --workers=2 on :8092
    python3 bench/concurrency.py --reuse    # reuse the bench database
    python3 bench/concurrency.py --reuse --clients 10 --requests 5

Odoo runs with ``--workers=2`` (two separate processes, plus its gevent
process on port+1), so requests really run side by side in two database
transactions.

1. Load: ``--clients`` concurrent clients x ``--requests`` GETs of a freshly
   generated customer-wide link. Expected: no error, and afterwards exactly
   clients x requests rows in ``jingjai_portal_link_visit`` for the link (its
   ``view_count``) and exactly one "opened for the first time" chatter note.
2. Revocation during load: the same load on a second fresh link; once
   ``--revoke-after`` requests have completed, an ``odoo shell`` that is
   already loaded and waiting revokes the link with ``action_revoke()`` as the
   administrator, commits, and reports the wall-clock time right after the
   commit returned. Every request records when it started. Expected: no
   request that *started* after that moment got a 200 page showing the
   customer (the revoked page shows only the business), and the revoked pages
   never show the customer's name.
3. Sign & Accept race: a fresh quote (a copy of the bench quote, signature
   asked, no prepayment) and its quote link; ``--accepts`` clients (20) each
   open the page in a browser session of their own, then all send the
   signature pad's JSON-RPC call at the same moment. ``web.base.url`` points at
   the server, so the signed PDF's wkhtmltopdf fetches its stylesheets from the
   same two workers, as in production. Expected: exactly one "accepted" answer,
   every other one a clear message, the order confirmed once, one "signed and
   accepted" note, no 5xx and no traceback.

Prints the figures with their targets; exits 1 on any MISS.
"""

import base64
import io
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from lxml import html
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _server  # noqa: E402

REVOKED_MARK = 'data-reason="revoked"'
MAX_RESETS = 3

REVOKER = """
import time
from pathlib import Path
admin = env.ref("base.user_admin")
link = env["jingjai.portal.link"].with_user(admin).browse(ARGS["link_id"])
link.read(["state"])  # warm the registry and caches before we are asked
env.cr.rollback()
print("JJB_READY", flush=True)
trigger = Path(ARGS["trigger"])
deadline = time.time() + ARGS["timeout"]
while not trigger.exists():
    if time.time() > deadline:
        raise SystemExit("no trigger")
    time.sleep(0.005)
asked = time.time()
link.action_revoke()
before_commit = time.time()
env.cr.commit()
committed = time.time()
report({"asked": asked, "before_commit": before_commit, "committed": committed})
"""


NEW_QUOTE = """
# As in production, wkhtmltopdf fetches the signed PDF's stylesheets from the
# server under test: its workers are the ones the other accepts compete for.
env["ir.config_parameter"].set_param("web.base.url", ARGS["base_url"])
admin = env.ref("base.user_admin")
quote = env["sale.order"].browse(ARGS["quote_id"]).copy(
    {"require_signature": True, "require_payment": False}
)
result = env["jingjai.portal.link"].with_user(admin).generate("sale.order", quote.id)
env.cr.commit()
report({"quote_id": quote.id, "name": quote.name,
        "token": result["url"].rsplit("/p/", 1)[1]})
"""


def signature_png_b64():
    """A drawn signature as the portal signature pad sends it: base64, no prefix."""
    image = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    ImageDraw.Draw(image).line(
        [(20, 70), (80, 20), (140, 80), (220, 30), (280, 60)],
        fill=(0, 0, 0, 255),
        width=4,
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def accept_race(base_url, token, clients, timeout):
    """``clients`` sessions open the quote page, then all Sign & Accept at once.

    :return: one dict per client: ``result`` (the JSON-RPC result), or ``error``
    """
    barrier = threading.Barrier(clients, timeout=timeout)
    signature = signature_png_b64()

    def client(number):
        session = requests.Session()
        session.headers["User-Agent"] = f"jjb-accept/{number}"
        try:
            page = session.get(f"{base_url}/p/{token}", timeout=timeout)
            props = html.fromstring(page.content).xpath(
                "//owl-component[@name='portal.signature_form']/@props"
            )
            call_url = json.loads(props[0])["callUrl"] if props else None
        except requests.RequestException as error:
            call_url, page = None, error
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return {"error": "the other clients never got ready"}
        if not call_url:
            return {"error": f"no signature pad on the page: {page}"}
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": number,
            "params": {"name": f"Signer {number}", "signature": signature},
        }
        try:
            response = session.post(base_url + call_url, json=payload, timeout=timeout)
            body = response.json()
        except (requests.RequestException, ValueError) as error:
            return {"error": f"{type(error).__name__}: {error}"}
        if response.status_code != 200 or "result" not in body:
            return {"error": f"{response.status_code}: {str(body)[:200]}"}
        return {"result": body["result"]}

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(client, range(clients)))


def quote_facts(db, quote_id):
    rows = _server.psql(
        db,
        f"""
        SELECT (SELECT state FROM sale_order WHERE id = {quote_id}),
               (SELECT count(*) FROM mail_message
                 WHERE model = 'sale.order' AND res_id = {quote_id}
                   AND body::text LIKE '%signed and accepted by%')
    """,
    )[0]
    return {"state": rows[0], "notes": int(rows[1])}


class Load:
    """``clients`` threads, each sending ``per_client`` GETs to ``url``."""

    def __init__(self, url, clients, per_client, customer_name, deadline_s):
        self.url = url
        self.clients = clients
        self.per_client = per_client
        self.customer_name = customer_name
        self.deadline = time.monotonic() + deadline_s
        self.results = []
        self.lock = threading.Lock()
        self.completed = 0
        self.on_progress = None

    def client(self, number):
        session = requests.Session()
        session.headers["User-Agent"] = f"jjb-concurrency/{number}"
        for _ in range(self.per_client):
            if time.monotonic() > self.deadline:
                self._add({"error": "deadline", "started": time.time()})
                continue
            resets = 0
            while True:
                started = time.time()
                try:
                    response = session.get(self.url, timeout=120, allow_redirects=False)
                    body = response.text
                    result = {
                        "started": started,
                        "ended": time.time(),
                        "status": response.status_code,
                        "has_name": self.customer_name in body,
                        "revoked_page": REVOKED_MARK in body,
                    }
                except requests.ConnectionError as error:
                    # Reset before any answer: Odoo's prefork worker closes a
                    # connection it could not read within 2 s (ODOO_HTTP_SOCKET_TIMEOUT)
                    # -- with 50 clients and a listen backlog of 8 x workers, some
                    # wait in the kernel. The request was never read, so it is
                    # sent again, as a browser or a proxy would.
                    if resets < MAX_RESETS:
                        resets += 1
                        continue
                    result = {
                        "started": started,
                        "ended": time.time(),
                        "error": f"{type(error).__name__}: {error}",
                    }
                except requests.RequestException as error:
                    result = {
                        "started": started,
                        "ended": time.time(),
                        "error": f"{type(error).__name__}: {error}",
                    }
                break
            result["resets"] = resets
            self._add(result)

    def _add(self, result):
        with self.lock:
            self.results.append(result)
            self.completed += 1
            completed = self.completed
        if self.on_progress:
            self.on_progress(completed)

    def run(self):
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=self.clients) as pool:
            list(pool.map(self.client, range(self.clients)))
        return time.monotonic() - started


def summarize(results):
    errors = [r for r in results if "error" in r]
    ok = [r for r in results if "error" not in r]
    statuses = {}
    for r in ok:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    latencies = [r["ended"] - r["started"] for r in ok]
    return errors, ok, statuses, latencies, sum(r.get("resets", 0) for r in results)


def main():
    parser = _server.script_parser(__doc__, 8092)
    parser.add_argument(
        "--workers", type=int, default=2, help="Odoo workers (default %(default)s)"
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=50,
        help="concurrent clients (default %(default)s)",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=20,
        help="requests per client (default %(default)s)",
    )
    parser.add_argument(
        "--revoke-after",
        type=int,
        default=300,
        help="revoke once this many requests of phase 2 completed "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--accepts",
        type=int,
        default=20,
        help="clients that Sign & Accept one quote at once (default %(default)s)",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=600,
        help="deadline of each phase, s (default %(default)s)",
    )
    args = parser.parse_args()
    _server.log(f"add-on from the {_server.use_code(args.code)}")
    _server.check_port(args.port)
    data = _server.prepare(args.db, reuse=args.reuse, port=args.port)
    customer = data["customers"]["ten"]
    load_link, revoke_link = _server.new_links(
        args.db, [("res.partner", customer["id"]), ("res.partner", customer["id"])]
    )
    race_quote = _server.odoo_shell(
        args.db,
        NEW_QUOTE,
        {
            "quote_id": data["quote"]["id"],
            "base_url": f"http://{_server.HOST}:{args.port}",
        },
    )
    total = args.clients * args.requests
    rows = []
    failed = False

    with _server.Server(args.db, args.port, workers=args.workers) as server:
        log_offset = server.log_offset()
        # ---- Phase 1: load on one link --------------------------------------
        _server.log(
            f"phase 1: {args.clients} clients x {args.requests} requests"
            f" on link {load_link['link_id']}"
        )
        load = Load(
            f"{server.url}/p/{load_link['token']}",
            args.clients,
            args.requests,
            customer["name"],
            args.timeout,
        )
        seconds = load.run()
        errors, ok, statuses, latencies, resets = summarize(load.results)
        facts = _server.link_visit_facts(
            args.db, load_link["link_id"], customer["id"], load_link["token"][-4:]
        )
        with_name = sum(1 for r in ok if r["status"] == 200 and r["has_name"])
        print(
            f"\nphase 1: {len(load.results)} requests in {seconds:.1f} s "
            f"({len(load.results) / seconds:.0f} req/s), statuses {statuses}, "
            f"p50 {_server.percentile(latencies, 50) * 1000:.0f} ms, "
            f"p95 {_server.percentile(latencies, 95) * 1000:.0f} ms"
        )
        phase1 = [
            ("1. requests sent", len(load.results), total, len(load.results) == total),
            ("1. connection resets before any answer, sent again", resets, "", True),
            (
                "1. errors (transport, timeout, non-200)",
                len(errors) + sum(n for s, n in statuses.items() if s != 200),
                0,
                not errors and set(statuses) == {200},
            ),
            ("1. 200 pages showing the customer", with_name, total, with_name == total),
            (
                "1. view_count (rows in jingjai_portal_link_visit)",
                facts["views"],
                total,
                facts["views"] == total,
            ),
            (
                "1. 'opened for the first time' notes",
                facts["first_notes"],
                1,
                facts["first_notes"] == 1,
            ),
        ]
        rows += phase1
        for error in errors[:5]:
            print("   error:", error)

        # ---- Phase 2: revocation during load --------------------------------
        trigger = _server.DATA_DIR / f"revoke-{os.getpid()}.go"
        trigger.unlink(missing_ok=True)
        revoker = subprocess.Popen(
            [
                *_server.odoo_base_args(args.db)[:3],
                "shell",
                *_server.odoo_base_args(args.db)[3:],
                "--no-http",
                "--log-level=warn",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(_server.DATA_DIR / f"{args.db}-revoker.log", "w"),
            text=True,
            env={
                **os.environ,
                "JJB_ARGS": json.dumps(
                    {
                        "link_id": revoke_link["link_id"],
                        "trigger": str(trigger),
                        "timeout": args.timeout,
                    }
                ),
            },
        )
        try:
            prologue = (
                "import json as _json, os as _os\n"
                'ARGS = _json.loads(_os.environ["JJB_ARGS"])\n'
                "def report(obj):\n"
                f"    print({_server.RESULT_PREFIX!r} + _json.dumps(obj), flush=True)\n"
            )
            revoker.stdin.write(prologue + REVOKER)
            revoker.stdin.close()
            ready_line = revoker.stdout.readline()
            if "JJB_READY" not in ready_line:
                raise SystemExit(
                    f"the revoking odoo shell did not start: {ready_line!r}"
                )
            _server.log(
                f"phase 2: same load on link {revoke_link['link_id']}, "
                f"revoked after {args.revoke_after} requests"
            )
            load2 = Load(
                f"{server.url}/p/{revoke_link['token']}",
                args.clients,
                args.requests,
                customer["name"],
                args.timeout,
            )

            def progress(completed):
                if completed >= args.revoke_after and not trigger.exists():
                    trigger.touch()

            load2.on_progress = progress
            seconds2 = load2.run()
            out = revoker.stdout.read()  # until the shell exits
            revoker.wait(timeout=120)
        finally:
            if revoker.poll() is None:
                revoker.kill()
            trigger.unlink(missing_ok=True)
        result_lines = [
            line for line in out.splitlines() if line.startswith(_server.RESULT_PREFIX)
        ]
        if not result_lines:
            raise SystemExit(f"the revoking odoo shell reported nothing: {out[-2000:]}")
        revocation = json.loads(result_lines[-1][len(_server.RESULT_PREFIX) :])
        committed = revocation["committed"]
        errors2, ok2, statuses2, latencies2, resets2 = summarize(load2.results)
        after = [r for r in ok2 if r["started"] > committed]
        before = [r for r in ok2 if r["started"] <= committed]
        data_after = [r for r in after if r["status"] == 200 and r["has_name"]]
        data_before = [r for r in before if r["status"] == 200 and r["has_name"]]
        revoked_after = [r for r in after if r["revoked_page"]]
        revoked_before = [r for r in before if r["revoked_page"]]
        revoked_with_name = [r for r in ok2 if r["revoked_page"] and r["has_name"]]
        in_flight = [r for r in before if r["ended"] > committed]
        facts2 = _server.link_visit_facts(
            args.db, revoke_link["link_id"], customer["id"], revoke_link["token"][-4:]
        )
        print(
            f"\nphase 2: {len(load2.results)} requests in {seconds2:.1f} s, "
            f"statuses {statuses2}; revocation asked at "
            f"+{revocation['asked'] - min(r['started'] for r in load2.results):.2f} s, "
            f"committed {1000 * (committed - revocation['asked']):.0f} ms later"
        )
        phase2 = [
            (
                "2. requests sent",
                len(load2.results),
                total,
                len(load2.results) == total,
            ),
            ("2. connection resets before any answer, sent again", resets2, "", True),
            (
                "2. errors (transport, timeout, non-200)",
                len(errors2) + sum(n for s, n in statuses2.items() if s != 200),
                0,
                not errors2 and set(statuses2) == {200},
            ),
            (
                "2. started before the commit: customer pages",
                len(data_before),
                "",
                True,
            ),
            (
                "2. started before the commit: revoked pages",
                len(revoked_before),
                "",
                True,
            ),
            ("2. ... of which still in flight at the commit", len(in_flight), "", True),
            ("2. started after the commit", len(after), "> 0", len(after) > 0),
            (
                "2. started after the commit: revoked pages",
                len(revoked_after),
                len(after),
                len(revoked_after) == len(after),
            ),
            (
                "2. started after the commit: 200 with customer data",
                len(data_after),
                0,
                not data_after,
            ),
            (
                "2. revoked pages showing the customer's name",
                len(revoked_with_name),
                0,
                not revoked_with_name,
            ),
            (
                "2. views logged (all states)",
                facts2["views"],
                total,
                facts2["views"] == total,
            ),
            (
                "2. views logged as 'revoked'",
                facts2["revoked_views"],
                len(revoked_after) + len(revoked_before),
                facts2["revoked_views"] == len(revoked_after) + len(revoked_before),
            ),
            (
                "2. 'opened for the first time' notes",
                facts2["first_notes"],
                1,
                facts2["first_notes"] == 1,
            ),
        ]
        rows += phase2
        for error in errors2[:5]:
            print("   error:", error)
        time.sleep(1)
        # Sign & Accept races end in serialization failures that Odoo replays:
        # counted for phases 1 and 2 only, where none is expected.
        serialization = server.log_since(log_offset).count("could not serialize access")

        # ---- Phase 3: Sign & Accept race -------------------------------------
        _server.log(
            f"phase 3: {args.accepts} clients Sign & Accept quote "
            f"{race_quote['name']} at once"
        )
        answers = accept_race(server.url, race_quote["token"], args.accepts, 120)
        accepted = [a for a in answers if a.get("result", {}).get("force_refresh")]
        refused = [a for a in answers if a.get("result", {}).get("error")]
        failures = [a for a in answers if "error" in a]
        quote = quote_facts(args.db, race_quote["quote_id"])
        messages = sorted({a["result"]["error"] for a in refused})
        print(f"\nphase 3: {len(answers)} accepts; messages to the others: {messages}")
        rows += [
            ("3. 'accepted' answers", len(accepted), 1, len(accepted) == 1),
            (
                "3. refused with a message",
                len(refused),
                args.accepts - 1,
                len(refused) == args.accepts - 1,
            ),
            (
                "3. errors (transport, non-200, no answer)",
                len(failures),
                0,
                not failures,
            ),
            (
                "3. quote state after the race",
                quote["state"],
                "sale",
                quote["state"] == "sale",
            ),
            ("3. 'signed and accepted' notes", quote["notes"], 1, quote["notes"] == 1),
        ]
        for failure in failures[:5]:
            print("   error:", failure["error"])
        time.sleep(1)
        text = server.log_since(log_offset)
        problems = _server.log_problems(text)
        error_lines = [
            line for line in text.splitlines() if _server.LOG_ERROR.match(line)
        ]
        timed_out = sum("Request timed out" in line for line in error_lines)
        other = (
            len(error_lines)
            - timed_out
            - sum("bad query" in line for line in error_lines)
        )
        rows += [
            (
                "Traceback in server log",
                problems["tracebacks"],
                0,
                problems["tracebacks"] == 0,
            ),
            (
                "ERROR lines: 'Request timed out' (Odoo prefork socket)",
                timed_out,
                "",
                True,
            ),
            (
                "'could not serialize' in phases 1-2 (first-view UPDATE)",
                serialization,
                0,
                serialization == 0,
            ),
            ("ERROR/CRITICAL lines: anything else", other, 0, other == 0),
        ]
        excerpt = _server.first_problem_lines(text)

    load = os.getloadavg()
    print(
        f"\nconcurrency: Odoo --workers={args.workers}, {args.clients} clients x "
        f"{args.requests} requests, {args.accepts} accepts, "
        f"customer '{customer['name']}' "
        f"(links {load_link['link_id']}, {revoke_link['link_id']}), "
        f"{time.strftime('%Y-%m-%d %H:%M')}, "
        f"load average {load[0]:.2f} on {os.cpu_count()} cores\n"
    )
    print(
        _server.table(
            ("figure", "value", "target", "verdict"),
            [
                (name, value, target, _server.verdict(ok) if target != "" else "")
                for name, value, target, ok in rows
            ],
        )
    )
    if excerpt:
        print("\nfirst problem in the server log:\n" + excerpt)
    failed = any(not ok for _name, _value, target, ok in rows if target != "")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
