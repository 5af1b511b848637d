"""CPU instructions per request of the link pages next to Odoo's own, counted.

    python3 bench/instructions.py --reuse              # the bench database of pages.py
    python3 bench/instructions.py --reuse --requests 10 --code head

pages.py times the pages on a real server; on a shared virtual machine its
p50 ratios move by a few percent from one run to the next (other guests take
the CPU: ``top`` shows it as "st"). This script counts instead: the Python
side of each request runs under Valgrind's callgrind, which counts the machine
instructions executed, the same from one run to the next (within 0.2 %), so
that a change of a few percent can be told from noise.

Each page is asked ``--warmup`` times, then ``--requests`` times with
callgrind's counting on, through Odoo's own WSGI application (``odoo.http.root``,
the code a server runs for a request, cursor, routing, session, rendering and
commit included) in one ``odoo shell`` process under ``valgrind
--tool=callgrind --instr-atstart=no``. What PostgreSQL does is not counted
(pages.py's queries per request tell that part), nor the HTTP server's socket.

Figures: instructions per request of the invoice link, the customer-wide link's
invoice route and the quote link, each against Odoo's ``/my/invoices/<id>`` or
``/my/orders/<id>`` with its ``access_token``; then both invoice pages with a
payment provider enabled (Odoo's test-only provider, as in pages.py), with
Odoo's payment form. Ratios are reported next to the issue's p50 target (a
ratio of work, not of time). Needs ``valgrind`` (Debian's package, which also
brings ``callgrind.h``) and ``gcc``; about two minutes per phase.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _server  # noqa: E402
from pages import PAYMENT_FORM_OFF, PAYMENT_FORM_ON, TOKEN_IN_PATH  # noqa: E402

# Turns counting on and off from Python, around the measured requests only.
CONTROL_C = """
#include <valgrind/callgrind.h>
void jjb_start(void) { CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION; }
void jjb_stop(const char *name) {
    CALLGRIND_STOP_INSTRUMENTATION; CALLGRIND_DUMP_STATS_AT(name);
}
"""

# Run in odoo shell under callgrind: each page warmed up, then counted.
COUNT = """
import ctypes
from werkzeug.test import Client
from werkzeug.wrappers import Response
from odoo.http import root
from odoo.tools import config
config["db_name"] = [env.cr.dbname]
config["dbfilter"] = "^%s$" % env.cr.dbname
control = ctypes.CDLL(ARGS["control"])
client = Client(root, Response)
for key, path, must_contain in ARGS["pages"]:
    for _i in range(ARGS["warmup"]):
        response = client.get(path)
        if response.status_code != 200 or must_contain not in response.get_data(True):
            raise SystemExit(f"{key}: {path} answered {response.status_code}")
for key, path, _must_contain in ARGS["pages"]:
    control.jjb_start()
    statuses = {client.get(path).status_code for _i in range(ARGS["requests"])}
    control.jjb_stop(key.encode())
    # An error page counted in place of the page would be a figure of nothing.
    if statuses != {200}:
        raise SystemExit(f"{key}: {path} answered {sorted(statuses)} while counted")
