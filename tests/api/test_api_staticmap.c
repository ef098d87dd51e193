/*
 * test_api_staticmap.c - map images of cases and drafts through the real
 * server on the shared OSM extract (imported by the real "geoeditor
 * import"): a skip container placed where the rules find nothing wrong is
 * submitted as a case; its map.png has the requested size, and the pixels
 * of its outline carry the colour styles/services.json gives a valid
 * feature. A draft at the same place and time conflicts with that case, so
 * its map (by API key and by the applicant's token) shows the warning
 * colour. An A4 receipt at 150 DPI is written for visual review. The
 * applicant's map URL (printGeoEditing's downloadUrl) keeps printing after
 * the draft was submitted: the submitted case's map, the same image as the
 * case's own URL, while the editing routes answer 410; once the draft's
 * original expiry has passed, or the case was purged, 410 with a detail that
 * says which. Every bad input answers a problem naming what was wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cairo.h>
#include <cmocka.h>
#include "ts_group.h"
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crs.h"
#include "geos_ctx.h"
#include "ts.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_png.h"
#include "ts_run.h"
#include "ts_server.h"
#include "ts_skipcase.h"

#define CRS_URI "http://www.opengis.net/def/crs/EPSG/0/25832"

static ts_skipcase fx;

#define pathf(...)  ts_server_url(&fx.srv, ts_pathf(__VA_ARGS__))
#define NEED_DATA() TS_SKIPCASE_NEED(&fx)

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static int setup(void **state)
{
    static const ts_skipcase_opts o = {
        .length = 4, .east_west = false, .every = 3, .reference = "MAP-1"};
    (void)state;
    return ts_skipcase_setup(&fx, "api_staticmap", &o);
}

static int teardown(void **state)
{
    (void)state;
    return ts_skipcase_teardown(&fx);
}

/* The colour styles/services.json's features-line gives a state. */
static uint32_t state_colour(const char *st)
{
    char path[4200];
    json_t *doc, *layer;
    size_t i;
    uint32_t out = 0;
    snprintf(path, sizeof path, "%s/styles/services.json", ts_env("GE_SOURCE_DIR"));
    doc = json_load_file(path, 0, NULL);
    assert_non_null(doc);
    json_array_foreach(json_object_get(doc, "layers"), i, layer)
    {
        json_t *m;
        if (strcmp(json_string_value(json_object_get(layer, "id")), "features-line") != 0) continue;
        m = json_object_get(json_object_get(layer, "paint"), "line-color");
        for (size_t k = 2; k + 1 < json_array_size(m); k += 2)
            if (strcmp(json_string_value(json_array_get(m, k)), st) == 0)
                out = (uint32_t)strtoul(json_string_value(json_array_get(m, k + 1)) + 1, NULL, 16);
    }
    json_decref(doc);
    assert_true(out != 0);
    return out;
}

/* Decodes a map.png answer and checks that the middle of each edge of the
 * skip has colour want (within 2 per channel). */
static void check_map(const ts_http_resp *r, int width, int height, uint32_t want)
{
    cairo_surface_t *img;
    const char *bbox_h = ts_http_header(r, "X-Map-Bbox");
    double bb[4];

    assert_int_equal(r->status, 200);
    assert_string_equal(ts_http_header(r, "Content-Type"), "image/png");
    assert_string_equal(ts_http_header(r, "X-Map-Crs"), CRS_URI);
    assert_non_null(bbox_h);
    assert_int_equal(sscanf(bbox_h, "%lf,%lf,%lf,%lf", &bb[0], &bb[1], &bb[2], &bb[3]), 4);
    img = ts_png_decode(r->body, r->body_len);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(img), width);
    assert_int_equal(cairo_image_surface_get_height(img), height);
    for (int e = 0; e < 4; e++) {
        double x = (fx.ring[2 * e] + fx.ring[2 * e + 2]) / 2;
        double y = (fx.ring[2 * e + 1] + fx.ring[2 * e + 3]) / 2;
        int px = (int)((x - bb[0]) / (bb[2] - bb[0]) * width);
        int py = (int)((bb[3] - y) / (bb[3] - bb[1]) * height);
        const unsigned char *row =
            cairo_image_surface_get_data(img) + py * cairo_image_surface_get_stride(img);
        uint32_t got = ((const uint32_t *)row)[px] & 0xffffff;
        for (int sh = 0; sh <= 16; sh += 8)
            if (abs((int)((got >> sh) & 0xff) - (int)((want >> sh) & 0xff)) > 2)
                fail_msg("edge %d at pixel %d,%d: #%06x, expected #%06x", e, px, py, got, want);
    }
    cairo_surface_destroy(img);
}

