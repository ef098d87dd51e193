/*
 * fuzz_router.c - the router's path decoding and matching (server/router.c)
 * over the real route table: every path and method of data/openapi.json.
 *
 * Input: "METHOD /path" (a method of at most 15 letters and a space), or a
 * bare path matched as GET. Checks, against a decoder written here from RFC
 * 3986: a path that does not start with '/', has a bad percent-escape or an
 * encoded NUL in a segment, or more than GE_ROUTER_MAX_SEGMENTS segments is
 * BAD_PATH and nothing else is; a match's parameters are exactly the decoded
 * segments at the pattern's parameter places, never empty; a matched route
 * has the method asked for (HEAD may take GET); the log path never shows the
 * value of a secret parameter and redacts token-like segments of unmatched
 * paths; ge_router_pct_decode agrees with the reference decoder.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "router.h"

static ge_router *router;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int no_handler(struct ge_req *req, struct ge_resp *resp, void *ud)
{
    return GE_OK;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const methods[] = {"get", "head", "post", "put", "patch", "delete"};
    char path[4096];
    json_error_t je;
    json_t *doc, *ops;
    const char *p;
    ge_err err;

    snprintf(path, sizeof path, "%s/data/openapi.json", fz_source_dir());
    doc = json_load_file(path, 0, &je);
    if (!doc) {
        fprintf(stderr, "fuzz_router: %s: %s\n", path, je.text);
        abort();
    }
    router = ge_router_new();
    json_object_foreach(json_object_get(doc, "paths"), p, ops)
    {
        for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
            char m[8];
            if (!json_object_get(ops, methods[i])) continue;
            for (size_t k = 0; k <= strlen(methods[i]); k++)
                m[k] = (char)toupper((unsigned char)methods[i][k]);
            if (ge_router_add(router, m, p, no_handler, NULL, &err) < 0) {
                fprintf(stderr, "fuzz_router: %s %s: %s\n", m, p, err.msg);
                abort();
            }
        }
    }
    json_decref(doc);
    return 0;
}

static int hex(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* RFC 3986 percent-decoding of one segment; NULL when malformed or when it
 * would hold a NUL byte. */
static char *ref_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    size_t o = 0;
    if (!out) abort();
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n) goto bad;
            int a = hex(s[i + 1]), b = hex(s[i + 2]);
            if (a < 0 || b < 0 || (a == 0 && b == 0)) goto bad;
            out[o++] = (char)(a * 16 + b);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

static bool token_like(const char *s, size_t n)
{
    if (n < 20) return false;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || strchr("-_%.~=", s[i]))) return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char method[16] = "GET", *path, *segs[GE_ROUTER_MAX_SEGMENTS + 1] = {0}, logbuf[512];
    size_t nsegs = 0, start = 0;
    bool bad = false;
    ge_route_match m;

    if (memchr(data, '\0', size)) return -1; /* a request line holds no NUL */
    for (size_t i = 0; i < size && i < 16; i++) {
        if (data[i] == ' ') {
            if (i > 0) {
                memcpy(method, data, i);
                method[i] = '\0';
                start = i + 1;
            }
            break;
        }
        if (!isupper(data[i])) break;
    }
    path = fz_strndup(data + start, size - start);

    /* the reference split and decoding */
    if (path[0] != '/') {
        bad = true;
    } else {
        const char *p = path + 1;
        for (;;) {
            const char *end = strchr(p, '/');
            size_t n = end ? (size_t)(end - p) : strlen(p);
            if (nsegs == GE_ROUTER_MAX_SEGMENTS) {
                bad = true;
                break;
            }
            segs[nsegs] = ref_decode(p, n);
            if (!segs[nsegs]) {
                bad = true;
                break;
            }
            {
                char *mine = malloc(n + 1);
                size_t mlen = 0;
                if (!mine) abort();
                FZ_CHECK(ge_router_pct_decode(p, n, mine, &mlen) == GE_OK &&
                             strcmp(mine, segs[nsegs]) == 0 && mlen == strlen(mine),
                         "segment %zu decodes differently", nsegs);
                free(mine);
            }
            nsegs++;
            if (!end) break;
            p = end + 1;
        }
    }

    FZ_CHECK(ge_router_match(router, method, path, &m) == GE_OK, "match failed");
    FZ_CHECK((m.kind == GE_MATCH_BAD_PATH) == bad, "kind %d, reference says %s", (int)m.kind,
             bad ? "bad" : "well-formed");
    if (m.kind == GE_MATCH_OK || m.kind == GE_MATCH_NO_METHOD) {
        const char *pat = m.route->pattern;
        size_t seg = 0, pi = 0;
        FZ_CHECK(m.route, "a match without a route");
        if (m.kind == GE_MATCH_OK)
            FZ_CHECK(strcmp(m.route->method, method) == 0 ||
                         (strcmp(method, "HEAD") == 0 && strcmp(m.route->method, "GET") == 0),
                     "%s matched a %s route", method, m.route->method);
        /* walk the pattern's segments */
        for (const char *q = pat + 1;; seg++) {
            const char *end = strchr(q, '/');
            size_t n = end ? (size_t)(end - q) : strlen(q);
            FZ_CHECK(seg < nsegs, "pattern %s is longer than the path", pat);
            if (n > 1 && q[0] == '{') {
                FZ_CHECK(pi < m.n_params, "too few parameters for %s", pat);
                FZ_CHECK(strcmp(m.params[pi].value, segs[seg]) == 0 && segs[seg][0],
                         "parameter %zu is '%s', the segment '%s'", pi, m.params[pi].value,
                         segs[seg]);
                pi++;
            } else {
                FZ_CHECK(strlen(segs[seg]) == n && memcmp(segs[seg], q, n) == 0,
                         "literal segment %zu differs", seg);
            }
            if (!end) break;
            q = end + 1;
        }
        FZ_CHECK(seg + 1 == nsegs && pi == m.n_params, "segment or parameter count differs");
        ge_router_log_path(&m, path, logbuf, sizeof logbuf);
        for (size_t i = 0; i < m.n_params; i++) {
            const char *v = m.params[i].value;
            bool elsewhere = strstr(pat, v) != NULL;
            for (size_t k = 0; k < m.n_params; k++)
                elsewhere = elsewhere || (k != i && strstr(m.params[k].value, v));
            if (m.params[i].secret && strlen(v) >= 8 && !elsewhere)
                FZ_CHECK(strstr(logbuf, v) == NULL, "secret '%s' logged", m.params[i].name);
        }
    } else {
        ge_router_log_path(&m, path, logbuf, sizeof logbuf);
        for (const char *q = logbuf;;) {
            const char *end = strchr(q, '/');
            size_t n = end ? (size_t)(end - q) : strlen(q);
            /* the last segment may be cut short by the buffer: only whole ones */
            if (end || strlen(path) < sizeof logbuf / 2)
                FZ_CHECK(!token_like(q, n), "token-like segment logged");
            if (!end) break;
            q = end + 1;
        }
    }
    /* tiny buffers are cut, never overrun */
    for (size_t n = 0; n < 4; n++) {
        char small[4] = {'x', 'x', 'x', 'x'};
        ge_router_log_path(&m, path, small, n);
        if (n) FZ_CHECK(memchr(small, '\0', n) != NULL, "log path not terminated in %zu", n);
    }
    ge_route_match_clear(&m);
    for (size_t i = 0; i <= nsegs && i <= GE_ROUTER_MAX_SEGMENTS; i++)
        free(segs[i]);
    free(path);
    return 0;
}
