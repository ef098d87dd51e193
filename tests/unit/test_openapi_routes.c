/*
 * test_openapi_routes.c - the OpenAPI document (data/openapi.json) and the
 * route table describe the same API: every route that the handler modules
 * register (the server's own list, ge_handlers_register_all) is a path and
 * method of the document, and every operation of the document is a route.
 *
 * The route table is built exactly as the server builds it at start-up, with
 * a real configuration and a real scratch store, so a module that adds a
 * route without documenting it fails here, not in a client's hands.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "handlers.h"
#include "http.h"
#include "router.h"
#include "ts.h"

static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};

typedef struct fixture {
    ge_config cfg;
    ge_ctx ctx;
    ge_store *store;
    json_t *doc;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    ge_store_opts so = {0};
    json_error_t jerr;
    ge_err err;
    char path[4096];

    ge_config_defaults(&fx->cfg);
    snprintf(fx->cfg.data_dir, sizeof fx->cfg.data_dir, "%s/data", ts_env("GE_SOURCE_DIR"));
    snprintf(path, sizeof path, "%s", ts_path(ts_tmpdir("openapi_routes"), "store.db"));
    so.path = path;
    so.srid = 25833;
    if (ge_store_open(&fx->store, &so, &err) < 0) {
        fprintf(stderr, "store: %s\n", err.msg);
        return -1;
    }
    fx->ctx.cfg = &fx->cfg;
    fx->ctx.store = fx->store;
    fx->ctx.router = ge_router_new();
    snprintf(path, sizeof path, "%s/data/openapi.json", ts_env("GE_SOURCE_DIR"));
    fx->doc = json_load_file(path, 0, &jerr);
    if (!fx->doc) {
        fprintf(stderr, "%s:%d: %s\n", path, jerr.line, jerr.text);
        return -1;
    }
    ge_err_clear(&err);
    if (ge_handlers_register_all(fx->ctx.router, &fx->ctx, &err) < 0) {
        fprintf(stderr, "registering routes: %s\n", err.msg);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    for (size_t i = fx->ctx.n_cleanups; i-- > 0;)
        fx->ctx.cleanups[i].fn(fx->ctx.cleanups[i].ud);
    free(fx->ctx.cleanups);
    ge_router_free(fx->ctx.router);
    ge_store_close(fx->store);
    json_decref(fx->doc);
    free(fx);
    return 0;
}

/* Is (method, pattern) a route of its own? Matching the pattern as a path
 * selects the pattern's own route: "{id}" fits a parameter segment, and a
 * literal route elsewhere cannot claim a path that has "{id}" in it. */
static bool registered(const ge_router *r, const char *method, const char *pattern)
{
    ge_route_match m;
    bool yes;
    assert_int_equal(ge_router_match(r, method, pattern, &m), GE_OK);
    yes = m.kind == GE_MATCH_OK && m.route && strcmp(m.route->pattern, pattern) == 0 &&
          strcmp(m.route->method, method) == 0;
    ge_route_match_clear(&m);
    return yes;
}

static void lower(const char *in, char *out, size_t size)
{
    size_t i;
    for (i = 0; in[i] && i + 1 < size; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[i] = '\0';
}

static void test_every_route_is_documented(void **state)
{
    fixture *fx = *state;
    json_t *paths = json_object_get(fx->doc, "paths");
    size_t n = ge_router_name_count(fx->ctx.router), missing = 0, checked = 0;

    assert_true(json_is_object(paths));
    assert_true(n >= 10); /* ops, features, api at least */
    for (size_t i = 0; i < n; i++) {
        const char *pattern = ge_router_name(fx->ctx.router, i);
        for (size_t k = 0; k < sizeof methods / sizeof methods[0]; k++) {
            char m[16];
            /* HEAD is answered by GET; a document lists it only when it is a
             * route of its own. */
            if (!registered(fx->ctx.router, methods[k], pattern)) continue;
            lower(methods[k], m, sizeof m);
            checked++;
            if (!json_object_get(json_object_get(paths, pattern), m)) {
                fprintf(stderr, "route %s %s is not in data/openapi.json\n", methods[k], pattern);
                missing++;
            }
        }
    }
    assert_true(checked >= n);
    assert_int_equal(missing, 0);
}

static void test_every_operation_is_a_route(void **state)
{
    fixture *fx = *state;
    json_t *paths = json_object_get(fx->doc, "paths"), *item;
    const char *path;
    size_t extra = 0;

    json_object_foreach(paths, path, item)
    {
        for (size_t k = 0; k < sizeof methods / sizeof methods[0]; k++) {
            char m[16];
            lower(methods[k], m, sizeof m);
            if (!json_object_get(item, m)) continue;
            if (!registered(fx->ctx.router, methods[k], path)) {
                fprintf(stderr, "data/openapi.json has %s %s, which no handler registers\n",
                        methods[k], path);
                extra++;
            }
        }
    }
    assert_int_equal(extra, 0);
}

/* The check itself must be able to fail: a route the document lacks is found. */
static void test_an_undocumented_route_is_found(void **state)
{
    fixture *fx = *state;
    json_t *paths = json_object_get(fx->doc, "paths");
    assert_true(registered(fx->ctx.router, "GET", "/collections/{id}/items"));
    assert_false(registered(fx->ctx.router, "POST", "/collections/{id}/items"));
    assert_null(json_object_get(paths, "/collections/{id}/nonexistent"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_is_documented),
        cmocka_unit_test(test_every_operation_is_a_route),
        cmocka_unit_test(test_an_undocumented_route_is_found),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
