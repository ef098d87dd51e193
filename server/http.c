/*
 * http.c - requests, response builders and RFC 7807 problems (see http.h).
 *
 * Nothing here talks to the network: http_send.c turns a finished ge_resp
 * into a libmicrohttpd response. Keeping the builders free of libmicrohttpd
 * lets handlers be written (and unit-tested) against plain structs.
 */
#include "http.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../geo/app/app.h"
#include "../geo/core/json_util.h"
#include "log.h"

int ge_ctx_on_stop(ge_ctx *ctx, void (*fn)(void *ud), void *ud)
{
    ge_ctx_cleanup *grown = realloc(ctx->cleanups, (ctx->n_cleanups + 1) * sizeof *grown);
    if (!grown) return GE_ENOMEM;
    ctx->cleanups = grown;
    ctx->cleanups[ctx->n_cleanups].fn = fn;
    ctx->cleanups[ctx->n_cleanups].ud = ud;
    ctx->n_cleanups++;
    return GE_OK;
}

time_t ge_ctx_now(const ge_ctx *ctx)
{
    ge_app app = {.clock = ctx->clock, .clock_ud = ctx->clock_ud};
    return ge_app_now(&app);
}

/* ---- requests ----------------------------------------------------------- */

const char *ge_req_param(const ge_req *req, const char *name)
{
    return req->match ? ge_route_match_param(req->match, name) : NULL;
}

const char *ge_req_query(const ge_req *req, const char *name)
{
    for (size_t i = 0; i < req->n_query; i++)
        if (strcmp(req->query[i].name, name) == 0) return req->query[i].value;
    return NULL;
}

size_t ge_req_query_count(const ge_req *req)
{
    return req->n_query;
}

const ge_query_arg *ge_req_query_at(const ge_req *req, size_t i)
{
    return i < req->n_query ? &req->query[i] : NULL;
}

const char *ge_req_header(const ge_req *req, const char *name)
{
    if (!req->conn) return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

int ge_req_parse_long(const ge_req *req, ge_resp *resp, const char *name, const char *text,
                      long min, long max, long *out)
{
    char *end;
    long v;
    json_t *p;

    if (!text) return GE_ENOENT;
    errno = 0;
    v = strtol(text, &end, 10);
    /* strtol alone would take " 12", "+12" and "12abc"; none is a clean integer */
    if (errno == 0 && end != text && *end == '\0' &&
        (isdigit((unsigned char)text[0]) || (text[0] == '-' && isdigit((unsigned char)text[1]))) &&
        v >= min && v <= max) {
        *out = v;
        return GE_OK;
    }
    p = ge_resp_problem(
        resp, req, 400,
        GE_TR(req, DE("%s muss eine ganze Zahl von %ld bis %ld sein; angegeben: '%.64s'."),
              EN("%s must be an integer from %ld to %ld; got '%.64s'.")),
        name, min, max, text);
    if (p) {
        json_object_set_new(p, "parameter", ge_json_string_lossy(name));
        json_object_set_new(p, "minimum", json_integer(min));
        json_object_set_new(p, "maximum", json_integer(max));
    }
    return GE_EINVAL;
}

bool ge_http_host_is_loopback(const char *host)
{
    char name[64];
    const char *port = NULL;
    size_t n;
    unsigned char a[16];

    if (!host) return false;
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        if (!close) return false;
        n = (size_t)(close - host - 1);
        if (close[1] == ':')
            port = close + 2;
        else if (close[1] != '\0')
            return false;
        if (n == 0 || n >= sizeof name) return false;
        memcpy(name, host + 1, n);
        name[n] = '\0';
        if (inet_pton(AF_INET6, name, a) != 1 || !IN6_IS_ADDR_LOOPBACK((struct in6_addr *)a))
            return false;
    } else {
        const char *colon = strchr(host, ':');
        n = colon ? (size_t)(colon - host) : strlen(host);
        if (colon) port = colon + 1;
        if (n == 0 || n >= sizeof name) return false;
        memcpy(name, host, n);
        name[n] = '\0';
        if (strcasecmp(name, "localhost") != 0 &&
            !(inet_pton(AF_INET, name, a) == 1 && a[0] == 127))
            return false;
    }
    if (port) {
        size_t digits = strspn(port, "0123456789");
        if (digits == 0 || digits > 5 || port[digits] != '\0') return false;
    }
    return true;
}

