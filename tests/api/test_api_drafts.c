/*
 * test_api_drafts.c - the form-server API and the applicant's token routes
 * against the real server: Bearer keys (missing, wrong, malformed, revoked:
 * 401), one client never sees another's drafts or cases (404), capability
 * tokens (wrong: 404; expired or used: 410), autosave (an empty drawing is
 * fine), finish in the Munimap protocol's shape, submission (Idempotency-Key
 * required; concurrent submits with one key make one case; a reused key with
 * another body is refused; a drawing with errors is refused listing them),
 * the immutable case with its verifiable hash, every bad input naming its
 * member, editor_url never shaped by a foreign Host header, and that no
 * response body or log line carries an API key or a capability token.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "case_hash.h"
#include "geojson_in.h"
#include "geojson_out.h"
#include "geos_ctx.h"
#include "ts.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_review.h"
#include "ts_run.h"
#include "ts_server.h"
#include "ts_store.h"

static ts_server srv;
static char key_a[128], key_b[128], key_revoked[128];

/* Every token handed out, to check that no later answer or log line shows it. */
static char tokens[64][128];
static size_t ntokens;

/* Every response body except the one that hands out editor_url. */
static char *bodies;
static size_t bodies_len;

static void keep_body(const ts_http_resp *r)
{
    size_t n = r->body ? strlen(r->body) : 0;
    char *nb = realloc(bodies, bodies_len + n + 2);
    assert_non_null(nb);
    bodies = nb;
    memcpy(bodies + bodies_len, r->body ? r->body : "", n);
    bodies_len += n;
    bodies[bodies_len++] = '\n';
    bodies[bodies_len] = '\0';
}

