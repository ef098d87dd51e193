/*
 * ts_receiver.c - the webhook receiver of the API tests (ts_receiver.h).
 *
 * A thread per connection, so that a hanging path holds up nothing else;
 * the recorded hits and the per-route answer counters sit under one mutex,
 * whose condition variable also releases hanging requests at the stop.
 */
#include "ts_receiver.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TS_RX_MAX_HITS   4096 /* the cluster test receives some 400 */
#define TS_RX_MAX_ROUTES 16

static struct {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const ts_rx_route *routes;
    size_t nroutes;
    size_t calls[TS_RX_MAX_ROUTES]; /* answers given per route so far */
    ts_rx_hit hits[TS_RX_MAX_HITS];
    size_t nhits;
    bool release; /* let hanging requests answer */
} rx = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

typedef struct ts_rx_conn {
    char *body;
    size_t len;
} ts_rx_conn;

static double ts_rx_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void ts_rx_copy_header(struct MHD_Connection *c, const char *name, char *out, size_t cap)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
    snprintf(out, cap, "%s", v ? v : "");
}

/* The route of a path, or NULL; under rx.mu. */
static const ts_rx_route *ts_rx_route_of(const char *url, size_t *index)
{
    for (size_t i = 0; i < rx.nroutes; i++) {
        if (strcmp(rx.routes[i].path, url) == 0) {
            *index = i;
            return &rx.routes[i];
        }
    }
    return NULL;
}

/* The status of the route's next answer; under rx.mu. */
static unsigned ts_rx_next_status(const ts_rx_route *r, size_t index)
{
    size_t n = 0, k = rx.calls[index]++;

    while (n < sizeof r->statuses / sizeof r->statuses[0] && r->statuses[n] != 0)
        n++;
    if (n == 0) return 200;
    return (unsigned)r->statuses[k < n ? k : n - 1];
}

static void ts_rx_record(struct MHD_Connection *c, const char *url, const ts_rx_conn *rc)
{
    ts_rx_hit *h;

    if (rx.nhits >= TS_RX_MAX_HITS) {
        /* loudly: a test counting requests would see too few */
        fprintf(stderr, "ts_receiver: more than %d requests; %s not recorded\n", TS_RX_MAX_HITS,
                url);
        return;
    }
    h = &rx.hits[rx.nhits++];
    snprintf(h->path, sizeof h->path, "%s", url);
    h->body = strdup(rc->body ? rc->body : "");
    ts_rx_copy_header(c, "X-GeoEditor-Timestamp", h->timestamp, sizeof h->timestamp);
    ts_rx_copy_header(c, "X-GeoEditor-Signature", h->signature, sizeof h->signature);
    ts_rx_copy_header(c, "X-GeoEditor-Delivery", h->delivery, sizeof h->delivery);
    ts_rx_copy_header(c, "X-GeoEditor-Event", h->event, sizeof h->event);
    ts_rx_copy_header(c, "Content-Type", h->content_type, sizeof h->content_type);
    h->arrived = ts_rx_mono();
}

static enum MHD_Result ts_rx_access(void *cls, struct MHD_Connection *c, const char *url,
                                    const char *method, const char *version, const char *upload,
                                    size_t *upload_size, void **con_cls)
{
    ts_rx_conn *rc = *con_cls;
    const ts_rx_route *route;
    struct MHD_Response *resp;
    const char *retry_after = NULL;
    unsigned status = 200;
    int delay_ms = 0;
    size_t index = 0;
    enum MHD_Result ret;
    (void)cls;
    (void)method;
    (void)version;

    if (!rc) {
        rc = calloc(1, sizeof *rc);
        *con_cls = rc;
        return rc ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        char *nb = realloc(rc->body, rc->len + *upload_size + 1);
        if (!nb) return MHD_NO;
        rc->body = nb;
        memcpy(rc->body + rc->len, upload, *upload_size);
        rc->len += *upload_size;
        rc->body[rc->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&rx.mu);
    ts_rx_record(c, url, rc);
    route = ts_rx_route_of(url, &index);
    if (route) {
        status = ts_rx_next_status(route, index);
        delay_ms = route->delay_ms;
        if (status == 429 || status == 503) retry_after = route->retry_after;
        if (route->hang) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 120;
            while (!rx.release && pthread_cond_timedwait(&rx.cv, &rx.mu, &until) == 0)
                ;
        }
    }
    pthread_cond_broadcast(&rx.cv);
    pthread_mutex_unlock(&rx.mu);
    if (delay_ms > 0) usleep((useconds_t)delay_ms * 1000);
    resp = MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
    if (retry_after) MHD_add_response_header(resp, "Retry-After", retry_after);
    ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void ts_rx_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                            enum MHD_RequestTerminationCode toe)
{
    ts_rx_conn *rc = *con_cls;
    (void)cls;
    (void)c;
    (void)toe;
    if (rc) free(rc->body);
    free(rc);
    *con_cls = NULL;
}

int ts_rx_start(const ts_rx_route *routes, size_t n)
{
    const union MHD_DaemonInfo *info;

    if (n > TS_RX_MAX_ROUTES) {
        fprintf(stderr, "ts_rx_start: at most %d routes\n", TS_RX_MAX_ROUTES);
        return -1;
    }
    pthread_mutex_lock(&rx.mu);
    rx.routes = routes;
    rx.nroutes = n;
    memset(rx.calls, 0, sizeof rx.calls);
    rx.release = false;
    pthread_mutex_unlock(&rx.mu);
    rx.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                                MHD_USE_ERROR_LOG,
                            0, NULL, NULL, ts_rx_access, NULL, MHD_OPTION_NOTIFY_COMPLETED,
                            ts_rx_completed, NULL, MHD_OPTION_SOCK_ADDR, NULL, MHD_OPTION_END);
    if (!rx.d) return -1;
    info = MHD_get_daemon_info(rx.d, MHD_DAEMON_INFO_BIND_PORT);
    rx.port = info ? info->port : 0;
    return rx.port > 0 ? 0 : -1;
}

int ts_rx_port(void)
{
    return rx.port;
}

void ts_rx_stop(void)
{
    pthread_mutex_lock(&rx.mu);
    rx.release = true;
    pthread_cond_broadcast(&rx.cv);
    pthread_mutex_unlock(&rx.mu);
    if (rx.d) MHD_stop_daemon(rx.d);
    rx.d = NULL;
    for (size_t i = 0; i < rx.nhits; i++)
        free(rx.hits[i].body);
    rx.nhits = 0;
}

size_t ts_rx_count(const char *path)
{
    size_t n = 0;
    pthread_mutex_lock(&rx.mu);
    for (size_t i = 0; i < rx.nhits; i++)
        n += strcmp(rx.hits[i].path, path) == 0;
    pthread_mutex_unlock(&rx.mu);
    return n;
}

bool ts_rx_wait(const char *path, size_t n, int timeout_s)
{
    double until = ts_rx_mono() + timeout_s;
    while (ts_rx_count(path) < n) {
        if (ts_rx_mono() > until) return false;
        usleep(20000);
    }
    return true;
}

ts_rx_hit ts_rx_get(const char *path, size_t i)
{
    ts_rx_hit h = {0};
    pthread_mutex_lock(&rx.mu);
    for (size_t k = 0; k < rx.nhits; k++) {
        if (strcmp(rx.hits[k].path, path) == 0 && i-- == 0) {
            h = rx.hits[k];
            break;
        }
    }
    pthread_mutex_unlock(&rx.mu);
    return h;
}
