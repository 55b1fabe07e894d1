"""The SMS peers of the tests (issue #12), not tests themselves.

Gammu: a real gammu-smsd (Debian's gammu-smsd) started in the foreground
with Gammu's dummy phone driver, which does every phone operation in a
directory, and the files backend: what bonomatd injects through
gammu-smsd-inject lands in the outbox, gammu-smsd "sends" it on the dummy
phone and moves it to sentsmspath. sent() reads those files back: the
number and the text (hex UTF-16 in Text00).

Gateway: an HTTP server playing a provider's SMS API, scripted per
request: "ok" (200), "500", "hang" (never answers until released) or
"slow" (answers 200 after a delay); it records every request."""

import base64
import glob
import http.server
import json
import os
import re
import shutil
import sqlite3
import subprocess
import threading
import time

GAMMU_SMSD = shutil.which("gammu-smsd") or "/usr/bin/gammu-smsd"
GAMMU_INJECT = shutil.which("gammu-smsd-inject") or \
    "/usr/bin/gammu-smsd-inject"


class GammuSmsd:
    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "gammu")
        for sub in ("phone", "inbox", "outbox", "sent", "error"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        self.rc = os.path.join(self.dir, "smsdrc")
        self.log = os.path.join(self.dir, "smsd.log")
        with open(self.rc, "w") as f:
            f.write("[gammu]\nmodel = dummy\nconnection = none\n"
                    "device = %s\n\n[smsd]\nservice = files\n"
                    "inboxpath = %s/\noutboxpath = %s/\nsentsmspath = %s/\n"
                    "errorsmspath = %s/\nlogfile = %s\ncommtimeout = 1\n"
                    "loopsleep = 1\n"
                    % (os.path.join(self.dir, "phone"),
                       os.path.join(self.dir, "inbox"),
                       os.path.join(self.dir, "outbox"),
                       os.path.join(self.dir, "sent"),
                       os.path.join(self.dir, "error"), self.log))
        self.proc = None

    def start(self):
        self.out = open(os.path.join(self.dir, "stdout.log"), "wb")
        self.proc = subprocess.Popen([GAMMU_SMSD, "-c", self.rc],
                                     stdin=subprocess.DEVNULL,
                                     stdout=self.out, stderr=self.out)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("gammu-smsd exited with %s: %s"
                                     % (self.proc.returncode,
                                        self.log_text()))
            if "Starting phone communication" in self.log_text() or \
                    "Created POSIX RW shared memory" in self.log_text():
                return self
            time.sleep(0.05)
        return self  # the log may say nothing more; sent() waits anyway

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "out", None):
            self.out.close()
            self.out = None

    def log_text(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def sent(self):
        """[(number, text)] of the messages sent, oldest first."""
        out = []
        for path in sorted(glob.glob(os.path.join(self.dir, "sent", "*"))):
            with open(path, encoding="utf-8", errors="replace") as f:
                # gammu-smsd writes the message's section twice; the
                # text is split over Text00, Text01, ... lines.
                body = f.read().split("[SMSBackup")[1]
            number = re.search(r'^Number = "([^"]*)"', body, re.M)
            parts = re.findall(r"^Text(\d\d) = ([0-9A-Fa-f]*)$", body, re.M)
            text = "".join(bytes.fromhex(h).decode("utf-16-be")
                           for _, h in sorted(parts))
            out.append((number.group(1) if number else None, text))
        return out

    @staticmethod
    def next_second():
        """gammu-smsd-inject names an outbox file by the second and the
        number; a second message to the same number within the same
        second, injected after the first has left the outbox, takes the
        same name and replaces the first in sentsmspath (both are sent).
        The tests wait for the next second between such messages."""
        time.sleep(1.05 - time.time() % 1.0)

    def wait_sent(self, n, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.sent()
            if len(s) >= n:
                return s
            time.sleep(0.1)
        raise AssertionError("gammu-smsd sent %d messages, not %d, within "
                             "%.0f s\n%s" % (len(self.sent()), n, timeout,
                                             self.log_text()[-2000:]))


class Gateway:
    """A provider's SMS API on a free loopback port. script: a list of
    behaviours for the next requests ("ok", "500", "hang", "slow"); when
    it runs out, "ok"."""

    def __init__(self, slow_s=3.0):
        self.requests = []
        self.script = []
        self.slow_s = slow_s
        self.lock = threading.Lock()
        self.release = threading.Event()
        gw = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with gw.lock:
                    how = gw.script.pop(0) if gw.script else "ok"
                    gw.requests.append({
                        "at": time.monotonic(), "how": how,
                        "path": self.path,
                        "content_type": self.headers.get("Content-Type"),
                        "authorization": self.headers.get("Authorization"),
                        "body": body})
                if how == "hang":
                    gw.release.wait(60)
                    return  # the client gave up long ago
                if how == "slow":
                    time.sleep(gw.slow_s)
                status = 500 if how == "500" else 200
                reply = b'{"error": "internal"}' if status == 500 else \
                    b'{"status": "queued"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def url(self, path="/send"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def requests_json(self):
        with self.lock:
            return [dict(r, json=json.loads(r["body"] or b"null"))
                    for r in self.requests]

    def wait_requests(self, n, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= n:
                    return list(self.requests)
            time.sleep(0.05)
        raise AssertionError("the gateway got %d requests, not %d"
                             % (len(self.requests), n))


def basic_auth(user, password):
    return "Basic " + base64.b64encode(
        ("%s:%s" % (user, password)).encode()).decode()


def db_rows(d, sql, *args):
    """The rows of a query on the daemon's database, read-only (WAL lets
    the running daemon write meanwhile)."""
    con = sqlite3.connect("file:%s?mode=ro" % d.db, uri=True, timeout=5)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def metric(d, name):
    """The value of a series of the SMS metrics, which have the office's
    label and no other ([office] id is "default" in the tests)."""
    prefix = name + '{office="default"} '
    for line in d.get("/metrics").raw.decode().splitlines():
        if line.startswith(prefix):
            return int(line[len(prefix):])
    raise AssertionError("no %s in /metrics" % prefix)
