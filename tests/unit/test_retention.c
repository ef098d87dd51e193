/*
 * test_retention.c - which cases retention finds due and what one purge does
 * to the store (geo/app/retention.h, geo/store/store_retention.h), on both
 * backends (every case once on a SQLite file, once on a PostGIS database;
 * the PostGIS runs skip visibly without PostgreSQL) with a "now" the test
 * chooses: the boundary second of a service's
 * retention, retention_days 0, open and already purged cases, cases of an
 * unknown service (and no services at all) left alone, events of two cases
 * interleaved by id, another case's deliveries untouched, a stop flag,
 * two purgers (the second with a store of its own, as another instance)
 * racing over the same cases purging each exactly once, on PostGIS a purge
 * waiting while another instance holds the retention lock, and the
 * purge use case deciding by its context's clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "retention.h"
#include "date.h"
#include "service.h"
#include "store.h"
#include "store_retention.h"
#include "ts.h"
#include "ts_pg.h"
#include "ts_store.h"
#include "ts_store_both.h"
#include "ts_store_any.h"

/* 2030-06-16T12:00:00Z: the test's "now" */
#define NOW ((time_t)1907841600)

typedef struct fixture {
    ge_store *st; /* NULL: the case's backend is not available (skip) */
    ge_services *ss;
    char path[4096];
    int ncases;
} fixture;

static ge_service *service(const char *id, int days)
{
    char text[512];
    json_error_t jerr;
    json_t *doc;
    ge_service *s = NULL;
    ge_err err;

    snprintf(text, sizeof text,
             "{\"id\":\"%s\",\"title\":{\"de\":\"T\",\"en\":\"T\"},\"description\":{\"de\":\"D\","
             "\"en\":\"D\"},\"retention_days\":%d,\"rules\":[]}",
             id, days);
    doc = json_loads(text, 0, &jerr);
    assert_non_null(doc);
    if (ge_service_parse(doc, NULL, &s, &err) != GE_OK) fail_msg("%s", err.msg);
    json_decref(doc);
    return s;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    ge_service *v[2];
    ge_err err;
    int rc = ts_store_open_on(*state, "retention", "r.db", &fx->st, fx->path);

    *state = fx;
    if (rc != 0) return rc < 0 ? -1 : 0;
    v[0] = service("ten-days", 10);
    v[1] = service("at-once", 0);
    if (ge_services_from(v, 2, &fx->ss, &err) < 0) return -1;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    ge_store_close(fx->st);
    ge_services_free(fx->ss);
    free(fx);
    return 0;
}

/* Runs sql with up to 4 text parameters (NULL binds NULL). */
static void sql(const fixture *fx, const char *q, int n, ...)
{
    const char *a[4] = {NULL, NULL, NULL, NULL};
    va_list ap;

    va_start(ap, n);
    for (int i = 0; i < n && i < 4; i++)
        a[i] = va_arg(ap, const char *);
    va_end(ap);
    ts_any_sql(fx->path, q, n, a[0], a[1], a[2], a[3]);
}

static long long count(const fixture *fx, const char *q, const char *arg)
{
    return ts_any_sql_int(fx->path, q, arg);
}

static void at(time_t t, char out[32])
{
    ge_date_utc(t, out);
}

/* A case of service with personal data, a draft, a key, two commented
 * status events with webhook deliveries, closed at closed (0: open). */