static void test_case_map(void **state)
{
    ts_http_resp r;
    char inm[160], path[4200];
    FILE *f;
    (void)state;
    NEED_DATA();

    ts_forms_call("GET", pathf("/v1/cases/%s/map.png", fx.case_id), fx.key_a, NULL, NULL, &r);
    check_map(&r, 800, 600, state_colour("valid"));
    snprintf(inm, sizeof inm, "If-None-Match: %s", ts_http_header(&r, "ETag"));
    ts_http_resp_free(&r);
    {
        char auth[256];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", fx.key_a);
        const char *hdrs[] = {auth, inm, NULL};
        ts_http_req q = {.url = pathf("/v1/cases/%s/map.png", fx.case_id), .headers = hdrs};
        ts_http(&q, &r);
        assert_int_equal(r.status, 304);
        ts_http_resp_free(&r);
    }

    /* the A4 receipt at 150 DPI, kept for a look */
    ts_forms_call("GET", pathf("/v1/cases/%s/map.png?width=1240&height=1754&dpi=150", fx.case_id),
                  fx.key_a, NULL, NULL, &r);
    check_map(&r, 1240, 1754, state_colour("valid"));
    snprintf(path, sizeof path, "%s/staticmap-case.png", fx.dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(r.body, 1, r.body_len, f);
    fclose(f);
    print_message("the A4 map of the case: %s\n", path);
    ts_http_resp_free(&r);
}

static void test_draft_maps(void **state)
{
    ts_http_resp r;
    char body[2048], id[160], token[160];
    (void)state;
    NEED_DATA();

    /* the same place and period as the case: the conflict rule warns */
    snprintf(body, sizeof body,
             "{\"service\":\"skip-container\",\"reference\":\"MAP-2\",\"period\":%s,"
             "\"features\":%s}",
             ts_forms_period(), fx.fc);
    {
        char url[256];
        snprintf(url, sizeof url, "/v1/drafts?crs=%s", CRS_URI);
        ts_forms_call("POST", ts_server_url(&fx.srv, url), fx.key_a, NULL, body, &r);
        assert_int_equal(r.status, 201);
        json_t *doc = ts_forms_json(&r);
        const char *u = json_string_value(json_object_get(doc, "editor_url"));
        snprintf(id, sizeof id, "%s", json_string_value(json_object_get(doc, "id")));
        snprintf(token, sizeof token, "%s", strstr(u, "/edit/") + 6);
        json_decref(doc);
        ts_http_resp_free(&r);
    }
    ts_forms_call("GET", pathf("/v1/drafts/%s/map.png?width=640&height=480", id), fx.key_a, NULL,
                  NULL, &r);
    check_map(&r, 640, 480, state_colour("warning"));
    ts_http_resp_free(&r);
    ts_forms_call("GET", pathf("/v1/edit/%s/map.png?width=500&height=400&dpi=120", token), NULL,
                  NULL, NULL, &r);
    check_map(&r, 500, 400, state_colour("warning"));
    ts_http_resp_free(&r);
    /* another client does not see the draft */
    ts_forms_call("GET", pathf("/v1/drafts/%s/map.png", id), fx.key_b, NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    ts_http_resp_free(&r);

    /* an empty draft has no map */
    snprintf(body, sizeof body,
             "{\"service\":\"skip-container\",\"reference\":\"MAP-3\",\"period\":%s}",
             ts_forms_period());
    assert_int_equal(ts_forms_draft(&fx.srv, fx.key_a, body, id, token), 201);
    ts_forms_call("GET", pathf("/v1/drafts/%s/map.png", id), fx.key_a, NULL, NULL, &r);
    assert_int_equal(r.status, 409);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/problem+json");
    assert_non_null(strstr(r.body, "Nothing is drawn"));
    ts_http_resp_free(&r);
}

/* GET a URL without credentials; its status, and the problem's detail into
 * detail (when not NULL and the answer is a problem). */
static long get_detail(const char *url, char *detail, size_t size, ts_http_resp *keep)
{
    ts_http_resp r;
    long status;
    ts_forms_call("GET", url, NULL, NULL, NULL, &r);
    status = r.status;
    if (detail) {
        json_t *doc = ts_forms_json(&r);
        snprintf(detail, size, "%s", or_empty(json_string_value(json_object_get(doc, "detail"))));
        json_decref(doc);
    }
    if (keep)
        *keep = r;
    else
        ts_http_resp_free(&r);
    return status;
}

static void test_edit_map_after_submit(void **state)
{
    ts_http_resp r, mine;
    char body[2048], id[160], token[160], cid[64], etag[160], detail[512];
    json_t *doc;
    (void)state;
    NEED_DATA();

    /* the case's place and period: the draft warns of the conflict */
    snprintf(body, sizeof body,
             "{\"service\":\"skip-container\",\"reference\":\"MAP-4\",\"period\":%s,"
             "\"features\":%s}",
             ts_forms_period(), fx.fc);
    ts_forms_call("POST", pathf("/v1/drafts?crs=%s", CRS_URI), fx.key_a, NULL, body, &r);
    assert_int_equal(r.status, 201);
    doc = ts_forms_json(&r);
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(doc, "id")));
    snprintf(token, sizeof token, "%s",
             strstr(json_string_value(json_object_get(doc, "editor_url")), "/edit/") + 6);
    json_decref(doc);
    ts_http_resp_free(&r);
    ts_forms_call("GET", pathf("/v1/edit/%s/map.png?width=500&height=400", token), NULL, NULL, NULL,
                  &r);
    check_map(&r, 500, 400, state_colour("warning"));
    ts_http_resp_free(&r);

    ts_forms_call("POST", pathf("/v1/drafts/%s/submit", id), fx.key_a, "map-4",
                  "{\"applicant\":{\"name\":\"Max Meier\"}}", &r);
    assert_int_equal(r.status, 201);
    doc = ts_forms_json(&r);
    snprintf(cid, sizeof cid, "%s", json_string_value(json_object_get(doc, "case_id")));
    json_decref(doc);
    ts_http_resp_free(&r);

    /* The print URL still prints: what was submitted, the case's own map. */
    get_detail(pathf("/v1/edit/%s/map.png?width=500&height=400", token), NULL, 0, &mine);
    check_map(&mine, 500, 400, state_colour("warning"));
    snprintf(etag, sizeof etag, "%s", ts_http_header(&mine, "ETag"));
    ts_forms_call("GET", pathf("/v1/cases/%s/map.png?width=500&height=400", cid), fx.key_a, NULL,
                  NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "ETag"), etag);
    assert_int_equal(r.body_len, mine.body_len);
    assert_memory_equal(r.body, mine.body, r.body_len);
    ts_http_resp_free(&r);
    ts_http_resp_free(&mine);
    /* Editing is over. */
    assert_int_equal(get_detail(pathf("/v1/edit/%s/features", token), NULL, 0, NULL), 410);
    assert_int_equal(get_detail(pathf("/edit/%s", token), NULL, 0, NULL), 410);

    /* The case purged (retention): gone, and said so. */
    assert_int_equal(ts_forms_sql_exec(fx.db,
                                       "UPDATE cases SET purged_at = '2026-01-01T00:00:00Z'"
                                       " WHERE id = ?1",
                                       cid),
                     1);
    assert_int_equal(get_detail(pathf("/v1/edit/%s/map.png", token), detail, sizeof detail, NULL),
                     410);
    assert_non_null(strstr(detail, "deleted"));
    assert_int_equal(
        ts_forms_sql_exec(fx.db, "UPDATE cases SET purged_at = NULL WHERE id = ?1", cid), 1);
    assert_int_equal(get_detail(pathf("/v1/edit/%s/map.png", token), NULL, 0, NULL), 200);

    /* Past the draft's original expiry: 410 like every route of the link. */
    assert_int_equal(ts_forms_sql_exec(fx.db,
                                       "UPDATE drafts SET expires_at = '2026-01-01T00:00:00Z'"
                                       " WHERE id = ?1",
                                       id),
                     1);
    assert_int_equal(get_detail(pathf("/v1/edit/%s/map.png", token), detail, sizeof detail, NULL),
                     410);
    assert_non_null(strstr(detail, "no longer open"));
}

