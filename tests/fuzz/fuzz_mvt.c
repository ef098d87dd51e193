/*
 * fuzz_mvt.c - the MVT encoder (geo/maps/mvt.c), encode then decode and
 * compare: the tile is read back with the tests' decoder
 * (tests/support/ts_mvt.c, written from the spec apart from the encoder),
 * and every feature must come back as it went in.
 *
 * Input: a little program of layers and features. Each op byte: 0 starts a
 * new layer; 1, 2, 3 add a (multi)point, (multi)line or (multi)polygon made
 * of the following bytes (coordinates in half pixels, mostly inside the
 * buffered tile, sometimes outside), with an optional id and up to three
 * properties (string, integer, real, boolean, null). Checks: the tile
 * decodes; it holds the layers that got features, in order, with extent
 * 4096 and version 2; each feature written has its type, id and properties
 * (nulls left out); a feature that lies wholly in the buffered tile has
 * exactly its vertices rounded to integers without repeats, rings without
 * the closing point, exterior rings of positive and holes of negative area
 * (as the encoder promises, mvt.h); points outside the buffer are left out.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "geos_ctx.h"
#include "mvt.h"
#include "ts_mvt.h"

#define EXT  4096
#define BUF  64
#define MAXF 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct rd {
    const uint8_t *p, *end;
} rd;

static unsigned u8(rd *r)
{
    return r->p < r->end ? *r->p++ : 0;
}

static unsigned u16(rd *r)
{
    unsigned a = u8(r);
    return a | u8(r) << 8;
}

static uint64_t u64(rd *r)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)u8(r) << (8 * i);
    return v;
}

/* One expected part: rounded points without repeats. */
typedef struct part {
    int32_t *xy;
    size_t n;
    int ring; /* 0 no, 1 exterior, -1 hole */
} part;

typedef struct feat {
    int type;
    bool has_id, inside;
    uint64_t id;
    json_t *props; /* expected, nulls left out */
    part parts[64];
    size_t nparts;
} feat;

static double coord(rd *r)
{
    return (double)(u16(r) % 9000) / 2.0 - 100.0;
}

/* Reads n points into a sequence and the expected part. */
static GEOSCoordSequence *points(GEOSContextHandle_t h, rd *r, unsigned n, bool close, part *pt,
                                 bool *inside)
{
    GEOSCoordSequence *s = GEOSCoordSeq_create_r(h, n + (close ? 1 : 0), 2);
    double x0 = 0, y0 = 0;
    pt->xy = malloc((n + 1) * 2 * sizeof *pt->xy);
    pt->n = 0;
    if (!s || !pt->xy) abort();
    for (unsigned i = 0; i <= n; i++) {
        double x, y;
        if (i == n && !close) break;
        if (i < n) {
            x = coord(r);
            y = coord(r);
        } else {
            x = x0;
            y = y0;
        }
        if (i == 0) x0 = x, y0 = y;
        GEOSCoordSeq_setXY_r(h, s, i, x, y);
        if (x < -BUF || x > EXT + BUF || y < -BUF || y > EXT + BUF) *inside = false;
        int32_t qx = (int32_t)lround(x), qy = (int32_t)lround(y);
        if (pt->n && pt->xy[2 * pt->n - 2] == qx && pt->xy[2 * pt->n - 1] == qy) continue;
        pt->xy[2 * pt->n] = qx;
        pt->xy[2 * pt->n + 1] = qy;
        pt->n++;
    }
    return s;
}

static int64_t area2(const int32_t *q, size_t n)
{
    int64_t a = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = (i + 1) % n;
        a += (int64_t)q[2 * i] * q[2 * j + 1] - (int64_t)q[2 * j] * q[2 * i + 1];
    }
    return a;
}

static void drop_part(feat *f)
{
    free(f->parts[--f->nparts].xy);
}

