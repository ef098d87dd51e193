/*
 * test_api_decisions.c - caseworkers decide cases through PATCH
 * /v1/cases/{id} against the real server: the whole workflow (received ->
 * in_review -> changes_requested -> in_review -> approved; in_review ->
 * rejected), each refused step as a 409 naming from, to and the allowed
 * ones, the comment rules (required for rejected and changes_requested, at
 * most 4000 characters), If-Match against the case's ETag, its version
 * ("v1" at submission, one more per change; 412 naming the current tag for
 * an older or unknown one, also for an old client's "<updated>"; two
 * changes in one second each get their own tag; the tag of a PATCH answer
 * is good for the next PATCH), the ETag and version on both GET views and
 * no 304 for them, updated never ahead of the clock, closed_at on
 * approve and reject, one history row per change (actor, from, to, comment),
 * the webhook outbox row for a form server with a webhook URL only, the form
 * server's own GET /v1/cases/{id} (Bearer) seeing the new status, every bad
 * body as a problem naming the member, a case of another service as a 404
 * like a case that does not exist, an approval over conflicting cases (409
 * naming them until each is acknowledged in override_conflicts, then
 * recorded and named in the history, never told to the form server), a
 * purged case as decided for good, and two sessions deciding one case at the
 * same moment: exactly one wins, the other gets 409 or 412, the store stays
 * intact.
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

#include "ts.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_review.h"
#include "ts_run.h"
#include "ts_server.h"

#define PW_ERIKA "Info stands on Fridays, 2026"
#define PW_MAX   "reviews skip containers, 2026"
#define PW_ADMIN "the head of all cases 2026"

static ts_server srv;
/* The ETag of this thread's last PATCH answer ("" when none). */
static __thread char last_etag[64];
static char key_hook[128], key_plain[128];
static ts_review_session erika, erika2, max, admin;
static double next_lon = 13.30;

static int setup(void **state)
{
    (void)state;
    if (ts_server_start(&srv, "api_decisions", NULL) != 0) return -1;
    /* The webhook receiver is a closed port: deliveries stay in the outbox,
     * which is all this test looks at (test_api_webhooks sends them). */
    if (ts_review_client_with_webhook(srv.db, "Form with hook", "http://127.0.0.1:9/hook", key_hook,
                                      NULL) != 0 ||
        ts_forms_client_add(srv.db, "Form without hook", key_plain) != 0)
        return -1;
    if (ts_review_user_add(srv.db, "erika", "caseworker", "info-stand", PW_ERIKA) != 0 ||
        ts_review_user_add(srv.db, "max", "caseworker", "skip-container", PW_MAX) != 0 ||
        ts_review_user_add(srv.db, "admin", "admin", NULL, PW_ADMIN) != 0)
        return -1;
    if (ts_review_login(&srv, "erika", PW_ERIKA, &erika) != 200 ||
        ts_review_login(&srv, "erika", PW_ERIKA, &erika2) != 200 ||
        ts_review_login(&srv, "max", PW_MAX, &max) != 200 ||
        ts_review_login(&srv, "admin", PW_ADMIN, &admin) != 200)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_true(ts_forms_integrity_ok(srv.db));
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

/* A new case a little east of the last one (so no two conflict). */
static void new_case(const char *key, char id[40])
{
    next_lon += 0.002;
    if (ts_review_case(&srv, key, next_lon, 52.52, "Erika Mustermann", id) != 0)
        fail_msg("could not make a case");
}

/* PATCH as a session with its own token; the answer as JSON (NULL when not JSON). */
static json_t *patch(const ts_review_session *who, const char *id, const char *body,
                     const char *extra, long *status)
{
    ts_http_resp r;
    json_t *doc;
    if (ts_review_call(&srv, "PATCH", ts_pathf("/v1/cases/%s", id), who->cookie, who->csrf, extra,
                       body, &r) != 0)
        fail_msg("PATCH: %s", r.error);
    *status = r.status;
    snprintf(last_etag, sizeof last_etag, "%s",
             ts_http_header(&r, "ETag") ? ts_http_header(&r, "ETag") : "");
    if (r.status != 200) {
        const char *ct = ts_http_header(&r, "Content-Type");
        if (!ct || strcmp(ct, "application/problem+json") != 0)
            fail_msg("a refusal (%ld) must be a problem: %s", r.status, ct ? ct : "(none)");
    }
    doc = ts_forms_json(&r);
    ts_http_resp_free(&r);
    return doc;
}

static json_t *patch_ok(const ts_review_session *who, const char *id, const char *body)
{
    long st;
    json_t *doc = patch(who, id, body, NULL, &st);
    if (st != 200) {
        char *t = json_dumps(doc, 0);
        fail_msg("PATCH %s: %ld %s", body, st, t);
    }
    return doc;
}

static const char *str(const json_t *doc, const char *member)
{
    const char *v = json_string_value(json_object_get(doc, member));
    return v ? v : "";
}

/* RFC 3339 UTC of the store ("2026-11-25T21:22:43Z") as Unix seconds. */
static long long unix_time(const char *text)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!text || strlen(text) != 20 ||
        sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        fail_msg("not a time of the store: '%s'", text ? text : "(null)");
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm);
}

/* A time the server reported lies between the clock before the request
 * and after the answer: never ahead of the clock. */
static void assert_clock_time(const char *text, time_t before)
{
    long long t = unix_time(text), after = (long long)time(NULL);
    if (t < (long long)before || t > after)
        fail_msg("%s is not between %lld and %lld", text, (long long)before, after);
}

