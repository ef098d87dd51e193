/*
 * http_send.c - the last step of every request: a finished ge_resp becomes a
 * libmicrohttpd response, with what every response gets.
 *
 *  - Problems are serialised here, so handlers could add members until now.
 *  - Conditional GET: a 200 whose ETag the client already has becomes 304.
 *    A 304 (made here or by a handler through ge_resp_not_modified) carries
 *    the headers the 200 would have: a browser replaces the cached page's
 *    headers with them, so a 304 with the non-HTML policy would block the
 *    scripts of a cached HTML page. Its ETag names the client's copy.
 *  - gzip: text bodies of 1 KiB or more when Accept-Encoding allows it; the
 *    ETag then carries "-gz" (a different representation, RFC 9110 8.8.3).
 *  - Security headers: nosniff; Referrer-Policy no-referrer (editor URLs hold
 *    capability tokens that must not leak to third parties through the
 *    Referer header); a Content-Security-Policy unless the handler set one:
 *    a self-only policy for HTML, "default-src 'none'" for everything else.
 *  - Cache-Control "no-store" unless the handler chose: case data must not
 *    sit in shared caches by accident; public data opts in to caching.
 *  - X-Request-Id, CORS for public routes, "Connection: close" while draining.
 */
#include "http.h"
#include "http_send.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "log.h"

#define GE_HTTP_GZIP_MIN 1024

static const char ge_http_csp_html[] =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'self'";
static const char ge_http_csp_other[] = "default-src 'none'; frame-ancestors 'none'";

/* Compresses the body in place when that makes it smaller. */
static void ge_http_gzip(ge_resp *resp)
{
    z_stream zs;
    uLong bound;
    unsigned char *out = NULL;

    memset(&zs, 0, sizeof zs);
    /* windowBits 15 + 16: a gzip wrapper, not raw zlib; level 6 is zlib's
     * default trade-off between time and size. */
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return;
    bound = deflateBound(&zs, (uLong)resp->body_len) + 32;
    out = malloc(bound);
    if (!out) goto err;
    zs.next_in = (unsigned char *)resp->body;
    zs.avail_in = (uInt)resp->body_len;
    zs.next_out = out;
    zs.avail_out = (uInt)bound;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END || zs.total_out >= resp->body_len) goto err;
    free(resp->body);
    resp->body = (char *)out;
    resp->body_len = zs.total_out;
    deflateEnd(&zs);
    ge_resp_header(resp, "Content-Encoding", "gzip");
    if (resp->etag[0]) {
        size_t n = strlen(resp->etag);
        if (n + 3 < sizeof resp->etag) /* "abc" -> "abc-gz" */
            memcpy(resp->etag + n - 1, "-gz\"", 5);
    }
    return;
err:
    free(out);
    deflateEnd(&zs);
}

/* Serialises a problem document into the body. */
static void ge_http_finish_problem(ge_resp *resp)
{
    json_t *p = resp->problem;
    char *text;
    int status = resp->status;

    resp->problem = NULL;
    text = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(p);
    if (text)
        ge_resp_take(resp, status, "application/problem+json", text, strlen(text));
    else
        ge_resp_bytes(resp, 500, "application/problem+json", "{\"status\":500}", 14);
}

/* Would this body be gzipped on the way out (ge_http_gzip may still keep
 * it plain when compression does not make it smaller)? */
static bool ge_http_wants_gzip(const ge_req *req, const ge_resp *resp)
{
    return resp->kind == GE_BODY_BYTES && resp->compressible && !resp->precompressed &&
           resp->body_len >= GE_HTTP_GZIP_MIN &&
           ge_http_accepts_gzip(ge_req_header(req, "Accept-Encoding"));
}

/* If-None-Match on a 200 with an ETag: the client's copy is current. The 304
 * keeps the type and the headers of the 200 (see ge_resp_not_modified). */
static void ge_http_conditional(const ge_req *req, ge_resp *resp)
{
    char opaque[sizeof resp->etag], type[sizeof resp->content_type];
    size_t n = strlen(resp->etag);
    bool compressible = resp->compressible;

    if (resp->status != 200 || n < 2 || !req->conn) return;
    memcpy(opaque, resp->etag + 1, n - 2);
    opaque[n - 2] = '\0';
    if (ge_req_etag_matches(req, opaque)) {
        if (ge_http_wants_gzip(req, resp) && n + 3 < sizeof resp->etag)
            memcpy(resp->etag + n - 1, "-gz\"", 5); /* the tag the 200 would carry */
        memcpy(type, resp->content_type, sizeof type);
        ge_resp_not_modified(resp, type);
        resp->compressible = compressible; /* Vary as for the 200 */
    }
}

/*
 * The ETag of a 304 in the form the client named it: "<tag>-gz" for its
 * gzipped copy, "<tag>" for a plain one. A cache updates the stored response
 * whose validator the 304 carries (RFC 9111 4.3.4); a handler that answers
 * 304 before it knows the encoding the 200 would have had sets the plain tag.
 */