static int setup(void **state)
{
    const char *argv[] = {NULL, "client", "revoke", "--db", NULL, "3", NULL};
    ts_run_result r;
    (void)state;
    if (ts_server_start(&srv, "api_drafts", NULL) != 0) return -1;
    if (ts_forms_client_add(srv.db, "Client A", key_a) != 0 ||
        ts_forms_client_add(srv.db, "Client B", key_b) != 0 ||
        ts_forms_client_add(srv.db, "Client Revoked", key_revoked) != 0)
        return -1;
    argv[4] = srv.db;
    if (ts_run(&r, NULL, argv) != 0 || r.status != 0) return -1;
    ts_run_free(&r);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(bodies);
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

/* A call whose answer is kept for the secret check. */
static void call(const char *method, const char *path, const char *key, const char *idem,
                 const char *body, ts_http_resp *r)
{
    if (ts_forms_call(method, ts_server_url(&srv, path), key, idem, body, r) != 0)
        fail_msg("%s %s: %s", method, path, r->error);
    keep_body(r);
}

static json_t *expect_problem(const ts_http_resp *r, long status)
{
    const char *ct = ts_http_header(r, "Content-Type");
    json_t *p;
    if (r->status != status) fail_msg("expected %ld, got %ld: %.400s", status, r->status, r->body);
    if (!ct || strcmp(ct, "application/problem+json") != 0)
        fail_msg("Content-Type of a problem: %s", ct ? ct : "(none)");
    p = ts_forms_json(r);
    assert_non_null(p);
    assert_int_equal(json_integer_value(json_object_get(p, "status")), status);
    assert_non_null(json_string_value(json_object_get(p, "detail")));
    return p;
}

/* A problem naming a member (or header/parameter: field) and mentioning text. */
static void expect_named(const ts_http_resp *r, long status, const char *field, const char *name,
                         const char *text)
{
    json_t *p = expect_problem(r, status);
    const char *v = json_string_value(json_object_get(p, field));
    const char *detail = json_string_value(json_object_get(p, "detail"));
    if (name && (!v || strcmp(v, name) != 0))
        fail_msg("problem should name %s '%s': %.400s", field, name, r->body);
    if (text && !strstr(detail, text)) fail_msg("detail should mention '%s': %s", text, detail);
    json_decref(p);
}

static void new_draft(const char *key, const char *body, char *id, char *token)
{
    long st = ts_forms_draft(&srv, key, body, id, token);
    if (st != 201) fail_msg("creating a draft: %ld", st);
    assert_true(ntokens < 64);
    snprintf(tokens[ntokens++], 128, "%s", token);
    assert_int_equal(strlen(token), 43);
}

/* ---- authentication ------------------------------------------------------ */

static void test_keys_401(void **state)
{
    static const char *const bad_keys[] = {"gek_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                           "nonsense key with spaces", "x", NULL};
    const char *body = ts_forms_stand_body(13.31, 52.585);
    ts_http_resp r;

    (void)state;
    call("POST", "/v1/drafts", NULL, NULL, body, &r);
    expect_named(&r, 401, "type", NULL, "Authorization: Bearer");
    assert_non_null(ts_http_header(&r, "WWW-Authenticate"));
    ts_http_resp_free(&r);
    for (size_t i = 0; i < 4; i++) {
        const char *k = i < 3 ? bad_keys[i] : key_revoked;
        call("POST", "/v1/drafts", k, NULL, body, &r);
        expect_named(&r, 401, "type", NULL, "not valid or has been revoked");
        assert_null(strstr(r.body, k));
        ts_http_resp_free(&r);
    }
    /* A Basic header is not a Bearer key. */
    {
        const char *h[] = {"Authorization: Basic dXNlcjpwYXNz", NULL};
        ts_http_req q = {.method = "GET", .url = ts_server_url(&srv, "/v1/cases/00"), .headers = h};
        assert_int_equal(ts_http(&q, &r), 0);
        assert_int_equal(r.status, 401);
        ts_http_resp_free(&r);
    }
    /* Every route of the form server wants a key. */
    call("GET", "/v1/drafts/0123456789abcdef0123456789abcdef", NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 401);
    ts_http_resp_free(&r);
    call("POST", "/v1/drafts/0123456789abcdef0123456789abcdef/submit", NULL, "k", "{}", &r);
    assert_int_equal(r.status, 401);
    ts_http_resp_free(&r);
    call("GET", "/v1/cases/0123456789abcdef0123456789abcdef/features", key_revoked, NULL, NULL, &r);
    assert_int_equal(r.status, 401);
    ts_http_resp_free(&r);
}

/* ---- a whole flow, and other clients --------------------------------------- */

static void test_flow_and_isolation(void **state)
{
    char id[128], token[128], case_id[64], hash[80];
    ts_http_resp r;
    json_t *doc;

    (void)state;
    new_draft(key_a, ts_forms_stand_body(13.31, 52.585), id, token);

    /* the form server reads its draft, in CRS84 and in the store CRS */
    call("GET", ts_pathf("/v1/drafts/%s", id), key_a, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "open");
    assert_true(json_is_true(json_object_get(json_object_get(doc, "validation"), "valid")));
    assert_int_equal(json_array_size(json_object_get(json_object_get(doc, "features"), "features")),
                     1);
    json_decref(doc);
    ts_http_resp_free(&r);
    call("GET", ts_pathf("/v1/drafts/%s?crs=EPSG:25832", id), key_a, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(ts_http_header(&r, "Content-Crs"), "EPSG/0/25832"));
    ts_http_resp_free(&r);
    call("GET", ts_pathf("/v1/drafts/%s?crs=EPSG:999", id), key_a, NULL, NULL, &r);
    expect_named(&r, 400, "parameter", "crs", NULL);
    ts_http_resp_free(&r);

    /* another client sees nothing of it: 404 like an unknown id */
    call("GET", ts_pathf("/v1/drafts/%s", id), key_b, NULL, NULL, &r);
    expect_named(&r, 404, "parameter", "id", NULL);
    ts_http_resp_free(&r);
    call("POST", ts_pathf("/v1/drafts/%s/submit", id), key_b, "b-1", "{\"applicant\":{}}", &r);
    json_decref(expect_problem(&r, 404));
    ts_http_resp_free(&r);
    call("GET", "/v1/drafts/ffffffffffffffffffffffffffffffff", key_a, NULL, NULL, &r);
    json_decref(expect_problem(&r, 404));
    ts_http_resp_free(&r);
    call("GET", "/v1/drafts/..%2F..%2Fetc", key_a, NULL, NULL, &r);
    assert_true(r.status == 404 || r.status == 400);
    ts_http_resp_free(&r);

    /* the applicant autosaves: an empty drawing first, then a moved point */
    call("PUT", ts_pathf("/v1/edit/%s/features", token), NULL, NULL,
         "{\"type\":\"FeatureCollection\",\"features\":[]}", &r);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_false(json_is_true(json_object_get(json_object_get(doc, "validation"), "valid")));
    json_decref(doc);
    ts_http_resp_free(&r);
    call("GET", ts_pathf("/v1/edit/%s/features", token), NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_int_equal(json_array_size(json_object_get(doc, "features")), 0);
    json_decref(doc);
    ts_http_resp_free(&r);
    /* finish with nothing drawn: the Munimap shape with what is missing */
    call("POST", ts_pathf("/v1/edit/%s/finish", token), NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_true(json_is_false(json_object_get(doc, "success")));
    assert_non_null(json_string_value(json_object_get(doc, "message")));
    assert_true(json_array_size(json_object_get(doc, "missing")) >= 1);
    json_decref(doc);
    ts_http_resp_free(&r);
    call("PUT", ts_pathf("/v1/edit/%s/features", token), NULL, NULL,
         "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
         "{\"label\":\"Stand\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":"
         "[13.3101234,52.5851234]}}]}",
         &r);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
    call("GET", ts_pathf("/v1/edit/%s/features", token), NULL, NULL, NULL, &r);
    assert_non_null(strstr(r.body, "13.3101234"));
    assert_non_null(strstr(r.body, "52.5851234"));
    ts_http_resp_free(&r);
    call("POST", ts_pathf("/v1/edit/%s/validate", token), NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"valid\":true"));
    ts_http_resp_free(&r);
    call("POST", ts_pathf("/v1/edit/%s/finish", token), NULL, NULL, NULL, &r);
    doc = ts_forms_json(&r);
    assert_true(json_is_true(json_object_get(doc, "success")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "geoJSON"), "type")),
                        "FeatureCollection");
    json_decref(doc);
    ts_http_resp_free(&r);

    /* submit: without a key 400; with one 201; again 201 with the same case */
    call("POST", ts_pathf("/v1/drafts/%s/submit", id), key_a, NULL,
         "{\"applicant\":{\"name\":\"Erika Mustermann\"}}", &r);
    expect_named(&r, 400, "header", "Idempotency-Key", "Idempotency-Key");
    ts_http_resp_free(&r);
    call("POST", ts_pathf("/v1/drafts/%s/submit", id), key_a, "flow-1",
         "{\"reference\":\"A-77\",\"applicant\":{\"name\":\"Erika Mustermann\"}}", &r);
    assert_int_equal(r.status, 201);
    doc = ts_forms_json(&r);
    snprintf(case_id, sizeof case_id, "%s", json_string_value(json_object_get(doc, "case_id")));
    snprintf(hash, sizeof hash, "%s", json_string_value(json_object_get(doc, "content_hash")));
    assert_int_equal(strlen(hash), 64);
    assert_string_equal(json_string_value(json_object_get(doc, "reference")), "A-77");
    json_decref(doc);
    ts_http_resp_free(&r);
    call("POST", ts_pathf("/v1/drafts/%s/submit", id), key_a, "flow-1",
         "{\"applicant\":{\"name\":\"Erika Mustermann\"},\"reference\":\"A-77\"}", &r);
    assert_int_equal(r.status, 201);
    assert_non_null(strstr(r.body, case_id));
    assert_string_equal(ts_http_header(&r, "Idempotent-Replayed"), "true");
    ts_http_resp_free(&r);
    /* the same key with another body: refused, no second case */
    call("POST", ts_pathf("/v1/drafts/%s/submit", id), key_a, "flow-1",
         "{\"applicant\":{\"name\":\"Someone Else\"}}", &r);
    expect_named(&r, 422, "header", "Idempotency-Key", NULL);
    ts_http_resp_free(&r);
    /* another key for the submitted draft: conflict */
    call("POST", ts_pathf("/v1/drafts/%s/submit", id), key_a, "flow-2",
         "{\"applicant\":{\"name\":\"Erika Mustermann\"}}", &r);
    json_decref(expect_problem(&r, 409));
    ts_http_resp_free(&r);
    assert_int_equal(ts_forms_sql_int(srv.db, "SELECT count(*) FROM cases WHERE draft_id = ?1", id),
                     1);
    assert_int_equal(ts_forms_sql_int(srv.db,
                                      "SELECT count(*) FROM case_events WHERE case_id = ?1"
                                      " AND action = 'submitted'",
                                      case_id),
                     1);

    /* the used token: 410 on every applicant route */
    call("GET", ts_pathf("/v1/edit/%s/features", token), NULL, NULL, NULL, &r);
    json_decref(expect_problem(&r, 410));
    ts_http_resp_free(&r);
    call("PUT", ts_pathf("/v1/edit/%s/features", token), NULL, NULL,
         "{\"type\":\"FeatureCollection\",\"features\":[]}", &r);
    json_decref(expect_problem(&r, 410));
    ts_http_resp_free(&r);
    call("POST", ts_pathf("/v1/edit/%s/finish", token), NULL, NULL, NULL, &r);
    json_decref(expect_problem(&r, 410));
    ts_http_resp_free(&r);
    call("GET", ts_pathf("/v1/drafts/%s", id), key_a, NULL, NULL, &r);
    assert_non_null(strstr(r.body, "\"status\":\"submitted\""));
    ts_http_resp_free(&r);

    /* the case: status, hash that verifies, features in a chosen CRS */
    call("GET", ts_pathf("/v1/cases/%s", case_id), key_a, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "received");
    assert_string_equal(json_string_value(json_object_get(doc, "service")), "info-stand");
    assert_string_equal(json_string_value(json_object_get(doc, "content_hash")), hash);
    assert_true(json_is_true(json_object_get(doc, "content_hash_valid")));
    assert_non_null(json_string_value(json_object_get(doc, "created")));
    json_decref(doc);
    ts_http_resp_free(&r);
    call("GET", ts_pathf("/v1/cases/%s", case_id), key_b, NULL, NULL, &r);
    expect_named(&r, 404, "parameter", "id", NULL);
    ts_http_resp_free(&r);
    call("GET", ts_pathf("/v1/cases/%s/features", case_id), key_b, NULL, NULL, &r);
    json_decref(expect_problem(&r, 404));
    ts_http_resp_free(&r);
    call("GET", ts_pathf("/v1/cases/%s/features", case_id), key_a, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "13.3101234"));
    assert_non_null(strstr(r.body, "\"label\":\"Stand\""));
    {
        const char *etag = ts_http_header(&r, "ETag");
        char inm[160];
        const char *h[] = {NULL, NULL, NULL};
        char auth[200];
        ts_http_resp r2;
        assert_non_null(etag);
        snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", key_a);
        h[0] = auth;
        h[1] = inm;
        ts_http_req q = {.url = ts_server_url(&srv, ts_pathf("/v1/cases/%s/features", case_id)),
                         .headers = h};
        assert_int_equal(ts_http(&q, &r2), 0);
        assert_int_equal(r2.status, 304);
        ts_http_resp_free(&r2);
    }
    ts_http_resp_free(&r);
    call("GET", ts_pathf("/v1/cases/%s/features?crs=EPSG:25832", case_id), key_a, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, "13.3101234"));
    ts_http_resp_free(&r);

    /* A new stand of another client a metre from the case, in the same
     * period: the conflict rule warns that the place is taken, without
     * naming the case (test_conflicts_anonymous_for_applicants checks
     * every route); one far away does not warn. */
    {
        char id2[128], token2[128];
        json_t *v, *violations;
        size_t i;
        bool found = false;
        new_draft(key_b, ts_forms_stand_body(13.31013, 52.58513), id2, token2);
        call("GET", ts_pathf("/v1/drafts/%s", id2), key_b, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_null(strstr(r.body, case_id));
        doc = ts_forms_json(&r);
        violations = json_object_get(json_object_get(doc, "validation"), "violations");
        json_array_foreach(violations, i, v)
        {
            if (strcmp(json_string_value(json_object_get(v, "rule")), "conflict") != 0) continue;
            found = true;
            assert_string_equal(json_string_value(json_object_get(v, "severity")), "warning");
            assert_null(json_object_get(v, "ref"));
        }
        assert_true(found);
        assert_true(json_is_true(json_object_get(json_object_get(doc, "validation"), "valid")));
        json_decref(doc);
        ts_http_resp_free(&r);
        new_draft(key_b, ts_forms_stand_body(13.35, 52.58513), id2, token2);
        call("GET", ts_pathf("/v1/drafts/%s", id2), key_b, NULL, NULL, &r);
        assert_null(strstr(r.body, "\"rule\":\"conflict\""));
        ts_http_resp_free(&r);
    }
    /* the submitted draft does not conflict with its own case */
    call("GET", ts_pathf("/v1/drafts/%s", id), key_a, NULL, NULL, &r);
    assert_null(strstr(r.body, "\"rule\":\"conflict\""));
    ts_http_resp_free(&r);

    /* A case altered behind the API's back (by someone with access to the
     * file) no longer verifies. */
    assert_int_equal(ts_forms_sql_exec(srv.db,
                                       "UPDATE case_features SET props = '{\"label\":\"Moved\"}'"
                                       " WHERE case_id = ?1",
                                       case_id),
                     1);
    call("GET", ts_pathf("/v1/cases/%s", case_id), key_a, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"content_hash_valid\":false"));
    ts_http_resp_free(&r);
}

