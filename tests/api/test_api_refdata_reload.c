/*
 * test_api_refdata_reload.c - an import into the store of a running server,
 * while requests keep coming: the layer watcher (server/refdata.c) reloads
 * the reference layers and swaps the snapshot under the requests that use
 * it (validation on the compute pool, tiles, features, the address search).
 *
 * What it shows: the server logs the reload, every request before, during
 * and after it is answered without a server error, and the server stops
 * cleanly afterwards (under ThreadSanitizer: with no race report in its log,
 * which ts_server_stop checks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "ts_group.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "ts.h"
#include "ts_http.h"
#include "ts_run.h"
#include "ts_server.h"

#define NCLIENTS 3

static ts_server srv;
static char db[4096];

static int setup(void **state)
{
    ts_server_opts o = {0};
    const char *dir = ts_tmpdir("api_refdata_reload_store");
    (void)state;
    snprintf(db, sizeof db, "%s", ts_path(dir, "store.sqlite"));
    if (ts_run_import(db, ts_demo_osm()) != 0) return -1;
    o.db = db;
    return ts_server_start(&srv, "api_refdata_reload", &o);
}

static int teardown(void **state)
{
    (void)state;
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

typedef struct client {
    pthread_t t;
    int id;
    atomic_bool *stop;
    long requests, failed;
    long last_bad; /* the last status other than 200 and 204 */
} client;

static const char VALIDATE[] =
    "{\"service\":\"info-stand\",\"features\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[13.40,52.52],[13.40003,52.52],[13.40003,52.52003],[13.40,52.52003],[13.40,52.52]]]}}";

static void *client_run(void *arg)
{
    client *c = arg;
    CURL *h = curl_easy_init();
    const char *headers[] = {"Content-Type: application/json", NULL};

    for (long i = 0; !atomic_load(c->stop); i++) {
        ts_http_req req = {.handle = h};
        ts_http_resp r;
        switch ((i + c->id) % 4) {
        case 0:
            req.url = ts_server_url(&srv, "/v1/validate");
            req.headers = headers;
            req.body = VALIDATE;
            req.body_len = strlen(VALIDATE);
            break;
        case 1:
            req.url =
                ts_server_url(&srv, "/collections/roads/tiles/WebMercatorQuad/15/10745/17605");
            break;
        case 2:
            req.url = ts_server_url(&srv, "/collections/buildings/items?limit=20");
            break;
        default:
            req.url = ts_server_url(&srv, "/v1/addresses?q=a&limit=5");
            break;
        }
        ts_http(&req, &r);
        c->requests++;
        if (r.status != 200 && r.status != 204) {
            c->failed++;
            c->last_bad = r.status;
        }
        ts_http_resp_free(&r);
    }
    curl_easy_cleanup(h);
    return NULL;
}

static void test_import_while_serving(void **state)
{
    atomic_bool stop = false;
    client cl[NCLIENTS];
    long requests = 0;
    (void)state;

    for (int i = 0; i < NCLIENTS; i++) {
        cl[i] = (client){.id = i, .stop = &stop};
        assert_int_equal(pthread_create(&cl[i].t, NULL, client_run, &cl[i]), 0);
    }
    /* The same data once more: a new stamp, so the watcher reloads it. */
    int rc = ts_run_import(db, ts_demo_osm());
    bool reloaded = rc == 0 && ts_server_log_wait(&srv, "reference layers reloaded", 60);
    atomic_store(&stop, true);
    for (int i = 0; i < NCLIENTS; i++) {
        pthread_join(cl[i].t, NULL);
        requests += cl[i].requests;
        if (cl[i].failed)
            fail_msg("client %d: %ld of %ld requests failed (last status %ld)", i, cl[i].failed,
                     cl[i].requests, cl[i].last_bad);
    }
    assert_int_equal(rc, 0);
    assert_true(reloaded);
    assert_true(requests >= NCLIENTS);
    /* and afterwards, on the new snapshot */
    ts_http_resp r;
    ts_http_req req = {.url = ts_server_url(&srv, "/v1/validate"),
                       .headers = (const char *const[]){"Content-Type: application/json", NULL},
                       .body = VALIDATE,
                       .body_len = strlen(VALIDATE)};
    assert_int_equal(ts_http(&req, &r), 0);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_while_serving),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
