/*
 * test_store_review.c - the caseworkers' read view in the store
 * (store_review.h) on a real store file: the filter's service lists and
 * their limits, the case list under every condition (visibility, services,
 * statuses, period overlap with missing periods, bbox, folded free text,
 * paging with the matched count, purged cases), a purged case still read
 * for caseworkers, the events oldest first, and the conflict query
 * (distance, periods, rejected and approved cases, visibility) together
 * with the validation rule's candidate query ge_store_cases_near, which
 * follows the same rule: approved cases take the place, rejected ones do
 * not. The orders of the list with their tie-breaks, the morning view's
 * counts and the conflict counts of a page.
 *
 * The store cases run on both backends (test_store_clients.c's pattern);
 * fixtures the API cannot make are plain SQL on the store under test
 * (ts_store_any.h: SQLite file or PostGIS database).
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
#include <time.h>

#include "store.h"
#include "store_forms.h"
#include "store_review.h"
#include "token.h"
#include "ts.h"
#include "ts_store.h"
#include "ts_store_any.h"

static ge_store *st; /* NULL: the case's backend is not available (skip) */
static char path[4096];
static int64_t client;
static bool seeded;

enum { A, B, C, D, E, NCASES };
static char ids[NCASES][40];
static char drafts[NCASES][40];

/* Runs stmt (?1 = arg) on the store under test, either backend. */
static void sql(const char *stmt, const char *arg)
{
    ts_any_sql(path, stmt, 1, arg);
}

/* One case of one point, made as a submission makes it. */
static void make_case(int i, const char *service, double x, double y, const char *ps,
                      const char *pe, const char *reference, const char *applicant,
                      const char *report)
{
    char key[16];
    unsigned char pt[21];
    ge_case_feature f = {.wkb = pt, .wkb_len = sizeof pt, .props_json = "{}"};
    ge_draft d;
    ge_case_submit in;
    ge_submit_outcome out;
    ge_err err;

    ts_store_draft(st, client, service, &d);
    ts_wkb_point(pt, x, y);
    snprintf(key, sizeof key, "k%d", i);
    memset(&in, 0, sizeof in);
    in.client_id = client;
    in.draft_id = d.id;
    in.draft_features = "{\"type\":\"FeatureCollection\",\"features\":[]}";
    in.idempotency_key = key;
    in.request_hash = "r";
    in.service = service;
    in.reference = reference;
    in.applicant_json = applicant;
    in.period_start = ps;
    in.period_end = pe;
    in.report_json = report;
    in.content_hash = "h";
    in.features = &f;
    in.nfeatures = 1;
    in.actor = "client:1";
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, ids[i], &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_CREATED);
    snprintf(drafts[i], sizeof drafts[i], "%s", d.id);
    /* distinct creation times: A oldest ... E newest */
    {
        char stmt[160];
        snprintf(stmt, sizeof stmt,
                 "UPDATE cases SET created_at = '2026-11-0%dT08:00:00Z' WHERE id = ?1", i + 1);
        sql(stmt, ids[i]);
    }
}

static int open_store(void **state)
{
    char key[GE_TOKEN_MAX], hash[GE_TOKEN_HASH_LEN];
    ge_err err;
    int rc = ts_store_open_on(*state, "store_review", "r.db", &st, path);
    seeded = false;
    if (rc != 0) return rc < 0 ? -1 : 0;
    if (ge_token_new("gek_", key, &err) < 0) return -1;
    ge_token_hash(key, hash);
    if (ge_store_client_add(st, "review", hash, "[]", NULL, NULL, time(NULL), &client, &err) < 0)
        return -1;
    return 0;
}

static int close_store(void **state)
{
    (void)state;
    ge_store_close(st);
    st = NULL;
    return 0;
}

