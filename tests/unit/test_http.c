/*
 * test_http.c - the handler-facing HTTP helpers (server/http.h) without a
 * server: Accept-Language and Accept-Encoding parsing, GE_E* to status,
 * problem documents (members, languages, extension members, no internals on
 * 5xx), response builders and headers, query and body accessors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json_util.h"
#include "log.h"
#include "ts.h"

static void test_lang(void **state)
{
    assert_int_equal(ge_http_lang_from_header(NULL), GE_LANG_EN);
    assert_int_equal(ge_http_lang_from_header(""), GE_LANG_EN);
    assert_int_equal(ge_http_lang_from_header("de"), GE_LANG_DE);
    assert_int_equal(ge_http_lang_from_header("de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7"), GE_LANG_DE);
    assert_int_equal(ge_http_lang_from_header("en-GB,en;q=0.9,de;q=0.8"), GE_LANG_EN);
    assert_int_equal(ge_http_lang_from_header("fr-FR, de;q=0.5"), GE_LANG_DE);
    assert_int_equal(ge_http_lang_from_header("en;q=0.4, de;q=0.6"), GE_LANG_DE);
    assert_int_equal(ge_http_lang_from_header("de;q=0, en"), GE_LANG_EN);
    assert_int_equal(ge_http_lang_from_header("DE-at"), GE_LANG_DE);
    /* "dexx" is not German; equal weights: the first listed wins */
    assert_int_equal(ge_http_lang_from_header("dexx"), GE_LANG_EN);
    assert_int_equal(ge_http_lang_from_header("en, de"), GE_LANG_EN);
    assert_int_equal(ge_http_lang_from_header("de, en"), GE_LANG_DE);

    /* another default (the OGC API's HTML pages: German) for headers that
     * name neither language; a named one still wins */
    assert_int_equal(ge_http_lang_from_header_or(NULL, GE_LANG_DE), GE_LANG_DE);
    assert_int_equal(ge_http_lang_from_header_or("", GE_LANG_DE), GE_LANG_DE);
    assert_int_equal(ge_http_lang_from_header_or("fr-FR,fr;q=0.9", GE_LANG_DE), GE_LANG_DE);
    assert_int_equal(ge_http_lang_from_header_or("en-US,en;q=0.9", GE_LANG_DE), GE_LANG_EN);
    assert_int_equal(ge_http_lang_from_header_or("fr, en;q=0.1", GE_LANG_DE), GE_LANG_EN);
    assert_int_equal(ge_http_lang_from_header_or("en;q=0", GE_LANG_DE), GE_LANG_DE);
    assert_int_equal(ge_http_lang_from_header_or("de;q=0.5, en", GE_LANG_DE), GE_LANG_EN);
    assert_int_equal(ge_http_lang_from_header_or("fr", GE_LANG_EN), GE_LANG_EN);
}

static void test_accepts_gzip(void **state)
{
    assert_false(ge_http_accepts_gzip(NULL));
    assert_true(ge_http_accepts_gzip("gzip"));
    assert_true(ge_http_accepts_gzip("deflate, gzip;q=1.0, br"));
    assert_true(ge_http_accepts_gzip("br, *"));
    assert_true(ge_http_accepts_gzip("x-gzip"));
    assert_false(ge_http_accepts_gzip("gzip;q=0"));
    assert_false(ge_http_accepts_gzip("identity"));
    assert_false(ge_http_accepts_gzip("gzipx, br"));
}

