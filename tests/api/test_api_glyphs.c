/*
 * test_api_glyphs.c - the label fonts of the map styles against the real
 * server: the font stack the base map style names (GET /styles/basemap) is
 * fetched through the style's own glyphs template and decoded as the glyphs
 * protobuf MapLibre reads (fontstack name, range, glyph ids and bitmaps of
 * the letters German street names need); font stacks fall back along their
 * comma list; unknown fonts are a 404 problem listing the installed ones;
 * bad ranges a 400 naming the range; names that could leave the fonts
 * folder are refused; ETag revalidation; and the @font-face sheet that
 * ol-mapbox-style loads instead of a CDN.
 *
 * The server reads <web_root>/fonts, which the front end build fills from
 * the npm package tileserver-gl-styles; this test lays out its own web root
 * with a link to the installed package, so it needs web/node_modules only
 * (skipped with a visible message without it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ts.h"
#include "ts_http.h"
#include "ts_server.h"

#define FONT "Noto Sans Regular"

static ts_server srv;
static bool have_fonts;
static char web_root[4200];

static int setup(void **state)
{
    char pkg[4200], link[4300], fonts[4300];
    struct stat sb;
    const char *args[] = {"--web-root", web_root, NULL};
    ts_server_opts o = {.args = args};
    (void)state;

    snprintf(pkg, sizeof pkg, "%s/web/node_modules/tileserver-gl-styles/fonts/" FONT,
             ts_env("GE_SOURCE_DIR"));
    have_fonts = stat(pkg, &sb) == 0 && S_ISDIR(sb.st_mode);
    if (!have_fonts) {
        printf("SKIP: %s is missing (scripts/setup runs npm ci): glyph ranges not tested\n", pkg);
    }
    snprintf(web_root, sizeof web_root, "%s/web", ts_tmpdir("api_glyphs_root"));
    snprintf(fonts, sizeof fonts, "%s/fonts", web_root);
    if (mkdir(web_root, 0755) != 0 || mkdir(fonts, 0755) != 0) return -1;
    snprintf(link, sizeof link, "%s/" FONT, fonts);
    if (have_fonts && symlink(pkg, link) != 0) return -1;
    return ts_server_start(&srv, "api_glyphs", &o);
}

static int teardown(void **state)
{
    (void)state;
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

#define NEED_FONTS()                                                                               \
    do {                                                                                           \
        if (!have_fonts) {                                                                         \
            printf("SKIP: no glyphs installed\n");                                                 \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

static void get(const char *url, const char *extra, ts_http_resp *r)
{
    const char *headers[] = {extra, NULL};
    ts_http_req q = {.url = url, .headers = extra ? headers : NULL};
    if (ts_http(&q, r) != 0) fail_msg("GET %s: %s", url, r->error);
}

static json_t *expect_problem(const ts_http_resp *r, long status, const char *parameter)
{
    const char *ct = ts_http_header(r, "Content-Type");
    json_t *p;
    if (r->status != status) fail_msg("expected %ld, got %ld: %.300s", status, r->status, r->body);
    if (!ct || strcmp(ct, "application/problem+json") != 0)
        fail_msg("Content-Type of a problem: %s", ct ? ct : "(none)");
    p = json_loads(r->body, 0, NULL);
    assert_non_null(p);
    assert_non_null(json_string_value(json_object_get(p, "detail")));
    if (parameter && (!json_string_value(json_object_get(p, "parameter")) ||
                      strcmp(json_string_value(json_object_get(p, "parameter")), parameter) != 0))
        fail_msg("problem should name '%s': %s", parameter, r->body);
    return p;
}

/* ---- a reader of the glyphs protobuf (MapLibre's glyphs.proto) ----------- */

typedef struct pb {
    const unsigned char *p, *end;
} pb;

static bool pb_varint(pb *b, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && b->p < b->end; shift += 7) {
        unsigned char c = *b->p++;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return true;
    }
    return false;
}

/* Next field: its number, wire type and, for length-delimited ones, the
 * bytes (sub), for varints the value. false at the end or when malformed. */
static bool pb_next(pb *b, uint32_t *field, int *wire, uint64_t *value, pb *sub)
{
    uint64_t key, len;
    if (b->p >= b->end || !pb_varint(b, &key)) return false;
    *field = (uint32_t)(key >> 3);
    *wire = (int)(key & 7);
    if (*wire == 0) return pb_varint(b, value);
    if (*wire != 2 || !pb_varint(b, &len) || len > (uint64_t)(b->end - b->p)) {
        fail_msg("glyph PBF: wire type %d or length out of bounds", *wire);
        return false;
    }
    sub->p = b->p;
    sub->end = b->p + len;
    b->p += len;
    return true;
}

typedef struct glyph_range {
    char name[128];
    char range[32];
    size_t nglyphs;
    bool has[256];    /* code point - start has a glyph */
    bool bitmap[256]; /* ... with a bitmap of its SDF */
    uint32_t advance[256];
} glyph_range;

