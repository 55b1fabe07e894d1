"""Helpers of the robustness tests (issue 10; not a test itself): raw
HTTP over a socket, and [server] keys added to a daemon's config."""

import json
import re
import socket


def set_server_keys(d, **keys):
    """Adds `key = value` lines to [server] of d's config (restart d to
    apply)."""
    lines = "".join("%s = %s\n" % (k, v) for k, v in keys.items())
    text = d.config_text.replace("[server]\n", "[server]\n" + lines, 1)
    d.config_text = text
    with open(d.conf, "w", encoding="utf-8") as f:
        f.write(text)


class Raw:
    """One raw HTTP/1.1 answer: status, headers (lower-case names), body,
    and body parsed as JSON (None when it is not)."""

    def __init__(self, data):
        self.data = data
        head, _, self.body = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        m = re.match(rb"HTTP/1\.[01] (\d{3})", lines[0]) if lines else None
        self.status = int(m.group(1)) if m else None
        self.headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            self.headers[k.strip().lower().decode("latin-1")] = \
                v.strip().decode("latin-1")
        # Only the first answer: what follows it (libmicrohttpd's answer
        # to the rest of the bytes) is kept in .rest.
        self.rest = b""
        length = self.headers.get("content-length")
        if length is not None and length.isdigit():
            self.body, self.rest = (self.body[:int(length)],
                                    self.body[int(length):])
        try:
            self.json = json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            self.json = None

    def __repr__(self):
        return "<raw %r>" % self.data[:300]


def raw_request(port, data, timeout=5.0, source="127.0.0.1"):
    """Sends data as is and reads until the daemon closes or timeout;
    a Raw answer (status None when nothing came)."""
    s = socket.create_connection(("127.0.0.1", port), timeout,
                                 source_address=(source, 0))
    out = b""
    try:
        s.sendall(data)
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        while True:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            out += chunk
    finally:
        s.close()
    return Raw(out)