/* The caseworker's GET of a case: its ETag into etag (64 bytes), the JSON. */
static json_t *get_case(const ts_review_session *who, const char *id, const char *extra, char *etag,
                        long *status)
{
    ts_http_resp r;
    json_t *doc;
    if (ts_review_call(&srv, "GET", ts_pathf("/v1/cases/%s", id), who->cookie, NULL, extra, NULL,
                       &r) != 0)
        fail_msg("GET: %s", r.error);
    *status = r.status;
    snprintf(etag, 64, "%s", ts_http_header(&r, "ETag") ? ts_http_header(&r, "ETag") : "");
    doc = r.status == 200 && !ts_http_header(&r, "Content-Encoding") ? ts_forms_json(&r) : NULL;
    ts_http_resp_free(&r);
    return doc;
}

static long long events(const char *id)
{
    return ts_forms_sql_int(srv.db, "SELECT count(*) FROM case_events WHERE case_id = ?1", id);
}

static long long deliveries(const char *id)
{
    return ts_forms_sql_int(srv.db, "SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1",
                            id);
}

/* A 409 naming from, to and exactly the allowed statuses. */
static void expect_refused(const char *id, const char *body, const char *from, const char *to,
                           const char *const *allowed)
{
    long st, before = (long)events(id);
    json_t *p = patch(&erika, id, body, NULL, &st), *a;
    size_t n = 0;
    if (st != 409) fail_msg("%s from %s: expected 409, got %ld", body, from, st);
    assert_string_equal(str(p, "from"), from);
    assert_string_equal(str(p, "to"), to);
    a = json_object_get(p, "allowed");
    assert_true(json_is_array(a));
    for (; allowed[n]; n++)
        assert_string_equal(json_string_value(json_array_get(a, n)), allowed[n]);
    assert_int_equal(json_array_size(a), n);
    assert_non_null(strstr(str(p, "detail"), from));
    json_decref(p);
    assert_int_equal(events(id), before);
}

