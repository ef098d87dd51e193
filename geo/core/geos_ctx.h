/*
 * geos_ctx.h - one GEOS context per thread.
 *
 * GEOS's reentrant API wants a context handle per thread: a handle keeps the
 * last error message and is not safe to share. Every geo/ function that does
 * geometry takes the handle as its first argument (so tests and tools can pass
 * their own); threads that have none get theirs here, created on first use and
 * freed when the thread ends.
 */
#ifndef GE_GEOS_CTX_H
#define GE_GEOS_CTX_H

#include <geos_c.h>

/* The calling thread's context (created on first call); NULL only when out of memory. */
GEOSContextHandle_t ge_geos_ctx(void);

/* Creates a context whose errors land in a buffer that ge_geos_last_error()
 * reads. Free with ge_geos_ctx_free(). */
GEOSContextHandle_t ge_geos_ctx_new(void);
void ge_geos_ctx_free(GEOSContextHandle_t h);

/* The last error GEOS reported on h ("TopologyException: ..."), or "" . */
const char *ge_geos_last_error(GEOSContextHandle_t h);

/* Frees the calling thread's context, if it has one. Threads that end
 * without calling it free it at exit anyway; the main thread must call it
 * (exit() runs no thread-exit destructors). */
void ge_geos_thread_cleanup(void);

#endif
