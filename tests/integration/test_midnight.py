"""A batch never spans two days (issue 10, point 5). Ticket requests that
arrive while a commit is written are written together; the batch rolled
the day with its first request, so a request after midnight batched
behind one before it was numbered in yesterday's day and expired at once.

With --test-clock the daemon's time jumps over midnight while many kiosks
issue, so that batches around the jump hold requests of both days. Every
ticket answered with a time after midnight must be numbered in the new
day's sequence (A001, A002, ... without a gap or a repeat) and still wait.
"""

import json
import os
import sys
import threading
import time
import http.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bonomat import ADMIN_TOKEN, DaemonTestCase, main  # noqa: E402

CLIENTS = 16
ROUNDS = 3


class TestMidnight(DaemonTestCase):
    def issue_loop(self, port, out, stop):
        body = json.dumps({"service": "A", "kiosk": "k1"})
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while not stop.is_set():
            try:
                c.request("POST", "/api/v1/tickets", body=body,
                          headers={"Content-Type": "application/json"})
                r = c.getresponse()
                data = r.read()
                out.append((r.status, json.loads(data)))
            except (OSError, http.client.HTTPException) as e:
                out.append(("error", repr(e)))
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port,
                                               timeout=10)
        c.close()

    def one_night(self, day, nxt):
        d = self.start_daemon(args=["--test-clock",
                                    "%sT23:59:50+02:00" % day])
        answers = []
        stop = threading.Event()
        threads = [threading.Thread(target=self.issue_loop,
                                    args=(d.port, answers, stop))
                   for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        r = d.post("/api/v1/test/clock", {"advance_s": 15},
                   token=ADMIN_TOKEN)
        self.assertEqual(r.status, 200, r)
        time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join(20)
        bad = [a for a in answers if a[0] != 201]
        self.assertEqual(bad, [], "not every request was answered 201")
        after = [t for _, t in answers if t["issued_at"].startswith(nxt)]
        before = [t for _, t in answers if t["issued_at"].startswith(day)]
        self.assertGreater(len(after), 0)
        self.assertGreater(len(before), 0)
        numbers = sorted(int(t["number"][1:]) for t in after)
        self.assertEqual(numbers, list(range(1, len(after) + 1)),
                         "tickets issued after midnight are not numbered "
                         "A001.. of the new day")
        expired = []
        for t in after:
            r = d.ticket(t["id"])
            self.assertEqual(r.status, 200, r)
            if r.data["state"] == "expired":
                expired.append(t["number"])
        self.assertEqual(expired, [], "issued after midnight, and expired")
        d.stop()
        return len(before), len(after)

    def test_no_batch_spans_midnight(self):
        total = [0, 0]
        for i, (day, nxt) in enumerate((("2026-12-07", "2026-12-08"),
                                        ("2026-12-08", "2026-12-09"),
                                        ("2026-12-09", "2026-12-10"))[
                                            :ROUNDS]):
            b, a = self.one_night(day, nxt)
            total[0] += b
            total[1] += a
        sys.stderr.write("%d nights: %d tickets before midnight, %d after, "
                         "none of them numbered in the wrong day\n"
                         % (ROUNDS, total[0], total[1]))


if __name__ == "__main__":
    main()
