/*
 * webhooks.c - the webhook sender thread (webhooks.h).
 *
 * One thread drives libcurl's multi interface: up to GE_WEBHOOKS_PARALLEL
 * deliveries are in flight at once, so one slow receiver holds up no other
 * form server. The thread sleeps in curl_multi_poll(), which watches the
 * transfers' sockets and can be woken from another thread with
 * curl_multi_wakeup(); that wake-up is what ge_webhooks_kick() and the stop
 * use, instead of a condition variable, because a condition variable could
 * not also wait on sockets. A wake-up that arrives while the thread is busy
 * is not lost: the next curl_multi_poll() returns at once.
 *
 * Each attempt is a fresh POST (new timestamp, new signature) of the same
 * body; the outcome goes to the store (store_webhooks.h decides between
 * delivered, retry with backoff and failed) and to one log line. Neither the
 * secret nor the URL's path, query or user information is ever logged: the
 * log names the receiver by scheme, host and port only, since webhook URLs
 * often carry tokens in the path or query.
 *
 * Safety of the request: only http and https, redirects not followed (a 3xx
 * counts as a failed delivery), the whole attempt bounded by webhook_timeout,
 * the answer's body read and thrown away.
 */
#include "webhooks.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../geo/store/store_webhooks.h"
#include "../geo/core/webhook_sign.h"
#include "log.h"
#include "metrics.h"

#ifndef GE_VERSION
#define GE_VERSION "unknown"
#endif

/* Deliveries in flight at once. */
#define GE_WEBHOOKS_PARALLEL 8
/* How often the outbox is checked without a kick. */
#define GE_WEBHOOKS_POLL_MS 1000
/* How often a running transfer is checked for shutdown. */
#define GE_WEBHOOKS_BUSY_POLL_MS 100

typedef struct ge_webhook_xfer {
    CURL *easy;
    ge_webhook_delivery d;
    char *body;
    struct curl_slist *headers;
    double started;   /* monotonic seconds */
    char target[160]; /* scheme://host[:port], for the log */
    char errbuf[CURL_ERROR_SIZE];
} ge_webhook_xfer;

typedef struct ge_webhooks {
    ge_ctx *ctx;
    CURLM *multi;
    pthread_t thread;
    bool thread_started;
    atomic_bool stop;
    atomic_bool kicked;
    ge_webhook_xfer *xfers[GE_WEBHOOKS_PARALLEL];
    size_t nxfers;
} ge_webhooks;

/* The running sender, for ge_webhooks_kick(); one server per process. */
static pthread_mutex_t ge_webhooks_mu = PTHREAD_MUTEX_INITIALIZER;
static ge_webhooks *ge_webhooks_current;

static double ge_webhooks_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void ge_webhooks_kick(void)
{
    pthread_mutex_lock(&ge_webhooks_mu);
    if (ge_webhooks_current) {
        atomic_store(&ge_webhooks_current->kicked, true);
        curl_multi_wakeup(ge_webhooks_current->multi);
    }
    pthread_mutex_unlock(&ge_webhooks_mu);
}

/* ---- one transfer ------------------------------------------------------- */

static size_t ge_webhooks_discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
    (void)ptr;
    (void)ud;
    return size * nmemb;
}

/* scheme://host[:port] of a URL, nothing else of it. */
static void ge_webhooks_target(const char *url, char *out, size_t cap)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;

    snprintf(out, cap, "(unparsable URL)");
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_PORT, &port, 0);
        snprintf(out, cap, "%s://%s%s%s", scheme, host, port ? ":" : "", port ? port : "");
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

/* The body of the contract: type, delivery_id, case_id, reference, service,
 * status, previous_status, comment, at (null where the store has none), and
 * version, the case's version this change made (its ETag "v<version>"). */
static char *ge_webhooks_body(const ge_webhook_delivery *d)
{
    json_t *o = json_pack("{s:s, s:I, s:s, s:s?, s:s, s:s, s:s?, s:s?, s:s, s:I}", "type",
                          "case.status_changed", "delivery_id", (json_int_t)d->id, "case_id",
                          d->case_id, "reference", d->reference, "service", d->service, "status",
                          d->status, "previous_status", d->previous_status, "comment", d->comment,
                          "at", d->at, "version", (json_int_t)d->version);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

    json_decref(o);
    return s;
}

static void ge_webhooks_xfer_free(ge_webhook_xfer *x)
{
    if (!x) return;
    if (x->easy) curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    free(x->body);
    ge_webhook_delivery_clear(&x->d);
    free(x);
}

