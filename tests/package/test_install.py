#!/usr/bin/env python3
"""Installs the built packages on this machine and takes them out again
(issue 14). Needs root and apt; run by ctest after package/build, which
left the .debs in BONOMAT_PACKAGE_DIR.

1. apt installs ./bonomat_*.deb and ./bonomat-kiosk_*.deb (without
   recommends); the files, the conffile (0640 root:bonomat), the user, the
   enabled units, the man pages and the completion are where they belong.
2. The installed bonomatd --check accepts the installed config; the
   installed units pass systemd-analyze verify.
3. The test machine has no systemd as PID 1, so the units cannot be
   started: the unit's ExecStart line runs as its User= in its
   WorkingDirectory= (setpriv), on a temporary copy of the installed
   config with a free loopback port and a temporary database. /healthz
   answers; the installed bonomatctl reads the status; the backup unit's
   ExecStart line writes a backup as bonomat.
4. An edited conffile survives a reinstall (an upgrade's path).
5. Finally, also after a failure: purge both packages and the packages
   apt pulled in for them (dpkg --purge, which refuses any that something
   else needs), then check that nothing is left but the system users,
   which Debian keeps.

Exit status 77 (skipped) without root or apt."""

import glob
import grp
import http.client
import os
import pwd
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
from test_import import free_port  # noqa: E402

PKG_DIR = os.environ.get("BONOMAT_PACKAGE_DIR", "build/package")
UNIT_DIR = "/lib/systemd/system"
UNITS = ["bonomat.service", "bonomat-backup.service", "bonomat-backup.timer",
         "bonomat-kiosk.service", "bonomat-display.service"]
CONF = "/etc/bonomat/bonomat.conf"
LEFT_BEHIND = ["/etc/bonomat", "/var/lib/bonomat", "/var/backups/bonomat",
               "/usr/share/bonomat", "/usr/share/doc/bonomat",
               "/usr/share/doc/bonomat-kiosk", "/usr/sbin/bonomatd",
               "/usr/bin/bonomatctl", "/usr/lib/sysusers.d/bonomat.conf",
               "/usr/lib/tmpfiles.d/bonomat.conf",
               "/usr/lib/sysusers.d/bonomat-kiosk.conf",
               "/lib/udev/rules.d/70-bonomat-printers.rules",
               "/usr/share/bash-completion/completions/bonomatctl",
               "/usr/share/man/man8/bonomatd.8.gz"] + \
    [os.path.join(UNIT_DIR, u) for u in UNITS]
APT_ENV = dict(os.environ, DEBIAN_FRONTEND="noninteractive")

failures = []


def say(msg):
    print("bonomat: " + msg, flush=True)


def check(cond, msg):
    if cond:
        print("  ok   " + msg, flush=True)
    else:
        print("  FAIL " + msg, flush=True)
        failures.append(msg)
    return cond


def run(argv, timeout=300, check_rc=True, **kw):
    print("  $ " + " ".join(shlex.quote(a) for a in argv), flush=True)
    p = subprocess.run(argv, capture_output=True, text=True,
                       timeout=timeout, **kw)
    if check_rc and p.returncode != 0:
        raise RuntimeError("%s exited with %d\n%s%s" % (
            argv[0], p.returncode, p.stdout[-3000:], p.stderr[-3000:]))
    return p


def installed(pkg):
    p = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Abbrev}", pkg],
                       capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else ""


def installed_set():
    p = run(["dpkg-query", "-W", "-f=${Package}:${Architecture} "
             "${db:Status-Abbrev}\n"])
    return {ln.split()[0] for ln in p.stdout.splitlines()
            if len(ln.split()) > 1 and ln.split()[1].startswith("ii")}


def unit_key(unit, key):
    """The values of key= in the installed unit, continuation lines
    joined."""
    text = open(os.path.join(UNIT_DIR, unit)).read().replace("\\\n", " ")
    return [m.group(1).strip() for m in
            re.finditer(r"^%s=(.*)$" % key, text, re.M)]


def as_user(user, argv):
    return ["setpriv", "--reuid", user, "--regid", user, "--init-groups",
            "--"] + argv