void ge_req_base_url(const ge_req *req, char *out, size_t size)
{
    const ge_ctx *ctx = req->ctx;
    const char *pub = ctx && ctx->cfg ? ctx->cfg->public_url : "";
    const char *host = ge_req_header(req, "Host");
    size_t n;

    if (pub[0])
        snprintf(out, size, "%s", pub);
    else if (ge_http_host_is_loopback(host))
        snprintf(out, size, "http://%s", host);
    else if (ctx && ctx->self_url[0])
        snprintf(out, size, "%s", ctx->self_url);
    else
        snprintf(out, size, "http://localhost");
    n = strlen(out);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
}

int ge_req_body_json(const ge_req *req, ge_resp *resp, json_t **out)
{
    json_error_t jerr;
    json_t *p;

    *out = NULL;
    if (req->body_len == 0) {
        ge_resp_problem(resp, req, 400,
                        GE_TR(req,
                              DE("Der Anfragekörper ist leer; erwartet wird ein JSON-Dokument."),
                              EN("The request body is empty; a JSON document is expected.")));
        return GE_EINVAL;
    }
    /* Duplicate keys are rejected: which of two "features" members counts would
     * otherwise depend on the parser. */
    *out = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (*out) return GE_OK;
    p = ge_resp_problem(
        resp, req, 400,
        GE_TR(req, DE("Der Anfragekörper ist kein gültiges JSON: %s (Zeile %d, Spalte %d)."),
              EN("The request body is not valid JSON: %s (line %d, column %d).")),
        jerr.text, jerr.line, jerr.column);
    if (p) {
        json_object_set_new(p, "line", json_integer(jerr.line));
        json_object_set_new(p, "column", json_integer(jerr.column));
    }
    return GE_EINVAL;
}

/* ---- responses ---------------------------------------------------------- */

void ge_resp_init(ge_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->fd = -1;
}

static void ge_resp_clear_body(ge_resp *resp)
{
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
    if (resp->fd >= 0) close(resp->fd);
    resp->fd = -1;
    resp->fd_size = 0;
    json_decref(resp->problem);
    resp->problem = NULL;
    resp->kind = GE_BODY_NONE;
    resp->compressible = false;
    resp->precompressed = false;
}

void ge_resp_clear(ge_resp *resp)
{
    if (resp->on_done) resp->on_done(resp->on_done_ud);
    ge_resp_clear_body(resp);
    for (size_t i = 0; i < resp->n_headers; i++) {
        free(resp->headers[i].name);
        free(resp->headers[i].value);
    }
    free(resp->headers);
    ge_resp_init(resp);
}

void ge_resp_on_done(ge_resp *resp, void (*fn)(void *ud), void *ud)
{
    assert(!resp->on_done);
    resp->on_done = fn;
    resp->on_done_ud = ud;
}

/* Text formats are worth compressing; images, archives and fonts are not. */
static bool ge_resp_type_compressible(const char *ct)
{
    return strncmp(ct, "text/", 5) == 0 || strstr(ct, "json") || strstr(ct, "javascript") ||
           strstr(ct, "xml") || strstr(ct, "svg");
}

int ge_resp_take(ge_resp *resp, int status, const char *content_type, char *data, size_t len)
{
    ge_resp_clear_body(resp);
    resp->status = status;
    resp->kind = GE_BODY_BYTES;
    resp->body = data;
    resp->body_len = len;
    snprintf(resp->content_type, sizeof resp->content_type, "%s", content_type);
    resp->compressible = ge_resp_type_compressible(content_type);
    return GE_OK;
}

int ge_resp_bytes(ge_resp *resp, int status, const char *content_type, const void *data, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy) {
        ge_resp_clear_body(resp);
        resp->status = 500;
        return GE_ENOMEM;
    }
    if (len) memcpy(copy, data, len);
    copy[len] = '\0';
    return ge_resp_take(resp, status, content_type, copy, len);
}

int ge_resp_json_as(ge_resp *resp, int status, json_t *doc, const char *content_type)
{
    char *text;

    if (!doc) goto err;
    /* Compact and in insertion order: handlers decide the member order of
     * their documents (type, id, geometry, properties reads best). */
    text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    json_decref(doc);
    if (!text) goto err;
    return ge_resp_take(resp, status, content_type, text, strlen(text));
err:
    ge_resp_clear_body(resp);
    resp->status = 500;
    return GE_ENOMEM;
}

int ge_resp_json(ge_resp *resp, int status, json_t *doc)
{
    return ge_resp_json_as(resp, status, doc, "application/json");
}

