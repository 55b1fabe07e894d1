#!/usr/bin/env python3
"""Statistics over HTTP (API.md "GET /api/v1/stats", "GET /metrics"): a
short morning with the test clock (walk-ins, a booking checked in on time,
a transfer, a no-show), then the day's figures as JSON and CSV, the
Prometheus text, and the refusals."""

import csv
import io
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, COUNTER_TOKENS,  # noqa: E402
                     DaemonTestCase, main, parse_rfc3339)

THURSDAY = "2026-12-03"  # open 08:30-18:30
TOK2 = COUNTER_TOKENS["2"]  # counter 2 serves A only
TOK3 = COUNTER_TOKENS["3"]  # counter 3 serves B only

CSV_HEADER = ["date", "service", "kind", "issued", "served", "no_show",
              "expired", "transferred_in", "transferred_out", "waiting",
              "called", "wait_n", "wait_mean_s", "wait_p90_s", "wait_max_s",
              "service_n", "service_mean_s", "on_time_bookings",
              "on_time_pending", "called_within_10min",
              "share_within_10min", "returned"]
# JSON only: the one day's CSV keeps its columns.
JSON_ONLY = {"wait_p50_s", "service_p50_s", "service_p90_s",
             "service_max_s", "calls_by_reason"}
ROW_FIELDS = set(CSV_HEADER) - {"date"} | JSON_ONLY
REASONS = {"starvation_guard", "interleave", "appointment_due", "priority",
           "walk_in", "appointment_early", "priority_due", "least_slack"}
METRIC_RE = re.compile(r'^([a-z_]+)(\{[^}]*\})? (\S+)$')
BOUNDS = [60, 300, 600, 900, 1800, 2700, 3600]


def at(hhmm, day=THURSDAY):
    return "%sT%s:00+02:00" % (day, hhmm)


def seconds(a, b):
    """b - a in seconds, both RFC 3339."""
    return int((parse_rfc3339(b) - parse_rfc3339(a)).total_seconds())


