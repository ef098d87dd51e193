/*
 * test_store_backend.c - the store interface over its two backends
 * (geo/store/store.c, store_backend.h): every entry of both backends'
 * tables is set (a function not written yet answers an error, it is never
 * a NULL pointer); which --db selects which backend; and the PostGIS store
 * opened by its connection string: migrated, its SRID read back from
 * store_meta (a reopen with another SRID keeps it), its name without the
 * password, ping, the schema
 * version, and a function it does not have yet answering GE_EINTERNAL with
 * its name rather than crashing. The PostGIS cases skip visibly without
 * PostgreSQL.
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

#include "store.h"
#include "store_backend.h"
#include "store_users.h"
#include "ts.h"
#include "ts_pg.h"

/* Counts the NULL entries of one subject struct, read as the array of
 * function pointers it is. */
static size_t null_entries(const void *ops, size_t size, const char *backend, const char *subject)
{
    typedef void (*fn)(void);
    size_t nulls = 0;
    assert_int_equal(size % sizeof(fn), 0);
    for (size_t i = 0; i < size / sizeof(fn); i++) {
        fn f;
        memcpy(&f, (const char *)ops + i * sizeof f, sizeof f);
        if (!f) {
            printf("%s: %s entry %zu is NULL\n", backend, subject, i);
            nulls++;
        }
    }
    return nulls;
}

static void assert_table_complete(const ge_store_backend *be)
{
    size_t nulls = 0;
    assert_non_null(be->name);
#define CHECK_SUBJECT(s)                                                                           \
    assert_non_null(be->s);                                                                        \
    nulls += null_entries(be->s, sizeof *be->s, be->name, #s);
    GE_STORE_SUBJECTS(CHECK_SUBJECT)
#undef CHECK_SUBJECT
    assert_int_equal(nulls, 0);
    /* and no subject left out of GE_STORE_SUBJECTS: 16 pointers after the name */
    assert_int_equal(sizeof *be, sizeof(const char *) + 16 * sizeof(const void *));
}

static void test_tables_have_no_null_entries(void **state)
{
    (void)state;
    assert_table_complete(&ge_sqlite_backend);
    assert_table_complete(&ge_pg_backend);
}

static void test_db_selects_the_backend(void **state)
{
    (void)state;
    assert_true(ge_store_path_is_postgres("postgresql://u@127.0.0.1:5432/geo"));
    assert_true(ge_store_path_is_postgres("postgres://u@db/geo?sslmode=require"));
    assert_true(ge_store_path_is_postgres("host=127.0.0.1 dbname=geo"));
    assert_true(ge_store_path_is_postgres("dbname = geo"));
    assert_false(ge_store_path_is_postgres("geoeditor.sqlite"));
    assert_false(ge_store_path_is_postgres("/var/lib/geoeditor/store.sqlite"));
    assert_false(ge_store_path_is_postgres("./dbname=geo"));
    assert_false(ge_store_path_is_postgres("data/a=b.sqlite"));
    assert_false(ge_store_path_is_postgres("=x"));
    assert_false(ge_store_path_is_postgres(""));
    assert_false(ge_store_path_is_postgres(NULL));
}

static void test_postgis_opens_by_uri(void **state)
{
    (void)state;
    const char *uri = ts_pg_db("store_backend_open", 0);
    if (!uri) skip();
    char db[1024];
    ge_store *st = NULL;
    /* with a password in it, which the store's name leaves out */
    snprintf(db, sizeof db, "%s password='pg-secret'", uri); /* "trust": not checked */
    ge_store_opts o = {.path = db, .srid = 25833};
    ge_err err = {0};

    assert_int_equal(ge_store_open(&st, &o, &err), GE_OK);
    assert_string_equal(ge_store_backend_of(st)->name, "postgis");
    assert_non_null(strstr(ge_store_name(st), "store_backend_open"));
    assert_null(strstr(ge_store_name(st), "pg-secret"));
    assert_int_equal(ge_store_srid(st), 25833);
    assert_int_equal(ge_store_schema_version(st), ge_store_latest_version());
    assert_int_equal(ge_store_ping(st, &err), GE_OK);

    /* a subject written (users): an answer */
    ge_user *users = NULL;
    size_t n = 7;
    assert_int_equal(ge_store_user_list(st, &users, &n, &err), GE_OK);
    assert_int_equal(n, 0);
    /* written (pg_layers.c): a batch begins and aborts, the pool gets its
     * connection back */
    ge_import_batch *b = NULL;
    assert_int_equal(ge_import_batch_begin(st, 1800000000, &b, &err), GE_OK);
    assert_non_null(b);
    ge_import_batch_abort(b);
    ge_store_close(st);

    /* an existing store keeps its SRID whatever opts say */
    o.srid = 25832;
    assert_int_equal(ge_store_open(&st, &o, &err), GE_OK);
    assert_int_equal(ge_store_srid(st), 25833);
    ge_store_close(st);

    /* read-only: no migration, the same answers */
    o.readonly = true;
    assert_int_equal(ge_store_open(&st, &o, &err), GE_OK);
    assert_int_equal(ge_store_srid(st), 25833);
    assert_int_equal(ge_store_schema_version(st), ge_store_latest_version());
    assert_int_equal(ge_import_batch_begin(st, 1800000000, &b, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "read-only"));
    ge_store_close(st);
}

static void test_postgis_refuses_what_it_cannot_reach(void **state)
{
    (void)state;
    ge_store *st = NULL;
    /* port 1 on loopback: nobody listens there */
    ge_store_opts o = {.path = "postgresql://geo:topsecret@127.0.0.1:1/geo?connect_timeout=2"};
    ge_err err = {0};
    assert_int_equal(ge_store_open(&st, &o, &err), GE_EIO);
    assert_null(st);
    assert_null(strstr(err.msg, "topsecret"));

    /* a read-only open of an empty database: not a geoEDITOR store */
    const char *uri = ts_pg_db("store_backend_empty", 0);
    if (!uri) skip();
    ge_store_opts e = {.path = uri, .readonly = true};
    assert_int_equal(ge_store_open(&st, &e, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "not a geoEDITOR store"));
    assert_null(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_have_no_null_entries),
        cmocka_unit_test(test_db_selects_the_backend),
        cmocka_unit_test(test_postgis_opens_by_uri),
        cmocka_unit_test(test_postgis_refuses_what_it_cannot_reach),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