static void test_workflow(void **state)
{
    static const char *const after_received[] = {"in_review", NULL};
    static const char *const after_review[] = {"approved", "rejected", "changes_requested", NULL};
    static const char *const after_changes[] = {"in_review", NULL};
    static const char *const none[] = {NULL};
    char id[40], first_updated[32], updated[32], closed[32], first_tag[64], tag[64];
    ts_http_resp r;
    json_t *doc, *h;
    time_t before;
    long st;

    (void)state;
    new_case(key_hook, id);
    snprintf(first_updated, sizeof first_updated, "%s",
             ts_review_sql_text(srv.db, "SELECT updated_at FROM cases WHERE id = ?1", id));
    /* a new case is version 1, its tag "v1", on the caseworker's GET */
    doc = get_case(&erika, id, NULL, first_tag, &st);
    assert_int_equal(st, 200);
    assert_string_equal(first_tag, "\"v1\"");
    assert_int_equal(json_integer_value(json_object_get(doc, "version")), 1);
    json_decref(doc);

    /* received: only in_review may follow */
    expect_refused(id, "{\"status\":\"approved\"}", "received", "approved", after_received);
    expect_refused(id, "{\"status\":\"changes_requested\",\"comment\":\"x\"}", "received",
                   "changes_requested", after_received);
    expect_refused(id, "{\"status\":\"received\"}", "received", "received", after_received);
    assert_int_equal(deliveries(id), 0);

    before = time(NULL);
    doc = patch_ok(&erika, id, "{\"status\":\"in_review\"}");
    assert_string_equal(str(doc, "case_id"), id);
    assert_string_equal(str(doc, "status"), "in_review");
    assert_true(strcmp(str(doc, "updated"), first_updated) >= 0);
    assert_clock_time(str(doc, "updated"), before);
    assert_int_equal(json_integer_value(json_object_get(doc, "version")), 2);
    assert_string_equal(last_etag, "\"v2\"");
    assert_true(json_is_null(json_object_get(doc, "closed")));
    json_decref(doc);
    /* the GET says the same */
    json_decref(get_case(&erika, id, NULL, tag, &st));
    assert_string_equal(tag, "\"v2\"");
    assert_int_equal(ts_forms_sql_int(srv.db,
                                      "SELECT count(*) FROM case_events WHERE case_id = ?1 AND"
                                      " action = 'status' AND actor = 'user:erika' AND"
                                      " from_status = 'received' AND to_status = 'in_review' AND"
                                      " comment IS NULL",
                                      id),
                     1);
    /* the outbox row for the form server with a webhook, in the same commit */
    assert_int_equal(deliveries(id), 1);

    /* in_review: comment rules */
    expect_refused(id, "{\"status\":\"in_review\"}", "in_review", "in_review", after_review);
    {
        json_t *p = patch(&erika, id, "{\"status\":\"rejected\"}", NULL, &st);
        assert_int_equal(st, 400);
        assert_string_equal(str(p, "member"), "comment");
        json_decref(p);
        p = patch(&erika, id, "{\"status\":\"changes_requested\",\"comment\":\" \\n \"}", NULL,
                  &st);
        assert_int_equal(st, 400);
        assert_string_equal(str(p, "member"), "comment");
        json_decref(p);
        p = patch(&erika, id, "{\"status\":\"rejected\",\"comment\":null}", NULL, &st);
        assert_int_equal(st, 400);
        json_decref(p);
    }
    doc = patch_ok(&erika, id,
                   "{\"status\":\"changes_requested\",\"comment\":\"Bitte den Stand 2 m vom "
                   "Hydranten abrücken.\"}");
    assert_string_equal(str(doc, "status"), "changes_requested");
    json_decref(doc);
    expect_refused(id, "{\"status\":\"approved\"}", "changes_requested", "approved", after_changes);
    doc = patch_ok(&erika2, id, "{\"status\":\"in_review\",\"comment\":\"Neue Zeichnung da\"}");
    snprintf(updated, sizeof updated, "%s", str(doc, "updated"));
    snprintf(tag, sizeof tag, "%s", last_etag);
    assert_string_equal(tag, "\"v4\"");
    json_decref(doc);

    /* If-Match: the first version is long gone -> 412 naming the current
     * tag, nothing written */
    {
        char hdr[160];
        long before_events = (long)events(id);
        json_t *p;
        snprintf(hdr, sizeof hdr, "If-Match: %s", first_tag);
        p = patch(&erika, id, "{\"status\":\"approved\",\"comment\":\"ok\"}", hdr, &st);
        assert_int_equal(st, 412);
        assert_string_equal(str(p, "header"), "If-Match");
        assert_string_equal(str(p, "etag"), tag);
        assert_string_equal(str(p, "updated"), updated);
        assert_string_equal(str(p, "status_now"), "in_review");
        assert_non_null(strstr(str(p, "detail"), tag));
        json_decref(p);
        /* the tag of the version before, and an old client's "<updated>"
         * (the tag before versions), are stale too: 412, not 400 */
        p = patch(&erika, id, "{\"status\":\"approved\"}", "If-Match: \"v3\"", &st);
        assert_int_equal(st, 412);
        json_decref(p);
        snprintf(hdr, sizeof hdr, "If-Match: \"%s\"", updated);
        p = patch(&erika, id, "{\"status\":\"approved\"}", hdr, &st);
        assert_int_equal(st, 412);
        assert_string_equal(str(p, "etag"), tag);
        json_decref(p);
        /* tags that look alike but are not this server's spelling */
        static const char *const alike[] = {
            "If-Match: \"4\"",   "If-Match: \"V4\"",    "If-Match: \"v04\"",
            "If-Match: \"v4 \"", "If-Match: \"v4-gz\"", "If-Match: \"v99999999999999999999999\""};
        for (size_t i = 0; i < sizeof alike / sizeof alike[0]; i++) {
            p = patch(&erika, id, "{\"status\":\"approved\"}", alike[i], &st);
            if (st != 412) fail_msg("%s: %ld", alike[i], st);
            json_decref(p);
        }
        /* a weak tag never matches (strong comparison) */
        snprintf(hdr, sizeof hdr, "If-Match: W/%s", tag);
        p = patch(&erika, id, "{\"status\":\"approved\"}", hdr, &st);
        assert_int_equal(st, 412);
        json_decref(p);
        assert_int_equal(events(id), before_events);
        assert_string_equal(
            ts_review_sql_text(srv.db, "SELECT status || '|' || version FROM cases WHERE id = ?1",
                               id),
            "in_review|4");
        /* the current version, among others: approved */
        snprintf(hdr, sizeof hdr, "If-Match: \"1999-01-01T00:00:00Z\", \"v1\", %s", tag);
        doc = patch(&erika, id,
                    "{\"status\":\"approved\",\"comment\":\"Genehmigt wie beantragt.\"}", hdr, &st);
        assert_int_equal(st, 200);
        assert_string_equal(last_etag, "\"v5\"");
    }
    assert_string_equal(str(doc, "status"), "approved");
    snprintf(closed, sizeof closed, "%s", str(doc, "closed"));
    assert_string_equal(closed, str(doc, "updated"));
    assert_string_equal(ts_review_sql_text(srv.db, "SELECT closed_at FROM cases WHERE id = ?1", id),
                        closed);
    assert_true(json_array_size(json_object_get(doc, "transitions")) == 0);
    /* The answer carries the history: submitted + four changes, oldest first. */
    h = json_object_get(doc, "history");
    h = json_is_object(h) ? json_object_get(h, "events") : h;
    assert_int_equal(json_array_size(h), 5);
    assert_string_equal(str(json_array_get(h, 0), "action"), "submitted");
    assert_string_equal(str(json_array_get(h, 2), "to"), "changes_requested");
    assert_string_equal(str(json_array_get(h, 2), "comment"),
                        "Bitte den Stand 2 m vom Hydranten abrücken.");
    assert_string_equal(str(json_array_get(h, 4), "actor"), "user:erika");
    assert_string_equal(str(json_array_get(h, 4), "from"), "in_review");
    assert_string_equal(str(json_array_get(h, 4), "to"), "approved");
    json_decref(doc);
    assert_int_equal(events(id), 5);
    assert_int_equal(deliveries(id), 4);

    /* approved is final */
    expect_refused(id, "{\"status\":\"in_review\"}", "approved", "in_review", none);
    expect_refused(id, "{\"status\":\"rejected\",\"comment\":\"doch nicht\"}", "approved",
                   "rejected", none);

    /* The form server sees the decision through its own GET. */
    assert_int_equal(ts_forms_call("GET", ts_server_url(&srv, ts_pathf("/v1/cases/%s", id)),
                                   key_hook, NULL, NULL, &r),
                     0);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_string_equal(str(doc, "status"), "approved");
    assert_string_equal(str(doc, "updated"), closed);
    assert_null(json_object_get(doc, "history")); /* Bearer answers keep their shape */
    /* with the same tag and version as the caseworkers' view */
    assert_int_equal(json_integer_value(json_object_get(doc, "version")), 5);
    assert_non_null(ts_http_header(&r, "ETag"));
    assert_string_equal(ts_http_header(&r, "ETag"), "\"v5\"");
    json_decref(doc);
    ts_http_resp_free(&r);
    /* the tag names the stored state, not the bytes of an answer that is
     * partly computed at read time: no 304 for it, and the same tag however
     * the answer is encoded */
    {
        char auth[192];
        const char *hdrs[] = {auth, "If-None-Match: \"v5\"", NULL};
        ts_http_req q = {.url = ts_server_url(&srv, ts_pathf("/v1/cases/%s", id)), .headers = hdrs};
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", key_hook);
        assert_int_equal(ts_http(&q, &r), 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(ts_http_header(&r, "ETag"), "\"v5\"");
        ts_http_resp_free(&r);
    }
    json_decref(get_case(&erika, id, "If-None-Match: \"v5\"", tag, &st));
    assert_int_equal(st, 200);
    assert_string_equal(tag, "\"v5\"");
    json_decref(get_case(&erika, id, "Accept-Encoding: gzip", tag, &st));
    assert_int_equal(st, 200);
    assert_string_equal(tag, "\"v5\"");
}

static void test_reject_without_webhook(void **state)
{
    char id[40];
    json_t *doc;

    (void)state;
    new_case(key_plain, id);
    json_decref(patch_ok(&erika, id, "{\"status\":\"in_review\"}"));
    doc = patch_ok(&erika, id,
                   "{\"status\":\"rejected\",\"comment\":\"Der Platz ist an diesem Tag "
                   "vergeben.\"}");
    assert_string_equal(str(doc, "status"), "rejected");
    assert_string_not_equal(str(doc, "closed"), "");
    json_decref(doc);
    assert_int_equal(ts_forms_sql_int(srv.db,
                                      "SELECT count(*) FROM cases WHERE id = ?1 AND status ="
                                      " 'rejected' AND closed_at = updated_at",
                                      id),
                     1);
    assert_int_equal(ts_forms_sql_int(srv.db,
                                      "SELECT count(*) FROM case_events WHERE case_id = ?1 AND"
                                      " to_status = 'rejected' AND comment = 'Der Platz ist an"
                                      " diesem Tag vergeben.'",
                                      id),
                     1);
    /* a client without a webhook URL gets no outbox rows */
    assert_int_equal(events(id), 3);
    assert_int_equal(deliveries(id), 0);
}

static void test_bad_bodies(void **state)
{
    static const struct {
        const char *body;
        const char *extra;
        long status;
        const char *field, *name;
    } cases[] = {
        {"{\"status\":\"in_review\"", NULL, 400, NULL, NULL},
        {"[\"in_review\"]", NULL, 400, NULL, NULL},
        {"\"in_review\"", NULL, 400, NULL, NULL},
        {"{}", NULL, 400, "member", "status"},
        {"{\"status\":null}", NULL, 400, "member", "status"},
        {"{\"status\":7}", NULL, 400, "member", "status"},
        {"{\"status\":\"submitted\"}", NULL, 400, "member", "status"},
        {"{\"status\":\"APPROVED\"}", NULL, 400, "member", "status"},
        {"{\"status\":\"in_review\",\"comment\":5}", NULL, 400, "member", "comment"},
        {"{\"status\":\"in_review\",\"comment\":[\"a\"]}", NULL, 400, "member", "comment"},
        {"{\"status\":\"in_review\",\"reason\":\"x\"}", NULL, 400, "member", "reason"},
        {"{\"status\":\"in_review\",\"id\":\"x\",\"closed\":null}", NULL, 400, "member", "id"},
        {"{\"status\":\"in_review\"}", "If-Match: 2026-01-01T00:00:00Z", 400, "header", "If-Match"},
        {"{\"status\":\"in_review\"}", "If-Match: \"a\" \"b\"", 400, "header", "If-Match"},
        {"{\"status\":\"in_review\"}", "If-Match: \"a\",", 400, "header", "If-Match"},
        {"{\"status\":\"in_review\"}", "If-Match: \"unterminated", 400, "header", "If-Match"},
    };
    char id[40];
    long st;
    json_t *p;

    (void)state;
    new_case(key_plain, id);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p = patch(&erika, id, cases[i].body, cases[i].extra, &st);
        if (st != cases[i].status ||
            (cases[i].field && strcmp(str(p, cases[i].field), cases[i].name) != 0)) {
            char *t = json_dumps(p, 0);
            fail_msg("case %zu (%s): status %ld, %s", i, cases[i].body, st, t);
        }
        json_decref(p);
    }
    /* every unknown member at once */
    p = patch(&erika, id, "{\"status\":\"in_review\",\"reason\":1,\"by\":2}", NULL, &st);
    assert_int_equal(st, 400);
    assert_int_equal(json_array_size(json_object_get(p, "members")), 2);
    json_decref(p);
    /* the list of statuses comes with an unknown one */
    p = patch(&erika, id, "{\"status\":\"done\"}", NULL, &st);
    assert_int_equal(json_array_size(json_object_get(p, "known")), 5);
    assert_non_null(strstr(str(p, "detail"), "done"));
    json_decref(p);
    /* German when German is preferred */
    p = patch(&erika, id, "{\"status\":\"rejected\"}", "Accept-Language: de-DE,de;q=0.9", &st);
    assert_int_equal(st, 400);
    assert_non_null(strstr(str(p, "detail"), "nötig"));
    json_decref(p);

    /* comments: 4000 characters (of two bytes each) pass, 4001 do not */
    {
        size_t n = 4001;
        char *text = malloc(n * 2 + 128), *body = malloc(n * 2 + 256);
        for (size_t i = 0; i < n; i++)
            memcpy(text + 2 * i, "\xc3\xa4", 2); /* ä */
        text[2 * n] = '\0';
        snprintf(body, n * 2 + 256, "{\"status\":\"in_review\",\"comment\":\"%s\"}", text);
        p = patch(&erika, id, body, NULL, &st);
        assert_int_equal(st, 400);
        assert_string_equal(str(p, "member"), "comment");
        assert_int_equal(json_integer_value(json_object_get(p, "limit")), 4000);
        assert_null(strstr(str(p, "detail"), "\xc3\xa4\xc3\xa4")); /* the text is not echoed */
        json_decref(p);
        assert_int_equal(events(id), 1);
        text[2 * 4000] = '\0';
        snprintf(body, n * 2 + 256, "{\"status\":\"in_review\",\"comment\":\"%s\"}", text);
        json_decref(patch_ok(&erika, id, body));
        assert_int_equal(ts_forms_sql_int(srv.db,
                                          "SELECT length(comment) FROM case_events WHERE"
                                          " case_id = ?1 AND to_status = 'in_review'",
                                          id),
                         4000);
        free(text);
        free(body);
    }
    /* "*" holds for any existing case */
    json_decref(patch_ok(&erika, id, "{\"status\":\"changes_requested\",\"comment\":\"a\"}"));
    p = patch(&erika, id, "{\"status\":\"in_review\"}", "If-Match: *", &st);
    assert_int_equal(st, 200);
    json_decref(p);

    /* ids: malformed and unknown are 404s naming the parameter */
    p = patch(&erika, "0123456789abcdef0123456789abcdef", "{\"status\":\"in_review\"}", NULL, &st);
    assert_int_equal(st, 404);
    assert_string_equal(str(p, "parameter"), "id");
    json_decref(p);
    p = patch(&erika, "not-a-case", "{\"status\":\"in_review\"}", NULL, &st);
    assert_int_equal(st, 404);
    json_decref(p);
    assert_int_equal(events(id), 4);
}

