#!/usr/bin/env python3
"""Text messages through a GSM modem (issue #12, parts 3, 4 and 6): the
real bonomatd with [sms] driver = gammu hands its messages to a real
gammu-smsd (sms_peers.GammuSmsd: Gammu's dummy phone, files backend)
through gammu-smsd-inject. The test reads the messages gammu-smsd sent
and asserts their numbers and texts: one when the turn nears (people
ahead), one when called, for a walk-in who gave a number at the kiosk
and for a booked citizen with the booking platform's number; the event
log records each message, numbers are never written whole outside the
day's phones table, and the day's end deletes them."""

import os
import re
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, COUNTER_TOKENS,  # noqa: E402
                     DaemonTestCase, clock_set, main)
from sms_peers import (GAMMU_INJECT, GammuSmsd, db_rows,  # noqa: E402
                       metric)

TOK2 = COUNTER_TOKENS["2"]  # counter 2 ("Ghișeul 2") serves A only
THURSDAY = "2026-12-03"     # open 08:30-18:30

NEAR_RE = re.compile(
    r"^Bonul A003: se apropie randul dumneavoastra \(1 persoana inainte"
    r"(, aproximativ \d+ (minut|minute|de minute))?\)\. Va rugam sa "
    r"reveniti in sala de asteptare\.$")


def at(hhmm, day=THURSDAY):
    return "%sT%s:00+02:00" % (day, hhmm)


def sms_section(rc, **keys):
    lines = {"driver": "gammu", "gammu_config": rc,
             "gammu_inject": GAMMU_INJECT, "notify_minutes": "0",
             "notify_ahead": "1", "retries": "0", "backoff": "1",
             "timeout": "10"}
    lines.update(keys)
    return "\n[sms]\n" + "".join("%s = %s\n" % kv for kv in lines.items())


