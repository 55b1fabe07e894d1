#!/usr/bin/env python3
"""GET /api/v1/tickets (docs/API.md): a day's tickets for the office's
administration, filtered by state and number, a page at a time, for the
admin token only; every bad parameter a 400 that names it."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, COUNTER_TOKENS,  # noqa: E402
                     DaemonTestCase, main)


class TicketsList(DaemonTestCase):

    def list(self, d, query="", token=ADMIN_TOKEN):
        return d.get("/api/v1/tickets" + query, token=token)

    def test_lists_filters_and_pages(self):
        d = self.start_daemon()
        issued = [self.issue_ok(d, "A") for _ in range(3)] + \
            [self.issue_ok(d, "B")]
        # Counter 2 serves A only: A001 served, A002 a no-show, A003 called.
        for outcome in ("served", "no_show"):
            self.assertStatus(d.counter("2", "next"), 200)
            self.assertStatus(d.counter("2", "done", {"outcome": outcome}),
                              200)
        self.assertStatus(d.counter("2", "next"), 200)

        r = self.list(d)
        self.assertStatus(r, 200)
        self.assertEqual(set(r.data), {"tickets", "more"})
        self.assertFalse(r.data["more"])
        got = r.data["tickets"]
        self.assertEqual([t["id"] for t in got], [t["id"] for t in issued])
        self.assertEqual([(t["number"], t["state"]) for t in got],
                         [("A001", "served"), ("A002", "no_show"),
                          ("A003", "called"), ("B001", "waiting")])
        # Today's waiting ticket says how many are ahead, as GET /{id}.
        self.assertEqual(got[3], d.ticket(got[3]["id"]).data)

        for query, numbers in (("?state=no_show", ["A002"]),
                               ("?state=waiting", ["B001"]),
                               ("?number=A003", ["A003"]),
                               ("?state=served&number=A002", []),
                               ("?date=2020-01-01", [])):
            r = self.list(d, query)
            self.assertStatus(r, 200, query)
            self.assertEqual([t["number"] for t in r.data["tickets"]],
                             numbers, query)

        # Pages: two at a time, by id, until "more" is false.
        seen, after = [], 0
        for _ in range(5):
            r = self.list(d, "?limit=2&after=%d" % after)
            self.assertStatus(r, 200)
            seen += [t["number"] for t in r.data["tickets"]]
            if not r.data["more"]:
                break
            after = r.data["tickets"][-1]["id"]
        self.assertEqual(seen, ["A001", "A002", "A003", "B001"])

    def test_admin_only(self):
        d = self.start_daemon()
        self.issue_ok(d, "A")
        self.assertError(self.list(d, token=None), 401, "unauthorized")
        self.assertError(self.list(d, token="wrong-token-123"), 401,
                         "unauthorized")
        self.assertError(self.list(d, token=COUNTER_TOKENS["1"]), 403,
                         "forbidden")
        self.assertError(d.post("/api/v1/tickets?state=waiting",
                                {"service": "A", "kiosk": "nowhere"}), 422)

    def test_bad_parameters(self):
        d = self.start_daemon()
        for query, words in (("?state=lost", '"state"'),
                             ("?date=2026-13-01", '"date"'),
                             ("?limit=0", '"limit"'),
                             ("?limit=1001", '"limit"'),
                             ("?after=-1", '"after"'),
                             ("?after=x", '"after"'),
                             ("?colour=red", '"colour"'),
                             ("?state=waiting&state=called", '"state"'),
                             ("?number=%00", '"number')):
            r = self.list(d, query)
            self.assertError(r, 400, "bad_request", query)
            self.assertIn(words, r.data["error"]["message"], query)


if __name__ == "__main__":
    main()
