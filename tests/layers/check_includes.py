#!/usr/bin/env python3
"""Reads every #include "..." in daemon/ and drivers/ and checks it against
the layer order of daemon/CMakeLists.txt: a file may include headers of its
own folder and of the folders below it, never one above or beside it.
Exits 1 naming each offending line; prints what it checked."""
import pathlib
import re
import sys

# folder -> the folders whose headers it may include (besides its own)
ALLOWED = {
    "daemon/lib": set(),
    "drivers": {"daemon/lib"},
    "daemon/core": {"daemon/lib", "drivers"},
    "daemon/store": {"daemon/lib", "drivers", "daemon/core"},
    "daemon/office": {"daemon/lib", "drivers", "daemon/core", "daemon/store"},
    "daemon/web": {"daemon/lib", "drivers", "daemon/core", "daemon/store",
                   "daemon/office"},
    "daemon": {"daemon/lib", "drivers", "daemon/core", "daemon/store",
               "daemon/office", "daemon/web"},
    "daemon/ctl": {"daemon/lib", "drivers", "daemon/core"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    files = sorted(p for d in ALLOWED for p in (root / d).glob("*.[ch]"))
    home = {}
    for p in files:
        if p.suffix == ".h":
            folder = p.parent.relative_to(root).as_posix()
            if p.name in home:
                print(f"{p}: header name also in {home[p.name]}")
                return 1
            home[p.name] = folder
    bad = checked = 0
    for p in files:
        folder = p.parent.relative_to(root).as_posix()
        for n, line in enumerate(p.read_text().splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            checked += 1
            target = home.get(m.group(1))
            if target is None:
                print(f"{p}:{n}: {m.group(1)} is no header of daemon/ or drivers/")
                bad += 1
            elif target != folder and target not in ALLOWED[folder]:
                print(f"{p}:{n}: {folder} includes {m.group(1)} of {target}, "
                      f"a layer it may not use")
                bad += 1
    print(f"{checked} includes in {len(files)} files checked, {bad} against "
          f"the layers")
    if checked == 0:
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
