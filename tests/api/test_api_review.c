/*
 * test_api_review.c - the caseworkers' read routes against the real server
 * on the demo quarter (imported by the real "geoeditor import"): accounts
 * made with "geoeditor user add", sessions from POST /v1/login, cases
 * submitted the way a form server submits them (skip containers placed
 * where the rules find no error, an info stand beside them), statuses set
 * in the store file directly (the PATCH route is tested elsewhere).
 *
 * Covered: every filter of GET /v1/cases (service, status with open and
 * closed, period overlap, bbox, q with umlauts, limit and offset with
 * numberMatched, purged), its orders (sort=start, newest, oldest,
 * reference) and its summary (per status whatever status is asked, open
 * cases starting within a week), each bad parameter as a 400 problem naming it,
 * what an admin, a caseworker and a caseworker of another service see
 * (404 for detail, features, map, history and conflicts; the list without
 * those cases), a stranger's 401, the detail's re-check (unchanged world:
 * differs false; a newer case in the way: differs true), conflicts (same
 * place and time; not a disjoint period, not a rejected case; another
 * service's case as visible:false without reference; ?distance=), and the
 * history oldest first, each actor with its name (form server, user).
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
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ts.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_review.h"
#include "ts_run.h"
#include "ts_server.h"

#define CRS_URI  "http://www.opengis.net/def/crs/EPSG/0/25832"
#define PW_ADMIN "the head of all cases, 2026"
#define PW_SAM   "checks skips every day"
#define PW_INES  "looks at info stands daily"

static ts_server srv;
static bool have_data;
static char dir[4096], db[4096 + 32];
static char key[160];
static ts_review_session admin, sam, ines;

/* The cases: S1..S5 skip containers, I1 an info stand. */
enum { S1, S2, S3, S4, S5, I1, NCASES };
static char ids[NCASES][64];
static const char *const refs[NCASES] = {"AZ-S1", "AZ-S2", "AZ-S3", "AZ-S4", "AZ-S5", "AZ-I1"};
static double seg_a[2], seg_b[2], far_a[2], far_b[2]; /* road segments, EPSG:25832 */
static char period1[96], period2[96];

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* ---- accounts and requests ---------------------------------------------- */

/* GET (or another method) path with the session's cookie; who NULL: none. */
static void call(const ts_review_session *who, const char *method, const char *path,
                 const char *extra, ts_http_resp *r)
{
    assert_int_equal(
        ts_review_call(&srv, method, path, who ? who->cookie : NULL, NULL, extra, NULL, r), 0);
}

/* GET as who; the JSON answer (NULL when not JSON) and its status. */
static json_t *get_json(const ts_review_session *who, const char *path, long *status)
{
    ts_http_resp r;
    json_t *doc;
    call(who, "GET", path, NULL, &r);
    *status = r.status;
    doc = ts_forms_json(&r);
    ts_http_resp_free(&r);
    return doc;
}

/* GET that must answer 200 with JSON. */
static json_t *get_ok(const ts_review_session *who, const char *path)
{
    long st;
    json_t *doc = get_json(who, path, &st);
    if (st != 200) {
        char *t = doc ? json_dumps(doc, 0) : NULL;
        fail_msg("GET %s: %ld %s", path, st, or_empty(t));
    }
    return doc;
}

/* A problem with this status whose "parameter" member names param. */
static void expect_problem(const ts_review_session *who, const char *path, long status,
                           const char *param)
{
    ts_http_resp r;
    json_t *doc;
    const char *ct;
    call(who, "GET", path, "Accept-Language: de", &r);
    if (r.status != status)
        fail_msg("GET %s: %ld, expected %ld: %s", path, r.status, status, r.body);
    ct = ts_http_header(&r, "Content-Type");
    assert_non_null(ct);
    assert_string_equal(ct, "application/problem+json");
    doc = ts_forms_json(&r);
    assert_non_null(doc);
    assert_non_null(json_string_value(json_object_get(doc, "detail")));
    if (param) {
        const char *got = json_string_value(json_object_get(doc, "parameter"));
        if (!got || strcmp(got, param) != 0)
            fail_msg("GET %s: parameter %s, expected %s: %s", path, or_empty(got), param, r.body);
    }
    json_decref(doc);
    ts_http_resp_free(&r);
}

/* ---- cases -------------------------------------------------------------- */

/* A point at (u along the segment a->b, v to its left), EPSG:25832. */
static void at_uv(const double *a, const double *b, double u, double v, double *out)
{
    double dx = b[0] - a[0], dy = b[1] - a[1], len = hypot(dx, dy), ux = dx / len, uy = dy / len;
    out[0] = a[0] + u * ux - v * uy;
    out[1] = a[1] + u * uy + v * ux;
}

/* A 4 x 2 m skip from u0 along a->b, 0.3 m to the left, as a FeatureCollection. */
static void skip_fc(const double *a, const double *b, double u0, char *out, size_t n)
{
    const double uv[5][2] = {{u0, 0.3}, {u0 + 4, 0.3}, {u0 + 4, 2.3}, {u0, 2.3}, {u0, 0.3}};
    double p[5][2];
    for (int i = 0; i < 5; i++)
        at_uv(a, b, uv[i][0], uv[i][1], p[i]);
    snprintf(out, n,
             "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
             "{\"note\":\"skip\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%.3f,%.3f],"
             "[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f]]]}}]}",
             p[0][0], p[0][1], p[1][0], p[1][1], p[2][0], p[2][1], p[3][0], p[3][1], p[4][0],
             p[4][1]);
}

static void stand_fc(const double *a, const double *b, double u, double v, char *out, size_t n)
{
    double p[2];
    at_uv(a, b, u, v, p);
    snprintf(out, n,
             "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
             "{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[%.3f,%.3f]}}]}",
             p[0], p[1]);
}

/* Does the engine find no error (warnings are fine) for these features? */
static bool no_errors(const char *service, const char *period, const char *features)
{
    char body[4096];
    ts_http_resp r;
    json_t *doc, *v;
    size_t i;
    bool ok;
    snprintf(body, sizeof body, "{\"service\":\"%s\",\"period\":%s,\"features\":%s}", service,
             period, features);
    ts_forms_call("POST", ts_server_url(&srv, "/v1/validate?crs=" CRS_URI), NULL, NULL, body, &r);
    doc = ts_forms_json(&r);
    ok = r.status == 200 && json_is_true(json_object_get(doc, "valid"));
    json_array_foreach(json_object_get(doc, "violations"), i, v)
    {
        /* unchecked layers would hide a problem: want them all checked */
        if (!strcmp(or_empty(json_string_value(json_object_get(v, "severity"))), "error"))
            ok = false;
    }
    json_decref(doc);
    ts_http_resp_free(&r);
    return ok;
}

/* Finds road segments of the demo quarter where skips (u 3..8) pass the
 * rules: one for the cluster of cases, one at least 150 m away. */
