/*
 * test_api_not_modified.c - every route that can answer 304 Not Modified,
 * against the real server: GET, then GET again with If-None-Match naming the
 * ETag of the first answer. The 304 must carry the headers the 200 carried
 * (RFC 9110 15.4.5): a browser replaces the headers it cached for the page
 * with those of the 304, so a 304 with another Content-Security-Policy
 * breaks the cached page (the review app went blank on reload: its 304 said
 * "default-src 'none'" and Chromium blocked its scripts). Compared:
 * Content-Security-Policy, X-Content-Type-Options, Referrer-Policy,
 * Cache-Control, ETag, Vary, CORS and Content-Crs; each once without and
 * once with Accept-Encoding: gzip (the ETag of a gzipped answer ends in
 * "-gz"). A 304 sends no Content-Type, Content-Encoding or body.
 *
 * Routes: static files (the review app's page, a hashed script, a JSON file
 * with a .gz sibling, the start page), the OGC API documents, items and an
 * item as GeoJSON and HTML, reference and case tiles, base map tiles, glyphs,
 * services, styles, the OpenAPI document, the address search, a case's
 * features and map images of cases and drafts. The editor page
 * /edit/{token} has no ETag (it is filled per draft and no-store): it never
 * answers 304, so its own frame-ancestors cannot be lost.
 *
 * The case is submitted on an empty store (an information stand passes
 * where no reference layer exists), then the demo quarter is imported and
 * the server started again, as a city that imports its data later.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "ts_group.h"
#include "ts.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_review.h"
#include "ts_run.h"
#include "ts_server.h"

#define PW_ADMIN  "Zinnober Leuchtturm 333"
#define CASE_LON  13.310120
#define CASE_LAT  52.585120
#define FONT      "Noto Sans Regular"
#define REVIEW_JS "/assets/review-B2x9Qa1c.js"

static ts_server srv;
static bool have_data, have_fonts;
static char db[4096], web_root[4200], key[128], case_id[64], draft_id[128], draft_token[128];
static ts_review_session admin;

/* The headers a 304 must repeat from the 200. */
static const char *const kept[] = {
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cache-Control",
    "ETag",
    "Vary",
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
    "Content-Crs",
};

static void write_text(const char *dir, const char *name, const char *text)
{
    FILE *f = fopen(ts_path(dir, name), "w");
    if (!f || fputs(text, f) < 0) fail_msg("cannot write %s/%s", dir, name);
    fclose(f);
}

/* A web root like web/dist: the review app's page and script, the editor
 * page with its placeholders, a start page, a JSON file with a .gz sibling
 * and the glyphs of the npm package when installed. */
static int make_web_root(void)
{
    char pkg[4200], fonts[4300];
    struct stat sb;
    gzFile gz;

    snprintf(web_root, sizeof web_root, "%s/dist", ts_tmpdir("api_not_modified_web"));
    if (mkdir(web_root, 0755) != 0 || mkdir(ts_path(web_root, "review"), 0755) != 0 ||
        mkdir(ts_path(web_root, "assets"), 0755) != 0)
        return -1;
    write_text(web_root, "index.html", "<!doctype html><title>start</title>");
    write_text(web_root, "review/index.html",
               "<!doctype html><title>review</title><script type=\"module\" src=\"" REVIEW_JS
               "\"></script><p>" /* above 1 KiB: a body worth compressing */
               "Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste "
               "Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste "
               "Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste "
               "Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste "
               "Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste "
               "Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste "
               "Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste "
               "Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste "
               "Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste "
               "Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste "
               "Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste "
               "Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste Fallliste "
               "</p>");
    write_text(web_root, "assets/review-B2x9Qa1c.js", "document.body.dataset.ready = '1';");
    write_text(web_root, "edit.html",
               "<!doctype html><html lang=\"__GE_LANG__\"><meta name=\"geoeditor-config\" "
               "content=\"__GE_EDITOR_CONFIG__\"><title>editor</title>");
    write_text(web_root, "data.json", "{\"plain\":true}");
    gz = gzopen(ts_path(web_root, "data.json.gz"), "wb");
    if (!gz) return -1;
    gzputs(gz, "{\"from_gz\":true}");
    gzclose(gz);

    snprintf(pkg, sizeof pkg, "%s/web/node_modules/tileserver-gl-styles/fonts/" FONT,
             ts_env("GE_SOURCE_DIR"));
    have_fonts = stat(pkg, &sb) == 0 && S_ISDIR(sb.st_mode);
    if (!have_fonts) {
        printf("SKIP: %s is missing (scripts/setup runs npm ci): glyphs not tested\n", pkg);
        return 0;
    }
    snprintf(fonts, sizeof fonts, "%s/fonts", web_root);
    if (mkdir(fonts, 0755) != 0 || symlink(pkg, ts_path(fonts, FONT)) != 0) return -1;
    return 0;
}

