/*
 * refindex.c - immutable in-memory reference snapshots, their atomic swap and
 * per-thread prepared geometries (refindex.h).
 *
 * Swapping: the current pointer and the acquire (load + reference) sit under
 * one mutex. A lock-free load followed by an increment would race with a swap
 * that drops the last reference in between; hazard pointers would fix that
 * but a mutex held for two instructions costs ~20 ns per validation, which
 * is nothing next to the validation itself.
 */
#include "refindex.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "geos_ctx.h"

struct ge_reflayer {
    char name[64];
    ge_refitem *items;
    size_t n, cap;
    GEOSSTRtree *tree;
};

/* A prepared geometry's place, in the order the slot made them. */
typedef struct ge_prepref {
    uint32_t layer, index;
} ge_prepref;

/* One thread's prepared geometries for one snapshot: prep[layer][item], and
 * a ring of their places, oldest first, to free the oldest beyond the limit. */
typedef struct ge_prepslot {
    pthread_t owner;
    struct ge_prepslot *next;
    size_t bytes;     /* estimated, of the geometries in the ring */
    ge_prepref *fifo; /* ring buffer */
    size_t head, count, cap;
    const GEOSPreparedGeometry **prep[];
} ge_prepslot;

static atomic_size_t ge_prep_limit = GE_REFINDEX_PREPARED_DEFAULT;
static atomic_uint_fast64_t ge_prep_count, ge_prep_bytes, ge_prep_evicted;

void ge_refindex_set_prepared_limit(size_t bytes)
{
    atomic_store(&ge_prep_limit, bytes);
}

void ge_refindex_prepared_stats_get(ge_refindex_prepared_stats *out)
{
    out->geometries = atomic_load(&ge_prep_count);
    out->bytes = atomic_load(&ge_prep_bytes);
    out->evicted = atomic_load(&ge_prep_evicted);
}

static size_t ge_prep_cost(const ge_refitem *it)
{
    return (size_t)it->npoints * GE_REFINDEX_PREPARED_BYTES_PER_POINT;
}

struct ge_refsnap {
    atomic_int refs;
    uint64_t generation;
    int srid;
    GEOSContextHandle_t h; /* made the items; frees everything at the end */
    ge_reflayer *layers;
    size_t nlayers, cap;
    pthread_mutex_t slots_lock;
    ge_prepslot *slots;
};

struct ge_refbuilder {
    ge_refsnap *snap;
    GEOSWKBReader *wkb;
};

struct ge_refindex {
    pthread_mutex_t lock;
    ge_refsnap *current;
};

static atomic_uint_fast64_t next_generation = 1;

/* The calling thread's slot of the snapshot it used last. The generation is
 * unique per snapshot for the life of the process, so a stale entry (its
 * snapshot freed) is recognised without ever dereferencing the slot. */
static _Thread_local struct {
    uint64_t generation;
    ge_prepslot *slot;
} tls_prep;

/* ---- snapshot lifetime ---------------------------------------------------- */

static void ge_refsnap_free_slots(ge_refsnap *s)
{
    ge_prepslot *slot = s->slots, *next;

    for (; slot; slot = next) {
        next = slot->next;
        for (size_t l = 0; l < s->nlayers; l++) {
            if (!slot->prep[l]) continue;
            for (size_t i = 0; i < s->layers[l].n; i++)
                if (slot->prep[l][i]) GEOSPreparedGeom_destroy_r(s->h, slot->prep[l][i]);
            free(slot->prep[l]);
        }
        atomic_fetch_sub(&ge_prep_count, slot->count);
        atomic_fetch_sub(&ge_prep_bytes, slot->bytes);
        free(slot->fifo);
        free(slot);
    }
    s->slots = NULL;
}

static void ge_refsnap_free(ge_refsnap *s)
{
    if (!s) return;
    ge_refsnap_free_slots(s);
    for (size_t l = 0; l < s->nlayers; l++) {
        ge_reflayer *layer = &s->layers[l];
        if (layer->tree) GEOSSTRtree_destroy_r(s->h, layer->tree);
        for (size_t i = 0; i < layer->n; i++) {
            GEOSGeom_destroy_r(s->h, (GEOSGeometry *)layer->items[i].geom);
            json_decref(layer->items[i].props);
        }
        free(layer->items);
    }
    free(s->layers);
    pthread_mutex_destroy(&s->slots_lock);
    ge_geos_ctx_free(s->h);
    free(s);
}

