/*
 * server_request.c - one request's way through the server (see server.c for
 * start-up and shutdown).
 *
 * Four steps, all on the libmicrohttpd worker thread that owns the
 * connection:
 *
 *  1. headers complete (first access-handler call): create the ge_call, match
 *     the route, decode the query, and refuse at once what is over a limit:
 *     header fields over max_header_bytes (431), an ambiguous body length
 *     (400: ge_server_refuse_framing) and a Content-Length over
 *     max_body_bytes (413) - before a single body byte is read.
 *  2. body chunks: kept up to max_body_bytes. A chunked body that passes the
 *     limit is counted and thrown away: libmicrohttpd 0.9.75 cannot queue a
 *     response while it delivers upload data, so the 413 goes out when the
 *     body ends; a client that keeps sending far beyond the limit is cut off.
 *  3. body complete: dispatch (handler, 404, 405, OPTIONS, static file) and
 *     send through http_send.c. A GE_ROUTE_COMPUTE route's handler runs on
 *     the compute pool instead (compute.h): the connection is suspended,
 *     the pool runs the handler under the request's budget and resumes it,
 *     and libmicrohttpd calls the access handler once more on the worker,
 *     which then sends what the handler made.
 *  4. request completed: metrics and one JSON access-log line; freeing the
 *     call runs the response's on_done hook (ge_resp_on_done), also when
 *     the client went away before the last byte.
 *
 * Along the way the connection's reaper entry (reaper.h, the connection's
 * socket context) learns when the headers and the body are complete, so
 * that a client that sends them too slowly is cut off.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "../geo/core/budget.h"
#include "../geo/core/json_util.h"
#include "http.h"
#include "http_send.h"
#include "log.h"
#include "metrics.h"
#include "router.h"
#include "server_internal.h"
#include "static.h"

/* Bytes of an oversized chunked body we read and drop before answering 413;
 * beyond this the connection is closed without an answer. */
#define GE_SERVER_DISCARD_MIN (1024 * 1024)

typedef struct ge_call {
    ge_req req;
    ge_resp resp;
    ge_route_match match;
    char method[16];
    char *path;
    char *body;
    size_t body_len, body_cap;
    uint64_t received; /* body bytes seen, kept or dropped */
    bool too_large;    /* the body passed max_body_bytes */
    bool bad_query;
    char bad_query_name[64];
    bool computing; /* suspended, its handler queued or running on the compute pool */
    bool computed;  /* the pool ran the handler: resp is ready to send */
    bool gone;      /* its budget found the client gone: nothing to send */
    int fd;         /* the client's socket, for the budget's gone test */
    ge_server *srv;
    bool sent;
    int send_rc;
    int status;
    uint64_t bytes;
    size_t metric_route;
    struct timespec start;
} ge_call;

static double ge_server_elapsed(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

/* ---- requests ----------------------------------------------------------- */

static void ge_server_call_free(ge_call *call)
{
    if (!call) return;
    for (size_t i = 0; i < call->req.n_query; i++) {
        free(call->req.query[i].name);
        free(call->req.query[i].value);
    }
    free(call->req.query);
    ge_resp_clear(&call->resp);
    ge_route_match_clear(&call->match);
    free(call->body);
    free(call->path);
    free(call);
}

static void ge_server_remote(struct MHD_Connection *conn, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    snprintf(out, size, "-");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)size);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)size);
}

/* Every field of one header, in order, joined with ", " (RFC 9110, 5.3):
 * a proxy may add its own X-Forwarded-For field after the client's. */
typedef struct ge_header_join {
    const char *name;
    char *text;
    size_t len;
    bool failed;
} ge_header_join;

static enum MHD_Result ge_server_join_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                             const char *value)
{
    ge_header_join *j = cls;
    size_t vlen = value ? strlen(value) : 0;
    char *grown;

    if (strcasecmp(key, j->name) != 0) return MHD_YES;
    grown = realloc(j->text, j->len + vlen + 3);
    if (!grown) {
        j->failed = true;
        return MHD_NO;
    }
    j->text = grown;
    if (j->len) {
        memcpy(j->text + j->len, ", ", 2);
        j->len += 2;
    }
    memcpy(j->text + j->len, value ? value : "", vlen);
    j->len += vlen;
    j->text[j->len] = '\0';
    return MHD_YES;
}

/* req->peer from the socket, req->remote from the trusted proxy's header
 * (forwarded.h) or the peer. */
