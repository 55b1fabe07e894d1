#!/usr/bin/env python3
"""Ticket requests that come together (docs/DESIGN.md, "Group commit"):
eight connections opened at once, each issuing in turn, are all answered
201 with numbers neither skipped nor repeated, each ticket is stored, and
/metrics counts the tickets of every commit (bonomat_tickets_per_commit,
docs/API.md): the sum is the tickets issued, the buckets add up."""

import http.client
import json
import os
import re
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, DaemonTestCase, main,  # noqa: E402
                     split_number)

CLIENTS, EACH = 8, 40
SAMPLE_RE = re.compile(r'^bonomat_tickets_per_commit(_bucket|_sum|_count)'
                       r'\{office="[^"]+"(?:,le="([^"]+)")?\} (\d+)$')


class GroupCommit(DaemonTestCase):

    def commits(self, d):
        r = d.get("/metrics")
        self.assertStatus(r, 200)
        text = r.raw.decode("utf-8")
        self.assertIn("# TYPE bonomat_tickets_per_commit histogram\n", text)
        buckets, sums = [], {}
        for line in text.splitlines():
            m = SAMPLE_RE.match(line)
            if not m:
                continue
            if m.group(1) == "_bucket":
                buckets.append((m.group(2), int(m.group(3))))
            else:
                sums[m.group(1)] = int(m.group(3))
        self.assertEqual([le for le, _ in buckets],
                         ["1", "2", "4", "8", "16", "+Inf"])
        counts = [n for _, n in buckets]
        self.assertEqual(counts, sorted(counts), "buckets are cumulative")
        self.assertEqual(counts[-1], sums["_count"])
        return sums["_sum"], sums["_count"], counts

    def test_together_answered_stored_and_counted(self):
        d = self.start_daemon()
        self.assertEqual(self.commits(d)[:2], (0, 0))
        conns = [http.client.HTTPConnection("127.0.0.1", d.port, timeout=30)
                 for _ in range(CLIENTS)]
        for c in conns:
            c.connect()
        answers = [[] for _ in range(CLIENTS)]
        start = threading.Barrier(CLIENTS)

        def client(i):
            start.wait()
            for k in range(EACH):
                body = json.dumps({"service": "AB"[(i + k) % 2],
                                   "kiosk": "k1"})
                conns[i].request("POST", "/api/v1/tickets", body=body,
                                 headers={"Content-Type":
                                          "application/json"})
                r = conns[i].getresponse()
                answers[i].append((r.status, json.loads(r.read())))

        threads = [threading.Thread(target=client, args=(i,))
                   for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for c in conns:
            c.close()
        got = [a for per in answers for a in per]
        self.assertEqual(len(got), CLIENTS * EACH)
        for status, t in got:
            self.assertEqual(status, 201, t)
        # Per service the numbers run from 1 without a gap or a repeat.
        for prefix in "AB":
            seqs = sorted(split_number(t["number"])[1] for _, t in got
                          if t["number"].startswith(prefix))
            self.assertEqual(seqs, list(range(1, CLIENTS * EACH // 2 + 1)))
        # Each answered ticket is stored as answered.
        r = d.get("/api/v1/tickets?state=waiting", token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        self.assertEqual(sorted(t["id"] for t in r.data["tickets"]),
                         sorted(t["id"] for _, t in got))
        tickets, commits, counts = self.commits(d)
        self.assertEqual(tickets, CLIENTS * EACH)
        self.assertGreaterEqual(commits, 1)
        self.assertLessEqual(commits, tickets)
        # A commit of k tickets is in the buckets from k up: those of one
        # ticket are at most all of them.
        self.assertLessEqual(counts[0], commits)
        # Refused requests are in no commit.
        self.assertError(d.issue("SC"), 422)
        self.assertEqual(self.commits(d)[:2], (tickets, commits))


if __name__ == "__main__":
    main()