ge_refsnap *ge_refsnap_ref(ge_refsnap *s)
{
    if (s) atomic_fetch_add(&s->refs, 1);
    return s;
}

void ge_refsnap_release(ge_refsnap *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1) ge_refsnap_free(s);
}

/* ---- building ------------------------------------------------------------- */

int ge_refindex_builder_new(int srid, ge_refbuilder **out, ge_err *err)
{
    ge_refbuilder *b = calloc(1, sizeof *b);

    *out = NULL;
    if (!b) goto oom;
    b->snap = calloc(1, sizeof *b->snap);
    if (!b->snap) goto oom;
    pthread_mutex_init(&b->snap->slots_lock, NULL);
    atomic_init(&b->snap->refs, 1);
    b->snap->srid = srid;
    b->snap->h = ge_geos_ctx_new();
    if (!b->snap->h) goto oom;
    *out = b;
    return GE_OK;
oom:
    ge_refindex_builder_free(b);
    return ge_err_set(err, GE_ENOMEM, "out of memory for a reference snapshot");
}

void ge_refindex_builder_free(ge_refbuilder *b)
{
    if (!b) return;
    if (b->wkb) GEOSWKBReader_destroy_r(b->snap->h, b->wkb);
    if (b->snap) ge_refsnap_free(b->snap);
    free(b);
}

static ge_reflayer *ge_refbuilder_find(ge_refsnap *s, const char *name)
{
    for (size_t i = 0; i < s->nlayers; i++)
        if (!strcmp(s->layers[i].name, name)) return &s->layers[i];
    return NULL;
}

static int ge_refbuilder_layer_get(ge_refbuilder *b, const char *name, ge_reflayer **out,
                                   ge_err *err)
{
    ge_refsnap *s = b->snap;
    ge_reflayer *l = ge_refbuilder_find(s, name);

    if (l) {
        *out = l;
        return GE_OK;
    }
    if (strlen(name) >= sizeof l->name || !*name)
        return ge_err_set(err, GE_EINVAL, "layer name '%.80s' is empty or too long", name);
    if (s->nlayers == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        ge_reflayer *v = realloc(s->layers, cap * sizeof *v);
        if (!v) return ge_err_set(err, GE_ENOMEM, "out of memory for layer '%s'", name);
        s->layers = v;
        s->cap = cap;
    }
    l = &s->layers[s->nlayers++];
    memset(l, 0, sizeof *l);
    strcpy(l->name, name);
    *out = l;
    return GE_OK;
}

int ge_refindex_builder_layer(ge_refbuilder *b, const char *layer, ge_err *err)
{
    ge_reflayer *l;
    return ge_refbuilder_layer_get(b, layer, &l, err);
}

/* Appends one item to l; takes g and props, also on failure. */
static int ge_refbuilder_push(ge_refbuilder *b, ge_reflayer *l, GEOSGeometry *g, int64_t fid,
                              json_t *props, ge_err *err)
{
    GEOSContextHandle_t h = b->snap->h;
    ge_refitem *it;
    int rc, np;

    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        ge_refitem *v = realloc(l->items, cap * sizeof *v);
        if (!v) {
            rc = ge_err_set(err, GE_ENOMEM, "out of memory for layer '%s'", l->name);
            goto err;
        }
        l->items = v;
        l->cap = cap;
    }
    it = &l->items[l->n];
    memset(it, 0, sizeof *it);
    /* Also makes GEOS compute and keep the envelope now, before other
     * threads read the geometry. */
    if (!GEOSGeom_getExtent_r(h, g, &it->minx, &it->miny, &it->maxx, &it->maxy)) {
        rc = ge_err_set(err, GE_EINTERNAL, "layer '%s': item %lld has no extent", l->name,
                        (long long)fid);
        goto err;
    }
    np = GEOSGetNumCoordinates_r(h, g);
    it->geom = g;
    it->props = props;
    it->fid = fid;
    it->npoints = np > 0 ? (uint32_t)np : 0;
    it->layer = (uint32_t)(l - b->snap->layers);
    it->index = (uint32_t)l->n;
    l->n++;
    return GE_OK;