static void test_status_mapping(void **state)
{
    assert_int_equal(ge_http_status_for_code(GE_EINVAL), 400);
    assert_int_equal(ge_http_status_for_code(GE_ENOENT), 404);
    assert_int_equal(ge_http_status_for_code(GE_ECONFLICT), 409);
    assert_int_equal(ge_http_status_for_code(GE_EGONE), 410);
    assert_int_equal(ge_http_status_for_code(GE_ELIMIT), 422);
    assert_int_equal(ge_http_status_for_code(GE_EIO), 500);
    assert_int_equal(ge_http_status_for_code(GE_EINTERNAL), 500);
    assert_int_equal(ge_http_status_for_code(GE_ENOMEM), 500);
    assert_string_equal(ge_http_status_title(404, GE_LANG_EN), "Not Found");
    assert_string_equal(ge_http_status_title(404, GE_LANG_DE), "Nicht gefunden");
    assert_string_equal(ge_http_status_title(413, GE_LANG_DE), "Anfrage zu groß");
    /* an unknown code falls back to its class */
    assert_string_equal(ge_http_status_title(499, GE_LANG_EN), "Bad Request");
    assert_string_equal(ge_http_status_title(599, GE_LANG_EN), "Internal Server Error");
    assert_string_equal(ge_http_problem_type(431), "urn:geoeditor:problem:header-too-large");
}

static ge_req fake_req(ge_lang lang)
{
    ge_req req;
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.path = "/collections/x/items";
    req.lang = lang;
    strcpy(req.request_id, "abc123");
    return req;
}