report({})
"""

TOTALS = re.compile(r"^totals:\s+(\d+)", re.MULTILINE)
TRIGGER = re.compile(r"^desc: Trigger: Client Request: (\S+)", re.MULTILINE)


def build_control():
    """The shared library the shell script loads to switch counting."""
    for tool in ("valgrind", "gcc"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed (apt-get install {tool})")
    source = _server.DATA_DIR / "jjb_callgrind_control.c"
    library = _server.DATA_DIR / "jjb_callgrind_control.so"
    source.write_text(CONTROL_C)
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O2", "-o", str(library), str(source)],
        check=True,
    )
    return library


def count(db, pages, requests, warmup, control):
    """``{key: instructions per request}`` of ``pages`` (key, path, must_contain)."""
    out_dir = _server.DATA_DIR / f"{db}-callgrind"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    # The interpreter itself (sys.executable), never a pyenv shim found on
    # PATH: callgrind does not follow a shell script's exec.
    base = _server.odoo_base_args(db)
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out_dir}/callgrind.%p",
        *base[:3],
        "shell",
        *base[3:],
        "--no-http",
        "--log-level=warn",
    ]
    args = {
        "pages": pages,
        "requests": requests,
        "warmup": warmup,
        "control": str(control),
    }
    _server.log(f"callgrind: {len(pages)} pages x {requests} requests")
    _server.odoo_shell(db, COUNT, args, timeout=3600, command=command)
    counts = {}
    for dump in out_dir.glob("callgrind.*.*"):
        text = dump.read_text(errors="replace")
        trigger, totals = TRIGGER.search(text), TOTALS.search(text)
        if trigger and totals:
            counts[trigger.group(1)] = int(totals.group(1)) / requests
    missing = {key for key, _path, _text in pages} - set(counts)
    if missing:
        raise SystemExit(f"callgrind wrote no count for {sorted(missing)}")
    return counts


def main():
    parser = _server.script_parser(__doc__, 8098)
    parser.add_argument(
        "--requests",
        type=int,
        default=5,
        help="counted requests per page (default %(default)s)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=8,
        help="uncounted requests per page first (default %(default)s)",
    )
    args = parser.parse_args()
    _server.log(f"add-on from the {_server.use_code(args.code)}")
    control = build_control()
    data = _server.prepare(args.db, reuse=args.reuse, port=args.port)
    links = data["links"]
    invoice, quote = data["invoice"], data["quote"]
    customer_invoice = f"/p/{links['three_hundred']['token']}/invoice/{invoice['id']}"
    pages = [
        ("inv_link", f"/p/{links['invoice']['token']}", invoice["name"]),
        ("inv_customer", customer_invoice, invoice["name"]),
        ("inv_odoo", invoice["my_url"], invoice["name"]),
        ("quote_link", f"/p/{links['quote']['token']}", quote["name"]),
        ("quote_odoo", quote["my_url"], quote["name"]),
    ]
    counts = count(args.db, pages, args.requests, args.warmup, control)

    company_id = int(
        _server.psql(args.db, "SELECT id FROM res_company ORDER BY id LIMIT 1")[0][0]
    )
    provider = _server.odoo_shell(args.db, PAYMENT_FORM_ON, {"company_id": company_id})
    try:
        form_pages = [
            (f"{key}_form", path, "o_payment_form")
            for key, path, _text in pages
            if key in ("inv_link", "inv_customer", "inv_odoo")
        ]
        counts.update(count(args.db, form_pages, args.requests, args.warmup, control))
    finally:
        _server.odoo_shell(
            args.db,
            PAYMENT_FORM_OFF,
            {"enable_portal_payment": provider["enable_portal_payment"]},
        )

    paths = {key: path for key, path, _text in pages + form_pages}
    print(
        f"\ninstructions per request (callgrind, {args.requests} counted after "
        f"{args.warmup} warm-up, Python side of the request):\n"
    )
    print(
        _server.table(
            ("page", "instructions", "path"),
            [
                (key, f"{counts[key] / 1e6:.2f} M", TOKEN_IN_PATH.sub(r"/p/…\1", path))
                for key, path in paths.items()
            ],
        )
    )
    rows = []
    for ours, theirs, label in (
        ("inv_link", "inv_odoo", "invoice link vs Odoo's invoice page"),
        ("inv_customer", "inv_odoo", "customer-wide invoice route vs the same"),
        ("quote_link", "quote_odoo", "quote link vs Odoo's quote page"),
        ("inv_link_form", "inv_odoo_form", "with the payment form: invoice link"),
        ("inv_customer_form", "inv_odoo_form", "with the payment form: customer-wide"),
    ):
        ratio = counts[ours] / counts[theirs]
        rows.append(
            (
                label,
                f"{counts[ours] / 1e6:.2f} / {counts[theirs] / 1e6:.2f} M",
                f"{ratio:.3f}x",
                "<= 1.0x (p50's)",
                _server.verdict(ratio <= 1.0),
            )
        )
    print()
    print(_server.table(("figure", "instructions", "ratio", "target", ""), rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
