#!/usr/bin/env python3
"""place.py - the HTTP side and the report of the placement benchmark.

  place.py requests ADDRESSES.json STORE_POINTS.tsv REQUESTS.tsv ANCHORS.tsv
      the requests, one per address of GET /collections/addresses/items:
      by its label ("address") when no other address has the same label
      (folded as the server compares them), else by its point in the store
      CRS ("point"; the address search would pick the first of them). ANCHORS.tsv: the store's exact
      point of each address, for the exhaustive search.
  place.py http HOST PORT REQUESTS.tsv START END OUT.tsv [--validate]
      POST /v1/placements?crs=EPSG:25833 for each request on one keep-alive
      connection, sequentially: {service: skip-container, near, period,
      limit 1, max_distance_m 50}. OUT.tsv: id, status, found, distance_m,
      the anchor the server used (x, y), Server-Timing placements and cpu
      (ms), the client's round trip (ms), the first reason (en), and with
      --validate whether the proposal passes POST /v1/validate (same period,
      the features as returned), and the proposal's coordinates.
  place.py report WORK_DIR START END HOST PORT SPOT_N
      the comparison (see README.md): reads WORK_DIR/{requests,anchors,
      assistant,exhaustive,postgis}.tsv and checks.jsonl, the timing runs
      (timing/*.tsv), sends SPOT_N of the exhaustive search's found
      rectangles (and the refused ones before them) and every PostGIS answer
      through POST /v1/validate. Exit status 1 when the assistant finds a
      placement for fewer than 95 % of the addresses where the exhaustive
      search finds one, when a proposal or PostGIS answer fails
      /v1/validate, or when an in-process verdict differs from the
      server's.
"""
import collections
import glob
import http.client
import json
import os
import statistics
import sys
import time

CRS = "EPSG:25833"


def pct(v, p):
    v = sorted(v)
    if not v:
        return float("nan")
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def read_tsv(path, header=False):
    rows = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if header:
        names = lines[0].split("\t")
        return [dict(zip(names, l.split("\t"))) for l in lines[1:] if l]
    return [l.split("\t") for l in lines if l]


def cmd_requests(addr_json, points_tsv, req_out, anchors_out):
    feats = json.load(open(addr_json, encoding="utf-8"))["features"]
    pts = {r[0]: (r[1], r[2]) for r in read_tsv(points_tsv)}
    # the server folds case, commas and spaces when it matches a label
    # (handlers_placements.c ge_pl_fold): "Miraustraße 18A" is "18a" too
    fold = lambda t: " ".join((t or "").replace(",", " ").lower().split())
    count = collections.Counter(fold(f["properties"].get("label")) for f in feats)
    with open(req_out, "w", encoding="utf-8") as rq, open(anchors_out, "w") as an:
        for f in feats:
            i = str(f["id"])
            label = f["properties"].get("label")
            x, y = pts[i]
            if label and count[fold(label)] == 1:
                rq.write(f"{i}\taddress\t{label}\n")
            else:
                rq.write(f"{i}\tpoint\t{x}\t{y}\n")
            an.write(f"{i}\t{x}\t{y}\n")
    dup = sum(1 for f in feats if count[fold(f["properties"].get("label"))] > 1)
    print(f"{len(feats)} addresses: {len(feats) - dup} asked for by label, {dup} by their point "
          f"(their label is not unique)")


class Client:
    def __init__(self, host, port):
        self.host, self.port = host, int(port)
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)

    def post(self, path, doc):
        body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        t0 = time.perf_counter()
        self.conn.request("POST", path, body, {"Content-Type": "application/json",
                                               "Accept-Language": "en"})
        r = self.conn.getresponse()
        data = r.read()
        ms = (time.perf_counter() - t0) * 1e3
        return r.status, r.getheader("Server-Timing", ""), json.loads(data), ms


def timing(header):
    try:
        st = dict(m.strip().split(";dur=") for m in header.split(",") if ";dur=" in m)
        return float(st["placements"]), float(st["cpu"])
    except (KeyError, ValueError):
        return None, None


