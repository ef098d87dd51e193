/*
 * mvt.c - the Mapbox Vector Tile 2.1 encoder (see mvt.h for what it does
 * per feature and why).
 *
 * Memory: a tile owns its layers; a layer owns the encoded features, the
 * key and value tables and their hash indexes. Everything grows
 * geometrically, so a tile of n features costs O(n) allocations at most
 * logarithmic in its size. The protobuf is written field by field with the
 * wire types of vector_tile.proto (varint 0, fixed64 1, length-delimited 2).
 */
#include "mvt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Geometries with at most this many vertices are not simplified. */
#define GE_MVT_SIMPLIFY_MIN 16

/* ---- protobuf writers on a ge_buf ------------------------------------------ */

static int ge_mvt_varint(ge_buf *b, uint64_t v)
{
    unsigned char *p;

    if (ge_buf_reserve(b, 10) < 0) return -1;
    p = (unsigned char *)b->data;
    while (v >= 0x80) {
        p[b->len++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[b->len++] = (unsigned char)v;
    return 0;
}

static int ge_mvt_key(ge_buf *b, unsigned field, unsigned wire)
{
    return ge_mvt_varint(b, (uint64_t)(field << 3 | wire));
}

/* A length-delimited field: tag, length, bytes. */
static int ge_mvt_bytes(ge_buf *b, unsigned field, const void *data, size_t n)
{
    if (ge_mvt_key(b, field, 2) < 0 || ge_mvt_varint(b, n) < 0) return -1;
    return ge_buf_put(b, data, n);
}

/* A packed repeated uint32 field. */
static int ge_mvt_packed(ge_buf *b, unsigned field, const uint32_t *v, size_t n)
{
    size_t size = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = v[i];
        do {
            size++;
            x >>= 7;
        } while (x);
    }
    if (ge_mvt_key(b, field, 2) < 0 || ge_mvt_varint(b, size) < 0) return -1;
    for (size_t i = 0; i < n; i++)
        if (ge_mvt_varint(b, v[i]) < 0) return -1;
    return 0;
}

/* ---- a growable uint32 array (commands, tags) ----------------------------- */

typedef struct ge_mvt_u32 {
    uint32_t *v;
    size_t n, cap;
} ge_mvt_u32;

static int ge_mvt_u32_push(ge_mvt_u32 *a, uint32_t x)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        uint32_t *v = realloc(a->v, cap * sizeof *v);
        if (!v) return -1;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = x;
    return 0;
}

/* ---- a dictionary of byte strings -> index (keys and values tables) ------- */

typedef struct ge_mvt_dict {
    ge_buf data; /* the entries back to back, as they go into the layer */
    size_t *off; /* per index: offset and length in data */
    size_t *len;
    uint32_t n, cap;
    uint32_t *slots; /* open addressing: index + 1, 0 empty */
    uint32_t nslots;
} ge_mvt_dict;

