/*
 * test_api_case_location.c - the location sentence of submitted cases in
 * GET /v1/cases, both views of GET /v1/cases/{id}, the submit answer,
 * GET /v1/drafts/{id} and the export, against real servers on the demo
 * quarter.
 *
 * Two stores. One with the demo quarter imported (server S) proposes two
 * information stands near "Lindenallee 9" (POST /v1/placements). The other
 * (server T) starts empty: the cases O0 (the first stand) and O1 (both) are
 * submitted there while it has no reference data, so their stored reports
 * carry no sentence - as the cases of a deployment from before the
 * sentences do, with intact content hashes. Then the demo quarter is
 * imported into T's store while T runs (the server swaps it in), and N1
 * (both stands again) is submitted: its report has the sentences. What is
 * checked: the old cases get the very sentences N1's report stores, made
 * now from their stored features (list: the first feature's; the
 * caseworker's case view: "location" and each feature's in "measures";
 * the form server's view: "location"), while their stored reports
 * ("validation") stay as they were and their content hashes stay valid;
 * N1 and the submit answer carry the stored ones; a draft's report has
 * them too; every export format but DXF has the columns location and
 * location_en (location_e in a shapefile) holding them, read back with
 * GDAL's OGR API; DXF has no such field.
 *
 * Cost: 500 more old cases and 500 new ones (copies through the store's
 * own submit, spread over the quarter, distinct periods so that none
 * conflicts) are listed with limit=500, and the times are printed, never
 * asserted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "ts_group.h"

#include <gdal.h>
#include <jansson.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geos_ctx.h"
#include "store.h"
#include "store_forms.h"
#include "ts.h"
#include "ts_backend.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_review.h"
#include "ts_run.h"
#include "ts_server.h"
#include "ts_store.h"

#define PW_ADMIN "Places in words for everyone 2026"
#define NCLONES  500

static ts_server S, T;
static bool have_data, s_up, t_up;
static char key_demo[160], key_cases[160];
static ts_review_session admin;
static json_t *proposal[2]; /* FeatureCollections in CRS84, from S */
static char old0[64], old1[64], new1[64];
static json_t *new1_loc[2]; /* the sentences N1's report stores */
static json_t *new1_answer; /* N1's submit answer */

/* ---- requests ------------------------------------------------------------- */

static json_t *call_json(const char *method, const char *url, const char *key, const char *idem,
                         const char *body, long want)
{
    ts_http_resp r;
    json_t *doc;
    if (ts_forms_call(method, url, key, idem, body, &r) != 0)
        fail_msg("%s %s: %s", method, url, r.error);
    if (r.status != want)
        fail_msg("%s %s: %ld, expected %ld: %s", method, url, r.status, want, r.body);
    doc = ts_forms_json(&r);
    ts_http_resp_free(&r);
    if (!doc) fail_msg("%s %s: no JSON", method, url);
    return doc;
}

/* GET path on T as the admin; the JSON answer (200). */
static json_t *admin_get(const char *path)
{
    ts_http_resp r;
    json_t *doc;
    if (ts_review_call(&T, "GET", path, admin.cookie, NULL, NULL, NULL, &r) != 0)
        fail_msg("GET %s: %s", path, r.error);
    if (r.status != 200) fail_msg("GET %s: %ld %s", path, r.status, r.body);
    doc = ts_forms_json(&r);
    ts_http_resp_free(&r);
    return doc;
}

/* Two info-stand proposals near Lindenallee 9 (features), or -1. */
static int propose(const ts_server *srv, json_t *out[2])
{
    char body[512];
    ts_http_resp r;
    json_t *doc, *list;
    int rc = -1;
    snprintf(body, sizeof body,
             "{\"service\":\"info-stand\",\"near\":{\"address\":\"Lindenallee 9\"},\"limit\":2,"
             "\"period\":%s}",
             ts_forms_period());
    if (ts_forms_call("POST", ts_server_url(srv, "/v1/placements"), NULL, NULL, body, &r) != 0)
        return -1;
    if (r.status != 200) fprintf(stderr, "placements: %ld %s\n", r.status, r.body);
    doc = r.status == 200 ? ts_forms_json(&r) : NULL;
    ts_http_resp_free(&r);
    list = json_object_get(doc, "placements");
    if (json_array_size(list) >= 2) {
        for (int i = 0; i < 2; i++)
            out[i] = json_incref(json_object_get(json_array_get(list, i), "features"));
        rc = 0;
    }
    json_decref(doc);
    return rc;
}

