#!/usr/bin/env python3
"""make_demo.py - writes musterstadt.osm, geoEDITOR's own demo data.

A small fictional quarter ("Musterstadt-Mitte") in OpenStreetMap XML, so the
demo runs through the same importer and layer mapping as real extracts: a
boundary relation, streets with widths, lanes, sidewalks and cycle lanes, a
pedestrian market square, houses with addresses, hydrants, street trees, a
park with a pond and a cycleway. Nothing in it is real; it is made here.

    python3 data/demo/make_demo.py OUT.osm    (the build does this: build/demo/)
"""
import math
import sys
from xml.sax.saxutils import quoteattr

LON0, LAT0 = 9.93, 51.54  # somewhere in the countryside of UTM zone 32
M_LAT = 111320.0
M_LON = 111320.0 * math.cos(math.radians(LAT0))

nodes, ways, rels = [], [], []
next_id = [1]


def nid():
    next_id[0] += 1
    return next_id[0]


def node(x, y, tags=None):
    i = nid()
    nodes.append((i, LON0 + x / M_LON, LAT0 + y / M_LAT, tags or {}))
    return i


vertex_ids = {}


def vertex(x, y):
    """A way vertex; ways that pass the same point share the node (a junction)."""
    key = (round(x, 3), round(y, 3))
    if key not in vertex_ids:
        vertex_ids[key] = node(x, y)
    return vertex_ids[key]


def way(points, tags, closed=False):
    refs = [vertex(x, y) for x, y in points]
    if closed:
        refs.append(refs[0])
    i = nid()
    ways.append((i, refs, tags))
    return i


def rect(x0, y0, x1, y1):
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


CITY = {"addr:city": "Musterstadt", "addr:postcode": "12345"}

# Boundary: an administrative relation around the quarter.
outer = way([(-460, -340), (120, -355), (470, -330), (480, 330), (-20, 345), (-470, 320)],
            {}, closed=True)
i = nid()
rels.append((i, [("way", outer, "outer")],
             {"type": "boundary", "boundary": "administrative", "admin_level": "8",
              "name": "Musterstadt"}))

# Streets (x, y in metres from the centre).
streets = [
    ("Hauptstraße", [(-440, 150), (440, 150)],
     {"highway": "tertiary", "width": "9", "lanes": "2", "sidewalk": "both",
      "cycleway:both": "lane", "maxspeed": "50"}),
    ("Lindenallee", [(-440, -100), (440, -100)],
     {"highway": "residential", "width": "6.5", "sidewalk": "both", "maxspeed": "30"}),
    ("Schulstraße", [(-250, -320), (-250, 320)],
     {"highway": "residential", "lanes": "2", "sidewalk": "both", "maxspeed": "30"}),
    ("Kirchweg", [(0, -100), (0, 150)], {"highway": "residential", "sidewalk": "right"}),
    ("Gartenstraße", [(250, -320), (250, 320)], {"highway": "living_street"}),
    ("Am Anger", [(-250, 20), (-100, 20)], {"highway": "service"}),
]
def crossings(pts, others):
    """Inserts the points where an axis-parallel street meets the others."""
    (x0, y0), (x1, y1) = pts
    out = set()
    for (a0, b0), (a1, b1) in others:
        if y0 == y1 and a0 == a1 and min(x0, x1) < a0 < max(x0, x1) and \
                min(b0, b1) <= y0 <= max(b0, b1):
            out.add((a0, y0))
        if x0 == x1 and b0 == b1 and min(y0, y1) < b0 < max(y0, y1) and \
                min(a0, a1) <= x0 <= max(a0, a1):
            out.add((x0, b0))
    key = (lambda p: p[0]) if y0 == y1 else (lambda p: p[1])
    return [pts[0]] + sorted(out, key=key) + [pts[1]]


for name, pts, tags in streets:
    others = [o[1] for o in streets if o[0] != name]
    way(crossings(pts, others), dict(tags, name=name))

# The market square: a pedestrian area and a square.
way(rect(40, 20, 140, 100), {"highway": "pedestrian", "area": "yes", "place": "square",
                             "name": "Marktplatz"}, closed=True)