static void ge_server_client(ge_server *srv, ge_req *req)
{
    ge_header_join j = {ge_forwarded_header_name(&srv->forwarded), NULL, 0, false};
    char why[160];

    ge_server_remote(req->conn, req->peer, sizeof req->peer);
    snprintf(req->remote, sizeof req->remote, "%s", req->peer);
    if (srv->forwarded.trusted.n == 0 || !ge_cidr_list_match(&srv->forwarded.trusted, req->peer))
        return;
    MHD_get_connection_values(req->conn, MHD_HEADER_KIND, ge_server_join_header, &j);
    if (j.failed)
        snprintf(why, sizeof why, "out of memory");
    else if (ge_forwarded_client(&srv->forwarded, req->peer, j.text, req->remote,
                                 sizeof req->remote, why, sizeof why) != GE_FWD_MALFORMED)
        why[0] = '\0';
    if (why[0]) ge_forwarded_note_malformed(&srv->forwarded, req->peer, why);
    free(j.text);
}

/* The connection's reaper entry (its socket context), or NULL. */
static ge_reaper_conn *ge_server_reaper_conn(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static enum MHD_Result ge_server_count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                              const char *value)
{
    size_t *sum = cls;
    /* "Name: value\r\n" as it was on the wire */
    *sum += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

static size_t ge_server_header_bytes(struct MHD_Connection *conn)
{
    size_t sum = 0;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, ge_server_count_header, &sum);
    return sum;
}

/* Decodes one query argument; the server's unescape callback left it raw
 * (only '+' became ' '), so that "%26" and "%3D" survive the split at '&'
 * and '='. */
static enum MHD_Result ge_server_add_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                           const char *value)
{
    ge_call *call = cls;
    ge_query_arg *grown, *a;
    size_t klen = strlen(key), vlen = value ? strlen(value) : 0;

    grown = realloc(call->req.query, (call->req.n_query + 1) * sizeof *grown);
    if (!grown) return MHD_NO;
    call->req.query = grown;
    a = &call->req.query[call->req.n_query];
    a->name = malloc(klen + 1);
    a->value = malloc(vlen + 1);
    if (!a->name || !a->value) {
        free(a->name);
        free(a->value);
        return MHD_NO;
    }
    call->req.n_query++;
    if (ge_router_pct_decode(key, klen, a->name, NULL) < 0 ||
        ge_router_pct_decode(value ? value : "", vlen, a->value, NULL) < 0) {
        if (!call->bad_query)
            snprintf(call->bad_query_name, sizeof call->bad_query_name, "%s", key);
        call->bad_query = true;
        a->name[0] = a->value[0] = '\0';
    }
    return MHD_YES;
}

static ge_call *ge_server_begin(ge_server *srv, struct MHD_Connection *conn, const char *url,
                                const char *method)
{
    ge_call *call = calloc(1, sizeof *call);
    ge_req *req;
    uint32_t id;

    if (!call) return NULL;
    clock_gettime(CLOCK_MONOTONIC, &call->start);
    ge_resp_init(&call->resp);
    snprintf(call->method, sizeof call->method, "%s", method);
    call->path = strdup(url);
    if (!call->path) goto err;
    call->metric_route = ge_metrics_route_unmatched(srv->ctx.metrics);
    if (ge_router_match(srv->ctx.router, call->method, call->path, &call->match) < 0) goto err;

    req = &call->req;
    req->ctx = &srv->ctx;
    req->conn = conn;
    req->method = call->method;
    req->path = call->path;
    req->match = &call->match;
    req->route = call->match.route ? call->match.route->pattern : "unmatched";
    if (call->match.route) call->metric_route = call->match.route->name_index;
    req->body = "";
    req->lang = ge_http_lang_from_header(
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Language"));
    id = (uint32_t)atomic_fetch_add_explicit(&srv->next_id, 1, memory_order_relaxed);
    snprintf(req->request_id, sizeof req->request_id, "%08x%08x", srv->id_prefix, id);
    ge_server_client(srv, req);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, ge_server_add_query, call);

    ge_metrics_request_begin(srv->ctx.metrics);
    return call;
err:
    ge_server_call_free(call);
    return NULL;
}

