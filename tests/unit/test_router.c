/*
 * test_router.c - the route table (server/router.h): pattern checks, matching
 * with parameters, percent-decoding per segment, the most specific route
 * winning, HEAD via GET, 404/405 with the Allow list, bad paths, the metric
 * names, and the redacted path for logs. No server needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <stdio.h>
#include <string.h>

#include "router.h"
#include "ts.h"

static int handler_a(struct ge_req *req, struct ge_resp *resp, void *ud)
{
    return 0;
}

static int handler_b(struct ge_req *req, struct ge_resp *resp, void *ud)
{
    return 0;
}

static ge_router *make_router(void)
{
    ge_router *r = ge_router_new();
    ge_err err = {0};
    static const struct {
        const char *method, *pattern;
    } routes[] = {
        {"GET", "/healthz"},
        {"GET", "/collections"},
        {"GET", "/collections/{id}"},
        {"GET", "/collections/{id}/items"},
        {"GET", "/collections/{id}/items/{featureId}"},
        {"GET", "/collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}"},
        {"POST", "/v1/drafts"},
        {"GET", "/v1/drafts/{id}"},
        {"GET", "/v1/cases/export"},
        {"GET", "/v1/cases/{id}"},
        {"PATCH", "/v1/cases/{id}"},
        {"GET", "/v1/edit/{token}/features"},
        {"PUT", "/v1/edit/{token}/features"},
        {"GET", "/review/"},
    };

    assert_non_null(r);
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (ge_router_add(r, routes[i].method, routes[i].pattern, handler_a,
                          (void *)routes[i].pattern, &err) != GE_OK)
            fail_msg("ge_router_add %s %s: %s", routes[i].method, routes[i].pattern, err.msg);
    if (ge_router_add_flags(r, "GET", "/tiles/basemap/WebMercatorQuad/{z}/{y}/{x}", handler_b, NULL,
                            GE_ROUTE_CORS, &err) != GE_OK)
        fail_msg("ge_router_add_flags: %s", err.msg);
    return r;
}

static void test_literal_and_params(void **state)
{
    ge_router *r = make_router();
    ge_route_match m;

    assert_int_equal(ge_router_match(r, "GET", "/healthz", &m), GE_OK);
    assert_int_equal(m.kind, GE_MATCH_OK);
    assert_string_equal(m.route->pattern, "/healthz");
    assert_int_equal(m.n_params, 0);
    ge_route_match_clear(&m);

    ge_router_match(r, "GET", "/collections/hydrants/items/42", &m);
    assert_int_equal(m.kind, GE_MATCH_OK);
    assert_string_equal(m.route->pattern, "/collections/{id}/items/{featureId}");
    assert_ptr_equal(m.route->ud, "/collections/{id}/items/{featureId}");
    assert_int_equal(m.n_params, 2);
    assert_string_equal(ge_route_match_param(&m, "id"), "hydrants");
    assert_string_equal(ge_route_match_param(&m, "featureId"), "42");
    assert_null(ge_route_match_param(&m, "nope"));
    ge_route_match_clear(&m);

    /* OGC order: row y, then column x */
    ge_router_match(r, "GET", "/collections/trees/tiles/WebMercatorQuad/15/11001/17602", &m);
    assert_int_equal(m.kind, GE_MATCH_OK);
    assert_string_equal(ge_route_match_param(&m, "z"), "15");
    assert_string_equal(ge_route_match_param(&m, "y"), "11001");
    assert_string_equal(ge_route_match_param(&m, "x"), "17602");
    ge_route_match_clear(&m);

    ge_router_match(r, "GET", "/tiles/basemap/WebMercatorQuad/1/0/1", &m);
    assert_int_equal(m.kind, GE_MATCH_OK);
    assert_ptr_equal(m.route->fn, handler_b);
    assert_true(m.cors);
    ge_route_match_clear(&m);
    ge_router_free(r);
}

static void test_percent_decoding(void **state)
{
    ge_router *r = make_router();
    ge_route_match m;

    ge_router_match(r, "GET", "/collections/street%20space", &m);
    assert_int_equal(m.kind, GE_MATCH_OK);
    assert_string_equal(ge_route_match_param(&m, "id"), "street space");
    ge_route_match_clear(&m);

    /* An encoded slash stays inside its segment: it does not make a new one. */
    ge_router_match(r, "GET", "/collections/a%2Fb/items", &m);
    assert_int_equal(m.kind, GE_MATCH_OK);
    assert_string_equal(m.route->pattern, "/collections/{id}/items");
    assert_string_equal(ge_route_match_param(&m, "id"), "a/b");
    ge_route_match_clear(&m);

    /* UTF-8 and '+' (not a space in a path) */
    ge_router_match(r, "GET", "/collections/Stra%C3%9Fe+1", &m);
    assert_string_equal(ge_route_match_param(&m, "id"), "Stra\xc3\x9f"
                                                        "e+1");
    ge_route_match_clear(&m);

    /* Literal segments are compared decoded too. */
    ge_router_match(r, "GET", "/%68ealthz", &m);
    assert_int_equal(m.kind, GE_MATCH_OK);
    ge_route_match_clear(&m);
    ge_router_free(r);
}

