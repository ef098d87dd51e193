/*
 * test_api_placements.c - POST /v1/placements and POST
 * /v1/edit/{token}/placements against the real server, on the demo quarter
 * and on the shared OSM extract.
 *
 * What it shows:
 *  - for addresses inside the boundary (every one of the quarter, 50 of the
 *    extract), every proposal for a skip container passes POST /v1/validate
 *    with the same period, and lies within the distance asked for; the
 *    answer carries the Server-Timing header (placements and CPU time);
 *  - a point on a hydrant gets proposals that pass the hydrant's clearance;
 *  - the city's own street space (imported after the OSM data) that leaves
 *    a street out: an address there gets no proposal and a reason in German
 *    and English;
 *  - the editor's route proposes for the draft's service, keeps what is
 *    drawn and its answer can be saved as the drawing as it is;
 *  - bad requests: an unknown address (422 with similar ones), a size the
 *    service does not allow (422 naming the limit), limit 0 and 11 (400), a
 *    point far outside the boundary (422), a missing or unknown service.
 * The extract group skips visibly when the extract is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "ts.h"
#include "ts_forms.h"
#include "ts_group.h"
#include "ts_http.h"
#include "ts_run.h"
#include "ts_server.h"

typedef struct world {
    const char *name;
    ts_server srv;
    bool up;
    int srid;
    json_t *addresses; /* [{label, lon, lat}] inside the boundary */
} world;

static world DEMO = {.name = "api_placements_demo", .srid = 25832};
static world EXTRACT = {.name = "api_placements_extract", .srid = 25833};

static char PERIOD[80];
static char TIMING[128]; /* the Server-Timing header of the last answer, or "" */

static long post(const world *w, const char *path, const char *body, const char *lang, json_t **doc)
{
    char accept[64];
    const char *headers[] = {"Content-Type: application/json", accept, NULL};
    ts_http_req req = {.url = ts_server_url(&w->srv, path),
                       .headers = headers,
                       .body = body,
                       .body_len = strlen(body)};
    ts_http_resp r = {0};
    long status;

    snprintf(accept, sizeof accept, "Accept-Language: %s", lang ? lang : "en");
    assert_int_equal(ts_http(&req, &r), 0);
    status = r.status;
    snprintf(TIMING, sizeof TIMING, "%s",
             ts_http_header(&r, "Server-Timing") ? ts_http_header(&r, "Server-Timing") : "");
    if (doc) *doc = json_loads(r.body, 0, NULL);
    ts_http_resp_free(&r);
    return status;
}

/* POST and expect the status: the answer's document. */
static json_t *post_ok(const world *w, const char *path, const char *body, const char *lang,
                       long want)
{
    json_t *doc = NULL;
    long status = post(w, path, body, lang, &doc);

    if (status != want) {
        char *t = doc ? json_dumps(doc, 0) : NULL;
        fail_msg("status %ld, wanted %ld: %s", status, want, t ? t : "");
    }
    assert_non_null(doc);
    return doc;
}

/* Every proposal passes /v1/validate for the service with the same period,
 * within max_d, and says where it is in both languages. */
static size_t check_service_proposals(const world *w, const char *service, const json_t *answer,
                                      double max_d)
{
    const json_t *list = json_object_get(answer, "placements");
    size_t i;
    json_t *p;

    json_array_foreach(list, i, p)
    {
        char *fc = json_dumps(json_object_get(p, "features"), JSON_COMPACT), *body;
        json_t *report;
        size_t n;

        assert_true(json_real_value(json_object_get(p, "distance_m")) <= max_d);
        assert_non_null(json_string_value(json_object_get(json_object_get(p, "location"), "de")));
        assert_non_null(json_string_value(json_object_get(json_object_get(p, "location"), "en")));
        assert_true(json_is_true(json_object_get(json_object_get(p, "report"), "valid")));
        n = strlen(fc) + 200;
        body = malloc(n);
        snprintf(body, n, "{\"service\":\"%s\",\"period\":%s,\"features\":%s}", service, PERIOD,
                 fc);
        report = post_ok(w, "/v1/validate", body, "en", 200);
        if (!json_is_true(json_object_get(report, "valid"))) {
            char *t = json_dumps(report, JSON_COMPACT);
            fail_msg("a proposal does not pass /v1/validate: %s", t);
        }
        json_decref(report);
        free(body);
        free(fc);
    }
    return json_array_size(list);
}

