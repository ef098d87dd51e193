#!/usr/bin/env python3
"""seed_demo.py - gives the demo quarter a form server, caseworkers and cases.

scripts/demo runs it against the running server, so that the review app at
/review/ has something to show. On a store without the demo client it

  - adds the form-server client "demo-form" (geoeditor client add) for the
    origin http://localhost:PORT,
  - adds the caseworker "demo-sachbearbeitung" (skip-container,
    construction-access) and the admin "demo-admin" (geoeditor user add), each
    with a freshly generated random password,
  - submits six fictional cases through the real API, as a form server and an
    applicant would (POST /v1/drafts, PUT /v1/edit/{token}/features,
    POST /v1/edit/{token}/finish, POST /v1/drafts/{id}/submit with an
    Idempotency-Key): two skip containers in the same place at overlapping
    times (a conflict), a construction-site access close to street trees (a
    warning), an information stand only the admin sees, one case the
    caseworker has started to review and one approved (POST /v1/login, PATCH
    /v1/cases/{id} with the CSRF token),
  - and prints the URLs and the passwords. The passwords are shown this once;
    only their hashes are stored.

On a store that has the demo client already it adds nothing and says so. The
form server's API key is kept beside the store (<db>.demo-client.json, mode
0600, never in the repository) so that every run can open a fresh draft and
print an editor link an applicant would get.

Placements are in metres of the demo quarter (data/demo/make_demo.py: x east,
y north of its centre) and were chosen with POST /v1/validate: the skips stand
in the parking lane clear of hydrants (5 m), street trees (1.5 m) and
junctions (8 m); the access to Lindenallee 32 passes within 5 m of a lime tree.

    python3 data/demo/seed_demo.py --binary build/geoeditor --db var/musterstadt.sqlite \\
        --port 8080 [--server-pid PID] [--wait 60]

Python 3 standard library only; nothing is fetched from the network.
"""
import argparse
import datetime
import json
import math
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request

# The demo quarter's origin and metres per degree (as in make_demo.py).
LON0, LAT0 = 9.93, 51.54
M_LAT = 111320.0
M_LON = 111320.0 * math.cos(math.radians(LAT0))

CLIENT = "demo-form"
CASEWORKER = "demo-sachbearbeitung"
ADMIN = "demo-admin"
USERS = [
    (CASEWORKER, "caseworker", ["skip-container", "construction-access"]),
    (ADMIN, "admin", []),
]


def lonlat(x, y):
    return [round(LON0 + x / M_LON, 7), round(LAT0 + y / M_LAT, 7)]


def rect(x0, y0, x1, y1):
    ring = [lonlat(x0, y0), lonlat(x1, y0), lonlat(x1, y1), lonlat(x0, y1), lonlat(x0, y0)]
    return {"type": "Polygon", "coordinates": [ring]}


def line(*pts):
    return {"type": "LineString", "coordinates": [lonlat(x, y) for x, y in pts]}


def point(x, y):
    return {"type": "Point", "coordinates": lonlat(x, y)}


def period(first, last):
    """Days from today (UTC): the lead-time rules want 5 or 14 days ahead."""
    today = datetime.datetime.now(datetime.timezone.utc).date()
    return {"start": str(today + datetime.timedelta(days=first)),
            "end": str(today + datetime.timedelta(days=last))}


# The cases, in the order they are submitted. "steps" are the caseworker's
# decisions made afterwards (status, comment).
CASES = [
    {"reference": "MS-2026-0101", "service": "skip-container",
     "geometry": rect(-150, -103, -146, -101), "period": period(8, 15),
     "applicant": {"name": "Erika Mustermann", "email": "erika.mustermann@example.org",
                   "phone": "+49 30 1234567", "address": "Lindenallee 9, 12345 Musterstadt"},
     "steps": []},
    # Two metres further east, overlapping in place and time: a conflict.
    {"reference": "MS-2026-0102", "service": "skip-container",
     "geometry": rect(-148, -103, -144, -101), "period": period(12, 20),
     "applicant": {"name": "Max Mustermann", "organisation": "Entrümpelung Mustermann",
                   "email": "max@entruempelung-mustermann.example",
                   "address": "Lindenallee 11, 12345 Musterstadt"},
     "steps": []},
    {"reference": "MS-2026-0103", "service": "construction-access",
     "geometry": line((41, -103), (41, -113)), "period": period(20, 110),
     "applicant": {"name": "Jonas Beispiel", "organisation": "Muster & Söhne Hochbau GmbH",
                   "email": "bauleitung@muster-soehne.example", "phone": "+49 30 7654321",
                   "address": "Lindenallee 32, 12345 Musterstadt"},
     "steps": []},
    {"reference": "MS-2026-0104", "service": "info-stand",
     "geometry": point(90, 60), "period": period(9, 9),
     "applicant": {"name": "Dr. Paula Probe", "organisation": "Verein für Stadtgeschichte e. V.",
                   "email": "vorstand@stadtgeschichte.example"},
     "steps": []},
    {"reference": "MS-2026-0105", "service": "skip-container",
     "geometry": rect(-253, 60, -251, 64), "period": period(6, 12),
     "applicant": {"name": "Lena Muster", "organisation": "Hausverwaltung Beispiel GmbH",
                   "email": "l.muster@hv-beispiel.example",
                   "address": "Am Anger 3, 12345 Musterstadt"},
     "steps": [("in_review", None)]},
    {"reference": "MS-2026-0106", "service": "skip-container",
     "geometry": rect(248, 40, 250, 44), "period": period(6, 9),
     "applicant": {"name": "Sabine Musterfrau", "email": "s.musterfrau@example.net",
                   "address": "Gartenstraße 4, 12345 Musterstadt"},
     "steps": [("in_review", None),
               ("approved", "Genehmigt. Bitte die Mulde nachts mit Warnleuchten sichern "
                            "und den Gehweg frei halten.")]},
]


