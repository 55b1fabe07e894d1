#!/usr/bin/env python3
"""A ticket's life through the HTTP API (API.md) and the call policy
(DESIGN.md "Who is called next"), against the real bonomatd."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (CALL_REASONS, COUNTER_NAMES, SC_INFO,  # noqa: E402
                     SERVICE_FIELDS, SERVICE_NAMES, DaemonTestCase,
                     clock_now, clock_set, main, parse_rfc3339)

THURSDAY, FRIDAY = "2026-12-03", "2026-12-04"   # open 08:30-18:30, 16:30


def at(hhmmss, day=THURSDAY):
    return "%sT%s+02:00" % (day, hhmmss)


def numbers(tickets):
    return [t["number"] for t in tickets]


class Health(DaemonTestCase):
    def test_healthz(self):
        d = self.start_daemon()
        r = d.get("/healthz")
        self.assertStatus(r, 200)
        self.assertJsonContentType(r)
        self.assertEqual(r.data, {"status": "ok"})


class Office(DaemonTestCase):
    def test_office_is_the_configs(self):
        """GET /api/v1/office: what the pages show of the office comes from
        the config's [office] section; the booking-code limits from the
        one booking rule (daemon/core/booking.h)."""
        d = self.start_daemon()
        r = d.get("/api/v1/office")
        self.assertStatus(r, 200)
        self.assertJsonContentType(r)
        self.assertEqual(r.data, {
            "name": "Primăria Sectorului 1 — Biroul Cetățeanului",
            "address": "Str. Mureș nr. 18–24, parter",
            "footer": "Programări online: programare.primariasector1.ro",
            "timezone": "Europe/Bucharest",
            "booking_code": {"min_length": 4, "max_length": 32},
            "return_window_min": 30,
            "ticket_qr": False,
            "sms": False,  # [sms] driver = none
        })
        self.assertError(d.post("/api/v1/office", {}), 405)
        d2 = self.start_daemon(ticket_url="https://x.ro/t/{token}",
                               policy_extra="return_window = 0\n")
        r = d2.get("/api/v1/office")
        self.assertEqual((r.data["ticket_qr"], r.data["return_window_min"]),
                         (True, 0))


class Services(DaemonTestCase):
    def test_services_list_ticket_and_info_services(self):
        d = self.start_daemon()
        r = d.services()
        self.assertStatus(r, 200)
        self.assertJsonContentType(r)
        self.assertIsInstance(r.data, list)
        by_id = {s.get("id"): s for s in r.data}
        self.assertEqual(len(by_id), len(r.data), "duplicate ids: %r" % (r,))
        self.assertEqual(set(by_id), {"A", "B", "SC"})
        for s in r.data:
            missing = SERVICE_FIELDS - set(s)
            self.assertFalse(missing, "service %r lacks %s" % (s, missing))
            self.assertEqual(s["name"], SERVICE_NAMES[s["id"]])
        for sid in ("A", "B"):
            s = by_id[sid]
            self.assertEqual(s["prefix"], sid, s)
            self.assertEqual(s["kind"], "ticket", s)
            self.assertIsNone(s["info"], s)
            self.assertIs(s["open"], True, s)
            self.assertIs(type(s["waiting"]), int, s)
            self.assertEqual(s["waiting"], 0, s)
            self.assertTrue(s["est_wait_min"] is None or
                            type(s["est_wait_min"]) is int, s)
        sc = by_id["SC"]
        self.assertEqual(sc["kind"], "info", sc)
        self.assertEqual(sc["info"], SC_INFO, sc)
        self.assertTrue(sc["prefix"] is None or isinstance(sc["prefix"], str),
                        sc)
        self.assertIs(type(sc["open"]), bool, sc)

    def test_waiting_counts_follow_issues_and_calls(self):
        d = self.start_daemon()
        self.issue_ok(d, "A")
        self.issue_ok(d, "A")
        self.issue_ok(d, "B")
        w = {s["id"]: s for s in d.services().data}
        self.assertEqual((w["A"]["waiting"], w["B"]["waiting"]), (2, 1))
        self.assertStatus(d.counter("2", "next"), 200)
        w = {s["id"]: s for s in d.services().data}
        self.assertEqual((w["A"]["waiting"], w["B"]["waiting"]), (1, 1),
                         "a called ticket no longer waits")


class Tickets(DaemonTestCase):
    def test_three_tickets_numbered_in_order(self):
        d = self.start_daemon()
        issued = []
        for i in range(3):
            r = d.post("/api/v1/tickets",
                       {"service": "A", "kiosk": "k1", "priority": False})
            self.assertStatus(r, 201)
            self.assertJsonContentType(r)
            t = self.assertTicket(r.data, "issued #%d" % i)
            issued.append(t)
        self.assertEqual(numbers(issued), ["A001", "A002", "A003"])
        self.assertEqual([t["ahead"] for t in issued], [0, 1, 2])
        self.assertEqual(len({t["id"] for t in issued}), 3, issued)
        for t in issued:
            self.assertEqual(t["service"], "A", t)
            self.assertEqual(t["kind"], "walk_in", t)
            self.assertEqual(t["state"], "waiting", t)
            self.assertIsNone(t["counter"], t)
            self.assertIs(t["late"], False, t)
        ests = [t["est_wait_min"] for t in issued]
        if None not in ests:
            self.assertEqual(ests, sorted(ests),
                             "more people ahead, no shorter wait: %r" % ests)

        for t in issued:
            r = d.ticket(t["id"])
            self.assertStatus(r, 200)
            self.assertJsonContentType(r)
            g = self.assertTicket(r.data, "GET")
            for k in ("id", "number", "service", "kind", "state", "issued_at",
                      "ahead", "printed", "counter", "late"):
                self.assertEqual(g[k], t[k], "field %s of %r vs %r"
                                 % (k, g, t))

    def test_numbering_is_per_prefix(self):
        d = self.start_daemon()
        got = [self.issue_ok(d, s)["number"]
               for s in ("A", "B", "A", "B", "B")]
        self.assertEqual(got, ["A001", "B001", "A002", "B002", "B003"])

    def test_tickets_survive_graceful_restart(self):
        d = self.start_daemon()
        a1 = self.issue_ok(d, "A")
        a2 = self.issue_ok(d, "A")
        self.assertEqual(d.counter("1", "next").data["id"], a1["id"])
        d.restart()
        r = d.ticket(a1["id"])
        self.assertStatus(r, 200)
        self.assertEqual((r.data["number"], r.data["state"],
                          r.data["counter"]), ("A001", "called", "1"))
        self.assertEqual(r.data["issued_at"], a1["issued_at"])
        c = self.assertCounter(d.counter("1", None).data, "1")
        self.assertEqual(c["current"]["id"], a1["id"])
        self.assertEqual([t["id"] for t in c["waiting"]], [a2["id"]])
        self.assertEqual(self.issue_ok(d, "A")["number"], "A003",
                         "the sequence continues after a restart")
        r = d.counter("1", "next")
        self.assertStatus(r, 200)
        self.assertEqual(r.data["id"], a2["id"])
        self.assertEqual(d.ticket(a1["id"]).data["state"], "served")


class Counter(DaemonTestCase):
    def test_call_recall_done_cycle(self):
        d = self.start_daemon()
        a1, a2, a3 = (self.issue_ok(d, "A") for _ in range(3))

        r = d.counter("1", "next")
        self.assertStatus(r, 200)
        self.assertJsonContentType(r)
        t = self.assertTicket(r.data, "next")
        self.assertEqual((t["id"], t["number"], t["state"], t["counter"]),
                         (a1["id"], "A001", "called", "1"))
        self.assertIn("reason", t)
        self.assertEqual(t["reason"], "walk_in")
        self.assertEqual(t["issued_at"], a1["issued_at"])
        g = d.ticket(a1["id"]).data
        self.assertEqual((g["state"], g["counter"]), ("called", "1"))
        self.assertEqual(d.ticket(a2["id"]).data["ahead"], 0,
                         "A002 is next once A001 is called")
        self.assertEqual(d.ticket(a3["id"]).data["ahead"], 1)

        # next again finishes A001 as served and calls A002
        r = d.counter("1", "next")
        self.assertStatus(r, 200)
        t = self.assertTicket(r.data, "second next")
        self.assertEqual((t["number"], t["state"], t["counter"],
                          t["reason"]), ("A002", "called", "1", "walk_in"))
        g = self.assertTicket(d.ticket(a1["id"]).data, "A001 after next")
        self.assertEqual(g["state"], "served")

        # recall: the same ticket, still called
        r = d.counter("1", "recall")
        self.assertStatus(r, 200)
        t = self.assertTicket(r.data, "recall")
        self.assertEqual((t["id"], t["number"], t["state"], t["counter"]),
                         (a2["id"], "A002", "called", "1"))

        # done no_show
        r = d.counter("1", "done", {"outcome": "no_show"})
        self.assertStatus(r, 200)
        t = self.assertTicket(r.data, "done")
        self.assertEqual((t["id"], t["state"]), (a2["id"], "no_show"))
        self.assertEqual(d.ticket(a2["id"]).data["state"], "no_show")
        c = self.assertCounter(d.counter("1", None).data, "1")
        self.assertIsNone(c["current"])

        # done with nothing current
        self.assertError(d.counter("1", "done", {"outcome": "served"}), 409,
                         "conflict")

        # done served
        self.assertEqual(d.counter("1", "next").data["number"], "A003")
        r = d.counter("1", "done", {"outcome": "served"})
        self.assertStatus(r, 200)
        self.assertEqual((r.data["id"], r.data["state"]),
                         (a3["id"], "served"))
        self.assertEqual(d.ticket(a3["id"]).data["state"], "served")
        self.assertEqual(d.ticket(a2["id"]).data["state"], "no_show",
                         "finished tickets stay finished")

    def test_next_with_nobody_waiting_is_204(self):
        d = self.start_daemon()
        r = d.counter("1", "next")
        self.assertStatus(r, 204)
        self.assertEqual(r.raw, b"", "204 has an empty body")

    def test_next_finishes_current_even_when_nobody_waits(self):
        d = self.start_daemon()
        a1 = self.issue_ok(d, "A")
        self.assertEqual(d.counter("1", "next").data["id"], a1["id"])
        r = d.counter("1", "next")
        self.assertStatus(r, 204)
        self.assertEqual(r.raw, b"")
        self.assertEqual(d.ticket(a1["id"]).data["state"], "served")
        self.assertIsNone(d.counter("1", None).data["current"])

    def test_transfer_keeps_issue_time_and_number(self):
        d = self.start_daemon()
        a1 = self.issue_ok(d, "A")
        time.sleep(1.1)  # issue times have one-second resolution
        b1 = self.issue_ok(d, "B")
        self.assertEqual(d.counter("1", "next").data["id"], a1["id"])

        r = d.counter("1", "transfer", {"service": "B"})
        self.assertStatus(r, 200)
        t = self.assertTicket(r.data, "transfer")
        self.assertEqual(t["id"], a1["id"])
        self.assertEqual(t["number"], "A001",
                         "the citizen's paper still says A001")
        self.assertEqual(t["service"], "B")
        self.assertEqual(t["state"], "waiting")
        self.assertIsNone(t["counter"])
        self.assertEqual(t["issued_at"], a1["issued_at"])
        self.assertEqual(t["kind"], "walk_in")
        g = self.assertTicket(d.ticket(a1["id"]).data, "GET transferred")
        self.assertEqual((g["service"], g["state"], g["issued_at"]),
                         ("B", "waiting", a1["issued_at"]))
        self.assertIsNone(d.counter("1", None).data["current"])
        w = {s["id"]: s["waiting"] for s in d.services().data}
        self.assertEqual((w["A"], w["B"]), (0, 2))

        # counter 3 serves only B: the transferred ticket, issued earlier,
        # comes before B001
        r = d.counter("3", "next")
        self.assertStatus(r, 200)
        t = self.assertTicket(r.data, "counter 3 next")
        self.assertEqual((t["id"], t["state"], t["counter"], t["service"]),
                         (a1["id"], "called", "3", "B"))
        r = d.counter("3", "next")
        self.assertEqual(r.data["id"], b1["id"])
        self.assertEqual(d.ticket(a1["id"]).data["state"], "served")
        # counter 2 serves only A: nothing for it now
        self.assertStatus(d.counter("2", "next"), 204)

    def test_pause_and_resume(self):
        d = self.start_daemon()
        a1 = self.issue_ok(d, "A")
        r = d.counter("1", "pause")
        self.assertStatus(r, 200)
        self.assertJsonContentType(r)
        c = self.assertCounter(r.data, "1", "pause")
        self.assertIs(c["paused"], True)
        self.assertIs(d.counter("1", None).data["paused"], True)

        self.assertError(d.counter("1", "next"), 409, "conflict")
        self.assertEqual(d.ticket(a1["id"]).data["state"], "waiting")

        r = d.counter("1", "resume")
        self.assertStatus(r, 200)
        c = self.assertCounter(r.data, "1", "resume")
        self.assertIs(c["paused"], False)
        r = d.counter("1", "next")
        self.assertStatus(r, 200)
        self.assertEqual(r.data["id"], a1["id"])

    def test_pause_survives_restart(self):
        d = self.start_daemon()
        self.assertIs(d.counter("2", "pause").data["paused"], True)
        d.restart()
        self.assertIs(d.counter("2", None).data["paused"], True)

    def test_est_wait_unknown_when_no_counter_open(self):
        d = self.start_daemon()
        # B is served by counters 1 and 3: pause both
        self.assertStatus(d.counter("1", "pause"), 200)
        self.assertStatus(d.counter("3", "pause"), 200)
        t = self.issue_ok(d, "B")
        self.assertIsNone(t["est_wait_min"],
                          "no open counter serves B: no estimate")
        b = {s["id"]: s for s in d.services().data}["B"]
        self.assertIsNone(b["est_wait_min"], b)
        # A is still served by counter 2
        a = self.issue_ok(d, "A")
        self.assertIs(type(a["est_wait_min"]), int, a)

    def test_counter_view(self):
        d = self.start_daemon()
        a1 = self.issue_ok(d, "A")
        time.sleep(1.05)
        b1 = self.issue_ok(d, "B")
        time.sleep(1.05)
        a2 = self.issue_ok(d, "A")

        r = d.counter("1", None)
        self.assertStatus(r, 200)
        self.assertJsonContentType(r)
        c = self.assertCounter(r.data, "1")
        self.assertIs(c["paused"], False)
        self.assertIsNone(c["current"])
        self.assertEqual([t["id"] for t in c["waiting"]],
                         [a1["id"], b1["id"], a2["id"]])
        c2 = self.assertCounter(d.counter("2", None).data, "2")
        self.assertEqual([t["id"] for t in c2["waiting"]],
                         [a1["id"], a2["id"]])
        c3 = self.assertCounter(d.counter("3", None).data, "3")
        self.assertEqual([t["id"] for t in c3["waiting"]], [b1["id"]])

        self.assertEqual(d.counter("1", "next").data["id"], a1["id"])
        c = self.assertCounter(d.counter("1", None).data, "1")
        self.assertEqual(c["current"]["id"], a1["id"])
        self.assertEqual([t["id"] for t in c["waiting"]],
                         [b1["id"], a2["id"]])


class Policy(DaemonTestCase):
    def test_priority_called_before_earlier_walk_ins(self):
        d = self.start_daemon()
        w1 = self.issue_ok(d, "A")
        w2 = self.issue_ok(d, "A")
        p = self.issue_ok(d, "A", priority=True)
        self.assertEqual(p["kind"], "priority")
        self.assertEqual(p["number"], "A003",
                         "priority tickets share the service's sequence")
        self.assertEqual(p["ahead"], 0, "the priority ticket is called first")
        self.assertEqual(d.ticket(w1["id"]).data["ahead"], 1)

        r = d.counter("2", "next")
        self.assertStatus(r, 200)
        self.assertEqual((r.data["id"], r.data["reason"], r.data["kind"]),
                         (p["id"], "priority", "priority"))
        r = d.counter("2", "next")
        self.assertEqual((r.data["id"], r.data["reason"]),
                         (w1["id"], "walk_in"))
        r = d.counter("2", "next")
        self.assertEqual((r.data["id"], r.data["reason"]),
                         (w2["id"], "walk_in"))

    def test_interleave_after_walkin_every_non_walk_in_calls(self):
        d = self.start_daemon(walkin_every=3)
        w1 = self.issue_ok(d, "A")
        w2 = self.issue_ok(d, "A")
        ps = [self.issue_ok(d, "A", priority=True) for _ in range(4)]
        want = [(ps[0], "priority"), (ps[1], "priority"),
                (ps[2], "priority"), (w1, "interleave"),
                (ps[3], "priority"), (w2, "walk_in")]
        got = []
        for _ in want:
            r = d.counter("2", "next")
            self.assertStatus(r, 200)
            self.assertIn(r.data.get("reason"), CALL_REASONS, r)
            got.append((r.data["number"], r.data["reason"]))
        self.assertEqual(got, [(t["number"], why) for t, why in want])
        self.assertStatus(d.counter("2", "next"), 204)

    def test_interleave_off(self):
        d = self.start_daemon(walkin_every=0)
        w1 = self.issue_ok(d, "A")
        ps = [self.issue_ok(d, "A", priority=True) for _ in range(4)]
        got = []
        for _ in range(5):
            r = d.counter("2", "next")
            self.assertStatus(r, 200)
            got.append((r.data["number"], r.data.get("reason")))
        self.assertEqual(got, [(t["number"], "priority") for t in ps] +
                         [(w1["number"], "walk_in")])

    def test_waiting_order_and_ahead_match_the_calls(self):
        """Counter.waiting is the order in which the counter calls, and a
        ticket's `ahead` is its place in that order."""
        d = self.start_daemon(walkin_every=3)
        issued = [self.issue_ok(d, "A")]
        issued += [self.issue_ok(d, "A", priority=True) for _ in range(4)]
        issued.append(self.issue_ok(d, "A"))
        order = [t["id"] for t in d.counter("2", None).data["waiting"]]
        self.assertEqual(sorted(order), sorted(t["id"] for t in issued))
        for i, tid in enumerate(order):
            self.assertEqual(d.ticket(tid).data["ahead"], i,
                             "ticket %d is #%d in %r" % (tid, i, order))
        called = [d.counter("2", "next").data["id"] for _ in order]
        self.assertEqual(called, order)


