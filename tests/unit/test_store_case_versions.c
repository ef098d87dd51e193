/*
 * test_store_case_versions.c - the version of a case (migration 8), which
 * is the entity tag of PATCH /v1/cases/{id}:
 *
 * - a store file written by the previous schema (migrated up to 7 only, its
 *   cases and history written as that release wrote them) opens with this
 *   build: every case stays readable through the store's readers and gets
 *   the version it would have had, 1 + its status changes + its purge;
 *   decisions then go on from there;
 * - every writer of cases moves the version by exactly one in the
 *   transaction of its change: the decision store (and nothing it refuses)
 *   and the retention purge, which keeps updated_at (the purge has
 *   purged_at).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "store_decisions.h"
#include "store_forms.h"
#include "store_retention.h"
#include "store_review.h"
#include "ts.h"
#include "ts_store.h"

static void sql(const char *path, const char *q, const char *a1, const char *a2, const char *a3)
{
    ts_store_sql(path, q, 3, a1, a2, a3);
}

static long long sql_int(const char *path, const char *q, const char *a1)
{
    return ts_store_sql_int(path, q, a1);
}

#define CASE_NEW    "00000000000000000000000000000001"
#define CASE_REVIEW "00000000000000000000000000000002"
#define CASE_BACK   "00000000000000000000000000000003"
#define CASE_PURGED "00000000000000000000000000000004"
#define CASE_CLOSED "00000000000000000000000000000005"

/* A case as the previous release's submission wrote it, with its
 * 'submitted' event. */
static void old_case(const char *path, const char *id, const char *status, const char *updated)
{
    sql(path,
        "INSERT INTO cases (id, client_id, service, reference, applicant, period_start,"
        " period_end, status, report, content_hash, created_at, updated_at)"
        " VALUES (?1, 1, 'info-stand', 'AZ-' || substr(?1, 31), '{\"name\":\"Erika Alt\"}',"
        " '2026-03-01', '2026-03-02', ?2, '{\"valid\":true,\"violations\":[]}', 'h',"
        " '2026-02-01T08:00:00Z', ?3)",
        id, status, updated);
    sql(path,
        "INSERT INTO case_events (case_id, at, actor, action, to_status)"
        " VALUES (?1, '2026-02-01T08:00:00Z', 'client:1', 'submitted', 'received')",
        id, NULL, NULL);
}

/* A status event as the previous release's decision store wrote it. */
static void old_status(const char *path, const char *id, const char *from, const char *to)
{
    sql(path,
        "INSERT INTO case_events (case_id, at, actor, action, from_status, to_status, comment)"
        " VALUES (?1, '2026-02-02T09:00:00Z', 'user:erika', 'status', ?2, ?3, 'alt')",
        id, from, to);
}

/* The store file of the previous schema (7), with five cases in every
 * state the previous release could leave them. */
static void make_previous_store(const char *path)
{
    ge_store_opts o = {.path = path, .srid = 25832};
    ge_store *st = NULL;
    ge_err err = {0};

    assert_int_equal(ge_store_open_at_version(&st, &o, 7, &err), GE_OK);
    assert_int_equal(ge_store_schema_version(st), 7);
    ge_store_close(st);
    sql(path,
        "INSERT INTO clients (id, name, api_key_hash, created_at)"
        " VALUES (1, 'Altes Formular', 'hash', '2026-01-01T00:00:00Z')",
        NULL, NULL, NULL);
    old_case(path, CASE_NEW, "received", "2026-02-01T08:00:00Z");
    old_case(path, CASE_REVIEW, "in_review", "2026-02-02T09:00:00Z");
    old_status(path, CASE_REVIEW, "received", "in_review");
    old_case(path, CASE_BACK, "in_review", "2026-02-02T09:00:03Z");
    old_status(path, CASE_BACK, "received", "in_review");
    old_status(path, CASE_BACK, "in_review", "changes_requested");
    old_status(path, CASE_BACK, "changes_requested", "in_review");
    /* decided and purged: the purge's own event counts as a change */
    old_case(path, CASE_PURGED, "approved", "2026-02-02T09:00:01Z");
    old_status(path, CASE_PURGED, "received", "in_review");
    old_status(path, CASE_PURGED, "in_review", "approved");
    sql(path,
        "UPDATE cases SET closed_at = updated_at, purged_at = '2026-09-01T00:00:00Z',"
        " applicant = '{}', reference = NULL WHERE id = ?1",
        CASE_PURGED, NULL, NULL);
    sql(path,
        "INSERT INTO case_events (case_id, at, actor, action, from_status, to_status)"
        " VALUES (?1, '2026-09-01T00:00:00Z', 'system:retention', 'purged', 'approved',"
        " 'approved')",
        CASE_PURGED, NULL, NULL);
    old_case(path, CASE_CLOSED, "rejected", "2026-02-02T09:00:01Z");
    old_status(path, CASE_CLOSED, "received", "in_review");
    old_status(path, CASE_CLOSED, "in_review", "rejected");
    sql(path, "UPDATE cases SET closed_at = updated_at WHERE id = ?1", CASE_CLOSED, NULL, NULL);
    /* the previous schema has no version column */
    assert_int_equal(sql_int(path,
                             "SELECT count(*) FROM pragma_table_info('cases')"
                             " WHERE name = 'version'",
                             NULL),
                     0);
}

