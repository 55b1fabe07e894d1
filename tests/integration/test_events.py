#!/usr/bin/env python3
"""GET /api/v1/events (API.md): server-sent events for the pages. A call,
a recall, the waiting counts and printer states arrive live; a page that
reconnects with Last-Event-ID gets what it missed, or a `state` event when
that is not known any more (another run of the daemon); open streams do
not keep the daemon from stopping."""

import json
import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import COUNTER_TOKENS, DaemonTestCase, main  # noqa: E402

TOK1 = COUNTER_TOKENS["1"]


class Stream:
    """A raw HTTP/1.1 client of the event stream, parsing events as they
    arrive in a thread."""

    def __init__(self, port, last_event_id=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        head = "GET /api/v1/events HTTP/1.1\r\nHost: x\r\n" \
               "Accept: text/event-stream\r\n"
        if last_event_id is not None:
            head += "Last-Event-ID: %s\r\n" % last_event_id
        self.sock.sendall((head + "\r\n").encode())
        self.events = []
        self.headers = None
        self.closed = False
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        buf = b""
        try:
            while b"\r\n\r\n" not in buf:
                chunk = self.sock.recv(4096)
                if not chunk:
                    raise EOFError
                buf += chunk
            head, buf = buf.split(b"\r\n\r\n", 1)
            with self.cond:
                self.headers = head.decode("latin-1")
                self.cond.notify_all()
            chunked = "transfer-encoding: chunked" in self.headers.lower()
            body = b""
            while True:
                if chunked:
                    while b"\r\n" in buf:
                        size_line, rest = buf.split(b"\r\n", 1)
                        size = int(size_line.split(b";")[0], 16)
                        if len(rest) < size + 2:
                            break
                        body += rest[:size]
                        buf = rest[size + 2:]
                        if size == 0:
                            raise EOFError
                else:
                    body += buf
                    buf = b""
                while b"\n\n" in body:
                    block, body = body.split(b"\n\n", 1)
                    self._event(block.decode("utf-8"))
                chunk = self.sock.recv(4096)
                if not chunk:
                    raise EOFError
                buf += chunk
        except (EOFError, OSError):
            pass
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def _event(self, block):
        ev = {}
        for line in block.split("\n"):
            if line.startswith(":") or ":" not in line:
                continue
            k, v = line.split(":", 1)
            ev[k] = v[1:] if v.startswith(" ") else v
        if "event" in ev:
            ev["json"] = json.loads(ev.get("data", "null"))
            with self.cond:
                self.events.append(ev)
                self.cond.notify_all()

    def wait_for(self, kind, count=1, timeout=5.0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = [e for e in self.events if e["event"] == kind]
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    raise AssertionError(
                        "no %d %r event(s) within %.1f s; got %r"
                        % (count, kind, timeout, self.events))
                self.cond.wait(left)

    def wait_closed(self, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not self.closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class EventsTest(DaemonTestCase):

    def stream(self, d, last=None):
        s = Stream(d.port, last)
        self.addCleanup(s.close)
        with s.cond:
            s.cond.wait_for(lambda: s.headers is not None or s.closed, 5)
        self.assertIsNotNone(s.headers, "no answer to GET /api/v1/events")
        self.assertIn(" 200 ", s.headers.split("\r\n")[0])
        self.assertIn("text/event-stream", s.headers.lower())
        return s

    def test_call_recall_and_queue_arrive_live(self):
        d = self.start_daemon()
        s = self.stream(d)
        t = d.issue("A").data
        q = s.wait_for("queue")[-1]["json"]
        a = [x for x in q["services"] if x["id"] == "A"][0]
        self.assertEqual(a["waiting"], 1)
        called = d.counter("1", "next", token=TOK1)
        self.assertEqual(called.status, 200)
        ev = s.wait_for("called")[0]
        self.assertEqual(ev["json"]["number"], t["number"])
        self.assertEqual(ev["json"]["ticket"], t["id"])
        self.assertEqual(ev["json"]["counter"], "1")
        self.assertEqual(ev["json"]["counter_name"], "Ghișeul 1")
        self.assertRegex(ev["json"]["at"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
        d.counter("1", "recall", token=TOK1)
        rev = s.wait_for("recalled")[0]
        self.assertEqual(rev["json"]["number"], t["number"])
        # seq orders calls within a second, the display's list too.
        self.assertIsInstance(ev["json"]["seq"], int)
        self.assertGreater(rev["json"]["seq"], ev["json"]["seq"])
        listed = d.get("/api/v1/display").data["calls"]
        self.assertEqual([(c["number"], c["seq"]) for c in listed],
                         [(t["number"], ev["json"]["seq"])])
        # Ids increase, so that a page can say where it stopped.
        ids = [e["id"] for e in s.events]
        seqs = [int(i.split(".")[1]) for i in ids]
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(len(set(ids)), len(ids))

    def test_reconnect_gets_what_was_missed(self):
        d = self.start_daemon()
        s = self.stream(d)
        d.issue("A")
        last = s.wait_for("queue")[-1]["id"]
        s.close()
        # Missed while away: a call.
        d.counter("1", "next", token=TOK1)
        s2 = self.stream(d, last)
        ev = s2.wait_for("called")[0]
        self.assertEqual(ev["json"]["number"], "A001")
        self.assertNotIn("state", [e["event"] for e in s2.events])

    def test_unknown_id_asks_for_a_full_reload(self):
        d = self.start_daemon()
        d.issue("A")
        for last in ("1.1", "garbage", "999999999999.5"):
            s = self.stream(d, last)
            ev = s.wait_for("state")[0]
            self.assertEqual(ev["json"], {})
            s.close()

    def test_restart_is_told_to_old_pages(self):
        d = self.start_daemon()
        s = self.stream(d)
        d.issue("A")
        last = s.wait_for("queue")[-1]["id"]
        s.close()
        d.stop()
        time.sleep(1.1)  # ids carry the start time in seconds
        d.start()
        s2 = self.stream(d, last)
        s2.wait_for("state")

    def test_open_streams_do_not_block_stopping(self):
        d = self.start_daemon()
        streams = [self.stream(d) for _ in range(5)]
        d.issue("A")
        for s in streams:
            s.wait_for("queue")
        t0 = time.monotonic()
        d.stop(timeout=5.0)  # asserts exit status 0
        self.assertLess(time.monotonic() - t0, 5.0)
        for s in streams:
            self.assertTrue(s.wait_closed(5.0), "stream left open")

    def test_many_idle_clients_all_get_the_call(self):
        d = self.start_daemon()
        streams = [self.stream(d) for _ in range(50)]
        d.issue("A")
        d.counter("1", "next", token=TOK1)
        for s in streams:
            self.assertEqual(s.wait_for("called")[0]["json"]["number"],
                             "A001")

    def test_other_methods_refused(self):
        d = self.start_daemon()
        r = d.post("/api/v1/events", {"x": 1})
        self.assertError(r, 405)


if __name__ == "__main__":
    main()
