/*
 * geojson_in.c - GeoJSON text -> GEOS geometries in the store CRS (geojson_in.h).
 *
 * jansson does the JSON; this file walks the tree, checks it against RFC 7946
 * and the limits, converts each coordinate array into one GEOS coordinate
 * sequence (transformed in one PROJ call per array) and builds geometries.
 * The walk keeps the JSON path of the value under inspection so that every
 * error can name it. GEOS would throw on a ring of 3 points or an unclosed
 * ring; those are caught here first so the applicant reads why.
 */
#include "geojson_in.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"

typedef struct gi_state {
    GEOSContextHandle_t h;
    const ge_geojson_in_opts *o;
    ge_crs crs;   /* of the coordinates */
    ge_crs store; /* target */
    size_t nvertices;
    size_t max_vertices;
    char path[256];
    size_t plen;
    ge_err *err;
    int code;    /* of the last failure, also when err is NULL */
    double *buf; /* scratch for one coordinate array, interleaved x, y */
    size_t cap;
} gi_state;

static const char *const geometry_types =
    "Point, LineString, Polygon, MultiPoint, MultiLineString, MultiPolygon";

void ge_geojson_in_opts_init(ge_geojson_in_opts *o)
{
    memset(o, 0, sizeof *o);
    o->crs = GE_CRS84;
    o->store_srid = 25832;
}

/* ---- paths and errors ----------------------------------------------------- */

static size_t gi_push_key(gi_state *st, const char *key)
{
    size_t old = st->plen;
    int n =
        snprintf(st->path + st->plen, sizeof st->path - st->plen, "%s%s", st->plen ? "." : "", key);
    if (n > 0) st->plen = strlen(st->path);
    return old;
}

static size_t gi_push_index(gi_state *st, size_t i)
{
    size_t old = st->plen;
    int n = snprintf(st->path + st->plen, sizeof st->path - st->plen, "[%zu]", i);
    if (n > 0) st->plen = strlen(st->path);
    return old;
}

static void gi_pop(gi_state *st, size_t old)
{
    st->plen = old;
    st->path[old] = '\0';
}

static int gi_fail(gi_state *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int gi_fail(gi_state *st, int code, const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    st->code = code;
    if (st->plen) return ge_err_set(st->err, code, "%s: %s", st->path, msg);
    return ge_err_set(st->err, code, "%s", msg);
}

/* ---- loading -------------------------------------------------------------- */

/* Refuses nesting deeper than max before jansson recurses into it. Strings
 * are skipped with their escapes so that brackets in them do not count. */
static int gi_check_depth(const char *buf, size_t len, int max, ge_err *err)
{
    int depth = 0;
    bool in_string = false;

    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max)
                return ge_err_set(err, GE_ELIMIT,
                                  "JSON nests deeper than %d levels (limit) at byte %zu", max, i);
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return GE_OK;
}

/* jansson says "invalid token near 'NaN'"; say what that means for GeoJSON. */
static int gi_explain_load_error(const char *buf, size_t len, const json_error_t *je, ge_err *err)
{
    const char *near = strstr(je->text, "near '");
    char token[40] = "";

    if (near) {
        const char *start = near + 6, *end = strchr(start, '\'');
        size_t n = end ? (size_t)(end - start) : strlen(start);
        if (n >= sizeof token) n = sizeof token - 1;
        memcpy(token, start, n);
        token[n] = '\0';
    }
    /* "-Infinity" stops jansson at the '-'; the rest follows in the text. */
    if (!strcmp(token, "-") && je->position >= 0 && (size_t)je->position + 8 <= len &&
        !memcmp(buf + je->position, "Infinity", 8))
        snprintf(token, sizeof token, "-Infinity");
    if (strstr(je->text, "invalid token") &&
        (!strcmp(token, "NaN") || !strcmp(token, "nan") || !strcmp(token, "Infinity") ||
         !strcmp(token, "-Infinity") || !strcmp(token, "inf") || !strcmp(token, "-inf")))
        return ge_err_set(err, GE_EINVAL,
                          "line %d, column %d: %s is not a JSON number (JSON has no NaN or "
                          "Infinity; coordinates must be finite numbers)",
                          je->line, je->column, token);
    if (strstr(je->text, "real number overflow"))
        return ge_err_set(err, GE_EINVAL, "line %d, column %d: the number %s is too large",
                          je->line, je->column, token);
    if (strstr(je->text, "maximum parsing depth"))
        return ge_err_set(err, GE_ELIMIT, "line %d, column %d: JSON nests too deep", je->line,
                          je->column);
    return ge_err_set(err, GE_EINVAL, "not valid JSON: line %d, column %d: %s", je->line,
                      je->column, je->text);
}

