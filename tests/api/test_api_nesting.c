/*
 * test_api_nesting.c - one nesting limit for drawn features, the same on
 * every route that takes features in and every route that reads them back.
 *
 * A feature's properties nest at most GE_GEOJSON_MAX_PROPERTIES_DEPTH (32)
 * levels, counted from the properties object. Properties 31, 32 and 33 levels
 * deep, in a FeatureCollection and as a bare Feature, go in through
 * POST /v1/drafts, PUT /v1/edit/{token}/features and POST
 * /v1/edit/{token}/finish. What is accepted reads back unchanged from
 * GET /v1/drafts/{id}, GET /v1/edit/{token}/features, the editor page and the
 * draft's map, is submitted, and the case reads back from GET /v1/cases/{id}
 * (form server and caseworker), /v1/cases/{id}/features, its map and
 * /v1/export. What is refused is a 422 whose detail names the limit. Before,
 * the request body was limited as a whole (32 levels) and the stored draft
 * again as a whole, so a bare Feature with deep properties was accepted and
 * then every read of its draft answered 422.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ts.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_review.h"
#include "ts_server.h"

#define LIMIT    32 /* GE_GEOJSON_MAX_PROPERTIES_DEPTH */
#define PW_ADMIN "Schachtel-Tiefe-77"

static ts_server srv;
static char key[128];
static ts_review_session admin;
static int places; /* each draft gets a place of its own: no conflicts between them */

