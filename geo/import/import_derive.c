/*
 * import_derive.c - layers computed during an import (import_derive.h):
 * boundary, street space, junctions, cycle lanes, addresses.
 *
 * Everything runs on the import's GEOS context (reentrant API) on valid
 * geometries in the store's metric CRS, so distances and widths are metres.
 * Each derivation writes a short note of what it was made from; the import
 * reports it and keeps it in the layer result.
 */
#include "import_derive.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where along the road a cycle lane runs: inside the carriageway edge, its
 * centre about 0.75 m in (half a 1.5 m lane); a track beyond the kerb about
 * 1 m out. */
#define GE_CYCLE_LANE_INSET   0.75
#define GE_CYCLE_TRACK_OUTSET 1.0
/* Two address points with the same label and postcode closer than this are
 * one address (the entrance node inside its addressed building). */
#define GE_ADDRESS_DUP_DISTANCE 50.0
/* A boundary candidate larger than this many times the data extent is a
 * state or a country whose relation the extract happened to keep whole. */
#define GE_BOUNDARY_MAX_EXTENT_RATIO 4.0
#define GE_BUFFER_QUADSEGS           4

/* ---- feature lists ------------------------------------------------------- */

int ge_import_features_push(GEOSContextHandle_t gh, ge_import_features *fs, GEOSGeometry *g,
                            json_t *attrs)
{
    if (fs->n == fs->cap) {
        size_t ncap = fs->cap ? fs->cap * 2 : 64;
        ge_import_feature *nv = realloc(fs->v, ncap * sizeof *nv);
        if (!nv) {
            GEOSGeom_destroy_r(gh, g);
            json_decref(attrs);
            return GE_ENOMEM;
        }
        fs->v = nv;
        fs->cap = ncap;
    }
    fs->v[fs->n].geom = g;
    fs->v[fs->n].attrs = attrs;
    fs->n++;
    return GE_OK;
}

void ge_import_features_clear(GEOSContextHandle_t gh, ge_import_features *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        GEOSGeom_destroy_r(gh, fs->v[i].geom);
        json_decref(fs->v[i].attrs);
    }
    free(fs->v);
    fs->v = NULL;
    fs->n = fs->cap = 0;
}

static int ge_derive_oom(ge_err *err)
{
    return ge_err_set(err, GE_ENOMEM, "out of memory");
}

static int ge_derive_geos_fail(ge_import_derive_ctx *dx, ge_err *err, const char *what)
{
    return ge_err_set(err, GE_EINTERNAL, "layer '%s': %s failed: %s", dx->layer->name, what,
                      dx->geos_error && dx->geos_error[0] ? dx->geos_error : "GEOS error");
}

/* Unions geoms (taken over, freed) into one geometry; NULL on failure. */
static GEOSGeometry *ge_union_all(GEOSContextHandle_t gh, GEOSGeometry **geoms, size_t n)
{
    GEOSGeometry *coll, *u;
    if (n > UINT32_MAX) return NULL;
    coll = GEOSGeom_createCollection_r(gh, GEOS_GEOMETRYCOLLECTION, geoms, (unsigned)n);
    if (!coll) {
        for (size_t i = 0; i < n; i++)
            GEOSGeom_destroy_r(gh, geoms[i]);
        return NULL;
    }
    u = GEOSUnaryUnion_r(gh, coll);
    GEOSGeom_destroy_r(gh, coll);
    return u;
}

/* Pushes every polygon of g (Polygon, MultiPolygon or a collection) as a
 * feature of its own with props {"area_m2"}. */
static int ge_push_polygons(GEOSContextHandle_t gh, const GEOSGeometry *g, ge_import_features *out)
{
    int n = GEOSGetNumGeometries_r(gh, g);
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *part = GEOSGetGeometryN_r(gh, g, i);
        double area = 0;
        GEOSGeometry *copy;
        json_t *props;
        if (GEOSGeomTypeId_r(gh, part) != GEOS_POLYGON || GEOSisEmpty_r(gh, part)) continue;
        GEOSArea_r(gh, part, &area);
        copy = GEOSGeom_clone_r(gh, part);
        props = json_pack("{s:f}", "area_m2", round(area * 10.0) / 10.0);
        if (!copy || !props) {
            if (copy) GEOSGeom_destroy_r(gh, copy);
            json_decref(props);
            return GE_ENOMEM;
        }
        if (ge_import_features_push(gh, out, copy, props) < 0) return GE_ENOMEM;
    }
    return GE_OK;
}

/* ---- boundary ------------------------------------------------------------ */