static void test_problem(void **state)
{
    ge_req req = fake_req(GE_LANG_EN);
    ge_resp resp;
    json_t *p;

    ge_resp_init(&resp);
    p = ge_resp_problem(
        &resp, &req, 400,
        GE_TR(&req, DE("limit muss von 1 bis %d sein"), EN("limit must be from 1 to %d")), 10000);
    assert_non_null(p);
    json_object_set_new(p, "parameter", json_string("limit"));
    assert_int_equal(resp.status, 400);
    assert_string_equal(resp.content_type, "application/problem+json");
    assert_string_equal(json_string_value(json_object_get(p, "type")),
                        "urn:geoeditor:problem:bad-request");
    assert_string_equal(json_string_value(json_object_get(p, "title")), "Bad Request");
    assert_int_equal(json_integer_value(json_object_get(p, "status")), 400);
    assert_string_equal(json_string_value(json_object_get(p, "detail")),
                        "limit must be from 1 to 10000");
    assert_string_equal(json_string_value(json_object_get(p, "instance")), "/collections/x/items");
    assert_string_equal(ge_resp_header_get(&resp, "Content-Language"), "en");
    ge_resp_clear(&resp);

    req = fake_req(GE_LANG_DE);
    ge_resp_init(&resp);
    p = ge_resp_problem(
        &resp, &req, 400,
        GE_TR(&req, DE("limit muss von 1 bis %d sein"), EN("limit must be from 1 to %d")), 5);
    assert_string_equal(json_string_value(json_object_get(p, "title")), "Ungültige Anfrage");
    assert_string_equal(json_string_value(json_object_get(p, "detail")),
                        "limit muss von 1 bis 5 sein");
    assert_string_equal(ge_resp_header_get(&resp, "Content-Language"), "de");

    /* a detail quoting bytes that are not UTF-8 still makes a problem, and
     * keeps its text with U+FFFD for each such byte */
    p = ge_resp_problem(&resp, &req, 404, "no layer '%s'", "\xff\xfe");
    assert_non_null(p);
    assert_string_equal(json_string_value(json_object_get(p, "detail")),
                        "no layer '\xef\xbf\xbd\xef\xbf\xbd'");
    /* a quote cut to 64 bytes inside a character (a-umlaut at 63..64) */
    p = ge_resp_problem(&resp, &req, 400, "bad '%.64s'",
                        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa4");
    assert_string_equal(
        json_string_value(json_object_get(p, "detail")),
        "bad 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xef\xbf\xbd'");
    ge_resp_clear(&resp);
}

/* ge_json_string_lossy (geo/core/json_util.h): well-formed UTF-8 unchanged,
 * every byte of a malformed sequence one U+FFFD */
static void test_json_string_lossy(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", ""},
        {"plain", "plain"},
        {"Stra\xc3\x9f"
         "e \xe2\x82\xac \xf0\x9f\x97\xba",
         "Stra\xc3\x9f"
         "e \xe2\x82\xac \xf0\x9f\x97\xba"},
        {"\xd0", "\xef\xbf\xbd"},
        {"a\xc3", "a\xef\xbf\xbd"},
        {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},                 /* overlong '/' */
        {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* a surrogate */
        {"\xf4\x90\x80\x80x", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx"}, /* > U+10FFFF */
        {"\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *v = ge_json_string_lossy(cases[i].in);
        assert_non_null(v);
        assert_string_equal(json_string_value(v), cases[i].out);
        json_decref(v);
    }
}

static void test_error_hides_internals(void **state)
{
    ge_req req = fake_req(GE_LANG_EN);
    ge_resp resp;
    ge_err err;
    const char *detail;

    ge_log_set_level(GE_LOG_ERROR + 1); /* keep the test output quiet */
    ge_resp_init(&resp);
    ge_err_set(&err, GE_ENOENT, "collection 'foo' does not exist");
    assert_int_equal(ge_resp_error(&resp, &req, &err), GE_ENOENT);
    assert_int_equal(resp.status, 404);
    assert_string_equal(json_string_value(json_object_get(resp.problem, "detail")),
                        "collection 'foo' does not exist");

    ge_err_set(&err, GE_EIO, "sqlite: disk I/O error in /var/lib/geoeditor/secret.db");
    assert_int_equal(ge_resp_error(&resp, &req, &err), GE_EIO);
    assert_int_equal(resp.status, 500);
    detail = json_string_value(json_object_get(resp.problem, "detail"));
    assert_null(strstr(detail, "sqlite"));
    assert_null(strstr(detail, "secret.db"));
    assert_non_null(strstr(detail, "abc123")); /* the reference to the log */
    ge_resp_clear(&resp);
    ge_log_set_level(GE_LOG_INFO);
}

static void test_builders_and_headers(void **state)
{
    ge_resp resp;

    ge_resp_init(&resp);
    assert_int_equal(ge_resp_json(&resp, 201, json_pack("{s:s, s:i}", "id", "d1", "n", 2)), GE_OK);
    assert_int_equal(resp.status, 201);
    assert_int_equal(resp.kind, GE_BODY_BYTES);
    assert_string_equal(resp.body, "{\"id\":\"d1\",\"n\":2}");
    assert_string_equal(resp.content_type, "application/json");
    assert_true(resp.compressible);

    /* a NULL document (failed json_pack) is a 500, not a crash */
    assert_int_equal(ge_resp_json(&resp, 200, NULL), GE_ENOMEM);
    assert_int_equal(resp.status, 500);

    assert_int_equal(ge_resp_bytes(&resp, 200, "image/png", "\x89PNG", 4), GE_OK);
    assert_false(resp.compressible);
    assert_int_equal(resp.body_len, 4);

    ge_resp_header(&resp, "Link", "<a>");
    ge_resp_header(&resp, "link", "<b>");
    assert_int_equal(resp.n_headers, 1);
    assert_string_equal(ge_resp_header_get(&resp, "LINK"), "<b>");
    ge_resp_cache(&resp, "public, max-age=60");
    assert_string_equal(ge_resp_header_get(&resp, "Cache-Control"), "public, max-age=60");

    ge_resp_etag(&resp, "v1");
    assert_string_equal(resp.etag, "\"v1\"");
    ge_resp_bytes(&resp, 200, "text/plain", "abc", 3);
    ge_resp_etag_body(&resp);
    assert_int_equal(strlen(resp.etag), 18);

    /* a 304 keeps the type of the representation (the server chooses the
     * same CSP and Vary as for the 200), the headers and the ETag, no body */
    assert_int_equal(ge_resp_not_modified(&resp, "text/html; charset=utf-8"), GE_OK);
    assert_int_equal(resp.status, 304);
    assert_int_equal(resp.kind, GE_BODY_NONE);
    assert_null(resp.body);
    assert_string_equal(resp.content_type, "text/html; charset=utf-8");
    assert_true(resp.compressible);
    assert_string_equal(ge_resp_header_get(&resp, "Cache-Control"), "public, max-age=60");
    assert_int_equal(strlen(resp.etag), 18);

    assert_int_equal(ge_resp_empty(&resp, 204), GE_OK);
    assert_int_equal(resp.kind, GE_BODY_NONE);
    assert_string_equal(resp.content_type, "");
    ge_resp_clear(&resp);
    assert_int_equal(resp.n_headers, 0);
}

static void test_query_and_body(void **state)
{
    ge_req req = fake_req(GE_LANG_EN);
    ge_query_arg args[] = {{"limit", "10"}, {"bbox", "1,2,3,4"}, {"limit", "20"}};
    ge_resp resp;
    json_t *doc;

    req.query = args;
    req.n_query = 3;
    assert_string_equal(ge_req_query(&req, "limit"), "10");
    assert_string_equal(ge_req_query(&req, "bbox"), "1,2,3,4");
    assert_null(ge_req_query(&req, "crs"));
    assert_int_equal(ge_req_query_count(&req), 3);
    assert_string_equal(ge_req_query_at(&req, 2)->value, "20");
    assert_null(ge_req_query_at(&req, 3));
    assert_null(ge_req_header(&req, "Accept")); /* no connection: no headers */
    assert_null(ge_req_param(&req, "id"));

    ge_resp_init(&resp);
    req.body = "{\"a\": [1, 2]}";
    req.body_len = strlen(req.body);
    assert_int_equal(ge_req_body_json(&req, &resp, &doc), GE_OK);
    assert_int_equal(json_array_size(json_object_get(doc, "a")), 2);
    json_decref(doc);

    req.body = "{\"a\": 1,\n \"b\": }";
    req.body_len = strlen(req.body);
    assert_int_equal(ge_req_body_json(&req, &resp, &doc), GE_EINVAL);
    assert_null(doc);
    assert_int_equal(resp.status, 400);
    assert_int_equal(json_integer_value(json_object_get(resp.problem, "line")), 2);

    req.body = "{\"a\": 1, \"a\": 2}";
    req.body_len = strlen(req.body);
    assert_int_equal(ge_req_body_json(&req, &resp, &doc), GE_EINVAL);

    req.body = "";
    req.body_len = 0;
    assert_int_equal(ge_req_body_json(&req, &resp, &doc), GE_EINVAL);
    assert_non_null(strstr(json_string_value(json_object_get(resp.problem, "detail")), "empty"));
    ge_resp_clear(&resp);
}

static void test_parse_long(void **state)
{
    ge_req req = fake_req(GE_LANG_EN);
    ge_resp resp;
    long v = 7;
    const char *bad[] = {"",     "abc",   "12abc", " 12", "+12",
                         "0x10", "10001", "0",     "1.5", "99999999999999999999999"};

    ge_resp_init(&resp);
    assert_int_equal(ge_req_parse_long(&req, &resp, "limit", NULL, 1, 10000, &v), GE_ENOENT);
    assert_int_equal(v, 7);
    assert_int_equal(resp.status, 0);
    assert_int_equal(ge_req_parse_long(&req, &resp, "limit", "250", 1, 10000, &v), GE_OK);
    assert_int_equal(v, 250);
    assert_int_equal(ge_req_parse_long(&req, &resp, "z", "-3", -5, 5, &v), GE_OK);
    assert_int_equal(v, -3);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (ge_req_parse_long(&req, &resp, "limit", bad[i], 1, 10000, &v) != GE_EINVAL)
            fail_msg("'%s' was accepted", bad[i]);
        assert_int_equal(resp.status, 400);
        assert_string_equal(json_string_value(json_object_get(resp.problem, "parameter")), "limit");
    }
    assert_string_equal(json_string_value(json_object_get(resp.problem, "detail")),
                        "limit must be an integer from 1 to 10000; got "
                        "'99999999999999999999999'.");
    assert_int_equal(json_integer_value(json_object_get(resp.problem, "maximum")), 10000);
    ge_resp_clear(&resp);
}

static void test_base_url(void **state)
{
    ge_req req = fake_req(GE_LANG_EN);
    ge_config cfg;
    ge_ctx ctx;
    char url[256];

    memset(&cfg, 0, sizeof cfg);
    memset(&ctx, 0, sizeof ctx);
    ctx.cfg = &cfg;
    req.ctx = &ctx;
    ge_req_base_url(&req, url, sizeof url);
    assert_string_equal(url, "http://localhost"); /* no Host header without a connection */
    /* the address the server bound (server.c fills it in) */
    strcpy(ctx.self_url, "http://127.0.0.1:8080");
    ge_req_base_url(&req, url, sizeof url);
    assert_string_equal(url, "http://127.0.0.1:8080");
    strcpy(cfg.public_url, "https://geo.example-stadt.de/geoeditor/");
    ge_req_base_url(&req, url, sizeof url);
    assert_string_equal(url, "https://geo.example-stadt.de/geoeditor");
}

/* Which Host headers may shape links when public_url is unset. */
static void test_host_is_loopback(void **state)
{
    static const char *const yes[] = {"localhost", "localhost:8080", "LocalHost:1",
                                      "127.0.0.1", "127.0.0.1:8080", "127.1.2.3:65535",
                                      "[::1]",     "[::1]:8080",     "[0:0:0:0:0:0:0:1]:80"};
    static const char *const no[] = {NULL,
                                     "",
                                     "evil.example",
                                     "evil.example:8080",
                                     "localhost.evil.example",
                                     "localhost:",
                                     "localhost:8x",
                                     "localhost:123456",
                                     "127.0.0.1:80:80",
                                     "128.0.0.1",
                                     "127.0.0.1.evil.example",
                                     "127.1",
                                     "[::2]:8080",
                                     "[::1",
                                     "[::1]x",
                                     "[::ffff:127.0.0.1]",
                                     "10.0.0.1:8080",
                                     "localhost/evil",
                                     "localhost:80/x",
                                     "[::1]:80\"><script>"};
    (void)state;

    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!ge_http_host_is_loopback(yes[i])) fail_msg("'%s' should count as loopback", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (ge_http_host_is_loopback(no[i]))
            fail_msg("'%s' should not count as loopback", no[i] ? no[i] : "(null)");
}

static int cleanups_run;

static void count_cleanup(void *ud)
{
    cleanups_run += *(int *)ud;
}

static void test_ctx_on_stop(void **state)
{
    ge_ctx ctx;
    int one = 1;

    memset(&ctx, 0, sizeof ctx);
    assert_int_equal(ge_ctx_on_stop(&ctx, count_cleanup, &one), GE_OK);
    assert_int_equal(ge_ctx_on_stop(&ctx, count_cleanup, &one), GE_OK);
    assert_int_equal(ctx.n_cleanups, 2);
    for (size_t i = ctx.n_cleanups; i-- > 0;)
        ctx.cleanups[i].fn(ctx.cleanups[i].ud);
    assert_int_equal(cleanups_run, 2);
    free(ctx.cleanups);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lang),
        cmocka_unit_test(test_accepts_gzip),
        cmocka_unit_test(test_status_mapping),
        cmocka_unit_test(test_problem),
        cmocka_unit_test(test_error_hides_internals),
        cmocka_unit_test(test_builders_and_headers),
        cmocka_unit_test(test_query_and_body),
        cmocka_unit_test(test_json_string_lossy),
        cmocka_unit_test(test_parse_long),
        cmocka_unit_test(test_base_url),
        cmocka_unit_test(test_host_is_loopback),
        cmocka_unit_test(test_ctx_on_stop),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
