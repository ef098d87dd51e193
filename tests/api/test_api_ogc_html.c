/*
 * test_api_ogc_html.c - the OGC API's HTML pages through the real server on
 * the demo quarter: the page's language (German by default, English when
 * Accept-Language prefers it, lang= above both, set in <html lang> and in
 * every label of each page kind, kept in the links), a bad lang a 400
 * problem naming the parameter on every route and format, the JSON
 * documents as before (English titles without lang), the pages' tags
 * differing per language; each layer's description in the page's language
 * (the mapping's description_de on German pages; the JSON's description as
 * before, description_de beside it); the favicon (ICO and SVG, right types), the
 * stylesheet and map script from the built front end (hashed, immutable),
 * the map's data inside the items page or, for another CRS, its CRS84
 * GeoJSON URL; breadcrumbs and paging links; a layer whose title,
 * description and properties hold markup (imported from GeoJSON beside the
 * demo quarter) shows it as text everywhere, also inside the map's data.
 *
 * The cases that need the built front end (web/dist, from scripts/setup)
 * skip visibly without it.
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
#include <unistd.h>

#include "ts.h"
#include "ts_http.h"
#include "ts_run.h"
#include "ts_server.h"

static ts_server srv;

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs(text, f);
    return fclose(f);
}

static int import(const char *const *argv)
{
    ts_run_result r;
    if (ts_run(&r, NULL, argv) != 0 || r.status != 0) {
        fprintf(stderr, "import failed:\n%s\n%s\n", r.out, r.err);
        return -1;
    }
    ts_run_free(&r);
    return 0;
}

/* The demo quarter, and a layer "evil" with markup in its title,
 * description and a property value. */
static int setup(void **state)
{
    ts_server_opts o = {0};
    char dir[4096], db[4200], mapping[4200], evil[4200];
    (void)state;

    snprintf(dir, sizeof dir, "%s", ts_tmpdir("api_ogc_html_db"));
    snprintf(db, sizeof db, "%s/demo.db", dir);
    snprintf(mapping, sizeof mapping, "%s/evil.json", dir);
    snprintf(evil, sizeof evil, "%s/evil.geojson", dir);
    {
        const char *argv[] = {ts_env("GE_BINARY"), "import", "--db", db, "--srid", "25832",
                              ts_demo_osm(),       NULL};
        if (import(argv) != 0) return -1;
    }
    if (write_text(mapping, "{\"layers\": {\"evil\": {\"title\": \"<b>Böse</b> & Co\", "
                            "\"description\": \"<img src=x onerror=alert(1)>\", "
                            "\"source\": \"evil\", \"geometry\": \"point\", "
                            "\"properties\": {\"note\": \"note\"}}}}") != 0 ||
        write_text(evil, "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": "
                         "\"Feature\", \"properties\": {\"note\": "
                         "\"</script><script>alert(1)</script><!--<script>\"}, \"geometry\": "
                         "{\"type\": \"Point\", \"coordinates\": [9.93, 51.54]}}]}") != 0)
        return -1;
    {
        const char *argv[] = {ts_env("GE_BINARY"), "import", "--db", db,
                              "--mapping",         mapping,  evil,   NULL};
        if (import(argv) != 0) return -1;
    }
    o.db = db; /* the default web root: the source tree's web/dist */
    return ts_server_start(&srv, "api_ogc_html", &o);
}

static int teardown(void **state)
{
    (void)state;
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

/* The built front end, or a visible skip. */
static void need_web(void)
{
    const char *manifest = ts_path(ts_env("GE_SOURCE_DIR"), "web/dist/.vite/manifest.json");
    if (access(manifest, R_OK) != 0) {
        printf("SKIP: %s is absent (scripts/setup builds the front end)\n", manifest);
        skip();
    }
}

/* GET path with an optional Accept-Language; the response must be freed. */
static void get(const char *path, const char *accept_language, ts_http_resp *r)
{
    char al[128];
    const char *h[] = {NULL, NULL};
    ts_http_req q = {.url = ts_server_url(&srv, path), .headers = h};

    if (accept_language) {
        snprintf(al, sizeof al, "Accept-Language: %s", accept_language);
        h[0] = al;
    }
    if (ts_http(&q, r) != 0) fail_msg("GET %s: %s", path, r->error);
}

/* An HTML page in the expected language: <html lang>, a label of that
 * language and none of the other. */
static void expect_page(const char *path, const char *accept_language, const char *lang,
                        const char *label, const char *other_label)
{
    ts_http_resp r;
    char want[32];

    get(path, accept_language, &r);
    if (r.status != 200) fail_msg("GET %s: %ld %s", path, r.status, r.body);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "text/html; charset=utf-8");
    snprintf(want, sizeof want, "<html lang=\"%s\">", lang);
    if (!strstr(r.body, want))
        fail_msg("GET %s (Accept-Language %s): no %s", path,
                 accept_language ? accept_language : "-", want);
    if (!strstr(r.body, label))
        fail_msg("GET %s (%s): the label '%s' is missing", path, lang, label);
    if (strstr(r.body, other_label))
        fail_msg("GET %s (%s): the other language's label '%s' is there", path, lang, other_label);
    ts_http_resp_free(&r);
}