static bool ge_level_of(const json_t *attrs, const char *field, int *level)
{
    double d;
    if (!ge_import_attr_number(attrs, field, &d) || d != floor(d) || d < 0 || d > 100) return false;
    *level = (int)d;
    return true;
}

/* Unions the polygons of `in` at `level` (or all, level < 0). */
static GEOSGeometry *ge_boundary_union(GEOSContextHandle_t gh, const ge_import_features *in,
                                       const char *field, int level, size_t *count)
{
    GEOSGeometry **parts = calloc(in->n ? in->n : 1, sizeof *parts);
    size_t n = 0;
    int l;
    if (!parts) return NULL;
    for (size_t i = 0; i < in->n; i++) {
        if (level >= 0 && !(ge_level_of(in->v[i].attrs, field, &l) && l == level)) continue;
        parts[n] = GEOSGeom_clone_r(gh, in->v[i].geom);
        if (!parts[n]) {
            while (n--)
                GEOSGeom_destroy_r(gh, parts[n]);
            free(parts);
            return NULL;
        }
        n++;
    }
    *count = n;
    GEOSGeometry *u = n ? ge_union_all(gh, parts, n) : NULL;
    free(parts);
    return u;
}

int ge_import_derive_boundary(ge_import_derive_ctx *dx, const ge_import_features *in,
                              const char *level_field, const double *extent,
                              ge_import_features *out, ge_err *err)
{
    GEOSContextHandle_t gh = dx->gh;
    GEOSGeometry *u = NULL;
    json_t *props = NULL, *names = NULL;
    int levels[101] = {0}, level = -1, l;
    size_t used = 0;
    bool by_level = level_field && level_field[0];
    double max_area =
        extent ? (extent[2] - extent[0]) * (extent[3] - extent[1]) * GE_BOUNDARY_MAX_EXTENT_RATIO
               : 0;

    if (in->n == 0) return GE_OK;
    if (by_level) {
        for (size_t i = 0; i < in->n; i++)
            if (ge_level_of(in->v[i].attrs, level_field, &l)) levels[l]++;
        /* The lowest level (the largest unit) that is not far larger than
         * the data; when every level is, the lowest one after all. */
        for (l = 0; l <= 100 && !u; l++) {
            double area = 0;
            if (!levels[l]) continue;
            u = ge_boundary_union(gh, in, level_field, l, &used);
            if (!u) return ge_derive_geos_fail(dx, err, "union of the boundary polygons");
            GEOSArea_r(gh, u, &area);
            level = l;
            if (max_area > 0 && area > max_area) {
                GEOSGeom_destroy_r(gh, u);
                u = NULL;
            }
        }
        if (!u && level >= 0) {
            for (l = 0; l <= 100 && !levels[l]; l++)
                ;
            level = l;
            u = ge_boundary_union(gh, in, level_field, level, &used);
            if (!u) return ge_derive_geos_fail(dx, err, "union of the boundary polygons");
        }
        if (!u) return GE_OK; /* no polygon has a level */
    } else {
        u = ge_boundary_union(gh, in, NULL, -1, &used);
        if (!u) return ge_derive_geos_fail(dx, err, "union of the boundary polygons");
    }

    /* props: the mapped ones of the first polygon, the names of all */
    names = json_array();
    for (size_t i = 0; i < in->n && names; i++) {
        const char *name = ge_import_attr_string(in->v[i].attrs, "name");
        bool dup = false;
        if (by_level && !(ge_level_of(in->v[i].attrs, level_field, &l) && l == level)) continue;
        if (!props) props = ge_import_mapping_props(dx->layer, in->v[i].attrs);
        for (size_t k = 0; name && k < json_array_size(names); k++)
            dup = dup || strcmp(json_string_value(json_array_get(names, k)), name) == 0;
        if (name && !dup) json_array_append_new(names, json_string(name));
    }
    if (!props || !names) {
        json_decref(props);
        json_decref(names);
        GEOSGeom_destroy_r(gh, u);
        return ge_derive_oom(err);
    }
    if (json_array_size(names) > 1) {
        char joined[256] = "";
        size_t len = 0;
        for (size_t k = 0; k < json_array_size(names) && len < sizeof joined; k++)
            len += (size_t)snprintf(joined + len, sizeof joined - len, "%s%s", k ? ", " : "",
                                    json_string_value(json_array_get(names, k)));
        json_object_set_new(props, "name", json_string(joined));
    }
    if (by_level) json_object_set_new(props, level_field, json_integer(level));
    if (by_level)
        snprintf(dx->note, sizeof dx->note, "union of %zu polygon%s of %s %d%s%s", used,
                 used == 1 ? "" : "s", level_field, level, json_array_size(names) ? ": " : "",
                 json_array_size(names) ? json_string_value(json_array_get(names, 0)) : "");
    else
        snprintf(dx->note, sizeof dx->note, "union of %zu polygon%s of the boundary file", used,
                 used == 1 ? "" : "s");
    json_decref(names);
    if (GEOSisEmpty_r(gh, u)) {
        GEOSGeom_destroy_r(gh, u);
        json_decref(props);
        return GE_OK;
    }
    return ge_import_features_push(gh, out, u, props) < 0 ? ge_derive_oom(err) : GE_OK;
}