int ge_geojson_in_load(const char *buf, size_t len, json_t **out, ge_err *err)
{
    json_error_t je;
    int rc;

    *out = NULL;
    if (!buf || len == 0)
        return ge_err_set(err, GE_EINVAL, "the body is empty; expected a JSON object");
    rc = gi_check_depth(buf, len, GE_JSON_MAX_DEPTH, err);
    if (rc < 0) return rc;
    *out = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!*out) return gi_explain_load_error(buf, len, &je, err);
    return GE_OK;
}

/* ---- coordinates ---------------------------------------------------------- */

static int gi_reserve(gi_state *st, size_t npos)
{
    double *b;

    if (npos * 2 <= st->cap) return GE_OK;
    b = realloc(st->buf, npos * 2 * sizeof *b);
    if (!b) return gi_fail(st, GE_ENOMEM, "out of memory for %zu positions", npos);
    st->buf = b;
    st->cap = npos * 2;
    return GE_OK;
}

static int gi_count_vertices(gi_state *st, size_t n)
{
    if (st->nvertices + n > st->max_vertices)
        return gi_fail(st, GE_ELIMIT, "more than %zu vertices (limit)", st->max_vertices);
    st->nvertices += n;
    return GE_OK;
}

/* Reads one position [a, b] or [a, b, z] into st->buf[2*i]. */
static int gi_position(gi_state *st, const json_t *pos, size_t i)
{
    size_t n;
    double v[2];
    ge_err cerr;

    if (!json_is_array(pos))
        return gi_fail(st, GE_EINVAL, "expected a position [%s, %s], found %s",
                       ge_crs_axis_name(&st->crs, 0), ge_crs_axis_name(&st->crs, 1),
                       ge_json_kind(pos));
    n = json_array_size(pos);
    if (n < 2 || n > 3)
        return gi_fail(st, GE_EINVAL, "a position has 2 or 3 numbers, this one has %zu", n);
    for (size_t k = 0; k < n; k++) {
        const json_t *c = json_array_get(pos, k);
        if (!json_is_number(c)) {
            size_t old = gi_push_index(st, k);
            int rc = gi_fail(st, GE_EINVAL, "expected a number, found %s", ge_json_kind(c));
            gi_pop(st, old);
            return rc;
        }
        if (k < 2) v[k] = json_number_value(c);
    }
    if (ge_crs_check(&st->crs, v[0], v[1], &cerr) < 0)
        return gi_fail(st, GE_EINVAL, "%s", cerr.msg);
    st->buf[2 * i] = v[0];
    st->buf[2 * i + 1] = v[1];
    return GE_OK;
}

/* Reads an array of positions into st->buf (source CRS), at least min of them. */
static int gi_positions(gi_state *st, const json_t *arr, size_t min, const char *what, size_t *n)
{
    int rc;

    if (!json_is_array(arr))
        return gi_fail(st, GE_EINVAL, "expected an array of positions, found %s",
                       ge_json_kind(arr));
    *n = json_array_size(arr);
    if (*n < min)
        return gi_fail(st, GE_EINVAL, "%s has %zu position%s, %s needs at least %zu", what, *n,
                       *n == 1 ? "" : "s", !strcmp(what, "ring") ? "a closed ring" : "a line", min);
    rc = gi_count_vertices(st, *n);
    if (rc < 0) return rc;
    rc = gi_reserve(st, *n);
    if (rc < 0) return rc;
    for (size_t i = 0; i < *n; i++) {
        size_t old = gi_push_index(st, i);
        rc = gi_position(st, json_array_get(arr, i), i);
        gi_pop(st, old);
        if (rc < 0) return rc;
    }
    return GE_OK;
}