/* ---- language --------------------------------------------------------------- */

/* Each page kind: a label of its own in German and in English. */
static const struct {
    const char *path, *de, *en;
} pages[] = {
    {"/?f=html", "Konformitätsklassen", "Conformance classes"},
    {"/conformance?f=html", "Dieser Server erfüllt", "This server implements"},
    {"/collections?f=html", ">Beschreibung</th>", ">Description</th>"},
    {"/collections/trees?f=html", "Objekte ansehen", "Show the features"},
    {"/collections/trees/items?f=html&limit=5", "Diese Seite zeigt", "This page shows"},
    {"/collections/trees/items/3?f=html", "Eigenschaften", "Properties"},
};

static void test_german_by_default(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        expect_page(pages[i].path, NULL, "de", pages[i].de, pages[i].en);
        /* a language the server does not have: German too */
        expect_page(pages[i].path, "fr-FR,fr;q=0.9", "de", pages[i].de, pages[i].en);
        expect_page(pages[i].path, "de-DE,de;q=0.9,en;q=0.8", "de", pages[i].de, pages[i].en);
    }
    /* every page has the breadcrumbs and the way to English */
    expect_page("/collections/trees/items/3?f=html", NULL, "de", "Brotkrümelnavigation",
                "Breadcrumb");
    expect_page("/collections/trees/items/3?f=html", NULL, "de", "hreflang=\"en\"",
                "hreflang=\"de\"");
    /* the landing page is geoEDITOR's own: its name once in the tab's title */
    expect_page("/?f=html", NULL, "de", "<title>geoEDITOR</title>",
                "<title>geoEDITOR &ndash; geoEDITOR</title>");
    expect_page("/collections?f=html", NULL, "de",
                "<title>Referenzebenen &ndash; geoEDITOR</title>", "<title>geoEDITOR</title>");
}

static void test_english_by_accept_language(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        expect_page(pages[i].path, "en-US,en;q=0.9", "en", pages[i].en, pages[i].de);
        expect_page(pages[i].path, "de;q=0.5, en", "en", pages[i].en, pages[i].de);
    }
    expect_page("/collections/trees/items/3?f=html", "en", "en", "aria-label=\"Breadcrumb\"",
                "Brotkrümelnavigation");
}

static void test_lang_parameter(void **state)
{
    char path[256];
    ts_http_resp r;
    (void)state;

    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        snprintf(path, sizeof path, "%s&lang=en", pages[i].path);
        expect_page(path, "de-DE", "en", pages[i].en, pages[i].de);
        snprintf(path, sizeof path, "%s&lang=de", pages[i].path);
        expect_page(path, "en-US,en", "de", pages[i].de, pages[i].en);
    }
    /* the chosen language stays in the page's links: breadcrumbs, paging */
    get("/collections/trees/items?f=html&limit=5&lang=en", "de", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "/collections/trees?f=html&amp;lang=en\""));
    assert_non_null(strstr(r.body, "/collections?f=html&amp;lang=en\""));
    assert_non_null(strstr(r.body, "rel=\"next\""));
    assert_non_null(strstr(r.body, "lang=en&amp;after=5\""));
    /* ... and the switch to German replaces it */
    assert_non_null(strstr(r.body, "/collections/trees/items?f=html&amp;limit=5&amp;lang=de\""));
    assert_null(strstr(r.body, "lang=en&amp;lang=de"));
    ts_http_resp_free(&r);
}