/* Does srv's reference data say where the first proposal is (POST
 * /v1/validate)? */
static bool has_sentence(const ts_server *srv)
{
    json_t *body = json_pack("{s:s, s:O}", "service", "info-stand", "features", proposal[0]), *doc;
    char *text = json_dumps(body, JSON_COMPACT);
    ts_http_resp r;
    bool yes = false;
    if (ts_forms_call("POST", ts_server_url(srv, "/v1/validate"), NULL, NULL, text, &r) == 0 &&
        r.status == 200) {
        doc = ts_forms_json(&r);
        yes = json_object_get(json_array_get(json_object_get(doc, "measures"), 0), "location");
        json_decref(doc);
    }
    ts_http_resp_free(&r);
    free(text);
    json_decref(body);
    return yes;
}

/* An info-stand drawing of the proposals' features (first n). */
static json_t *drawing(int n)
{
    json_t *fc = json_pack("{s:s, s:[]}", "type", "FeatureCollection", "features");
    for (int i = 0; i < n; i++)
        json_array_extend(json_object_get(fc, "features"),
                          json_object_get(proposal[i], "features"));
    return fc;
}

/* Draft + submit on T; the case id into out, the submit answer returned. */
static json_t *submit(const char *ref, int n, char out[64])
{
    json_t *body =
        json_pack("{s:s, s:s, s:o, s:o}", "service", "info-stand", "reference", ref, "period",
                  json_loads(ts_forms_period(), 0, NULL), "features", drawing(n));
    char *text = json_dumps(body, JSON_COMPACT), id[128];
    json_t *doc;
    if (ts_forms_draft(&T, key_cases, text, id, NULL) != 201) fail_msg("draft %s refused", ref);
    free(text);
    json_decref(body);
    doc = call_json("POST", ts_server_url(&T, ts_pathf("/v1/drafts/%s/submit", id)), key_cases, ref,
                    "{\"applicant\":{\"name\":\"Lea Ort\"}}", 201);
    snprintf(out, 64, "%s", json_string_value(json_object_get(doc, "case_id")));
    return doc;
}

/* ---- setup ---------------------------------------------------------------- */

static int setup(void **state)
{
    const char *osm = ts_demo_osm();
    char dir[4096], db[4200];
    ts_server_opts o = {0};
    json_t *doc;
    (void)state;
    if (!osm) return 0;
    GDALAllRegister();

    /* S: the demo quarter, for the proposals */
    snprintf(dir, sizeof dir, "%s", ts_tmpdir("api_case_location_demo"));
    snprintf(db, sizeof db, "%s/store.db", dir);
    if (ts_run_import(db, osm) != 0 || ts_forms_client_add(db, "portal", key_demo) != 0) return -1;
    o.db = db;
    if (ts_server_start(&S, "api_case_location_s", &o) != 0) return -1;
    s_up = true;
    if (propose(&S, proposal) != 0) {
        fprintf(stderr, "no two info-stand proposals near Lindenallee 9\n");
        return -1;
    }

    /* T: empty at first */
    if (ts_server_start(&T, "api_case_location_t", NULL) != 0) return -1;
    t_up = true;
    if (ts_forms_client_add(T.db, "portal", key_cases) != 0 ||
        ts_review_user_add(T.db, "admin", "admin", NULL, PW_ADMIN) != 0 ||
        ts_review_login(&T, "admin", PW_ADMIN, &admin) != 200)
        return -1;
    json_decref(submit("LOC-O0", 1, old0));
    json_decref(submit("LOC-O1", 2, old1));

    /* the demo quarter comes; the server swaps it in within seconds */
    if (ts_run_import(T.db, osm) != 0) return -1;
    for (int i = 0; !has_sentence(&T); i++) {
        if (i == 100) {
            fprintf(stderr, "T did not take up the imported demo quarter in 20 s\n");
            return -1;
        }
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    new1_answer = submit("LOC-N1", 2, new1);
    doc = call_json("GET", ts_server_url(&T, ts_pathf("/v1/cases/%s", new1)), key_cases, NULL, NULL,
                    200);
    for (int i = 0; i < 2; i++) {
        new1_loc[i] = json_incref(json_object_get(
            json_array_get(json_object_get(json_object_get(doc, "validation"), "measures"), i),
            "location"));
        if (!new1_loc[i]) {
            char *t = json_dumps(doc, JSON_COMPACT);
            fprintf(stderr, "N1's report has no sentence for feature %d: %s\n", i, t);
            free(t);
            return -1;
        }
    }
    json_decref(doc);
    have_data = true;
    return 0;
}

static int teardown(void **state)
{
    int rc = 0;
    (void)state;
    for (int i = 0; i < 2; i++) {
        json_decref(proposal[i]);
        json_decref(new1_loc[i]);
    }
    json_decref(new1_answer);
    if (s_up && ts_server_stop(&S) != 0) rc = -1;
    if (t_up && ts_server_stop(&T) != 0) rc = -1;
    return rc;
}

#define NEED_DATA() TS_NEED(have_data, "the demo quarter (GE_DEMO_OSM)")

/* ---- checks --------------------------------------------------------------- */

static void expect_loc(const char *what, const json_t *got, const json_t *want)
{
    if (!json_equal(got, want)) {
        char *g = got ? json_dumps(got, JSON_ENCODE_ANY) : NULL;
        char *w = json_dumps(want, JSON_ENCODE_ANY);
        fail_msg("%s: location %s, expected %s", what, g ? g : "(absent)", w);
    }
}

/* The cases of a list answer by id. */
static const json_t *listed(const json_t *doc, const char *id)
{
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(doc, "cases"), i, c)
    {
        if (!strcmp(json_string_value(json_object_get(c, "case_id")), id)) return c;
    }
    fail_msg("case %s is not in the list", id);
    return NULL;
}