static void test_bad_paths(void **state)
{
    ge_router *r = make_router();
    ge_route_match m;
    char deep[200] = "";
    const char *bad[] = {"/collections/%zz", "/collections/%4",  "/collections/%",
                         "/a%00b",           "no-leading-slash", "*"};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ge_router_match(r, "GET", bad[i], &m), GE_OK);
        if (m.kind != GE_MATCH_BAD_PATH)
            fail_msg("'%s' should be a bad path, got kind %d", bad[i], m.kind);
        assert_null(m.route);
        ge_route_match_clear(&m);
    }
    for (int i = 0; i <= GE_ROUTER_MAX_SEGMENTS; i++)
        strcat(deep, "/a");
    ge_router_match(r, "GET", deep, &m);
    assert_int_equal(m.kind, GE_MATCH_BAD_PATH);
    ge_route_match_clear(&m);
    ge_router_free(r);
}

static void test_pct_decode(void **state)
{
    char out[64];
    size_t n;

    assert_int_equal(ge_router_pct_decode("a%41%2f%2F", 10, out, &n), GE_OK);
    assert_string_equal(out, "aA//");
    assert_int_equal(n, 4);
    assert_int_equal(ge_router_pct_decode("abc", 2, out, &n), GE_OK);
    assert_string_equal(out, "ab");
    assert_int_equal(ge_router_pct_decode("%g1", 3, out, &n), GE_EINVAL);
    assert_int_equal(ge_router_pct_decode("%1", 2, out, &n), GE_EINVAL);
    assert_int_equal(ge_router_pct_decode("a%00", 4, out, &n), GE_EINVAL);
    /* The escape must lie inside len, even if the string goes on. */
    assert_int_equal(ge_router_pct_decode("a%41", 3, out, &n), GE_EINVAL);
}

static void test_specific_route_wins(void **state)
{
    ge_router *r = make_router();
    ge_route_match m;

    ge_router_match(r, "GET", "/v1/cases/export", &m);
    assert_string_equal(m.route->pattern, "/v1/cases/export");
    assert_int_equal(m.n_params, 0);
    ge_route_match_clear(&m);

    ge_router_match(r, "GET", "/v1/cases/c-17", &m);
    assert_string_equal(m.route->pattern, "/v1/cases/{id}");
    assert_string_equal(ge_route_match_param(&m, "id"), "c-17");
    ge_route_match_clear(&m);

    /* PATCH has only the parameter route: it must not be shadowed by the GET literal. */
    ge_router_match(r, "PATCH", "/v1/cases/export", &m);
    assert_int_equal(m.kind, GE_MATCH_OK);
    assert_string_equal(m.route->pattern, "/v1/cases/{id}");
    ge_route_match_clear(&m);
    ge_router_free(r);
}

static void test_not_found(void **state)
{
    ge_router *r = make_router();
    ge_route_match m;
    const char *paths[] = {"/",
                           "/nope",
                           "/healthz/",
                           "/collections/",
                           "/collections//items",
                           "/collections/a/items/b/c",
                           "/review"};

    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        ge_router_match(r, "GET", paths[i], &m);
        if (m.kind != GE_MATCH_NO_PATH)
            fail_msg("'%s' should not match, got kind %d", paths[i], m.kind);
        assert_null(m.route);
        ge_route_match_clear(&m);
    }
    /* The trailing slash is part of the pattern. */
    ge_router_match(r, "GET", "/review/", &m);
    assert_int_equal(m.kind, GE_MATCH_OK);
    ge_route_match_clear(&m);
    ge_router_free(r);
}

static void test_method_not_allowed(void **state)
{
    ge_router *r = make_router();
    ge_route_match m;

    ge_router_match(r, "POST", "/healthz", &m);
    assert_int_equal(m.kind, GE_MATCH_NO_METHOD);
    assert_string_equal(m.allow, "GET, HEAD, OPTIONS");
    /* the route of the path, for labels only */
    assert_string_equal(m.route->pattern, "/healthz");
    ge_route_match_clear(&m);

    ge_router_match(r, "DELETE", "/v1/edit/tok/features", &m);
    assert_int_equal(m.kind, GE_MATCH_NO_METHOD);
    assert_string_equal(m.allow, "GET, PUT, HEAD, OPTIONS");
    ge_route_match_clear(&m);

    ge_router_match(r, "GET", "/v1/drafts", &m);
    assert_int_equal(m.kind, GE_MATCH_NO_METHOD);
    assert_string_equal(m.allow, "POST, OPTIONS");
    ge_route_match_clear(&m);

    /* OPTIONS has no route of its own: the server answers it from allow. */
    ge_router_match(r, "OPTIONS", "/tiles/basemap/WebMercatorQuad/0/0/0", &m);
    assert_int_equal(m.kind, GE_MATCH_NO_METHOD);
    assert_true(m.cors);
    assert_string_equal(m.allow, "GET, HEAD, OPTIONS");
    ge_route_match_clear(&m);
    ge_router_free(r);
}

