"""Strict HTTP and the small ones of issue 10 (points 4 and 5), against the
real daemon over raw sockets: framing that a proxy could read differently
is refused with a JSON 400, bodies must be application/json (415), a FIFO
under ui_dir or as the config hangs nothing, ticket_url must be an http(s)
address, a method with a terminal escape reaches the log escaped, counter
routes answer 401 before 404, and kiosk_clients limits only the kiosk
routes."""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bonomat import (COUNTER_TOKENS, DaemonTestCase, SOURCE_DIR,  # noqa: E402
                     find_binary, main, make_config)
from robust import raw_request  # noqa: E402

TICKET = b'{"service":"A","kiosk":"k1"}'


def post(extra_headers, body=TICKET, target=b"/api/v1/tickets"):
    return (b"POST " + target + b" HTTP/1.1\r\nHost: x\r\n" + extra_headers
            + b"\r\n" + body)


class TestStrictHttp(DaemonTestCase):
    def setUp(self):
        super().setUp()
        self.d = self.start_daemon()

    def waiting(self):
        r = self.d.services()
        self.assertEqual(r.status, 200)
        return sum(s["waiting"] for s in r.data)

    def assertRawError(self, r, status, code, ctx):
        self.assertEqual(r.status, status, "%s: %r" % (ctx, r))
        self.assertTrue(r.headers.get("content-type", "")
                        .startswith("application/json"), "%s: %r"
                        % (ctx, r))
        self.assertIsInstance(r.json, dict, "%s: %r" % (ctx, r))
        self.assertEqual(r.json["error"]["code"], code, ctx)

    def test_framing_refused(self):
        n = len(TICKET)
        cases = {
            "two different Content-Length":
                b"Content-Type: application/json\r\nContent-Length: %d\r\n"
                b"Content-Length: 5\r\n" % n,
            "two equal Content-Length":
                b"Content-Type: application/json\r\nContent-Length: %d\r\n"
                b"Content-Length: %d\r\n" % (n, n),
            "two Host":
                b"Host: y\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n" % n,
            "Content-Length and chunked":
                b"Content-Type: application/json\r\nContent-Length: %d\r\n"
                b"Transfer-Encoding: chunked\r\n" % n,
            "bare CR in a value":
                b"Content-Type: application/json\r\nX-A: a\rb\r\n"
                b"Content-Length: %d\r\n" % n,
            "spaced field name":
                b"Content-Type: application/json\r\nX Y: x\r\n"
                b"Content-Length: %d\r\n" % n,
            "space before the colon":
                b"Content-Type: application/json\r\nX-Y : x\r\n"
                b"Content-Length: %d\r\n" % n,
        }
        before = self.waiting()
        for name, headers in cases.items():
            with self.subTest(name):
                r = raw_request(self.d.port, post(headers))
                self.assertRawError(r, 400, "bad_request", name)
        # An empty field name never reaches the daemon: libmicrohttpd
        # ends the header section there (so the body is missing, 400) and
        # answers the rest of the bytes itself (docs/API.md lists it).
        r = raw_request(self.d.port, post(
            b"Content-Type: application/json\r\n: x\r\n"
            b"Content-Length: %d\r\n" % n))
        self.assertRawError(r, 400, "bad_request", "empty field name")
        self.assertEqual(self.waiting(), before, "a refused request issued")

    def test_json_only(self):
        n = len(TICKET)
        before = self.waiting()
        for ctype in (b"text/plain", b"text/plain;charset=UTF-8",
                      b"application/x-www-form-urlencoded",
                      b"multipart/form-data; boundary=x",
                      b"application/jsonp", None):
            with self.subTest(ctype=ctype):
                h = b"Content-Length: %d\r\n" % n
                if ctype is not None:
                    h += b"Content-Type: " + ctype + b"\r\n"
                r = raw_request(self.d.port, post(h))
                self.assertRawError(r, 415, "unsupported_media_type",
                                    repr(ctype))
        # A chunked body is a body too.
        r = raw_request(self.d.port, post(
            b"Transfer-Encoding: chunked\r\nContent-Type: text/plain\r\n",
            body=b"%x\r\n%s\r\n0\r\n\r\n" % (n, TICKET)))
        self.assertRawError(r, 415, "unsupported_media_type", "chunked")
        self.assertEqual(self.waiting(), before,
                         "a cross-site form could issue a ticket")
        for ctype in (b"application/json", b"application/json; charset=utf-8",
                      b"Application/JSON;charset=UTF-8"):
            with self.subTest(ctype=ctype):
                r = raw_request(self.d.port, post(
                    b"Content-Type: " + ctype + b"\r\nContent-Length: %d\r\n"
                    % n))
                self.assertEqual(r.status, 201, r)
        # No body, no type needed.
        r = self.d.counter("1", "next")
        self.assertEqual(r.status, 200, r)

    def test_library_answers_are_listed(self):
        # What libmicrohttpd answers by itself (docs/API.md lists these
        # as the exceptions to JSON): still an answer, never a hang.
        r = raw_request(self.d.port, b"GET / HTTP/1.1\r\n\r\n")
        self.assertEqual(r.status, 400, r)  # HTTP/1.1 without Host
        r = raw_request(self.d.port, b"GET / HTTP/2.0\r\nHost: x\r\n\r\n")
        self.assertEqual(r.status, 505, r)

    def test_method_logged_escaped(self):
        # A body far over the limit is dropped with a log line that names
        # the method; the method carries a terminal escape.
        method = b"P\x1b[31mOST"
        chunk = b"x" * 65536
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk)
                        for _ in range(20)) + b"0\r\n\r\n"
        raw_request(self.d.port, method + b" /api/v1/tickets HTTP/1.1\r\n"
                    b"Host: x\r\nContent-Type: application/json\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n" + body)
        deadline = time.monotonic() + 5
        while b"far over" not in self.d.log().encode() and \
                time.monotonic() < deadline:
            time.sleep(0.1)
        with open(self.d.log_path, "rb") as f:
            log = f.read()
        self.assertIn(b"far over", log, "no log line names the method")
        self.assertNotIn(b"\x1b", log, "a raw escape reached the log")
        self.assertIn(b"P\\x1b[31mOST", log)

    def test_401_before_404(self):
        for path in ("/api/v1/counters/99", "/api/v1/counters/nope"):
            with self.subTest(path=path):
                self.assertError(self.d.get(path), 401, "unauthorized")
                self.assertError(self.d.get(path, token="guess"), 401,
                                 "unauthorized")
                self.assertError(self.d.get(path,
                                            token=COUNTER_TOKENS["1"]),
                                 404, "not_found")
        self.assertError(self.d.post("/api/v1/counters/99/next"), 401,
                         "unauthorized")

    def test_kiosk_clients_limit_only_kiosk_routes(self):
        # The decision of docs/API.md: kiosk_clients limits issuing and
        # check-in; displays, services and the event stream are public.
        src = "127.0.0.9"
        r = raw_request(self.d.port, post(
            b"Content-Type: application/json\r\nContent-Length: %d\r\n"
            % len(TICKET)), source=src)
        self.assertRawError(r, 403, "forbidden", "issue from elsewhere")
        for path in (b"/api/v1/display", b"/api/v1/services",
                     b"/api/v1/office"):
            with self.subTest(path=path):
                r = raw_request(self.d.port, b"GET " + path +
                                b" HTTP/1.1\r\nHost: x\r\nConnection: "
                                b"close\r\n\r\n", source=src)
                self.assertEqual(r.status, 200, r)