static int find_places(void)
{
    ts_http_resp r;
    json_t *doc, *f;
    size_t i;
    char fc[1024];
    int found = 0;

    ts_http_get(ts_server_url(&srv, "/collections/roads/items?limit=1000&crs=" CRS_URI), &r);
    doc = ts_forms_json(&r);
    ts_http_resp_free(&r);
    json_array_foreach(json_object_get(doc, "features"), i, f)
    {
        json_t *c = json_object_get(json_object_get(f, "geometry"), "coordinates");
        for (size_t k = 0; found < 2 && k + 1 < json_array_size(c); k++) {
            double a[2] = {json_number_value(json_array_get(json_array_get(c, k), 0)),
                           json_number_value(json_array_get(json_array_get(c, k), 1))};
            double b[2] = {json_number_value(json_array_get(json_array_get(c, k + 1), 0)),
                           json_number_value(json_array_get(json_array_get(c, k + 1), 1))};
            if (hypot(b[0] - a[0], b[1] - a[1]) < 14) continue;
            if (found == 1 && hypot(a[0] - seg_a[0], a[1] - seg_a[1]) < 150) continue;
            skip_fc(a, b, 3, fc, sizeof fc);
            if (!no_errors("skip-container", period1, fc)) continue;
            if (found == 0) {
                /* the cluster needs the shifted skips and a stand too */
                skip_fc(a, b, 4, fc, sizeof fc);
                if (!no_errors("skip-container", period1, fc)) continue;
                stand_fc(a, b, 5, -0.7, fc, sizeof fc);
                if (!no_errors("info-stand", period1, fc)) {
                    stand_fc(a, b, 5, 3.3, fc, sizeof fc);
                    if (!no_errors("info-stand", period1, fc)) continue;
                }
                memcpy(seg_a, a, sizeof a);
                memcpy(seg_b, b, sizeof b);
            } else {
                memcpy(far_a, a, sizeof a);
                memcpy(far_b, b, sizeof b);
            }
            found++;
        }
    }
    json_decref(doc);
    if (found < 2) fprintf(stderr, "found %d of 2 places for skips in the demo quarter\n", found);
    return found == 2 ? 0 : -1;
}

/* Draft + submit; the case id into out. */
static int submit(const char *service, const char *ref, const char *period, const char *fc,
                  const char *applicant, char *out)
{
    char body[4096], draft[160], idem[64];
    ts_http_resp r;
    json_t *doc;

    snprintf(body, sizeof body,
             "{\"service\":\"%s\",\"reference\":\"%s\",\"period\":%s,\"features\":%s}", service,
             ref, period, fc);
    ts_forms_call("POST", ts_server_url(&srv, "/v1/drafts?crs=" CRS_URI), key, NULL, body, &r);
    doc = ts_forms_json(&r);
    snprintf(draft, sizeof draft, "%s", or_empty(json_string_value(json_object_get(doc, "id"))));
    if (r.status != 201) fprintf(stderr, "draft %s: %ld %s\n", ref, r.status, or_empty(r.body));
    json_decref(doc);
    ts_http_resp_free(&r);
    snprintf(body, sizeof body, "{\"applicant\":%s}", applicant);
    snprintf(idem, sizeof idem, "idem-%s", ref);
    ts_forms_call("POST", ts_server_url(&srv, ts_pathf("/v1/drafts/%s/submit", draft)), key, idem,
                  body, &r);
    doc = ts_forms_json(&r);
    snprintf(out, 64, "%s", or_empty(json_string_value(json_object_get(doc, "case_id"))));
    if (r.status != 201) fprintf(stderr, "submit %s: %ld %s\n", ref, r.status, or_empty(r.body));
    json_decref(doc);
    ts_http_resp_free(&r);
    return out[0] ? 0 : -1;
}

static void period_in(int from_days, int to_days, char *out, size_t n)
{
    char a[16], b[16];
    time_t t = time(NULL), ta = t + from_days * 86400, tb = t + to_days * 86400;
    struct tm tm;
    localtime_r(&ta, &tm);
    strftime(a, sizeof a, "%Y-%m-%d", &tm);
    localtime_r(&tb, &tm);
    strftime(b, sizeof b, "%Y-%m-%d", &tm);
    snprintf(out, n, "{\"start\":\"%s\",\"end\":\"%s\"}", a, b);
}

/* The start or end date of a period text. */
static const char *period_date(const char *period, const char *which)
{
    static char buf[2][16];
    static int i;
    json_t *p = json_loads(period, 0, NULL);
    i = (i + 1) % 2;
    snprintf(buf[i], sizeof buf[i], "%s", or_empty(json_string_value(json_object_get(p, which))));
    json_decref(p);
    return buf[i];
}

static long long sql(const char *stmt, const char *arg)
{
    long long n = ts_forms_sql_exec(db, stmt, arg);
    if (n < 0) fail_msg("sql failed: %s", stmt);
    return n;
}

static int make_cases(void)
{
    char fc[1024];
    int rc = 0;

    period_in(20, 21, period1, sizeof period1);
    period_in(40, 41, period2, sizeof period2);
    if (find_places() != 0) return -1;
    skip_fc(seg_a, seg_b, 3, fc, sizeof fc);
    rc |= submit("skip-container", refs[S1], period1, fc,
                 "{\"name\":\"Erika Mustermann\",\"email\":\"erika@example.de\","
                 "\"organisation\":\"M\\u00fcller Bau GmbH\"}",
                 ids[S1]);
    skip_fc(seg_a, seg_b, 4, fc, sizeof fc);
    rc |= submit("skip-container", refs[S2], period1, fc, "{\"name\":\"Max Meier\"}", ids[S2]);
    skip_fc(seg_a, seg_b, 3, fc, sizeof fc);
    rc |= submit("skip-container", refs[S3], period2, fc, "{\"name\":\"Paula Later\"}", ids[S3]);
    skip_fc(seg_a, seg_b, 3.5, fc, sizeof fc);
    rc |= submit("skip-container", refs[S4], period1, fc, "{\"name\":\"Rita Rejected\"}", ids[S4]);
    skip_fc(far_a, far_b, 3, fc, sizeof fc);
    rc |= submit("skip-container", refs[S5], period1, fc, "{\"name\":\"Fern Weit\"}", ids[S5]);
    stand_fc(seg_a, seg_b, 5, -0.7, fc, sizeof fc);
    if (!no_errors("info-stand", period1, fc)) stand_fc(seg_a, seg_b, 5, 3.3, fc, sizeof fc);
    rc |= submit("info-stand", refs[I1], period1, fc, "{\"name\":\"Ines Stand\"}", ids[I1]);
    if (rc) return -1;
    /* Distinct creation times (the API's are seconds): S1 oldest ... I1 newest. */
    for (int i = 0; i < NCASES; i++)
        if (ts_forms_sql_exec(db,
                              ts_pathf("UPDATE cases SET created_at = '2026-11-0%dT10:00:00Z'"
                                       " WHERE id = ?1",
                                       i + 1),
                              ids[i]) != 1)
            return -1;
    /* Decisions as the PATCH route would record them. */
    if (ts_forms_sql_exec(db,
                          "INSERT INTO case_events (case_id, at, actor, action, from_status,"
                          " to_status, comment) VALUES (?1, '2026-11-10T08:00:00Z', 'user:sam',"
                          " 'status', 'received', 'in_review', NULL)",
                          ids[S3]) != 1 ||
        ts_forms_sql_exec(db,
                          "INSERT INTO case_events (case_id, at, actor, action, from_status,"
                          " to_status, comment) VALUES (?1, '2026-11-11T09:30:00Z', 'user:sam',"
                          " 'status', 'in_review', 'changes_requested', 'Bitte 1 m weiter')",
                          ids[S3]) != 1 ||
        ts_forms_sql_exec(db,
                          "INSERT INTO case_events (case_id, at, actor, action, from_status,"
                          " to_status, comment) VALUES (?1, '2026-11-12T07:00:00Z', 'user:sam',"
                          " 'status', 'changes_requested', 'in_review', NULL)",
                          ids[S3]) != 1)
        return -1;
    if (ts_forms_sql_exec(db,
                          "UPDATE cases SET status = 'approved', closed_at ="
                          " '2026-11-20T10:00:00Z' WHERE id = ?1",
                          ids[S1]) != 1 ||
        ts_forms_sql_exec(db, "UPDATE cases SET status = 'in_review' WHERE id = ?1", ids[S3]) !=
            1 ||
        ts_forms_sql_exec(db,
                          "UPDATE cases SET status = 'rejected', closed_at ="
                          " '2026-11-21T10:00:00Z' WHERE id = ?1",
                          ids[S4]) != 1 ||
        ts_forms_sql_exec(db, "UPDATE cases SET status = 'changes_requested' WHERE id = ?1",
                          ids[S5]) != 1)
        return -1;
    return 0;
}