static int submit_case(void)
{
    char token[128];
    ts_http_resp r;
    json_t *doc;

    if (ts_forms_draft(&srv, key, ts_forms_stand_body(CASE_LON, CASE_LAT), draft_id, token) != 201)
        return -1;
    if (ts_forms_call("POST", ts_server_url(&srv, ts_pathf("/v1/drafts/%s/submit", draft_id)), key,
                      "not-modified-1",
                      "{\"reference\":\"AZ-304\",\"applicant\":{\"name\":\"Erika Mustermann\"}}",
                      &r) != 0 ||
        r.status != 201) {
        fprintf(stderr, "submit: %ld %s\n", r.status, r.body ? r.body : "");
        ts_http_resp_free(&r);
        return -1;
    }
    doc = ts_forms_json(&r);
    snprintf(case_id, sizeof case_id, "%s", json_string_value(json_object_get(doc, "case_id")));
    json_decref(doc);
    ts_http_resp_free(&r);
    /* An open draft for the editor page and the draft map images. */
    return ts_forms_draft(&srv, key, ts_forms_stand_body(CASE_LON + 0.0003, CASE_LAT), draft_id,
                          draft_token) == 201
               ? 0
               : -1;
}

static int setup(void **state)
{
    const char *osm = ts_demo_osm();
    const char *args[] = {"--web-root", web_root, NULL};
    ts_server_opts o = {.args = args};
    (void)state;

    if (!osm) return 0;
    if (make_web_root() != 0) return -1;
    if (ts_server_start(&srv, "api_not_modified", &o) != 0) return -1;
    if (ts_forms_client_add(srv.db, "Not Modified Form", key) != 0 ||
        ts_review_user_add(srv.db, "admin", "admin", NULL, PW_ADMIN) != 0 || submit_case() != 0 ||
        ts_server_stop(&srv) != 0)
        return -1;
    snprintf(db, sizeof db, "%s", srv.db);
    if (ts_run_import(db, osm) != 0) return -1;
    o.db = db;
    if (ts_server_start(&srv, "api_not_modified_data", &o) != 0) return -1;
    if (ts_review_login(&srv, "admin", PW_ADMIN, &admin) != 200 || !admin.cookie[0]) return -1;
    have_data = true;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!have_data) return 0;
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

#define NEED_DATA() TS_NEED(have_data, "the demo quarter (GE_DEMO_OSM)")

/* Who asks: nobody, a form server (Bearer) or a caseworker (session). */
typedef enum { ANON, FORM, SESSION } who_t;

static void get(const char *path, who_t who, const char *gzip, const char *inm, ts_http_resp *r)
{
    char auth[300], cond[300];
    const char *headers[4];
    size_t n = 0;
    ts_http_req q = {.url = ts_server_url(&srv, path), .headers = headers};

    if (who == FORM) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
        headers[n++] = auth;
    } else if (who == SESSION) {
        snprintf(auth, sizeof auth, "Cookie: ge_session=%s", admin.cookie);
        headers[n++] = auth;
    }
    if (gzip) headers[n++] = gzip;
    if (inm) {
        snprintf(cond, sizeof cond, "If-None-Match: %s", inm);
        headers[n++] = cond;
    }
    headers[n] = NULL;
    if (ts_http(&q, r) != 0) fail_msg("GET %s: %s", path, r->error);
}

