"""A private CUPS server for the tests (not a test itself).

Starts its own cupsd (TESTING.md, "A private CUPS server") in a temporary
directory, listening on a free loopback port and on its own socket, with a
raw queue that sends jobs to a TCP printer (socket://127.0.0.1:PORT, a
listener the test runs). The system's cupsd, if any, is never touched.
Standard library only.

    with CupsServer(printer_port) as cups:  # started, queue "kiosk"
        env = cups.env()                    # {"CUPS_SERVER": DIR/cups.sock}
        ...
        cups.stop()                         # the server goes away
        cups.start()                        # and comes back, same queue

Environment: BONOMAT_KEEP_TMP keeps the directory (logs in DIR/log/).
"""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

CUPSD = "/usr/sbin/cupsd"
PACKAGES = "cups-daemon cups-client cups"
START_TIMEOUT = 10.0
PR_SET_PDEATHSIG = 1


class CupsError(AssertionError):
    pass


def _die_with_parent():
    """In the child before exec: SIGTERM when the test process dies, so
    that a test killed by a timeout leaves no cupsd behind (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_installed():
    """Raises CupsError naming the packages when a tool is missing."""
    missing = [p for p in (CUPSD, shutil.which("lpadmin") or "lpadmin",
                           shutil.which("lpstat") or "lpstat",
                           "/usr/lib/cups/backend/socket")
               if not os.path.isabs(p) or not os.access(p, os.X_OK)]
    if missing:
        raise CupsError("the private CUPS server needs %s (missing: %s); "
                        "scripts/deps.sh test installs them"
                        % (PACKAGES, ", ".join(missing)))


class CupsServer:
    """One private cupsd with one raw queue to 127.0.0.1:printer_port."""

    def __init__(self, printer_port, queue="kiosk", printer_host="127.0.0.1"):
        check_installed()
        self.queue = queue
        self.device_uri = "socket://%s:%d" % (printer_host, printer_port)
        self.dir = tempfile.mkdtemp(prefix="bonomat-cups-")
        # cupsd's own users (lp, or nobody as non-root) read the spool
        # and run the backend in here.
        os.chmod(self.dir, 0o755)
        self.socket = os.path.join(self.dir, "cups.sock")
        self.port = free_port()
        self.proc = None
        self._out = None
        self._queue_added = False
        self._write_config()

    # -- configuration ---------------------------------------------------

    def _write_config(self):
        d = self.dir
        for sub in ("spool", "tmp", "cache", "state", "log"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        # The scheduler's user writes temporary and spool files.
        for sub in ("spool", "tmp"):
            os.chmod(os.path.join(d, sub), 0o1777)
        if os.geteuid() == 0:
            user, group = "lp", "lp"
        else:
            user, group = "nobody", "nogroup"
        with open(os.path.join(d, "cupsd.conf"), "w") as f:
            f.write("""\
# written by tests/integration/cups_fixture.py
LogLevel debug
Listen 127.0.0.1:%d
Listen %s
Browsing Off
WebInterface No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
  </Limit>
</Policy>
""" % (self.port, self.socket))
        with open(os.path.join(d, "cups-files.conf"), "w") as f:
            f.write("""\