static void test_bad_lang(void **state)
{
    const char *paths[] = {
        "/?f=json&lang=fr",
        "/?f=html&lang=fr",
        "/conformance?lang=EN",
        "/collections?f=html&lang=",
        "/collections/trees?lang=deutsch",
        "/collections/trees/items?f=html&lang=de-DE",
        "/collections/trees/items/3?lang=xx",
    };
    (void)state;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        ts_http_resp r;
        json_t *p;
        get(paths[i], "de", &r);
        if (r.status != 400) fail_msg("GET %s: %ld, want 400", paths[i], r.status);
        assert_string_equal(ts_http_header(&r, "Content-Type"), "application/problem+json");
        p = json_loads(r.body, 0, NULL);
        assert_non_null(p);
        assert_string_equal(json_string_value(json_object_get(p, "parameter")), "lang");
        /* the detail names the parameter and what it may be, in the caller's language */
        if (!strstr(json_string_value(json_object_get(p, "detail")), "lang muss de oder en sein"))
            fail_msg("GET %s: detail %s", paths[i], r.body);
        json_decref(p);
        ts_http_resp_free(&r);
    }
    {
        ts_http_resp r;
        get("/collections?f=html&lang=fr", "en", &r);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(r.body, "lang must be de or en, not 'fr'"));
        ts_http_resp_free(&r);
    }
}

static void test_json_unchanged(void **state)
{
    ts_http_resp r;
    json_t *doc;
    (void)state;

    /* no Accept-Language: English titles, as before the HTML pages' default */
    get("/collections", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/json");
    doc = json_loads(r.body, 0, NULL);
    assert_non_null(doc);
    assert_non_null(strstr(r.body, "\"This document as JSON\""));
    assert_null(strstr(r.body, "<html"));
    json_decref(doc);
    ts_http_resp_free(&r);
    get("/collections/trees/items?limit=2", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/geo+json");
    assert_non_null(strstr(r.body, "\"Next page\""));
    ts_http_resp_free(&r);
    /* lang= is accepted on JSON too and sets the titles' language */
    get("/collections/trees/items?limit=2&lang=de", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"Nächste Seite\""));
    ts_http_resp_free(&r);
}

/* A layer's description in the page's language: the mapping's
 * description_de on German pages, its description on English ones; the
 * JSON keeps description as it was and has description_de beside it. */
static void test_layer_description_per_language(void **state)
{
    ts_http_resp r;
    json_t *doc;
    (void)state;

    expect_page("/collections/trees?f=html", NULL, "de", "Einzelbäume (natural=tree).",
                "Single trees (natural=tree).");
    expect_page("/collections/trees?f=html", "en", "en", "Single trees (natural=tree).",
                "Einzelbäume (natural=tree).");
    expect_page("/collections?f=html", "de-DE", "de", "Gebäudeumrisse (building=*).",
                "Building outlines (building=*).");
    expect_page("/collections?f=html&lang=en", "de-DE", "en", "Building outlines (building=*).",
                "Gebäudeumrisse (building=*).");
    /* a layer without description_de shows its description on German pages */
    expect_page("/collections/evil?f=html", NULL, "de", "&lt;img src=x onerror=alert(1)&gt;",
                "description_de");

    get("/collections/trees", "de", &r);
    assert_int_equal(r.status, 200);
    doc = json_loads(r.body, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "description")),
                        "Single trees (natural=tree).");
    assert_string_equal(json_string_value(json_object_get(doc, "description_de")),
                        "Einzelbäume (natural=tree).");
    json_decref(doc);
    ts_http_resp_free(&r);
    get("/collections/evil", NULL, &r);
    assert_int_equal(r.status, 200);
    doc = json_loads(r.body, 0, NULL);
    assert_non_null(doc);
    assert_null(json_object_get(doc, "description_de"));
    json_decref(doc);
    ts_http_resp_free(&r);
}