class TestFiles(DaemonTestCase):
    def test_fifo_in_ui_dir(self):
        tmp = tempfile.mkdtemp(prefix="bonomat-ui-")
        self.addCleanup(shutil.rmtree, tmp, True)
        ui = os.path.join(tmp, "ui")
        shutil.copytree(os.path.join(SOURCE_DIR, "ui"), ui)
        os.mkfifo(os.path.join(ui, "trap.js"))
        d = self.start_daemon()
        text = d.config_text.replace(
            "ui_dir = " + os.path.join(SOURCE_DIR, "ui"), "ui_dir = " + ui)
        self.assertNotEqual(text, d.config_text)
        d.config_text = text
        with open(d.conf, "w", encoding="utf-8") as f:
            f.write(text)
        d.restart()
        results = []

        def get():
            try:
                results.append(d.get("/trap.js", timeout=5).status)
            except OSError as e:
                results.append(repr(e))

        # More than the 8 workers: before, each one hung in open().
        threads = [threading.Thread(target=get) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        self.assertEqual(results, [404] * 12)
        self.assertEqual(d.get("/healthz", timeout=2).status, 200)

    def check(self, conf_path, timeout=10):
        return subprocess.run([find_binary(), "-c", conf_path, "--check"],
                              capture_output=True, timeout=timeout)

    def test_fifo_as_config(self):
        tmp = tempfile.mkdtemp(prefix="bonomat-conf-")
        self.addCleanup(shutil.rmtree, tmp, True)
        fifo = os.path.join(tmp, "bonomat.conf")
        os.mkfifo(fifo)
        t0 = time.monotonic()
        try:
            p = self.check(fifo, timeout=5)
        except subprocess.TimeoutExpired:
            self.fail("--check hung on a FIFO")
        self.assertEqual(p.returncode, 2, p)
        self.assertIn(b"not a regular file", p.stderr)
        self.assertLess(time.monotonic() - t0, 5)

    def test_ticket_url(self):
        tmp = tempfile.mkdtemp(prefix="bonomat-conf-")
        self.addCleanup(shutil.rmtree, tmp, True)
        conf = os.path.join(tmp, "bonomat.conf")
        base = make_config(tmp)
        for url, ok in (("javascript:alert(1)", False),
                        ("javascript://x/{token}", False),
                        ("data:text/html,{token}", False),
                        ("ftp://x/{token}", False),
                        ("https://x.ro/t/", False),  # names no ticket
                        ("https://", False),
                        ("https:///{token}", False),
                        ("https:///t/{id}", False),
                        # The guessable id no longer names a ticket:
                        # 0.1's form runs, without a QR code, and warns.
                        ("https://x.ro/t/{id}", "warning"),
                        ("https://x.ro/t/{token}", True),
                        ("http://10.0.0.5:8080/t?t={token}", True),
                        ("", True)):
            with self.subTest(url=url):
                with open(conf, "w", encoding="utf-8") as f:
                    f.write(base.replace(
                        "[office]\n", "[office]\nticket_url = %s\n" % url,
                        1))
                p = self.check(conf)
                self.assertEqual(p.returncode, 2 if ok is False else 0, p)
                if ok is False:
                    self.assertIn(b"ticket_url", p.stderr)
                elif ok == "warning":
                    self.assertRegex(p.stderr, rb"^[^\n]+:\d+: warning: "
                                     rb"\[office\] ticket_url = [^\n]+\n$")
                else:
                    self.assertEqual(p.stderr, b"")

if __name__ == "__main__":
    main()
