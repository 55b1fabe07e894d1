#!/usr/bin/env python3
"""bonomatctl import (issue 4): the booking platform's CSV and iCalendar
exports, checked line by line and sent to the real daemon with POST
/api/v1/appointments (API.md). Exit status 0 when all is imported, 1 when
anything was refused, 2 for usage errors; refusals are FILE:LINE: why, also
for an item the daemon refuses (its index mapped back to the line).

Environment: BONOMATCTL is the tool (else next to BONOMATD, else a build
under build/); the rest as tests/integration/bonomat.py."""

import datetime
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, DEFAULT_HOURS, OFFICE_TZ,  # noqa: E402
                     SOURCE_DIR,
                     DaemonTestCase, clock_now, main, office_today,
                     parse_rfc3339, zoneinfo)

HEADER = "code,service,start,end,phone,status\n"


def find_ctl():
    path = os.environ.get("BONOMATCTL")
    if path:
        return path
    daemon = os.environ.get("BONOMATD")
    if daemon:
        p = os.path.join(os.path.dirname(daemon), "bonomatctl")
        if os.access(p, os.X_OK):
            return p
    for cand in ("build/dev/bonomatctl", "build/ci/bonomatctl",
                 "build/bonomatctl"):
        p = os.path.join(SOURCE_DIR, cand)
        if os.access(p, os.X_OK):
            return p
    raise RuntimeError("BONOMATCTL is not set and no built bonomatctl "
                       "was found next to BONOMATD or under %s/build"
                       % SOURCE_DIR)


def local(day, hh, mm):
    """RFC 3339 of hh:mm on day (YYYY-MM-DD) in the office's zone."""
    d = datetime.date.fromisoformat(day)
    t = datetime.datetime(d.year, d.month, d.day, hh, mm,
                          tzinfo=zoneinfo.ZoneInfo(OFFICE_TZ))
    return t.isoformat()


def row(code, service, start, end, phone="", status=""):
    return "%s,%s,%s,%s,%s,%s\n" % (code, service, start, end, phone, status)


