#!/usr/bin/env python3
"""Tickets printed on a network printer (issue 3; DESIGN.md "Printing"):
the real bonomatd with [printer.default] driver = tcp, pointed at a printer
played by printer_peer.py, which records the bytes and answers DLE EOT with
scripted status bytes.

The expected bytes are built here from the ESC/POS rules (escpos.h,
ticket_layout.h) and Python's own cp852 codec, not copied from the
daemon's output."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, SERVICE_NAMES,  # noqa: E402
                     DaemonTestCase, main)
from test_events import Stream  # noqa: E402
from printer_peer import PrinterPeer, split_tickets  # noqa: E402

COLUMNS = 48
# The daemon polls an idle printer every ~2 s; a status costs up to three
# replies of 0.3 s; a printer that went away is reopened after ~1 s.
STATE_TIMEOUT = 8.0
PRINT_TIMEOUT = 5.0

ESC_AT = b"\x1b\x40"
# ESC @ (initialize), FS . (cancel Kanji: clones print Chinese without it),
# ESC t 18 (code page CP852)
INIT = b"\x1b\x40\x1c\x2e\x1b\x74\x12"
CENTER = b"\x1b\x61\x01"
BOLD_ON = b"\x1b\x45\x01"
BOLD_OFF = b"\x1b\x45\x00"
SIZE_RESET = b"\x1d\x21\x00"
LF = b"\x0a"
# GS V 66 0: feed to the cutter, partial cut
CUT = b"\x1d\x56\x42\x00"
# ticket_layout.h: the number as large as the line allows, at most 6 x 6
NUMBER_SIZE_MAX = 6

OFFICE_NAME = "Primăria Sectorului 1 — Biroul Cetățeanului"
OFFICE_ADDRESS = "Str. Mureș nr. 18–24, parter"
# A service with î and Î as well (CP852 8C and D7), served by nobody, so
# that only its name matters.
EXTRA = """
[service.I]
name = Îndrumare și înscrieri
prefix = I
minutes = 5
"""

# Romanian in CP852: ș ț (comma below) are not in it and print as ş ţ
# (cedilla); dashes fold to '-'.
FOLD = {"ș": "ş", "ț": "ţ", "Ș": "Ş", "Ț": "Ţ", "—": "-", "–": "-"}


def cp852(text):
    return "".join(FOLD.get(ch, ch) for ch in text).encode("cp852")


def size_byte(width, height):
    """The n of GS ! n."""
    return bytes([(width - 1) << 4 | (height - 1)])


def number_line(number):
    """The ticket number, bold, as large as 48 columns allow."""
    size = min(COLUMNS // len(number), NUMBER_SIZE_MAX)
    return (BOLD_ON + b"\x1d\x21" + size_byte(size, size) + number.encode()
            + BOLD_OFF + SIZE_RESET + LF)


def printed_lines(data):
    """Interprets ticket bytes as a printer would: a list of (text, width,
    height) per printed line. Fails on a control byte or command that a
    ticket has no business sending."""
    lines = []
    text = bytearray()
    width = height = 1
    line_size = None
    i = 0
    while i < len(data):
        b = data[i]
        if b == 0x0A:
            lines.append((bytes(text),) + (line_size or (1, 1)))
            text.clear()
            line_size = None
            i += 1
        elif b == 0x1B:  # ESC @, ESC t n, ESC a n, ESC E n, ESC d n
            cmd = data[i + 1:i + 2]
            if cmd == b"@":
                width = height = 1
                i += 2
            elif cmd in (b"t", b"a", b"E", b"d") and i + 2 < len(data):
                i += 3
            else:
                raise AssertionError("unexpected ESC %r at %d" % (cmd, i))
        elif b == 0x1C:  # FS .
            if data[i + 1:i + 2] != b".":
                raise AssertionError("unexpected FS at %d" % i)
            i += 2
        elif b == 0x1D:  # GS ! n, GS V m [n], GS ( k pL pH ...
            cmd = data[i + 1:i + 2]
            if cmd == b"!":
                n = data[i + 2]
                width, height = (n >> 4) + 1, (n & 15) + 1
                i += 3
            elif cmd == b"V":
                i += 4 if data[i + 2] in (65, 66) else 3
            elif cmd == b"(" and data[i + 2:i + 3] == b"k":
                i += 5 + data[i + 3] + 256 * data[i + 4]
            else:
                raise AssertionError("unexpected GS %r at %d" % (cmd, i))
        elif b < 0x20 or b == 0x7F:
            raise AssertionError("control byte 0x%02X at %d in the text"
                                 % (b, i))
        else:
            if line_size is None:
                line_size = (width, height)
            elif line_size != (width, height):
                raise AssertionError("character size changes within a "
                                     "line at %d" % i)
            text.append(b)
            i += 1
    if text:
        raise AssertionError("text after the last line feed: %r" % text)
    return lines


class PrintingTcp(DaemonTestCase):
    def setUp(self):
        super().setUp()
        self.peer = PrinterPeer()
        self.addCleanup(self.peer.close)

    def start(self):
        printer = ("driver = tcp\nhost = %s\ncodepage = cp852\n"
                   "columns = %d\n" % (self.peer.address, COLUMNS))
        return self.start_daemon(printer=printer, extra_sections=EXTRA)

    # -- helpers ------------------------------------------------------------

    def printers(self, d):
        r = d.get("/api/v1/printers", token=ADMIN_TOKEN)
        self.assertStatus(r, 200)
        self.assertJsonContentType(r)
        self.assertIsInstance(r.data, list, r)
        self.assertEqual(len(r.data), 1, r)
        p = r.data[0]
        self.assertIsInstance(p, dict, r)
        self.assertTrue({"name", "driver", "state", "detail"} <= set(p), r)
        self.assertEqual((p["name"], p["driver"]), ("default", "tcp"), r)
        self.assertIn(p["state"], ("ok", "paper_low", "paper_out",
                                   "cover_open", "offline", "unknown"), r)
        self.assertIsInstance(p["detail"], str, r)
        return p

    def wait_state(self, d, state, timeout=STATE_TIMEOUT):
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            p = self.printers(d)
            if not seen or seen[-1] != p["state"]:
                seen.append(p["state"])
            if p["state"] == state:
                self.assertTrue(p["detail"].strip(),
                                "a state without detail: %r" % (p,))
                return p
            if time.monotonic() > deadline:
                self.fail("printer state %r not reported within %.0f s "
                          "(peer mode %s); states seen: %s"
                          % (state, timeout, self.peer.mode, seen))
            time.sleep(0.1)

    def wait_printed(self, d, tid, want, timeout=PRINT_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            r = d.ticket(tid)
            self.assertStatus(r, 200)
            if r.data["printed"] == want:
                return r.data
            if time.monotonic() > deadline:
                self.fail("ticket %s: printed is %r after %.0f s, want %r"
                          % (tid, r.data["printed"], timeout, want))
            time.sleep(0.05)

    def issue(self, d, service="A", printed=("pending", "ok")):
        t = self.issue_ok(d, service)
        self.assertIn(t["printed"], printed, t)
        return t

    def assertNothingPrinted(self, since, ctx):
        """Nothing arrived after `since` so far (what may come later is
        for assertFinalTickets)."""
        got = self.peer.data(since)
        self.assertEqual(got, b"", "%s: bytes reached the printer: %r"
                         % (ctx, got[:200]))

    def assertFinalTickets(self, d, since, numbers, ctx):
        """After `since`, exactly the tickets `numbers` were printed, in
        that order, and nothing else, ever: the daemon is stopped (exit 0)
        and its connections are closed and read to the end, so that no
        later byte can come, however long one waited."""
        d.stop()
        self.assertTrue(self.peer.wait_all_closed(PRINT_TIMEOUT),
                        "%s: the daemon's printer connection stays open "
                        "after it exited" % ctx)
        data = self.peer.data(since)
        tickets = split_tickets(data)
        self.assertEqual(b"".join(tickets), data,
                         "%s: bytes after the last cut: %r"
                         % (ctx, data[-200:]))
        got = tickets
        self.assertEqual(len(got), len(numbers),
                         "%s: %d tickets printed, want %d (%s): %r"
                         % (ctx, len(got), len(numbers), numbers, data[:600]))
        for ticket, number in zip(got, numbers):
            self.assertIn(number_line(number), ticket, ctx)

    def assertOneTicket(self, since, number, ctx):
        """Exactly one whole ticket arrived after `since` when its cut did,
        and it is the ticket `number`. A ticket that would follow it is
        not waited for here: assertFinalTickets settles that."""
        self.assertTrue(self.peer.wait_cut(1, PRINT_TIMEOUT, since),
                        "%s: no cut (GS V) reached the printer; got %r"
                        % (ctx, self.peer.data(since)[:200]))
        data = self.peer.data(since)
        tickets = split_tickets(data)
        self.assertEqual(len(tickets), 1, "%s: %d tickets: %r"
                         % (ctx, len(tickets), data[:400]))
        self.assertEqual(tickets[0], data, "%s: bytes after the cut" % ctx)
        self.assertTrue(data.startswith(INIT), ctx)
        self.assertIn(number_line(number), data, ctx)
        return data

    # -- tests --------------------------------------------------------------

    def test_printers_needs_the_admin_token(self):
        d = self.start()
        self.assertError(d.get("/api/v1/printers"), 401, "unauthorized")
        self.assertError(d.get("/api/v1/printers", token="wrong"), 401,
                         "unauthorized")
        p = self.wait_state(d, "ok")
        self.assertEqual(p["name"], "default")

    def test_ticket_bytes(self):
        d = self.start()
        mark = self.peer.mark()
        t = self.issue(d, "A")
        self.wait_printed(d, t["id"], "ok")
        data = self.assertOneTicket(mark, t["number"], "ticket A")

        # The head: initialize, code page, then the office's name, bold
        # and centered, Romanian letters in CP852.
        head = (INIT + CENTER + BOLD_ON + cp852(OFFICE_NAME) + BOLD_OFF + LF
                + cp852(OFFICE_ADDRESS) + LF)
        self.assertEqual(data[:len(head)], head)
        self.assertIn(b"Prim\xc7ria", head)          # ă
        self.assertIn(b"Cet\xc7\xeeeanului", head)   # ă, ţ for ț
        self.assertIn(b"Mure\xad nr. 18-24", head)   # ş for ș, – as -
        # ESC @ only at the start: it would reset the code page.
        self.assertEqual(data.count(ESC_AT), 1)
        # The number, very large: the whole number line exactly.
        self.assertIn(number_line(t["number"]), data)
        # The service, bold, with ş as 0xAD.
        name = cp852(SERVICE_NAMES["A"])
        self.assertEqual(name, b"Taxe \xadi impozite locale")
        self.assertIn(BOLD_ON + name + BOLD_OFF + LF, data)
        # A partial cut ends the ticket.
        self.assertTrue(data.endswith(CUT), data[-16:])
        # Nothing unmappable printed as '?', every line on 80 mm paper.
        self.assertNotIn(b"?", data)
        lines = printed_lines(data)
        for text, width, height in lines:
            self.assertLessEqual(len(text) * width, COLUMNS,
                                 "line too wide: %r" % (text,))
        big = [(w, h) for text, w, h in lines
               if text == t["number"].encode()]
        self.assertEqual(len(big), 1, lines)
        self.assertGreaterEqual(min(big[0]), 4, "the number is not large")

        # Î and î as CP852 D7 and 8C.
        mark = self.peer.mark()
        t = self.issue(d, "I")
        self.wait_printed(d, t["id"], "ok")
        data = self.assertOneTicket(mark, t["number"], "ticket I")
        self.assertIn(b"\xd7ndrumare \xadi \x8cnscrieri", data)

    def test_qr_code_carries_the_ticket_address(self):
        """The printed QR code stores [office] ticket_url with the
        ticket's token: the same address as the kiosk's on-screen code."""
        printer = ("driver = tcp\nhost = %s\ncodepage = cp852\n"
                   "columns = %d\n" % (self.peer.address, COLUMNS))
        d = self.start_daemon(printer=printer, extra_sections=EXTRA,
                              ticket_url="https://bonuri.example.ro/t/"
                                         "{token}")
        mark = self.peer.mark()
        t = self.issue(d, "A")
        self.wait_printed(d, t["id"], "ok")
        data = self.assertOneTicket(mark, t["number"], "ticket A")
        url = ("https://bonuri.example.ro/t/" + t["token"]).encode()
        n = len(url) + 3
        store = (b"\x1d(k" + bytes([n & 0xff, n >> 8]) + b"\x31\x50\x30"
                 + url)
        self.assertIn(store, data)
        # The id is in no address.
        self.assertNotIn(b"/t/%d" % t["id"], data)

    def test_each_state_is_reported(self):
        d = self.start()
        self.wait_state(d, "ok")
        for mode, state in (("paper_low", "paper_low"),
                            ("paper_out", "paper_out"),
                            ("ready", "ok"),
                            ("cover_open", "cover_open"),
                            ("offline", "offline"),
                            ("silence", "unknown"),
                            ("ready", "ok"),
                            ("error", "offline"),
                            ("ready", "ok"),
                            ("down", "offline"),
                            ("ready", "ok")):
            with self.subTest(mode=mode):
                self.peer.set_mode(mode)
                self.wait_state(d, state)
        # Only status queries went to the printer, no print bytes.
        self.assertEqual(self.peer.data(), b"")
        self.assertTrue(set(self.peer.queries()) <= {1, 2, 3, 4},
                        self.peer.queries())

    def test_paper_low_still_prints(self):
        d = self.start()
        self.peer.set_mode("paper_low")
        self.wait_state(d, "paper_low")
        mark = self.peer.mark()
        t = self.issue(d)
        self.wait_printed(d, t["id"], "ok")
        self.assertOneTicket(mark, t["number"], "paper low")
        self.assertFinalTickets(d, mark, [t["number"]], "paper low")

    def test_silent_printer_still_prints(self):
        """Many printers do not answer DLE EOT: unknown is not offline."""
        d = self.start()
        self.peer.set_mode("silence")
        self.wait_state(d, "unknown")
        mark = self.peer.mark()
        t = self.issue(d)
        self.wait_printed(d, t["id"], "ok")
        self.assertOneTicket(mark, t["number"], "silent printer")
        self.assertFinalTickets(d, mark, [t["number"]], "silent printer")

    def check_blocked_then_reprint(self, mode, state):
        d = self.start()
        self.wait_state(d, "ok")
        self.peer.set_mode(mode)
        self.wait_state(d, state)

        # Still issued; not printed, and nothing reaches the printer.
        mark = self.peer.mark()
        t = self.issue(d, printed=("pending", "failed"))
        self.wait_printed(d, t["id"], "failed")
        self.assertNothingPrinted(mark, "%s, ticket issued" % mode)

        # The printer recovers: the failed ticket is not printed by
        # itself (it would be a duplicate of the number on the screen),
        # nor by a refused reprint; only by the admin's reprint. The proof
        # is the order and the end, not a pause: the printer's jobs go out
        # one after the other, so a print started by the recovery or by
        # the refused request would come before the reprint's bytes; and
        # once the daemon has stopped, nothing can come after.
        self.peer.set_mode("ready")
        self.wait_state(d, "ok")
        self.assertEqual(d.ticket(t["id"]).data["printed"], "failed")
        path = "/api/v1/tickets/%d/reprint" % t["id"]
        self.assertError(d.post(path), 401, "unauthorized")
        r = d.post(path, token=ADMIN_TOKEN)
        self.assertStatus(r, 202)
        self.assertOneTicket(mark, t["number"], "%s, reprint" % mode)
        self.wait_printed(d, t["id"], "ok")

        # The next ticket prints, and only itself.
        after = self.peer.mark()
        t2 = self.issue(d)
        self.wait_printed(d, t2["id"], "ok")
        data = self.assertOneTicket(after, t2["number"], "next ticket")
        self.assertNotIn(t["number"].encode(), data)
        self.assertFinalTickets(d, mark, [t["number"], t2["number"]], mode)

    def test_paper_out_fails_the_ticket_until_reprint(self):
        self.check_blocked_then_reprint("paper_out", "paper_out")

    def test_cover_open_fails_the_ticket_until_reprint(self):
        self.check_blocked_then_reprint("cover_open", "cover_open")

    def test_printer_down_fails_the_ticket_until_reprint(self):
        self.check_blocked_then_reprint("down", "offline")

    def test_printer_error_fails_the_ticket_until_reprint(self):
        self.check_blocked_then_reprint("error", "offline")

    def test_status_is_checked_before_each_ticket(self):
        """Paper runs out between two idle polls: the ticket issued at
        once is not sent into a printer without paper."""
        d = self.start()
        self.wait_state(d, "ok")
        # Right after a poll (DLE EOT 1, 2, 4), so that the next one is
        # ~2 s away.
        end_of_poll = (len(self.peer.queries()) // 3 + 1) * 3
        self.assertTrue(self.peer.wait_queries(end_of_poll, STATE_TIMEOUT))
        self.peer.set_mode("paper_out")
        mark = self.peer.mark()
        t = self.issue(d, printed=("pending", "failed"))
        self.wait_printed(d, t["id"], "failed")
        self.assertNothingPrinted(mark, "paper out before the ticket")
        self.assertEqual(self.printers(d)["state"], "paper_out")
        # Paper again: the next ticket is the first and only one printed.
        self.peer.set_mode("ready")
        self.wait_state(d, "ok")
        t2 = self.issue(d)
        self.wait_printed(d, t2["id"], "ok")
        self.assertFinalTickets(d, mark, [t2["number"]], "paper out")

    def after_a_poll(self):
        """Returns right after a status poll (DLE EOT 1, 2, 4) ended, so
        that the next one is ~2 s away."""
        end_of_poll = (len(self.peer.queries()) // 3 + 1) * 3
        self.assertTrue(self.peer.wait_queries(end_of_poll, STATE_TIMEOUT))
        # A silent printer's poll ends when the last query's wait for a
        # reply (300 ms) does: only a position in time, not a proof.
        time.sleep(0.5)

    def test_silent_printer_switched_off_fails_the_next_ticket(self):
        """A printer that never answers status is switched off: its socket
        closes under the daemon's open connection. The ticket written
        next reached no paper and must not be recorded "ok"."""
        d = self.start()
        self.peer.set_mode("silence")
        self.wait_state(d, "unknown")
        self.after_a_poll()
        self.peer.set_mode("down")
        mark = self.peer.mark()
        t = self.issue(d, printed=("pending", "failed"))
        self.wait_printed(d, t["id"], "failed")
        self.assertNothingPrinted(mark, "printer switched off")
        # Switched on again: the next ticket prints.
        self.peer.set_mode("silence")
        t2 = self.issue(d)
        self.wait_printed(d, t2["id"], "ok")
        self.assertFinalTickets(d, mark, [t2["number"]], "switched on")

    def test_cover_closed_right_before_a_ticket_prints_it(self):
        """The cover is closed and a ticket is issued before the next poll:
        the printer is asked again, not refused on its last state."""
        d = self.start()
        self.peer.set_mode("cover_open")
        self.wait_state(d, "cover_open")
        self.after_a_poll()
        self.peer.set_mode("ready")
        mark = self.peer.mark()
        t = self.issue(d)
        self.wait_printed(d, t["id"], "ok")
        self.assertOneTicket(mark, t["number"], "cover just closed")
        self.assertFinalTickets(d, mark, [t["number"]], "cover just closed")

    def test_paper_running_out_on_a_ticket_fails_it(self):
        """The printer takes the ticket and then says paper end: the
        ticket is failed, not "ok", and the printer is paper_out."""
        d = self.start()
        self.wait_state(d, "ok")
        self.peer.set_mode("last_sheet")
        mark = self.peer.mark()
        t = self.issue(d)
        self.wait_printed(d, t["id"], "failed")
        self.assertTrue(self.peer.wait_cut(1, PRINT_TIMEOUT, mark))
        self.assertEqual(self.printers(d)["state"], "paper_out")

    def test_a_new_stream_starts_with_the_printer_state(self):
        """A page opened while the printer is out of paper learns it from
        the first event of its stream, not from the next change."""
        d = self.start()
        self.peer.set_mode("paper_out")
        self.wait_state(d, "paper_out")
        s = Stream(d.port)
        self.addCleanup(s.close)
        p = s.wait_for("printer")[0]["json"]
        self.assertEqual((p["name"], p["state"]), ("default", "paper_out"), p)
        self.assertIn("k1", p["kiosks"], p)
        self.assertIn("location", p)


if __name__ == "__main__":
    main()