int ge_resp_file(ge_resp *resp, int status, const char *content_type, int fd, uint64_t size)
{
    ge_resp_clear_body(resp);
    resp->status = status;
    resp->kind = GE_BODY_FILE;
    resp->fd = fd;
    resp->fd_size = size;
    snprintf(resp->content_type, sizeof resp->content_type, "%s", content_type);
    return GE_OK;
}

int ge_resp_empty(ge_resp *resp, int status)
{
    ge_resp_clear_body(resp);
    resp->status = status;
    resp->content_type[0] = '\0';
    return GE_OK;
}

int ge_resp_not_modified(ge_resp *resp, const char *content_type)
{
    ge_resp_clear_body(resp);
    resp->status = 304;
    snprintf(resp->content_type, sizeof resp->content_type, "%s", content_type);
    resp->compressible = ge_resp_type_compressible(content_type);
    return GE_OK;
}

int ge_resp_header(ge_resp *resp, const char *name, const char *value)
{
    char *v = strdup(value), *n = NULL;
    ge_header *grown;

    if (!v) return GE_ENOMEM;
    for (size_t i = 0; i < resp->n_headers; i++) {
        if (strcasecmp(resp->headers[i].name, name) == 0) {
            free(resp->headers[i].value);
            resp->headers[i].value = v;
            return GE_OK;
        }
    }
    n = strdup(name);
    grown = n ? realloc(resp->headers, (resp->n_headers + 1) * sizeof *grown) : NULL;
    if (!grown) goto err;
    resp->headers = grown;
    resp->headers[resp->n_headers].name = n;
    resp->headers[resp->n_headers].value = v;
    resp->n_headers++;
    return GE_OK;
err:
    free(n);
    free(v);
    return GE_ENOMEM;
}

const char *ge_resp_header_get(const ge_resp *resp, const char *name)
{
    for (size_t i = 0; i < resp->n_headers; i++)
        if (strcasecmp(resp->headers[i].name, name) == 0) return resp->headers[i].value;
    return NULL;
}

void ge_resp_cache(ge_resp *resp, const char *cache_control)
{
    ge_resp_header(resp, "Cache-Control", cache_control);
}

void ge_resp_etag(ge_resp *resp, const char *opaque)
{
    snprintf(resp->etag, sizeof resp->etag, "\"%s\"", opaque);
}

void ge_resp_etag_body(ge_resp *resp)
{
    /* FNV-1a: a cache validator needs to change with the body, not to resist
     * an attacker; 64 bits make accidental collisions negligible. */
    uint64_t h = 1469598103934665603ULL;
    char opaque[24];

    if (resp->kind != GE_BODY_BYTES) return;
    for (size_t i = 0; i < resp->body_len; i++) {
        h ^= (unsigned char)resp->body[i];
        h *= 1099511628211ULL;
    }
    snprintf(opaque, sizeof opaque, "%016llx", (unsigned long long)h);
    ge_resp_etag(resp, opaque);
}

unsigned ge_etag_list_scan(const char *h, const char *opaque, size_t olen)
{
    unsigned found = 0;

    if (!h) return 0;
    while (*h) {
        const char *end;
        size_t n;
        while (*h == ' ' || *h == '\t' || *h == ',')
            h++;
        if (*h == '*') {
            found |= GE_ETAG_ANY;
            h++;
            continue;
        }
        if (strncmp(h, "W/", 2) == 0) h += 2;
        if (*h != '"') break;
        end = strchr(h + 1, '"');
        if (!end) break;
        n = (size_t)(end - h - 1);
        if (n == olen && memcmp(h + 1, opaque, n) == 0)
            found |= GE_ETAG_PLAIN;
        else if (n == olen + 3 && memcmp(h + 1, opaque, olen) == 0 &&
                 memcmp(h + 1 + olen, "-gz", 3) == 0)
            found |= GE_ETAG_GZ;
        h = end + 1;
    }
    return found;
}

static unsigned ge_req_etag_scan(const ge_req *req, const char *opaque, size_t olen)
{
    return ge_etag_list_scan(ge_req_header(req, "If-None-Match"), opaque, olen);
}

/*
 * A tag we sent for the gzipped representation carries "-gz" (http_send.c);
 * it validates the same content.
 */
bool ge_req_etag_matches(const ge_req *req, const char *opaque)
{
    return ge_req_etag_scan(req, opaque, strlen(opaque)) != 0;
}