/* The case through the caseworkers' reader and, unless purged (which that
 * one no longer finds), the form servers'. */
static void expect_case(ge_store *st, const char *id, const char *status, int64_t version)
{
    ge_case c;
    char closed[32], purged[32];
    ge_err err;

    memset(&c, 0, sizeof c);
    assert_int_equal(ge_store_case_review_get(st, id, &c, closed, purged, &err), GE_OK);
    assert_string_equal(c.status, status);
    assert_int_equal(c.version, version);
    assert_string_equal(c.service, "info-stand");
    assert_string_equal(c.created_at, "2026-02-01T08:00:00Z");
    ge_case_clear(&c);
    if (purged[0]) {
        assert_int_equal(ge_store_case_get(st, id, &c, &err), GE_ENOENT);
        return;
    }
    assert_int_equal(ge_store_case_get(st, id, &c, &err), GE_OK);
    assert_string_equal(c.status, status);
    assert_int_equal(c.version, version);
    ge_case_clear(&c);
}

static void test_migration_of_previous_store(void **state)
{
    const char *path = ts_path(ts_tmpdir("case-versions-migrate"), "v7.sqlite");
    ge_store_opts o = {.path = path, .srid = 25832};
    ge_store *st = NULL;
    ge_status_change in = {.case_id = CASE_REVIEW, .actor = "user:erika"};
    ge_status_result r;
    int64_t stale[] = {1}, current[] = {2};
    ge_err err = {0};

    (void)state;
    make_previous_store(path);
    assert_int_equal(ge_store_open(&st, &o, &err), GE_OK);
    assert_int_equal(ge_store_schema_version(st), ge_store_latest_version());
    assert_true(ge_store_latest_version() >= 8);
    /* every case readable, each with 1 + its changes */
    expect_case(st, CASE_NEW, "received", 1);
    expect_case(st, CASE_REVIEW, "in_review", 2);
    expect_case(st, CASE_BACK, "in_review", 4);
    expect_case(st, CASE_PURGED, "approved", 4);
    expect_case(st, CASE_CLOSED, "rejected", 3);
    /* the column holds for every row, and nothing else moved */
    assert_int_equal(sql_int(path, "SELECT count(*) FROM cases WHERE version IS NULL", NULL), 0);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM cases", NULL), 5);
    assert_int_equal(sql_int(path,
                             "SELECT count(*) FROM cases WHERE updated_at ="
                             " '2026-02-02T09:00:03Z' AND id = ?1",
                             CASE_BACK),
                     1);

    /* decisions go on from the migrated version: the old one is stale */
    in.to = GE_CASE_APPROVED;
    in.if_match = true;
    in.if_versions = stale;
    in.n_if_versions = 1;
    assert_int_equal(ge_store_case_set_status(st, &in, time(NULL), &r, &err), GE_OK);
    assert_int_equal(r.outcome, GE_DECISION_PRECONDITION);
    assert_int_equal(r.version, 2);
    in.if_versions = current;
    assert_int_equal(ge_store_case_set_status(st, &in, time(NULL), &r, &err), GE_OK);
    assert_int_equal(r.outcome, GE_DECISION_OK);
    assert_int_equal(r.version, 3);
    expect_case(st, CASE_REVIEW, "approved", 3);
    /* the old release pushed updated_at ahead; a new change takes the
     * clock's time even when that is earlier than a pushed-ahead one */
    in.case_id = CASE_BACK;
    in.if_match = false;
    assert_int_equal(ge_store_case_set_status(st, &in, time(NULL), &r, &err), GE_OK);
    assert_int_equal(r.outcome, GE_DECISION_OK);
    assert_int_equal(r.version, 5);
    ge_store_close(st);

    /* a second open migrates nothing again */
    assert_int_equal(ge_store_open(&st, &o, &err), GE_OK);
    expect_case(st, CASE_BACK, "approved", 5);
    expect_case(st, CASE_NEW, "received", 1);
    ge_store_close(st);
}

