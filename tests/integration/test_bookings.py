#!/usr/bin/env python3
"""Online bookings (issue 4) over HTTP with the test clock: the atomic
import, check-in windows and answers, the priority merge of due bookings
with walk-ins, and the office hours."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, COUNTER_TOKENS,  # noqa: E402
                     DaemonTestCase, main)

TOK2 = COUNTER_TOKENS["2"]  # counter 2 serves A only
THURSDAY = "2026-12-03"     # open 08:30-18:30


def at(hhmm, day=THURSDAY):
    return "%sT%s:00+02:00" % (day, hhmm)


def booking(code, hhmm, service="A", day=THURSDAY, status="booked",
            phone="+40722000111"):
    h, m = hhmm.split(":")
    end = "%02d:%02d" % (int(h) + (int(m) + 15) // 60, (int(m) + 15) % 60)
    return {"code": code, "service": service, "start": at(hhmm, day),
            "end": at(end, day), "phone": phone, "status": status}


class BookingsTest(DaemonTestCase):

    def start_at(self, hhmm, day=THURSDAY):
        return self.start_daemon(always_open=False,
                                 args=["--test-clock", at(hhmm, day)])

    def advance(self, d, seconds):
        r = d.post("/api/v1/test/clock", {"advance_s": seconds},
                   token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        return r.data["now"]

    def import_(self, d, items):
        return d.post("/api/v1/appointments", {"appointments": items},
                      token=ADMIN_TOKEN)

    def checkin(self, d, code):
        return d.post("/api/v1/checkins", {"code": code, "kiosk": "k1"})

    def test_import_is_atomic_and_names_the_item(self):
        d = self.start_at("09:00")
        bad = [booking("GOOD0001", "10:00"), booking("GOOD0002", "10:15"),
               dict(booking("BAD00003", "10:30"), service="Z")]
        r = self.import_(d, bad)
        self.assertError(r, 422, "unprocessable")
        self.assertIn("appointments[2]", r.data["error"]["message"])
        # Nothing of the batch was stored.
        self.assertError(self.checkin(d, "GOOD0001"), 404, "not_found")
        for item, field in ((dict(booking("X0000001", "10:00"),
                                  start="tomorrow"), "start"),
                            (dict(booking("X0000002", "10:00"), extra=1),
                             "extra")):
            r = self.import_(d, [booking("GOOD0003", "09:00"), item])
            self.assertError(r, 400, "bad_request")
            self.assertIn("appointments[1]", r.data["error"]["message"])
            self.assertIn(field, r.data["error"]["message"])
        r = self.import_(d, bad[:2])
        self.assertStatus(r, 200)
        self.assertEqual(r.data, {"created": 2, "updated": 0})
        # Idempotent by code: the same batch again only updates.
        r = self.import_(d, bad[:2])
        self.assertEqual(r.data, {"created": 0, "updated": 2})
        # Without the admin token nothing is imported.
        r = d.post("/api/v1/appointments", {"appointments": []})
        self.assertError(r, 401, "unauthorized")

    def test_one_booking_rule(self):
        """The rule of daemon/core/booking.h through the API: a 32-letter
        code written with dashes imports and checks in, 33 letters do not;
        a phone number is normalised; no booking lasts over 24 hours. Each
        refusal names the item and stores nothing."""
        d = self.start_at("09:00")
        code32 = "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345-6789"
        item = booking(code32, "10:00", phone="+40 (722) 000-111")
        r = self.import_(d, [item])
        self.assertStatus(r, 200)
        self.assertEqual(r.data, {"created": 1, "updated": 0})
        # The same code, typed without dashes and in lower case.
        r = self.import_(d, [dict(item, code=code32.replace("-", "")
                                  .lower())])
        self.assertEqual(r.data, {"created": 0, "updated": 1})
        too_long = booking("ABCDEFGHJKLMNPQRSTUVWXYZ234567890", "10:00")
        over_a_day = dict(booking("LONG0001", "10:00"),
                          end=at("10:01", "2026-12-04"))
        for bad, status, words in (
                (too_long, 422, "4 to 32 letters and digits"),
                (over_a_day, 422, "at most 24 hours"),
                (dict(booking("PHONE001", "10:00"), phone="0722 12x 456"),
                 400, "digits with an optional leading +")):
            r = self.import_(d, [booking("FIRST001", "10:15"), bad])
            self.assertError(r, status)
            self.assertIn("appointments[1]", r.data["error"]["message"])
            self.assertIn(words, r.data["error"]["message"])
            self.assertError(self.checkin(d, "FIRST001"), 404, "not_found")
        # A day exactly is a booking.
        r = self.import_(d, [dict(booking("DAY00001", "10:00"),
                                  end=at("10:00", "2026-12-04"))])
        self.assertStatus(r, 200)
        r = self.checkin(d, code32.replace("-", ""))
        self.assertStatus(r, 201)
        self.assertEqual(r.data["kind"], "appointment")

    def test_due_booking_goes_ahead_of_walk_ins(self):
        d = self.start_at("09:40")
        self.assertStatus(self.import_(d, [booking("X7K2P9", "10:00")]), 200)
        # Typed on a touchscreen: case, spaces and dashes do not matter.
        t = self.checkin(d, "x7k-2p 9")
        self.assertStatus(t, 201)
        self.assertEqual(t.data["kind"], "appointment")
        self.assertEqual(t.data["number"], "P001")
        self.assertFalse(t.data["late"])
        w = d.issue("A").data
        # 09:40: not due yet; a walk-in waits, so the walk-in goes first.
        c = d.counter("2", "next", token=TOK2)
        self.assertEqual(c.data["number"], w["number"])
        self.assertEqual(c.data["reason"], "walk_in")
        d.counter("2", "done", {"outcome": "served"}, token=TOK2)
        # Nobody else waits: an idle counter takes the early booking.
        c = d.counter("2", "next", token=TOK2)
        self.assertEqual(c.data["number"], "P001")
        self.assertEqual(c.data["reason"], "appointment_early")

    def test_from_early_window_booking_is_due(self):
        d = self.start_at("09:40")
        self.import_(d, [booking("BOOK1000", "10:00")])
        p = self.checkin(d, "BOOK1000").data
        walk_ins = [d.issue("A").data for _ in range(2)]
        self.assertEqual(d.ticket(p["id"]).data["ahead"], 2,
                         "before 09:50 the walk-ins go first")
        self.advance(d, 10 * 60)  # 09:50
        self.assertEqual(d.ticket(p["id"]).data["ahead"], 0)
        c = d.counter("2", "next", token=TOK2)
        self.assertEqual(c.data["number"], p["number"])
        self.assertEqual(c.data["reason"], "appointment_due")
        c = d.counter("2", "next", token=TOK2)
        self.assertEqual(c.data["number"], walk_ins[0]["number"])

    def test_late_check_in_gets_a_walk_in_ticket(self):
        # Imported before it ends (a booking already over is refused),
        # checked in at 10:20.
        d = self.start_at("10:10")
        self.import_(d, [booking("LATE0001", "10:00")])
        self.advance(d, 600)
        r = self.checkin(d, "LATE0001")
        self.assertStatus(r, 201)
        self.assertEqual(r.data["kind"], "walk_in")
        self.assertTrue(r.data["late"])
        self.assertEqual(r.data["number"], "A001")
        self.assertIn("10:00", r.data["message"])
        self.assertIn("15", r.data["message"])
        # Within the grace it would have kept the booking's place (a
        # minute inside it: the test clock runs on in real time).
        self.import_(d, [booking("ONTIME01", "10:06")])
        r = self.checkin(d, "ONTIME01")
        self.assertEqual(r.data["kind"], "appointment")

    def test_check_in_answers(self):
        d = self.start_at("09:00")
        self.import_(d, [booking("TOMORROW", "10:00", day="2026-12-04"),
                         booking("CANCEL01", "10:00", status="cancelled"),
                         booking("TWICE001", "10:00")])
        r = self.checkin(d, "TOMORROW")
        self.assertError(r, 422, "unprocessable")
        self.assertIn("2026-12-04", r.data["error"]["message"])
        self.assertError(self.checkin(d, "CANCEL01"), 410, "gone")
        self.assertError(self.checkin(d, "NOSUCH99"), 404, "not_found")
        self.assertError(self.checkin(d, "!!"), 404, "not_found")
        first = self.checkin(d, "TWICE001")
        self.assertStatus(first, 201)
        r = self.checkin(d, "TWICE001")
        self.assertError(r, 409, "conflict")
        self.assertIn(first.data["number"], r.data["error"]["message"])
        # A later import cancels a booking.
        self.import_(d, [booking("TOMORROW", "10:00", day="2026-12-04",
                                 status="cancelled")])
        self.advance(d, 24 * 3600)
        self.assertError(self.checkin(d, "TOMORROW"), 410, "gone")

    def test_closed_outside_hours_says_when_it_opens(self):
        d = self.start_at("18:29")
        self.assertError(d.post("/api/v1/tickets", {"service": "A"}), 422,
                         "closed")  # past the 15-minute cut-off
        self.import_(d, [booking("EVENING1", "18:15")])
        # Check-ins are taken as long as the office is open.
        self.assertStatus(self.checkin(d, "EVENING1"), 201)
        self.advance(d, 3600)  # 19:29
        r = d.post("/api/v1/tickets", {"service": "A"})
        self.assertError(r, 422, "closed")
        self.assertIn("2026-12-04 at 08:30", r.data["error"]["message"])
        self.assertError(self.checkin(d, "EVENING1"), 422, "closed")
        svc = [s for s in d.services().data if s["id"] == "A"][0]
        self.assertFalse(svc["open"])

    def test_no_test_clock_without_the_flag(self):
        d = self.start_daemon()
        r = d.post("/api/v1/test/clock", {"advance_s": 60},
                   token=ADMIN_TOKEN)
        self.assertError(r, 404, "not_found")


if __name__ == "__main__":
    main()