err:
    GEOSGeom_destroy_r(h, g);
    json_decref(props);
    return rc;
}

/*
 * Cuts a big line or polygon into pieces of at most GE_REFINDEX_PIECE_POINTS
 * vertices by halving its box along the longer side (what PostGIS's
 * ST_Subdivide does) and pushes each piece as an item with the feature's fid.
 * Why: street space derived from a road network is one polygon of ~20,000
 * vertices; every overlay with it (the part of a skip outside the street
 * space) would cost a millisecond, while with pieces only the few near the
 * drawing take part. Unions, overlaps and distances over the pieces equal
 * those over the whole. Takes g; props stays the caller's.
 */
static int ge_refbuilder_subdivide(ge_refbuilder *b, ge_reflayer *l, GEOSGeometry *g, int dim,
                                   int64_t fid, json_t *props, int depth, ge_err *err)
{
    GEOSContextHandle_t h = b->snap->h;
    int type = GEOSGeomTypeId_r(h, g), rc = GE_OK;
    double x0, y0, x1, y1;

    if (type >= GEOS_MULTIPOINT) {
        /* Parts one by one; overlay results may hold stray lower-dimension bits. */
        int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; rc == GE_OK && i < n; i++) {
            const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i);
            GEOSGeometry *copy;
            if (GEOSGeom_getDimensions_r(h, part) != dim || GEOSisEmpty_r(h, part) == 1) continue;
            copy = GEOSGeom_clone_r(h, part);
            rc = copy ? ge_refbuilder_subdivide(b, l, copy, dim, fid, props, depth, err)
                      : ge_err_set(err, GE_ENOMEM, "out of memory");
        }
        GEOSGeom_destroy_r(h, g);
        return rc;
    }
    if (GEOSGetNumCoordinates_r(h, g) <= GE_REFINDEX_PIECE_POINTS || depth >= 24)
        return ge_refbuilder_push(b, l, g, fid, json_incref(props), err);
    if (!GEOSGeom_getExtent_r(h, g, &x0, &y0, &x1, &y1)) {
        GEOSGeom_destroy_r(h, g);
        return ge_err_set(err, GE_EINTERNAL, "layer '%s': item %lld has no extent", l->name,
                          (long long)fid);
    }
    for (int half = 0; rc == GE_OK && half < 2; half++) {
        bool wide = x1 - x0 >= y1 - y0;
        double mx = (x0 + x1) / 2, my = (y0 + y1) / 2;
        GEOSGeometry *rect =
            wide ? GEOSGeom_createRectangle_r(h, half ? mx : x0, y0, half ? x1 : mx, y1)
                 : GEOSGeom_createRectangle_r(h, x0, half ? my : y0, x1, half ? y1 : my);
        /* A real overlay, not GEOSClipByRect: that one may return invalid
         * polygons, and pieces must be valid for covers and differences. */
        GEOSGeometry *piece = rect ? GEOSIntersection_r(h, g, rect) : NULL;
        if (rect) GEOSGeom_destroy_r(h, rect);
        if (!piece)
            rc = ge_err_set(err, GE_EINTERNAL, "layer '%s': cannot cut item %lld: %s", l->name,
                            (long long)fid, ge_geos_last_error(h));
        else if (GEOSisEmpty_r(h, piece) == 1)
            GEOSGeom_destroy_r(h, piece);
        else
            rc = ge_refbuilder_subdivide(b, l, piece, dim, fid, props, depth + 1, err);
    }
    GEOSGeom_destroy_r(h, g);
    return rc;
}

/* Are all coordinates of g finite? A NaN slips through envelopes (every
 * comparison with it is false) and makes overlays throw, and GEOS 3.11 leaks
 * what its snapping overlay had made when it throws (found by
 * tests/fuzz/fuzz_wkb). */
