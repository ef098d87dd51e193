/*
 * fuzz.c - the shared helpers of the fuzz targets (fuzz.h).
 */
#include "fuzz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geos_ctx.h"
#include "refindex.h"
#include "router.h"

const char *fz_source_dir(void)
{
    const char *d = getenv("GE_SOURCE_DIR");
    return d && *d ? d : GE_FUZZ_SOURCE_DIR;
}

double fz_budget_ms(void)
{
    const char *v = getenv("GE_FUZZ_BUDGET_MS");
    return v && *v ? atof(v) : FZ_BUDGET_MS;
}

char *fz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) abort();
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

void fz_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: invariant broken: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

/* Decodes n bytes of s ('+' as space, then percent escapes) into a new
 * string; NULL when the server would refuse it. */
static char *fz_decode(const char *s, size_t n)
{
    char *raw = malloc(n + 1), *out = malloc(n + 1);
    if (!raw || !out) abort();
    for (size_t i = 0; i < n; i++)
        raw[i] = s[i] == '+' ? ' ' : s[i];
    raw[n] = '\0';
    if (ge_router_pct_decode(raw, n, out, NULL) < 0) {
        free(out);
        out = NULL;
    }
    free(raw);
    return out;
}

void fz_req_init(fz_req *r, const char *qs, size_t len, ge_lang lang)
{
    size_t i = 0;

    memset(r, 0, sizeof *r);
    r->req.method = "GET";
    r->req.path = "/fuzz";
    r->req.route = "/fuzz";
    r->req.body = "";
    r->req.lang = lang;
    snprintf(r->req.request_id, sizeof r->req.request_id, "fuzz");
    r->req.query = r->args;
    while (i < len && r->req.n_query < sizeof r->args / sizeof r->args[0]) {
        size_t end = i, eq;
        while (end < len && qs[end] != '&')
            end++;
        for (eq = i; eq < end && qs[eq] != '='; eq++)
            ;
        if (end > i && memchr(qs + i, '\0', end - i) == NULL) {
            char *name = fz_decode(qs + i, eq - i);
            char *value = eq < end ? fz_decode(qs + eq + 1, end - eq - 1) : strdup("");
            if (name && value) {
                r->args[r->req.n_query].name = name;
                r->args[r->req.n_query].value = value;
                r->req.n_query++;
            } else {
                free(name);
                free(value);
            }
        }
        i = end + 1;
    }
}

void fz_req_free(fz_req *r)
{
    for (size_t i = 0; i < r->req.n_query; i++) {
        free(r->args[i].name);
        free(r->args[i].value);
    }
    r->req.n_query = 0;
}

struct ge_refsnap *fz_snapshot(void)
{
    static const char *const items[][2] = {
        {"street_space", "POLYGON((384000 5826000, 387000 5826000, 387000 5826020, "
                         "384000 5826020, 384000 5826000))"},
        {"hydrants", "POINT(385007 5826006)"},
        {"trees", "POINT(385020 5826025)"},
        {"buildings", "POLYGON((385000 5826030, 385030 5826030, 385030 5826060, "
                      "385000 5826060, 385000 5826030))"},
        {"boundary", "POLYGON((380000 5820000, 390000 5820000, 390000 5830000, "
                     "380000 5830000, 380000 5820000))"},
        {"junctions", "POINT(385100 5826010)"},
        {"cycleways", "LINESTRING(384000 5826002, 387000 5826002)"},
    };
    static struct ge_refsnap *snap;
    GEOSContextHandle_t h;
    GEOSWKTReader *r;
    ge_refbuilder *b;
    ge_err err;

    if (snap) return snap;
    h = ge_geos_ctx();
    r = GEOSWKTReader_create_r(h);
    if (!r || ge_refindex_builder_new(25833, &b, &err) < 0) abort();
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        GEOSGeometry *g = GEOSWKTReader_read_r(h, r, items[i][1]);
        if (!g || ge_refindex_builder_add(b, items[i][0], g, (int64_t)i + 1, NULL, &err) < 0) {
            fprintf(stderr, "fz_snapshot: %s\n", items[i][0]);
            abort();
        }
    }
    GEOSWKTReader_destroy_r(h, r);
    if (ge_refindex_builder_finish(b, &snap, &err) < 0) abort();
    return snap;
}
