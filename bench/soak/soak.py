#!/usr/bin/env python3
"""soak.py - the soak's load driver (bench/soak/run starts it; see README.md).

Drives a fixed-rate mix of requests at a running geoeditor on loopback for a
number of minutes, samples the server process's RSS, open files and threads
every interval, and prints one line per interval: requests, errors, 5xx,
p50/p99 latency, RSS, fds, threads. At the end: the RSS table after warm-up,
the growth per hour (least squares over the samples after warm-up), the
totals, and a verdict against the targets (growth < 2 MB/h, 0 errors, 0 5xx,
p99 of the last quarter not above twice that of the first quarter after
warm-up).

The mix, as weights of one schedule slot (rate slots per second, spread over
a few worker threads so a slow answer does not slow the rate; one export at a
time, as export_concurrency allows two):
  validate (POST /v1/validate)                       drawn near an address
  placements (POST /v1/placements)                   by address label
  tiles (reference-layer MVT, base map, cases tiles) random tiles of the extract
  features (GET /collections/{id}/items?bbox=...)    random small boxes
  draft (POST /v1/drafts, editor autosave + validate, GET draft, submit)
  review (GET /v1/cases, GET /v1/cases/{id}, history)
  decision (PATCH /v1/cases/{id}: in_review, then approved/rejected/changes)
  export (GET /v1/export, a recent batch of cases, rotating formats)
  map (GET /v1/cases/{id}/map.png)
  session (logout + login of a second caseworker)
Every status change reaches a webhook receiver run here (the server's webhook
sender thread delivers to it).
"""
import argparse
import http.client
import http.server
import json
import math
import os
import random
import sys
import threading
import time
import uuid
from datetime import date, timedelta

MIX = [("validate", 20), ("placements", 8), ("tiles", 25), ("features", 15), ("draft", 6),
       ("review", 12), ("decision", 6), ("export", 2), ("map", 2), ("session", 1),
       ("ops", 3)]
LAYER_ZOOMS = (14, 15, 16, 17)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()
        self.total = {"requests": 0, "errors": 0, "5xx": 0}
        self.by_kind = {}
        self.error_samples = []

    def reset(self):
        self.lat = []
        self.n = self.err = self.s5 = 0

    def add(self, kind, ms, status, ok, what):
        with self.lock:
            self.n += 1
            self.total["requests"] += 1
            self.lat.append(ms)
            k = self.by_kind.setdefault(kind, [0, 0])
            k[0] += 1
            if status >= 500:
                self.s5 += 1
                self.total["5xx"] += 1
            if not ok:
                self.err += 1
                self.total["errors"] += 1
                k[1] += 1
                if len(self.error_samples) < 30:
                    self.error_samples.append(f"{kind}: {status} {what}")
                    print(f"error: {kind}: {status} {what}", flush=True)

    def take(self):
        with self.lock:
            out = (self.n, self.err, self.s5, sorted(self.lat))
            self.reset()
            return out