/* Transforms st->buf into the store CRS and makes a GEOS sequence of it. */
static GEOSCoordSequence *gi_make_seq(gi_state *st, size_t n)
{
    GEOSCoordSequence *seq;
    ge_err terr;

    if (ge_crs_transform(&st->crs, &st->store, st->buf, n, &terr) < 0) {
        gi_fail(st, terr.code, "%s", terr.msg);
        return NULL;
    }
    seq = GEOSCoordSeq_copyFromBuffer_r(st->h, st->buf, (unsigned)n, 0, 0);
    if (!seq) gi_fail(st, GE_ENOMEM, "cannot make a coordinate sequence of %zu positions", n);
    return seq;
}

/* ---- geometries ----------------------------------------------------------- */

static GEOSGeometry *gi_point(gi_state *st, const json_t *coords)
{
    GEOSCoordSequence *seq;
    GEOSGeometry *g;

    if (gi_count_vertices(st, 1) < 0 || gi_reserve(st, 1) < 0 || gi_position(st, coords, 0) < 0)
        return NULL;
    seq = gi_make_seq(st, 1);
    if (!seq) return NULL;
    g = GEOSGeom_createPoint_r(st->h, seq);
    if (!g) gi_fail(st, GE_EINTERNAL, "cannot make a point");
    return g;
}

static GEOSGeometry *gi_linestring(gi_state *st, const json_t *coords)
{
    GEOSCoordSequence *seq;
    GEOSGeometry *g;
    size_t n;

    if (gi_positions(st, coords, 2, "line", &n) < 0) return NULL;
    seq = gi_make_seq(st, n);
    if (!seq) return NULL;
    g = GEOSGeom_createLineString_r(st->h, seq);
    if (!g) gi_fail(st, GE_EINTERNAL, "cannot make a line");
    return g;
}

static GEOSGeometry *gi_ring(gi_state *st, const json_t *coords, size_t index)
{
    GEOSCoordSequence *seq;
    GEOSGeometry *g;
    size_t n;

    if (gi_positions(st, coords, 4, "ring", &n) < 0) return NULL;
    /* RFC 7946 3.1.6: first and last positions hold identical values. */
    if (st->buf[0] != st->buf[2 * (n - 1)] || st->buf[1] != st->buf[2 * (n - 1) + 1]) {
        gi_fail(st, GE_EINVAL,
                "ring %zu is not closed (first point (%.10g, %.10g), last point (%.10g, %.10g)); "
                "a ring ends where it starts",
                index, st->buf[0], st->buf[1], st->buf[2 * (n - 1)], st->buf[2 * (n - 1) + 1]);
        return NULL;
    }
    seq = gi_make_seq(st, n);
    if (!seq) return NULL;
    g = GEOSGeom_createLinearRing_r(st->h, seq);
    if (!g) gi_fail(st, GE_EINTERNAL, "cannot make ring %zu", index);
    return g;
}

static void gi_destroy_all(gi_state *st, GEOSGeometry **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i]) GEOSGeom_destroy_r(st->h, v[i]);
}

