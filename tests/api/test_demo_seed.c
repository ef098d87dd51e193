/*
 * test_demo_seed.c - data/demo/seed_demo.py, the step of scripts/demo that
 * fills the demo quarter's store for the review app, run as scripts/demo
 * runs it: against the real server on a store the real binary imported from
 * the built demo quarter (GE_DEMO_OSM). Checks that the printed passwords log
 * the caseworker and the admin in, that the caseworker sees exactly the cases
 * of their services with one in review and one approved (by the caseworker,
 * with the comment in the history), that the two skip containers conflict
 * and the second one carries the conflict warning, that the printed editor
 * link opens, and that a second run adds no client, user or case and prints
 * no password. Skips visibly when python3 is missing.
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

#include "ts.h"
#include "ts_backend.h"
#include "ts_http.h"
#include "ts_review.h"
#include "ts_run.h"
#include "ts_server.h"

static ts_server srv;
static char db[4096];
static bool have_python;

/* Runs the seed script against srv; its standard output (malloc'd). */
static char *seed(void)
{
    char script[4096], port[16];
    ts_run_result r;
    snprintf(script, sizeof script, "%s/data/demo/seed_demo.py", ts_env("GE_SOURCE_DIR"));
    snprintf(port, sizeof port, "%d", srv.port);
    const char *argv[] = {"python3",  script,
                          "--binary", ts_env("GE_BINARY"),
                          "--db",     ts_store_db(db, false),
                          "--port",   port,
                          "--wait",   "30",
                          NULL};
    assert_int_equal(ts_run(&r, NULL, argv), 0);
    if (r.status != 0)
        fprintf(stderr, "seed_demo.py failed (%d):\n%s\n%s\n", r.status, r.out, r.err);
    assert_int_equal(r.status, 0);
    char *out = r.out;
    r.out = NULL;
    ts_run_free(&r);
    return out;
}

/* The password printed for a user: "<name>  password: <pw>"; "" when none. */
static const char *password_of(const char *out, const char *name)
{
    static char pw[2][64];
    static int n;
    char *p = pw[n++ % 2];
    const char *line = strstr(out, name);
    p[0] = '\0';
    while (line) {
        const char *eol = strchr(line, '\n');
        const char *w = strstr(line, " password: ");
        if (w && (!eol || w < eol)) {
            sscanf(w + strlen(" password: "), "%63s", p);
            break;
        }
        line = eol ? strstr(eol, name) : NULL;
    }
    return p;
}

/* The body of a session GET as JSON (status 200 asserted). */
static json_t *get_json(const ts_review_session *s, const char *path)
{
    ts_http_resp r;
    json_error_t e;
    assert_int_equal(ts_review_call(&srv, "GET", path, s->cookie, NULL, NULL, NULL, &r), 0);
    if (r.status != 200) fprintf(stderr, "GET %s: %ld %s\n", path, r.status, r.body);
    assert_int_equal(r.status, 200);
    json_t *doc = json_loads(r.body, 0, &e);
    assert_non_null(doc);
    ts_http_resp_free(&r);
    return doc;
}

static const char *cli_out(const char *what)
{
    static char buf[8192];
    ts_run_result r;
    const char *argv[] = {ts_env("GE_BINARY"), what, "list", "--db", db, NULL};
    assert_int_equal(ts_run(&r, NULL, argv), 0);
    assert_int_equal(r.status, 0);
    snprintf(buf, sizeof buf, "%s", r.out);
    ts_run_free(&r);
    return buf;
}

static int setup(void **state)
{
    ts_run_result r;
    ts_server_opts o = {0};
    const char *which[] = {"/bin/sh", "-c", "command -v python3", NULL};
    (void)state;

    if (ts_run(&r, NULL, which) == 0 && r.status == 0) have_python = true;
    ts_run_free(&r);
    if (!have_python) {
        printf("SKIP: python3 is missing; data/demo/seed_demo.py cannot run\n");
        return 0;
    }
    snprintf(db, sizeof db, "%s", ts_path(ts_tmpdir("demo_seed_db"), "musterstadt.sqlite"));
    if (ts_run_import_srid(db, "25832", ts_demo_osm()) != 0) return -1;
    o.db = db;
    return ts_server_start(&srv, "demo_seed", &o);
}

static int teardown(void **state)
{
    (void)state;
    if (!have_python) return 0;
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

/* The case of a reference in a list answer; NULL when absent. */
static json_t *by_reference(json_t *list, const char *reference)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(list, "cases"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "reference")) ?: "", reference) == 0)
            return c;
    }
    return NULL;
}

