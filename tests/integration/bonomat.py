"""Fixture for Bonomat's black-box integration tests (not a test itself).

Starts the real bonomatd on a free loopback port with a config written into
a temporary directory, and speaks to it over HTTP with the standard library
only. Environment:

  BONOMATD            path to the daemon binary (ctest sets it)
  BONOMAT_SOURCE_DIR  repository root (for ui_dir); defaults to ../.. of here
  BONOMAT_KEEP_TMP    set to keep the temporary directories for inspection
  BONOMAT_ALLOW_SKIP  set to 1 to let a skipped test pass (README, "Skipped
                      tests"); otherwise a skip fails the run

main() runs the file's tests and ends with a plain line "N passed, N failed,
N skipped"; the exit status is 0 only when something ran, nothing failed
and nothing was skipped (or skips were allowed).
"""

import datetime
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

try:
    import zoneinfo
except ImportError:  # pragma: no cover - Python 3.11 has it
    zoneinfo = None

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("BONOMAT_SOURCE_DIR") or os.path.normpath(
    os.path.join(HERE, "..", ".."))

OFFICE_TZ = "Europe/Bucharest"
ADMIN_TOKEN = "admin-secret-1"
# [supervisor.floor]: the floor manager (API.md, "Roles").
SUPERVISOR_TOKEN = "tok-supervisor-floor"
COUNTER_TOKENS = {"1": "tok-counter-1", "2": "tok-counter-2",
                  "3": "tok-counter-3"}
COUNTER_NAMES = {"1": "Ghișeul 1", "2": "Ghișeul 2", "3": "Ghișeul 3"}
COUNTER_SERVICES = {"1": ["A", "B"], "2": ["A"], "3": ["B"]}
SERVICE_NAMES = {"A": "Taxe și impozite locale", "B": "Registratură",
                 "SC": "Acte de stare civilă"}
SC_INFO = "Se eliberează la sediul din Bd. Mareșal Averescu nr. 17."

TICKET_FIELDS = {"id", "number", "service", "kind", "state", "issued_at",
                 "ahead", "est_wait_min", "printed", "counter", "late",
                 "token"}
SERVICE_FIELDS = {"id", "name", "name_en", "prefix", "kind", "info",
                  "info_en", "open", "waiting",
                  "est_wait_min", "closed_reason", "priority_open",
                  "opens_at"}
# What a refusal may carry beside code and message (API.md, Errors).
ERROR_PARAMS = {"reason", "opens_at", "closes_at", "cutoff_min", "wait_min",
                "starts_at", "ticket"}
COUNTER_FIELDS = {"id", "name", "services", "paused", "current", "waiting",
                  "returnable", "waiting_total"}
TICKET_KINDS = {"walk_in", "priority", "appointment"}
TICKET_STATES = {"waiting", "called", "served", "no_show", "expired"}
PRINT_STATES = {"ok", "pending", "failed", "none"}
CALL_REASONS = {"starvation_guard", "interleave", "appointment_due",
                "priority", "walk_in", "appointment_early", "priority_due",
                "least_slack"}

RFC3339_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?"
    r"(Z|[+-]\d{2}:\d{2})$")
NUMBER_RE = re.compile(r"^([A-Z]+)(\d{3,})$")
LISTEN_RE = re.compile(r"listening on http://(\[[0-9A-Fa-f:.]+\]|[0-9.]+|"
                       r"[A-Za-z0-9.-]+):(\d+)")
SNAKE_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")

BODY_MAX = 64 * 1024


def find_binary():
    path = os.environ.get("BONOMATD")
    if path:
        return path
    for cand in ("build/dev/bonomatd", "build/bonomatd", "build/ci/bonomatd"):
        p = os.path.join(SOURCE_DIR, cand)
        if os.access(p, os.X_OK):
            return p
    raise RuntimeError("BONOMATD is not set and no built bonomatd was found "
                       "under %s/build" % SOURCE_DIR)


def office_today(offset_days=0):
    """The office's local date (YYYY-MM-DD), plus offset_days."""
    if zoneinfo is not None:
        now = datetime.datetime.now(zoneinfo.ZoneInfo(OFFICE_TZ))
    else:
        now = datetime.datetime.now(datetime.timezone.utc)
    return (now.date() + datetime.timedelta(days=offset_days)).isoformat()


