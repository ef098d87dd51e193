/*
 * reaper.c - cuts connections whose request headers or body are late (see
 * reaper.h for the why and the call sequence).
 *
 * Every connection has an entry on one list under one mutex; the list is
 * touched only when a connection opens or closes. What the connection is
 * doing (its phase) and since when is one atomic word that its worker thread
 * stores without a lock and the reaper thread reads once a second.
 *
 * Why the mutex makes shutdown() safe: libmicrohttpd 0.9.75 calls the CLOSED
 * notification before it closes the socket (MHD_cleanup_connections() in
 * daemon.c: notify_connection, then MHD_socket_close_chk_), and the CLOSED
 * handler removes the entry under the same mutex the reaper holds while it
 * calls shutdown(). So while the reaper sees an entry, its fd is still that
 * connection's socket, never a number the kernel has handed out again.
 *
 * No 408 is sent. A request whose headers are late has not reached the
 * access handler, and libmicrohttpd 0.9.75 accepts a response only from
 * there (MHD_queue_response() wants the HEADERS_PROCESSED or
 * FULL_REQ_RECEIVED state); during an upload it accepts none either (see
 * server_request.c). Writing bytes past libmicrohttpd on its socket would
 * race with its own writes. So the connection is closed, counted
 * (geoeditor_connections_timed_out_total{phase}) and logged, as nginx does
 * on client_header_timeout.
 */
#include "reaper.h"

#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "metrics.h"

enum {
    GE_REAPER_HEADERS = 0, /* request line and headers due */
    GE_REAPER_BODY = 1,    /* body due */
    GE_REAPER_BUSY = 2,    /* handler and response: connection_timeout's business */
    GE_REAPER_IDLE = 3,    /* keep-alive between requests */
};

/* Data received up to this long after a response was completed counts as
 * part of that request (TCP_INFO's clock has jiffy resolution). A next
 * request that really begins within it is caught by its next segment. */
#define GE_REAPER_SLACK_MS 50

struct ge_reaper_conn {
    ge_reaper_conn *prev, *next; /* under r->mu */
    bool cut;                    /* under r->mu */
    int fd;
    char remote[64];
    /* The phase in the low two bits, the monotonic milliseconds it began
     * above them: one word, so that the reaper never reads one phase with
     * another phase's start. */
    _Atomic uint64_t state;
};

struct ge_reaper {
    pthread_mutex_t mu;
    pthread_cond_t wake;
    pthread_t thread;
    bool stop;            /* under mu */
    ge_reaper_conn *head; /* under mu */
    uint64_t header_ms, body_ms;
    struct ge_metrics *metrics;
};

static uint64_t ge_reaper_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void ge_reaper_set(ge_reaper_conn *c, unsigned phase)
{
    if (c) atomic_store_explicit(&c->state, ge_reaper_now_ms() << 2 | phase, memory_order_relaxed);
}

void ge_reaper_headers_done(ge_reaper_conn *c)
{
    ge_reaper_set(c, GE_REAPER_BODY);
}

void ge_reaper_body_done(ge_reaper_conn *c)
{
    ge_reaper_set(c, GE_REAPER_BUSY);
}

void ge_reaper_request_done(ge_reaper_conn *c)
{
    ge_reaper_set(c, GE_REAPER_IDLE);
}

/* The monotonic time of the last data received on fd, when that is later
 * than since_ms (plus the slack): a next request has begun. */
static bool ge_reaper_data_after(int fd, uint64_t now, uint64_t since_ms, uint64_t *at)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    uint64_t last;

    memset(&ti, 0, sizeof ti);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_last_data_recv) + sizeof ti.tcpi_last_data_recv)
        return false;
    if (ti.tcpi_last_data_recv > now) return false;
    last = now - ti.tcpi_last_data_recv;
    if (last <= since_ms + GE_REAPER_SLACK_MS) return false;
    *at = last;
    return true;
}

static void ge_reaper_cut(ge_reaper *r, ge_reaper_conn *c, bool body, uint64_t waited_ms)
{
    c->cut = true;
    /* libmicrohttpd's next read sees the end and closes the connection. */
    shutdown(c->fd, SHUT_RDWR);
    ge_metrics_connection_timed_out(r->metrics, body);
    ge_log(GE_LOG_WARN, "connection timed out", "{s:s, s:s, s:I, s:I}", "phase",
           body ? "body" : "header", "remote", c->remote, "limit_s",
           (json_int_t)((body ? r->body_ms : r->header_ms) / 1000), "waited_ms",
           (json_int_t)waited_ms);
}