static struct curl_slist *ge_webhooks_header(struct curl_slist *l, bool *ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static struct curl_slist *ge_webhooks_header(struct curl_slist *l, bool *ok, const char *fmt, ...)
{
    char line[256];
    struct curl_slist *n;
    va_list ap;

    if (!*ok) return l;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    n = curl_slist_append(l, line);
    if (!n) {
        *ok = false;
        return l;
    }
    return n;
}

/* Builds the request of one attempt. NULL when out of memory. */
static ge_webhook_xfer *ge_webhooks_xfer_new(const ge_ctx *ctx, ge_webhook_delivery *d)
{
    ge_webhook_xfer *x = calloc(1, sizeof *x);
    char sig[GE_WEBHOOK_SIG_LEN];
    int64_t ts = (int64_t)ge_ctx_now(ctx);
    long timeout_ms = (long)ctx->cfg->webhook_timeout * 1000L;
    bool ok = true;

    if (!x) return NULL;
    x->d = *d; /* takes over the strings */
    memset(d, 0, sizeof *d);
    ge_webhooks_target(x->d.url, x->target, sizeof x->target);
    x->body = ge_webhooks_body(&x->d);
    x->easy = curl_easy_init();
    if (!x->body || !x->easy) goto err;
    ge_webhook_sign(x->d.secret, ts, x->body, strlen(x->body), sig);
    x->headers = ge_webhooks_header(x->headers, &ok, "Content-Type: application/json");
    x->headers = ge_webhooks_header(x->headers, &ok, "X-GeoEditor-Event: case.status_changed");
    x->headers = ge_webhooks_header(x->headers, &ok, "X-GeoEditor-Delivery: %" PRId64, x->d.id);
    x->headers = ge_webhooks_header(x->headers, &ok, "X-GeoEditor-Timestamp: %" PRId64, ts);
    x->headers = ge_webhooks_header(x->headers, &ok, "X-GeoEditor-Signature: %s", sig);
    x->headers = ge_webhooks_header(x->headers, &ok, "User-Agent: geoEDITOR/%s", GE_VERSION);
    /* No "Expect: 100-continue" for longer bodies: it costs a round trip
     * (or a second's wait) and receivers rarely answer it. */
    x->headers = ge_webhooks_header(x->headers, &ok, "Expect:");
    if (!ok) goto err;
    curl_easy_setopt(x->easy, CURLOPT_URL, x->d.url);
    curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(x->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(x->easy, CURLOPT_POST, 1L);
    curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->body);
    curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(x->body));
    curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
    curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, ge_webhooks_discard);
    curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
    x->started = ge_webhooks_mono();
    return x;
err:
    ge_webhooks_xfer_free(x);
    return NULL;
}

/* Records an attempt's outcome and logs it. */
static void ge_webhooks_record(ge_webhooks *w, ge_webhook_xfer *x, int http_status,
                               const char *error, bool permanent, int64_t retry_after_s,
                               double duration_ms)
{
    ge_webhook_policy pol = {.max_attempts = w->ctx->cfg->webhook_max_attempts,
                             .retry_base_s = w->ctx->cfg->webhook_retry_base};
    ge_webhook_attempt a = {.http_status = http_status,
                            .error = error,
                            .permanent = permanent,
                            .retry_after_s = retry_after_s};
    ge_webhook_outcome o = GE_WEBHOOK_FAILED;
    int64_t now = (int64_t)ge_ctx_now(w->ctx), next_at = 0;
    int attempts = x->d.attempts + 1;
    ge_err err;

    if (ge_store_webhook_record(w->ctx->store, x->d.id, now, &a, &pol, &o, &attempts, &next_at,
                                &err) < 0) {
        ge_log(err.code == GE_ENOENT ? GE_LOG_INFO : GE_LOG_ERROR, "webhook attempt not recorded",
               "{s:I, s:s, s:s}", "delivery_id", (json_int_t)x->d.id, "case_id", x->d.case_id,
               "detail", err.msg);
        return;
    }
    ge_metrics_webhook_attempt(w->ctx->metrics, o);
    ge_log(o == GE_WEBHOOK_DELIVERED ? GE_LOG_INFO : GE_LOG_WARN, "webhook attempt",
           "{s:I, s:s, s:s, s:i, s:i, s:s, s:I, s:s?, s:I}", "delivery_id", (json_int_t)x->d.id,
           "case_id", x->d.case_id, "target", x->target, "attempt", attempts, "status", http_status,
           "outcome", ge_webhook_outcome_name(o), "duration_ms", (json_int_t)(duration_ms + 0.5),
           "error", o == GE_WEBHOOK_DELIVERED ? NULL : error, "retry_in_s",
           (json_int_t)(o == GE_WEBHOOK_RETRY ? next_at - now : 0));
}