/* ---- conflicts: what applicants and form servers may learn ------------------ */

/* YYYY-MM-DD of today + days (local), as ts_forms_period writes it. */
static void day_in(int days, char out[16])
{
    time_t t = time(NULL) + (time_t)days * 86400;
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

/* What an applicant must not learn of another case, and their own point. */
typedef struct anon_other {
    const char *id, *reference, *start;
    double own_lon, own_lat;
} anon_other;

/* A validation report as an applicant or form server gets it: the conflict
 * is there, as a warning on feature 0 highlighting the reader's own point,
 * and nothing in it names or outlines the other case. */
static void expect_anonymous_conflict(const json_t *report, const anon_other *o)
{
    char *text = json_dumps(report, JSON_COMPACT);
    json_t *v, *c = NULL;
    size_t i;

    assert_non_null(text);
    if (strstr(text, o->id)) fail_msg("the other case's id in a report: %s", text);
    if (strstr(text, o->reference)) fail_msg("the other case's reference: %s", text);
    if (strstr(text, o->start)) fail_msg("the other case's period: %s", text);
    json_array_foreach(json_object_get(report, "violations"), i, v)
    {
        if (!strcmp(json_string_value(json_object_get(v, "kind")), "conflict")) c = v;
    }
    if (!c) fail_msg("no conflict warning: %s", text);
    assert_string_equal(json_string_value(json_object_get(c, "severity")), "warning");
    assert_null(json_object_get(c, "ref"));
    assert_true(json_is_null(json_object_get(c, "measured"))); /* a point has no overlap size */
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(c, "message"), "en")),
                           "within 10 m"));
    v = json_object_get(json_object_get(c, "geometry"), "coordinates");
    assert_true(fabs(json_number_value(json_array_get(v, 0)) - o->own_lon) < 1e-7);
    assert_true(fabs(json_number_value(json_array_get(v, 1)) - o->own_lat) < 1e-7);
    free(text);
}

/* call, which must answer status with the anonymous conflict in the JSON
 * answer's member (NULL: the answer itself); returns the answer. */
static json_t *expect_anonymous_answer(const char *method, const char *path, const char *key,
                                       const char *idem, const char *body, long status,
                                       const char *member, const anon_other *o)
{
    ts_http_resp r;
    json_t *doc;
    call(method, path, key, idem, body, &r);
    assert_int_equal(r.status, status);
    doc = ts_forms_json(&r);
    expect_anonymous_conflict(member ? json_object_get(doc, member) : doc, o);
    ts_http_resp_free(&r);
    return doc;
}

/* The text an SQL query with one argument reads from the store does not
 * name the case. */
static void expect_stored_without(const char *sql, const char *arg, const char *case_id)
{
    char *stored = ts_store_sql_text(srv.db, sql, arg);
    assert_non_null(stored);
    assert_null(strstr(stored, case_id));
    free(stored);
}

/* A report of the same case as a caseworker reads it: the case named. */
static bool names_case(const json_t *report, const char *other_case)
{
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(report, "violations"), i, v)
    {
        const char *o = json_string_value(json_object_get(json_object_get(v, "ref"), "other"));
        if (o && !strcmp(o, other_case)) return true;
    }
    return false;
}

/* The content hash over a case's features (as GET .../features in the
 * store CRS gives them) and report_text, as case_hash.h says anyone can
 * compute it. */
static void case_hash_of(const char *case_id, const char *report_text, char hash[80])
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_geojson_in_opts in;
    ge_features fs = {0};
    ge_err err = {0};
    ts_http_resp r;
    char out[GE_TOKEN_HASH_LEN];

    call("GET", ts_pathf("/v1/cases/%s/features?crs=EPSG:25832", case_id), key_b, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    ge_geojson_in_opts_init(&in);
    assert_int_equal(ge_crs_from_epsg(25832, &in.crs, NULL), GE_OK);
    in.crs_explicit = true;
    in.store_srid = 25832;
    if (ge_geojson_in_parse_text(h, r.body, strlen(r.body), &in, &fs, &err) != GE_OK ||
        ge_case_hash(h, &fs, 25832, report_text, out, &err) != GE_OK)
        fail_msg("hash: %s", err.msg);
    snprintf(hash, 80, "%s", out);
    ge_features_free(h, &fs);
    ts_http_resp_free(&r);
}