bool ge_req_etag_named(const ge_req *req, const char *opaque, bool prefer_gz, char *out,
                       size_t size)
{
    size_t olen = strlen(opaque);
    unsigned found;
    bool gz;

    if (olen >= 3 && strcmp(opaque + olen - 3, "-gz") == 0) olen -= 3;
    found = ge_req_etag_scan(req, opaque, olen);
    if (!(found & (GE_ETAG_PLAIN | GE_ETAG_GZ))) return false;
    gz = (found & GE_ETAG_GZ) && (prefer_gz || !(found & GE_ETAG_PLAIN));
    snprintf(out, size, "\"%.*s%s\"", (int)olen, opaque, gz ? "-gz" : "");
    return true;
}

/* ---- statuses, languages, problems -------------------------------------- */

typedef struct ge_status_text {
    int status;
    const char *type; /* the problem "type" URI */
    ge_text title;
} ge_status_text;

/* The server's own titles, in both languages. Handlers reuse them through
 * ge_resp_problem; a status missing here gets its class's title. */
#define GE_PROBLEM_TYPE(slug) "urn:geoeditor:problem:" slug

static const ge_status_text ge_status_texts[] = {
    {400, GE_PROBLEM_TYPE("bad-request"), GE_TEXT_INIT(DE("Ungültige Anfrage"), EN("Bad Request"))},
    {401, GE_PROBLEM_TYPE("unauthorized"),
     GE_TEXT_INIT(DE("Nicht angemeldet"), EN("Unauthorized"))},
    {403, GE_PROBLEM_TYPE("forbidden"), GE_TEXT_INIT(DE("Nicht erlaubt"), EN("Forbidden"))},
    {404, GE_PROBLEM_TYPE("not-found"), GE_TEXT_INIT(DE("Nicht gefunden"), EN("Not Found"))},
    {405, GE_PROBLEM_TYPE("method-not-allowed"),
     GE_TEXT_INIT(DE("Methode nicht erlaubt"), EN("Method Not Allowed"))},
    {406, GE_PROBLEM_TYPE("not-acceptable"),
     GE_TEXT_INIT(DE("Format nicht verfügbar"), EN("Not Acceptable"))},
    {409, GE_PROBLEM_TYPE("conflict"), GE_TEXT_INIT(DE("Konflikt"), EN("Conflict"))},
    {410, GE_PROBLEM_TYPE("gone"), GE_TEXT_INIT(DE("Nicht mehr verfügbar"), EN("Gone"))},
    {411, GE_PROBLEM_TYPE("length-required"),
     GE_TEXT_INIT(DE("Länge erforderlich"), EN("Length Required"))},
    {412, GE_PROBLEM_TYPE("precondition-failed"),
     GE_TEXT_INIT(DE("Vorbedingung nicht erfüllt"), EN("Precondition Failed"))},
    {413, GE_PROBLEM_TYPE("payload-too-large"),
     GE_TEXT_INIT(DE("Anfrage zu groß"), EN("Payload Too Large"))},
    {414, GE_PROBLEM_TYPE("uri-too-long"), GE_TEXT_INIT(DE("Adresse zu lang"), EN("URI Too Long"))},
    {415, GE_PROBLEM_TYPE("unsupported-media-type"),
     GE_TEXT_INIT(DE("Medientyp nicht unterstützt"), EN("Unsupported Media Type"))},
    {422, GE_PROBLEM_TYPE("unprocessable-content"),
     GE_TEXT_INIT(DE("Inhalt nicht verarbeitbar"), EN("Unprocessable Content"))},
    {428, GE_PROBLEM_TYPE("precondition-required"),
     GE_TEXT_INIT(DE("Vorbedingung erforderlich"), EN("Precondition Required"))},
    {429, GE_PROBLEM_TYPE("too-many-requests"),
     GE_TEXT_INIT(DE("Zu viele Anfragen"), EN("Too Many Requests"))},
    {431, GE_PROBLEM_TYPE("header-too-large"),
     GE_TEXT_INIT(DE("Kopfzeilen der Anfrage zu groß"), EN("Request Header Fields Too Large"))},
    {500, GE_PROBLEM_TYPE("internal-error"),
     GE_TEXT_INIT(DE("Interner Serverfehler"), EN("Internal Server Error"))},
    {501, GE_PROBLEM_TYPE("not-implemented"),
     GE_TEXT_INIT(DE("Nicht umgesetzt"), EN("Not Implemented"))},
    {503, GE_PROBLEM_TYPE("unavailable"),
     GE_TEXT_INIT(DE("Dienst nicht verfügbar"), EN("Service Unavailable"))},
};

