/*
 * http.h - what a handler sees of HTTP: the request (ge_req), the response it
 * builds (ge_resp), RFC 7807 problem responses, German/English strings, and
 * the mapping of GE_E* codes to statuses.
 *
 * A handler never touches libmicrohttpd. It reads the request through the
 * ge_req_* accessors and fills the response with exactly one body builder:
 *
 *   static int get_layer(ge_req *req, ge_resp *resp, void *ud)
 *   {
 *       ge_err err;
 *       json_t *doc;
 *       if (load_layer(req->ctx->store, ge_req_param(req, "id"), &doc, &err) < 0)
 *           return ge_resp_error(resp, req, &err);     // ENOENT -> 404 problem, ...
 *       return ge_resp_json(resp, 200, doc);            // takes the reference
 *   }
 *
 * A bad parameter names itself:
 *
 *   json_t *p = ge_resp_problem(resp, req, 400,
 *                               GE_TR(req, DE("limit muss zwischen 1 und %d liegen"),
 *                                          EN("limit must be from 1 to %d")), max);
 *   json_object_set_new(p, "parameter", json_string("limit"));
 *   return GE_EINVAL;
 *
 * The server then adds what every response gets (security headers, default
 * Cache-Control, gzip, conditional GET on ETag, X-Request-Id); see
 * http_send.c.
 */
#ifndef GE_HTTP_H
#define GE_HTTP_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../geo/core/error.h"
#include "../geo/core/text.h"
#include "../geo/store/store.h"
#include "config.h"
#include "router.h"

struct MHD_Connection;
struct ge_metrics;
struct ge_static;
struct ge_services;
struct ge_refindex;
struct ge_refdata;

typedef struct ge_resp ge_resp;

typedef struct ge_ctx_cleanup {
    void (*fn)(void *ud);
    void *ud;
} ge_ctx_cleanup;

/* What every handler can reach: one per server, shared by all threads. */
typedef struct ge_ctx {
    const ge_config *cfg;
    ge_store *store;
    struct ge_metrics *metrics;
    ge_router *router;
    struct ge_static *web;        /* NULL when cfg->web_root does not exist */
    atomic_bool draining;         /* SIGTERM seen: finishing in-flight requests */
    double started_at;            /* Unix time of start-up */
    struct ge_services *services; /* loaded at start-up, immutable (geo/rules/service.h) */
    struct ge_refindex *refindex; /* reference layers in memory; acquire a snapshot per request */
    struct ge_refdata *refdata;   /* keeps refindex current after imports (refdata.h) */
    struct ge_tile_cache *tiles;  /* the tile handlers' cache, for /metrics; NULL before them */
    ge_ctx_cleanup *cleanups;     /* run in reverse order after the server stopped */
    size_t n_cleanups;
    char self_url[128]; /* "http://<bind>:<port>" as bound; links without public_url */
    /* The one clock the use cases read (geo/app/app.h); NULL: the real one. */
    time_t (*clock)(void *ud);
    void *clock_ud;
} ge_ctx;

/* Registers fn(ud) to run once the server has stopped (handler module state). */
int ge_ctx_on_stop(ge_ctx *ctx, void (*fn)(void *ud), void *ud);

/* Now, by the server's clock (the one its use cases read): the time the
 * sessions, the webhook sender, exports and retention go by. */
time_t ge_ctx_now(const ge_ctx *ctx);

/* The languages of user-facing strings. English is the default. */
typedef enum ge_lang { GE_LANG_EN = 0, GE_LANG_DE = 1 } ge_lang;

/* Picks the text for the request's language from a labelled pair, German
 * first: GE_TR(req, DE("Ungültig: %s"), EN("Invalid: %s")). Literals stay
 * literals, so printf-style format checks see both; swapped or unlabelled
 * texts do not compile (geo/core/text.h). */
#define GE_TR(req, de, en) GE_PICK(ge_req_lang(req) == GE_LANG_DE, de, en)

typedef struct ge_query_arg {
    char *name;  /* percent-decoded, '+' as space */
    char *value; /* "" for "?flag" */
} ge_query_arg;

typedef struct ge_req {
    const ge_ctx *ctx;
    const char *method; /* as sent: "GET", "HEAD", "POST", ... */
    const char *path;   /* raw path without query string, still percent-encoded */
    const char *route;  /* the matched pattern, or "unmatched" */
    const ge_route_match *match;
    const char *body; /* NUL-terminated copy of the request body, "" if none */
    size_t body_len;
    ge_lang lang;        /* from Accept-Language */
    char request_id[24]; /* also in the X-Request-Id header and the access log */
    char remote[64];     /* client address (forwarded.h: behind a trusted proxy, the one it
                            names); the login throttle, metrics_allow and logs go by it */
    char peer[64];       /* the socket's address (the proxy's, behind one) */

    /* internal */
    struct MHD_Connection *conn;
    ge_query_arg *query;
    size_t n_query;
} ge_req;