static int setup(void **state)
{
    const char *osm = ts_demo_osm();
    (void)state;
    if (!osm) return 0;
    snprintf(dir, sizeof dir, "%s", ts_tmpdir("api_review_data"));
    snprintf(db, sizeof db, "%s/store.db", dir);
    if (ts_run_import(db, osm) != 0) return -1;
    if (ts_forms_client_add(db, "portal", key) != 0) return -1;
    if (ts_review_user_add(db, "admin", "admin", NULL, PW_ADMIN) != 0 ||
        ts_review_user_add(db, "sam", "caseworker", "skip-container", PW_SAM) != 0 ||
        ts_review_user_add(db, "ines", "caseworker", "info-stand", PW_INES) != 0)
        return -1;
    ts_server_opts o = {.db = db};
    if (ts_server_start(&srv, "api_review", &o) != 0) return -1;
    if (ts_review_login(&srv, "admin", PW_ADMIN, &admin) != 200 || !admin.cookie[0] ||
        ts_review_login(&srv, "sam", PW_SAM, &sam) != 200 || !sam.cookie[0] ||
        ts_review_login(&srv, "ines", PW_INES, &ines) != 200 || !ines.cookie[0])
        return -1;
    if (make_cases() != 0) return -1;
    have_data = true;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    /* a clean exit: under ASan also no leak in the server */
    if (have_data) return ts_server_stop(&srv) == 0 ? 0 : -1;
    return 0;
}

#define NEED_DATA() TS_NEED(have_data, "the demo quarter (GE_DEMO_OSM)")

/* ---- the list ----------------------------------------------------------- */

/* The list's case ids in order, as a string of case letters "I1 S5 ...". */
static const char *names_of(const json_t *doc)
{
    static char buf[256];
    json_t *c;
    size_t i, n = 0;
    buf[0] = '\0';
    json_array_foreach(json_object_get(doc, "cases"), i, c)
    {
        const char *id = json_string_value(json_object_get(c, "case_id"));
        const char *name = "??";
        for (int k = 0; k < NCASES; k++)
            if (id && !strcmp(id, ids[k])) name = refs[k] + 3;
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", n ? " " : "", name);
    }
    return buf;
}

/* GET /v1/cases?query as who: the order of the cases, and numberMatched. */
static void expect_list(const ts_review_session *who, const char *query, const char *want,
                        long matched)
{
    json_t *doc = get_ok(who, ts_pathf("/v1/cases%s%s", query[0] ? "?" : "", query));
    const char *got = names_of(doc);
    if (strcmp(got, want) != 0) fail_msg("/v1/cases?%s: [%s], expected [%s]", query, got, want);
    if (json_integer_value(json_object_get(doc, "numberMatched")) != matched)
        fail_msg("/v1/cases?%s: numberMatched %lld, expected %ld", query,
                 (long long)json_integer_value(json_object_get(doc, "numberMatched")), matched);
    assert_int_equal(json_integer_value(json_object_get(doc, "numberReturned")),
                     json_array_size(json_object_get(doc, "cases")));
    json_decref(doc);
}

static void test_list_shape(void **state)
{
    json_t *doc, *c = NULL, *v;
    size_t i;
    (void)state;
    NEED_DATA();

    doc = get_ok(&admin, "/v1/cases");
    assert_string_equal(names_of(doc), "I1 S5 S4 S3 S2 S1");
    assert_int_equal(json_integer_value(json_object_get(doc, "numberMatched")), 6);
    assert_int_equal(json_integer_value(json_object_get(doc, "limit")), 50);
    assert_int_equal(json_integer_value(json_object_get(doc, "offset")), 0);
    json_array_foreach(json_object_get(doc, "cases"), i, v)
    {
        if (!strcmp(or_empty(json_string_value(json_object_get(v, "case_id"))), ids[S1])) c = v;
    }
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "service")), "skip-container");
    assert_string_equal(json_string_value(json_object_get(c, "status")), "approved");
    assert_string_equal(json_string_value(json_object_get(c, "reference")), "AZ-S1");
    assert_string_equal(json_string_value(json_object_get(json_object_get(c, "period"), "start")),
                        period_date(period1, "start"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(c, "period"), "end")),
                        period_date(period1, "end"));
    assert_string_equal(json_string_value(json_object_get(c, "created")), "2026-11-01T10:00:00Z");
    assert_non_null(json_string_value(json_object_get(c, "updated")));
    assert_string_equal(json_string_value(json_object_get(c, "closed")), "2026-11-20T10:00:00Z");
    assert_true(json_is_true(json_object_get(c, "valid")));
    assert_int_equal(json_integer_value(json_object_get(c, "errors")), 0);
    assert_true(json_is_integer(json_object_get(c, "warnings")));
    assert_string_equal(json_string_value(json_object_get(c, "applicant_name")),
                        "Erika Mustermann");
    /* the box holds the skip, in CRS84 */
    v = json_object_get(c, "bbox");
    assert_int_equal(json_array_size(v), 4);
    assert_true(json_number_value(json_array_get(v, 0)) < json_number_value(json_array_get(v, 2)));
    assert_true(json_number_value(json_array_get(v, 1)) < json_number_value(json_array_get(v, 3)));
    assert_true(json_number_value(json_array_get(v, 0)) > 5 &&
                json_number_value(json_array_get(v, 2)) < 16);
    assert_true(json_number_value(json_array_get(v, 1)) > 47 &&
                json_number_value(json_array_get(v, 3)) < 56);
    /* S2 was submitted beside S1: its report warns of the conflict */
    json_array_foreach(json_object_get(doc, "cases"), i, v)
    {
        if (!strcmp(or_empty(json_string_value(json_object_get(v, "case_id"))), ids[S2]))
            assert_true(json_integer_value(json_object_get(v, "warnings")) >= 1);
    }
    json_decref(doc);
}