static void decode_glyphs(const void *data, size_t len, unsigned start, glyph_range *out)
{
    pb top = {data, (const unsigned char *)data + len}, stack, g;
    uint32_t f;
    int w;
    uint64_t v;
    size_t nstacks = 0;

    memset(out, 0, sizeof *out);
    while (pb_next(&top, &f, &w, &v, &stack)) {
        assert_int_equal(f, 1); /* glyphs { repeated fontstack stacks = 1 } */
        assert_int_equal(w, 2);
        nstacks++;
        while (pb_next(&stack, &f, &w, &v, &g)) {
            if (f == 1)
                snprintf(out->name, sizeof out->name, "%.*s", (int)(g.end - g.p), g.p);
            else if (f == 2)
                snprintf(out->range, sizeof out->range, "%.*s", (int)(g.end - g.p), g.p);
            else if (f == 3) {
                pb field;
                uint32_t id = UINT32_MAX, adv = 0;
                bool bm = false;
                while (pb_next(&g, &f, &w, &v, &field)) {
                    if (f == 1) id = (uint32_t)v;
                    if (f == 2) bm = field.end > field.p;
                    if (f == 7) adv = (uint32_t)v;
                }
                if (id < start || id >= start + 256) fail_msg("glyph %u outside the range", id);
                out->nglyphs++;
                out->has[id - start] = true;
                out->bitmap[id - start] = bm;
                out->advance[id - start] = adv;
            }
        }
    }
    assert_int_equal(nstacks, 1);
}

/* ---- tests ------------------------------------------------------------------- */

static void test_style_fontstack(void **state)
{
    ts_http_resp r;
    json_t *style, *layer;
    const char *tmpl;
    char url[1024], *at;
    size_t i;
    glyph_range gr;
    (void)state;
    NEED_FONTS();
    get(ts_server_url(&srv, "/styles/basemap"), NULL, &r);
    assert_int_equal(r.status, 200);
    style = json_loads(r.body, 0, NULL);
    ts_http_resp_free(&r);
    assert_non_null(style);
    /* the template is made absolute against this server */
    tmpl = json_string_value(json_object_get(style, "glyphs"));
    assert_non_null(tmpl);
    assert_int_equal(strncmp(tmpl, srv.base, strlen(srv.base)), 0);
    /* every label layer names the installed font */
    json_array_foreach(json_object_get(style, "layers"), i, layer)
    {
        json_t *font = json_object_get(json_object_get(layer, "layout"), "text-font");
        if (!font) continue;
        assert_string_equal(json_string_value(json_array_get(json_array_get(font, 1), 0)), FONT);
    }
    /* {fontstack} -> "Noto%20Sans%20Regular", {range} -> 0-255 */
    snprintf(url, sizeof url, "%s", tmpl);
    at = strstr(url, "{fontstack}");
    assert_non_null(at);
    {
        char rest[512];
        snprintf(rest, sizeof rest, "%s", at + strlen("{fontstack}"));
        snprintf(at, sizeof url - (size_t)(at - url), "Noto%%20Sans%%20Regular%s", rest);
    }
    at = strstr(url, "{range}");
    assert_non_null(at);
    memmove(at + 5, at + 7, strlen(at + 7) + 1);
    memcpy(at, "0-255", 5);
    json_decref(style);

    get(url, NULL, &r);
    if (r.status != 200) fail_msg("%s: %ld %s", url, r.status, r.body);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/x-protobuf");
    assert_non_null(ts_http_header(&r, "ETag"));
    assert_non_null(strstr(ts_http_header(&r, "Cache-Control"), "max-age"));
    decode_glyphs(r.body, r.body_len, 0, &gr);
    assert_string_equal(gr.name, FONT);
    assert_string_equal(gr.range, "0-255");
    assert_true(gr.nglyphs > 150);
    /* what "Straße", "Müllerstraße", "Görlitzer Weg 12a" need */
    for (const char *c = "aehrstzMGW12"; *c; c++) {
        assert_true(gr.has[(unsigned char)*c]);
        assert_true(gr.bitmap[(unsigned char)*c]);
        assert_true(gr.advance[(unsigned char)*c] > 0);
    }
    assert_true(gr.has[0xdf]); /* ß */
    assert_true(gr.has[0xe4]); /* ä */
    assert_true(gr.has[0xf6]); /* ö */
    assert_true(gr.has[0xfc]); /* ü */
    assert_true(gr.has[0xdc]); /* Ü */
    assert_true(gr.has[' ']);  /* the blank: an advance, no bitmap */
    assert_true(gr.advance[' '] > 0);
    ts_http_resp_free(&r);

    /* a later range holds its own code points (ẞ, U+1E9E) */
    get(ts_server_url(&srv, "/fonts/Noto%20Sans%20Regular/7680-7935.pbf"), NULL, &r);
    assert_int_equal(r.status, 200);
    decode_glyphs(r.body, r.body_len, 7680, &gr);
    assert_string_equal(gr.range, "7680-7935");
    assert_true(gr.has[0x1e9e - 7680]);
    ts_http_resp_free(&r);
}