static void test_sentences_stored(void **state)
{
    const char *de = json_string_value(json_object_get(new1_loc[0], "de"));
    const char *en = json_string_value(json_object_get(new1_loc[0], "en"));
    (void)state;
    NEED_DATA();
    /* what the demo quarter says of a stand near Lindenallee 9 */
    assert_non_null(strstr(de, "Lindenallee"));
    assert_non_null(strstr(en, "Lindenallee"));
    print_message("N1 feature 0: %s / %s\n", de, en);
    print_message("N1 feature 1: %s\n", json_string_value(json_object_get(new1_loc[1], "de")));
    /* the submit answer carries the first one */
    expect_loc("N1's submit answer", json_object_get(new1_answer, "location"), new1_loc[0]);
}

static void test_list(void **state)
{
    json_t *doc;
    (void)state;
    NEED_DATA();
    doc = admin_get("/v1/cases?q=LOC-");
    assert_int_equal(json_array_size(json_object_get(doc, "cases")), 3);
    /* the old ones made now, the same as N1's report says */
    expect_loc("list O0", json_object_get(listed(doc, old0), "location"), new1_loc[0]);
    expect_loc("list O1", json_object_get(listed(doc, old1), "location"), new1_loc[0]);
    expect_loc("list N1", json_object_get(listed(doc, new1), "location"), new1_loc[0]);
    json_decref(doc);
}

static void test_case_views(void **state)
{
    json_t *doc, *m;
    size_t i;
    (void)state;
    NEED_DATA();

    /* the caseworker's view of an old case: made now, the report untouched */
    doc = admin_get(ts_pathf("/v1/cases/%s", old1));
    expect_loc("O1 location", json_object_get(doc, "location"), new1_loc[0]);
    m = json_object_get(doc, "measures");
    assert_int_equal(json_array_size(m), 2);
    for (i = 0; i < 2; i++)
        expect_loc("O1 measures", json_object_get(json_array_get(m, i), "location"), new1_loc[i]);
    json_array_foreach(json_object_get(json_object_get(doc, "validation"), "measures"), i, m)
    {
        assert_null(json_object_get(m, "location"));
    }
    assert_true(json_is_true(json_object_get(doc, "content_hash_valid")));
    json_decref(doc);

    /* N1's as stored */
    doc = admin_get(ts_pathf("/v1/cases/%s", new1));
    expect_loc("N1 location", json_object_get(doc, "location"), new1_loc[0]);
    expect_loc("N1 measures",
               json_object_get(json_array_get(json_object_get(doc, "measures"), 1), "location"),
               new1_loc[1]);
    json_decref(doc);

    /* the form server's view */
    doc = call_json("GET", ts_server_url(&T, ts_pathf("/v1/cases/%s", old1)), key_cases, NULL, NULL,
                    200);
    expect_loc("O1 for the form server", json_object_get(doc, "location"), new1_loc[0]);
    assert_true(json_is_true(json_object_get(doc, "content_hash_valid")));
    json_array_foreach(json_object_get(json_object_get(doc, "validation"), "measures"), i, m)
    {
        assert_null(json_object_get(m, "location"));
    }
    json_decref(doc);
    doc = call_json("GET", ts_server_url(&T, ts_pathf("/v1/cases/%s", new1)), key_cases, NULL, NULL,
                    200);
    expect_loc("N1 for the form server", json_object_get(doc, "location"), new1_loc[0]);
    json_decref(doc);
}