/* One pass over every connection; under r->mu. */
static void ge_reaper_sweep(ge_reaper *r)
{
    uint64_t now = ge_reaper_now_ms();

    for (ge_reaper_conn *c = r->head; c; c = c->next) {
        uint64_t st = atomic_load_explicit(&c->state, memory_order_relaxed), at;
        uint64_t since = st >> 2;
        unsigned phase = (unsigned)(st & 3);

        if (c->cut) continue;
        if (phase == GE_REAPER_IDLE && r->header_ms &&
            ge_reaper_data_after(c->fd, now, since, &at)) {
            /* A next request has begun: its headers are due from its latest
             * segment seen (at most one sweep later than its first). The
             * exchange fails when the worker moved on meanwhile. */
            uint64_t want = at << 2 | GE_REAPER_HEADERS;
            if (!atomic_compare_exchange_strong(&c->state, &st, want)) continue;
            since = at;
            phase = GE_REAPER_HEADERS;
        }
        if (now <= since) continue;
        /* The phase may change between this read and the cut; a request
         * whose last header byte comes in that microsecond is cut although
         * it just made it, which is no worse than a second later. */
        if (phase == GE_REAPER_HEADERS && r->header_ms && now - since > r->header_ms)
            ge_reaper_cut(r, c, false, now - since);
        else if (phase == GE_REAPER_BODY && r->body_ms && now - since > r->body_ms)
            ge_reaper_cut(r, c, true, now - since);
    }
}

static void *ge_reaper_main(void *ud)
{
    ge_reaper *r = ud;
    struct timespec t;

    pthread_mutex_lock(&r->mu);
    while (!r->stop) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        t.tv_sec += 1;
        pthread_cond_timedwait(&r->wake, &r->mu, &t);
        if (!r->stop) ge_reaper_sweep(r);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

int ge_reaper_start(ge_reaper **out, int header_s, int body_s, struct ge_metrics *m, ge_err *err)
{
    ge_reaper *r = NULL;
    pthread_condattr_t ca;
    int rc = GE_OK;

    *out = NULL;
    if (header_s <= 0 && body_s <= 0) return GE_OK;
    r = calloc(1, sizeof *r);
    if (!r) return ge_err_set(err, GE_ENOMEM, "out of memory");
    r->header_ms = header_s > 0 ? (uint64_t)header_s * 1000u : 0;
    r->body_ms = body_s > 0 ? (uint64_t)body_s * 1000u : 0;
    r->metrics = m;
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&r->thread, NULL, ge_reaper_main, r) != 0) {
        rc = ge_err_set(err, GE_EIO, "cannot start the connection reaper thread");
        goto err;
    }
    *out = r;
    return GE_OK;
err:
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->mu);
    free(r);
    return rc;
}

void ge_reaper_stop(ge_reaper *r)
{
    if (!r) return;
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    /* Empty once the daemon has stopped; freed all the same. */
    while (r->head) {
        ge_reaper_conn *c = r->head;
        r->head = c->next;
        free(c);
    }
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

ge_reaper_conn *ge_reaper_conn_open(ge_reaper *r, int fd, const char *remote)
{
    ge_reaper_conn *c;

    if (!r || fd < 0) return NULL;
    c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->fd = fd;
    snprintf(c->remote, sizeof c->remote, "%s", remote ? remote : "-");
    ge_reaper_set(c, GE_REAPER_HEADERS);
    pthread_mutex_lock(&r->mu);
    c->next = r->head;
    if (r->head) r->head->prev = c;
    r->head = c;
    pthread_mutex_unlock(&r->mu);
    return c;
}

void ge_reaper_conn_close(ge_reaper *r, ge_reaper_conn *c)
{
    if (!r || !c) return;
    pthread_mutex_lock(&r->mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        r->head = c->next;
    if (c->next) c->next->prev = c->prev;
    pthread_mutex_unlock(&r->mu);
    free(c);
}
