#!/usr/bin/env python3
"""Changes without a restart (DESIGN.md, "Reloading the configuration"):
SIGHUP and POST /api/v1/reload re-read the config file; a file with an
error changes nothing and is logged as FILE:LINE, a config that would
orphan a waiting ticket is refused, and otherwise services, counters,
tokens, closed dates and printers change at once while waiting tickets and
open calls are kept and the pages get a `config` event. The last test
reloads while requests run (the ci preset's ASan build is the judge)."""

import os
import re
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, COUNTER_TOKENS, DEFAULT_HOURS,  # noqa: E402
                     SUPERVISOR_TOKEN, DaemonTestCase, main, make_config)
from test_events import Stream  # noqa: E402

THURSDAY = "2026-12-03"


class Reload(DaemonTestCase):
    def write_config(self, d, text):
        with open(d.conf, "w", encoding="utf-8") as f:
            f.write(text)

    def config(self, d, **kw):
        return make_config(d.tmp, **kw)

    def wait_log(self, d, pattern, count=1, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.findall(pattern, d.log())
            if len(found) >= count:
                return found
            time.sleep(0.05)
        self.fail("no %d log line(s) matching %r within %.0f s\n%s"
                  % (count, pattern, timeout, d.log_tail()))

    def sighup(self, d, count):
        """Sends SIGHUP and waits for the reload's count-th outcome."""
        d.proc.send_signal(signal.SIGHUP)
        self.wait_log(d, r"(?m)(reloaded |reload refused: )", count)

    def reload(self, d, token=ADMIN_TOKEN):
        return d.post("/api/v1/reload", token=token)

    def stream(self, d):
        s = Stream(d.port)
        self.addCleanup(s.close)
        with s.cond:
            s.cond.wait_for(lambda: s.headers is not None or s.closed, 5)
        self.assertIsNotNone(s.headers, "no answer to GET /api/v1/events")
        return s

    def services(self, d):
        r = d.services()
        self.assertStatus(r, 200)
        return {s["id"]: s for s in r.data}

    def test_sighup_new_closed_date_closes_the_kiosk(self):
        d = self.start_daemon(always_open=False,
                              args=["--test-clock",
                                    THURSDAY + "T10:00:00+02:00"])
        s = self.stream(d)
        before = d.issue("A")
        self.assertStatus(before, 201)
        self.assertTrue(self.services(d)["A"]["open"])
        self.write_config(d, self.config(
            d, always_open=False,
            hours=DEFAULT_HOURS + "closed = 2026-12-25, %s\n" % THURSDAY))
        self.sighup(d, 1)
        self.assertIn("reloaded ", d.log())
        s.wait_for("config")
        a = self.services(d)["A"]
        self.assertEqual((a["open"], a["closed_reason"]), (False, "closed"),
                         a)
        e = self.assertError(d.issue("A"), 422, "closed")
        self.assertEqual(e.get("reason"), "closed", e)
        # The ticket issued before is kept, still waiting.
        t = d.ticket(before.data["id"])
        self.assertStatus(t, 200)
        self.assertEqual(t.data["state"], "waiting", t.data)

    def test_counter_services_changed_next_call_follows(self):
        d = self.start_daemon()
        b = d.issue("B")
        self.assertStatus(b, 201)
        a = d.issue("A")
        self.assertStatus(a, 201)
        # Counter 1 has a call open across the reload.
        c1 = d.counter("1", "next")
        self.assertStatus(c1, 200)
        self.assertEqual(c1.data["number"], b.data["number"])
        text = d.config_text.replace(
            "services = A\ntoken = %s" % COUNTER_TOKENS["2"],
            "services = B\ntoken = %s" % COUNTER_TOKENS["2"])
        self.assertNotEqual(text, d.config_text)
        self.write_config(d, text)
        r = self.reload(d)
        self.assertStatus(r, 200)
        self.assertEqual(r.data, {"status": "reloaded",
                                  "restart_required": []})
        c2 = d.counter("2", None)
        self.assertStatus(c2, 200)
        self.assertEqual(c2.data["services"], ["B"], c2.data)
        # Its next call follows the new services: nothing of B waits,
        # so A's ticket is not called there.
        self.assertStatus(d.counter("2", "next"), 204)
        b2 = d.issue("B")
        self.assertStatus(b2, 201)
        r = d.counter("2", "next")
        self.assertStatus(r, 200)
        self.assertEqual(r.data["number"], b2.data["number"])
        # The call open before the reload is still counter 1's.
        r = d.counter("1", None)
        self.assertStatus(r, 200)
        self.assertEqual(r.data["current"]["number"], b.data["number"])
        self.assertStatus(d.counter("1", "done", {"outcome": "served"}), 200)

    def test_broken_file_rejected_daemon_keeps_serving(self):
        d = self.start_daemon()
        good = d.config_text
        broken = good.replace("max_wait = 45", "max_wait = soon")
        self.assertNotEqual(broken, good)
        line = broken.splitlines().index("max_wait = soon") + 1
        self.write_config(d, broken)
        self.sighup(d, 1)
        where = "%s:%d: " % (d.conf, line)
        self.assertRegex(d.log(), r"reload refused: %s" % re.escape(where))
        r = self.reload(d)
        e = self.assertError(r, 422, "invalid_config")
        self.assertIn(where, e["message"])
        # Still serving with the old config.
        self.assertStatus(d.issue("A"), 201)
        self.assertEqual(set(self.services(d)), {"A", "B", "SC"})
        self.assertStatus(d.counter("1", "next"), 200)
        self.assertTrue(d.running())
        # A file that does not parse at all, or is gone, is refused too.
        self.write_config(d, "[office\n")
        e = self.assertError(self.reload(d), 422, "invalid_config")
        self.assertIn("%s:1: " % d.conf, e["message"])
        os.unlink(d.conf)
        e = self.assertError(self.reload(d), 422, "invalid_config")
        self.assertIn(d.conf, e["message"])
        self.write_config(d, good)
        self.assertStatus(self.reload(d), 200)

    def test_tokens_changed(self):
        d = self.start_daemon()
        text = d.config_text.replace(
            "token = %s" % COUNTER_TOKENS["1"], "token = new-counter-1")
        text = text.replace("admin_token = %s" % ADMIN_TOKEN,
                            "admin_token = new-admin-token")
        self.write_config(d, text)
        self.assertStatus(self.reload(d), 200)
        self.assertError(d.counter("1", None), 401)
        self.assertStatus(d.counter("1", None, token="new-counter-1"), 200)
        self.assertStatus(d.counter("2", None), 200)
        self.assertError(self.reload(d), 401)
        self.assertError(d.get("/api/v1/printers", token=ADMIN_TOKEN), 401)
        self.assertStatus(d.get("/api/v1/printers",
                                token="new-admin-token"), 200)
        self.assertStatus(self.reload(d, token="new-admin-token"), 200)

    def test_floor_state_survives_and_supervisors_change(self):
        """The floor's changes of the day (a counter's services, a pause
        and since when) are kept across a reload, whatever the file says
        of that counter; a supervisor's token changes like the others."""
        d = self.start_daemon()
        r = d.post("/api/v1/counters/2/services", {"services": ["B"]},
                   token=SUPERVISOR_TOKEN)
        self.assertStatus(r, 200)
        self.assertStatus(d.counter("3", "pause"), 200)
        before = {c["id"]: c for c in d.get(
            "/api/v1/supervisor", token=SUPERVISOR_TOKEN).data["counters"]}
        self.assertTrue(before["3"]["paused"])
        text = d.config_text.replace("token = %s" % SUPERVISOR_TOKEN,
                                     "token = new-supervisor-token")
        self.assertNotEqual(text, d.config_text)
        self.write_config(d, text)
        self.assertStatus(self.reload(d), 200)
        self.assertError(d.get("/api/v1/supervisor",
                               token=SUPERVISOR_TOKEN), 401)
        r = d.get("/api/v1/supervisor", token="new-supervisor-token")
        self.assertStatus(r, 200)
        after = {c["id"]: c for c in r.data["counters"]}
        self.assertEqual(after["2"]["services"], ["B"])
        self.assertTrue(after["3"]["paused"])
        self.assertEqual(after["3"]["paused_since"],
                         before["3"]["paused_since"])
        b = d.issue("B")
        self.assertStatus(b, 201)
        self.assertEqual(d.counter("2", "next").data["id"], b.data["id"])

    def test_reload_is_admin_only(self):
        d = self.start_daemon()
        self.assertError(d.post("/api/v1/reload"), 401)
        self.assertError(self.reload(d, token="not-a-token"), 401)
        self.assertError(self.reload(d, token=COUNTER_TOKENS["1"]), 403)
        self.assertError(d.get("/api/v1/reload", token=ADMIN_TOKEN), 405)

    def test_removed_service_with_waiting_ticket_refused(self):
        d = self.start_daemon()
        b = d.issue("B")
        self.assertStatus(b, 201)
        text = d.config_text
        text = re.sub(r"\[service\.B\]\n(.+\n)+?\n", "", text)
        text = text.replace("services = A, B", "services = A")
        text = text.replace("services = B", "services = A")
        self.assertNotIn("[service.B]", text)
        self.write_config(d, text)
        e = self.assertError(self.reload(d), 409, "conflict")
        self.assertIn(b.data["number"], e["message"])
        self.assertIn("B", e["message"])
        self.assertIn("reload refused", d.log())
        self.assertIn("B", self.services(d))
        # Served, the ticket no longer holds the service: the reload goes.
        self.assertStatus(d.counter("3", "next"), 200)
        self.assertStatus(d.counter("3", "done", {"outcome": "served"}), 200)
        self.assertStatus(self.reload(d), 200)
        self.assertNotIn("B", self.services(d))
        self.assertError(d.issue("B"), 404)

    def test_restart_only_keys_keep_running_value(self):
        d = self.start_daemon()
        text = d.config_text.replace("listen = 127.0.0.1:0",
                                     "listen = 127.0.0.1:1")
        text = text.replace("database = ", "database = %s/other" % d.tmp, 1)
        text = text.replace("name = Primăria Sectorului 1",
                            "name = Primăria Sectorului 2")
        self.write_config(d, text)
        r = self.reload(d)
        self.assertStatus(r, 200)
        self.assertEqual(sorted(r.data["restart_required"]),
                         ["[server] listen", "[storage] database"])
        self.assertIn("[storage] database changed; it needs a restart",
                      d.log())
        office = d.get("/api/v1/office")
        self.assertTrue(office.data["name"].startswith(
            "Primăria Sectorului 2"), office.data)
        self.assertStatus(d.issue("A"), 201)
        self.assertFalse(os.path.exists(os.path.join(d.tmp, "other")))

    def test_printer_added_prints_the_next_ticket(self):
        d = self.start_daemon()
        s = self.stream(d)
        out = os.path.join(d.tmp, "printer.out")
        open(out, "wb").close()
        text = d.config_text.replace(
            "[printer.default]\ndriver = none\n",
            "[printer.default]\ndriver = file\npath = %s\n" % out)
        self.assertNotEqual(text, d.config_text)
        self.write_config(d, text)
        self.sighup(d, 1)
        self.assertIn("reloaded ", d.log())
        # The new pool's first state reaches the pages, whether it came
        # before the reload was in force or after.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not [
                e for e in s.events if e["event"] == "printer"
                and e["json"]["driver"] == "file"]:
            time.sleep(0.05)
        ev = [e["json"] for e in s.events if e["event"] == "printer"
              and e["json"]["driver"] == "file"]
        self.assertTrue(ev, s.events)
        self.assertEqual(ev[0]["state"], "ok", ev)
        self.assertEqual(d.log().count("printer default (file): ok"), 1)
        t = d.issue("A")
        self.assertStatus(t, 201)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and os.path.getsize(out) == 0:
            time.sleep(0.05)
        with open(out, "rb") as f:
            data = f.read()
        self.assertIn(t.data["number"].encode(), data)
        r = d.get("/api/v1/printers", token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        self.assertEqual(r.data[0]["driver"], "file", r.data)

    def test_reload_while_requests_run(self):
        """Readers and writers of every kind against 30 reloads between
        two configs that rename, reorder and re-assign; every answer is a
        success and the daemon stops cleanly (with ASan in the ci
        preset, a read of a freed config aborts it)."""
        d = self.start_daemon()
        out = os.path.join(d.tmp, "printer.out")
        one = d.config_text
        two = one.replace("services = A\ntoken = %s" % COUNTER_TOKENS["2"],
                          "services = A, B\ntoken = %s"
                          % COUNTER_TOKENS["2"])
        two = two.replace("name = Registratură", "name = Registratura nouă")
        two = two.replace("[printer.default]\ndriver = none\n",
                          "[printer.default]\ndriver = file\npath = %s\n"
                          % out)
        # Reordered services: indexes differ, ids do not.
        blk_a = re.search(r"\[service\.A\]\n(.+\n)+?\n", two).group(0)
        two = two.replace(blk_a, "") + "\n" + blk_a
        stop = threading.Event()
        bad = []

        def hammer(fn):
            while not stop.is_set():
                try:
                    r = fn()
                except OSError as e:
                    bad.append(repr(e))
                    return
                if r.status >= 300:
                    bad.append(repr(r))
                    return

        def next_done():
            r = d.counter("1", "next")
            if r.status == 200:
                return d.counter("1", "done", {"outcome": "served"})
            return r

        jobs = [lambda: d.issue("A"), lambda: d.issue("B"), d.services,
                lambda: d.counter("2", None), next_done,
                lambda: d.get("/metrics"),
                lambda: d.get("/api/v1/stats", token=ADMIN_TOKEN),
                lambda: d.get("/api/v1/display"),
                lambda: d.get("/api/v1/supervisor", token=SUPERVISOR_TOKEN)]
        s = self.stream(d)
        threads = [threading.Thread(target=hammer, args=(j,)) for j in jobs]
        for t in threads:
            t.start()
        try:
            for i in range(30):
                self.write_config(d, two if i % 2 == 0 else one)
                if i % 3 == 0:
                    self.sighup(d, i // 3 + 1)
                else:
                    r = self.reload(d)
                    if r.status != 200:
                        bad.append("reload %d: %r" % (i, r))
                time.sleep(0.05)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        self.assertEqual(bad, [])
        self.assertEqual(d.log().count("reload refused"), 0, d.log_tail())
        s.wait_for("config", 30, timeout=10)
        d.stop()


if __name__ == "__main__":
    main()