def parse_rfc3339(s):
    """An aware datetime from RFC 3339 text, or None when malformed."""
    if not isinstance(s, str):
        return None
    m = RFC3339_RE.match(s)
    if not m:
        return None
    try:
        return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None


def office_offset(at):
    """The office's UTC offset at the aware datetime `at`."""
    if zoneinfo is None:
        return None
    return at.astimezone(zoneinfo.ZoneInfo(OFFICE_TZ)).utcoffset()


def split_number(number):
    """("A", 12) from "A012"; None when the number is malformed."""
    m = NUMBER_RE.match(number) if isinstance(number, str) else None
    if not m:
        return None
    return m.group(1), int(m.group(2))


def fmt_number(prefix, n):
    return "%s%03d" % (prefix, n)


DEFAULT_HOURS = """\
monday    = 08:30-16:30
tuesday   = 08:30-16:30
wednesday = 08:30-16:30
thursday  = 08:30-18:30
friday    = 08:30-16:30
cutoff    = 15
"""


def make_config(dirpath, *, walkin_every=3, max_wait=45, always_open=True,
                hours=None, kiosk_clients="127.0.0.1, ::1",
                extra_sections="", printer=None, ticket_url=None,
                policy_extra=""):
    """The config text used by the tests (CONFIG.md). printer: the keys of
    [printer.default] ("driver = tcp\nhost = ..."); default driver none.
    ticket_url: [office] ticket_url; policy_extra: more [policy] lines."""
    hours_text = DEFAULT_HOURS if hours is None else hours
    printer_text = "driver = none\n" if printer is None else \
        printer.rstrip("\n") + "\n"
    return f"""\
; written by tests/integration/bonomat.py
[office]
name = Primăria Sectorului 1 — Biroul Cetățeanului
address = Str. Mureș nr. 18–24, parter
timezone = {OFFICE_TZ}
footer = Programări online: programare.primariasector1.ro
{"ticket_url = " + ticket_url if ticket_url else ""}

[server]
listen = 127.0.0.1:0
ui_dir = {os.path.join(SOURCE_DIR, "ui")}
admin_token = {ADMIN_TOKEN}
kiosk_clients = {kiosk_clients}

[storage]
database = {os.path.join(dirpath, "bonomat.db")}

[hours]
{hours_text}always_open = {"true" if always_open else "false"}

[policy]
max_wait = {max_wait}
walkin_every = {walkin_every}
early_window = 10
late_grace = 15
appointment_prefix = P
{policy_extra}
[printer.default]
{printer_text}
[kiosk.k1]
printer = default

[service.A]
name = {SERVICE_NAMES["A"]}
prefix = A
minutes = 8

[service.B]
name = {SERVICE_NAMES["B"]}
prefix = B
minutes = 5

[service.SC]
name = {SERVICE_NAMES["SC"]}
info = {SC_INFO}

[counter.1]
name = {COUNTER_NAMES["1"]}
services = A, B
token = {COUNTER_TOKENS["1"]}

[counter.2]
name = {COUNTER_NAMES["2"]}
services = A
token = {COUNTER_TOKENS["2"]}

[counter.3]
name = {COUNTER_NAMES["3"]}
services = B
token = {COUNTER_TOKENS["3"]}

[supervisor.floor]
name = Șefa de birou
token = {SUPERVISOR_TOKEN}
{extra_sections}"""


class Response(tuple):
    """(status, parsed JSON or None, headers), plus .raw (bytes) and
    .json_error (why the body did not parse as JSON, or None)."""

    def __new__(cls, status, data, headers, raw, json_error):
        self = tuple.__new__(cls, (status, data, headers))
        self.raw = raw
        self.json_error = json_error
        return self

    @property
    def status(self):
        return self[0]

    @property
    def data(self):
        return self[1]

    @property
    def headers(self):
        return self[2]

    def __repr__(self):
        body = self.raw[:400].decode("utf-8", "replace")
        return "<HTTP %s %s>" % (self[0], body)


class DaemonError(AssertionError):
    pass


