/*
 * ts_metrics.c - reading /metrics in API tests (see ts_metrics.h).
 */
#include "ts_metrics.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ts_http.h"

double ts_metric_in(const char *text, const char *series)
{
    size_t n = strlen(series);

    if (!text) return -1;
    for (const char *p = text; (p = strstr(p, series)) != NULL; p += n)
        if ((p == text || p[-1] == '\n') && p[n] == ' ') return strtod(p + n + 1, NULL);
    return -1;
}

double ts_metric(const ts_server *s, const char *series)
{
    ts_http_resp r;
    double v = -1;

    if (ts_http_get(ts_server_url(s, "/metrics"), &r) == 0 && r.status == 200)
        v = ts_metric_in(r.body, series);
    ts_http_resp_free(&r);
    return v;
}

static double ts_metric_mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void ts_metric_pause(long ms)
{
    struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&d, NULL);
}

double ts_metric_wait(const ts_server *s, const char *series, double want, int timeout_s)
{
    double until = ts_metric_mono() + timeout_s, v;

    while ((v = ts_metric(s, series)) != want && ts_metric_mono() < until)
        ts_metric_pause(20);
    return v;
}

double ts_metric_wait_at_least(const ts_server *s, const char *series, double min, int timeout_s)
{
    double until = ts_metric_mono() + timeout_s, v;

    while ((v = ts_metric(s, series)) < min && ts_metric_mono() < until)
        ts_metric_pause(20);
    return v;
}

double ts_metric_settled(const ts_server *s, const char *series)
{
    double v = ts_metric(s, series);

    for (int i = 0; i < 100; i++) {
        double again;
        ts_metric_pause(50);
        again = ts_metric(s, series);
        if (again == v) break;
        v = again;
    }
    return v;
}
