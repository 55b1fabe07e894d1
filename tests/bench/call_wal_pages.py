#!/usr/bin/env python3
"""WAL pages a call-next commit writes, on a model of the call.

    tests/bench/call_wal_pages.py [--waiting N] [--calls N] [--store FILE]
                                  [--no-counter]

Builds a database with the daemon's schema (every migration of
daemon/store/store.c, run in order), three past days of 2,500 served
tickets, N tickets waiting today on 8 services and 8 counters, then makes
the call's transaction (daemon/office/counter.c office_next: the served
ticket's update and event, the called ticket's update and event, the
counter) for each call with automatic checkpoints off, and prints how many
WAL frames each commit added: the median, the mean and the most.
--no-counter leaves the counter's row out of the call (as office_next
writes it since the counters' current ticket is no longer kept).
The statements are the store's (read from store.c), not copies.
"""
import argparse
import os
import re
import sqlite3
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
STORE_C = os.path.join(HERE, '..', '..', 'daemon', 'store', 'store.c')
DAY = '2026-12-06'
SERVICES = 'ABCDEFGH'


def c_strings(text):
    """The C string literals of text, concatenated and unescaped."""
    lits = re.findall(r'"((?:[^"\\]|\\.)*)"', text)
    return ''.join(lits).encode().decode('unicode_escape')


def store_sql(store_c):
    src = open(store_c, encoding='utf-8').read()
    migrations = src[src.index('migrations[] = {'):src.index('_Static_assert')]
    cols = re.search(r'#define EVENT_COLUMNS[\s\\]+("[^"]*")', src)
    stmts = {}
    for name in ('ST_TICKET_UPDATE', 'ST_TICKET_RENUMBER',
                 'ST_EVENT_APPEND', 'ST_COUNTER_SAVE'):
        m = re.search(r'\[' + name + r'\]\s*=\s*(.*?",)\n', src, re.S)
        if not m:
            continue
        body = m.group(1).replace('" EVENT_COLUMNS "',
                                  c_strings(cols.group(1)))
        stmts[name] = c_strings(body)
    return c_strings(migrations), stmts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--waiting', type=int, default=10000)
    ap.add_argument('--calls', type=int, default=800)
    ap.add_argument('--store', default=STORE_C,
                    help='the store.c to read (another version\'s to compare)')
    ap.add_argument('--no-counter', action='store_true',
                    help='the call does not write the counter\'s row')
    a = ap.parse_args()
    schema, st = store_sql(a.store)
    upd = st['ST_TICKET_UPDATE']
    renumber = st.get('ST_TICKET_RENUMBER')
    with tempfile.TemporaryDirectory(dir=os.getcwd()) as d:
        path = os.path.join(d, 'model.db')
        db = sqlite3.connect(path, isolation_level=None)
        db.executescript(schema)
        db.execute('PRAGMA journal_mode=WAL')
        db.execute('PRAGMA wal_autocheckpoint=0')
        db.execute('BEGIN')
        ins = ('INSERT INTO tickets (day, number, service, kind, state,'
               ' issued_at, printed, token, estimate)'
               ' VALUES (?, ?, ?, \'walk_in\', ?, ?, \'ok\', ?, 5)')
        ev = st['ST_EVENT_APPEND']
        for day in ('2026-12-03', '2026-12-04', '2026-12-05'):
            for i in range(2500):
                s = SERVICES[i % 8]
                c = db.execute(ins, (day, '%s%03d' % (s, i // 8 + 1), s,
                                     'served', i, None))
                for kind in ('issued', 'called', 'served'):
                    db.execute(ev, (i, day, kind, c.lastrowid, s, 'c1',
                                    'walk_in', None, None))
        ids = []
        for i in range(a.waiting):
            s = SERVICES[i % 8]
            c = db.execute(ins, (DAY, '%s%03d' % (s, i // 8 + 1), s,
                                 'waiting', i, '%022d' % i))
            ids.append((c.lastrowid, '%s%03d' % (s, i // 8 + 1), s, i))
            db.execute(ev, (i, DAY, 'issued', c.lastrowid, s, None,
                            'walk_in', None, None))
        db.execute('COMMIT')
        db.execute('PRAGMA wal_checkpoint(TRUNCATE)')

        def update(t, state, counter, finished):
            args = (DAY, t[1], t[2], 'walk_in', state, t[3], None, 0, 'ok',
                    None, counter, 'walk_in', 1000, finished, 0, 5, t[0])
            c = db.execute(upd, args)
            if c.rowcount == 0 and renumber:
                db.execute(renumber, args)

        current = [None] * 8
        frames = []
        for j in range(min(a.calls, a.waiting)):
            k = j % 8
            counter = 'c%d' % k
            size = os.path.getsize(path + '-wal')
            db.execute('BEGIN IMMEDIATE')
            if current[k]:
                t = current[k]
                update(t, 'served', counter, 1001)
                db.execute(ev, (1001, DAY, 'served', t[0], t[2], counter,
                                'walk_in', None, None))
            t = ids[j]
            update(t, 'called', counter, None)
            db.execute(ev, (1001, DAY, 'called', t[0], t[2], counter,
                            'walk_in', 'walk_in', None))
            if not a.no_counter:
                db.execute(st['ST_COUNTER_SAVE'], (counter, 0, t[0]))
            db.execute('COMMIT')
            current[k] = t
            if j >= 16:  # every counter has a current ticket
                frames.append((os.path.getsize(path + '-wal') - size) //
                              (db.execute('PRAGMA page_size').fetchone()[0]
                               + 24))
        db.close()
    frames.sort()
    print('WAL pages a call commits (%d waiting, %d calls, SQLite %s):'
          ' median %d, mean %.2f, most %d'
          % (a.waiting, len(frames), sqlite3.sqlite_version,
             frames[len(frames) // 2], sum(frames) / len(frames),
             frames[-1]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
