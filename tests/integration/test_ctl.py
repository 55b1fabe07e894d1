#!/usr/bin/env python3
"""bonomatctl's daily commands (issue 14) against the real daemon: status,
tickets, reprint, counter pause|resume, stats, reload, check-config and
backup (an online copy taken while tickets are issued, restored, and the
daemon started on it with every ticket there). Tables on the terminal,
--json for scripts; exit status 0 done, 1 failed or refused, 2 usage or an
invalid config (bonomatctl(1)).

Environment: BONOMATCTL and BONOMATD (ctest sets them), as
tests/integration/bonomat.py."""

import csv
import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, Daemon, DaemonTestCase, main,  # noqa: E402
                     office_today)
from test_import import find_ctl, free_port  # noqa: E402

FILE_PRINTER = "driver = file\npath = tickets.escpos"


class CtlCase(DaemonTestCase):
    def setUp(self):
        super().setUp()
        self.ctl = find_ctl()
        self.dir = tempfile.mkdtemp(prefix="bonomat-ctl-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.d = self.start_daemon(printer=FILE_PRINTER)

    def run_ctl(self, *args, token=ADMIN_TOKEN, url=True, config=True,
                env=None):
        e = dict(os.environ)
        e.pop("BONOMAT_ADMIN_TOKEN", None)
        e.pop("BONOMAT_URL", None)
        e.pop("BONOMAT_CONFIG", None)
        if token is not None:
            e["BONOMAT_ADMIN_TOKEN"] = token
        e.update(env or {})
        argv = [self.ctl] + list(args)
        if url:
            argv += ["--url", "http://127.0.0.1:%d" % self.d.port]
        if config:
            argv += ["--config", self.d.conf]
        return subprocess.run(argv, capture_output=True, text=True, env=e,
                              timeout=60)

    def ok(self, *args, **kw):
        p = self.run_ctl(*args, **kw)
        self.assertEqual(p.returncode, 0, "bonomatctl %s: %s%s"
                         % (" ".join(args), p.stdout, p.stderr))
        return p

    def json_of(self, *args, **kw):
        return json.loads(self.ok(*args, "--json", **kw).stdout)

    def issue(self, n, service="A"):
        return [self.issue_ok(self.d, service) for _ in range(n)]


class ConfigCommands(CtlCase):
    def test_check_config_is_bonomatd_check(self):
        p = self.run_ctl("check-config", self.d.conf, url=False, config=False)
        self.assertEqual((p.returncode, p.stdout), (0, self.d.conf + ": ok\n"))
        bad = os.path.join(self.dir, "bad.conf")
        with open(bad, "w", encoding="utf-8") as f:
            f.write(self.d.config_text.replace("max_wait = 45",
                                               "max_wait = 0"))
        p = self.run_ctl("check-config", bad, url=False, config=False)
        d = subprocess.run([self.d.binary, "-c", bad, "--check"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(d.returncode, 2)
        self.assertRegex(p.stderr, r"^%s:\d+: \[policy\] max_wait"
                         % bad.replace(".", r"\."))
        self.assertEqual(p.stderr, d.stderr)
        p = self.run_ctl("check-config", os.path.join(self.dir, "none"),
                         url=False, config=False)
        self.assertEqual(p.returncode, 2)

    def test_check_config_warns_of_old_ticket_url(self):
        old = os.path.join(self.dir, "old.conf")
        with open(old, "w", encoding="utf-8") as f:
            f.write(self.d.config_text.replace(
                "[office]\n", "[office]\nticket_url = https://x.ro/{id}\n",
                1))
        p = self.run_ctl("check-config", old, url=False, config=False)
        d = subprocess.run([self.d.binary, "-c", old, "--check"],
                           capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stdout), (0, old + ": ok\n"))
        self.assertEqual(d.returncode, 0)
        self.assertRegex(p.stderr, r"^%s:\d+: warning: \[office\] ticket_url"
                         r" = 'https://x\.ro/\{id\}': .*\{token\}\n$"
                         % old.replace(".", r"\."))
        self.assertEqual(p.stderr, d.stderr)

    def test_reload_asks_the_daemon(self):
        text = self.d.config_text.replace("services = A\ntoken = tok-counter-2",
                                          "services = B\ntoken = tok-counter-2")
        self.assertNotEqual(text, self.d.config_text)
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(text)
        p = self.ok("reload")
        self.assertEqual(p.stdout, self.d.conf + ": reloaded\n")
        self.assertIn("reloaded " + self.d.conf, self.d.log())
        r = self.d.counter("2", None)
        self.assertStatus(r, 200)
        self.assertEqual(r.data["services"], ["B"])
        self.assertEqual(self.json_of("reload"),
                         {"status": "reloaded", "restart_required": []})
        self.assertTrue(self.d.running(), "reload must not stop bonomatd")
        # A restart-only key is named.
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(text.replace("listen = 127.0.0.1:0",
                                 "listen = 127.0.0.1:1"))
        p = self.ok("reload")
        self.assertIn("[server] listen changed: it keeps its running value",
                      p.stdout)
        # The running admin token authenticates; a wrong one is refused.
        p = self.run_ctl("reload", token="wrong-token-here")
        self.assertEqual(p.returncode, 1)
        self.assertIn("HTTP 401", p.stderr)

    def test_reload_refused_file_is_reported(self):
        bad = os.path.join(self.dir, "bad.conf")
        with open(bad, "w", encoding="utf-8") as f:
            f.write("[bogus]\n")
        # Checked here first: nothing is sent.
        p = self.run_ctl("reload", "--config", bad, config=False)
        self.assertEqual(p.returncode, 2)
        self.assertRegex(p.stderr, r":1: unknown section \[bogus\]")
        self.assertNotIn("reloading", self.d.log())
        # The daemon's own file broken behind a valid one given here: the
        # daemon refuses, says where, and keeps serving.
        good = os.path.join(self.dir, "good.conf")
        shutil.copy(self.d.conf, good)
        with open(self.d.conf, "a", encoding="utf-8") as f:
            f.write("[bogus]\n")
        p = self.run_ctl("reload", "--config", good, config=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("HTTP 422 invalid_config", p.stderr)
        self.assertIn(self.d.conf + ":", p.stderr)
        self.assertIn("unknown section [bogus]", p.stderr)
        self.assertStatus(self.d.get("/healthz"), 200)
        self.assertTrue(self.d.running())


class Token(CtlCase):
    def test_token_sources(self):
        p = self.run_ctl("status", token=None)
        self.assertEqual(p.returncode, 2)
        self.assertIn("BONOMAT_ADMIN_TOKEN", p.stderr)
        p = self.run_ctl("status", token="wrong-token-here")
        self.assertEqual(p.returncode, 1)
        self.assertIn("HTTP 401", p.stderr)
        tf = os.path.join(self.dir, "token")
        with open(tf, "w") as f:
            f.write(ADMIN_TOKEN + "\n")
        os.chmod(tf, 0o640)
        p = self.run_ctl("status", "--token-file", tf, token=None)
        self.assertEqual(p.returncode, 2)
        self.assertIn("chmod 600", p.stderr)
        os.chmod(tf, 0o600)
        self.ok("status", "--token-file", tf, token=None)

    def test_daemon_gone_is_failure(self):
        p = subprocess.run(
            [self.ctl, "stats", "--url", "http://127.0.0.1:%d" % free_port()],
            capture_output=True, text=True,
            env=dict(os.environ, BONOMAT_ADMIN_TOKEN=ADMIN_TOKEN))
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("GET", p.stderr)

    def test_usage(self):
        for args in (["status", "--csv"], ["counter", "pause"],
                     ["counter", "stop", "1"], ["tickets", "--state", "x"],
                     ["stats", "--from", "2026-02-30"],
                     ["stats", "--json", "--csv"], ["nosuch"]):
            p = self.run_ctl(*args)
            self.assertEqual(p.returncode, 2, "%s: %s" % (args, p.stderr))


class Daily(CtlCase):
    def test_status(self):
        self.issue(2, "A")
        self.d.counter("1", "next")
        j = self.json_of("status")
        self.assertEqual([s["id"] for s in j["services"]], ["A", "B", "SC"])
        self.assertEqual([c["id"] for c in j["counters"]], ["1", "2", "3"])
        self.assertEqual(j["counters"][0]["current"]["number"], "A001")
        self.assertEqual([p["name"] for p in j["printers"]], ["default"])
        text = self.ok("status").stdout
        lines = text.splitlines()
        self.assertRegex(lines[0], r"^SERVICE +NAME +OPEN +WAITING +EST_MIN$")
        self.assertRegex(text, r"\nA +Taxe și impozite locale +yes +1 ")
        self.assertRegex(text, r"\n1 +Ghișeul 1 +open +A001 +1\n")
        self.assertRegex(text, r"\ndefault +file +\w+")
        self.assertNotIn("Acte de stare", text)  # info tiles issue nothing

    def test_tickets_and_reprint(self):
        issued = self.issue(3, "A") + self.issue(1, "B")
        self.assertStatus(self.d.counter("2", "next"), 200)  # A001 called
        j = self.json_of("tickets")
        self.assertEqual([t["number"] for t in j],
                         ["A001", "A002", "A003", "B001"])
        self.assertEqual([t["id"] for t in j], [t["id"] for t in issued])
        self.assertEqual([t["state"] for t in j],
                         ["called", "waiting", "waiting", "waiting"])
        j = self.json_of("tickets", "--state", "waiting")
        self.assertEqual([t["number"] for t in j], ["A002", "A003", "B001"])
        j = self.json_of("tickets", "--state", "called")
        self.assertEqual([(t["number"], t["counter"]) for t in j],
                         [("A001", "2")])
        text = self.ok("tickets").stdout.splitlines()
        self.assertRegex(text[0], r"^NUMBER +ID +SERVICE +KIND +STATE")
        self.assertRegex(text[1], r"^A001 +%d +A +walk_in +called +\d\d:\d\d"
                         " +2 " % issued[0]["id"])
        # Every state of the day, through GET /api/v1/tickets.
        self.assertStatus(self.d.counter("2", "done",
                                         {"outcome": "served"}), 200)
        j = self.json_of("tickets", "--state", "served")
        self.assertEqual([(t["number"], t["state"]) for t in j],
                         [("A001", "served")])
        self.assertEqual(self.json_of("tickets", "--state", "no_show"), [])

        p = self.ok("reprint", "A002")
        self.assertEqual(p.stdout, "A002 (id %d): reprint queued\n"
                         % issued[1]["id"])
        j = self.json_of("reprint", str(issued[3]["id"]))
        self.assertEqual((j["number"], j["printed"]), ("B001", "pending"))
        # A served ticket is found by its number too, in any case.
        p = self.ok("reprint", "a001")
        self.assertEqual(p.stdout, "A001 (id %d): reprint queued\n"
                         % issued[0]["id"])
        p = self.run_ctl("reprint", "A099")
        self.assertEqual(p.returncode, 1)
        self.assertIn("A099", p.stderr)
        p = self.run_ctl("reprint", "999999")
        self.assertEqual(p.returncode, 1)
        self.assertIn("HTTP 404 not_found", p.stderr)

    def test_counter_pause_resume(self):
        p = self.ok("counter", "pause", "2")
        self.assertEqual(p.stdout, "counter 2 (Ghișeul 2): paused\n")
        self.assertTrue(self.d.counter("2", None).data["paused"])
        self.assertError(self.d.counter("2", "next"), 409, "conflict")
        j = self.json_of("counter", "resume", "2")
        self.assertFalse(j["paused"])
        self.assertFalse(self.d.counter("2", None).data["paused"])
        p = self.run_ctl("counter", "pause", "9")
        self.assertEqual(p.returncode, 2)
        self.assertIn("[counter.9]", p.stderr)

    def test_stats(self):
        self.issue(2, "A")
        self.d.counter("1", "next")
        self.d.counter("1", "done", {"outcome": "served"})
        j = self.json_of("stats", config=False)
        self.assertEqual(len(j), 1)
        self.assertEqual(j[0]["date"], office_today())
        self.assertEqual(j[0]["totals"]["issued"], 2)
        self.assertEqual(j[0]["totals"]["served"], 1)
        yesterday, today = office_today(-1), office_today()
        # A period is one request: GET /api/v1/stats?from=&to=.
        j = self.json_of("stats", "--from", yesterday, "--to", today)
        self.assertEqual((j["from"], j["to"], j["n_days"]),
                         (yesterday, today, 2))
        self.assertEqual([d["date"] for d in j["days"]], [yesterday, today])
        self.assertEqual(j["days"][0]["totals"]["issued"], 0)
        self.assertEqual(j["totals"]["issued"], 2)
        text = self.ok("stats", "--csv", "--from", yesterday, "--to",
                       today).stdout
        rows = list(csv.reader(io.StringIO(text)))
        self.assertEqual(rows[0][:3], ["date", "service", "kind"])
        self.assertEqual(sum(r[0] == "date" for r in rows), 1,
                         "one header for both days")
        period = "%s/%s" % (yesterday, today)
        self.assertEqual({r[0] for r in rows[1:]}, {yesterday, today, period})
        for day in (today, period):
            a = [r for r in rows if r[0] == day and r[1] == "A"
                 and r[2] == "walk_in"]
            self.assertEqual((a[0][3], a[0][4]), ("2", "1"), day)
        text = self.ok("stats").stdout
        self.assertRegex(text.splitlines()[0],
                         r"^DATE +SERVICE +KIND +ISSUED +SERVED +NO_SHOW"
                         r" +RETURNED +EXPIRED +WAITING +CALLED +WAIT_MEAN_S$")
        self.assertRegex(text, r"\n%s +all +all +2 +1 +0 +0 +0 +1 +0"
                         % today)
        self.assertRegex(text, r"\n%s +A +walk_in +2 +1 " % today)
        text = self.ok("stats", "--from", yesterday, "--to", today).stdout
        self.assertRegex(text, r"\n%s +all +all +0 +0 " % yesterday)
        self.assertRegex(text, r"\n%s +A +walk_in +2 +1 " % today)
        self.assertRegex(text, r"\n%s +all +all +2 +1 +0 +0 +0 +1 +0 +-\n$"
                         % period)
        p = self.run_ctl("stats", "--from", today, "--to", yesterday)
        self.assertEqual(p.returncode, 2)

    def test_stats_returned(self):
        # A001 missed its call, came back and was served; A002 missed its
        # call for good; A003 waits.
        a1, _, _ = self.issue(3, "A")
        self.assertEqual(self.d.counter("1", "next").data["number"], "A001")
        self.assertStatus(self.d.counter("1", "done",
                                         {"outcome": "no_show"}), 200)
        r = self.d.counter("1", "tickets/%d/return" % a1["id"])
        self.assertStatus(r, 200)
        self.assertEqual(r.data["state"], "waiting")
        self.assertEqual(self.d.counter("1", "next").data["number"], "A001")
        self.assertStatus(self.d.counter("1", "done",
                                         {"outcome": "served"}), 200)
        self.assertEqual(self.d.counter("1", "next").data["number"], "A002")
        self.assertStatus(self.d.counter("1", "done",
                                         {"outcome": "no_show"}), 200)
        today = office_today()
        j = self.json_of("stats", config=False)
        tot = j[0]["totals"]
        self.assertEqual((tot["issued"], tot["served"], tot["no_show"],
                          tot["returned"], tot["waiting"]), (3, 1, 1, 1, 1))
        a = [r for r in j[0]["services"]
             if r["service"] == "A" and r["kind"] == "walk_in"]
        self.assertEqual(a[0]["returned"], 1)
        j = self.json_of("stats", "--from", today, "--to", today)
        self.assertEqual(j["totals"]["returned"], 1)
        # ISSUED SERVED NO_SHOW RETURNED EXPIRED WAITING CALLED
        text = self.ok("stats").stdout
        self.assertRegex(text, r"\n%s +all +all +3 +1 +1 +1 +0 +1 +0 +-\n"
                         % today)
        self.assertRegex(text, r"\n%s +A +walk_in +3 +1 +1 +1 +0 +1 +0 "
                         % today)
        text = self.ok("stats", "--from", today).stdout
        self.assertRegex(text, r"\n%s/%s +all +all +3 +1 +1 +1 +0 +1 +0 +-\n$"
                         % (today, today))


class Backup(CtlCase):
    def test_online_backup_restores_every_ticket(self):
        self.issue(5, "A")
        stop = threading.Event()
        errors = []

        def writer():
            while not stop.is_set():
                r = self.d.issue("B")
                if r.status != 201:
                    errors.append(r)
                self.d.counter("3", "next")

        t = threading.Thread(target=writer)
        t.start()
        try:
            time.sleep(0.3)
            dest = os.path.join(self.dir, "copy.db")
            p = self.ok("backup", dest, "--database", self.d.db, config=False,
                        url=False)
            self.assertIn("backup of " + self.d.db, p.stdout)
        finally:
            stop.set()
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(stat.S_IMODE(os.stat(dest).st_mode), 0o600)
        self.assertEqual([f for f in os.listdir(self.dir) if "tmp" in f], [])
        con = sqlite3.connect(dest)
        try:
            self.assertEqual(con.execute("PRAGMA integrity_check")
                             .fetchone()[0], "ok")
            self.assertEqual(con.execute("PRAGMA journal_mode")
                             .fetchone()[0], "delete")
            ids = [r[0] for r in con.execute("SELECT id FROM tickets")]
        finally:
            con.close()
        self.assertGreater(len(ids), 5)
        # What the daemon said of each ticket in the copy when it was
        # taken is checked against the daemon started on the copy.
        self.d.stop()
        restored = Daemon(printer=FILE_PRINTER)
        self.addCleanup(restored.close)
        shutil.copyfile(dest, restored.db)
        restored.start()
        for tid in ids:
            r = restored.ticket(tid)
            self.assertStatus(r, 200, "ticket %d after restore" % tid)
            self.assertEqual(r.data["id"], tid)
        numbers = {restored.ticket(i).data["number"] for i in ids}
        self.assertTrue({"A001", "A002", "A003", "A004", "A005",
                         "B001"} <= numbers)
        self.assertFalse(restored.ticket(max(ids) + 1000).status == 200)
        restored.stop()

    def test_dir_keeps_the_newest(self):
        bdir = os.path.join(self.dir, "backups")
        os.mkdir(bdir)
        old = os.path.join(bdir, "bonomat-2000-01-01T000000.db")
        other = os.path.join(bdir, "notes.txt")
        for path in (old, other):
            open(path, "w").close()
        made, removed = [], []
        for _ in range(3):
            j = self.json_of("backup", "--dir", bdir, "--keep", "2",
                             "--database", self.d.db, url=False)
            made.append(j["file"])
            removed.append(j["removed"])
            self.assertGreater(j["bytes"], 0)
            time.sleep(1.1)  # names are by the second
        left = sorted(os.listdir(bdir))
        self.assertEqual(left, sorted([os.path.basename(made[1]),
                                       os.path.basename(made[2]),
                                       "notes.txt"]))
        self.assertEqual(removed, [[], [old], [made[0]]])
        # Without --keep the config's [storage] backup_keep applies.
        conf = os.path.join(self.dir, "keep1.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(self.d.config_text.replace(
                "[storage]\n", "[storage]\nbackup_keep = 1\n"))
        self.ok("backup", "--dir", bdir, "--config", conf, "--database",
                self.d.db, url=False, config=False)
        self.assertEqual(len([n for n in os.listdir(bdir)
                              if n.startswith("bonomat-")]), 1)

    def test_backup_refusals(self):
        p = self.run_ctl("backup", os.path.join(self.dir, "x.db"),
                         "--database", os.path.join(self.dir, "none.db"),
                         url=False, config=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("none.db", p.stderr)
        p = self.run_ctl("backup", url=False)
        self.assertEqual(p.returncode, 2)
        p = self.run_ctl("backup", "x.db", "--keep", "3", url=False)
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    main()