static const ge_status_text *ge_http_status_find(int status)
{
    for (size_t i = 0; i < sizeof ge_status_texts / sizeof ge_status_texts[0]; i++)
        if (ge_status_texts[i].status == status) return &ge_status_texts[i];
    /* Fall back to the class: 4xx reads as Bad Request, 5xx as Internal Error. */
    return ge_http_status_find(status >= 500 ? 500 : 400);
}

const char *ge_http_status_title(int status, ge_lang lang)
{
    const ge_status_text *t = ge_http_status_find(status);
    return ge_text_pick(t->title, lang == GE_LANG_DE);
}

const char *ge_http_problem_type(int status)
{
    return ge_http_status_find(status)->type;
}

int ge_http_status_for_code(int code)
{
    switch (code) {
    case GE_OK:
        return 200;
    case GE_EINVAL:
        return 400;
    case GE_ENOENT:
        return 404;
    case GE_ECONFLICT:
        return 409;
    case GE_EGONE:
        return 410;
    /* A configured limit on content (vertices, features, period length) is a
     * semantic refusal: 422. The body-size limit is answered 413 by the
     * server itself before a handler runs. */
    case GE_ELIMIT:
        return 422;
    /* The drawing needs more computing than one request may use: a property
     * of the content, like too many vertices. */
    case GE_EBUDGET:
        return 422;
    /* Stopped because the server stops (a client that left hears nothing). */
    case GE_ECANCELED:
        return 503;
    default:
        return 500;
    }
}

/* Parses the q value after a tag ("de;q=0.8"); 1.0 when absent. */
static double ge_http_qvalue(const char *params, const char *end)
{
    const char *q = params;
    while (q < end) {
        while (q < end && (*q == ';' || *q == ' ' || *q == '\t'))
            q++;
        if (end - q >= 2 && (q[0] == 'q' || q[0] == 'Q') && q[1] == '=') return strtod(q + 2, NULL);
        while (q < end && *q != ';')
            q++;
    }
    return 1.0;
}

static bool ge_http_tag_is(const char *tag, size_t n, const char *lang)
{
    size_t l = strlen(lang);
    return n >= l && strncasecmp(tag, lang, l) == 0 && (n == l || tag[l] == '-');
}

ge_lang ge_http_lang_from_header(const char *h)
{
    return ge_http_lang_from_header_or(h, GE_LANG_EN);
}

ge_lang ge_http_lang_from_header_or(const char *h, ge_lang fallback)
{
    ge_lang best = fallback;
    double best_q = 0.0;

    if (!h) return fallback;
    while (*h) {
        const char *item_end = strchr(h, ','), *tag_end;
        size_t tag_len;
        double q;

        if (!item_end) item_end = h + strlen(h);
        while (h < item_end && (*h == ' ' || *h == '\t'))
            h++;
        tag_end = h;
        while (tag_end < item_end && *tag_end != ';' && *tag_end != ' ')
            tag_end++;
        tag_len = (size_t)(tag_end - h);
        q = ge_http_qvalue(tag_end, item_end);
        /* Strictly greater: among equal q values the first listed wins. */
        if (q > best_q && ge_http_tag_is(h, tag_len, "de")) {
            best = GE_LANG_DE;
            best_q = q;
        } else if (q > best_q && ge_http_tag_is(h, tag_len, "en")) {
            best = GE_LANG_EN;
            best_q = q;
        }
        h = *item_end ? item_end + 1 : item_end;
    }
    return best;
}

bool ge_http_accepts_gzip(const char *h)
{
    if (!h) return false;
    while (*h) {
        const char *item_end = strchr(h, ','), *tag_end;
        size_t n;

        if (!item_end) item_end = h + strlen(h);
        while (h < item_end && (*h == ' ' || *h == '\t'))
            h++;
        tag_end = h;
        while (tag_end < item_end && *tag_end != ';' && *tag_end != ' ')
            tag_end++;
        n = (size_t)(tag_end - h);
        if (((n == 4 && strncasecmp(h, "gzip", 4) == 0) ||
             (n == 6 && strncasecmp(h, "x-gzip", 6) == 0) || (n == 1 && *h == '*')) &&
            ge_http_qvalue(tag_end, item_end) > 0.0)
            return true;
        h = *item_end ? item_end + 1 : item_end;
    }
    return false;
}