class Api:
    """The running server on loopback; Host says localhost so links are usable."""

    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port
        self.host = "localhost:%d" % port
        self.cookie = None
        self.csrf = None

    def call(self, method, path, body=None, headers=None, want=(200,)):
        h = {"Host": self.host, "Accept": "application/json",
             "Origin": "http://" + self.host}
        if headers:
            h.update(headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if self.cookie:
            h["Cookie"] = self.cookie
        req = urllib.request.Request(self.base + path, data=data, headers=h, method=method)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, text, cookie = r.status, r.read(), r.headers.get("Set-Cookie")
        except urllib.error.HTTPError as e:
            status, text, cookie = e.code, e.read(), None
        if status not in want:
            raise SystemExit("seed_demo: %s %s answered %d: %s" %
                             (method, path, status, text.decode(errors="replace")[:800]))
        if cookie and cookie.startswith("ge_session="):
            self.cookie = cookie.split(";", 1)[0]
        return json.loads(text) if text else None

    def ready(self, wait_s, pid):
        deadline = time.monotonic() + wait_s
        while True:
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=5) as r:
                    if r.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            if pid and not alive(pid):
                raise SystemExit("seed_demo: the server stopped before it was ready")
            if time.monotonic() > deadline:
                raise SystemExit("seed_demo: %s/readyz did not answer within %d s" %
                                 (self.base, wait_s))
            time.sleep(0.2)


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def cli(args, binary, db, stdin=None):
    r = subprocess.run([binary] + args + ["--db", db], input=stdin, capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise SystemExit("seed_demo: geoeditor %s failed:\n%s%s" %
                         (" ".join(args), r.stdout, r.stderr))
    return r.stdout


def table(text):
    """Rows of a `geoeditor ... list` table as lists of whitespace-split words."""
    return [ln.split() for ln in text.splitlines()[1:] if ln.strip()]


def demo_client(binary, db):
    """The id of the active demo client, or None."""
    for row in table(cli(["client", "list"], binary, db)):
        if len(row) >= 4 and row[1] == CLIENT and row[3] == "-":
            return int(row[0])
    return None


def new_draft(api, key, reference, service, per, options=None):
    body = {"service": service, "reference": reference, "locale": "de", "period": per}
    if options:
        body["options"] = options
    return api.call("POST", "/v1/drafts", body, {"Authorization": "Bearer " + key}, want=(201,))


def submit(api, key, c):
    """Form server opens a draft, the applicant draws and finishes, form server submits."""
    draft = new_draft(api, key, c["reference"], c["service"], c["period"])
    token = draft["editor_url"].split("?", 1)[0].rstrip("/").rsplit("/", 1)[1]
    fc = {"type": "FeatureCollection",
          "features": [{"type": "Feature", "properties": {}, "geometry": c["geometry"]}]}
    api.call("PUT", "/v1/edit/%s/features" % token, fc)
    fin = api.call("POST", "/v1/edit/%s/finish" % token)
    if not fin.get("success"):
        raise SystemExit("seed_demo: %s does not pass its rules: %s" %
                         (c["reference"], json.dumps(fin, ensure_ascii=False)[:800]))
    done = api.call("POST", "/v1/drafts/%s/submit" % draft["id"],
                    {"applicant": c["applicant"], "period": c["period"]},
                    {"Authorization": "Bearer " + key,
                     "Idempotency-Key": "demo-seed-" + c["reference"]}, want=(201,))
    return done["case_id"]


def decide(api, case_id, steps):
    for status, comment in steps:
        body = {"status": status}
        if comment:
            body["comment"] = comment
        api.call("PATCH", "/v1/cases/" + case_id, body, {"X-CSRF-Token": api.csrf})


def write_state(path, state):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(state, f, indent=1)


def read_state(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def new_password(name):
    """16 random characters (96 bits). "user add" refuses a password that
    contains the user name or a part of it of 3 or more letters, ignoring
    case; a random one does so about once in 80000 draws: draw again."""
    parts = [p.lower() for p in re.split(r"[^0-9A-Za-z\x80-\U0010ffff]+", name) if len(p) >= 3]
    while True:
        pw = secrets.token_urlsafe(12)
        if not any(p in pw.lower() for p in parts + [name.lower()]):
            return pw


def main():
    ap = argparse.ArgumentParser(description="Seed the demo quarter's store with cases.")
    ap.add_argument("--binary", default="build/geoeditor")
    ap.add_argument("--db", required=True)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--server-pid", type=int, default=0,
                    help="give up waiting when this process ends")
    ap.add_argument("--wait", type=int, default=60, help="seconds to wait for /readyz")
    a = ap.parse_args()

    api = Api(a.port)
    api.ready(a.wait, a.server_pid)
    url = "http://localhost:%d" % a.port
    state_path = a.db + ".demo-client.json"
    state = read_state(state_path)
    client_id = demo_client(a.binary, a.db)
    passwords = {}

    if client_id is not None:
        if state.get("client_id") != client_id or not state.get("complete"):
            raise SystemExit(
                "seed_demo: the store has the client '%s' but not from a finished seeding "
                "(%s).\nRemove %s and run scripts/demo again to start over." %
                (CLIENT, state_path, a.db))
        print("demo: the demo cases and accounts exist already; nothing added.")
    else:
        out = cli(["client", "add", "--name", CLIENT, "--origin", url], a.binary, a.db)
        fields = dict(ln.split(": ", 1) for ln in out.splitlines() if ": " in ln)
        state = {"client_id": int(fields["id"]), "api_key": fields["api_key"].strip(),
                 "complete": False}
        write_state(state_path, state)

        users = {row[0] for row in table(cli(["user", "list"], a.binary, a.db))}
        for name, role, services in USERS:
            if name in users:
                continue
            pw = new_password(name)
            args = ["user", "add", "--name", name, "--role", role]
            for s in services:
                args += ["--service", s]
            cli(args, a.binary, a.db, stdin=pw + "\n")
            passwords[name] = pw

        ids = {}
        for i, c in enumerate(CASES):
            if i:
                # Creation times have whole seconds and the list is newest
                # first: a second apart, the list shows the cases in order.
                time.sleep(1.05)
            ids[c["reference"]] = submit(api, state["api_key"], c)
        if any(c["steps"] for c in CASES):
            if CASEWORKER not in passwords:
                raise SystemExit("seed_demo: '%s' existed before, its password is unknown "
                                 "here; cannot record the demo decisions" % CASEWORKER)
            login = api.call("POST", "/v1/login",
                             {"name": CASEWORKER, "password": passwords[CASEWORKER]})
            api.csrf = login["csrf_token"]
            for c in CASES:
                decide(api, ids[c["reference"]], c["steps"])
            api.call("POST", "/v1/logout", headers={"X-CSRF-Token": api.csrf},
                     want=(200, 204))
            api.cookie = None
        state["complete"] = True
        state["cases"] = ids
        write_state(state_path, state)
        print("demo: added the form server '%s', %d cases and the accounts %s." %
              (CLIENT, len(ids), ", ".join(n for n, _, _ in USERS)))

    # A fresh draft every run: the link an applicant would get from the form,
    # whose period the applicant may change in the editor.
    draft = new_draft(api, state["api_key"], "MS-2026-0199", "skip-container", period(7, 14),
                      {"period_editable": True})

    print()
    print("  Review app (caseworkers):  %s/review/" % url)
    for name, role, services in USERS:
        what = "all services" if role == "admin" else "; ".join(services)
        if name in passwords:
            print("    %-22s password: %s   (%s: %s)" % (name, passwords[name], role, what))
        else:
            print("    %-22s (%s: %s) password shown when it was created; a new one:"
                  % (name, role, what))
            print("      %s user passwd --db %s --name %s" % (a.binary, a.db, name))
    if passwords:
        print("    The passwords are shown only now; only their hashes are stored.")
    print("  Applicant's editor (a new skip-container draft, valid %s):" %
          draft["expires_at"][:10])
    print("    %s" % draft["editor_url"])
    print("  Reference data:            %s/?f=html" % url)
    print("  Application types:         %s/v1/services" % url)
    print("  API (OpenAPI):             %s/api" % url)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