static void add_case(fixture *fx, const char *id, const char *service, time_t closed)
{
    char created[32], closed_at[32], draft[48], key[48];

    if (fx->ncases++ == 0) {
        sql(fx,
            "INSERT INTO clients (id, name, api_key_hash, webhook_url, created_at)"
            " VALUES (1, 'c', 'h', 'https://forms.example.de/hook', '2029-01-01T00:00:00Z')",
            0);
    }
    at(NOW - 400 * 86400, created);
    at(closed, closed_at);
    snprintf(draft, sizeof draft, "d-%s", id);
    snprintf(key, sizeof key, "k-%s", id);
    sql(fx,
        "INSERT INTO drafts (id, client_id, service, reference, token_hash, expires_at,"
        " created_at, updated_at) VALUES (?1, 1, ?2, 'REF-SECRET', ?1, ?3, ?3, ?3)",
        3, draft, service, created);
    sql(fx,
        "INSERT INTO cases (id, client_id, draft_id, service, reference, applicant, status,"
        " report, created_at, updated_at) VALUES (?1, 1, ?2, ?3, 'REF-SECRET',"
        " '{\"name\":\"Secret Person\"}', 'received', '{\"valid\":true}', ?4, ?4)",
        4, id, draft, service, created);
    sql(fx,
        "INSERT INTO idempotency_keys (client_id, key, case_id, request_hash, created_at)"
        " VALUES (1, ?1, ?2, 'x', ?3)",
        3, key, id, created);
    sql(fx,
        "INSERT INTO case_events (case_id, at, actor, action, to_status)"
        " VALUES (?1, ?2, 'client:1', 'submitted', 'received')",
        2, id, created);
    sql(fx,
        "INSERT INTO case_events (case_id, at, actor, action, from_status, to_status, comment)"
        " VALUES (?1, ?2, 'user:erika', 'status', 'received', 'in_review', 'secret comment')",
        2, id, created);
    if (closed) {
        sql(fx,
            "INSERT INTO case_events (case_id, at, actor, action, from_status, to_status,"
            " comment) VALUES (?1, ?2, 'user:erika', 'status', 'in_review', 'approved',"
            " 'secret comment')",
            2, id, closed_at);
        sql(fx,
            "UPDATE cases SET status = 'approved', closed_at = ?2, updated_at = ?2"
            " WHERE id = ?1",
            2, id, closed_at);
    }
}

static bool listed(const ge_retention_case *v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].case_id, id) == 0) return true;
    return false;
}

static void test_due_boundaries(void **state)
{
    fixture *fx = *state;
    ge_retention_plan p;
    ge_err err;

    if (!fx->st) skip();

    add_case(fx, "b-exact", "ten-days", NOW - 10 * 86400);      /* retention ends now: due */
    add_case(fx, "b-second", "ten-days", NOW - 10 * 86400 + 1); /* one second to go */
    add_case(fx, "b-zero", "at-once", NOW);                     /* 0 days: due when closed */
    add_case(fx, "b-future", "at-once", NOW + 60);              /* a clock ahead: not yet */
    add_case(fx, "b-open", "ten-days", 0);                      /* open: never */
    add_case(fx, "b-gone", "retired", NOW - 900 * 86400);       /* unknown service */
    add_case(fx, "b-done", "ten-days", NOW - 20 * 86400);
    sql(fx, "UPDATE cases SET purged_at = '2030-01-01T00:00:00Z' WHERE id = 'b-done'", 0);

    assert_int_equal(ge_retention_plan_make(fx->st, fx->ss, NOW, &p, &err), GE_OK);
    assert_int_equal(p.ndue, 2);
    assert_true(listed(p.due, p.ndue, "b-exact"));
    assert_true(listed(p.due, p.ndue, "b-zero"));
    assert_int_equal(p.nunknown, 1);
    assert_string_equal(p.unknown[0].case_id, "b-gone");
    assert_string_equal(p.unknown[0].service, "retired");
    assert_string_equal(p.unknown[0].due_at, "");
    assert_string_equal(p.now, "2030-06-16T12:00:00Z");
    for (size_t i = 0; i < p.ndue; i++)
        if (strcmp(p.due[i].case_id, "b-exact") == 0)
            assert_string_equal(p.due[i].due_at, "2030-06-16T12:00:00Z");
    ge_retention_plan_clear(&p);

    /* one second later the next one is due too */
    assert_int_equal(ge_retention_plan_make(fx->st, fx->ss, NOW + 1, &p, &err), GE_OK);
    assert_int_equal(p.ndue, 3);
    assert_true(listed(p.due, p.ndue, "b-second"));
    ge_retention_plan_clear(&p);

    /* without services nothing is due and every closed case is reported */
    assert_int_equal(ge_retention_plan_make(fx->st, NULL, NOW, &p, &err), GE_OK);
    assert_int_equal(p.ndue, 0);
    assert_int_equal(p.nunknown, 5);
    ge_retention_plan_clear(&p);
}

static void report_nothing(void *ud, const ge_retention_case *c, ge_retention_outcome o,
                           const char *error)
{
    size_t *n = ud;
    (void)c;
    (void)error;
    if (o == GE_RETENTION_PURGED) (*n)++;
}