static void ge_server_send(ge_server *srv, ge_call *call, bool close)
{
    ge_http_send_opts opts = {0};

    opts.close = close || atomic_load(&srv->ctx.draining);
    opts.cors = call->match.cors && strcmp(call->method, "OPTIONS") == 0;
    call->send_rc = ge_http_send(&call->req, &call->resp, &opts, &call->status, &call->bytes);
    call->sent = true;
}

/* How the request says where its body ends (RFC 9112, 6): every
 * Content-Length and Transfer-Encoding field, for ge_server_refuse_framing. */
typedef struct ge_framing {
    int n_length, n_coding;
    const char *length, *other_length; /* the first, and a different later one */
    const char *coding;
} ge_framing;

static enum MHD_Result ge_server_framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                                const char *value)
{
    ge_framing *f = cls;
    value = value ? value : "";
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (f->n_length++ == 0)
            f->length = value;
        else if (!f->other_length && strcmp(f->length, value) != 0)
            f->other_length = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        if (f->n_coding++ == 0) f->coding = value;
    }
    return MHD_YES;
}

/*
 * A body whose end two parties could find in different places is how
 * requests are smuggled past a proxy: libmicrohttpd 0.9.75 takes the first
 * of two Content-Length fields and lets Transfer-Encoding win over
 * Content-Length without a word. So, before a body byte is read:
 * Content-Length fields that differ, Content-Length together with
 * Transfer-Encoding (RFC 9112, 6.3: "ought to be handled as an error") and
 * any transfer coding but a single "chunked" (the only one we decode) get a
 * 400 naming the header, and the connection is closed. Repeats of one value
 * are one length (RFC 9110, 8.6) and pass.
 */
static bool ge_server_refuse_framing(ge_server *srv, ge_call *call)
{
    ge_framing f = {0};
    const char *header = NULL;
    json_t *p = NULL;

    MHD_get_connection_values(call->req.conn, MHD_HEADER_KIND, ge_server_framing_header, &f);
    if (f.other_length) {
        header = MHD_HTTP_HEADER_CONTENT_LENGTH;
        p = ge_resp_problem(
            &call->resp, &call->req, 400,
            GE_TR(&call->req,
                  DE("Die Anfrage hat Content-Length-Header mit verschiedenen Werten "
                     "('%.32s' und '%.32s'); senden Sie genau einen."),
                  EN("The request has Content-Length headers with different values "
                     "('%.32s' and '%.32s'); send exactly one.")),
            f.length, f.other_length);
    } else if (f.n_length && f.n_coding) {
        header = MHD_HTTP_HEADER_CONTENT_LENGTH;
        p = ge_resp_problem(&call->resp, &call->req, 400,
                            GE_TR(&call->req,
                                  DE("Die Anfrage hat sowohl Content-Length als auch "
                                     "Transfer-Encoding; senden Sie nur einen der beiden."),
                                  EN("The request has both Content-Length and Transfer-Encoding; "
                                     "send only one of them.")));
    } else if (f.n_coding > 1 || (f.n_coding && strcasecmp(f.coding, "chunked") != 0)) {
        header = MHD_HTTP_HEADER_TRANSFER_ENCODING;
        p = ge_resp_problem(&call->resp, &call->req, 400,
                            GE_TR(&call->req,
                                  DE("Transfer-Encoding '%.32s'%s wird nicht unterstützt; nur ein "
                                     "einzelnes 'chunked'."),
                                  EN("Transfer-Encoding '%.32s'%s is not supported; only a single "
                                     "'chunked' is.")),
                            f.coding, f.n_coding > 1 ? " (repeated)" : "");
    }
    if (!header) return false;
    if (p) json_object_set_new(p, "header", json_string(header));
    ge_server_send(srv, call, true);
    return true;
}

