/*
 * mem_trim.h - the server's memory trimmer: the C allocator's settings
 * (malloc_arenas) and a thread that every malloc_trim_interval seconds
 * hands free heap memory back to the system (glibc malloc_trim).
 *
 * Why: glibc gives every thread that allocates under contention an arena of
 * its own (up to 8 per core) and returns free memory inside an arena to the
 * system only at the arena's top. Requests of very different sizes (a tile,
 * a 4 MB export, a GEOS overlay) on libmicrohttpd's and the compute pool's
 * threads leave free holes inside the arenas; RSS then creeps up although
 * the memory in use does not (bench/soak/README.md has the figures).
 * malloc_trim() releases the whole free pages inside every arena as well.
 *
 * Plugs in like a handler module without routes (as retention_timer.h).
 * The counters appear in /metrics (metrics.h) through ge_mem_trim_counts().
 */
#ifndef GE_SERVER_MEM_TRIM_H
#define GE_SERVER_MEM_TRIM_H

#include <stdint.h>

#include "http.h"
#include "router.h"

/* Applies malloc_arenas and starts the thread when malloc_trim_interval > 0. */
int ge_mem_trim_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* Trims so far in this process and the resident bytes they gave back. */
void ge_mem_trim_counts(uint64_t *trims, uint64_t *bytes);

/* The process's resident set (VmRSS) in bytes; -1 when unknown. */
int64_t ge_mem_rss_bytes(void);

#endif
