/*
 * test_store_decisions.c - status changes of cases in the store
 * (store_decisions.h): every outcome (not found, not visible, purged, not
 * allowed, precondition failed, changed), the case_events row and closed_at
 * written with the change, the version moving on by one with every change
 * even within one second while updated_at stays the clock's time (never
 * ahead of it), If-Match by version, the webhook outbox row that the trigger of migration 5
 * adds for a client with a webhook URL (and not for one without), nothing
 * written by a refusal, and concurrent changes of one case through two
 * store handles (as two instances) of which exactly one wins. Every case runs on both backends
 * (ts_store_open_on; the PostGIS runs skip visibly without PostgreSQL); the checks beside the
 * store's answers read the database with plain SQL that both understand ($1, coalesce), through
 * SQLite or libpq.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "store_decisions.h"
#include "store_forms.h"
#include "token.h"
#include "ts.h"
#include "ts_store.h"
#include "ts_store_rows.h"
#include "ts_store_both.h"

static ge_store *st;       /* NULL: the case's backend is not available (skip) */
static char db_path[4096]; /* the file, or the PostGIS connection string */
static bool on_pg;
static int64_t client_hook, client_plain;

#define FC_EMPTY "{\"type\":\"FeatureCollection\",\"features\":[]}"

static int setup(void **state)
{
    int rc = ts_store_open_on(*state, "store_decisions", "d.db", &st, db_path);
    if (rc < 0) return -1;
    on_pg = strcmp(*state, TS_STORE_POSTGIS) == 0;
    if (rc > 0) return 0; /* no PostgreSQL: the case skips */
    client_hook = ts_store_add_client(st, "with hook", "https://forms.example/hook", NULL);
    client_plain = ts_store_add_client(st, "without hook", NULL, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ge_store_close(st);
    st = NULL;
    return 0;
}

/* A new case of client at (x, y) through the real submission. */
static void make_case_at(int64_t client, const char *service, double x, double y, char case_id[40])
{
    unsigned char pt[21];
    ge_case_feature f = {.wkb = pt, .wkb_len = sizeof pt};
    ge_draft d;
    ge_case_submit in;
    ge_submit_outcome out;
    ge_err err;

    ts_wkb_point(pt, x, y);
    ts_store_draft(st, client, service, &d);
    memset(&in, 0, sizeof in);
    in.client_id = client;
    in.draft_id = d.id;
    in.draft_features = FC_EMPTY;
    in.idempotency_key = d.id;
    in.request_hash = "r";
    in.service = service;
    in.applicant_json = "{}";
    in.report_json = "{\"valid\":true}";
    in.content_hash = "h";
    in.features = &f;
    in.nfeatures = 1;
    in.actor = "client:test";
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_CREATED);
}

/* A new case of client at the one place most tests use. */
static void make_case(int64_t client, const char *service, char case_id[40])
{
    make_case_at(client, service, 390000, 5820000, case_id);
}

/* sql's first column of its first row on the PostGIS database, NULL when
 * there is none (PQclear the result). */
