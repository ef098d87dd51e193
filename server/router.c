/*
 * router.c - the route table and path matching (see router.h).
 *
 * A linear scan over the table: geoEDITOR has a few dozen routes, and
 * comparing a handful of short segments per route costs less than building
 * and maintaining a trie. Patterns are split into segments once, at
 * registration; the request path is split and decoded once per request.
 */
#include "router.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ge_segment {
    char text[128]; /* literal text, or the parameter name */
    bool param;
} ge_segment;

typedef struct ge_route_entry {
    ge_route pub;
    ge_segment segs[GE_ROUTER_MAX_SEGMENTS];
    size_t n_segs;
} ge_route_entry;

struct ge_router {
    ge_route_entry *routes;
    size_t n_routes, cap_routes;
    char **names; /* distinct patterns */
    size_t n_names;
};

ge_router *ge_router_new(void)
{
    return calloc(1, sizeof(ge_router));
}

void ge_router_free(ge_router *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n_names; i++)
        free(r->names[i]);
    free(r->names);
    free(r->routes);
    free(r);
}

static bool ge_router_method_ok(const char *method)
{
    size_t n = strlen(method);
    if (n == 0 || n >= sizeof(((ge_route *)0)->method)) return false;
    for (size_t i = 0; i < n; i++)
        if (!isupper((unsigned char)method[i])) return false;
    return true;
}

static bool ge_router_param_name_ok(const char *s, size_t n)
{
    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_')) return false;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_')) return false;
    return true;
}

/* Splits a pattern into segments; GE_EINVAL names what is wrong with it. */
static int ge_router_parse_pattern(const char *pattern, ge_route_entry *e, ge_err *err)
{
    const char *p;

    if (pattern[0] != '/')
        return ge_err_set(err, GE_EINVAL, "route pattern '%s' does not start with '/'", pattern);
    if (strlen(pattern) >= sizeof e->pub.pattern)
        return ge_err_set(err, GE_EINVAL, "route pattern '%.40s...' is too long", pattern);
    e->n_segs = 0;
    p = pattern + 1;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        ge_segment *s;

        if (e->n_segs == GE_ROUTER_MAX_SEGMENTS)
            return ge_err_set(err, GE_EINVAL, "route pattern '%s' has too many segments", pattern);
        s = &e->segs[e->n_segs++];
        if (n >= sizeof s->text)
            return ge_err_set(err, GE_EINVAL, "route pattern '%s': segment too long", pattern);
        if (n >= 2 && p[0] == '{' && p[n - 1] == '}') {
            if (!ge_router_param_name_ok(p + 1, n - 2))
                return ge_err_set(err, GE_EINVAL, "route pattern '%s': bad parameter name '%.*s'",
                                  pattern, (int)n, p);
            s->param = true;
            memcpy(s->text, p + 1, n - 2);
            s->text[n - 2] = '\0';
        } else {
            if (memchr(p, '{', n) || memchr(p, '}', n) || memchr(p, '%', n))
                return ge_err_set(err, GE_EINVAL,
                                  "route pattern '%s': segment '%.*s' mixes text and braces or "
                                  "holds '%%'",
                                  pattern, (int)n, p);
            s->param = false;
            memcpy(s->text, p, n);
            s->text[n] = '\0';
        }
        if (!end) break;
        p = end + 1;
    }
    return GE_OK;
}

static int ge_router_count_params(const ge_route_entry *e)
{
    int n = 0;
    for (size_t i = 0; i < e->n_segs; i++)
        n += e->segs[i].param;
    return n;
}

/* Finds or adds the pattern among the distinct names; SIZE_MAX on ENOMEM. */
static size_t ge_router_intern_name(ge_router *r, const char *pattern)
{
    char **grown, *copy;

    for (size_t i = 0; i < r->n_names; i++)
        if (strcmp(r->names[i], pattern) == 0) return i;
    grown = realloc(r->names, (r->n_names + 1) * sizeof *grown);
    if (!grown) return (size_t)-1;
    r->names = grown;
    copy = strdup(pattern);
    if (!copy) return (size_t)-1;
    r->names[r->n_names] = copy;
    return r->n_names++;
}