class Daemon:
    """One bonomatd process (and its restarts) on one temporary database."""

    def __init__(self, *, walkin_every=3, max_wait=45, always_open=True,
                 hours=None, kiosk_clients="127.0.0.1, ::1",
                 extra_sections="", config_text=None, timeout=10.0,
                 printer=None, env=None, args=None, ticket_url=None,
                 policy_extra=""):
        """env: variables added to the daemon's environment (such as
        CUPS_SERVER for a private cupsd); args: more command-line
        arguments (such as --test-clock)."""
        self.binary = find_binary()
        self.extra_args = list(args or [])
        self.extra_env = dict(env or {})
        self.tmp = tempfile.mkdtemp(prefix="bonomat-it-")
        self.db = os.path.join(self.tmp, "bonomat.db")
        self.conf = os.path.join(self.tmp, "bonomat.conf")
        if config_text is None:
            config_text = make_config(
                self.tmp, walkin_every=walkin_every, max_wait=max_wait,
                always_open=always_open, hours=hours,
                kiosk_clients=kiosk_clients, extra_sections=extra_sections,
                printer=printer, ticket_url=ticket_url,
                policy_extra=policy_extra)
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(config_text)
        self.config_text = config_text
        self.timeout = timeout
        self.proc = None
        self.port = None
        self.starts = 0
        self.log_path = None
        self._log_file = None

    # -- process ----------------------------------------------------------

    def start(self):
        if self.proc is not None and self.proc.poll() is None:
            raise DaemonError("daemon already running")
        self.starts += 1
        self.log_path = os.path.join(self.tmp, "daemon-%d.log" % self.starts)
        self._log_file = open(self.log_path, "wb")
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)
        env.pop("LISTEN_FDS", None)
        env.pop("LISTEN_PID", None)
        env.update(self.extra_env)
        self.proc = subprocess.Popen(
            [self.binary, "-c", self.conf] + self.extra_args,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file, stderr=self._log_file, env=env,
            cwd=self.tmp)
        self.port = None
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:
            m = LISTEN_RE.search(self.log())
            if m:
                self.port = int(m.group(2))
                break
            if self.proc.poll() is not None:
                raise DaemonError(
                    "bonomatd exited with %s before listening\n%s"
                    % (self.proc.returncode, self.log_tail()))
            time.sleep(0.02)
        if self.port is None:
            self.kill()
            raise DaemonError("no 'listening on http://HOST:PORT' line in the "
                              "log within 10 s\n" + self.log_tail())
        if self.port == 0:
            self.kill()
            raise DaemonError("daemon printed port 0, not the bound port\n"
                              + self.log_tail())
        last = None
        while time.monotonic() < deadline + 10.0:
            try:
                r = self.get("/healthz", timeout=2.0)
                if r.status == 200:
                    return self
                last = r
            except OSError as e:
                last = e
            if self.proc.poll() is not None:
                raise DaemonError("bonomatd exited with %s during start\n%s"
                                  % (self.proc.returncode, self.log_tail()))
            time.sleep(0.05)
        self.kill()
        raise DaemonError("GET /healthz never answered 200 (last: %r)\n%s"
                          % (last, self.log_tail()))

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10.0):
        """SIGTERM; the daemon must exit with status 0 within timeout."""
        if self.proc is None:
            return
        proc = self.proc
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                self._close_log()
                raise DaemonError("bonomatd did not exit within %.0f s of "
                                  "SIGTERM\n%s" % (timeout, self.log_tail()))
        self._close_log()
        rc = proc.returncode
        self.proc = None
        if rc != 0:
            raise DaemonError("bonomatd exited with status %s after SIGTERM "
                              "(want 0)\n%s" % (rc, self.log_tail()))

    def kill(self):
        """SIGKILL, as a crash or power loss would stop it."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._close_log()
        self.proc = None

    def restart(self):
        """Start again on the same config and database (stops it first
        gracefully when it still runs)."""
        if self.running():
            self.stop()
        return self.start()

    def close(self):
        """Kill if still running and remove the temporary directory."""
        try:
            self.kill()
        finally:
            if not os.environ.get("BONOMAT_KEEP_TMP"):
                shutil.rmtree(self.tmp, ignore_errors=True)

    def _close_log(self):
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log(self):
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_tail(self, lines=40):
        out = []
        for i in range(max(1, self.starts - 1), self.starts + 1):
            p = os.path.join(self.tmp, "daemon-%d.log" % i)
            if os.path.exists(p):
                with open(p, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
                tail = text.splitlines()[-lines:]
                out.append("---- %s (last %d lines) ----" % (p, len(tail)))
                out.extend(tail)
        return "\n".join(out) if out else "(no daemon log)"

    # -- HTTP ---------------------------------------------------------------

    def connection(self, timeout=None):
        return http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=timeout or self.timeout)

    def request(self, method, path, json_body=None, token=None,
                raw_body=None, headers=None, timeout=None, conn=None):
        """One request on a fresh connection (or conn, kept open)."""
        hdrs = {}
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        if raw_body is not None:
            body = raw_body if isinstance(raw_body, bytes) else \
                raw_body.encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        if headers:
            hdrs.update(headers)
        if method == "POST" and body is None:
            hdrs.setdefault("Content-Length", "0")
        own = conn is None
        c = conn or self.connection(timeout)
        try:
            c.request(method, path, body=body, headers=hdrs)
            return read_response(c.getresponse())
        finally:
            if own:
                c.close()

    def get(self, path, token=None, headers=None, **kw):
        return self.request("GET", path, token=token, headers=headers, **kw)

    def post(self, path, json_body=None, token=None, raw_body=None,
             headers=None, **kw):
        return self.request("POST", path, json_body=json_body, token=token,
                            raw_body=raw_body, headers=headers, **kw)

    # -- conveniences ---------------------------------------------------------

    def issue(self, service="A", priority=False, kiosk="k1"):
        return self.post("/api/v1/tickets", {"service": service,
                                             "kiosk": kiosk,
                                             "priority": priority})

    def counter(self, cid, action, json_body=None, token=None, **kw):
        tok = COUNTER_TOKENS[cid] if token is None else token
        if action is None:
            return self.get("/api/v1/counters/%s" % cid, token=tok, **kw)
        return self.post("/api/v1/counters/%s/%s" % (cid, action),
                         json_body=json_body, token=tok, **kw)

    def ticket(self, tid, token=ADMIN_TOKEN):
        """GET /api/v1/tickets/{id}: staff only (the admin token here)."""
        return self.get("/api/v1/tickets/%s" % tid, token=token)

    def services(self):
        return self.get("/api/v1/services")


def read_response(resp):
    raw = resp.read()
    data = None
    err = None
    if raw:
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            err = str(e)
    return Response(resp.status, data, resp.headers, raw, err)


class DaemonTestCase(unittest.TestCase):
    """Base class: start_daemon() starts one and registers its cleanup (a
    graceful stop that must exit 0, then removal of the directory); on a
    failed test the daemon's log tail is printed."""

    maxDiff = 4000

    def setUp(self):
        self._daemons = []

    def start_daemon(self, **kw):
        d = Daemon(**kw)
        self._daemons.append(d)
        self.addCleanup(self._finish_daemon, d)
        d.start()
        return d

    def _finish_daemon(self, d):
        try:
            if d.running():
                d.stop()
        finally:
            d.close()

    def _failed(self):
        outcome = getattr(self, "_outcome", None)
        result = getattr(outcome, "result", None)
        if result is None:
            return False
        for test, _ in list(result.errors) + list(result.failures):
            if test is self or getattr(test, "test_case", None) is self:
                return True
        return False

    def tearDown(self):
        if self._failed():
            for d in self._daemons:
                state = "not running"
                if d.proc is not None:
                    rc = d.proc.poll()
                    state = "running" if rc is None else \
                        "EXITED with status %s" % rc
                sys.stderr.write("\nbonomatd (%s): %s\n%s\n"
                                 % (d.binary, state, d.log_tail()))

    # -- assertions on the contract -------------------------------------------

    def assertJsonContentType(self, r):
        ct = r.headers.get("Content-Type") or ""
        self.assertEqual(ct.split(";")[0].strip().lower(), "application/json",
                         "Content-Type of %r" % (r,))

    def assertStatus(self, r, status, msg=None):
        self.assertEqual(r.status, status, msg or "got %r" % (r,))

    def assertError(self, r, status, code=None, msg=None):
        """r is a 4xx/5xx with {"error":{"code","message"}} and, beside
        them, only the documented parameters of a refusal (API.md,
        Errors)."""
        ctx = (msg + ": " if msg else "") + repr(r)
        self.assertEqual(r.status, status, ctx)
        self.assertJsonContentType(r)
        self.assertIsNone(r.json_error, "body is not JSON: " + ctx)
        self.assertIsInstance(r.data, dict, ctx)
        self.assertEqual(set(r.data.keys()), {"error"}, ctx)
        e = r.data["error"]
        self.assertIsInstance(e, dict, ctx)
        self.assertTrue({"code", "message"} <= set(e.keys())
                        <= {"code", "message"} | ERROR_PARAMS, ctx)
        self.assertIsInstance(e["code"], str, ctx)
        self.assertRegex(e["code"], SNAKE_RE, ctx)
        self.assertIsInstance(e["message"], str, ctx)
        self.assertTrue(e["message"].strip(), "empty message: " + ctx)
        if code is not None:
            self.assertEqual(e["code"], code, ctx)
        return e

    def assertTime(self, s, ctx="", near=None, slack=120):
        """RFC 3339 with the office's offset (not Z), near `near` (now)."""
        self.assertIsInstance(s, str, ctx)
        self.assertRegex(s, RFC3339_RE, ctx)
        self.assertRegex(s, r"[+-]\d{2}:\d{2}$",
                         "%s: want the office's numeric offset, got %r"
                         % (ctx, s))
        t = parse_rfc3339(s)
        self.assertIsNotNone(t, "%s: unparsable time %r" % (ctx, s))
        want = office_offset(t)
        if want is not None:
            self.assertEqual(t.utcoffset(), want,
                             "%s: %r is not in %s's offset" % (ctx, s,
                                                               OFFICE_TZ))
        now = datetime.datetime.now(datetime.timezone.utc)
        ref = near or now
        self.assertLess(abs((t - ref).total_seconds()), slack,
                        "%s: %r is not near %s" % (ctx, s, ref.isoformat()))
        return t

    def assertTicket(self, t, ctx="", slack=120, near=None):
        """The full Ticket shape of API.md; issued near `near` (an aware
        datetime, such as the test clock's time), else near now."""
        ctx = "%s ticket %r" % (ctx, t)
        self.assertIsInstance(t, dict, ctx)
        missing = TICKET_FIELDS - set(t.keys())
        self.assertFalse(missing, "missing fields %s in %s" % (missing, ctx))
        self.assertIs(type(t["id"]), int, ctx)
        self.assertGreater(t["id"], 0, ctx)
        self.assertIsInstance(t["number"], str, ctx)
        self.assertIsNotNone(split_number(t["number"]),
                             "number not <PREFIX><NNN>: " + ctx)
        self.assertIsInstance(t["service"], str, ctx)
        self.assertIn(t["kind"], TICKET_KINDS, ctx)
        self.assertIn(t["state"], TICKET_STATES, ctx)
        self.assertTime(t["issued_at"], "issued_at of " + ctx, near=near,
                        slack=slack)
        self.assertIs(type(t["ahead"]), int, ctx)
        self.assertGreaterEqual(t["ahead"], 0, ctx)
        self.assertTrue(t["est_wait_min"] is None or
                        type(t["est_wait_min"]) is int, ctx)
        if t["est_wait_min"] is not None:
            self.assertGreaterEqual(t["est_wait_min"], 0, ctx)
        self.assertIn(t["printed"], PRINT_STATES, ctx)
        self.assertTrue(t["counter"] is None or isinstance(t["counter"], str),
                        ctx)
        self.assertIs(type(t["late"]), bool, ctx)
        if t["state"] == "called":
            self.assertIsInstance(t["counter"], str,
                                  "a called ticket names its counter: " + ctx)
        if t["state"] == "waiting":
            self.assertIsNone(t["counter"],
                              "a waiting ticket has no counter: " + ctx)
        return t

    def assertCounter(self, c, cid, ctx=""):
        ctx = "%s counter %r" % (ctx, c)
        self.assertIsInstance(c, dict, ctx)
        missing = COUNTER_FIELDS - set(c.keys())
        self.assertFalse(missing, "missing fields %s in %s" % (missing, ctx))
        self.assertEqual(c["id"], cid, ctx)
        self.assertEqual(c["name"], COUNTER_NAMES[cid], ctx)
        self.assertEqual(c["services"], COUNTER_SERVICES[cid], ctx)
        self.assertIs(type(c["paused"]), bool, ctx)
        if c["current"] is not None:
            self.assertTicket(c["current"], ctx)
            self.assertEqual(c["current"]["state"], "called", ctx)
            self.assertEqual(c["current"]["counter"], cid, ctx)
        self.assertIsInstance(c["waiting"], list, ctx)
        self.assertIs(type(c["waiting_total"]), int, ctx)
        self.assertGreaterEqual(c["waiting_total"], len(c["waiting"]), ctx)
        for t in c["waiting"]:
            self.assertTicket(t, ctx)
            self.assertEqual(t["state"], "waiting", ctx)
            self.assertIn(t["service"], COUNTER_SERVICES[cid], ctx)
        return c

    # -- helpers ------------------------------------------------------------------

    def issue_ok(self, d, service="A", priority=False, near=None):
        r = d.issue(service, priority)
        self.assertStatus(r, 201, "POST /api/v1/tickets %s: %r" % (service, r))
        self.assertJsonContentType(r)
        self.assertTicket(r.data, "issued", near=near)
        return r.data

    def snapshot(self, d):
        """What a refused request must not change: waiting counts, every
        counter's view, as seen with valid tokens."""
        r = d.services()
        self.assertStatus(r, 200)
        waiting = {s["id"]: s["waiting"] for s in r.data}
        views = {}
        for cid in COUNTER_TOKENS:
            rc = d.counter(cid, None)
            self.assertStatus(rc, 200)
            c = rc.data
            views[cid] = (c["paused"],
                          None if c["current"] is None else
                          (c["current"]["id"], c["current"]["state"],
                           c["current"]["service"]),
                          [(t["id"], t["service"]) for t in c["waiting"]])
        return {"waiting": waiting, "counters": views}