static void test_purge_moves_version(void **state)
{
    const char *path = ts_path(ts_tmpdir("case-versions-purge"), "p.sqlite");
    ge_store_opts o = {.path = path, .srid = 25832};
    ge_store *st = NULL;
    ge_status_change in = {.case_id = CASE_NEW, .actor = "user:erika", .comment = "ok"};
    ge_status_result r;
    bool purged = false;
    char updated[32], closed[32], purged_at[32];
    ge_case c;
    ge_err err = {0};

    (void)state;
    make_previous_store(path);
    assert_int_equal(ge_store_open(&st, &o, &err), GE_OK);
    in.to = GE_CASE_IN_REVIEW;
    assert_int_equal(ge_store_case_set_status(st, &in, time(NULL), &r, &err), GE_OK);
    in.to = GE_CASE_REJECTED;
    assert_int_equal(ge_store_case_set_status(st, &in, time(NULL), &r, &err), GE_OK);
    assert_int_equal(r.outcome, GE_DECISION_OK);
    assert_int_equal(r.version, 3);
    snprintf(updated, sizeof updated, "%s", r.updated_at);
    /* not due yet (cutoff before the closing): no purge, no new version */
    assert_int_equal(ge_store_retention_purge(st, CASE_NEW, "info-stand", "2026-01-01T00:00:00Z",
                                              "2026-01-01T00:00:00Z", &purged, &err),
                     GE_OK);
    assert_false(purged);
    assert_int_equal(sql_int(path, "SELECT version FROM cases WHERE id = ?1", CASE_NEW), 3);
    /* due: one purge, one version more, updated_at as it was */
    assert_int_equal(ge_store_retention_purge(st, CASE_NEW, "info-stand", "2999-01-01T00:00:00Z",
                                              "2999-01-01T00:00:00Z", &purged, &err),
                     GE_OK);
    assert_true(purged);
    memset(&c, 0, sizeof c);
    assert_int_equal(ge_store_case_review_get(st, CASE_NEW, &c, closed, purged_at, &err), GE_OK);
    assert_string_equal(purged_at, "2999-01-01T00:00:00Z");
    assert_int_equal(c.version, 4);
    assert_string_equal(c.updated_at, updated);
    assert_string_equal(c.applicant, "{}");
    ge_case_clear(&c);
    /* version - 1 is the number of changes in the history */
    assert_int_equal(sql_int(path,
                             "SELECT count(*) FROM case_events WHERE case_id = ?1"
                             " AND action IN ('status', 'purged')",
                             CASE_NEW),
                     3);
    /* a second purge finds nothing due and changes nothing */
    assert_int_equal(ge_store_retention_purge(st, CASE_NEW, "info-stand", "2999-01-01T00:00:00Z",
                                              "2999-01-01T00:00:00Z", &purged, &err),
                     GE_OK);
    assert_false(purged);
    assert_int_equal(sql_int(path, "SELECT version FROM cases WHERE id = ?1", CASE_NEW), 4);
    ge_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migration_of_previous_store),
        cmocka_unit_test(test_purge_moves_version),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
