#!/usr/bin/env python3
"""The libraries a binary links (its DT_NEEDED entries, read by readelf):
those named after --present must be there, those after --absent must not.
bonomatd loads libcups and libcurl on first use (daemon/lib/dynlib.h);
linking either again would put 4.5 MiB back into every daemon.

    check_needed.py BINARY --present libsqlite3.so.0 --absent libcups.so.2
"""
import re
import subprocess
import sys


def main(argv):
    binary, lists, cur = argv[1], {"--present": [], "--absent": []}, None
    for a in argv[2:]:
        if a in lists:
            cur = lists[a]
        elif cur is None:
            sys.exit("usage: check_needed.py BINARY --present ... --absent ...")
        else:
            cur.append(a)
    out = subprocess.run(["readelf", "-d", binary], capture_output=True,
                         text=True, check=True).stdout
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^]]+)\]", out))
    bad = [f"{lib} is not linked" for lib in lists["--present"]
           if lib not in needed]
    bad += [f"{lib} is linked" for lib in lists["--absent"] if lib in needed]
    print(f"{binary}: links {', '.join(sorted(needed))}")
    for b in bad:
        print("FAIL: " + b)
    return 1 if bad or not needed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
