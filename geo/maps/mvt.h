/*
 * mvt.h - a Mapbox Vector Tile 2.1 encoder (the vector_tile.proto of the
 * spec, written by hand: a varint/zigzag writer is all protobuf takes here).
 *
 * The caller hands in GEOS geometries already in tile coordinates (pixels of
 * the tile's extent, origin top-left, y down; ge_mvt_tile_coords() maps
 * EPSG:3857 there). Per feature the encoder then
 *   1. clips to the tile plus a buffer (GEOSClipByRect_r), so that lines and
 *      polygon edges continue into the neighbour tile and renderers draw no
 *      seams, while the tile stays small;
 *   2. simplifies with a tolerance in tile pixels (topology preserving for
 *      polygons, so rings do not cross);
 *   3. quantises to integers, drops repeated points and degenerate parts
 *      (lines under 2 points, rings without area);
 *   4. orients rings as the spec wants: exterior rings positive area by the
 *      surveyor's formula in tile coordinates (clockwise on screen, y down),
 *      interior rings negative;
 *   5. writes MoveTo/LineTo/ClosePath commands with zigzag deltas, and the
 *      properties as tags into per-layer key and value tables that hold each
 *      key and each value once.
 *
 * Usage:
 *   ge_mvt_tile *t = ge_mvt_tile_new(4096, 64);
 *   ge_mvt_layer_begin(t, "buildings", err);
 *   ge_mvt_add(t, h, geom, fid, true, props, err);   // per feature
 *   ge_mvt_tile_finish(t, &bytes, &len, err);          // len 0: nothing in the tile
 *   ge_mvt_tile_free(t);
 */
#ifndef GE_MVT_H
#define GE_MVT_H

#include <geos_c.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define GE_MVT_EXTENT 4096 /* the spec's default and what renderers expect */
#define GE_MVT_BUFFER 64   /* pixels of the extent kept around the tile */

typedef struct ge_mvt_tile ge_mvt_tile;

/* A tile with the given extent and clip buffer (both in tile pixels). NULL
 * when out of memory. */
ge_mvt_tile *ge_mvt_tile_new(int extent, int buffer);
void ge_mvt_tile_free(ge_mvt_tile *t);

/* Simplification tolerance in tile pixels for the features added next; 0
 * (the default) keeps every quantised vertex. */
void ge_mvt_set_simplify(ge_mvt_tile *t, double tolerance_px);

/* Starts a new layer; later features go into it. Names must be unique in a
 * tile (GE_EINVAL otherwise) and non-empty. */
int ge_mvt_layer_begin(ge_mvt_tile *t, const char *name, ge_err *err);

/*
 * Adds a feature to the current layer. geom is in tile coordinates; points,
 * lines and polygons (also multi and collections of one dimension; mixed
 * collections keep the parts of the highest dimension). props is a JSON
 * object or NULL: strings, integers, reals and booleans become values of
 * their type, nulls are left out, arrays and objects become their JSON text.
 * Returns 1 when the feature was written, 0 when nothing of it is left in the
 * tile (outside, or degenerate after quantisation), < 0 on error.
 */
int ge_mvt_add(ge_mvt_tile *t, GEOSContextHandle_t h, const GEOSGeometry *geom, uint64_t id,
               bool has_id, json_t *props, ge_err *err);

/* Number of features written into the tile so far (all layers). */
size_t ge_mvt_feature_count(const ge_mvt_tile *t);

/*
 * Serialises the tile. Layers without features are left out; a tile without
 * any feature gives *len 0 and *out NULL. *out is malloc'd.
 */
int ge_mvt_tile_finish(ge_mvt_tile *t, unsigned char **out, size_t *len, ge_err *err);

/* EPSG:3857 (mx, my) -> tile coordinates of a tile with bounds b
 * (minx, miny, maxx, maxy) and the extent. */
static inline void ge_mvt_tile_coords(const double b[4], int extent, double mx, double my,
                                      double *px, double *py)
{
    *px = (mx - b[0]) * (double)extent / (b[2] - b[0]);
    *py = (b[3] - my) * (double)extent / (b[3] - b[1]);
}

/* ---- the wire format, shared with the tests' decoder ---------------------- */

/* Zigzag: signed -> unsigned so that small magnitudes stay small varints. */
static inline uint32_t ge_mvt_zigzag(int32_t v)
{
    return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
}

static inline int32_t ge_mvt_unzigzag(uint32_t v)
{
    return (int32_t)(v >> 1) ^ -(int32_t)(v & 1);
}

enum { GE_MVT_MOVETO = 1, GE_MVT_LINETO = 2, GE_MVT_CLOSEPATH = 7 };
enum { GE_MVT_UNKNOWN = 0, GE_MVT_POINT = 1, GE_MVT_LINESTRING = 2, GE_MVT_POLYGON = 3 };

#endif