static uint32_t ge_mvt_hash(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static int ge_mvt_dict_grow(ge_mvt_dict *d)
{
    uint32_t ns = d->nslots ? d->nslots * 2 : 64;
    uint32_t *slots = calloc(ns, sizeof *slots);
    if (!slots) return -1;
    for (uint32_t i = 0; i < d->n; i++) {
        uint32_t s = ge_mvt_hash(d->data.data + d->off[i], d->len[i]) & (ns - 1);
        while (slots[s])
            s = (s + 1) & (ns - 1);
        slots[s] = i + 1;
    }
    free(d->slots);
    d->slots = slots;
    d->nslots = ns;
    return 0;
}

/* The index of the entry equal to p[0..n), adding it when new; -1 on ENOMEM. */
static int64_t ge_mvt_dict_index(ge_mvt_dict *d, const void *p, size_t n)
{
    if ((d->n + 1) * 2 > d->nslots && ge_mvt_dict_grow(d) < 0) return -1;
    uint32_t s = ge_mvt_hash(p, n) & (d->nslots - 1);
    while (d->slots[s]) {
        uint32_t i = d->slots[s] - 1;
        if (d->len[i] == n && memcmp(d->data.data + d->off[i], p, n) == 0) return i;
        s = (s + 1) & (d->nslots - 1);
    }
    if (d->n == d->cap) {
        uint32_t cap = d->cap ? d->cap * 2 : 32;
        size_t *off = realloc(d->off, cap * sizeof *off);
        if (!off) return -1;
        d->off = off;
        size_t *len = realloc(d->len, cap * sizeof *len);
        if (!len) return -1;
        d->len = len;
        d->cap = cap;
    }
    d->off[d->n] = d->data.len;
    d->len[d->n] = n;
    if (ge_buf_put(&d->data, p, n) < 0) return -1;
    d->slots[s] = d->n + 1;
    return d->n++;
}

static void ge_mvt_dict_free(ge_mvt_dict *d)
{
    free(d->data.data);
    free(d->off);
    free(d->len);
    free(d->slots);
}

/* ---- tile and layers ------------------------------------------------------ */

typedef struct ge_mvt_layer {
    char *name;
    ge_buf features; /* encoded Feature messages, each with its field tag */
    size_t nfeatures;
    ge_mvt_dict keys;   /* raw key strings */
    ge_mvt_dict values; /* encoded Value messages */
} ge_mvt_layer;

struct ge_mvt_tile {
    int extent;
    int buffer;
    double simplify;
    ge_mvt_layer *layers;
    size_t nlayers;
    size_t nfeatures;
    /* scratch reused across features */
    ge_mvt_u32 cmds;
    ge_mvt_u32 tags;
    ge_buf value;
    double *coords; /* GEOS coordinates of one part */
    int32_t *q;     /* the same quantised, x y pairs */
    size_t ccap;
    int32_t cx, cy; /* the command cursor within the current feature */
};

ge_mvt_tile *ge_mvt_tile_new(int extent, int buffer)
{
    ge_mvt_tile *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->extent = extent > 0 ? extent : GE_MVT_EXTENT;
    t->buffer = buffer >= 0 ? buffer : GE_MVT_BUFFER;
    return t;
}

void ge_mvt_tile_free(ge_mvt_tile *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->nlayers; i++) {
        free(t->layers[i].name);
        free(t->layers[i].features.data);
        ge_mvt_dict_free(&t->layers[i].keys);
        ge_mvt_dict_free(&t->layers[i].values);
    }
    free(t->layers);
    free(t->cmds.v);
    free(t->tags.v);
    free(t->value.data);
    free(t->coords);
    free(t->q);
    free(t);
}

void ge_mvt_set_simplify(ge_mvt_tile *t, double tolerance_px)
{
    t->simplify = tolerance_px > 0 && isfinite(tolerance_px) ? tolerance_px : 0;
}

size_t ge_mvt_feature_count(const ge_mvt_tile *t)
{
    return t->nfeatures;
}

int ge_mvt_layer_begin(ge_mvt_tile *t, const char *name, ge_err *err)
{
    ge_mvt_layer *l;

    if (!name || !name[0]) return ge_err_set(err, GE_EINVAL, "mvt: a layer needs a name");
    for (size_t i = 0; i < t->nlayers; i++)
        if (strcmp(t->layers[i].name, name) == 0)
            return ge_err_set(err, GE_EINVAL, "mvt: layer '%s' twice in one tile", name);
    l = realloc(t->layers, (t->nlayers + 1) * sizeof *l);
    if (!l) return ge_err_set(err, GE_ENOMEM, "mvt: out of memory");
    t->layers = l;
    l = &t->layers[t->nlayers];
    memset(l, 0, sizeof *l);
    l->name = strdup(name);
    if (!l->name) return ge_err_set(err, GE_ENOMEM, "mvt: out of memory");
    t->nlayers++;
    return GE_OK;
}

/* ---- properties -> tags --------------------------------------------------- */

static int ge_mvt_value_bytes(ge_buf *v, json_t *val)
{
    ge_buf_clear(v);
    switch (json_typeof(val)) {
    case JSON_STRING:
        return ge_mvt_bytes(v, 1, json_string_value(val), json_string_length(val));
    case JSON_INTEGER: {
        json_int_t i = json_integer_value(val);
        if (i >= 0) {
            if (ge_mvt_key(v, 5, 0) < 0) return -1;
            return ge_mvt_varint(v, (uint64_t)i);
        }
        if (ge_mvt_key(v, 6, 0) < 0) return -1;
        return ge_mvt_varint(v, ((uint64_t)i << 1) ^ (uint64_t)(i >> 63));
    }
    case JSON_REAL: {
        double d = json_real_value(val);
        uint64_t bits;
        unsigned char le[8];
        memcpy(&bits, &d, 8);
        for (int k = 0; k < 8; k++)
            le[k] = (unsigned char)(bits >> (8 * k));
        if (ge_mvt_key(v, 3, 1) < 0) return -1;
        return ge_buf_put(v, le, 8);
    }
    case JSON_TRUE:
    case JSON_FALSE:
        if (ge_mvt_key(v, 7, 0) < 0) return -1;
        return ge_mvt_varint(v, json_is_true(val) ? 1 : 0);
    case JSON_ARRAY:
    case JSON_OBJECT: {
        /* MVT has no nested values: keep them readable as JSON text. */
        char *text = json_dumps(val, JSON_COMPACT | JSON_ENSURE_ASCII);
        int rc = text ? ge_mvt_bytes(v, 1, text, strlen(text)) : -1;
        free(text);
        return rc;
    }
    default:
        return 1; /* null: left out */
    }
}