int ge_router_add_flags(ge_router *r, const char *method, const char *pattern, ge_handler_fn fn,
                        void *ud, unsigned flags, ge_err *err)
{
    ge_route_entry e;
    int rc;

    memset(&e, 0, sizeof e);
    if (!fn) return ge_err_set(err, GE_EINVAL, "route %s %s: no handler", method, pattern);
    if (!ge_router_method_ok(method))
        return ge_err_set(err, GE_EINVAL, "route %s %s: method must be upper-case letters", method,
                          pattern);
    rc = ge_router_parse_pattern(pattern, &e, err);
    if (rc < 0) return rc;
    if (ge_router_count_params(&e) > GE_ROUTER_MAX_PARAMS)
        return ge_err_set(err, GE_EINVAL, "route pattern '%s' has more than %d parameters", pattern,
                          GE_ROUTER_MAX_PARAMS);
    for (size_t i = 0; i < r->n_routes; i++)
        if (strcmp(r->routes[i].pub.method, method) == 0 &&
            strcmp(r->routes[i].pub.pattern, pattern) == 0)
            return ge_err_set(err, GE_ECONFLICT, "route %s %s is registered twice", method,
                              pattern);
    if (r->n_routes == r->cap_routes) {
        size_t cap = r->cap_routes ? r->cap_routes * 2 : 16;
        ge_route_entry *grown = realloc(r->routes, cap * sizeof *grown);
        if (!grown) return ge_err_set(err, GE_ENOMEM, "out of memory adding route %s", pattern);
        r->routes = grown;
        r->cap_routes = cap;
    }
    snprintf(e.pub.method, sizeof e.pub.method, "%s", method);
    snprintf(e.pub.pattern, sizeof e.pub.pattern, "%s", pattern);
    e.pub.fn = fn;
    e.pub.ud = ud;
    e.pub.flags = flags;
    e.pub.name_index = ge_router_intern_name(r, pattern);
    if (e.pub.name_index == (size_t)-1)
        return ge_err_set(err, GE_ENOMEM, "out of memory adding route %s", pattern);
    r->routes[r->n_routes++] = e;
    return GE_OK;
}

int ge_router_add(ge_router *r, const char *method, const char *pattern, ge_handler_fn fn, void *ud,
                  ge_err *err)
{
    return ge_router_add_flags(r, method, pattern, fn, ud, 0, err);
}

size_t ge_router_name_count(const ge_router *r)
{
    return r->n_names;
}

const char *ge_router_name(const ge_router *r, size_t i)
{
    return i < r->n_names ? r->names[i] : NULL;
}

static int ge_router_hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int ge_router_pct_decode(const char *in, size_t len, char *out, size_t *out_len)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '\0') return GE_EINVAL;
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= len) return GE_EINVAL;
            hi = ge_router_hexval(in[i + 1]);
            lo = ge_router_hexval(in[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return GE_EINVAL;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    if (out_len) *out_len = o;
    return GE_OK;
}

/* The decoded request path as segments pointing into m->storage. */
typedef struct ge_path_segs {
    const char *seg[GE_ROUTER_MAX_SEGMENTS];
    size_t n;
} ge_path_segs;

static int ge_router_split_path(const char *path, ge_route_match *m, ge_path_segs *ps)
{
    size_t len = strlen(path);
    const char *p;
    char *o;

    /* Every decoded segment is no longer than its raw form, plus a NUL each. */
    m->storage = malloc(len + GE_ROUTER_MAX_SEGMENTS + 1);
    if (!m->storage) return GE_ENOMEM;
    ps->n = 0;
    if (path[0] != '/') return GE_EINVAL;
    o = m->storage;
    p = path + 1;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p), dn;

        if (ps->n == GE_ROUTER_MAX_SEGMENTS) return GE_EINVAL;
        if (ge_router_pct_decode(p, n, o, &dn) < 0) return GE_EINVAL;
        ps->seg[ps->n++] = o;
        o += dn + 1;
        if (!end) break;
        p = end + 1;
    }
    return GE_OK;
}

/*
 * Does the route's pattern fit the path? Fills score with one bit per
 * segment, literal = 1, earliest segment highest, so that a larger score is
 * the more specific route.
 */
static bool ge_router_fits(const ge_route_entry *e, const ge_path_segs *ps, unsigned long *score)
{
    unsigned long s = 0;

    if (e->n_segs != ps->n) return false;
    for (size_t i = 0; i < e->n_segs; i++) {
        s <<= 1;
        if (e->segs[i].param) {
            if (ps->seg[i][0] == '\0') return false;
        } else {
            if (strcmp(e->segs[i].text, ps->seg[i]) != 0) return false;
            s |= 1;
        }
    }
    *score = s;
    return true;
}

static bool ge_router_method_fits(const ge_route_entry *e, const char *method, bool head_as_get)
{
    if (strcmp(e->pub.method, method) == 0) return true;
    return head_as_get && strcmp(method, "HEAD") == 0 && strcmp(e->pub.method, "GET") == 0;
}

