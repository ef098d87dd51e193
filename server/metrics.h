/*
 * metrics.h - request counters and latency histograms in the Prometheus text
 * format (version 0.0.4), served at /metrics.
 *
 * Series:
 *   http_requests_total{route,method,status}           counter
 *   http_request_duration_seconds{route}               histogram (_bucket, _sum, _count)
 *   http_requests_in_flight                            gauge
 *   http_connections_open                              gauge
 *   geoeditor_connections_timed_out_total{phase}       counter: cut because the request's
 *                                                      header or body was late (reaper.h)
 *   geoeditor_connections_refused_total                counter: closed at accept for
 *                                                      max_connections(_per_ip)
 *   process_start_time_seconds                         gauge
 *   geoeditor_build_info{version}                      gauge, always 1
 *   geoeditor_exports_in_flight                        gauge: case exports holding a slot
 *   geoeditor_exports_refused_total                    counter: exports refused (503) for want of
 * one geoeditor_compute_pending                          gauge: computing requests queued or
 *                                                      running on the compute pool
 *   geoeditor_compute_refused_total                    counter: refused (503), queue full
 *   geoeditor_compute_stopped_total{reason}            counter: stopped by the budget
 *                                                      ("budget"), a client gone
 *                                                      ("client_gone") or shutdown
 *   geoeditor_webhook_attempts_total{outcome}          counter: delivered, retry, failed
 *   geoeditor_webhook_deliveries_pending               gauge: the outbox's waiting rows,
 *                                                      read from the store at each scrape
 *
 * Where the memory is (ge_metrics_memory, read at each scrape; a group the
 * scrape could not read is left out):
 *   process_resident_memory_bytes                      gauge: VmRSS
 *   geoeditor_tile_cache_bytes, _limit_bytes, _entries gauges: the tile cache (tile_cache)
 *   geoeditor_tile_cache_{hits,misses,evictions}_total counters
 *   geoeditor_store_connections{state}                 gauge: "open", "idle"; and
 *   geoeditor_store_connections_max                    gauge: the pool's size
 *   geoeditor_store_page_cache_bytes                   gauge: the idle connections' page caches
 *   geoeditor_store_page_cache_limit_bytes             gauge: one connection's (store_cache)
 *   geoeditor_store_schema_bytes, _statement_bytes     gauges: of the idle connections
 *   geoeditor_sqlite_memory_bytes, _highwater_bytes    gauges: all of SQLite in the process
 *   geoeditor_prepared_geometries, _bytes, _limit_bytes gauges: prepared reference geometries
 *                                                      of all threads, estimated bytes, and
 *                                                      one thread's limit (prepared_cache)
 *   geoeditor_prepared_geometries_evicted_total        counter: freed to stay within it
 *   geoeditor_malloc_bytes{kind}                       gauge: glibc's mallinfo2(): "arena"
 *                                                      (heap from sbrk and arena mmaps),
 *                                                      "in_use", "free" (inside the arenas),
 *                                                      "mmap" (large blocks), "releasable"
 *                                                      (free at the main heap's top)
 *   geoeditor_malloc_arenas                            gauge: glibc malloc arenas
 *   geoeditor_malloc_trims_total, _trimmed_bytes_total counters: malloc_trim() by the
 *                                                      server's memory trimmer (mem_trim.h)
 *
 * Cardinality is fixed when the server starts: "route" is a registered
 * pattern, "static" (files of the web root) or "unmatched" (everything else,
 * including requests libmicrohttpd refused on its own); "method" is one of
 * eight; "status" one of a fixed list, other codes count under their class
 * ("4xx"). Every cell is a relaxed atomic, so recording takes no lock.
 */
#ifndef GE_METRICS_H
#define GE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../geo/store/store.h"
#include "../geo/store/store_webhooks.h"

typedef struct ge_metrics ge_metrics;

/* routes: the router's distinct patterns; "static" and "unmatched" are added. */
ge_metrics *ge_metrics_new(const char *const *routes, size_t n_routes, const char *version);
void ge_metrics_free(ge_metrics *m);

/* Index of the "static" and "unmatched" labels. */
size_t ge_metrics_route_static(const ge_metrics *m);
size_t ge_metrics_route_unmatched(const ge_metrics *m);

void ge_metrics_request_begin(ge_metrics *m);
/* Counts one finished request; seconds is its duration. Ends the in-flight span. */
void ge_metrics_request_end(ge_metrics *m, size_t route, const char *method, int status,
                            double seconds);
/* Counts a request that never reached a handler (no in-flight span). */
void ge_metrics_request_refused(ge_metrics *m, int status);

long ge_metrics_in_flight(const ge_metrics *m);

void ge_metrics_connection_open(ge_metrics *m);
void ge_metrics_connection_close(ge_metrics *m);
/* A connection was cut because its headers (body false) or body were late. */
void ge_metrics_connection_timed_out(ge_metrics *m, bool body);
/* A connection was closed at accept: a connection limit was reached. */
void ge_metrics_connection_refused(ge_metrics *m);

/* The webhook sender recorded one attempt with this outcome. NULL m is fine. */
void ge_metrics_webhook_attempt(ge_metrics *m, ge_webhook_outcome o);

/* The number of pending webhook deliveries, read just before rendering;
 * negative when it could not be read (the gauge is then left out). */
void ge_metrics_set_webhooks_pending(ge_metrics *m, int64_t n);

/* Case exports (handlers_export.c): one took a slot (begin) or gave it
 * back (end), or was refused because export_concurrency slots were taken. */
void ge_metrics_export_begin(ge_metrics *m);
void ge_metrics_export_end(ge_metrics *m);
void ge_metrics_export_refused(ge_metrics *m);

/* The compute pool (compute.h): how many requests it holds now (read
 * at each scrape through the function given here), one refused for want of
 * room, one whose budget stopped it (reason: 1 budget, 2 client gone, 3
 * shutdown; the values of geo/core/budget.h's ge_budget_state). */
void ge_metrics_set_compute_source(ge_metrics *m, unsigned (*pending)(const void *ud),
                                   const void *ud);
void ge_metrics_compute_refused(ge_metrics *m);
void ge_metrics_compute_stopped(ge_metrics *m, int reason);

/* Where the memory is, gathered by the /metrics handler just before it
 * renders; a group whose have_* is false is left out. */
typedef struct ge_metrics_memory {
    int64_t rss_bytes; /* < 0: unknown */
    bool have_tiles;
    uint64_t tile_hits, tile_misses, tile_evictions;
    uint64_t tile_entries, tile_bytes, tile_limit_bytes;
    bool have_store;
    ge_store_mem store;
    bool have_prepared;
    uint64_t prepared, prepared_bytes, prepared_evicted, prepared_limit_bytes;
    bool have_malloc;
    uint64_t malloc_arena, malloc_in_use, malloc_free, malloc_mmap, malloc_releasable;
    int malloc_arenas; /* < 0: unknown */
    uint64_t trims, trimmed_bytes;
} ge_metrics_memory;

/* The whole exposition as text, malloc'd; NULL when memory ran out. mem
 * may be NULL (no memory gauges). */
char *ge_metrics_render(const ge_metrics *m, const ge_metrics_memory *mem, size_t *len);

#endif