static size_t check_proposals(const world *w, const json_t *answer, double max_d)
{
    return check_service_proposals(w, "skip-container", answer, max_d);
}

static void every_address(world *w, size_t max_n)
{
    size_t i, with = 0, n = 0;
    json_t *a;

    assert_true(json_array_size(w->addresses) > 0);
    json_array_foreach(w->addresses, i, a)
    {
        char body[512];
        json_t *doc;

        if (n == max_n) break;
        n++;
        snprintf(body, sizeof body,
                 "{\"service\":\"skip-container\",\"near\":{\"address\":\"%s\"},\"period\":%s}",
                 json_string_value(json_object_get(a, "label")), PERIOD);
        doc = post_ok(w, "/v1/placements", body, "de", 200);
        /* the time in the server, as /v1/validate gives it (bench/placements) */
        if (strncmp(TIMING, "placements;dur=", 15) != 0 || !strstr(TIMING, ", cpu;dur="))
            fail_msg("Server-Timing: '%s'", TIMING);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(doc, "near"), "address")),
            json_string_value(json_object_get(a, "label")));
        if (check_proposals(w, doc, 50) > 0)
            with++;
        else
            assert_true(json_array_size(json_object_get(doc, "reasons")) > 0);
        json_decref(doc);
    }
    printf("# %s: %zu of %zu addresses got proposals\n", w->name, with, n);
    assert_true(with * 10 >= n * 9);
}

static void test_demo_addresses(void **state)
{
    (void)state;
    every_address(&DEMO, 1000);
}

static void test_extract_addresses(void **state)
{
    (void)state;
    if (!EXTRACT.up) skip();
    every_address(&EXTRACT, 50);
}

static void test_point_on_hydrant(void **state)
{
    ts_http_resp r = {0};
    json_t *hyd, *c, *doc;
    char body[512];

    (void)state;
    assert_int_equal(
        ts_http_get(ts_server_url(&DEMO.srv, "/collections/hydrants/items?limit=1"), &r), 0);
    hyd = json_loads(r.body, 0, NULL);
    ts_http_resp_free(&r);
    c = json_object_get(
        json_object_get(json_array_get(json_object_get(hyd, "features"), 0), "geometry"),
        "coordinates");
    snprintf(body, sizeof body,
             "{\"service\":\"skip-container\",\"near\":{\"point\":[%.9f,%.9f]},\"period\":%s,"
             "\"limit\":5}",
             json_real_value(json_array_get(c, 0)), json_real_value(json_array_get(c, 1)), PERIOD);
    doc = post_ok(&DEMO, "/v1/placements", body, "en", 200);
    /* valid for /v1/validate means at least 5 m from every hydrant */
    assert_true(check_proposals(&DEMO, doc, 50) > 0);
    json_decref(doc);
    json_decref(hyd);
}

/* The anchor and the proposals say where they are; a size at the
 * service's limits still passes once it has travelled as CRS84. */
static void test_locations_and_size_at_limit(void **state)
{
    char body[512];
    json_t *doc;
    const char *de;

    (void)state;
    snprintf(body, sizeof body,
             "{\"service\":\"skip-container\",\"near\":{\"address\":\"Lindenallee "
             "9\"},\"period\":%s}",
             PERIOD);
    doc = post_ok(&DEMO, "/v1/placements", body, "de", 200);
    de = json_string_value(
        json_object_get(json_object_get(json_object_get(doc, "near"), "location"), "de"));
    assert_non_null(de);
    assert_non_null(strstr(de, "Lindenallee"));
    de = json_string_value(json_object_get(
        json_object_get(json_array_get(json_object_get(doc, "placements"), 0), "location"), "de"));
    assert_non_null(de);
    assert_non_null(strstr(de, "Lindenallee"));
    json_decref(doc);
    /* an information stand of the largest size it may have: 2 x 3 m */
    snprintf(body, sizeof body,
             "{\"service\":\"info-stand\",\"near\":{\"address\":\"Lindenallee 9\"},\"size\":{"
             "\"width_m\":2,\"length_m\":3},\"period\":%s}",
             PERIOD);
    doc = post_ok(&DEMO, "/v1/placements", body, "en", 200);
    assert_string_equal(json_string_value(json_object_get(doc, "shape")), "rectangle");
    assert_true(check_service_proposals(&DEMO, "info-stand", doc, 50) > 0);
    json_decref(doc);
}

