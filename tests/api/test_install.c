/*
 * test_install.c - `cmake --install` into a fresh prefix, and a server
 * started from there: it finds its services, styles and front end under the
 * prefix (not in the source tree) and serves the editor and the review app.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ts.h"
#include "ts_forms.h"
#include "ts_group.h"
#include "ts_http.h"
#include "ts_run.h"
#include "ts_server.h"

static char prefix[4096], bin[4200];

static void get_200(const ts_server *s, const char *path, const char *must_contain)
{
    ts_http_resp r = {0};

    assert_int_equal(ts_http_get(ts_server_url(s, path), &r), 0);
    if (r.status != 200) fail_msg("GET %s: %ld %s", path, r.status, r.body ? r.body : "");
    if (must_contain && !strstr(r.body, must_contain))
        fail_msg("GET %s: no '%s' in the answer", path, must_contain);
    ts_http_resp_free(&r);
}

static void test_installed_server(void **state)
{
    const char *dir = ts_tmpdir("install_store");
    char db[4200], key[128], id[128], token[128], path[300], log[8400];
    ts_server srv;
    ts_server_opts o = {0};
    ts_run_result r = {0};

    (void)state;
    /* the files it reads, under the prefix */
    {
        static const char *const files[] = {"share/geoeditor/data/services/skip-container.json",
                                            "share/geoeditor/data/layers/osm.json",
                                            "share/geoeditor/data/openapi.json",
                                            "share/geoeditor/styles/basemap.json",
                                            "share/geoeditor/web/edit.html",
                                            NULL};
        for (const char *const *f = files; *f; f++) {
            char p[4300];
            snprintf(p, sizeof p, "%s/%s", prefix, *f);
            if (access(p, R_OK) != 0) fail_msg("%s is not installed", p);
        }
    }
    /* the installed binary imports with its own layer mapping */
    snprintf(db, sizeof db, "%s/store.sqlite", dir);
    {
        const char *argv[] = {bin, "import", "--quiet", "--db", db, getenv("GE_DEMO_OSM"), NULL};
        assert_int_equal(ts_run(&r, NULL, argv), 0);
        if (r.status != 0) fail_msg("import: %s", r.err);
        ts_run_free(&r);
    }
    o.db = db;
    o.binary = bin;
    assert_int_equal(ts_server_start(&srv, "install_srv", &o), 0);
    /* it reads its data under the prefix */
    snprintf(log, sizeof log, "\"web_root\":\"%s/share/geoeditor/web\"", prefix);
    assert_true(ts_server_log_wait(&srv, log, 5));
    get_200(&srv, "/v1/services", "skip-container");
    get_200(&srv, "/styles/basemap", "\"version\":8");
    get_200(&srv, "/api", "openapi");
    get_200(&srv, "/review/", "<html");
    assert_int_equal(ts_forms_client_add(db, "install-form", key), 0);
    assert_int_equal(ts_forms_draft(&srv, key,
                                    "{\"service\":\"skip-container\",\"reference\":\"INST-1\"}", id,
                                    token),
                     201);
    snprintf(path, sizeof path, "/edit/%s", token);
    get_200(&srv, path, "<html");
    assert_int_equal(ts_server_stop(&srv), 0);
}

static int setup(void **state)
{
    ts_run_result r = {0};
    const char *dir = ts_tmpdir("install");

    (void)state;
    snprintf(prefix, sizeof prefix, "%s/prefix", dir);
    snprintf(bin, sizeof bin, "%s/bin/geoeditor", prefix);
    {
        const char *argv[] = {ts_env("GE_CMAKE"), "--install", ts_env("GE_BUILD_DIR"),
                              "--prefix",         prefix,      NULL};
        if (ts_run(&r, NULL, argv) != 0 || r.status != 0) {
            fprintf(stderr, "cmake --install: %s%s\n", r.out ? r.out : "", r.err ? r.err : "");
            ts_run_free(&r);
            return -1;
        }
        ts_run_free(&r);
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_installed_server),
    };
    return ts_exit(ts_run_group_tests(tests, setup, NULL));
}