static bool ge_refindex_finite(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    int type = GEOSGeomTypeId_r(h, g);

    if (type == GEOS_POLYGON) {
        int n = GEOSGetNumInteriorRings_r(h, g);
        if (!ge_refindex_finite(h, GEOSGetExteriorRing_r(h, g))) return false;
        for (int i = 0; i < n; i++)
            if (!ge_refindex_finite(h, GEOSGetInteriorRingN_r(h, g, i))) return false;
        return true;
    }
    if (type >= GEOS_MULTIPOINT) {
        int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < n; i++)
            if (!ge_refindex_finite(h, GEOSGetGeometryN_r(h, g, i))) return false;
        return true;
    }
    {
        const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, g);
        unsigned int n = 0;
        if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &n)) return true; /* empty point */
        for (unsigned int i = 0; i < n; i++) {
            double x, y;
            if (!GEOSCoordSeq_getXY_r(h, seq, i, &x, &y) || !isfinite(x) || !isfinite(y))
                return false;
        }
        return true;
    }
}

int ge_refindex_builder_add(ge_refbuilder *b, const char *layer, GEOSGeometry *g, int64_t fid,
                            json_t *props, ge_err *err)
{
    GEOSContextHandle_t h = b->snap->h;
    ge_reflayer *l;
    int rc, dim;

    if (!g) {
        json_decref(props);
        return ge_err_set(err, GE_EINVAL, "layer '%s': item %lld has no geometry", layer,
                          (long long)fid);
    }
    rc = ge_refbuilder_layer_get(b, layer, &l, err);
    if (rc < 0 || GEOSisEmpty_r(h, g) == 1) {
        /* an empty geometry is dropped, see refindex.h */
        GEOSGeom_destroy_r(h, g);
        json_decref(props);
        return rc;
    }
    if (!ge_refindex_finite(h, g)) {
        GEOSGeom_destroy_r(h, g);
        json_decref(props);
        return ge_err_set(err, GE_EINVAL,
                          "layer '%s': item %lld has a coordinate that is not a finite number",
                          layer, (long long)fid);
    }
    dim = GEOSGeom_getDimensions_r(h, g);
    if (dim == 0 || GEOSGetNumCoordinates_r(h, g) <= GE_REFINDEX_PIECE_POINTS)
        return ge_refbuilder_push(b, l, g, fid, props, err);
    rc = ge_refbuilder_subdivide(b, l, g, dim, fid, props, 0, err);
    json_decref(props);
    return rc;
}

int ge_refindex_builder_add_wkb(ge_refbuilder *b, const char *layer, const unsigned char *wkb,
                                size_t wkb_len, int64_t fid, const char *props_json, ge_err *err)
{
    GEOSContextHandle_t h = b->snap->h;
    GEOSGeometry *g;
    json_t *props = NULL;
    json_error_t je;

    if (!b->wkb) {
        b->wkb = GEOSWKBReader_create_r(h);
        if (!b->wkb) return ge_err_set(err, GE_ENOMEM, "cannot create a WKB reader");
    }
    g = GEOSWKBReader_read_r(h, b->wkb, wkb, wkb_len);
    if (!g)
        return ge_err_set(err, GE_EIO, "layer '%s': feature %lld has unreadable WKB: %s", layer,
                          (long long)fid, ge_geos_last_error(h));
    if (props_json && *props_json) {
        props = json_loads(props_json, 0, &je);
        if (!props || !json_is_object(props)) {
            GEOSGeom_destroy_r(h, g);
            json_decref(props);
            return ge_err_set(err, GE_EIO, "layer '%s': feature %lld has unreadable properties",
                              layer, (long long)fid);
        }
        if (json_object_size(props) == 0) {
            json_decref(props);
            props = NULL;
        }
    }
    return ge_refindex_builder_add(b, layer, g, fid, props, err);
}

static void ge_refquery_noop(void *item, void *ud)
{
    (void)item;
    (void)ud;
}