static void test_list_filters(void **state)
{
    (void)state;
    NEED_DATA();

    /* service */
    expect_list(&admin, "service=skip-container", "S5 S4 S3 S2 S1", 5);
    expect_list(&admin, "service=info-stand", "I1", 1);
    expect_list(&admin, "service=info-stand,skip-container", "I1 S5 S4 S3 S2 S1", 6);
    expect_list(&admin, "service=construction-access", "", 0);
    /* status, with the groups */
    expect_list(&admin, "status=open", "I1 S5 S3 S2", 4);
    expect_list(&admin, "status=closed", "S4 S1", 2);
    expect_list(&admin, "status=approved,rejected", "S4 S1", 2);
    expect_list(&admin, "status=in_review", "S3", 1);
    expect_list(&admin, "status=received,changes_requested", "I1 S5 S2", 3);
    expect_list(&admin, "status=open&service=skip-container", "S5 S3 S2", 3);
    /* period overlap */
    expect_list(&admin, ts_pathf("from=%s", period_date(period2, "start")), "S3", 1);
    expect_list(&admin, ts_pathf("to=%s", period_date(period1, "end")), "I1 S5 S4 S2 S1", 5);
    expect_list(&admin,
                ts_pathf("from=%s&to=%s", period_date(period1, "end"), period_date(period1, "end")),
                "I1 S5 S4 S2 S1", 5);
    expect_list(
        &admin,
        ts_pathf("from=%s&to=%s", period_date(period2, "start"), period_date(period2, "start")),
        "S3", 1);
    expect_list(&admin, "from=2020-01-01&to=2020-12-31", "", 0);
    /* free text: id, reference, name, e-mail, organisation; case and umlauts folded */
    expect_list(&admin, "q=az-s2", "S2", 1);
    expect_list(&admin, "q=MUSTERMANN", "S1", 1);
    expect_list(&admin, "q=ERIKA%40Example", "S1", 1);
    expect_list(&admin, "q=m%C3%9CLLER%20bau", "S1", 1);
    expect_list(&admin, ts_pathf("q=%.12s", ids[S4]), "S4", 1);
    expect_list(&admin, "q=nobody-has-this", "", 0);
    /* paging keeps numberMatched */
    expect_list(&admin, "limit=2", "I1 S5", 6);
    expect_list(&admin, "limit=2&offset=2", "S4 S3", 6);
    expect_list(&admin, "limit=2&offset=5", "S1", 6);
    expect_list(&admin, "offset=6", "", 6);
    expect_list(&admin, "limit=500&status=open", "I1 S5 S3 S2", 4);
    {
        json_t *doc = get_ok(&admin, "/v1/cases?limit=3&offset=1");
        assert_int_equal(json_integer_value(json_object_get(doc, "limit")), 3);
        assert_int_equal(json_integer_value(json_object_get(doc, "offset")), 1);
        assert_int_equal(json_integer_value(json_object_get(doc, "numberReturned")), 3);
        json_decref(doc);
    }
}

/* A bbox parameter around a case's bbox from the list, grown by pad degrees. */
static const char *bbox_of(const char *id, double pad)
{
    static char buf[200];
    json_t *doc = get_ok(&admin, "/v1/cases?limit=500"), *c, *b = NULL;
    size_t i;
    json_array_foreach(json_object_get(doc, "cases"), i, c)
    {
        if (!strcmp(or_empty(json_string_value(json_object_get(c, "case_id"))), id))
            b = json_object_get(c, "bbox");
    }
    assert_non_null(b);
    snprintf(buf, sizeof buf, "bbox=%.7f,%.7f,%.7f,%.7f",
             json_number_value(json_array_get(b, 0)) - pad,
             json_number_value(json_array_get(b, 1)) - pad,
             json_number_value(json_array_get(b, 2)) + pad,
             json_number_value(json_array_get(b, 3)) + pad);
    json_decref(doc);
    return buf;
}

static void test_list_bbox(void **state)
{
    char q[256];
    (void)state;
    NEED_DATA();

    /* the far skip alone */
    snprintf(q, sizeof q, "%s", bbox_of(ids[S5], 0));
    expect_list(&admin, q, "S5", 1);
    /* the cluster: four skips and the stand, within some 10 m */
    snprintf(q, sizeof q, "%s", bbox_of(ids[S1], 0.0001));
    expect_list(&admin, q, "I1 S4 S3 S2 S1", 5);
    snprintf(q, sizeof q, "%s&service=skip-container&status=open", bbox_of(ids[S1], 0.0001));
    expect_list(&admin, q, "S3 S2", 2);
    /* somewhere else entirely */
    expect_list(&admin, "bbox=9.0,50.0,9.001,50.001", "", 0);
}

static void test_list_purged(void **state)
{
    json_t *doc;
    long st;
    char etag[160], inm[200];
    ts_http_resp r;
    (void)state;
    NEED_DATA();

    /* the features' ETag before the purge */
    call(&sam, "GET", ts_pathf("/v1/cases/%s/features", ids[S5]), NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(ts_http_header(&r, "ETag"));
    snprintf(etag, sizeof etag, "%s", ts_http_header(&r, "ETag"));
    ts_http_resp_free(&r);
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    call(&sam, "GET", ts_pathf("/v1/cases/%s/features", ids[S5]), inm, &r);
    assert_int_equal(r.status, 304);
    ts_http_resp_free(&r);

    sql("UPDATE cases SET purged_at = '2026-11-24T03:00:00Z' WHERE id = ?1", ids[S5]);
    /* a purge empties the properties: the old ETag no longer matches */
    call(&sam, "GET", ts_pathf("/v1/cases/%s/features", ids[S5]), inm, &r);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
    expect_list(&admin, "", "I1 S4 S3 S2 S1", 5);
    expect_list(&admin, "purged=true", "I1 S5 S4 S3 S2 S1", 6);
    expect_list(&admin, "purged=false", "I1 S4 S3 S2 S1", 5);
    /* the detail still answers, saying so */
    doc = get_json(&sam, ts_pathf("/v1/cases/%s", ids[S5]), &st);
    assert_int_equal(st, 200);
    assert_string_equal(json_string_value(json_object_get(doc, "purged")), "2026-11-24T03:00:00Z");
    assert_true(json_is_null(json_object_get(doc, "revalidation")));
    /* its hash is not judged; the note says why, on the purge's day */
    assert_non_null(json_object_get(doc, "content_hash_valid"));
    assert_true(json_is_null(json_object_get(doc, "content_hash_valid")));
    assert_non_null(strstr(or_empty(json_string_value(
                               json_object_get(json_object_get(doc, "content_hash_note"), "de"))),
                           "am 24.11.2026 nach der Löschfrist"));
    assert_non_null(strstr(or_empty(json_string_value(
                               json_object_get(json_object_get(doc, "content_hash_note"), "en"))),
                           "retention rule on 2026-11-24"));
    json_decref(doc);
    /* the form server still gets a 404 for it */
    {
        ts_http_resp fr;
        assert_int_equal(ts_forms_call("GET",
                                       ts_server_url(&srv, ts_pathf("/v1/cases/%s", ids[S5])), key,
                                       NULL, NULL, &fr),
                         0);
        assert_int_equal(fr.status, 404);
        ts_http_resp_free(&fr);
    }
    sql("UPDATE cases SET purged_at = NULL WHERE id = ?1", ids[S5]);
    expect_list(&admin, "", "I1 S5 S4 S3 S2 S1", 6);
}

static void test_list_bad_params(void **state)
{
    static const struct {
        const char *query, *param;
    } bad[] = {
        {"service=nope", "service"},
        {"service=skip-container,", "service"},
        {"service=,info-stand", "service"},
        {"status=done", "status"},
        {"status=open,", "status"},
        {"status=Received", "status"},
        {"from=2026-13-01", "from"},
        {"from=01.12.2026", "from"},
        {"to=2026-02-30", "to"},
        {"to=2026-12-01T00:00:00Z", "to"},
        {"from=2026-12-05&to=2026-12-01", "to"},
        {"bbox=1,2,3", "bbox"},
        {"bbox=1,2,3,4,5", "bbox"},
        {"bbox=a,b,c,d", "bbox"},
        {"bbox=13.3,52.5,13.2,52.6", "bbox"},
        {"bbox=200,0,201,1", "bbox"},
        {"bbox=13,nan,14,53", "bbox"},
        {"limit=0", "limit"},
        {"limit=501", "limit"},
        {"limit=ten", "limit"},
        {"offset=-1", "offset"},
        {"offset=1x", "offset"},
        {"purged=yes", "purged"},
        {"stauts=open", "stauts"},
    };
    char longq[300];
    (void)state;
    NEED_DATA();

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_problem(&admin, ts_pathf("/v1/cases?%s", bad[i].query), 400, bad[i].param);
    memset(longq, 'x', 201);
    longq[201] = '\0';
    expect_problem(&admin, ts_pathf("/v1/cases?q=%s", longq), 400, "q");
    /* the same from a caseworker; nothing broke */
    expect_problem(&sam, "/v1/cases?status=nope", 400, "status");
    expect_list(&admin, "", "I1 S5 S4 S3 S2 S1", 6);
}

/* ---- the morning view: order and summary -------------------------------- */

static void test_list_sort(void **state)
{
    static const char *const bad[] = {"soon", "", "START", "-created", "start,newest"};
    json_t *doc, *a;
    (void)state;
    NEED_DATA();

    /* open before closed, each by the period's start, then oldest received */
    expect_list(&admin, "sort=start", "S2 S5 I1 S3 S1 S4", 6);
    expect_list(&admin, "sort=newest", "I1 S5 S4 S3 S2 S1", 6);
    expect_list(&admin, "sort=oldest", "S1 S2 S3 S4 S5 I1", 6);
    expect_list(&admin, "sort=reference", "I1 S1 S2 S3 S4 S5", 6);
    /* with the filters and paging */
    expect_list(&admin, "sort=start&status=open&limit=2&offset=1", "S5 I1", 4);
    expect_list(&sam, "sort=start", "S2 S5 S3 S1 S4", 5);
    expect_list(&admin, "sort=oldest&limit=2&offset=5", "I1", 6);
    /* the answer says which order it is in; newest first by default */
    doc = get_ok(&admin, "/v1/cases?sort=start");
    assert_string_equal(json_string_value(json_object_get(doc, "sort")), "start");
    json_decref(doc);
    doc = get_ok(&admin, "/v1/cases");
    assert_string_equal(json_string_value(json_object_get(doc, "sort")), "newest");
    json_decref(doc);
    /* anything else: 400 naming the parameter and the allowed values */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long st;
        expect_problem(&admin, ts_pathf("/v1/cases?sort=%s", bad[i]), 400, "sort");
        doc = get_json(&admin, ts_pathf("/v1/cases?sort=%s", bad[i]), &st);
        a = json_object_get(doc, "allowed");
        assert_int_equal(json_array_size(a), 4);
        assert_string_equal(json_string_value(json_array_get(a, 0)), "start");
        assert_string_equal(json_string_value(json_array_get(a, 3)), "reference");
        assert_non_null(strstr(json_string_value(json_object_get(doc, "detail")), "oldest"));
        json_decref(doc);
    }
}