static void test_other_service_404(void **state)
{
    char id[40];
    long st;
    json_t *p, *q;

    (void)state;
    new_case(key_plain, id);
    /* max reviews skip containers: an info stand is as unknown to him as none */
    p = patch(&max, id, "{\"status\":\"in_review\"}", NULL, &st);
    assert_int_equal(st, 404);
    q = patch(&max, "0123456789abcdef0123456789abcdef", "{\"status\":\"in_review\"}", NULL, &st);
    assert_int_equal(st, 404);
    assert_string_equal(str(p, "title"), str(q, "title"));
    assert_null(strstr(str(p, "detail"), "info-stand"));
    assert_null(strstr(str(p, "detail"), "received"));
    json_decref(p);
    json_decref(q);
    assert_int_equal(events(id), 1);
    /* the admin sees every service */
    json_decref(patch_ok(&admin, id, "{\"status\":\"in_review\"}"));
    assert_int_equal(ts_forms_sql_int(srv.db,
                                      "SELECT count(*) FROM case_events WHERE case_id = ?1 AND"
                                      " actor = 'user:admin'",
                                      id),
                     1);
}

/* The conflict of a 409 for an approval with this case id, or NULL. */
static json_t *conflict_of(json_t *problem, const char *id)
{
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(problem, "conflicts"), i, c)
    {
        if (!strcmp(str(c, "case_id"), id)) return c;
    }
    return NULL;
}