static void test_seed_then_reseed(void **state)
{
    ts_review_session cw, admin;
    char caseworker_pw[64], admin_pw[64], path[256];
    (void)state;
    if (!have_python) {
        printf("SKIP: python3 is missing\n");
        skip();
    }

    char *out = seed();
    snprintf(caseworker_pw, sizeof caseworker_pw, "%s", password_of(out, "demo-sachbearbeitung"));
    snprintf(admin_pw, sizeof admin_pw, "%s", password_of(out, "demo-admin"));
    assert_true(strlen(caseworker_pw) >= 12);
    assert_true(strlen(admin_pw) >= 12);
    assert_string_not_equal(caseworker_pw, admin_pw);
    assert_non_null(strstr(out, "/review/"));

    /* The applicant's link opens the editor (the origin is localhost:PORT). */
    char want[64];
    snprintf(want, sizeof want, "http://localhost:%d/edit/", srv.port);
    const char *link = strstr(out, want);
    assert_non_null(link);
    char token[200];
    assert_int_equal(sscanf(link + strlen(want), "%199s", token), 1);
    snprintf(path, sizeof path, "/edit/%s", token);
    ts_http_resp r;
    assert_int_equal(ts_http_get(ts_server_url(&srv, path), &r), 0);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);

    /* One client, both users with the promised roles and services. */
    char clients[8192], users[8192];
    snprintf(clients, sizeof clients, "%s", cli_out("client"));
    assert_non_null(strstr(clients, "demo-form"));
    assert_null(strstr(strstr(clients, "demo-form") + 1, "demo-form"));
    snprintf(users, sizeof users, "%s", cli_out("user"));
    assert_non_null(strstr(users, "demo-admin"));
    assert_non_null(strstr(users, "demo-sachbearbeitung"));
    assert_non_null(strstr(users, "construction-access"));

    /* The caseworker sees the five cases of their services, the admin all six. */
    assert_int_equal(ts_review_login(&srv, "demo-sachbearbeitung", caseworker_pw, &cw), 200);
    assert_int_equal(ts_review_login(&srv, "demo-admin", admin_pw, &admin), 200);
    json_t *mine = get_json(&cw, "/v1/cases?limit=500");
    json_t *all = get_json(&admin, "/v1/cases?limit=500");
    assert_int_equal(json_integer_value(json_object_get(mine, "numberMatched")), 5);
    assert_int_equal(json_integer_value(json_object_get(all, "numberMatched")), 6);
    /* Submitted a second apart: newest first lists them in reverse order. */
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(all, "cases"), 0), "reference")),
                        "MS-2026-0106");
    assert_null(by_reference(mine, "MS-2026-0104")); /* the information stand */
    assert_non_null(by_reference(all, "MS-2026-0104"));

    json_t *review = by_reference(mine, "MS-2026-0105");
    json_t *approved = by_reference(mine, "MS-2026-0106");
    json_t *first = by_reference(mine, "MS-2026-0101");
    json_t *second = by_reference(mine, "MS-2026-0102");
    json_t *access = by_reference(mine, "MS-2026-0103");
    assert_non_null(review);
    assert_non_null(approved);
    assert_non_null(first);
    assert_non_null(second);
    assert_non_null(access);
    assert_string_equal(json_string_value(json_object_get(review, "status")), "in_review");
    assert_string_equal(json_string_value(json_object_get(approved, "status")), "approved");
    assert_string_equal(json_string_value(json_object_get(first, "status")), "received");
    assert_string_equal(json_string_value(json_object_get(first, "applicant_name")),
                        "Erika Mustermann");
    /* The second skip was checked against the first: the conflict warning. */
    assert_true(json_integer_value(json_object_get(second, "warnings")) >= 1);
    /* The access near the lime trees: a root-zone warning, no error. */
    assert_true(json_integer_value(json_object_get(access, "warnings")) >= 1);
    assert_int_equal(json_integer_value(json_object_get(access, "errors")), 0);

    /* The two skip containers conflict in place and time. */
    snprintf(path, sizeof path, "/v1/cases/%s/conflicts",
             json_string_value(json_object_get(first, "case_id")));
    json_t *conf = get_json(&cw, path);
    json_t *other = json_array_get(json_object_get(conf, "cases"), 0);
    assert_int_equal(json_array_size(json_object_get(conf, "cases")), 1);
    assert_string_equal(json_string_value(json_object_get(other, "case_id")),
                        json_string_value(json_object_get(second, "case_id")));

    /* The approval was the caseworker's, with the comment the applicant reads. */
    snprintf(path, sizeof path, "/v1/cases/%s/history",
             json_string_value(json_object_get(approved, "case_id")));
    json_t *hist = get_json(&cw, path);
    json_t *events = json_object_get(hist, "events");
    json_t *last = json_array_get(events, json_array_size(events) - 1);
    assert_int_equal(json_array_size(events), 3);
    assert_string_equal(json_string_value(json_object_get(last, "actor")),
                        "user:demo-sachbearbeitung");
    assert_string_equal(json_string_value(json_object_get(last, "to")), "approved");
    assert_non_null(
        strstr(json_string_value(json_object_get(last, "comment")) ?: "", "Warnleuchten"));

    /* Again: nothing added, no password printed, the old passwords still work. */
    char *again = seed();
    assert_non_null(strstr(again, "nothing added"));
    assert_null(strstr(again, caseworker_pw));
    assert_null(strstr(again, admin_pw));
    assert_string_equal(password_of(again, "demo-admin"), "");
    assert_non_null(strstr(again, "user passwd"));
    assert_non_null(strstr(again, want)); /* a fresh editor link every run */
    assert_string_equal(cli_out("client"), clients);
    json_t *all2 = get_json(&admin, "/v1/cases?limit=500");
    assert_int_equal(json_integer_value(json_object_get(all2, "numberMatched")), 6);
    assert_int_equal(ts_review_login(&srv, "demo-sachbearbeitung", caseworker_pw, &cw), 200);
    char users2[8192];
    snprintf(users2, sizeof users2, "%s", cli_out("user"));
    /* The user list shows last logins, so compare the names only. */
    assert_int_equal(ts_count_lines(users2), ts_count_lines(users));

    json_decref(all2);
    json_decref(hist);
    json_decref(conf);
    json_decref(mine);
    json_decref(all);
    free(again);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_then_reseed),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
