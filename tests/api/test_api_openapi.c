/*
 * test_api_openapi.c - the OpenAPI document: a maintained linter
 * (@redocly/cli from web/node_modules) finds no error in data/openapi.json,
 * and GET /api of the real server serves that document with an ETag that
 * gives 304, gzip when asked, and a 400 naming f for a format it lacks.
 * (That every route is in the document: tests/unit/test_openapi_routes.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ts.h"
#include "ts_http.h"
#include "ts_run.h"
#include "ts_server.h"

static ts_server srv;

static int setup(void **state)
{
    ts_server_opts o = {0};
    (void)state;
    return ts_server_start(&srv, "api_openapi", &o);
}

static int teardown(void **state)
{
    (void)state;
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

static void test_lint(void **state)
{
    char redocly[4096], doc[4096];
    ts_run_result r;
    (void)state;

    snprintf(redocly, sizeof redocly, "%s/web/node_modules/.bin/redocly", ts_env("GE_SOURCE_DIR"));
    snprintf(doc, sizeof doc, "%s/data/openapi.json", ts_env("GE_SOURCE_DIR"));
    if (access(redocly, X_OK) != 0) {
        printf("SKIP: %s is absent (scripts/setup installs web/node_modules); the OpenAPI "
               "document is not linted\n",
               redocly);
        skip();
    }
    {
        const char *argv[] = {redocly, "lint", "--format=stylish", doc, NULL};
        assert_int_equal(ts_run(&r, NULL, argv), 0);
    }
    if (r.status != 0)
        fprintf(stderr, "redocly lint failed (%d):\n%s\n%s\n", r.status, r.out, r.err);
    assert_int_equal(r.status, 0);
    /* redocly reports on stderr: "Your API description is valid." */
    assert_true(strstr(r.out, "is valid") || strstr(r.err, "is valid"));
    ts_run_free(&r);
}

static void test_api_serves_the_document(void **state)
{
    char path[4096], inm[160];
    ts_http_resp r, r2;
    json_error_t jerr;
    json_t *file, *served;
    (void)state;

    snprintf(path, sizeof path, "%s/data/openapi.json", ts_env("GE_SOURCE_DIR"));
    file = json_load_file(path, 0, &jerr);
    assert_non_null(file);
    assert_int_equal(ts_http_get(ts_server_url(&srv, "/api"), &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(ts_http_header(&r, "Content-Type"), "application/vnd.oai.openapi+json"));
    served = json_loads(r.body, 0, &jerr);
    assert_non_null(served);
    assert_true(json_equal(file, served));
    assert_non_null(ts_http_header(&r, "ETag"));

    /* the same document again: 304 without a body */
    snprintf(inm, sizeof inm, "If-None-Match: %s", ts_http_header(&r, "ETag"));
    {
        const char *h[] = {inm, NULL};
        ts_http_req q = {.url = ts_server_url(&srv, "/api"), .headers = h};
        assert_int_equal(ts_http(&q, &r2), 0);
        assert_int_equal(r2.status, 304);
        assert_int_equal(r2.body_len, 0);
        ts_http_resp_free(&r2);
    }
    /* gzip when the client accepts it */
    {
        ts_http_req q = {.url = ts_server_url(&srv, "/api"), .decode = true};
        assert_int_equal(ts_http(&q, &r2), 0);
        assert_int_equal(r2.status, 200);
        assert_string_equal(ts_http_header(&r2, "Content-Encoding"), "gzip");
        json_decref(served);
        served = json_loads(r2.body, 0, &jerr);
        assert_true(json_equal(file, served));
        ts_http_resp_free(&r2);
    }
    json_decref(served);
    json_decref(file);
    ts_http_resp_free(&r);
}

static void test_api_bad_format(void **state)
{
    ts_http_resp r;
    json_t *p;
    (void)state;

    assert_int_equal(ts_http_get(ts_server_url(&srv, "/api?f=yaml"), &r), 0);
    assert_int_equal(r.status, 400);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/problem+json");
    p = json_loads(r.body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(p, "parameter")), "f");
    assert_non_null(strstr(json_string_value(json_object_get(p, "detail")), "yaml"));
    json_decref(p);
    ts_http_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lint),
        cmocka_unit_test(test_api_serves_the_document),
        cmocka_unit_test(test_api_bad_format),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