/*
 * Another client's applicant draws 1 m from a case: every route that shows
 * them or their form server a report - the draft, the editor's validate,
 * autosave and finish, the stored draft report, the submission's answer,
 * the case as stored and as the form server reads it - warns that the
 * place is taken in that period, and none names the case, its reference,
 * its period or its point. A caseworker still sees the case, in the
 * conflicts list and in the re-check. A case whose report was stored before
 * conflicts were anonymous (its hash over that report) still verifies, and
 * its form server reads the report without the other case.
 */
static void test_conflicts_anonymous_for_applicants(void **state)
{
    const double lon_a = 13.3205, lat_a = 52.5905, lon_b = 13.32051, lat_b = 52.59051;
    char id_a[128], token_a[128], id_b[128], token_b[128], case_a[64], case_b[64];
    char a_start[16], b_start[16], b_end[16], body[1024], ref_a[32], hash[80];
    char features_b[256], *legacy = NULL;
    ts_review_session clerk;
    ts_http_resp r;
    json_t *doc;

    (void)state;
    assert_int_equal(ts_review_user_add(srv.db, "clerk", "admin", NULL, "Tabellen-Kalk-42"), 0);
    assert_int_equal(ts_review_login(&srv, "clerk", "Tabellen-Kalk-42", &clerk), 200);

    /* Client A's case: a stand for days 20 and 21. */
    new_draft(key_a, ts_forms_stand_body(lon_a, lat_a), id_a, token_a);
    snprintf(ref_a, sizeof ref_a, "T-%.6f", lon_a);
    call("POST", ts_pathf("/v1/drafts/%s/submit", id_a), key_a, "privacy-a",
         "{\"applicant\":{\"name\":\"Alice Example\"}}", &r);
    assert_int_equal(r.status, 201);
    doc = ts_forms_json(&r);
    snprintf(case_a, sizeof case_a, "%s", json_string_value(json_object_get(doc, "case_id")));
    json_decref(doc);
    ts_http_resp_free(&r);
    day_in(20, a_start);

    /* Client B's applicant: a stand a metre away for days 21 to 24. */
    day_in(21, b_start);
    day_in(24, b_end);
    snprintf(features_b, sizeof features_b,
             "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
             "{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[%.7f,%.7f]}}]}",
             lon_b, lat_b);
    snprintf(body, sizeof body,
             "{\"service\":\"info-stand\",\"reference\":\"B-1\",\"period\":{\"start\":\"%s\","
             "\"end\":\"%s\"},\"features\":%s}",
             b_start, b_end, features_b);
    new_draft(key_b, body, id_b, token_b);

    const anon_other oa = {case_a, ref_a, a_start, lon_b, lat_b};
    json_decref(expect_anonymous_answer("GET", ts_pathf("/v1/drafts/%s", id_b), key_b, NULL, NULL,
                                        200, "validation", &oa));
    json_decref(expect_anonymous_answer("POST", ts_pathf("/v1/edit/%s/validate", token_b), NULL,
                                        NULL, NULL, 200, NULL, &oa));
    json_decref(expect_anonymous_answer("PUT", ts_pathf("/v1/edit/%s/features", token_b), NULL,
                                        NULL, features_b, 200, "validation", &oa));
    expect_stored_without("SELECT validation FROM drafts WHERE id = ?1", id_b, case_a);
    doc = expect_anonymous_answer("POST", ts_pathf("/v1/edit/%s/finish", token_b), NULL, NULL,
                                  features_b, 200, "validation", &oa);
    assert_true(json_is_true(json_object_get(doc, "success")));
    json_decref(doc);

    /* Submitted: the answer, the stored report and the case as the form
     * server reads it, whose hash verifies. */
    doc = expect_anonymous_answer("POST", ts_pathf("/v1/drafts/%s/submit", id_b), key_b,
                                  "privacy-b", "{\"applicant\":{\"name\":\"Bob Example\"}}", 201,
                                  "validation", &oa);
    snprintf(case_b, sizeof case_b, "%s", json_string_value(json_object_get(doc, "case_id")));
    json_decref(doc);
    expect_stored_without("SELECT report FROM cases WHERE id = ?1", case_b, case_a);
    doc = expect_anonymous_answer("GET", ts_pathf("/v1/cases/%s", case_b), key_b, NULL, NULL, 200,
                                  "validation", &oa);
    assert_true(json_is_true(json_object_get(doc, "content_hash_valid")));
    json_decref(doc);

    /* A caseworker: the conflicts list and the re-check name case A; the
     * re-check agrees with the anonymous stored report (differs false). */
    assert_int_equal(ts_review_call(&srv, "GET", ts_pathf("/v1/cases/%s/conflicts", case_b),
                                    clerk.cookie, NULL, NULL, NULL, &r),
                     0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, case_a));
    ts_http_resp_free(&r);
    assert_int_equal(ts_review_call(&srv, "GET", ts_pathf("/v1/cases/%s", case_b), clerk.cookie,
                                    NULL, NULL, NULL, &r),
                     0);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_true(json_is_true(json_object_get(doc, "content_hash_valid")));
    assert_true(
        names_case(json_object_get(json_object_get(doc, "revalidation"), "report"), case_a));
    assert_true(json_is_false(json_object_get(json_object_get(doc, "revalidation"), "differs")));
    /* Case B as an older server stored it: the caseworker's report, which
     * names case A, with the hash taken over it. */
    legacy = json_dumps(json_object_get(json_object_get(doc, "revalidation"), "report"),
                        GE_JSON_DUMP_FLAGS);
    json_decref(doc);
    ts_http_resp_free(&r);
    assert_non_null(legacy);
    case_hash_of(case_b, legacy, hash);
    assert_int_equal(ts_store_sql(srv.db,
                                  "UPDATE cases SET report = ?1, content_hash = ?2 WHERE id = ?3",
                                  3, legacy, hash, case_b),
                     1);
    call("GET", ts_pathf("/v1/cases/%s", case_b), key_b, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_true(json_is_true(json_object_get(doc, "content_hash_valid")));
    assert_string_equal(json_string_value(json_object_get(doc, "content_hash")), hash);
    assert_null(strstr(r.body, case_a));
    assert_null(strstr(r.body, "\"ref\":{\"other\""));
    json_decref(doc);
    ts_http_resp_free(&r);
    /* the caseworker reads it as stored */
    assert_int_equal(ts_review_call(&srv, "GET", ts_pathf("/v1/cases/%s", case_b), clerk.cookie,
                                    NULL, NULL, NULL, &r),
                     0);
    doc = ts_forms_json(&r);
    assert_true(json_is_true(json_object_get(doc, "content_hash_valid")));
    assert_true(names_case(json_object_get(doc, "validation"), case_a));
    json_decref(doc);
    ts_http_resp_free(&r);
    free(legacy);
}