static PGresult *pg_first(const char *sql, const char *arg)
{
    PGconn *c = PQconnectdb(db_path);
    PGresult *r;
    if (PQstatus(c) != CONNECTION_OK) fail_msg("%s", PQerrorMessage(c));
    r = PQexecParams(c, sql, arg ? 1 : 0, NULL, &arg, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQfinish(c);
    return r;
}

static long long sql_int(const char *sql, const char *arg)
{
    if (on_pg) {
        PGresult *r = pg_first(sql, arg);
        long long v = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
        PQclear(r);
        return v;
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    long long v = -1;
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    if (arg) sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

static void sql_text(const char *sql, const char *arg, char *out, size_t cap)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    out[0] = '\0';
    if (on_pg) {
        PGresult *r = pg_first(sql, arg);
        if (PQntuples(r) && !PQgetisnull(r, 0, 0)) snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        return;
    }
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    if (arg) sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
}

/* The clock now as the store writes times. */
static void clock_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int change(const char *id, ge_case_status to, const char *comment, ge_status_result *r)
{
    ge_status_change in = {.case_id = id, .to = to, .comment = comment, .actor = "user:erika"};
    ge_err err;
    return ge_store_case_set_status(st, &in, time(NULL), r, &err);
}

static long long events(const char *id)
{
    return sql_int("SELECT count(*) FROM case_events WHERE case_id = $1", id);
}

static long long deliveries(const char *id)
{
    return sql_int("SELECT count(*) FROM webhook_deliveries WHERE case_id = $1", id);
}

static void test_workflow(void **state)
{
    char id[40], plain[40], created[32], text[512], clock[32];
    ge_status_result r;
    ge_err err;

    (void)state;
    if (!st) skip();
    make_case(client_hook, "info-stand", id);
    make_case(client_plain, "info-stand", plain);
    sql_text("SELECT updated_at FROM cases WHERE id = $1", id, created, sizeof created);
    /* a new case is version 1 */
    assert_int_equal(sql_int("SELECT version FROM cases WHERE id = $1", id), 1);

    /* Not a step of the workflow: refused, naming the current status. */
    assert_int_equal(change(id, GE_CASE_APPROVED, NULL, &r), GE_OK);
    assert_int_equal(r.outcome, GE_DECISION_NOT_ALLOWED);
    assert_int_equal(r.from, GE_CASE_RECEIVED);
    assert_string_equal(r.from_name, "received");
    assert_string_equal(r.updated_at, created);
    assert_int_equal(r.version, 1);
    assert_int_equal(events(id), 1);
    assert_int_equal(deliveries(id), 0);

    /* received -> in_review */
    assert_int_equal(change(id, GE_CASE_IN_REVIEW, NULL, &r), GE_OK);
    assert_int_equal(r.outcome, GE_DECISION_OK);
    assert_int_equal(r.from, GE_CASE_RECEIVED);
    assert_string_equal(r.service, "info-stand");
    assert_int_equal(r.version, 2);
    assert_int_equal(sql_int("SELECT version FROM cases WHERE id = $1", id), 2);
    /* the time of the change is the clock's: not before the submission,
     * not after now */
    clock_now(clock);
    assert_true(strcmp(r.updated_at, created) >= 0);
    assert_true(strcmp(r.updated_at, clock) <= 0);
    assert_string_equal(r.closed_at, "");
    assert_true(r.event_id > 0);
    sql_text("SELECT status || '|' || updated_at || '|' || coalesce(closed_at, '-') FROM cases"
             " WHERE id = $1",
             id, text, sizeof text);
    {
        char want[128];
        snprintf(want, sizeof want, "in_review|%s|-", r.updated_at);
        assert_string_equal(text, want);
    }
    sql_text("SELECT actor || '|' || action || '|' || from_status || '|' || to_status || '|' ||"
             " coalesce(comment, '-') || '|' || at FROM case_events WHERE case_id = $1"
             " ORDER BY id DESC LIMIT 1",
             id, text, sizeof text);
    {
        char want[160];
        snprintf(want, sizeof want, "user:erika|status|received|in_review|-|%s", r.updated_at);
        assert_string_equal(text, want);
    }
    /* The trigger queued one delivery for the client with a webhook ... */
    assert_int_equal(deliveries(id), 1);
    assert_int_equal(
        sql_int("SELECT count(*) FROM webhook_deliveries d JOIN case_events e ON e.id ="
                " d.event_id WHERE d.case_id = $1 AND e.to_status = 'in_review'",
                id),
        1);
    /* ... and none for the one without. */
    assert_int_equal(change(plain, GE_CASE_IN_REVIEW, NULL, &r), GE_OK);
    assert_int_equal(r.outcome, GE_DECISION_OK);
    assert_int_equal(deliveries(plain), 0);
    assert_int_equal(events(plain), 2);

    /* rejected and changes_requested need a comment: refused before writing. */
    assert_int_equal(change(id, GE_CASE_REJECTED, NULL, &r), GE_EINVAL);
    assert_int_equal(change(id, GE_CASE_CHANGES_REQUESTED, "", &r), GE_EINVAL);
    assert_int_equal(events(id), 2);

    /* Back and forth as fast as the store goes (most often within one
     * second): the version moves on by one each time; the time never runs
     * backwards and never ahead of the clock. */
    {
        char seen[4][32];
        int64_t version[4];
        assert_int_equal(change(id, GE_CASE_CHANGES_REQUESTED, "Bitte Fläche verkleinern", &r),
                         GE_OK);
        assert_int_equal(r.outcome, GE_DECISION_OK);
        snprintf(seen[0], 32, "%s", r.updated_at);
        version[0] = r.version;
        assert_int_equal(change(id, GE_CASE_IN_REVIEW, NULL, &r), GE_OK);
        snprintf(seen[1], 32, "%s", r.updated_at);
        version[1] = r.version;
        assert_int_equal(change(id, GE_CASE_CHANGES_REQUESTED, "noch einmal", &r), GE_OK);
        snprintf(seen[2], 32, "%s", r.updated_at);
        version[2] = r.version;
        assert_int_equal(change(id, GE_CASE_IN_REVIEW, NULL, &r), GE_OK);
        snprintf(seen[3], 32, "%s", r.updated_at);
        version[3] = r.version;
        clock_now(clock);
        assert_int_equal(version[0], 3);
        for (int i = 1; i < 4; i++) {
            assert_int_equal(version[i], version[i - 1] + 1);
            assert_true(strcmp(seen[i], seen[i - 1]) >= 0);
        }
        assert_true(strcmp(seen[3], clock) <= 0);
        /* the stored event times are the cases' times: none ahead either */
        {
            char q[160], later[32];
            clock_now(later);
            snprintf(q, sizeof q,
                     "SELECT count(*) FROM case_events WHERE case_id = $1 AND at > '%s'", later);
            assert_int_equal(sql_int(q, id), 0);
        }
        assert_int_equal(deliveries(id), 5);
    }
    sql_text("SELECT comment FROM case_events WHERE case_id = $1 AND to_status ="
             " 'changes_requested' ORDER BY id LIMIT 1",
             id, text, sizeof text);
    assert_string_equal(text, "Bitte Fläche verkleinern");

    /* If-Match: an older version is refused, the current one passes. */
    {
        char current[32];
        int64_t now_version = sql_int("SELECT version FROM cases WHERE id = $1", id);
        const int64_t stale[] = {1, now_version - 1, now_version + 1};
        const int64_t fresh[] = {2, now_version};
        ge_status_change in = {.case_id = id,
                               .to = GE_CASE_APPROVED,
                               .comment = "passt",
                               .actor = "user:erika",
                               .if_match = true,
                               .if_versions = stale,
                               .n_if_versions = 3};
        assert_int_equal(now_version, 6);
        sql_text("SELECT updated_at FROM cases WHERE id = $1", id, current, sizeof current);
        assert_int_equal(ge_store_case_set_status(st, &in, time(NULL), &r, &err), GE_OK);
        assert_int_equal(r.outcome, GE_DECISION_PRECONDITION);
        assert_int_equal(r.version, now_version);
        assert_string_equal(r.updated_at, current);
        /* an If-Match with no usable tag never holds */
        in.n_if_versions = 0;
        assert_int_equal(ge_store_case_set_status(st, &in, time(NULL), &r, &err), GE_OK);
        assert_int_equal(r.outcome, GE_DECISION_PRECONDITION);
        assert_int_equal(sql_int("SELECT version FROM cases WHERE id = $1", id), now_version);
        in.if_versions = fresh;
        in.n_if_versions = 2;
        assert_int_equal(ge_store_case_set_status(st, &in, time(NULL), &r, &err), GE_OK);
        assert_int_equal(r.outcome, GE_DECISION_OK);
        assert_int_equal(r.from, GE_CASE_IN_REVIEW);
        assert_int_equal(r.version, now_version + 1);
        /* the version it was is stale now */
        in.to = GE_CASE_REJECTED;
        assert_int_equal(ge_store_case_set_status(st, &in, time(NULL), &r, &err), GE_OK);
        assert_int_equal(r.outcome, GE_DECISION_PRECONDITION);
        assert_int_equal(r.version, now_version + 1);
        assert_int_equal(r.from, GE_CASE_APPROVED);
    }
    /* approved closes the case at the time of the change */
    assert_string_not_equal(r.closed_at, "");
    assert_string_equal(r.closed_at, r.updated_at);
    sql_text("SELECT closed_at FROM cases WHERE id = $1", id, text, sizeof text);
    assert_string_equal(text, r.closed_at);
    /* and is final */
    for (int to = 0; to < GE_CASE_NSTATUS; to++) {
        assert_int_equal(change(id, (ge_case_status)to, "x", &r), GE_OK);
        assert_int_equal(r.outcome, GE_DECISION_NOT_ALLOWED);
        assert_int_equal(r.from, GE_CASE_APPROVED);
    }
    assert_int_equal(events(id), 7);
    assert_int_equal(deliveries(id), 6);
    /* refusals changed nothing: version - 1 is the number of status changes */
    assert_int_equal(sql_int("SELECT version FROM cases WHERE id = $1", id), 7);
    assert_int_equal(sql_int("SELECT count(*) FROM case_events WHERE case_id = $1"
                             " AND action = 'status'",
                             id),
                     6);

    /* rejected closes too, with its comment */
    assert_int_equal(change(plain, GE_CASE_REJECTED, "Standort liegt im Gleisbereich", &r), GE_OK);
    assert_int_equal(r.outcome, GE_DECISION_OK);
    assert_string_equal(r.closed_at, r.updated_at);
}

static bool only_skips(void *ud, const char *service)
{
    (*(int *)ud)++;
    return strcmp(service, "skip-container") == 0;
}

static void test_not_found_hidden_purged(void **state)
{
    char id[40], text[64];
    int asked = 0;
    ge_status_result r;
    ge_status_change in = {.to = GE_CASE_IN_REVIEW, .actor = "user:erika"};
    ge_err err;

    (void)state;
    if (!st) skip();
    make_case(client_hook, "info-stand", id);
    in.case_id = "0123456789abcdef0123456789abcdef";
    assert_int_equal(ge_store_case_set_status(st, &in, time(NULL), &r, &err), GE_OK);
    assert_int_equal(r.outcome, GE_DECISION_NOT_FOUND);

    /* A case the caller may not see is the same as none, and tells nothing. */
    in.case_id = id;
    in.may_see = only_skips;
    in.may_see_ud = &asked;
    assert_int_equal(ge_store_case_set_status(st, &in, time(NULL), &r, &err), GE_OK);
    assert_int_equal(r.outcome, GE_DECISION_NOT_FOUND);
    assert_int_equal(asked, 1);
    assert_string_equal(r.service, "");
    assert_string_equal(r.from_name, "");
    assert_string_equal(r.updated_at, "");
    assert_int_equal(events(id), 1);

    /* No actor: refused. */
    in.may_see = NULL;
    in.actor = NULL;
    assert_int_equal(ge_store_case_set_status(st, &in, time(NULL), &r, &err), GE_EINVAL);
    in.actor = "user:erika";

    /* Purged (as retention leaves a case): decided for good. */
    assert_int_equal(change(id, GE_CASE_IN_REVIEW, NULL, &r), GE_OK);
    assert_int_equal(change(id, GE_CASE_APPROVED, NULL, &r), GE_OK);
    assert_int_equal(r.outcome, GE_DECISION_OK);
    assert_int_equal(
        sql_int("UPDATE cases SET purged_at = closed_at WHERE id = $1 RETURNING 1", id), 1);
    assert_int_equal(change(id, GE_CASE_IN_REVIEW, NULL, &r), GE_OK);
    assert_int_equal(r.outcome, GE_DECISION_PURGED);
    assert_int_equal(r.from, GE_CASE_APPROVED);
    sql_text("SELECT status FROM cases WHERE id = $1", id, text, sizeof text);
    assert_string_equal(text, "approved");
    assert_int_equal(events(id), 3);
}

static double five_metres(void *ud, const char *service)
{
    (void)ud;
    (void)service;
    return 5;
}

static void test_approval_conflicts(void **state)
{
    char id[40], same_place[40], near_by[40], apart[40], q[200];
    const char *ack[] = {"0123456789abcdef0123456789abcdef", NULL};
    ge_status_result r;
    ge_status_change in = {
        .to = GE_CASE_APPROVED, .actor = "user:erika", .conflict_distance = five_metres};
    ge_err err;

    (void)state;
    if (!st) skip();
    make_case(client_hook, "info-stand", id);
    make_case_at(client_plain, "info-stand", 390000, 5820000, same_place);
    make_case_at(client_plain, "info-stand", 390003, 5820004, near_by);
    make_case_at(client_plain, "info-stand", 390010, 5820000, apart);
    assert_int_equal(change(id, GE_CASE_IN_REVIEW, NULL, &r), GE_OK);
    in.case_id = id;

    /* nobody acknowledged: refused, nearest first, nothing written */
    assert_int_equal(ge_store_case_set_status(st, &in, time(NULL), &r, &err), GE_OK);
    assert_int_equal(r.outcome, GE_DECISION_CONFLICTS);
    assert_int_equal(r.nconflicts, 2);
    assert_string_equal(r.conflicts[0].id, same_place);
    assert_true(r.conflicts[0].distance_m == 0);
    assert_string_equal(r.conflicts[1].id, near_by);
    assert_true(r.conflicts[1].distance_m == 5);
    assert_string_equal(r.conflicts[1].status, "received");
    assert_false(r.conflicts[1].visible);
    assert_true(r.unacknowledged[0] && r.unacknowledged[1]);
    assert_int_equal(r.version, 2);
    ge_status_result_clear(&r);
    assert_int_equal(events(id), 2);

    /* one of two acknowledged (and a name that conflicts with nothing) */
    ack[1] = near_by;
    in.acknowledged = ack;
    in.n_acknowledged = 2;
    assert_int_equal(ge_store_case_set_status(st, &in, time(NULL), &r, &err), GE_OK);
    assert_int_equal(r.outcome, GE_DECISION_CONFLICTS);
    assert_true(r.unacknowledged[0]);
    assert_false(r.unacknowledged[1]);
    ge_status_result_clear(&r);

    /* both: approved, and the overridden conflicts recorded with the event */
    ack[0] = same_place;
    assert_int_equal(ge_store_case_set_status(st, &in, time(NULL), &r, &err), GE_OK);
    assert_int_equal(r.outcome, GE_DECISION_OK);
    assert_int_equal(r.nconflicts, 2);
    assert_int_equal(r.version, 3);
    snprintf(q, sizeof q,
             "SELECT count(*) FROM case_event_overrides WHERE event_id = %lld"
             " AND case_id IN ('%s', '%s')",
             (long long)r.event_id, same_place, near_by);
    assert_int_equal(sql_int(q, NULL), 2);
    assert_int_equal(sql_int("SELECT count(*) FROM case_event_overrides WHERE case_id = $1", apart),
                     0);
    ge_status_result_clear(&r);
    assert_int_equal(events(id), 3);
}

typedef struct racer {
    ge_store *st;
    pthread_barrier_t *start;
    const char *id;
    ge_case_status to;
    const char *comment;
    int rc;
    ge_status_result r;
} racer;

static void *race(void *p)
{
    racer *x = p;
    ge_status_change in = {
        .case_id = x->id, .to = x->to, .comment = x->comment, .actor = "user:erika"};
    ge_err err;
    pthread_barrier_wait(x->start);
    x->rc = ge_store_case_set_status(x->st, &in, time(NULL), &x->r, &err);
    return NULL;
}

static void test_concurrent(void **state)
{
    char id[40];
    racer x[8];
    pthread_t t[8];
    int ok = 0, refused = 0;
    pthread_barrier_t start;
    ge_store_opts o = {.path = db_path, .srid = 25832};
    ge_store *st2 = NULL;
    ge_err err;

    (void)state;
    if (!st) skip();
    /* a second store on the same database, as a second instance */
    assert_int_equal(ge_store_open(&st2, &o, &err), GE_OK);
    assert_int_equal(pthread_barrier_init(&start, NULL, 8), 0);
    make_case(client_hook, "info-stand", id);
    assert_int_equal(change(id, GE_CASE_IN_REVIEW, NULL, &x[0].r), GE_OK);
    /* Eight caseworkers on two instances decide at once, two ways: exactly
     * one decision. */
    for (int i = 0; i < 8; i++) {
        x[i].st = i % 2 ? st2 : st;
        x[i].start = &start;
        x[i].id = id;
        x[i].to = i % 2 ? GE_CASE_APPROVED : GE_CASE_REJECTED;
        x[i].comment = "gleichzeitig";
        assert_int_equal(pthread_create(&t[i], NULL, race, &x[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(x[i].rc, GE_OK);
        ok += x[i].r.outcome == GE_DECISION_OK;
        refused += x[i].r.outcome == GE_DECISION_NOT_ALLOWED;
    }
    pthread_barrier_destroy(&start);
    ge_store_close(st2);
    assert_int_equal(ok, 1);
    assert_int_equal(refused, 7);
    assert_int_equal(events(id), 3);
    assert_int_equal(deliveries(id), 2);
    assert_int_equal(
        sql_int("SELECT count(*) FROM cases WHERE id = $1 AND closed_at IS NOT NULL", id), 1);
}

#define ON_BOTH(fn) TS_STORE_ON_BOTH(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ON_BOTH(test_workflow),
        ON_BOTH(test_not_found_hidden_purged),
        ON_BOTH(test_approval_conflicts),
        ON_BOTH(test_concurrent),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
