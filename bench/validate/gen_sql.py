#!/usr/bin/env python3
"""gen_sql.py - the PostGIS side of the validation benchmark, derived from the
same service files the server loads (data/services/*.json).

For every service it writes one PL/pgSQL function

    ge_check_<service>(body jsonb, today date) RETURNS text[]

that reads the request body exactly as POST /v1/validate receives it (a
FeatureCollection in CRS84, a period), transforms the geometry into the store
CRS and checks each rule the way a PostGIS application would write it:
ST_Covers/ST_Difference for "inside", ST_Intersects + ST_Area/ST_Length of the
intersection for "outside", ST_DWithin/ST_Distance for distances,
ST_Area/ST_Length/ST_OrientedEnvelope for sizes, date arithmetic for periods.
It returns the ids of the violated rules (errors and warnings), which the
benchmark compares with the server's report.

Layers are the ref_<layer> tables loaded with ogr2ogr (column geom, GiST
index). Big polygons are kept cut into pieces (ST_Subdivide, 256 vertices),
as the server's index does and as PostGIS users are advised to.

Conflict rules compare with other drafts and cases; the benchmark has none on
either side, so they are left out here (and the server finds none).
"""
import json
import os
import sys

EPS = 0.0005  # the engine's GR_EPS: lengths compared at 0.5 mm

TYPE_BITS = {"Point": "POINT", "LineString": "LINESTRING", "Polygon": "POLYGON",
             "MultiPoint": "MULTIPOINT", "MultiLineString": "MULTILINESTRING",
             "MultiPolygon": "MULTIPOLYGON"}
KIND_APPLIES = {"area": ["POLYGON", "MULTIPOLYGON"], "dimensions": ["POLYGON", "MULTIPOLYGON"],
                "length": ["LINESTRING", "MULTILINESTRING"]}


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def layers_sql(layers):
    return "(" + " UNION ALL ".join(f"SELECT geom FROM ref_{l}" for l in layers) + ")"


def rule_sql(r):
    k, p, rid = r["kind"], r.get("params") or {}, lit(r["id"])
    add = f"v := v || {rid}::text;"
    if k == "geometry_type":
        types = ",".join(lit(TYPE_BITS[t]) for t in p["types"])
        return f"IF NOT (gtype = ANY (ARRAY[{types}])) THEN {add} END IF;"
    if k == "count":
        cond = []
        if "min" in p: cond.append(f"n < {p['min']}")
        if "max" in p: cond.append(f"n > {p['max']}")
        return f"IF {' OR '.join(cond)} THEN {add} END IF;"
    if k == "valid_geometry":
        return f"IF NOT ST_IsValid(g) THEN {add} END IF;"
    if k in ("area", "length", "dimensions"):
        unit = "m2" if k == "area" else "m"
        val = {"area": "ST_Area(gm)", "length": "ST_Length(g)",
               "dimensions": "wid" if p.get("measure") == "width" else "len"}[k]
        cond = []
        if f"min_{unit}" in p: cond.append(f"{val} < {p['min_' + unit]} - {EPS}")
        if f"max_{unit}" in p: cond.append(f"{val} > {p['max_' + unit]} + {EPS}")
        return f"IF {' OR '.join(cond)} THEN {add} END IF;"
    if k == "inside":
        tol, L = p.get("tolerance_m", 0), layers_sql(p["layers"])
        return f"""IF NOT EXISTS (SELECT 1 FROM {L} c WHERE c.geom && gm AND ST_Covers(c.geom, gm)) THEN
      cands := ARRAY(SELECT c.geom FROM {L} c WHERE c.geom && ST_Expand(gm, {tol}));
      IF cardinality(cands) = 0 THEN
        cands := ARRAY(SELECT c.geom FROM {L} c ORDER BY c.geom <-> gm LIMIT 1);
      END IF;
      rest := gm;
      FOREACH cg IN ARRAY cands LOOP
        IF ST_Intersects(cg, rest) THEN rest := ST_Difference(rest, cg); END IF;
      END LOOP;
      IF cardinality(cands) > 0 AND NOT ST_IsEmpty(rest) THEN
        SELECT max((SELECT min(ST_Distance(d.geom, x)) FROM unnest(cands) x)) INTO stick
          FROM ST_DumpPoints(rest) d;
        IF stick > {tol} + {EPS} THEN {add} END IF;
      END IF;
    END IF;"""
    if k == "outside":
        tol, L = p.get("min_overlap", 0), layers_sql(p["layers"])
        return f"""IF EXISTS (SELECT 1 FROM {L} c WHERE c.geom && gm AND ST_Intersects(c.geom, gm) AND
        CASE least(ST_Dimension(c.geom), gdim)
          WHEN 2 THEN ST_Area(ST_Intersection(gm, c.geom)) > {tol}
          WHEN 1 THEN ST_Length(ST_Intersection(gm, c.geom)) > {tol}
          ELSE true END) THEN {add} END IF;"""
    if k == "min_distance":
        m, L = p["min_m"], layers_sql(p["layers"])
        return f"""IF EXISTS (SELECT 1 FROM {L} c WHERE ST_DWithin(c.geom, g, {m})
        AND ST_Distance(c.geom, g) < {m} - {EPS}) THEN {add} END IF;"""
    if k == "max_distance":
        m, L = p["max_m"], layers_sql(p["layers"])
        return f"""IF NOT EXISTS (SELECT 1 FROM {L} c WHERE ST_DWithin(c.geom, g, {m} + {EPS})) THEN {add} END IF;"""
    if k in ("period_length", "period_lead"):
        val = "(pe - ps + 1)" if k == "period_length" else "(ps - today)"
        cond = []
        if "min_days" in p: cond.append(f"{val} < {p['min_days']}")
        if "max_days" in p: cond.append(f"{val} > {p['max_days']}")
        return f"""IF ps IS NULL THEN
      IF NOT missing THEN missing := true; {add} END IF;
    ELSIF {' OR '.join(cond)} THEN {add} END IF;"""
    if k == "conflict":
        return "-- conflict: no other drafts or cases in the benchmark"
    raise SystemExit(f"unknown rule kind {k}")


