#!/usr/bin/env python3
"""Counter endpoints need the counter's own bearer token (API.md): the
whole matrix of missing, wrong, foreign and malformed credentials, each
refused with the JSON error and changing nothing."""

import base64
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, COUNTER_TOKENS,  # noqa: E402
                     DaemonTestCase, main)

TOK1 = COUNTER_TOKENS["1"]

# (method, action or None for GET /counters/1, body)
ENDPOINTS = [
    ("POST", "next", None),
    ("POST", "recall", None),
    ("POST", "done", {"outcome": "served"}),
    ("POST", "transfer", {"service": "B"}),
    ("POST", "pause", None),
    ("POST", "resume", None),
    ("GET", None, None),
]

# Authorization header values that are no credentials for counter 1.
UNAUTHORIZED = [
    ("no header", None),
    ("wrong token", "Bearer wrong-token-xyz"),
    ("empty bearer", "Bearer "),
    ("scheme only", "Bearer"),
    ("token without scheme", TOK1),
    ("no space", "Bearer" + TOK1),
    ("basic scheme", "Basic " + base64.b64encode(
        (TOK1 + ":").encode()).decode()),
    ("other scheme", "Token " + TOK1),
    ("token case", "Bearer " + TOK1.upper()),
    ("token prefix", "Bearer " + TOK1[:-1]),
    ("token extended", "Bearer " + TOK1 + "x"),
    ("token plus junk", "Bearer " + TOK1 + " junk"),
    ("two tokens", "Bearer " + TOK1 + ", Bearer " + TOK1),
    ("empty header", ""),
]

# Header values that are credentials for counter 1 (RFC 9110 11.1: the scheme
# is case-insensitive; RFC 6750 2.1: "Bearer" 1*SP b64token; RFC 9110 5.5:
# whitespace around a field value is not part of it).
ACCEPTED = [
    ("canonical", "Bearer " + TOK1),
    ("lower-case scheme", "bearer " + TOK1),
    ("upper-case scheme", "BEARER " + TOK1),
    ("two spaces", "Bearer  " + TOK1),
    ("trailing whitespace", "Bearer " + TOK1 + "  "),
]


class Tokens(DaemonTestCase):
    def setUp(self):
        super().setUp()
        self.d = self.start_daemon()
        self.a1 = self.issue_ok(self.d, "A")
        self.a2 = self.issue_ok(self.d, "A")
        self.b1 = self.issue_ok(self.d, "B")
        r = self.d.counter("1", "next")
        self.assertStatus(r, 200)
        self.assertEqual(r.data["id"], self.a1["id"])
        self.before = self.snapshot(self.d)

    def call(self, method, action, body, authorization, cid="1"):
        headers = {}
        if authorization is not None:
            headers["Authorization"] = authorization
        path = "/api/v1/counters/%s" % cid
        if action:
            path += "/" + action
        return self.d.request(method, path, json_body=body, headers=headers)

    def assertUnchanged(self, ctx):
        self.assertEqual(self.snapshot(self.d), self.before,
                         "a refused request changed state: " + ctx)
        t = self.d.ticket(self.a1["id"]).data
        self.assertEqual((t["state"], t["counter"], t["service"]),
                         ("called", "1", "A"), ctx)

    def test_no_or_wrong_token_is_401(self):
        for method, action, body in ENDPOINTS:
            for label, auth in UNAUTHORIZED:
                ctx = "%s %s with %s (%r)" % (method, action or "counter",
                                              label, auth)
                with self.subTest(endpoint=action or "GET", auth=label):
                    r = self.call(method, action, body, auth)
                    self.assertError(r, 401, "unauthorized", ctx)
                    self.assertUnchanged(ctx)

    def test_other_counters_token_is_403(self):
        for method, action, body in ENDPOINTS:
            for other in ("2", "3"):
                auth = "Bearer " + COUNTER_TOKENS[other]
                ctx = "%s %s with counter %s's token" % (
                    method, action or "counter", other)
                with self.subTest(endpoint=action or "GET", token=other):
                    r = self.call(method, action, body, auth)
                    self.assertError(r, 403, "forbidden", ctx)
                    self.assertUnchanged(ctx)

    def test_admin_token_on_counter_endpoints(self):
        """The admin token is not a counter's token. API.md does not say
        whether that is 401 or 403: whichever, the same everywhere."""
        seen = {}
        for method, action, body in ENDPOINTS:
            ctx = "%s %s with the admin token" % (method, action or "counter")
            r = self.call(method, action, body, "Bearer " + ADMIN_TOKEN)
            self.assertIn(r.status, (401, 403), ctx + ": %r" % (r,))
            self.assertError(r, r.status, "unauthorized" if r.status == 401
                             else "forbidden", ctx)
            self.assertUnchanged(ctx)
            seen[action or "GET"] = r.status
        self.assertEqual(len(set(seen.values())), 1,
                         "inconsistent answers to the admin token: %r" % seen)
        sys.stderr.write("\n  note: the admin token on counter endpoints is "
                         "answered %d\n" % next(iter(seen.values())))

    def test_401_names_the_bearer_scheme(self):
        # RFC 9110 11.6.1: a 401 MUST carry WWW-Authenticate
        for label, auth in (("no header", None),
                            ("wrong token", "Bearer wrong-token-xyz")):
            with self.subTest(auth=label):
                r = self.call("POST", "next", None, auth)
                self.assertEqual(r.status, 401, r)
                www = r.headers.get("WWW-Authenticate")
                self.assertIsNotNone(www, "401 without WWW-Authenticate")
                self.assertEqual(www.split()[0].lower(), "bearer", www)

    def test_accepted_forms_of_the_header(self):
        for label, auth in ACCEPTED:
            with self.subTest(auth=label):
                r = self.call("GET", None, None, auth)
                self.assertStatus(r, 200, "%s (%r): %r" % (label, auth, r))
                self.assertEqual(r.data["id"], "1")

    def test_each_counter_accepts_its_own_token(self):
        for cid, tok in COUNTER_TOKENS.items():
            with self.subTest(counter=cid):
                r = self.call("GET", None, None, "Bearer " + tok, cid=cid)
                self.assertStatus(r, 200)
                self.assertCounter(r.data, cid)

    def test_right_token_works_on_every_endpoint(self):
        """The control: the same endpoints succeed with counter 1's token,
        so the refusals above are about the credentials."""
        auth = "Bearer " + TOK1
        r = self.call("POST", "recall", None, auth)
        self.assertStatus(r, 200)
        self.assertEqual(r.data["id"], self.a1["id"])
        r = self.call("POST", "transfer", {"service": "B"}, auth)
        self.assertStatus(r, 200)
        self.assertEqual((r.data["id"], r.data["service"], r.data["state"]),
                         (self.a1["id"], "B", "waiting"))
        r = self.call("POST", "next", None, auth)
        self.assertStatus(r, 200)
        self.assertEqual(r.data["state"], "called")
        r = self.call("POST", "done", {"outcome": "served"}, auth)
        self.assertStatus(r, 200)
        self.assertEqual(r.data["state"], "served")
        r = self.call("POST", "pause", None, auth)
        self.assertStatus(r, 200)
        self.assertIs(r.data["paused"], True)
        r = self.call("POST", "resume", None, auth)
        self.assertStatus(r, 200)
        self.assertIs(r.data["paused"], False)
        r = self.call("GET", None, None, auth)
        self.assertStatus(r, 200)
        self.assertCounter(r.data, "1")


if __name__ == "__main__":
    main()