static void test_stack_fallback_and_etag(void **state)
{
    ts_http_resp r, r2;
    char inm[200];
    glyph_range gr;
    (void)state;
    NEED_FONTS();
    /* the first installed font of the list answers */
    get(ts_server_url(&srv, "/fonts/Open%20Sans%20Bold,Noto%20Sans%20Regular/0-255.pbf"), NULL, &r);
    assert_int_equal(r.status, 200);
    decode_glyphs(r.body, r.body_len, 0, &gr);
    assert_string_equal(gr.name, FONT);
    snprintf(inm, sizeof inm, "If-None-Match: %s", ts_http_header(&r, "ETag"));
    ts_http_resp_free(&r);
    get(ts_server_url(&srv, "/fonts/Noto%20Sans%20Regular/0-255.pbf"), inm, &r2);
    assert_int_equal(r2.status, 304);
    assert_int_equal(r2.body_len, 0);
    ts_http_resp_free(&r2);
    /* any origin may read them, as MapLibre on another page would */
    get(ts_server_url(&srv, "/fonts/Noto%20Sans%20Regular/256-511.pbf"),
        "Origin: https://forms.example.de", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Access-Control-Allow-Origin"), "*");
    ts_http_resp_free(&r);
}

static void test_unknown_and_bad(void **state)
{
    static const struct {
        const char *path;
        long status;
        const char *parameter;
    } bad[] = {
        {"/fonts/Comic%20Sans%20MS%20Regular/0-255.pbf", 404, "fontstack"},
        {"/fonts/..%2F..%2F..%2Fetc/passwd", 404, "fontstack"},
        {"/fonts/..%2Ffonts%2FNoto%20Sans%20Regular/0-255.pbf", 404, "fontstack"},
        {"/fonts/.hidden/0-255.pbf", 404, "fontstack"},
        {"/fonts/Noto%20Sans%20Regular/0-256.pbf", 400, "range"},
        {"/fonts/Noto%20Sans%20Regular/1-256.pbf", 400, "range"},
        {"/fonts/Noto%20Sans%20Regular/65536-65791.pbf", 400, "range"},
        {"/fonts/Noto%20Sans%20Regular/-256-0.pbf", 400, "range"},
        {"/fonts/Noto%20Sans%20Regular/0-255.json", 400, "range"},
        {"/fonts/Noto%20Sans%20Regular/abc", 400, "range"},
        {"/fonts/comic-sans/400.css", 404, "family"},
        {"/fonts/noto-sans/450.css", 400, "file"},
        {"/fonts/noto-sans/bold.css", 400, "file"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ts_http_resp r;
        json_t *p;
        get(ts_server_url(&srv, bad[i].path), NULL, &r);
        p = expect_problem(&r, bad[i].status, bad[i].parameter);
        if (bad[i].status == 404 && have_fonts) {
            /* says which fonts there are */
            json_t *inst = json_object_get(p, "installed");
            assert_int_equal(json_array_size(inst), 1);
            assert_string_equal(json_string_value(json_array_get(inst, 0)), FONT);
        }
        json_decref(p);
        ts_http_resp_free(&r);
    }
    {
        ts_http_resp r;
        get(ts_server_url(&srv, "/fonts/Comic%20Sans%20MS%20Regular/0-255.pbf"),
            "Accept-Language: de", &r);
        json_decref(expect_problem(&r, 404, "fontstack"));
        assert_non_null(strstr(r.body, "Schrift"));
        ts_http_resp_free(&r);
    }
}

static void test_webfont_sheet(void **state)
{
    ts_http_resp r;
    (void)state;
    NEED_FONTS();
    /* what ol-mapbox-style asks for "Noto Sans Regular" with the style's
     * ol:webfonts template: a sheet naming the family, no remote source */
    get(ts_server_url(&srv, "/fonts/noto-sans/400.css"), NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(ts_http_header(&r, "Content-Type"), "text/css"));
    assert_non_null(strstr(r.body, "@font-face"));
    assert_non_null(strstr(r.body, "font-family: \"Noto Sans\""));
    assert_non_null(strstr(r.body, "font-weight: 400"));
    assert_non_null(strstr(r.body, "local(\"Noto Sans Regular\")"));
    assert_non_null(strstr(r.body, "local(\"NotoSans-Regular\")"));
    assert_null(strstr(r.body, "url("));
    ts_http_resp_free(&r);
    get(ts_server_url(&srv, "/fonts/noto-sans/700-italic.css"), NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "font-style: italic"));
    assert_non_null(strstr(r.body, "local(\"NotoSans-BoldItalic\")"));
    ts_http_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_style_fontstack),
        cmocka_unit_test(test_stack_fallback_and_etag),
        cmocka_unit_test(test_unknown_and_bad),
        cmocka_unit_test(test_webfont_sheet),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
