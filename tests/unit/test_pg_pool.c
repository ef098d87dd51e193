/*
 * test_pg_pool.c - the libpq connection pool of the PostGIS store
 * (geo/store/postgis/pg_pool.h) against a real PostgreSQL (tests/support/
 * ts_pg.h: a throwaway cluster, or $GE_TEST_PG_URI): many threads sharing
 * few connections, the wait that runs out, a backend the server ends
 * (pg_terminate_backend) replaced at the next acquire, a connection that
 * dies in use dropped at release, a transaction left open rolled back, and
 * a connection failure that never shows the password. Skipped visibly
 * without PostgreSQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pg_pool.h"
#include "ts.h"
#include "ts_pg.h"

static ge_pg_pool *open_pool(const char *conninfo, int size)
{
    ge_pg_pool_opts o = {.uri = conninfo, .size = size};
    ge_pg_pool *p = NULL;
    ge_err err = {0};
    if (ge_pg_pool_open(&p, &o, &err) != GE_OK) fail_msg("ge_pg_pool_open: %s", err.msg);
    return p;
}

static PGconn *acquire(ge_pg_pool *p)
{
    PGconn *c = NULL;
    ge_err err = {0};
    if (ge_pg_pool_acquire(p, 10000, &c, &err) != GE_OK) fail_msg("acquire: %s", err.msg);
    return c;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Ends the backend pid from outside and waits until the server has let it go. */
static void terminate_backend(int pid)
{
    PGconn *admin = ts_pg_admin();
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", pid);
    free(ts_pg_sql(admin, sql));
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity WHERE pid = %d", pid);
    for (int i = 0; i < 1000; i++) {
        char *n = ts_pg_sql(admin, sql);
        int gone = n && strcmp(n, "0") == 0;
        free(n);
        if (gone) break;
        sleep_ms(10);
    }
    PQfinish(admin);
}

static int query_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok;
}

/* ---- many threads, few connections ------------------------------------------ */

#define WORKERS    8
#define ITERATIONS 40
#define POOL_SIZE  3

typedef struct worker {
    ge_pg_pool *pool;
    atomic_int *held;
    atomic_int *most_held;
    int failures;
    char msg[256];
} worker;

static void *worker_run(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < ITERATIONS; i++) {
        PGconn *c = NULL;
        ge_err err = {0};
        int now, most;
        if (ge_pg_pool_acquire(w->pool, 30000, &c, &err) != GE_OK) {
            w->failures++;
            snprintf(w->msg, sizeof w->msg, "%s", err.msg);
            continue;
        }
        now = atomic_fetch_add(w->held, 1) + 1;
        most = atomic_load(w->most_held);
        while (now > most && !atomic_compare_exchange_weak(w->most_held, &most, now))
            ;
        /* each turn adds 1 in a transaction of its own: the count at the
         * end shows that every one ran to its commit */
        if (!query_ok(c, "BEGIN") || !query_ok(c, "UPDATE counter SET n = n + 1") ||
            !query_ok(c, "COMMIT")) {
            w->failures++;
            snprintf(w->msg, sizeof w->msg, "%s", PQerrorMessage(c));
        }
        atomic_fetch_sub(w->held, 1);
        ge_pg_pool_release(w->pool, c);
    }
    return NULL;
}

static void test_threads_share_the_pool(void **state)
{
    const char *db = ts_pg_db("pool_threads", 0);
    if (!db) skip();
    PGconn *setup = ts_pg_connect(db);
    free(ts_pg_sql(setup, "CREATE TABLE counter (n integer NOT NULL)"));
    free(ts_pg_sql(setup, "INSERT INTO counter VALUES (0)"));

    ge_pg_pool *p = open_pool(db, POOL_SIZE);
    atomic_int held = 0, most_held = 0;
    pthread_t t[WORKERS];
    worker w[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        w[i] = (worker){.pool = p, .held = &held, .most_held = &most_held};
        assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
    }
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(t[i], NULL);
        if (w[i].failures) fail_msg("worker %d: %d failures, last: %s", i, w[i].failures, w[i].msg);
    }
    char *n = ts_pg_sql(setup, "SELECT n FROM counter");
    assert_string_equal(n, "320"); /* WORKERS * ITERATIONS */
    free(n);
    /* never more connections handed out or opened than the pool has */
    assert_true(atomic_load(&most_held) <= POOL_SIZE);
    assert_true(atomic_load(&most_held) >= 1);
    assert_true(ge_pg_pool_open_count(p) <= POOL_SIZE);
    assert_int_equal(ge_pg_pool_broken_count(p), 0);
    /* and the server agrees: our application's sessions */
    n = ts_pg_sql(setup, "SELECT count(*) <= 3 FROM pg_stat_activity"
                         " WHERE application_name = 'geoeditor' AND datname = current_database()");
    assert_string_equal(n, "t");
    free(n);
    ge_pg_pool_close(p);
    PQfinish(setup);
}

/* ---- the wait runs out -------------------------------------------------------- */