static int ge_reflayer_build_tree(GEOSContextHandle_t h, ge_reflayer *l, ge_err *err)
{
    GEOSGeometry *probe;

    l->tree = GEOSSTRtree_create_r(h, 10);
    if (!l->tree)
        return ge_err_set(err, GE_ENOMEM, "cannot create the index of layer '%s'", l->name);
    for (size_t i = 0; i < l->n; i++)
        GEOSSTRtree_insert_r(h, l->tree, l->items[i].geom, &l->items[i]);
    /* The first query builds the tree; make it here, on the builder's
     * thread, so that readers never do (see refindex.h). */
    probe = GEOSGeom_createPointFromXY_r(h, 0, 0);
    if (!probe) return ge_err_set(err, GE_ENOMEM, "out of memory");
    GEOSSTRtree_query_r(h, l->tree, probe, ge_refquery_noop, NULL);
    GEOSGeom_destroy_r(h, probe);
    return GE_OK;
}

int ge_refindex_builder_finish(ge_refbuilder *b, ge_refsnap **out, ge_err *err)
{
    ge_refsnap *s = b->snap;
    int rc;

    *out = NULL;
    for (size_t l = 0; l < s->nlayers; l++) {
        rc = ge_reflayer_build_tree(s->h, &s->layers[l], err);
        if (rc < 0) {
            ge_refindex_builder_free(b);
            return rc;
        }
    }
    s->generation = atomic_fetch_add(&next_generation, 1);
    if (b->wkb) GEOSWKBReader_destroy_r(s->h, b->wkb);
    free(b);
    *out = s;
    return GE_OK;
}

typedef struct ge_refload {
    ge_refbuilder *b;
    const char *layer;
    ge_err *err;
} ge_refload;

static int ge_refload_feature(void *ud, int64_t fid, const unsigned char *wkb, size_t wkb_len,
                              const char *props_json)
{
    ge_refload *ld = ud;
    return ge_refindex_builder_add_wkb(ld->b, ld->layer, wkb, wkb_len, fid, props_json, ld->err);
}

int ge_refindex_build_from_store(ge_store *st, ge_refsnap **out, ge_err *err)
{
    ge_layer_info *layers = NULL;
    ge_refbuilder *b = NULL;
    size_t n = 0;
    int rc;

    *out = NULL;
    rc = ge_refindex_builder_new(ge_store_srid(st), &b, err);
    if (rc < 0) goto err;
    rc = ge_store_layer_list(st, &layers, &n, err);
    if (rc < 0) goto err;
    for (size_t i = 0; i < n; i++) {
        ge_refload ld = {b, layers[i].name, err};
        rc = ge_refindex_builder_layer(b, layers[i].name, err);
        if (rc < 0) goto err;
        rc = ge_store_layer_scan(st, layers[i].name, ge_refload_feature, &ld, err);
        if (rc < 0) goto err;
    }
    free(layers);
    return ge_refindex_builder_finish(b, out, err);
err:
    free(layers);
    ge_refindex_builder_free(b);
    return rc;
}

/* ---- the holder ----------------------------------------------------------- */

int ge_refindex_new(ge_refindex **out, ge_err *err)
{
    ge_refindex *ri = calloc(1, sizeof *ri);

    *out = NULL;
    if (!ri) return ge_err_set(err, GE_ENOMEM, "out of memory");
    pthread_mutex_init(&ri->lock, NULL);
    *out = ri;
    return GE_OK;
}

void ge_refindex_free(ge_refindex *ri)
{
    if (!ri) return;
    ge_refsnap_release(ri->current);
    pthread_mutex_destroy(&ri->lock);
    free(ri);
}

void ge_refindex_publish(ge_refindex *ri, ge_refsnap *snap)
{
    ge_refsnap *old;

    pthread_mutex_lock(&ri->lock);
    old = ri->current;
    ri->current = snap;
    pthread_mutex_unlock(&ri->lock);
    /* Outside the lock: freeing a snapshot takes milliseconds. */
    ge_refsnap_release(old);
}

