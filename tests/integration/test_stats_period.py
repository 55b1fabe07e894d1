#!/usr/bin/env python3
"""Statistics over a period (API.md "GET /api/v1/stats", ?from=&to=): two
days written into the database by hand (seed.py), then the period's
figures as JSON and CSV against figures worked out by hand below, and the
refusals of bad periods; seed.py's return of a no-show against the
daemon's own. Also the reports page's files: Chart.js served
from [server] chartjs_dir at /javascript/chart.js/."""

import csv
import io
import os
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, COUNTER_TOKENS,  # noqa: E402
                     SUPERVISOR_TOKEN, DaemonTestCase, main, make_config)
import seed  # noqa: E402

MON, TUE = "2026-11-02", "2026-11-03"
PERIOD = "?from=2026-11-01&to=2026-11-04"
NO_CALLS = {"starvation_guard": 0, "interleave": 0, "appointment_due": 0,
            "priority": 0, "walk_in": 0, "appointment_early": 0,
            "priority_due": 0, "least_slack": 0}


def calls(**kw):
    return dict(NO_CALLS, **kw)


def write_days(db):
    s = seed.Seeder(db)
    # Monday. Waits 60, 120, 300 (A walk-ins), 30 (B priority), 900 (the
    # booking); service times 240, 480, 50, 600.
    s.walk(MON, "A", "walk_in", "09:00", "09:01", "09:05", counter="2")
    s.walk(MON, "A", "walk_in", "09:10", "09:12", "09:20", counter="2")
    s.walk(MON, "A", "walk_in", "10:00", "10:05", "10:07",
           outcome="no_show", counter="2")
    s.walk(MON, "B", "priority", "09:30:00", "09:30:30", "09:31:20",
           counter="3", reason="priority")
    s.walk(MON, "A", "appointment", "09:50", "10:05", "10:15",
           reason="appointment_due", slot="10:00")  # within 10 min
    # Tuesday. Waits 600, 240 (A walk-ins), 2400 (the booking, called
    # 20 min after its slot); service times 180, 360, 600; a B walk-in
    # never called.
    s.walk(TUE, "A", "walk_in", "09:00", "09:10", "09:13")
    s.walk(TUE, "A", "walk_in", "11:00", "11:04", "11:10")
    s.walk(TUE, "A", "appointment", "10:40", "11:20", "11:30",
           reason="appointment_due", slot="11:00")
    s.walk(TUE, "B", "walk_in", "15:00", end="18:30", outcome="expired")
    s.close()


# The period's rows, by hand from the days above (nearest-rank
# percentiles: p50 the ceil(n/2)-th value, p90 the ceil(9n/10)-th).
EXPECTED_ROWS = {
    ("A", "walk_in"): {
        "issued": 5, "served": 4, "no_show": 1, "expired": 0,
        "wait_n": 5, "wait_mean_s": 264.0, "wait_p50_s": 240,
        "wait_p90_s": 600, "wait_max_s": 600,
        "service_n": 4, "service_mean_s": 315.0, "service_p50_s": 240,
        "service_p90_s": 480, "service_max_s": 480,
        "on_time_bookings": 0, "share_within_10min": None,
        "calls_by_reason": calls(walk_in=5)},
    ("A", "appointment"): {
        "issued": 2, "served": 2, "no_show": 0, "expired": 0,
        "wait_n": 2, "wait_mean_s": 1650.0, "wait_p50_s": 900,
        "wait_p90_s": 2400, "wait_max_s": 2400,
        "service_n": 2, "service_mean_s": 600.0, "service_p50_s": 600,
        "service_p90_s": 600, "service_max_s": 600,
        "on_time_bookings": 2, "on_time_pending": 0,
        "called_within_10min": 1, "share_within_10min": 0.5,
        "calls_by_reason": calls(appointment_due=2)},
    ("A", "priority"): {
        "issued": 0, "wait_n": 0, "wait_mean_s": None, "wait_p50_s": None,
        "calls_by_reason": NO_CALLS},
    ("B", "walk_in"): {
        "issued": 1, "served": 0, "expired": 1, "wait_n": 0,
        "wait_mean_s": None, "wait_p50_s": None, "wait_p90_s": None,
        "wait_max_s": None, "service_n": 0, "service_mean_s": None,
        "calls_by_reason": NO_CALLS},
    ("B", "priority"): {
        "issued": 1, "served": 1, "wait_n": 1, "wait_mean_s": 30.0,
        "wait_p50_s": 30, "wait_p90_s": 30, "wait_max_s": 30,
        "service_n": 1, "service_mean_s": 50.0, "service_p50_s": 50,
        "calls_by_reason": calls(priority=1)},
    ("B", "appointment"): {"issued": 0, "wait_n": 0},
}

