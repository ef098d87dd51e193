/*
 * store.h - the store interface: everything geoEDITOR keeps on disk.
 *
 * One interface, so that the embedded SpatiaLite backend (store_spatialite.c)
 * can be joined later by a PostGIS backend for deployments that outgrow one
 * machine. Callers never see SQL. All geometry crosses this interface as
 * ISO WKB in the deployment's metric CRS (ge_store_srid()); properties cross
 * it as JSON object text.
 *
 * A ge_store is safe to use from many threads at once: it keeps a small pool
 * of database connections and hands one to each call.
 *
 * The store reads no clock: what stamps or compares a time takes `now`
 * (Unix seconds) from its caller, who reads the use cases' clock
 * (geo/app/app.h), so that tests move one clock rather than sleep.
 */
#ifndef GE_STORE_H
#define GE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"

typedef struct ge_store ge_store;

typedef struct ge_store_opts {
    const char *path; /* the SpatiaLite file (created if missing), or a PostgreSQL
                         connection string: postgresql://..., key=value ... */
    int srid;      /* metric CRS of a new store (25832 default); an existing store keeps its own */
    bool readonly; /* open without migrating or writing */
    int pool_size; /* connections kept for concurrent readers (0: default 8) */
    int cache_kib; /* page cache of each SQLite connection in KiB (0: SQLite's default, 2000);
                      the PostGIS store ignores it */
} ge_store_opts;

/* True when path is a PostgreSQL connection string rather than a file: a
 * URI "postgresql://..." or "postgres://...", or "key=value ..."
 * conninfo (a keyword of letters and '_', then '='). A file whose name looks
 * like that is reached as "./name". */
bool ge_store_path_is_postgres(const char *path);

/* Opens (creating if needed) and migrates the store to the newest schema. */
int ge_store_open(ge_store **out, const ge_store_opts *opts, ge_err *err);

/* Closes every connection and checkpoints the WAL. NULL is fine. */
void ge_store_close(ge_store *st);

/* What the store is, for messages and logs: its file, or
 * "postgresql://user@host:port/dbname" without the password. */
const char *ge_store_name(const ge_store *st);

int ge_store_srid(const ge_store *st);

/* What the store holds in memory now, for the server's /metrics. The page
 * cache, schema and statement figures are those of the idle connections
 * (one in use belongs to its caller's thread and is not read); the SQLite
 * figures are the whole process's (every SQLite connection, GDAL's too).
 * Everything but the pool's three figures is of the SQLite file store: the
 * PostGIS store answers its pool (size, open, idle) and 0 for the rest. */
typedef struct ge_store_mem {
    int pool_size;             /* connections the pool may open */
    int open, idle;            /* opened so far; of them not handed out now */
    int64_t cache_bytes;       /* page caches (SQLITE_DBSTATUS_CACHE_USED) */
    int64_t cache_limit_bytes; /* cache_size of one connection, in bytes */
    int64_t schema_bytes;      /* parsed schemas (SQLITE_DBSTATUS_SCHEMA_USED) */
    int64_t stmt_bytes;        /* prepared statements (SQLITE_DBSTATUS_STMT_USED) */
    int64_t sqlite_used;       /* sqlite3_memory_used() */
    int64_t sqlite_highwater;  /* sqlite3_memory_highwater(0) */
} ge_store_mem;
void ge_store_mem_stats(ge_store *st, ge_store_mem *out);
int ge_store_schema_version(ge_store *st);

/* The number of the newest migration this build knows. */
int ge_store_latest_version(void);

/* Migrates an open store only up to version `target` (tests use this to build
 * stores "as an earlier release left them"). */
int ge_store_open_at_version(ge_store **out, const ge_store_opts *opts, int target, ge_err *err);

/* A cheap round trip to the database, for /readyz. */
int ge_store_ping(ge_store *st, ge_err *err);

/* ---- reference layers ---------------------------------------------------- */

/* A number that changes whenever an import commits (in this process or
 * another): a running server polls it to reload its in-memory layers. */
int ge_store_layers_stamp(ge_store *st, int64_t *stamp, ge_err *err);

/* True when name is a valid layer name: [a-z][a-z0-9_]{0,62}. Every function
 * taking a layer name checks it and fails with GE_EINVAL otherwise. */
bool ge_store_layer_name_valid(const char *name);

typedef struct ge_layer_info {
    char name[64]; /* [a-z][a-z0-9_]*, also the collection id */
    char title[128];
    char description[512];
    char description_de[512]; /* German description for German pages; "" when none */
    char
        geometry_type[32]; /* "Point", "LineString", "Polygon", "MultiPolygon", ... or "Geometry" */
    int srid;
    int64_t feature_count;
    double bbox[4];        /* minx, miny, maxx, maxy in srid; all 0 when empty */
    char source[256];      /* file the layer was imported from */
    char attribution[128]; /* e.g. "(c) OpenStreetMap contributors" */
    char imported_at[32];  /* RFC 3339 UTC */
    int64_t version;       /* increases with every import of this layer */
} ge_layer_info;

/* All layers, sorted by name. Free *out with free(). */
int ge_store_layer_list(ge_store *st, ge_layer_info **out, size_t *n, ge_err *err);

/* GE_ENOENT when there is no such layer. */
int ge_store_layer_get(ge_store *st, const char *name, ge_layer_info *out, ge_err *err);

/* Visits every feature of a layer in fid order; a non-zero return from cb stops
 * the scan and is returned. */
typedef int (*ge_feature_cb)(void *ud, int64_t fid, const unsigned char *wkb, size_t wkb_len,
                             const char *props_json);
int ge_store_layer_scan(ge_store *st, const char *name, ge_feature_cb cb, void *ud, ge_err *err);

/* ---- importing: a batch of layers replaced atomically -------------------- */

/*
 * An import opens one write transaction; every layer written in it replaces
 * the old layer of that name only when ge_import_batch_commit() succeeds.
 * Readers see the old data until then; an abort (or a crash) leaves it intact.
 * now: the import's time (its layers' imported_at).
 */
typedef struct ge_import_batch ge_import_batch;

int ge_import_batch_begin(ge_store *st, time_t now, ge_import_batch **out, ge_err *err);

/* Starts (re)writing a layer inside the batch: its old features are dropped. */
int ge_import_batch_layer(ge_import_batch *b, const ge_layer_info *meta, ge_err *err);

/* Adds one feature to the current layer. props_json may be NULL ("{}"). */
int ge_import_batch_add(ge_import_batch *b, const unsigned char *wkb, size_t wkb_len,
                        const char *props_json, ge_err *err);

/* Commits all layers of the batch and frees it. */
int ge_import_batch_commit(ge_import_batch *b, ge_err *err);

/* Rolls back and frees; NULL is fine. */
void ge_import_batch_abort(ge_import_batch *b);

#endif
