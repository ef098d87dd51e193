/*
 * tilegen.c - renders a vector tile from store layers (see tilegen.h).
 *
 * Reprojection happens on the WKB itself, before GEOS reads it: the
 * coordinate runs of each line and ring are transformed in bulk with one
 * PROJ call (proj_trans_generic through ge_crs_transform) and mapped to tile
 * pixels in the same pass. That is much cheaper than a per-point callback
 * and leaves GEOS one WKB read per feature.
 */
#include "tilegen.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crs.h"
#include "geos_ctx.h"
#include "mvt.h"
#include "store_tiles.h"

/* Features and their reprojection scratch for one render. */
typedef struct ge_tilegen_state {
    GEOSContextHandle_t h;
    GEOSWKBReader *reader;
    ge_mvt_tile *mvt;
    const ge_tilegen_layer *layer;
    ge_crs from, to;
    double bounds[4]; /* tile in EPSG:3857 */
    unsigned char *wkb;
    size_t wkb_cap;
    double *xy;
    size_t xy_cap;
    ge_err *err;
} ge_tilegen_state;

double ge_tilegen_simplify_px(int z)
{
    /* One pixel of the 4096 extent is 1/16 of a screen pixel: invisible.
     * From zoom 18 on the data is already coarser than that. */
    return z >= 18 ? 0.0 : 1.0;
}

static uint32_t ge_tilegen_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Transforms n points at p (little-endian doubles, maybe unaligned) to tile
 * pixels. -1 when a point cannot be transformed. */
static int ge_tilegen_points(ge_tilegen_state *s, unsigned char *p, size_t n)
{
    if (n == 0) return 0;
    if (n * 2 > s->xy_cap) {
        size_t cap = n * 2 < 256 ? 256 : n * 2;
        double *xy = realloc(s->xy, cap * sizeof *xy);
        if (!xy) return -1;
        s->xy = xy;
        s->xy_cap = cap;
    }
    memcpy(s->xy, p, n * 16);
    if (ge_crs_transform(&s->from, &s->to, s->xy, n, NULL) < 0) return -1;
    for (size_t i = 0; i < n; i++)
        ge_mvt_tile_coords(s->bounds, GE_MVT_EXTENT, s->xy[2 * i], s->xy[2 * i + 1], &s->xy[2 * i],
                           &s->xy[2 * i + 1]);
    memcpy(p, s->xy, n * 16);
    return 0;
}

/* Walks one (sub)geometry of little-endian XY ISO WKB at *pp, transforming
 * its coordinates in place; -1 for anything else or a truncated blob. */
static int ge_tilegen_wkb(ge_tilegen_state *s, unsigned char **pp, unsigned char *end, int depth)
{
    unsigned char *p = *pp;
    uint32_t type, n;

    if (depth > 8 || end - p < 5 || p[0] != 1) return -1;
    type = ge_tilegen_u32(p + 1);
    p += 5;
    if (type == 1) {
        if (end - p < 16 || ge_tilegen_points(s, p, 1) < 0) return -1;
        p += 16;
    } else if (type == 2 || type == 3) {
        uint32_t nrings = 1;
        if (type == 3) {
            if (end - p < 4) return -1;
            nrings = ge_tilegen_u32(p);
            p += 4;
        }
        for (uint32_t r = 0; r < nrings; r++) {
            if (end - p < 4) return -1;
            n = ge_tilegen_u32(p);
            p += 4;
            if ((size_t)(end - p) / 16 < n || ge_tilegen_points(s, p, n) < 0) return -1;
            p += (size_t)n * 16;
        }
    } else if (type >= 4 && type <= 7) {
        if (end - p < 4) return -1;
        n = ge_tilegen_u32(p);
        p += 4;
        for (uint32_t i = 0; i < n; i++)
            if (ge_tilegen_wkb(s, &p, end, depth + 1) < 0) return -1;
    } else {
        return -1; /* Z/M or big-endian: the store writes neither */
    }
    *pp = p;
    return 0;
}

static bool ge_tilegen_in(const char *v, const char *const *list)
{
    for (; list && *list; list++)
        if (strcmp(*list, v) == 0) return true;
    return false;
}

/* Applies the layer's filter and keep list; NULL props means "leave out". */
static json_t *ge_tilegen_props(const ge_tilegen_layer *l, const char *text, bool *skip)
{
    json_t *props = text ? json_loads(text, JSON_DECODE_ANY, NULL) : json_object();
    *skip = false;
    if (!props || !json_is_object(props)) {
        json_decref(props);
        props = json_object();
    }
    if (l->filter_key) {
        const char *v = json_string_value(json_object_get(props, l->filter_key));
        bool match = v && ge_tilegen_in(v, l->filter_values);
        if (match == l->filter_negate) {
            *skip = true;
            json_decref(props);
            return NULL;
        }
    }
    if (l->keep) {
        const char *k;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(props, tmp, k, v)
        {
            if (!ge_tilegen_in(k, l->keep)) json_object_del(props, k);
        }
    }
    return props;
}