/* The summary of GET /v1/cases: its statuses, open, closed, total and the
 * open cases starting from today to a week ahead. */
static void expect_summary(const ts_review_session *who, const char *query, const int want[5],
                           int soon)
{
    static const char *const names[] = {"received", "in_review", "approved", "rejected",
                                        "changes_requested"};
    json_t *doc = get_ok(who, ts_pathf("/v1/cases?%s", query));
    json_t *sum = json_object_get(doc, "summary"), *st = json_object_get(sum, "statuses");
    json_t *ss = json_object_get(sum, "starting_soon");
    char today[16], until[16];
    int open = want[0] + want[1] + want[4], closed = want[2] + want[3];
    time_t t = time(NULL), u = t + 7 * 86400;
    struct tm tm;

    localtime_r(&t, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    localtime_r(&u, &tm);
    strftime(until, sizeof until, "%Y-%m-%d", &tm);
    if (!json_is_object(st)) fail_msg("?%s: no summary.statuses", query);
    for (int i = 0; i < 5; i++)
        if (json_integer_value(json_object_get(st, names[i])) != want[i] ||
            !json_is_integer(json_object_get(st, names[i])))
            fail_msg("?%s: %s %lld, expected %d", query, names[i],
                     (long long)json_integer_value(json_object_get(st, names[i])), want[i]);
    assert_int_equal(json_integer_value(json_object_get(sum, "open")), open);
    assert_int_equal(json_integer_value(json_object_get(sum, "closed")), closed);
    assert_int_equal(json_integer_value(json_object_get(sum, "total")), open + closed);
    assert_string_equal(json_string_value(json_object_get(sum, "today")), today);
    assert_string_equal(json_string_value(json_object_get(ss, "from")), today);
    assert_string_equal(json_string_value(json_object_get(ss, "until")), until);
    if (json_integer_value(json_object_get(ss, "count")) != soon)
        fail_msg("?%s: starting_soon %lld, expected %d", query,
                 (long long)json_integer_value(json_object_get(ss, "count")), soon);
    json_decref(doc);
}

static void test_list_summary(void **state)
{
    /* received, in_review, approved, rejected, changes_requested */
    static const int all[] = {2, 1, 1, 1, 1}, skips[] = {1, 1, 1, 1, 1}, stands[] = {1, 0, 0, 0, 0};
    char p[64];
    (void)state;
    NEED_DATA();

    expect_summary(&admin, "", all, 0);
    /* the status filter does not narrow the overview; the others do */
    expect_summary(&admin, "status=closed", all, 0);
    expect_summary(&admin, "status=approved&limit=1&offset=3", all, 0);
    expect_summary(&admin, "service=skip-container", skips, 0);
    expect_summary(&sam, "", skips, 0);
    expect_summary(&ines, "", stands, 0);
    /* periods starting in 3 days (S2, received), in 7 (S5, changes
     * requested), in 8 (S3: too late), in 1 (S1: approved, not counted),
     * today (I1, received), yesterday (S4... rejected anyway) */
    static const struct {
        int which, days;
    } starts[] = {{S2, 3}, {S5, 7}, {S3, 8}, {S1, 1}, {I1, 0}, {S4, -1}};
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        period_in(starts[i].days, starts[i].days + 1, p, sizeof p);
        sql(ts_pathf("UPDATE cases SET period_start = '%s' WHERE id = ?1", period_date(p, "start")),
            ids[starts[i].which]);
    }
    expect_summary(&admin, "", all, 3);
    expect_summary(&admin, "status=closed", all, 3);
    expect_summary(&sam, "", skips, 2);
    expect_summary(&ines, "", stands, 1);
    expect_summary(&admin, "q=AZ-S2", (const int[]){1, 0, 0, 0, 0}, 1);
    /* the order by start follows: I1 today, S2 in 3 days, S5 in 7 */
    expect_list(&admin, "sort=start", "I1 S2 S5 S3 S4 S1", 6);
    for (int i = 0; i < NCASES; i++)
        sql(ts_pathf("UPDATE cases SET period_start = '%s' WHERE id = ?1",
                     period_date(i == S3 ? period2 : period1, "start")),
            ids[i]);
    expect_list(&admin, "sort=start", "S2 S5 I1 S3 S1 S4", 6);
}

/* ---- who sees what ------------------------------------------------------ */

