/*
 * ts_metrics.h - reading the server's Prometheus exposition (/metrics) in
 * API tests: one series' value, and waiting for it. The server counts a
 * request once its response is sent, so a client can read an answer a
 * moment before the counters move; tests wait rather than read once.
 */
#ifndef GE_TS_METRICS_H
#define GE_TS_METRICS_H

#include "ts_server.h"

/* The value of a series (its whole name with labels, as printed) in the
 * exposition text, or -1 when it is absent. */
double ts_metric_in(const char *text, const char *series);

/* The series' value from GET /metrics of s, or -1 when it is absent or
 * /metrics does not answer 200. */
double ts_metric(const ts_server *s, const char *series);

/* Polls every 20 ms until the series equals want or timeout_s seconds have
 * passed; the last value read (so want on success). */
double ts_metric_wait(const ts_server *s, const char *series, double want, int timeout_s);

/* The same until the series is at least min (a counter that other
 * requests may move further meanwhile). */
double ts_metric_wait_at_least(const ts_server *s, const char *series, double min, int timeout_s);

/* The series' value once it has stopped moving (two reads 50 ms apart
 * agree, at most 5 s): a counter's base before a test's own requests. */
double ts_metric_settled(const ts_server *s, const char *series);

#endif
