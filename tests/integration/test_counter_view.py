#!/usr/bin/env python3
"""GET /api/v1/counters/{id} with a long queue (docs/API.md, Counter): the
first `limit` waiting tickets (50 by default, at most 200) in the order the
counter would call them, each with its own service's `ahead`, and
`waiting_total`, every waiting ticket of its services; a bad `limit` is a
400 bad_request that names it and changes nothing."""

import os
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import COUNTER_TOKENS, DaemonTestCase, main  # noqa: E402

N_A, N_B = 230, 40  # counter 1 serves A and B, counter 2 only A


class CounterView(DaemonTestCase):

    def fill(self, d):
        # Issued from a few threads at once: the order of the numbers is
        # the daemon's, the counts are what the test checks.
        with ThreadPoolExecutor(4) as pool:
            res = list(pool.map(lambda s: d.issue(s),
                                ["A"] * N_A + ["B"] * N_B))
        for r in res:
            self.assertStatus(r, 201)

    def view(self, d, cid, query=""):
        return d.get("/api/v1/counters/%s%s" % (cid, query),
                     token=COUNTER_TOKENS[cid])

    def test_first_n_and_total(self):
        d = self.start_daemon()
        self.fill(d)

        r = self.view(d, "1")
        self.assertStatus(r, 200)
        c = self.assertCounter(r.data, "1")
        self.assertEqual(len(c["waiting"]), 50)
        self.assertEqual(c["waiting_total"], N_A + N_B)

        # The longest list begins with the default one: one order.
        big = self.assertCounter(self.view(d, "1", "?limit=200").data, "1")
        self.assertEqual(len(big["waiting"]), 200)
        self.assertEqual(big["waiting_total"], N_A + N_B)
        self.assertEqual([t["id"] for t in big["waiting"][:50]],
                         [t["id"] for t in c["waiting"]])
        self.assertEqual(len({t["id"] for t in big["waiting"]}), 200)

        # Counter 2 calls A only: its list is A's own order, so each
        # ticket's ahead is its place in it, and the estimate grows.
        two = self.assertCounter(self.view(d, "2", "?limit=120").data, "2")
        self.assertEqual(two["waiting_total"], N_A)
        self.assertEqual([t["ahead"] for t in two["waiting"]],
                         list(range(120)))
        self.assertEqual(two["waiting"][0]["id"],
                         min(t["id"] for t in two["waiting"]))
        # A ticket's ahead in the view is the one GET /tickets/{id} says.
        for t in (two["waiting"][0], two["waiting"][77],
                  two["waiting"][119]):
            self.assertEqual(d.ticket(t["id"]).data["ahead"], t["ahead"])

        # limit=0: only the total.
        z = self.assertCounter(self.view(d, "3", "?limit=0").data, "3")
        self.assertEqual((z["waiting"], z["waiting_total"]), ([], N_B))

        # A call takes the first listed, and the total drops by one.
        r = d.counter("2", "next")
        self.assertStatus(r, 200)
        self.assertEqual(r.data["id"], two["waiting"][0]["id"])
        after = self.assertCounter(self.view(d, "2", "?limit=1").data, "2")
        self.assertEqual(after["waiting_total"], N_A - 1)
        self.assertEqual([t["id"] for t in after["waiting"]],
                         [two["waiting"][1]["id"]])
        self.assertEqual(after["waiting"][0]["ahead"], 0)

    def test_bad_limit(self):
        d = self.start_daemon()
        for _ in range(3):
            self.issue_ok(d, "A")
        for query in ("?limit=201", "?limit=-1", "?limit=abc", "?limit=",
                      "?limit=1.5", "?limit=10&limit=20", "?limit",
                      "?limit=99999999999999999999", "?max=3"):
            e = self.assertError(self.view(d, "2", query), 400,
                                 "bad_request", query)
            self.assertIn("limit" if "max" not in query else "max",
                          e["message"], query)
        # Nothing changed: the queue is as it was.
        c = self.assertCounter(self.view(d, "2").data, "2")
        self.assertEqual((len(c["waiting"]), c["waiting_total"]), (3, 3))
        self.assertIsNone(c["current"])


if __name__ == "__main__":
    main()
