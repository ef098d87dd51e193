/*
 * refindex.h - the reference layers in memory: immutable snapshots of every
 * layer (geometries, properties, a GEOS STRtree each), swapped atomically
 * after an import, read by many threads at once.
 *
 * Lifecycle: a builder collects items (from the store, or from geometries
 * made in a test) and finishes into a snapshot. A ge_refindex holds the
 * current snapshot; readers ge_refindex_acquire() it for the duration of one
 * validation and release it afterwards; a reload builds a new snapshot and
 * publishes it; the old one is freed when its last reader releases it.
 *
 * Thread safety, and why it is safe:
 * - A snapshot never changes after ge_refindex_builder_finish(). The STRtrees
 *   are built there (GEOS builds an STRtree on its first query; the builder
 *   makes that query), after which GEOS's query and nearest-neighbour walks
 *   only read the tree. Item geometries are only read (GEOS computes their
 *   envelopes at construction; the builder touches each once anyway).
 * - Prepared geometries are NOT shareable: GEOS fills their indexes lazily
 *   on first use. So each thread gets its own prepared copy of an item, made
 *   on first use and kept in a per-thread slot of the snapshot, freed with the
 *   snapshot, up to a limit (ge_refindex_set_prepared_limit, the server's
 *   prepared_cache): beyond it the thread's oldest prepared copies go, first
 *   made, first freed. Small items (under GE_REFINDEX_PREPARE_MIN_POINTS vertices:
 *   hydrants, trees, most buildings) are not prepared at all; the plain GEOS
 *   predicate is as fast for them. Big ones (the boundary, pieces of the
 *   street space) gain an order of magnitude.
 * - Every GEOS call here takes the caller's context handle (one per thread).
 */
#ifndef GE_REFINDEX_H
#define GE_REFINDEX_H

#include <geos_c.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

#define GE_REFINDEX_PREPARE_MIN_POINTS 32

/* Lines and polygons with more vertices are cut into pieces of at most this
 * many (see ge_refindex_builder_add). */
#define GE_REFINDEX_PIECE_POINTS 256

typedef struct ge_refitem {
    const GEOSGeometry *geom; /* store CRS; owned by the snapshot, read-only */
    json_t *props;            /* properties object (read-only), or NULL */
    int64_t fid;
    double minx, miny, maxx, maxy;
    uint32_t npoints;
    uint32_t layer; /* index of its layer in the snapshot */
    uint32_t index; /* index in its layer */
} ge_refitem;

typedef struct ge_reflayer ge_reflayer;
typedef struct ge_refsnap ge_refsnap;
typedef struct ge_refbuilder ge_refbuilder;
typedef struct ge_refindex ge_refindex;

/* ---- building a snapshot -------------------------------------------------- */

int ge_refindex_builder_new(int srid, ge_refbuilder **out, ge_err *err);

/* Declares a layer (so that an empty layer exists in the snapshot). */
int ge_refindex_builder_layer(ge_refbuilder *b, const char *layer, ge_err *err);

/* Adds an item to a layer (declared on first use). Takes ownership of g and
 * of the reference props (may be NULL), also when it fails. Empty geometries
 * are dropped: they cannot be found and constrain nothing. A line or polygon
 * of more than GE_REFINDEX_PIECE_POINTS vertices becomes several items, its
 * pieces, all with the same fid and props: queries then touch only the
 * pieces near a drawing (like PostGIS's ST_Subdivide). A coordinate that is
 * not a finite number (NaN, infinity) is GE_EINVAL: nothing could measure
 * against it. */
int ge_refindex_builder_add(ge_refbuilder *b, const char *layer, GEOSGeometry *g, int64_t fid,
                            json_t *props, ge_err *err);

/* Adds an item from ISO WKB and JSON object text (props_json may be NULL). */
int ge_refindex_builder_add_wkb(ge_refbuilder *b, const char *layer, const unsigned char *wkb,
                                size_t wkb_len, int64_t fid, const char *props_json, ge_err *err);

/* Builds the indexes and returns the snapshot (one reference); frees b. */
int ge_refindex_builder_finish(ge_refbuilder *b, ge_refsnap **out, ge_err *err);