/* ---- street space -------------------------------------------------------- */

/* Buffers a line by dist on both sides (side 0), the left (1) or the right (-1). */
static GEOSGeometry *ge_buffer_side(GEOSContextHandle_t gh, const GEOSGeometry *line, double dist,
                                    int side)
{
    GEOSBufferParams *p = GEOSBufferParams_create_r(gh);
    GEOSGeometry *g;
    if (!p) return NULL;
    GEOSBufferParams_setQuadrantSegments_r(gh, p, GE_BUFFER_QUADSEGS);
    GEOSBufferParams_setEndCapStyle_r(gh, p, side ? GEOSBUF_CAP_FLAT : GEOSBUF_CAP_ROUND);
    GEOSBufferParams_setJoinStyle_r(gh, p, GEOSBUF_JOIN_ROUND);
    GEOSBufferParams_setSingleSided_r(gh, p, side != 0);
    /* single-sided: a positive distance is the left side, a negative the right */
    g = GEOSBufferWithParams_r(gh, line, p, side < 0 ? -dist : dist);
    GEOSBufferParams_destroy_r(gh, p);
    return g;
}

/* Which sides have a sidewalk drawn with the road (not as a way of its own:
 * "separate" is not ours to widen by) and how wide each is. */
static void ge_sidewalks(const ge_import_mapping *m, const json_t *a, double *left, double *right)
{
    const char *s = ge_import_attr_string(a, "sidewalk");
    const char *both = ge_import_attr_string(a, "sidewalk_both");
    const char *l = ge_import_attr_string(a, "sidewalk_left");
    const char *r = ge_import_attr_string(a, "sidewalk_right");
    bool has_l = false, has_r = false;
    double w = m->roads.sidewalk_width, wl, wr, v;

    if (s) {
        has_l = !strcmp(s, "both") || !strcmp(s, "yes") || !strcmp(s, "left");
        has_r = !strcmp(s, "both") || !strcmp(s, "yes") || !strcmp(s, "right");
    }
    if (both && !strcmp(both, "yes")) has_l = has_r = true;
    if (l) has_l = !strcmp(l, "yes");
    if (r) has_r = !strcmp(r, "yes");
    if (ge_import_attr_number(a, "sidewalk_width", &v) && v > 0 && v < 20) w = v;
    if (ge_import_attr_number(a, "sidewalk_both_width", &v) && v > 0 && v < 20) w = v;
    wl = wr = w;
    if (ge_import_attr_number(a, "sidewalk_left_width", &v) && v > 0 && v < 20) wl = v;
    if (ge_import_attr_number(a, "sidewalk_right_width", &v) && v > 0 && v < 20) wr = v;
    *left = has_l ? wl : 0;
    *right = has_r ? wr : 0;
}

