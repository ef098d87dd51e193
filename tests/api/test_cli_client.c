/*
 * test_cli_client.c - "geoeditor client add|list|revoke" as an operator meets
 * it: add prints the API key (and webhook secret) exactly once and the store
 * holds only a hash of it, list never shows a key, revoke makes the key
 * answer 401 at once on a running server, and every bad input (origin with a
 * path, upper case, default port, no origin, no name, unknown action, bad id)
 * is one clear line and a non-zero exit that stores nothing.
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

#include "ts.h"
#include "ts_forms.h"
#include "ts_run.h"
#include "ts_store.h"
#include "ts_server.h"

#define RUN(r, ...)                                                                                \
    do {                                                                                           \
        const char *argv_[] = {NULL, __VA_ARGS__, NULL};                                           \
        assert_int_equal(ts_run((r), NULL, argv_), 0);                                             \
    } while (0)

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void test_add_prints_key_once(void **state)
{
    const char *dir = ts_tmpdir("cli_client_add");
    const char *db = ts_path(dir, "c.db");
    ts_run_result r;
    char key[128], secret[128];
    const char *p;
    size_t len;
    char *bytes;

    (void)state;
    RUN(&r, "client", "add", "--db", db, "--name", "Formserver Musterstadt", "--origin",
        "https://forms.example.de", "--origin", "http://127.0.0.1:8081", "--webhook",
        "https://forms.example.de/hooks/geo");
    assert_int_equal(r.status, 0);
    p = strstr(r.out, "api_key: gek_");
    assert_non_null(p);
    assert_int_equal(sscanf(p, "api_key: %127s", key), 1);
    assert_int_equal(strlen(key), 4 + 43);
    assert_int_equal(count_of(r.out, key), 1);
    p = strstr(r.out, "webhook_secret: whsec_");
    assert_non_null(p);
    assert_int_equal(sscanf(p, "webhook_secret: %127s", secret), 1);
    assert_int_equal(count_of(r.out, secret), 1);
    assert_non_null(strstr(r.out, "never again"));
    ts_run_free(&r);

    /* A second client gets a different key. */
    RUN(&r, "client", "add", "--db", db, "--name", "Zweiter", "--origin",
        "https://zwei.example.de");
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.out, key));
    ts_run_free(&r);

    RUN(&r, "client", "list", "--db", db);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Formserver Musterstadt"));
    assert_non_null(strstr(r.out, "https://forms.example.de"));
    assert_non_null(strstr(r.out, "http://127.0.0.1:8081"));
    assert_non_null(strstr(r.out, "Zweiter"));
    assert_null(strstr(r.out, "gek_"));
    assert_null(strstr(r.out, key));
    assert_null(strstr(r.out, secret));
    assert_null(strstr(r.err, "gek_"));
    ts_run_free(&r);

    /* The store holds only a hash of the key. */
    bytes = ts_store_contents(db, &len);
    assert_non_null(bytes);
    assert_false(ts_mem_contains(bytes, len, key));
    assert_false(ts_mem_contains(bytes, len, key + 4));
    free(bytes);
    assert_int_equal(ts_forms_sql_int(db,
                                      "SELECT count(*) FROM clients WHERE length(api_key_hash)"
                                      " = 64 AND api_key_hash NOT LIKE 'gek_%'",
                                      NULL),
                     2);
}

