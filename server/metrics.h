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

/* The whole exposition as text, malloc'd; NULL when memory ran out. */
char *ge_metrics_render(const ge_metrics *m, size_t *len);

#endif