static int ge_mvt_tags(ge_mvt_tile *t, ge_mvt_layer *l, json_t *props)
{
    const char *k;
    json_t *val;

    t->tags.n = 0;
    if (!props || !json_is_object(props)) return 0;
    json_object_foreach(props, k, val)
    {
        int rc = ge_mvt_value_bytes(&t->value, val);
        if (rc < 0) return -1;
        if (rc > 0) continue;
        int64_t ki = ge_mvt_dict_index(&l->keys, (const unsigned char *)k, strlen(k));
        int64_t vi = ge_mvt_dict_index(&l->values, t->value.data, t->value.len);
        if (ki < 0 || vi < 0) return -1;
        if (ge_mvt_u32_push(&t->tags, (uint32_t)ki) < 0 ||
            ge_mvt_u32_push(&t->tags, (uint32_t)vi) < 0)
            return -1;
    }
    return 0;
}

/* ---- geometry ------------------------------------------------------------- */

static int ge_mvt_cmd(ge_mvt_tile *t, unsigned id, uint32_t count)
{
    return ge_mvt_u32_push(&t->cmds, (id & 7u) | (count << 3));
}

static int ge_mvt_delta(ge_mvt_tile *t, int32_t x, int32_t y)
{
    int rc = ge_mvt_u32_push(&t->cmds, ge_mvt_zigzag(x - t->cx));
    if (rc == 0) rc = ge_mvt_u32_push(&t->cmds, ge_mvt_zigzag(y - t->cy));
    t->cx = x;
    t->cy = y;
    return rc;
}

/* Quantises a coordinate sequence into t->q, dropping repeated points.
 * Returns the number of points kept, or -1. */
static long ge_mvt_quantise(ge_mvt_tile *t, GEOSContextHandle_t h, const GEOSCoordSequence *seq)
{
    unsigned int n = 0;
    long kept = 0;

    if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &n)) return -1;
    if (n > t->ccap) {
        size_t cap = n < 64 ? 64 : n;
        double *c = realloc(t->coords, cap * 2 * sizeof *c);
        if (!c) return -1;
        t->coords = c;
        int32_t *q = realloc(t->q, cap * 2 * sizeof *q);
        if (!q) return -1;
        t->q = q;
        t->ccap = cap;
    }
    if (n == 0) return 0;
    if (!GEOSCoordSeq_copyToBuffer_r(h, seq, t->coords, 0, 0)) return -1;
    /* The clip keeps everything within the buffer, so values fit in int32
     * with room; the clamp only guards against a failed clip. */
    double lim = (double)(t->extent + t->buffer) * 16.0;
    for (unsigned i = 0; i < n; i++) {
        double x = t->coords[2 * i], y = t->coords[2 * i + 1];
        if (!isfinite(x) || !isfinite(y)) continue;
        if (x > lim) x = lim;
        if (x < -lim) x = -lim;
        if (y > lim) y = lim;
        if (y < -lim) y = -lim;
        int32_t qx = (int32_t)lround(x), qy = (int32_t)lround(y);
        if (kept > 0 && t->q[2 * kept - 2] == qx && t->q[2 * kept - 1] == qy) continue;
        t->q[2 * kept] = qx;
        t->q[2 * kept + 1] = qy;
        kept++;
    }
    return kept;
}

static int ge_mvt_line(ge_mvt_tile *t, GEOSContextHandle_t h, const GEOSGeometry *g)
{
    long n = ge_mvt_quantise(t, h, GEOSGeom_getCoordSeq_r(h, g));
    if (n < 0) return -1;
    if (n < 2) return 0;
    if (ge_mvt_cmd(t, GE_MVT_MOVETO, 1) < 0 || ge_mvt_delta(t, t->q[0], t->q[1]) < 0) return -1;
    if (ge_mvt_cmd(t, GE_MVT_LINETO, (uint32_t)(n - 1)) < 0) return -1;
    for (long i = 1; i < n; i++)
        if (ge_mvt_delta(t, t->q[2 * i], t->q[2 * i + 1]) < 0) return -1;
    return 1;
}