static void seed(void)
{
    if (seeded) return;
    seeded = true;
    make_case(A, "info-stand", 390000, 5820000, "2026-12-01", "2026-12-02", "R-A",
              "{\"name\":\"J\\u00f6rg \\u00c4rger\",\"email\":\"Joerg@Example.de\"}",
              "{\"valid\":true,\"violations\":[{\"rule\":\"c\",\"severity\":\"warning\"}]}");
    make_case(B, "skip-container", 390001, 5820000, "2026-12-02", "2026-12-03", "R-B",
              "{\"name\":\"Bea\",\"organisation\":\"Mulden AG\"}",
              "{\"valid\":false,\"violations\":[{\"severity\":\"error\"},{\"severity\":"
              "\"error\"},{\"severity\":\"warning\"}]}");
    make_case(C, "info-stand", 390000.5, 5820000, "2027-01-01", "2027-01-02", NULL,
              "{\"name\":\"Cem\"}", "{\"valid\":true,\"violations\":[]}");
    make_case(D, "info-stand", 390000, 5820001.5, NULL, NULL, "R-D", "{}",
              "{\"valid\":true,\"violations\":[]}");
    make_case(E, "skip-container", 391000, 5820000, "2026-12-01", "2026-12-20", "R-E",
              "{\"name\":\"Eve\"}", "{\"valid\":true,\"violations\":[]}");
    sql("UPDATE cases SET status = 'approved', closed_at = '2026-11-20T00:00:00Z' WHERE id = ?1",
        ids[E]);
    sql("UPDATE cases SET status = 'in_review' WHERE id = ?1", ids[C]);
}

static void test_filter_lists(void **state)
{
    ge_case_filter *f = malloc(sizeof *f);
    char id[80];
    ge_err err;
    (void)state;

    ge_case_filter_init(f);
    assert_int_equal(f->limit, 50);
    assert_false(f->admin);
    assert_false(ge_case_filter_allows(f, "info-stand"));
    assert_int_equal(ge_case_filter_allow_service(f, "info-stand", &err), GE_OK);
    assert_int_equal(ge_case_filter_allow_service(f, "info-stand", &err), GE_OK);
    assert_int_equal(f->nallowed, 1);
    assert_true(ge_case_filter_allows(f, "info-stand"));
    assert_false(ge_case_filter_allows(f, "skip-container"));
    assert_false(ge_case_filter_allows(f, NULL));
    assert_int_equal(ge_case_filter_add_service(f, "", &err), GE_EINVAL);
    memset(id, 'x', 64);
    id[64] = '\0';
    assert_int_equal(ge_case_filter_add_service(f, id, &err), GE_EINVAL);
    for (int i = 0; i < GE_CASE_FILTER_MAX_SERVICES; i++) {
        snprintf(id, sizeof id, "s%d", i);
        assert_int_equal(ge_case_filter_add_service(f, id, &err), GE_OK);
    }
    assert_int_equal(ge_case_filter_add_service(f, "one-more", &err), GE_ELIMIT);
    f->admin = true;
    assert_true(ge_case_filter_allows(f, "anything"));
    free(f);
}

typedef struct collected {
    char names[64];
    ge_case_summary first;
    size_t n;
} collected;

static int collect_cb(void *ud, const ge_case_summary *c)
{
    collected *co = ud;
    size_t len = strlen(co->names);
    for (int i = 0; i < NCASES; i++)
        if (!strcmp(c->id, ids[i])) co->names[len] = (char)('A' + i);
    co->names[len + 1] = '\0';
    if (co->n++ == 0) co->first = *c;
    return 0;
}

/* The letters of the listed cases in order, and numberMatched. */
static const char *list(const ge_case_filter *f, int64_t *matched)
{
    static collected co;
    ge_err err;
    memset(&co, 0, sizeof co);
    assert_int_equal(ge_store_cases_list(st, f, collect_cb, &co, matched, &err), GE_OK);
    return co.names;
}

static unsigned bit(ge_case_status s)
{
    return 1u << s;
}

