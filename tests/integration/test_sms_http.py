#!/usr/bin/env python3
"""Text messages through a provider's HTTP API (issue #12, parts 4 and
6): the real bonomatd with [sms] driver = http against sms_peers.Gateway,
a provider played by the test that answers each request as scripted:
success, 500, no answer (timeout) or a slow one. Asserts the requests
(body, credentials), the retries with backoff, each message's outcome in
the event log and /metrics, and that a gateway that hangs never delays
issuing a ticket or calling one."""

import os
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, COUNTER_TOKENS,  # noqa: E402
                     DaemonTestCase, main)
from sms_peers import Gateway, basic_auth, db_rows, metric  # noqa: E402

TOK2 = COUNTER_TOKENS["2"]  # counter 2 ("Ghișeul 2") serves A only
USER, PASSWORD = "primaria-s1", "parola secreta"


class HttpGatewayTest(DaemonTestCase):

    def start(self, gw, **keys):
        lines = {"driver": "http", "url": gw.url("/api/send?x=1"),
                 "user": USER, "password": PASSWORD,
                 "notify_minutes": "0", "notify_ahead": "5",
                 "retries": "2", "backoff": "1", "timeout": "5"}
        lines.update(keys)
        sms = "\n[sms]\n" + "".join("%s = %s\n" % kv
                                     for kv in lines.items())
        return self.start_daemon(extra_sections=sms)

    def gateway(self, slow_s=2.0):
        gw = Gateway(slow_s=slow_s).start()
        self.addCleanup(gw.stop)
        return gw

    def issue(self, d):
        r = d.issue("A")
        self.assertStatus(r, 201)
        return r.data

    def phone(self, d, tid, phone="0722123456"):
        r = d.post("/api/v1/tickets/%d/phone" % tid,
                   {"phone": phone, "consent": True})
        self.assertStatus(r, 200)
        return r.data

    def events(self, d, n, types=("sms_sent", "sms_failed"), timeout=15.0):
        marks = ",".join("?" * len(types))
        sql = ("SELECT e.type, t.number, e.detail FROM events e JOIN"
               " tickets t ON t.id = e.ticket WHERE e.type IN (%s)"
               " ORDER BY e.id" % marks)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = db_rows(d, sql, *types)
            if len(rows) >= n:
                return rows
            time.sleep(0.05)
        self.fail("%d of %d events: %r" % (len(rows), n, rows))

    def test_success(self):
        gw = self.gateway()
        d = self.start(gw)
        a1 = self.issue(d)
        self.phone(d, a1["id"], "+40 722 123 456")
        req = gw.wait_requests(1)[0]
        self.assertEqual(req["path"], "/api/send?x=1")
        self.assertEqual(req["content_type"], "application/json")
        self.assertEqual(req["authorization"], basic_auth(USER, PASSWORD))
        self.assertEqual(gw.requests_json()[0]["json"], {
            "to": "+40722123456",
            "text": "Bonul A001: urmeaza randul dumneavoastra. Va rugam "
                    "sa reveniti in sala de asteptare."})
        r = d.counter("2", "next", token=TOK2)
        self.assertStatus(r, 200)
        gw.wait_requests(2)
        self.assertEqual(gw.requests_json()[1]["json"]["text"],
                         "A001, Ghiseul 2: este randul dumneavoastra.")
        self.assertEqual(self.events(d, 2), [
            ("sms_sent", "A001", "near: http"),
            ("sms_sent", "A001", "called: http")])
        self.assertEqual(metric(d, "bonomat_sms_sent_total"), 2)
        self.assertEqual(metric(d, "bonomat_sms_retries_total"), 0)

    def test_form_body(self):
        gw = self.gateway()
        d = self.start(gw, body="to={to}&text={text}&from=Primaria",
                       content_type="application/x-www-form-urlencoded")
        self.phone(d, self.issue(d)["id"])
        req = gw.wait_requests(1)[0]
        self.assertEqual(req["content_type"],
                         "application/x-www-form-urlencoded")
        self.assertEqual(urllib.parse.parse_qs(req["body"].decode()), {
            "to": ["0722123456"], "from": ["Primaria"],
            "text": ["Bonul A001: urmeaza randul dumneavoastra. Va rugam "
                     "sa reveniti in sala de asteptare."]})

    def test_500_is_retried_with_backoff(self):
        gw = self.gateway()
        gw.script = ["500", "500", "ok"]
        d = self.start(gw)
        self.phone(d, self.issue(d)["id"])
        reqs = gw.wait_requests(3, timeout=10)
        self.assertEqual([r["how"] for r in reqs], ["500", "500", "ok"])
        gaps = [reqs[1]["at"] - reqs[0]["at"], reqs[2]["at"] - reqs[1]["at"]]
        self.assertGreaterEqual(gaps[0], 0.95)
        self.assertLess(gaps[0], 1.9)
        self.assertGreaterEqual(gaps[1], 1.95)  # doubled
        self.assertLess(gaps[1], 2.9)
        self.assertEqual(self.events(d, 1), [("sms_sent", "A001",
                                              "near: http")])
        self.assertEqual(metric(d, "bonomat_sms_retries_total"), 2)
        self.assertEqual(metric(d, "bonomat_sms_failed_total"), 0)

    def test_500_until_given_up(self):
        gw = self.gateway()
        gw.script = ["500"] * 10
        d = self.start(gw, retries="1")
        self.phone(d, self.issue(d)["id"])
        ev = self.events(d, 1)
        self.assertEqual(ev, [("sms_failed", "A001",
                               'near: HTTP 500: {"error": "internal"}')])
        time.sleep(1.5)
        self.assertEqual(len(gw.requests), 2)  # the first and one retry
        self.assertEqual(metric(d, "bonomat_sms_failed_total"), 1)
        self.assertIn("sms: the near message of ticket id 1 failed: "
                      "HTTP 500", d.log())

    def test_timeout(self):
        gw = self.gateway()
        gw.script = ["hang"] * 10
        d = self.start(gw, timeout="1", retries="1")
        t0 = time.monotonic()
        self.phone(d, self.issue(d)["id"])
        ev = self.events(d, 1)
        took = time.monotonic() - t0
        self.assertEqual(ev[0][:2], ("sms_failed", "A001"))
        self.assertRegex(ev[0][2], r"^near: Timeout was reached")
        # Two attempts of 1 s and a backoff of 1 s.
        self.assertGreaterEqual(took, 2.9)
        self.assertLess(took, 8)
        self.assertEqual(len(gw.requests), 2)

    def test_slow_gateway(self):
        gw = self.gateway(slow_s=2.0)
        gw.script = ["slow"]
        d = self.start(gw)
        t0 = time.monotonic()
        self.phone(d, self.issue(d)["id"])
        ev = self.events(d, 1)
        self.assertEqual(ev, [("sms_sent", "A001", "near: http")])
        self.assertGreaterEqual(time.monotonic() - t0, 1.9)
        self.assertEqual(len(gw.requests), 1)

    def test_hanging_gateway_never_delays_the_office(self):
        """While the gateway holds every request (and the worker waits on
        it), tickets are issued and called as fast as without SMS, and the
        queue of messages is bounded."""
        gw = self.gateway()
        gw.script = ["hang"] * 50
        d = self.start(gw, timeout="30", retries="0", queue_size="4")
        ids = [self.issue(d)["id"] for _ in range(6)]
        for tid in ids:
            self.phone(d, tid)
        gw.wait_requests(1)  # the worker now hangs on the gateway
        slowest = 0.0
        for _ in range(10):
            t0 = time.monotonic()
            self.issue(d)
            slowest = max(slowest, time.monotonic() - t0)
        for _ in range(5):
            t0 = time.monotonic()
            r = d.counter("2", "next", token=TOK2)
            self.assertStatus(r, 200)
            slowest = max(slowest, time.monotonic() - t0)
        self.assertLess(slowest, 0.5)
        self.assertEqual(len(gw.requests), 1)  # still the first
        # Six near and five called messages against a queue of 4: the
        # excess is dropped, counted and recorded as failed.
        self.assertEqual(metric(d, "bonomat_sms_queued"), 4)
        dropped = metric(d, "bonomat_sms_dropped_total")
        self.assertEqual(dropped, 6 + 5 - 4)
        rows = db_rows(d, "SELECT detail FROM events WHERE type ="
                       " 'sms_failed'")
        self.assertEqual(len(rows), dropped)
        self.assertTrue(all(r[0].endswith(": the queue of text messages "
                                          "is full") for r in rows), rows)

    def test_reload_keeps_the_gateway(self):
        """A reload keeps the gateway the daemon started with (the worker
        holds its own copy of the settings, which the ci preset's ASan
        would see read after the old config is freed) and takes the new
        notify_ahead at once."""
        gw = self.gateway()
        other = self.gateway()
        d = self.start(gw, notify_ahead="0", notify_minutes="0")
        self.issue(d)
        self.issue(d)
        a3 = self.issue(d)
        with open(d.conf, encoding="utf-8") as f:
            text = f.read()
        text = text.replace("url = " + gw.url("/api/send?x=1"),
                            "url = " + other.url("/other"))
        text = text.replace("notify_ahead = 0", "notify_ahead = 5")
        with open(d.conf, "w", encoding="utf-8") as f:
            f.write(text)
        r = d.post("/api/v1/reload", token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        self.assertEqual(r.data["restart_required"], ["[sms] url"])
        self.assertIn("[sms] url", d.log())
        # Two ahead, notify_ahead now 5: the text goes at once, to the
        # gateway the daemon started with.
        self.phone(d, a3["id"])
        req = gw.wait_requests(1)[0]
        self.assertEqual(req["path"], "/api/send?x=1")
        self.assertEqual(other.requests, [])
        self.assertRegex(gw.requests_json()[0]["json"]["text"],
                         r"^Bonul A003: se apropie randul dumneavoastra "
                         r"\(2 persoane inainte")
        self.assertEqual(self.events(d, 1), [("sms_sent", "A003",
                                              "near: http")])

    def test_driver_none(self):
        d = self.start_daemon()
        r = d.get("/api/v1/office")
        self.assertStatus(r, 200)
        self.assertIs(r.data["sms"], False)
        a1 = self.issue(d)
        r = d.post("/api/v1/tickets/%d/phone" % a1["id"],
                   {"phone": "0722123456", "consent": True})
        self.assertError(r, 422, "unprocessable")
        self.assertEqual(db_rows(d, "SELECT count(*) FROM phones"), [(0,)])
        self.assertEqual(metric(d, "bonomat_sms_sent_total"), 0)


if __name__ == "__main__":
    main()