/* PATCH /v1/drafts/{id} with If-Match (NULL: none). */
static void patch(const char *id, const char *key, const char *if_match, const char *body,
                  ts_http_resp *r)
{
    char auth[256], im[256], url[512];
    const char *headers[4] = {auth, "Content-Type: application/json", NULL, NULL};
    ts_http_req q = {0};

    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    snprintf(im, sizeof im, "If-Match: %s", if_match ? if_match : "");
    if (if_match) headers[2] = im;
    snprintf(url, sizeof url, "%s", ts_server_url(&srv, ts_pathf("/v1/drafts/%s", id)));
    q.method = "PATCH";
    q.url = url;
    q.headers = headers;
    q.body = body;
    q.body_len = strlen(body);
    if (ts_http(&q, r) != 0) fail_msg("PATCH %s: %s", id, r->error);
    keep_body(r);
}

/* The ETag of GET /v1/drafts/{id}, quoted, into tag. */
static void draft_etag(const char *id, const char *key, char tag[128])
{
    ts_http_resp r;
    const char *t;
    call("GET", ts_pathf("/v1/drafts/%s", id), key, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    t = ts_http_header(&r, "ETag");
    if (!t || t[0] != '"' || t[1] != 'd') fail_msg("GET /v1/drafts/{id}: ETag %s", t ? t : "none");
    snprintf(tag, 128, "%s", t);
    ts_http_resp_free(&r);
}

/* ---- PATCH /v1/drafts/{id} ------------------------------------------------ */

static void test_patch_changes(void **state)
{
    char id[128], token[128], tag[128], tag2[128], body[1024];
    ts_http_resp r;
    json_t *doc, *f;

    (void)state;
    new_draft(key_a, ts_forms_stand_body(13.312, 52.5855), id, token);
    draft_etag(id, key_a, tag);
    draft_etag(id, key_a, tag2);
    assert_string_equal(tag, tag2); /* a tag names a state: reading twice changes nothing */
    {
        /* the report is made fresh on every read: never a 304 */
        char auth[256], inm[256];
        const char *h[] = {auth, inm, NULL};
        ts_http_req q = {0};
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", key_a);
        snprintf(inm, sizeof inm, "If-None-Match: %s", tag);
        q.url = ts_server_url(&srv, ts_pathf("/v1/drafts/%s", id));
        q.headers = h;
        assert_int_equal(ts_http(&q, &r), 0);
        assert_int_equal(r.status, 200);
        ts_http_resp_free(&r);
    }

    /* without If-Match nothing changes: 428 naming the header and the current tag */
    patch(id, key_a, NULL, "{\"reference\":\"R-2\"}", &r);
    doc = expect_problem(&r, 428);
    assert_string_equal(json_string_value(json_object_get(doc, "header")), "If-Match");
    assert_int_equal(strncmp(json_string_value(json_object_get(doc, "etag")), tag + 1, 33), 0);
    json_decref(doc);
    ts_http_resp_free(&r);
    patch(id, key_a, "d123", "{\"reference\":\"R-2\"}", &r); /* unquoted */
    expect_named(&r, 400, "header", "If-Match", NULL);
    ts_http_resp_free(&r);
    patch(id, key_a, "\"dffff\"", "{\"reference\":\"R-2\"}", &r);
    expect_named(&r, 412, "header", "If-Match", NULL);
    ts_http_resp_free(&r);
    /* the weak form of the right tag never matches (strong comparison) */
    snprintf(body, sizeof body, "W/%s", tag);
    patch(id, key_a, body, "{\"reference\":\"R-2\"}", &r);
    json_decref(expect_problem(&r, 412));
    ts_http_resp_free(&r);

    /* all four members change at once; the answer is the new state with its tag */
    snprintf(body, sizeof body,
             "{\"reference\":\"R-2\",\"locale\":\"en\",\"period\":{\"start\":\"2027-03-01\","
             "\"end\":\"2027-03-02\"},\"features\":{\"type\":\"FeatureCollection\","
             "\"features\":[{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":"
             "\"Point\",\"coordinates\":[13.3121234,52.5856789]}}]}}");
    patch(id, key_a, tag, body, &r);
    if (r.status != 200) fail_msg("PATCH: %ld %s", r.status, r.body);
    snprintf(tag2, sizeof tag2, "%s", ts_http_header(&r, "ETag"));
    assert_string_not_equal(tag, tag2);
    doc = ts_forms_json(&r);
    assert_string_equal(json_string_value(json_object_get(doc, "reference")), "R-2");
    assert_string_equal(json_string_value(json_object_get(doc, "locale")), "en");
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "period"), "start")),
                        "2027-03-01");
    assert_non_null(json_object_get(doc, "validation"));
    json_decref(doc);
    ts_http_resp_free(&r);
    call("GET", ts_pathf("/v1/drafts/%s", id), key_a, NULL, NULL, &r);
    assert_string_equal(ts_http_header(&r, "ETag"), tag2);
    assert_non_null(strstr(r.body, "13.3121234"));
    assert_non_null(strstr(r.body, "\"reference\":\"R-2\""));
    ts_http_resp_free(&r);

    /* the old tag is stale now: 412 naming the current one, nothing changed */
    patch(id, key_a, tag, "{\"reference\":\"R-3\"}", &r);
    doc = expect_problem(&r, 412);
    assert_int_equal(strncmp(json_string_value(json_object_get(doc, "etag")), tag2 + 1, 33), 0);
    json_decref(doc);
    ts_http_resp_free(&r);

    /* the applicant's autosave changes the draft, so the form server's tag goes stale */
    call("PUT", ts_pathf("/v1/edit/%s/features", token), NULL, NULL,
         "{\"type\":\"FeatureCollection\",\"features\":[]}", &r);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
    patch(id, key_a, tag2, "{\"reference\":\"R-3\"}", &r);
    json_decref(expect_problem(&r, 412));
    ts_http_resp_free(&r);

    /* one of several tags may match; period null removes the period; "*" matches any */
    draft_etag(id, key_a, tag);
    snprintf(body, sizeof body, "\"dffff\", %s", tag);
    patch(id, key_a, body, "{\"period\":null}", &r);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_null(json_object_get(doc, "period"));
    json_decref(doc);
    ts_http_resp_free(&r);
    patch(id, key_a, "*", "{\"reference\":\"R-4\"}", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"reference\":\"R-4\""));
    ts_http_resp_free(&r);

    /* another client's draft is not there for this client */
    patch(id, key_b, "*", "{\"reference\":\"R-5\"}", &r);
    expect_named(&r, 404, "parameter", "id", NULL);
    ts_http_resp_free(&r);

    /* the applicant's editor reads the changed drawing */
    call("GET", ts_pathf("/v1/edit/%s/features", token), NULL, NULL, NULL, &r);
    f = ts_forms_json(&r);
    assert_int_equal(json_array_size(json_object_get(f, "features")), 0);
    json_decref(f);
    ts_http_resp_free(&r);
}