static void test_purge_one_case(void **state)
{
    fixture *fx = *state;
    ge_retention_stats stats;
    atomic_bool stop;
    size_t reported = 0;
    ge_err err;

    if (!fx->st) skip();

    /* events of p-one and p-two interleave by id */
    add_case(fx, "p-one", "ten-days", NOW - 30 * 86400);
    add_case(fx, "p-two", "ten-days", NOW - 2 * 86400);
    sql(fx,
        "INSERT INTO case_events (case_id, at, actor, action, from_status, to_status, comment)"
        " VALUES ('p-one', '2030-06-01T00:00:00Z', 'user:erika', 'status', 'approved',"
        " 'approved', 'late note')",
        0);
    /* the approval was made over a conflict with p-two (migration 10) */
    sql(fx,
        "INSERT INTO case_event_overrides (event_id, case_id, distance_m)"
        " SELECT id, 'p-two', 3.5 FROM case_events WHERE case_id = 'p-one'"
        " AND action = 'status' AND to_status = 'approved' ORDER BY id LIMIT 1",
        0);
    assert_int_equal(
        count(fx, "SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1", "p-one"), 3);
    assert_int_equal(
        count(fx, "SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1", "p-two"), 2);

    /* a stop flag set before the run: nothing happens */
    atomic_init(&stop, true);
    assert_int_equal(ge_retention_run(fx->st, fx->ss, NOW, false, &stop, NULL, NULL, &stats, &err),
                     GE_OK);
    assert_true(stats.due >= 1);
    assert_int_equal(stats.purged, 0);
    assert_int_equal(stats.stopped, stats.due);
    assert_int_equal(count(fx,
                           "SELECT count(*) FROM cases WHERE purged_at IS NOT NULL"
                           " AND id = ?1",
                           "p-one"),
                     0);

    /* a dry run neither */
    assert_int_equal(ge_retention_run(fx->st, fx->ss, NOW, true, NULL, NULL, NULL, &stats, &err),
                     GE_OK);
    assert_int_equal(stats.purged, 0);

    atomic_store(&stop, false);
    assert_int_equal(ge_retention_run(fx->st, fx->ss, NOW, false, &stop, report_nothing, &reported,
                                      &stats, &err),
                     GE_OK);
    assert_int_equal(stats.purged, reported);
    assert_int_equal(stats.failed, 0);
    assert_true(stats.checkpointed);
    assert_int_equal(
        count(fx,
              "SELECT count(*) FROM cases WHERE id = ?1 AND purged_at = "
              "'2030-06-16T12:00:00Z' AND CAST(applicant AS TEXT) = '{}' AND reference IS NULL"
              " AND draft_id IS NULL AND status = 'approved'"
              " AND CAST(report AS TEXT) = '{\"valid\":true}'",
              "p-one"),
        1);
    assert_int_equal(count(fx, "SELECT count(*) FROM drafts WHERE id = 'd-p-one'", NULL), 0);
    assert_int_equal(count(fx, "SELECT count(*) FROM idempotency_keys WHERE case_id = ?1", "p-one"),
                     0);
    assert_int_equal(
        count(fx, "SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1", "p-one"), 0);
    /* 4 events kept without comments, plus 'purged' with the highest id */
    assert_int_equal(count(fx, "SELECT count(*) FROM case_events WHERE case_id = ?1", "p-one"), 5);
    assert_int_equal(count(fx,
                           "SELECT count(*) FROM case_events WHERE case_id = ?1"
                           " AND comment IS NOT NULL",
                           "p-one"),
                     0);
    assert_int_equal(count(fx,
                           "SELECT CAST(max(id) = (SELECT id FROM case_events WHERE case_id = ?1"
                           " AND action = 'purged' AND actor = 'system:retention'"
                           " AND at = '2030-06-16T12:00:00Z') AS INTEGER)"
                           " FROM case_events WHERE case_id = ?1",
                           "p-one"),
                     1);
    /* the override still names the approval, kept under its id */
    assert_int_equal(count(fx,
                           "SELECT count(*) FROM case_event_overrides o"
                           " JOIN case_events e ON e.id = o.event_id"
                           " WHERE e.case_id = ?1 AND e.to_status = 'approved'"
                           " AND e.comment IS NULL AND o.case_id = 'p-two'",
                           "p-one"),
                     1);
    /* the other case: all of it still there */
    assert_int_equal(count(fx,
                           "SELECT count(*) FROM case_events WHERE case_id = ?1"
                           " AND comment = 'secret comment'",
                           "p-two"),
                     2);
    assert_int_equal(
        count(fx, "SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1", "p-two"), 2);
    assert_int_equal(count(fx,
                           "SELECT count(*) FROM cases WHERE id = ?1 AND purged_at IS NULL"
                           " AND CAST(applicant AS TEXT) <> '{}'",
                           "p-two"),
                     1);
    /* a purged case's events queue no webhook, and stay append-only for others */
    sql(fx,
        "INSERT INTO case_events (case_id, at, actor, action, from_status, to_status)"
        " VALUES ('p-one', '2030-06-16T00:00:00Z', 'user:x', 'status', 'approved', 'approved')",
        0);
    assert_int_equal(
        count(fx, "SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1", "p-one"), 0);

    /* purging a case directly: not due (open or inside retention) is no purge */
    {
        bool purged = true;
        assert_int_equal(ge_store_retention_purge(fx->st, "p-two", "ten-days",
                                                  "2030-06-06T12:00:00Z", "2030-06-16T12:00:00Z",
                                                  &purged, &err),
                         GE_OK);
        assert_false(purged);
        assert_int_equal(ge_store_retention_purge(fx->st, "no-such-case", "ten-days",
                                                  "2030-06-16T12:00:00Z", "2030-06-16T12:00:00Z",
                                                  &purged, &err),
                         GE_OK);
        assert_false(purged);
    }
}