ge_refsnap *ge_refindex_acquire(ge_refindex *ri)
{
    ge_refsnap *s;

    pthread_mutex_lock(&ri->lock);
    s = ge_refsnap_ref(ri->current);
    pthread_mutex_unlock(&ri->lock);
    return s;
}

int ge_refindex_reload(ge_refindex *ri, ge_store *st, ge_err *err)
{
    ge_refsnap *s;
    int rc = ge_refindex_build_from_store(st, &s, err);

    if (rc < 0) return rc;
    ge_refindex_publish(ri, s);
    return GE_OK;
}

/* ---- reading -------------------------------------------------------------- */

int ge_refsnap_srid(const ge_refsnap *s)
{
    return s->srid;
}

uint64_t ge_refsnap_generation(const ge_refsnap *s)
{
    return s->generation;
}

size_t ge_refsnap_layer_count(const ge_refsnap *s)
{
    return s->nlayers;
}

const ge_reflayer *ge_refsnap_layer_at(const ge_refsnap *s, size_t i)
{
    return i < s->nlayers ? &s->layers[i] : NULL;
}

const ge_reflayer *ge_refsnap_layer(const ge_refsnap *s, const char *name)
{
    return ge_refbuilder_find((ge_refsnap *)s, name);
}

const char *ge_reflayer_name(const ge_reflayer *l)
{
    return l->name;
}

size_t ge_reflayer_size(const ge_reflayer *l)
{
    return l->n;
}

const ge_refitem *ge_reflayer_item(const ge_reflayer *l, size_t i)
{
    return i < l->n ? &l->items[i] : NULL;
}

void ge_refhits_free(ge_refhits *hits)
{
    free(hits->v);
    hits->v = NULL;
    hits->n = hits->cap = 0;
}

typedef struct ge_refquery {
    ge_refhits *hits;
    bool oom;
} ge_refquery;

static void ge_refquery_collect(void *item, void *ud)
{
    ge_refquery *q = ud;
    ge_refhits *hits = q->hits;

    if (q->oom) return;
    if (hits->n == hits->cap) {
        size_t cap = hits->cap ? 2 * hits->cap : 16;
        const ge_refitem **v = realloc(hits->v, cap * sizeof *v);
        if (!v) {
            q->oom = true;
            return;
        }
        hits->v = v;
        hits->cap = cap;
    }
    hits->v[hits->n++] = item;
}