static void test_head_uses_get(void **state)
{
    ge_router *r = make_router();
    ge_err err = {0};
    ge_route_match m;

    ge_router_match(r, "HEAD", "/collections/x", &m);
    assert_int_equal(m.kind, GE_MATCH_OK);
    assert_string_equal(m.route->method, "GET");
    ge_route_match_clear(&m);

    /* An explicit HEAD route wins over GET. */
    assert_int_equal(ge_router_add(r, "HEAD", "/collections/{id}", handler_b, NULL, &err), GE_OK);
    ge_router_match(r, "HEAD", "/collections/x", &m);
    assert_ptr_equal(m.route->fn, handler_b);
    ge_route_match_clear(&m);

    ge_router_match(r, "HEAD", "/v1/drafts", &m);
    assert_int_equal(m.kind, GE_MATCH_NO_METHOD);
    ge_route_match_clear(&m);
    ge_router_free(r);
}

static void test_bad_registrations(void **state)
{
    ge_router *r = ge_router_new();
    ge_err err = {0};

    assert_int_equal(ge_router_add(r, "GET", "/a/{id}", handler_a, NULL, &err), GE_OK);
    assert_int_equal(ge_router_add(r, "GET", "/a/{id}", handler_a, NULL, &err), GE_ECONFLICT);
    assert_non_null(strstr(err.msg, "twice"));
    assert_int_equal(ge_router_add(r, "POST", "/a/{id}", handler_a, NULL, &err), GE_OK);
    assert_int_equal(ge_router_add(r, "GET", "a", handler_a, NULL, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "'/'"));
    assert_int_equal(ge_router_add(r, "GET", "/a/{1x}", handler_a, NULL, &err), GE_EINVAL);
    assert_int_equal(ge_router_add(r, "GET", "/a/x{id}", handler_a, NULL, &err), GE_EINVAL);
    assert_int_equal(ge_router_add(r, "GET", "/a/%41", handler_a, NULL, &err), GE_EINVAL);
    assert_int_equal(ge_router_add(r, "get", "/b", handler_a, NULL, &err), GE_EINVAL);
    assert_int_equal(ge_router_add(r, "GET", "/b", NULL, NULL, &err), GE_EINVAL);
    assert_int_equal(
        ge_router_add(r, "GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", handler_a, NULL, &err),
        GE_EINVAL);
    /* Two methods on one pattern make one metric name. */
    assert_int_equal(ge_router_name_count(r), 1);
    assert_string_equal(ge_router_name(r, 0), "/a/{id}");
    assert_null(ge_router_name(r, 1));
    ge_router_free(r);
}

static void test_log_path(void **state)
{
    ge_router *r = make_router();
    ge_route_match m;
    char out[256];

    /* A parameter named token never reaches a log. */
    ge_router_match(r, "PUT", "/v1/edit/Zm9vYmFyYmF6cXV1eA-secret/features", &m);
    assert_int_equal(m.kind, GE_MATCH_OK);
    assert_true(m.params[0].secret);
    ge_router_log_path(&m, "/v1/edit/Zm9vYmFyYmF6cXV1eA-secret/features", out, sizeof out);
    assert_string_equal(out, "/v1/edit/{token}/features");
    ge_route_match_clear(&m);

    /* ... also when the method is wrong */
    ge_router_match(r, "DELETE", "/v1/edit/Zm9vYmFyYmF6cXV1eA-secret/features", &m);
    ge_router_log_path(&m, "/v1/edit/Zm9vYmFyYmF6cXV1eA-secret/features", out, sizeof out);
    assert_string_equal(out, "/v1/edit/{token}/features");
    ge_route_match_clear(&m);

    ge_router_match(r, "GET", "/collections/hydrants/items/7", &m);
    ge_router_log_path(&m, "/collections/hydrants/items/7", out, sizeof out);
    assert_string_equal(out, "/collections/hydrants/items/7");
    ge_route_match_clear(&m);

    /* Unmatched: segments that look like tokens are hidden, the rest kept. */
    ge_router_match(r, "GET", "/edit/AbCdEfGhIjKlMnOpQrStUvWxYz012345/x", &m);
    ge_router_log_path(&m, "/edit/AbCdEfGhIjKlMnOpQrStUvWxYz012345/x", out, sizeof out);
    assert_string_equal(out, "/edit/{redacted}/x");
    ge_route_match_clear(&m);

    /* cut to the buffer */
    ge_router_log_path(NULL, "/abcdefghij", out, 6);
    assert_string_equal(out, "/abcd");
    ge_router_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_and_params),  cmocka_unit_test(test_percent_decoding),
        cmocka_unit_test(test_bad_paths),           cmocka_unit_test(test_pct_decode),
        cmocka_unit_test(test_specific_route_wins), cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_method_not_allowed),  cmocka_unit_test(test_head_uses_get),
        cmocka_unit_test(test_bad_registrations),   cmocka_unit_test(test_log_path),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
