#!/usr/bin/env python3
"""Past days written straight into a database that bonomatd created (its
schema, its migrations): tickets and their event log as the daemon writes
them, for the statistics of a period. The daemon must not be running.

As a module: Seeder(db).walk(...) for hand-made days. As a program:

    seed.py DB FROM DAYS [SEED]

writes DAYS office days from FROM (YYYY-MM-DD; Saturdays and Sundays
skipped) of a made-up but steady office, services A and B of the tests'
config (tests/integration/bonomat.py, tests/browser/harness.mjs)."""

import datetime
import random
import sqlite3
import sys
import zoneinfo

TZ = zoneinfo.ZoneInfo("Europe/Bucharest")


def epoch(day, hms):
    """The Unix time of day (YYYY-MM-DD) at hms (HH:MM[:SS]) in the office's
    time zone."""
    parts = [int(x) for x in hms.split(":")] + [0]
    d = datetime.date.fromisoformat(day)
    return int(datetime.datetime(d.year, d.month, d.day, parts[0], parts[1],
                                 parts[2], tzinfo=TZ).timestamp())


class Seeder:
    def __init__(self, path):
        self.db = sqlite3.connect(path)
        self.db.execute("BEGIN")
        self.numbers = {}

    def close(self):
        self.db.commit()
        self.db.close()

    def event(self, at, day, type_, ticket=None, service=None, counter=None,
              kind=None, reason=None, detail=None):
        self.db.execute(
            "INSERT INTO events (at, day, type, ticket, service, counter,"
            " kind, reason, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (at, day, type_, ticket, service, counter, kind, reason, detail))

    def walk(self, day, service, kind, issued, called=None, end=None,
             outcome="served", counter="1", reason="walk_in", slot=None,
             back=None):
        """One ticket of day: issued (checked in, for an appointment at
        slot), first called and ended (served, no_show or expired) at the
        given local times HH:MM[:SS]; called None leaves it waiting (or
        expired, with outcome "expired" and end). A no-show may come back:
        back is a dict of "at" (brought back by counter, as POST
        /api/v1/counters/{id}/tickets/{tid}/return), and optionally
        "called" (by "counter", for "reason") and "end" with its
        "outcome", as a second walk of the same ticket. Returns its id."""
        assert back is None or (outcome == "no_show" and called and end)
        prefix = "P" if kind == "appointment" else service
        n = self.numbers.get((day, prefix), 0) + 1
        self.numbers[(day, prefix)] = n
        # The row holds the last walk: a return clears the counter, the
        # reason and both times, as daemon/office/returns.c does.
        last = {"called": called, "end": end, "outcome": outcome,
                "counter": counter, "reason": reason}
        if back:
            last = {"called": back.get("called"), "end": back.get("end"),
                    "outcome": back.get("outcome", "served"),
                    "counter": back.get("counter", counter),
                    "reason": back.get("reason", reason)}
        state = "waiting"
        if last["called"]:
            state = last["outcome"] if last["end"] else "called"
        elif outcome == "expired" and end:
            state = "expired"
        t_issued = epoch(day, issued)
        t_slot = epoch(day, slot) if slot else None
        cur = self.db.execute(
            "INSERT INTO tickets (day, number, service, kind, state,"
            " issued_at, slot_start, printed, kiosk, counter, reason,"
            " called_at, finished_at) VALUES"
            " (?, ?, ?, ?, ?, ?, ?, 'ok', 'k1', ?, ?, ?, ?)",
            (day, "%s%03d" % (prefix, n), service, kind, state, t_issued,
             t_slot, last["counter"] if last["called"] else None,
             last["reason"] if last["called"] else "none",
             epoch(day, last["called"]) if last["called"] else None,
             epoch(day, last["end"]) if last["end"] else None))
        tid = cur.lastrowid
        self.event(t_issued, day,
                   "checked_in" if kind == "appointment" else "issued",
                   tid, service, None, kind)
        self._walk_events(day, tid, service, kind, called, end, outcome,
                          counter, reason)
        if back:
            self.event(epoch(day, back["at"]), day, "returned", tid, service,
                       counter, kind, detail="by %s" % counter)
            self._walk_events(day, tid, service, kind, last["called"],
                              last["end"], last["outcome"], last["counter"],
                              last["reason"])
        return tid

    def _walk_events(self, day, tid, service, kind, called, end, outcome,
                     counter, reason):
        """The events of one walk of ticket tid: called, then its end."""
        if called:
            self.event(epoch(day, called), day, "called", tid, service,
                       counter, kind, reason)
        if end:
            self.event(epoch(day, end), day,
                       outcome if called else "expired", tid, service,
                       counter if called else None, kind)


def hms_of(x):
    return "%02d:%02d:%02d" % (x // 3600, x // 60 % 60, x % 60)


def come_back(rng, no_show, service):
    """Half of the no-shows (marked at no_show, seconds of the day) come
    back within the default [policy] return_window of 30 minutes, at the
    counter that marked them, and are called again and served; None for
    the others, and for those the closing hour would leave out."""
    if rng.random() >= 0.5:
        return None
    at = no_show + 60 + rng.randrange(25 * 60)
    called = at + 60 + int(rng.expovariate(1 / 300))
    served = called + 120 + rng.randrange(600)
    if served // 3600 >= 19:
        return None
    return {"at": hms_of(at), "called": hms_of(called),
            "end": hms_of(served), "outcome": "served",
            "counter": rng.choice(["1", "2"] if service == "A"
                                  else ["1", "3"])}


def month(path, first, days, seed=1):
    """A steady office: about 60 tickets a day, more in the morning, a few
    no-shows of which about half come back."""
    rng = random.Random(seed)
    # Returns draw from their own generator, so that the rest of the
    # month is the same as without them.
    back_rng = random.Random(seed * 7919 + 1)
    s = Seeder(path)
    d = datetime.date.fromisoformat(first)
    done = 0
    while done < days:
        if d.weekday() < 5:
            day = d.isoformat()
            for _ in range(40 + rng.randrange(40)):
                minute = 8 * 60 + 30 + int(abs(rng.gauss(0, 150))) % 560
                service = "A" if rng.random() < 0.6 else "B"
                r = rng.random()
                kind = ("appointment" if r < 0.2 else
                        "priority" if r < 0.3 else "walk_in")
                issued = minute * 60 + rng.randrange(60)
                wait = int(rng.expovariate(1 / (300 if kind != "walk_in"
                                                else 900)))
                called = issued + wait
                served = called + 120 + rng.randrange(600)
                slot = None
                reason = kind
                if kind == "appointment":
                    slot = (issued // 900 + 1) * 900
                    reason = "appointment_due"
                hms = [hms_of(x) for x in (issued, called, served, slot or 0)]
                if called // 3600 >= 19:
                    s.walk(day, service, kind, hms[0], end="18:30",
                           outcome="expired",
                           slot=hms[3] if slot else None)
                    continue
                outcome = "no_show" if rng.random() < 0.05 else "served"
                counter = rng.choice(["1", "2"] if service == "A"
                                     else ["1", "3"])
                s.walk(day, service, kind, hms[0], hms[1], hms[2],
                       outcome=outcome, counter=counter, reason=reason,
                       slot=hms[3] if slot else None,
                       back=(come_back(back_rng, served, service)
                             if outcome == "no_show" else None))
            done += 1
        d += datetime.timedelta(days=1)
    s.close()


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: seed.py DB FROM DAYS [SEED]")
    month(sys.argv[1], sys.argv[2], int(sys.argv[3]),
          int(sys.argv[4]) if len(sys.argv) == 5 else 1)