/* Step 1: limits that are known from the headers alone. */
static bool ge_server_refuse_early(ge_server *srv, ge_call *call)
{
    const ge_config *cfg = srv->ctx.cfg;
    size_t hdr = ge_server_header_bytes(call->req.conn);
    const char *cl;
    json_t *p;

    if (hdr > cfg->max_header_bytes) {
        p = ge_resp_problem(
            &call->resp, &call->req, 431,
            GE_TR(&call->req,
                  DE("Die Kopfzeilen der Anfrage haben %zu Bytes; die Grenze ist %zu "
                     "Bytes."),
                  EN("The request header fields have %zu bytes; the limit is %zu "
                     "bytes.")),
            hdr, cfg->max_header_bytes);
        if (p) json_object_set_new(p, "limit", json_integer((json_int_t)cfg->max_header_bytes));
        ge_server_send(srv, call, true);
        return true;
    }
    if (ge_server_refuse_framing(srv, call)) return true;
    cl = MHD_lookup_connection_value(call->req.conn, MHD_HEADER_KIND,
                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        unsigned long long n;
        errno = 0;
        n = strtoull(cl, &end, 10);
        if (errno == 0 && end != cl && *end == '\0' && n > cfg->max_body_bytes) {
            p = ge_resp_problem(
                &call->resp, &call->req, 413,
                GE_TR(&call->req,
                      DE("Der Anfragekörper hat %llu Bytes; die Grenze ist %zu "
                         "Bytes."),
                      EN("The request body has %llu bytes; the limit is %zu bytes.")),
                n, cfg->max_body_bytes);
            if (p) json_object_set_new(p, "limit", json_integer((json_int_t)cfg->max_body_bytes));
            /* The body stays unread, so the connection cannot be reused. */
            ge_server_send(srv, call, true);
            return true;
        }
    }
    return false;
}

/* Step 2: one chunk of the body. */
static enum MHD_Result ge_server_receive(ge_server *srv, ge_call *call, const char *data, size_t n)
{
    size_t limit = srv->ctx.cfg->max_body_bytes;
    size_t discard_cap = limit > GE_SERVER_DISCARD_MIN ? limit : GE_SERVER_DISCARD_MIN;

    call->received += n;
    if (call->too_large) {
        if (call->received - limit > discard_cap) {
            ge_log(GE_LOG_WARN, "request body far over the limit: closing the connection",
                   "{s:s, s:I, s:I}", "request_id", call->req.request_id, "received",
                   (json_int_t)call->received, "limit", (json_int_t)limit);
            return MHD_NO;
        }
        return MHD_YES;
    }
    if (call->received > limit) {
        call->too_large = true;
        free(call->body);
        call->body = NULL;
        call->body_len = call->body_cap = 0;
        return MHD_YES;
    }
    if (call->body_len + n + 1 > call->body_cap) {
        size_t cap = call->body_cap ? call->body_cap * 2 : 4096;
        char *grown;
        while (cap < call->body_len + n + 1)
            cap *= 2;
        if (cap > limit + 1) cap = limit + 1;
        grown = realloc(call->body, cap);
        if (!grown) return MHD_NO;
        call->body = grown;
        call->body_cap = cap;
    }
    memcpy(call->body + call->body_len, data, n);
    call->body_len += n;
    call->body[call->body_len] = '\0';
    return MHD_YES;
}

static void ge_server_not_found(ge_call *call)
{
    char path[512];
    json_t *p;

    ge_router_log_path(&call->match, call->path, path, sizeof path);
    p = ge_resp_problem(&call->resp, &call->req, 404,
                        GE_TR(&call->req, DE("Unter %s gibt es keine Ressource."),
                              EN("There is no resource at %s.")),
                        path);
    (void)p;
}

static void ge_server_not_allowed(ge_call *call)
{
    char path[512];
    json_t *p;

    ge_router_log_path(&call->match, call->path, path, sizeof path);
    p = ge_resp_problem(&call->resp, &call->req, 405,
                        GE_TR(&call->req,
                              DE("Die Methode %s ist für %s nicht erlaubt; erlaubt: %s."),
                              EN("The method %s is not allowed for %s; allowed: %s.")),
                        call->method, path, call->match.allow);
    if (p) json_object_set_new(p, "allow", json_string(call->match.allow));
    ge_resp_header(&call->resp, "Allow", call->match.allow);
}

/* OPTIONS on a known path: Allow, and for public routes a CORS preflight. */
static void ge_server_options(ge_call *call)
{
    ge_resp_empty(&call->resp, 204);
    ge_resp_header(&call->resp, "Allow", call->match.allow);
    if (call->match.cors) {
        ge_resp_header(&call->resp, "Access-Control-Allow-Methods", call->match.allow);
        ge_resp_header(&call->resp, "Access-Control-Allow-Headers",
                       "Accept, Accept-Language, Content-Type, If-None-Match");
        ge_resp_header(&call->resp, "Access-Control-Max-Age", "86400");
    }
    ge_resp_cache(&call->resp, "public, max-age=86400");
}