static void test_draft(void **state)
{
    json_t *body, *doc, *m;
    char *text, id[128];
    (void)state;
    NEED_DATA();
    body = json_pack("{s:s, s:s, s:o, s:o}", "service", "info-stand", "reference", "LOC-D",
                     "period", json_loads(ts_forms_period(), 0, NULL), "features", drawing(2));
    text = json_dumps(body, JSON_COMPACT);
    assert_int_equal(ts_forms_draft(&T, key_cases, text, id, NULL), 201);
    free(text);
    json_decref(body);
    doc = call_json("GET", ts_server_url(&T, ts_pathf("/v1/drafts/%s", id)), key_cases, NULL, NULL,
                    200);
    m = json_object_get(json_object_get(doc, "validation"), "measures");
    assert_int_equal(json_array_size(m), 2);
    for (size_t i = 0; i < 2; i++)
        expect_loc("draft", json_object_get(json_array_get(m, i), "location"), new1_loc[i]);
    json_decref(doc);
}

/* ---- the export ------------------------------------------------------------ */

static const char *save(const char *name, const ts_http_resp *r)
{
    const char *path = ts_path(ts_tmpdir("api_case_location_files"), name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(r->body, 1, r->body_len, fp), r->body_len);
    fclose(fp);
    return path;
}

static void check_export(const char *fmt, const char *ext)
{
    const bool shp = !strcmp(fmt, "shp"), dxf = !strcmp(fmt, "dxf");
    const char *en_field = shp ? "location_e" : "location_en";
    ts_http_resp r;
    GDALDatasetH ds;
    int rows = 0;
    const char *path;

    assert_int_equal(ts_review_call(&T, "GET", ts_pathf("/v1/export?f=%s&q=LOC-", fmt),
                                    admin.cookie, NULL, NULL, NULL, &r),
                     0);
    if (r.status != 200) fail_msg("export %s: %ld %s", fmt, r.status, r.body);
    path = save(ts_pathf("cases.%s", ext), &r);
    ts_http_resp_free(&r);
    ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) fail_msg("GDAL cannot open the %s export", fmt);
    for (int li = 0; li < GDALDatasetGetLayerCount(ds); li++) {
        OGRLayerH layer = GDALDatasetGetLayer(ds, li);
        OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
        OGRFeatureH f;
        if (dxf) {
            /* GDAL's DXF writer keeps only its own fields; each case's
             * layer also has a text entity with the case id, not a row */
            assert_true(OGR_FD_GetFieldIndex(defn, "location") < 0);
            OGR_L_ResetReading(layer);
            while ((f = OGR_L_GetNextFeature(layer))) {
                const char *sub = OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "SubClasses"));
                if (!strstr(sub, "Text")) rows++;
                OGR_F_Destroy(f);
            }
            continue;
        }
        if (OGR_FD_GetFieldIndex(defn, "location") < 0 || OGR_FD_GetFieldIndex(defn, en_field) < 0)
            fail_msg("%s: layer %s has no field location or %s", fmt, OGR_L_GetName(layer),
                     en_field);
        OGR_L_ResetReading(layer);
        while ((f = OGR_L_GetNextFeature(layer))) {
            int k = OGR_F_GetFieldAsInteger(f, OGR_F_GetFieldIndex(f, "feature"));
            const char *de = OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "location"));
            const char *en = OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, en_field));
            assert_true(k == 0 || k == 1);
            if (strcmp(de, json_string_value(json_object_get(new1_loc[k], "de"))) ||
                strcmp(en, json_string_value(json_object_get(new1_loc[k], "en"))))
                fail_msg("%s: feature %d of case %s: location \"%s\" / \"%s\"", fmt, k,
                         OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "case_id")), de, en);
            rows++;
            OGR_F_Destroy(f);
        }
    }
    GDALClose(ds);
    /* O0: 1 feature, O1 and N1: 2 each */
    assert_int_equal(rows, 5);
}

