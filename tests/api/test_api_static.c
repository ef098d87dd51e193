/*
 * test_api_static.c - static files of the web root through the real server:
 * content types, caching of hashed and plain files, ETag revalidation (304),
 * HEAD, directory index and SPA fallback, .gz siblings, API routes winning
 * over files, and every way out of the root refused (.., %2e%2e, encoded
 * slashes, NUL, dot files, symlinks).
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
#include <zlib.h>

#include "ts.h"
#include "ts_http.h"
#include "ts_server.h"

static ts_server srv;
static char root[4096];
static char outside[4096];

#define SECRET "outside-the-web-root"

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    const char *path = ts_path(dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) fail_msg("cannot write %s", path);
    fclose(f);
}

static void write_text(const char *dir, const char *name, const char *text)
{
    write_file(dir, name, text, strlen(text));
}

static int setup(void **state)
{
    static char base[4096], big[200000];
    static const char *args[] = {"--web-root", root, NULL};
    gzFile gz;
    ts_server_opts o;

    snprintf(base, sizeof base, "%s", ts_tmpdir("api_static_files"));
    snprintf(root, sizeof root, "%s/dist", base);
    snprintf(outside, sizeof outside, "%s/outside.txt", base);
    mkdir(root, 0755);
    mkdir(ts_path(root, "assets"), 0755);
    mkdir(ts_path(root, "review"), 0755);
    write_text(base, "outside.txt", SECRET);
    write_text(root, "index.html", "<!doctype html><title>home</title>");
    write_text(root, "review/index.html", "<!doctype html><title>review app</title>");
    write_text(root, "assets/index-B2x9Qa1c.js", "console.log('hashed');");
    write_text(root, "assets/app.css", "body { color: black; }");
    write_text(root, ".env", "SECRET=" SECRET);
    write_text(root, "data.json", "{\"plain\":true}");
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7 + i / 251);
    write_file(root, "assets/tile-0123456789.png", big, sizeof big);
    gz = gzopen(ts_path(root, "data.json.gz"), "wb");
    assert_non_null(gz);
    gzputs(gz, "{\"from_gz\":true}");
    gzclose(gz);
    if (symlink(outside, ts_path(root, "leak.txt")) != 0) fail_msg("symlink failed");

    memset(&o, 0, sizeof o);
    o.args = args;
    return ts_server_start(&srv, "api_static", &o);
}

static int teardown(void **state)
{
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

static void get_with(const char *path, const char *const *headers, ts_http_resp *r)
{
    ts_http_req req = {.url = ts_server_url(&srv, path), .headers = headers};
    if (ts_http(&req, r) != 0) fail_msg("GET %s: %s", path, r->error);
}

static void test_index_and_types(void **state)
{
    ts_http_resp r;

    get_with("/", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "text/html; charset=utf-8");
    assert_non_null(strstr(r.body, "<title>home</title>"));
    assert_string_equal(ts_http_header(&r, "Cache-Control"), "no-cache");
    assert_non_null(ts_http_header(&r, "ETag"));
    assert_non_null(strstr(ts_http_header(&r, "Content-Security-Policy"), "default-src 'self'"));
    assert_string_equal(ts_http_header(&r, "X-Content-Type-Options"), "nosniff");
    ts_http_resp_free(&r);

    get_with("/assets/app.css", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "text/css; charset=utf-8");
    ts_http_resp_free(&r);

    get_with("/data.json", NULL, &r);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/json");
    assert_string_equal(r.body, "{\"plain\":true}");
    ts_http_resp_free(&r);

    /* a binary file arrives byte for byte (sent from the descriptor) */
    get_with("/assets/tile-0123456789.png", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "image/png");
    assert_int_equal(r.body_len, 200000);
    for (size_t i = 0; i < r.body_len; i++)
        if (r.body[i] != (char)(i * 7 + i / 251)) fail_msg("byte %zu differs", i);
    ts_http_resp_free(&r);
}

