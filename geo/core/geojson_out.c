/*
 * geojson_out.c - GEOS -> GeoJSON with CRS transform, rounding and RFC 7946
 * winding (geojson_out.h).
 *
 * Each coordinate sequence is copied into one buffer, re-oriented if it is a
 * ring with the wrong winding, transformed in one PROJ call and written as
 * rounded reals. Winding is decided in the store CRS (x east, y north) before
 * the transform: all transforms here preserve orientation, and deciding before
 * a latitude-first axis swap keeps "counterclockwise" meaning what RFC 7946
 * means by it.
 */
#include "geojson_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct go_state {
    GEOSContextHandle_t h;
    const ge_crs *from, *to;
    int decimals;
    ge_err *err;
    double *buf;
    size_t cap;
} go_state;

double ge_geojson_round(double v, int decimals)
{
    static const double pow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    double p = decimals >= 0 && decimals <= 9 ? pow10[decimals] : 1e9;
    double r = round(v * p) / p;
    return r == 0 ? 0.0 : r;
}

static int go_fail(go_state *st, int code, const char *what)
{
    return ge_err_set(st->err, code, "cannot write GeoJSON: %s", what);
}

/* Twice the signed area (shoelace) of a ring in buf; > 0 is counterclockwise. */
static double go_signed_area2(const double *xy, size_t n)
{
    double a = 0;
    for (size_t i = 0; i + 1 < n; i++)
        a += (xy[2 * i] - xy[0]) * (xy[2 * i + 3] - xy[1]) -
             (xy[2 * i + 2] - xy[0]) * (xy[2 * i + 1] - xy[1]);
    return a;
}

static void go_reverse(double *xy, size_t n)
{
    for (size_t i = 0, j = n - 1; i < j; i++, j--) {
        double tx = xy[2 * i], ty = xy[2 * i + 1];
        xy[2 * i] = xy[2 * j];
        xy[2 * i + 1] = xy[2 * j + 1];
        xy[2 * j] = tx;
        xy[2 * j + 1] = ty;
    }
}

/* [x, y] rounded; built directly rather than with json_pack("[ff]"), whose
 * format parsing costs more than the position itself (a report has dozens). */
static json_t *go_position(const go_state *st, const double *xy)
{
    json_t *p = json_array();

    if (!p || json_array_append_new(p, json_real(ge_geojson_round(xy[0], st->decimals))) < 0 ||
        json_array_append_new(p, json_real(ge_geojson_round(xy[1], st->decimals))) < 0) {
        json_decref(p);
        return NULL;
    }
    return p;
}