static void test_list(void **state)
{
    ge_case_filter *f = malloc(sizeof *f);
    int64_t m = -1;
    ge_err err;
    (void)state;
    if (!st) skip();
    seed();

    /* nobody allowed anything sees nothing */
    ge_case_filter_init(f);
    assert_string_equal(list(f, &m), "");
    assert_int_equal(m, 0);
    /* an admin sees all, newest first */
    f->admin = true;
    assert_string_equal(list(f, &m), "EDCBA");
    assert_int_equal(m, 5);
    /* a caseworker of info stands, also when asking for skips */
    f->admin = false;
    assert_int_equal(ge_case_filter_allow_service(f, "info-stand", &err), GE_OK);
    assert_string_equal(list(f, &m), "DCA");
    assert_int_equal(ge_case_filter_add_service(f, "skip-container", &err), GE_OK);
    assert_string_equal(list(f, &m), "");
    ge_case_filter_init(f);
    f->admin = true;
    assert_int_equal(ge_case_filter_add_service(f, "skip-container", &err), GE_OK);
    assert_string_equal(list(f, &m), "EB");
    /* statuses */
    ge_case_filter_init(f);
    f->admin = true;
    f->statuses = bit(GE_CASE_RECEIVED);
    assert_string_equal(list(f, &m), "DBA");
    f->statuses = bit(GE_CASE_APPROVED) | bit(GE_CASE_IN_REVIEW);
    assert_string_equal(list(f, &m), "EC");
    f->statuses = bit(GE_CASE_REJECTED);
    assert_string_equal(list(f, &m), "");
    /* the period overlaps [from, to]; D has none and always overlaps */
    f->statuses = 0;
    snprintf(f->from, sizeof f->from, "2026-12-03");
    assert_string_equal(list(f, &m), "EDCB");
    snprintf(f->to, sizeof f->to, "2026-12-03");
    assert_string_equal(list(f, &m), "EDB");
    f->from[0] = '\0';
    snprintf(f->to, sizeof f->to, "2026-12-01");
    assert_string_equal(list(f, &m), "EDA");
    f->to[0] = '\0';
    /* bbox: the features' boxes meet it */
    f->has_bbox = true;
    f->bbox[0] = 389999.9, f->bbox[1] = 5819999.9, f->bbox[2] = 390000.6, f->bbox[3] = 5820000.1;
    assert_string_equal(list(f, &m), "CA");
    f->bbox[0] = 390990, f->bbox[2] = 391010;
    assert_string_equal(list(f, &m), "E");
    f->has_bbox = false;
    /* free text: reference, name with umlauts in either case, e-mail, organisation, id */
    snprintf(f->q, sizeof f->q, "r-b");
    assert_string_equal(list(f, &m), "B");
    snprintf(f->q, sizeof f->q, "\xc3\xa4rger"); /* "ärger" finds "Ärger" */
    assert_string_equal(list(f, &m), "A");
    snprintf(f->q, sizeof f->q, "J\xc3\x96RG");
    assert_string_equal(list(f, &m), "A");
    snprintf(f->q, sizeof f->q, "joerg@example");
    assert_string_equal(list(f, &m), "A");
    snprintf(f->q, sizeof f->q, "MULDEN");
    assert_string_equal(list(f, &m), "B");
    snprintf(f->q, sizeof f->q, "%.10s", ids[D]);
    assert_string_equal(list(f, &m), "D");
    snprintf(f->q, sizeof f->q, "%%"); /* no wildcard */
    assert_string_equal(list(f, &m), "");
    f->q[0] = '\0';
    /* paging */
    f->limit = 2;
    assert_string_equal(list(f, &m), "ED");
    assert_int_equal(m, 5);
    f->offset = 4;
    assert_string_equal(list(f, &m), "A");
    assert_int_equal(m, 5);
    f->limit = -1;
    f->offset = 1;
    assert_string_equal(list(f, NULL), "DCBA");
    f->offset = 0;
    free(f);
}

static void test_summary_and_purged(void **state)
{
    ge_case_filter *f = malloc(sizeof *f);
    collected co;
    ge_case c;
    char closed[32], purged[32];
    int64_t m;
    ge_err err;
    (void)state;
    if (!st) skip();
    seed();

    ge_case_filter_init(f);
    f->admin = true;
    snprintf(f->q, sizeof f->q, "R-B");
    memset(&co, 0, sizeof co);
    assert_int_equal(ge_store_cases_list(st, f, collect_cb, &co, &m, &err), GE_OK);
    assert_int_equal(co.n, 1);
    assert_string_equal(co.first.service, "skip-container");
    assert_string_equal(co.first.status, "received");
    assert_string_equal(co.first.reference, "R-B");
    assert_string_equal(co.first.period_start, "2026-12-02");
    assert_string_equal(co.first.period_end, "2026-12-03");
    assert_string_equal(co.first.created_at, "2026-11-02T08:00:00Z");
    assert_string_equal(co.first.closed_at, "");
    assert_false(co.first.valid);
    assert_int_equal(co.first.errors, 2);
    assert_int_equal(co.first.warnings, 1);
    assert_string_equal(co.first.applicant_name, "Bea");
    assert_true(co.first.has_bbox);
    assert_true(co.first.bbox[0] == 390001 && co.first.bbox[2] == 390001);
    assert_true(co.first.bbox[1] == 5820000 && co.first.bbox[3] == 5820000);

    /* a purged case leaves the list unless asked for; it is still read */
    sql("UPDATE cases SET purged_at = '2026-11-24T00:00:00Z', reference = NULL,"
        " applicant = '{}' WHERE id = ?1",
        ids[C]);
    f->q[0] = '\0';
    assert_string_equal(list(f, &m), "EDBA");
    assert_int_equal(m, 4);
    f->include_purged = true;
    assert_string_equal(list(f, &m), "EDCBA");
    assert_int_equal(ge_store_case_get(st, ids[C], &c, &err), GE_ENOENT);
    assert_int_equal(ge_store_case_review_get(st, ids[C], &c, closed, purged, &err), GE_OK);
    assert_string_equal(purged, "2026-11-24T00:00:00Z");
    assert_string_equal(c.reference, "");
    assert_string_equal(c.status, "in_review");
    ge_case_clear(&c);
    assert_int_equal(ge_store_case_review_get(st, ids[E], &c, closed, purged, &err), GE_OK);
    assert_string_equal(closed, "2026-11-20T00:00:00Z");
    assert_string_equal(purged, "");
    ge_case_clear(&c);
    assert_int_equal(ge_store_case_review_get(st, "nope", &c, closed, purged, &err), GE_ENOENT);
    sql("UPDATE cases SET purged_at = NULL WHERE id = ?1", ids[C]);
    free(f);
}

