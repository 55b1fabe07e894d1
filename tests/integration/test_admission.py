#!/usr/bin/env python3
"""Honest tiles (API.md, Service): `open` in GET /api/v1/services and in
the `queue` events is false whenever issuing would refuse, with the reason
(`closed`, `cutoff`, `estimate`) and the next opening, and the refusal
carries the same parameters for the kiosk to word. Lived on the daemon's
test clock, a Thursday open 08:30-18:30 with a 15-minute cut-off."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (DEFAULT_HOURS, DaemonTestCase,  # noqa: E402
                     clock_set, main, parse_rfc3339)
from test_events import Stream  # noqa: E402

THURSDAY, FRIDAY = "2026-12-03", "2026-12-04"


def at(hhmmss, day=THURSDAY):
    return "%sT%s+02:00" % (day, hhmmss)


class Admission(DaemonTestCase):
    def services(self, d):
        r = d.services()
        self.assertStatus(r, 200)
        return {s["id"]: s for s in r.data}

    def issued(self, d, service="A", priority=False):
        r = d.issue(service, priority)
        self.assertStatus(r, 201, "POST /api/v1/tickets %s: %r" % (service, r))
        return r.data

    def assertSame(self, got, want, ctx):
        self.assertEqual(parse_rfc3339(got), parse_rfc3339(want), ctx)

    def test_estimate_past_closing_closes_the_tile(self):
        """17:40 on a Thursday, twelve waiting for A (8 min each, two
        counters): every tap would be refused, so the tile is closed with
        the reason `estimate`."""
        d = self.start_daemon(always_open=False,
                              args=["--test-clock", at("16:30:00")])
        for _ in range(12):
            self.issued(d, "A")
        clock_set(d, at("17:40:00"))
        a = self.services(d)["A"]
        r = d.issue("A")
        e = self.assertError(r, 422, "closed")
        self.assertEqual(e["reason"], "estimate", e)
        self.assertGreater(e["wait_min"], 0, e)
        self.assertSame(e["closes_at"], at("18:30:00"), "closes_at")
        self.assertSame(e["opens_at"], at("08:30:00", FRIDAY), "opens_at")
        self.assertIs(a["open"], False, a)
        self.assertEqual(a["closed_reason"], "estimate", a)
        self.assertSame(a["opens_at"], at("08:30:00", FRIDAY), "opens_at")
        # B has nobody waiting: still open, with no reason.
        b = self.services(d)["B"]
        self.assertEqual((b["open"], b["closed_reason"], b["opens_at"]),
                         (True, None, None), b)
        # The queue event a new ticket for B sends says the same of A.
        s = Stream(d.port)
        self.addCleanup(s.close)
        self.issued(d, "B")
        ev = s.wait_for("queue")[-1]["json"]
        qa = {x["id"]: x for x in ev["services"]}["A"]
        self.assertEqual((qa["open"], qa["closed_reason"]),
                         (False, "estimate"), qa)
        self.assertSame(qa["opens_at"], at("08:30:00", FRIDAY), "opens_at")

    def test_cutoff_says_cutoff_and_priority_goes_on(self):
        """18:15: the cut-off. Walk-ins are refused with `cutoff`; a
        priority ticket is still issued while its wait ends before 18:30
        (priority_after_cutoff, the default)."""
        d = self.start_daemon(always_open=False,
                              args=["--test-clock", at("18:00:00")])
        clock_set(d, at("18:16:00"))
        a = self.services(d)["A"]
        self.assertEqual((a["open"], a["closed_reason"], a["priority_open"]),
                         (False, "cutoff", True), a)
        self.assertSame(a["opens_at"], at("08:30:00", FRIDAY), "opens_at")
        e = self.assertError(d.issue("A"), 422, "closed")
        self.assertEqual((e["reason"], e["cutoff_min"]), ("cutoff", 15), e)
        self.assertSame(e["closes_at"], at("18:30:00"), "closes_at")
        t = self.issued(d, "A", priority=True)
        self.assertEqual(t["kind"], "priority")

    def test_cutoff_stops_priority_when_configured(self):
        d = self.start_daemon(
            always_open=False,
            hours=DEFAULT_HOURS + "priority_after_cutoff = false\n",
            args=["--test-clock", at("18:16:00")])
        a = self.services(d)["A"]
        self.assertEqual((a["open"], a["priority_open"]), (False, False), a)
        e = self.assertError(d.issue("A", priority=True), 422, "closed")
        self.assertEqual(e["reason"], "cutoff", e)

    def test_closed_day_says_when_it_opens(self):
        """Saturday: closed, opening again on Monday at 08:30; no wait is
        estimated before opening."""
        d = self.start_daemon(always_open=False,
                              args=["--test-clock", "2026-12-05T10:00:00+02:00"])
        a = self.services(d)["A"]
        self.assertEqual((a["open"], a["closed_reason"]), (False, "closed"), a)
        self.assertSame(a["opens_at"], "2026-12-07T08:30:00+02:00", "opens_at")
        self.assertIsNone(a["est_wait_min"], a)
        e = self.assertError(d.issue("A"), 422, "closed")
        self.assertEqual(e["reason"], "closed", e)
        self.assertSame(e["opens_at"], "2026-12-07T08:30:00+02:00", "opens_at")

    def test_before_opening_no_estimate(self):
        d = self.start_daemon(always_open=False,
                              args=["--test-clock", at("07:00:00")])
        a = self.services(d)["A"]
        self.assertEqual((a["open"], a["closed_reason"], a["est_wait_min"]),
                         (False, "closed", None), a)
        self.assertSame(a["opens_at"], at("08:30:00"), "opens_at")


if __name__ == "__main__":
    main()
