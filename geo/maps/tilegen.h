/*
 * tilegen.h - one vector tile from reference layers of the store: the
 * features of each layer that meet the tile (through the spatial index),
 * reprojected from the store's CRS to EPSG:3857 and into tile coordinates,
 * then clipped, simplified and encoded by the MVT encoder (mvt.h).
 *
 * Used by the dynamic tiles of the HTTP API (one layer per tile), by the
 * review app's case tiles (a layer with its own query, case_tiles.h) and by
 * the base map builder (several layers, filtered and renamed per zoom).
 */
#ifndef GE_TILEGEN_H
#define GE_TILEGEN_H

#include <stdint.h>

#include "error.h"
#include "store.h"
#include "tilemath.h"

typedef struct ge_tilegen_layer {
    const char *source;      /* the store's layer */
    const char *name;        /* the MVT layer's name; NULL: source */
    int minzoom;             /* left out of tiles below this zoom */
    const char *const *keep; /* properties kept, NULL-terminated; NULL: all */
    /* When filter_key is set, only features whose property filter_key has
     * one of filter_values (NULL-terminated) are kept. */
    const char *filter_key;
    const char *const *filter_values;
    bool filter_negate; /* keep the features that do NOT match instead */
    /* Where the features come from: NULL reads the store layer source
     * (ge_store_tiles_query); otherwise this is called instead, with
     * query_arg, and source only names the data (the case tiles use it). It
     * visits the features whose boxes meet box (store SRID) and sets
     * *version to the version of the data it read. */
    int (*query)(ge_store *st, const void *query_arg, const double box[4], int64_t *version,
                 ge_feature_cb cb, void *ud, ge_err *err);
    const void *query_arg;
} ge_tilegen_layer;

typedef struct ge_tilegen_result {
    unsigned char *data; /* the MVT bytes (malloc'd); NULL when the tile is empty */
    size_t len;
    size_t nfeatures;
    int64_t version; /* version of the first layer, read with its features */
} ge_tilegen_result;

/*
 * Renders tile t. Layers whose store layer does not exist are GE_ENOENT;
 * features whose geometry cannot be reprojected are left out (they cannot
 * be drawn anyway). An empty tile is a success with data NULL and len 0.
 */
int ge_tilegen_render(ge_store *st, const ge_tile *t, const ge_tilegen_layer *layers, size_t n,
                      ge_tilegen_result *out, ge_err *err);

/* The pixel tolerance the renderer simplifies with at zoom z. */
double ge_tilegen_simplify_px(int z);

#endif
