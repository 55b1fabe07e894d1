"""A network receipt printer for the tests (not a test itself).

Listens on a free loopback TCP port, as an ESC/POS printer does on 9100,
records every byte it receives, and answers the real-time status queries
DLE EOT n (10 04 n) with scripted status bytes. Standard library only; the
printer runs in a thread of the test.

    with PrinterPeer() as peer:                # mode "ready"
        ... "[printer.default] driver = tcp, host = %s" % peer.address
        assert peer.wait_cut(1, timeout=5)
        data = peer.data()                     # print bytes, queries removed
        peer.set_mode("paper_out")             # next replies say paper end
        peer.set_mode("down")                  # refuse connections

Modes: ready, paper_low, paper_out, cover_open, offline, error (answered),
last_sheet (answers ready until a cut arrives, then is paper_out: the
paper ran out on that ticket), silence
(connections accepted, queries recorded, never answered) and down (the
listener is closed, so connections are refused, and the open ones are
closed; leaving "down" listens again on the same port).
"""

import selectors
import socket
import threading
import time

DLE = 0x10
EOT = 0x04
GS_V = b"\x1d\x56"

# Replies to DLE EOT 1 (printer), 2 (offline cause), 4 (roll paper sensor),
# as an Epson TM printer gives them: fixed bits 0x12; n=1 bit 3 offline;
# n=2 bit 2 cover open, bit 5 stopped by paper end, bit 6 error; n=4 bits
# 2-3 paper near end, bits 5-6 paper end. A printer out of paper or open
# is also offline.
REPLIES = {
    "ready": {1: 0x12, 2: 0x12, 4: 0x12},
    "paper_low": {1: 0x12, 2: 0x12, 4: 0x1E},
    "paper_out": {1: 0x1A, 2: 0x32, 4: 0x72},
    "cover_open": {1: 0x1A, 2: 0x16, 4: 0x12},
    "offline": {1: 0x1A, 2: 0x52, 4: 0x12},
    # n=2 bit 6 alone: an error (cutter jam, head too hot) on a printer
    # whose n=1 still says online
    "error": {1: 0x12, 2: 0x52, 4: 0x12},
    "silence": {},
}
REPLIES["last_sheet"] = REPLIES["ready"]
MODES = tuple(REPLIES) + ("down",)


class Connection:
    """What one client sent: raw bytes, and the print bytes without the
    status queries."""

    def __init__(self, sock, opened):
        self.sock = sock
        self.opened = opened
        self.closed = None
        self.raw = bytearray()
        self.data = bytearray()
        self.queries = []          # n of every DLE EOT n, in order
        self._held = bytearray()   # a DLE or DLE EOT split across reads

    def feed(self, chunk):
        """The queries (n) found in chunk; the rest goes to data."""
        self.raw += chunk
        found = []
        for b in chunk:
            if len(self._held) == 2:
                self._held.clear()
                found.append(b)
                continue
            if len(self._held) == 1:
                if b == EOT:
                    self._held.append(b)
                    continue
                self.data += self._held
                self._held.clear()
            if b == DLE:
                self._held.append(b)
            else:
                self.data.append(b)
        self.queries.extend(found)
        return found


