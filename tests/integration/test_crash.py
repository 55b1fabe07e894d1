#!/usr/bin/env python3
"""The crash test: tickets acknowledged with 201 survive SIGKILL, numbers are
never issued twice and leave no gaps, finished tickets stay finished.

Each round starts bonomatd on the same database, lets 8 kiosk threads issue
tickets (A and B alternately, some of them priority) while counter 1 calls
and finishes them, kills the daemon with SIGKILL after a random 50-400 ms,
restarts it and checks.

  BONOMAT_CRASH_ROUNDS  rounds (default 12)
  BONOMAT_CRASH_SEED    random seed (default: random, printed)
  BONOMAT_CRASH_BUDGET  seconds after which no new round starts (default 75)
"""

import http.client
import json
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, COUNTER_TOKENS, DaemonTestCase,  # noqa
                     clock_now,
                     fmt_number, main, parse_rfc3339, split_number)

ROUNDS = int(os.environ.get("BONOMAT_CRASH_ROUNDS") or 12)
BUDGET = float(os.environ.get("BONOMAT_CRASH_BUDGET") or 75)
CLIENTS = 8
FINAL = {"served", "no_show"}


class Conn:
    """A keep-alive connection that reconnects once on failure."""

    def __init__(self, port, timeout=5.0):
        self.port = port
        self.timeout = timeout
        self.c = None

    def request(self, method, path, body=None, token=None):
        hdrs = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        elif method == "POST":
            hdrs["Content-Length"] = "0"
        if token:
            hdrs["Authorization"] = "Bearer " + token
        for attempt in (0, 1):
            if self.c is None:
                self.c = http.client.HTTPConnection("127.0.0.1", self.port,
                                                    timeout=self.timeout)
            try:
                self.c.request(method, path, body=data, headers=hdrs)
                resp = self.c.getresponse()
                raw = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, (json.loads(raw) if raw else None)
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt:
                    raise

    def close(self):
        if self.c is not None:
            self.c.close()
            self.c = None


class Load:
    """The kiosk and counter threads of one round."""

    def __init__(self, port, rng, counter_current):
        self.port = port
        self.rng = rng
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked = []          # (id, number, service) answered 201
        self.bad = []            # complete answers other than 201
        self.called = []         # ids answered as called to counter 1
        self.finished = {}       # id -> "served" | "no_show", answered
        self.counter_bad = []
        self.current = counter_current
        self.threads = [threading.Thread(target=self.kiosk, args=(k,))
                        for k in range(CLIENTS)]
        self.threads.append(threading.Thread(target=self.counter,
                                             args=(rng.random(),)))

    def start(self):
        for t in self.threads:
            t.start()

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(20)
            if t.is_alive():
                raise AssertionError("a load thread hangs after the kill")

    def kiosk(self, k):
        i = k
        while not self.stop.is_set():
            service = "AB"[i % 2]
            priority = i % 7 == 3
            i += 1
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                body = json.dumps({"service": service, "kiosk": "k1",
                                   "priority": priority}).encode()
                c.request("POST", "/api/v1/tickets", body=body,
                          headers={"Content-Type": "application/json"})
                resp = c.getresponse()
                raw = resp.read()
            except (OSError, http.client.HTTPException):
                # in flight at the kill: not acknowledged, not counted
                if self.stop.is_set():
                    return
                time.sleep(0.005)
                continue
            finally:
                c.close()
            if resp.status != 201:
                with self.lock:
                    self.bad.append((resp.status, raw[:300]))
                continue
            try:
                t = json.loads(raw)
                tid, number, got = t["id"], t["number"], t["service"]
                kind = t["kind"]
            except (ValueError, TypeError, KeyError):
                with self.lock:
                    self.bad.append((resp.status, raw[:300]))
                continue
            with self.lock:
                self.acked.append((tid, number, got, service, kind,
                                   "priority" if priority else "walk_in"))

    def counter(self, seed):
        rng = random.Random(seed)
        conn = Conn(self.port)
        tok = COUNTER_TOKENS["1"]
        try:
            while not self.stop.is_set():
                try:
                    if self.current is not None and rng.random() < 0.3:
                        outcome = rng.choice(("served", "no_show"))
                        st, t = conn.request("POST",
                                             "/api/v1/counters/1/done",
                                             {"outcome": outcome}, tok)
                        if st != 200 or t["id"] != self.current or \
                                t["state"] != outcome:
                            self.counter_bad.append(("done", st, t))
                            continue
                        with self.lock:
                            self.finished[self.current] = outcome
                        self.current = None
                        continue
                    st, t = conn.request("POST", "/api/v1/counters/1/next",
                                         None, tok)
                    if st not in (200, 204):
                        self.counter_bad.append(("next", st, t))
                        continue
                    with self.lock:
                        if self.current is not None:
                            # next finishes the called ticket as served
                            self.finished[self.current] = "served"
                        self.current = None
                        if st == 200:
                            if t["state"] != "called" or t["counter"] != "1":
                                self.counter_bad.append(("next", st, t))
                            self.current = t["id"]
                            self.called.append(t["id"])
                    if st == 204:
                        time.sleep(0.005)
                except (OSError, http.client.HTTPException, ValueError):
                    return
        finally:
            conn.close()