static GEOSGeometry *gi_polygon(gi_state *st, const json_t *coords)
{
    GEOSGeometry **rings = NULL, *g = NULL;
    size_t n, i;

    if (!json_is_array(coords)) {
        gi_fail(st, GE_EINVAL, "expected an array of rings, found %s", ge_json_kind(coords));
        return NULL;
    }
    n = json_array_size(coords);
    if (n == 0) {
        gi_fail(st, GE_EINVAL, "a polygon needs at least its outer ring");
        return NULL;
    }
    rings = calloc(n, sizeof *rings);
    if (!rings) {
        gi_fail(st, GE_ENOMEM, "out of memory");
        return NULL;
    }
    for (i = 0; i < n; i++) {
        size_t old = gi_push_index(st, i);
        rings[i] = gi_ring(st, json_array_get(coords, i), i);
        gi_pop(st, old);
        if (!rings[i]) goto err;
    }
    g = GEOSGeom_createPolygon_r(st->h, rings[0], n > 1 ? rings + 1 : NULL, (unsigned)(n - 1));
    if (!g) {
        gi_fail(st, GE_EINTERNAL, "cannot make a polygon");
        goto err;
    }
    free(rings); /* the polygon owns the rings now */
    return g;
err:
    gi_destroy_all(st, rings, n);
    free(rings);
    return NULL;
}

typedef GEOSGeometry *(*gi_part_fn)(gi_state *st, const json_t *coords);

static GEOSGeometry *gi_multi(gi_state *st, const json_t *coords, int type, gi_part_fn part,
                              const char *what)
{
    GEOSGeometry **parts = NULL, *g = NULL;
    size_t n, i;

    if (!json_is_array(coords)) {
        gi_fail(st, GE_EINVAL, "expected an array of %ss, found %s", what, ge_json_kind(coords));
        return NULL;
    }
    n = json_array_size(coords);
    if (n == 0) {
        gi_fail(st, GE_EINVAL, "empty: draw at least one %s", what);
        return NULL;
    }
    parts = calloc(n, sizeof *parts);
    if (!parts) {
        gi_fail(st, GE_ENOMEM, "out of memory");
        return NULL;
    }
    for (i = 0; i < n; i++) {
        size_t old = gi_push_index(st, i);
        parts[i] = part(st, json_array_get(coords, i));
        gi_pop(st, old);
        if (!parts[i]) goto err;
    }
    g = GEOSGeom_createCollection_r(st->h, type, parts, (unsigned)n);
    if (!g) {
        gi_fail(st, GE_EINTERNAL, "cannot make a %s collection", what);
        goto err;
    }
    free(parts);
    return g;
err:
    gi_destroy_all(st, parts, n);
    free(parts);
    return NULL;
}

static GEOSGeometry *gi_coordinates(gi_state *st, const char *type, const json_t *coords)
{
    if (!strcmp(type, "Point")) return gi_point(st, coords);
    if (!strcmp(type, "LineString")) return gi_linestring(st, coords);
    if (!strcmp(type, "Polygon")) return gi_polygon(st, coords);
    if (!strcmp(type, "MultiPoint"))
        return gi_multi(st, coords, GEOS_MULTIPOINT, gi_point, "point");
    if (!strcmp(type, "MultiLineString"))
        return gi_multi(st, coords, GEOS_MULTILINESTRING, gi_linestring, "line");
    if (!strcmp(type, "MultiPolygon"))
        return gi_multi(st, coords, GEOS_MULTIPOLYGON, gi_polygon, "polygon");
    return NULL; /* the caller checked the type */
}

static bool gi_is_geometry_type(const char *t)
{
    return !strcmp(t, "Point") || !strcmp(t, "LineString") || !strcmp(t, "Polygon") ||
           !strcmp(t, "MultiPoint") || !strcmp(t, "MultiLineString") || !strcmp(t, "MultiPolygon");
}

/* The "type" member of an object, checked to be a string. */
static int gi_type_of(gi_state *st, const json_t *obj, const char *expected, const char **type)
{
    const json_t *t = json_object_get(obj, "type");
    size_t old;
    int rc = GE_OK;

    if (!t) return gi_fail(st, GE_EINVAL, "member 'type' is missing; expected %s", expected);
    old = gi_push_key(st, "type");
    if (!json_is_string(t))
        rc = gi_fail(st, GE_EINVAL, "expected a string (%s), found %s", expected, ge_json_kind(t));
    gi_pop(st, old);
    if (rc == GE_OK) *type = json_string_value(t);
    return rc;
}

