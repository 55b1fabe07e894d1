#!/usr/bin/env python3
"""Counter endpoints need the counter's own bearer token (API.md): the
whole matrix of missing, wrong, foreign and malformed credentials, each
refused with the JSON error and changing nothing. The roles (API.md,
"Roles"): a supervisor's token reads everything and acts on the floor,
never for the admin alone."""

import base64
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bonomat import (ADMIN_TOKEN, COUNTER_TOKENS,  # noqa: E402
                     SUPERVISOR_TOKEN, DaemonTestCase, main)

TOK1 = COUNTER_TOKENS["1"]

# (method, action or None for GET /counters/1, body): the clerk's own work,
# for counter 1's token only.
COUNTER_ONLY = [
    ("POST", "next", None),
    ("POST", "recall", None),
    ("POST", "done", {"outcome": "served"}),
    ("POST", "transfer", {"service": "B"}),
    # A no-show's return (a1 is called, not a no-show: 409 once allowed).
    ("POST", "tickets/1/return", None),
]
# The floor: counter 1's token, a supervisor's or the admin token.
FLOOR = [
    ("POST", "pause", None),
    ("POST", "resume", None),
    ("GET", None, None),
]
ENDPOINTS = COUNTER_ONLY + FLOOR

# Routes beyond the counters' (method, path, body, the status once
# authorized): who may call them. {a1} is the id of the ticket called at
# counter 1 in setUp. The test config prints nothing: a reprint is 422.
SUPERVISOR_ROUTES = [
    ("GET", "/api/v1/tickets", None, 200),
    ("GET", "/api/v1/printers", None, 200),
    ("GET", "/api/v1/stats", None, 200),
    ("POST", "/api/v1/tickets/{a1}/reprint", None, 422),
    ("GET", "/api/v1/supervisor", None, 200),
    # a1 is called: its counter finishes it.
    ("POST", "/api/v1/tickets/{a1}/cancel", {"reason": "a plecat"}, 409),
    # Counter 2 calls A already: nothing changes.
    ("POST", "/api/v1/counters/2/services", {"services": ["A"]}, 200),
]
ADMIN_ROUTES = [
    ("POST", "/api/v1/appointments", {"appointments": []}),
    ("POST", "/api/v1/test/clock", {"advance_s": 0}),
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
        for method, action, body in COUNTER_ONLY:
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
        r = self.call("POST", "tickets/%d/return" % self.a1["id"], None,
                      auth)
        self.assertError(r, 409, "conflict")
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


    def route(self, method, path, body, token):
        return self.d.request(method, path.format(a1=self.a1["id"]),
                              json_body=body, token=token)

    def test_supervisor_token_on_counter_endpoints_is_403(self):
        for method, action, body in COUNTER_ONLY:
            ctx = "%s %s with the supervisor's token" % (method, action)
            with self.subTest(endpoint=action):
                r = self.call(method, action, body,
                              "Bearer " + SUPERVISOR_TOKEN)
                self.assertError(r, 403, "forbidden", ctx)
                self.assertIn("supervisor", r.data["error"]["message"].lower(), ctx)
                self.assertUnchanged(ctx)

    def test_floor_endpoints_take_supervisor_and_admin(self):
        for tok in (SUPERVISOR_TOKEN, ADMIN_TOKEN):
            auth = "Bearer " + tok
            with self.subTest(token=tok):
                r = self.call("POST", "pause", None, auth, cid="2")
                self.assertStatus(r, 200)
                self.assertIs(r.data["paused"], True)
                self.assertIs(self.d.counter("2", None).data["paused"], True)
                r = self.call("POST", "resume", None, auth, cid="2")
                self.assertStatus(r, 200)
                self.assertIs(r.data["paused"], False)
                for cid in COUNTER_TOKENS:
                    r = self.call("GET", None, None, auth, cid=cid)
                    self.assertStatus(r, 200)
                    self.assertCounter(r.data, cid)

    def test_floor_endpoints_unknown_counter(self):
        """401 before 404 for every role, then 404 for a valid token."""
        r = self.call("GET", None, None, None, cid="9")
        self.assertError(r, 401, "unauthorized")
        r = self.call("POST", "pause", None, "Bearer " + SUPERVISOR_TOKEN,
                      cid="9")
        self.assertError(r, 404, "not_found")
        self.assertUnchanged("pause of an unknown counter")

    def test_supervisor_routes(self):
        """No token: 401; a counter's: 403; a supervisor's and the admin
        token: served."""
        for method, path, body, status in SUPERVISOR_ROUTES:
            ctx = "%s %s" % (method, path)
            with self.subTest(route=ctx):
                self.assertError(self.route(method, path, body, None), 401,
                                 "unauthorized", ctx)
                self.assertError(self.route(method, path, body, "wrong-tok"),
                                 401, "unauthorized", ctx)
                r = self.route(method, path, body, COUNTER_TOKENS["1"])
                self.assertError(r, 403, "forbidden", ctx)
                self.assertUnchanged(ctx)
                for tok in (SUPERVISOR_TOKEN, ADMIN_TOKEN):
                    r = self.route(method, path, body, tok)
                    self.assertStatus(r, status, "%s: %r" % (ctx, r))

    def test_admin_routes_refuse_supervisors(self):
        """Importing bookings (and the test clock) stay the admin's."""
        for method, path, body in ADMIN_ROUTES:
            ctx = "%s %s" % (method, path)
            with self.subTest(route=ctx):
                self.assertError(self.route(method, path, body, None), 401,
                                 "unauthorized", ctx)
                for tok in (SUPERVISOR_TOKEN, COUNTER_TOKENS["1"]):
                    r = self.route(method, path, body, tok)
                    self.assertError(r, 403, "forbidden", ctx)
                    self.assertIn("admin token", r.data["error"]["message"], ctx)
                self.assertUnchanged(ctx)
        r = self.route("POST", "/api/v1/appointments", {"appointments": []},
                       ADMIN_TOKEN)
        self.assertStatus(r, 200)


if __name__ == "__main__":
    main()