def free_port():
    """A loopback port that nothing listens on (closed again)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class ImportCase(DaemonTestCase):
    def setUp(self):
        super().setUp()
        self.assertIsNotNone(zoneinfo, "Python without zoneinfo: the "
                             "import tests need the office's time zone")
        self.ctl = find_ctl()
        self.dir = tempfile.mkdtemp(prefix="bonomat-import-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        # Tomorrow: no slot of the imports is in the past.
        self.day = office_today(1)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return path

    def ctl_run(self, *args, token=ADMIN_TOKEN):
        """bonomatctl import ARGS with the token in the environment."""
        env = dict(os.environ)
        env.pop("BONOMAT_ADMIN_TOKEN", None)
        if token is not None:
            env["BONOMAT_ADMIN_TOKEN"] = token
        p = subprocess.run([self.ctl, "import"] + list(args), env=env,
                           capture_output=True, text=True, timeout=120)
        self.last = "exit %d\n--- stdout\n%s--- stderr\n%s" % (
            p.returncode, p.stdout, p.stderr)
        return p

    def url(self, d):
        return "http://127.0.0.1:%d" % d.port

    def assertExit(self, p, status):
        self.assertEqual(p.returncode, status, self.last)

    def assertLine(self, p, path, line, *parts):
        """stderr has "path:line: ..." with every part in it."""
        prefix = "%s:%d: " % (path, line)
        for ln in p.stderr.splitlines():
            if ln.startswith(prefix) and all(x in ln for x in parts):
                return ln
        self.fail("no line %r with %r in\n%s" % (prefix, parts, self.last))


class Offline(ImportCase):
    """What bonomatctl decides alone: usage, refusals, the dry run."""

    def test_usage_errors_exit_2(self):
        good = self.write("b.csv", HEADER)
        other = self.write("b.txt", HEADER)
        cases = [
            ((), ADMIN_TOKEN),
            ((good, good), ADMIN_TOKEN),
            ((good, "--bogus"), ADMIN_TOKEN),
            ((good, "--format", "xml"), ADMIN_TOKEN),
            ((other,), ADMIN_TOKEN),
            ((good,), None),
            ((good, "--token", "two words"), None),
            ((good, "--timezone", "Europe/Nowhere"), ADMIN_TOKEN),
            ((good, "--url", "ftp://127.0.0.1"), ADMIN_TOKEN),
            ((good, "--service-property", "X SERVICE"), ADMIN_TOKEN),
        ]
        for args, token in cases:
            with self.subTest(args=args, token=token):
                p = self.ctl_run(*args, token=token)
                self.assertExit(p, 2)
                self.assertTrue(p.stderr.strip(), self.last)
        p = self.ctl_run(other, "--format", "csv", "--dry-run")
        self.assertExit(p, 0)

    def test_dry_run_reports_each_refused_line(self):
        t0, t1 = local("2026-12-03", 9, 0), local("2026-12-03", 9, 15)
        path = self.write("bookings.csv", HEADER
                          + row("X7K2P9", "A", t0, t1, "+40 722 123 456")
                          + row("AB", "A", t0, t1)
                          + "\n"
                          + row("Q1W2E3", "B", "2026-12-03T07:00:00Z",
                                "2026-12-03T07:15:00Z", "", "cancelled")
                          + row("Z9Y8X7", "A", t1, t0))
        p = self.ctl_run(path, "--dry-run", token=None)
        self.assertExit(p, 1)
        self.assertLine(p, path, 3, 'code "AB"')
        self.assertLine(p, path, 6, "the end is not after the start")
        self.assertEqual(p.stdout.splitlines(), [
            "%s:2: X7K2P9 A %s %s booked +40722123456" % (path, t0, t1),
            "%s:5: Q1W2E3 B %s %s cancelled -" % (path, t0, t1),
            "dry run: 2 bookings in 1 request; nothing sent",
        ], self.last)

    def test_dry_run_ics_times(self):
        path = self.write("export.ics", (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n"
            "BEGIN:VEVENT\r\nUID:X7K2P1\r\nX-SERVICE:A\r\n"
            "DTSTART:20261203T070000Z\r\nDTEND:20261203T071500Z\r\n"
            "END:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:1@booking.example.ro\r\n"
            "X-BOOKING-CODE:X7K2\r\n P2\r\nX-SERVICE:B\r\n"
            "DTSTART;TZID=Europe/Bucharest:20260701T090000\r\n"
            "DURATION:PT20M\r\nSTATUS:CANCELLED\r\n"
            "ATTENDEE;CN=\"Ion\":tel:+40722123456\r\n"
            "END:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:2@booking.example.ro\r\nX-SERVICE:A\r\n"
            "DTSTART;VALUE=DATE:20261203\r\n"
            "END:VEVENT\r\n"
            "END:VCALENDAR\r\n"))
        p = self.ctl_run(path, "--dry-run", token=None)
        self.assertExit(p, 1)
        self.assertLine(p, path, 20, '"2@booking.example.ro"', "all-day")
        self.assertEqual(p.stdout.splitlines(), [
            "%s:4: X7K2P1 A 2026-12-03T09:00:00+02:00 "
            "2026-12-03T09:15:00+02:00 booked -" % path,
            "%s:10: X7K2P2 B 2026-07-01T09:00:00+03:00 "
            "2026-07-01T09:20:00+03:00 cancelled +40722123456" % path,
            "dry run: 2 bookings in 1 request; nothing sent",
        ], self.last)

    def test_whole_file_refused(self):
        path = self.write("b.csv", "code;service;start;end;phone;status\n")
        p = self.ctl_run(path, "--url", "http://127.0.0.1:%d" % free_port())
        self.assertExit(p, 1)
        self.assertLine(p, path, 1, "';'")
        self.assertIn("nothing is imported", p.stderr)
        self.assertNotIn("sending", p.stderr)

    def test_file_too_large(self):
        path = os.path.join(self.dir, "big.csv")
        with open(path, "wb") as f:
            f.write(HEADER.encode())
            f.write(b"x" * (4 << 20))
        p = self.ctl_run(path, "--dry-run")
        self.assertExit(p, 1)
        self.assertIn("larger than 4 MiB", p.stderr)

    def test_daemon_unreachable(self):
        path = self.write("b.csv", HEADER + row(
            "X7K2P9", "A", local(self.day, 10, 0), local(self.day, 10, 15)))
        p = self.ctl_run(path, "--url", "http://127.0.0.1:%d" % free_port())
        self.assertExit(p, 1)
        self.assertIn("sending to http://127.0.0.1:", p.stderr)
        self.assertIn("lines 2-2 were not sent", p.stderr)
        self.assertEqual(p.stdout, "")


class Import(ImportCase):
    """bonomatctl and the daemon's POST /api/v1/appointments together."""

    # The daemon lives on Thursday 2026-12-03 from 10:00 (its test clock),
    # the bookings are for the next day: no slot is in the past and no day
    # ends during a test, whenever it runs.
    CLOCK = "2026-12-03T10:00:00+02:00"

    def setUp(self):
        super().setUp()
        self.d = self.start_daemon(args=["--test-clock", self.CLOCK])
        self.day = "2026-12-04"

    def bookings(self, n, first=0, service=None):
        """n valid CSV rows for today, codes BK00000..."""
        out = []
        for i in range(first, first + n):
            m = 8 * 60 + 30 + (i % 32) * 15
            out.append(row("BK%05d" % i, service or "AB"[i % 2],
                           local(self.day, m // 60, m % 60),
                           local(self.day, (m + 15) // 60, (m + 15) % 60),
                           "+4072200%04d" % (i % 10000)))
        return "".join(out)

    def test_created_then_updated(self):
        path = self.write("b.csv", HEADER + self.bookings(3))
        p = self.ctl_run(path, "--url", self.url(self.d))
        self.assertExit(p, 0)
        self.assertEqual(p.stdout, "created 3, updated 0\n", self.last)
        p = self.ctl_run(path, "--url", self.url(self.d))
        self.assertExit(p, 0)
        self.assertEqual(p.stdout, "created 0, updated 3\n", self.last)

    def test_token_option(self):
        path = self.write("b.csv", HEADER + self.bookings(1))
        p = self.ctl_run(path, "--url", self.url(self.d) + "/",
                         "--token", ADMIN_TOKEN, token=None)
        self.assertExit(p, 0)
        self.assertEqual(p.stdout, "created 1, updated 0\n", self.last)

    def test_wrong_token(self):
        path = self.write("b.csv", HEADER + self.bookings(2))
        p = self.ctl_run(path, "--url", self.url(self.d), token="wrong")
        self.assertExit(p, 1)
        self.assertIn("HTTP 401", p.stderr)
        self.assertIn("admin token", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_item_refused_by_the_daemon_names_its_line(self):
        """The daemon knows the services; an unknown one refuses the
        whole batch, and its index comes back as the file's line."""
        t0, t1 = local(self.day, 11, 0), local(self.day, 11, 15)
        good = self.bookings(2)
        path = self.write("b.csv", HEADER + "\n" + good.splitlines()[0]
                          + "\n" + row("ZZ1234", "NOSUCH", t0, t1)
                          + good.splitlines()[1] + "\n")
        p = self.ctl_run(path, "--url", self.url(self.d))
        self.assertExit(p, 1)
        self.assertLine(p, path, 4, "refused by the daemon")
        self.assertIn("nothing of lines 3-5 was stored", p.stderr)
        self.assertEqual(p.stdout, "")
        # Nothing of the batch was stored: the good ones are new.
        path = self.write("c.csv", HEADER + good)
        p = self.ctl_run(path, "--url", self.url(self.d))
        self.assertExit(p, 0)
        self.assertEqual(p.stdout, "created 2, updated 0\n", self.last)

    def test_refused_lines_do_not_stop_the_others(self):
        t0, t1 = local(self.day, 11, 0), local(self.day, 11, 15)
        path = self.write("b.csv", HEADER + self.bookings(1)
                          + row("X7K2P9", "A", t0, "11:15")
                          + self.bookings(1, first=1))
        p = self.ctl_run(path, "--url", self.url(self.d))
        self.assertExit(p, 1)
        self.assertLine(p, path, 3, 'end "11:15"')
        self.assertEqual(p.stdout, "created 2, updated 0\n", self.last)

    def test_ics(self):
        day = self.day.replace("-", "")
        path = self.write("export.ics", (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n"
            "BEGIN:VEVENT\r\nUID:IC0001\r\nCATEGORIES:A\r\n"
            "DTSTART;TZID=%s:%sT100000\r\n"
            "DTEND;TZID=%s:%sT101500\r\nEND:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:IC0002\r\nCATEGORIES:B\r\n"
            "DTSTART;TZID=%s:%sT103000\r\nDURATION:PT15M\r\n"
            "STATUS:CANCELLED\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n") % (OFFICE_TZ, day, OFFICE_TZ, day,
                                    OFFICE_TZ, day))
        p = self.ctl_run(path, "--url", self.url(self.d),
                         "--service-property", "CATEGORIES")
        self.assertExit(p, 0)
        self.assertEqual(p.stdout, "created 2, updated 0\n", self.last)

    def test_check_in_after_import(self):
        """The imported codes are the daemon's: matched ignoring case and
        dashes, a cancelled one is gone."""
        now = parse_rfc3339(clock_now(self.d))
        start = (now + datetime.timedelta(minutes=5)).replace(
            second=0, microsecond=0)
        end = start + datetime.timedelta(minutes=15)
        self.assertEqual(end.date(), now.date())
        path = self.write("b.csv", HEADER
                          + row("CK-7K2P9", "A", start.isoformat(),
                                end.isoformat(), "+40722123456")
                          + row("CK-CANCEL", "A", start.isoformat(),
                                end.isoformat(), "", "cancelled"))
        p = self.ctl_run(path, "--url", self.url(self.d))
        self.assertExit(p, 0)
        r = self.d.post("/api/v1/checkins", {"code": "ck7k2p9",
                                             "kiosk": "k1"})
        self.assertStatus(r, 201)
        self.assertEqual(r.data["kind"], "appointment", r)
        self.assertEqual(r.data["service"], "A", r)
        r = self.d.post("/api/v1/checkins", {"code": "CK-CANCEL",
                                             "kiosk": "k1"})
        self.assertError(r, 410, "gone")

    def test_batches_of_1000(self):
        n = 2500
        path = self.write("b.csv", HEADER + self.bookings(n))
        p = self.ctl_run(path, "--url", self.url(self.d))
        self.assertExit(p, 0)
        self.assertEqual(p.stdout, "created %d, updated 0\n" % n, self.last)
        self.assertIn("each request is stored whole or not at all",
                      p.stderr)
        m = re.search(r"%d bookings in (\d+) requests \(at most 1000 "
                      r"bookings and 64 KiB each\)" % n, p.stderr)
        self.assertIsNotNone(m, self.last)
        self.assertGreaterEqual(int(m.group(1)), 3, self.last)


class Honoured(ImportCase):
    """A booking the office cannot honour (issue 9): on a closed date,
    outside that day's hours, or over already. The daemon refuses it with
    the item's index and the reason; bonomatctl's dry run with --config
    refuses the same, by the one rule of daemon/core/hours.c."""

    CLOCK = "2026-12-03T10:00:00+02:00"   # a Thursday
    CLOSED = "closed = 2026-12-07, 2027-12-06\n"   # Mondays

    def test_daemon_refuses_what_cannot_be_honoured(self):
        d = self.start_daemon(always_open=False,
                              hours=DEFAULT_HOURS + self.CLOSED,
                              args=["--test-clock", self.CLOCK])

        def item(code, day, h, m, h2, m2):
            return {"code": code, "service": "A",
                    "start": local(day, h, m), "end": local(day, h2, m2),
                    "status": "booked"}
        ok = item("OKAY0001", "2026-12-04", 10, 0, 10, 15)
        for bad, why in (
                (item("SHUT0001", "2026-12-07", 10, 0, 10, 15),
                 "the office is closed on that day"),
                (item("SAT00001", "2026-12-05", 10, 0, 10, 15),
                 "the office is closed on that day"),
                (item("LATE0001", "2026-12-04", 16, 30, 16, 45),
                 "outside that day's opening hours"),
                (item("LATE0002", "2026-12-04", 16, 29, 23, 0),
                 None),
                (item("EARLY001", "2026-12-04", 8, 0, 8, 45),
                 "outside that day's opening hours"),
                (item("PAST0001", "2026-12-03", 9, 0, 9, 15),
                 "already over")):
            with self.subTest(code=bad["code"]):
                r = d.post("/api/v1/appointments",
                           {"appointments": [ok, bad]}, token=ADMIN_TOKEN)
                if why is None:   # starts within the hours
                    self.assertStatus(r, 200)
                    continue
                e = self.assertError(r, 422, "unprocessable")
                self.assertIn("appointments[1]: ", e["message"])
                self.assertIn(why, e["message"])
        # A cancellation of such a booking goes through; the good one too.
        gone = dict(item("SHUT0001", "2026-12-07", 10, 0, 10, 15),
                    status="cancelled")
        r = d.post("/api/v1/appointments", {"appointments": [ok, gone]},
                   token=ADMIN_TOKEN)
        self.assertStatus(r, 200)

    def test_dry_run_with_config_refuses_the_same(self):
        d = self.start_daemon(always_open=False,
                              hours=DEFAULT_HOURS + self.CLOSED)
        path = self.write("b.csv", HEADER
                          + row("GOOD0001", "A", local("2027-12-03", 10, 0),
                                local("2027-12-03", 10, 15))
                          + row("SHUT0001", "A", local("2027-12-06", 10, 0),
                                local("2027-12-06", 10, 15))
                          + row("LATE0001", "A", local("2027-12-03", 17, 0),
                                local("2027-12-03", 17, 15))
                          + row("PAST0001", "A", local("2020-01-02", 10, 0),
                                local("2020-01-02", 10, 15)))
        p = self.ctl_run(path, "--dry-run", "--config", d.conf, token=None)
        self.assertExit(p, 1)
        self.assertLine(p, path, 3, "the office is closed on that day")
        self.assertLine(p, path, 4, "outside that day's opening hours")
        self.assertLine(p, path, 5, "already over")
        self.assertEqual(len(p.stdout.splitlines()), 2, self.last)
        self.assertIn("GOOD0001", p.stdout)
        self.assertIn("dry run: 1 booking in 1 request", p.stdout)


if __name__ == "__main__":
    main()