static void test_bad_requests(void **state)
{
    static const struct {
        const char *body;
        long status;
        const char *member, *detail_de;
    } cases[] = {
        {"{\"service\":\"skip-container\",\"near\":{\"address\":\"Lindenallee 999\"}}", 422,
         "near.address", "keine Adresse dieser Stadt"},
        {"{\"service\":\"skip-container\",\"near\":{\"address\":\"Lindenallee 9\"},\"size\":{"
         "\"width_m\":3.5,\"length_m\":4}}",
         422, "size.width_m", "3,5 m ist mehr als die größte Breite dieser Antragsart (3 m)"},
        {"{\"service\":\"skip-container\",\"near\":{\"address\":\"Lindenallee 9\"},\"size\":{"
         "\"width_m\":2,\"length_m\":9}}",
         422, "size.length_m", "größte Länge"},
        {"{\"service\":\"skip-container\",\"near\":{\"address\":\"Lindenallee 9\"},\"limit\":0}",
         400, "limit", "von 1 bis 10"},
        {"{\"service\":\"skip-container\",\"near\":{\"address\":\"Lindenallee 9\"},\"limit\":11}",
         400, "limit", "von 1 bis 10"},
        {"{\"service\":\"skip-container\",\"near\":{\"address\":\"Lindenallee "
         "9\"},\"max_distance_m\":201}",
         400, "max_distance_m", "höchstens 200"},
        {"{\"service\":\"skip-container\",\"near\":{\"point\":[9.8,51.5]}}", 422, "near",
         "außerhalb des Gemeindegebiets"},
        {"{\"near\":{\"address\":\"Lindenallee 9\"}}", 400, "service", "fehlt"},
        {"{\"service\":\"crane\",\"near\":{\"address\":\"Lindenallee 9\"}}", 422, "service",
         "gibt es nicht"},
        {"{\"service\":\"skip-container\",\"near\":{\"address\":\"Lindenallee 9\",\"point\":[9.9,"
         "51.5]}}",
         400, "near", "entweder"},
        {"{\"service\":\"skip-container\",\"near\":{\"address\":\"Lindenallee 9\"},\"colour\":1}",
         400, NULL, "colour"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *doc = NULL;
        long st = post(&DEMO, "/v1/placements", cases[i].body, "de", &doc);
        const char *detail = json_string_value(json_object_get(doc, "detail"));
        if (st != cases[i].status || !detail || !strstr(detail, cases[i].detail_de))
            fail_msg("case %zu: %ld %s", i, st, detail ? detail : "(no detail)");
        if (cases[i].member)
            assert_string_equal(json_string_value(json_object_get(doc, "member")), cases[i].member);
        json_decref(doc);
    }
    /* the unknown address comes with similar ones */
    {
        json_t *doc = NULL;
        assert_int_equal(post(&DEMO, "/v1/placements",
                              "{\"service\":\"skip-container\",\"near\":{\"address\":\"Lindenalle "
                              "99\"}}",
                              "en", &doc),
                         422);
        assert_true(json_array_size(json_object_get(doc, "similar")) > 0);
        assert_true(json_array_size(json_object_get(doc, "similar")) <= 5);
        json_decref(doc);
    }
}

/* The editor's route: the draft's service and period, what is drawn kept. */
static void test_editor_route(void **state)
{
    char key[128], id[128], token[128], path[256], draft[512], body[4096];
    json_t *doc, *first, *fc;
    char *fc_text;

    (void)state;
    assert_int_equal(ts_forms_client_add(DEMO.srv.db, "placements-form", key), 0);
    snprintf(draft, sizeof draft,
             "{\"service\":\"skip-container\",\"reference\":\"PL-1\",\"period\":%s}", PERIOD);
    assert_int_equal(ts_forms_draft(&DEMO.srv, key, draft, id, token), 201);
    snprintf(path, sizeof path, "/v1/edit/%s/placements", token);
    doc = post_ok(&DEMO, path, "{\"near\":{\"address\":\"Lindenallee 9\"},\"limit\":1}", "de", 200);
    assert_int_equal(json_array_size(json_object_get(doc, "placements")), 1);
    assert_null(json_object_get(doc, "period_checked")); /* the draft has a period */
    first = json_object_get(json_array_get(json_object_get(doc, "placements"), 0), "features");
    fc_text = json_dumps(first, JSON_COMPACT);
    /* a second one next to the first: both in the answer, not overlapping */
    snprintf(body, sizeof body,
             "{\"near\":{\"address\":\"Lindenallee 9\"},\"limit\":1,\"features\":%s}", fc_text);
    json_decref(doc);
    doc = post_ok(&DEMO, path, body, "de", 200);
    fc = json_object_get(json_array_get(json_object_get(doc, "placements"), 0), "features");
    assert_int_equal(json_array_size(json_object_get(fc, "features")), 2);
    check_proposals(&DEMO, doc, 50);
    json_decref(doc);
    /* the period and the service come from the draft: the body may not name them */
    doc = NULL;
    assert_int_equal(post(&DEMO, path,
                          "{\"service\":\"info-stand\",\"near\":{\"address\":\"Lindenallee 9\"}}",
                          "en", &doc),
                     400);
    json_decref(doc);
    free(fc_text);
}

/* The city's own street space leaves the Lindenallee out. */
static void test_street_without_street_space(void **state)
{
    const char *dir = ts_tmpdir("api_placements_own");
    char gj[4096], map[4096], db[4096];
    FILE *f;
    ts_server srv;
    ts_server_opts o = {0};
    ts_run_result r = {0};
    json_t *doc;
    const char *de, *en;

    (void)state;
    /* one street-space polygon far from the Lindenallee, in CRS84 */
    snprintf(gj, sizeof gj, "%s/own_street_space.geojson", dir);
    f = fopen(gj, "w");
    assert_non_null(f);
    fputs("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},"
          "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[9.924,51.5415],[9.936,51.5415],"
          "[9.936,51.5416],[9.924,51.5416],[9.924,51.5415]]]}}]}",
          f);
    fclose(f);
    snprintf(map, sizeof map, "%s/own.json", dir);
    f = fopen(map, "w");
    assert_non_null(f);
    fputs("{\"layers\":{\"street_space\":{\"title\":\"Straßenraum\",\"source\":"
          "\"own_street_space\",\"geometry\":\"polygon\"}}}",
          f);
    fclose(f);
    snprintf(db, sizeof db, "%s/own.sqlite", dir);
    assert_int_equal(ts_run_import(db, getenv("GE_DEMO_OSM")), 0);
    {
        const char *argv[] = {NULL, "import", "--quiet", "--db", db, "--mapping", map, gj, NULL};
        assert_int_equal(ts_run(&r, NULL, argv), 0);
        if (r.status != 0) fail_msg("import: %s", r.err);
        ts_run_free(&r);
    }
    o.db = db;
    assert_int_equal(ts_server_start(&srv, "api_placements_own_srv", &o), 0);
    {
        world w = {.srv = srv};
        char body[256];
        snprintf(body, sizeof body,
                 "{\"service\":\"skip-container\",\"near\":{\"address\":\"Lindenallee 9\"}}");
        doc = post_ok(&w, "/v1/placements", body, "de", 200);
    }
    assert_int_equal(json_array_size(json_object_get(doc, "placements")), 0);
    de = json_string_value(
        json_object_get(json_array_get(json_object_get(doc, "reasons"), 0), "de"));
    en = json_string_value(
        json_object_get(json_array_get(json_object_get(doc, "reasons"), 0), "en"));
    assert_non_null(de);
    assert_non_null(en);
    assert_non_null(strstr(de, "Im Umkreis von 50 m"));
    assert_non_null(strstr(de, "Straßenraum"));
    assert_non_null(strstr(en, "Within 50 m"));
    assert_non_null(strstr(en, "street space"));
    json_decref(doc);
    assert_int_equal(ts_server_stop(&srv), 0);
}

/* ---- set-up --------------------------------------------------------------- */

/* Every address of the store inside the boundary, through the public API
 * (labels and CRS84 points). */
static int read_addresses(world *w)
{
    char url[256];
    ts_http_resp r = {0};
    json_t *doc, *f;
    size_t i;

    w->addresses = json_array();
    snprintf(url, sizeof url, "%s",
             ts_server_url(&w->srv, "/collections/addresses/items?limit=5000"));
    if (ts_http_get(url, &r) < 0 || r.status != 200) return -1;
    doc = json_loads(r.body, 0, NULL);
    ts_http_resp_free(&r);
    json_array_foreach(json_object_get(doc, "features"), i, f)
    {
        const char *label =
            json_string_value(json_object_get(json_object_get(f, "properties"), "label"));
        if (label) json_array_append_new(w->addresses, json_pack("{s:s}", "label", label));
    }
    json_decref(doc);
    return 0;
}

/* Addresses whose placement search would start outside the boundary are
 * left to the server to refuse; the test keeps those the boundary holds:
 * the ones the server answers with something other than "outside". */
static int keep_inside(world *w)
{
    json_t *kept = json_array(), *a;
    size_t i;

    json_array_foreach(w->addresses, i, a)
    {
        char body[512];
        json_t *doc = NULL;
        long st;
        snprintf(body, sizeof body,
                 "{\"service\":\"skip-container\",\"near\":{\"address\":\"%s\"},\"limit\":1,"
                 "\"max_distance_m\":1}",
                 json_string_value(json_object_get(a, "label")));
        st = post(w, "/v1/placements", body, "en", &doc);
        if (st == 200) json_array_append(kept, a);
        json_decref(doc);
        if (json_array_size(kept) >= 60) break;
    }
    json_decref(w->addresses);
    w->addresses = kept;
    return 0;
}

static int start_world(world *w, const char *osm)
{
    char db[4096], dirname[128];
    const char *dir;
    ts_server_opts o = {0};

    /* ts_server_start empties a directory named w->name: the store lives apart */
    snprintf(dirname, sizeof dirname, "%s_store", w->name);
    dir = ts_tmpdir(dirname);
    snprintf(db, sizeof db, "%s/store.sqlite", dir);
    if (ts_run_import(db, osm) < 0) return -1;
    o.db = db;
    if (ts_server_start(&w->srv, w->name, &o) < 0) return -1;
    w->up = true;
    return read_addresses(w);
}

/* A period that passes the skip container's lead time and length. */
static void set_period(void)
{
    ge_date today = ge_date_local(time(NULL));
    char s[16], e[16];

    ge_date_format_iso(today + 20, s, sizeof s);
    ge_date_format_iso(today + 22, e, sizeof e);
    snprintf(PERIOD, sizeof PERIOD, "{\"start\":\"%s\",\"end\":\"%s\"}", s, e);
}

static int start_demo(void **state)
{
    (void)state;
    set_period();
    return start_world(&DEMO, getenv("GE_DEMO_OSM"));
}

static int start_extract(void **state)
{
    const char *osm = ts_shared_osm();

    (void)state;
    set_period();
    if (!osm) return 0; /* its tests skip */
    if (start_world(&EXTRACT, osm) < 0) return -1;
    return keep_inside(&EXTRACT);
}

static int stop_world(void **state)
{
    int rc = 0;
    (void)state;
    for (world *w = &DEMO; w; w = w == &DEMO ? &EXTRACT : NULL) {
        if (w->up && ts_server_stop(&w->srv) != 0) rc = -1;
        w->up = false;
        json_decref(w->addresses);
        w->addresses = NULL;
    }
    return rc;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest demo[] = {
        cmocka_unit_test(test_demo_addresses),
        cmocka_unit_test(test_point_on_hydrant),
        cmocka_unit_test(test_locations_and_size_at_limit),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_editor_route),
        cmocka_unit_test(test_street_without_street_space),
    };
    const struct CMUnitTest extract[] = {
        cmocka_unit_test(test_extract_addresses),
    };
    /* test_api_placements_extract runs the second group, test_api_placements the first */
    if (ts_extract_part(argc, argv))
        return ts_exit(
            ts_run_group_tests_name("shared OSM extract", extract, start_extract, stop_world));
    return ts_exit(ts_run_group_tests_name("demo quarter", demo, start_demo, stop_world));
}