static void test_tags_per_language(void **state)
{
    const char *paths[] = {"/collections?f=html", "/collections/trees/items?f=html&limit=3",
                           "/collections/trees/items/3?f=html"};
    (void)state;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        ts_http_resp de, en;
        char inm[200];
        get(paths[i], NULL, &de);
        get(paths[i], "en", &en);
        assert_int_equal(de.status, 200);
        assert_int_equal(en.status, 200);
        assert_non_null(strstr(ts_http_header(&de, "Vary"), "Accept-Language"));
        /* the German page's tag does not validate the English page */
        assert_string_not_equal(ts_http_header(&de, "ETag"), ts_http_header(&en, "ETag"));
        snprintf(inm, sizeof inm, "If-None-Match: %s", ts_http_header(&de, "ETag"));
        {
            const char *h[] = {inm, "Accept-Language: en", NULL};
            ts_http_req q = {.url = ts_server_url(&srv, paths[i]), .headers = h};
            ts_http_resp again;
            assert_int_equal(ts_http(&q, &again), 0);
            assert_int_equal(again.status, 200);
            ts_http_resp_free(&again);
        }
        ts_http_resp_free(&de);
        ts_http_resp_free(&en);
    }
}

/* ---- the front end's files ---------------------------------------------------- */

static void test_favicon(void **state)
{
    ts_http_resp r;
    (void)state;
    need_web();

    get("/favicon.ico", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "image/x-icon");
    /* an ICO: reserved 0, type 1, at least one image */
    assert_true(r.body_len > 22);
    assert_memory_equal(r.body, "\0\0\1\0", 4);
    assert_true((unsigned char)r.body[4] >= 1);
    ts_http_resp_free(&r);

    get("/favicon.svg", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "image/svg+xml");
    assert_non_null(strstr(r.body, "<svg"));
    ts_http_resp_free(&r);

    /* every page names them */
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        get(pages[i].path, NULL, &r);
        assert_non_null(strstr(r.body, "<link rel=\"icon\" href=\"http://127.0.0.1:"));
        assert_non_null(strstr(r.body, "/favicon.ico\" sizes=\"32x32\">"));
        assert_non_null(strstr(r.body, "/favicon.svg\" type=\"image/svg+xml\">"));
        ts_http_resp_free(&r);
    }
}

/* The href of the first <link rel="stylesheet"> or script src after needle. */
static bool asset_after(const char *body, const char *needle, char *out, size_t size)
{
    const char *p = strstr(body, needle), *end;
    if (!p) return false;
    p += strlen(needle);
    end = strchr(p, '"');
    if (!end || (size_t)(end - p) >= size) return false;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return true;
}

static void test_stylesheet_and_script(void **state)
{
    ts_http_resp r, a;
    char url[512];
    const char *css_at;
    (void)state;
    need_web();

    /* a page without a map: the stylesheet only */
    get("/collections?f=html", NULL, &r);
    assert_null(strstr(r.body, "<script"));
    css_at = strstr(r.body, "/assets/ogc-");
    assert_non_null(css_at);
    assert_true(asset_after(r.body, "<link rel=\"stylesheet\" href=\"", url, sizeof url));
    assert_non_null(strstr(url, "/assets/ogc-"));
    assert_non_null(strstr(url, ".css"));
    ts_http_resp_free(&r);
    {
        ts_http_req q = {.url = url};
        assert_int_equal(ts_http(&q, &a), 0);
        assert_int_equal(a.status, 200);
        assert_string_equal(ts_http_header(&a, "Content-Type"), "text/css; charset=utf-8");
        assert_string_equal(ts_http_header(&a, "Cache-Control"),
                            "public, max-age=31536000, immutable");
        assert_true(a.body_len < 8192); /* small */
        ts_http_resp_free(&a);
    }

    /* the items page: the map's script, its data inside the page */
    get("/collections/trees/items?f=html&limit=4", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_true(asset_after(r.body, "<script type=\"module\" src=\"", url, sizeof url));
    assert_non_null(strstr(url, "/assets/ogc-"));
    {
        ts_http_req q = {.url = url};
        assert_int_equal(ts_http(&q, &a), 0);
        assert_int_equal(a.status, 200);
        assert_string_equal(ts_http_header(&a, "Content-Type"), "text/javascript; charset=utf-8");
        ts_http_resp_free(&a);
    }
    assert_non_null(strstr(r.body, "<div id=\"map\""));
    assert_non_null(strstr(r.body, "<script type=\"application/json\" id=\"map-data\">"
                                   "{\"type\":\"FeatureCollection\""));
    assert_null(strstr(r.body, "data-src="));
    ts_http_resp_free(&r);

    /* in another CRS the map asks for the same page in CRS84 */
    get("/collections/trees/items?f=html&limit=4&crs=EPSG:25832", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, "id=\"map-data\""));
    assert_non_null(strstr(r.body, "data-src=\"http://127.0.0.1:"));
    assert_non_null(strstr(r.body, "/collections/trees/items?f=json&amp;limit=4\""));
    ts_http_resp_free(&r);
}