/* A problem with status and, when not NULL, the parameter it names. */
static void expect_problem(const char *path_query, const char *key, long status,
                           const char *parameter, const char *needle)
{
    ts_http_resp r;
    json_t *doc;
    ts_forms_call("GET", ts_server_url(&fx.srv, path_query), key, NULL, NULL, &r);
    if (r.status != status)
        fail_msg("%s: %ld, expected %ld: %s", path_query, r.status, status, r.body);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/problem+json");
    doc = ts_forms_json(&r);
    assert_non_null(doc);
    if (parameter)
        assert_string_equal(json_string_value(json_object_get(doc, "parameter")), parameter);
    if (needle && !strstr(json_string_value(json_object_get(doc, "detail")), needle))
        fail_msg("%s: detail '%s' lacks '%s'", path_query,
                 json_string_value(json_object_get(doc, "detail")), needle);
    json_decref(doc);
    ts_http_resp_free(&r);
}

static void test_bad_input(void **state)
{
    char p[512];
    (void)state;
    NEED_DATA();

#define CASE_Q(q) (snprintf(p, sizeof p, "/v1/cases/%s/map.png%s", fx.case_id, q), p)
    expect_problem(CASE_Q("?width=5000"), fx.key_a, 400, "width", "4096");
    expect_problem(CASE_Q("?width=63"), fx.key_a, 400, "width", "64");
    expect_problem(CASE_Q("?width=abc"), fx.key_a, 400, "width", NULL);
    expect_problem(CASE_Q("?height=-5"), fx.key_a, 400, "height", NULL);
    expect_problem(CASE_Q("?dpi=50"), fx.key_a, 400, "dpi", "300");
    expect_problem(CASE_Q("?dpi=301"), fx.key_a, 400, "dpi", "72");
    expect_problem(CASE_Q("?width=4096&height=4096"), fx.key_a, 400, "height", "8699840");
    expect_problem(CASE_Q("?size=big"), fx.key_a, 400, "size", "width, height");
    expect_problem(CASE_Q(""), fx.key_b, 404, "id", NULL); /* another client's case */
    expect_problem(CASE_Q(""), NULL, 401, NULL, NULL);
    expect_problem("/v1/cases/0123456789abcdef0123456789abcdef/map.png", fx.key_a, 404, "id",
                   "0123456789abcdef");
    expect_problem("/v1/cases/not-a-case/map.png", fx.key_a, 404, "id", NULL);
    expect_problem("/v1/drafts/0123456789abcdef0123456789abcdef/map.png", fx.key_a, 404, "id",
                   NULL);
    expect_problem("/v1/edit/get_not-a-real-token-at-all-0000000000000/map.png", NULL, 404, NULL,
                   NULL);
    expect_problem("/v1/edit/x/map.png?dpi=1000", NULL, 400, "dpi", NULL);
#undef CASE_Q
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_map),
        cmocka_unit_test(test_draft_maps),
        cmocka_unit_test(test_edit_map_after_submit),
        cmocka_unit_test(test_bad_input),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
