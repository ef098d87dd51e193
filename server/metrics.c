/*
 * metrics.c - Prometheus counters and histograms without locks (see metrics.h).
 *
 * All cells live in flat arrays sized at start-up and are bumped with relaxed
 * atomics: a scrape may see one request's counter before its histogram
 * sample, which Prometheus tolerates, and in exchange a request never waits
 * for another. The duration sum is kept in whole microseconds so that it too
 * is a plain atomic integer.
 */
#include "metrics.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../geo/core/buf.h"

static const char *const ge_metrics_methods[] = {"GET",   "HEAD",   "POST",    "PUT",
                                                 "PATCH", "DELETE", "OPTIONS", "OTHER"};
#define GE_METRICS_N_METHODS 8

/* The statuses geoEDITOR answers; anything else counts under its class. */
static const int ge_metrics_statuses[] = {200, 201, 202, 204, 206, 301, 302, 304, 307, 308, 400,
                                          401, 403, 404, 405, 406, 409, 410, 411, 412, 413, 414,
                                          415, 416, 422, 428, 429, 431, 500, 501, 502, 503, 504};
#define GE_METRICS_N_STATUSES (sizeof ge_metrics_statuses / sizeof ge_metrics_statuses[0])
/* ... followed by one slot per class 1xx..5xx */
#define GE_METRICS_N_STATUS_SLOTS (GE_METRICS_N_STATUSES + 5)

/* Upper bounds in seconds: from a cached tile (1 ms) to a large export (10 s). */
static const double ge_metrics_buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                            0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
#define GE_METRICS_N_BUCKETS (sizeof ge_metrics_buckets / sizeof ge_metrics_buckets[0])

typedef struct ge_metrics_hist {
    atomic_uint_fast64_t bucket[GE_METRICS_N_BUCKETS + 1]; /* not cumulative; last is +Inf */
    atomic_uint_fast64_t sum_us;
    atomic_uint_fast64_t count;
} ge_metrics_hist;

struct ge_metrics {
    char **routes;                  /* label values, escaped for the exposition format */
    size_t n_routes;                /* including "static" and "unmatched" */
    atomic_uint_fast64_t *requests; /* [route][method][status slot] */
    ge_metrics_hist *hist;          /* [route] */
    atomic_long in_flight;
    atomic_long connections;
    atomic_uint_fast64_t timed_out[2]; /* header, body */
    atomic_uint_fast64_t connections_refused;
    atomic_long exports_in_flight;
    atomic_uint_fast64_t exports_refused;
    atomic_uint_fast64_t compute_refused;
    atomic_uint_fast64_t compute_stopped[3]; /* budget, client gone, shutdown */
    unsigned (*compute_pending)(const void *ud);
    const void *compute_ud;
    atomic_uint_fast64_t webhook_attempts[3]; /* by ge_webhook_outcome */
    atomic_llong webhooks_pending;            /* < 0: unknown */
    double start_time;
    char version[64];
};

