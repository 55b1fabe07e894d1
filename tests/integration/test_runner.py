#!/usr/bin/env python3
"""The integration tests' runner (bonomat.main) itself: a skipped test
fails the run unless BONOMAT_ALLOW_SKIP=1, a file where nothing ran fails,
and the closing line counts what ran. Each case runs a small test file in
a child Python, as ctest runs the real ones."""

import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))

BODIES = {
    "passing": """
        class T(unittest.TestCase):
            def test_a(self):
                self.assertEqual(1, 1)
            def test_b(self):
                self.assertTrue(True)
        """,
    "skipping": """
        class T(unittest.TestCase):
            def test_a(self):
                self.assertEqual(1, 1)
            def test_b(self):
                self.skipTest("no way to test this here")
        """,
    "failing": """
        class T(unittest.TestCase):
            def test_a(self):
                self.assertEqual(1, 2)
            def test_b(self):
                raise RuntimeError("boom")
            def test_c(self):
                pass
        """,
    "empty": """
        class T(unittest.TestCase):
            pass
        """,
}


def run(body, allow_skip=None):
    """(exit status, stdout) of a test file with `body`, run by main()."""
    with tempfile.TemporaryDirectory(prefix="bonomat-runner-") as tmp:
        path = os.path.join(tmp, "test_case.py")
        with open(path, "w", encoding="utf-8") as f:
            f.write("import sys, unittest\n")
            f.write("sys.path.insert(0, %r)\n" % HERE)
            f.write("from bonomat import main\n")
            f.write(textwrap.dedent(body))
            f.write("\nif __name__ == '__main__':\n    main()\n")
        env = dict(os.environ)
        env.pop("BONOMAT_ALLOW_SKIP", None)
        if allow_skip is not None:
            env["BONOMAT_ALLOW_SKIP"] = allow_skip
        p = subprocess.run([sys.executable, path], env=env,
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout


class Runner(unittest.TestCase):
    def test_all_passing(self):
        rc, out = run(BODIES["passing"])
        self.assertEqual(rc, 0, out)
        self.assertIn("2 passed, 0 failed, 0 skipped\n", out)

    def test_a_skip_fails_the_run(self):
        rc, out = run(BODIES["skipping"])
        self.assertEqual(rc, 1, out)
        self.assertIn("1 passed, 0 failed, 1 skipped\n", out)
        self.assertIn("SKIPPED", out)
        self.assertIn("no way to test this here", out)
        self.assertIn("BONOMAT_ALLOW_SKIP=1", out)

    def test_a_skip_passes_only_when_allowed(self):
        rc, out = run(BODIES["skipping"], allow_skip="1")
        self.assertEqual(rc, 0, out)
        self.assertIn("1 passed, 0 failed, 1 skipped\n", out)
        for value in ("0", "yes", ""):
            rc, out = run(BODIES["skipping"], allow_skip=value)
            self.assertEqual(rc, 1, "BONOMAT_ALLOW_SKIP=%r: %s" % (value, out))

    def test_failures_and_errors_are_counted(self):
        rc, out = run(BODIES["failing"], allow_skip="1")
        self.assertEqual(rc, 1, out)
        self.assertIn("1 passed, 2 failed, 0 skipped\n", out)

    def test_nothing_ran_fails(self):
        rc, out = run(BODIES["empty"], allow_skip="1")
        self.assertEqual(rc, 1, out)
        self.assertIn("0 passed, 0 failed, 0 skipped\n", out)
        self.assertIn("no test ran", out)


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    from bonomat import main
    main()