/* The last event of a case's history as who sees it (a new reference). */
static json_t *last_event(const ts_review_session *who, const char *id)
{
    ts_http_resp r;
    json_t *doc, *ev;
    if (ts_review_call(&srv, "GET", ts_pathf("/v1/cases/%s/history", id), who->cookie, NULL, NULL,
                       NULL, &r) != 0 ||
        r.status != 200)
        fail_msg("history of %s: %ld", id, r.status);
    doc = ts_forms_json(&r);
    ts_http_resp_free(&r);
    ev = json_array_get(json_object_get(doc, "events"),
                        json_array_size(json_object_get(doc, "events")) - 1);
    json_incref(ev);
    json_decref(doc);
    return ev;
}

/*
 * Approving a case over conflicts: without override_conflicts a 409 naming
 * each conflicting case (a case of a service the caseworker may not see
 * without its reference), with a list that misses one (one that arrived
 * meanwhile) again 409 saying which; with all of them the approval goes
 * through and the history names them (references as far as the reader may
 * see them), while the form server's view and the webhook carry none of it.
 */
static void test_approve_over_conflicts(void **state)
{
    char a[40], b[40], c[40], k[40], body[512], tag[64];
    long st, n_events;
    json_t *p, *x, *ev, *o;
    ts_http_resp r;

    (void)state;
    new_case(key_hook, a);
    /* B on the very same place and period; K too, made a skip container
     * (a service erika does not review) as if so submitted */
    if (ts_review_case(&srv, key_plain, next_lon, 52.52, "Bea Daneben", b) != 0 ||
        ts_review_case(&srv, key_plain, next_lon, 52.52, "Karl Kiste", k) != 0)
        fail_msg("could not make the conflicting cases");
    assert_int_equal(
        ts_forms_sql_exec(srv.db, "UPDATE cases SET service = 'skip-container' WHERE id = ?1", k),
        1);
    json_decref(patch_ok(&erika, a, "{\"status\":\"in_review\"}"));
    n_events = (long)events(a);

    /* plain approval: 409 naming both, nothing changed */
    p = patch(&erika, a, "{\"status\":\"approved\",\"comment\":\"ok\"}", "Accept-Language: en",
              &st);
    assert_int_equal(st, 409);
    assert_string_equal(str(p, "member"), "override_conflicts");
    assert_int_equal(json_array_size(json_object_get(p, "conflicts")), 2);
    x = conflict_of(p, b);
    assert_non_null(x);
    assert_true(json_is_true(json_object_get(x, "visible")));
    assert_string_equal(str(x, "reference"),
                        ts_review_sql_text(srv.db, "SELECT reference FROM cases WHERE id = ?1", b));
    assert_string_equal(str(x, "service"), "info-stand");
    assert_string_equal(str(x, "status"), "received");
    assert_true(json_is_false(json_object_get(x, "acknowledged")));
    assert_true(json_number_value(json_object_get(x, "distance_m")) < 0.01);
    assert_non_null(strstr(str(p, "detail"), str(x, "reference")));
    /* the skip container: the place is taken, but not by whom */
    x = conflict_of(p, k);
    assert_non_null(x);
    assert_true(json_is_false(json_object_get(x, "visible")));
    assert_null(json_object_get(x, "reference"));
    assert_null(strstr(str(p, "detail"),
                       ts_review_sql_text(srv.db, "SELECT reference FROM cases WHERE id = ?1", k)));
    assert_non_null(strstr(str(p, "detail"), "another service"));
    json_decref(p);
    assert_int_equal(events(a), n_events);
    assert_string_equal(ts_review_sql_text(srv.db, "SELECT status FROM cases WHERE id = ?1", a),
                        "in_review");
    /* in German too */
    p = patch(&erika, a, "{\"status\":\"approved\"}", "Accept-Language: de", &st);
    assert_int_equal(st, 409);
    assert_non_null(strstr(str(p, "detail"), "überschneidet"));
    json_decref(p);

    /* override_conflicts must be case ids */
    p = patch(&erika, a, "{\"status\":\"approved\",\"override_conflicts\":true}", NULL, &st);
    assert_int_equal(st, 400);
    assert_string_equal(str(p, "member"), "override_conflicts");
    json_decref(p);
    p = patch(&erika, a, "{\"status\":\"approved\",\"override_conflicts\":[\"x\"]}", NULL, &st);
    assert_int_equal(st, 400);
    assert_string_equal(str(p, "member"), "override_conflicts");
    json_decref(p);
    p = patch(&erika, a, "{\"status\":\"approved\",\"override_conflicts\":{\"x\":1}}", NULL, &st);
    assert_int_equal(st, 400);
    assert_string_equal(str(p, "member"), "override_conflicts");
    json_decref(p);
    {
        /* more ids than a case can have conflicts: 400 naming the limit */
        json_t *ids = json_array(), *doc;
        char *text;
        for (int i = 0; i < 201; i++)
            json_array_append_new(ids, json_string(b));
        doc = json_pack("{s:s, s:o}", "status", "approved", "override_conflicts", ids);
        text = json_dumps(doc, JSON_COMPACT);
        p = patch(&erika, a, text, NULL, &st);
        assert_int_equal(st, 400);
        assert_string_equal(str(p, "member"), "override_conflicts");
        assert_int_equal(json_integer_value(json_object_get(p, "limit")), 200);
        json_decref(p);
        free(text);
        json_decref(doc);
    }

    /* B and K acknowledged, but C has arrived meanwhile: 409 again, C not acknowledged */
    if (ts_review_case(&srv, key_plain, next_lon, 52.52, "Carla Spaet", c) != 0)
        fail_msg("could not make case C");
    snprintf(body, sizeof body, "{\"status\":\"approved\",\"override_conflicts\":[\"%s\",\"%s\"]}",
             b, k);
    p = patch(&erika, a, body, NULL, &st);
    assert_int_equal(st, 409);
    assert_int_equal(json_array_size(json_object_get(p, "conflicts")), 3);
    assert_true(json_is_true(json_object_get(conflict_of(p, b), "acknowledged")));
    assert_true(json_is_true(json_object_get(conflict_of(p, k), "acknowledged")));
    assert_true(json_is_false(json_object_get(conflict_of(p, c), "acknowledged")));
    json_decref(p);
    assert_int_equal(events(a), n_events);

    /* all three (and a case id that is no conflict, ignored): approved */
    snprintf(body, sizeof body,
             "{\"status\":\"approved\",\"comment\":\"Platz reicht für alle.\","
             "\"override_conflicts\":[\"%s\",\"%s\",\"%s\",\"0123456789abcdef0123456789abcdef\"]}",
             c, k, b);
    json_decref(patch_ok(&erika, a, body));
    assert_int_equal(events(a), n_events + 1);
    assert_int_equal(ts_forms_sql_int(srv.db,
                                      "SELECT count(*) FROM case_event_overrides o JOIN case_events"
                                      " e ON e.id = o.event_id WHERE e.case_id = ?1",
                                      a),
                     3);
    /* the history names them: erika sees B's and C's references, not K's */
    ev = last_event(&erika, a);
    assert_string_equal(str(ev, "to"), "approved");
    o = json_object_get(ev, "overridden_conflicts");
    assert_int_equal(json_array_size(o), 3);
    {
        size_t i, seen = 0;
        json_t *v;
        json_array_foreach(o, i, v)
        {
            const char *cid = str(v, "case_id");
            if (!strcmp(cid, k)) {
                assert_true(json_is_false(json_object_get(v, "visible")));
                assert_null(json_object_get(v, "reference"));
                assert_string_equal(str(v, "service"), "skip-container");
            } else {
                assert_true(!strcmp(cid, b) || !strcmp(cid, c));
                assert_true(json_is_true(json_object_get(v, "visible")));
                assert_string_equal(
                    str(v, "reference"),
                    ts_review_sql_text(srv.db, "SELECT reference FROM cases WHERE id = ?1", cid));
            }
            assert_true(json_is_number(json_object_get(v, "distance_m")));
            seen++;
        }
        assert_int_equal(seen, 3);
    }
    json_decref(ev);
    /* the admin sees K's reference too; the caseworker view carries the same history */
    ev = last_event(&admin, a);
    {
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(ev, "overridden_conflicts"), i, v)
        {
            assert_true(json_is_true(json_object_get(v, "visible")));
            assert_true(json_is_string(json_object_get(v, "reference")));
        }
    }
    json_decref(ev);
    x = get_case(&erika, a, NULL, tag, &st);
    assert_int_equal(st, 200);
    ev = json_array_get(json_object_get(x, "history"),
                        json_array_size(json_object_get(x, "history")) - 1);
    assert_int_equal(json_array_size(json_object_get(ev, "overridden_conflicts")), 3);
    /* earlier events override nothing */
    assert_int_equal(json_array_size(json_object_get(
                         json_array_get(json_object_get(x, "history"), 0), "overridden_conflicts")),
                     0);
    json_decref(x);
    /* the form server learns the decision, not the other cases */
    ts_forms_call("GET", ts_server_url(&srv, ts_pathf("/v1/cases/%s", a)), key_hook, NULL, NULL,
                  &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "approved"));
    assert_null(strstr(r.body, b));
    assert_null(strstr(r.body, k));
    assert_null(strstr(r.body, "overridden"));
    ts_http_resp_free(&r);
    assert_int_equal(ts_forms_sql_int(srv.db,
                                      "SELECT count(*) FROM case_events WHERE case_id = ?1 AND"
                                      " comment = 'Platz reicht für alle.'",
                                      a),
                     1);

    /* the retention purge writes A's events anew: the record stays, the
     * comment goes (geoeditor purge, A closed long ago) */
    {
        const char *argv[] = {NULL, "purge", "--db", srv.db, NULL};
        ts_run_result pr;
        assert_int_equal(ts_forms_sql_exec(srv.db,
                                           "UPDATE cases SET closed_at = '2000-01-01T00:00:00Z'"
                                           " WHERE id = ?1",
                                           a),
                         1);
        if (ts_run(&pr, NULL, argv) != 0 || pr.status != 0)
            fail_msg("purge: %s", pr.err ? pr.err : "");
        ts_run_free(&pr);
        assert_true(ts_review_sql_text(srv.db, "SELECT purged_at FROM cases WHERE id = ?1", a)[0]);
        ev = last_event(&admin, a);
        assert_string_equal(str(ev, "action"), "purged");
        json_decref(ev);
        assert_int_equal(ts_forms_sql_int(srv.db,
                                          "SELECT count(*) FROM case_event_overrides o JOIN"
                                          " case_events e ON e.id = o.event_id"
                                          " WHERE e.case_id = ?1 AND e.to_status = 'approved'",
                                          a),
                         3);
        assert_int_equal(ts_forms_sql_int(srv.db,
                                          "SELECT count(*) FROM case_events WHERE case_id = ?1"
                                          " AND comment IS NOT NULL",
                                          a),
                         0);
    }

    /* other steps need no acknowledgement: B in review, then rejected over its conflicts */
    json_decref(patch_ok(&erika, b, "{\"status\":\"in_review\"}"));
    json_decref(patch_ok(&erika, b, "{\"status\":\"rejected\",\"comment\":\"Platz vergeben.\"}"));
    ev = last_event(&erika, b);
    assert_int_equal(json_array_size(json_object_get(ev, "overridden_conflicts")), 0);
    json_decref(ev);
    /* a rejected case is no conflict any more: C now meets A and K only */
    json_decref(patch_ok(&erika, c, "{\"status\":\"in_review\"}"));
    p = patch(&erika, c, "{\"status\":\"approved\"}", NULL, &st);
    assert_int_equal(st, 409);
    assert_int_equal(json_array_size(json_object_get(p, "conflicts")), 2); /* A and K, not B */
    assert_null(conflict_of(p, b));
    json_decref(p);
}