static void ge_server_call_handler(ge_call *call)
{
    const ge_route *route = call->match.route;
    int rc = route->fn(&call->req, &call->resp, route->ud);

    if (rc < 0 && call->resp.status == 0) {
        ge_err err;
        ge_err_set(&err, rc, "handler of %s failed with %s and no response", route->pattern,
                   ge_code_name(rc));
        ge_resp_error(&call->resp, &call->req, &err);
    }
}

/* The budget's gone test: the client closed its end (recv sees the end of
 * the stream) or the connection broke. Bytes waiting (a pipelined request)
 * mean it is still there. A client that half-closes after sending its
 * request looks gone too; HTTP clients do not do that. */
static bool ge_server_client_gone(void *ud)
{
    const ge_call *call = ud;
    char b;
    ssize_t n;

    if (call->fd < 0) return false;
    n = recv(call->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* On a compute thread: the handler under the request's budget, then back
 * to the connection's worker. */
static void ge_server_compute_run(void *ud)
{
    ge_call *call = ud;
    ge_server *srv = call->srv;
    ge_budget_state st;

    ge_budget_begin(srv->ctx.cfg->compute_budget_ms, ge_server_client_gone, call);
    ge_server_call_handler(call);
    st = ge_budget_state_now();
    ge_budget_end();
    if (st != GE_BUDGET_RUNNING) {
        ge_metrics_compute_stopped(srv->ctx.metrics, (int)st);
        call->gone = st == GE_BUDGET_CANCELLED;
        /* What was stopped may have failed anywhere (a GEOS call outside the
         * rule engine reads as a 500): say what happened instead. */
        if (st == GE_BUDGET_SHUTDOWN || call->resp.status >= 500) {
            ge_err err;
            ge_err_set(&err, st == GE_BUDGET_EXHAUSTED ? GE_EBUDGET : GE_ECANCELED,
                       "stopped by the budget");
            ge_resp_clear(&call->resp);
            ge_resp_init(&call->resp);
            ge_resp_error(&call->resp, &call->req, &err);
        }
    }
    call->computing = false;
    call->computed = true;
    /* The daemon's mutex in resume orders these writes before the worker's
     * next look at the call. */
    MHD_resume_connection(call->req.conn);
}

/* Hands the call to the compute pool; false (and a 503 in resp) when its
 * queue is full. */
static bool ge_server_compute_begin(ge_server *srv, ge_call *call)
{
    const union MHD_ConnectionInfo *ci;
    json_t *p;

    if (!ge_compute_reserve(srv->compute)) {
        ge_metrics_compute_refused(srv->ctx.metrics);
        p = ge_resp_problem(&call->resp, &call->req, 503,
                            GE_TR(&call->req,
                                  DE("Der Server prüft bereits %d Anfragen; bitte versuchen Sie es "
                                     "in einer Sekunde erneut."),
                                  EN("The server is checking %d requests already; please try "
                                     "again in a second.")),
                            srv->ctx.cfg->compute_queue);
        if (p) json_object_set_new(p, "retry_after", json_integer(1));
        ge_resp_header(&call->resp, "Retry-After", "1");
        return false;
    }
    ci = MHD_get_connection_info(call->req.conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    call->fd = ci ? ci->connect_fd : -1;
    call->srv = srv;
    call->computing = true;
    MHD_suspend_connection(call->req.conn);
    ge_compute_submit(srv->compute, (ge_compute_job){ge_server_compute_run, call});
    return true;
}

/* Step 3: the whole request is here. */
static void ge_server_dispatch(ge_server *srv, ge_call *call)
{
    ge_req *req = &call->req;
    ge_resp *resp = &call->resp;
    const ge_route_match *m = &call->match;
    bool get = strcmp(call->method, "GET") == 0 || strcmp(call->method, "HEAD") == 0;
    json_t *p;

    if (call->body) {
        req->body = call->body;
        req->body_len = call->body_len;
    }
    if (call->too_large) {
        p = ge_resp_problem(resp, req, 413,
                            GE_TR(req,
                                  DE("Der Anfragekörper überschreitet die Grenze von %zu Bytes."),
                                  EN("The request body exceeds the limit of %zu bytes.")),
                            srv->ctx.cfg->max_body_bytes);
        if (p)
            json_object_set_new(p, "limit", json_integer((json_int_t)srv->ctx.cfg->max_body_bytes));
    } else if (m->kind == GE_MATCH_BAD_PATH) {
        ge_resp_problem(resp, req, 400,
                        GE_TR(req,
                              DE("Der Pfad ist fehlerhaft: ungültige %%-Kodierung, ein kodiertes "
                                 "NUL-Byte oder zu viele Segmente."),
                              EN("The path is malformed: a bad percent-escape, an encoded NUL "
                                 "byte, or too many segments.")));
    } else if (call->bad_query) {
        p = ge_resp_problem(
            resp, req, 400,
            GE_TR(req,
                  DE("Der Abfrageparameter '%s' ist fehlerhaft: ungültige "
                     "%%-Kodierung oder ein kodiertes NUL-Byte."),
                  EN("The query argument '%s' is malformed: a bad percent-escape or "
                     "an encoded NUL byte.")),
            call->bad_query_name);
        if (p) json_object_set_new(p, "parameter", ge_json_string_lossy(call->bad_query_name));
    } else if (m->kind == GE_MATCH_OK && (m->route->flags & GE_ROUTE_COMPUTE) && srv->compute) {
        if (ge_server_compute_begin(srv, call)) return; /* sent when the pool is done */
    } else if (m->kind == GE_MATCH_OK) {
        ge_server_call_handler(call);
    } else if (m->kind == GE_MATCH_NO_METHOD && strcmp(call->method, "OPTIONS") == 0) {
        ge_server_options(call);
    } else if (m->kind == GE_MATCH_NO_METHOD) {
        ge_server_not_allowed(call);
    } else if (get && srv->ctx.web && ge_static_serve(srv->ctx.web, req, resp) == GE_OK) {
        call->metric_route = ge_metrics_route_static(srv->ctx.metrics);
    } else {
        ge_server_not_found(call);
    }
    ge_server_send(srv, call, false);
}

enum MHD_Result ge_server_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    ge_server *srv = cls;
    ge_call *call = *con_cls;

    if (!call) {
        /* The headers are here: from now on the body is due (reaper.h). */
        ge_reaper_headers_done(ge_server_reaper_conn(conn));
        call = ge_server_begin(srv, conn, url, method);
        if (!call) return MHD_NO;
        *con_cls = call;
        if (ge_server_refuse_early(srv, call)) {
            ge_reaper_body_done(ge_server_reaper_conn(conn));
            return call->send_rc == GE_OK ? MHD_YES : MHD_NO;
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        return ge_server_receive(srv, call, upload_data, n);
    }
    if (call->computing) /* not called while suspended; nothing to do if it were */
        return MHD_YES;
    if (call->computed && call->gone) /* logged as 499: never answered */
        return MHD_NO;
    if (call->computed && !call->sent) {
        ge_server_send(srv, call, false);
    } else if (!call->sent) {
        ge_reaper_body_done(ge_server_reaper_conn(conn));
        ge_server_dispatch(srv, call);
    }
    return call->send_rc == GE_OK ? MHD_YES : MHD_NO;
}

static const char *ge_server_termination_name(enum MHD_RequestTerminationCode toe)
{
    switch (toe) {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK:
        return "completed";
    case MHD_REQUEST_TERMINATED_WITH_ERROR:
        return "error";
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
        return "timeout";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
        return "shutdown";
    case MHD_REQUEST_TERMINATED_READ_ERROR:
        return "read error";
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
        return "client abort";
    default:
        return "unknown";
    }
}

/* Step 4: count and log. The path is the redacted one (router.h): no query
 * string, no capability token ever reaches the log. */
void ge_server_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    ge_server *srv = cls;
    ge_call *call = *con_cls;
    char path[512];
    double secs;
    /* Never answered (client gone, connection cut): counted like nginx's 499. */
    int status;

    /* Kept alive, the connection waits for a next request now. */
    ge_reaper_request_done(ge_server_reaper_conn(conn));
    if (!call) return;
    *con_cls = NULL;
    status = call->sent ? call->status : 499;
    secs = ge_server_elapsed(&call->start);
    ge_metrics_request_end(srv->ctx.metrics, call->metric_route, call->method, status, secs);
    ge_router_log_path(&call->match, call->path, path, sizeof path);
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        ge_log(GE_LOG_INFO, "request", "{s:s, s:s, s:s, s:s, s:i, s:I, s:f, s:s, s:s}",
               "request_id", call->req.request_id, "method", call->method, "route", call->req.route,
               "path", path, "status", status, "bytes", (json_int_t)call->bytes, "duration_ms",
               secs * 1000.0, "remote", call->req.remote, "peer", call->req.peer);
    else
        ge_log(GE_LOG_INFO, "request", "{s:s, s:s, s:s, s:s, s:i, s:I, s:f, s:s, s:s, s:s}",
               "request_id", call->req.request_id, "method", call->method, "route", call->req.route,
               "path", path, "status", status, "bytes", (json_int_t)call->bytes, "duration_ms",
               secs * 1000.0, "remote", call->req.remote, "peer", call->req.peer, "aborted",
               ge_server_termination_name(toe));
    ge_server_call_free(call);
}

/* Runs on the connection's worker thread. CLOSED comes before libmicrohttpd
 * closes the socket (reaper.c relies on that). */
void ge_server_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    ge_server *srv = cls;
    if (srv->conncap_on) {
        const union MHD_ConnectionInfo *ai =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ai && toe == MHD_CONNECTION_NOTIFY_STARTED)
            ge_conncap_open(&srv->conncap, ai->client_addr);
        else if (ai && toe == MHD_CONNECTION_NOTIFY_CLOSED)
            ge_conncap_close(&srv->conncap, ai->client_addr);
    }
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        char remote[64];
        ge_metrics_connection_open(srv->ctx.metrics);
        if (srv->reaper && ci) {
            ge_server_remote(conn, remote, sizeof remote);
            *socket_context = ge_reaper_conn_open(srv->reaper, ci->connect_fd, remote);
        }
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        ge_reaper_conn_close(srv->reaper, *socket_context);
        *socket_context = NULL;
        ge_metrics_connection_close(srv->ctx.metrics);
    }
}

