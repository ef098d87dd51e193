/*
 * test_static.c - static-file rules (server/static.h) without a server:
 * content types, vite's hashed asset names, a missing or wrong web root, and
 * path checks (.., encoded dots and slashes, dot files, symlinks out of the
 * root, SPA fallback). The HTTP side is in tests/api/test_api_static.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "static.h"
#include "ts.h"

static void test_content_types(void **state)
{
    assert_string_equal(ge_static_content_type("/index.html"), "text/html; charset=utf-8");
    assert_string_equal(ge_static_content_type("/a/b.JS"), "text/javascript; charset=utf-8");
    assert_string_equal(ge_static_content_type("x.css"), "text/css; charset=utf-8");
    assert_string_equal(ge_static_content_type("x.woff2"), "font/woff2");
    assert_string_equal(ge_static_content_type("x.svg"), "image/svg+xml");
    assert_string_equal(ge_static_content_type("x.js.map"), "application/json");
    assert_string_equal(ge_static_content_type("/a.b/noext"), "application/octet-stream");
    assert_string_equal(ge_static_content_type("x.exe"), "application/octet-stream");
}

static void test_hashed_assets(void **state)
{
    assert_true(ge_static_is_hashed_asset("/assets/index-B2x9Qa1c.js"));
    assert_true(ge_static_is_hashed_asset("/assets/ol-map-style-DfG_12ab.css"));
    assert_true(ge_static_is_hashed_asset("/assets/index-B2x9Qa1c.js.map"));
    assert_false(ge_static_is_hashed_asset("/assets/app.css"));
    assert_false(ge_static_is_hashed_asset("/assets/index-abc.js")); /* too short */
    assert_false(ge_static_is_hashed_asset("/index-B2x9Qa1c.js"));   /* not under /assets/ */
    assert_false(ge_static_is_hashed_asset("/assets/index-B2x9Q.a1c.js"));
    assert_false(ge_static_is_hashed_asset("/assets/noext-B2x9Qa1cXX"));
}

static void test_open(void **state)
{
    ge_static *st = (ge_static *)1;
    ge_err err = {0};
    const char *dir = ts_tmpdir("static_open");

    ge_log_set_level(GE_LOG_WARN);
    assert_int_equal(ge_static_open(&st, ts_path(dir, "absent"), &err), GE_OK);
    assert_null(st);
    assert_int_equal(ge_static_open(&st, "", &err), GE_OK);
    assert_null(st);
    FILE *f = fopen(ts_path(dir, "file"), "w");
    fclose(f);
    assert_int_equal(ge_static_open(&st, ts_path(dir, "file"), &err), GE_EIO);
    assert_non_null(strstr(err.msg, "not a directory"));
    ge_log_set_level(GE_LOG_INFO);
}

static int serve(const ge_static *st, const char *path, ge_resp *resp)
{
    ge_req req;
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.path = path;
    ge_resp_init(resp);
    return ge_static_serve(st, &req, resp);
}

static void test_paths(void **state)
{
    char base[4096], root[4096];
    ge_static *st = NULL;
    ge_err err = {0};
    ge_resp resp;
    const char *refused[] = {"/../secret.txt", "/%2e%2e/secret.txt", "/sub/..%2f..%2fsecret.txt",
                             "/.hidden",       "/sub/%2Ehidden",     "/link",
                             "/a%00",          "//sub/x.txt",        "/sub/../index.html",
                             "/./index.html",  "/sub%5cx.txt",       "relative"};

    snprintf(base, sizeof base, "%s", ts_tmpdir("static_paths"));
    snprintf(root, sizeof root, "%s/root", base);
    mkdir(root, 0755);
    mkdir(ts_path(root, "sub"), 0755);
    mkdir(ts_path(root, "app"), 0755);
    fclose(fopen(ts_path(base, "secret.txt"), "w"));
    fclose(fopen(ts_path(root, "index.html"), "w"));
    fclose(fopen(ts_path(root, ".hidden"), "w"));
    fclose(fopen(ts_path(root, "sub/x.txt"), "w"));
    fclose(fopen(ts_path(root, "app/index.html"), "w"));
    assert_int_equal(symlink(ts_path(base, "secret.txt"), ts_path(root, "link")), 0);
    assert_int_equal(symlink("x.txt", ts_path(root, "sub/inside")), 0);

    assert_int_equal(ge_static_open(&st, root, &err), GE_OK);
    assert_non_null(st);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        if (serve(st, refused[i], &resp) != GE_ENOENT) fail_msg("%s was served", refused[i]);
        ge_resp_clear(&resp);
    }
    assert_int_equal(serve(st, "/", &resp), GE_OK);
    assert_int_equal(resp.kind, GE_BODY_FILE);
    assert_string_equal(resp.content_type, "text/html; charset=utf-8");
    ge_resp_clear(&resp);
    assert_int_equal(serve(st, "/sub/x.txt", &resp), GE_OK);
    ge_resp_clear(&resp);
    /* a symlink that stays inside the root is fine */
    assert_int_equal(serve(st, "/sub/inside", &resp), GE_OK);
    ge_resp_clear(&resp);
    /* SPA fallback: only without an extension, only to <first>/index.html */
    assert_int_equal(serve(st, "/app/cases/7", &resp), GE_OK);
    ge_resp_clear(&resp);
    assert_int_equal(serve(st, "/app/cases/7.json", &resp), GE_ENOENT);
    ge_resp_clear(&resp);
    assert_int_equal(serve(st, "/sub/missing", &resp), GE_ENOENT);
    ge_resp_clear(&resp);
    assert_int_equal(serve(NULL, "/", &resp), GE_ENOENT);
    ge_resp_clear(&resp);
    /* over-long segments, raw and decoded (a bug once wrote past a buffer here) */
    {
        char longpath[4000] = "/sub/";
        memset(longpath + 5, 'a', 700);
        assert_int_equal(serve(st, longpath, &resp), GE_ENOENT);
        ge_resp_clear(&resp);
        memset(longpath + 5, 'a', 3000);
        assert_int_equal(serve(st, longpath, &resp), GE_ENOENT);
    }
    ge_resp_clear(&resp);
    ge_static_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_types),
        cmocka_unit_test(test_hashed_assets),
        cmocka_unit_test(test_open),
        cmocka_unit_test(test_paths),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