/* A purged case (retention) is decided for good: 409, no allowed step. */
static void test_purged_case(void **state)
{
    char id[40];
    long st;
    json_t *p;

    (void)state;
    new_case(key_hook, id);
    json_decref(patch_ok(&erika, id, "{\"status\":\"in_review\"}"));
    json_decref(patch_ok(&erika, id, "{\"status\":\"approved\"}"));
    /* as geoeditor purge leaves it once the retention period has passed */
    assert_int_equal(
        ts_forms_sql_exec(srv.db, "UPDATE cases SET purged_at = closed_at WHERE id = ?1", id), 1);
    p = patch(&erika, id, "{\"status\":\"in_review\"}", NULL, &st);
    assert_int_equal(st, 409);
    assert_string_equal(str(p, "from"), "approved");
    assert_int_equal(json_array_size(json_object_get(p, "allowed")), 0);
    assert_non_null(strstr(str(p, "detail"), "purged"));
    json_decref(p);
    p = patch(&erika, id, "{\"status\":\"rejected\",\"comment\":\"x\"}", "Accept-Language: de",
              &st);
    assert_int_equal(st, 409);
    assert_non_null(strstr(str(p, "detail"), "gelöscht"));
    json_decref(p);
    assert_int_equal(events(id), 3);
}