static void test_visibility(void **state)
{
    const char *const sub[] = {"", "/features", "/map.png?width=200&height=200", "/history",
                               "/conflicts"};
    ts_review_session bogus = {.cookie = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
    long st;
    json_t *doc;
    (void)state;
    NEED_DATA();

    /* caseworkers list only their services' cases, also when asking for others */
    expect_list(&sam, "", "S5 S4 S3 S2 S1", 5);
    expect_list(&sam, "service=info-stand", "", 0);
    expect_list(&sam, "q=AZ-I1", "", 0);
    expect_list(&ines, "", "I1", 1);
    expect_list(&ines, "status=closed", "", 0);

    for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
        ts_http_resp r;
        /* a case of another service is a 404 like a missing one */
        expect_problem(&ines, ts_pathf("/v1/cases/%s%s", ids[S1], sub[i]), 404, "id");
        expect_problem(&sam, ts_pathf("/v1/cases/%s%s", ids[I1], sub[i]), 404, "id");
        expect_problem(&sam, ts_pathf("/v1/cases/%032d%s", 0, sub[i]), 404, "id");
        expect_problem(&sam, ts_pathf("/v1/cases/nothex%s", sub[i]), 404, "id");
        /* strangers and unknown sessions: 401 */
        expect_problem(NULL, ts_pathf("/v1/cases/%s%s", ids[S1], sub[i]), 401, NULL);
        expect_problem(&bogus, ts_pathf("/v1/cases/%s%s", ids[S1], sub[i]), 401, NULL);
        /* the caseworker of the service and the admin see it */
        call(&sam, "GET", ts_pathf("/v1/cases/%s%s", ids[S1], sub[i]), NULL, &r);
        if (r.status != 200) fail_msg("sam %s: %ld %s", sub[i], r.status, r.body);
        ts_http_resp_free(&r);
        call(&admin, "GET", ts_pathf("/v1/cases/%s%s", ids[I1], sub[i]), NULL, &r);
        if (r.status != 200) fail_msg("admin %s: %ld %s", sub[i], r.status, r.body);
        ts_http_resp_free(&r);
    }
    expect_problem(NULL, "/v1/cases", 401, NULL);
    expect_problem(&bogus, "/v1/cases", 401, NULL);

    /* the form server's key still gets its own view, without the session's members */
    {
        ts_http_resp r;
        ts_forms_call("GET", ts_server_url(&srv, ts_pathf("/v1/cases/%s", ids[S1])), key, NULL,
                      NULL, &r);
        assert_int_equal(r.status, 200);
        doc = ts_forms_json(&r);
        assert_string_equal(json_string_value(json_object_get(doc, "case_id")), ids[S1]);
        assert_string_equal(json_string_value(json_object_get(doc, "status")), "approved");
        assert_null(json_object_get(doc, "history"));
        assert_null(json_object_get(doc, "revalidation"));
        json_decref(doc);
        ts_http_resp_free(&r);
        /* a wrong key is a 401 even with a valid session beside it */
        {
            char hdr[256];
            snprintf(hdr, sizeof hdr, "Authorization: Bearer wrong-key");
            call(&sam, "GET", ts_pathf("/v1/cases/%s", ids[S1]), hdr, &r);
            assert_int_equal(r.status, 401);
            ts_http_resp_free(&r);
        }
    }
    /* the features by session are the case's, in CRS84 or the crs asked for */
    doc = get_json(&sam, ts_pathf("/v1/cases/%s/features?crs=%s", ids[S1], CRS_URI), &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(doc, "features")), 1);
    json_decref(doc);
}

/* ---- the detail --------------------------------------------------------- */

static json_t *member_array_find(const json_t *arr, const char *member, const char *value)
{
    json_t *v;
    size_t i;
    json_array_foreach(arr, i, v)
    {
        if (!strcmp(or_empty(json_string_value(json_object_get(v, member))), value)) return v;
    }
    return NULL;
}

static void test_detail(void **state)
{
    json_t *doc, *v, *rv;
    (void)state;
    NEED_DATA();

    /* S1, approved: closed, no transitions, its skip, its measures */
    doc = get_ok(&sam, ts_pathf("/v1/cases/%s", ids[S1]));
    assert_string_equal(json_string_value(json_object_get(doc, "case_id")), ids[S1]);
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "approved");
    assert_string_equal(json_string_value(json_object_get(doc, "reference")), "AZ-S1");
    assert_string_equal(json_string_value(json_object_get(doc, "closed")), "2026-11-20T10:00:00Z");
    assert_true(json_is_null(json_object_get(doc, "purged")));
    assert_true(json_is_true(json_object_get(doc, "content_hash_valid")));
    assert_true(json_is_null(json_object_get(doc, "content_hash_note")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(doc, "applicant"), "email")),
        "erika@example.de");
    v = json_object_get(doc, "features");
    assert_string_equal(json_string_value(json_object_get(v, "type")), "FeatureCollection");
    assert_int_equal(json_array_size(json_object_get(v, "features")), 1);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(v, "features"), 0), "properties"),
            "note")),
        "skip");
    v = json_object_get(doc, "measures");
    assert_int_equal(json_array_size(v), 1);
    assert_true(json_number_value(json_object_get(json_array_get(v, 0), "area_m2")) > 7.9);
    assert_int_equal(json_array_size(json_object_get(doc, "transitions")), 0);
    /* S1 came first; S2 (received) now lies on it in the same period: the
     * re-check finds the new conflict, so it differs. */
    rv = json_object_get(doc, "revalidation");
    assert_non_null(json_string_value(json_object_get(rv, "checked_at")));
    assert_true(json_is_true(json_object_get(rv, "differs")));
    assert_non_null(member_array_find(json_object_get(json_object_get(rv, "report"), "violations"),
                                      "rule", "conflict"));
    assert_null(member_array_find(json_object_get(json_object_get(doc, "validation"), "violations"),
                                  "rule", "conflict"));
    /* history: the submission */
    v = json_object_get(doc, "history");
    assert_int_equal(json_array_size(v), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(v, 0), "action")),
                        "submitted");
    assert_string_equal(
        or_empty(json_string_value(json_object_get(json_array_get(v, 0), "actor_name"))), "portal");
    json_decref(doc);

    /* S2: submitted beside S1, which is approved now and still takes the
     * place; S4 (rejected) no longer counts; the case's own draft never
     * does. The world is unchanged for it: differs is false. */
    doc = get_ok(&sam, ts_pathf("/v1/cases/%s", ids[S2]));
    assert_true(json_is_null(json_object_get(doc, "closed")));
    rv = json_object_get(doc, "revalidation");
    if (!json_is_false(json_object_get(rv, "differs"))) {
        char *t = json_dumps(doc, JSON_INDENT(1));
        fail_msg("S2 re-check differs: %s", t);
    }
    v = json_object_get(doc, "transitions");
    assert_int_equal(json_array_size(v), 1);
    assert_string_equal(json_string_value(json_array_get(v, 0)), "in_review");
    json_decref(doc);

    /* S5, alone far away: unchanged, and in changes_requested */
    doc = get_ok(&admin, ts_pathf("/v1/cases/%s?crs=%s", ids[S5], CRS_URI));
    assert_true(json_is_false(json_object_get(json_object_get(doc, "revalidation"), "differs")));
    assert_true(json_is_true(
        json_object_get(json_object_get(json_object_get(doc, "revalidation"), "report"), "valid")));
    v = json_object_get(doc, "transitions");
    assert_int_equal(json_array_size(v), 1);
    assert_string_equal(json_string_value(json_array_get(v, 0)), "in_review");
    /* ?crs: the coordinates are metres */
    v = json_array_get(json_object_get(doc, "features"), 0);
    v = json_array_get(
        json_object_get(
            json_object_get(
                json_array_get(json_object_get(json_object_get(doc, "features"), "features"), 0),
                "geometry"),
            "coordinates"),
        0);
    assert_true(json_number_value(json_array_get(json_array_get(v, 0), 0)) > 1000);
    json_decref(doc);

    /* S3 in review: three ways on */
    doc = get_ok(&sam, ts_pathf("/v1/cases/%s", ids[S3]));
    v = json_object_get(doc, "transitions");
    assert_int_equal(json_array_size(v), 3);
    assert_string_equal(json_string_value(json_array_get(v, 0)), "approved");
    assert_string_equal(json_string_value(json_array_get(v, 1)), "rejected");
    assert_string_equal(json_string_value(json_array_get(v, 2)), "changes_requested");
    assert_int_equal(json_array_size(json_object_get(doc, "history")), 4);
    json_decref(doc);

    expect_problem(&sam, ts_pathf("/v1/cases/%s?crs=EPSG:4711", ids[S1]), 400, "crs");
}