typedef struct events {
    int n;
    char last_to[32];
    char comment[64];
    int64_t last_id;
    bool ordered;
    json_t *overrides; /* of the last event, parsed */
} events;

static int event_cb(void *ud, const ge_case_event *e)
{
    events *ev = ud;
    if (e->id <= ev->last_id) ev->ordered = false;
    ev->last_id = e->id;
    snprintf(ev->last_to, sizeof ev->last_to, "%s", e->to_status);
    snprintf(ev->comment, sizeof ev->comment, "%s", e->comment ? e->comment : "(null)");
    json_decref(ev->overrides);
    ev->overrides = json_loads(e->overrides, 0, NULL);
    assert_non_null(ev->overrides);
    if (ev->n == 0) {
        assert_string_equal(e->action, "submitted");
        assert_string_equal(e->actor, "client:1");
        assert_string_equal(e->from_status, "");
        assert_null(e->comment);
        assert_string_equal(e->overrides, "[]");
    }
    ev->n++;
    return 0;
}

static void test_events(void **state)
{
    events ev = {.ordered = true};
    ge_err err;
    (void)state;
    if (!st) skip();
    seed();

    sql("INSERT INTO case_events (case_id, at, actor, action, from_status, to_status, comment)"
        " VALUES (?1, '2026-11-10T00:00:00Z', 'user:x', 'status', 'received', 'in_review', 'ok')",
        ids[B]);
    /* the conflicts it overrode, recorded out of order */
    sql("INSERT INTO case_event_overrides (event_id, case_id, distance_m)"
        " SELECT max(id), ?1, 1.5 FROM case_events",
        ids[D]);
    sql("INSERT INTO case_event_overrides (event_id, case_id, distance_m)"
        " SELECT max(id), ?1, 1 FROM case_events",
        ids[A]);
    assert_int_equal(ge_store_case_events(st, ids[B], event_cb, &ev, &err), GE_OK);
    assert_int_equal(ev.n, 2);
    assert_true(ev.ordered);
    assert_string_equal(ev.last_to, "in_review");
    assert_string_equal(ev.comment, "ok");
    /* nearest first, the other case as it is now, distances as reals */
    assert_int_equal(json_array_size(ev.overrides), 2);
    json_t *o = json_array_get(ev.overrides, 0);
    assert_string_equal(json_string_value(json_object_get(o, "case_id")), ids[A]);
    assert_string_equal(json_string_value(json_object_get(o, "service")), "info-stand");
    assert_string_equal(json_string_value(json_object_get(o, "reference")), "R-A");
    assert_string_equal(json_string_value(json_object_get(o, "status")), "received");
    assert_true(json_is_real(json_object_get(o, "distance_m")));
    assert_true(json_real_value(json_object_get(o, "distance_m")) == 1.0);
    o = json_array_get(ev.overrides, 1);
    assert_string_equal(json_string_value(json_object_get(o, "case_id")), ids[D]);
    assert_true(json_real_value(json_object_get(o, "distance_m")) == 1.5);
    json_decref(ev.overrides);
    memset(&ev, 0, sizeof ev);
    assert_int_equal(ge_store_case_events(st, "nope", event_cb, &ev, &err), GE_OK);
    assert_int_equal(ev.n, 0);
}

