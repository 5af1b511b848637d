"""Throw malformed tokens, paths, ids and methods at /p/ and check the answers.

    python3 bench/fuzz.py                 # fresh jjb_bench, own server on :8091
    python3 bench/fuzz.py --reuse -n 2000 # reuse the bench database, fewer requests
    python3 bench/fuzz.py --url http://127.0.0.1:8091 \
        --log /tmp/jjb-data/jjb_bench-server-8091.log

Requests go over raw sockets (HTTP/1.1, ``Connection: close``) so that paths
reach the server exactly as written: no client-side normalisation of ``../``,
no re-encoding. Cases are drawn from a seeded random generator, round-robin
over the families below, from a bounded thread pool with a global deadline.

Reported: count by status, 5xx (target 0), transport errors, responses to /p/
paths that lack ``Cache-Control: no-store``, ``Referrer-Policy: no-referrer``
or ``X-Robots-Tag`` -- split between answers that came from the add-on's
controller (target 0) and answers Odoo gave before any route of ours ran
(werkzeug 400 on a malformed request line, CSRF 400 on a POST, static or
unknown paths outside /p/) -- and the Traceback / ERROR lines the server wrote
to its log during the run (target 0). Exit status 1 when there is a 5xx, a
traceback, an ERROR line or a transport error; 0 otherwise.
"""

import json
import random
import socket
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _server  # noqa: E402

OUR_HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-robots-tag": None,  # any value
}
OUR_MARK = b"o_jingjai_portal"  # class on every page of the add-on's layout
TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
WRONG_CHARS = "+/=.~!*'()$,;:@&%#?[]{}|\\^` \"<>"
UNICODE_SAMPLES = (
    "ก๐ข฿",
    "é",
    "ß",
    "Ω",
    "😀",
    "\u200b",
    "\u202e",
    "\ufeff",
    "\u0301",
    "ｐ",
    "１２３",
    "١٢٣",
    "\U0010fffd",
    "\ud7ff",
    "İ",
    "ﬁ",
    "⁄",
    "∕",
    "／",
    "．．",
)
MAX_PDF = 4  # real PDF renders (wkhtmltopdf, ~1 s each) in a whole run


def pct(raw: bytes) -> str:
    return "".join(f"%{b:02X}" for b in raw)


def enc(text: str) -> str:
    return quote(text, safe="")


