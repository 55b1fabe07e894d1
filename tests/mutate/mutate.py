#!/usr/bin/env python3
"""The mutation check: does the suite catch what breaks?

Applies the one-line mutations of tests/mutate/mutations.py to the product
code one at a time, rebuilds, runs only the ctest tests that cover each
mutation, and prints which were caught (a covering test failed) and which
survived. Exit status 0 only when every mutation was caught.

    python3 tests/mutate/mutate.py [--list] [NAME ...]   (or: make mutate)

The working tree is never written to: the script copies the tracked files
(and the untracked ones not ignored) into build/mutate/src, builds there in
build/mutate/build (the dev preset's flags: Debug, no sanitizers, tests on),
and restores each mutated file in that copy from the original bytes, also on
failure or Ctrl-C. A mutation whose search string is not found exactly once
in its file fails the run loudly ("mutation N: pattern not found"), so that
the list cannot rot silently while the code moves; one that does not build
counts as an error, not as caught.

Before the mutations the covering tests run once unmutated: they must pass,
or a failure would be taken for a catch.
"""

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
WORK = os.path.join(ROOT, "build", "mutate")
SRC = os.path.join(WORK, "src")
BUILD = os.path.join(WORK, "build")
NODE_DIRS = ("tests/browser", "tests/encoder")


def load_mutations():
    spec = importlib.util.spec_from_file_location(
        "mutations", os.path.join(HERE, "mutations.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    names = set()
    for i, m in enumerate(mod.MUTATIONS, 1):
        missing = {"name", "file", "find", "replace", "tests", "why"} - set(m)
        if missing:
            sys.exit("mutation %d: missing %s" % (i, ", ".join(sorted(missing))))
        if m["name"] in names:
            sys.exit("mutation %d: duplicate name %s" % (i, m["name"]))
        if m["find"] == m["replace"]:
            sys.exit("mutation %d (%s): replacement equals the pattern"
                     % (i, m["name"]))
        names.add(m["name"])
    return mod.MUTATIONS


def run(cmd, log, cwd=None, env=None):
    """Runs cmd with output into log; returns the exit status."""
    with open(log, "ab") as f:
        f.write(("\n$ %s\n" % " ".join(cmd)).encode())
        f.flush()
        return subprocess.call(cmd, cwd=cwd, env=env, stdout=f,
                               stderr=subprocess.STDOUT)


def copy_tree():
    """The tracked and unignored files of the working tree into SRC (what
    changed only), the npm packages linked."""
    out = subprocess.check_output(
        ["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others",
         "--exclude-standard"])
    files = [p for p in out.decode().split("\0") if p]
    for rel in files:
        src = os.path.join(ROOT, rel)
        dst = os.path.join(SRC, rel)
        if not os.path.isfile(src):
            continue
        if os.path.exists(dst) and open(src, "rb").read() == \
                open(dst, "rb").read():
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
    for d in NODE_DIRS:
        link = os.path.join(SRC, d, "node_modules")
        target = os.path.join(ROOT, d, "node_modules")
        if not os.path.isdir(target):
            sys.exit("%s is missing: run make node-modules first" % target)
        if not os.path.islink(link):
            os.symlink(target, link)


def configure(log):
    return run(["cmake", "-S", SRC, "-B", BUILD, "-DCMAKE_BUILD_TYPE=Debug",
                "-DBONOMAT_TESTS=ON"], log)


def build(log, jobs):
    return run(["cmake", "--build", BUILD, "-j", str(jobs)], log)


def ctest(regex, log, stop_on_failure=False):
    """The tests matching regex; with stop_on_failure, the first failing
    one ends the run (it caught the mutation; ctest runs the quick unit
    tests first)."""
    return run(["ctest", "--test-dir", BUILD, "--output-on-failure",
                "--no-tests=error", "-R", regex] +
               (["--stop-on-failure"] if stop_on_failure else []), log)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="only these mutations")
    ap.add_argument("--list", action="store_true", help="list and exit")
    ap.add_argument("--check", action="store_true",
                    help="only check that every pattern matches its file "
                         "once (ctest runs this, so that a moved line is "
                         "noticed by make test, not by the next mutate)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()

    mutations = load_mutations()
    if args.list:
        for i, m in enumerate(mutations, 1):
            print("%2d %-28s %s\n   %s" % (i, m["name"], m["file"], m["why"]))
        return 0
    unknown = set(args.names) - {m["name"] for m in mutations}
    if unknown:
        sys.exit("unknown mutations: %s" % ", ".join(sorted(unknown)))
    chosen = [(i, m) for i, m in enumerate(mutations, 1)
              if not args.names or m["name"] in args.names]

    # Every pattern must match its file exactly once before anything runs.
    originals = {}
    bad = []
    for i, m in chosen:
        path = os.path.join(ROOT, m["file"])
        if not os.path.isfile(path):
            bad.append("mutation %d (%s): %s: no such file"
                       % (i, m["name"], m["file"]))
            continue
        text = open(path, encoding="utf-8").read()
        n = text.count(m["find"])
        if n != 1:
            bad.append("mutation %d (%s): pattern %s in %s: %r"
                       % (i, m["name"], "not found" if n == 0 else
                          "found %d times" % n, m["file"], m["find"]))
        originals[m["file"]] = text
    if bad:
        print("\n".join(bad), file=sys.stderr)
        return 2
    if args.check:
        print("%d mutation patterns each match their file once"
              % len(chosen))
        return 0

    os.makedirs(WORK, exist_ok=True)
    log = os.path.join(WORK, "mutate.log")
    open(log, "w").close()
    print("mutation check: %d mutations; log in %s" % (len(chosen), log))
    copy_tree()
    if configure(log) != 0 or build(log, args.jobs) != 0:
        print("the unmutated tree does not build (see the log)")
        return 2
    # CMake's regular expressions take few groups: a flat alternation.
    names = []
    for _, m in chosen:
        names += [n for n in m["tests"].split("|") if n not in names]
    regex = "|".join(names)
    t0 = time.monotonic()
    if ctest(regex, log) != 0:
        print("the covering tests fail on the unmutated tree (see the log): "
              "no mutation can be judged")
        return 2
    print("baseline: the covering tests pass unmutated (%.0f s)"
          % (time.monotonic() - t0))

    results = []
    for i, m in chosen:
        path = os.path.join(SRC, m["file"])
        original = originals[m["file"]]
        t0 = time.monotonic()
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original.replace(m["find"], m["replace"], 1))
            with open(log, "a") as f:
                f.write("\n==== mutation %d %s: %s\n" % (i, m["name"],
                                                        m["why"]))
            if build(log, args.jobs) != 0:
                verdict = "ERROR (does not build)"
            elif ctest(m["tests"], log, stop_on_failure=True) != 0:
                verdict = "caught"
            else:
                verdict = "SURVIVED"
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)
        results.append((i, m, verdict))
        print("%2d %-28s %-8s (%3.0f s) %s: %s"
              % (i, m["name"], verdict, time.monotonic() - t0, m["file"],
                 m["why"]), flush=True)
    # Leave the copy's build matching the unmutated sources.
    build(log, args.jobs)

    caught = sum(1 for *_, v in results if v == "caught")
    print("\nmutation score: %d of %d caught" % (caught, len(results)))
    for i, m, v in results:
        if v != "caught":
            print("  %s: mutation %d %s (%s)" % (v, i, m["name"], m["file"]))
    return 0 if caught == len(results) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; the working tree was not touched", file=sys.stderr)
        sys.exit(130)