typedef struct conflicts {
    char names[16];
    bool visible[NCASES];
    double dist[NCASES];
} conflicts;

static int conflict_cb(void *ud, const ge_case_conflict *k)
{
    conflicts *c = ud;
    size_t len = strlen(c->names);
    for (int i = 0; i < NCASES; i++)
        if (!strcmp(k->id, ids[i])) {
            c->names[len] = (char)('A' + i);
            c->visible[i] = k->visible;
            c->dist[i] = k->distance_m;
        }
    return 0;
}

static const char *conflicts_of(int i, double d, const ge_case_filter *who, conflicts *c)
{
    ge_err err;
    memset(c, 0, sizeof *c);
    assert_int_equal(ge_store_case_conflicts(st, ids[i], d, who, 100, conflict_cb, c, &err), GE_OK);
    return c->names;
}

static int near_cb(void *ud, const char *id, const char *svc, const char *ps, const char *pe,
                   const unsigned char *wkb, size_t len)
{
    char *names = ud;
    size_t n = strlen(names);
    (void)svc, (void)ps, (void)pe, (void)wkb, (void)len;
    for (int i = 0; i < NCASES; i++)
        if (!strcmp(id, ids[i])) names[n] = (char)('A' + i);
    return 0;
}

static void test_conflicts(void **state)
{
    ge_case_filter *who = malloc(sizeof *who);
    conflicts c;
    ge_err err;
    char near[16] = "";
    const double here[4] = {389990, 5819990, 390010, 5820010};
    (void)state;
    if (!st) skip();
    seed();

    ge_case_filter_init(who);
    assert_int_equal(ge_case_filter_allow_service(who, "info-stand", &err), GE_OK);
    /* A: B 1 m away in an overlapping period, D 1.5 m away without a
     * period; not C (other period), not E (far) */
    assert_string_equal(conflicts_of(A, 2, who, &c), "BD");
    assert_true(c.dist[B] > 0.999 && c.dist[B] < 1.001);
    assert_true(c.dist[D] > 1.499 && c.dist[D] < 1.501);
    assert_false(c.visible[B]); /* a skip: not this caseworker's */
    assert_true(c.visible[D]);
    assert_string_equal(conflicts_of(A, 1.2, who, &c), "B");
    assert_string_equal(conflicts_of(A, 0, who, &c), "");
    assert_string_equal(conflicts_of(A, 2, NULL, &c), "BD");
    assert_false(c.visible[D]);
    /* C's period overlaps only D's missing one */
    assert_string_equal(conflicts_of(C, 5, who, &c), "D");
    /* a rejected case conflicts with nothing, an approved one does */
    sql("UPDATE cases SET status = 'rejected', closed_at = '2026-11-21T00:00:00Z' WHERE id = ?1",
        ids[B]);
    assert_string_equal(conflicts_of(A, 2, who, &c), "D");
    assert_int_equal(ge_store_cases_near(st, here, NULL, 10, near_cb, near, &err), GE_OK);
    assert_string_equal(near, "ACD");
    sql("UPDATE cases SET status = 'approved' WHERE id = ?1", ids[B]);
    assert_string_equal(conflicts_of(A, 2, who, &c), "BD");
    memset(near, 0, sizeof near);
    assert_int_equal(ge_store_cases_near(st, here, drafts[A], 10, near_cb, near, &err), GE_OK);
    assert_string_equal(near, "BCD");
    sql("UPDATE cases SET status = 'received', closed_at = NULL WHERE id = ?1", ids[B]);
    assert_int_equal(ge_store_case_conflicts(st, ids[A], -1, who, 10, conflict_cb, &c, &err),
                     GE_EINVAL);
    free(who);
}

/* The orders, each with its tie-break: within a second the later
 * insertion counts as newer; references fold ASCII case. */
