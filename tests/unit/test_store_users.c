/*
 * test_store_users.c - caseworker accounts and sessions in the store
 * (store_users.h) and their password hashes (password.h): argon2id hashes
 * that verify only the right password, short passwords refused, duplicate
 * names, disable and password change ending the user's sessions at once,
 * sessions of disabled users not found, last login recorded, and expiry of
 * sessions that ran out or sat idle. The store's cases run on both
 * backends (test_store_clients.c's pattern); a session made through one
 * store handle is seen through another on the same database, as a
 * caseworker's session must work on every instance.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "password.h"
#include "store.h"
#include "store_users.h"
#include "token.h"
#include "ts.h"
#include "ts_store.h"

static ge_store *st; /* NULL: the case's backend is not available (skip) */
static char path[4096];

static int open_store(void **state)
{
    int rc = ts_store_open_on(*state, "store_users", "u.db", &st, path);
    return rc < 0 ? -1 : 0;
}

static int close_store(void **state)
{
    (void)state;
    ge_store_close(st);
    st = NULL;
    return 0;
}

static void utc_in(long secs, char out[32])
{
    time_t t = time(NULL) + secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int64_t add_user(const char *name, const char *role, const char *services, const char *pw)
{
    char hash[GE_PASSWORD_HASH_MAX];
    int64_t id = 0;
    ge_err err;
    assert_int_equal(ge_password_hash(pw, hash, &err), GE_OK);
    assert_int_equal(ge_store_user_add(st, name, hash, role, services, time(NULL), &id, &err),
                     GE_OK);
    assert_true(id > 0);
    return id;
}

static void test_password_hash(void **state)
{
    char h1[GE_PASSWORD_HASH_MAX], h2[GE_PASSWORD_HASH_MAX];
    ge_err err;

    (void)state;
    assert_int_equal(ge_password_hash("correct horse battery", h1, &err), GE_OK);
    assert_int_equal(ge_password_hash("correct horse battery", h2, &err), GE_OK);
    assert_non_null(strstr(h1, "$argon2id$"));
    assert_string_not_equal(h1, h2); /* salted */
    assert_null(strstr(h1, "correct horse"));
    assert_true(ge_password_verify("correct horse battery", h1));
    assert_true(ge_password_verify("correct horse battery", h2));
    assert_false(ge_password_verify("correct horse batterY", h1));
    assert_false(ge_password_verify("", h1));
    assert_false(ge_password_verify("correct horse battery", "not a hash"));
    assert_int_equal(ge_password_hash("elevenchars", h1, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "12"));
    assert_int_equal(ge_password_hash("", h1, &err), GE_EINVAL);
    {
        char big[GE_PASSWORD_MAX + 2];
        memset(big, 'x', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        assert_int_equal(ge_password_hash(big, h1, &err), GE_EINVAL);
    }
    /* The dummy hash is a real argon2id hash that no guess matches. */
    assert_non_null(strstr(ge_password_dummy_hash(), "$argon2id$"));
    assert_false(ge_password_verify("correct horse battery", ge_password_dummy_hash()));
}

static void test_users(void **state)
{
    char hash[GE_PASSWORD_HASH_MAX], h2[GE_PASSWORD_HASH_MAX];
    ge_user *v = NULL, u;
    size_t n = 0;
    int64_t id;
    ge_err err;

    (void)state;
    if (!st) skip();
    id = add_user("berta", GE_ROLE_CASEWORKER, "[\"skip-container\",\"info-stand\"]",
                  "berta's long password");
    add_user("admin", GE_ROLE_ADMIN, "[]", "the admin's long password");
    assert_int_equal(ge_password_hash("another long password", hash, &err), GE_OK);
    assert_int_equal(
        ge_store_user_add(st, "berta", hash, GE_ROLE_CASEWORKER, "[]", time(NULL), NULL, &err),
        GE_ECONFLICT);
    assert_non_null(strstr(err.msg, "berta"));

    assert_int_equal(ge_store_user_credentials(st, "berta", &u, h2, &err), GE_OK);
    assert_int_equal(u.id, id);
    assert_string_equal(u.role, "caseworker");
    assert_string_equal(u.services_json, "[\"skip-container\",\"info-stand\"]");
    assert_false(u.disabled);
    assert_string_equal(u.last_login_at, "");
    assert_true(ge_password_verify("berta's long password", h2));
    ge_user_clear(&u);
    assert_int_equal(ge_store_user_credentials(st, "nobody", &u, h2, &err), GE_ENOENT);
    assert_int_equal(ge_store_user_credentials(st, "Berta", &u, h2, &err), GE_ENOENT);

    assert_int_equal(ge_store_user_list(st, &v, &n, &err), GE_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].name, "admin");
    assert_string_equal(v[0].role, "admin");
    assert_string_equal(v[1].name, "berta");
    ge_user_list_free(v, n);

    /* A new password replaces the old one. */
    assert_int_equal(ge_store_user_set_password(st, "berta", hash, time(NULL), &err), GE_OK);
    assert_int_equal(ge_store_user_credentials(st, "berta", &u, h2, &err), GE_OK);
    assert_true(ge_password_verify("another long password", h2));
    assert_false(ge_password_verify("berta's long password", h2));
    ge_user_clear(&u);
    assert_int_equal(ge_store_user_set_password(st, "nobody", hash, time(NULL), &err), GE_ENOENT);

    assert_int_equal(ge_store_user_disable(st, "admin", time(NULL), &err), GE_OK);
    assert_int_equal(ge_store_user_disable(st, "admin", time(NULL), &err), GE_ECONFLICT);
    assert_int_equal(ge_store_user_disable(st, "nobody", time(NULL), &err), GE_ENOENT);
    assert_int_equal(ge_store_user_credentials(st, "admin", &u, h2, &err), GE_OK);
    assert_true(u.disabled);
    ge_user_clear(&u);
}

static void session_new(int64_t user_id, long lifetime, char id_hash[GE_TOKEN_HASH_LEN])
{
    char id[GE_TOKEN_MAX], csrf[GE_TOKEN_MAX], csrf_hash[GE_TOKEN_HASH_LEN], exp[32];
    ge_err err;
    assert_int_equal(ge_token_new("", id, &err), GE_OK);
    assert_int_equal(ge_token_new("", csrf, &err), GE_OK);
    ge_token_hash(id, id_hash);
    ge_token_hash(csrf, csrf_hash);
    utc_in(lifetime, exp);
    assert_int_equal(
        ge_store_session_create(st, id_hash, csrf_hash, user_id, exp, time(NULL), &err), GE_OK);
}

static void test_sessions(void **state)
{
    char a[GE_TOKEN_HASH_LEN], b[GE_TOKEN_HASH_LEN], c[GE_TOKEN_HASH_LEN], d[GE_TOKEN_HASH_LEN];
    char future[32];
    ge_session_row row;
    ge_user u;
    char h[GE_PASSWORD_HASH_MAX];
    int64_t n = 0;
    ge_err err;

    (void)state;
    if (!st) skip();
    int64_t carl = add_user("carl", GE_ROLE_CASEWORKER, "[\"skip-container\"]", "carl's password!");
    int64_t dora = add_user("dora", GE_ROLE_ADMIN, "[]", "dora's password!!");
    session_new(carl, 3600, a);
    session_new(carl, 3600, b);
    session_new(dora, -5, c); /* already past its absolute end */
    session_new(dora, 3600, d);
    assert_int_equal(ge_store_session_get(st, a, &row, &err), GE_OK);
    assert_string_equal(row.user.name, "carl");
    assert_int_equal(strlen(row.csrf_hash), 64);
    assert_string_equal(row.created_at, row.last_seen);
    ge_user_clear(&row.user);
    /* The login is the user's last one now. */
    assert_int_equal(ge_store_user_credentials(st, "carl", &u, h, &err), GE_OK);
    assert_int_equal(strlen(u.last_login_at), 20);
    ge_user_clear(&u);

    assert_int_equal(ge_store_session_touch(st, a, time(NULL), &err), GE_OK);
    assert_int_equal(ge_store_session_delete(st, a, &err), GE_OK);
    assert_int_equal(ge_store_session_get(st, a, &row, &err), GE_ENOENT);
    assert_int_equal(ge_store_session_delete(st, a, &err), GE_ENOENT);

    /* Expiry: c ran out; nobody was idle since before an hour ago. */
    utc_in(-3600, future);
    assert_int_equal(ge_store_sessions_expire(st, time(NULL), future, &n, &err), GE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ge_store_session_get(st, c, &row, &err), GE_ENOENT);
    assert_int_equal(ge_store_session_get(st, d, &row, &err), GE_OK);
    ge_user_clear(&row.user);
    /* Everyone idle since before a minute from now: d goes, b goes. */
    utc_in(60, future);
    assert_int_equal(ge_store_sessions_expire(st, time(NULL), future, &n, &err), GE_OK);
    assert_int_equal(n, 2);

    /* Disabling and a new password end the user's sessions at once. */
    session_new(carl, 3600, a);
    session_new(dora, 3600, d);
    assert_int_equal(ge_password_hash("carl's new password", h, &err), GE_OK);
    assert_int_equal(ge_store_user_set_password(st, "carl", h, time(NULL), &err), GE_OK);
    assert_int_equal(ge_store_session_get(st, a, &row, &err), GE_ENOENT);
    assert_int_equal(ge_store_session_get(st, d, &row, &err), GE_OK);
    ge_user_clear(&row.user);
    assert_int_equal(ge_store_user_disable(st, "dora", time(NULL), &err), GE_OK);
    assert_int_equal(ge_store_session_get(st, d, &row, &err), GE_ENOENT);
    /* A session row of a disabled user (made behind the API's back) is not found. */
    session_new(dora, 3600, d);
    assert_int_equal(ge_store_session_get(st, d, &row, &err), GE_ENOENT);
}

/* A session started through one store handle is found, touched and ended
 * through another on the same store: what a second instance does. */
static void test_session_seen_by_another_handle(void **state)
{
    char a[GE_TOKEN_HASH_LEN];
    ge_store *other = NULL;
    ge_session_row row;
    ge_store_opts opts;
    ge_err err;

    (void)state;
    if (!st) skip();
    int64_t eva = add_user("eva", GE_ROLE_CASEWORKER, "[]", "eva's long password");
    session_new(eva, 3600, a);
    memset(&opts, 0, sizeof opts);
    opts.path = path;
    assert_int_equal(ge_store_open(&other, &opts, &err), GE_OK);
    assert_int_equal(ge_store_session_get(other, a, &row, &err), GE_OK);
    assert_string_equal(row.user.name, "eva");
    ge_user_clear(&row.user);
    assert_int_equal(ge_store_session_touch(other, a, 1800000000, &err), GE_OK);
    assert_int_equal(ge_store_session_get(st, a, &row, &err), GE_OK);
    assert_string_equal(row.last_seen, "2027-01-15T08:00:00Z");
    ge_user_clear(&row.user);
    assert_int_equal(ge_store_session_delete(other, a, &err), GE_OK);
    assert_int_equal(ge_store_session_get(st, a, &row, &err), GE_ENOENT);
    ge_store_close(other);
}

/* Adds one failure to every cell, or fails with 7 when ud says so. */
static int count_cb(void *ud, ge_store_throttle_cell *cells, size_t n)
{
    if (ud) return 7;
    for (size_t i = 0; i < n; i++) {
        cells[i].failures++;
        cells[i].window_end = 1800000900;
    }
    return 0;
}

/* What count_cb saw last: the cells as read. */
static ge_store_throttle_cell seen[4];
static int look_cb(void *ud, ge_store_throttle_cell *cells, size_t n)
{
    (void)ud;
    memcpy(seen, cells, n * sizeof *cells);
    return 0;
}

/* The login throttle's cells (migration 13): zeros before they count,
 * written back by one update and seen by the next through another handle,
 * nothing written when the callback refuses; the hash key made once and the
 * same for every handle. */
static void test_throttle_cells(void **state)
{
    ge_store_throttle_cell c[3] = {
        {.tbl = 0, .idx = 70000}, {.tbl = 1, .idx = 3}, {.tbl = 0, .idx = 5}};
    ge_store *other = NULL;
    ge_store_opts opts;
    unsigned char fresh[32], fresh2[32], key[32], key2[32];
    ge_err err;

    (void)state;
    if (!st) skip();
    memset(&opts, 0, sizeof opts);
    opts.path = path;
    assert_int_equal(ge_store_open(&other, &opts, &err), GE_OK);

    assert_int_equal(ge_store_throttle_update(st, c, 3, look_cb, NULL, &err), GE_OK);
    for (int i = 0; i < 3; i++)
        assert_true(seen[i].failures == 0 && seen[i].epoch == 0 && seen[i].window_end == 0);
    assert_int_equal(ge_store_throttle_update(st, c, 3, count_cb, NULL, &err), GE_OK);
    assert_int_equal(ge_store_throttle_update(other, c, 2, count_cb, NULL, &err), GE_OK);
    assert_int_equal(ge_store_throttle_update(st, c, 3, count_cb, (void *)1, &err), 7);
    assert_int_equal(ge_store_throttle_update(st, c, 3, look_cb, NULL, &err), GE_OK);
    assert_int_equal(seen[0].tbl, 0);
    assert_int_equal(seen[0].idx, 70000);
    assert_int_equal(seen[0].failures, 2);
    assert_int_equal(seen[0].window_end, 1800000900);
    assert_int_equal(seen[1].failures, 2);
    assert_int_equal(seen[2].failures, 1);
    /* (tbl, idx) names a cell: the same index in the other sketch is another */
    ge_store_throttle_cell d = {.tbl = 1, .idx = 70000};
    assert_int_equal(ge_store_throttle_update(other, &d, 1, look_cb, NULL, &err), GE_OK);
    assert_int_equal(seen[0].failures, 0);

    memset(fresh, 0xa5, sizeof fresh);
    memset(fresh2, 0x5a, sizeof fresh2);
    assert_int_equal(ge_store_throttle_key(st, fresh, key, &err), GE_OK);
    assert_memory_equal(key, fresh, 32);
    assert_int_equal(ge_store_throttle_key(other, fresh2, key2, &err), GE_OK);
    assert_memory_equal(key2, fresh, 32);
    ge_store_close(other);
}

/* Four threads, each with a handle of its own as an instance has, count 25
 * times into the same two cells, half of them naming the cells in the
 * other order: no update is lost and none deadlocks. */
#define GE_T_THREADS 4
#define GE_T_ROUNDS  25

static void *count_thread(void *arg)
{
    long k = (long)(intptr_t)arg;
    ge_store *own = NULL;
    ge_store_opts opts = {.path = path};
    ge_err err;
    long failed = 0;

    if (ge_store_open(&own, &opts, &err) < 0) return (void *)(intptr_t)GE_T_ROUNDS;
    for (int i = 0; i < GE_T_ROUNDS; i++) {
        ge_store_throttle_cell c[2] = {{.tbl = 0, .idx = 11}, {.tbl = 1, .idx = 12}};
        if (k % 2) {
            ge_store_throttle_cell t = c[0];
            c[0] = c[1];
            c[1] = t;
        }
        int rc;
        do
            rc = ge_store_throttle_update(own, c, 2, count_cb, NULL, &err);
        while (rc == GE_ECONFLICT);
        failed += rc != GE_OK;
    }
    ge_store_close(own);
    return (void *)(intptr_t)failed;
}

static void test_throttle_concurrent(void **state)
{
    pthread_t t[GE_T_THREADS];
    ge_store_throttle_cell c[2] = {{.tbl = 0, .idx = 11}, {.tbl = 1, .idx = 12}};
    ge_err err;

    (void)state;
    if (!st) skip();
    for (long i = 0; i < GE_T_THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, count_thread, (void *)(intptr_t)i), 0);
    for (int i = 0; i < GE_T_THREADS; i++) {
        void *failed = NULL;
        pthread_join(t[i], &failed);
        assert_int_equal((intptr_t)failed, 0);
    }
    assert_int_equal(ge_store_throttle_update(st, c, 2, look_cb, NULL, &err), GE_OK);
    assert_int_equal(seen[0].failures, GE_T_THREADS * GE_T_ROUNDS);
    assert_int_equal(seen[1].failures, GE_T_THREADS * GE_T_ROUNDS);
}

#define ON_BOTH(fn)                                                                                \
    cmocka_unit_test_prestate_setup_teardown(fn, open_store, close_store, TS_STORE_SQLITE),        \
        cmocka_unit_test_prestate_setup_teardown(fn, open_store, close_store, TS_STORE_POSTGIS)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_hash),
        ON_BOTH(test_users),
        ON_BOTH(test_sessions),
        ON_BOTH(test_session_seen_by_another_handle),
        ON_BOTH(test_throttle_cells),
        ON_BOTH(test_throttle_concurrent),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