def cmd_http(host, port, req_path, start, end, out_path, validate):
    c = Client(host, port)
    period = {"start": start, "end": end}
    with open(out_path, "w", encoding="utf-8") as out:
        out.write("id\tstatus\tfound\tdistance_m\tnear_x\tnear_y\tdur_ms\tcpu_ms\tclient_ms"
                  "\treason\tvalid\tcoords\n")
        for r in read_tsv(req_path):
            near = {"address": r[2]} if r[1] == "address" else {"point": [float(r[2]),
                                                                           float(r[3])]}
            doc = {"service": "skip-container", "near": near, "period": period, "limit": 1,
                   "max_distance_m": 50}
            status, st, ans, ms = c.post(f"/v1/placements?crs={CRS}", doc)
            dur, cpu = timing(st)
            found, dist, nx, ny, reason, valid, coords = 0, "", "", "", "", "", ""
            if status == 200:
                pl = ans["placements"]
                nx, ny = ans["near"]["point"]
                if pl:
                    found, dist = 1, pl[0]["distance_m"]
                    fc = pl[0]["features"]
                    coords = json.dumps(fc["features"][-1]["geometry"]["coordinates"],
                                        separators=(",", ":"))
                    if validate:
                        vs, _, rep, _ = c.post(f"/v1/validate?crs={CRS}",
                                               {"service": "skip-container", "period": period,
                                                "features": fc})
                        valid = int(vs == 200 and rep.get("valid") is True)
                if ans.get("reasons"):
                    reason = ans["reasons"][0]["en"]
            else:
                reason = ans.get("detail", "")
            out.write(f"{r[0]}\t{status}\t{found}\t{dist}\t{nx}\t{ny}\t"
                      f"{'' if dur is None else dur}\t{'' if cpu is None else cpu}\t{ms:.3f}\t"
                      f"{reason.replace(chr(9), ' ')}\t{valid}\t{coords}\n")


def validate_body(c, body):
    status, _, rep, _ = c.post(f"/v1/validate?crs={CRS}", body)
    if status != 200:
        return None, None
    return rep.get("valid") is True, sorted(v["rule"] for v in rep["violations"])


