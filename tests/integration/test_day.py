#!/usr/bin/env python3
"""What a real office day showed (issue 9), each as data: a transferred
ticket forgets its call, the counter page gets the daemon's time, a
booking already checked in names its ticket, a late check-in says when it
was booked, and the shutdown log counts the check-in tickets."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, DaemonTestCase, main,  # noqa: E402
                     parse_rfc3339)

THURSDAY = "2026-12-03"


def at(hhmm, day=THURSDAY):
    return "%sT%s:00+02:00" % (day, hhmm)


def booking(code, hhmm, service="A"):
    h, m = hhmm.split(":")
    end = "%02d:%02d" % (int(h) + (int(m) + 15) // 60, (int(m) + 15) % 60)
    return {"code": code, "service": service, "start": at(hhmm),
            "end": at(end), "status": "booked"}


class Day(DaemonTestCase):
    def start_at(self, hhmm):
        return self.start_daemon(always_open=False,
                                 args=["--test-clock", at(hhmm)])

    def test_transfer_forgets_the_call(self):
        d = self.start_at("10:00")
        t = self.issue_ok(d, "A", near=parse_rfc3339(at("10:00")))
        r = d.counter("1", "next")
        self.assertStatus(r, 200)
        self.assertEqual(r.data["id"], t["id"])
        self.assertIn("reason", r.data)
        self.assertIn("called_at", r.data)
        r = d.counter("1", "transfer", {"service": "B"})
        self.assertStatus(r, 200)
        for got in (r.data, d.ticket(t["id"]).data,
                    d.counter("3", None).data["waiting"][0]):
            self.assertEqual((got["state"], got["service"]),
                             ("waiting", "B"), got)
            self.assertNotIn("reason", got)
            self.assertNotIn("called_at", got)

    def test_counter_view_says_the_daemons_time(self):
        d = self.start_at("10:00")
        r = d.counter("1", None)
        self.assertStatus(r, 200)
        self.assertLess(abs((parse_rfc3339(r.data["now"]) -
                             parse_rfc3339(at("10:00"))).total_seconds()), 60)

    def test_checkin_twice_names_the_ticket_and_late_says_when(self):
        d = self.start_at("09:10")
        r = d.post("/api/v1/appointments",
                   {"appointments": [booking("DAYX0001", "10:05"),
                                     booking("DAYX0002", "09:00")]},
                   token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        r = d.post("/api/v1/test/clock", {"advance_s": 50 * 60},
                   token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        first = d.post("/api/v1/checkins", {"code": "DAYX0001", "kiosk": "k1"})
        self.assertStatus(first, 201)
        again = d.post("/api/v1/checkins", {"code": "DAYX0001", "kiosk": "k1"})
        e = self.assertError(again, 409, "conflict")
        self.assertEqual(e["ticket"]["number"], first.data["number"], e)
        self.assertEqual(e["ticket"]["id"], first.data["id"], e)
        late = d.post("/api/v1/checkins", {"code": "DAYX0002", "kiosk": "k1"})
        self.assertStatus(late, 201)
        self.assertIs(late.data["late"], True)
        self.assertEqual(parse_rfc3339(late.data["booked_at"]),
                         parse_rfc3339(at("09:00")))
        self.assertIsInstance(late.data["late_grace_min"], int)
        d.stop()
        self.assertIn("2 tickets issued: 0 in 0 commits, 2 at check-in",
                      d.log())


if __name__ == "__main__":
    main()