/* orient: 0 leave, 1 counterclockwise, -1 clockwise. */
static json_t *go_positions(go_state *st, const GEOSGeometry *g, int orient, bool single)
{
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(st->h, g);
    unsigned n = 0;
    json_t *arr = NULL;
    ge_err terr;

    if (!seq || !GEOSCoordSeq_getSize_r(st->h, seq, &n)) {
        go_fail(st, GE_EINTERNAL, "no coordinates");
        return NULL;
    }
    if (n * 2 > st->cap) {
        double *b = realloc(st->buf, (size_t)n * 2 * sizeof *b);
        if (!b) {
            go_fail(st, GE_ENOMEM, "out of memory");
            return NULL;
        }
        st->buf = b;
        st->cap = (size_t)n * 2;
    }
    if (n && !GEOSCoordSeq_copyToBuffer_r(st->h, seq, st->buf, 0, 0)) {
        go_fail(st, GE_EINTERNAL, "cannot copy coordinates");
        return NULL;
    }
    if (orient && n >= 4) {
        double a = go_signed_area2(st->buf, n);
        if ((orient > 0 && a < 0) || (orient < 0 && a > 0)) go_reverse(st->buf, n);
    }
    if (ge_crs_transform(st->from, st->to, st->buf, n, &terr) < 0) {
        ge_err_set(st->err, terr.code, "%s", terr.msg);
        return NULL;
    }
    if (single) {
        if (n == 0) return json_array();
        return go_position(st, st->buf);
    }
    arr = json_array();
    for (unsigned i = 0; arr && i < n; i++) {
        json_t *p = go_position(st, st->buf + 2 * i);
        if (!p || json_array_append_new(arr, p) < 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    if (!arr) go_fail(st, GE_ENOMEM, "out of memory");
    return arr;
}

static json_t *go_polygon(go_state *st, const GEOSGeometry *g)
{
    json_t *rings = json_array(), *r;
    int nholes;

    if (!rings) goto oom;
    if (GEOSisEmpty_r(st->h, g) == 1) return rings;
    r = go_positions(st, GEOSGetExteriorRing_r(st->h, g), 1, false);
    if (!r || json_array_append_new(rings, r) < 0) goto err;
    nholes = GEOSGetNumInteriorRings_r(st->h, g);
    for (int i = 0; i < nholes; i++) {
        r = go_positions(st, GEOSGetInteriorRingN_r(st->h, g, i), -1, false);
        if (!r || json_array_append_new(rings, r) < 0) goto err;
    }
    return rings;
oom:
    go_fail(st, GE_ENOMEM, "out of memory");
err:
    json_decref(rings);
    return NULL;
}

static json_t *go_geometry(go_state *st, const GEOSGeometry *g);

static json_t *go_coordinates(go_state *st, const GEOSGeometry *g, int type)
{
    json_t *arr, *part;
    int n;

    switch (type) {
    case GEOS_POINT:
        return go_positions(st, g, 0, true);
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
        return go_positions(st, g, 0, false);
    case GEOS_POLYGON:
        return go_polygon(st, g);
    default:
        break;
    }
    arr = json_array();
    if (!arr) goto oom;
    n = GEOSGetNumGeometries_r(st->h, g);
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *sub = GEOSGetGeometryN_r(st->h, g, i);
        part = go_coordinates(st, sub, GEOSGeomTypeId_r(st->h, sub));
        if (!part || json_array_append_new(arr, part) < 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
oom:
    go_fail(st, GE_ENOMEM, "out of memory");
    return NULL;
}

static json_t *go_collection(go_state *st, const GEOSGeometry *g)
{
    json_t *geoms = json_array(), *sub;
    int n = GEOSGetNumGeometries_r(st->h, g);

    if (!geoms) {
        go_fail(st, GE_ENOMEM, "out of memory");
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        sub = go_geometry(st, GEOSGetGeometryN_r(st->h, g, i));
        if (!sub || json_array_append_new(geoms, sub) < 0) {
            json_decref(geoms);
            return NULL;
        }
    }
    return json_pack("{s:s, s:o}", "type", "GeometryCollection", "geometries", geoms);
}

static json_t *go_geometry(go_state *st, const GEOSGeometry *g)
{
    int type = GEOSGeomTypeId_r(st->h, g);
    json_t *coords;

    if (type == GEOS_GEOMETRYCOLLECTION) return go_collection(st, g);
    coords = go_coordinates(st, g, type);
    if (!coords) return NULL;
    return json_pack("{s:s, s:o}", "type", ge_geojson_type_name(st->h, g), "coordinates", coords);
}

json_t *ge_geojson_out_geometry(GEOSContextHandle_t h, const GEOSGeometry *g, const ge_crs *from,
                                const ge_crs *to, ge_err *err)
{
    go_state st = {.h = h, .from = from, .to = to, .decimals = ge_crs_decimals(to), .err = err};
    json_t *out = go_geometry(&st, g);

    free(st.buf);
    return out;
}

json_t *ge_geojson_out_feature(GEOSContextHandle_t h, const GEOSGeometry *g, json_t *id,
                               json_t *properties, const ge_crs *from, const ge_crs *to,
                               ge_err *err)
{
    json_t *geom = ge_geojson_out_geometry(h, g, from, to, err), *f;

    if (!geom) return NULL;
    f = json_pack("{s:s, s:o, s:O}", "type", "Feature", "geometry", geom, "properties",
                  properties ? properties : json_null());
    if (f && id && json_object_set(f, "id", id) < 0) {
        json_decref(f);
        f = NULL;
    }
    if (!f) ge_err_set(err, GE_ENOMEM, "cannot write GeoJSON: out of memory");
    return f;
}

json_t *ge_geojson_out_features(GEOSContextHandle_t h, const ge_features *fs, const ge_crs *from,
                                const ge_crs *to, ge_err *err)
{
    json_t *arr = json_array(), *f;

    if (!arr) goto oom;
    for (size_t i = 0; i < fs->n; i++) {
        f = ge_geojson_out_feature(h, fs->items[i].geom, fs->items[i].id, fs->items[i].properties,
                                   from, to, err);
        if (!f || json_array_append_new(arr, f) < 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", arr);
oom:
    ge_err_set(err, GE_ENOMEM, "cannot write GeoJSON: out of memory");
    return NULL;
}