static void ge_http_not_modified_etag(const ge_req *req, ge_resp *resp)
{
    char opaque[sizeof resp->etag], named[sizeof resp->etag];
    size_t n = strlen(resp->etag);

    if (resp->status != 304 || n < 2) return;
    memcpy(opaque, resp->etag + 1, n - 2);
    opaque[n - 2] = '\0';
    if (ge_req_etag_named(req, opaque, ge_http_accepts_gzip(ge_req_header(req, "Accept-Encoding")),
                          named, sizeof named))
        memcpy(resp->etag, named, sizeof named);
}

static struct MHD_Response *ge_http_mhd_response(ge_resp *resp, uint64_t *bytes)
{
    struct MHD_Response *r = NULL;

    switch (resp->kind) {
    case GE_BODY_BYTES:
        r = MHD_create_response_from_buffer(resp->body_len, resp->body, MHD_RESPMEM_MUST_FREE);
        if (r) {
            resp->body = NULL; /* libmicrohttpd frees it with free() */
            *bytes = resp->body_len;
        }
        break;
    case GE_BODY_FILE:
        r = MHD_create_response_from_fd64(resp->fd_size, resp->fd);
        if (r) {
            resp->fd = -1; /* libmicrohttpd closes it */
            *bytes = resp->fd_size;
        }
        break;
    case GE_BODY_NONE:
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        *bytes = 0;
        break;
    }
    return r;
}

static void ge_http_add(struct MHD_Response *r, const char *name, const char *value)
{
    /* libmicrohttpd refuses values with CR or LF: a handler's header cannot
     * split the response. Say so instead of silently dropping it. */
    if (MHD_add_response_header(r, name, value) != MHD_YES)
        ge_log(GE_LOG_WARN, "response header refused", "{s:s}", "header", name);
}

static void ge_http_add_headers(struct MHD_Response *r, const ge_req *req, const ge_resp *resp,
                                const ge_http_send_opts *opts)
{
    const ge_route *route =
        req->match && req->match->kind == GE_MATCH_OK ? req->match->route : NULL;

    /* A 304 has no body: its content type only chose the defaults below. */
    bool body = resp->status != 304;

    if (resp->content_type[0] && body)
        ge_http_add(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
    if (resp->etag[0]) ge_http_add(r, MHD_HTTP_HEADER_ETAG, resp->etag);
    for (size_t i = 0; i < resp->n_headers; i++)
        if (body || strcasecmp(resp->headers[i].name, MHD_HTTP_HEADER_CONTENT_ENCODING) != 0)
            ge_http_add(r, resp->headers[i].name, resp->headers[i].value);
    if (!ge_resp_header_get(resp, "Cache-Control"))
        ge_http_add(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (!ge_resp_header_get(resp, "Content-Security-Policy"))
        ge_http_add(r, "Content-Security-Policy",
                    strncmp(resp->content_type, "text/html", 9) == 0 ? ge_http_csp_html
                                                                     : ge_http_csp_other);
    ge_http_add(r, "X-Content-Type-Options", "nosniff");
    ge_http_add(r, "Referrer-Policy", "no-referrer");
    if (req->request_id[0]) ge_http_add(r, "X-Request-Id", req->request_id);
    if (((route && (route->flags & GE_ROUTE_CORS)) || opts->cors) &&
        !ge_resp_header_get(resp, "Access-Control-Allow-Origin")) {
        ge_http_add(r, "Access-Control-Allow-Origin", "*");
        ge_http_add(r, "Access-Control-Expose-Headers", "ETag, Link, Content-Crs, X-Request-Id");
    }
    if (resp->compressible && !ge_resp_header_get(resp, "Vary"))
        ge_http_add(r, "Vary", "Accept-Encoding");
    if (opts->close) ge_http_add(r, MHD_HTTP_HEADER_CONNECTION, "close");
}

int ge_http_send(const ge_req *req, ge_resp *resp, const ge_http_send_opts *opts, int *status_out,
                 uint64_t *bytes_out)
{
    struct MHD_Response *r;
    enum MHD_Result q;
    uint64_t bytes = 0;

    if (resp->status == 0)
        ge_resp_problem(resp, req, 500,
                        GE_TR(req, DE("Der Server hat keine Antwort erzeugt (Referenz %s)."),
                              EN("The server produced no response (reference %s).")),
                        req->request_id);
    if (resp->problem) ge_http_finish_problem(resp);
    ge_http_conditional(req, resp);
    ge_http_not_modified_etag(req, resp);
    if (ge_http_wants_gzip(req, resp)) ge_http_gzip(resp);

    r = ge_http_mhd_response(resp, &bytes);
    if (!r) {
        ge_log(GE_LOG_ERROR, "cannot create response", "{s:s}", "request_id", req->request_id);
        *status_out = 500;
        *bytes_out = 0;
        return GE_ENOMEM;
    }
    ge_http_add_headers(r, req, resp, opts);
    q = MHD_queue_response(req->conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    *status_out = resp->status;
    /* libmicrohttpd sends no body for HEAD, only its Content-Length. */
    *bytes_out = req->method && strcmp(req->method, "HEAD") == 0 ? 0 : bytes;
    return q == MHD_YES ? GE_OK : GE_EIO;
}