# Arrivals by the local hour of issue; the waits of those called.
EXPECTED_HOURS = {
    9: {"arrivals": 5, "wait_n": 5, "wait_mean_s": 342.0, "wait_p50_s": 120,
        "wait_p90_s": 900, "wait_max_s": 900},
    10: {"arrivals": 2, "wait_n": 2, "wait_mean_s": 1350.0,
         "wait_p50_s": 300, "wait_p90_s": 2400, "wait_max_s": 2400},
    11: {"arrivals": 1, "wait_n": 1, "wait_mean_s": 240.0, "wait_p50_s": 240,
         "wait_p90_s": 240, "wait_max_s": 240},
    15: {"arrivals": 1, "wait_n": 0, "wait_mean_s": None,
         "wait_p50_s": None, "wait_p90_s": None, "wait_max_s": None},
}


class StatsPeriodTest(DaemonTestCase):

    def setUp(self):
        super().setUp()
        self.d = self.start_daemon()
        self.d.stop()
        write_days(self.d.db)
        self.d.start()

    def stats(self, query, **kw):
        return self.d.get("/api/v1/stats" + query, token=ADMIN_TOKEN, **kw)

    def assertFields(self, got, want, ctx):
        for k, v in want.items():
            self.assertEqual(got[k], v, "%s: %s" % (ctx, k))

    def test_period_json(self):
        r = self.stats(PERIOD)
        self.assertStatus(r, 200)
        self.assertJsonContentType(r)
        p = r.data
        self.assertEqual((p["from"], p["to"], p["n_days"]),
                         ("2026-11-01", "2026-11-04", 4))
        self.assertEqual(p["totals"], {"issued": 9, "served": 7,
                                       "no_show": 1, "returned": 0,
                                       "expired": 1, "waiting": 0,
                                       "called": 0})
        rows = {(x["service"], x["kind"]): x for x in p["services"]}
        self.assertEqual(set(rows), set(EXPECTED_ROWS))
        for key, want in EXPECTED_ROWS.items():
            self.assertFields(rows[key], want, key)
        self.assertEqual(p["on_time_bookings"],
                         {"bookings": 2, "pending": 0,
                          "called_within_10min": 1,
                          "share_within_10min": 0.5})
        self.assertEqual(p["calls_by_reason"],
                         calls(walk_in=5, priority=1, appointment_due=2))

        self.assertEqual([h["hour"] for h in p["hours"]], list(range(24)))
        for h in p["hours"]:
            want = EXPECTED_HOURS.get(h["hour"], {"arrivals": 0,
                                                  "wait_n": 0,
                                                  "wait_p50_s": None})
            self.assertFields(h, want, "hour %d" % h["hour"])

        # Each day as it was: the empty ones too.
        self.assertEqual([d["date"] for d in p["days"]],
                         ["2026-11-01", MON, TUE, "2026-11-04"])
        issued = [d["totals"]["issued"] for d in p["days"]]
        self.assertEqual(issued, [0, 5, 4, 0])
        mon = {(x["service"], x["kind"]): x for x in p["days"][1]["services"]}
        self.assertFields(mon[("A", "walk_in")],
                          {"issued": 3, "served": 2, "no_show": 1,
                           "wait_n": 3, "wait_mean_s": 160.0,
                           "wait_p50_s": 120, "wait_p90_s": 300,
                           "wait_max_s": 300,
                           "calls_by_reason": calls(walk_in=3)}, MON)
        self.assertEqual(p["days"][1]["on_time_bookings"]
                         ["share_within_10min"], 1.0)
        self.assertEqual(p["days"][2]["on_time_bookings"]
                         ["share_within_10min"], 0.0)
        self.assertEqual(p["days"][2]["calls_by_reason"],
                         calls(walk_in=2, appointment_due=1))
        # The period's figures are the days' summed, not averaged.
        for key in EXPECTED_ROWS:
            self.assertEqual(
                sum(x["issued"] for d in p["days"] for x in d["services"]
                    if (x["service"], x["kind"]) == key),
                rows[key]["issued"], key)

        # One day still answers as before, with the same figures.
        one = self.stats("?date=" + MON).data
        self.assertEqual(one["date"], MON)
        self.assertEqual(one["totals"], p["days"][1]["totals"])
        self.assertEqual(one["services"], p["days"][1]["services"])
        # A period of one day is that day.
        r = self.stats("?from=%s&to=%s" % (TUE, TUE))
        self.assertStatus(r, 200)
        self.assertEqual(r.data["n_days"], 1)
        self.assertEqual(r.data["services"], r.data["days"][0]["services"])

    def test_period_csv(self):
        p = self.stats(PERIOD).data
        for how in ({"query": PERIOD + "&format=csv"},
                    {"query": PERIOD, "headers": {"Accept": "text/csv"}}):
            r = self.stats(how["query"], headers=how.get("headers"))
            self.assertStatus(r, 200)
            self.assertEqual(r.headers["Content-Type"],
                             "text/csv; charset=utf-8")
            text = r.raw.decode("utf-8")
            self.assertTrue(text.endswith("\r\n"))
            table = list(csv.reader(io.StringIO(text)))
            head = table[0]
            self.assertEqual(head[:3], ["date", "service", "kind"])
            self.assertIn("wait_p50_s", head)
            self.assertEqual(head[-9:], ["calls_" + k for k in NO_CALLS]
                             + ["returned"])
            lines = [dict(zip(head, x)) for x in table[1:]]
            # 4 days and the period, 6 rows each.
            self.assertEqual(len(lines), 5 * 6)
            total = {(x["service"], x["kind"]): x for x in lines
                     if x["date"] == "2026-11-01/2026-11-04"}
            self.assertEqual(len(total), 6)
            for key, row in ((
                    (x["service"], x["kind"]), x) for x in p["services"]):
                c = total[key]
                for field, v in row.items():
                    if field == "calls_by_reason":
                        for reason, n in v.items():
                            self.assertEqual(c["calls_" + reason], str(n))
                    elif v is None:
                        self.assertEqual(c[field], "", (key, field))
                    elif isinstance(v, float):
                        self.assertAlmostEqual(float(c[field]), v, places=4)
                    else:
                        self.assertEqual(c[field], str(v), (key, field))
            mon = [x for x in lines if x["date"] == MON]
            self.assertEqual(sum(int(x["issued"]) for x in mon), 5)

        r = self.stats(PERIOD + "&format=csv&table=hours")
        self.assertStatus(r, 200)
        table = list(csv.reader(io.StringIO(r.raw.decode("utf-8"))))
        self.assertEqual(table[0], ["hour", "arrivals", "wait_n",
                                    "wait_mean_s", "wait_p50_s",
                                    "wait_p90_s", "wait_max_s"])
        self.assertEqual(len(table), 25)
        nine = dict(zip(table[0], table[10]))
        self.assertEqual(nine, {"hour": "9", "arrivals": "5", "wait_n": "5",
                                "wait_mean_s": "342.0", "wait_p50_s": "120",
                                "wait_p90_s": "900", "wait_max_s": "900"})
        self.assertEqual(table[16], ["15", "1", "0", "", "", "", ""])
        # format=json wins over Accept.
        r = self.stats(PERIOD + "&format=json",
                       headers={"Accept": "text/csv"})
        self.assertJsonContentType(r)

    def test_bad_periods(self):
        for query, words in (
                ("?from=2026-11-05&to=2026-11-04", "before"),
                ("?from=2025-11-01&to=2026-11-02", "366 days"),
                ("?from=2026-02-30&to=2026-03-02", "2026-02-30"),
                ("?from=2026-11-01&to=2026-11-1", "2026-11-1"),
                ("?from=20261101&to=2026-11-02", "20261101"),
                ("?from=2026-11-01", "both"),
                ("?to=2026-11-01", "both"),
                ("?date=2026-11-02&from=2026-11-01&to=2026-11-03", "not both"),
                ("?from=2026-11-01&to=2026-11-02&format=xlsx", "csv or json"),
                ("?from=2026-11-01&to=2026-11-02&table=weeks", "days or hours"),
                ("?date=2026-11-02&table=hours", "days or hours"),
                ("?from=2026-11-01&from=2026-11-01&to=2026-11-02", "twice")):
            r = self.stats(query)
            self.assertError(r, 400, "bad_request", query)
            self.assertIn(words, r.data["error"]["message"], query)
        # The longest period allowed: 366 days (a leap year's worth).
        r = self.stats("?from=2027-11-04&to=2028-11-03")
        self.assertStatus(r, 200)
        self.assertEqual(r.data["n_days"], 366)
        self.assertEqual(r.data["totals"]["issued"], 0)
        # Supervisors and the admin read statistics, counters do not.
        r = self.d.get("/api/v1/stats" + PERIOD, token=SUPERVISOR_TOKEN)
        self.assertStatus(r, 200)
        self.assertEqual(r.data["totals"]["issued"], 9)
        r = self.d.get("/api/v1/stats" + PERIOD, token=COUNTER_TOKENS["1"])
        self.assertError(r, 403)
        r = self.d.get("/api/v1/stats" + PERIOD)
        self.assertError(r, 401)