static void test_patch_bad_input(void **state)
{
    static const struct {
        const char *body;
        const char *member;
    } bad[] = {
        {"{\"period\":{\"start\":\"2026-13-01\",\"end\":\"2026-12-02\"}}", "period"},
        {"{\"period\":{\"start\":\"2027-03-05\",\"end\":\"2027-03-01\"}}", "period"},
        {"{\"period\":\"soon\"}", "period"},
        {"{\"period\":{\"start\":\"2027-03-05\"}}", "period"},
        {"{\"locale\":\"fr\"}", "locale"},
        {"{\"reference\":\"\"}", "reference"},
        {"{\"reference\":7}", "reference"},
        {"{\"service\":\"info-stand\"}", "service"},
        {"{\"features\":{\"type\":\"Point\",\"coordinates\":[200,52]}}", "features"},
    };
    char id[128], token[128], tag[128], tag2[128];
    ts_http_resp r;

    (void)state;
    new_draft(key_a, ts_forms_stand_body(13.3125, 52.5857), id, token);
    draft_etag(id, key_a, tag);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* bad input is told first, even with a stale tag */
        patch(id, key_a, i % 2 ? tag : "\"dffff\"", bad[i].body, &r);
        expect_named(&r, 400, "member", bad[i].member, NULL);
        ts_http_resp_free(&r);
    }
    patch(id, key_a, tag, "[1]", &r);
    json_decref(expect_problem(&r, 400));
    ts_http_resp_free(&r);
    draft_etag(id, key_a, tag2);
    assert_string_equal(tag, tag2); /* nothing changed */

    /* a submitted draft cannot change: 409 */
    call("POST", ts_pathf("/v1/drafts/%s/submit", id), key_a, "patch-1",
         "{\"applicant\":{\"name\":\"P\"}}", &r);
    assert_int_equal(r.status, 201);
    ts_http_resp_free(&r);
    patch(id, key_a, tag, "{\"reference\":\"after\"}", &r);
    expect_named(&r, 409, "type", NULL, "submitted");
    ts_http_resp_free(&r);
}

/* ---- expiry ---------------------------------------------------------------- */

static void test_expired_token_410(void **state)
{
    char id[128], token[128], body[1024];
    ts_http_resp r;
    const char *stand = ts_forms_stand_body(13.311, 52.586);

    (void)state;
    /* a draft that lives one second */
    snprintf(body, sizeof body, "%.*s,\"expires_in\":1}", (int)strlen(stand) - 1, stand);
    new_draft(key_a, body, id, token);
    ts_server_set_clock(&srv, 3); /* the server's clock three seconds on */
    call("GET", ts_pathf("/v1/edit/%s/features", token), NULL, NULL, NULL, &r);
    expect_named(&r, 410, "type", NULL, "expired");
    ts_http_resp_free(&r);
    call("PUT", ts_pathf("/v1/edit/%s/features", token), NULL, NULL,
         "{\"type\":\"FeatureCollection\",\"features\":[]}", &r);
    json_decref(expect_problem(&r, 410));
    ts_http_resp_free(&r);
    call("POST", ts_pathf("/v1/drafts/%s/submit", id), key_a, "exp-1", "{\"applicant\":{}}", &r);
    json_decref(expect_problem(&r, 410));
    ts_http_resp_free(&r);
    call("GET", ts_pathf("/v1/drafts/%s", id), key_a, NULL, NULL, &r);
    assert_non_null(strstr(r.body, "\"status\":\"expired\""));
    ts_http_resp_free(&r);
    patch(id, key_a, "*", "{\"reference\":\"late\"}", &r);
    expect_named(&r, 410, "type", NULL, "expired");
    ts_http_resp_free(&r);
    assert_int_equal(ts_forms_sql_int(srv.db, "SELECT count(*) FROM cases WHERE draft_id = ?1", id),
                     0);
    ts_server_set_clock(&srv, 0);
}

static void test_wrong_token_404(void **state)
{
    static const char *const toks[] = {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "short",
                                       "not%20a%20token", NULL};
    ts_http_resp r;
    (void)state;
    for (size_t i = 0; toks[i]; i++) {
        call("GET", ts_pathf("/v1/edit/%s/features", toks[i]), NULL, NULL, NULL, &r);
        json_decref(expect_problem(&r, 404));
        ts_http_resp_free(&r);
        call("POST", ts_pathf("/v1/edit/%s/finish", toks[i]), NULL, NULL, NULL, &r);
        json_decref(expect_problem(&r, 404));
        ts_http_resp_free(&r);
    }
}

/* ---- submission -------------------------------------------------------------- */

typedef struct submit_arg {
    const char *path;
    long status;
    char case_id[64];
} submit_arg;

static void *submit_thread(void *p)
{
    submit_arg *a = p;
    ts_http_resp r;
    char url[512];
    /* Not ts_server_url: its rotating buffer is shared by all threads. */
    snprintf(url, sizeof url, "%s%s", srv.base, a->path);
    if (ts_forms_call("POST", url, key_a, "same-key-for-all",
                      "{\"applicant\":{\"name\":\"Concurrent\"}}", &r) == 0) {
        json_t *doc = ts_forms_json(&r);
        a->status = r.status;
        if (doc && json_string_value(json_object_get(doc, "case_id")))
            snprintf(a->case_id, sizeof a->case_id, "%s",
                     json_string_value(json_object_get(doc, "case_id")));
        json_decref(doc);
    }
    ts_http_resp_free(&r);
    return NULL;
}

static void test_concurrent_submits_one_case(void **state)
{
    enum { N = 16 };
    char id[128], token[128];
    pthread_t th[N];
    submit_arg args[N];
    const char *path;

    (void)state;
    new_draft(key_a, ts_forms_stand_body(13.312, 52.587), id, token);
    path = ts_pathf("/v1/drafts/%s/submit", id);
    for (int i = 0; i < N; i++) {
        memset(&args[i], 0, sizeof args[i]);
        args[i].path = path;
        assert_int_equal(pthread_create(&th[i], NULL, submit_thread, &args[i]), 0);
    }
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < N; i++) {
        if (args[i].status != 201) fail_msg("submit %d: %ld", i, args[i].status);
        assert_string_equal(args[i].case_id, args[0].case_id);
    }
    assert_int_equal(ts_forms_sql_int(srv.db, "SELECT count(*) FROM cases WHERE draft_id = ?1", id),
                     1);
    assert_int_equal(ts_forms_sql_int(srv.db,
                                      "SELECT count(*) FROM idempotency_keys"
                                      " WHERE key = 'same-key-for-all'",
                                      NULL),
                     1);
}