def pct(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    i = min(len(sorted_vals) - 1, max(0, math.ceil(p / 100 * len(sorted_vals)) - 1))
    return sorted_vals[i]


def proc_sample(pid):
    rss = threads = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return rss, fds, threads


# The server's memory gauges (server/metrics.h) sampled with RSS, in this
# order into the CSV (--csv) and into the end's trend table.
GAUGES = [
    ("tile_cache", 'geoeditor_tile_cache_bytes'),
    ("tile_entries", 'geoeditor_tile_cache_entries'),
    ("store_page_cache", 'geoeditor_store_page_cache_bytes'),
    ("store_open", 'geoeditor_store_connections{state="open"}'),
    ("store_idle", 'geoeditor_store_connections{state="idle"}'),
    ("store_schema", 'geoeditor_store_schema_bytes'),
    ("store_stmt", 'geoeditor_store_statement_bytes'),
    ("sqlite", 'geoeditor_sqlite_memory_bytes'),
    ("prepared", 'geoeditor_prepared_geometries'),
    ("prepared_bytes", 'geoeditor_prepared_geometry_bytes'),
    ("prepared_evicted", 'geoeditor_prepared_geometries_evicted_total'),
    ("malloc_arena", 'geoeditor_malloc_bytes{kind="arena"}'),
    ("malloc_in_use", 'geoeditor_malloc_bytes{kind="in_use"}'),
    ("malloc_free", 'geoeditor_malloc_bytes{kind="free"}'),
    ("malloc_mmap", 'geoeditor_malloc_bytes{kind="mmap"}'),
    ("arenas", 'geoeditor_malloc_arenas'),
    ("trims", 'geoeditor_malloc_trims_total'),
    ("trimmed", 'geoeditor_malloc_trimmed_bytes_total'),
    ("budget_stops", 'geoeditor_compute_stopped_total{reason="budget"}'),
]
BYTE_GAUGES = {"prepared_bytes", "tile_cache", "store_page_cache", "store_schema", "store_stmt", "sqlite", "malloc_arena", "malloc_in_use",
               "malloc_free", "malloc_mmap", "trimmed"}


def gauge_sample(port):
    """The memory gauges from /metrics (not counted as soak traffic); None
    for a gauge the server does not have or a scrape that failed."""
    vals = {}
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/metrics")
        r = c.getresponse()
        text = r.read().decode()
        c.close()
        if r.status != 200:
            return [None] * len(GAUGES)
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, v = line.rpartition(" ")
                vals[name] = float(v)
    except (OSError, http.client.HTTPException, ValueError):
        return [None] * len(GAUGES)
    return [vals.get(series) for _, series in GAUGES]


def slope_per_hour(xs_min, ys):
    pts = [(x / 60, y) for x, y in zip(xs_min, ys) if y is not None]
    if len(pts) < 3:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / den if den else None


class Hook(http.server.BaseHTTPRequestHandler):
    count = 0
    lock = threading.Lock()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        with Hook.lock:
            Hook.count += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *a):
        pass