def p90(values):
    v = sorted(values)
    return v[(9 * len(v) + 9) // 10 - 1]


def p50(values):
    v = sorted(values)
    return v[(len(v) + 1) // 2 - 1]


def metrics(text):
    """{(name, frozenset of label pairs): value} of a Prometheus text."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = METRIC_RE.match(line)
        assert m, "not a sample line: %r" % line
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


class StatsTest(DaemonTestCase):

    def setUp(self):
        super().setUp()
        self.d = self.start_daemon(always_open=False,
                                   args=["--test-clock", at("08:30")])

    def advance_to(self, hhmm):
        r = self.d.post("/api/v1/test/clock", {"advance_s": 0},
                        token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        gap = seconds(r.data["now"], at(hhmm))
        if gap > 0:
            r = self.d.post("/api/v1/test/clock", {"advance_s": gap},
                            token=ADMIN_TOKEN)
            self.assertStatus(r, 200)
        return r.data["now"]

    def ok(self, r, status=200):
        self.assertStatus(r, status)
        return r.data

    def stats(self, query="", headers=None, token=ADMIN_TOKEN):
        return self.d.get("/api/v1/stats" + query, token=token,
                          headers=headers)

    def morning(self):
        """The scripted morning; returns the tickets as answered."""
        d = self.d
        t = {}
        r = d.post("/api/v1/appointments", {"appointments": [{
            "code": "STAT0001", "service": "A", "start": at("09:00"),
            "end": at("09:15"), "phone": None, "status": "booked"}]},
            token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        t["a1"] = self.ok(d.issue("A"), 201)
        self.advance_to("08:31")
        t["a2"] = self.ok(d.issue("A"), 201)
        self.advance_to("08:32")
        t["b1"] = self.ok(d.issue("B"), 201)
        self.advance_to("08:40")
        t["a1"] = self.ok(d.counter("2", "next", token=TOK2))
        self.advance_to("08:45")
        t["b1"] = self.ok(d.counter("3", "next", token=TOK3))
        self.advance_to("08:50")
        t["p1"] = self.ok(d.post("/api/v1/checkins",
                                 {"code": "STAT0001", "kiosk": "k1"}), 201)
        self.assertEqual(t["p1"]["kind"], "appointment")
        self.advance_to("08:52")
        # Finishes A001 as served and calls the booking, due since 08:50.
        t["p1"] = self.ok(d.counter("2", "next", token=TOK2))
        self.assertEqual(t["p1"]["reason"], "appointment_due")
        self.advance_to("08:55")
        self.ok(d.counter("3", "transfer", {"service": "A"}, token=TOK3))
        self.advance_to("09:00")
        self.ok(d.counter("2", "done", {"outcome": "served"}, token=TOK2))
        self.advance_to("09:01")
        t["a2"] = self.ok(d.counter("2", "next", token=TOK2))
        self.assertEqual(t["a2"]["number"], "A002")
        self.advance_to("09:05")
        self.ok(d.counter("2", "done", {"outcome": "no_show"}, token=TOK2))
        self.advance_to("09:06")
        b1 = self.ok(d.counter("2", "next", token=TOK2))
        self.assertEqual(b1["id"], t["b1"]["id"])
        self.assertEqual(b1["issued_at"], t["b1"]["issued_at"])
        self.advance_to("09:10")
        self.ok(d.counter("2", "done", {"outcome": "served"}, token=TOK2))
        self.advance_to("09:11")
        t["b2"] = self.ok(d.issue("B"), 201)
        return t

    def service_times(self):
        """Finished minus called of served tickets, by (service, kind),
        read from the database."""
        db = sqlite3.connect("file:%s?mode=ro" % self.d.db, uri=True)
        try:
            rows = db.execute(
                "SELECT service, kind, finished_at - called_at FROM tickets"
                " WHERE state = 'served'").fetchall()
        finally:
            db.close()
        out = {}
        for service, kind, s in rows:
            out.setdefault((service, kind), []).append(s)
        return out

    def test_day_figures(self):
        t = self.morning()
        waits = {k: seconds(v["issued_at"], v["called_at"])
                 for k, v in t.items() if "called_at" in v}
        self.assertEqual(set(waits), {"a1", "a2", "b1", "p1"})
        times = self.service_times()

        r = self.stats()  # today by the daemon's clock
        self.assertStatus(r, 200)
        self.assertJsonContentType(r)
        s = r.data
        self.assertEqual(s["date"], THURSDAY)
        self.assertTrue(s["generated_at"].startswith(THURSDAY + "T09:1"))
        self.assertEqual(self.stats("?date=" + THURSDAY).data["totals"],
                         s["totals"])
        # The day adds up to what was issued.
        self.assertEqual(s["totals"], {"issued": 5, "served": 3,
                                       "no_show": 1, "returned": 0,
                                       "expired": 0, "waiting": 1,
                                       "called": 0})
        rows = {(x["service"], x["kind"]): x for x in s["services"]}
        self.assertEqual(set(rows), {(sv, k) for sv in "AB" for k in (
            "walk_in", "priority", "appointment")})
        for row in s["services"]:
            self.assertEqual(set(row), ROW_FIELDS, row)
            self.assertEqual(row["issued"] + row["transferred_in"] -
                             row["transferred_out"],
                             row["served"] + row["no_show"] +
                             row["expired"] + row["waiting"] +
                             row["called"], row)

        aw = rows[("A", "walk_in")]
        a_waits = [waits["a1"], waits["a2"]]
        a_times = times[("A", "walk_in")]
        self.assertEqual(len(a_times), 2)  # A001 and B001, served in A
        self.assertEqual(
            {k: aw[k] for k in ("issued", "served", "no_show", "expired",
                                "transferred_in", "transferred_out",
                                "waiting", "called", "wait_n",
                                "wait_p90_s", "wait_max_s", "service_n")},
            {"issued": 2, "served": 2, "no_show": 1, "expired": 0,
             "transferred_in": 1, "transferred_out": 0, "waiting": 0,
             "called": 0, "wait_n": 2, "wait_p90_s": p90(a_waits),
             "wait_max_s": max(a_waits), "service_n": 2})
        self.assertEqual(aw["wait_mean_s"], round(sum(a_waits) / 2, 1))
        self.assertEqual(aw["wait_p50_s"], p50(a_waits))
        self.assertEqual(aw["service_mean_s"], round(sum(a_times) / 2, 1))
        self.assertEqual((aw["service_p50_s"], aw["service_p90_s"],
                          aw["service_max_s"]),
                         (p50(a_times), p90(a_times), max(a_times)))
        self.assertIsNone(aw["share_within_10min"])

        ap = rows[("A", "appointment")]
        self.assertEqual((ap["issued"], ap["served"], ap["wait_n"],
                          ap["wait_max_s"], ap["on_time_bookings"],
                          ap["on_time_pending"], ap["called_within_10min"],
                          ap["share_within_10min"]),
                         (1, 1, 1, waits["p1"], 1, 0, 1, 1.0))
        self.assertEqual(ap["service_mean_s"],
                         float(times[("A", "appointment")][0]))

        bw = rows[("B", "walk_in")]
        self.assertEqual((bw["issued"], bw["served"], bw["transferred_out"],
                          bw["waiting"], bw["wait_n"], bw["wait_max_s"],
                          bw["service_n"]),
                         (2, 0, 1, 1, 1, waits["b1"], 0))
        self.assertIsNone(bw["service_mean_s"])
        for k in ("priority",):
            for sv in "AB":
                self.assertEqual(rows[(sv, k)]["issued"], 0)
                self.assertIsNone(rows[(sv, k)]["wait_mean_s"])

        f = s["fairness"]
        walk_in = [waits["a1"], waits["a2"], waits["b1"]]
        self.assertEqual(f["kinds"]["walk_in"]["wait_n"], 3)
        self.assertEqual(f["kinds"]["walk_in"]["wait_max_s"], max(walk_in))
        self.assertEqual(f["kinds"]["walk_in"]["wait_p90_s"], p90(walk_in))
        self.assertEqual(f["kinds"]["walk_in"]["wait_mean_s"],
                         round(sum(walk_in) / 3, 1))
        self.assertEqual(f["kinds"]["priority"]["wait_n"], 0)
        self.assertIsNone(f["kinds"]["priority"]["wait_mean_s"])
        self.assertEqual(f["kinds"]["appointment"]["wait_max_s"],
                         waits["p1"])
        self.assertEqual(f["on_time_bookings"],
                         {"bookings": 1, "pending": 0,
                          "called_within_10min": 1,
                          "share_within_10min": 1.0})
        self.assertEqual(f["overtakes"], 0)
        for k in ("walk_in", "priority", "appointment"):
            self.assertEqual(f["kinds"][k]["overtakes"], 0)
        self.assertEqual(f["calls_by_reason"],
                         {"starvation_guard": 0, "interleave": 0,
                          "appointment_due": 1, "priority": 0,
                          "walk_in": 4, "appointment_early": 0,
                          "priority_due": 0, "least_slack": 0})
        # The rows' calls, each in the service the ticket was in then,
        # add up to the day's.
        for reason, n in f["calls_by_reason"].items():
            self.assertEqual(sum(x["calls_by_reason"][reason]
                                 for x in s["services"]), n, reason)
        self.assertEqual(ap["calls_by_reason"]["appointment_due"], 1)
        counters = {c["counter"]: c for c in f["counters"]}
        self.assertEqual(set(counters), {"1", "2", "3"})
        self.assertIsNone(counters["1"]["first_activity"])
        self.assertEqual(counters["1"]["idle_s"], 0)
        c2 = counters["2"]
        self.assertTrue(c2["first_activity"].startswith(THURSDAY + "T08:40"))
        self.assertTrue(c2["last_activity"].startswith(THURSDAY + "T09:10"))
        # 09:00-09:01 and 09:05-09:06 with tickets of A waiting; the test
        # clock also runs in real time, hence the slack.
        self.assertAlmostEqual(c2["idle_s"], 120, delta=10)
        self.assertAlmostEqual(c2["busy_s"], 30 * 60 - 120, delta=10)
        self.assertEqual(c2["paused_s"], 0)
        c3 = counters["3"]
        self.assertTrue(c3["last_activity"].startswith(THURSDAY + "T08:55"),
                        "the transfer is counter 3's last act: %r" % c3)
        self.assertEqual(c3["idle_s"], 0)

        # CSV: the same rows.
        r = self.stats(headers={"Accept": "text/csv"})
        self.assertStatus(r, 200)
        self.assertEqual(r.headers["Content-Type"],
                         "text/csv; charset=utf-8")
        table = list(csv.reader(io.StringIO(r.raw.decode("utf-8"))))
        self.assertEqual(table[0], CSV_HEADER)
        self.assertEqual(len(table), 7)
        by_key = {(x[1], x[2]): dict(zip(CSV_HEADER, x)) for x in table[1:]}
        for key, row in rows.items():
            c = by_key[key]
            self.assertEqual(c["date"], THURSDAY)
            for field, v in row.items():
                if field in JSON_ONLY:
                    continue
                if v is None:
                    self.assertEqual(c[field], "", (key, field))
                elif isinstance(v, float):
                    self.assertAlmostEqual(float(c[field]), v, places=4)
                else:
                    self.assertEqual(c[field], str(v), (key, field))

        # Prometheus.
        r = self.d.get("/metrics")
        self.assertStatus(r, 200)
        self.assertEqual(r.headers["Content-Type"],
                         "text/plain; version=0.0.4; charset=utf-8")
        text = r.raw.decode("utf-8")
        self.assertIn("# TYPE bonomat_wait_seconds histogram\n", text)
        self.assertIn("# TYPE bonomat_tickets_issued_total counter\n", text)
        m = metrics(text)

        def v(name, **labels):
            # Every series carries the office's id ([office] id; the
            # test config names none: "default").
            return m[(name, frozenset(labels.items())
                      | {("office", "default")})]

        self.assertEqual(v("bonomat_tickets_issued_total", service="A",
                           kind="walk_in"), 2)
        self.assertEqual(v("bonomat_tickets_issued_total", service="A",
                           kind="appointment"), 1)
        self.assertEqual(v("bonomat_tickets_issued_total", service="B",
                           kind="walk_in"), 2)
        self.assertEqual(v("bonomat_tickets_served_total", service="A",
                           kind="walk_in"), 2)
        self.assertEqual(v("bonomat_tickets_served_total", service="B",
                           kind="walk_in"), 0)
        self.assertEqual(v("bonomat_tickets_waiting", service="A"), 0)
        self.assertEqual(v("bonomat_tickets_waiting", service="B"), 1)
        a_hist = [waits["a1"], waits["a2"], waits["p1"]]
        for le in BOUNDS:
            self.assertEqual(v("bonomat_wait_seconds_bucket", service="A",
                               le=str(le)),
                             sum(1 for w in a_hist if w <= le), le)
        self.assertEqual(v("bonomat_wait_seconds_bucket", service="A",
                           le="+Inf"), 3)
        self.assertEqual(v("bonomat_wait_seconds_sum", service="A"),
                         sum(a_hist))
        self.assertEqual(v("bonomat_wait_seconds_count", service="B"), 1)
        self.assertEqual(v("bonomat_printer_state", printer="default",
                           state="ok"), 1)
        self.assertEqual(v("bonomat_printer_state", printer="default",
                           state="paper_out"), 0)
        self.assertNotIn('service="SC"', text)

    def test_a_day_without_data_is_zeros(self):
        r = self.stats("?date=2025-01-15")
        self.assertStatus(r, 200)
        self.assertEqual(r.data["date"], "2025-01-15")
        self.assertEqual(set(r.data["totals"].values()), {0})
        self.assertEqual(len(r.data["services"]), 6)
        for row in r.data["services"]:
            self.assertEqual(row["issued"], 0)
            self.assertIsNone(row["wait_mean_s"])
        self.assertEqual(set(r.data["fairness"]["calls_by_reason"]), REASONS)

    def test_refusals(self):
        for q in ("?date=2026-02-30", "?date=2026-12-3", "?date=",
                  "?date=today", "?day=2026-12-03",
                  "?date=2026-12-03&date=2026-12-04"):
            self.assertError(self.stats(q), 400, "bad_request", q)
        # Errors stay JSON when CSV was asked for.
        self.assertError(self.stats("?date=x", {"Accept": "text/csv"}), 400,
                         "bad_request")
        self.assertError(self.stats(token=None), 401, "unauthorized")
        self.assertError(self.stats(token="wrong-token-000"), 401,
                         "unauthorized")
        self.assertError(self.stats(token=TOK2), 403, "forbidden")
        r = self.d.post("/api/v1/stats", token=ADMIN_TOKEN)
        self.assertError(r, 405)
        # /metrics needs no token.
        self.assertStatus(self.d.get("/metrics"), 200)


if __name__ == "__main__":
    main()