/* The request's language; English for NULL (a helper of GE_TR). */
static inline ge_lang ge_req_lang(const ge_req *req)
{
    return req ? req->lang : GE_LANG_EN;
}

/* The half of t in the request's language. */
static inline const char *ge_req_text(const ge_req *req, ge_text t)
{
    return ge_text_pick(t, ge_req_lang(req) == GE_LANG_DE);
}

/* A path parameter, percent-decoded; NULL when the route has none of that name. */
const char *ge_req_param(const ge_req *req, const char *name);

/* The first query argument of that name, decoded; NULL when absent. */
const char *ge_req_query(const ge_req *req, const char *name);

/* Every query argument, in order (for "unknown parameter" checks). */
size_t ge_req_query_count(const ge_req *req);
const ge_query_arg *ge_req_query_at(const ge_req *req, size_t i);

/* A request header by name (case-insensitive); NULL when absent. */
const char *ge_req_header(const ge_req *req, const char *name);

/*
 * Parses text (a query argument or path parameter named name) as a decimal
 * integer in [min, max]. NULL text gives GE_ENOENT and leaves resp alone (the
 * caller applies its default); anything else that is not such an integer
 * fills resp with a 400 problem naming the parameter, the range and the value
 * ("parameter" member included) and returns GE_EINVAL.
 */
int ge_req_parse_long(const ge_req *req, ge_resp *resp, const char *name, const char *text,
                      long min, long max, long *out);

/*
 * The URL clients reach us at, without a trailing '/', for every link in a
 * response (editor_url, OGC API links, styles, TileJSON): cfg->public_url
 * when set. Without it the server listens on loopback only (server.c refuses
 * to start otherwise), and the link is "http://" + the Host header when that
 * names a loopback host (ge_http_host_is_loopback: a browser on this machine,
 * e.g. at localhost:8080), else ctx->self_url ("http://127.0.0.1:8080").
 * Any other Host is client input that must not shape links: behind a proxy
 * that passes Host on, "Host: evil.example" would otherwise hand applicants
 * an editor link to evil.example.
 */
void ge_req_base_url(const ge_req *req, char *out, size_t size);

/* Is host (a Host header: host[:port]) localhost, an address in
 * 127.0.0.0/8 or [::1], with at most a numeric port? */
bool ge_http_host_is_loopback(const char *host);

/*
 * Parses the body as JSON. On failure fills resp with a 400 problem that says
 * where the JSON is broken (line, column) and returns GE_EINVAL.
 */
int ge_req_body_json(const ge_req *req, ge_resp *resp, json_t **out);

/* ---- responses ---------------------------------------------------------- */

typedef enum ge_body_kind { GE_BODY_NONE, GE_BODY_BYTES, GE_BODY_FILE } ge_body_kind;

typedef struct ge_header {
    char *name;
    char *value;
} ge_header;

struct ge_resp {
    int status; /* 0 until a builder ran */
    ge_body_kind kind;
    char *body; /* GE_BODY_BYTES: malloc'd, owned */
    size_t body_len;
    int fd; /* GE_BODY_FILE: owned, closed by the server */
    uint64_t fd_size;
    char content_type[128];
    bool compressible;  /* may be gzipped on the way out */
    bool precompressed; /* body is already gzip (Content-Encoding set) */
    char etag[96];      /* quoted entity tag, "" for none */
    json_t *problem;    /* a problem document, serialised when the response is sent */
    ge_header *headers;
    size_t n_headers;
    void (*on_done)(void *ud); /* ge_resp_on_done */
    void *on_done_ud;
};

void ge_resp_init(ge_resp *resp);
void ge_resp_clear(ge_resp *resp);

/* A JSON document (takes the reference, also on failure). */
int ge_resp_json(ge_resp *resp, int status, json_t *doc);
/* The same with another media type, e.g. "application/geo+json". */
int ge_resp_json_as(ge_resp *resp, int status, json_t *doc, const char *content_type);
/* Copies len bytes. */
int ge_resp_bytes(ge_resp *resp, int status, const char *content_type, const void *data,
                  size_t len);
/* Takes a malloc'd buffer (freed also on failure). */
int ge_resp_take(ge_resp *resp, int status, const char *content_type, char *data, size_t len);
/* An open file of size bytes (the fd is closed by the response, also on failure). */
int ge_resp_file(ge_resp *resp, int status, const char *content_type, int fd, uint64_t size);
/* No body (204, redirects). A 304 goes through ge_resp_not_modified. */
int ge_resp_empty(ge_resp *resp, int status);
/*
 * 304 Not Modified for a representation of content_type: no body, but the
 * response remembers the type so that the server adds the headers the 200
 * would have carried (the HTML or the non-HTML Content-Security-Policy,
 * Vary: Accept-Encoding for a compressible type); a 304 replaces the headers
 * a cache holds for the page (RFC 9110 15.4.5, RFC 9111 4.3.4), so a wrong
 * one breaks the cached page. Content-Type itself is not sent with a 304.
 * Set the headers the 200 would carry (Cache-Control, Vary, ETag,
 * Content-Security-Policy) as for the 200; the server writes the ETag in
 * the form (plain or "-gz") that the client's If-None-Match named.
 */