# -- the test clock (bonomatd --test-clock) -------------------------------
#
# The daemon's test clock runs at the real pace from whole seconds of
# CLOCK_MONOTONIC (it adds ts.tv_sec - tv_sec at start), which is the clock
# behind Python's time.monotonic() on Linux. A test that must act at an
# exact second first waits for the start of a monotonic second, so that the
# next tick is almost a second away, and checks afterwards that the clock
# still reads the same second.

def clock_now(d):
    """The daemon's time (RFC 3339 text) by its test clock."""
    r = d.post("/api/v1/test/clock", {"advance_s": 0}, token=ADMIN_TOKEN)
    if r.status != 200:
        raise AssertionError("POST /api/v1/test/clock: %r" % (r,))
    return r.data["now"]


def clock_set(d, when):
    """Moves the test clock forward to `when` (RFC 3339) early in a second;
    returns the new time, which is `when`."""
    frac = time.monotonic() % 1.0
    if frac > 0.2:
        time.sleep(1.0 - frac + 0.01)
    gap = int((parse_rfc3339(when) - parse_rfc3339(clock_now(d)))
              .total_seconds())
    if gap < 0:
        raise AssertionError("the test clock is already past %s" % when)
    r = d.post("/api/v1/test/clock", {"advance_s": gap}, token=ADMIN_TOKEN)
    if r.status != 200:
        raise AssertionError("POST /api/v1/test/clock: %r" % (r,))
    if parse_rfc3339(r.data["now"]) != parse_rfc3339(when):
        raise AssertionError("the test clock reads %s, not %s"
                             % (r.data["now"], when))
    return r.data["now"]


# -- running -----------------------------------------------------------------

def skips_allowed():
    return os.environ.get("BONOMAT_ALLOW_SKIP") == "1"


def main():
    """Runs the tests of __main__ (or those named on the command line); a
    skip fails unless BONOMAT_ALLOW_SKIP=1."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(
        sys.modules["__main__"])
    names = sys.argv[1:]
    if names:
        suite = unittest.defaultTestLoader.loadTestsFromNames(
            names, sys.modules["__main__"])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + \
        len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    for test, why in result.skipped:
        print("SKIPPED %s: %s%s" % (test.id(), why,
                                    "" if skips_allowed() else
                                    " (a skip fails the run; "
                                    "BONOMAT_ALLOW_SKIP=1 allows it)"))
    if result.testsRun == 0:
        print("no test ran")
        sys.exit(1)
    sys.exit(1 if failed or (skipped and not skips_allowed()) else 0)
