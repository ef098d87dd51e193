/*
 * test_api_styles.c - GET /styles and /styles/{id} on the real server: the
 * list names every style of styles/ with its link; a style comes back as
 * written except that its root-relative source URLs carry the configured
 * public_url, or without it the server's own loopback address (or the Host
 * header when that names a loopback host, never another); ETag and 304;
 * CORS for browser maps on other origins; an unknown or malformed id is a
 * 404 problem naming the parameter and the known ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "ts_group.h"
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ts.h"
#include "ts_http.h"
#include "ts_server.h"

static ts_server srv, pub;
static bool up;

static int setup(void **state)
{
    const char *const args[] = {"--public-url", "https://geo.example.de/karte", NULL};
    ts_server_opts o = {.args = args};
    (void)state;
    if (ts_server_start(&srv, "api_styles", NULL) != 0) return -1;
    if (ts_server_start(&pub, "api_styles_pub", &o) != 0) return -1;
    up = true;
    return 0;
}

static int teardown(void **state)
{
    int rc = 0;
    (void)state;
    if (up) {
        if (ts_server_stop(&srv) != 0) rc = -1;
        if (ts_server_stop(&pub) != 0) rc = -1;
    }
    return rc;
}

static json_t *get_json(const ts_server *s, const char *path, const char *host, long status,
                        ts_http_resp *r)
{
    char h[160];
    const char *hdrs[] = {h, NULL};
    ts_http_req q = {.url = ts_server_url(s, path), .headers = host ? hdrs : NULL};
    json_t *doc;
    snprintf(h, sizeof h, "Host: %s", host ? host : "");
    assert_int_equal(ts_http(&q, r), 0);
    if (r->status != status)
        fail_msg("%s: %ld, expected %ld: %s", path, r->status, status, r->body);
    doc = json_loads(r->body, 0, NULL);
    assert_non_null(doc);
    return doc;
}

static const char *source_url(const json_t *doc, const char *source)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(doc, "sources"), source), "url"));
}

static void test_list(void **state)
{
    ts_http_resp r;
    json_t *doc = get_json(&srv, "/styles", "localhost:8080", 200, &r), *list;
    (void)state;

    list = json_object_get(doc, "styles");
    assert_int_equal(json_array_size(list), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "id")),
                        "basemap");
    /* a loopback Host (a browser on this machine) names the server */
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(json_array_get(list, 2), "links"), 0), "href")),
        "http://localhost:8080/styles/services");
    assert_string_equal(ts_http_header(&r, "Access-Control-Allow-Origin"), "*");
    json_decref(doc);
    ts_http_resp_free(&r);

    /* any other Host does not: the links name the address the server is bound to */
    doc = get_json(&srv, "/styles", "maps.example.org:8080", 200, &r);
    list = json_object_get(doc, "styles");
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(json_array_get(list, 2), "links"), 0), "href")),
        ts_server_url(&srv, "/styles/services"));
    assert_null(strstr(r.body, "maps.example.org"));
    json_decref(doc);
    ts_http_resp_free(&r);
}

static void test_style_urls(void **state)
{
    ts_http_resp r;
    json_t *doc;
    char inm[160];
    (void)state;

    doc = get_json(&srv, "/styles/basemap", "localhost:8080", 200, &r);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/vnd.mapbox.style+json");
    assert_int_equal(json_integer_value(json_object_get(doc, "version")), 8);
    assert_string_equal(source_url(doc, "basemap"),
                        "http://localhost:8080/tiles/basemap/WebMercatorQuad");
    assert_true(json_array_size(json_object_get(doc, "layers")) > 10);
    snprintf(inm, sizeof inm, "If-None-Match: %s", ts_http_header(&r, "ETag"));
    json_decref(doc);
    ts_http_resp_free(&r);
    {
        const char *hdrs[] = {"Host: localhost:8080", inm, NULL};
        ts_http_req q = {.url = ts_server_url(&srv, "/styles/basemap"), .headers = hdrs};
        assert_int_equal(ts_http(&q, &r), 0);
        assert_int_equal(r.status, 304);
        ts_http_resp_free(&r);
    }
    {
        /* another host: another document, so the old tag does not match */
        const char *hdrs[] = {"Host: 127.0.0.2:9", inm, NULL};
        ts_http_req q = {.url = ts_server_url(&srv, "/styles/basemap"), .headers = hdrs};
        assert_int_equal(ts_http(&q, &r), 0);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.body, "http://127.0.0.2:9/tiles/basemap"));
        ts_http_resp_free(&r);
    }
    {
        /* a Host that is not loopback never reaches the document */
        const char *hdrs[] = {"Host: evil.example", NULL};
        ts_http_req q = {.url = ts_server_url(&srv, "/styles/basemap"), .headers = hdrs};
        assert_int_equal(ts_http(&q, &r), 0);
        assert_int_equal(r.status, 200);
        assert_null(strstr(r.body, "evil.example"));
        assert_non_null(strstr(r.body, ts_server_url(&srv, "/tiles/basemap/WebMercatorQuad")));
        ts_http_resp_free(&r);
    }

    doc = get_json(&srv, "/styles/overlays", NULL, 200, &r);
    assert_string_equal(source_url(doc, "hydrants"),
                        ts_server_url(&srv, "/collections/hydrants/tiles/WebMercatorQuad"));
    json_decref(doc);
    ts_http_resp_free(&r);

    /* behind a proxy: public_url wins over the Host header */
    doc = get_json(&pub, "/styles/overlays", "internal:9000", 200, &r);
    assert_string_equal(source_url(doc, "trees"),
                        "https://geo.example.de/karte/collections/trees/tiles/WebMercatorQuad");
    json_decref(doc);
    ts_http_resp_free(&r);

    /* the services style's GeoJSON source is inline and stays so */
    doc = get_json(&srv, "/styles/services", NULL, 200, &r);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(json_object_get(doc, "sources"), "features"), "data"),
            "type")),
        "FeatureCollection");
    json_decref(doc);
    ts_http_resp_free(&r);
}

static void test_unknown(void **state)
{
    static const char *const paths[] = {"/styles/nope", "/styles/Basemap", "/styles/..%2Fdata",
                                        "/styles/basemap.json"};
    (void)state;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        ts_http_resp r;
        json_t *doc = get_json(&srv, paths[i], NULL, 404, &r);
        assert_string_equal(ts_http_header(&r, "Content-Type"), "application/problem+json");
        assert_string_equal(json_string_value(json_object_get(doc, "parameter")), "id");
        assert_non_null(strstr(json_string_value(json_object_get(doc, "detail")),
                               "basemap, overlays, services"));
        assert_int_equal(json_array_size(json_object_get(doc, "known")), 3);
        json_decref(doc);
        ts_http_resp_free(&r);
    }
    {
        ts_http_resp r;
        const char *hdrs[] = {"Accept-Language: de", NULL};
        ts_http_req q = {.url = ts_server_url(&srv, "/styles/nope"), .headers = hdrs};
        assert_int_equal(ts_http(&q, &r), 0);
        assert_int_equal(r.status, 404);
        assert_non_null(strstr(r.body, "Es gibt keinen Stil 'nope'"));
        ts_http_resp_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_style_urls),
        cmocka_unit_test(test_unknown),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
