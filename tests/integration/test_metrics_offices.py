#!/usr/bin/env python3
"""Several offices, one view (docs/MONITORING.md): every series of
/metrics carries the office's `[office] id`, two daemons with different ids
are told apart, a reload changes it, and the Grafana dashboard in
docs/grafana/bonomat.json parses and uses only metric names that the
daemon's /metrics really has."""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, SOURCE_DIR, DaemonTestCase,  # noqa: E402
                     main, make_config)

DASHBOARD = os.path.join(SOURCE_DIR, "docs", "grafana", "bonomat.json")
SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL_RE = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')

# What a PromQL expression of the dashboard may name besides metrics.
PROMQL_FUNCTIONS = {
    "sum", "count", "max", "min", "avg", "histogram_quantile", "increase",
    "rate", "label_values", "topk", "bottomk", "clamp_min",
}
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left",
                "group_right", "and", "or", "unless", "bool", "offset"}


def samples(text):
    """[(name, {label: value}, value)] of a Prometheus text."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE_RE.match(line)
        assert m, "not a sample line: %r" % line
        out.append((m.group(1), dict(LABEL_RE.findall(m.group(3) or "")),
                    m.group(4)))
    return out


def expressions(node):
    """Every PromQL expression in the dashboard: targets' expr, the
    template variables' queries."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("expr", "definition") and isinstance(v, str):
                yield v
            elif k == "query" and isinstance(v, str):
                yield v
            else:
                yield from expressions(v)
    elif isinstance(node, list):
        for v in node:
            yield from expressions(v)


def metric_names(expr):
    """The identifiers of expr that name series (metrics), after label
    matchers, strings, ranges and grouping lists are taken out; raises on
    an identifier that is neither a metric nor PromQL."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"\{[^}]*\}", "", e)
    e = re.sub(r"\[[^\]]*\]", "", e)
    e = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", e)
    # Grafana's label_values(metric, label): the label is no metric.
    e = re.sub(r"\blabel_values\(([^,()]+),\s*\w+\)", r"label_values(\1)", e)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?", e):
        word = m.group(0).rstrip("( \t")
        if m.group(1):
            if word not in PROMQL_FUNCTIONS:
                raise AssertionError("unknown function %r in %r"
                                     % (word, expr))
        elif word in PROMQL_WORDS:
            continue
        elif word.startswith("$") or word.startswith("__"):
            continue
        else:
            names.add(word)
    return names


class Offices(DaemonTestCase):
    def office(self, office_id):
        d = self.start_daemon(extra_sections="")
        text = d.config_text.replace(
            "[office]\n", "[office]\nid = %s\n" % office_id, 1)
        with open(d.conf, "w", encoding="utf-8") as f:
            f.write(text)
        d.restart()
        return d

    def metrics(self, d):
        r = d.get("/metrics")
        self.assertStatus(r, 200)
        return samples(r.raw.decode("utf-8"))

    def test_every_series_is_labelled_by_office(self):
        one = self.office("sector1")
        two = self.office("stare-civila")
        self.assertStatus(one.issue("A"), 201)
        for d, oid in ((one, "sector1"), (two, "stare-civila")):
            got = self.metrics(d)
            self.assertGreater(len(got), 20)
            for name, labels, _ in got:
                self.assertEqual(labels.get("office"), oid,
                                 "%s %r" % (name, labels))
            info = [s for s in got if s[0] == "bonomat_office_info"]
            self.assertEqual(len(info), 1, info)
            self.assertTrue(info[0][1]["name"].startswith("Primăria"))
            self.assertEqual(info[0][2], "1")
        waiting = {(s[1]["office"], s[1]["service"]): s[2]
                   for d in (one, two) for s in self.metrics(d)
                   if s[0] == "bonomat_tickets_waiting"}
        self.assertEqual(waiting[("sector1", "A")], "1")
        self.assertEqual(waiting[("stare-civila", "A")], "0")

    def test_default_id_and_reload(self):
        d = self.start_daemon()
        for _, labels, _ in self.metrics(d):
            self.assertEqual(labels.get("office"), "default")
        with open(d.conf, "w", encoding="utf-8") as f:
            f.write(d.config_text.replace("[office]\n",
                                          "[office]\nid = sector_1\n", 1))
        self.assertStatus(d.post("/api/v1/reload", token=ADMIN_TOKEN), 200)
        for _, labels, _ in self.metrics(d):
            self.assertEqual(labels.get("office"), "sector_1")

    def test_bad_id_is_refused(self):
        d = self.start_daemon()
        with open(d.conf, "w", encoding="utf-8") as f:
            f.write(d.config_text.replace("[office]\n",
                                          "[office]\nid = sector 1\n", 1))
        r = d.post("/api/v1/reload", token=ADMIN_TOKEN)
        e = self.assertError(r, 422, "invalid_config")
        self.assertIn(":3: [office] id = 'sector 1': expected 1 to 31 "
                      "letters, digits, '_' or '-'", e["message"])

    def test_dashboard_uses_real_metric_names(self):
        with open(DASHBOARD, encoding="utf-8") as f:
            dash = json.load(f)
        self.assertEqual(dash["templating"]["list"][0]["name"], "office")
        exprs = list(expressions(dash["panels"])) + \
            list(expressions(dash["templating"]))
        self.assertGreater(len(exprs), 10)
        d = self.office("sector1")
        self.assertStatus(d.issue("A"), 201)
        have = {name for name, _, _ in self.metrics(d)}
        used = set()
        for e in exprs:
            names = metric_names(e)
            self.assertTrue(names, "no metric in %r" % e)
            used |= names
            # Every panel follows the office selector.
            if e in [t.get("expr") for p in dash["panels"]
                     for t in p.get("targets", [])]:
                self.assertIn('office=~"$office"', e)
        self.assertEqual(used - have, set(),
                         "the dashboard names metrics /metrics lacks")
        # And the dashboard shows each family of the daemon.
        families = {re.sub(r"_(bucket|sum|count)$", "", n) for n in have}
        shown = {re.sub(r"_(bucket|sum|count)$", "", n) for n in used}
        self.assertEqual(families - shown, set())

    def test_metric_names_sees_through_promql(self):
        self.assertEqual(metric_names(
            'histogram_quantile(0.9, sum by (office, le) '
            '(bonomat_wait_seconds_bucket{office=~"$office"})) / 60'),
            {"bonomat_wait_seconds_bucket"})
        self.assertEqual(metric_names(
            'sum by (office) (increase(x_total{a="b"}[1h])) or y'),
            {"x_total", "y"})
        self.assertEqual(metric_names(
            "label_values(bonomat_office_info, office)"),
            {"bonomat_office_info"})
        with self.assertRaises(AssertionError):
            metric_names("nosuchfunction(x)")


if __name__ == "__main__":
    main()