def healthz(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        c.request("GET", "/healthz")
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def run_daemon(tmp):
    """The unit's ExecStart as its user, on a copy of the installed
    config; returns (process, port, config copy)."""
    user = unit_key("bonomat.service", "User")[0]
    workdir = unit_key("bonomat.service", "WorkingDirectory")[0]
    argv = shlex.split(unit_key("bonomat.service", "ExecStart")[0])
    check(CONF in argv, "ExecStart reads %s: %s" % (CONF, argv))
    port = free_port()
    text = open(CONF, encoding="utf-8").read()
    text = re.sub(r"(?m)^listen *=.*$", "listen = 127.0.0.1:%d" % port, text)
    text = re.sub(r"(?m)^database *=.*$",
                  "database = %s/bonomat.db" % tmp, text)
    text = re.sub(r"(?m)^path *=.*$", "path = %s/tickets.escpos" % tmp, text)
    copy = os.path.join(tmp, "bonomat.conf")
    with open(copy, "w", encoding="utf-8") as f:
        f.write(text)
    pw = pwd.getpwnam(user)
    os.chown(tmp, pw.pw_uid, pw.pw_gid)  # the daemon's database is there
    os.chown(copy, 0, pw.pw_gid)
    os.chmod(copy, 0o640)
    argv = [copy if a == CONF else a for a in argv]
    say("no systemd as PID 1 here: running the unit's ExecStart as %s in "
        "%s: %s" % (user, workdir, " ".join(argv)))
    log = open(os.path.join(tmp, "daemon.log"), "wb")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NOTIFY_", "LISTEN_", "ASAN_", "UBSAN_"))}
    proc = subprocess.Popen(as_user(user, argv), cwd=workdir, stdout=log,
                            stderr=log, stdin=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 15
    status = None
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            status, _ = healthz(port)
            if status == 200:
                break
        except OSError:
            pass
        time.sleep(0.1)
    return proc, port, copy, status


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def install_and_check(debs, tmp):
    run(["apt-get", "install", "-y", "--no-install-recommends"] + debs,
        timeout=600, env=APT_ENV)
    check(installed("bonomat") == "ii" and installed("bonomat-kiosk") == "ii",
          "both packages are installed")

    # Files, user, conffile.
    for path in ["/usr/sbin/bonomatd", "/usr/bin/bonomatctl",
                 "/usr/share/bonomat/ui/kiosk/index.html",
                 "/usr/share/bonomat/ui/reports/index.html",
                 # Depends: libjs-chart.js, served for the reports page.
                 "/usr/share/javascript/chart.js/chart.min.js",
                 "/usr/share/man/man1/bonomatctl.1.gz",
                 "/usr/share/man/man5/bonomat.conf.5.gz",
                 "/usr/share/man/man8/bonomatd.8.gz",
                 "/lib/udev/rules.d/70-bonomat-printers.rules",
                 "/usr/share/bash-completion/completions/bonomatctl"] + \
            [os.path.join(UNIT_DIR, u) for u in UNITS]:
        check(os.path.exists(path), "installed: " + path)
    check(_exists_user("bonomat"), "the user bonomat exists (sysusers)")
    check(_exists_user("bonomat-kiosk"), "the user bonomat-kiosk exists")
    conffiles = run(["dpkg-query", "-W", "-f=${Conffiles}", "bonomat"]).stdout
    check(CONF in conffiles, "%s is a conffile" % CONF)
    st = os.stat(CONF)
    check(stat.S_IMODE(st.st_mode) == 0o640 and st.st_uid == 0 and
          grp.getgrgid(st.st_gid).gr_name == "bonomat",
          "%s is 0640 root:bonomat (%o %d:%d)" % (
              CONF, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid))
    for d in ("/var/lib/bonomat", "/var/backups/bonomat"):
        check(os.path.isdir(d) and
              pwd.getpwuid(os.stat(d).st_uid).pw_name == "bonomat",
              "%s exists and belongs to bonomat (tmpfiles)" % d)
    for page in ("man1/bonomatctl.1.gz", "man5/bonomat.conf.5.gz",
                 "man8/bonomatd.8.gz"):
        p = run(["mandoc", "-T", "lint", "-W", "warning",
                 "/usr/share/man/" + page], check_rc=False)
        check(p.returncode == 0 and not (p.stdout + p.stderr).strip(),
              "installed %s lints clean %s" % (page, p.stdout + p.stderr))
    p = run(["bash", "-c", "source /usr/share/bash-completion/bash_completion"
             " && source /usr/share/bash-completion/completions/bonomatctl"
             " && complete -p bonomatctl"], check_rc=False)
    check("_bonomatctl" in p.stdout, "the completion loads: " + p.stdout)

    # Enabled units (deb-systemd-helper makes the links without systemd).
    wants = {"bonomat.service": "multi-user.target.wants",
             "bonomat-backup.timer": "timers.target.wants"}
    for unit, target in wants.items():
        check(os.path.islink("/etc/systemd/system/%s/%s" % (target, unit)),
              "%s is enabled" % unit)
    for unit in ("bonomat-kiosk.service", "bonomat-display.service"):
        check(not glob.glob("/etc/systemd/system/*/" + unit),
              "%s is not enabled (it takes tty1)" % unit)

    # The installed daemon checks the installed config.
    p = run(["/usr/sbin/bonomatd", "-c", CONF, "--check"], check_rc=False)
    check(p.returncode == 0 and p.stdout == CONF + ": ok\n",
          "bonomatd --check %s: %s%s" % (CONF, p.stdout, p.stderr))
    p = run(["systemd-analyze", "verify"] +
            [os.path.join(UNIT_DIR, u) for u in UNITS], check_rc=False)
    check(p.returncode == 0, "systemd-analyze verify of the installed "
          "units (status %d)\n%s%s" % (p.returncode, p.stdout, p.stderr))

    # The daemon as its unit runs it.
    proc, port, copy, status = run_daemon(tmp)
    try:
        check(status == 200, "GET /healthz of the installed daemon: %s"
              % status)
        token = re.search(r"(?m)^admin_token *= *(\S+)",
                          open(copy, encoding="utf-8").read()).group(1)
        p = run(["/usr/bin/bonomatctl", "status", "--config", copy,
                 "--json"], check_rc=False,
                env=dict(os.environ, BONOMAT_ADMIN_TOKEN=token))
        check(p.returncode == 0 and '"printers"' in p.stdout,
              "the installed bonomatctl status: %s" % p.stderr)
        # The backup unit's ExecStart, as its user, on that config.
        user = unit_key("bonomat-backup.service", "User")[0]
        argv = shlex.split(unit_key("bonomat-backup.service",
                                    "ExecStart")[0]) + ["--config", copy]
        say("running the backup unit's ExecStart as %s" % user)
        p = run(as_user(user, argv), check_rc=False,
                env={"PATH": "/usr/bin:/bin"})
        made = glob.glob("/var/backups/bonomat/bonomat-*.db")
        check(p.returncode == 0 and len(made) == 1,
              "bonomat-backup wrote one backup: %s %s%s"
              % (made, p.stdout, p.stderr))
        if made:
            st = os.stat(made[0])
            check(pwd.getpwuid(st.st_uid).pw_name == "bonomat" and
                  stat.S_IMODE(st.st_mode) == 0o600,
                  "the backup is bonomat's, mode 0600")
    finally:
        rc = stop(proc)
        log = open(os.path.join(tmp, "daemon.log"), errors="replace").read()
        check(rc == 0, "the daemon stopped on SIGTERM with status 0 (%s)\n%s"
              % (rc, log[-2000:]))

    # An edited config survives a reinstall (the upgrade path).
    with open(CONF, "a", encoding="utf-8") as f:
        f.write("; edited by tests/package/test_install.py\n")
    run(["apt-get", "install", "-y", "--reinstall", "--no-install-recommends",
         "-o", "Dpkg::Options::=--force-confold", debs[0]], timeout=300,
        env=APT_ENV)
    text = open(CONF, encoding="utf-8").read()
    check(text.endswith("; edited by tests/package/test_install.py\n"),
          "the edited %s is kept" % CONF)
    check(grp.getgrgid(os.stat(CONF).st_gid).gr_name == "bonomat",
          "and keeps its group bonomat")


def _exists_user(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def purge(before):
    say("purging the packages")
    run(["apt-get", "purge", "-y", "bonomat", "bonomat-kiosk"],
        check_rc=False, timeout=300, env=APT_ENV)
    # What apt pulled in for them (cage, ...), automatically installed;
    # dpkg refuses to take out a package that something else needs.
    auto = set(run(["apt-mark", "showauto"]).stdout.split())
    new = sorted(p for p in installed_set() - before
                 if p.split(":")[0] in auto or p in auto)
    if new:
        say("purging what was installed for them: " + " ".join(new))
        run(["dpkg", "--purge"] + new, check_rc=False, timeout=300)


def main():
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print("bonomat: SKIPPED: installing packages needs root and apt")
        return 77
    debs = sorted(glob.glob(os.path.join(PKG_DIR, "bonomat_*.deb")) +
                  glob.glob(os.path.join(PKG_DIR, "bonomat-kiosk_*.deb")))
    debs = [os.path.abspath(d) for d in debs]
    if len(debs) != 2:
        print("bonomat: FAIL: want bonomat_*.deb and bonomat-kiosk_*.deb in "
              "%s (ctest runs package/build first), found %s"
              % (PKG_DIR, debs))
        return 1
    for pkg in ("bonomat", "bonomat-kiosk"):
        if installed(pkg):
            print("bonomat: FAIL: %s is already installed on this machine "
                  "(%s); the test installs and purges it, so it does not "
                  "run over someone's installation" % (pkg, installed(pkg)))
            return 1
    before = installed_set()
    tmp = tempfile.mkdtemp(prefix="bonomat-pkg-")
    started = time.monotonic()
    try:
        say("installing " + " ".join(os.path.basename(d) for d in debs))
        try:
            install_and_check(debs, tmp)
        except Exception as e:  # noqa: BLE001 - reported, then cleaned up
            check(False, "the install test ran to its end: %s" % e)
    finally:
        purge(before)
        shutil.rmtree(tmp, ignore_errors=True)
    for pkg in ("bonomat", "bonomat-kiosk"):
        check(installed(pkg) == "", "%s is purged (dpkg knows it no "
              "more: %r)" % (pkg, installed(pkg)))
    for path in LEFT_BEHIND:
        check(not os.path.lexists(path), "gone: " + path)
    links = glob.glob("/etc/systemd/system/*/bonomat*") + \
        glob.glob("/var/lib/systemd/deb-systemd-helper-enabled/**/bonomat*",
                  recursive=True)
    check(not links, "no unit links or enable state left: %s" % links)
    say("kept, as Debian policy keeps system users: the users bonomat "
        "and bonomat-kiosk")
    say("%d checks failed, %.0f s" % (len(failures),
                                     time.monotonic() - started))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
