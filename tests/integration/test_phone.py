#!/usr/bin/env python3
"""The citizen's ticket (API.md, "The citizen's ticket"): every ticket has
an unguessable token; GET /api/v1/t/{token} shows its holder that ticket and
nothing else, unknown tokens are 404 and, repeated, 429; the ids are for
staff only; the QR code of the ticket's address as SVG; a no-show brought
back within [policy] return_window from the counter or by its token, and
refused after it."""

import os
import re
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, COUNTER_NAMES, COUNTER_TOKENS,  # noqa: E402
                     SERVICE_NAMES, SUPERVISOR_TOKEN, DaemonTestCase,
                     clock_now, main, parse_rfc3339)

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{21}[AQgw]$")
PUBLIC_FIELDS = {"number", "service", "service_name", "service_name_en",
                 "state", "ahead", "est_wait_min", "printed", "counter",
                 "counter_name", "recalls", "issued_at", "called_at",
                 "return_until", "now"}
URL = "https://bonuri.example.ro/t/{token}"


def now_rfc3339():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class PhoneTicket(DaemonTestCase):
    def public(self, d, token):
        return d.get("/api/v1/t/%s" % token)

    def test_each_ticket_has_its_own_token(self):
        d = self.start_daemon()
        tickets = [self.issue_ok(d, "A") for _ in range(20)]
        tokens = [t["token"] for t in tickets]
        for tok in tokens:
            self.assertRegex(tok, TOKEN_RE)
        self.assertEqual(len(set(tokens)), len(tokens))
        # The staff's view of a ticket carries the same token.
        self.assertEqual(d.ticket(tickets[3]["id"]).data["token"], tokens[3])

    def test_public_view_shows_only_that_ticket(self):
        d = self.start_daemon()
        a1 = self.issue_ok(d, "A")
        a2 = self.issue_ok(d, "A")
        r = self.public(d, a2["token"])
        self.assertStatus(r, 200)
        self.assertJsonContentType(r)
        self.assertEqual(set(r.data), PUBLIC_FIELDS)
        self.assertEqual((r.data["number"], r.data["service"],
                          r.data["service_name"], r.data["state"],
                          r.data["ahead"], r.data["counter"]),
                         (a2["number"], "A", SERVICE_NAMES["A"], "waiting",
                          1, None))
        self.assertIsInstance(r.data["est_wait_min"], int)
        # Nothing that names another ticket or the staff's fields.
        for key in ("id", "token", "kind", "late", "estimate_min"):
            self.assertNotIn(key, r.data)
        self.assertNotIn(a1["number"].encode(), r.raw)

        # Called: the counter, by id and name; nobody ahead any more.
        self.assertStatus(d.counter("1", "next"), 200)
        self.assertStatus(d.counter("2", "next"), 200)
        r = self.public(d, a2["token"])
        self.assertEqual((r.data["state"], r.data["ahead"],
                          r.data["est_wait_min"]), ("called", 0, None))
        self.assertEqual((r.data["counter"], r.data["counter_name"]),
                         ("2", COUNTER_NAMES["2"]))
        self.assertIsNotNone(parse_rfc3339(r.data["called_at"]))
        self.assertStatus(d.counter("2", "recall"), 200)
        self.assertEqual(self.public(d, a2["token"]).data["recalls"], 1)
        self.assertStatus(d.counter("2", "done", {"outcome": "served"}),
                          200)
        r = self.public(d, a2["token"])
        self.assertEqual((r.data["state"], r.data["counter"],
                          r.data["return_until"]), ("served", None, None))

    def test_unknown_tokens_are_404_then_429(self):
        d = self.start_daemon()
        t = self.issue_ok(d, "A")
        near = t["token"][:-2] + ("B" if t["token"][-2] != "B" else "C") + \
            t["token"][-1]
        for bad in (near, "x", "A" * 22, "A" * 21 + "B", "1",
                    t["token"] + "A", "~" + t["token"][1:]):
            with self.subTest(token=bad):
                self.assertError(self.public(d, bad), 404, "not_found")
        # Those were 7 misses; the 10th from this address is still a 404,
        # the 11th is slowed down, and so is a good token from it now.
        for _ in range(3):
            self.assertError(self.public(d, near), 404, "not_found")
        r = self.public(d, near)
        self.assertError(r, 429, "too_many_requests")
        self.assertTrue(r.headers.get("Retry-After"), r)
        self.assertError(self.public(d, t["token"]), 429,
                         "too_many_requests")
        self.assertError(d.get("/api/v1/t/%s/qr.svg" % t["token"]), 429,
                         "too_many_requests")
        # The misses decay: one every 6 s.
        time.sleep(6.5)
        self.assertStatus(self.public(d, t["token"]), 200)

    def test_unknown_token_time_does_not_tell_near_misses(self):
        """A near miss (one character off) and a far one take the same
        path: neither is measurably faster (a generous bound, as the
        machine is shared)."""
        d = self.start_daemon()
        t = self.issue_ok(d, "A")
        tok = t["token"]
        near = ("B" if tok[0] != "B" else "C") + tok[1:]
        far = "A" * 21 + "Q"

        def median(token, n=9):
            times = []
            conn = d.connection()
            try:
                for _ in range(n):
                    start = time.perf_counter()
                    r = d.request("GET", "/api/v1/t/" + token, conn=conn)
                    times.append(time.perf_counter() - start)
                    self.assertIn(r.status, (404, 429))
            finally:
                conn.close()
            return sorted(times)[n // 2]
        a, b = median(near, 5), median(far, 5)
        self.assertLess(abs(a - b), 0.05, (a, b))

    def test_ids_are_for_staff_only(self):
        # No kiosk address listed: nobody reads a ticket by its id without
        # a token (anyone may still issue tickets there).
        d = self.start_daemon(kiosk_clients="")
        t = self.issue_ok(d, "A")
        path = "/api/v1/tickets/%d" % t["id"]
        r = d.get(path)
        self.assertError(r, 401, "unauthorized")
        self.assertTrue(r.headers.get("WWW-Authenticate"))
        self.assertError(d.get(path, token="wrong-token-xyz"), 401,
                         "unauthorized")
        for tok in [ADMIN_TOKEN, SUPERVISOR_TOKEN] + \
                list(COUNTER_TOKENS.values()):
            r = d.get(path, token=tok)
            self.assertStatus(r, 200)
            self.assertEqual(r.data["number"], t["number"])
        # Walking through ids tells nothing without a token.
        for tid in range(1, 5):
            self.assertError(d.get("/api/v1/tickets/%d" % tid), 401,
                             "unauthorized")

    def test_listed_kiosk_reads_tickets_by_id(self):
        d = self.start_daemon()  # kiosk_clients lists 127.0.0.1
        t = self.issue_ok(d, "A")
        self.assertStatus(d.get("/api/v1/tickets/%d" % t["id"]), 200)

    def test_qr_svg_carries_the_address(self):
        d = self.start_daemon(ticket_url=URL)
        t = self.issue_ok(d, "A")
        r = d.get("/api/v1/t/%s/qr.svg" % t["token"])
        self.assertStatus(r, 200)
        self.assertEqual(r.headers.get("Content-Type"), "image/svg+xml")
        root = ET.fromstring(r.raw)
        self.assertEqual(root.tag, "{http://www.w3.org/2000/svg}svg")
        view = [int(v) for v in root.get("viewBox").split()]
        # Version 3 or more (29+ modules) and a quiet zone of 4 on each
        # side; a path of dark modules.
        self.assertGreaterEqual(view[2], 29 + 8)
        path = root.find("{http://www.w3.org/2000/svg}path")
        self.assertRegex(path.get("d"), r"^(M\d+ \d+h\d+v1h-\d+z)+$")
        # A longer address makes a larger code: the text is in it.
        d2 = self.start_daemon(ticket_url=URL + "?" + "x" * 100)
        t2 = self.issue_ok(d2, "A")
        r2 = d2.get("/api/v1/t/%s/qr.svg" % t2["token"])
        self.assertStatus(r2, 200)
        view2 = [int(v) for v in ET.fromstring(r2.raw).get(
            "viewBox").split()]
        self.assertGreater(view2[2], view[2])

    def test_old_id_address_runs_without_qr(self):
        # 0.1's ticket_url: after an upgrade the office keeps issuing,
        # with no QR code (a guessable address is never printed), and
        # the journal says which line to edit.
        d = self.start_daemon(ticket_url="https://x.ro/bon/{id}")
        self.assertRegex(
            d.log(), r"bonomat\.conf:\d+: warning: \[office\] ticket_url = "
            r"'https://x\.ro/bon/\{id\}': \{id\} is no longer filled in")
        t = self.issue_ok(d, "A")
        self.assertError(d.get("/api/v1/t/%s/qr.svg" % t["token"]), 404,
                         "not_found")
        self.assertIs(d.get("/api/v1/office").data["ticket_qr"], False)

    def test_qr_without_ticket_url_is_404(self):
        d = self.start_daemon()
        t = self.issue_ok(d, "A")
        self.assertError(d.get("/api/v1/t/%s/qr.svg" % t["token"]), 404,
                         "not_found")

    def test_page_is_served_at_the_address(self):
        d = self.start_daemon()
        t = self.issue_ok(d, "A")
        r = d.get("/t/%s" % t["token"])
        self.assertStatus(r, 200)
        self.assertIn(b"/phone/phone.js", r.raw)
        self.assertTrue(r.headers.get("Content-Type").startswith(
            "text/html"))
        # One segment only: deeper paths are no page.
        self.assertError(d.get("/t/%s/x" % t["token"]), 404, "not_found")
        self.assertError(d.get("/t/"), 404, "not_found")


class Returns(DaemonTestCase):
    def no_show(self, d, service="A"):
        t = self.issue_ok(d, service)
        r = d.counter("1", "next")
        self.assertStatus(r, 200)
        self.assertEqual(r.data["id"], t["id"])
        r = d.counter("1", "done", {"outcome": "no_show"})
        self.assertStatus(r, 200)
        self.assertEqual(r.data["state"], "no_show")
        return t

    def waiting_ids(self, d):
        r = d.get("/api/v1/tickets?state=waiting", token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        return [x["id"] for x in r.data["tickets"]]

    def test_counter_brings_a_no_show_back(self):
        d = self.start_daemon()
        t = self.no_show(d)
        later = self.issue_ok(d, "A")
        r = d.get("/api/v1/t/%s" % t["token"])
        self.assertEqual(r.data["state"], "no_show")
        self.assertIsNotNone(parse_rfc3339(r.data["called_at"]))
        until = parse_rfc3339(r.data["return_until"])
        self.assertAlmostEqual(
            (until - parse_rfc3339(r.data["now"])).total_seconds(), 1800,
            delta=5)
        # The counter's view lists it as returnable.
        view = d.counter("1", None).data
        self.assertEqual([x["id"] for x in view["returnable"]], [t["id"]])

        r = d.counter("1", "tickets/%d/return" % t["id"])
        self.assertStatus(r, 200)
        self.assertEqual((r.data["id"], r.data["state"], r.data["counter"],
                          r.data["issued_at"]),
                         (t["id"], "waiting", None, t["issued_at"]))
        self.assertEqual(d.counter("1", None).data["returnable"], [])
        # It waits with its original issue time: before the later one.
        self.assertEqual(self.waiting_ids(d), [t["id"], later["id"]])
        self.assertEqual(d.get("/api/v1/t/%s" % t["token"]).data["ahead"],
                         0)
        # A second return of a waiting ticket is a conflict.
        self.assertError(d.counter("1", "tickets/%d/return" % t["id"]),
                         409, "conflict")
        # Called by the policy like any other.
        r = d.counter("2", "next")
        self.assertEqual(r.data["id"], t["id"])
        # The statistics count it.
        r = d.get("/api/v1/stats", token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        totals = r.data["totals"]
        self.assertEqual((totals["returned"], totals["no_show"],
                          totals["called"]), (1, 0, 1), totals)

    def test_citizen_brings_it_back_at_the_kiosk(self):
        d = self.start_daemon()
        t = self.no_show(d)
        r = d.post("/api/v1/t/%s/return" % t["token"], {"kiosk": "k1"})
        self.assertStatus(r, 200)
        self.assertEqual((r.data["number"], r.data["state"]),
                         (t["number"], "waiting"))
        self.assertNotIn("id", r.data)
        self.assertEqual(d.ticket(t["id"]).data["state"], "waiting")
        # Unknown tokens are 404 here too.
        self.assertError(d.post("/api/v1/t/%s/return" % ("A" * 22), {}),
                         404, "not_found")
        self.assertError(d.post("/api/v1/t/nope/return", {}), 404,
                         "not_found")

    def test_only_listed_kiosks_may_return_by_token(self):
        d = self.start_daemon(kiosk_clients="10.9.9.9")
        r = d.post("/api/v1/t/%s/return" % ("A" * 22), {})
        self.assertError(r, 403, "forbidden")

    def test_window_passed_and_wrong_states(self):
        d = self.start_daemon(args=["--test-clock", now_rfc3339()],
                              policy_extra="return_window = 5\n")
        t = self.no_show(d)
        waiting = self.issue_ok(d, "B")
        # Not a no-show: a waiting ticket cannot "come back".
        self.assertError(d.counter("1", "tickets/%d/return" % waiting["id"]),
                         409, "conflict")
        self.assertError(d.counter("1", "tickets/999/return"), 404,
                         "not_found")
        self.assertError(d.counter("1", "tickets/x/return"), 404,
                         "not_found")
        # Counter 2's token does not act for counter 1.
        r = d.post("/api/v1/counters/1/tickets/%d/return" % t["id"],
                   token=COUNTER_TOKENS["2"])
        self.assertError(r, 403, "forbidden")
        before = clock_now(d)
        r = d.post("/api/v1/test/clock", {"advance_s": 5 * 60 + 1},
                   token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        self.assertGreater(parse_rfc3339(r.data["now"]),
                           parse_rfc3339(before))
        for r in (d.counter("1", "tickets/%d/return" % t["id"]),
                  d.post("/api/v1/t/%s/return" % t["token"], {})):
            e = self.assertError(r, 422, "return_window_passed")
            self.assertIn("5", e["message"])
        self.assertEqual(d.ticket(t["id"]).data["state"], "no_show")
        self.assertEqual(d.counter("1", None).data["returnable"], [])
        self.assertIsNone(d.get("/api/v1/t/%s" % t["token"])
                          .data["return_until"])

    def test_cancelled_ticket_says_never_called(self):
        """A supervisor's cancel makes a waiting ticket a no-show that was
        never called: its holder sees no call, and it may come back."""
        d = self.start_daemon()
        t = self.issue_ok(d, "A")
        r = d.post("/api/v1/tickets/%d/cancel" % t["id"],
                   {"reason": "a plecat"}, token=SUPERVISOR_TOKEN)
        self.assertStatus(r, 200)
        r = d.get("/api/v1/t/%s" % t["token"])
        self.assertEqual((r.data["state"], r.data["called_at"],
                          r.data["counter"]), ("no_show", None, None))
        self.assertIsNotNone(r.data["return_until"])
        r = d.counter("1", "tickets/%d/return" % t["id"])
        self.assertStatus(r, 200)
        self.assertEqual(r.data["state"], "waiting")

    def test_return_window_zero_turns_returns_off(self):
        d = self.start_daemon(policy_extra="return_window = 0\n")
        t = self.no_show(d)
        self.assertError(d.counter("1", "tickets/%d/return" % t["id"]),
                         422, "return_window_passed")


if __name__ == "__main__":
    main()