static void test_history(void **state)
{
    json_t *doc, *ev, *e;
    (void)state;
    NEED_DATA();

    doc = get_ok(&sam, ts_pathf("/v1/cases/%s/history", ids[S3]));
    ev = json_object_get(doc, "events");
    assert_int_equal(json_array_size(ev), 4);
    e = json_array_get(ev, 0);
    assert_string_equal(json_string_value(json_object_get(e, "action")), "submitted");
    assert_int_equal(
        strncmp(or_empty(json_string_value(json_object_get(e, "actor"))), "client:", 7), 0);
    /* the actor as stored, and whom it names: the form server's name */
    assert_string_equal(or_empty(json_string_value(json_object_get(e, "actor_name"))), "portal");
    assert_true(json_is_null(json_object_get(e, "from")));
    assert_string_equal(json_string_value(json_object_get(e, "to")), "received");
    assert_true(json_is_null(json_object_get(e, "comment")));
    e = json_array_get(ev, 2);
    assert_string_equal(json_string_value(json_object_get(e, "action")), "status");
    assert_string_equal(json_string_value(json_object_get(e, "actor")), "user:sam");
    assert_string_equal(or_empty(json_string_value(json_object_get(e, "actor_name"))), "sam");
    assert_string_equal(json_string_value(json_object_get(e, "at")), "2026-11-11T09:30:00Z");
    assert_string_equal(json_string_value(json_object_get(e, "from")), "in_review");
    assert_string_equal(json_string_value(json_object_get(e, "to")), "changes_requested");
    assert_string_equal(json_string_value(json_object_get(e, "comment")), "Bitte 1 m weiter");
    /* oldest first, ids rising */
    for (size_t i = 1; i < json_array_size(ev); i++)
        assert_true(json_integer_value(json_object_get(json_array_get(ev, i), "id")) >
                    json_integer_value(json_object_get(json_array_get(ev, i - 1), "id")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 3), "to")),
                        "in_review");
    json_decref(doc);
}

/* ---- conflicts ---------------------------------------------------------- */

static void test_conflicts(void **state)
{
    json_t *doc, *cs, *c;
    (void)state;
    NEED_DATA();

    /* S2 for sam: S1 (approved, overlapping), the info stand of another
     * service beside it (visible:false); not S3 (other period), not S4
     * (rejected), not S5 (far) */
    doc = get_ok(&sam, ts_pathf("/v1/cases/%s/conflicts", ids[S2]));
    assert_true(json_number_value(json_object_get(doc, "distance_m")) == 2);
    cs = json_object_get(doc, "cases");
    if (json_array_size(cs) != 2) fail_msg("conflicts: %s", json_dumps(doc, 0));
    c = json_array_get(cs, 0);
    assert_string_equal(json_string_value(json_object_get(c, "case_id")), ids[S1]);
    assert_string_equal(json_string_value(json_object_get(c, "service")), "skip-container");
    assert_string_equal(json_string_value(json_object_get(c, "status")), "approved");
    assert_true(json_number_value(json_object_get(c, "distance_m")) == 0);
    assert_true(json_is_true(json_object_get(c, "visible")));
    assert_string_equal(json_string_value(json_object_get(c, "reference")), "AZ-S1");
    assert_string_equal(json_string_value(json_object_get(json_object_get(c, "period"), "start")),
                        period_date(period1, "start"));
    assert_int_equal(json_array_size(json_object_get(json_object_get(c, "features"), "features")),
                     1);
    c = json_array_get(cs, 1);
    assert_string_equal(json_string_value(json_object_get(c, "case_id")), ids[I1]);
    assert_string_equal(json_string_value(json_object_get(c, "service")), "info-stand");
    assert_true(json_is_false(json_object_get(c, "visible")));
    assert_null(json_object_get(c, "reference"));
    assert_null(json_object_get(c, "applicant"));
    assert_true(json_number_value(json_object_get(c, "distance_m")) > 0.5 &&
                json_number_value(json_object_get(c, "distance_m")) <= 2);
    assert_int_equal(json_array_size(json_object_get(json_object_get(c, "features"), "features")),
                     1);
    {
        char *text = json_dumps(doc, 0);
        assert_null(strstr(text, "AZ-I1"));
        free(text);
    }
    json_decref(doc);

    /* the admin sees the stand's reference */
    doc = get_ok(&admin, ts_pathf("/v1/cases/%s/conflicts", ids[S2]));
    c = member_array_find(json_object_get(doc, "cases"), "case_id", ids[I1]);
    assert_non_null(c);
    assert_true(json_is_true(json_object_get(c, "visible")));
    assert_string_equal(json_string_value(json_object_get(c, "reference")), "AZ-I1");
    json_decref(doc);

    /* distance 0: only what touches */
    doc = get_ok(&sam, ts_pathf("/v1/cases/%s/conflicts?distance=0", ids[S2]));
    assert_string_equal(names_of(doc), "S1");
    assert_true(json_number_value(json_object_get(doc, "distance_m")) == 0);
    json_decref(doc);
    /* a wide distance still leaves out the other period, the rejected and the far one */
    doc = get_ok(&sam, ts_pathf("/v1/cases/%s/conflicts?distance=20", ids[S2]));
    assert_string_equal(names_of(doc), "S1 I1");
    json_decref(doc);
    /* S3's period overlaps nobody's */
    doc = get_ok(&sam, ts_pathf("/v1/cases/%s/conflicts?distance=500", ids[S3]));
    assert_string_equal(names_of(doc), "");
    json_decref(doc);
    /* S1 (approved) conflicts with S2 and the stand; S4 is rejected */
    doc = get_ok(&admin, ts_pathf("/v1/cases/%s/conflicts", ids[S1]));
    assert_string_equal(names_of(doc), "S2 I1");
    json_decref(doc);
    /* once rejected, S2 leaves S1's list */
    sql("UPDATE cases SET status = 'rejected' WHERE id = ?1", ids[S2]);
    doc = get_ok(&admin, ts_pathf("/v1/cases/%s/conflicts", ids[S1]));
    assert_string_equal(names_of(doc), "I1");
    json_decref(doc);
    sql("UPDATE cases SET status = 'received' WHERE id = ?1", ids[S2]);

    expect_problem(&sam, ts_pathf("/v1/cases/%s/conflicts?distance=501", ids[S2]), 400, "distance");
    expect_problem(&sam, ts_pathf("/v1/cases/%s/conflicts?distance=-1", ids[S2]), 400, "distance");
    expect_problem(&sam, ts_pathf("/v1/cases/%s/conflicts?distance=2m", ids[S2]), 400, "distance");
    expect_problem(&sam, ts_pathf("/v1/cases/%s/conflicts?distance=nan", ids[S2]), 400, "distance");
    expect_problem(&sam, ts_pathf("/v1/cases/%s/conflicts?radius=2", ids[S2]), 400, "radius");
    expect_problem(&sam, ts_pathf("/v1/cases/%s/conflicts?crs=EPSG:1", ids[S2]), 400, "crs");
}

/* S2's conflicts as the admin gets them from a second server on the same
 * store, started with o for this and stopped again. */
