-- gen_bodies.sql - the drawn geometries of the validation benchmark, made
-- from the reference layers themselves so that they fall where applicants
-- draw: on and beside real streets, near real hydrants and trees, across real
-- buildings. :n bodies per service, deterministic (setseed), as request
-- bodies for POST /v1/validate (CRS84, a period) in table bodies(id, body).
-- Run with psql -v n=1000 -v srid=25833.
SELECT setseed(0.4242);

CREATE OR REPLACE FUNCTION ge_bench_rect(cx float8, cy float8, theta float8, w float8, l float8,
                                         srid int) RETURNS geometry LANGUAGE sql IMMUTABLE AS $$
  SELECT ST_Rotate(ST_MakeEnvelope(cx - l / 2, cy - w / 2, cx + l / 2, cy + w / 2, srid), theta,
                   ST_SetSRID(ST_MakePoint(cx, cy), srid))
$$;

-- Road segments of at least 8 m: origin, direction, length.
DROP TABLE IF EXISTS bench_segs;
CREATE TABLE bench_segs AS
SELECT row_number() OVER () AS sid, ST_X(p0) AS x, ST_Y(p0) AS y,
       (ST_X(p1) - ST_X(p0)) / ST_Distance(p0, p1) AS ux,
       (ST_Y(p1) - ST_Y(p0)) / ST_Distance(p0, p1) AS uy,
       ST_Distance(p0, p1) AS len
FROM (SELECT ST_PointN(l.geom, k) AS p0, ST_PointN(l.geom, k + 1) AS p1
      FROM (SELECT (ST_Dump(geom)).geom FROM ref_roads) l,
           generate_series(1, ST_NPoints(l.geom) - 1) k) s
WHERE ST_Distance(p0, p1) >= 8;

-- Anchor points of the three kinds of place, each with a direction.
DROP TABLE IF EXISTS bench_anchor;
CREATE TABLE bench_anchor AS
SELECT 'street' AS kind, x + u * ux - v * uy AS cx, y + u * uy + v * ux AS cy,
       atan2(uy, ux) AS theta, v
FROM (SELECT s.*, random() * s.len AS u, (random() * 2 - 1) * 9 AS v
      FROM bench_segs s, generate_series(1, 3)) a
UNION ALL
SELECT 'hydrant', ST_X(geom) + d * cos(t), ST_Y(geom) + d * sin(t), random() * pi(), d
FROM (SELECT geom, 1 + random() * 9 AS d, random() * 2 * pi() AS t
      FROM ref_hydrants, generate_series(1, 25)) h
UNION ALL
SELECT 'tree', ST_X(geom) + d * cos(t), ST_Y(geom) + d * sin(t), random() * pi(), d
FROM (SELECT geom, 0.5 + random() * 7 AS d, random() * 2 * pi() AS t
      FROM (SELECT geom FROM ref_trees ORDER BY random() LIMIT 600) t0) t
UNION ALL
SELECT 'building', ST_X(p), ST_Y(p), random() * pi(), 0
FROM (SELECT ST_PointN(ST_ExteriorRing((ST_Dump(geom)).geom), 1) AS p
      FROM (SELECT geom FROM ref_buildings ORDER BY random() LIMIT 600) b0) b;

-- The random numbers of each placement, drawn per row here: PostgreSQL
-- evaluates the select list of "ORDER BY random() LIMIT n" after the sort,
-- where every row got the same value.
DROP TABLE IF EXISTS bench_draw;
CREATE TABLE bench_draw AS
SELECT a.*, s.service, random() AS pick, random() AS r1, random() AS r2, random() AS r3,
       random() AS r4, random() AS r5
FROM bench_anchor a,
     (VALUES ('skip-container'), ('construction-access'), ('info-stand')) s (service);

-- One placement per anchor and service, with sizes that are mostly allowed
-- and sometimes not, and periods that are mostly right.
DROP TABLE IF EXISTS bodies;
CREATE TABLE bodies (id serial PRIMARY KEY, service text, kind text, body jsonb);

INSERT INTO bodies (service, kind, body)
SELECT service, kind, jsonb_build_object(
  'service', service,
  'period', jsonb_build_object('start', (current_date + lead)::text,
                               'end', (current_date + lead + days - 1)::text),
  'features', jsonb_build_object('type', 'FeatureCollection', 'features', jsonb_build_array(
     jsonb_build_object('type', 'Feature', 'properties', '{}'::jsonb,
                        'geometry', ST_AsGeoJSON(ST_Transform(g, 4326), 9)::jsonb)))) AS body
FROM (
  -- skip containers: rectangles along the street direction, 1.5-2.5 m wide
  -- and 2.5-7 m long mostly
  (SELECT service, kind, pick,
          ge_bench_rect(cx, cy, theta + (r1 - 0.5) * 0.2, 1.2 + r2 * 1.6, 2 + r3 * 6, :srid) AS g,
          3 + floor(r4 * 20)::int AS lead, 1 + floor(r5 * 32)::int AS days
   FROM bench_draw WHERE service = 'skip-container' ORDER BY pick LIMIT :n)
  UNION ALL
  -- construction-site accesses: lines across the kerb, some areas
  (SELECT service, kind, pick,
          CASE WHEN r1 < 0.75 THEN
            ST_MakeLine(ST_SetSRID(ST_MakePoint(cx, cy), :srid),
                        ST_SetSRID(ST_MakePoint(cx - (0.5 + r2 * 17) * sin(theta),
                                                cy + (0.5 + r2 * 17) * cos(theta)), :srid))
          ELSE ge_bench_rect(cx, cy, theta, 3 + r3 * 6, 4 + r2 * 13, :srid) END,
          10 + floor(r4 * 20)::int, 1 + floor(r5 * 200)::int
   FROM bench_draw WHERE service = 'construction-access' ORDER BY pick LIMIT :n)
  UNION ALL
  -- information stands: points, some small areas
  (SELECT service, kind, pick,
          CASE WHEN r1 < 0.6 THEN ST_SetSRID(ST_MakePoint(cx, cy), :srid)
          ELSE ge_bench_rect(cx, cy, theta, 0.8 + r2 * 1.6, 1 + r3 * 2.5, :srid) END,
          3 + floor(r4 * 20)::int, 1 + floor(r5 * 9)::int
   FROM bench_draw WHERE service = 'info-stand' ORDER BY pick LIMIT :n)
) p
ORDER BY service, pick;
ANALYZE bodies;
