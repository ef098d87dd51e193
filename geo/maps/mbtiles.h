/*
 * mbtiles.h - MBTiles 1.3 files (SQLite: a "tiles" table in TMS row order
 * and a "metadata" table of name/value pairs): written by the base map
 * builder, read by the tile server.
 *
 * A file is written under a temporary name and renamed into place on
 * commit, so a server reading the old file never sees a half-written one
 * and notices the new one by its changed inode.
 */
#ifndef GE_MBTILES_H
#define GE_MBTILES_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"
#include "tilemath.h"

typedef struct ge_mbtiles ge_mbtiles;

/* Starts writing path (via "path.tmp-PID"); commit or abort ends it. */
int ge_mbtiles_create(ge_mbtiles **out, const char *path, ge_err *err);

/* Adds a tile (data as it is to be served: gzipped MVT for vector tiles). */
int ge_mbtiles_put(ge_mbtiles *m, const ge_tile *t, const void *data, size_t len, ge_err *err);

/* Sets a metadata value (name, format, bounds, center, minzoom, maxzoom, json, ...). */
int ge_mbtiles_set_meta(ge_mbtiles *m, const char *name, const char *value, ge_err *err);

/* Writes the file and renames it into place; frees m. */
int ge_mbtiles_commit(ge_mbtiles *m, ge_err *err);

/* Drops what was written and frees m; NULL is fine. */
void ge_mbtiles_abort(ge_mbtiles *m);

/* Opens for reading (safe for concurrent readers: one connection behind a mutex). */
int ge_mbtiles_open(ge_mbtiles **out, const char *path, ge_err *err);
void ge_mbtiles_close(ge_mbtiles *m);

/* The tile's bytes (malloc'd); GE_ENOENT when the file has no such tile. */
int ge_mbtiles_get(ge_mbtiles *m, const ge_tile *t, unsigned char **data, size_t *len, ge_err *err);

/* The metadata as a JSON object of strings (new reference). */
int ge_mbtiles_metadata(ge_mbtiles *m, json_t **out, ge_err *err);

#endif
