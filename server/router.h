/*
 * router.h - the route table: method + path pattern -> handler.
 *
 * A pattern is a path of '/'-separated segments; a segment is either literal
 * text or a parameter "{name}" that matches one whole non-empty segment:
 *
 *   ge_router_add(r, "GET", "/collections/{id}/items/{featureId}", fn, ud);
 *   ge_router_add(r, "GET", "/collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}", fn, ud);
 *
 * Matching splits the raw request path at '/', then percent-decodes each
 * segment, so "%2F" inside a parameter stays part of that parameter. Among
 * routes whose pattern fits the path, the one with a literal segment earliest
 * wins over one with a parameter there ("/v1/cases/export" beats
 * "/v1/cases/{id}"). HEAD is answered by the GET route of a path unless a HEAD
 * route exists.
 *
 * The pattern is the route's name: it labels metrics and the access log, so
 * their cardinality is bounded by the table, never by what clients send.
 *
 * Secrets in paths: a parameter whose name contains "token" or "key" (for
 * example "/edit/{token}") is never written to a log; the access log shows
 * "{token}" in its place.
 *
 * The table is filled at start-up by one thread and read-only afterwards, so
 * matching needs no lock.
 */
#ifndef GE_ROUTER_H
#define GE_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "../geo/core/error.h"

struct ge_req;
struct ge_resp;

/*
 * A handler fills resp (with the ge_resp_* builders of http.h) and returns
 * GE_OK, or a negative GE_E* code when it failed; a handler that fails
 * without filling resp gets a generic 500 problem. ud is the pointer given to
 * ge_router_add().
 */
typedef int (*ge_handler_fn)(struct ge_req *req, struct ge_resp *resp, void *ud);

enum {
    /* public data: any origin may read it (Access-Control-Allow-Origin: *) */
    GE_ROUTE_CORS = 1 << 0,
    /* runs the rule engine: handled on the compute pool under a cost budget
     * (compute.h), never on an HTTP worker */
    GE_ROUTE_COMPUTE = 1 << 1
};

#define GE_ROUTER_MAX_PARAMS   8
#define GE_ROUTER_MAX_SEGMENTS 32

typedef struct ge_router ge_router;

typedef struct ge_route {
    char method[16];
    char pattern[256];
    size_t name_index; /* index of the pattern among the table's distinct patterns */
    ge_handler_fn fn;
    void *ud;
    unsigned flags;
} ge_route;

typedef struct ge_param {
    const char *name;  /* from the pattern */
    const char *value; /* percent-decoded */
    bool secret;       /* never logged */
} ge_param;

typedef enum ge_match_kind {
    GE_MATCH_OK,        /* route is set */
    GE_MATCH_NO_PATH,   /* no pattern fits the path: 404 */
    GE_MATCH_NO_METHOD, /* a pattern fits, but not for this method: 405 (allow lists them) */
    GE_MATCH_BAD_PATH   /* malformed percent-encoding, an encoded NUL, or too many segments: 400 */
} ge_match_kind;

typedef struct ge_route_match {
    ge_match_kind kind;
    /* OK: the route to run. NO_METHOD: the most specific route of the path,
     * for metric labels and logs only; never run it. Otherwise NULL. */
    const ge_route *route;
    ge_param params[GE_ROUTER_MAX_PARAMS];
    size_t n_params;
    char allow[128]; /* "GET, HEAD, OPTIONS" for NO_METHOD and OK */
    bool cors;       /* some route of this path has GE_ROUTE_CORS */
    char *storage;   /* decoded segments; owned, freed by ge_route_match_clear */
} ge_route_match;

ge_router *ge_router_new(void);
void ge_router_free(ge_router *r);

/* GE_EINVAL for a malformed pattern or method, GE_ECONFLICT for a duplicate. */
int ge_router_add(ge_router *r, const char *method, const char *pattern, ge_handler_fn fn, void *ud,
                  ge_err *err);
int ge_router_add_flags(ge_router *r, const char *method, const char *pattern, ge_handler_fn fn,
                        void *ud, unsigned flags, ge_err *err);

/*
 * Matches a raw (still percent-encoded) path without query string. Always
 * fills m (call ge_route_match_clear afterwards); returns GE_ENOMEM only when
 * the decoding buffer could not be allocated.
 */
int ge_router_match(const ge_router *r, const char *method, const char *path, ge_route_match *m);
void ge_route_match_clear(ge_route_match *m);

/* Parameter value by name, or NULL. */
const char *ge_route_match_param(const ge_route_match *m, const char *name);

/* The distinct patterns in order of first registration: the metric labels. */
size_t ge_router_name_count(const ge_router *r);
const char *ge_router_name(const ge_router *r, size_t i);

/*
 * Percent-decodes len bytes of in into out (at least len + 1 bytes), NUL
 * terminated. GE_EINVAL for a bad escape or an encoded NUL byte. '+' stays
 * '+': in a path it is not a space.
 */
int ge_router_pct_decode(const char *in, size_t len, char *out, size_t *out_len);

/*
 * Writes the path for logs: the route's pattern with parameter values filled
 * in, secret ones left as "{name}". For unmatched paths, segments that look
 * like tokens (20 or more URL-safe base64 characters) become "{redacted}".
 * The result is cut to out_size.
 */
void ge_router_log_path(const ge_route_match *m, const char *raw_path, char *out, size_t out_size);

#endif
