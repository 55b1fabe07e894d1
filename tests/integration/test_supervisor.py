#!/usr/bin/env python3
"""The floor manager (issue 13, part 2) over HTTP with the test clock:
GET /api/v1/supervisor shows the floor; a waiting ticket is cancelled
with a reason; a counter's services change for the rest of the day, the
next call follows them and a restart the same day keeps them; each alert
is raised once and cleared once, on the event stream and in /metrics."""

import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, COUNTER_TOKENS,  # noqa: E402
                     SUPERVISOR_TOKEN, DaemonTestCase, clock_now, main,
                     parse_rfc3339)
from printer_peer import PrinterPeer  # noqa: E402
from test_events import Stream  # noqa: E402

THURSDAY = "2026-12-03"     # open 08:30-18:30


def at(hhmm, day=THURSDAY):
    return "%sT%s:00+02:00" % (day, hhmm)


def booking(code, hhmm, service="A", minutes=15):
    h, m = hhmm.split(":")
    end = "%02d:%02d" % (int(h) + (int(m) + minutes) // 60,
                         (int(m) + minutes) % 60)
    return {"code": code, "service": service, "start": at(hhmm),
            "end": at(end), "status": "booked"}


def metric(d, name, kind):
    r = d.get("/metrics")
    # Every series carries the office's id first (test config: default).
    m = re.search(r'^%s\{office="default",kind="%s"\} (\d+)$' % (name, kind),
                  r.raw.decode(), re.M)
    if not m:
        raise AssertionError("no %s{kind=%s} in /metrics" % (name, kind))
    return int(m.group(1))