/*
 * GET path, then again with If-None-Match: the 304 repeats the kept headers
 * of the 200 (or of the 204 of an empty tile). gzip: NULL or an
 * Accept-Encoding line, sent both times.
 */
static void check_route(const char *path, who_t who, const char *gzip)
{
    ts_http_resp a, b;
    char etag[200];

    get(path, who, gzip, NULL, &a);
    if (a.status != 200 && a.status != 204)
        fail_msg("GET %s%s: %ld, not 200: %.300s", path, gzip ? " (gzip)" : "", a.status,
                 a.body ? a.body : "");
    if (!ts_http_header(&a, "ETag")) fail_msg("GET %s: no ETag", path);
    snprintf(etag, sizeof etag, "%s", ts_http_header(&a, "ETag"));
    get(path, who, gzip, etag, &b);
    if (b.status != 304)
        fail_msg("GET %s with If-None-Match %s: %ld, not 304", path, etag, b.status);
    assert_int_equal(b.body_len, 0);
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        char want[2048];
        const char *v = ts_http_header(&a, kept[i]);
        const char *got;
        snprintf(want, sizeof want, "%s", v ? v : "(absent)");
        got = ts_http_header(&b, kept[i]);
        if (strcmp(want, got ? got : "(absent)") != 0)
            fail_msg("GET %s%s: the 304's %s is '%s', the 200's '%s'", path, gzip ? " (gzip)" : "",
                     kept[i], got ? got : "(absent)", want);
    }
    if (ts_http_header(&b, "Content-Type") || ts_http_header(&b, "Content-Encoding"))
        fail_msg("GET %s: the 304 carries Content-Type or Content-Encoding", path);
    ts_http_resp_free(&a);
    ts_http_resp_free(&b);
}

/* Both encodings. */
static void check(const char *path, who_t who)
{
    check_route(path, who, NULL);
    check_route(path, who, "Accept-Encoding: gzip");
}

/* The review app's page: the 304 keeps the page's own policy. */
static void test_review_page(void **state)
{
    ts_http_resp a, b;
    char etag[200], csp[2048];
    (void)state;
    NEED_DATA();

    get("/review/", ANON, NULL, NULL, &a);
    assert_int_equal(a.status, 200);
    snprintf(csp, sizeof csp, "%s", ts_http_header(&a, "Content-Security-Policy"));
    assert_non_null(strstr(csp, "script-src 'self'"));
    assert_non_null(strstr(csp, "frame-ancestors 'self'"));
    snprintf(etag, sizeof etag, "%s", ts_http_header(&a, "ETag"));
    get("/review/", ANON, NULL, etag, &b);
    assert_int_equal(b.status, 304);
    assert_string_equal(ts_http_header(&b, "Content-Security-Policy"), csp);
    assert_null(strstr(ts_http_header(&b, "Content-Security-Policy"), "default-src 'none'"));
    ts_http_resp_free(&a);
    ts_http_resp_free(&b);

    check("/review/", ANON);
    check("/review/cases/123", ANON); /* the app's own paths: its index.html */
    check(REVIEW_JS, ANON);
    check("/data.json", ANON);
    check("/", ANON);
}

static void test_open_data(void **state)
{
    ts_http_resp r;
    json_t *doc;
    char path[256];
    (void)state;
    NEED_DATA();

    check("/?f=html", ANON);
    check("/?f=json", ANON);
    check("/conformance", ANON);
    check("/collections", ANON);
    check("/collections/hydrants", ANON);
    check("/collections/hydrants?f=html", ANON);
    check("/collections/hydrants/items?limit=5", ANON);
    check("/collections/hydrants/items?limit=5&f=html", ANON);
    check("/collections/hydrants/items?limit=5&crs=http://www.opengis.net/def/crs/EPSG/0/25832",
          ANON);
    get("/collections/hydrants/items?limit=1", ANON, NULL, NULL, &r);
    doc = ts_forms_json(&r);
    snprintf(path, sizeof path, "/collections/hydrants/items/%lld",
             json_integer_value(
                 json_object_get(json_array_get(json_object_get(doc, "features"), 0), "id")));
    json_decref(doc);
    ts_http_resp_free(&r);
    check(path, ANON);
    check(ts_pathf("%s?f=html", path), ANON);
    check("/api", ANON);
    check("/v1/services", ANON);
    check("/v1/services/info-stand", ANON);
    check("/styles", ANON);
    check("/styles/basemap", ANON);
    check("/v1/addresses?q=a&limit=3", ANON);
}