/* Adds method to the comma-separated allow list unless it is there already. */
static void ge_router_allow_add(char *allow, size_t size, const char *method)
{
    size_t n = strlen(method), len = strlen(allow);
    for (const char *p = allow; (p = strstr(p, method)) != NULL; p += n)
        if ((p == allow || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0')) return;
    snprintf(allow + len, size - len, "%s%s", len ? ", " : "", method);
}

static void ge_router_fill_params(const ge_route_entry *e, const ge_path_segs *ps,
                                  ge_route_match *m)
{
    m->n_params = 0;
    for (size_t i = 0; i < e->n_segs; i++) {
        if (!e->segs[i].param) continue;
        ge_param *p = &m->params[m->n_params++];
        p->name = e->segs[i].text;
        p->value = ps->seg[i];
        p->secret = strstr(p->name, "token") || strstr(p->name, "Token") ||
                    strstr(p->name, "key") || strstr(p->name, "Key");
    }
}

int ge_router_match(const ge_router *r, const char *method, const char *path, ge_route_match *m)
{
    ge_path_segs ps;
    const ge_route_entry *best = NULL, *best_head = NULL, *best_any = NULL;
    unsigned long best_score = 0, best_head_score = 0, best_any_score = 0;
    bool any_path = false, has_get = false, has_head = false;
    int rc;

    memset(m, 0, sizeof *m);
    m->kind = GE_MATCH_BAD_PATH;
    rc = ge_router_split_path(path, m, &ps);
    if (rc == GE_ENOMEM) return rc;
    if (rc < 0) return GE_OK;

    for (size_t i = 0; i < r->n_routes; i++) {
        const ge_route_entry *e = &r->routes[i];
        unsigned long score;

        if (!ge_router_fits(e, &ps, &score)) continue;
        any_path = true;
        if (!best_any || score > best_any_score) {
            best_any = e;
            best_any_score = score;
        }
        m->cors |= (e->pub.flags & GE_ROUTE_CORS) != 0;
        has_get |= strcmp(e->pub.method, "GET") == 0;
        has_head |= strcmp(e->pub.method, "HEAD") == 0;
        ge_router_allow_add(m->allow, sizeof m->allow, e->pub.method);
        if (ge_router_method_fits(e, method, false) && (!best || score > best_score)) {
            best = e;
            best_score = score;
        }
        /* Remember the GET route in case nobody registered HEAD explicitly. */
        if (ge_router_method_fits(e, method, true) && (!best_head || score > best_head_score)) {
            best_head = e;
            best_head_score = score;
        }
    }
    if (has_get && !has_head) ge_router_allow_add(m->allow, sizeof m->allow, "HEAD");
    if (any_path) ge_router_allow_add(m->allow, sizeof m->allow, "OPTIONS");
    if (!best) best = best_head;
    if (best) {
        m->kind = GE_MATCH_OK;
    } else if (any_path) {
        /* For labels and logs only: the most specific route of this path. */
        m->kind = GE_MATCH_NO_METHOD;
        best = best_any;
    } else {
        m->kind = GE_MATCH_NO_PATH;
        return GE_OK;
    }
    m->route = &best->pub;
    ge_router_fill_params(best, &ps, m);
    return GE_OK;
}

void ge_route_match_clear(ge_route_match *m)
{
    free(m->storage);
    memset(m, 0, sizeof *m);
}

const char *ge_route_match_param(const ge_route_match *m, const char *name)
{
    for (size_t i = 0; i < m->n_params; i++)
        if (strcmp(m->params[i].name, name) == 0) return m->params[i].value;
    return NULL;
}

static bool ge_router_looks_like_token(const char *s, size_t n)
{
    if (n < 20) return false;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '%' ||
              s[i] == '.' || s[i] == '~' || s[i] == '='))
            return false;
    return true;
}

/* Appends text to out at *len, cutting at size. */
static void ge_router_put(char *out, size_t size, size_t *len, const char *text, size_t n)
{
    if (*len + 1 >= size) return;
    if (n > size - 1 - *len) n = size - 1 - *len;
    memcpy(out + *len, text, n);
    *len += n;
    out[*len] = '\0';
}

void ge_router_log_path(const ge_route_match *m, const char *raw_path, char *out, size_t out_size)
{
    size_t len = 0, pi = 0;
    const char *p;

    if (out_size == 0) return;
    out[0] = '\0';
    if (m && m->route) {
        /* Rebuild from the pattern, so that secret parameters stay out. */
        p = m->route->pattern;
        while (*p) {
            if (*p == '{') {
                const char *close = strchr(p, '}');
                const ge_param *prm = pi < m->n_params ? &m->params[pi++] : NULL;
                if (!close) break;
                if (prm && !prm->secret)
                    ge_router_put(out, out_size, &len, prm->value, strlen(prm->value));
                else
                    ge_router_put(out, out_size, &len, p, (size_t)(close - p + 1));
                p = close + 1;
            } else {
                ge_router_put(out, out_size, &len, p, 1);
                p++;
            }
        }
        return;
    }
    /* Unmatched: keep the shape, hide anything that looks like a credential. */
    p = raw_path;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (ge_router_looks_like_token(p, n))
            ge_router_put(out, out_size, &len, "{redacted}", 10);
        else
            ge_router_put(out, out_size, &len, p, n);
        if (!end) break;
        ge_router_put(out, out_size, &len, "/", 1);
        p = end + 1;
    }
}