json_t *ge_resp_problem(ge_resp *resp, const ge_req *req, int status, const char *fmt, ...)
{
    static const char fallback[] =
        "{\"type\":\"urn:geoeditor:problem:internal-error\",\"title\":\"Internal Server "
        "Error\",\"status\":500}";
    ge_lang lang = req ? req->lang : GE_LANG_EN;
    char detail[1024], instance[512];
    json_t *p;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);

    p = json_object();
    if (!p) goto err;
    json_object_set_new(p, "type", json_string(ge_http_problem_type(status)));
    json_object_set_new(p, "title", json_string(ge_http_status_title(status, lang)));
    json_object_set_new(p, "status", json_integer(status));
    /* jansson refuses invalid UTF-8: a detail quoting client input that is
     * not UTF-8, or cut to its buffer inside a character, keeps the rest of
     * its text (ge_json_string_lossy). */
    json_object_set_new(p, "detail", ge_json_string_lossy(detail));
    if (req && req->path) {
        ge_router_log_path(req->match, req->path, instance, sizeof instance);
        json_object_set_new(p, "instance", json_string(instance));
    }
    /* The builder keeps a reference so that callers may add extension members
     * until the server serialises the response (http_send.c). */
    ge_resp_clear_body(resp);
    resp->status = status;
    resp->kind = GE_BODY_NONE;
    snprintf(resp->content_type, sizeof resp->content_type, "application/problem+json");
    resp->compressible = true;
    ge_resp_header(resp, "Content-Language", lang == GE_LANG_DE ? "de" : "en");
    resp->problem = p;
    return p;
err:
    ge_resp_bytes(resp, 500, "application/problem+json", fallback, sizeof fallback - 1);
    return NULL;
}

/* The budget's problems say what the limit is and what helps, in the
 * request's language; the engine's message (with the vertex count) goes to
 * the log. */
static int ge_resp_budget_problem(ge_resp *resp, const ge_req *req, const ge_err *err)
{
    int budget = req && req->ctx && req->ctx->cfg ? req->ctx->cfg->compute_budget_ms : 0;
    json_t *p;

    ge_log(GE_LOG_WARN, "request stopped", "{s:s, s:s, s:s, s:s}", "request_id",
           req ? req->request_id : "", "route", req && req->route ? req->route : "", "code",
           ge_code_name(err->code), "error", err->msg);
    if (err->code == GE_ECANCELED) {
        p = ge_resp_problem(resp, req, 503,
                            GE_TR(req,
                                  DE("Der Server wird beendet und hat diese Anfrage abgebrochen; "
                                     "bitte senden Sie sie erneut."),
                                  EN("The server is shutting down and stopped this request; please "
                                     "send it again.")));
        if (p) json_object_set_new(p, "retry_after", json_integer(5));
        ge_resp_header(resp, "Retry-After", "5");
        return err->code;
    }
    p = ge_resp_problem(
        resp, req, 422,
        GE_TR(req,
              DE("Die Prüfung dieser Zeichnung braucht mehr als die Rechenzeit von "
                 "%d ms, die eine Anfrage nutzen darf. Zeichnen Sie sie mit weniger "
                 "Eckpunkten und ohne sich kreuzende Umrisse."),
              EN("Checking this drawing needs more than the computing budget of %d "
                 "ms per request. Draw it with fewer vertices and without "
                 "self-crossing outlines.")),
        budget);
    if (p) json_object_set_new(p, "budget_ms", json_integer(budget));
    return err->code;
}

int ge_resp_error(ge_resp *resp, const ge_req *req, const ge_err *err)
{
    int status = ge_http_status_for_code(err->code);

    if (err->code == GE_EBUDGET || err->code == GE_ECANCELED)
        return ge_resp_budget_problem(resp, req, err);
    if (status >= 500) {
        ge_log(GE_LOG_ERROR, "request failed", "{s:s, s:s, s:s, s:s}", "request_id",
               req ? req->request_id : "", "route", req && req->route ? req->route : "", "code",
               ge_code_name(err->code), "error", err->msg);
        ge_resp_problem(resp, req, status,
                        GE_TR(req,
                              DE("Der Server konnte die Anfrage nicht ausführen; der Fehler ist "
                                 "unter der Referenz %s protokolliert."),
                              EN("The server could not complete the request; the error is logged "
                                 "under reference %s.")),
                        req ? req->request_id : "-");
    } else {
        ge_resp_problem(resp, req, status, "%s", err->msg);
    }
    return err->code < 0 ? err->code : GE_EINTERNAL;
}
