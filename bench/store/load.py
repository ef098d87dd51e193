#!/usr/bin/env python3
"""load.py - the load of bench/store/run: C workers (threads, one kept-alive
connection each) for D seconds against one base URL (the balancer).

  submit    a form server's submission: POST /v1/drafts with an info stand
            at a place the placement assistant proposed, then POST
            /v1/drafts/{id}/submit with a fresh Idempotency-Key; one
            submission = both answered (201, 201)
  validate  POST /v1/validate of an info stand at such a place

Prints one JSON line: {"mode", "done", "errors", "seconds", "per_s"}.
"""
import argparse
import datetime
import http.client
import json
import sys
import threading
import time
import urllib.parse

ANCHORS = [(9.9280, 51.5390), (9.9320, 51.5400), (9.9300, 51.5410), (9.9250, 51.5380),
           (9.9340, 51.5385), (9.9260, 51.5420)]


def period():
    today = datetime.date.today()
    return {"start": str(today + datetime.timedelta(days=20)),
            "end": str(today + datetime.timedelta(days=21))}


def conn(base):
    u = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=60)


def call(c, method, path, body=None, headers=None):
    h = {"Content-Type": "application/json"} if body is not None else {}
    h.update(headers or {})
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse()
    data = r.read()
    return r.status, data


def places(base):
    c, out = conn(base), []
    for lon, lat in ANCHORS:
        st, data = call(c, "POST", "/v1/placements",
                        {"service": "info-stand", "near": {"point": [lon, lat]}, "limit": 10,
                         "max_distance_m": 200, "period": period()})
        if st != 200:
            sys.exit(f"load: placements answered {st}: {data[:300]!r}")
        for p in json.loads(data)["placements"]:
            out.append(p["features"]["features"][0]["geometry"]["coordinates"])
    return out


def stand(pt):
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {},
                          "geometry": {"type": "Point", "coordinates": pt}}]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--key", default="")
    ap.add_argument("--mode", choices=["submit", "validate"], required=True)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--tag", default="b")
    a = ap.parse_args()

    pts = places(a.base)
    per = period()
    auth = {"Authorization": f"Bearer {a.key}"}
    done = [0] * a.workers
    errors = [0] * a.workers
    last_error = [""]
    start = time.monotonic()
    end = start + a.duration

    def worker(w):
        c = conn(a.base)
        i = 0
        while time.monotonic() < end:
            pt = pts[(w * 7 + i) % len(pts)]
            i += 1
            try:
                if a.mode == "validate":
                    st, data = call(c, "POST", "/v1/validate",
                                    {"service": "info-stand", "features": stand(pt),
                                     "period": per})
                    ok = st == 200
                else:
                    st, data = call(c, "POST", "/v1/drafts",
                                    {"service": "info-stand", "reference": f"B-{w}-{i}",
                                     "period": per, "features": stand(pt)}, auth)
                    ok = st == 201
                    if ok:
                        draft = json.loads(data)["id"]
                        st, data = call(c, "POST", f"/v1/drafts/{draft}/submit",
                                        {"reference": f"B-{w}-{i}",
                                         "applicant": {"name": "Bench"}},
                                        dict(auth, **{"Idempotency-Key":
                                                      f"{a.tag}-{w}-{i}"}))
                        ok = st == 201
            except (OSError, http.client.HTTPException) as e:
                ok, st, data = False, 0, str(e).encode()
                c.close()
                c = conn(a.base)
            if ok:
                done[w] += 1
            else:
                errors[w] += 1
                last_error[0] = f"{st} {data[:200]!r}"
        c.close()

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(a.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - start
    out = {"mode": a.mode, "done": sum(done), "errors": sum(errors), "seconds": round(secs, 2),
           "per_s": round(sum(done) / secs, 1)}
    if sum(errors):
        out["last_error"] = last_error[0]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