class Boundaries(DaemonTestCase):
    """The day's edges, lived through on the daemon's test clock."""

    @staticmethod
    def now(d):
        return parse_rfc3339(clock_now(d))

    def assertClockStill(self, d, when):
        """The request just made ran at `when`: the clock still reads it."""
        self.assertEqual(parse_rfc3339(clock_now(d)), parse_rfc3339(when),
                         "the test clock ticked during the step at %s (a "
                         "stalled machine); the step is not at the "
                         "boundary" % when)

    def test_starvation_guard_at_exactly_max_wait(self):
        """A walk-in waiting max_wait minutes to the second is called
        before the priority tickets; one second earlier it is not."""
        d = self.start_daemon(max_wait=45, walkin_every=3,
                              args=["--test-clock", at("09:59:00")])
        clock_set(d, at("10:00:00"))
        w = self.issue_ok(d, "A", near=self.now(d))
        self.assertClockStill(d, at("10:00:00"))
        self.assertEqual(parse_rfc3339(w["issued_at"]),
                         parse_rfc3339(at("10:00:00")))
        ps = [self.issue_ok(d, "A", priority=True,
                                 near=self.now(d)) for _ in range(3)]

        clock_set(d, at("10:44:59"))
        r = d.counter("2", "next")
        self.assertClockStill(d, at("10:44:59"))
        self.assertStatus(r, 200)
        self.assertEqual((r.data["id"], r.data["reason"]),
                         (ps[0]["id"], "priority"),
                         "44:59 after its issue the walk-in is not starved")

        clock_set(d, at("10:45:00"))
        r = d.counter("2", "next")
        self.assertClockStill(d, at("10:45:00"))
        self.assertStatus(r, 200)
        self.assertEqual((r.data["id"], r.data["reason"]),
                         (w["id"], "starvation_guard"),
                         "45:00 after its issue the walk-in goes first")
        got = [(d.counter("2", "next").data["id"]) for _ in ps[1:]]
        self.assertEqual(got, [t["id"] for t in ps[1:]])


    def test_cut_off_at_18_15(self):
        """Thursday 08:30-18:30, cutoff = 15: a ticket at 18:14:59, none at
        18:15:00, with the reason in words."""
        d = self.start_daemon(always_open=False,
                              args=["--test-clock", at("18:00:00")])
        clock_set(d, at("18:14:59"))
        t = self.issue_ok(d, "A", near=self.now(d))
        self.assertClockStill(d, at("18:14:59"))
        self.assertEqual(parse_rfc3339(t["issued_at"]),
                         parse_rfc3339(at("18:14:59")))
        open_ = {s["id"]: s["open"] for s in d.services().data}
        self.assertIs(open_["A"], True)

        clock_set(d, at("18:15:00"))
        r = d.issue("A")
        self.assertClockStill(d, at("18:15:00"))
        e = self.assertError(r, 422, "closed")
        self.assertIn("18:30", e["message"])
        self.assertIn("15", e["message"])
        open_ = {s["id"]: s["open"] for s in d.services().data}
        self.assertIs(open_["A"], False)
        # The ticket issued before the cut-off is still called.
        self.assertEqual(d.counter("2", "next").data["id"], t["id"])

    def test_midnight_starts_a_new_day(self):
        """At 23:59:59 a ticket still belongs to Thursday; at 00:00:00 the
        numbers start again and what waited from Thursday has expired."""
        d = self.start_daemon(always_open=True,
                              args=["--test-clock", at("23:59:00")])
        a1 = self.issue_ok(d, "A", near=self.now(d))
        clock_set(d, at("23:59:59"))
        a2 = self.issue_ok(d, "A", near=self.now(d))
        self.assertClockStill(d, at("23:59:59"))
        self.assertEqual((a1["number"], a2["number"]), ("A001", "A002"))

        clock_set(d, at("00:00:00", FRIDAY))
        f1 = self.issue_ok(d, "A", near=self.now(d))
        self.assertClockStill(d, at("00:00:00", FRIDAY))
        self.assertEqual(f1["number"], "A001", "a new day, new numbers")
        self.assertEqual(parse_rfc3339(f1["issued_at"]),
                         parse_rfc3339(at("00:00:00", FRIDAY)))
        for t in (a1, a2):
            self.assertEqual(d.ticket(t["id"]).data["state"], "expired", t)
        self.assertEqual(f1["ahead"], 0, "Thursday's tickets do not wait")
        self.assertEqual(d.counter("2", "next").data["id"], f1["id"])


