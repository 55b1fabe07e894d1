"""Printing through CUPS, end to end: the real bonomatd with
[printer.default] driver = cups, queue = kiosk, talking to a private cupsd
(cups_fixture.py) whose raw queue sends each job to a network printer on
a loopback port (printer_peer.py). The ticket's bytes must reach the
printer unchanged; a CUPS server that stops, or a printer behind it that
is gone, must never lose a ticket nor print one late or twice.
"""

import os
import re
import shutil
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bonomat import ADMIN_TOKEN, DaemonTestCase, main  # noqa: E402
from cups_fixture import CupsServer  # noqa: E402
from printer_peer import PrinterPeer, split_tickets  # noqa: E402

QUEUE = "kiosk"
# What every ticket starts with: ESC @, FS . (clones), ESC t 18 (CP852).
HEADER = b"\x1b\x40\x1c\x2e\x1b\x74\x12"
GS_V = b"\x1d\x56"
# "Taxe și impozite locale": ș printed as ş, 0xAD in CP852.
SERVICE_A_CP852 = "Taxe \xadi impozite locale".encode("latin-1")
# The daemon gives a CUPS job 3 s to complete; CUPS and the worker's
# polls add a little. Generous: a slow machine must not fail the test.
PRINTED_TIMEOUT = 15.0
STATE_TIMEOUT = 15.0
POLL = 0.05