/* With trusted_proxies: max_connections_per_ip for every peer but the
 * proxies (conncap.h); refused like libmicrohttpd's own cap. */
enum MHD_Result ge_server_accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    ge_server *srv = cls;
    (void)addrlen;
    if (ge_conncap_admit(&srv->conncap, addr)) return MHD_YES;
    ge_metrics_connection_refused(srv->ctx.metrics);
    ge_log(GE_LOG_WARN, "connection refused: max_connections_per_ip reached", NULL);
    return MHD_NO;
}

/* Leaves the URL raw: the router decodes per segment (so that "%2F" stays
 * inside a parameter) and the query decoder per argument. */
size_t ge_server_unescape_none(void *cls, struct MHD_Connection *conn, char *s)
{
    return strlen(s);
}

/* Replaces runs that look like tokens (router.h) in libmicrohttpd's messages,
 * which may quote a URL. */
static void ge_server_scrub(char *text)
{
    char *p = text;
    while (*p) {
        size_t n = 0;
        while (p[n] && (p[n] == '-' || p[n] == '_' || p[n] == '%' || p[n] == '.' || p[n] == '~' ||
                        p[n] == '=' || (p[n] >= '0' && p[n] <= '9') ||
                        (p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z')))
            n++;
        if (n >= 20) {
            memcpy(p, "{redacted}", 10);
            memmove(p + 10, p + n, strlen(p + n) + 1);
            p += 10;
        } else {
            p += n ? n : 1;
        }
    }
}

/* libmicrohttpd's own messages. Requests it refuses by itself (a header that
 * overflows the connection's memory: 431, a request line too long: 414) and
 * connections it closes at accept (a connection limit) never reach the
 * access handler; this is where they become visible. */
void ge_server_mhd_log(void *cls, const char *fmt, va_list ap)
{
    static const char refused[] = "Error processing request (HTTP response code is ";
    /* accept: over max_connections or max_connections_per_ip (one message for both) */
    static const char limit[] = "Server reached connection limit";
    ge_server *srv = cls;
    char text[512];
    size_t n;

    vsnprintf(text, sizeof text, fmt, ap);
    n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        text[--n] = '\0';
    if (strncmp(text, limit, sizeof limit - 1) == 0) {
        ge_metrics_connection_refused(srv->ctx.metrics);
        ge_log(GE_LOG_WARN, "connection refused: max_connections or max_connections_per_ip reached",
               NULL);
        return;
    }
    if (strncmp(text, refused, sizeof refused - 1) == 0) {
        int status = atoi(text + sizeof refused - 1);
        ge_metrics_request_refused(srv->ctx.metrics, status);
        ge_log(GE_LOG_WARN, "request refused by libmicrohttpd", "{s:i}", "status", status);
        return;
    }
    ge_server_scrub(text);
    ge_log(GE_LOG_WARN, "libmicrohttpd", "{s:s}", "detail", text);
}
