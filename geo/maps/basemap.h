/*
 * basemap.h - the base map tileset: vector tiles of the imported reference
 * layers (land use, water, buildings, roads with names and classes, paths
 * and cycleways, house numbers, the boundary), made once after an import
 * and written into an MBTiles file beside the store, which the server
 * serves at /tiles/basemap/WebMercatorQuad/{z}/{y}/{x}.
 *
 * The schema (MVT layer names and their fields) is listed in the file's
 * "json" metadata (vector_layers) and in the TileJSON, so styles can rely
 * on it.
 */
#ifndef GE_BASEMAP_H
#define GE_BASEMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "store.h"

#define GE_BASEMAP_MINZOOM 12
#define GE_BASEMAP_MAXZOOM 17 /* clients overzoom beyond: 4.6 cm per tile unit at 52 N */

typedef struct ge_basemap_opts {
    int minzoom, maxzoom;                                         /* 0, 0: the defaults above */
    void (*progress)(void *ud, int z, size_t done, size_t total); /* may be NULL */
    void *progress_ud;
} ge_basemap_opts;

typedef struct ge_basemap_report {
    size_t tiles; /* non-empty tiles written */
    size_t bytes; /* their gzipped size */
    int minzoom, maxzoom;
    double bounds[4]; /* lon/lat of the data */
} ge_basemap_report;

/* The MBTiles file that belongs to a store file: "<db>.basemap.mbtiles". */
void ge_basemap_path(const char *db_path, char *out, size_t size);

/*
 * Renders every tile of the store's layers' extent for the zoom range and
 * writes them (gzipped) with their metadata into path, replacing it
 * atomically. A store without any layer gives GE_ENOENT.
 */
int ge_basemap_build(ge_store *st, const char *path, const ge_basemap_opts *opts,
                     ge_basemap_report *rep, ge_err *err);

#endif