class Crash(DaemonTestCase):
    def test_sigkill_loses_no_acknowledged_ticket(self):
        seed = int(os.environ.get("BONOMAT_CRASH_SEED") or
                   random.randrange(1 << 30))
        sys.stderr.write("\n  crash test: %d rounds, seed %d "
                         "(BONOMAT_CRASH_SEED)\n" % (ROUNDS, seed))
        rng = random.Random(seed)
        t0 = time.monotonic()
        # On the test clock, every start at the same Thursday morning
        # moment: the business day cannot change during the test, whenever
        # it runs (on the real clock a run across midnight would see its
        # numbers restart).
        d = self.start_daemon(args=["--test-clock",
                                    "2026-12-03T10:00:00+02:00"])
        acked = {}       # id -> (number, service)
        by_number = {}   # number -> id
        finished = {}    # id -> final state acknowledged to the counter
        called = set()   # ids acknowledged as called
        rounds = 0

        for rnd in range(ROUNDS):
            if rnd and time.monotonic() - t0 > BUDGET:
                sys.stderr.write("  time budget spent after %d rounds\n"
                                 % rounds)
                break
            ts = time.monotonic()
            if rnd:
                d.start()
            r = d.counter("1", None)
            self.assertEqual(r.status, 200, r)
            cur = r.data["current"]
            load = Load(d.port, rng, cur["id"] if cur else None)
            delay = rng.uniform(0.05, 0.4)
            load.start()
            time.sleep(delay)
            d.kill()
            tk = time.monotonic()
            load.join()
            tj = time.monotonic()
            rounds += 1

            self.assertEqual(load.bad, [],
                             "valid ticket requests refused under load")
            self.assertEqual(load.counter_bad, [],
                             "counter requests failed under load")
            new = []
            for tid, number, service, asked, kind, want_kind in load.acked:
                self.assertEqual((service, kind), (asked, want_kind),
                                 (tid, number))
                self.assertFalse(tid in acked, "id %d acknowledged twice" % tid)
                parts = split_number(number)
                self.assertIsNotNone(parts, number)
                self.assertEqual(parts[0], service, number)
                self.assertFalse(number in by_number,
                                 "%s issued twice: ids %d and %d"
                                 % (number, by_number.get(number, 0), tid))
                acked[tid] = (number, service, kind)
                by_number[number] = tid
                new.append(tid)
            for tid, state in load.finished.items():
                self.assertFalse(tid in finished,
                                 "ticket %d finished twice" % tid)
                finished[tid] = state
            called.update(load.called)
            tv = time.monotonic()
            d.start()
            self.check(d, new + list(load.called) + list(load.finished),
                       acked, finished, called)
            d.kill()
            sys.stderr.write("  round %2d: killed after %3.0f ms, %4d tickets "
                             "acknowledged, %3d calls, %3d finished (start+load"
                             " %.2f s, join %.2f s, check %.2f s)\n"
                             % (rnd + 1, delay * 1000, len(new),
                                len(load.called), len(load.finished),
                                tk - ts, tj - tk, time.monotonic() - tv))

        self.assertGreater(len(acked), 0, "no ticket was ever acknowledged")

        d.start()
        self.check(d, list(acked) + list(finished) + list(called), acked,
                   finished, called)

        # probe every id: the numbers per prefix are exactly 1..max
        conn = _Conn(d)
        seen = {}
        tid, misses, top = 1, 0, max(acked)
        while tid <= top + 50 or misses < 50:
            st, t = conn.get("/api/v1/tickets/%d" % tid)
            if st == 200:
                seen[tid] = (t["number"], t["service"])
                misses = 0
            else:
                self.assertEqual(st, 404, "GET ticket %d: %s" % (tid, t))
                misses += 1
            tid += 1
        conn.close()
        self.assertLessEqual(set(acked), set(seen))
        per_prefix = {}
        for tid, (number, service) in seen.items():
            prefix, n = split_number(number)
            self.assertEqual(prefix, service, (tid, number))
            per_prefix.setdefault(prefix, []).append(n)
        for prefix, ns in sorted(per_prefix.items()):
            dup = sorted({n for n in ns if ns.count(n) > 1})
            self.assertEqual(dup, [], "%s numbers issued twice: %s"
                             % (prefix, dup[:20]))
            missing = sorted(set(range(1, max(ns) + 1)) - set(ns))
            self.assertEqual(missing, [], "gaps in %s numbers: %s"
                             % (prefix, missing[:20]))
        sys.stderr.write("  %d rounds, %d tickets acknowledged, %d stored "
                         "(%s), %.1f s\n"
                         % (rounds, len(acked), len(seen),
                            ", ".join("%s..%s" % (fmt_number(p, 1),
                                                  fmt_number(p, max(ns)))
                                      for p, ns in sorted(per_prefix.items())),
                            time.monotonic() - t0))

        # the sequence continues exactly after the highest number issued
        for prefix in ("A", "B"):
            top_n = max(per_prefix.get(prefix, [0]))
            t = self.issue_ok(d, prefix,
                              near=parse_rfc3339(clock_now(d)))
            self.assertEqual(t["number"], fmt_number(prefix, top_n + 1))
        d.stop()

    def test_sigterm_under_load_exits_cleanly(self):
        """A graceful stop while kiosks and a counter are busy: exit 0
        within 10 s, and every acknowledged ticket is there afterwards."""
        d = self.start_daemon()
        load = Load(d.port, random.Random(1), None)
        load.start()
        time.sleep(0.3)
        try:
            d.stop()
        finally:
            load.join()
        # while shutting down, 503 is a fair answer; nothing else is
        self.assertEqual([b for b in load.bad if b[0] != 503], [])
        self.assertEqual([b for b in load.counter_bad if b[1] != 503], [])
        self.assertGreater(len(load.acked), 0)
        acked = {tid: (number, service, kind)
                 for tid, number, service, _, kind, _ in load.acked}
        d.start()
        self.check(d, list(acked) + list(load.called) + list(load.finished),
                   acked, dict(load.finished), set(load.called))

    def test_concurrent_counters_never_share_a_ticket(self):
        """Counters 1 and 2 (both serve A) call concurrently, two clerks
        each: every ticket is called exactly once and ends served."""
        d = self.start_daemon()
        ids = [self.issue_ok(d, "A")["id"] for _ in range(150)]
        calls = {"1": [], "2": []}
        errors = []

        def clerk(cid):
            conn = Conn(d.port)
            try:
                while True:
                    st, t = conn.request("POST",
                                         "/api/v1/counters/%s/next" % cid,
                                         None, COUNTER_TOKENS[cid])
                    if st == 204:
                        return
                    if st != 200 or t["counter"] != cid or \
                            t["state"] != "called":
                        errors.append((cid, st, t))
                        return
                    calls[cid].append(t["id"])
            except (OSError, http.client.HTTPException, ValueError) as e:
                errors.append((cid, repr(e)))
            finally:
                conn.close()

        threads = [threading.Thread(target=clerk, args=(cid,))
                   for cid in ("1", "1", "2", "2")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        every = calls["1"] + calls["2"]
        dup = sorted({i for i in every if every.count(i) > 1})
        self.assertEqual(dup, [], "tickets called twice")
        self.assertEqual(sorted(every), ids)
        self.assertGreater(len(calls["1"]), 0)
        self.assertGreater(len(calls["2"]), 0)
        for cid in ("1", "2"):
            self.assertStatus(d.counter(cid, "next"), 204)
            self.assertIsNone(d.counter(cid, None).data["current"])
        conn = _Conn(d)
        try:
            states = {conn.get("/api/v1/tickets/%d" % i)[1]["state"]
                      for i in ids}
        finally:
            conn.close()
        self.assertEqual(states, {"served"})

    def check(self, d, ids, acked, finished, called):
        conn = _Conn(d)
        try:
            for tid in sorted(set(ids)):
                st, t = conn.get("/api/v1/tickets/%d" % tid)
                ctx = "ticket %d after the restart" % tid
                if tid in acked:
                    self.assertEqual(st, 200, "%s: lost (%s %s)"
                                     % (ctx, st, t))
                    number, service, kind = acked[tid]
                    self.assertEqual((t["id"], t["number"], t["service"],
                                      t["kind"]),
                                     (tid, number, service, kind), ctx)
                else:
                    # called or finished without its 201 read by us: it
                    # was issued before the kill of an earlier round
                    self.assertEqual(st, 200, "%s: %s %s" % (ctx, st, t))
                if tid in finished:
                    self.assertEqual(t["state"], finished[tid],
                                     "%s went back from %s"
                                     % (ctx, finished[tid]))
                elif tid in called:
                    self.assertIn(t["state"], ("called", "served", "no_show"),
                                  "%s went back from called" % ctx)
                    if t["state"] == "called":
                        self.assertEqual(t["counter"], "1", ctx)
                else:
                    self.assertIn(t["state"], ("waiting", "called", "served",
                                               "no_show"), ctx)
        finally:
            conn.close()


class _Conn(Conn):
    def __init__(self, d):
        super().__init__(d.port, timeout=10)

    def get(self, path):
        # GET /api/v1/tickets/{id} is for staff: the admin token.
        return self.request("GET", path, token=ADMIN_TOKEN)


if __name__ == "__main__":
    main()