/* Frees an unfinished builder; NULL is fine. */
void ge_refindex_builder_free(ge_refbuilder *b);

/* Reads every layer of the store into a new snapshot. */
int ge_refindex_build_from_store(ge_store *st, ge_refsnap **out, ge_err *err);

/* ---- the current snapshot ------------------------------------------------- */

int ge_refindex_new(ge_refindex **out, ge_err *err);

/* Releases the current snapshot (readers keep theirs). NULL is fine. */
void ge_refindex_free(ge_refindex *ri);

/* Makes snap current, taking over the caller's reference; the previous one
 * is released. */
void ge_refindex_publish(ge_refindex *ri, ge_refsnap *snap);

/* The current snapshot with a reference for the caller, or NULL if none was
 * published yet. Release with ge_refsnap_release(). */
ge_refsnap *ge_refindex_acquire(ge_refindex *ri);

/* Builds a snapshot from the store and publishes it (after an import). */
int ge_refindex_reload(ge_refindex *ri, ge_store *st, ge_err *err);

/* ---- reading a snapshot --------------------------------------------------- */

ge_refsnap *ge_refsnap_ref(ge_refsnap *s);
void ge_refsnap_release(ge_refsnap *s);

int ge_refsnap_srid(const ge_refsnap *s);

/* Increases with every snapshot built in this process. */
uint64_t ge_refsnap_generation(const ge_refsnap *s);

size_t ge_refsnap_layer_count(const ge_refsnap *s);
const ge_reflayer *ge_refsnap_layer_at(const ge_refsnap *s, size_t i);

/* The layer of that name, or NULL when the snapshot has none. */
const ge_reflayer *ge_refsnap_layer(const ge_refsnap *s, const char *name);

const char *ge_reflayer_name(const ge_reflayer *l);
/* Items in the layer (pieces of cut features count one each). */
size_t ge_reflayer_size(const ge_reflayer *l);
const ge_refitem *ge_reflayer_item(const ge_reflayer *l, size_t i);

/* Items found by a query, in layer order. */
typedef struct ge_refhits {
    const ge_refitem **v;
    size_t n, cap;
} ge_refhits;

void ge_refhits_free(ge_refhits *hits);

/* Appends to hits the items of l whose bounding box intersects the box. */
int ge_reflayer_query(GEOSContextHandle_t h, const ge_reflayer *l, double minx, double miny,
                      double maxx, double maxy, ge_refhits *hits, ge_err *err);

/* The item of l nearest to g (STRtree best-first search, never a scan) and its
 * distance; NULL when l is empty. */
const ge_refitem *ge_reflayer_nearest(GEOSContextHandle_t h, const ge_reflayer *l,
                                      const GEOSGeometry *g, double *distance);

/* The calling thread's prepared geometry of an item of s, or NULL when the
 * item is too small to be worth preparing, or bigger than the whole limit
 * (use the plain predicate then). Valid until the same thread's next call:
 * that call may free it to stay within the limit. */
const GEOSPreparedGeometry *ge_refsnap_prepared(GEOSContextHandle_t h, const ge_refsnap *s,
                                                const ge_refitem *it);

/*
 * The bytes of prepared geometries (with the indexes GEOS builds in them on
 * first use) one thread keeps per snapshot at most; 0: none are kept. The
 * bytes are estimated from the vertices: GE_REFINDEX_PREPARED_BYTES_PER_POINT
 * each (GEOS 3.11, measured with mallinfo2 around preparing and using
 * polygons and lines of 33 to 257 vertices as the rules do - intersects,
 * covers, distance: 40 to 100 bytes a vertex, the most for short lines).
 * Default GE_REFINDEX_PREPARED_DEFAULT.
 */
#define GE_REFINDEX_PREPARED_BYTES_PER_POINT 100
#define GE_REFINDEX_PREPARED_DEFAULT         (8u << 20)
void ge_refindex_set_prepared_limit(size_t bytes);

/* All threads' prepared geometries now (of every live snapshot), their
 * estimated bytes, and how many were freed to stay within the limit. */
typedef struct ge_refindex_prepared_stats {
    uint64_t geometries, bytes, evicted;
} ge_refindex_prepared_stats;
void ge_refindex_prepared_stats_get(ge_refindex_prepared_stats *out);

#endif