def service_sql(doc, srid):
    sid = doc["id"].replace("-", "_")
    per_feature, per_request = [], []
    for r in doc["rules"]:
        s = rule_sql(r)
        applies = r.get("applies_to")
        applies = [TYPE_BITS[t] for t in applies] if applies else KIND_APPLIES.get(r["kind"])
        if r["kind"] in ("count", "period_length", "period_lead"):
            per_request.append(s)
            continue
        if applies:
            s = f"IF gtype = ANY (ARRAY[{','.join(lit(t) for t in applies)}]) THEN\n    {s}\n    END IF;"
        per_feature.append(s)
    body_feature = "\n    ".join(per_feature)
    body_request = "\n  ".join(per_request)
    return f"""
CREATE OR REPLACE FUNCTION ge_check_{sid}(body jsonb, today date) RETURNS text[]
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
  v text[] := '{{}}';
  feats jsonb := body->'features'->'features';
  n int := jsonb_array_length(body->'features'->'features');
  ps date := (body->'period'->>'start')::date;
  pe date := (body->'period'->>'end')::date;
  missing boolean := false;
  g geometry; gm geometry; gtype text; gdim int; env geometry; ring geometry;
  wid float8; len float8; a float8; b float8; stick float8;
  cands geometry[]; cg geometry; rest geometry;
BEGIN
  {body_request}
  FOR i IN 0 .. n - 1 LOOP
    g := ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(feats->i->'geometry'), 4326), {{SRID}});
    gtype := GeometryType(g);
    gdim := ST_Dimension(g);
    gm := CASE WHEN gdim = 2 AND NOT ST_IsValid(g) THEN ST_MakeValid(g) ELSE g END;
    IF gdim = 2 THEN
      env := ST_OrientedEnvelope(ST_Translate(g, -ST_XMin(g), -ST_YMin(g)));
      IF GeometryType(env) = 'POLYGON' THEN
        ring := ST_ExteriorRing(env);
        a := ST_Distance(ST_PointN(ring, 1), ST_PointN(ring, 2));
        b := ST_Distance(ST_PointN(ring, 2), ST_PointN(ring, 3));
        wid := least(a, b); len := greatest(a, b);
      ELSE
        wid := 0; len := ST_Length(env);
      END IF;
    END IF;
    {body_feature}
  END LOOP;
  RETURN v;
END
$fn$;
"""


def main():
    services_dir = sys.argv[1]
    srid = int(sys.argv[2]) if len(sys.argv) > 2 else 25833
    out = ["-- generated by bench/validate/gen_sql.py from data/services/*.json"]
    names = []
    for f in sorted(os.listdir(services_dir)):
        if not f.endswith(".json"):
            continue
        doc = json.load(open(os.path.join(services_dir, f)))
        out.append(service_sql(doc, srid).replace('{SRID}', str(srid)))
        names.append(doc["id"])
    # One entry point: the service named in the body.
    cases = "\n    ".join(f"WHEN {lit(n)} THEN ge_check_{n.replace('-', '_')}(body, today)"
                          for n in names)
    out.append(f"""
CREATE OR REPLACE FUNCTION ge_check(body jsonb, today date) RETURNS text[]
LANGUAGE sql STABLE AS $fn$
  SELECT CASE body->>'service'
    {cases}
  END
$fn$;
""")
    print("\n".join(out))


if __name__ == "__main__":
    main()
