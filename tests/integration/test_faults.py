"""Faults of the disk are answers, not crashes (issue 10, point 2): a full
file system (a 2 MiB tmpfs), a database made immutable (chattr +i: what a
read-only remount after I/O errors looks like to the daemon, and what made
SQLite die of SIGBUS in its -shm mapping), a database moved away or
replaced under the running daemon. Each gives 503 `unavailable` with
Retry-After, /healthz 503, one log line per change of state, and the
daemon carries on by itself once the fault is gone.

Needs root (mount, chattr), as the test machines and CI run."""

import errno
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bonomat import DaemonTestCase, main  # noqa: E402

FAULT_LINE = "cannot be written"
BACK_LINE = "is written again"


def need_root(test):
    if os.geteuid() != 0:
        test.skipTest("SKIPPED: the disk fault tests need root (mount "
                      "tmpfs, chattr); run as root as CI does")


class TestDiskFaults(DaemonTestCase):
    def move_database(self, d, directory):
        """Points d's config at directory/bonomat.db."""
        new = os.path.join(directory, "bonomat.db")
        text = d.config_text.replace("database = " + d.db,
                                     "database = " + new)
        self.assertNotEqual(text, d.config_text)
        d.config_text = text
        d.db = new
        with open(d.conf, "w", encoding="utf-8") as f:
            f.write(text)

    def assertUnavailable(self, r, ctx):
        self.assertError(r, 503, "unavailable", ctx)
        self.assertTrue(r.headers.get("Retry-After", "").isdigit(),
                        "%s: no Retry-After: %r" % (ctx, r))

    def issue_until_refused(self, d, limit=400):
        """Issues until a refusal; every answer must be 201 or 503."""
        for i in range(limit):
            r = d.issue("A")
            self.assertTrue(d.running(), "the daemon died:\n"
                            + d.log_tail())
            if r.status != 201:
                self.assertUnavailable(r, "ticket %d" % i)
                return i
        self.fail("%d tickets issued on a full or locked disk" % limit)

    def log_count(self, d, text):
        return d.log().count(text)

    def test_disk_full(self):
        need_root(self)
        d = self.start_daemon()
        d.stop()
        mnt = os.path.join(d.tmp, "disk")
        os.mkdir(mnt)
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m",
                            "tmpfs", mnt], capture_output=True)
        if p.returncode != 0:
            self.skipTest("SKIPPED: cannot mount a tmpfs: %s"
                          % p.stderr.decode(errors="replace"))
        self.addCleanup(subprocess.run, ["umount", "-l", mnt])
        self.move_database(d, mnt)
        d.start()
        issued = [d.issue("A").data["number"] for _ in range(3)]
        filler = os.path.join(mnt, "filler")
        # Unbuffered: a short write leaves nothing for close() to flush
        # (and fail on) after the disk is full.
        with open(filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
            except OSError as e:
                self.assertEqual(e.errno, errno.ENOSPC)
        n = self.issue_until_refused(d)
        self.assertUnavailable(d.get("/healthz"), "healthz on a full disk")
        for _ in range(20):
            self.assertUnavailable(d.issue("A"), "still full")
        self.assertEqual(self.log_count(d, FAULT_LINE), 1,
                         "one line per change of state\n" + d.log_tail())
        os.unlink(filler)
        r = d.issue("A")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(d.get("/healthz").status, 200)
        self.assertEqual(self.log_count(d, BACK_LINE), 1, d.log_tail())
        sys.stderr.write("full 2 MiB tmpfs: %d more tickets fit, then 503 "
                         "with Retry-After; 201 again once space was "
                         "freed (%s...)\n" % (n, issued[0]))
        d.stop()
        subprocess.run(["umount", mnt], check=False)

    def chattr(self, flag, paths):
        for p in paths:
            if os.path.exists(p):
                r = subprocess.run(["chattr", flag, p], capture_output=True)
                if r.returncode != 0:
                    self.skipTest("SKIPPED: chattr %s %s: %s" % (
                        flag, p, r.stderr.decode(errors="replace")))

    def test_immutable_database(self):
        need_root(self)
        if not shutil.which("chattr"):
            self.skipTest("SKIPPED: no chattr (e2fsprogs)")
        d = self.start_daemon()
        first = d.issue("A")
        self.assertEqual(first.status, 201)
        files = [d.db, d.db + "-wal", d.db + "-shm"]
        # Clean pages: the next write to the -shm mapping faults into the
        # file system, which refuses it (before: SIGBUS).
        os.sync()
        self.chattr("+i", files)
        self.addCleanup(self.chattr, "-i", files)
        self.issue_until_refused(d, limit=5)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            self.assertUnavailable(d.issue("A"), "immutable")
            self.assertEqual(d.services().status, 200)
            self.assertEqual(d.ticket(first.data["id"]).status, 200)
            self.assertEqual(d.get("/api/v1/display").status, 200)
            self.assertUnavailable(d.get("/healthz"), "healthz")
            time.sleep(0.1)
        self.assertTrue(d.running(), d.log_tail())
        self.assertEqual(self.log_count(d, FAULT_LINE), 1, d.log_tail())
        self.chattr("-i", files)
        r = d.issue("A")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(d.get("/healthz").status, 200)
        self.assertEqual(self.log_count(d, BACK_LINE), 1, d.log_tail())

    def test_database_moved_and_replaced(self):
        d = self.start_daemon()
        numbers = [d.issue("A").data["number"] for _ in range(3)]
        away = d.db + ".away"
        os.rename(d.db, away)
        self.assertUnavailable(d.issue("A"), "database moved away")
        self.assertUnavailable(d.get("/healthz"), "healthz, moved")
        # Another file under the name: not the one opened.
        shutil.copy(away, d.db)
        self.assertUnavailable(d.issue("A"), "database replaced")
        self.assertUnavailable(d.get("/healthz"), "healthz, replaced")
        self.assertEqual(self.log_count(d, FAULT_LINE), 2, d.log_tail())
        os.rename(away, d.db)
        r = d.issue("A")
        self.assertEqual(r.status, 201, r)
        # Nothing acknowledged was lost, the numbering goes on.
        self.assertEqual(r.data["number"], "A%03d" % (
            int(numbers[-1][1:]) + 1))
        self.assertEqual(d.get("/healthz").status, 200)
        d.restart()
        self.assertEqual(d.issue("A").data["number"], "A%03d" % (
            int(numbers[-1][1:]) + 2))


if __name__ == "__main__":
    main()