static int setup(void **state)
{
    (void)state;
    if (ts_server_start(&srv, "api_nesting", NULL) != 0) return -1;
    if (ts_forms_client_add(srv.db, "Nesting Form", key) != 0) return -1;
    if (ts_review_user_add(srv.db, "admin", "admin", NULL, PW_ADMIN) != 0) return -1;
    if (ts_review_login(&srv, "admin", PW_ADMIN, &admin) != 200 || !admin.cookie[0]) return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

/* ---- documents ------------------------------------------------------------ */

/* A Feature at the next free place whose properties nest `levels` deep:
 * {"a": {"a": ... {"depth": levels}}}. malloc'd. */
static char *feature(int levels)
{
    double lon = 13.30 + 0.001 * places++, lat = 52.585;
    char *s = malloc((size_t)levels * 8 + 256);
    size_t n = (size_t)sprintf(s, "{\"type\":\"Feature\",\"properties\":");

    for (int i = 1; i < levels; i++)
        n += (size_t)sprintf(s + n, "{\"a\":");
    n += (size_t)sprintf(s + n, "{\"depth\":%d}", levels);
    for (int i = 1; i < levels; i++)
        s[n++] = '}';
    sprintf(s + n, ",\"geometry\":{\"type\":\"Point\",\"coordinates\":[%.4f,%.4f]}}", lon, lat);
    return s;
}

/* The features as the client sends them: a FeatureCollection or the bare
 * Feature. malloc'd. */
static char *features(int levels, bool bare)
{
    char *f = feature(levels), *s;
    if (bare) return f;
    s = malloc(strlen(f) + 64);
    sprintf(s, "{\"type\":\"FeatureCollection\",\"features\":[%s]}", f);
    free(f);
    return s;
}

static char *draft_body(const char *feats)
{
    char *s = malloc((feats ? strlen(feats) : 0) + 256);
    sprintf(s, "{\"service\":\"info-stand\",\"reference\":\"NEST-%d\",\"period\":%s%s%s}", places,
            ts_forms_period(), feats ? ",\"features\":" : "", feats ? feats : "");
    return s;
}

/* ---- checks --------------------------------------------------------------- */

/* The properties arrived unchanged: `levels` deep with the depth inside. */
static void expect_props(const json_t *props, int levels, const char *where)
{
    const json_t *p = props;
    for (int i = 1; i < levels && p; i++)
        p = json_object_get(p, "a");
    if (json_integer_value(json_object_get(p, "depth")) != levels)
        fail_msg("%s: the properties are not the %d levels sent", where, levels);
}

static const json_t *first_props(const json_t *fc)
{
    return json_object_get(json_array_get(json_object_get(fc, "features"), 0), "properties");
}

static json_t *get_json(const char *path, const char *bearer, const char *cookie, const char *what)
{
    ts_http_resp r;
    json_t *doc;
    int rc = cookie ? ts_review_call(&srv, "GET", path, cookie, NULL, NULL, NULL, &r)
                    : ts_forms_call("GET", ts_server_url(&srv, path), bearer, NULL, NULL, &r);
    if (rc != 0) fail_msg("%s: %s", what, r.error);
    if (r.status != 200) fail_msg("%s: %ld %.300s", what, r.status, r.body ? r.body : "");
    doc = ts_forms_json(&r);
    ts_http_resp_free(&r);
    if (!doc) fail_msg("%s: not JSON", what);
    return doc;
}

static void expect_status(const char *path, long status, const char *what)
{
    ts_http_resp r;
    if (ts_forms_call("GET", ts_server_url(&srv, path), key, NULL, NULL, &r) != 0)
        fail_msg("%s: %s", what, r.error);
    if (r.status != status) fail_msg("%s: %ld, expected %ld", what, r.status, status);
    ts_http_resp_free(&r);
}

/* Every read route of a draft gives the properties back. */
static void expect_draft_readable(const char *id, const char *token, int levels)
{
    json_t *doc = get_json(ts_pathf("/v1/drafts/%s", id), key, NULL, "GET /v1/drafts/{id}");
    expect_props(first_props(json_object_get(doc, "features")), levels, "GET /v1/drafts/{id}");
    json_decref(doc);
    doc = get_json(ts_pathf("/v1/edit/%s/features", token), NULL, NULL,
                   "GET /v1/edit/{token}/features");
    expect_props(first_props(doc), levels, "GET /v1/edit/{token}/features");
    json_decref(doc);
    expect_status(ts_pathf("/edit/%s", token), 200, "the editor page");
    expect_status(ts_pathf("/v1/drafts/%s/map.png?width=200&height=150", id), 200,
                  "GET /v1/drafts/{id}/map.png");
}

/* Submits the draft; every read route of the case gives the properties back. */
static void expect_submitted_readable(const char *id, int levels)
{
    char idem[64], case_id[64];
    ts_http_resp r;
    json_t *doc;
    size_t i;
    const json_t *f;
    bool found = false;

    snprintf(idem, sizeof idem, "nest-%s", id);
    if (ts_forms_call("POST", ts_server_url(&srv, ts_pathf("/v1/drafts/%s/submit", id)), key, idem,
                      "{\"applicant\":{\"name\":\"Erika Mustermann\"}}", &r) != 0)
        fail_msg("submit: %s", r.error);
    if (r.status != 201) fail_msg("submit: %ld %.300s", r.status, r.body ? r.body : "");
    doc = ts_forms_json(&r);
    snprintf(case_id, sizeof case_id, "%s", json_string_value(json_object_get(doc, "case_id")));
    json_decref(doc);
    ts_http_resp_free(&r);

    json_decref(get_json(ts_pathf("/v1/cases/%s", case_id), key, NULL, "GET /v1/cases/{id}"));
    doc = get_json(ts_pathf("/v1/cases/%s/features", case_id), key, NULL,
                   "GET /v1/cases/{id}/features");
    expect_props(first_props(doc), levels, "GET /v1/cases/{id}/features");
    json_decref(doc);
    doc = get_json(ts_pathf("/v1/cases/%s", case_id), NULL, admin.cookie,
                   "GET /v1/cases/{id} (caseworker)");
    expect_props(first_props(json_object_get(doc, "features")), levels,
                 "GET /v1/cases/{id} (caseworker)");
    json_decref(doc);
    expect_status(ts_pathf("/v1/cases/%s/map.png?width=200&height=150", case_id), 200,
                  "GET /v1/cases/{id}/map.png");
    doc = get_json("/v1/export?f=geojson", NULL, admin.cookie, "GET /v1/export?f=geojson");
    json_array_foreach(json_object_get(doc, "features"), i, f)
    {
        const char *cid =
            json_string_value(json_object_get(json_object_get(f, "properties"), "case_id"));
        if (cid && strcmp(cid, case_id) == 0) found = true;
    }
    json_decref(doc);
    if (!found) fail_msg("the export lacks case %s", case_id);
}

/* A 422 problem whose detail names the properties and the limit. */
static void expect_refused(const ts_http_resp *r, const char *what)
{
    json_t *p = ts_forms_json(r);
    const char *detail = json_string_value(json_object_get(p, "detail"));
    if (r->status != 422) fail_msg("%s: %ld, expected 422: %.300s", what, r->status, r->body);
    if (!detail || !strstr(detail, "properties: nests deeper than 32 levels"))
        fail_msg("%s: the detail does not name the limit: %s", what, detail ? detail : "-");
    assert_string_equal(json_string_value(json_object_get(p, "member")), "features");
    json_decref(p);
}

/* ---- the routes ----------------------------------------------------------- */

/* POST /v1/drafts, then submit. */
static void test_create(void **state)
{
    (void)state;
    for (int levels = LIMIT - 1; levels <= LIMIT + 1; levels++) {
        for (int bare = 0; bare < 2; bare++) {
            char *feats = features(levels, bare), *body = draft_body(feats);
            char id[128], token[128];
            ts_http_resp r;

            if (levels <= LIMIT) {
                long st = ts_forms_draft(&srv, key, body, id, token);
                if (st != 201) fail_msg("POST /v1/drafts, %d levels: %ld", levels, st);
                expect_draft_readable(id, token, levels);
                expect_submitted_readable(id, levels);
            } else {
                if (ts_forms_call("POST", ts_server_url(&srv, "/v1/drafts"), key, NULL, body, &r) !=
                    0)
                    fail_msg("POST /v1/drafts: %s", r.error);
                expect_refused(&r, "POST /v1/drafts");
                ts_http_resp_free(&r);
            }
            free(feats);
            free(body);
        }
    }
}

/* PUT /v1/edit/{token}/features (autosave) and POST /v1/edit/{token}/finish
 * with a drawing, each on an empty draft; then submit. */
static void test_edit_routes(void **state)
{
    static const char *const methods[] = {"PUT", "POST"};
    (void)state;
    for (int route = 0; route < 2; route++) {
        const char *what = route ? "POST /v1/edit/{token}/finish" : "PUT /v1/edit/{token}/features";
        for (int levels = LIMIT - 1; levels <= LIMIT + 1; levels++) {
            for (int bare = 0; bare < 2; bare++) {
                char *empty = draft_body(NULL), *feats = features(levels, bare);
                char id[128], token[128];
                ts_http_resp r;
                long st = ts_forms_draft(&srv, key, empty, id, token);

                if (st != 201) fail_msg("POST /v1/drafts: %ld", st);
                if (ts_forms_call(methods[route],
                                  ts_server_url(&srv, ts_pathf(route ? "/v1/edit/%s/finish"
                                                                     : "/v1/edit/%s/features",
                                                               token)),
                                  NULL, NULL, feats, &r) != 0)
                    fail_msg("%s: %s", what, r.error);
                if (levels <= LIMIT) {
                    if (r.status != 200)
                        fail_msg("%s, %d levels: %ld %.300s", what, levels, r.status, r.body);
                    ts_http_resp_free(&r);
                    expect_draft_readable(id, token, levels);
                    expect_submitted_readable(id, levels);
                } else {
                    expect_refused(&r, what);
                    ts_http_resp_free(&r);
                }
                free(empty);
                free(feats);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_edit_routes),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