def cmd_report(work, start, end, host, port, spot_n):
    spot_n = int(spot_n)
    fail = False
    reqs = {r[0]: r for r in read_tsv(os.path.join(work, "requests.tsv"))}
    anchors = {r[0]: (float(r[1]), float(r[2])) for r in read_tsv(os.path.join(work,
                                                                                "anchors.tsv"))}
    lonlat = {}
    for f in json.load(open(os.path.join(work, "addresses.json"), encoding="utf-8"))["features"]:
        lonlat[str(f["id"])] = (f["geometry"]["coordinates"], f["properties"].get("label", ""))
    asst = {r["id"]: r for r in read_tsv(os.path.join(work, "assistant.tsv"), header=True)}
    exh = {r["id"]: r for r in read_tsv(os.path.join(work, "exhaustive.tsv"), header=True)}
    pg = {r[0]: r for r in read_tsv(os.path.join(work, "postgis.tsv"))}
    ids = list(reqs)

    n = len(ids)
    inside = [i for i in ids if exh[i]["inside"] == "1"]
    ex_found = [i for i in ids if exh[i]["found"] == "1"]
    as_found = [i for i in ids if asst[i]["found"] == "1"]
    both = [i for i in ex_found if asst[i]["found"] == "1"]
    missed = [i for i in ex_found if asst[i]["found"] != "1"]
    extra = [i for i in as_found if exh[i]["found"] != "1"]
    status = collections.Counter(asst[i]["status"] for i in ids)
    share = 100.0 * len(both) / max(len(ex_found), 1)
    print("== coverage: the assistant against the exhaustive search")
    print(f"addresses: {n} (HTTP status of the assistant's answers: "
          + ", ".join(f"{s}: {c}" for s, c in sorted(status.items())) + ")")
    print(f"inside the boundary: {len(inside)}; outside: {n - len(inside)} "
          f"(of these the exhaustive search finds a place for "
          f"{sum(1 for i in ex_found if i not in set(inside))})")
    print(f"exhaustive search found a valid rectangle: {len(ex_found)}")
    print(f"assistant found a placement: {len(as_found)}")
    ins = set(inside)
    print(f"  inside the boundary: exhaustive {sum(1 for i in ex_found if i in ins)}, assistant "
          f"{sum(1 for i in as_found if i in ins)}; outside: exhaustive "
          f"{sum(1 for i in ex_found if i not in ins)}, assistant "
          f"{sum(1 for i in as_found if i not in ins)}")
    print(f"assistant found among the exhaustive search's: {len(both)} of {len(ex_found)} "
          f"= {share:.1f} % (required: >= 95 %)")
    if share < 95:
        fail = True
    if extra:
        print(f"NOTE: the assistant found {len(extra)} the exhaustive search did not "
              f"(its candidates should be a superset): {', '.join(extra[:20])}")
    # where the server's anchor and the store's point differ (labels picked
    # another address, or rounding beyond the millimetre of the answer)
    moved = [i for i in ids if asst[i]["near_x"] and
             max(abs(float(asst[i]["near_x"]) - anchors[i][0]),
                 abs(float(asst[i]["near_y"]) - anchors[i][1])) > 0.002]
    print(f"anchors: the server's near.point differs from the store's point by more than "
          f"2 mm for {len(moved)} requests" + "".join(
              f"; {i} {lonlat[i][1]!r}: ({asst[i]['near_x']}, {asst[i]['near_y']}) instead of "
              f"({anchors[i][0]:.3f}, {anchors[i][1]:.3f})" for i in moved[:10]))
    if missed:
        print(f"addresses the exhaustive search finds and the assistant does not ({len(missed)}):")
        print("  id  label  lon,lat  inside|outside  |  exhaustive: distance m, centre "
              "(EPSG:25833), offset from the centreline, side (1 the anchor's), on the "
              "assistant's grid  |  assistant's reason")
        for i in missed:
            e, a = exh[i], asst[i]
            (lon, lat), label = lonlat[i]
            print(f"  {i}  {label}  {lon:.6f},{lat:.6f}  "
                  f"{'inside' if i in ins else 'outside'}  |  {e['distance_m']} m, "
                  f"({e['cx']}, {e['cy']}), {e['lat']} m, side {e['side']}, "
                  f"grid {e['assistant_position']}  |  {a['status']} {a['reason']}")
    # how far the assistant's choice is from the nearest valid rectangle
    dd = [float(asst[i]["distance_m"]) - float(exh[i]["distance_m"]) for i in both]
    if dd:
        print(f"distance of the assistant's proposal minus the nearest valid rectangle's: "
              f"median {statistics.median(dd):.1f} m, p90 {pct(dd, 90):.1f} m, "
              f"within 1 m for {sum(1 for x in dd if x <= 1)} of {len(dd)} (the assistant "
              f"prefers the anchor's side of the street and the kerb, not the nearest)")

    c = Client(host, port)
    print("== every proposal through POST /v1/validate")
    checked = [i for i in as_found if asst[i]["valid"] != ""]
    bad = [i for i in checked if asst[i]["valid"] != "1"]
    print(f"{len(checked)} proposals validated, {len(checked) - len(bad)} valid"
          + (f"; NOT valid: {', '.join(bad[:20])}" if bad else ""))
    if bad or len(checked) != len(as_found):
        fail = True

    print(f"== spot check: the exhaustive search's verdicts (in process) against the server's")
    checks = [json.loads(l) for l in open(os.path.join(work, "checks.jsonl"), encoding="utf-8")]
    found_ids = sorted({x["id"] for x in checks}, key=int)
    step = max(1, len(found_ids) // max(spot_n, 1))
    sample = set(found_ids[::step][:spot_n])
    agree = disagree = 0
    for x in checks:
        if x["id"] not in sample:
            continue
        valid, rules = validate_body(c, x["body"])
        mine = sorted(r for r in x["rules"].split(",") if r)
        if valid == x["valid"] and rules == mine:
            agree += 1
        else:
            disagree += 1
            print(f"  DIFFERENT: address {x['id']} {x['kind']}: in process {x['valid']} {mine}, "
                  f"server {valid} {rules}")
    kinds = collections.Counter(x["kind"] for x in checks if x["id"] in sample)
    print(f"{agree + disagree} rectangles of {len(sample)} addresses ({kinds['found']} found "
          f"valid, {kinds['refused']} refused just before): {agree} verdicts and rule sets "
          f"equal, {disagree} different")
    if disagree:
        fail = True

    print("== PostGIS: the same search in SQL")
    pg_found = [i for i in ids if pg[i][1] == "1"]
    print(f"PostGIS found: {len(pg_found)}; both found: "
          f"{sum(1 for i in pg_found if asst[i]['found'] == '1')}; only PostGIS: "
          f"{sum(1 for i in pg_found if asst[i]['found'] != '1')}; only the assistant: "
          f"{sum(1 for i in as_found if pg[i][1] != '1')}")
    same = sum(1 for i in pg_found if asst[i]["found"] == "1" and
               abs(float(pg[i][2]) - float(asst[i]["distance_m"])) <= 0.1)
    print(f"same distance (within 0.1 m) where both found: {same}")
    pg_bad = []
    for i in pg_found:
        geom = json.loads(pg[i][3])
        body = {"service": "skip-container", "period": {"start": start, "end": end},
                "features": {"type": "FeatureCollection", "features": [
                    {"type": "Feature", "properties": {}, "geometry": geom}]}}
        valid, rules = validate_body(c, body)
        if not valid:
            pg_bad.append((i, rules))
    print(f"PostGIS answers through POST /v1/validate: {len(pg_found) - len(pg_bad)} of "
          f"{len(pg_found)} valid" + (f"; not: {pg_bad[:10]}" if pg_bad else ""))
    if pg_bad:
        fail = True

    print("== time per request (sequential, one connection each; ms)")
    runs = sorted(glob.glob(os.path.join(work, "timing", "ge.*.tsv")))
    ok200 = [i for i in ids if asst[i]["status"] == "200"]
    sets = (("answered 200 by geoeditor", ok200),
            ("inside the boundary", [i for i in ok200 if i in set(inside)]))
    for title, sub in sets:
        sub = set(sub)
        rows = collections.defaultdict(list)
        for path in runs:
            k = path.rsplit(".", 2)[-2]
            ge = {r["id"]: r for r in read_tsv(path, header=True)}
            pgr = {r[0]: r for r in read_tsv(os.path.join(work, "timing", f"pg.{k}.tsv"))}
            g_dur = [float(ge[i]["dur_ms"]) for i in sub if ge[i]["dur_ms"]]
            g_cpu = [float(ge[i]["cpu_ms"]) for i in sub if ge[i]["cpu_ms"]]
            g_cl = [float(ge[i]["client_ms"]) for i in sub]
            p_cl = [float(pgr[i][4]) for i in sub]
            p_cpu = [float(pgr[i][5]) for i in sub if float(pgr[i][5]) >= 0]
            for name, v in (("ge_dur", g_dur), ("ge_cpu", g_cpu), ("ge_client", g_cl),
                            ("pg_client", p_cl), ("pg_cpu", p_cpu)):
                rows[name].append((pct(v, 50), pct(v, 99)))
        med = lambda name, q: statistics.median(x[q] for x in rows[name])
        print(f"{title}: {len(sub)} requests, medians of {len(runs)} runs' p50 / p99")
        print(f"  geoeditor in the server (Server-Timing): wall {med('ge_dur', 0):7.2f} / "
              f"{med('ge_dur', 1):7.2f}   CPU {med('ge_cpu', 0):7.2f} / {med('ge_cpu', 1):7.2f}")
        print(f"  geoeditor round trip (HTTP client):      {med('ge_client', 0):7.2f} / "
              f"{med('ge_client', 1):7.2f}")
        print(f"  PostGIS round trip (libpq client):       {med('pg_client', 0):7.2f} / "
              f"{med('pg_client', 1):7.2f}   backend CPU {med('pg_cpu', 0):7.2f} / "
              f"{med('pg_cpu', 1):7.2f}")
        print(f"  PostGIS / geoeditor: round trip p50 {med('pg_client', 0) / med('ge_client', 0):.1f}x, "
              f"p99 {med('pg_client', 1) / med('ge_client', 1):.1f}x; CPU p50 "
              f"{med('pg_cpu', 0) / med('ge_cpu', 0):.1f}x, p99 "
              f"{med('pg_cpu', 1) / med('ge_cpu', 1):.1f}x")
        for name in ("ge_dur", "ge_cpu", "ge_client", "pg_client", "pg_cpu"):
            print(f"    {name:9} runs p50: " + " ".join(f"{x[0]:.2f}" for x in rows[name])
                  + "   p99: " + " ".join(f"{x[1]:.2f}" for x in rows[name]))
    sys.exit(1 if fail else 0)


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "requests" and len(sys.argv) == 6:
        cmd_requests(*sys.argv[2:6])
    elif cmd == "http" and len(sys.argv) in (8, 9):
        cmd_http(*sys.argv[2:8], validate=len(sys.argv) == 9 and sys.argv[8] == "--validate")
    elif cmd == "report" and len(sys.argv) == 8:
        cmd_report(*sys.argv[2:8])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