class CupsPrinting(DaemonTestCase):
    def setUp(self):
        super().setUp()
        self.peer = PrinterPeer()
        self.addCleanup(self.peer.close)
        self.cups = CupsServer(self.peer.port, queue=QUEUE)
        self.addCleanup(self.cups.close)
        self.cups.start()

    def tearDown(self):
        if self._failed():
            sys.stderr.write("\ncupsd (%s):\n%s\njobs: all %s, not "
                             "completed %s\nprinter: %d connection(s)\n"
                             % (self.cups.dir, self.cups.log_tail(),
                                self.cups.job_ids() if self.cups.running()
                                else "-", self.cups.job_ids("not-completed")
                                if self.cups.running() else "-",
                                self.peer.connections()[0]))
        super().tearDown()

    # -- helpers ------------------------------------------------------------

    def start_cups_daemon(self, queue=QUEUE):
        return self.start_daemon(printer="driver = cups\nqueue = %s\n"
                                 % queue, env=self.cups.env())

    def wait_printed(self, d, tid, want, timeout=PRINTED_TIMEOUT):
        """The ticket once its printed field is in want (a set)."""
        deadline = time.monotonic() + timeout
        while True:
            r = d.ticket(tid)
            self.assertStatus(r, 200)
            if r.data["printed"] in want:
                return r.data
            if time.monotonic() > deadline:
                self.fail("ticket %s: printed is %r after %.0f s, want %s"
                          % (tid, r.data["printed"], timeout, sorted(want)))
            time.sleep(POLL)

    def printer(self, d):
        r = d.get("/api/v1/printers", token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        self.assertJsonContentType(r)
        self.assertIsInstance(r.data, list, repr(r))
        for p in r.data:
            if p.get("name") == "default":
                self.assertEqual(set(p), {"name", "location", "kiosks",
                                          "driver", "state", "detail"},
                                 repr(p))
                self.assertEqual(p["driver"], "cups", repr(p))
                self.assertIsInstance(p["detail"], str, repr(p))
                return p
        self.fail("no printer \"default\" in %r" % (r,))

    def wait_printer(self, d, state, timeout=STATE_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            p = self.printer(d)
            if p["state"] == state:
                return p
            if time.monotonic() > deadline:
                self.fail("printer state %r (%s) after %.0f s, want %r"
                          % (p["state"], p["detail"], timeout, state))
            time.sleep(POLL)

    def issue_and_print(self, d, service="A"):
        """Issues a ticket that must print; returns (ticket, the bytes of
        its CUPS job as the printer received them)."""
        conns = self.peer.connections()[0]
        t = self.issue_ok(d, service)
        self.wait_printed(d, t["id"], {"ok"})
        # A job is completed once the printer closed its connection.
        self.assertTrue(self.peer.wait_for(
            lambda p: p.connections() == (conns + 1, 0), 5.0),
            "one connection from CUPS per ticket, then closed: %r"
            % (self.peer.connections(),))
        return t, self.peer.raw()[-1]

    def assertTicketBytes(self, data, number):
        """One whole ticket: header, number, cut at the end."""
        self.assertTrue(data.startswith(HEADER),
                        "ticket starts with %r" % data[:16])
        self.assertIn(number.encode("ascii"), data)
        self.assertEqual(split_tickets(data), [data],
                         "one ticket ending with its cut: %r" % data[-8:])
        self.assertIn(GS_V, data[-4:])

    def assertNoJobLeft(self):
        self.assertEqual(self.cups.job_ids("not-completed"), [],
                         "CUPS still holds a job that it may print later")

    # -- tests ----------------------------------------------------------------

    def test_ticket_bytes_arrive_unchanged(self):
        d = self.start_cups_daemon()
        # The same ticket from a daemon that writes its bytes to a file.
        refdir = tempfile.mkdtemp(prefix="bonomat-ref-")
        self.addCleanup(shutil.rmtree, refdir, ignore_errors=True)
        refpath = os.path.join(refdir, "tickets.escpos")
        ref = self.start_daemon(printer="driver = file\npath = %s\n"
                                % refpath)
        self.assertEqual(self.wait_printer(d, "ok")["detail"], "ready")

        # Each ticket shows the time of day: tickets issued across a
        # minute's turn may differ in it, so try a few.
        for attempt in range(3):
            offset = os.path.getsize(refpath) if \
                os.path.exists(refpath) else 0
            t, data = self.issue_and_print(d, "A")
            rt = self.issue_ok(ref, "A")
            self.wait_printed(ref, rt["id"], {"ok"})
            self.assertEqual(rt["number"], t["number"])
            with open(refpath, "rb") as f:
                f.seek(offset)
                want = f.read()
            if data == want:
                break
            if attempt == 2 or re.sub(rb"\d", b"0", data) != \
                    re.sub(rb"\d", b"0", want):
                self.assertEqual(data, want, "the printer behind CUPS got "
                                 "other bytes than the daemon's ticket")
        self.assertTicketBytes(data, t["number"])
        self.assertIn(SERVICE_A_CP852, data)
        self.assertEqual(self.peer.queries(), [],
                         "CUPS sends the job only, no status queries")
        self.assertNoJobLeft()
        self.assertEqual(self.printer(d)["state"], "ok")

    def test_cupsd_stopped(self):
        d = self.start_cups_daemon()
        self.wait_printer(d, "ok")
        t1, data = self.issue_and_print(d)
        self.assertTicketBytes(data, t1["number"])

        self.cups.stop()
        # Issued before the daemon may have noticed: still 201, and the
        # ticket fails rather than waits for a server that is gone.
        t2 = self.issue_ok(d)
        self.assertIn(t2["printed"], {"pending", "failed"})
        self.wait_printed(d, t2["id"], {"failed"})
        p = self.wait_printer(d, "offline")
        self.assertTrue(p["detail"].strip(), repr(p))
        # Issued while the daemon knows: 201, failed.
        t3 = self.issue_ok(d)
        self.assertIn(t3["printed"], {"pending", "failed"})
        self.wait_printed(d, t3["id"], {"failed"})
        self.assertEqual(self.printer(d)["state"], "offline")

        # CUPS returns: the printer is back, and the failed tickets are
        # not printed by themselves.
        self.cups.start()
        self.wait_printer(d, "ok")
        self.assertFalse(self.peer.wait_connections(2, timeout=2.0),
                         "a failed ticket was printed by itself")
        t4, data = self.issue_and_print(d)
        self.assertTicketBytes(data, t4["number"])
        for t in (t2, t3):
            self.assertNotIn(t["number"].encode(), data)
            self.assertEqual(d.ticket(t["id"]).data["printed"], "failed")

        # A reprint on request prints it, once.
        r = d.post("/api/v1/tickets/%d/reprint" % t2["id"],
                   token=ADMIN_TOKEN)
        self.assertStatus(r, 202)
        self.wait_printed(d, t2["id"], {"ok"})
        self.assertTrue(self.peer.wait_for(
            lambda p: p.connections() == (3, 0), 5.0))
        self.assertTicketBytes(self.peer.raw()[-1], t2["number"])
        self.assertNoJobLeft()
        self.assertEqual(len(self.cups.job_ids()), 3)

    def test_printer_behind_cups_gone(self):
        """CUPS keeps a job for a printer it cannot reach "processing"
        and retries every few seconds: the daemon must cancel it, or the
        ticket would come out late, after the citizen left."""
        d = self.start_cups_daemon()
        self.wait_printer(d, "ok")
        self.peer.set_mode("down")
        t1 = self.issue_ok(d)
        self.wait_printed(d, t1["id"], {"failed"})
        self.assertNoJobLeft()
        self.assertEqual(len(self.cups.job_ids("completed")), 1,
                         "the job is kept as cancelled")

        # The printer returns. CUPS's socket backend would have connected
        # again within 5 s had the job still been there.
        self.peer.set_mode("ready")
        self.assertFalse(self.peer.wait_connections(1, timeout=7.0),
                         "the failed ticket was printed late, by itself")
        self.wait_printer(d, "ok")
        t2, data = self.issue_and_print(d)
        self.assertTicketBytes(data, t2["number"])
        self.assertNotIn(t1["number"].encode(), data)
        self.assertEqual(d.ticket(t1["id"]).data["printed"], "failed")
        self.assertEqual(self.peer.connections(), (1, 0))

    def test_unknown_queue(self):
        d = self.start_cups_daemon(queue="no-such-queue")
        p = self.wait_printer(d, "offline")
        self.assertTrue(p["detail"].strip(), repr(p))
        t = self.issue_ok(d)
        self.wait_printed(d, t["id"], {"failed"})
        self.assertEqual(self.cups.job_ids(), [])
        self.assertEqual(self.peer.connections(), (0, 0))


if __name__ == "__main__":
    main()