static int gi_check_geometry_type(gi_state *st, const char *type)
{
    size_t old = gi_push_key(st, "type");
    int rc = GE_OK;

    if (!strcmp(type, "GeometryCollection"))
        rc = gi_fail(st, GE_EINVAL,
                     "GeometryCollection is not accepted; send each shape as a Feature of its own");
    else if (!gi_is_geometry_type(type))
        rc = gi_fail(st, GE_EINVAL, "type '%.60s' is not a GeoJSON geometry type (%s)", type,
                     geometry_types);
    gi_pop(st, old);
    return rc;
}

static GEOSGeometry *gi_geometry(gi_state *st, const json_t *g)
{
    const char *type, *key;
    const json_t *coords, *v;
    GEOSGeometry *out;
    size_t old;

    if (!json_is_object(g)) {
        gi_fail(st, GE_EINVAL, "expected a geometry object, found %s", ge_json_kind(g));
        return NULL;
    }
    if (gi_type_of(st, g, "a geometry type", &type) < 0 || gi_check_geometry_type(st, type) < 0)
        return NULL;
    json_object_foreach((json_t *)g, key, v)
    {
        if (strcmp(key, "type") && strcmp(key, "coordinates") && strcmp(key, "bbox")) {
            gi_fail(st, GE_EINVAL,
                    "unknown member '%.60s' (a geometry has type, coordinates, bbox)", key);
            return NULL;
        }
    }
    coords = json_object_get(g, "coordinates");
    if (!coords) {
        gi_fail(st, GE_EINVAL, "member 'coordinates' is missing");
        return NULL;
    }
    old = gi_push_key(st, "coordinates");
    out = gi_coordinates(st, type, coords);
    gi_pop(st, old);
    return out;
}

/* ---- features ------------------------------------------------------------- */

/* Levels of v (a scalar: 0, an empty container: 1), counted no further than
 * max + 1, so that the recursion stays as shallow as the limit. */
static int gi_depth(const json_t *v, int max)
{
    int deepest = 0, d;
    const json_t *e;
    const char *key;
    size_t i;

    if (!json_is_object(v) && !json_is_array(v)) return 0;
    if (max <= 0) return 1;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, e)
        {
            d = gi_depth(e, max - 1);
            if (d > deepest) deepest = d;
            if (deepest >= max) break;
        }
    } else {
        json_array_foreach(v, i, e)
        {
            d = gi_depth(e, max - 1);
            if (d > deepest) deepest = d;
            if (deepest >= max) break;
        }
    }
    return deepest + 1;
}

static int gi_feature_from_geometry(gi_state *st, const json_t *geom, ge_feature *f)
{
    memset(f, 0, sizeof *f);
    f->geom = gi_geometry(st, geom);
    return f->geom ? GE_OK : st->code ? st->code : GE_EINTERNAL;
}