int ge_import_derive_street_space(ge_import_derive_ctx *dx, const ge_import_features *lines,
                                  const ge_import_features *areas, ge_import_features *out,
                                  ge_err *err)
{
    GEOSContextHandle_t gh = dx->gh;
    size_t cap = lines->n * 3 + areas->n, n = 0, how_count[4] = {0}, with_sidewalk = 0;
    GEOSGeometry **parts, *u;
    int rc;

    if (cap == 0) return GE_OK;
    parts = calloc(cap, sizeof *parts);
    if (!parts) return ge_derive_oom(err);
    for (size_t i = 0; i < lines->n; i++) {
        const ge_import_feature *f = &lines->v[i];
        int how;
        double half = ge_import_road_width(dx->map, f->attrs, &how) / 2, sl, sr;
        how_count[how]++;
        ge_sidewalks(dx->map, f->attrs, &sl, &sr);
        with_sidewalk += sl > 0 || sr > 0;
        if (sl > 0 && sl == sr) { /* the same on both sides: one buffer does it */
            half += sl;
            sl = sr = 0;
        }
        /* the carriageway on both sides, then a sidewalk on one side each */
        const double sidewalk[3] = {0, sl, sr};
        const int side[3] = {0, 1, -1};
        for (int k = 0; k < 3; k++) {
            if (k > 0 && sidewalk[k] <= 0) continue;
            parts[n] = ge_buffer_side(gh, f->geom, half + sidewalk[k], side[k]);
            if (!parts[n]) {
                while (n--)
                    GEOSGeom_destroy_r(gh, parts[n]);
                free(parts);
                return ge_derive_geos_fail(dx, err, "buffering a centreline");
            }
            n++;
        }
    }
    for (size_t i = 0; i < areas->n; i++) {
        parts[n] = GEOSGeom_clone_r(gh, areas->v[i].geom);
        if (!parts[n]) {
            for (size_t k = 0; k < n; k++)
                GEOSGeom_destroy_r(gh, parts[k]);
            free(parts);
            return ge_derive_oom(err);
        }
        n++;
    }
    u = ge_union_all(gh, parts, n);
    free(parts);
    if (!u) return ge_derive_geos_fail(dx, err, "union of the street space");
    rc = ge_push_polygons(gh, u, out);
    GEOSGeom_destroy_r(gh, u);
    if (rc < 0) return ge_derive_oom(err);
    snprintf(dx->note, sizeof dx->note,
             "%zu polygons from %zu centrelines (width: %zu tagged, %zu from lanes, %zu class "
             "default, %zu fallback; %zu with sidewalks) and %zu street-area polygons",
             out->n, lines->n, how_count[0], how_count[1], how_count[2], how_count[3],
             with_sidewalk, areas->n);
    return GE_OK;
}

double ge_import_road_width(const ge_import_mapping *m, const json_t *attrs, int *how)
{
    double w;
    int dummy;
    const char *cls = ge_import_attr_string(attrs, "highway");

    if (!how) how = &dummy;
    if ((ge_import_attr_number(attrs, "width", &w) ||
         ge_import_attr_number(attrs, "est_width", &w)) &&
        w >= 0.5 && w <= 60) {
        *how = 0;
        return w;
    }
    if (ge_import_attr_number(attrs, "lanes", &w) && w >= 1 && w <= 12 && w == floor(w)) {
        *how = 1;
        return w * m->roads.lane_width;
    }
    for (size_t i = 0; cls && i < m->roads.ndefaults; i++)
        if (strcmp(m->roads.defaults[i].cls, cls) == 0) {
            *how = 2;
            return m->roads.defaults[i].width;
        }
    *how = 3;
    return m->roads.fallback_width;
}

/* ---- junctions ----------------------------------------------------------- */

/* A node of the road network keyed by its exact coordinates: the same OSM
 * node reprojected the same way lands on the same doubles. */
#define GE_NODE_LINES 8
typedef struct ge_node {
    double x, y;
    bool used;
    int ends; /* line ends meeting here after noding */
    int nlines;
    size_t lines[GE_NODE_LINES]; /* input lines having this vertex */
} ge_node;

typedef struct ge_node_map {
    ge_node *v;
    size_t cap, n;
} ge_node_map;

static uint64_t ge_node_hash(double x, double y)
{
    uint64_t a, b;
    x = x == 0 ? 0 : x; /* -0.0 and 0.0 are one point */
    y = y == 0 ? 0 : y;
    memcpy(&a, &x, 8);
    memcpy(&b, &y, 8);
    a ^= b * 0x9e3779b97f4a7c15ull;
    a ^= a >> 31;
    a *= 0xbf58476d1ce4e5b9ull;
    a ^= a >> 29;
    return a;
}

