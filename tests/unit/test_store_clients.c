/*
 * test_store_clients.c - the store's form-server clients (store_forms.h) on
 * both backends: every case runs once on a SQLite file and once on a
 * PostGIS database (ts_store_open_on; the PostGIS runs skip visibly without
 * PostgreSQL). A name taken twice, the key found only while the client is
 * active, revoking an unknown or a revoked client, and the list.
 *
 * The pattern for a subject's tests on both stores: write the case once
 * against `st`, list it once per backend with cmocka_unit_test_prestate_
 * setup_teardown and the backend's name as its state.
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
#include <time.h>

#include "store.h"
#include "store_forms.h"
#include "token.h"
#include "ts.h"
#include "ts_store.h"
#include "ts_store_both.h"

static ge_store *st; /* NULL: the case's backend is not available (skip) */

TS_STORE_FIXTURE(st, "store_clients", "clients.db", NULL)

static int64_t add_client(const char *name, char key[GE_TOKEN_MAX])
{
    char hash[GE_TOKEN_HASH_LEN];
    int64_t id = 0;
    ge_err err;
    assert_int_equal(ge_token_new("gek_", key, &err), GE_OK);
    ge_token_hash(key, hash);
    assert_int_equal(ge_store_client_add(st, name, hash, "[\"https://a.example\"]",
                                         "https://hook.example/in", "s3cret", 1800000000, &id,
                                         &err),
                     GE_OK);
    return id;
}

static void test_a_name_is_taken_once(void **state)
{
    char key[GE_TOKEN_MAX];
    int64_t id = 0, id2 = -1;
    ge_err err;

    (void)state;
    if (!st) skip();
    id = add_client("clients-a", key);
    assert_true(id > 0);
    assert_int_equal(
        ge_store_client_add(st, "clients-a", "x", "[]", NULL, NULL, 1800000000, &id2, &err),
        GE_ECONFLICT);
    assert_non_null(strstr(err.msg, "exists already"));
    assert_int_equal(id2, -1);
}

static void test_key_found_while_active(void **state)
{
    char key[GE_TOKEN_MAX], hash[GE_TOKEN_HASH_LEN], other[GE_TOKEN_MAX];
    ge_client c;
    ge_err err;

    (void)state;
    if (!st) skip();
    int64_t id = add_client("clients-a", key);
    int64_t id2 = add_client("clients-b", other);
    assert_true(id2 > id);
    ge_token_hash(key, hash);
    assert_int_equal(ge_store_client_by_key(st, hash, &c, &err), GE_OK);
    assert_int_equal(c.id, id);
    assert_string_equal(c.name, "clients-a");
    assert_string_equal(c.origins_json, "[\"https://a.example\"]");
    assert_string_equal(c.webhook_url, "https://hook.example/in");
    assert_string_equal(c.created_at, "2027-01-15T08:00:00Z");
    assert_string_equal(c.revoked_at, "");
    ge_client_clear(&c);
    assert_int_equal(ge_store_client_by_key(st, "no-such-hash", &c, &err), GE_ENOENT);
    assert_non_null(strstr(err.msg, "no active client"));

    assert_int_equal(ge_store_client_revoke(st, id, 1800000060, &err), GE_OK);
    assert_int_equal(ge_store_client_by_key(st, hash, &c, &err), GE_ENOENT);
}

static void test_revoke_unknown_or_revoked(void **state)
{
    char key[GE_TOKEN_MAX];
    ge_err err;

    (void)state;
    if (!st) skip();
    int64_t id = add_client("clients-a", key);
    assert_int_equal(ge_store_client_revoke(st, id, 1800000060, &err), GE_OK);
    assert_int_equal(ge_store_client_revoke(st, id, 1800000120, &err), GE_ECONFLICT);
    assert_non_null(strstr(err.msg, "revoked already"));
    assert_int_equal(ge_store_client_revoke(st, 99999, 1800000120, &err), GE_ENOENT);
    assert_non_null(strstr(err.msg, "there is no client 99999"));
}

static void test_list(void **state)
{
    char key[GE_TOKEN_MAX];
    ge_client *v = NULL;
    size_t n = 9;
    ge_err err;

    (void)state;
    if (!st) skip();
    assert_int_equal(ge_store_client_list(st, &v, &n, &err), GE_OK);
    assert_int_equal(n, 0);
    assert_null(v);
    int64_t a = add_client("clients-a", key);
    int64_t b = add_client("clients-b", key);
    assert_int_equal(ge_store_client_revoke(st, a, 1800000060, &err), GE_OK);
    assert_int_equal(ge_store_client_list(st, &v, &n, &err), GE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].id, a);
    assert_string_equal(v[0].revoked_at, "2027-01-15T08:01:00Z");
    assert_int_equal(v[1].id, b);
    assert_string_equal(v[1].name, "clients-b");
    assert_string_equal(v[1].revoked_at, "");
    assert_string_equal(v[1].origins_json, "[\"https://a.example\"]");
    ge_client_list_free(v, n);
}

#define ON_BOTH(fn) TS_STORE_ON_BOTH(fn, open_store, close_store)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ON_BOTH(test_a_name_is_taken_once),
        ON_BOTH(test_key_found_while_active),
        ON_BOTH(test_revoke_unknown_or_revoked),
        ON_BOTH(test_list),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