static void test_caching(void **state)
{
    ts_http_resp r;
    char inm[256];
    const char *hdrs[] = {inm, NULL};

    get_with("/assets/index-B2x9Qa1c.js", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "text/javascript; charset=utf-8");
    assert_string_equal(ts_http_header(&r, "Cache-Control"), "public, max-age=31536000, immutable");
    ts_http_resp_free(&r);

    get_with("/assets/app.css", NULL, &r);
    assert_string_equal(ts_http_header(&r, "Cache-Control"), "no-cache");
    snprintf(inm, sizeof inm, "If-None-Match: %s", ts_http_header(&r, "ETag"));
    ts_http_resp_free(&r);

    get_with("/assets/app.css", hdrs, &r);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.body_len, 0);
    assert_non_null(ts_http_header(&r, "ETag"));
    ts_http_resp_free(&r);

    snprintf(inm, sizeof inm, "If-None-Match: \"something-else\"");
    get_with("/assets/app.css", hdrs, &r);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
}

static void test_head(void **state)
{
    ts_http_resp r;
    ts_http_req req = {.method = "HEAD", .url = ts_server_url(&srv, "/assets/app.css")};

    assert_int_equal(ts_http(&req, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(ts_http_header(&r, "Content-Length"), "22");
    ts_http_resp_free(&r);
}

static void test_spa_fallback(void **state)
{
    const char *paths[] = {"/review/", "/review", "/review/cases/42", "/review/cases/42/map"};
    ts_http_resp r;

    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        get_with(paths[i], NULL, &r);
        if (r.status != 200 || !strstr(r.body, "review app"))
            fail_msg("%s: %ld %s", paths[i], r.status, r.body);
        ts_http_resp_free(&r);
    }
    /* a missing file with an extension is a 404 problem, never the app's HTML */
    get_with("/assets/missing-B2x9Qa1c.js", NULL, &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/problem+json");
    ts_http_resp_free(&r);
    /* no fallback from an unknown top-level folder */
    get_with("/nothing/here", NULL, &r);
    assert_int_equal(r.status, 404);
    ts_http_resp_free(&r);
}

static void test_gzip_sibling(void **state)
{
    ts_http_resp r;
    ts_http_req req = {.url = ts_server_url(&srv, "/data.json"), .decode = true};

    assert_int_equal(ts_http(&req, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Content-Encoding"), "gzip");
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/json");
    assert_string_equal(r.body, "{\"from_gz\":true}");
    ts_http_resp_free(&r);
}

static void test_api_wins(void **state)
{
    ts_http_resp r;
    write_text(root, "healthz", "a file that must not shadow the API");
    get_with("/healthz", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\":\"ok\"}");
    ts_http_resp_free(&r);
}

static void test_no_way_out(void **state)
{
    /* raw requests: libcurl would normalise the dots away */
    const char *paths[] = {
        "/../outside.txt",
        "/assets/../../outside.txt",
        "/%2e%2e/outside.txt",
        "/%2E%2E/outside.txt",
        "/assets/..%2f..%2foutside.txt",
        "/..%5coutside.txt",
        "/leak.txt",
        "/.env",
        "/assets/%2e%2e/%2e%2e/outside.txt",
        "/a%00b",
        "//etc/passwd",
        "/review/..%2f..%2foutside.txt",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char req[512], *answer;
        int status;
        snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                 paths[i]);
        answer = ts_http_raw(srv.port, req, strlen(req), 30000);
        assert_non_null(answer);
        status = ts_http_raw_status(answer);
        if ((status != 404 && status != 400) || strstr(answer, SECRET))
            fail_msg("%s: answered %d:\n%s", paths[i], status, answer);
        free(answer);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_and_types),
        cmocka_unit_test(test_caching),
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_spa_fallback),
        cmocka_unit_test(test_gzip_sibling),
        cmocka_unit_test(test_api_wins),
        cmocka_unit_test(test_no_way_out),
    };
    int failed;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    failed = ts_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return ts_exit(failed);
}