static int ge_tilegen_feature(void *ud, int64_t fid, const unsigned char *wkb, size_t len,
                              const char *props_json)
{
    ge_tilegen_state *s = ud;
    unsigned char *p;
    GEOSGeometry *g;
    json_t *props;
    bool skip;
    int rc;

    props = ge_tilegen_props(s->layer, props_json, &skip);
    if (skip) return 0;
    if (!props) return ge_err_set(s->err, GE_ENOMEM, "tiles: out of memory");
    if (len > s->wkb_cap) {
        unsigned char *b = realloc(s->wkb, len);
        if (!b) {
            json_decref(props);
            return ge_err_set(s->err, GE_ENOMEM, "tiles: out of memory");
        }
        s->wkb = b;
        s->wkb_cap = len;
    }
    memcpy(s->wkb, wkb, len);
    p = s->wkb;
    if (ge_tilegen_wkb(s, &p, s->wkb + len, 0) < 0) {
        json_decref(props); /* cannot be reprojected: cannot be drawn */
        return 0;
    }
    g = GEOSWKBReader_read_r(s->h, s->reader, s->wkb, len);
    if (!g) {
        json_decref(props);
        return 0;
    }
    rc = ge_mvt_add(s->mvt, s->h, g, (uint64_t)fid, fid >= 0, props, s->err);
    GEOSGeom_destroy_r(s->h, g);
    json_decref(props);
    return rc < 0 ? rc : 0;
}

/* The tile plus its buffer as a box in the store's CRS: the edges are
 * sampled, because a Web Mercator square is not a square in UTM. */
static void ge_tilegen_store_box(ge_tilegen_state *s, double box[4])
{
    enum { N = 8 };
    double res = (s->bounds[2] - s->bounds[0]) / GE_MVT_EXTENT;
    double b[4] = {s->bounds[0] - GE_MVT_BUFFER * res, s->bounds[1] - GE_MVT_BUFFER * res,
                   s->bounds[2] + GE_MVT_BUFFER * res, s->bounds[3] + GE_MVT_BUFFER * res};
    double pts[4 * N * 2];
    size_t k = 0;

    for (int i = 0; i < N; i++) {
        double f = (double)i / N;
        double xs[4] = {b[0] + f * (b[2] - b[0]), b[2], b[2] - f * (b[2] - b[0]), b[0]};
        double ys[4] = {b[1], b[1] + f * (b[3] - b[1]), b[3], b[3] - f * (b[3] - b[1])};
        for (int e = 0; e < 4; e++) {
            pts[2 * k] = xs[e];
            pts[2 * k + 1] = ys[e];
            k++;
        }
    }
    if (ge_crs_transform(&s->to, &s->from, pts, k, NULL) < 0) {
        /* Far outside the zone of a metric CRS (zoom 0-3 tiles): query
         * everything; a city's layers are small at such zooms. */
        box[0] = box[1] = -1e300;
        box[2] = box[3] = 1e300;
        return;
    }
    box[0] = box[1] = HUGE_VAL;
    box[2] = box[3] = -HUGE_VAL;
    for (size_t i = 0; i < k; i++) {
        box[0] = fmin(box[0], pts[2 * i]);
        box[1] = fmin(box[1], pts[2 * i + 1]);
        box[2] = fmax(box[2], pts[2 * i]);
        box[3] = fmax(box[3], pts[2 * i + 1]);
    }
}

int ge_tilegen_render(ge_store *st, const ge_tile *t, const ge_tilegen_layer *layers, size_t n,
                      ge_tilegen_result *out, ge_err *err)
{
    ge_tilegen_state s;
    double box[4];
    int rc = GE_OK;

    memset(out, 0, sizeof *out);
    memset(&s, 0, sizeof s);
    s.err = err;
    if (!ge_tilemath_valid(t->z, t->x, t->y))
        return ge_err_set(err, GE_EINVAL, "tile %d/%u/%u is outside WebMercatorQuad", t->z, t->y,
                          t->x);
    rc = ge_crs_from_epsg(ge_store_srid(st), &s.from, err);
    if (rc == GE_OK) rc = ge_crs_from_epsg(3857, &s.to, err);
    if (rc < 0) return rc;
    ge_tilemath_bounds(t, s.bounds);
    s.h = ge_geos_ctx();
    s.reader = s.h ? GEOSWKBReader_create_r(s.h) : NULL;
    s.mvt = ge_mvt_tile_new(GE_MVT_EXTENT, GE_MVT_BUFFER);
    if (!s.reader || !s.mvt) {
        rc = ge_err_set(err, GE_ENOMEM, "tiles: out of memory");
        goto done;
    }
    ge_mvt_set_simplify(s.mvt, ge_tilegen_simplify_px(t->z));
    ge_tilegen_store_box(&s, box);
    for (size_t i = 0; i < n && rc == GE_OK; i++) {
        int64_t version = 0;
        s.layer = &layers[i];
        if (t->z < layers[i].minzoom) continue;
        rc = ge_mvt_layer_begin(s.mvt, layers[i].name ? layers[i].name : layers[i].source, err);
        if (rc == GE_OK && layers[i].query)
            rc = layers[i].query(st, layers[i].query_arg, box, &version, ge_tilegen_feature, &s,
                                 err);
        else if (rc == GE_OK)
            rc = ge_store_tiles_query(st, layers[i].source, box, &version, ge_tilegen_feature, &s,
                                      err);
        if (i == 0) out->version = version;
    }
    if (rc == GE_OK) {
        out->nfeatures = ge_mvt_feature_count(s.mvt);
        rc = ge_mvt_tile_finish(s.mvt, &out->data, &out->len, err);
    }
done:
    if (s.reader) GEOSWKBReader_destroy_r(s.h, s.reader);
    ge_mvt_tile_free(s.mvt);
    free(s.wkb);
    free(s.xy);
    return rc;
}