/* Builds a feature's geometry from the input; the expected parts in f. */
static GEOSGeometry *make_geom(GEOSContextHandle_t h, rd *r, int kind, feat *f)
{
    unsigned nparts = u8(r) % 3 + 1;
    GEOSGeometry *g[3];
    f->inside = true;
    f->nparts = 0;
    for (unsigned k = 0; k < nparts; k++) {
        if (kind == 1) {
            part *pt = &f->parts[f->nparts++];
            bool in = true;
            GEOSCoordSequence *s = points(h, r, 1, false, pt, &in);
            g[k] = GEOSGeom_createPoint_r(h, s);
            pt->n = 1;             /* a point is a point, repeated or not */
            if (!in) drop_part(f); /* points outside the buffer are left out */
        } else if (kind == 2) {
            part *pt = &f->parts[f->nparts++];
            g[k] =
                GEOSGeom_createLineString_r(h, points(h, r, u8(r) % 12 + 2, false, pt, &f->inside));
            if (pt->n < 2) drop_part(f);
        } else {
            unsigned nrings = u8(r) % 3 + 1;
            GEOSGeometry *rings[3];
            size_t first = f->nparts;
            for (unsigned i = 0; i < nrings; i++) {
                part *pt = &f->parts[f->nparts++];
                rings[i] = GEOSGeom_createLinearRing_r(
                    h, points(h, r, u8(r) % 8 + 3, true, pt, &f->inside));
                pt->ring = i == 0 ? 1 : -1;
                if (pt->n > 1 && pt->xy[0] == pt->xy[2 * pt->n - 2] &&
                    pt->xy[1] == pt->xy[2 * pt->n - 1])
                    pt->n--;
                if (pt->n < 3 || area2(pt->xy, pt->n) == 0) {
                    drop_part(f);
                    if (i == 0) { /* a collapsed exterior takes its holes along */
                        for (unsigned j = 1; j < nrings; j++) {
                            part tmp;
                            bool dummy = true;
                            rings[j] = GEOSGeom_createLinearRing_r(
                                h, points(h, r, u8(r) % 8 + 3, true, &tmp, &dummy));
                            free(tmp.xy);
                        }
                        break;
                    }
                }
            }
            (void)first;
            g[k] = GEOSGeom_createPolygon_r(h, rings[0], nrings > 1 ? rings + 1 : NULL, nrings - 1);
        }
        if (!g[k]) abort();
    }
    if (nparts == 1) return g[0];
    return GEOSGeom_createCollection_r(h,
                                       kind == 1   ? GEOS_MULTIPOINT
                                       : kind == 2 ? GEOS_MULTILINESTRING
                                                   : GEOS_MULTIPOLYGON,
                                       g, nparts);
}

static json_t *make_props(rd *r, json_t **expected)
{
    static const char *const keys[] = {"class", "name", "width", "oneway"};
    unsigned n = u8(r) % 4;
    json_t *p = json_object();
    *expected = json_object();
    for (unsigned i = 0; i < n; i++) {
        const char *k = keys[u8(r) % 4];
        unsigned t = u8(r) % 5;
        json_t *v = NULL;
        if (t == 0) {
            unsigned len = u8(r) % 12;
            char s[16];
            for (unsigned j = 0; j < len; j++)
                s[j] = (char)u8(r);
            v = json_stringn(s, len); /* NULL unless UTF-8, as the store's JSON is */
        } else if (t == 1) {
            v = json_integer((json_int_t)u64(r));
        } else if (t == 2) {
            uint64_t b = u64(r);
            double d;
            memcpy(&d, &b, 8);
            v = isfinite(d) ? json_real(d) : NULL;
        } else if (t == 3) {
            v = json_boolean(u8(r) & 1);
        } else {
            v = json_null();
        }
        if (!v) continue;
        if (!json_is_null(v))
            json_object_set(*expected, k, v);
        else
            json_object_del(*expected, k);
        json_object_set_new(p, k, v);
    }
    return p;
}

static bool same_seq(const int32_t *a, const int32_t *b, size_t n, bool reverse)
{
    for (size_t i = 0; i < n; i++) {
        size_t j = reverse ? n - 1 - i : i;
        if (a[2 * i] != b[2 * j] || a[2 * i + 1] != b[2 * j + 1]) return false;
    }
    return true;
}

