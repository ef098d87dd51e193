#!/usr/bin/env python3
"""compare.py - the verdict check of the validation benchmark.

Sends every body (bodies.jsonl, one request per line) once to geoeditor's
POST /v1/validate over one keep-alive connection, reads the PostGIS verdicts
(postgis.tsv: id, comma-separated violated rule ids), and compares for each
body the validity and the set of violated rule ids (errors and warnings).
Prints every disagreement with what the server measured for the rules in
question, and the in-server time per validation from the Server-Timing
header (p50, p99), which excludes the network and the client.

Usage: compare.py HOST PORT bodies.jsonl postgis.tsv severity.json
"""
import http.client
import json
import sys


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def main():
    host, port, bodies_path, pg_path, sev_path = sys.argv[1:6]
    severity = json.load(open(sev_path))  # {service: {rule: "error"|"warning"}}
    pg = {}
    for line in open(pg_path):
        i, _, rules = line.rstrip("\n").partition("\t")
        pg[int(i)] = set(r for r in rules.split(",") if r)
    conn = http.client.HTTPConnection(host, int(port))
    timings, cpu, disagree, n, nvalid = [], [], [], 0, 0
    by_rule = {}
    for i, line in enumerate(open(bodies_path), start=1):
        body = line.strip()
        conn.request("POST", "/v1/validate", body, {"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        if r.status != 200:
            sys.exit(f"body {i}: HTTP {r.status}: {data[:300]}")
        st = dict(m.strip().split(";dur=") for m in r.getheader("Server-Timing", "").split(","))
        timings.append(float(st["validate"]))
        cpu.append(float(st["cpu"]))
        rep = json.loads(data)
        ours = set(v["rule"] for v in rep["violations"])
        service = json.loads(body)["service"]
        pg_valid = not any(severity[service][x] == "error" for x in pg[i])
        n += 1
        nvalid += rep["valid"]
        for x in ours:
            by_rule[(service, x)] = by_rule.get((service, x), 0) + 1
        if ours != pg[i] or rep["valid"] != pg_valid:
            detail = {v["rule"]: v.get("measured") for v in rep["violations"]
                      if v["rule"] in ours ^ pg[i]}
            disagree.append((i, service, sorted(ours - pg[i]), sorted(pg[i] - ours), detail))
    print(f"verdicts: {n} bodies, {nvalid} valid and {n - nvalid} invalid by geoeditor; "
          f"{len(disagree)} disagreements with PostGIS")
    print("violations found (service rule: count): " +
          ", ".join(f"{s} {r}: {c}" for (s, r), c in sorted(by_rule.items())))
    for d in disagree[:40]:
        print(f"  body {d[0]} ({d[1]}): only geoeditor {d[2]}, only PostGIS {d[3]}, "
              f"geoeditor measured {d[4]}")
    print(f"in-server time per validation (Server-Timing, sequential): wall "
          f"p50 {pct(timings, 50):.3f} ms, p99 {pct(timings, 99):.3f} ms, "
          f"max {max(timings):.3f} ms; CPU p50 {pct(cpu, 50):.3f} ms, "
          f"p99 {pct(cpu, 99):.3f} ms, max {max(cpu):.3f} ms")
    sys.exit(1 if disagree else 0)


if __name__ == "__main__":
    main()
