/*
 * store_tiles.h - what tile generation asks of the store: the features of a
 * reference layer whose bounding boxes meet a box, found through the layer's
 * spatial index (an R*Tree), and the layer's version, which names the data a
 * tile was made from (caches and ETags key on it).
 */
#ifndef GE_STORE_TILES_H
#define GE_STORE_TILES_H

#include <jansson.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

/* The layer's version (increases with every import of it). GE_ENOENT when
 * there is no such layer, GE_EINVAL for an invalid name. */
int ge_store_tiles_version(ge_store *st, const char *layer, int64_t *version, ge_err *err);

/*
 * Visits, in fid order, every feature of layer whose bounding box meets box
 * (minx, miny, maxx, maxy in the store's SRID): cb gets ISO WKB and the
 * properties as JSON text. *version (may be NULL) gets the layer version of
 * the same read snapshot, so a tile and its version always belong together
 * even while an import commits. A non-zero return from cb stops and is
 * returned.
 */
int ge_store_tiles_query(ge_store *st, const char *layer, const double box[4], int64_t *version,
                         ge_feature_cb cb, void *ud, ge_err *err);

/*
 * The property names of a layer with their TileJSON types ("String",
 * "Number", "Boolean"), as a new JSON object: what the vector_layers entry
 * of a TileJSON document lists as fields.
 */
int ge_store_tiles_fields(ge_store *st, const char *layer, json_t **out, ge_err *err);

#endif
