#!/usr/bin/env python3
"""The manual pages (docs/man, mdoc) render without a warning and are
complete: `mandoc -T lint -W warning` prints nothing for each page (and
groff -ww, when installed, nothing either), bonomat.conf(5) names every
key of docs/CONFIG.md, bonomatd(8) every option of daemon/main.c, and
bonomatctl(1) every command and option of daemon/ctl/. Exits 1 naming what
is wrong."""
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
MAN = ROOT / "docs" / "man"
PAGES = ["bonomatd.8", "bonomatctl.1", "bonomat.conf.5"]
LONG_OPT = re.compile(r'\{"([a-z][a-z-]*)", (?:no|required)_argument')


def lint(page, problems):
    p = subprocess.run(["mandoc", "-T", "lint", "-W", "warning", str(page)],
                       capture_output=True, text=True)
    out = (p.stdout + p.stderr).strip()
    if p.returncode != 0 or out:
        problems.append("mandoc -T lint %s (status %d):\n%s"
                        % (page.name, p.returncode, out))
    if shutil.which("groff"):
        g = subprocess.run(["groff", "-ww", "-z", "-Tutf8", "-mandoc", str(page)],
                           capture_output=True, text=True)
        if g.returncode != 0 or g.stderr.strip():
            problems.append("groff -ww %s:\n%s" % (page.name, g.stderr))


def mentions_option(text, opt):
    return ("Fl \\-" + opt.replace("-", "\\-")) in text


def main():
    problems = []
    for name in PAGES:
        lint(MAN / name, problems)
    conf = (MAN / "bonomat.conf.5").read_text(encoding="utf-8")
    keys = set(re.findall(r"^\| `([a-z_]+)`",
                          (ROOT / "docs" / "CONFIG.md").read_text(
                              encoding="utf-8"), re.M))
    if not keys:
        problems.append("no keys found in docs/CONFIG.md")
    for k in sorted(keys):
        if not re.search(r"^\.It Cm %s\b" % k, conf, re.M) and \
                not re.search(r"Cm %s\b" % k, conf):
            problems.append("bonomat.conf.5 does not name the key %s" % k)
    daemon = (MAN / "bonomatd.8").read_text(encoding="utf-8")
    opts = LONG_OPT.findall((ROOT / "daemon" / "main.c").read_text())
    for o in opts:
        if not mentions_option(daemon, o):
            problems.append("bonomatd.8 does not name --%s" % o)
    ctl = (MAN / "bonomatctl.1").read_text(encoding="utf-8")
    ctl_opts, commands = set(), set()
    for src in (ROOT / "daemon" / "ctl").glob("*.c"):
        text = src.read_text()
        ctl_opts.update(LONG_OPT.findall(text))
        commands.update(re.findall(r'^\t\{"([a-z-]+)", "[a-zA-Z]*", -?\d',
                                   text, re.M))
    commands.add("import")
    for o in sorted(ctl_opts - {"help"}):
        if not mentions_option(ctl, o):
            problems.append("bonomatctl.1 does not name --%s" % o)
    for c in sorted(commands):
        if not re.search(r"^\.It Cm %s\b" % re.escape(c),
                         ctl.replace("\\-", "-"), re.M):
            problems.append("bonomatctl.1 does not describe the command %s"
                            % c)
    for page, section in (("bonomatd.8", "EXIT STATUS"),
                          ("bonomatctl.1", "EXIT STATUS"),
                          ("bonomatd.8", "SIGNALS"),
                          ("bonomatd.8", "FILES"),
                          ("bonomatctl.1", "EXAMPLES"),
                          ("bonomat.conf.5", "EXAMPLES")):
        if not re.search(r"^\.Sh %s$" % section,
                         (MAN / page).read_text(encoding="utf-8"), re.M):
            problems.append("%s has no %s section" % (page, section))
    print("%d pages linted; %d config keys, %d bonomatd options, %d "
          "bonomatctl options and %d commands looked for"
          % (len(PAGES), len(keys), len(opts), len(ctl_opts),
             len(commands)))
    for p in problems:
        print("FAIL: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
