/*
 * ts_receiver.h - a webhook receiver for API tests: a libmicrohttpd server
 * inside the test process on a free loopback port that records every
 * request (path, body, the X-GeoEditor-* headers, when it arrived) and
 * answers each path from a script of statuses, optionally late or not at
 * all. The real geoeditor server's webhook sender posts to it.
 *
 * One receiver per test process (the webhook tests need no more); every
 * function is safe to call from the test while the receiver's threads run.
 */
#ifndef GE_TS_RECEIVER_H
#define GE_TS_RECEIVER_H

#include <stdbool.h>
#include <stddef.h>

/* One request as it arrived. */
typedef struct ts_rx_hit {
    char path[64];
    char *body; /* NUL-terminated; owned by the receiver until ts_rx_stop() */
    char timestamp[32], signature[96], delivery[32], event[64], content_type[64];
    double arrived; /* CLOCK_MONOTONIC seconds */
} ts_rx_hit;

/* How one path answers. Paths without a route answer 200. */
typedef struct ts_rx_route {
    const char *path;        /* the exact request path, e.g. "/flaky" */
    int statuses[8];         /* answers in order, the last repeating; all 0: always 200 */
    const char *retry_after; /* a Retry-After value sent with 429 and 503, or NULL */
    int delay_ms;            /* wait this long before answering */
    bool hang;               /* answer only when ts_rx_stop() releases it (or after 120 s) */
} ts_rx_route;

/* Starts the receiver; routes (at most 16) must stay valid until ts_rx_stop().
 * 0, or -1 when it could not listen. */
int ts_rx_start(const ts_rx_route *routes, size_t n);

/* The port it listens on (127.0.0.1). */
int ts_rx_port(void);

/* Releases hanging requests, stops, and frees what was recorded. */
void ts_rx_stop(void);

/* How many requests reached path so far. */
size_t ts_rx_count(const char *path);

/* Waits until path has had n requests; false after timeout_s. */
bool ts_rx_wait(const char *path, size_t n, int timeout_s);

/* The i-th request (from 0) to path; a copy of the record whose body stays
 * owned by the receiver; all zero when there is no such request. */
ts_rx_hit ts_rx_get(const char *path, size_t i);

#endif