static json_t *s2_conflicts_on(const char *name, const ts_server_opts *o)
{
    ts_server s2, keep = srv;
    ts_review_session a2;
    json_t *doc;
    long st;

    assert_int_equal(ts_server_start(&s2, name, o), 0);
    srv = s2;
    assert_int_equal(ts_review_login(&srv, "admin", PW_ADMIN, &a2), 200);
    doc = get_json(&a2, ts_pathf("/v1/cases/%s/conflicts", ids[S2]), &st);
    srv = keep;
    assert_int_equal(ts_server_stop(&s2), 0);
    assert_int_equal(st, 200);
    return doc;
}

/* The conflict setting from the configuration. */
static void test_conflict_setting(void **state)
{
    const char *const args[] = {"--conflict-distance", "0", NULL};
    ts_server_opts o = {.db = db, .args = args};
    json_t *doc;
    (void)state;
    NEED_DATA();

    doc = s2_conflicts_on("api_review_setting", &o);
    /* the skip's own conflict rule (2 m) comes before the setting */
    assert_true(json_number_value(json_object_get(doc, "distance_m")) == 2);
    assert_string_equal(names_of(doc), "S1 I1");
    json_decref(doc);
}

/* A service without a conflict rule falls back to the setting: a data
 * folder whose skip-container service has no conflict rule, the rest of the
 * project's data and styles linked in. */
static void test_conflict_setting_without_rule(void **state)
{
    char root[4096], data[4200], services[4300], src[4200], dst[4400];
    const char *source = ts_env("GE_SOURCE_DIR");
    const char *const args[] = {"--conflict-distance", "5", "--data-dir", data, NULL};
    ts_server_opts o = {.db = db, .args = args};
    json_t *svc, *rules, *kept, *r, *doc;
    size_t i;
    (void)state;
    NEED_DATA();

    snprintf(root, sizeof root, "%s", ts_tmpdir("api_review_norule"));
    snprintf(data, sizeof data, "%s/data", root);
    snprintf(services, sizeof services, "%s/services", data);
    assert_int_equal(mkdir(data, 0755), 0);
    assert_int_equal(mkdir(services, 0755), 0);
    for (const char *const *n = (const char *const[]){"layers", "openapi.json", NULL}; *n; n++) {
        snprintf(src, sizeof src, "%s/data/%s", source, *n);
        snprintf(dst, sizeof dst, "%s/%s", data, *n);
        assert_int_equal(symlink(src, dst), 0);
    }
    snprintf(src, sizeof src, "%s/styles", source);
    snprintf(dst, sizeof dst, "%s/styles", root);
    assert_int_equal(symlink(src, dst), 0);
    for (const char *const *n =
             (const char *const[]){"skip-container", "info-stand", "construction-access", NULL};
         *n; n++) {
        snprintf(src, sizeof src, "%s/data/services/%s.json", source, *n);
        snprintf(dst, sizeof dst, "%s/%s.json", services, *n);
        svc = json_load_file(src, 0, NULL);
        assert_non_null(svc);
        if (!strcmp(*n, "skip-container")) {
            rules = json_object_get(svc, "rules");
            kept = json_array();
            json_array_foreach(rules, i, r)
            {
                if (strcmp(json_string_value(json_object_get(r, "kind")), "conflict"))
                    json_array_append(kept, r);
            }
            assert_true(json_array_size(kept) + 1 == json_array_size(rules));
            json_object_set_new(svc, "rules", kept);
        }
        assert_int_equal(json_dump_file(svc, dst, JSON_INDENT(2)), 0);
        json_decref(svc);
    }
    doc = s2_conflicts_on("api_review_norule_srv", &o);
    assert_true(json_number_value(json_object_get(doc, "distance_m")) == 5);
    json_decref(doc);
}

/* Without ?distance= a case's conflicts are looked for within its service's
 * conflict rule's distance (the info stand's: 10 m), which the answer names. */
static void test_conflict_service_distance(void **state)
{
    json_t *doc;
    (void)state;
    NEED_DATA();

    doc = get_ok(&admin, ts_pathf("/v1/cases/%s/conflicts", ids[I1]));
    assert_true(json_number_value(json_object_get(doc, "distance_m")) == 10);
    json_decref(doc);
    doc = get_ok(&admin, ts_pathf("/v1/cases/%s/conflicts", ids[S2]));
    assert_true(json_number_value(json_object_get(doc, "distance_m")) == 2);
    json_decref(doc);
    doc = get_ok(&admin, ts_pathf("/v1/cases/%s/conflicts?distance=0", ids[I1]));
    assert_true(json_number_value(json_object_get(doc, "distance_m")) == 0);
    json_decref(doc);
}

/* Every listed case carries its number of conflicts, the same as its
 * conflicts route lists with the default distance. */
static void test_list_conflicts(void **state)
{
    json_t *doc, *v;
    size_t i;
    (void)state;
    NEED_DATA();

    doc = get_ok(&admin, "/v1/cases?limit=500");
    assert_int_equal(json_array_size(json_object_get(doc, "cases")), NCASES);
    json_array_foreach(json_object_get(doc, "cases"), i, v)
    {
        const char *id = json_string_value(json_object_get(v, "case_id"));
        json_t *n = json_object_get(v, "conflicts"), *one;
        if (!json_is_integer(n)) fail_msg("case %s: no conflicts count", id);
        one = get_ok(&admin, ts_pathf("/v1/cases/%s/conflicts", id));
        if ((size_t)json_integer_value(n) != json_array_size(json_object_get(one, "cases")))
            fail_msg("case %s: conflicts %lld in the list, %zu listed", id,
                     (long long)json_integer_value(n),
                     json_array_size(json_object_get(one, "cases")));
        json_decref(one);
        /* S2 meets S1 and the stand beside them; S5 is far from all */
        if (!strcmp(id, ids[S2])) assert_int_equal(json_integer_value(n), 2);
        if (!strcmp(id, ids[S5])) assert_int_equal(json_integer_value(n), 0);
    }
    json_decref(doc);
    /* a caseworker's list counts the other service's stand too (the place
     * is taken), as its conflicts route lists it */
    doc = get_ok(&sam, "/v1/cases");
    v = member_array_find(json_object_get(doc, "cases"), "case_id", ids[S2]);
    assert_non_null(v);
    assert_int_equal(json_integer_value(json_object_get(v, "conflicts")), 2);
    json_decref(doc);
}

/* Cases created in the same second list newest insertion first, the same
 * on every request, not by their random ids. */
static void test_list_same_second(void **state)
{
    (void)state;
    NEED_DATA();

    for (int i = 0; i < NCASES; i++)
        sql("UPDATE cases SET created_at = '2026-11-05T10:00:00Z' WHERE id = ?1", ids[i]);
    expect_list(&admin, "", "I1 S5 S4 S3 S2 S1", 6);
    expect_list(&admin, "limit=2&offset=2", "S4 S3", 6);
    expect_list(&sam, "", "S5 S4 S3 S2 S1", 5);
    for (int i = 0; i < NCASES; i++)
        sql(ts_pathf("UPDATE cases SET created_at = '2026-11-0%dT10:00:00Z' WHERE id = ?1", i + 1),
            ids[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_shape),
        cmocka_unit_test(test_list_filters),
        cmocka_unit_test(test_list_bbox),
        cmocka_unit_test(test_list_bad_params),
        cmocka_unit_test(test_list_sort),
        cmocka_unit_test(test_list_summary),
        cmocka_unit_test(test_visibility),
        cmocka_unit_test(test_detail),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_conflicts),
        cmocka_unit_test(test_list_purged),
        cmocka_unit_test(test_conflict_setting),
        cmocka_unit_test(test_conflict_service_distance),
        cmocka_unit_test(test_conflict_setting_without_rule),
        cmocka_unit_test(test_list_conflicts),
        cmocka_unit_test(test_list_same_second),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