/* A finished transfer: its status or error, recorded. */
static void ge_webhooks_done(ge_webhooks *w, ge_webhook_xfer *x, CURLcode res)
{
    double ms = (ge_webhooks_mono() - x->started) * 1000.0;
    long code = 0;
    char why[CURL_ERROR_SIZE + 64];
    bool permanent = false;

    if (res == CURLE_OK) {
        curl_off_t retry_after = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
        /* Seconds or an HTTP date, both turned into seconds by libcurl. */
        if (curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &retry_after) != CURLE_OK ||
            retry_after < 0)
            retry_after = 0;
        if (code >= 300 && code <= 399)
            snprintf(why, sizeof why, "HTTP %ld (redirects are not followed)", code);
        else
            snprintf(why, sizeof why, "HTTP %ld", code);
        ge_webhooks_record(w, x, (int)code, why, false, (int64_t)retry_after, ms);
        return;
    }
    /* A URL we will never be able to send to does not get better with time. */
    permanent = res == CURLE_UNSUPPORTED_PROTOCOL || res == CURLE_URL_MALFORMAT;
    snprintf(why, sizeof why, "%s", x->errbuf[0] ? x->errbuf : curl_easy_strerror(res));
    ge_webhooks_record(w, x, 0, why, permanent, 0, ms);
}

/* Starts one claimed delivery (or settles it without sending). */
static void ge_webhooks_begin(ge_webhooks *w, ge_webhook_delivery *d)
{
    ge_webhook_xfer *x;
    int64_t id = d->id;
    ge_err err;

    if (d->client_revoked || !d->url[0]) {
        /* Nobody to tell any more: revoking a client ends what it receives. */
        ge_webhook_xfer tmp = {.d = *d};
        ge_webhooks_target(d->url[0] ? d->url : "", tmp.target, sizeof tmp.target);
        ge_webhooks_record(w, &tmp, 0,
                           d->client_revoked ? "client revoked: not sent"
                                             : "client has no webhook URL: not sent",
                           true, 0, 0);
        ge_webhook_delivery_clear(d);
        return;
    }
    x = ge_webhooks_xfer_new(w->ctx, d);
    if (!x || curl_multi_add_handle(w->multi, x->easy) != CURLM_OK) {
        ge_log(GE_LOG_ERROR, "webhook attempt not started", "{s:I, s:s}", "delivery_id",
               (json_int_t)id, "detail", "out of memory");
        if (ge_store_webhook_release(w->ctx->store, id, (int64_t)ge_ctx_now(w->ctx), &err) < 0)
            ge_log(GE_LOG_ERROR, "webhook delivery not released", "{s:s}", "detail", err.msg);
        ge_webhooks_xfer_free(x);
        ge_webhook_delivery_clear(d);
        return;
    }
    w->xfers[w->nxfers++] = x;
}

static void ge_webhooks_forget(ge_webhooks *w, ge_webhook_xfer *x)
{
    for (size_t i = 0; i < w->nxfers; i++) {
        if (w->xfers[i] == x) {
            w->xfers[i] = w->xfers[--w->nxfers];
            break;
        }
    }
    curl_multi_remove_handle(w->multi, x->easy);
    ge_webhooks_xfer_free(x);
}

/* Cuts off every running attempt and gives its delivery back unrecorded
 * (shutdown): it is sent again after the next start. */
static void ge_webhooks_abort_all(ge_webhooks *w, const char *why)
{
    ge_err err;

    while (w->nxfers > 0) {
        ge_webhook_xfer *x = w->xfers[w->nxfers - 1];
        ge_log(GE_LOG_WARN, "webhook attempt cut off", "{s:I, s:s, s:s, s:s}", "delivery_id",
               (json_int_t)x->d.id, "case_id", x->d.case_id, "target", x->target, "reason", why);
        if (ge_store_webhook_release(w->ctx->store, x->d.id, (int64_t)ge_ctx_now(w->ctx), &err) < 0)
            ge_log(GE_LOG_ERROR, "webhook delivery not released", "{s:s}", "detail", err.msg);
        ge_webhooks_forget(w, x);
    }
}

/* Claims as many due deliveries as there are free slots and starts them.
 * True when more may be due: the claim filled every free slot, or there was
 * none (then the next claim follows as soon as an attempt ends). */
