/*
 * tile_cache.h - a bounded LRU cache of encoded tiles in memory, shared by
 * all request threads.
 *
 * An entry is keyed by tileset and z/x/y and remembers the version of the
 * data it was made from; a lookup names the version it wants, and an entry
 * of another version is a miss (and is replaced by the next put). So a new
 * import invalidates every tile of that layer without a sweep: stale entries
 * are never served and age out of the LRU. The cache keeps each tile both
 * plain and gzip-compressed, so that neither is computed per request.
 */
#ifndef GE_TILE_CACHE_H
#define GE_TILE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ge_tile_cache ge_tile_cache;

/* max_bytes bounds the tile bytes held (plain + gzip + key); NULL on ENOMEM. */
ge_tile_cache *ge_tile_cache_new(size_t max_bytes);
void ge_tile_cache_free(ge_tile_cache *c);

typedef struct ge_tile_blob {
    unsigned char *data; /* malloc'd copies; NULL/0 for an empty tile */
    size_t len;
    unsigned char *gz;
    size_t gz_len;
} ge_tile_blob;

/*
 * Copies the entry for key at version into out (gz only when want_gz, data
 * otherwise) and marks it used. false on a miss or another version.
 */
bool ge_tile_cache_get(ge_tile_cache *c, const char *key, int64_t version, bool want_gz,
                       ge_tile_blob *out);

/* Stores copies of data and gz (either may be NULL/0: an empty tile). An
 * entry larger than the whole cache is not stored. */
void ge_tile_cache_put(ge_tile_cache *c, const char *key, int64_t version,
                       const unsigned char *data, size_t len, const unsigned char *gz,
                       size_t gz_len);

typedef struct ge_tile_cache_stats {
    uint64_t hits, misses, evictions;
    size_t entries, bytes, max_bytes;
} ge_tile_cache_stats;

void ge_tile_cache_stats_get(ge_tile_cache *c, ge_tile_cache_stats *out);

void ge_tile_blob_free(ge_tile_blob *b);

#endif