class GammuTest(DaemonTestCase):

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="bonomat-gammu-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.smsd = GammuSmsd(self.tmp)
        self.addCleanup(self.smsd.stop)

    def start(self, **keys):
        return self.start_daemon(
            always_open=False, args=["--test-clock", at("09:00")],
            extra_sections=sms_section(self.smsd.rc, **keys))

    def issue(self, d):
        r = d.issue("A")
        self.assertStatus(r, 201)
        return r.data

    def phone(self, d, tid, phone, consent=True):
        return d.post("/api/v1/tickets/%d/phone" % tid,
                      {"phone": phone, "consent": consent})

    def next(self, d):
        r = d.counter("2", "next", token=TOK2)
        self.assertStatus(r, 200)
        return r.data

    def sms_events(self, d, types=("sms_requested", "sms_sent",
                                   "sms_failed")):
        marks = ",".join("?" * len(types))
        return db_rows(d, "SELECT e.type, t.number, e.detail FROM events e"
                       " JOIN tickets t ON t.id = e.ticket"
                       " WHERE e.type IN (%s) ORDER BY e.id" % marks,
                       *types)

    def wait_events(self, d, n, types, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ev = self.sms_events(d, types)
            if len(ev) >= n:
                return ev
            time.sleep(0.1)
        self.fail("%d of %d %s events: %r" % (len(self.sms_events(d, types)),
                                              n, types,
                                              self.sms_events(d)))

    def test_near_and_called_reach_the_modem(self):
        self.smsd.start()
        d = self.start()
        r = d.get("/api/v1/office")
        self.assertStatus(r, 200)
        self.assertIs(r.data["sms"], True)
        a1, a2, a3 = (self.issue(d) for _ in range(3))
        self.assertEqual([a1["number"], a2["number"], a3["number"]],
                         ["A001", "A002", "A003"])

        r = self.phone(d, a3["id"], "0722 123 456")
        self.assertStatus(r, 200)
        self.assertEqual(r.data["phone"], "07xx xxx 456")
        self.assertEqual(r.data["ticket"]["number"], "A003")
        self.assertEqual(r.data["ticket"]["ahead"], 2)
        # Two ahead: nothing yet.
        time.sleep(2.5)
        self.assertEqual(self.smsd.sent(), [])

        self.assertEqual(self.next(d)["number"], "A001")
        sent = self.smsd.wait_sent(1)
        self.assertEqual(sent[0][0], "0722123456")
        self.assertRegex(sent[0][1], NEAR_RE)
        self.assertEqual(self.next(d)["number"], "A002")
        self.smsd.next_second()
        self.assertEqual(self.next(d)["number"], "A003")
        sent = self.smsd.wait_sent(2)
        self.assertEqual(sent[1], ("0722123456",
                                   "A003, Ghiseul 2: este randul "
                                   "dumneavoastra."))

        # A booked citizen: the platform's number, nobody ahead.
        r = d.post("/api/v1/appointments", {"appointments": [{
            "code": "SMS00001", "service": "A", "start": at("09:30"),
            "end": at("09:45"), "phone": "+40 744 555 666",
            "status": "booked"}]}, token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        r = d.post("/api/v1/checkins", {"code": "SMS00001", "kiosk": "k1"})
        self.assertStatus(r, 201)
        p1 = r.data["ticket"] if "ticket" in r.data else r.data
        self.assertEqual(p1["number"], "P001")
        sent = self.smsd.wait_sent(3)
        self.assertEqual(sent[2], ("0744555666",
                                   "Bonul P001: urmeaza randul "
                                   "dumneavoastra. Va rugam sa reveniti in "
                                   "sala de asteptare."))
        self.smsd.next_second()
        self.assertEqual(self.next(d)["number"], "P001")
        sent = self.smsd.wait_sent(4)
        self.assertEqual(sent[3], ("0744555666",
                                   "P001, Ghiseul 2: este randul "
                                   "dumneavoastra."))
        time.sleep(1.5)
        self.assertEqual(len(self.smsd.sent()), 4)  # nothing twice

        # The event log: who gave the number (masked), each message sent.
        ev = self.wait_events(d, 4, ("sms_sent",))
        self.assertEqual(self.sms_events(d, ("sms_requested",)), [
            ("sms_requested", "A003", "kiosk: 07xx xxx 456"),
            ("sms_requested", "P001", "booking: 07xx xxx 666")])
        self.assertEqual(ev, [
            ("sms_sent", "A003", "near: gammu"),
            ("sms_sent", "A003", "called: gammu"),
            ("sms_sent", "P001", "near: gammu"),
            ("sms_sent", "P001", "called: gammu")])
        self.assertEqual(metric(d, "bonomat_sms_sent_total"), 4)
        self.assertEqual(metric(d, "bonomat_sms_failed_total"), 0)
        self.assertEqual(metric(d, "bonomat_sms_queued"), 0)

        # Never whole: not in the log, the events, nor any ticket's page.
        for whole in ("722123456", "744555666"):
            self.assertNotIn(whole, d.log())
            self.assertEqual(db_rows(d, "SELECT count(*) FROM events"
                                     " WHERE detail LIKE ?",
                                     "%" + whole + "%"), [(0,)])
            self.assertNotIn(whole.encode(),
                             d.get("/api/v1/tickets/%d" % a3["id"]).raw)
        self.assertEqual(db_rows(d, "SELECT count(*) FROM phones"), [(2,)])

        # The day's end deletes the numbers.
        clock_set(d, at("08:00", "2026-12-04"))
        self.assertStatus(d.get("/api/v1/tickets/%d" % a3["id"]), 200)
        self.assertEqual(db_rows(d, "SELECT count(*) FROM phones"), [(0,)])
        self.assertEqual(db_rows(d, "SELECT count(*) FROM appointments"
                                 " WHERE phone IS NOT NULL"), [(0,)])

    def test_refusals_change_nothing(self):
        d = self.start()
        a1 = self.issue(d)
        a2 = self.issue(d)
        cases = [
            ("0212345678", True, 400, "bad_request"),    # a landline
            ("0722 123 45", True, 400, "bad_request"),   # too short
            ("+49 722 123 456", True, 400, "bad_request"),
            ("0722123456", False, 400, "bad_request"),   # no consent
        ]
        for phone, consent, status, code in cases:
            with self.subTest(phone=phone, consent=consent):
                r = self.phone(d, a2["id"], phone, consent)
                self.assertError(r, status, code)
        r = d.post("/api/v1/tickets/%d/phone" % a2["id"],
                   {"phone": "0722123456"})
        self.assertError(r, 400, "bad_request")       # consent missing
        r = d.post("/api/v1/tickets/%d/phone" % a2["id"],
                   {"phone": "0722123456", "consent": "yes"})
        self.assertError(r, 400, "bad_request")
        r = self.phone(d, 99999, "0722123456")
        self.assertError(r, 404, "not_found")
        r = d.post("/api/v1/tickets/x1/phone",
                   {"phone": "0722123456", "consent": True})
        self.assertError(r, 404, "not_found")
        r = d.get("/api/v1/tickets/%d/phone" % a2["id"])
        self.assertError(r, 405, "method_not_allowed")
        self.assertEqual(self.next(d)["number"], "A001")
        r = self.phone(d, a1["id"], "0722123456")   # called already
        self.assertError(r, 409, "conflict")
        self.assertEqual(db_rows(d, "SELECT count(*) FROM phones"), [(0,)])
        self.assertEqual(self.sms_events(d), [])

    def test_injector_failure_is_recorded(self):
        """gammu-smsd-inject that cannot read its config: the message is
        given up on after its retries, with the injector's reason, and the
        office goes on."""
        d = self.start(gammu_config=os.path.join(self.tmp, "missing-rc"),
                       retries="1")
        a1 = self.issue(d)
        r = self.phone(d, a1["id"], "0722123456")
        self.assertStatus(r, 200)
        ev = self.wait_events(d, 1, ("sms_failed",), timeout=15)
        self.assertEqual(ev[0][:2], ("sms_failed", "A001"))
        self.assertRegex(ev[0][2], r"^near: gammu-smsd-inject exited with "
                         r"\d+: .+")
        self.assertEqual(metric(d, "bonomat_sms_failed_total"), 1)
        self.assertEqual(metric(d, "bonomat_sms_retries_total"), 1)
        self.assertIn("sms: the near message of ticket id %d failed"
                      % a1["id"], d.log())
        self.assertEqual(self.next(d)["number"], "A001")


if __name__ == "__main__":
    main()