static void test_acquire_times_out_when_all_are_in_use(void **state)
{
    const char *db = ts_pg_db("pool_timeout", 0);
    if (!db) skip();
    ge_pg_pool *p = open_pool(db, 1);
    PGconn *c = acquire(p), *c2 = NULL;
    ge_err err = {0};
    assert_int_equal(ge_pg_pool_acquire(p, 50, &c2, &err), GE_ELIMIT);
    assert_null(c2);
    assert_non_null(strstr(err.msg, "all 1 connections stayed in use"));
    ge_pg_pool_release(p, c);
    c2 = acquire(p);
    assert_ptr_equal(c2, c); /* the same connection, kept open */
    ge_pg_pool_release(p, c2);
    ge_pg_pool_close(p);
}

/* ---- broken connections -------------------------------------------------------- */

static void test_terminated_backend_is_replaced_at_acquire(void **state)
{
    const char *db = ts_pg_db("pool_terminated", 0);
    if (!db) skip();
    ge_pg_pool *p = open_pool(db, 1);
    PGconn *c = acquire(p);
    int pid = PQbackendPID(c);
    ge_pg_pool_release(p, c);

    terminate_backend(pid);

    /* no failed statement on the way: acquire noticed and reconnected */
    c = acquire(p);
    assert_int_not_equal(PQbackendPID(c), pid);
    assert_true(query_ok(c, "SELECT 1"));
    assert_int_equal(ge_pg_pool_broken_count(p), 1);
    assert_int_equal(ge_pg_pool_open_count(p), 1);
    ge_pg_pool_release(p, c);
    ge_pg_pool_close(p);
}

static void test_connection_dying_in_use_is_dropped_at_release(void **state)
{
    const char *db = ts_pg_db("pool_dying", 0);
    if (!db) skip();
    ge_pg_pool *p = open_pool(db, 2);
    PGconn *c = acquire(p);
    int pid = PQbackendPID(c);

    terminate_backend(pid);
    /* the statement in hand fails: the caller decides about retrying */
    assert_false(query_ok(c, "SELECT 1"));
    ge_pg_pool_release(p, c);
    assert_int_equal(ge_pg_pool_broken_count(p), 1);

    for (int i = 0; i < 3; i++) {
        c = acquire(p);
        assert_int_not_equal(PQbackendPID(c), pid);
        assert_true(query_ok(c, "SELECT 1"));
        ge_pg_pool_release(p, c);
    }
    ge_pg_pool_close(p);
}

static void test_open_transaction_is_rolled_back_at_release(void **state)
{
    const char *db = ts_pg_db("pool_rollback", 0);
    if (!db) skip();
    PGconn *setup = ts_pg_connect(db);
    free(ts_pg_sql(setup, "CREATE TABLE t (x integer)"));
    ge_pg_pool *p = open_pool(db, 1);

    PGconn *c = acquire(p);
    assert_true(query_ok(c, "BEGIN"));
    assert_true(query_ok(c, "INSERT INTO t VALUES (1)"));
    ge_pg_pool_release(p, c); /* an error path that forgot its ROLLBACK */

    c = acquire(p);
    assert_int_equal(PQtransactionStatus(c), PQTRANS_IDLE);
    ge_pg_pool_release(p, c);
    char *n = ts_pg_sql(setup, "SELECT count(*) FROM t");
    assert_string_equal(n, "0");
    free(n);

    /* a failed statement inside a transaction: the same */
    c = acquire(p);
    assert_true(query_ok(c, "BEGIN"));
    assert_false(query_ok(c, "SELECT no_such_column FROM t"));
    ge_pg_pool_release(p, c);
    c = acquire(p);
    assert_true(query_ok(c, "SELECT 1"));
    ge_pg_pool_release(p, c);
    assert_int_equal(ge_pg_pool_broken_count(p), 0);

    ge_pg_pool_close(p);
    PQfinish(setup);
}

/* ---- failing to connect ------------------------------------------------------- */

static void test_unreachable_server_is_named_without_password(void **state)
{
    /* port 1 on loopback: nothing listens there */
    ge_pg_pool_opts o = {.uri = "postgresql://someone:s3cretpw@127.0.0.1:1/geo",
                         .connect_timeout_s = 2};
    ge_pg_pool *p = NULL;
    ge_err err = {0};
    assert_int_equal(ge_pg_pool_open(&p, &o, &err), GE_EIO);
    assert_null(p);
    assert_non_null(strstr(err.msg, "postgresql://someone@127.0.0.1:1/geo: cannot connect"));
    assert_null(strstr(err.msg, "s3cretpw"));

    o.uri = "";
    assert_int_equal(ge_pg_pool_open(&p, &o, &err), GE_EINVAL);
}

static void test_pool_name_hides_password(void **state)
{
    const char *db = ts_pg_db("pool_name", 0);
    if (!db) skip();
    ge_pg_pool *p = open_pool(db, 1);
    const char *name = ge_pg_pool_name(p);
    assert_true(strncmp(name, "postgresql://", 13) == 0);
    assert_non_null(strstr(name, "/t"));
    assert_non_null(strstr(name, "_pool_name"));
    ge_pg_pool_close(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_share_the_pool),
        cmocka_unit_test(test_acquire_times_out_when_all_are_in_use),
        cmocka_unit_test(test_terminated_backend_is_replaced_at_acquire),
        cmocka_unit_test(test_connection_dying_in_use_is_dropped_at_release),
        cmocka_unit_test(test_open_transaction_is_rolled_back_at_release),
        cmocka_unit_test(test_unreachable_server_is_named_without_password),
        cmocka_unit_test(test_pool_name_hides_password),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