static void test_bad_input_one_line(void **state)
{
    static const char *const bad_origins[][2] = {
        {"https://forms.example.de/", "no path"},
        {"https://forms.example.de/form", "no path"},
        {"HTTPS://forms.example.de", "https://"},
        {"https://Forms.Example.de", "lower case"},
        {"https://forms.example.de:443", "default port"},
        {"http://forms.example.de:80", "default port"},
        {"https://forms.example.de:0", "port"},
        {"https://forms.example.de:70000", "port"},
        {"ftp://forms.example.de", "https://"},
        {"forms.example.de", "https://"},
        {"https://user@forms.example.de", "user"},
        {"https://forms.example.de?x=1", "no path"},
        {"https://", "host"},
        {"https://forms..example.de", "empty label"},
        {"https://[::1", "]"},
    };
    const char *dir = ts_tmpdir("cli_client_bad");
    const char *db = ts_path(dir, "c.db");
    ts_run_result r;

    (void)state;
    for (size_t i = 0; i < sizeof bad_origins / sizeof bad_origins[0]; i++) {
        RUN(&r, "client", "add", "--db", db, "--name", "X", "--origin", bad_origins[i][0]);
        if (r.status == 0 || ts_count_lines(r.err) != 1 || !strstr(r.err, "--origin") ||
            !strstr(r.err, bad_origins[i][1]) || strstr(r.out, "api_key"))
            fail_msg("origin '%s': status %d, stderr: %s", bad_origins[i][0], r.status, r.err);
        ts_run_free(&r);
    }
    /* Accepted forms, for contrast. */
    RUN(&r, "client", "add", "--db", db, "--name", "ok", "--origin", "https://forms.example.de",
        "--origin", "http://localhost:8081", "--origin", "https://[::1]:8443", "--origin",
        "https://xn--mnchen-3ya.de");
    assert_int_equal(r.status, 0);
    ts_run_free(&r);

    {
        static const char *const cases[][10] = {
            {"client", "add", "--db", NULL, "--origin", "https://a.de", NULL},
            {"client", "add", "--db", NULL, "--name", "Y", NULL},
            {"client", "add", "--db", NULL, "--name", "ok", "--origin", "https://a.de", NULL},
            {"client", "add", "--db", NULL, "--name", "Z", "--origin", "https://a.de", "--webhook",
             "ftp://x"},
            {"client", "frobnicate", "--db", NULL, NULL},
            {"client", "revoke", "--db", NULL, "abc", NULL},
            {"client", "revoke", "--db", NULL, "999", NULL},
            {"client", "revoke", "--db", NULL, NULL},
            {"client", "list", "--db", NULL, "--name", "x", NULL},
        };
        static const char *const expect[] = {
            "--name",         "--origin",        "exists already", "--webhook",
            "unknown action", "not a client id", "no client 999",  "ID",
            "takes no"};
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            const char *argv[12] = {NULL};
            size_t n = 1;
            for (size_t j = 0; j < 10 && (cases[i][j] || j == 3); j++)
                argv[n++] = j == 3 ? db : cases[i][j];
            argv[n] = NULL;
            assert_int_equal(ts_run(&r, NULL, argv), 0);
            if (r.status == 0 || ts_count_lines(r.err) != 1 || !strstr(r.err, expect[i]))
                fail_msg("case %zu: status %d, stderr: %s", i, r.status, r.err);
            ts_run_free(&r);
        }
    }
    /* list does not create a store where there is none */
    {
        const char *missing = ts_path(dir, "missing.db");
        const char *argv[] = {NULL, "client", "list", "--db", missing, NULL};
        FILE *f;
        assert_int_equal(ts_run(&r, NULL, argv), 0);
        assert_int_not_equal(r.status, 0);
        assert_int_equal(ts_count_lines(r.err), 1);
        ts_run_free(&r);
        f = fopen(missing, "r");
        assert_null(f);
        if (f) fclose(f);
    }
    /* Nothing was stored by the failures: only the one good client. */
    assert_int_equal(ts_forms_sql_int(db, "SELECT count(*) FROM clients", NULL), 1);
}

static void test_revoke_makes_key_401(void **state)
{
    ts_server s;
    ts_http_resp r;
    ts_run_result rr;
    char key[128], other[128], id[128];

    (void)state;
    assert_int_equal(ts_server_start(&s, "cli_client_revoke", NULL), 0);
    assert_int_equal(ts_forms_client_add(s.db, "Revoked GmbH", key), 0);
    assert_int_equal(ts_forms_client_add(s.db, "Stays GmbH", other), 0);
    assert_int_equal(ts_forms_draft(&s, key, ts_forms_stand_body(13.31, 52.585), id, NULL), 201);

    {
        const char *argv[] = {NULL, "client", "revoke", "--db", s.db, "1", NULL};
        assert_int_equal(ts_run(&rr, NULL, argv), 0);
        assert_int_equal(rr.status, 0);
        assert_non_null(strstr(rr.out, "revoked"));
        ts_run_free(&rr);
    }
    {
        char path[256];
        snprintf(path, sizeof path, "/v1/drafts/%s", id);
        assert_int_equal(ts_forms_call("GET", ts_server_url(&s, path), key, NULL, NULL, &r), 0);
        assert_int_equal(r.status, 401);
        assert_string_equal(ts_http_header(&r, "Content-Type"), "application/problem+json");
        assert_null(strstr(r.body, key));
        ts_http_resp_free(&r);
    }
    assert_int_equal(ts_forms_draft(&s, key, ts_forms_stand_body(13.31, 52.585), NULL, NULL), 401);
    /* The other client is unaffected. */
    assert_int_equal(ts_forms_draft(&s, other, ts_forms_stand_body(13.31, 52.585), NULL, NULL),
                     201);
    {
        const char *argv[] = {NULL, "client", "list", "--db", s.db, NULL};
        assert_int_equal(ts_run(&rr, NULL, argv), 0);
        assert_int_equal(rr.status, 0);
        const char *revoked = strstr(rr.out, "Revoked GmbH"), *stays = strstr(rr.out, "Stays GmbH");
        assert_non_null(revoked);
        assert_non_null(stays);
        /* "-" in the revoked column only for the client that was not revoked */
        assert_null(strstr(revoked, " - ") && strstr(revoked, " - ") < stays ? "dash" : NULL);
        assert_non_null(strstr(stays, " - "));
        ts_run_free(&rr);
    }
    assert_int_equal(ts_server_stop(&s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_prints_key_once),
        cmocka_unit_test(test_bad_input_one_line),
        cmocka_unit_test(test_revoke_makes_key_401),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
