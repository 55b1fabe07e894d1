#!/usr/bin/env python3
"""Every error of API.md: status, the JSON error body, and that a refused
request changes nothing."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, BODY_MAX, COUNTER_TOKENS,  # noqa: E402
                     DEFAULT_HOURS,
                     DaemonTestCase, find_binary, main, make_config,
                     office_today, read_response)

TICKETS = "/api/v1/tickets"


def raw_post(d, path, body, headers=None, chunked=False):
    """POST raw bytes; tolerates the server answering (and closing) before
    it read the whole body."""
    c = d.connection()
    try:
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        try:
            if chunked:
                step = 4096
                chunks = (body[i:i + step] for i in range(0, len(body), step))
                c.request("POST", path, body=chunks, headers=hdrs,
                          encode_chunked=True)
            else:
                c.request("POST", path, body=body, headers=hdrs)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return read_response(c.getresponse())
    finally:
        c.close()


class ErrorsBase(DaemonTestCase):
    def setUp(self):
        super().setUp()
        self.d = self.start_daemon()
        # something in each queue, so that "nothing changed" means something
        self.issue_ok(self.d, "A")
        self.issue_ok(self.d, "B")
        self.before = self.snapshot(self.d)

    def assertUnchanged(self, what=""):
        self.assertEqual(self.snapshot(self.d), self.before,
                         "state changed after a refused request " + what)

    def assertNextNumbers(self, a="A002", b="B002"):
        self.assertEqual(self.issue_ok(self.d, "A")["number"], a,
                         "a refused request consumed a number")
        self.assertEqual(self.issue_ok(self.d, "B")["number"], b)


class BadTicketRequests(ErrorsBase):
    def test_malformed_json(self):
        for body in (b"{", b"", b"{\"service\":\"A\",}", b"nul",
                     b"{\"service\":\"A\"}{}", b"\xff\xfe{}"):
            with self.subTest(body=body):
                r = self.d.post(TICKETS, raw_body=body)
                self.assertError(r, 400, "bad_request", repr(body))
        self.assertUnchanged()
        self.assertNextNumbers()

    def test_not_an_object(self):
        for body in ([], [{"service": "A"}], "A", 5, None):
            with self.subTest(body=body):
                r = self.d.post(TICKETS, raw_body=json.dumps(body))
                self.assertError(r, 400, "bad_request", repr(body))
        self.assertUnchanged()
        self.assertNextNumbers()

    def test_wrong_types(self):
        bodies = [
            {"service": 5, "kiosk": "k1", "priority": False},
            {"service": None, "kiosk": "k1", "priority": False},
            {"service": ["A"], "kiosk": "k1", "priority": False},
            {"service": "A", "kiosk": 1, "priority": False},
            {"service": "A", "kiosk": "k1", "priority": "false"},
            {"service": "A", "kiosk": "k1", "priority": 0},
        ]
        for body in bodies:
            with self.subTest(body=body):
                r = self.d.post(TICKETS, body)
                self.assertError(r, 400, "bad_request", repr(body))
        self.assertUnchanged()
        self.assertNextNumbers()

    def test_missing_service(self):
        for body in ({"kiosk": "k1", "priority": False}, {}):
            with self.subTest(body=body):
                self.assertError(self.d.post(TICKETS, body), 400,
                                 "bad_request")
        self.assertUnchanged()
        self.assertNextNumbers()

    def test_unknown_field(self):
        for body in ({"service": "A", "kiosk": "k1", "priority": False,
                      "vip": True},
                     {"service": "A", "kiosk": "k1", "priority": False,
                      "number": "A999"},
                     {"Service": "A", "kiosk": "k1", "priority": False}):
            with self.subTest(body=body):
                self.assertError(self.d.post(TICKETS, body), 400,
                                 "bad_request")
        self.assertUnchanged()
        self.assertNextNumbers()

    def test_nul_in_service(self):
        r = self.d.post(TICKETS, raw_body=b'{"service":"A\\u0000x",'
                        b'"kiosk":"k1","priority":false}')
        self.assertIn(r.status, (400, 404), r)
        self.assertError(r, r.status)
        r = self.d.post(TICKETS, raw_body=b'{"service":"\\u0000",'
                        b'"kiosk":"k1","priority":false}')
        self.assertIn(r.status, (400, 404), r)
        self.assertUnchanged()
        self.assertNextNumbers()

    def test_escaped_service_is_the_same_service(self):
        # "\u0041" is "A" in JSON
        r = self.d.post(TICKETS, raw_body=b'{"service":"\\u0041",'
                        b'"kiosk":"k1","priority":false}')
        self.assertStatus(r, 201)
        self.assertEqual((r.data["number"], r.data["service"]),
                         ("A002", "A"))

    def test_deeply_nested_json(self):
        for body in (b"[" * 20000 + b"]" * 20000,
                     b'{"service":' + b"[" * 30000 + b"]" * 30000 + b"}"):
            with self.subTest(size=len(body)):
                r = raw_post(self.d, TICKETS, body)
                self.assertError(r, 400, "bad_request")
        self.assertStatus(self.d.get("/healthz"), 200)
        self.assertUnchanged()
        self.assertNextNumbers()

    def test_keep_alive_connection_after_errors(self):
        c = self.d.connection()
        try:
            def req(method, path, body=None):
                # The admin token: GET /api/v1/tickets/{id} is for staff.
                c.request(method, path, body=body,
                          headers={"Content-Type": "application/json",
                                   "Authorization": "Bearer " + ADMIN_TOKEN})
                return read_response(c.getresponse())
            self.assertError(req("POST", TICKETS, b"{"), 400, "bad_request")
            self.assertError(req("GET", "/api/v1/nope"), 404, "not_found")
            r = req("POST", TICKETS, json.dumps(
                {"service": "A", "kiosk": "k1", "priority": False}))
            self.assertStatus(r, 201)
            self.assertEqual(r.data["number"], "A002")
            self.assertError(req("POST", TICKETS, b'{"service":5}'), 400,
                             "bad_request")
            r = req("GET", "/api/v1/tickets/%d" % r.data["id"])
            self.assertStatus(r, 200)
            self.assertEqual(r.data["number"], "A002")
        finally:
            c.close()

    def test_stalled_clients_do_not_block_others(self):
        socks = []
        try:
            for i in range(20):
                s = socket.create_connection(("127.0.0.1", self.d.port), 5)
                socks.append(s)
                if i % 2:
                    s.sendall(b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\n"
                              b"Content-Length: 100\r\n\r\n{\"serv")
                else:
                    s.sendall(b"GET /api/v1/serv")
            # a daemon that waits for the stalled ones times out here
            r = self.d.request("POST", TICKETS, {"service": "A", "kiosk": "k1",
                                                 "priority": False},
                               timeout=5)
            self.assertStatus(r, 201)
            self.assertEqual(r.data["number"], "A002")
            # and SIGTERM still ends the daemon promptly (cleanup asserts it)
            self.d.stop()
        finally:
            for s in socks:
                s.close()

    def test_duplicate_key(self):
        r = self.d.post(TICKETS, raw_body=b'{"service":"A","service":"B",'
                        b'"kiosk":"k1","priority":false}')
        # a duplicate key is ambiguous JSON: refused, never a guess
        self.assertError(r, 400, "bad_request")
        self.assertUnchanged()
        self.assertNextNumbers()

    def test_body_over_64_kib_is_413(self):
        head = b'{"service":"A","kiosk":"k1","priority":false'
        for size in (BODY_MAX + 1, BODY_MAX + 4096, 1024 * 1024):
            body = head + b" " * (size - len(head) - 1) + b"}"
            self.assertEqual(len(body), size)
            with self.subTest(size=size):
                r = raw_post(self.d, TICKETS, body)
                self.assertError(r, 413, None, "%d bytes" % size)
        self.assertUnchanged()
        self.assertNextNumbers()

    def test_chunked_body_over_64_kib_is_413(self):
        head = b'{"service":"A","kiosk":"k1","priority":false'
        body = head + b" " * (BODY_MAX + 10 - len(head)) + b"}"
        r = raw_post(self.d, TICKETS, body, chunked=True)
        self.assertError(r, 413, None, "chunked %d bytes" % len(body))
        self.assertUnchanged()
        self.assertNextNumbers()

    def test_body_of_exactly_64_kib_is_accepted(self):
        head = b'{"service":"A","kiosk":"k1","priority":false'
        body = head + b" " * (BODY_MAX - len(head) - 1) + b"}"
        self.assertEqual(len(body), BODY_MAX)
        r = raw_post(self.d, TICKETS, body)
        self.assertStatus(r, 201, "64 KiB is not over 64 KiB: %r" % (r,))
        self.assertEqual(r.data["number"], "A002")

    def test_unknown_service(self):
        for sid in ("Z", "a", "", "A ", "SC2"):
            with self.subTest(service=sid):
                r = self.d.post(TICKETS, {"service": sid, "kiosk": "k1",
                                          "priority": False})
                self.assertError(r, 404, "not_found")
        self.assertUnchanged()
        self.assertNextNumbers()

    def test_info_service(self):
        r = self.d.post(TICKETS, {"service": "SC", "kiosk": "k1",
                                  "priority": False})
        self.assertError(r, 422, "unprocessable")
        r = self.d.post(TICKETS, {"service": "SC", "kiosk": "k1",
                                  "priority": True})
        self.assertError(r, 422, "unprocessable")
        self.assertUnchanged()
        self.assertNextNumbers()


class BadLookups(ErrorsBase):
    def test_unknown_ticket(self):
        for tid in ("9999", "3", "0", "2147483648", "9223372036854775807"):
            with self.subTest(id=tid):
                self.assertError(self.d.get(TICKETS + "/" + tid), 404,
                                 "not_found")

    def test_non_numeric_ticket_id(self):
        for tid in ("abc", "1x", "-1", "1.0", "%20", "A001", "+1", "%201",
                    "9223372036854775808", "18446744073709551617",
                    "99999999999999999999999", "0x1", "1e3"):
            with self.subTest(id=tid):
                r = self.d.get(TICKETS + "/" + tid)
                self.assertIn(r.status, (400, 404), r)
                self.assertError(r, r.status,
                                 "bad_request" if r.status == 400
                                 else "not_found")

    def test_unknown_counter(self):
        tok = COUNTER_TOKENS["1"]
        self.assertError(self.d.get("/api/v1/counters/99", token=tok), 404,
                         "not_found")
        for action, body in (("next", None), ("recall", None),
                             ("done", {"outcome": "served"}),
                             ("transfer", {"service": "B"}),
                             ("pause", None), ("resume", None)):
            with self.subTest(action=action):
                r = self.d.post("/api/v1/counters/99/" + action, body,
                                token=tok)
                self.assertError(r, 404, "not_found")
        self.assertUnchanged()
        self.assertNextNumbers()

    def test_unknown_route(self):
        for path in ("/api/v1/nope", "/api/v2/services", "/api/v1/services/A/x",
                     "/api/v1/tickets/1/nope", "/api/v1/counters/1/explode",
                     "/api/v1", "/api/v1/"):
            with self.subTest(path=path):
                r = self.d.get(path, token=COUNTER_TOKENS["1"])
                self.assertError(r, 404, "not_found")
        r = self.d.post("/api/v1/counters/1/explode", token=COUNTER_TOKENS["1"])
        self.assertError(r, 404, "not_found")
        self.assertUnchanged()

    def test_missing_static_file(self):
        r = self.d.get("/no-such-page.html")
        self.assertError(r, 404, "not_found",
                         "every 4xx has the JSON error body")

    def test_static_path_traversal(self):
        for path in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                     "/kiosk/../../../etc/passwd"):
            with self.subTest(path=path):
                r = self.d.get(path)
                self.assertNotEqual(r.status, 200, r)
                self.assertNotIn(b"root:", r.raw)

    def test_wrong_method(self):
        tok = COUNTER_TOKENS["1"]
        cases = [("DELETE", "/api/v1/services", None),
                 ("POST", "/api/v1/services", None),
                 ("PUT", TICKETS, None),
                 ("DELETE", TICKETS + "/1", None),
                 ("POST", "/api/v1/display", None),
                 ("GET", "/api/v1/counters/1/next", tok),
                 ("PUT", "/api/v1/counters/1", tok),
                 ("POST", "/healthz", None)]
        for method, path, token in cases:
            with self.subTest(method=method, path=path):
                r = self.d.request(method, path, token=token,
                                   headers={"Content-Length": "0"})
                self.assertError(r, 405, None, "%s %s" % (method, path))
        self.assertUnchanged()
        self.assertNextNumbers()

    def test_wrong_method_names_allowed_methods(self):
        # RFC 9110 15.5.6: a 405 MUST carry Allow
        for method, path, allowed in (("DELETE", "/api/v1/services", "GET"),
                                      ("PUT", TICKETS, "POST")):
            with self.subTest(method=method, path=path):
                r = self.d.request(method, path,
                                   headers={"Content-Length": "0"})
                self.assertEqual(r.status, 405, r)
                allow = r.headers.get("Allow")
                self.assertIsNotNone(allow, "405 without Allow: %r" % (r,))
                self.assertIn(allowed, [m.strip() for m in allow.split(",")])


class BadCounterRequests(ErrorsBase):
    def setUp(self):
        super().setUp()
        # counter 1 calls A001
        r = self.d.counter("1", "next")
        self.assertStatus(r, 200)
        self.current = r.data
        self.before = self.snapshot(self.d)

    def test_bad_outcome(self):
        for body in ({"outcome": "maybe"}, {"outcome": "SERVED"},
                     {"outcome": 1}, {"outcome": None}, {},
                     {"outcome": "served", "extra": 1}):
            with self.subTest(body=body):
                r = self.d.counter("1", "done", body)
                self.assertError(r, 400, "bad_request", repr(body))
        for raw in (b"{", b"[]"):
            with self.subTest(raw=raw):
                r = self.d.counter("1", "done", raw_body=raw)
                self.assertError(r, 400, "bad_request")
        self.assertUnchanged()
        self.assertEqual(self.d.ticket(self.current["id"]).data["state"],
                         "called")

    def test_transfer_errors(self):
        r = self.d.counter("1", "transfer", {"service": "Z"})
        self.assertError(r, 404, "not_found")
        r = self.d.counter("1", "transfer", {"service": "SC"})
        self.assertError(r, 422, "unprocessable")
        for body in ({"service": 5}, {}, {"service": "B", "x": 1}):
            with self.subTest(body=body):
                self.assertError(self.d.counter("1", "transfer", body), 400,
                                 "bad_request")
        self.assertUnchanged()
        t = self.d.ticket(self.current["id"]).data
        self.assertEqual((t["state"], t["service"], t["counter"]),
                         ("called", "A", "1"))
        self.assertNextNumbers()

    def test_nothing_current(self):
        # counter 2 has called nobody
        self.assertError(self.d.counter("2", "done", {"outcome": "served"}),
                         409, "conflict")
        self.assertError(self.d.counter("2", "recall"), 409, "conflict")
        self.assertError(self.d.counter("2", "transfer", {"service": "A"}),
                         409, "conflict")
        self.assertUnchanged()

    def test_next_while_paused(self):
        self.assertStatus(self.d.counter("2", "pause"), 200)
        self.before = self.snapshot(self.d)
        self.assertError(self.d.counter("2", "next"), 409, "conflict")
        self.assertUnchanged()


class Hours(DaemonTestCase):
    def test_closed_office_refuses_tickets(self):
        # closed today (and the days around it, whatever the time zone)
        closed = ", ".join(office_today(k) for k in (-1, 0, 1))
        d = self.start_daemon(always_open=False,
                              hours=DEFAULT_HOURS + "closed = %s\n" % closed)
        r = d.services()
        self.assertStatus(r, 200)
        for s in r.data:
            if s["kind"] == "ticket":
                self.assertIs(s["open"], False, s)
        before = self.snapshot(d)
        for sid, prio in (("A", False), ("B", False), ("A", True)):
            with self.subTest(service=sid, priority=prio):
                r = d.issue(sid, prio)
                self.assertError(r, 422, "closed")
        self.assertEqual(self.snapshot(d), before)
        # the closed answer does not hide other errors
        self.assertError(d.post(TICKETS, raw_body=b"{"), 400, "bad_request")
        self.assertError(d.issue("Z"), 404, "not_found")

    def test_every_weekday_closed_refuses_tickets(self):
        days = ("monday", "tuesday", "wednesday", "thursday", "friday",
                "saturday", "sunday")
        d = self.start_daemon(always_open=False, hours="".join(
            "%s = closed\n" % day for day in days))
        for s in d.services().data:
            if s["kind"] == "ticket":
                self.assertIs(s["open"], False, s)
        before = self.snapshot(d)
        for sid in ("A", "B"):
            with self.subTest(service=sid):
                self.assertError(d.issue(sid), 422, "closed")
        self.assertEqual(self.snapshot(d), before)

    def test_open_all_day_issues_tickets(self):
        """The control for the two above: hours that include now."""
        days = ("monday", "tuesday", "wednesday", "thursday", "friday",
                "saturday", "sunday")
        d = self.start_daemon(always_open=False, hours="".join(
            "%s = 00:00-24:00\n" % day for day in days) + "cutoff = 0\n")
        for s in d.services().data:
            if s["kind"] == "ticket":
                self.assertIs(s["open"], True, s)
        self.assertEqual(self.issue_ok(d, "A")["number"], "A001")
        # and the other errors still answer as usual
        self.assertError(d.post(TICKETS, raw_body=b"{"), 400, "bad_request")
        self.assertError(d.issue("Z"), 404, "not_found")


class KioskClients(DaemonTestCase):
    def test_unlisted_client_may_not_issue(self):
        d = self.start_daemon(kiosk_clients="10.9.9.9")

        def view():
            c = d.counter("1", None)
            self.assertStatus(c, 200)
            return [t["id"] for t in c.data["waiting"]]

        before = view()
        for body in ({"service": "A", "kiosk": "k1", "priority": False},
                     {"service": "B", "kiosk": "k1", "priority": True}):
            with self.subTest(body=body):
                self.assertError(d.post(TICKETS, body), 403, "forbidden")
        self.assertEqual(view(), before)
        # counters (token, not address) still work
        self.assertStatus(d.counter("1", "next"), 204)

    def test_empty_list_means_anyone(self):
        d = self.start_daemon(kiosk_clients="")
        self.assertEqual(self.issue_ok(d, "A")["number"], "A001")

    def test_listed_client_may_issue(self):
        d = self.start_daemon(kiosk_clients="10.9.9.9, 127.0.0.1")
        self.assertEqual(self.issue_ok(d, "A")["number"], "A001")


if __name__ == "__main__":
    main()


class ConfigErrors(unittest.TestCase):
    """CONFIG.md: bad keys, values and duplicates are reported as
    FILE:LINE: message and the daemon refuses to start."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bonomat-cfg-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.good = make_config(self.tmp)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def run_daemon(self, *args):
        try:
            p = subprocess.run([find_binary()] + list(args),
                               stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=10, cwd=self.tmp)
        except subprocess.TimeoutExpired:
            self.fail("bonomatd %s still runs after 10 s" % " ".join(args))
        return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")

    def test_good_config_checks(self):
        rc, out = self.run_daemon("-c", self.write("ok.conf", self.good),
                                  "--check")
        self.assertEqual(rc, 0, out)

    def test_bad_configs_refused_with_file_and_line(self):
        anchor = "walkin_every = 3\n"
        self.assertIn(anchor, self.good)
        line = self.good[:self.good.index(anchor)].count("\n") + 1
        cases = {
            "unknown_key": (anchor + "bogus_key = 1\n", line + 1),
            "duplicate": (anchor + "walkin_every = 4\n", line + 1),
            "bad_value": ("walkin_every = three\n", line),
        }
        for name, (repl, want_line) in cases.items():
            path = self.write(name + ".conf", self.good.replace(anchor, repl))
            for args in (("-c", path, "--check"), ("-c", path)):
                with self.subTest(case=name, args=args):
                    rc, out = self.run_daemon(*args)
                    self.assertNotEqual(rc, 0, out)
                    self.assertIn("%s:%d:" % (path, want_line), out)
                    self.assertNotIn("listening on", out)

    def test_unknown_section_refused(self):
        path = self.write("sect.conf", self.good + "\n[bogus]\nx = 1\n")
        rc, out = self.run_daemon("-c", path, "--check")
        self.assertNotEqual(rc, 0, out)
        self.assertIn(path + ":", out)