static void test_orders(void **state)
{
    ge_case_filter *f = malloc(sizeof *f);
    (void)state;
    if (!st) skip();
    seed();

    ge_case_filter_init(f);
    f->admin = true;
    f->order = GE_CASE_ORDER_OLDEST;
    assert_string_equal(list(f, NULL), "ABCDE");
    /* open first by the period's start, none last; then the closed E */
    f->order = GE_CASE_ORDER_START;
    assert_string_equal(list(f, NULL), "ABCDE");
    /* by reference, ASCII case ignored ("r-b" between "R-A" and "R-D"),
     * none last */
    sql("UPDATE cases SET reference = 'r-b' WHERE id = ?1", ids[B]);
    f->order = GE_CASE_ORDER_REFERENCE;
    assert_string_equal(list(f, NULL), "ABDEC");
    /* D received in the same second as C, after it */
    sql("UPDATE cases SET created_at = '2026-11-03T08:00:00Z' WHERE id = ?1", ids[D]);
    f->order = GE_CASE_ORDER_NEWEST;
    assert_string_equal(list(f, NULL), "EDCBA");
    f->order = GE_CASE_ORDER_OLDEST;
    assert_string_equal(list(f, NULL), "ABCDE");
    f->limit = 1;
    f->offset = 2;
    assert_string_equal(list(f, NULL), "C");
    free(f);
}

/* The morning view's counts: every status whatever the list asks for,
 * and the open cases starting in a range; visibility as in the list. */
static void test_counts(void **state)
{
    ge_case_filter *f = malloc(sizeof *f);
    ge_case_counts n;
    ge_err err;
    (void)state;
    if (!st) skip();
    seed();

    ge_case_filter_init(f);
    f->admin = true;
    f->statuses = bit(GE_CASE_RECEIVED);
    assert_int_equal(ge_store_cases_counts(st, f, "2026-12-01", "2026-12-02", &n, &err), GE_OK);
    assert_int_equal(n.by_status[GE_CASE_RECEIVED], 3);
    assert_int_equal(n.by_status[GE_CASE_IN_REVIEW], 1);
    assert_int_equal(n.by_status[GE_CASE_APPROVED], 1);
    assert_int_equal(n.by_status[GE_CASE_REJECTED], 0);
    assert_int_equal(n.other_status, 0);
    assert_int_equal(n.starting, 2); /* A and B; E starts then but is closed */
    sql("UPDATE cases SET status = 'mystery' WHERE id = ?1", ids[D]);
    ge_case_filter_init(f);
    assert_int_equal(ge_case_filter_allow_service(f, "info-stand", &err), GE_OK);
    assert_int_equal(ge_store_cases_counts(st, f, "2026-12-01", "2027-01-01", &n, &err), GE_OK);
    assert_int_equal(n.by_status[GE_CASE_RECEIVED], 1);
    assert_int_equal(n.by_status[GE_CASE_IN_REVIEW], 1);
    assert_int_equal(n.by_status[GE_CASE_APPROVED], 0);
    assert_int_equal(n.other_status, 1);
    assert_int_equal(n.starting, 2); /* A and C */
    free(f);
}

/* A page's conflict counts in one call, by the same rule as the list of
 * one case's conflicts. */
static void test_conflict_counts(void **state)
{
    int counts[4] = {-1, -1, -1, -1};
    ge_err err;
    (void)state;
    if (!st) skip();
    seed();

    ge_case_conflict_query q[4] = {
        {ids[A], 2},
        {ids[C], 5},
        {"nope", 1},
        {ids[A], 0},
    };
    assert_int_equal(ge_store_cases_conflict_counts(st, q, 4, counts, &err), GE_OK);
    assert_int_equal(counts[0], 2); /* B and D */
    assert_int_equal(counts[1], 1); /* D */
    assert_int_equal(counts[2], 0);
    assert_int_equal(counts[3], 0);
    assert_int_equal(ge_store_cases_conflict_counts(st, q, 0, counts, &err), GE_OK);
    q[1].distance_m = -1;
    assert_int_equal(ge_store_cases_conflict_counts(st, q, 4, counts, &err), GE_EINVAL);
}

#define ON_BOTH(fn)                                                                                \
    cmocka_unit_test_prestate_setup_teardown(fn, open_store, close_store, TS_STORE_SQLITE),        \
        cmocka_unit_test_prestate_setup_teardown(fn, open_store, close_store, TS_STORE_POSTGIS)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_lists),
        ON_BOTH(test_list),
        ON_BOTH(test_summary_and_purged),
        ON_BOTH(test_events),
        ON_BOTH(test_conflicts),
        ON_BOTH(test_orders),
        ON_BOTH(test_counts),
        ON_BOTH(test_conflict_counts),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