class Cases:
    """Seeded generator of (family, method, raw path bytes, extra headers, body)."""

    def __init__(self, seed, tokens, doc_ids):
        self.rnd = random.Random(seed)
        self.tokens = tokens  # {"customer": .., "invoice": .., "quote": ..}
        # invoice/order: documents of the customer; other_*: another customer's
        self.doc_ids = doc_ids
        self.pdf_budget = MAX_PDF
        self.families = [
            self.random_bytes,
            self.unicode,
            self.overlong,
            self.traversal,
            self.double_encoding,
            self.nul,
            self.wrong_chars,
            self.near_miss,
            self.bad_ids,
            self.bad_pages,
            self.subpaths,
            self.methods,
            self.headers,
        ]

    def next(self, index):
        family = self.families[index % len(self.families)]
        case = family()
        method, path = case[0], case[1]
        headers = case[2] if len(case) > 2 else {}
        body = case[3] if len(case) > 3 else b""
        if isinstance(path, str):
            path = path.encode("latin-1", "backslashreplace")
        return family.__name__, method, path, headers, body

    # -- helpers --------------------------------------------------------------
    def valid(self, scope=None):
        return self.tokens[scope or self.rnd.choice(list(self.tokens))]

    def token_like(self, length=22, alphabet=TOKEN_ALPHABET):
        return "".join(self.rnd.choice(alphabet) for _ in range(length))

    # -- families -------------------------------------------------------------
    def random_bytes(self):
        raw = self.rnd.randbytes(self.rnd.randint(1, 64))
        tail = self.rnd.choice(
            ["", "/pdf", "/quotes", "/invoice/1", "/order/1/pdf", "/" + pct(raw[:5])]
        )
        return "GET", f"/p/{pct(raw)}{tail}"

    def unicode(self):
        text = "".join(
            self.rnd.choice(UNICODE_SAMPLES) for _ in range(self.rnd.randint(1, 8))
        )
        text += self.token_like(self.rnd.randint(0, 22))
        choice = self.rnd.random()
        if choice < 0.6:
            return "GET", f"/p/{enc(text)}"
        if choice < 0.8:
            # Raw UTF-8 bytes in the request line, not percent-encoded.
            return "GET", b"/p/" + text.encode("utf-8", "surrogatepass")
        return "GET", f"/p/{self.valid()}/{enc(text)}"

    def overlong(self):
        length = self.rnd.choice([23, 24, 43, 64, 100, 512, 1024, 4096, 8000, 8192 - 3])
        alphabet = self.rnd.choice([TOKEN_ALPHABET, "A", TOKEN_ALPHABET + "%"])
        token = self.token_like(length, alphabet)
        if self.rnd.random() < 0.3:
            return "GET", f"/p/{self.valid()}/invoice/{'9' * min(length, 8000)}"
        if self.rnd.random() < 0.2:
            return "GET", f"/p/{self.valid()}?{'x=' + 'y' * min(length, 8000)}"
        return "GET", f"/p/{token}"[:8192]

    def traversal(self):
        valid = self.valid()
        return "GET", self.rnd.choice(
            [
                "/p/../web/database/manager",
                "/p/../../../../etc/passwd",
                f"/p/{valid}/../../web/login",
                f"/p/{valid}/../{self.token_like()}",
                f"/p/{valid}/invoice/../../{self.tokens['invoice']}",
                "/p/%2e%2e/%2e%2e/etc/passwd",
                "/p/%2E%2E%2F%2E%2E%2Fweb%2Fdatabase%2Fmanager",
                f"/p/{valid}/%2e%2e/pdf",
                f"/p/{valid}/invoice/%2e%2e%2f{self.doc_ids['invoice']}",
                f"/p/..%2f{valid}",
                f"/p/.%2f{valid}",
                f"/p/./{valid}",
                f"/p//{valid}",
                f"/p/{valid}//invoice//{self.doc_ids['invoice']}",
                "/p/..\\..\\windows\\win.ini",
                f"/p/{valid}/..%5c..%5cweb",
                "/%2e%2e/p/" + valid,
                "/p/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
                f"/p/{valid};/../web",
                f"/p/{valid}%2f..%2f..%2fweb%2flogin",
            ]
        )

    def double_encoding(self):
        valid = self.valid()
        return "GET", self.rnd.choice(
            [
                "/p/%252e%252e%252f%252e%252e%252fetc%252fpasswd",
                f"/p/{enc(enc(valid + '/'))}invoice",
                f"/p/{''.join('%25' + format(ord(c), '02X') for c in valid)}",
                f"/p/{valid}/invoice/%2531",
                f"/p/{valid}%25",
                "/p/%",
                "/p/%zz" + self.token_like(19),
                "/p/%%32%65",
                f"/p/{valid}/%u002e%u002e",
                f"/p/{valid[:11]}%2{valid[12:]}",
                f"/p/{pct(valid.encode())}",  # a valid token, fully percent-encoded
            ]
        )

    def nul(self):
        valid = self.valid()
        return "GET", self.rnd.choice(
            [
                f"/p/{valid}%00",
                f"/p/%00{valid[1:]}",
                f"/p/{valid[:10]}%00{valid[11:]}",
                f"/p/{valid}/invoice/{self.doc_ids['invoice']}%00",
                f"/p/{valid}/quotes?page=1%00",
                f"/p/{valid}/pdf%00.html",
                b"/p/" + valid.encode() + b"\x00",  # raw NUL in the request line
                b"/p/\x00\x01\x02\x7f",
            ]
        )

    def wrong_chars(self):
        token = list(self.token_like())
        for _ in range(self.rnd.randint(1, 4)):
            token[self.rnd.randrange(22)] = self.rnd.choice(WRONG_CHARS)
        text = "".join(token)
        if self.rnd.random() < 0.5:
            return "GET", f"/p/{enc(text)}"
        # Unencoded where the request line still parses: '?', '#', ';' and friends.
        return "GET", "/p/" + text.replace(" ", "%20").replace('"', "%22")

    def near_miss(self):
        valid = list(self.valid())
        position = self.rnd.randrange(22)
        valid[position] = self.rnd.choice(TOKEN_ALPHABET.replace(valid[position], ""))
        token = "".join(valid)
        return "GET", self.rnd.choice(
            [
                f"/p/{token}",
                f"/p/{token}/pdf",
                f"/p/{token}/quotes",
                f"/p/{token}/invoice/{self.doc_ids['invoice']}",
                f"/p/{self.valid().upper()}",
                f"/p/{self.valid().lower()}",
                f"/p/{self.valid()[:21]}",
                f"/p/{self.valid()}A",
                f"/p/{self.token_like()}",
            ]
        )

    def bad_ids(self):
        bad = self.rnd.choice(
            [
                "-1",
                "0",
                "-0",
                "00",
                "2147483648",
                "9223372036854775808",
                str(10**30),
                "1e3",
                "0x10",
                "+1",
                " 1",
                "%201",
                "1.0",
                "abc",
                "null",
                "[]",
                "%00",
                "١٢",
                "１",
                "²",
                "1%0a",
                "1;2",
                "1,2",
                "999999999",
                "1000000000",
                str(self.doc_ids["other_invoice"]),
                str(self.doc_ids["other_order"]),
            ]
        )
        scope = self.rnd.choice(["customer", "customer", "invoice", "quote"])
        kind = self.rnd.choice(
            ["invoice", "order", "payment", "INVOICE", "res.partner", ""]
        )
        suffix = self.rnd.choice(["", "/pdf", "/pdf/x", "/html", "/"])
        # Already percent-encoded on purpose: sent as they are.
        raw = bad if bad in ("%00", "%201", "1%0a") else enc(bad)
        return (
            "GET",
            f"/p/{self.valid(scope)}/{kind}/{raw}{suffix}",
        )

    def bad_pages(self):
        page = self.rnd.choice(
            [
                "-1",
                "abc",
                "99999999",
                "0",
                "",
                "1e9",
                "2147483648",
                str(2**70),
                "%00",
                "1.5",
                "１",
                "NaN",
                "inf",
                "-99999999999999999999",
                "1&page=2",
                "%ff",
            ]
        )
        section = self.rnd.choice(
            [
                "quotes",
                "jobs",
                "invoices",
                "deposits",
                "payments",
                "Quotes",
                "orders",
                "secret",
                "__init__",
                "_render",
            ]
        )
        scope = self.rnd.choice(
            ["customer", "customer", "customer", "quote", "invoice"]
        )
        return "GET", f"/p/{self.valid(scope)}/{section}?page={page}"

    def subpaths(self):
        scope = self.rnd.choice(list(self.tokens))
        valid = self.valid(scope)
        options = [
            f"/p/{valid}/request-link",
            f"/p/{valid}/pdf/pdf",
            f"/p/{valid}/a/b/c/d/e",
            f"/p/{valid}/invoice/{self.doc_ids['invoice']}/pdf2",
            f"/p/{valid}/order/{self.doc_ids['order']}/x",
            f"/p/{valid}/?debug=1",
            f"/p/{valid}/web",
            f"/p/{valid}.json",
            f"/p/{valid}/quotes/2",
            "/p/",
            "/p",
            "/p//",
            "/P/" + valid,
        ]
        if self.pdf_budget > 0 and self.rnd.random() < 0.05:
            self.pdf_budget -= 1
            options = [
                f"/p/{self.tokens['invoice']}/pdf",
                f"/p/{self.tokens['customer']}/invoice/{self.doc_ids['invoice']}/pdf",
            ]
        return "GET", self.rnd.choice(options)

    def methods(self):
        method = self.rnd.choice(
            ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "FOO"]
        )
        path = self.rnd.choice(
            [
                f"/p/{self.valid()}",
                f"/p/{self.valid()}/request-link",
                f"/p/{self.token_like()}",
                f"/p/{self.valid()}/invoice/{self.doc_ids['invoice']}",
                "/p/x/request-link",
            ]
        )
        body = self.rnd.choice(
            [b"", b"csrf_token=x", b"\x00" * 16, b"a=" + b"b" * 2048]
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        return method, path, headers, body

    def headers(self):
        headers = self.rnd.choice(
            [
                {"Accept-Language": "xx-YY;q=2, ;;;, " + "a" * 500},
                {"User-Agent": "\u00e9" * 10 + "x" * 4000},
                {"X-Forwarded-For": "'; DROP TABLE jingjai_portal_link; --"},
                {"X-Forwarded-Host": "evil.example.com"},
                {"Cookie": "session_id=../../../../etc/passwd; frontend_lang=xx_XX"},
                {"Cookie": "frontend_lang=th_TH"},
                {"Range": "bytes=-1"},
                {"If-None-Match": "*"},
                {"Accept": "application/json"},
                {"Content-Length": "5"},
                {"User-Agent": "jjb\x00fuzz"},  # NUL in a header the view log stores
                {"Accept-Language": "th\x00"},
            ]
        )
        return (
            "GET",
            self.rnd.choice([f"/p/{self.valid()}", f"/p/{self.token_like()}"]),
            headers,
        )


def send(host, port, method, path, headers, body, timeout):
    """One raw HTTP request; return (status, headers, body bytes)."""
    lines = [
        method.encode() + b" " + path + b" HTTP/1.1",
        f"Host: {host}:{port}".encode(),
        b"Connection: close",
        b"User-Agent: "
        + headers.pop("User-Agent", "jjb-fuzz/1").encode("utf-8", "replace"),
    ]
    for name, value in headers.items():
        lines.append(f"{name}: ".encode() + value.encode("utf-8", "replace"))
    if body and "Content-Length" not in headers:
        lines.append(f"Content-Length: {len(body)}".encode())
    request = b"\r\n".join(lines) + b"\r\n\r\n" + body
    chunks = []
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(request)
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        total = 0
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > 4_000_000:
                break
    raw = b"".join(chunks)
    head, _sep, content = raw.partition(b"\r\n\r\n")
    head_lines = head.split(b"\r\n")
    status = int(head_lines[0].split()[1])
    response_headers = {}
    for line in head_lines[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        response_headers[name.strip().lower()] = value.strip()
    return status, response_headers, content


def missing_headers(headers):
    missing = []
    for name, value in OUR_HEADERS.items():
        got = headers.get(name)
        if got is None or (value and got.lower() != value):
            missing.append(name)
    return missing


def run(args):
    data = json.loads(_server.data_file(args.db).read_text())
    tokens = {
        "customer": data["links"]["three_hundred"]["token"],
        "invoice": data["links"]["invoice"]["token"],
        "quote": data["links"]["quote"]["token"],
    }
    big_id = data["customers"]["three_hundred"]["id"]
    ten_id = data["customers"]["ten"]["id"]
    ids = _server.psql(
        args.db,
        f"""
        SELECT (SELECT min(id) FROM sale_order
                 WHERE partner_id = {big_id} AND state = 'sale'),
               (SELECT min(id) FROM account_move
                 WHERE partner_id = {ten_id} AND state = 'posted'),
               (SELECT min(id) FROM sale_order WHERE partner_id = {ten_id})
    """,
    )[0]
    doc_ids = {
        "invoice": data["invoice"]["id"],
        "order": int(ids[0]),
        "other_invoice": int(ids[1]),
        "other_order": int(ids[2]),
    }
    cases = Cases(args.seed, tokens, doc_ids)
    split = urlsplit(args.url)
    host, port = split.hostname, split.port

    statuses = Counter()
    by_family = Counter()
    fivexx, transport_errors, ours_missing, before_missing = [], [], [], Counter()
    outside_p, ours_complete = 0, 0
    latencies = []
    deadline = time.monotonic() + args.timeout
    log_offset = Path(args.log).stat().st_size if args.log else 0

    # Cases are drawn in the main thread (seeded, reproducible), sent by the pool.
    planned = [cases.next(i) for i in range(args.requests)]

    def work(case):
        family, method, path, headers, body = case
        if time.monotonic() > deadline:
            return case, None, "skipped: global timeout", 0.0
        started = time.perf_counter()
        try:
            result = send(
                host, port, method, path, dict(headers), body, args.request_timeout
            )
        except Exception as error:  # noqa: BLE001 - every failure is a finding
            return (
                case,
                None,
                f"{type(error).__name__}: {error}",
                time.perf_counter() - started,
            )
        return case, result, None, time.perf_counter() - started

    started = time.monotonic()
    skipped = 0
    dump = open(args.dump, "w") if args.dump else None  # noqa: SIM115
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        futures = [pool.submit(work, case) for case in planned]
        for future in as_completed(futures):
            case, result, error, elapsed = future.result()
            family, method, path, _headers, _body = case
            if error and error.startswith("skipped"):
                skipped += 1
                continue
            by_family[family] += 1
            if error:
                transport_errors.append((method, path[:120], error))
                continue
            latencies.append(elapsed)
            status, headers, content = result
            statuses[status] += 1
            if args.dump:
                dump.write(
                    json.dumps(
                        {
                            "family": family,
                            "method": method,
                            "path": path.decode("latin-1")[:300],
                            "status": status,
                            "missing": missing_headers(headers),
                            "ours": OUR_MARK in content,
                            "location": headers.get("location"),
                            "ms": round(elapsed * 1000, 1),
                        }
                    )
                    + "\n"
                )
            if status >= 500:
                fivexx.append((method, path[:200], status, content[:300]))
                continue
            if not path.startswith(b"/p/"):
                outside_p += 1
                continue
            missing = missing_headers(headers)
            reached_ours = OUR_MARK in content or len(missing) < len(OUR_HEADERS)
            if not missing:
                ours_complete += 1
            elif reached_ours:
                ours_missing.append((method, path[:200], status, missing))
            else:
                before_missing[(status, method if method != "GET" else "GET")] += 1
    duration = time.monotonic() - started
    if dump:
        dump.close()

    time.sleep(1.0)  # let the server flush its last lines
    problems = {"tracebacks": "n/a", "errors": "n/a", "warnings": "n/a"}
    excerpt = ""
    if args.log:
        text = _read_from(args.log, log_offset)
        problems = _server.log_problems(text)
        excerpt = _server.first_problem_lines(text)

    sent = sum(statuses.values()) + len(transport_errors)
    print(
        f"\nfuzz: {sent} requests sent "
        f"({skipped} skipped by the {args.timeout} s deadline) "
        f"in {duration:.0f} s, {args.threads} threads, seed {args.seed}, {args.url}"
    )
    print("\nby family:")
    print(_server.table(("family", "requests"), sorted(by_family.items())))
    print("\nby status:")
    print(_server.table(("status", "responses"), sorted(statuses.items())))
    print(
        f"\nlatency: p50 {_server.percentile(latencies, 50) * 1000:.0f} ms, "
        f"p95 {_server.percentile(latencies, 95) * 1000:.0f} ms, "
        f"max {max(latencies, default=0) * 1000:.0f} ms"
    )
    before_rows = [
        (f"{status} {method}", count)
        for (status, method), count in sorted(before_missing.items())
    ]
    rows = [
        (
            "requests sent",
            sent,
            f">= {args.requests}",
            _server.verdict(sent >= args.requests),
        ),
        ("5xx responses", len(fivexx), "0", _server.verdict(not fivexx)),
        (
            "transport errors / timeouts",
            len(transport_errors),
            "0",
            _server.verdict(not transport_errors),
        ),
        ("/p/ answers with all 3 headers", ours_complete, "", ""),
        (
            "/p/ answers from our routes missing a header",
            len(ours_missing),
            "0",
            _server.verdict(not ours_missing),
        ),
        (
            "/p/ answers by Odoo before our routes (no headers)",
            sum(before_missing.values()),
            "reported",
            "",
        ),
        ("answers outside /p/ (not checked)", outside_p, "", ""),
        (
            "Traceback in server log",
            problems["tracebacks"],
            "0",
            _server.verdict(problems["tracebacks"] in (0,)),
        ),
        (
            "ERROR/CRITICAL lines in server log",
            problems["errors"],
            "0",
            _server.verdict(problems["errors"] in (0,)),
        ),
        ("WARNING lines in server log", problems["warnings"], "", ""),
    ]
    print("\nresults:")
    print(_server.table(("figure", "value", "target", "verdict"), rows))
    if before_rows:
        print("\n/p/ requests answered by Odoo before our routes (status, method):")
        print(_server.table(("status method", "count"), before_rows))
    for title, items in (
        ("5xx", fivexx),
        ("missing headers (our routes)", ours_missing),
        ("transport errors", transport_errors),
    ):
        if items:
            print(f"\nfirst {title}:")
            for item in items[:10]:
                print("  ", item)
    if excerpt:
        print("\nfirst problem in the server log:\n" + excerpt)
    failed = bool(
        fivexx or transport_errors or problems["tracebacks"] or problems["errors"]
    )
    return 1 if failed else 0


def _read_from(path, offset):
    with open(path, "rb") as fh:
        fh.seek(offset)
        return fh.read().decode("utf-8", "replace")


def main():
    parser = _server.script_parser(__doc__, 8091)
    parser.add_argument(
        "--url",
        help="fuzz this running server instead of starting one "
        "(its database must be --db, filled by bench/_server.py)",
    )
    parser.add_argument(
        "--log", help="with --url: the server's log file, to count tracebacks"
    )
    parser.add_argument(
        "-n",
        "--requests",
        type=int,
        default=10000,
        help="number of requests (default %(default)s)",
    )
    parser.add_argument(
        "--threads", type=int, default=8, help="client threads (default %(default)s)"
    )
    parser.add_argument(
        "--seed", type=int, default=20261126, help="random seed (default %(default)s)"
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=900,
        help="global deadline in seconds (default %(default)s)",
    )
    parser.add_argument("--dump", help="write one JSON line per response to this file")
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=60,
        help="per request, seconds (default %(default)s)",
    )
    args = parser.parse_args()
    _server.log(f"add-on from the {_server.use_code(args.code)}")
    _server.check_db_name(args.db)
    if args.url:
        if not _server.data_file(args.db).exists():
            raise SystemExit(
                f"{_server.data_file(args.db)} is missing: "
                "run python3 bench/_server.py first"
            )
        return run(args)
    _server.prepare(args.db, reuse=args.reuse, port=_server.check_port(args.port))
    with _server.Server(args.db, args.port) as server:
        args.url, args.log = server.url, str(server.logfile)
        return run(args)


if __name__ == "__main__":
    sys.exit(main())