typedef struct racer {
    fixture *fx;
    bool own; /* with a store of its own on the same path (another instance) */
    ge_retention_stats stats;
    int rc;
} racer;

static void *race(void *p)
{
    racer *r = p;
    ge_store_opts o = {.path = r->fx->path, .srid = 25832};
    ge_store *st = r->fx->st;
    ge_err err;

    if (r->own && (r->rc = ge_store_open(&st, &o, &err)) < 0) return NULL;
    r->rc = ge_retention_run(st, r->fx->ss, NOW + 86400 * 365, false, NULL, NULL, NULL, &r->stats,
                             &err);
    if (r->own) ge_store_close(st);
    return NULL;
}

static void test_two_purgers_purge_each_case_once(void **state)
{
    fixture *fx = *state;
    pthread_t th[2];
    racer r[2] = {{.fx = fx}, {.fx = fx, .own = true}};
    char id[32];
    long long due = 0;

    if (!fx->st) skip();

    for (int i = 0; i < 20; i++) {
        snprintf(id, sizeof id, "race-%02d", i);
        add_case(fx, id, i % 2 ? "ten-days" : "at-once", NOW - i * 3600);
    }
    due = count(fx,
                "SELECT count(*) FROM cases WHERE closed_at IS NOT NULL AND purged_at IS NULL"
                " AND service IN ('ten-days', 'at-once')",
                NULL);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(r[0].rc, GE_OK);
    assert_int_equal(r[1].rc, GE_OK);
    assert_int_equal(r[0].stats.failed + r[1].stats.failed, 0);
    /* every due case purged by exactly one of them */
    assert_int_equal(r[0].stats.purged + r[1].stats.purged, due);
    assert_int_equal(count(fx,
                           "SELECT count(*) FROM cases WHERE closed_at IS NOT NULL AND"
                           " purged_at IS NULL AND service IN ('ten-days', 'at-once')",
                           NULL),
                     0);
    assert_int_equal(
        count(fx,
              "SELECT count(*) FROM (SELECT case_id FROM case_events"
              " WHERE action = 'purged' GROUP BY case_id HAVING count(*) > 1) AS twice",
              NULL),
        0);
    assert_int_equal(count(fx,
                           "SELECT count(*) FROM case_events WHERE comment IS NOT NULL AND"
                           " case_id IN (SELECT case_id FROM case_events WHERE action = 'purged')",
                           NULL),
                     0);
    if (!ge_store_path_is_postgres(fx->path))
        assert_int_equal(count(fx,
                               "SELECT count(*) FROM pragma_integrity_check"
                               " WHERE integrity_check <> 'ok'",
                               NULL),
                         0);
}

typedef struct lone_purge {
    fixture *fx;
    const char *case_id;
    bool purged;
    int rc;
} lone_purge;

static void *purge_alone(void *p)
{
    lone_purge *lp = p;
    ge_err err;
    lp->rc = ge_store_retention_purge(lp->fx->st, lp->case_id, "ten-days", "2030-06-06T12:00:00Z",
                                      "2030-06-16T12:00:00Z", &lp->purged, &err);
    return NULL;
}

/* Purges case_id in a thread while another session holds the advisory lock
 * key: the purge waits for exactly that lock and has changed nothing
 * visible; once it is released, the purge goes through. */