/* Twice the signed area of the quantised ring in t->q (surveyor's formula). */
static int64_t ge_mvt_area2(const int32_t *q, long n)
{
    int64_t a = 0;
    for (long i = 0; i < n; i++) {
        long j = (i + 1) % n;
        a += (int64_t)q[2 * i] * q[2 * j + 1] - (int64_t)q[2 * j] * q[2 * i + 1];
    }
    return a;
}

/* One ring; exterior rings get positive area, interior rings negative.
 * Returns 1 written, 0 degenerate (nothing written), -1 error. */
static int ge_mvt_ring(ge_mvt_tile *t, GEOSContextHandle_t h, const GEOSGeometry *ring,
                       bool exterior)
{
    long n = ge_mvt_quantise(t, h, GEOSGeom_getCoordSeq_r(h, ring));
    if (n < 0) return -1;
    /* The closing point repeats the first: ClosePath says that. */
    if (n > 1 && t->q[0] == t->q[2 * n - 2] && t->q[1] == t->q[2 * n - 1]) n--;
    if (n < 3) return 0;
    int64_t a = ge_mvt_area2(t->q, n);
    if (a == 0) return 0;
    if ((a > 0) != exterior) {
        for (long i = 0, j = n - 1; i < j; i++, j--) {
            int32_t x = t->q[2 * i], y = t->q[2 * i + 1];
            t->q[2 * i] = t->q[2 * j];
            t->q[2 * i + 1] = t->q[2 * j + 1];
            t->q[2 * j] = x;
            t->q[2 * j + 1] = y;
        }
    }
    if (ge_mvt_cmd(t, GE_MVT_MOVETO, 1) < 0 || ge_mvt_delta(t, t->q[0], t->q[1]) < 0) return -1;
    if (ge_mvt_cmd(t, GE_MVT_LINETO, (uint32_t)(n - 1)) < 0) return -1;
    for (long i = 1; i < n; i++)
        if (ge_mvt_delta(t, t->q[2 * i], t->q[2 * i + 1]) < 0) return -1;
    if (ge_mvt_cmd(t, GE_MVT_CLOSEPATH, 1) < 0) return -1;
    return 1;
}

static int ge_mvt_polygon(ge_mvt_tile *t, GEOSContextHandle_t h, const GEOSGeometry *g)
{
    int rc, nholes;
    size_t mark_cmds = t->cmds.n;
    int32_t mark_x = t->cx, mark_y = t->cy;

    rc = ge_mvt_ring(t, h, GEOSGetExteriorRing_r(h, g), true);
    if (rc <= 0) {
        /* A polygon whose exterior collapsed is gone, holes and all. */
        t->cmds.n = mark_cmds;
        t->cx = mark_x;
        t->cy = mark_y;
        return rc;
    }
    nholes = GEOSGetNumInteriorRings_r(h, g);
    for (int i = 0; i < nholes; i++)
        if (ge_mvt_ring(t, h, GEOSGetInteriorRingN_r(h, g, i), false) < 0) return -1;
    return 1;
}

/* Writes the points of g (any nesting) into t->q-style MoveTo runs. */
static int ge_mvt_points(ge_mvt_tile *t, GEOSContextHandle_t h, const GEOSGeometry *g,
                         ge_mvt_u32 *pts)
{
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_POINT) {
        double x, y;
        if (GEOSisEmpty_r(h, g) || !GEOSGeomGetX_r(h, g, &x) || !GEOSGeomGetY_r(h, g, &y)) return 0;
        double lo = -t->buffer, hi = t->extent + t->buffer;
        if (!(x >= lo && x <= hi && y >= lo && y <= hi)) return 0;
        if (ge_mvt_u32_push(pts, (uint32_t)(int32_t)lround(x)) < 0 ||
            ge_mvt_u32_push(pts, (uint32_t)(int32_t)lround(y)) < 0)
            return -1;
        return 1;
    }
    if (type == GEOS_MULTIPOINT || type == GEOS_GEOMETRYCOLLECTION) {
        int n = GEOSGetNumGeometries_r(h, g), any = 0;
        for (int i = 0; i < n; i++) {
            int rc = ge_mvt_points(t, h, GEOSGetGeometryN_r(h, g, i), pts);
            if (rc < 0) return -1;
            any |= rc;
        }
        return any;
    }
    return 0;
}