static void test_submit_with_errors_422(void **state)
{
    char id[128], token[128], body[2048];
    ts_http_resp r;
    json_t *p;

    (void)state;
    /* three stands, the service allows two */
    snprintf(body, sizeof body,
             "{\"service\":\"info-stand\",\"reference\":\"E-1\",\"period\":%s,\"features\":"
             "{\"type\":\"MultiPoint\",\"coordinates\":[[13.31,52.58]]}}",
             ts_forms_period());
    new_draft(key_a, body, id, token);
    call("PUT", ts_pathf("/v1/edit/%s/features", token), NULL, NULL,
         "{\"type\":\"FeatureCollection\",\"features\":["
         "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":"
         "[13.31,52.58]}},"
         "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":"
         "[13.311,52.58]}},"
         "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":"
         "[13.312,52.58]}}]}",
         &r);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
    call("POST", ts_pathf("/v1/drafts/%s/submit", id), key_a, "err-1", "{\"applicant\":{}}", &r);
    p = expect_problem(&r, 422);
    assert_true(json_array_size(json_object_get(p, "errors")) >= 1);
    assert_non_null(strstr(r.body, "\"rule\":\"count\""));
    json_decref(p);
    ts_http_resp_free(&r);
    assert_int_equal(ts_forms_sql_int(srv.db, "SELECT count(*) FROM cases WHERE draft_id = ?1", id),
                     0);
    /* the draft stays open: the applicant can fix it */
    call("GET", ts_pathf("/v1/edit/%s/features", token), NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
}

/* ---- bad input ------------------------------------------------------------------ */

static void test_bad_input_names_member(void **state)
{
    static const struct {
        const char *body;
        long status;
        const char *member;
    } drafts[] = {
        {"{\"service\":\"info-stand\",\"reference\":\"x\",\"colour\":1}", 400, "colour"},
        {"{\"reference\":\"x\"}", 400, "service"},
        {"{\"service\":7,\"reference\":\"x\"}", 400, "service"},
        {"{\"service\":\"no-such\",\"reference\":\"x\"}", 422, "service"},
        {"{\"service\":\"info-stand\"}", 400, "reference"},
        {"{\"service\":\"info-stand\",\"reference\":\"\"}", 400, "reference"},
        {"{\"service\":\"info-stand\",\"reference\":\"x\",\"locale\":\"fr\"}", 400, "locale"},
        {"{\"service\":\"info-stand\",\"reference\":\"x\",\"period\":{\"start\":\"2026-13-01\","
         "\"end\":\"2026-12-02\"}}",
         400, "period"},
        {"{\"service\":\"info-stand\",\"reference\":\"x\",\"period\":\"soon\"}", 400, "period"},
        {"{\"service\":\"info-stand\",\"reference\":\"x\",\"features\":{\"type\":\"Point\","
         "\"coordinates\":[200,52]}}",
         400, "features"},
        {"{\"service\":\"info-stand\",\"reference\":\"x\",\"features\":{\"type\":\"Polygon\","
         "\"coordinates\":[[[13.3,52.5],[13.4,52.5],[13.4,52.6]]]}}",
         400, "features"},
        {"{\"service\":\"info-stand\",\"reference\":\"x\",\"features\":{\"type\":\"Blob\"}}", 400,
         "features"},
        {"{\"service\":\"info-stand\",\"reference\":\"x\",\"expires_in\":0}", 400, "expires_in"},
        {"{\"service\":\"info-stand\",\"reference\":\"x\",\"expires_in\":99999999}", 400,
         "expires_in"},
        {"{\"service\":\"info-stand\",\"reference\":\"x\",\"expires_in\":\"1h\"}", 400,
         "expires_in"},
    };
    char id[128], token[128], longref[600];
    ts_http_resp r;

    (void)state;
    for (size_t i = 0; i < sizeof drafts / sizeof drafts[0]; i++) {
        call("POST", "/v1/drafts", key_a, NULL, drafts[i].body, &r);
        expect_named(&r, drafts[i].status, "member", drafts[i].member, NULL);
        ts_http_resp_free(&r);
    }
    memset(longref, 'r', 300);
    longref[300] = '\0';
    {
        char body[800];
        snprintf(body, sizeof body, "{\"service\":\"info-stand\",\"reference\":\"%s\"}", longref);
        call("POST", "/v1/drafts", key_a, NULL, body, &r);
        expect_named(&r, 400, "member", "reference", "256");
        ts_http_resp_free(&r);
    }
    /* not JSON, not an object, duplicate keys, deep nesting: 400 with where */
    call("POST", "/v1/drafts", key_a, NULL, "{\"service\":", &r);
    expect_named(&r, 400, "type", NULL, "line 1");
    ts_http_resp_free(&r);
    call("POST", "/v1/drafts", key_a, NULL, "[1,2]", &r);
    json_decref(expect_problem(&r, 400));
    ts_http_resp_free(&r);
    call("POST", "/v1/drafts", key_a, NULL,
         "{\"service\":\"info-stand\",\"service\":\"x\",\"reference\":\"x\"}", &r);
    json_decref(expect_problem(&r, 400));
    ts_http_resp_free(&r);
    {
        char deep[4200];
        size_t n = 0;
        n += (size_t)sprintf(deep, "{\"service\":\"info-stand\",\"reference\":\"x\",\"features\":");
        for (int i = 0; i < 1000; i++)
            deep[n++] = '[';
        for (int i = 0; i < 1000; i++)
            deep[n++] = ']';
        deep[n++] = '}';
        deep[n] = '\0';
        call("POST", "/v1/drafts", key_a, NULL, deep, &r);
        assert_true(r.status == 400 || r.status == 422);
        ts_http_resp_free(&r);
    }
    call("POST", "/v1/drafts", key_a, NULL, "", &r);
    json_decref(expect_problem(&r, 400));
    ts_http_resp_free(&r);

    /* the submission's members */
    new_draft(key_a, ts_forms_stand_body(13.313, 52.588), id, token);
    {
        static const struct {
            const char *body;
            const char *member;
        } subs[] = {
            {"{}", "applicant"},
            {"{\"applicant\":\"Erika\"}", "applicant"},
            {"{\"applicant\":{},\"reference\":5}", "reference"},
            {"{\"applicant\":{},\"period\":{\"start\":\"2026-12-05\"}}", "period"},
            {"{\"applicant\":{},\"signature\":\"x\"}", "signature"},
        };
        for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
            char k[32];
            snprintf(k, sizeof k, "bad-%zu", i);
            call("POST", ts_pathf("/v1/drafts/%s/submit", id), key_a, k, subs[i].body, &r);
            expect_named(&r, 400, "member", subs[i].member, NULL);
            ts_http_resp_free(&r);
        }
    }
    call("POST", ts_pathf("/v1/drafts/%s/submit", id), key_a, "a key with spaces",
         "{\"applicant\":{}}", &r);
    expect_named(&r, 400, "header", "Idempotency-Key", NULL);
    ts_http_resp_free(&r);
    {
        char big[20000];
        memset(big, 'a', sizeof big);
        memcpy(big, "{\"applicant\":{\"x\":\"", 19);
        memcpy(big + sizeof big - 4, "\"}}", 4);
        call("POST", ts_pathf("/v1/drafts/%s/submit", id), key_a, "big-1", big, &r);
        expect_named(&r, 422, "member", "applicant", NULL);
        ts_http_resp_free(&r);
    }
    /* autosave with broken GeoJSON: 400 naming the path; the saved drawing stays */
    call("PUT", ts_pathf("/v1/edit/%s/features", token), NULL, NULL,
         "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},"
         "\"geometry\":{\"type\":\"Point\",\"coordinates\":[13.3,\"x\"]}}]}",
         &r);
    expect_named(&r, 400, "member", "features", "features[0]");
    ts_http_resp_free(&r);
    {
        /* more features than the limit (100): 422 naming the limit */
        char *many = malloc(200 * 120 + 100);
        size_t n = 0;
        assert_non_null(many);
        n += (size_t)sprintf(many, "{\"type\":\"FeatureCollection\",\"features\":[");
        for (int i = 0; i < 101; i++)
            n += (size_t)sprintf(many + n,
                                 "%s{\"type\":\"Feature\",\"properties\":{},\"geometry\":"
                                 "{\"type\":\"Point\",\"coordinates\":[13.3,52.5]}}",
                                 i ? "," : "");
        sprintf(many + n, "]}");
        call("PUT", ts_pathf("/v1/edit/%s/features", token), NULL, NULL, many, &r);
        expect_named(&r, 422, "member", "features", "100");
        ts_http_resp_free(&r);
        free(many);
    }
    call("PUT", ts_pathf("/v1/edit/%s/features", token), NULL, NULL, "not json", &r);
    json_decref(expect_problem(&r, 400));
    ts_http_resp_free(&r);
    call("GET", ts_pathf("/v1/edit/%s/features", token), NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "13.313"));
    ts_http_resp_free(&r);
    /* German problems for German clients */
    {
        const char *h[] = {"Accept-Language: de-DE,de;q=0.9", NULL};
        ts_http_req q = {.method = "POST",
                         .url = ts_server_url(&srv, "/v1/drafts"),
                         .headers = h,
                         .body = "{}",
                         .body_len = 2};
        assert_int_equal(ts_http(&q, &r), 0);
        assert_int_equal(r.status, 401);
        assert_non_null(strstr(r.body, "API-Schl"));
        ts_http_resp_free(&r);
    }
    /* nothing broke: the server answers */
    call("GET", "/healthz", NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
}