static void purge_waits_for(fixture *fx, const char *case_id, const char *key)
{
    lone_purge lp = {.fx = fx, .case_id = case_id};
    pthread_t th;
    PGconn *other;
    char q[512], *waiting = NULL;

    add_case(fx, case_id, "ten-days", NOW - 30 * 86400);
    other = ts_pg_connect(fx->path);
    snprintf(q, sizeof q, "SELECT pg_advisory_lock(%s)", key);
    free(ts_pg_sql(other, q));
    assert_int_equal(pthread_create(&th, NULL, purge_alone, &lp), 0);
    /* until the purge's session waits for this lock (bounded: 60 s) */
    snprintf(q, sizeof q,
             "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
             " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
             " AND ((classid::bigint << 32) | objid::bigint) = %s",
             key);
    for (int i = 0; i < 6000; i++) {
        free(waiting);
        waiting = ts_pg_sql(other, q);
        if (waiting && strcmp(waiting, "0") != 0) break;
        usleep(10000);
    }
    assert_string_equal(waiting, "1");
    free(waiting);
    assert_int_equal(
        count(fx, "SELECT count(*) FROM cases WHERE id = ?1 AND purged_at IS NULL", case_id), 1);
    snprintf(q, sizeof q, "SELECT pg_advisory_unlock(%s)", key);
    free(ts_pg_sql(other, q));
    pthread_join(th, NULL);
    PQfinish(other);
    assert_int_equal(lp.rc, GE_OK);
    assert_true(lp.purged);
    assert_int_equal(count(fx,
                           "SELECT count(*) FROM cases WHERE id = ?1"
                           " AND purged_at = '2030-06-16T12:00:00Z'",
                           case_id),
                     1);
}

/*
 * PostGIS: one instance purges at a time. While another session holds the
 * retention lock (pg_retention.c's GE_PG_RETENTION_LOCK_KEY, as a purge
 * transaction of another instance holds it), a purge waits for it. And
 * like every writer of case_events it waits for the case-events lock
 * (pg_case_events.h's GE_PG_CASE_EVENTS_LOCK_KEY) before its events, so
 * that event ids grow in commit order.
 */
static void test_purge_waits_for_the_retention_lock(void **state)
{
    fixture *fx = *state;

    if (!fx->st) skip();
    purge_waits_for(fx, "lock-1", "7154816402318551920");
    purge_waits_for(fx, "lock-2", "7154816402318551901");
}

static time_t fixed_clock(void *ud)
{
    return *(const time_t *)ud;
}

/* The purge use case (what the CLI and the server's timer call) reads the
 * time from its context's clock, not time(NULL): a case closed in 2030 is
 * not due two days before its retention ends and is purged at its end, at
 * that time. */
static void test_purge_use_case_reads_the_clock(void **state)
{
    fixture *fx = *state;
    time_t now = NOW - 2 * 86400;
    ge_app app = {.store = fx->st, .services = fx->ss, .clock = fixed_clock, .clock_ud = &now};
    ge_retention_stats stats;
    ge_app_result r;

    if (!fx->st) skip();

    add_case(fx, "clock-due", "ten-days", NOW - 10 * 86400);
    ge_app_result_init(&r);
    assert_int_equal(ge_app_cases_purge(&app, false, NULL, NULL, NULL, &stats, &r), GE_OK);
    assert_int_equal(
        count(fx, "SELECT count(*) FROM cases WHERE id = ?1 AND purged_at IS NULL", "clock-due"),
        1);
    now = NOW;
    assert_int_equal(ge_app_cases_purge(&app, false, NULL, NULL, NULL, &stats, &r), GE_OK);
    assert_int_equal(stats.failed, 0);
    assert_int_equal(count(fx,
                           "SELECT count(*) FROM cases WHERE id = ?1"
                           " AND purged_at = '2030-06-16T12:00:00Z'",
                           "clock-due"),
                     1);
    ge_app_result_clear(&r);
}

#define ON_BOTH(fn) TS_STORE_ON_BOTH(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ON_BOTH(test_due_boundaries),
        ON_BOTH(test_purge_one_case),
        ON_BOTH(test_two_purgers_purge_each_case_once),
        ON_BOTH(test_purge_use_case_reads_the_clock),
        cmocka_unit_test_prestate_setup_teardown(test_purge_waits_for_the_retention_lock, setup,
                                                 teardown, TS_STORE_POSTGIS),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