class SupervisorTest(DaemonTestCase):

    def start_at(self, hhmm, extra=""):
        return self.start_daemon(always_open=False, extra_sections=extra,
                                 args=["--test-clock", at(hhmm)])

    def advance(self, d, seconds):
        r = d.post("/api/v1/test/clock", {"advance_s": seconds},
                   token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        return r.data["now"]

    def issue_ok(self, d, service="A", priority=False, near=None):
        """A ticket issued at the test clock's time."""
        return super().issue_ok(d, service, priority,
                                near=parse_rfc3339(clock_now(d)))

    def assertNear(self, got, hhmm, slack=3):
        """got is hhmm of THURSDAY, give or take the seconds the test
        clock ran at the real pace since it was last moved."""
        d = (parse_rfc3339(got) - parse_rfc3339(at(hhmm))).total_seconds()
        self.assertTrue(0 <= d <= slack, "%s is not %s (+%d s)"
                        % (got, at(hhmm), slack))

    def view(self, d, token=SUPERVISOR_TOKEN):
        r = d.get("/api/v1/supervisor", token=token)
        self.assertStatus(r, 200)
        self.assertJsonContentType(r)
        return r.data

    def stream(self, d):
        s = Stream(d.port)
        self.addCleanup(s.close)
        with s.cond:
            s.cond.wait_for(lambda: s.headers is not None or s.closed, 5)
        self.assertIsNotNone(s.headers)
        return s

    def test_view_shows_the_floor(self):
        d = self.start_at("09:00")
        r = d.post("/api/v1/appointments",
                   {"appointments": [booking("LATE0001", "08:50", minutes=30),
                                     booking("DUE00002", "11:00"),
                                     booking("CHECK003", "09:10", "B")]},
                   token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        a1 = self.issue_ok(d, "A")
        self.advance(d, 300)
        self.issue_ok(d, "A")
        self.assertStatus(d.post("/api/v1/checkins",
                                 {"code": "CHECK003", "kiosk": "k1"}), 201)
        self.assertStatus(d.counter("3", "pause"), 200)
        self.advance(d, 120)
        r = d.counter("2", "next")
        self.assertStatus(r, 200)
        self.assertEqual(r.data["id"], a1["id"])
        self.advance(d, 180)

        v = self.view(d)
        self.assertEqual(set(v), {"now", "day", "services", "counters",
                                  "printers", "bookings", "alerts"})
        self.assertEqual(v["day"], THURSDAY)
        self.assertNear(v["now"], "09:10")
        svc = {s["id"]: s for s in v["services"]}
        self.assertEqual(set(svc), {"A", "B"})  # no information tile
        self.assertEqual(svc["A"]["waiting"], 1)
        self.assertEqual(svc["A"]["longest_wait_min"], 5)
        self.assertEqual(svc["A"]["longest_number"], "A002")
        self.assertEqual(svc["A"]["over_max_wait"], 0)
        self.assertEqual(svc["B"]["waiting"], 1)
        self.assertIs(svc["A"]["open"], True)
        ctr = {c["id"]: c for c in v["counters"]}
        self.assertEqual(ctr["2"]["state"], "serving")
        self.assertEqual(ctr["2"]["current"]["number"], "A001")
        self.assertEqual(ctr["2"]["current_min"], 3)
        self.assertEqual(ctr["3"]["state"], "paused")
        self.assertNear(ctr["3"]["paused_since"], "09:05")
        self.assertEqual(ctr["1"]["state"], "idle")
        self.assertEqual(ctr["1"]["services"], ["A", "B"])
        self.assertIsNone(ctr["1"]["paused_since"])
        self.assertEqual(ctr["2"]["served_today"], 0)
        books = {b["code"]: b for b in v["bookings"]}
        self.assertEqual(books["LATE0001"]["status"], "late")
        self.assertEqual(books["DUE00002"]["status"], "due")
        self.assertEqual(books["CHECK003"]["status"], "checked_in")
        self.assertEqual(books["CHECK003"]["ticket"]["state"], "waiting")
        self.assertEqual([b["code"] for b in v["bookings"]],
                         ["LATE0001", "CHECK003", "DUE00002"])
        self.assertEqual(v["printers"][0]["name"], "default")
        self.assertEqual(v["alerts"], [])

        # The counter's ticket served: counted.
        self.assertStatus(d.counter("2", "done", {"outcome": "served"}), 200)
        ctr = {c["id"]: c for c in self.view(d)["counters"]}
        self.assertEqual((ctr["2"]["state"], ctr["2"]["served_today"]),
                         ("idle", 1))
        # The admin reads it too; a counter does not.
        self.view(d, ADMIN_TOKEN)
        self.assertError(d.get("/api/v1/supervisor",
                               token=COUNTER_TOKENS["1"]), 403, "forbidden")

    def test_cancel_a_waiting_ticket(self):
        d = self.start_at("09:00")
        a1 = self.issue_ok(d, "A")
        a2 = self.issue_ok(d, "A")
        path = "/api/v1/tickets/%d/cancel" % a1["id"]
        for body, code in (({}, 400), ({"reason": ""}, 400),
                           ({"reason": "   "}, 400),
                           ({"reason": 5}, 400),
                           ({"reason": "x" * 201}, 400),
                           ({"reason": "a", "extra": 1}, 400)):
            with self.subTest(body=body):
                self.assertError(d.post(path, body, token=SUPERVISOR_TOKEN),
                                 code, "bad_request")
        self.assertEqual(d.ticket(a1["id"]).data["state"], "waiting")
        self.assertError(d.post("/api/v1/tickets/999/cancel",
                                {"reason": "plecat"},
                                token=SUPERVISOR_TOKEN), 404, "not_found")
        r = d.post(path, {"reason": "a plecat"}, token=SUPERVISOR_TOKEN)
        self.assertStatus(r, 200)
        self.assertEqual((r.data["id"], r.data["state"]),
                         (a1["id"], "no_show"))
        self.assertEqual(self.view(d)["services"][0]["waiting"], 1)
        # Once only; a called ticket is its counter's to finish.
        self.assertError(d.post(path, {"reason": "iar"},
                                token=SUPERVISOR_TOKEN), 409, "conflict")
        r = d.counter("2", "next")
        self.assertEqual(r.data["id"], a2["id"])
        self.assertError(d.post("/api/v1/tickets/%d/cancel" % a2["id"],
                                {"reason": "x"}, token=SUPERVISOR_TOKEN),
                         409, "conflict")
        # The statistics count it as a no-show.
        r = d.get("/api/v1/stats?date=" + THURSDAY, token=SUPERVISOR_TOKEN)
        self.assertStatus(r, 200)
        self.assertEqual((r.data["totals"]["no_show"],
                          r.data["totals"]["called"]), (1, 1), r.data)
        self.assertIn("cancelled: a plecat (by floor)", d.log())

    def test_services_change_and_next_call_follows(self):
        d = self.start_at("09:00")
        b1 = self.issue_ok(d, "B")
        a1 = self.issue_ok(d, "A")
        path = "/api/v1/counters/2/services"
        for body, status, code in (
                ({"services": []}, 400, "bad_request"),
                ({"services": "B"}, 400, "bad_request"),
                ({"services": [1]}, 400, "bad_request"),
                ({"services": ["B", "B"]}, 400, "bad_request"),
                ({"services": ["Z"]}, 404, "not_found"),
                ({"services": ["SC"]}, 422, "unprocessable"),
                ({}, 400, "bad_request")):
            with self.subTest(body=body):
                self.assertError(d.post(path, body, token=SUPERVISOR_TOKEN),
                                 status, code)
        self.assertError(d.post("/api/v1/counters/9/services",
                                {"services": ["B"]},
                                token=SUPERVISOR_TOKEN), 404, "not_found")
        self.assertError(d.post(path, {"services": ["B"]},
                                token=COUNTER_TOKENS["2"]), 403, "forbidden")
        self.assertEqual(d.counter("2", None).data["services"], ["A"])
        # Counter 2 (A only) now calls B only: B001, not the A ticket.
        r = d.post(path, {"services": ["B"]}, token=SUPERVISOR_TOKEN)
        self.assertStatus(r, 200)
        self.assertEqual((r.data["id"], r.data["services"]), ("2", ["B"]))
        self.assertEqual([t["id"] for t in r.data["waiting"]], [b1["id"]])
        r = d.counter("2", "next")
        self.assertEqual(r.data["id"], b1["id"])
        self.assertStatus(d.counter("2", "done", {"outcome": "served"}), 200)
        self.assertEqual(d.counter("2", "next").status, 204)
        self.assertIn("counter 2 calls B for the rest of the day (by floor)",
                      d.log())
        # A restart the same day keeps it; the next day forgets it.
        d.restart()
        self.assertEqual(d.counter("2", None).data["services"], ["B"])
        ctr = {c["id"]: c for c in self.view(d)["counters"]}
        self.assertEqual(ctr["2"]["services"], ["B"])
        self.assertEqual(d.counter("2", "next").status, 204)
        r = d.post(path, {"services": ["A", "B"]}, token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        self.assertEqual(d.counter("2", "next").data["id"], a1["id"])

    def test_next_day_forgets_the_change(self):
        d = self.start_at("17:00")
        r = d.post("/api/v1/counters/2/services", {"services": ["B"]},
                   token=SUPERVISOR_TOKEN)
        self.assertStatus(r, 200)
        self.advance(d, 16 * 3600)  # Friday 09:00
        self.assertEqual(d.counter("2", None).data["services"], ["A"])

    def test_alerts_raised_and_cleared_once(self):
        d = self.start_at("09:00", "\n[alerts]\nmax_wait = 20\n"
                          "counter_paused = 10\nbooking_late = 5\n")
        s = self.stream(d)
        r = d.post("/api/v1/appointments",
                   {"appointments": [booking("BOOK0001", "09:00", "B")]},
                   token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        self.assertStatus(d.post("/api/v1/checkins",
                                 {"code": "BOOK0001", "kiosk": "k1"}), 201)
        self.issue_ok(d, "A")
        for cid in ("1", "3"):  # nobody calls B
            self.assertStatus(d.counter(cid, "pause"), 200)
        self.advance(d, 4 * 60)
        self.assertEqual(self.view(d)["alerts"], [])
        self.advance(d, 60)  # 09:05: the booking is late
        alerts = self.view(d)["alerts"]
        self.assertEqual([(a["kind"], a["subject"]) for a in alerts],
                         [("booking_late", "P001")])
        self.assertEqual(alerts[0]["since"], at("09:00"))
        self.assertNear(alerts[0]["raised_at"], "09:05")
        self.advance(d, 5 * 60)  # 09:10: two counters paused 10 minutes
        kinds = sorted((a["kind"], a["subject"]) for a in
                       self.view(d)["alerts"])
        self.assertEqual(kinds, [("booking_late", "P001"),
                                 ("counter_paused", "1"),
                                 ("counter_paused", "3")])
        self.advance(d, 10 * 60)  # 09:20: A001 has waited 20 minutes
        kinds = sorted(a["kind"] for a in self.view(d)["alerts"])
        self.assertEqual(kinds, ["booking_late", "counter_paused",
                                 "counter_paused", "max_wait"])
        self.assertEqual(metric(d, "bonomat_alerts_active", "max_wait"), 1)
        self.assertEqual(metric(d, "bonomat_alerts_active",
                                "counter_paused"), 2)
        # Resolved: counter 1 resumes and calls both tickets.
        self.assertStatus(d.counter("1", "resume"), 200)
        self.assertStatus(d.counter("1", "next"), 200)
        self.assertStatus(d.counter("1", "next"), 200)
        self.advance(d, 1)
        self.assertEqual([(a["kind"], a["subject"])
                          for a in self.view(d)["alerts"]],
                         [("counter_paused", "3")])
        self.assertStatus(d.counter("3", "resume"), 200)
        self.advance(d, 60)
        self.assertEqual(self.view(d)["alerts"], [])
        self.advance(d, 60)
        raised = s.wait_for("alert", 8)
        got = [(e["json"]["state"], e["json"]["kind"], e["json"]["subject"])
               for e in raised]
        self.assertEqual(sorted(got), sorted([
            ("raised", "booking_late", "P001"),
            ("raised", "counter_paused", "1"),
            ("raised", "counter_paused", "3"),
            ("raised", "max_wait", "A"),
            ("cleared", "booking_late", "P001"),
            ("cleared", "counter_paused", "1"),
            ("cleared", "max_wait", "A"),
            ("cleared", "counter_paused", "3")]))
        self.assertEqual(len(s.events and [e for e in s.events
                                           if e["event"] == "alert"]), 8)
        for kind, n in (("booking_late", 1), ("counter_paused", 2),
                        ("max_wait", 1), ("printer_down", 0)):
            self.assertEqual(metric(d, "bonomat_alerts_raised_total", kind),
                             n, kind)
            self.assertEqual(metric(d, "bonomat_alerts_active", kind), 0)
        log = d.log()
        self.assertEqual(log.count("alert raised: max_wait A"), 1)
        self.assertEqual(log.count("alert cleared: max_wait A"), 1)
        # A counter event tells the pages of the pause and resume.
        self.assertTrue(any(e["event"] == "counter" and
                            e["json"]["counter"] == "3" for e in s.events))

    def printer_state(self, d, state, timeout=8.0):
        deadline = time.monotonic() + timeout
        while True:
            p = self.view(d)["printers"][0]
            if p["state"] == state:
                return p
            if time.monotonic() > deadline:
                self.fail("printer state %r not seen: %r" % (state, p))
            time.sleep(0.1)

    def test_printer_down_alert(self):
        """A printer not ok for [alerts] printer_down seconds: raised
        once, then cleared once when it prints again."""
        peer = PrinterPeer()
        self.addCleanup(peer.close)
        d = self.start_daemon(
            extra_sections="\n[alerts]\nprinter_down = 30\n",
            printer="driver = tcp\nhost = %s\n" % peer.address,
            args=["--test-clock", at("09:00")])
        self.printer_state(d, "ok")
        s = self.stream(d)
        peer.set_mode("offline")
        self.printer_state(d, "offline")
        self.advance(d, 0)     # first seen down now, or at a tick just before
        self.advance(d, 25)    # a few seconds of slack for that tick
        self.assertEqual(self.view(d)["alerts"], [])
        self.advance(d, 5)
        alerts = self.view(d)["alerts"]
        self.assertEqual([(a["kind"], a["subject"]) for a in alerts],
                         [("printer_down", "default")])
        self.assertEqual(metric(d, "bonomat_alerts_active", "printer_down"),
                         1)
        self.advance(d, 60)    # still down: not raised again
        peer.set_mode("ready")
        self.printer_state(d, "ok")
        self.advance(d, 0)
        self.assertEqual(self.view(d)["alerts"], [])
        got = [(e["json"]["state"], e["json"]["subject"])
               for e in s.wait_for("alert", 2)]
        self.assertEqual(got, [("raised", "default"), ("cleared", "default")])
        self.assertEqual(metric(d, "bonomat_alerts_raised_total",
                                "printer_down"), 1)
        self.assertEqual(d.log().count("alert raised: printer_down default"),
                         1)


if __name__ == "__main__":
    main()