/* The tile of zoom z that holds lon/lat, as ".../{z}/{y}/{x}". */
static const char *tile_path(const char *prefix, int z, double lon, double lat)
{
    double n = ldexp(1.0, z), rad = lat * M_PI / 180.0;
    unsigned x = (unsigned)floor((lon + 180.0) / 360.0 * n);
    unsigned y = (unsigned)floor((1.0 - log(tan(rad) + 1.0 / cos(rad)) / M_PI) / 2.0 * n);
    return ts_pathf("%s/%d/%u/%u", prefix, z, y, x);
}

static void test_tiles_and_glyphs(void **state)
{
    ts_http_resp r;
    json_t *doc, *c;
    double lon, lat;
    char path[512];
    (void)state;
    NEED_DATA();

    /* The middle of the demo quarter, from the base map's TileJSON. */
    get("/tiles/basemap/WebMercatorQuad", ANON, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    c = json_object_get(doc, "center");
    lon = json_number_value(json_array_get(c, 0));
    lat = json_number_value(json_array_get(c, 1));
    json_decref(doc);
    ts_http_resp_free(&r);

    snprintf(path, sizeof path, "%s", tile_path("/tiles/basemap/WebMercatorQuad", 16, lon, lat));
    check(path, ANON);
    snprintf(path, sizeof path, "%s",
             tile_path("/collections/roads/tiles/WebMercatorQuad", 16, lon, lat));
    check(path, ANON);
    snprintf(path, sizeof path, "%s",
             tile_path("/collections/cases/tiles/WebMercatorQuad", 16, CASE_LON, CASE_LAT));
    check(path, SESSION);

    if (!have_fonts) {
        print_message("SKIP: no glyphs installed (the checks above ran)\n");
        skip();
    }
    check("/fonts/Noto%20Sans%20Regular/0-255.pbf", ANON);
}

static void test_cases_and_maps(void **state)
{
    (void)state;
    NEED_DATA();

    check(ts_pathf("/v1/cases/%s/features", case_id), FORM);
    check(ts_pathf("/v1/cases/%s/features", case_id), SESSION);
    check(
        ts_pathf("/v1/cases/%s/features?crs=http://www.opengis.net/def/crs/EPSG/0/25832", case_id),
        SESSION);
    check(ts_pathf("/v1/cases/%s/map.png?width=300&height=200", case_id), FORM);
    check(ts_pathf("/v1/cases/%s/map.png?width=300&height=200", case_id), SESSION);
    check(ts_pathf("/v1/drafts/%s/map.png?width=300&height=200", draft_id), FORM);
    check(ts_pathf("/v1/edit/%s/map.png?width=300&height=200", draft_token), ANON);
}

/* The editor page is made per draft and not stored: no ETag, never a 304,
 * always its own frame-ancestors. */
static void test_editor_page(void **state)
{
    ts_http_resp a, b;
    const char *path;
    (void)state;
    NEED_DATA();

    path = ts_pathf("/edit/%s", draft_token);
    get(path, ANON, NULL, NULL, &a);
    assert_int_equal(a.status, 200);
    assert_null(ts_http_header(&a, "ETag"));
    assert_non_null(strstr(ts_http_header(&a, "Content-Security-Policy"),
                           "frame-ancestors https://forms.example.de"));
    get(path, ANON, NULL, "*", &b);
    assert_int_equal(b.status, 200);
    assert_string_equal(ts_http_header(&b, "Content-Security-Policy"),
                        ts_http_header(&a, "Content-Security-Policy"));
    ts_http_resp_free(&a);
    ts_http_resp_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_review_page),      cmocka_unit_test(test_open_data),
        cmocka_unit_test(test_tiles_and_glyphs), cmocka_unit_test(test_cases_and_maps),
        cmocka_unit_test(test_editor_page),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
