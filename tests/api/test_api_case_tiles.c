/*
 * test_api_case_tiles.c - the review app's case tiles against the real
 * server: GET /collections/cases/tiles/WebMercatorQuad/{z}/{y}/{x} and its
 * TileJSON. Tiles are decoded (ts_mvt.h) and checked feature by feature
 * against the submitted cases: ids, geometry type, case_id, service, status,
 * reference, valid. Without a session 401; a caseworker of another service
 * gets none of the cases (even right after the first user's tile was
 * cached); an admin gets all; purged cases are left out; a status change
 * shows in the very next tile (the cache follows the case events); private
 * cache headers; not listed under /collections; bad z/y/x and tile matrix
 * set as for the other tilesets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ts.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_mvt.h"
#include "ts_review.h"
#include "ts_server.h"

#define PW_ANNA  "Info stand passphrase 1"
#define PW_BERT  "Skip container passphrase 22"
#define PW_ADMIN "Overseer's long passphrase 333"
#define Z        16

static ts_server srv;
static char key_a[128];
static ts_review_session anna, bert, admin;
/* Three cases near one another: two info stands and one that the setup
 * turns into a skip container (another service). */
static char case_ids[3][64];
static const double case_ll[3][2] = {
    {13.310120, 52.585120}, {13.310420, 52.585260}, {13.310720, 52.585020}};
static unsigned tile_x, tile_y;

/* A GET with an optional session cookie and one extra header. */
static void call(const char *path, const char *cookie, const char *extra, ts_http_resp *r)
{
    if (ts_review_call(&srv, "GET", path, cookie, NULL, extra, NULL, r) != 0)
        fail_msg("GET %s: %s", path, r->error);
}

static int submit_stand(int i)
{
    char id[128], token[128], idem[32], body[256];
    ts_http_resp r;
    json_t *doc;

    if (ts_forms_draft(&srv, key_a, ts_forms_stand_body(case_ll[i][0], case_ll[i][1]), id, token) !=
        201)
        return -1;
    snprintf(idem, sizeof idem, "tiles-%d", i);
    snprintf(body, sizeof body,
             "{\"reference\":\"AZ-TILE-%d\",\"applicant\":{\"name\":\"Erika Mustermann\"}}", i);
    if (ts_forms_call("POST", ts_server_url(&srv, ts_pathf("/v1/drafts/%s/submit", id)), key_a,
                      idem, body, &r) != 0 ||
        r.status != 201) {
        fprintf(stderr, "submit: %ld %s\n", r.status, r.body ? r.body : "");
        ts_http_resp_free(&r);
        return -1;
    }
    doc = ts_forms_json(&r);
    snprintf(case_ids[i], sizeof case_ids[i], "%s",
             json_string_value(json_object_get(doc, "case_id")));
    json_decref(doc);
    ts_http_resp_free(&r);
    return 0;
}

static void lonlat_tile(double lon, double lat, int z, unsigned *x, unsigned *y)
{
    double n = ldexp(1.0, z), r = lat * M_PI / 180.0;
    *x = (unsigned)floor((lon + 180.0) / 360.0 * n);
    *y = (unsigned)floor((1.0 - log(tan(r) + 1.0 / cos(r)) / M_PI) / 2.0 * n);
}

