/*
 * refdata.h - the domain data every handler validates against: the services
 * (the files in data/services/, loaded once at start-up) and the reference layers
 * in memory (geo/rules/refindex.h), kept current while the server runs; and the
 * reference-data version the tile paths read.
 *
 * An import runs as a separate process ("geoeditor import") and commits to the
 * same store file, then renames a new base map file into place. One function
 * here notices that (ge_refdata_notice in refdata.c: the layer versions of the
 * store and the base map file's identity) and publishes what it saw as a
 * version record; when the layers changed, the watcher thread builds a new
 * snapshot of them and publishes it atomically. Requests that hold the old
 * snapshot or record finish with it; the next ones see the new data.
 *
 * The notice runs every few seconds in the watcher, and on a request that
 * reads the version record when no request noticed in the last second, so
 * tiles show an import within a second of its end (at once when no tile was
 * asked for in the second before), while the request path pays one store
 * query and one stat() per second rather than one per tile.
 */
#ifndef GE_REFDATA_H
#define GE_REFDATA_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "http.h"

/* The base map file ("<db>.basemap.mbtiles") as last noticed. */
typedef struct ge_refdata_basemap {
    bool exists;
    int64_t gen; /* from the file's identity: names its tiles in cache keys and ETags */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} ge_refdata_basemap;

/* The version of the reference data: the store's layer versions (each
 * import bumps those it writes), their sum, and the base map file.
 * Immutable once published. */
typedef struct ge_refdata_version {
    int64_t stamp; /* the sum of the layer versions: moves with every import */
    size_t nlayers;
    struct ge_refdata_layer_version {
        char name[64];
        int64_t version;
    } * layers; /* sorted by name */
    ge_refdata_basemap basemap;
    int refs; /* private: guarded by refdata */
} ge_refdata_version;

/* Loads the services from cfg->data_dir/services and the reference layers from
 * the store into ctx->services and ctx->refindex, and starts the watcher. A
 * malformed service file stops start-up with its message; a service whose
 * layers are not imported yet is a warning in the log. */
int ge_refdata_open(ge_ctx *ctx, ge_err *err);

/* Checks the store now and reloads if an import committed (the watcher calls
 * this every few seconds; tests may call it to avoid waiting). */
int ge_refdata_refresh(ge_ctx *ctx, ge_err *err);

/* The current version record with a reference for the caller (noticing
 * again first when no request noticed in the last second); NULL when the
 * server has no reference data open. Release with ge_refdata_version_release. */
const ge_refdata_version *ge_refdata_version_acquire(const ge_ctx *ctx);
void ge_refdata_version_release(const ge_ctx *ctx, const ge_refdata_version *v);

/* The version of a layer in v: GE_OK, or GE_ENOENT when v has no such layer. */
int ge_refdata_layer_version(const ge_refdata_version *v, const char *layer, int64_t *version);

/* Whether two notices saw the same base map file. */
bool ge_refdata_basemap_same(const ge_refdata_basemap *a, const ge_refdata_basemap *b);

#endif