CHARTJS = "/usr/share/javascript/chart.js/chart.min.js"


class SeededReturnTest(DaemonTestCase):
    """seed.py's returned no-show is what the daemon writes for one: the
    same events (types, counters, kinds, reasons, the return's detail) and
    the same final ticket row; the day's statistics count it."""

    THU = "2026-11-05"

    def walk_of(self, tid):
        db = sqlite3.connect(self.d.db)
        try:
            events = db.execute(
                "SELECT type, service, counter, kind, reason,"
                " CASE WHEN type = 'returned' THEN detail END FROM events"
                " WHERE ticket = ? ORDER BY id", (tid,)).fetchall()
            row = db.execute(
                "SELECT service, kind, state, counter, reason,"
                " called_at IS NOT NULL, finished_at IS NOT NULL,"
                " finished_at >= called_at, called_at >= issued_at, recalls"
                " FROM tickets WHERE id = ?", (tid,)).fetchone()
        finally:
            db.close()
        return events, row

    def test_seeded_return_is_the_daemons(self):
        self.d = self.start_daemon()
        t = self.issue_ok(self.d, "A")
        self.assertEqual(self.d.counter("2", "next").data["id"], t["id"])
        self.assertStatus(self.d.counter("2", "done",
                                         {"outcome": "no_show"}), 200)
        self.assertStatus(self.d.counter(
            "2", "tickets/%d/return" % t["id"]), 200)
        self.assertEqual(self.d.counter("1", "next").data["id"], t["id"])
        self.assertStatus(self.d.counter("1", "done",
                                         {"outcome": "served"}), 200)
        self.d.stop()
        live = self.walk_of(t["id"])
        s = seed.Seeder(self.d.db)
        tid = s.walk(self.THU, "A", "walk_in", "09:00", "09:01", "09:02",
                     outcome="no_show", counter="2",
                     back={"at": "09:10", "called": "09:12",
                           "end": "09:15", "counter": "1"})
        s.close()
        self.assertEqual(self.walk_of(tid), live)
        self.assertEqual([e[0] for e in live[0]],
                         ["issued", "called", "no_show", "returned",
                          "called", "served"])
        self.d.start()
        r = self.d.get("/api/v1/stats?date=" + self.THU, token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        self.assertEqual({k: r.data["totals"][k] for k in
                          ("issued", "served", "no_show", "returned")},
                         {"issued": 1, "served": 1, "no_show": 0,
                          "returned": 1})
        a = [x for x in r.data["services"]
             if x["service"] == "A" and x["kind"] == "walk_in"][0]
        # The wait is to the first call; the service time from the last.
        self.assertEqual((a["wait_n"], a["wait_mean_s"]), (1, 60.0))
        self.assertEqual((a["service_n"], a["service_mean_s"]), (1, 180.0))


class ChartJsTest(DaemonTestCase):

    def test_served_from_debian(self):
        if not os.path.exists(CHARTJS):
            self.fail("%s is missing: apt-get install libjs-chart.js "
                      "(scripts/deps.sh test)" % CHARTJS)
        d = self.start_daemon()
        r = d.get("/javascript/chart.js/chart.min.js")
        self.assertStatus(r, 200)
        self.assertEqual(r.headers["Content-Type"],
                         "text/javascript; charset=utf-8")
        with open(CHARTJS, "rb") as f:
            self.assertEqual(r.raw, f.read())
        r = d.get("/reports")
        self.assertStatus(r, 200)
        self.assertIn(b"/javascript/chart.js/chart.min.js", r.raw)
        for path in ("/javascript/chart.js/nosuch.js",
                     "/javascript/chart.js/../chart.js/chart.min.js",
                     "/javascript/chart.js/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                     "/javascript/chart.js/",
                     "/javascript/chart.js/.hidden"):
            self.assertError(d.get(path), 404, "not_found", path)
        r = d.request("POST", "/javascript/chart.js/chart.min.js")
        self.assertError(r, 405, "method_not_allowed")

    def test_missing_dir(self):
        tmp = self.enterContext(tempfile.TemporaryDirectory())
        text = make_config(tmp).replace(
            "[server]\n", "[server]\nchartjs_dir = /nonexistent/chart.js\n",
            1)
        d = self.start_daemon(config_text=text)
        self.assertError(d.get("/javascript/chart.js/chart.min.js"), 404,
                         "not_found")
        self.assertIn("chartjs_dir /nonexistent/chart.js", d.log())
        self.assertStatus(d.get("/reports"), 200)


if __name__ == "__main__":
    main()