static int setup(void **state)
{
    (void)state;
    if (ts_server_start(&srv, "api_case_tiles", NULL) != 0) return -1;
    if (ts_forms_client_add(srv.db, "Tiles Form", key_a) != 0) return -1;
    if (ts_review_user_add(srv.db, "anna", "caseworker", "info-stand", PW_ANNA) != 0 ||
        ts_review_user_add(srv.db, "bert", "caseworker", "skip-container", PW_BERT) != 0 ||
        ts_review_user_add(srv.db, "admin", "admin", NULL, PW_ADMIN) != 0)
        return -1;
    for (int i = 0; i < 3; i++)
        if (submit_stand(i) != 0) return -1;
    /* The third case stands for a case of another service (the empty test
     * store has no reference data a skip container could be checked
     * against): its service is changed in the store file, with an event
     * as every change of a case has. */
    if (ts_forms_sql_exec(srv.db, "UPDATE cases SET service = 'skip-container' WHERE id = ?1",
                          case_ids[2]) != 1 ||
        ts_forms_sql_exec(srv.db,
                          "INSERT INTO case_events (case_id, at, actor, action, to_status)"
                          " VALUES (?1, '2026-01-01T00:00:00Z', 'system:test', 'test', 'received')",
                          case_ids[2]) != 1)
        return -1;
    if (ts_review_login(&srv, "anna", PW_ANNA, &anna) != 200 || !anna.cookie[0] ||
        ts_review_login(&srv, "bert", PW_BERT, &bert) != 200 || !bert.cookie[0] ||
        ts_review_login(&srv, "admin", PW_ADMIN, &admin) != 200 || !admin.cookie[0])
        return -1;
    lonlat_tile(case_ll[0][0], case_ll[0][1], Z, &tile_x, &tile_y);
    for (int i = 1; i < 3; i++) {
        unsigned x, y;
        lonlat_tile(case_ll[i][0], case_ll[i][1], Z, &x, &y);
        if (x != tile_x || y != tile_y) {
            fprintf(stderr, "the test's cases should share one z%d tile\n", Z);
            return -1;
        }
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

static const char *tile_path(int z, unsigned x, unsigned y)
{
    return ts_pathf("/collections/cases/tiles/WebMercatorQuad/%d/%u/%u", z, y, x);
}

static void expect_problem(const ts_http_resp *r, long status, const char *parameter)
{
    const char *ct = ts_http_header(r, "Content-Type");
    json_t *p;
    if (r->status != status) fail_msg("expected %ld, got %ld: %.300s", status, r->status, r->body);
    if (!ct || strcmp(ct, "application/problem+json") != 0)
        fail_msg("Content-Type of a problem: %s", ct ? ct : "(none)");
    p = ts_forms_json(r);
    assert_non_null(p);
    assert_int_equal(json_integer_value(json_object_get(p, "status")), status);
    assert_non_null(json_string_value(json_object_get(p, "detail")));
    if (parameter) {
        const char *v = json_string_value(json_object_get(p, "parameter"));
        if (!v || strcmp(v, parameter) != 0)
            fail_msg("problem should name parameter '%s': %s", parameter, r->body);
    }
    json_decref(p);
}

/* Fetches the test tile as the user of cookie: status 200 with the decoded
 * tile in *out, or 204 (empty). Checks the private headers either way. */
static long get_tile(const char *cookie, const char *extra, ts_mvt *out, char *etag)
{
    ts_http_resp r;
    long status;
    const char *h;
    char err[256];

    memset(out, 0, sizeof *out);
    call(tile_path(Z, tile_x, tile_y), cookie, extra, &r);
    status = r.status;
    if (status != 200 && status != 204) fail_msg("case tile: %ld %.300s", status, r.body);
    h = ts_http_header(&r, "Cache-Control");
    if (!h || !strstr(h, "private") || !strstr(h, "no-store"))
        fail_msg("case tiles must not be kept by shared caches: Cache-Control %s", h ? h : "-");
    h = ts_http_header(&r, "Vary");
    if (!h || !strstr(h, "Cookie"))
        fail_msg("case tiles vary by the session: Vary %s", h ? h : "-");
    assert_null(ts_http_header(&r, "Access-Control-Allow-Origin"));
    if (etag) {
        h = ts_http_header(&r, "ETag");
        assert_non_null(h);
        snprintf(etag, 128, "%s", h);
    }
    if (status == 200) {
        const unsigned char *data = (const unsigned char *)r.body;
        size_t len = r.body_len;
        unsigned char *plain = NULL;
        assert_string_equal(ts_http_header(&r, "Content-Type"),
                            "application/vnd.mapbox-vector-tile");
        h = ts_http_header(&r, "Content-Encoding");
        if (h && strcmp(h, "gzip") == 0) {
            plain = ts_gunzip(r.body, r.body_len, &len);
            assert_non_null(plain);
            data = plain;
        }
        if (ts_mvt_decode(data, len, out, err, sizeof err) != 0) fail_msg("case tile: %s", err);
        free(plain);
    } else {
        assert_int_equal(r.body_len, 0);
    }
    ts_http_resp_free(&r);
    return status;
}

/* The feature of the tile's cases layer whose case_id is id, or NULL. */
static const ts_mvt_feature *feature_of(const ts_mvt *t, const char *id)
{
    const ts_mvt_layer *l = ts_mvt_layer_get(t, "cases");
    for (size_t i = 0; l && i < l->nfeatures; i++) {
        const char *v = json_string_value(json_object_get(l->features[i].props, "case_id"));
        if (v && strcmp(v, id) == 0) return &l->features[i];
    }
    return NULL;
}

static size_t case_count(const ts_mvt *t)
{
    const ts_mvt_layer *l = ts_mvt_layer_get(t, "cases");
    return l ? l->nfeatures : 0;
}

static const char *prop(const ts_mvt_feature *f, const char *name)
{
    return json_string_value(json_object_get(f->props, name));
}

/* ---- tests ------------------------------------------------------------------- */

static void test_no_session_401(void **state)
{
    ts_http_resp r;
    (void)state;
    call(tile_path(Z, tile_x, tile_y), NULL, NULL, &r);
    expect_problem(&r, 401, NULL);
    assert_non_null(strstr(r.body, "/v1/login"));
    ts_http_resp_free(&r);
    /* a made-up session is no session */
    call(tile_path(Z, tile_x, tile_y), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, &r);
    expect_problem(&r, 401, NULL);
    ts_http_resp_free(&r);
    call("/collections/cases/tiles/WebMercatorQuad", NULL, NULL, &r);
    expect_problem(&r, 401, NULL);
    ts_http_resp_free(&r);
    /* German, too */
    call(tile_path(Z, tile_x, tile_y), NULL, "Accept-Language: de", &r);
    expect_problem(&r, 401, NULL);
    assert_non_null(strstr(r.body, "Sitzung"));
    ts_http_resp_free(&r);
}

static void test_caseworker_sees_own_service(void **state)
{
    ts_mvt t;
    (void)state;
    assert_int_equal(get_tile(anna.cookie, NULL, &t, NULL), 200);
    assert_int_equal(t.nlayers, 1);
    assert_string_equal(t.layers[0].name, "cases");
    assert_int_equal(t.layers[0].extent, 4096);
    assert_int_equal(case_count(&t), 2);
    for (int i = 0; i < 2; i++) {
        const ts_mvt_feature *f = feature_of(&t, case_ids[i]);
        char ref[32];
        if (!f) fail_msg("case %s is missing from anna's tile", case_ids[i]);
        snprintf(ref, sizeof ref, "AZ-TILE-%d", i);
        assert_int_equal(f->type, 1); /* the stand is a point */
        assert_int_equal(f->npoints, 1);
        assert_string_equal(prop(f, "service"), "info-stand");
        assert_string_equal(prop(f, "status"), "received");
        assert_string_equal(prop(f, "reference"), ref);
        assert_true(json_is_true(json_object_get(f->props, "valid")));
        assert_int_equal(json_object_size(f->props), 5);
        /* the feature id is the case feature's row in the store */
        assert_true(f->has_id);
        assert_int_equal((long long)f->id,
                         ts_forms_sql_int(srv.db,
                                          "SELECT fid FROM case_features WHERE case_id = ?1",
                                          case_ids[i]));
        /* where it was drawn: inside the tile, the second east of the first */
        assert_true(f->xy[0] >= 0 && f->xy[0] < 4096 && f->xy[1] >= 0 && f->xy[1] < 4096);
    }
    assert_true(feature_of(&t, case_ids[1])->xy[0] > feature_of(&t, case_ids[0])->xy[0]);
    assert_null(feature_of(&t, case_ids[2])); /* the skip container is not anna's */
    ts_mvt_free(&t);

    /* gzip for a client that asks */
    assert_int_equal(get_tile(anna.cookie, "Accept-Encoding: gzip", &t, NULL), 200);
    assert_int_equal(case_count(&t), 2);
    ts_mvt_free(&t);
}

static void test_other_service_and_admin(void **state)
{
    ts_mvt t;
    char etag_anna[128], etag_bert[128], etag_admin[128];
    (void)state;
    /* anna's tile is in the cache now; bert must not get it */
    assert_int_equal(get_tile(anna.cookie, NULL, &t, etag_anna), 200);
    ts_mvt_free(&t);
    assert_int_equal(get_tile(bert.cookie, NULL, &t, etag_bert), 200);
    assert_int_equal(case_count(&t), 1);
    assert_non_null(feature_of(&t, case_ids[2]));
    assert_string_equal(prop(feature_of(&t, case_ids[2]), "service"), "skip-container");
    ts_mvt_free(&t);
    assert_string_not_equal(etag_anna, etag_bert);
    assert_int_equal(get_tile(admin.cookie, NULL, &t, etag_admin), 200);
    assert_int_equal(case_count(&t), 3);
    for (int i = 0; i < 3; i++)
        assert_non_null(feature_of(&t, case_ids[i]));
    ts_mvt_free(&t);
    assert_string_not_equal(etag_admin, etag_anna);

    /* anna's ETag does not open bert's tile */
    {
        char h[200];
        snprintf(h, sizeof h, "If-None-Match: %s", etag_anna);
        assert_int_equal(get_tile(bert.cookie, h, &t, NULL), 200);
        assert_int_equal(case_count(&t), 1);
        ts_mvt_free(&t);
        /* ... while anna's own revalidates */
        ts_http_resp r;
        call(tile_path(Z, tile_x, tile_y), anna.cookie, h, &r);
        assert_int_equal(r.status, 304);
        ts_http_resp_free(&r);
    }

    /* a caseworker without any service sees nothing, and so does a tile
     * far from the cases */
    assert_int_equal(
        ts_forms_sql_exec(srv.db, "UPDATE users SET services = '[]' WHERE name = ?1", "bert"), 1);
    assert_int_equal(get_tile(bert.cookie, NULL, &t, NULL), 204);
    assert_int_equal(ts_forms_sql_exec(srv.db,
                                       "UPDATE users SET services = '[\"skip-container\"]'"
                                       " WHERE name = ?1",
                                       "bert"),
                     1);
    {
        ts_http_resp r;
        call(tile_path(Z, tile_x + 5, tile_y), admin.cookie, NULL, &r);
        assert_int_equal(r.status, 204);
        ts_http_resp_free(&r);
    }
}

static void test_status_change_next_tile(void **state)
{
    ts_mvt t;
    char before[128], after[128], h[200];
    ts_http_resp r;
    (void)state;
    assert_int_equal(get_tile(anna.cookie, NULL, &t, before), 200);
    assert_string_equal(prop(feature_of(&t, case_ids[0]), "status"), "received");
    ts_mvt_free(&t);
    /* A decision as the workflow writes it: one status event and the
     * case's new status, in one transaction. */
    assert_int_equal(ts_forms_sql_exec(srv.db,
                                       "INSERT INTO case_events (case_id, at, actor, action,"
                                       " from_status, to_status) VALUES (?1,"
                                       " '2026-01-02T00:00:00Z', 'user:anna', 'status',"
                                       " 'received', 'in_review')",
                                       case_ids[0]),
                     1);
    assert_int_equal(ts_forms_sql_exec(srv.db,
                                       "UPDATE cases SET status = 'in_review',"
                                       " updated_at = '2026-01-02T00:00:00Z' WHERE id = ?1",
                                       case_ids[0]),
                     1);
    /* the very next tile shows it; the old ETag no longer matches */
    snprintf(h, sizeof h, "If-None-Match: %s", before);
    assert_int_equal(get_tile(anna.cookie, h, &t, after), 200);
    assert_string_equal(prop(feature_of(&t, case_ids[0]), "status"), "in_review");
    assert_string_equal(prop(feature_of(&t, case_ids[1]), "status"), "received");
    ts_mvt_free(&t);
    assert_string_not_equal(before, after);
    call(tile_path(Z, tile_x, tile_y), admin.cookie, NULL, &r);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
    assert_int_equal(get_tile(admin.cookie, NULL, &t, NULL), 200);
    assert_string_equal(prop(feature_of(&t, case_ids[0]), "status"), "in_review");
    ts_mvt_free(&t);
}

/* A decision through the review API (PATCH /v1/cases/{id}) shows in the
 * next tile, like the status events written by hand above. */
static void test_decision_next_tile(void **state)
{
    ts_http_resp r;
    ts_mvt t;
    (void)state;
    assert_int_equal(get_tile(anna.cookie, NULL, &t, NULL), 200);
    assert_string_equal(prop(feature_of(&t, case_ids[0]), "status"), "in_review");
    ts_mvt_free(&t);
    assert_int_equal(ts_review_call(&srv, "PATCH", ts_pathf("/v1/cases/%s", case_ids[0]),
                                    anna.cookie, anna.csrf, NULL,
                                    "{\"status\":\"approved\",\"comment\":\"Passt.\"}", &r),
                     0);
    if (r.status != 200) fail_msg("PATCH: %ld %s", r.status, r.body);
    ts_http_resp_free(&r);
    assert_int_equal(get_tile(anna.cookie, NULL, &t, NULL), 200);
    assert_string_equal(prop(feature_of(&t, case_ids[0]), "status"), "approved");
    ts_mvt_free(&t);
}

static void test_purged_left_out(void **state)
{
    ts_mvt t;
    (void)state;
    /* what retention does to a case, as far as the tiles care */
    assert_int_equal(ts_forms_sql_exec(srv.db,
                                       "UPDATE cases SET purged_at = '2026-01-03T00:00:00Z',"
                                       " reference = NULL WHERE id = ?1",
                                       case_ids[1]),
                     1);
    assert_int_equal(ts_forms_sql_exec(srv.db,
                                       "INSERT INTO case_events (case_id, at, actor, action)"
                                       " VALUES (?1, '2026-01-03T00:00:00Z',"
                                       " 'system:retention', 'purged')",
                                       case_ids[1]),
                     1);
    assert_int_equal(get_tile(anna.cookie, NULL, &t, NULL), 200);
    assert_int_equal(case_count(&t), 1);
    assert_non_null(feature_of(&t, case_ids[0]));
    ts_mvt_free(&t);
    assert_int_equal(get_tile(admin.cookie, NULL, &t, NULL), 200);
    assert_int_equal(case_count(&t), 2);
    assert_null(feature_of(&t, case_ids[1]));
    ts_mvt_free(&t);
}

static void test_zooms(void **state)
{
    (void)state;
    /* The cases stay in the tiles at every zoom of their pyramid. */
    for (int z = 10; z <= 20; z += 2) {
        unsigned x, y;
        ts_http_resp r;
        ts_mvt t;
        char err[256];
        lonlat_tile(case_ll[0][0], case_ll[0][1], z, &x, &y);
        call(tile_path(z, x, y), admin.cookie, NULL, &r);
        if (r.status != 200) fail_msg("z%d: %ld", z, r.status);
        if (ts_mvt_decode(r.body, r.body_len, &t, err, sizeof err) != 0) fail_msg("%s", err);
        assert_non_null(feature_of(&t, case_ids[0]));
        ts_mvt_free(&t);
        ts_http_resp_free(&r);
    }
}

static void test_bad_tiles(void **state)
{
    static const struct {
        const char *path;
        long status;
        const char *parameter;
    } bad[] = {
        {"/collections/cases/tiles/WebMercatorQuad/99/0/0", 400, "z"},
        {"/collections/cases/tiles/WebMercatorQuad/-1/0/0", 400, "z"},
        {"/collections/cases/tiles/WebMercatorQuad/abc/0/0", 400, "z"},
        {"/collections/cases/tiles/WebMercatorQuad/2/4/0", 400, "y"},
        {"/collections/cases/tiles/WebMercatorQuad/2/0/4", 400, "x"},
        {"/collections/cases/tiles/WebMercatorQuad/2/0/1e1", 400, "x"},
        {"/collections/cases/tiles/WebMercatorQuad/16/-3/0", 400, "y"},
        {"/collections/cases/tiles/WorldCRS84Quad/2/0/0", 404, "tileMatrixSetId"},
        {"/collections/cases/tiles/WorldCRS84Quad", 404, "tileMatrixSetId"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ts_http_resp r;
        call(bad[i].path, anna.cookie, NULL, &r);
        expect_problem(&r, bad[i].status, bad[i].parameter);
        ts_http_resp_free(&r);
        /* without a session the answer is 401 whatever the parameters */
        call(bad[i].path, NULL, NULL, &r);
        expect_problem(&r, 401, NULL);
        ts_http_resp_free(&r);
    }
}

static void test_tilejson_and_listing(void **state)
{
    ts_http_resp r;
    json_t *doc, *vl, *fields;
    size_t i;
    json_t *c;
    (void)state;
    call("/collections/cases/tiles/WebMercatorQuad", bert.cookie, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(ts_http_header(&r, "Cache-Control"), "private"));
    doc = ts_forms_json(&r);
    ts_http_resp_free(&r);
    assert_string_equal(json_string_value(json_object_get(doc, "tilejson")), "3.0.0");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(doc, "tiles"), 0)),
        ts_server_url(&srv, "/collections/cases/tiles/WebMercatorQuad/{z}/{y}/{x}"));
    vl = json_array_get(json_object_get(doc, "vector_layers"), 0);
    assert_string_equal(json_string_value(json_object_get(vl, "id")), "cases");
    fields = json_object_get(vl, "fields");
    assert_string_equal(json_string_value(json_object_get(fields, "case_id")), "String");
    assert_string_equal(json_string_value(json_object_get(fields, "status")), "String");
    assert_string_equal(json_string_value(json_object_get(fields, "valid")), "Boolean");
    json_decref(doc);

    /* not a collection anyone can discover */
    call("/collections", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    json_array_foreach(json_object_get(doc, "collections"), i, c)
        assert_string_not_equal(json_string_value(json_object_get(c, "id")), "cases");
    json_decref(doc);
    ts_http_resp_free(&r);
    call("/collections/cases", admin.cookie, NULL, &r);
    assert_int_equal(r.status, 404);
    ts_http_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_session_401),
        cmocka_unit_test(test_caseworker_sees_own_service),
        cmocka_unit_test(test_other_service_and_admin),
        cmocka_unit_test(test_status_change_next_tile),
        cmocka_unit_test(test_decision_next_tile),
        cmocka_unit_test(test_purged_left_out),
        cmocka_unit_test(test_zooms),
        cmocka_unit_test(test_bad_tiles),
        cmocka_unit_test(test_tilejson_and_listing),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