/* Walks g and encodes its parts of dimension dim. Returns parts written, or -1. */
static int ge_mvt_parts(ge_mvt_tile *t, GEOSContextHandle_t h, const GEOSGeometry *g, int dim)
{
    int type = GEOSGeomTypeId_r(h, g);
    switch (type) {
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
        return dim == 1 ? ge_mvt_line(t, h, g) : 0;
    case GEOS_POLYGON:
        return dim == 2 ? ge_mvt_polygon(t, h, g) : 0;
    case GEOS_MULTILINESTRING:
    case GEOS_MULTIPOLYGON:
    case GEOS_GEOMETRYCOLLECTION: {
        int n = GEOSGetNumGeometries_r(h, g), total = 0;
        for (int i = 0; i < n; i++) {
            int rc = ge_mvt_parts(t, h, GEOSGetGeometryN_r(h, g, i), dim);
            if (rc < 0) return -1;
            total += rc;
        }
        return total;
    }
    default:
        return 0;
    }
}

/* Clips and simplifies a line or polygon geometry; returns a new geometry,
 * or NULL when it lies wholly outside the buffered tile (*outside set) or
 * GEOS failed. */
static GEOSGeometry *ge_mvt_prepare(ge_mvt_tile *t, GEOSContextHandle_t h, const GEOSGeometry *g,
                                    int dim, bool *outside)
{
    double lo = -t->buffer, hi = t->extent + t->buffer;
    double x0, y0, x1, y1;
    GEOSGeometry *c = NULL, *s;

    *outside = false;
    if (!GEOSGeom_getXMin_r(h, g, &x0) || !GEOSGeom_getYMin_r(h, g, &y0) ||
        !GEOSGeom_getXMax_r(h, g, &x1) || !GEOSGeom_getYMax_r(h, g, &y1)) {
        *outside = true; /* empty */
        return NULL;
    }
    if (x1 < lo || y1 < lo || x0 > hi || y0 > hi) {
        *outside = true;
        return NULL;
    }
    if (x0 >= lo && y0 >= lo && x1 <= hi && y1 <= hi) {
        c = GEOSGeom_clone_r(h, g);
    } else {
        c = GEOSClipByRect_r(h, g, lo, lo, hi, hi);
        /* Invalid input can make the clip throw; the whole geometry is still
         * a correct (only larger) answer. */
        if (!c) c = GEOSGeom_clone_r(h, g);
    }
    /* Few vertices: quantisation and the dropping of repeated points do all
     * a pixel tolerance could; the simplifiers' set-up would cost more than
     * the whole rest of the feature. */
    if (!c || t->simplify <= 0 || GEOSisEmpty_r(h, c) ||
        GEOSGetNumCoordinates_r(h, c) <= GE_MVT_SIMPLIFY_MIN)
        return c;
    s = dim == 2 ? GEOSTopologyPreserveSimplify_r(h, c, t->simplify)
                 : GEOSSimplify_r(h, c, t->simplify);
    if (!s) return c;
    GEOSGeom_destroy_r(h, c);
    return s;
}

/* The highest dimension among g's parts: 0 points, 1 lines, 2 polygons, -1 empty. */
static int ge_mvt_dim(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    switch (GEOSGeomTypeId_r(h, g)) {
    case GEOS_POINT:
    case GEOS_MULTIPOINT:
        return 0;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
    case GEOS_MULTILINESTRING:
        return 1;
    case GEOS_POLYGON:
    case GEOS_MULTIPOLYGON:
        return 2;
    case GEOS_GEOMETRYCOLLECTION: {
        int n = GEOSGetNumGeometries_r(h, g), d = -1;
        for (int i = 0; i < n; i++) {
            int di = ge_mvt_dim(h, GEOSGetGeometryN_r(h, g, i));
            if (di > d) d = di;
        }
        return d;
    }
    default:
        return -1;
    }
}