/* ---- page structure ------------------------------------------------------------ */

static void test_breadcrumbs_and_paging(void **state)
{
    ts_http_resp r;
    (void)state;

    get("/collections/trees/items/3?f=html", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "<nav class=\"crumbs\""));
    assert_non_null(strstr(r.body, ">Start</a></li>"));
    assert_non_null(strstr(r.body, ">Referenzebenen</a></li>"));
    assert_non_null(strstr(r.body, "/collections/trees?f=html\">Bäume</a></li>"));
    assert_non_null(strstr(r.body, "/collections/trees/items?f=html\">Objekte</a></li>"));
    assert_non_null(strstr(r.body, "<li aria-current=\"page\">Objekt 3</li>"));
    ts_http_resp_free(&r);

    /* the first page: next only; the second: first, previous and next */
    get("/collections/trees/items?f=html&limit=10", NULL, &r);
    assert_non_null(strstr(r.body, "rel=\"next\""));
    assert_null(strstr(r.body, "rel=\"prev\""));
    assert_non_null(strstr(r.body, "Diese Seite zeigt 10 von 75 Objekten."));
    ts_http_resp_free(&r);
    get("/collections/trees/items?f=html&limit=10&after=10", NULL, &r);
    assert_non_null(strstr(r.body, "rel=\"next\""));
    assert_non_null(strstr(r.body, "rel=\"prev\""));
    /* the first page keeps the query (page size, filters) without the cursor */
    assert_non_null(
        strstr(r.body, "/collections/trees/items?f=html&amp;limit=10\">Erste Seite</a>"));
    ts_http_resp_free(&r);

    /* the collections: one table row per layer, counts linked to the features */
    get("/collections?f=html", "en", &r);
    assert_non_null(strstr(r.body, "<table class=\"list\">"));
    assert_non_null(strstr(r.body, "/collections/trees/items?f=html\">75<span"));
    ts_http_resp_free(&r);
}

static void test_markup_is_text(void **state)
{
    ts_http_resp r;
    const char *data, *end;
    (void)state;

    get("/collections?f=html", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "&lt;b&gt;Böse&lt;/b&gt; &amp; Co"));
    assert_non_null(strstr(r.body, "&lt;img src=x onerror=alert(1)&gt;"));
    assert_null(strstr(r.body, "<b>"));
    assert_null(strstr(r.body, "<img"));
    ts_http_resp_free(&r);

    get("/collections/evil/items?f=html", NULL, &r);
    assert_int_equal(r.status, 200);
    /* the table cell */
    assert_non_null(strstr(r.body, "<td>&lt;/script&gt;&lt;script&gt;alert(1)"));
    /* the map's data: its text holds no markup, so the element ends where the page ends it */
    data = strstr(r.body, "<script type=\"application/json\" id=\"map-data\">");
    assert_non_null(data);
    end = strstr(data, "</script>");
    assert_non_null(end);
    assert_non_null(strstr(data, "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"));
    assert_true(strstr(data, "\\u003c/script") < end);
    assert_null(strstr(r.body, "<script>alert"));
    assert_null(strstr(r.body, "<!--"));
    ts_http_resp_free(&r);

    get("/collections/evil/items/1?f=html", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "<title>&lt;b&gt;Böse&lt;/b&gt; &amp; Co: Objekt 1"));
    assert_non_null(strstr(r.body, "<dd>&lt;/script&gt;&lt;script&gt;alert(1)"));
    assert_null(strstr(r.body, "<script>alert"));
    assert_null(strstr(r.body, "<b>"));
    ts_http_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_german_by_default),
        cmocka_unit_test(test_english_by_accept_language),
        cmocka_unit_test(test_lang_parameter),
        cmocka_unit_test(test_bad_lang),
        cmocka_unit_test(test_json_unchanged),
        cmocka_unit_test(test_tags_per_language),
        cmocka_unit_test(test_layer_description_per_language),
        cmocka_unit_test(test_favicon),
        cmocka_unit_test(test_stylesheet_and_script),
        cmocka_unit_test(test_breadcrumbs_and_paging),
        cmocka_unit_test(test_markup_is_text),
    };
    int failed;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    failed = ts_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return ts_exit(failed);
}