# written by tests/integration/cups_fixture.py
ServerRoot {d}
RequestRoot {d}/spool
TempDir {d}/tmp
CacheDir {d}/cache
StateDir {d}/state
AccessLog {d}/log/access_log
ErrorLog {d}/log/error_log
PageLog {d}/log/page_log
Sandboxing Relaxed
SystemGroup root
User {user}
Group {group}
""".format(d=d, user=user, group=group))

    def env(self):
        """What a client of this server (the daemon, lpstat) needs."""
        return {"CUPS_SERVER": self.socket}

    def _client_env(self):
        env = dict(os.environ)
        env.pop("CUPS_USER", None)
        env.update(self.env())
        return env

    def run(self, *args, check=True, timeout=10.0):
        """Runs a CUPS client command against this server (lpadmin,
        lpstat, cancel, cupsdisable...); returns its CompletedProcess."""
        p = subprocess.run(list(args), env=self._client_env(),
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout)
        if check and p.returncode != 0:
            raise CupsError("%s exited with %d: %s%s\n%s" % (
                " ".join(args), p.returncode,
                p.stdout.decode(errors="replace"),
                p.stderr.decode(errors="replace"), self.log_tail()))
        return p

    # -- process -----------------------------------------------------------

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self):
        """Starts cupsd and waits until it answers; adds the queue the
        first time (printers.conf keeps it across restarts)."""
        if self.running():
            raise CupsError("cupsd already running")
        env = dict(os.environ)
        for k in ("CUPS_SERVER", "CUPS_USER", "NOTIFY_SOCKET"):
            env.pop(k, None)
        # cupsd's output goes to a file: on a pipe it would hold the
        # caller's pipe open.
        self._out = open(os.path.join(self.dir, "log", "cupsd.out"), "ab")
        self.proc = subprocess.Popen(
            [CUPSD, "-f", "-c", os.path.join(self.dir, "cupsd.conf"),
             "-s", os.path.join(self.dir, "cups-files.conf")],
            stdin=subprocess.DEVNULL, stdout=self._out,
            stderr=subprocess.STDOUT, env=env, cwd=self.dir,
            preexec_fn=_die_with_parent)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                rc = self.proc.returncode
                self._reap()
                raise CupsError("cupsd exited with %s while starting\n%s"
                                % (rc, self.log_tail()))
            # "lpstat -r" exits 0 even when cupsd is down: its words tell.
            p = self.run("lpstat", "-r", check=False)
            if b"is running" in p.stdout and self._socket_answers():
                break
            if time.monotonic() > deadline:
                self.stop()
                raise CupsError("cupsd did not answer within %.0f s\n%s"
                                % (START_TIMEOUT, self.log_tail()))
            time.sleep(0.05)
        if not self._queue_added:
            self.add_queue()
        return self

    def _socket_answers(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(1.0)
            s.connect(self.socket)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def add_queue(self):
        # A raw queue: CUPS 2.4 warns that raw queues are deprecated.
        self.run("lpadmin", "-p", self.queue, "-E", "-v", self.device_uri,
                 "-m", "raw")
        self._queue_added = True
        p = self.run("lpstat", "-p", self.queue)
        if self.queue.encode() not in p.stdout:
            raise CupsError("queue %s missing after lpadmin: %r\n%s"
                            % (self.queue, p.stdout, self.log_tail()))

    def stop(self, timeout=10.0):
        """SIGTERM, then SIGKILL when cupsd does not exit in time."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reap()

    def _reap(self):
        self.proc = None
        if self._out is not None:
            self._out.close()
            self._out = None

    def close(self):
        """Stops cupsd and removes the directory."""
        try:
            self.stop()
        finally:
            if not os.environ.get("BONOMAT_KEEP_TMP"):
                shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc):
        self.close()
        return False

    # -- looking inside ----------------------------------------------------

    def job_ids(self, which="all"):
        """Ids of the queue's jobs: "all", "completed" (cancelled ones
        included) or "not-completed" (those CUPS may still print)."""
        p = self.run("lpstat", "-W", which, "-o", self.queue, check=False)
        ids = []
        prefix = self.queue + "-"
        for line in p.stdout.decode(errors="replace").splitlines():
            word = line.split()[0] if line.split() else ""
            if word.startswith(prefix) and word[len(prefix):].isdigit():
                ids.append(int(word[len(prefix):]))
        return sorted(ids)

    def log_tail(self, lines=30):
        out = []
        for name in ("cupsd.out", "error_log"):
            p = os.path.join(self.dir, "log", name)
            if os.path.exists(p):
                with open(p, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
                tail = text.splitlines()[-lines:]
                out.append("---- %s (last %d lines) ----" % (p, len(tail)))
                out.extend(tail)
        return "\n".join(out) if out else "(no cupsd log)"