static int ge_refhit_cmp(const void *a, const void *b)
{
    const ge_refitem *x = *(const ge_refitem *const *)a, *y = *(const ge_refitem *const *)b;
    if (x->layer != y->layer) return x->layer < y->layer ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

int ge_reflayer_query(GEOSContextHandle_t h, const ge_reflayer *l, double minx, double miny,
                      double maxx, double maxy, ge_refhits *hits, ge_err *err)
{
    ge_refquery q = {hits, false};
    size_t first = hits->n;
    GEOSGeometry *box;

    if (l->n == 0) return GE_OK;
    box = GEOSGeom_createRectangle_r(h, minx, miny, maxx, maxy);
    if (!box) return ge_err_set(err, GE_ENOMEM, "out of memory for a query");
    GEOSSTRtree_query_r(h, l->tree, box, ge_refquery_collect, &q);
    GEOSGeom_destroy_r(h, box);
    if (q.oom) return ge_err_set(err, GE_ENOMEM, "out of memory for query results");
    /* Tree order depends on packing; layer order makes reports stable. */
    if (hits->n - first > 1)
        qsort(hits->v + first, hits->n - first, sizeof *hits->v, ge_refhit_cmp);
    return GE_OK;
}

typedef struct ge_refnear {
    GEOSContextHandle_t h;
    const GEOSGeometry *g;
    bool failed;
} ge_refnear;

static int ge_refnear_distance(const void *a, const void *b, double *d, void *ud)
{
    ge_refnear *q = ud;
    /* One argument is the query marker (q itself), the other a tree item. */
    const ge_refitem *it = (a == q) ? b : a;

    if (!GEOSDistance_r(q->h, it->geom, q->g, d)) {
        q->failed = true;
        return 0;
    }
    return 1;
}

const ge_refitem *ge_reflayer_nearest(GEOSContextHandle_t h, const ge_reflayer *l,
                                      const GEOSGeometry *g, double *distance)
{
    ge_refnear q = {h, g, false};
    const ge_refitem *it;

    if (l->n == 0) return NULL;
    it = GEOSSTRtree_nearest_generic_r(h, l->tree, &q, g, ge_refnear_distance, &q);
    if (!it || q.failed) return NULL;
    if (!GEOSDistance_r(h, it->geom, g, distance)) return NULL;
    return it;
}

/* ---- per-thread prepared geometries -------------------------------------- */

static ge_prepslot *ge_refsnap_slot(ge_refsnap *s)
{
    pthread_t self = pthread_self();
    ge_prepslot *slot;

    if (tls_prep.generation == s->generation) return tls_prep.slot;
    pthread_mutex_lock(&s->slots_lock);
    for (slot = s->slots; slot; slot = slot->next)
        if (pthread_equal(slot->owner, self)) break;
    if (!slot) {
        slot = calloc(1, sizeof *slot + s->nlayers * sizeof slot->prep[0]);
        if (slot) {
            slot->owner = self;
            slot->next = s->slots;
            s->slots = slot;
        }
    }
    pthread_mutex_unlock(&s->slots_lock);
    if (slot) {
        tls_prep.generation = s->generation;
        tls_prep.slot = slot;
    }
    return slot;
}

const GEOSPreparedGeometry *ge_refsnap_prepared(GEOSContextHandle_t h, const ge_refsnap *cs,
                                                const ge_refitem *it)
{
    ge_refsnap *s = (ge_refsnap *)cs; /* only the slots change, under their own rules */
    ge_prepslot *slot;
    const GEOSPreparedGeometry **arr;
    size_t cost = ge_prep_cost(it), limit = atomic_load(&ge_prep_limit);

    if (it->npoints < GE_REFINDEX_PREPARE_MIN_POINTS) return NULL;
    slot = ge_refsnap_slot(s);
    if (!slot) return NULL;
    arr = slot->prep[it->layer];
    if (arr && arr[it->index]) return arr[it->index];
    if (cost > limit) return NULL;
    if (!arr) {
        arr = calloc(s->layers[it->layer].n, sizeof *arr);
        if (!arr) return NULL;
        slot->prep[it->layer] = arr;
    }
    if (slot->count == slot->cap) { /* grow the ring, oldest first again */
        size_t ncap = slot->cap ? 2 * slot->cap : 64;
        ge_prepref *v = malloc(ncap * sizeof *v);
        if (!v) return NULL;
        for (size_t i = 0; i < slot->count; i++)
            v[i] = slot->fifo[(slot->head + i) % slot->cap];
        free(slot->fifo);
        slot->fifo = v;
        slot->head = 0;
        slot->cap = ncap;
    }
    /* Room first: the oldest go. Callers use a prepared geometry before
     * they ask for the next one, so none of them is in use now. */
    while (slot->count > 0 && slot->bytes + cost > limit) {
        ge_prepref old = slot->fifo[slot->head];
        const ge_refitem *oi = &s->layers[old.layer].items[old.index];
        GEOSPreparedGeom_destroy_r(h, slot->prep[old.layer][old.index]);
        slot->prep[old.layer][old.index] = NULL;
        slot->head = (slot->head + 1) % slot->cap;
        slot->count--;
        slot->bytes -= ge_prep_cost(oi);
        atomic_fetch_sub(&ge_prep_count, 1);
        atomic_fetch_sub(&ge_prep_bytes, ge_prep_cost(oi));
        atomic_fetch_add(&ge_prep_evicted, 1);
    }
    arr[it->index] = GEOSPrepare_r(h, it->geom);
    if (!arr[it->index]) return NULL;
    slot->fifo[(slot->head + slot->count) % slot->cap] = (ge_prepref){it->layer, it->index};
    slot->count++;
    slot->bytes += cost;
    atomic_fetch_add(&ge_prep_count, 1);
    atomic_fetch_add(&ge_prep_bytes, cost);
    return arr[it->index];
}