/* Label values escape backslash, quote and newline (exposition format 0.0.4). */
static char *ge_metrics_escape(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(2 * n + 1), *o = out;
    if (!out) return NULL;
    for (; *s; s++) {
        if (*s == '\\' || *s == '"') {
            *o++ = '\\';
            *o++ = *s;
        } else if (*s == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

ge_metrics *ge_metrics_new(const char *const *routes, size_t n_routes, const char *version)
{
    ge_metrics *m = calloc(1, sizeof *m);
    struct timespec now;

    if (!m) return NULL;
    m->n_routes = n_routes + 2;
    m->routes = calloc(m->n_routes, sizeof *m->routes);
    m->requests =
        calloc(m->n_routes * GE_METRICS_N_METHODS * GE_METRICS_N_STATUS_SLOTS, sizeof *m->requests);
    m->hist = calloc(m->n_routes, sizeof *m->hist);
    if (!m->routes || !m->requests || !m->hist) goto err;
    for (size_t i = 0; i < n_routes; i++)
        if (!(m->routes[i] = ge_metrics_escape(routes[i]))) goto err;
    if (!(m->routes[n_routes] = strdup("static")) ||
        !(m->routes[n_routes + 1] = strdup("unmatched")))
        goto err;
    atomic_init(&m->webhooks_pending, -1);
    clock_gettime(CLOCK_REALTIME, &now);
    m->start_time = (double)now.tv_sec + now.tv_nsec / 1e9;
    snprintf(m->version, sizeof m->version, "%s", version ? version : "unknown");
    return m;
err:
    ge_metrics_free(m);
    return NULL;
}

void ge_metrics_free(ge_metrics *m)
{
    if (!m) return;
    if (m->routes)
        for (size_t i = 0; i < m->n_routes; i++)
            free(m->routes[i]);
    free(m->routes);
    free(m->requests);
    free(m->hist);
    free(m);
}

size_t ge_metrics_route_static(const ge_metrics *m)
{
    return m->n_routes - 2;
}

size_t ge_metrics_route_unmatched(const ge_metrics *m)
{
    return m->n_routes - 1;
}

static size_t ge_metrics_method_index(const char *method)
{
    for (size_t i = 0; i < GE_METRICS_N_METHODS - 1; i++)
        if (strcmp(method, ge_metrics_methods[i]) == 0) return i;
    return GE_METRICS_N_METHODS - 1;
}

static size_t ge_metrics_status_index(int status)
{
    for (size_t i = 0; i < GE_METRICS_N_STATUSES; i++)
        if (ge_metrics_statuses[i] == status) return i;
    if (status < 100 || status > 599) status = 500;
    return GE_METRICS_N_STATUSES + (size_t)(status / 100 - 1);
}

void ge_metrics_request_begin(ge_metrics *m)
{
    atomic_fetch_add_explicit(&m->in_flight, 1, memory_order_relaxed);
}

static void ge_metrics_count(ge_metrics *m, size_t route, const char *method, int status,
                             double seconds)
{
    size_t cell;
    ge_metrics_hist *h;
    size_t b = 0;

    if (route >= m->n_routes) route = ge_metrics_route_unmatched(m);
    cell = (route * GE_METRICS_N_METHODS + ge_metrics_method_index(method)) *
               GE_METRICS_N_STATUS_SLOTS +
           ge_metrics_status_index(status);
    atomic_fetch_add_explicit(&m->requests[cell], 1, memory_order_relaxed);

    if (seconds < 0) seconds = 0;
    while (b < GE_METRICS_N_BUCKETS && seconds > ge_metrics_buckets[b])
        b++;
    h = &m->hist[route];
    atomic_fetch_add_explicit(&h->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_us, (uint_fast64_t)(seconds * 1e6 + 0.5),
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

void ge_metrics_request_end(ge_metrics *m, size_t route, const char *method, int status,
                            double seconds)
{
    ge_metrics_count(m, route, method, status, seconds);
    atomic_fetch_sub_explicit(&m->in_flight, 1, memory_order_relaxed);
}

void ge_metrics_request_refused(ge_metrics *m, int status)
{
    ge_metrics_count(m, ge_metrics_route_unmatched(m), "OTHER", status, 0.0);
}

long ge_metrics_in_flight(const ge_metrics *m)
{
    return atomic_load_explicit(&((ge_metrics *)m)->in_flight, memory_order_relaxed);
}

void ge_metrics_connection_open(ge_metrics *m)
{
    atomic_fetch_add_explicit(&m->connections, 1, memory_order_relaxed);
}

void ge_metrics_connection_close(ge_metrics *m)
{
    atomic_fetch_sub_explicit(&m->connections, 1, memory_order_relaxed);
}

void ge_metrics_connection_timed_out(ge_metrics *m, bool body)
{
    if (m) atomic_fetch_add_explicit(&m->timed_out[body ? 1 : 0], 1, memory_order_relaxed);
}

void ge_metrics_connection_refused(ge_metrics *m)
{
    if (m) atomic_fetch_add_explicit(&m->connections_refused, 1, memory_order_relaxed);
}

void ge_metrics_webhook_attempt(ge_metrics *m, ge_webhook_outcome o)
{
    if (!m || (unsigned)o >= 3) return;
    atomic_fetch_add_explicit(&m->webhook_attempts[o], 1, memory_order_relaxed);
}

void ge_metrics_set_webhooks_pending(ge_metrics *m, int64_t n)
{
    if (!m) return;
    atomic_store_explicit(&m->webhooks_pending, n < 0 ? -1 : (long long)n, memory_order_relaxed);
}

void ge_metrics_export_begin(ge_metrics *m)
{
    atomic_fetch_add_explicit(&m->exports_in_flight, 1, memory_order_relaxed);
}

void ge_metrics_export_end(ge_metrics *m)
{
    atomic_fetch_sub_explicit(&m->exports_in_flight, 1, memory_order_relaxed);
}

void ge_metrics_set_compute_source(ge_metrics *m, unsigned (*pending)(const void *ud),
                                   const void *ud)
{
    m->compute_pending = pending;
    m->compute_ud = ud;
}

void ge_metrics_compute_refused(ge_metrics *m)
{
    atomic_fetch_add_explicit(&m->compute_refused, 1, memory_order_relaxed);
}

void ge_metrics_compute_stopped(ge_metrics *m, int reason)
{
    if (reason >= 1 && reason <= 3)
        atomic_fetch_add_explicit(&m->compute_stopped[reason - 1], 1, memory_order_relaxed);
}

void ge_metrics_export_refused(ge_metrics *m)
{
    atomic_fetch_add_explicit(&m->exports_refused, 1, memory_order_relaxed);
}

static void ge_metrics_status_label(size_t slot, char *out, size_t size)
{
    if (slot < GE_METRICS_N_STATUSES)
        snprintf(out, size, "%d", ge_metrics_statuses[slot]);
    else
        snprintf(out, size, "%zuxx", slot - GE_METRICS_N_STATUSES + 1);
}

static void ge_metrics_render_requests(const ge_metrics *m, ge_buf *b)
{
    char status[8];

    ge_buf_printf(b, "# HELP http_requests_total HTTP requests by route pattern, method and "
                     "status.\n# TYPE http_requests_total counter\n");
    for (size_t r = 0; r < m->n_routes; r++)
        for (size_t me = 0; me < GE_METRICS_N_METHODS; me++)
            for (size_t s = 0; s < GE_METRICS_N_STATUS_SLOTS; s++) {
                size_t cell = (r * GE_METRICS_N_METHODS + me) * GE_METRICS_N_STATUS_SLOTS + s;
                uint_fast64_t v = atomic_load_explicit(&m->requests[cell], memory_order_relaxed);
                if (!v) continue; /* series appear once they have a value */
                ge_metrics_status_label(s, status, sizeof status);
                ge_buf_printf(b,
                              "http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} "
                              "%llu\n",
                              m->routes[r], ge_metrics_methods[me], status, (unsigned long long)v);
            }
}

static void ge_metrics_render_histograms(const ge_metrics *m, ge_buf *b)
{
    ge_buf_printf(b, "# HELP http_request_duration_seconds Time from request headers to the "
                     "last response byte, by route pattern.\n"
                     "# TYPE http_request_duration_seconds histogram\n");
    for (size_t r = 0; r < m->n_routes; r++) {
        const ge_metrics_hist *h = &m->hist[r];
        uint_fast64_t count =
            atomic_load_explicit(&((ge_metrics_hist *)h)->count, memory_order_relaxed);
        uint_fast64_t cum = 0;
        if (!count) continue;
        for (size_t i = 0; i <= GE_METRICS_N_BUCKETS; i++) {
            cum += atomic_load_explicit(&((ge_metrics_hist *)h)->bucket[i], memory_order_relaxed);
            if (i < GE_METRICS_N_BUCKETS)
                ge_buf_printf(b,
                              "http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} "
                              "%llu\n",
                              m->routes[r], ge_metrics_buckets[i], (unsigned long long)cum);
            else
                ge_buf_printf(b,
                              "http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} "
                              "%llu\n",
                              m->routes[r], (unsigned long long)cum);
        }
        ge_buf_printf(
            b, "http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", m->routes[r],
            (double)atomic_load_explicit(&((ge_metrics_hist *)h)->sum_us, memory_order_relaxed) /
                1e6);
        /* _count equals the +Inf bucket by definition; print that value so that
         * a scrape racing with a request stays self-consistent. */
        ge_buf_printf(b, "http_request_duration_seconds_count{route=\"%s\"} %llu\n", m->routes[r],
                      (unsigned long long)cum);
    }
}

/* Every outcome is printed, 0 included, so that rate() sees a series from
 * the start rather than from its first attempt. */
static void ge_metrics_render_compute(const ge_metrics *m, ge_buf *b)
{
    static const char *const reasons[] = {"budget", "client_gone", "shutdown"};
    ge_metrics *mm = (ge_metrics *)m;

    ge_buf_printf(
        b,
        "# HELP geoeditor_compute_pending Computing requests (validation, drafts) "
        "queued or running on the compute pool.\n"
        "# TYPE geoeditor_compute_pending gauge\ngeoeditor_compute_pending %u\n"
        "# HELP geoeditor_compute_refused_total Computing requests refused with "
        "503 because the compute queue was full.\n"
        "# TYPE geoeditor_compute_refused_total counter\n"
        "geoeditor_compute_refused_total %llu\n"
        "# HELP geoeditor_compute_stopped_total Computing requests stopped before "
        "the end: by their budget, because the client left, or by shutdown.\n"
        "# TYPE geoeditor_compute_stopped_total counter\n",
        m->compute_pending ? m->compute_pending(m->compute_ud) : 0u,
        (unsigned long long)atomic_load_explicit(&mm->compute_refused, memory_order_relaxed));
    for (int i = 0; i < 3; i++)
        ge_buf_printf(b, "geoeditor_compute_stopped_total{reason=\"%s\"} %llu\n", reasons[i],
                      (unsigned long long)atomic_load_explicit(&mm->compute_stopped[i],
                                                               memory_order_relaxed));
}

static void ge_metrics_render_webhooks(const ge_metrics *m, ge_buf *b)
{
    static const ge_webhook_outcome outcomes[] = {GE_WEBHOOK_DELIVERED, GE_WEBHOOK_RETRY,
                                                  GE_WEBHOOK_FAILED};
    long long pending =
        atomic_load_explicit(&((ge_metrics *)m)->webhooks_pending, memory_order_relaxed);

    ge_buf_printf(b, "# HELP geoeditor_webhook_attempts_total Webhook delivery attempts by "
                     "outcome: delivered, retry (will be tried again), failed (given up).\n"
                     "# TYPE geoeditor_webhook_attempts_total counter\n");
    for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++)
        ge_buf_printf(b, "geoeditor_webhook_attempts_total{outcome=\"%s\"} %llu\n",
                      ge_webhook_outcome_name(outcomes[i]),
                      (unsigned long long)atomic_load_explicit(
                          &((ge_metrics *)m)->webhook_attempts[outcomes[i]], memory_order_relaxed));
    if (pending >= 0)
        ge_buf_printf(b,
                      "# HELP geoeditor_webhook_deliveries_pending Webhook deliveries "
                      "waiting to be delivered (neither delivered nor given up).\n"
                      "# TYPE geoeditor_webhook_deliveries_pending gauge\n"
                      "geoeditor_webhook_deliveries_pending %lld\n",
                      pending);
}

static void ge_metrics_gauge(ge_buf *b, const char *name, const char *help, unsigned long long v)
{
    ge_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %llu\n", name, help, name, name, v);
}

static void ge_metrics_counter(ge_buf *b, const char *name, const char *help, unsigned long long v)
{
    ge_buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name, v);
}

static void ge_metrics_render_memory(const ge_metrics_memory *mem, ge_buf *b)
{
    if (mem->rss_bytes >= 0)
        ge_metrics_gauge(b, "process_resident_memory_bytes", "Resident memory size in bytes.",
                         (unsigned long long)mem->rss_bytes);
    if (mem->have_tiles) {
        ge_metrics_gauge(b, "geoeditor_tile_cache_bytes",
                         "Bytes of encoded tiles (plain and gzip, with keys) in the tile cache.",
                         mem->tile_bytes);
        ge_metrics_gauge(b, "geoeditor_tile_cache_limit_bytes",
                         "The tile cache's limit (setting tile_cache).", mem->tile_limit_bytes);
        ge_metrics_gauge(b, "geoeditor_tile_cache_entries", "Tiles in the tile cache.",
                         mem->tile_entries);
        ge_metrics_counter(b, "geoeditor_tile_cache_hits_total",
                           "Tile requests answered from the tile cache.", mem->tile_hits);
        ge_metrics_counter(b, "geoeditor_tile_cache_misses_total",
                           "Tile requests the tile cache could not answer.", mem->tile_misses);
        ge_metrics_counter(b, "geoeditor_tile_cache_evictions_total",
                           "Tiles dropped from the tile cache to make room.", mem->tile_evictions);
    }
    if (mem->have_store) {
        /* The page cache, schema, statement and sqlite_memory gauges are of a
         * file store (SQLite); a PostGIS store answers 0 for them and only its
         * pool's connections count (ge_store_mem_stats). */
        const ge_store_mem *s = &mem->store;
        ge_buf_printf(b,
                      "# HELP geoeditor_store_connections Store connections: opened so "
                      "far (open), of them not in use now (idle).\n"
                      "# TYPE geoeditor_store_connections gauge\n"
                      "geoeditor_store_connections{state=\"open\"} %d\n"
                      "geoeditor_store_connections{state=\"idle\"} %d\n",
                      s->open, s->idle);
        ge_metrics_gauge(b, "geoeditor_store_connections_max",
                         "Store connections the pool may open.", (unsigned long long)s->pool_size);
        ge_metrics_gauge(b, "geoeditor_store_page_cache_bytes",
                         "SQLite page cache bytes of the idle store connections.",
                         (unsigned long long)s->cache_bytes);
        ge_metrics_gauge(b, "geoeditor_store_page_cache_limit_bytes",
                         "SQLite page cache limit of one store connection (setting store_cache).",
                         (unsigned long long)s->cache_limit_bytes);
        ge_metrics_gauge(b, "geoeditor_store_schema_bytes",
                         "Bytes of parsed schemas of the idle store connections.",
                         (unsigned long long)s->schema_bytes);
        ge_metrics_gauge(b, "geoeditor_store_statement_bytes",
                         "Bytes of prepared statements of the idle store connections.",
                         (unsigned long long)s->stmt_bytes);
        ge_metrics_gauge(b, "geoeditor_sqlite_memory_bytes",
                         "Bytes SQLite has allocated in the whole process.",
                         (unsigned long long)s->sqlite_used);
        ge_metrics_gauge(b, "geoeditor_sqlite_memory_highwater_bytes",
                         "Most bytes SQLite had allocated at once since the start.",
                         (unsigned long long)s->sqlite_highwater);
    }
    if (mem->have_prepared) {
        ge_metrics_gauge(b, "geoeditor_prepared_geometries",
                         "Prepared (indexed) reference geometries all threads keep.",
                         mem->prepared);
        ge_metrics_gauge(b, "geoeditor_prepared_geometry_bytes",
                         "Their bytes, estimated from their vertices.", mem->prepared_bytes);
        ge_metrics_gauge(b, "geoeditor_prepared_geometry_limit_bytes",
                         "What one thread may keep (setting prepared_cache).",
                         mem->prepared_limit_bytes);
        ge_metrics_counter(b, "geoeditor_prepared_geometries_evicted_total",
                           "Prepared geometries freed to stay within that limit.",
                           mem->prepared_evicted);
    }
    if (mem->have_malloc) {
        ge_buf_printf(
            b,
            "# HELP geoeditor_malloc_bytes The C allocator's memory (glibc mallinfo2): arena "
            "(obtained for the heaps), in_use (allocated), free (free inside the heaps), mmap "
            "(large blocks mapped one by one), releasable (free at the top of the main heap).\n"
            "# TYPE geoeditor_malloc_bytes gauge\n"
            "geoeditor_malloc_bytes{kind=\"arena\"} %llu\n"
            "geoeditor_malloc_bytes{kind=\"in_use\"} %llu\n"
            "geoeditor_malloc_bytes{kind=\"free\"} %llu\n"
            "geoeditor_malloc_bytes{kind=\"mmap\"} %llu\n"
            "geoeditor_malloc_bytes{kind=\"releasable\"} %llu\n",
            (unsigned long long)mem->malloc_arena, (unsigned long long)mem->malloc_in_use,
            (unsigned long long)mem->malloc_free, (unsigned long long)mem->malloc_mmap,
            (unsigned long long)mem->malloc_releasable);
        if (mem->malloc_arenas >= 0)
            ge_metrics_gauge(b, "geoeditor_malloc_arenas", "The C allocator's arenas.",
                             (unsigned long long)mem->malloc_arenas);
        ge_metrics_counter(b, "geoeditor_malloc_trims_total",
                           "Times the server returned free heap memory to the system "
                           "(malloc_trim).",
                           mem->trims);
        ge_metrics_counter(b, "geoeditor_malloc_trimmed_bytes_total",
                           "Resident bytes those trims gave back (RSS before minus after).",
                           mem->trimmed_bytes);
    }
}

char *ge_metrics_render(const ge_metrics *m, const ge_metrics_memory *mem, size_t *len)
{
    ge_buf b = {0};

    if (ge_buf_reserve(&b, 16384) < 0) return NULL;
    ge_metrics_render_requests(m, &b);
    ge_metrics_render_histograms(m, &b);
    ge_buf_printf(&b,
                  "# HELP http_requests_in_flight Requests being handled now.\n"
                  "# TYPE http_requests_in_flight gauge\nhttp_requests_in_flight %ld\n"
                  "# HELP http_connections_open Client connections open now.\n"
                  "# TYPE http_connections_open gauge\nhttp_connections_open %ld\n"
                  "# HELP process_start_time_seconds Start time of the process since the "
                  "Unix epoch in seconds.\n"
                  "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.3f\n"
                  "# HELP geoeditor_build_info The geoeditor version; always 1.\n"
                  "# TYPE geoeditor_build_info gauge\ngeoeditor_build_info{version=\"%s\"} 1\n",
                  atomic_load_explicit(&((ge_metrics *)m)->in_flight, memory_order_relaxed),
                  atomic_load_explicit(&((ge_metrics *)m)->connections, memory_order_relaxed),
                  m->start_time, m->version);
    ge_buf_printf(&b,
                  "# HELP geoeditor_exports_in_flight Case exports being made or sent now.\n"
                  "# TYPE geoeditor_exports_in_flight gauge\ngeoeditor_exports_in_flight %ld\n"
                  "# HELP geoeditor_exports_refused_total Case exports refused with 503 "
                  "because export_concurrency exports were running.\n"
                  "# TYPE geoeditor_exports_refused_total counter\n"
                  "geoeditor_exports_refused_total %llu\n",
                  atomic_load_explicit(&((ge_metrics *)m)->exports_in_flight, memory_order_relaxed),
                  (unsigned long long)atomic_load_explicit(&((ge_metrics *)m)->exports_refused,
                                                           memory_order_relaxed));
    ge_metrics_render_compute(m, &b);
    ge_buf_printf(&b,
                  "# HELP geoeditor_connections_timed_out_total Connections cut because "
                  "the request line and headers (header_timeout) or the body "
                  "(body_timeout) did not arrive in time.\n"
                  "# TYPE geoeditor_connections_timed_out_total counter\n"
                  "geoeditor_connections_timed_out_total{phase=\"header\"} %llu\n"
                  "geoeditor_connections_timed_out_total{phase=\"body\"} %llu\n"
                  "# HELP geoeditor_connections_refused_total Connections closed at once "
                  "because max_connections or max_connections_per_ip was reached.\n"
                  "# TYPE geoeditor_connections_refused_total counter\n"
                  "geoeditor_connections_refused_total %llu\n",
                  (unsigned long long)atomic_load_explicit(&((ge_metrics *)m)->timed_out[0],
                                                           memory_order_relaxed),
                  (unsigned long long)atomic_load_explicit(&((ge_metrics *)m)->timed_out[1],
                                                           memory_order_relaxed),
                  (unsigned long long)atomic_load_explicit(&((ge_metrics *)m)->connections_refused,
                                                           memory_order_relaxed));
    ge_metrics_render_webhooks(m, &b);
    if (mem) ge_metrics_render_memory(mem, &b);
    return ge_buf_steal(&b, len);
}