/* Features without properties - the member missing, or null - are submitted
 * and read back with empty properties. (Submission used to make an empty
 * object for each and never free it: under ASan the server's leak report at
 * exit fails this program through the group teardown, ts_server_stop.) */
static void test_submit_without_properties(void **state)
{
    char id[128], token[128], body[1024], case_id[64];
    ts_http_resp r;
    json_t *doc, *f;
    size_t i;

    (void)state;
    snprintf(body, sizeof body,
             "{\"service\":\"info-stand\",\"reference\":\"NOPROPS-1\",\"period\":%s,"
             "\"features\":{\"type\":\"FeatureCollection\",\"features\":["
             "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\","
             "\"coordinates\":[13.3161,52.5891]}},"
             "{\"type\":\"Feature\",\"properties\":null,\"geometry\":{\"type\":\"Point\","
             "\"coordinates\":[13.3163,52.5891]}}]}}",
             ts_forms_period());
    new_draft(key_a, body, id, token);
    call("POST", ts_pathf("/v1/drafts/%s/submit", id), key_a, "noprops-1",
         "{\"applicant\":{\"name\":\"Erika Mustermann\"}}", &r);
    if (r.status != 201) fail_msg("submit: %ld %s", r.status, r.body);
    doc = ts_forms_json(&r);
    snprintf(case_id, sizeof case_id, "%s", json_string_value(json_object_get(doc, "case_id")));
    assert_true(json_is_true(json_object_get(doc, "content_hash_valid")));
    json_decref(doc);
    ts_http_resp_free(&r);

    call("GET", ts_pathf("/v1/cases/%s/features", case_id), key_a, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_int_equal(json_array_size(json_object_get(doc, "features")), 2);
    json_array_foreach(json_object_get(doc, "features"), i, f)
    {
        json_t *props = json_object_get(f, "properties");
        assert_true(json_is_object(props));
        assert_int_equal(json_object_size(props), 0);
    }
    json_decref(doc);
    ts_http_resp_free(&r);
    /* the case is intact: its hash matches what was stored */
    call("GET", ts_pathf("/v1/cases/%s", case_id), key_a, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_true(json_is_true(json_object_get(doc, "content_hash_valid")));
    json_decref(doc);
    ts_http_resp_free(&r);
}

/* ---- secrets ---------------------------------------------------------------------- */

static void test_no_secret_in_bodies_or_log(void **state)
{
    char *log = ts_server_log(&srv);
    const char *keys[] = {key_a, key_b, key_revoked};

    (void)state;
    assert_non_null(log);
    assert_true(ntokens >= 4);
    for (size_t i = 0; i < 3; i++) {
        if (strstr(log, keys[i])) fail_msg("API key %zu in the server log", i);
        if (bodies && strstr(bodies, keys[i])) fail_msg("API key %zu in a response", i);
        /* nor its hash-free tail */
        if (strstr(log, keys[i] + 4)) fail_msg("API key %zu (tail) in the server log", i);
    }
    for (size_t i = 0; i < ntokens; i++) {
        if (strstr(log, tokens[i])) fail_msg("capability token %zu in the server log", i);
        if (bodies && strstr(bodies, tokens[i])) fail_msg("capability token %zu in a response", i);
    }
    /* the access log did see the token routes, redacted */
    assert_non_null(strstr(log, "/v1/edit/{token}/features"));
    free(log);
}

/* editor_url is built from public_url or the server's own address, never
 * from a Host header that names another host: behind a proxy that passes
 * Host on, that would hand applicants a link to the attacker's site. A
 * loopback Host (a browser on this machine) is used as written. */
static void test_editor_url_ignores_host(void **state)
{
    static const struct {
        const char *host, *want;
    } cases[] = {
        {"Host: evil.example", NULL},
        {"Host: evil.example:8080", NULL},
        {"Host: localhost:8080", "http://localhost:8080/edit/"},
    };
    char auth[256], want[256];
    (void)state;

    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key_a);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *hdrs[] = {auth, "Content-Type: application/json", cases[i].host, NULL};
        const char *body = ts_forms_stand_body(13.3002 + i * 0.0001, 52.585);
        ts_http_req q = {.url = ts_server_url(&srv, "/v1/drafts"),
                         .headers = hdrs,
                         .body = body,
                         .body_len = strlen(body)};
        ts_http_resp r;
        json_t *doc;
        const char *url;

        assert_int_equal(ts_http(&q, &r), 0);
        if (r.status != 201) fail_msg("%s: %ld %s", cases[i].host, r.status, r.body);
        doc = json_loads(r.body, 0, NULL);
        assert_non_null(doc);
        url = json_string_value(json_object_get(doc, "editor_url"));
        assert_non_null(url);
        snprintf(want, sizeof want, "%s",
                 cases[i].want ? cases[i].want : ts_server_url(&srv, "/edit/"));
        if (strncmp(url, want, strlen(want)) != 0)
            fail_msg("%s: editor_url '%s' does not start with '%s'", cases[i].host, url, want);
        assert_null(strstr(r.body, "evil.example"));
        json_decref(doc);
        ts_http_resp_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_401),
        cmocka_unit_test(test_flow_and_isolation),
        cmocka_unit_test(test_patch_changes),
        cmocka_unit_test(test_patch_bad_input),
        cmocka_unit_test(test_conflicts_anonymous_for_applicants),
        cmocka_unit_test(test_expired_token_410),
        cmocka_unit_test(test_wrong_token_404),
        cmocka_unit_test(test_concurrent_submits_one_case),
        cmocka_unit_test(test_submit_with_errors_422),
        cmocka_unit_test(test_bad_input_names_member),
        cmocka_unit_test(test_submit_without_properties),
        cmocka_unit_test(test_editor_url_ignores_host),
        cmocka_unit_test(test_no_secret_in_bodies_or_log),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