/*
 * Two changes of one case within one second: both succeed, the second with
 * the tag the first one's answer carried, and each has its own tag; their
 * times are the clock's (the same second), not pushed apart. Each round
 * starts right after a second begins, so that both PATCHes have all of it.
 */
static void test_same_second(void **state)
{
    char id[40], hdr[96], tag1[64], tag2[64], up1[32], up2[32];
    int tries;
    long st;
    json_t *doc;

    (void)state;
    for (tries = 0; tries < 5; tries++) {
        time_t start = time(NULL);
        new_case(key_plain, id);
        while (time(NULL) == start)
            nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
        start = time(NULL);
        doc = patch(&erika, id, "{\"status\":\"in_review\"}", "If-Match: \"v1\"", &st);
        assert_int_equal(st, 200);
        snprintf(tag1, sizeof tag1, "%s", last_etag);
        snprintf(up1, sizeof up1, "%s", str(doc, "updated"));
        json_decref(doc);
        snprintf(hdr, sizeof hdr, "If-Match: %s", tag1);
        doc = patch(&erika, id, "{\"status\":\"changes_requested\",\"comment\":\"Bitte kleiner\"}",
                    hdr, &st);
        assert_int_equal(st, 200);
        snprintf(tag2, sizeof tag2, "%s", last_etag);
        snprintf(up2, sizeof up2, "%s", str(doc, "updated"));
        assert_int_equal(json_integer_value(json_object_get(doc, "version")), 3);
        json_decref(doc);
        assert_string_equal(tag1, "\"v2\"");
        assert_string_equal(tag2, "\"v3\"");
        assert_clock_time(up1, start);
        assert_clock_time(up2, start);
        if (strcmp(up1, up2) == 0) break; /* one second, as this test wants */
    }
    if (tries == 5) fail_msg("in five rounds, no two PATCHes fell within one second");
    /* the first answer's tag is stale now: 412 naming the current one */
    snprintf(hdr, sizeof hdr, "If-Match: %s", tag1);
    doc = patch(&erika, id, "{\"status\":\"in_review\"}", hdr, &st);
    assert_int_equal(st, 412);
    assert_string_equal(str(doc, "etag"), tag2);
    assert_string_equal(str(doc, "updated"), up2);
    json_decref(doc);
    assert_int_equal(events(id), 3);
    /* the history keeps both changes with the same time, in order */
    assert_int_equal(ts_forms_sql_int(srv.db,
                                      "SELECT count(*) FROM case_events WHERE case_id = ?1"
                                      " AND action = 'status' AND at = (SELECT updated_at FROM"
                                      " cases WHERE id = ?1)",
                                      id),
                     2);
}