class Display(DaemonTestCase):
    def test_display_lists_last_ten_calls_newest_first(self):
        d = self.start_daemon()
        r = d.get("/api/v1/display")
        self.assertStatus(r, 200)
        self.assertJsonContentType(r)
        self.assertEqual(r.data, {"calls": []})

        for _ in range(12):
            self.issue_ok(d, "A")
        b1 = self.issue_ok(d, "B")
        for _ in range(12):
            self.assertStatus(d.counter("2", "next"), 200)
        self.assertEqual(d.counter("3", "next").data["id"], b1["id"])

        r = d.get("/api/v1/display")
        self.assertStatus(r, 200)
        calls = r.data["calls"]
        self.assertIsInstance(calls, list)
        self.assertEqual(len(calls), 10, calls)
        self.assertEqual([c["number"] for c in calls],
                         ["B001"] + ["A%03d" % n for n in range(12, 3, -1)])
        self.assertEqual((calls[0]["counter"], calls[0]["counter_name"]),
                         ("3", COUNTER_NAMES["3"]))
        for c in calls[1:]:
            self.assertEqual((c["counter"], c["counter_name"]),
                             ("2", COUNTER_NAMES["2"]), c)
        ats = []
        for c in calls:
            self.assertTrue({"number", "counter", "counter_name",
                             "at"} <= set(c), c)
            ats.append(self.assertTime(c["at"], "display call"))
        self.assertEqual(ats, sorted(ats, reverse=True),
                         "newest first: %r" % [c["at"] for c in calls])
        for c in calls:
            self.assertIsNotNone(parse_rfc3339(c["at"]))
        # These calls share seconds: seq alone says which came last.
        seqs = [c["seq"] for c in calls]
        self.assertTrue(all(isinstance(s, int) and s > 0 for s in seqs),
                        seqs)
        self.assertEqual(seqs, sorted(seqs, reverse=True), seqs)
        self.assertEqual(len(set(seqs)), len(seqs), seqs)


if __name__ == "__main__":
    main()