static ge_node *ge_node_find(ge_node_map *m, double x, double y, bool create)
{
    size_t i;
    if (create && (m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 1024;
        ge_node *nv = calloc(ncap, sizeof *nv);
        if (!nv) return NULL;
        for (size_t k = 0; k < m->cap; k++) {
            if (!m->v[k].used) continue;
            for (i = ge_node_hash(m->v[k].x, m->v[k].y) & (ncap - 1); nv[i].used;
                 i = (i + 1) & (ncap - 1))
                ;
            nv[i] = m->v[k];
        }
        free(m->v);
        m->v = nv;
        m->cap = ncap;
    }
    if (!m->cap) return NULL;
    for (i = ge_node_hash(x, y) & (m->cap - 1); m->v[i].used; i = (i + 1) & (m->cap - 1))
        if (m->v[i].x == x && m->v[i].y == y) return &m->v[i];
    if (!create) return NULL;
    m->v[i].used = true;
    m->v[i].x = x;
    m->v[i].y = y;
    m->n++;
    return &m->v[i];
}

/* Calls fn for every LineString in g (a LineString or a collection of them). */
static int ge_each_line(GEOSContextHandle_t gh, const GEOSGeometry *g,
                        int (*fn)(GEOSContextHandle_t, const GEOSGeometry *, void *), void *ud)
{
    int type = GEOSGeomTypeId_r(gh, g), rc;
    if (type == GEOS_LINESTRING || type == GEOS_LINEARRING) return fn(gh, g, ud);
    for (int i = 0; i < GEOSGetNumGeometries_r(gh, g); i++)
        if ((rc = ge_each_line(gh, GEOSGetGeometryN_r(gh, g, i), fn, ud)) < 0) return rc;
    return GE_OK;
}

typedef struct ge_vertex_ud {
    ge_node_map *map;
    size_t line;
} ge_vertex_ud;

static int ge_add_vertices(GEOSContextHandle_t gh, const GEOSGeometry *line, void *p)
{
    ge_vertex_ud *u = p;
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(gh, line);
    unsigned int n = 0;
    double x, y;
    if (!cs || !GEOSCoordSeq_getSize_r(gh, cs, &n)) return GE_EINTERNAL;
    for (unsigned int i = 0; i < n; i++) {
        ge_node *nd;
        bool seen = false;
        GEOSCoordSeq_getXY_r(gh, cs, i, &x, &y);
        nd = ge_node_find(u->map, x, y, true);
        if (!nd) return GE_ENOMEM;
        for (int k = 0; k < nd->nlines; k++)
            seen = seen || nd->lines[k] == u->line;
        if (!seen && nd->nlines < GE_NODE_LINES) nd->lines[nd->nlines++] = u->line;
    }
    return GE_OK;
}

static int ge_add_ends(GEOSContextHandle_t gh, const GEOSGeometry *line, void *p)
{
    ge_node_map *ends = p;
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(gh, line);
    unsigned int n = 0;
    double x, y;
    if (!cs || !GEOSCoordSeq_getSize_r(gh, cs, &n) || n < 2) return GE_OK;
    for (unsigned int i = 0; i < n; i += n - 1) {
        ge_node *nd;
        GEOSCoordSeq_getXY_r(gh, cs, i, &x, &y);
        nd = ge_node_find(ends, x, y, true);
        if (!nd) return GE_ENOMEM;
        nd->ends++;
    }
    return GE_OK;
}

static int ge_cmp_node_xy(const void *a, const void *b)
{
    const ge_node *p = *(const ge_node *const *)a, *q = *(const ge_node *const *)b;
    if (p->x != q->x) return p->x < q->x ? -1 : 1;
    return (p->y > q->y) - (p->y < q->y);
}

static int ge_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int ge_import_derive_junctions(ge_import_derive_ctx *dx, const ge_import_features *lines,
                               ge_import_features *out, ge_err *err)
{
    GEOSContextHandle_t gh = dx->gh;
    ge_node_map vertices = {0}, ends = {0};
    GEOSGeometry **parts = NULL, *noded = NULL;
    ge_node **found = NULL;
    size_t nfound = 0, crossings = 0;
    int rc = GE_OK;

    if (lines->n == 0) return GE_OK;
    /* 1. the vertices of the input, with the lines through each */
    for (size_t i = 0; i < lines->n && rc == GE_OK; i++) {
        ge_vertex_ud u = {&vertices, i};
        rc = ge_each_line(gh, lines->v[i].geom, ge_add_vertices, &u);
    }
    if (rc < 0) {
        rc = ge_derive_oom(err);
        goto done;
    }
    /* 2. node the network: the union splits lines where they meet */
    parts = calloc(lines->n, sizeof *parts);
    if (!parts) {
        rc = ge_derive_oom(err);
        goto done;
    }
    for (size_t i = 0; i < lines->n; i++)
        if (!(parts[i] = GEOSGeom_clone_r(gh, lines->v[i].geom))) {
            while (i--)
                GEOSGeom_destroy_r(gh, parts[i]);
            rc = ge_derive_oom(err);
            goto done;
        }
    noded = ge_union_all(gh, parts, lines->n);
    if (!noded) {
        rc = ge_derive_geos_fail(dx, err, "noding the road network");
        goto done;
    }
    /* 3. count the ends of the noded lines at each node */
    rc = ge_each_line(gh, noded, ge_add_ends, &ends);
    if (rc < 0) {
        rc = ge_derive_oom(err);
        goto done;
    }
    found = calloc(ends.n ? ends.n : 1, sizeof *found);
    if (!found) {
        rc = ge_derive_oom(err);
        goto done;
    }
    for (size_t k = 0; k < ends.cap; k++) {
        ge_node *e = &ends.v[k];
        if (!e->used || e->ends < dx->layer->min_degree) continue;
        if (!ge_node_find(&vertices, e->x, e->y, false)) {
            crossings++; /* lines cross without a shared node: a bridge, a tunnel */
            continue;
        }
        found[nfound++] = e;
    }
    qsort(found, nfound, sizeof *found, ge_cmp_node_xy);

    for (size_t k = 0; k < nfound && rc == GE_OK; k++) {
        const ge_node *v = ge_node_find(&vertices, found[k]->x, found[k]->y, false);
        const char *names[GE_NODE_LINES];
        int nnames = 0;
        json_t *props, *arr;
        GEOSGeometry *pt;

        for (int i = 0; i < v->nlines; i++) {
            const char *nm = ge_import_attr_string(lines->v[v->lines[i]].attrs, "name");
            bool dup = false;
            for (int j = 0; nm && j < nnames; j++)
                dup = dup || strcmp(names[j], nm) == 0;
            if (nm && !dup) names[nnames++] = nm;
        }
        qsort(names, (size_t)nnames, sizeof names[0], ge_cmp_str);
        arr = json_array();
        for (int j = 0; arr && j < nnames; j++)
            json_array_append_new(arr, json_string(names[j]));
        props = arr ? json_pack("{s:i,s:o}", "degree", found[k]->ends, "names", arr) : NULL;
        pt = GEOSGeom_createPointFromXY_r(gh, found[k]->x, found[k]->y);
        if (!props || !pt) {
            json_decref(props);
            if (pt) GEOSGeom_destroy_r(gh, pt);
            rc = ge_derive_oom(err);
            break;
        }
        if (ge_import_features_push(gh, out, pt, props) < 0) rc = ge_derive_oom(err);
    }
    if (rc == GE_OK)
        snprintf(dx->note, sizeof dx->note,
                 "%zu nodes of degree >= %d in the network of %zu road lines "
                 "(%zu crossings without a shared node left out)",
                 nfound, dx->layer->min_degree, lines->n, crossings);
done:
    if (noded) GEOSGeom_destroy_r(gh, noded);
    free(parts);
    free(found);
    free(vertices.v);
    free(ends.v);
    return rc;
}

/* ---- cycleways ----------------------------------------------------------- */

typedef enum { GE_CYCLE_NONE, GE_CYCLE_LANE, GE_CYCLE_TRACK } ge_cycle_kind;

static ge_cycle_kind ge_cycle_value(const char *v, bool *opposite)
{
    if (!v) return GE_CYCLE_NONE;
    if (opposite) *opposite = strncmp(v, "opposite_", 9) == 0;
    if (!strcmp(v, "lane") || !strcmp(v, "opposite_lane")) return GE_CYCLE_LANE;
    if (!strcmp(v, "track") || !strcmp(v, "opposite_track")) return GE_CYCLE_TRACK;
    return GE_CYCLE_NONE;
}

/* The cycle facility on each side: cycleway:left/right win over
 * cycleway:both, which wins over cycleway (both sides, or the left side for
 * opposite_* -- a contraflow lane on a one-way street, right-hand traffic). */
static void ge_cycle_sides(const json_t *a, ge_cycle_kind *left, ge_cycle_kind *right)
{
    bool opposite = false;
    const char *l = ge_import_attr_string(a, "cycleway_left");
    const char *r = ge_import_attr_string(a, "cycleway_right");
    const char *both = ge_import_attr_string(a, "cycleway_both");
    ge_cycle_kind k = ge_cycle_value(ge_import_attr_string(a, "cycleway"), &opposite);

    *left = k;
    *right = opposite ? GE_CYCLE_NONE : k;
    if (both) *left = *right = ge_cycle_value(both, NULL);
    if (l) *left = ge_cycle_value(l, NULL);
    if (r) *right = ge_cycle_value(r, NULL);
}

typedef struct ge_offset_ud {
    double dist;
    GEOSGeometry *parts[64];
    int n;
} ge_offset_ud;

static int ge_offset_part(GEOSContextHandle_t gh, const GEOSGeometry *line, void *p)
{
    ge_offset_ud *u = p;
    GEOSGeometry *g;
    if (u->n == 64) return GE_OK;
    /* positive: left of the line's direction, negative: right */
    g = GEOSOffsetCurve_r(gh, line, u->dist, 8, GEOSBUF_JOIN_MITRE, 2.0);
    if (!g) return GE_EINTERNAL;
    if (GEOSisEmpty_r(gh, g))
        GEOSGeom_destroy_r(gh, g);
    else
        u->parts[u->n++] = g;
    return GE_OK;
}

static int ge_cycle_push(ge_import_derive_ctx *dx, const ge_import_feature *road, ge_cycle_kind k,
                         int side, ge_import_features *out, ge_err *err)
{
    GEOSContextHandle_t gh = dx->gh;
    double half = ge_import_road_width(dx->map, road->attrs, NULL) / 2;
    ge_offset_ud u = {0};
    GEOSGeometry *g;
    json_t *props;

    u.dist = k == GE_CYCLE_LANE ? fmax(half - GE_CYCLE_LANE_INSET, half / 2)
                                : half + GE_CYCLE_TRACK_OUTSET;
    u.dist *= side;
    if (ge_each_line(gh, road->geom, ge_offset_part, &u) < 0) {
        for (int i = 0; i < u.n; i++)
            GEOSGeom_destroy_r(gh, u.parts[i]);
        return ge_derive_geos_fail(dx, err, "offsetting a cycle lane");
    }
    if (u.n == 0) return GE_OK;
    g = u.n == 1 ? u.parts[0]
                 : GEOSGeom_createCollection_r(gh, GEOS_MULTILINESTRING, u.parts, (unsigned)u.n);
    if (!g) {
        for (int i = 0; i < u.n; i++)
            GEOSGeom_destroy_r(gh, u.parts[i]);
        return ge_derive_oom(err);
    }
    props = ge_import_mapping_props(dx->layer, road->attrs);
    if (!props) {
        GEOSGeom_destroy_r(gh, g);
        return ge_derive_oom(err);
    }
    json_object_set_new(props, "kind", json_string(k == GE_CYCLE_LANE ? "lane" : "track"));
    json_object_set_new(props, "side", json_string(side > 0 ? "left" : "right"));
    return ge_import_features_push(gh, out, g, props) < 0 ? ge_derive_oom(err) : GE_OK;
}

int ge_import_derive_cycleways(ge_import_derive_ctx *dx, const ge_import_features *ways,
                               const ge_import_features *lanes, ge_import_features *out,
                               ge_err *err)
{
    GEOSContextHandle_t gh = dx->gh;
    size_t nlane = 0, ntrack = 0;
    int rc;

    for (size_t i = 0; i < ways->n; i++) {
        GEOSGeometry *g = GEOSGeom_clone_r(gh, ways->v[i].geom);
        json_t *props = ge_import_mapping_props(dx->layer, ways->v[i].attrs);
        if (!g || !props) {
            if (g) GEOSGeom_destroy_r(gh, g);
            json_decref(props);
            return ge_derive_oom(err);
        }
        json_object_set_new(props, "kind", json_string("cycleway"));
        if (ge_import_features_push(gh, out, g, props) < 0) return ge_derive_oom(err);
    }
    for (size_t i = 0; i < lanes->n; i++) {
        ge_cycle_kind left, right;
        ge_cycle_sides(lanes->v[i].attrs, &left, &right);
        if (left != GE_CYCLE_NONE) {
            if ((rc = ge_cycle_push(dx, &lanes->v[i], left, 1, out, err)) < 0) return rc;
            left == GE_CYCLE_LANE ? nlane++ : ntrack++;
        }
        if (right != GE_CYCLE_NONE) {
            if ((rc = ge_cycle_push(dx, &lanes->v[i], right, -1, out, err)) < 0) return rc;
            right == GE_CYCLE_LANE ? nlane++ : ntrack++;
        }
    }
    snprintf(dx->note, sizeof dx->note,
             "%zu cycleways, %zu cycle lanes and %zu cycle tracks offset from %zu roads", ways->n,
             nlane, ntrack, lanes->n);
    return GE_OK;
}

/* ---- addresses ----------------------------------------------------------- */

typedef struct ge_addr {
    size_t idx; /* in out */
    const char *key;
    double x, y;
} ge_addr;

static int ge_cmp_addr(const void *a, const void *b)
{
    const ge_addr *p = a, *q = b;
    int c = strcmp(p->key, q->key);
    return c ? c : (p->idx > q->idx) - (p->idx < q->idx);
}

/* Props of one address with its label; NULL when out of memory. */
static json_t *ge_address_props(ge_import_derive_ctx *dx, const json_t *attrs)
{
    json_t *props = ge_import_mapping_props(dx->layer, attrs);
    const char *street, *nr;
    char label[256];
    if (!props) return NULL;
    street = json_string_value(json_object_get(props, "street"));
    if (!street) street = json_string_value(json_object_get(props, "place"));
    nr = json_string_value(json_object_get(props, "housenumber"));
    if (street || nr) {
        snprintf(label, sizeof label, "%s%s%s", street ? street : "", street && nr ? " " : "",
                 nr ? nr : "");
        json_object_set_new(props, "label", json_string(label));
    }
    return props;
}

int ge_import_derive_addresses(ge_import_derive_ctx *dx, const ge_import_features *points,
                               const ge_import_features *areas, ge_import_features *out,
                               ge_err *err)
{
    GEOSContextHandle_t gh = dx->gh;
    ge_import_features all = {0};
    ge_addr *idx = NULL;
    char **keys = NULL;
    bool *drop = NULL;
    size_t dups = 0;
    int rc = GE_OK;

    for (size_t i = 0; i < points->n + areas->n && rc == GE_OK; i++) {
        bool is_area = i >= points->n;
        const ge_import_feature *f = is_area ? &areas->v[i - points->n] : &points->v[i];
        GEOSGeometry *g =
            is_area ? GEOSPointOnSurface_r(gh, f->geom) : GEOSGeom_clone_r(gh, f->geom);
        json_t *props = ge_address_props(dx, f->attrs);
        if (!g || !props) {
            if (g) GEOSGeom_destroy_r(gh, g);
            json_decref(props);
            rc = g ? ge_derive_oom(err) : ge_derive_geos_fail(dx, err, "point on surface");
            break;
        }
        if (GEOSisEmpty_r(gh, g)) {
            GEOSGeom_destroy_r(gh, g);
            json_decref(props);
            continue;
        }
        if (ge_import_features_push(gh, &all, g, props) < 0) rc = ge_derive_oom(err);
    }
    if (rc < 0) goto done;

    /* the same label and postcode twice, close together: keep the first */
    idx = calloc(all.n ? all.n : 1, sizeof *idx);
    keys = calloc(all.n ? all.n : 1, sizeof *keys);
    drop = calloc(all.n ? all.n : 1, sizeof *drop);
    if (!idx || !keys || !drop) {
        rc = ge_derive_oom(err);
        goto done;
    }
    for (size_t i = 0; i < all.n; i++) {
        const char *label = json_string_value(json_object_get(all.v[i].attrs, "label"));
        const char *pc = json_string_value(json_object_get(all.v[i].attrs, "postcode"));
        size_t len = strlen(label ? label : "") + strlen(pc ? pc : "") + 2;
        keys[i] = malloc(len);
        if (!keys[i]) {
            rc = ge_derive_oom(err);
            goto done;
        }
        snprintf(keys[i], len, "%s|%s", label ? label : "", pc ? pc : "");
        idx[i].idx = i;
        idx[i].key = keys[i];
        GEOSGeomGetX_r(gh, all.v[i].geom, &idx[i].x);
        GEOSGeomGetY_r(gh, all.v[i].geom, &idx[i].y);
    }
    qsort(idx, all.n, sizeof *idx, ge_cmp_addr);
    for (size_t i = 0; i < all.n; i++) {
        if (!json_object_get(all.v[idx[i].idx].attrs, "label")) continue;
        for (size_t j = i; j-- > 0 && strcmp(idx[j].key, idx[i].key) == 0;)
            if (!drop[idx[j].idx] &&
                hypot(idx[j].x - idx[i].x, idx[j].y - idx[i].y) < GE_ADDRESS_DUP_DISTANCE) {
                drop[idx[i].idx] = true;
                dups++;
                break;
            }
    }
    for (size_t i = 0; i < all.n && rc == GE_OK; i++) {
        if (drop[i]) continue;
        rc = ge_import_features_push(gh, out, all.v[i].geom, all.v[i].attrs);
        all.v[i].geom = NULL;
        all.v[i].attrs = NULL;
        if (rc < 0) rc = ge_derive_oom(err);
    }
    snprintf(dx->note, sizeof dx->note,
             "%zu address points and %zu addressed areas; %zu repeated addresses kept once",
             points->n, areas->n, dups);
done:
    for (size_t i = 0; keys && i < all.n; i++)
        free(keys[i]);
    free(keys);
    free(idx);
    free(drop);
    for (size_t i = 0; i < all.n; i++)
        if (all.v[i].geom) GEOSGeom_destroy_r(gh, all.v[i].geom);
    for (size_t i = 0; i < all.n; i++)
        json_decref(all.v[i].attrs);
    free(all.v);
    return rc;
}