class PrinterPeer:
    def __init__(self, mode="ready", host="127.0.0.1", port=0):
        if mode not in MODES:
            raise ValueError("unknown mode %r" % (mode,))
        self.host = host
        self._mode = mode
        self._lock = threading.Condition()
        self._conns = []
        self._chunks = []          # (monotonic time, print bytes)
        self._listener = None
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._requests = []        # mode changes for the thread
        self._stop = False
        self.port = port
        if mode != "down":
            self._listen()
        elif not port:
            raise ValueError("a peer that starts down needs a port")
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name="printer-peer")
        self._thread.start()

    # -- the printer's side -----------------------------------------------

    def _listen(self):
        fam = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        # Listening again on the port of a "down" printer, while the
        # connections it closed are in TIME_WAIT.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, self.port))
        s.listen(16)
        s.setblocking(False)
        self.port = s.getsockname()[1]
        self._listener = s
        self._sel.register(s, selectors.EVENT_READ, "listen")

    def _unlisten(self):
        if self._listener is not None:
            self._sel.unregister(self._listener)
            self._listener.close()
            self._listener = None

    def _close_conn(self, c):
        try:
            self._sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()
        with self._lock:
            c.closed = time.monotonic()
            self._lock.notify_all()

    def _apply(self, mode):
        if mode == "down":
            self._unlisten()
            with self._lock:
                open_conns = [c for c in self._conns if c.closed is None]
            for c in open_conns:
                self._close_conn(c)
        elif self._listener is None:
            self._listen()
        with self._lock:
            self._mode = mode
            self._lock.notify_all()

    def _run(self):
        while True:
            for key, _ in self._sel.select(timeout=1.0):
                if key.data == "wake":
                    try:
                        self._wake_r.recv(64)
                    except BlockingIOError:
                        pass
                    with self._lock:
                        requests, self._requests = self._requests, []
                        stop = self._stop
                    for mode, done in requests:
                        self._apply(mode)
                        done.set()
                    if stop:
                        self._shutdown()
                        return
                elif key.data == "listen":
                    self._accept()
                else:
                    self._receive(key.data)

    def _accept(self):
        if self._listener is None:
            return
        try:
            sock, _ = self._listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        sock.setblocking(False)
        c = Connection(sock, time.monotonic())
        with self._lock:
            self._conns.append(c)
            self._lock.notify_all()
        self._sel.register(sock, selectors.EVENT_READ, c)

    def _receive(self, c):
        try:
            chunk = c.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._close_conn(c)
            return
        now = time.monotonic()
        with self._lock:
            before = len(c.data)
            found = c.feed(chunk)
            if len(c.data) > before:
                self._chunks.append((now, bytes(c.data[before:])))
                if self._mode == "last_sheet" and GS_V in c.data[before:]:
                    self._mode = "paper_out"
            replies = REPLIES.get(self._mode, {})
            answer = bytes(replies[n] for n in found if n in replies)
            self._lock.notify_all()
        if answer:
            try:
                c.sock.sendall(answer)
            except OSError:
                self._close_conn(c)

    def _shutdown(self):
        self._unlisten()
        for c in list(self._conns):
            if c.closed is None:
                self._close_conn(c)
        self._sel.close()
        self._wake_r.close()

    # -- the test's side ---------------------------------------------------

    @property
    def address(self):
        """"host:port" for the daemon's config."""
        if ":" in self.host:
            return "[%s]:%d" % (self.host, self.port)
        return "%s:%d" % (self.host, self.port)

    @property
    def mode(self):
        with self._lock:
            return self._mode

    def set_mode(self, mode):
        """Changes the replies (or goes down, or up again); returns when
        the printer's thread has applied the change."""
        if mode not in MODES:
            raise ValueError("unknown mode %r" % (mode,))
        done = threading.Event()
        with self._lock:
            if self._stop:
                raise RuntimeError("the peer is closed")
            self._requests.append((mode, done))
        self._wake_w.send(b"x")
        if not done.wait(5.0):
            raise RuntimeError("the peer's thread did not apply %r" % mode)

    def close(self):
        with self._lock:
            if self._stop:
                return
            self._stop = True
        self._wake_w.send(b"x")
        self._thread.join(5.0)
        self._wake_w.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def data(self, since=0):
        """The print bytes of all connections, status queries removed,
        in arrival order; from offset `since` (see mark())."""
        with self._lock:
            return b"".join(b for _, b in self._chunks)[since:]

    def raw(self):
        """Every byte received, per connection (queries included)."""
        with self._lock:
            return [bytes(c.raw) for c in self._conns]

    def mark(self):
        """An offset into data(): data(since=mark) is what came after."""
        with self._lock:
            return sum(len(b) for _, b in self._chunks)

    def first_byte_time(self, since=0):
        """time.monotonic() of the arrival of print byte number `since`,
        or None when it has not arrived."""
        with self._lock:
            off = 0
            for t, b in self._chunks:
                if off + len(b) > since:
                    return t
                off += len(b)
        return None

    def queries(self):
        """The n of every DLE EOT n received, all connections."""
        with self._lock:
            return [n for c in self._conns for n in c.queries]

    def connections(self):
        """(number of connections accepted, number still open)."""
        with self._lock:
            return (len(self._conns),
                    sum(1 for c in self._conns if c.closed is None))

    def wait_for(self, predicate, timeout=5.0):
        """Waits until predicate(peer) is true (checked whenever bytes or
        connections change); returns its last value."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                ok = predicate(self)
                left = deadline - time.monotonic()
                if ok or left <= 0:
                    return ok
                self._lock.wait(min(left, 0.1))

    def _data_len(self, since):
        return sum(len(b) for _, b in self._chunks) - since

    def _cuts(self, since):
        return b"".join(b for _, b in self._chunks)[since:].count(GS_V)

    def wait_bytes(self, n, timeout=5.0, since=0):
        """True when at least n print bytes arrived (after `since`)."""
        return self.wait_for(lambda p: p._data_len(since) >= n, timeout)

    def wait_cut(self, count=1, timeout=5.0, since=0):
        """True when at least `count` cut commands (GS V) and the bytes
        of their arguments arrived (after `since`)."""
        def done(p):
            d = b"".join(b for _, b in p._chunks)[since:]
            if d.count(GS_V) < count:
                return False
            # GS V m (m = 0, 1, 48, 49) or GS V m n (m = 65, 66)
            i = d.rfind(GS_V)
            if len(d) < i + 3:
                return False
            return d[i + 2] not in (65, 66) or len(d) >= i + 4
        return self.wait_for(done, timeout)

    def wait_queries(self, n, timeout=5.0):
        """True when at least n status queries arrived in all."""
        return self.wait_for(lambda p: sum(len(c.queries)
                                           for c in p._conns) >= n, timeout)

    def wait_all_closed(self, timeout=5.0):
        """True when every connection was closed by the client and all it
        sent was read."""
        return self.wait_for(lambda p: all(c.closed is not None
                                           for c in p._conns), timeout)

    def wait_connections(self, n, timeout=5.0):
        """True when at least n connections were accepted in all."""
        return self.wait_for(lambda p: len(p._conns) >= n, timeout)


def split_tickets(data):
    """The tickets in data: each from its start to the end of its cut
    command (GS V m, or GS V m n for m = 65, 66); bytes after the last cut
    are left out."""
    out = []
    start = 0
    i = data.find(GS_V)
    while i >= 0 and i + 2 < len(data):
        end = i + 3 + (1 if data[i + 2] in (65, 66) else 0)
        if end > len(data):
            break
        out.append(data[start:end])
        start = end
        i = data.find(GS_V, start)
    return out