static int gi_feature(gi_state *st, const json_t *obj, ge_feature *f)
{
    const char *type;
    const json_t *geom, *props, *id;
    size_t old;
    int rc;

    memset(f, 0, sizeof *f);
    if (!json_is_object(obj))
        return gi_fail(st, GE_EINVAL, "expected a Feature object, found %s", ge_json_kind(obj));
    rc = gi_type_of(st, obj, "'Feature'", &type);
    if (rc < 0) return rc;
    if (strcmp(type, "Feature")) {
        old = gi_push_key(st, "type");
        rc = gi_fail(st, GE_EINVAL, "expected 'Feature', found '%.60s'", type);
        gi_pop(st, old);
        return rc;
    }
    geom = json_object_get(obj, "geometry");
    if (!geom) return gi_fail(st, GE_EINVAL, "member 'geometry' is missing");
    old = gi_push_key(st, "geometry");
    if (json_is_null(geom))
        rc = gi_fail(st, GE_EINVAL, "is null; every feature needs a geometry");
    else
        rc = gi_feature_from_geometry(st, geom, f);
    gi_pop(st, old);
    if (rc < 0) return rc;
    props = json_object_get(obj, "properties");
    if (props && !json_is_object(props) && !json_is_null(props)) {
        old = gi_push_key(st, "properties");
        rc = gi_fail(st, GE_EINVAL, "expected an object or null, found %s", ge_json_kind(props));
        gi_pop(st, old);
        goto err;
    }
    if (props &&
        gi_depth(props, GE_GEOJSON_MAX_PROPERTIES_DEPTH) > GE_GEOJSON_MAX_PROPERTIES_DEPTH) {
        old = gi_push_key(st, "properties");
        rc = gi_fail(st, GE_ELIMIT,
                     "nests deeper than %d levels (the limit for a feature's properties; the "
                     "properties object is level 1)",
                     GE_GEOJSON_MAX_PROPERTIES_DEPTH);
        gi_pop(st, old);
        goto err;
    }
    id = json_object_get(obj, "id");
    if (id && !json_is_string(id) && !json_is_number(id)) {
        old = gi_push_key(st, "id");
        rc = gi_fail(st, GE_EINVAL, "expected a string or a number, found %s", ge_json_kind(id));
        gi_pop(st, old);
        goto err;
    }
    if (props && json_is_object(props)) f->properties = json_incref((json_t *)props);
    if (id) f->id = json_incref((json_t *)id);
    return GE_OK;
err:
    GEOSGeom_destroy_r(st->h, f->geom);
    f->geom = NULL;
    return rc;
}