static void compare(const feat *want, const ts_mvt_feature *got, size_t li, size_t fi)
{
    FZ_CHECK(got->type == want->type, "layer %zu feature %zu: type %d, want %d", li, fi, got->type,
             want->type);
    FZ_CHECK(got->has_id == want->has_id && (!want->has_id || got->id == want->id),
             "layer %zu feature %zu: id", li, fi);
    FZ_CHECK(json_equal(got->props, want->props), "layer %zu feature %zu: properties differ", li,
             fi);
    for (size_t i = 0; i < got->npoints; i++) {
        int32_t x = got->xy[2 * i], y = got->xy[2 * i + 1];
        if (want->type == GE_MVT_POINT || want->inside)
            FZ_CHECK(x >= -BUF && x <= EXT + BUF && y >= -BUF && y <= EXT + BUF,
                     "layer %zu feature %zu: point (%d, %d) outside the buffer", li, fi, x, y);
    }
    if (!want->inside) return;
    FZ_CHECK(got->nparts == want->nparts, "layer %zu feature %zu: %zu parts, want %zu", li, fi,
             got->nparts, want->nparts);
    for (size_t i = 0; i < got->nparts; i++) {
        const ts_mvt_part *gp = &got->parts[i];
        const part *wp = &want->parts[i];
        const int32_t *gxy = got->xy + 2 * gp->first;
        FZ_CHECK(gp->count == wp->n, "layer %zu feature %zu part %zu: %zu points, want %zu", li, fi,
                 i, gp->count, wp->n);
        FZ_CHECK(gp->closed == (wp->ring != 0), "part %zu: ClosePath", i);
        if (wp->ring) {
            FZ_CHECK((gp->area2 > 0) == (wp->ring > 0) && gp->area2 != 0,
                     "layer %zu feature %zu ring %zu: area %lld for %s", li, fi, i,
                     (long long)gp->area2, wp->ring > 0 ? "an exterior" : "a hole");
            FZ_CHECK(same_seq(gxy, wp->xy, wp->n, false) || same_seq(gxy, wp->xy, wp->n, true),
                     "layer %zu feature %zu ring %zu: vertices differ", li, fi, i);
        } else {
            FZ_CHECK(same_seq(gxy, wp->xy, wp->n, false),
                     "layer %zu feature %zu part %zu: vertices differ", li, fi, i);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    rd r = {data, data + size};
    ge_mvt_tile *t = ge_mvt_tile_new(EXT, BUF);
    static feat want[4][MAXF];
    size_t nwant[4] = {0}, nlayers = 0;
    unsigned char *bytes = NULL;
    size_t len = 0;
    ts_mvt m;
    char msg[256], name[8];
    ge_err err;

    if (!t) abort();
    while (r.p < r.end) {
        unsigned op = u8(&r) % 4;
        if (op == 0 || nlayers == 0) {
            if (nlayers == 4) break;
            snprintf(name, sizeof name, "l%zu", nlayers);
            FZ_CHECK(ge_mvt_layer_begin(t, name, &err) == GE_OK, "layer: %s", err.msg);
            nlayers++;
            if (op == 0) continue;
        }
        if (nwant[nlayers - 1] == MAXF) break;
        feat *f = &want[nlayers - 1][nwant[nlayers - 1]];
        memset(f, 0, sizeof *f);
        f->type = (int)op;
        f->has_id = u8(&r) & 1;
        if (f->has_id) f->id = u64(&r);
        GEOSGeometry *g = make_geom(h, &r, (int)op, f);
        json_t *props = make_props(&r, &f->props);
        int rc = ge_mvt_add(t, h, g, f->id, f->has_id, props, &err);
        FZ_CHECK(rc >= 0, "ge_mvt_add: %s", err.msg);
        if (f->inside) FZ_CHECK(rc == (f->nparts > 0), "written %d, but %zu parts", rc, f->nparts);
        if (rc == 1) {
            nwant[nlayers - 1]++;
        } else {
            for (size_t i = 0; i < f->nparts; i++)
                free(f->parts[i].xy);
            json_decref(f->props);
        }
        json_decref(props);
        GEOSGeom_destroy_r(h, g);
    }
    FZ_CHECK(ge_mvt_tile_finish(t, &bytes, &len, &err) == GE_OK, "finish: %s", err.msg);
    FZ_CHECK(ts_mvt_decode(bytes, len, &m, msg, sizeof msg) == 0, "decode: %s", msg);
    {
        size_t li = 0;
        for (size_t k = 0; k < nlayers; k++) {
            if (!nwant[k]) continue;
            FZ_CHECK(li < m.nlayers, "layer l%zu missing", k);
            const ts_mvt_layer *l = &m.layers[li++];
            snprintf(name, sizeof name, "l%zu", k);
            FZ_CHECK(strcmp(l->name, name) == 0, "layer %s, want %s", l->name, name);
            FZ_CHECK(l->extent == EXT && l->version == 2, "extent %u version %u", l->extent,
                     l->version);
            FZ_CHECK(l->nfeatures == nwant[k], "layer %s: %zu features, want %zu", name,
                     l->nfeatures, nwant[k]);
            for (size_t i = 0; i < nwant[k]; i++)
                compare(&want[k][i], &l->features[i], k, i);
        }
        FZ_CHECK(li == m.nlayers, "%zu layers, want %zu", m.nlayers, li);
    }
    for (size_t k = 0; k < nlayers; k++)
        for (size_t i = 0; i < nwant[k]; i++) {
            for (size_t j = 0; j < want[k][i].nparts; j++)
                free(want[k][i].parts[j].xy);
            json_decref(want[k][i].props);
        }
    ts_mvt_free(&m);
    free(bytes);
    ge_mvt_tile_free(t);
    return 0;
}