static void test_export(void **state)
{
    static const char *const f[][2] = {{"gpkg", "gpkg"}, {"shp", "shp.zip"},     {"kml", "kml"},
                                       {"csv", "csv"},   {"geojson", "geojson"}, {"dxf", "dxf"}};
    (void)state;
    NEED_DATA();
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        check_export(f[i][0], f[i][1]);
}

/* ---- what the list costs ---------------------------------------------------- */

typedef struct wkbs {
    unsigned char *wkb[2];
    size_t len[2];
    size_t n;
} wkbs;

static int keep_wkb(void *ud, int64_t fid, const unsigned char *wkb, size_t len, const char *props)
{
    wkbs *w = ud;
    (void)fid;
    (void)props;
    assert_true(w->n < 2);
    w->wkb[w->n] = malloc(len);
    memcpy(w->wkb[w->n], wkb, len);
    w->len[w->n++] = len;
    return 0;
}

typedef struct offset {
    double dx, dy;
} offset;

static int shift(double *x, double *y, void *ud)
{
    const offset *o = ud;
    *x += o->dx;
    *y += o->dy;
    return 1;
}

/* The features w moved by o, as WKB into out (free each with GEOSFree_r). */
static void moved(GEOSContextHandle_t h, const wkbs *w, offset o, unsigned char *out[2],
                  size_t len[2])
{
    GEOSWKBReader *rd = GEOSWKBReader_create_r(h);
    GEOSWKBWriter *wr = GEOSWKBWriter_create_r(h);
    for (size_t i = 0; i < w->n; i++) {
        GEOSGeometry *g = GEOSWKBReader_read_r(h, rd, w->wkb[i], w->len[i]);
        GEOSGeometry *m = GEOSGeom_transformXY_r(h, g, shift, &o);
        assert_non_null(m);
        out[i] = GEOSWKBWriter_write_r(h, wr, m, &len[i]);
        GEOSGeom_destroy_r(h, g);
        GEOSGeom_destroy_r(h, m);
    }
    GEOSWKBReader_destroy_r(h, rd);
    GEOSWKBWriter_destroy_r(h, wr);
}

/*
 * NCLONES copies of case id through the store's own submit, each with its
 * report and content hash (which no longer matches: the copies are moved),
 * spread 15 m apart over 375 x 300 m around the original (what is near a
 * feature varies as it does in a town), with periods of one day every
 * other day from first_day: none conflicts with another, so that the list's
 * conflict count, which is not measured here, stays small.
 */