int ge_mvt_add(ge_mvt_tile *t, GEOSContextHandle_t h, const GEOSGeometry *geom, uint64_t id,
               bool has_id, json_t *props, ge_err *err)
{
    ge_mvt_layer *l;
    GEOSGeometry *prepared = NULL;
    ge_buf *f;
    int dim, rc = 0, type;

    if (t->nlayers == 0)
        return ge_err_set(err, GE_EINVAL, "mvt: ge_mvt_layer_begin() before adding features");
    l = &t->layers[t->nlayers - 1];
    t->cmds.n = 0;
    t->cx = t->cy = 0;
    dim = ge_mvt_dim(h, geom);
    if (dim < 0) return 0;
    if (dim == 0) {
        ge_mvt_u32 pts = {0};
        rc = ge_mvt_points(t, h, geom, &pts);
        if (rc > 0) {
            size_t n = pts.n / 2;
            if (ge_mvt_cmd(t, GE_MVT_MOVETO, (uint32_t)n) < 0) rc = -1;
            for (size_t i = 0; rc > 0 && i < n; i++)
                if (ge_mvt_delta(t, (int32_t)pts.v[2 * i], (int32_t)pts.v[2 * i + 1]) < 0) rc = -1;
        }
        free(pts.v);
        type = GE_MVT_POINT;
    } else {
        bool outside;
        prepared = ge_mvt_prepare(t, h, geom, dim, &outside);
        if (!prepared) {
            if (outside) return 0;
            return ge_err_set(err, GE_EINTERNAL, "mvt: GEOS failed to clip a feature");
        }
        rc = ge_mvt_parts(t, h, prepared, dim);
        type = dim == 1 ? GE_MVT_LINESTRING : GE_MVT_POLYGON;
    }
    if (rc < 0) goto nomem;
    if (rc == 0 || t->cmds.n == 0) goto done;
    if (ge_mvt_tags(t, l, props) < 0) goto nomem;

    /* Feature message into the value scratch, then as field 2 of the layer. */
    f = &t->value;
    ge_buf_clear(f);
    if (has_id && (ge_mvt_key(f, 1, 0) < 0 || ge_mvt_varint(f, id) < 0)) goto nomem;
    if (t->tags.n && ge_mvt_packed(f, 2, t->tags.v, t->tags.n) < 0) goto nomem;
    if (ge_mvt_key(f, 3, 0) < 0 || ge_mvt_varint(f, (uint64_t)type) < 0) goto nomem;
    if (ge_mvt_packed(f, 4, t->cmds.v, t->cmds.n) < 0) goto nomem;
    if (ge_mvt_bytes(&l->features, 2, f->data, f->len) < 0) goto nomem;
    l->nfeatures++;
    t->nfeatures++;
    rc = 1;
done:
    if (prepared) GEOSGeom_destroy_r(h, prepared);
    return rc > 0 ? 1 : 0;
nomem:
    if (prepared) GEOSGeom_destroy_r(h, prepared);
    return ge_err_set(err, GE_ENOMEM, "mvt: out of memory");
}

int ge_mvt_tile_finish(ge_mvt_tile *t, unsigned char **out, size_t *len, ge_err *err)
{
    ge_buf tile = {0}, layer = {0};

    *out = NULL;
    *len = 0;
    for (size_t i = 0; i < t->nlayers; i++) {
        ge_mvt_layer *l = &t->layers[i];
        if (l->nfeatures == 0) continue;
        ge_buf_clear(&layer);
        if (ge_mvt_key(&layer, 15, 0) < 0 || ge_mvt_varint(&layer, 2) < 0) goto nomem;
        if (ge_mvt_bytes(&layer, 1, l->name, strlen(l->name)) < 0) goto nomem;
        if (ge_buf_put(&layer, l->features.data, l->features.len) < 0) goto nomem;
        for (uint32_t k = 0; k < l->keys.n; k++)
            if (ge_mvt_bytes(&layer, 3, l->keys.data.data + l->keys.off[k], l->keys.len[k]) < 0)
                goto nomem;
        for (uint32_t k = 0; k < l->values.n; k++)
            if (ge_mvt_bytes(&layer, 4, l->values.data.data + l->values.off[k], l->values.len[k]) <
                0)
                goto nomem;
        if (ge_mvt_key(&layer, 5, 0) < 0 || ge_mvt_varint(&layer, (uint64_t)t->extent) < 0)
            goto nomem;
        if (ge_mvt_bytes(&tile, 3, layer.data, layer.len) < 0) goto nomem;
    }
    free(layer.data);
    if (tile.len == 0) {
        free(tile.data);
        return GE_OK;
    }
    *out = (unsigned char *)tile.data;
    *len = tile.len;
    return GE_OK;
nomem:
    free(layer.data);
    free(tile.data);
    return ge_err_set(err, GE_ENOMEM, "mvt: out of memory");
}