static int gi_collection(gi_state *st, const json_t *doc, ge_features *out)
{
    const json_t *arr = json_object_get(doc, "features");
    size_t n, old,
        max = st->o->limits.max_features ? st->o->limits.max_features : GE_GEOJSON_MAX_FEATURES;
    int rc = GE_OK;

    if (!arr) return gi_fail(st, GE_EINVAL, "member 'features' is missing");
    old = gi_push_key(st, "features");
    if (!json_is_array(arr)) {
        rc = gi_fail(st, GE_EINVAL, "expected an array of Features, found %s", ge_json_kind(arr));
        goto out;
    }
    n = json_array_size(arr);
    if (n == 0 && !st->o->allow_empty) {
        rc = gi_fail(st, GE_EINVAL, "the collection is empty; draw at least one feature");
        goto out;
    }
    if (n > max) {
        rc = gi_fail(st, GE_ELIMIT, "%zu features, more than %zu (limit)", n, max);
        goto out;
    }
    out->items = calloc(n ? n : 1, sizeof *out->items);
    if (!out->items) {
        rc = gi_fail(st, GE_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        size_t o2 = gi_push_index(st, i);
        rc = gi_feature(st, json_array_get(arr, i), &out->items[i]);
        gi_pop(st, o2);
        if (rc < 0) goto out;
        out->n++;
    }
out:
    gi_pop(st, old);
    return rc;
}

/* A legacy (2008 GeoJSON) "crs" member: {"type": "name", "properties": {"name": ...}}. */
static int gi_legacy_crs(gi_state *st, const json_t *doc)
{
    const json_t *crs = json_object_get(doc, "crs"), *props, *name;
    ge_crs c;
    ge_err cerr;
    size_t old;
    int rc = GE_OK;

    if (!crs || json_is_null(crs)) return GE_OK;
    old = gi_push_key(st, "crs");
    props = json_object_get(crs, "properties");
    name = props ? json_object_get(props, "name") : NULL;
    if (!json_is_object(crs) || !json_is_string(name)) {
        rc = gi_fail(st, GE_EINVAL,
                     "expected {\"type\": \"name\", \"properties\": {\"name\": \"<CRS URI>\"}}");
        goto out;
    }
    if (ge_crs_parse(json_string_value(name), &c, &cerr) < 0) {
        rc = gi_fail(st, GE_EINVAL, "%s", cerr.msg);
        goto out;
    }
    if (st->o->crs_explicit && !ge_crs_equal(&c, &st->o->crs)) {
        rc = gi_fail(st, GE_EINVAL, "the document says %s but the request names %s", ge_crs_uri(&c),
                     ge_crs_uri(&st->o->crs));
        goto out;
    }
    st->crs = c;
out:
    gi_pop(st, old);
    return rc;
}

int ge_geojson_in_parse(GEOSContextHandle_t h, const json_t *doc, const ge_geojson_in_opts *o,
                        ge_features *out, ge_err *err)
{
    gi_state st;
    const char *type;
    int rc;

    memset(out, 0, sizeof *out);
    memset(&st, 0, sizeof st);
    st.h = h;
    st.o = o;
    st.err = err;
    st.crs = o->crs;
    st.max_vertices = o->limits.max_vertices ? o->limits.max_vertices : GE_GEOJSON_MAX_VERTICES;
    if (o->path) gi_push_key(&st, o->path);
    rc = ge_crs_from_epsg(o->store_srid, &st.store, err);
    if (rc < 0) goto err;
    if (!json_is_object(doc)) {
        rc = gi_fail(&st, GE_EINVAL,
                     "expected a GeoJSON object (FeatureCollection, Feature or geometry), found %s",
                     doc ? ge_json_kind(doc) : "nothing");
        goto err;
    }
    rc = gi_type_of(&st, doc, "FeatureCollection, Feature or a geometry type", &type);
    if (rc < 0) goto err;
    rc = gi_legacy_crs(&st, doc);
    if (rc < 0) goto err;
    if (!strcmp(type, "FeatureCollection")) {
        rc = gi_collection(&st, doc, out);
    } else if (!strcmp(type, "Feature")) {
        out->items = calloc(1, sizeof *out->items);
        rc = out->items ? gi_feature(&st, doc, &out->items[0])
                        : gi_fail(&st, GE_ENOMEM, "out of memory");
        if (rc == GE_OK) out->n = 1;
    } else {
        rc = gi_check_geometry_type(&st, type);
        if (rc == GE_OK) {
            out->items = calloc(1, sizeof *out->items);
            rc = out->items ? gi_feature_from_geometry(&st, doc, &out->items[0])
                            : gi_fail(&st, GE_ENOMEM, "out of memory");
            if (rc == GE_OK) out->n = 1;
        }
    }
    if (rc < 0) goto err;
    out->nvertices = st.nvertices;
    out->crs = st.crs;
    free(st.buf);
    return GE_OK;
err:
    free(st.buf);
    ge_features_free(h, out);
    return rc;
}

int ge_geojson_in_parse_text(GEOSContextHandle_t h, const char *buf, size_t len,
                             const ge_geojson_in_opts *o, ge_features *out, ge_err *err)
{
    json_t *doc = NULL;
    int rc;

    memset(out, 0, sizeof *out);
    rc = ge_geojson_in_load(buf, len, &doc, err);
    if (rc < 0) return rc;
    rc = ge_geojson_in_parse(h, doc, o, out, err);
    json_decref(doc);
    return rc;
}

void ge_features_free(GEOSContextHandle_t h, ge_features *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->n; i++) {
        if (f->items[i].geom) GEOSGeom_destroy_r(h, f->items[i].geom);
        json_decref(f->items[i].properties);
        json_decref(f->items[i].id);
    }
    free(f->items);
    f->items = NULL;
    f->n = 0;
}

const char *ge_geojson_type_name(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    switch (GEOSGeomTypeId_r(h, g)) {
    case GEOS_POINT:
        return "Point";
    case GEOS_LINESTRING:
        return "LineString";
    case GEOS_LINEARRING:
        return "LineString";
    case GEOS_POLYGON:
        return "Polygon";
    case GEOS_MULTIPOINT:
        return "MultiPoint";
    case GEOS_MULTILINESTRING:
        return "MultiLineString";
    case GEOS_MULTIPOLYGON:
        return "MultiPolygon";
    case GEOS_GEOMETRYCOLLECTION:
        return "GeometryCollection";
    default:
        return "Geometry";
    }
}