static void clone(ge_store *st, const char *id, const char *tag, time_t first_day)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_case c;
    wkbs w = {0};
    ge_err err;

    assert_int_equal(ge_store_case_get(st, id, &c, &err), GE_OK);
    assert_int_equal(ge_store_case_features(st, id, keep_wkb, &w, &err), GE_OK);
    for (int i = 0; i < NCLONES; i++) {
        offset o = {15.0 * (i % 25) - 187.5, 15.0 * (i / 25) - 150.0};
        unsigned char *wkb[2];
        size_t len[2];
        ge_case_feature f[2];
        char key[64], day[16], ref[64], out[40];
        time_t t = first_day + (time_t)i * 2 * 86400;
        struct tm tm;
        ge_draft d;
        ge_case_submit in = {0};
        ge_submit_outcome outcome;
        moved(h, &w, o, wkb, len);
        for (size_t k = 0; k < w.n; k++)
            f[k] = (ge_case_feature){.wkb = wkb[k], .wkb_len = len[k], .props_json = "{}"};
        gmtime_r(&t, &tm);
        strftime(day, sizeof day, "%Y-%m-%d", &tm);
        snprintf(key, sizeof key, "%s-%d", tag, i);
        snprintf(ref, sizeof ref, "CLONE-%s-%d", tag, i);
        ts_store_draft(st, c.client_id, "info-stand", &d);
        in.client_id = c.client_id;
        in.draft_id = d.id;
        in.draft_features = "{\"type\":\"FeatureCollection\",\"features\":[]}";
        in.idempotency_key = key;
        in.request_hash = key;
        in.service = "info-stand";
        in.reference = ref;
        in.applicant_json = "{}";
        in.period_start = day;
        in.period_end = day;
        in.report_json = c.report;
        in.content_hash = c.content_hash;
        in.features = f;
        in.nfeatures = w.n;
        in.actor = "client:test";
        assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &outcome, out, &err), GE_OK);
        assert_int_equal(outcome, GE_SUBMIT_CREATED);
        ge_draft_clear(&d);
        for (size_t k = 0; k < w.n; k++)
            GEOSFree_r(h, wkb[k]);
    }
    for (size_t i = 0; i < w.n; i++)
        free(w.wkb[i]);
    ge_case_clear(&c);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* GET /v1/cases?limit=500&query once: its time; how many cases of the page
 * have a sentence into *said (the others: null). A stored one (stored) is
 * N1's. */
static double list_once(const char *query, bool stored, int *said)
{
    double t0 = now_ms(), t;
    json_t *doc = admin_get(ts_pathf("/v1/cases?limit=500&%s", query)), *c, *loc;
    size_t i;

    t = now_ms() - t0;
    assert_int_equal(json_array_size(json_object_get(doc, "cases")), NCLONES);
    *said = 0;
    json_array_foreach(json_object_get(doc, "cases"), i, c)
    {
        loc = json_object_get(c, "location");
        assert_non_null(loc);
        if (stored) expect_loc("listed copy of N1", loc, new1_loc[0]);
        if (json_is_null(loc)) continue;
        assert_true(json_is_string(json_object_get(loc, "de")));
        assert_true(json_is_string(json_object_get(loc, "en")));
        (*said)++;
    }
    json_decref(doc);
    return t;
}

#define ROUNDS 7

static void test_list_cost(void **state)
{
    ge_store_opts so = {.path = ts_store_db(T.db, false)};
    ge_store *st = NULL;
    ge_err err;
    double old_ms[ROUNDS], new_ms[ROUNDS];
    int old_said = 0, new_said = 0;
    (void)state;
    NEED_DATA();
    assert_int_equal(ge_store_open(&st, &so, &err), GE_OK);
    clone(st, old1, "old", 1893456000); /* from 2030-01-01 */
    clone(st, new1, "new", 2051222400); /* from 2035-01-01 */
    ge_store_close(st);
    /* the two pages in turns, so that the machine's moods hit both alike */
    for (int k = 0; k < ROUNDS; k++) {
        old_ms[k] = list_once("from=2030-01-01&to=2034-12-31", false, &old_said);
        new_ms[k] = list_once("from=2035-01-01&to=2039-12-31", true, &new_said);
    }
    assert_int_equal(new_said, NCLONES);
    /* the copies spread into the blocks, away from the streets: some say
     * nothing, most near one do */
    assert_true(old_said > 0);
    qsort(old_ms, ROUNDS, sizeof old_ms[0], by_value);
    qsort(new_ms, ROUNDS, sizeof new_ms[0], by_value);
    print_message("GET /v1/cases?limit=500, median of %d: %d cases whose reports lack the "
                  "sentence, made now from the first feature (%d of them said something): "
                  "%.1f ms; %d whose reports store it: %.1f ms; difference per case: %.0f us\n",
                  ROUNDS, NCLONES, old_said, old_ms[ROUNDS / 2], NCLONES, new_ms[ROUNDS / 2],
                  (old_ms[ROUNDS / 2] - new_ms[ROUNDS / 2]) * 1000.0 / NCLONES);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sentences_stored), cmocka_unit_test(test_list),
        cmocka_unit_test(test_case_views),       cmocka_unit_test(test_draft),
        cmocka_unit_test(test_export),           cmocka_unit_test(test_list_cost),
    };
    (void)argc;
    (void)argv;
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