typedef struct racer {
    const ts_review_session *who;
    const char *id;
    const char *body;
    char if_match[96];
    long status;
} racer;

static void *race(void *p)
{
    racer *x = p;
    json_decref(patch(x->who, x->id, x->body, x->if_match[0] ? x->if_match : NULL, &x->status));
    return NULL;
}

static void test_concurrent_decisions(void **state)
{
    (void)state;
    /* Rounds of two sessions deciding one case at the same moment, with and
     * without If-Match, the same way and opposite ways. */
    for (int round = 0; round < 6; round++) {
        char id[40];
        racer x[2];
        pthread_t t[2];
        int won = 0;

        new_case(key_hook, id);
        json_decref(patch_ok(&erika, id, "{\"status\":\"in_review\"}"));
        for (int i = 0; i < 2; i++) {
            x[i].who = i ? &erika2 : &admin;
            x[i].id = id;
            x[i].body = round % 2 && i ? "{\"status\":\"rejected\",\"comment\":\"nein\"}"
                                       : "{\"status\":\"approved\"}";
            x[i].if_match[0] = '\0';
            if (round >= 3)
                snprintf(x[i].if_match, sizeof x[i].if_match, "If-Match: \"v%s\"",
                         ts_review_sql_text(srv.db, "SELECT version FROM cases WHERE id = ?1", id));
        }
        for (int i = 0; i < 2; i++)
            assert_int_equal(pthread_create(&t[i], NULL, race, &x[i]), 0);
        for (int i = 0; i < 2; i++)
            assert_int_equal(pthread_join(t[i], NULL), 0);
        for (int i = 0; i < 2; i++) {
            if (x[i].status == 200)
                won++;
            else if (x[i].status != 409 && x[i].status != 412)
                fail_msg("round %d: the loser got %ld", round, x[i].status);
        }
        assert_int_equal(won, 1);
        /* one decision, one event, one outbox row for it */
        assert_int_equal(ts_forms_sql_int(srv.db,
                                          "SELECT count(*) FROM case_events WHERE case_id = ?1"
                                          " AND from_status = 'in_review'",
                                          id),
                         1);
        assert_int_equal(deliveries(id), 2);
    }
    assert_true(ts_forms_integrity_ok(srv.db));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workflow),
        cmocka_unit_test(test_reject_without_webhook),
        cmocka_unit_test(test_bad_bodies),
        cmocka_unit_test(test_other_service_404),
        cmocka_unit_test(test_approve_over_conflicts),
        cmocka_unit_test(test_purged_case),
        cmocka_unit_test(test_same_second),
        cmocka_unit_test(test_concurrent_decisions),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