static bool ge_webhooks_claim(ge_webhooks *w)
{
    ge_webhook_delivery *v = NULL;
    size_t n = 0, free_slots = GE_WEBHOOKS_PARALLEL - w->nxfers;
    /* Long enough to outlast one attempt: until then no other claim takes
     * the row; after a crash it is due again. */
    int lease = w->ctx->cfg->webhook_timeout * 2 + 30;
    ge_err err;

    if (free_slots == 0) return true;
    if (ge_store_webhooks_claim(w->ctx->store, (int64_t)ge_ctx_now(w->ctx), lease, free_slots, &v,
                                &n, &err) < 0) {
        ge_log(GE_LOG_ERROR, "reading the webhook outbox failed", "{s:s}", "detail", err.msg);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        ge_webhooks_begin(w, &v[i]);
    ge_webhook_delivery_list_free(v, n);
    return n == free_slots;
}

/* ---- the thread ---------------------------------------------------------- */

/*
 * Shutdown: from the moment SIGTERM is seen (ctx->draining, within a poll
 * period) or the stop is asked, nothing new is claimed and running attempts
 * get what is left of shutdown_grace; the HTTP drain runs alongside, so the
 * whole shutdown stays within the grace. What is still running then is cut
 * off and given back.
 */
static void *ge_webhooks_run(void *arg)
{
    ge_webhooks *w = arg;
    double next_claim = 0, drain_until = -1;
    bool more = false;

    for (;;) {
        double now = ge_webhooks_mono();
        bool stopping = atomic_load(&w->stop) || atomic_load(&w->ctx->draining);
        int running = 0, timeout_ms, left;
        CURLMsg *m;

        if (stopping && drain_until < 0) drain_until = now + w->ctx->cfg->shutdown_grace;
        if (stopping && w->nxfers == 0) {
            if (atomic_load(&w->stop)) break;
        } else if (!stopping && (atomic_exchange(&w->kicked, false) || now >= next_claim || more)) {
            more = ge_webhooks_claim(w);
            next_claim = now + GE_WEBHOOKS_POLL_MS / 1000.0;
        }
        curl_multi_perform(w->multi, &running);
        while ((m = curl_multi_info_read(w->multi, &left))) {
            ge_webhook_xfer *x = NULL;
            if (m->msg != CURLMSG_DONE) continue;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
            ge_webhooks_done(w, x, m->data.result);
            ge_webhooks_forget(w, x);
        }
        if (stopping && w->nxfers > 0 && ge_webhooks_mono() >= drain_until)
            ge_webhooks_abort_all(w, "shutdown grace over");
        if (atomic_load(&w->stop) && w->nxfers == 0)
            break; /* the last attempt just ended: do not sleep on */
        if (w->nxfers > 0)
            timeout_ms = GE_WEBHOOKS_BUSY_POLL_MS;
        else if (more && !stopping)
            timeout_ms = 0;
        else
            timeout_ms = GE_WEBHOOKS_POLL_MS;
        curl_multi_poll(w->multi, NULL, 0, timeout_ms, NULL);
    }
    return NULL;
}

static void ge_webhooks_stop(void *ud)
{
    ge_webhooks *w = ud;

    pthread_mutex_lock(&ge_webhooks_mu);
    if (ge_webhooks_current == w) ge_webhooks_current = NULL;
    pthread_mutex_unlock(&ge_webhooks_mu);
    if (w->thread_started) {
        atomic_store(&w->stop, true);
        curl_multi_wakeup(w->multi);
        pthread_join(w->thread, NULL);
    }
    if (w->multi) curl_multi_cleanup(w->multi);
    free(w);
}

int ge_webhooks_start(ge_ctx *ctx, ge_err *err)
{
    ge_webhooks *w;
    int rc;

    /* Once per process, before any transfer; thread-safe in this libcurl. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return ge_err_set(err, GE_EINTERNAL, "cannot start libcurl for webhooks");
    w = calloc(1, sizeof *w);
    if (!w) return ge_err_set(err, GE_ENOMEM, "out of memory");
    w->ctx = ctx;
    atomic_init(&w->stop, false);
    atomic_init(&w->kicked, false);
    w->multi = curl_multi_init();
    if (!w->multi || ge_ctx_on_stop(ctx, ge_webhooks_stop, w) < 0) {
        if (w->multi) curl_multi_cleanup(w->multi);
        free(w);
        return ge_err_set(err, GE_ENOMEM, "out of memory");
    }
    rc = pthread_create(&w->thread, NULL, ge_webhooks_run, w);
    if (rc != 0)
        return ge_err_set(err, GE_EINTERNAL, "cannot start the webhook sender: %s", strerror(rc));
    w->thread_started = true;
    pthread_mutex_lock(&ge_webhooks_mu);
    ge_webhooks_current = w;
    pthread_mutex_unlock(&ge_webhooks_mu);
    ge_log(GE_LOG_INFO, "webhook sender started", "{s:i, s:i, s:i}", "timeout_s",
           ctx->cfg->webhook_timeout, "max_attempts", ctx->cfg->webhook_max_attempts,
           "retry_base_s", ctx->cfg->webhook_retry_base);
    return GE_OK;
}