class Driver:
    def __init__(self, a):
        self.a = a
        self.stats = Stats()
        self.rng_lock = threading.Lock()
        self.rng = random.Random(a.seed)
        self.local = threading.local()
        self.addresses = []  # (label, lon, lat)
        self.layers = []
        self.cases = []  # [case_id, status, etag]
        self.cases_lock = threading.Lock()
        self.batches = []  # reference prefixes of submitted cases, newest last
        self.seq = 0
        self.export_lock = threading.Lock()
        self.session_lock = threading.Lock()
        self.cookie = {}
        self.csrf = {}
        start = date.today() + timedelta(days=10)
        self.period = {"start": start.isoformat(), "end": (start + timedelta(days=7)).isoformat()}

    def r(self):
        return self.rng

    def conn(self):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection("127.0.0.1", self.a.port, timeout=60)
            self.local.conn = c
        return c

    def request(self, method, path, body=None, headers=None):
        """-> (status, headers, bytes, ms); status 0 on a network error."""
        h = {"Accept-Language": "en"}
        if body is not None:
            body = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        t0 = time.perf_counter()
        for attempt in (0, 1):
            c = self.conn()
            try:
                c.request(method, path, body, h)
                resp = c.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    c.close()
                    self.local.conn = None
                return resp.status, resp, data, (time.perf_counter() - t0) * 1e3
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                # a kept-alive connection the server closed (connection_timeout): reconnect once
                c.close()
                self.local.conn = None
                if attempt == 1:
                    return 0, None, str(e).encode(), (time.perf_counter() - t0) * 1e3
            except OSError as e:
                c.close()
                self.local.conn = None
                return 0, None, str(e).encode(), (time.perf_counter() - t0) * 1e3

    def call(self, kind, method, path, body=None, headers=None, ok=(200,)):
        st, resp, data, ms = self.request(method, path, body, headers)
        good = st in ok
        self.stats.add(kind, ms, st, good, f"{method} {path.split('?')[0]} {data[:200]!r}")
        return st, resp, data

    # ---- setup -----------------------------------------------------------
    def setup(self):
        st, _, data, _ = self.request("GET", "/collections")
        self.layers = [c["id"] for c in json.loads(data)["collections"] if c["id"] != "cases"]
        st, _, data, _ = self.request("GET", "/collections/addresses/items?limit=2000")
        for f in json.loads(data)["features"]:
            lab = f["properties"].get("label")
            g = f["geometry"]
            if lab and g and g["type"] == "Point":
                self.addresses.append((lab, g["coordinates"][0], g["coordinates"][1]))
        if not self.addresses:
            sys.exit("soak: no addresses in the store")
        lons = [a[1] for a in self.addresses]
        lats = [a[2] for a in self.addresses]
        self.bbox = (min(lons), min(lats), max(lons), max(lats))
        for who in ("admin", "sam", "kim"):
            self.login(who)
        if self.a.prime:
            self.prime()

    def prime(self):
        """Asks once for every tile the mix can ask for (reference layers and
        base map), so that the tile cache (bounded, 64 MB) is as full as the
        mix will ever make it before the samples after the warm-up."""
        paths = []
        for z in LAYER_ZOOMS:
            n = 2 ** z
            x0 = int((self.bbox[0] + 180) / 360 * n)
            x1 = int((self.bbox[2] + 180) / 360 * n)
            y0 = int((1 - math.asinh(math.tan(math.radians(self.bbox[3]))) / math.pi) / 2 * n)
            y1 = int((1 - math.asinh(math.tan(math.radians(self.bbox[1]))) / math.pi) / 2 * n)
            for x in range(x0, x1 + 1):
                for y in range(y0, y1 + 1):
                    paths += [f"/collections/{l}/tiles/WebMercatorQuad/{z}/{y}/{x}"
                              for l in self.layers]
                    paths.append(f"/tiles/basemap/WebMercatorQuad/{z}/{y}/{x}")
        t0 = time.monotonic()
        bad = []

        def run(part):
            for p in part:
                st, _, _, _ = self.request("GET", p)
                if st not in (200, 204):
                    bad.append((st, p))
        ts = [threading.Thread(target=run, args=(paths[i::4],)) for i in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        print(f"soak: primed the tile cache with {len(paths)} tiles in "
              f"{time.monotonic() - t0:.0f} s" + (f", {len(bad)} failed: {bad[:3]}" if bad else ""),
              flush=True)

    def login(self, who):
        st, resp, data, _ = self.request("POST", "/v1/login",
                                         {"name": who, "password": self.a.password})
        if st != 200:
            sys.exit(f"soak: login {who}: {st} {data[:200]!r}")
        ck = resp.getheader("Set-Cookie").split(";")[0]
        self.cookie[who] = ck
        self.csrf[who] = json.loads(data)["csrf_token"]

    def auth(self, who, write=False):
        h = {"Cookie": self.cookie[who]}
        if write:
            h["X-CSRF-Token"] = self.csrf[who]
        return h

    # ---- drawing helpers -------------------------------------------------
    def near_address(self):
        with self.rng_lock:
            return self.rng.choice(self.addresses)

    def rect(self, lon, lat, w_m=2.0, h_m=4.0, dx_m=0.0, dy_m=6.0):
        mlat = 111320.0
        mlon = 111320.0 * math.cos(math.radians(lat))
        x0, y0 = lon + dx_m / mlon, lat + dy_m / mlat
        x1, y1 = x0 + w_m / mlon, y0 + h_m / mlat
        return {"type": "Polygon",
                "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}

    def drawing(self):
        _, lon, lat = self.near_address()
        with self.rng_lock:
            dx, dy = self.rng.uniform(-15, 15), self.rng.uniform(-15, 15)
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": self.rect(lon, lat, dx_m=dx, dy_m=dy)}]}

    # ---- the mix ---------------------------------------------------------
    def do_validate(self):
        with self.rng_lock:
            svc = self.rng.choice(("skip-container", "info-stand", "construction-access"))
        self.call("validate", "POST", "/v1/validate",
                  {"service": svc, "period": self.period, "features": self.drawing()})

    def do_placements(self):
        label, _, _ = self.near_address()
        self.call("placements", "POST", "/v1/placements",
                  {"service": "skip-container", "near": {"address": label},
                   "period": self.period, "limit": 1, "max_distance_m": 50},
                  ok=(200, 422))

    def tile_of(self, z):
        with self.rng_lock:
            lon = self.rng.uniform(self.bbox[0], self.bbox[2])
            lat = self.rng.uniform(self.bbox[1], self.bbox[3])
        n = 2 ** z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        return z, y, x

    def do_tiles(self):
        with self.rng_lock:
            what = self.rng.random()
            layer = self.rng.choice(self.layers)
            z = self.rng.choice(LAYER_ZOOMS)
        z, y, x = self.tile_of(z)
        if what < 0.6:
            self.call("tiles", "GET", f"/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}",
                      ok=(200, 204))
        elif what < 0.85:
            self.call("tiles", "GET", f"/tiles/basemap/WebMercatorQuad/{z}/{y}/{x}",
                      ok=(200, 204))
        else:
            self.call("tiles", "GET", f"/collections/cases/tiles/WebMercatorQuad/{z}/{y}/{x}",
                      headers=self.auth("admin"), ok=(200, 204))

    def do_features(self):
        with self.rng_lock:
            layer = self.rng.choice(self.layers)
            lon = self.rng.uniform(self.bbox[0], self.bbox[2])
            lat = self.rng.uniform(self.bbox[1], self.bbox[3])
            crs = self.rng.choice(("", "&crs=http://www.opengis.net/def/crs/EPSG/0/25833"))
        d = 0.002
        self.call("features", "GET",
                  f"/collections/{layer}/items?limit=50&bbox={lon:.6f},{lat:.6f},"
                  f"{lon + d:.6f},{lat + d:.6f}{crs}")

    def do_draft(self):
        key = {"Authorization": f"Bearer {self.a.key}"}
        with self.cases_lock:
            self.seq += 1
            seq = self.seq
        batch = f"SK{seq // 20:05d}-"
        ref = f"{batch}{seq % 20:02d}"
        # as a form server would: a place proposed near the applicant's address
        label, _, _ = self.near_address()
        st, _, data = self.call("draft", "POST", "/v1/placements",
                                {"service": "skip-container", "near": {"address": label},
                                 "period": self.period, "limit": 1, "max_distance_m": 50},
                                ok=(200, 422))
        pl = json.loads(data).get("placements") if st == 200 else None
        if not pl:
            return
        drawing = pl[0]["features"]
        st, _, data = self.call("draft", "POST", "/v1/drafts",
                                {"service": "skip-container", "reference": ref,
                                 "period": self.period, "features": self.drawing()},
                                headers=key, ok=(201,))
        if st != 201:
            return
        d = json.loads(data)
        token = d["editor_url"].rstrip("/").rsplit("/", 1)[1]
        self.call("draft", "PUT", f"/v1/edit/{token}/features", drawing)
        self.call("draft", "POST", f"/v1/edit/{token}/validate", drawing)
        self.call("draft", "GET", f"/v1/drafts/{d['id']}", headers=key)
        st, _, data = self.call("draft", "POST", f"/v1/drafts/{d['id']}/submit",
                                {"reference": ref, "applicant": {"name": f"Soak {seq}",
                                                                 "email": f"s{seq}@example.de"}},
                                headers=dict(key, **{"Idempotency-Key": str(uuid.uuid4())}),
                                ok=(201,))
        if st == 201:
            cid = json.loads(data)["case_id"]
            self.call("draft", "GET", f"/v1/cases/{cid}", headers=key)
            with self.cases_lock:
                self.cases.append([cid, "received"])
                if seq % 20 == 19:
                    self.batches.append(batch)
                del self.cases[:-500]

    def pick_case(self):
        with self.cases_lock:
            if not self.cases:
                return None
            with self.rng_lock:
                return self.rng.choice(self.cases[-100:])

    def do_review(self):
        with self.rng_lock:
            q = self.rng.choice(("", "?status=open", "?status=closed&limit=50",
                                 "?service=skip-container&offset=20", "?q=soak%201"))
            who = self.rng.choice(("admin", "sam"))
        self.call("review", "GET", "/v1/cases" + q, headers=self.auth(who))
        c = self.pick_case()
        if c:
            self.call("review", "GET", f"/v1/cases/{c[0]}", headers=self.auth(who))
            self.call("review", "GET", f"/v1/cases/{c[0]}/history", headers=self.auth(who))

    NEXT = {"received": ["in_review"], "in_review": ["approved", "rejected", "changes_requested"],
            "changes_requested": ["in_review"]}

    def do_decision(self):
        c = self.pick_case()
        if not c or c[1] not in self.NEXT:
            self.do_review()
            return
        with self.cases_lock:
            if c[1] not in self.NEXT or len(c) > 2:
                return
            c.append("busy")  # one decision on a case at a time
        try:
            st, resp, _ = self.call("decision", "GET", f"/v1/cases/{c[0]}",
                                    headers=self.auth("admin"))
            if st != 200:
                return
            etag = resp.getheader("ETag")
            with self.rng_lock:
                to = self.rng.choice(self.NEXT[c[1]])
            body = {"status": to}
            if to in ("rejected", "changes_requested"):
                body["comment"] = "Soak: bitte anders aufstellen."
            h = dict(self.auth("admin", write=True), **{"If-Match": etag})
            # Approving a case that others conflict with is a 409 listing
            # them; a caseworker reads the list and approves naming them.
            st, _, data, ms = self.request("PATCH", f"/v1/cases/{c[0]}", body, h)
            conflicts = None
            if st == 409 and to == "approved":
                p = json.loads(data)
                if p.get("member") == "override_conflicts" and p.get("conflicts"):
                    conflicts = [x["case_id"] for x in p["conflicts"]]
            self.stats.add("decision", ms, st, st == 200 or conflicts is not None,
                           f"PATCH /v1/cases/{{id}} {data[:200]!r}")
            if conflicts:
                body["override_conflicts"] = conflicts
                st, _, _ = self.call("decision", "PATCH", f"/v1/cases/{c[0]}", body, headers=h)
            if st == 200:
                c[1] = to
        finally:
            with self.cases_lock:
                del c[2:]

    FORMATS = ("geojson", "csv", "gpkg", "kml", "shp", "dxf")

    def do_export(self):
        with self.cases_lock:
            batch = self.batches[-1] if self.batches else None
        with self.rng_lock:
            f = self.rng.choice(self.FORMATS)
        q = f"&q={batch}" if batch else "&limit=20"
        with self.export_lock:
            self.call("export", "GET", f"/v1/export?f={f}{q}", headers=self.auth("admin"))

    def do_map(self):
        c = self.pick_case()
        if c:
            self.call("map", "GET", f"/v1/cases/{c[0]}/map.png", headers=self.auth("admin"))

    def do_session(self):
        # kim's own session, logged out and in again: sam's and admin's
        # sessions are in use by the other workers meanwhile
        with self.session_lock:
            self.call("session", "POST", "/v1/logout", headers=self.auth("kim", write=True),
                      ok=(200, 204))
            st, resp, data = self.call("session", "POST", "/v1/login",
                                       {"name": "kim", "password": self.a.password})
            if st == 200:
                self.cookie["kim"] = resp.getheader("Set-Cookie").split(";")[0]
                self.csrf["kim"] = json.loads(data)["csrf_token"]
            self.call("session", "GET", "/v1/session", headers=self.auth("kim"))
            self.call("session", "GET", "/v1/cases?limit=5", headers=self.auth("kim"))

    def do_ops(self):
        with self.rng_lock:
            p = self.rng.choice(("/healthz", "/readyz", "/metrics", "/v1/services",
                                 "/v1/addresses?q=" + self.rng.choice(("bor", "mir", "ernst", "ka"))))
        self.call("ops", "GET", p)

    # ---- scheduling ------------------------------------------------------
    def worker(self, slots, stop):
        while not stop.is_set():
            try:
                kind = slots.pop(0)
            except IndexError:
                time.sleep(0.005)
                continue
            try:
                getattr(self, "do_" + kind)()
            except Exception as e:  # a bug of the driver or an unreadable answer
                self.stats.add(kind, 0.0, 0, False, f"driver: {type(e).__name__}: {e}")

    def run(self, samples):
        kinds = [k for k, w in MIX for _ in range(w)]
        slots = []
        stop = threading.Event()
        workers = [threading.Thread(target=self.worker, args=(slots, stop), daemon=True)
                   for _ in range(self.a.workers)]
        for w in workers:
            w.start()
        t0 = time.monotonic()
        end = t0 + self.a.minutes * 60
        next_slot = t0
        next_sample = t0 + self.a.interval
        # samples: (t_min, rss_kb, fds, threads, n, err, s5, p50, p99, [gauges]),
        # filled in place
        csv = None
        if self.a.csv:
            csv = open(self.a.csv, "w")
            csv.write("minute,rss_kb,fds,threads,requests,errors,s5xx,p50_ms,p99_ms," +
                      ",".join(g for g, _ in GAUGES) + "\n")
        behind = 0
        print(f"{'min':>6s} {'req':>5s} {'err':>4s} {'5xx':>4s} {'p50 ms':>7s} {'p99 ms':>7s} "
              f"{'RSS MB':>7s} {'fds':>4s} {'thr':>4s} {'queue':>5s}", flush=True)
        while True:
            now = time.monotonic()
            if now >= end:
                break
            while next_slot <= now:
                with self.rng_lock:
                    slots.append(self.rng.choice(kinds))
                next_slot += 1.0 / self.a.rate
            if len(slots) > 4 * self.a.rate:
                behind += 1
            if now >= next_sample:
                n, err, s5, lat = self.stats.take()
                rss, fds, thr = proc_sample(self.a.pid)
                gauges = gauge_sample(self.a.port)
                tm = (now - t0) / 60
                s = (tm, rss, fds, thr, n, err, s5, pct(lat, 50), pct(lat, 99), gauges)
                samples.append(s)
                if csv:
                    csv.write(",".join(f"{v:.3f}" if isinstance(v, float) else str(v)
                                       for v in s[:9]) + "," +
                              ",".join("" if g is None else f"{g:.0f}" for g in gauges) + "\n")
                    csv.flush()
                print(f"{tm:6.2f} {n:5d} {err:4d} {s5:4d} {s[7]:7.1f} {s[8]:7.1f} "
                      f"{rss / 1024:7.1f} {fds:4d} {thr:4d} {len(slots):5d}", flush=True)
                next_sample += self.a.interval
            delay = min(next_slot, next_sample) - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        stop.set()
        for w in workers:
            w.join(timeout=120)
        if csv:
            csv.close()
        return samples, behind


def report(a, d, samples, behind):
    warm = [s for s in samples if s[0] >= a.warmup]
    tot = d.stats.total
    print()
    print(f"requests {tot['requests']}, errors {tot['errors']}, 5xx {tot['5xx']}, "
          f"webhooks received {Hook.count}, intervals behind schedule {behind}")
    print("by kind (requests/errors): " + ", ".join(f"{k} {v[0]}/{v[1]}"
                                                   for k, v in sorted(d.stats.by_kind.items())))
    for e in d.stats.error_samples:
        print("  error:", e)
    if len(warm) < 3:
        print("too short for a trend (needs 3 samples after the warm-up)")
        return 1
    # the RSS table: one row per ~5 minutes after warm-up (and the last sample)
    step = max(1, round(300 / a.interval)) if a.minutes >= 20 else max(1, round(60 / a.interval))
    rows = warm[::step]
    if rows[-1] is not warm[-1]:
        rows.append(warm[-1])
    print()
    print("| minute | RSS MB | open files | threads | p50 ms | p99 ms (interval) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for s in rows:
        print(f"| {s[0]:.1f} | {s[1] / 1024:.1f} | {s[2]} | {s[3]} | {s[7]:.1f} | {s[8]:.1f} |")
    xs = [s[0] / 60 for s in warm]
    ys = [s[1] / 1024 for s in warm]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    q = max(1, len(warm) // 4)
    p99_first = sorted(s[8] for s in warm[:q])[len(warm[:q]) // 2]
    p99_last = sorted(s[8] for s in warm[-q:])[len(warm[-q:]) // 2]
    fd_span = max(s[2] for s in warm) - min(s[2] for s in warm)
    thr_span = max(s[3] for s in warm) - min(s[3] for s in warm)
    print()
    print(f"after warm-up ({a.warmup:g} min): RSS {ys[0]:.1f} -> {ys[-1]:.1f} MB, "
          f"trend {slope:+.2f} MB/hour (least squares over {len(warm)} samples); "
          f"open files range {fd_span}, threads range {thr_span}; median interval p99 "
          f"first quarter {p99_first:.1f} ms, last quarter {p99_last:.1f} ms")
    # Where the memory went: each gauge's first and last value after the
    # warm-up and its trend, in MB (bytes) or as a count.
    print()
    print("| gauge | after warm-up | last | trend per hour |")
    print("|---|---:|---:|---:|")
    for i, (g, _) in enumerate(GAUGES):
        vs = [s[9][i] for s in warm]
        known = [v for v in vs if v is not None]
        if not known:
            continue
        tr = slope_per_hour([s[0] for s in warm], vs)
        if g in BYTE_GAUGES:
            print(f"| {g} MB | {known[0] / 2**20:.1f} | {known[-1] / 2**20:.1f} | "
                  f"{'' if tr is None else f'{tr / 2**20:+.2f}'} |")
        else:
            print(f"| {g} | {known[0]:.0f} | {known[-1]:.0f} | "
                  f"{'' if tr is None else f'{tr:+.1f}'} |")
    ok = slope < 2.0 and tot["errors"] == 0 and tot["5xx"] == 0 and p99_last <= 2 * p99_first
    print("verdict:", "PASS" if ok else "FAIL",
          "(targets: RSS trend < 2 MB/hour, 0 errors, 0 5xx, p99 last quarter <= 2x first)")
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--hook-port", type=int, required=True)
    p.add_argument("--minutes", type=float, default=60)
    p.add_argument("--warmup", type=float, default=5)
    p.add_argument("--rate", type=float, default=10)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--interval", type=float, default=10)
    p.add_argument("--seed", type=int, default=16)
    p.add_argument("--csv", help="write every sample (RSS, fds, threads, latency, the server's "
                   "memory gauges) to this CSV file")
    p.add_argument("--prime", action=argparse.BooleanOptionalAction, default=True,
                   help="ask for every tile of the mix once before the run (default: yes)")
    a = p.parse_args()
    hook = http.server.ThreadingHTTPServer(("127.0.0.1", a.hook_port), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    d = Driver(a)
    d.setup()
    print(f"soak: {a.minutes:g} min at {a.rate:g} requests/s ({a.workers} workers), "
          f"warm-up {a.warmup:g} min, {len(d.addresses)} addresses, layers {' '.join(d.layers)}",
          flush=True)
    samples, behind = [], 0
    try:
        samples, behind = d.run(samples)
    finally:
        sys.exit(report(a, d, samples, behind))


if __name__ == "__main__":
    main()