int ge_resp_not_modified(ge_resp *resp, const char *content_type);

/*
 * Runs fn(ud) once when the request is over: its response handed to the
 * kernel to the last byte, or given up (send error, client gone, timeout,
 * shutdown), or never sent. For what a handler holds beyond its return, such
 * as a slot of a limited resource whose file is still being sent. One per
 * response; ge_resp_clear runs it, and the server clears a request's
 * response only when the request is over.
 */
void ge_resp_on_done(ge_resp *resp, void (*fn)(void *ud), void *ud);

/* Sets (replacing) a response header. Content-Type and ETag have their own fields. */
int ge_resp_header(ge_resp *resp, const char *name, const char *value);
const char *ge_resp_header_get(const ge_resp *resp, const char *name);

/* Cache-Control; without it a response gets "no-store". */
void ge_resp_cache(ge_resp *resp, const char *cache_control);

/* A strong entity tag; the quotes are added. If-None-Match then gives 304. */
void ge_resp_etag(ge_resp *resp, const char *opaque);
/* A strong entity tag from a hash of the body (for GE_BODY_BYTES). */
void ge_resp_etag_body(ge_resp *resp);

/* Does If-None-Match name this opaque tag (or "*")? Lets a handler skip work.
 * The gzip form "<opaque>-gz" counts as the same (see http_send.c). */
bool ge_req_etag_matches(const ge_req *req, const char *opaque);

/*
 * The entity tag, quoted, in the form If-None-Match names it: "<base>-gz" or
 * "<base>", where base is opaque without a trailing "-gz". When it names both,
 * the gzip form if prefer_gz. Writes out and returns true, or returns false
 * when it names neither (absent, "*", other tags).
 */
bool ge_req_etag_named(const ge_req *req, const char *opaque, bool prefer_gz, char *out,
                       size_t size);

/*
 * What an If-None-Match value (a list of entity tags, or "*") names of the
 * tag opaque (olen bytes), as GE_ETAG_* bits; weak comparison (RFC 9110
 * 13.1.2): "W/" is ignored. The scan stops at the first item that is not a
 * quoted tag or "*". The two functions above use it; tests/fuzz feeds it.
 */
#define GE_ETAG_ANY   1u /* "*" */
#define GE_ETAG_PLAIN 2u /* "<opaque>" */
#define GE_ETAG_GZ    4u /* "<opaque>-gz" */
unsigned ge_etag_list_scan(const char *header, const char *opaque, size_t olen);

/* ---- problems (RFC 7807) ------------------------------------------------ */

/*
 * Fills resp with an application/problem+json body: type, title (in the
 * request's language), status, detail (printf-style; say which member, value
 * or limit) and instance (the request path). Returns the problem object so
 * that extension members can be added ("parameter", "limit", ...), or NULL
 * when memory ran out (resp then holds a minimal problem).
 */
json_t *ge_resp_problem(ge_resp *resp, const ge_req *req, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * A problem from a ge_err: the code gives the status (ge_http_status_for_code),
 * the message becomes the detail. Server errors (EIO, ENOMEM, EINTERNAL) get a
 * generic detail that names the request id; their message goes to the log
 * only, so that no path, SQL or library text reaches the client. Returns
 * err->code, so "return ge_resp_error(resp, req, &err);" reads naturally.
 */
int ge_resp_error(ge_resp *resp, const ge_req *req, const ge_err *err);

/* EINVAL 400, ENOENT 404, ECONFLICT 409, EGONE 410, ELIMIT 422, other 500. */
int ge_http_status_for_code(int code);

/* The status's title in a language ("Not Found" / "Nicht gefunden"). */
const char *ge_http_status_title(int status, ge_lang lang);

/* The problem "type" URI for a status ("urn:geoeditor:problem:not-found"). */
const char *ge_http_problem_type(int status);

/* Accept-Language -> GE_LANG_DE when German is preferred over English. */
ge_lang ge_http_lang_from_header(const char *accept_language);

/* The same with another default: the language when the header names neither
 * German nor English (or is absent). */
ge_lang ge_http_lang_from_header_or(const char *accept_language, ge_lang fallback);

/* Does Accept-Encoding accept gzip (q > 0)? */
bool ge_http_accepts_gzip(const char *accept_encoding);

#endif