# Park with a pond, and a cycleway along its northern edge.
way(rect(150 + 110, -290, 440, -140), {"leisure": "park", "name": "Stadtpark"}, closed=True)
way(rect(300, -250, 380, -190), {"natural": "water", "name": "Schwanenteich"}, closed=True)
way([(-440, -130), (440, -130)], {"highway": "cycleway", "name": "Parkradweg"})
way(rect(-440, 170, 440, 320), {"landuse": "residential"}, closed=True)
way(rect(-440, -320, 240, -140), {"landuse": "residential"}, closed=True)

# Houses along the streets, with addresses.
def houses(street, x0, x1, y, side, first_no):
    no = first_no
    x = x0
    while x + 12 <= x1:
        if not (40 <= x <= 140 and 20 <= y <= 100):
            yb = y + side * 14
            pts = rect(x, yb, x + 12, yb + side * 10)
            way(pts, dict(CITY, building="house", **{"addr:street": street,
                                                    "addr:housenumber": str(no)}), closed=True)
            no += 2
        x += 20


houses("Hauptstraße", -235, -15, 150, 1, 1)
houses("Hauptstraße", 15, 235, 150, 1, 25)
houses("Hauptstraße", -420, -265, 150, -1, 2)
houses("Hauptstraße", 150, 235, 150, -1, 40)
houses("Lindenallee", -235, -15, -100, 1, 1)
houses("Lindenallee", -420, -265, -100, -1, 2)
houses("Lindenallee", 15, 235, -100, -1, 30)
# A school with its own address node (some cities map addresses as points).
way(rect(-220, 40, -140, 100), {"building": "school", "name": "Grundschule am Anger"}, closed=True)
node(-180, 35, dict(CITY, **{"addr:street": "Am Anger", "addr:housenumber": "3"}))

# Hydrants at the kerb, about every 90 m; street trees along the Lindenallee.
for x in range(-400, 441, 90):
    node(x, 150 - 6.5, {"emergency": "fire_hydrant", "fire_hydrant:type": "underground"})
    node(x + 45, -100 + 4.5, {"emergency": "fire_hydrant", "fire_hydrant:type": "underground"})
for y in range(-300, 321, 95):
    node(-250 + 5, y, {"emergency": "fire_hydrant", "fire_hydrant:type": "pillar"})
for x in range(-430, 441, 12):
    if abs(x) > 6 and abs(x + 250) > 6 and abs(x - 250) > 6:
        node(x, -100 - 6, {"natural": "tree", "genus": "Tilia", "leaf_type": "broadleaved"})
for x, y in [(300, -270), (330, -170), (400, -215), (420, -160), (280, -160)]:
    node(x, y, {"natural": "tree"})

lines = []
out = lines.append
out('<?xml version="1.0" encoding="UTF-8"?>')
out('<osm version="0.6" generator="geoEDITOR make_demo.py">')
out('  <bounds minlat="%.7f" minlon="%.7f" maxlat="%.7f" maxlon="%.7f"/>' %
      (LAT0 - 360 / M_LAT, LON0 - 490 / M_LON, LAT0 + 360 / M_LAT, LON0 + 490 / M_LON))
common = 'version="1" timestamp="2026-01-01T00:00:00Z" changeset="1"'
for i, lon, lat, tags in nodes:
    if tags:
        out('  <node id="%d" %s lat="%.7f" lon="%.7f">' % (i, common, lat, lon))
        for k, v in tags.items():
            out('    <tag k=%s v=%s/>' % (quoteattr(k), quoteattr(v)))
        out('  </node>')
    else:
        out('  <node id="%d" %s lat="%.7f" lon="%.7f"/>' % (i, common, lat, lon))
for i, refs, tags in ways:
    out('  <way id="%d" %s>' % (i, common))
    for r in refs:
        out('    <nd ref="%d"/>' % r)
    for k, v in tags.items():
        out('    <tag k=%s v=%s/>' % (quoteattr(k), quoteattr(v)))
    out('  </way>')
for i, members, tags in rels:
    out('  <relation id="%d" %s>' % (i, common))
    for t, r, role in members:
        out('    <member type="%s" ref="%d" role="%s"/>' % (t, r, role))
    for k, v in tags.items():
        out('    <tag k=%s v=%s/>' % (quoteattr(k), quoteattr(v)))
    out('  </relation>')
out('</osm>')

with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
