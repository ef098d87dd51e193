/*
 * test_api_draft_period.c - the draft option period_editable against the
 * real server: set and unset by the form server (POST and PATCH
 * /v1/drafts, shown by GET, part of the ETag, a bad value a 400 naming the
 * member), the editor page's config, and the applicant's PUT
 * /v1/edit/{token}/period: it changes the period (and only the period) when
 * the option is set, answers 403 naming why when it is not, re-checks the
 * lead time and length (a refused period is saved with its reason in the
 * report, and the reason goes away with a good period), names bad dates'
 * members with 400, and answers 410 after the submission.
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

#include "ts.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_run.h"
#include "ts_server.h"

static ts_server srv;
static char key_a[128];

static int setup(void **state)
{
    (void)state;
    if (ts_server_start(&srv, "api_draft_period", NULL) != 0) return -1;
    return ts_forms_client_add(srv.db, "Client A", key_a);
}

static int teardown(void **state)
{
    (void)state;
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

static void call(const char *method, const char *path, const char *key, const char *body,
                 ts_http_resp *r)
{
    if (ts_forms_call(method, ts_server_url(&srv, path), key, NULL, body, r) != 0)
        fail_msg("%s %s: %s", method, path, r->error);
}

/* A problem with this status naming member; its detail mentions text. */
static void expect_member(ts_http_resp *r, long status, const char *member, const char *text)
{
    json_t *p;
    const char *m, *detail;
    if (r->status != status) fail_msg("expected %ld, got %ld: %.400s", status, r->status, r->body);
    assert_string_equal(ts_http_header(r, "Content-Type"), "application/problem+json");
    p = ts_forms_json(r);
    assert_non_null(p);
    m = json_string_value(json_object_get(p, "member"));
    detail = json_string_value(json_object_get(p, "detail"));
    if (!m || strcmp(m, member) != 0) fail_msg("should name member %s: %s", member, r->body);
    if (text && (!detail || !strstr(detail, text)))
        fail_msg("detail should mention '%s': %s", text, r->body);
    json_decref(p);
    ts_http_resp_free(r);
}

/* YYYY-MM-DD of today + days (UTC). */
static const char *day(int days)
{
    static __thread char buf[4][16];
    static __thread int k;
    time_t t = time(NULL) + (time_t)days * 86400;
    struct tm tm;
    char *b = buf[k++ % 4];
    gmtime_r(&t, &tm);
    strftime(b, 16, "%Y-%m-%d", &tm);
    return b;
}

/* A stand draft with a period from today + s to today + e (none when s < 0),
 * options given as JSON text (NULL: none). */
static void new_draft(const char *options, int s, int e, char *id, char *token)
{
    char body[1024], period[128] = "";
    long st;
    if (s >= 0)
        snprintf(period, sizeof period, "\"period\":{\"start\":\"%s\",\"end\":\"%s\"},", day(s),
                 day(e));
    snprintf(body, sizeof body,
             "{\"service\":\"info-stand\",\"reference\":\"P-1\",%s%s%s%s\"features\":{"
             "\"type\":\"Feature\",\"properties\":{},"
             "\"geometry\":{\"type\":\"Point\",\"coordinates\":[13.31,52.585]}}}",
             period, options ? "\"options\":" : "", options ? options : "", options ? "," : "");
    st = ts_forms_draft(&srv, key_a, body, id, token);
    if (st != 201) fail_msg("creating a draft: %ld", st);
}

static bool has_rule(const json_t *report, const char *rule)
{
    const json_t *v;
    size_t i;
    json_array_foreach(json_object_get(report, "violations"), i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "rule")), rule) == 0) return true;
    }
    return false;
}

static bool editable_in(const json_t *doc)
{
    const json_t *o = json_object_get(doc, "options");
    if (!json_is_object(o)) fail_msg("no options in the draft");
    return json_is_true(json_object_get(o, "period_editable"));
}

/* period_editable in the editor page's config (an attribute: quotes escaped). */
static bool page_editable(const char *page)
{
    const char *p = strstr(page, "period_editable");
    if (!p) fail_msg("the editor page has no period_editable");
    p += strlen("period_editable");
    for (;;) {
        if (strncmp(p, "&quot;", 6) == 0)
            p += 6;
        else if (*p == '"' || *p == ':')
            p++;
        else
            break;
    }
    if (strncmp(p, "true", 4) && strncmp(p, "false", 5)) fail_msg("period_editable: %.20s", p);
    return strncmp(p, "true", 4) == 0;
}

static void put_period(const char *token, const char *start, const char *end, ts_http_resp *r)
{
    char body[256];
    snprintf(body, sizeof body, "{\"period\":{\"start\":\"%s\",\"end\":\"%s\"}}", start, end);
    call("PUT", ts_pathf("/v1/edit/%s/period", token), NULL, body, r);
}

/* PATCH /v1/drafts/{id} with If-Match. */
static void patch(const char *id, const char *if_match, const char *body, ts_http_resp *r)
{
    char auth[256], im[256];
    const char *h[] = {auth, im, "Content-Type: application/json", NULL};
    ts_http_req q = {0};
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key_a);
    snprintf(im, sizeof im, "If-Match: %s", if_match);
    q.method = "PATCH";
    q.url = ts_server_url(&srv, ts_pathf("/v1/drafts/%s", id));
    q.headers = h;
    q.body = body;
    q.body_len = strlen(body);
    if (ts_http(&q, r) != 0) fail_msg("PATCH %s: %s", id, r->error);
}

static void test_option_set_unset(void **state)
{
    char id[128], token[128], tag[128];
    ts_http_resp r;
    json_t *doc;

    (void)state;
    /* unset by default: GET says false, the editor page's config too */
    new_draft(NULL, 20, 21, id, token);
    call("GET", ts_pathf("/v1/drafts/%s", id), key_a, NULL, &r);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_false(editable_in(doc));
    json_decref(doc);
    snprintf(tag, sizeof tag, "%s", ts_http_header(&r, "ETag"));
    ts_http_resp_free(&r);
    call("GET", ts_pathf("/edit/%s", token), NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_false(page_editable(r.body));
    ts_http_resp_free(&r);

    /* PATCH sets it: a new state, a new tag; the editor's config says so */
    patch(id, tag, "{\"options\":{\"period_editable\":true}}", &r);
    if (r.status != 200) fail_msg("PATCH options: %ld %s", r.status, r.body);
    doc = ts_forms_json(&r);
    assert_true(editable_in(doc));
    assert_string_equal(json_string_value(json_object_get(doc, "reference")), "P-1");
    json_decref(doc);
    assert_string_not_equal(ts_http_header(&r, "ETag"), tag);
    ts_http_resp_free(&r);
    /* the old tag named the state without the option: stale now */
    patch(id, tag, "{\"reference\":\"P-2\"}", &r);
    assert_int_equal(r.status, 412);
    ts_http_resp_free(&r);
    call("GET", ts_pathf("/edit/%s", token), NULL, NULL, &r);
    assert_true(page_editable(r.body));
    ts_http_resp_free(&r);

    /* a PATCH that does not name options keeps them; false unsets */
    patch(id, "*", "{\"reference\":\"P-2\"}", &r);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_true(editable_in(doc));
    json_decref(doc);
    ts_http_resp_free(&r);
    patch(id, "*", "{\"options\":{\"period_editable\":false}}", &r);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_false(editable_in(doc));
    json_decref(doc);
    ts_http_resp_free(&r);
    put_period(token, day(30), day(31), &r);
    expect_member(&r, 403, "period", NULL);
    /* {} keeps them too */
    patch(id, "*", "{\"options\":{}}", &r);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_false(editable_in(doc));
    json_decref(doc);
    ts_http_resp_free(&r);

    /* POST sets it at once and answers with it */
    {
        char body[1024];
        snprintf(body, sizeof body,
                 "{\"service\":\"info-stand\",\"reference\":\"P-3\",\"options\":"
                 "{\"period_editable\":true}}");
        call("POST", "/v1/drafts", key_a, body, &r);
        assert_int_equal(r.status, 201);
        doc = ts_forms_json(&r);
        assert_true(editable_in(doc));
        json_decref(doc);
        ts_http_resp_free(&r);
    }
}

static void test_option_bad(void **state)
{
    static const struct {
        const char *options;
        const char *member;
        const char *text;
    } bad[] = {
        {"true", "options", "object"},
        {"{\"period_editable\":1}", "options.period_editable", "true"},
        {"{\"period_editable\":\"yes\"}", "options.period_editable", "true"},
        {"{\"periodEditable\":true}", "options", "periodEditable"},
    };
    char body[512];
    ts_http_resp r;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(body, sizeof body,
                 "{\"service\":\"info-stand\",\"reference\":\"P-4\",\"options\":%s}",
                 bad[i].options);
        call("POST", "/v1/drafts", key_a, body, &r);
        expect_member(&r, 400, bad[i].member, bad[i].text);
    }
    /* PATCH validates the same before it looks at If-Match */
    {
        char id[128], token[128];
        new_draft(NULL, 20, 21, id, token);
        call("PATCH", ts_pathf("/v1/drafts/%s", id), key_a,
             "{\"options\":{\"period_editable\":null}}", &r);
        expect_member(&r, 400, "options.period_editable", NULL);
    }
}

static void test_editor_changes_period(void **state)
{
    char id[128], token[128], start[16], end[16], feats[4096];
    ts_http_resp r;
    json_t *doc;

    (void)state;
    /* starts tomorrow: too soon for the 5 days' notice */
    new_draft("{\"period_editable\":true}", 1, 2, id, token);
    call("POST", ts_pathf("/v1/edit/%s/validate", token), NULL, NULL, &r);
    doc = ts_forms_json(&r);
    assert_true(has_rule(doc, "lead-time"));
    json_decref(doc);
    ts_http_resp_free(&r);
    call("GET", ts_pathf("/v1/edit/%s/features", token), NULL, NULL, &r);
    snprintf(feats, sizeof feats, "%s", strstr(r.body, "\"features\""));
    ts_http_resp_free(&r);

    /* too long (10 days, at most 7): saved, with the reason in the report */
    put_period(token, day(20), day(29), &r);
    if (r.status != 200) fail_msg("PUT period: %ld %s", r.status, r.body);
    doc = ts_forms_json(&r);
    assert_true(json_is_true(json_object_get(doc, "saved")));
    assert_true(has_rule(json_object_get(doc, "validation"), "period-length"));
    assert_false(has_rule(json_object_get(doc, "validation"), "lead-time"));
    assert_false(json_is_true(json_object_get(json_object_get(doc, "validation"), "valid")));
    json_decref(doc);
    ts_http_resp_free(&r);

    /* a good one: the reasons go away; the form server reads the new period */
    snprintf(start, sizeof start, "%s", day(10));
    snprintf(end, sizeof end, "%s", day(12));
    put_period(token, start, end, &r);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "period"), "start")),
                        start);
    assert_false(has_rule(json_object_get(doc, "validation"), "lead-time"));
    assert_false(has_rule(json_object_get(doc, "validation"), "period-length"));
    json_decref(doc);
    ts_http_resp_free(&r);
    call("GET", ts_pathf("/v1/drafts/%s", id), key_a, NULL, &r);
    doc = ts_forms_json(&r);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "period"), "start")),
                        start);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "period"), "end")),
                        end);
    assert_string_equal(json_string_value(json_object_get(doc, "reference")), "P-1");
    assert_true(json_is_true(json_object_get(json_object_get(doc, "validation"), "valid")));
    json_decref(doc);
    ts_http_resp_free(&r);
    /* ... and only the period: the drawing is as it was */
    call("GET", ts_pathf("/v1/edit/%s/features", token), NULL, NULL, &r);
    assert_non_null(strstr(r.body, feats));
    ts_http_resp_free(&r);

    /* back to too soon: refused by the rules, said as the lead-time reason */
    put_period(token, day(0), day(1), &r);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_true(has_rule(json_object_get(doc, "validation"), "lead-time"));
    json_decref(doc);
    ts_http_resp_free(&r);

    /* after the submission the link is gone */
    put_period(token, start, end, &r);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
    assert_int_equal(ts_forms_call("POST",
                                   ts_server_url(&srv, ts_pathf("/v1/drafts/%s/submit", id)), key_a,
                                   "period-1", "{\"applicant\":{\"name\":\"A\"}}", &r),
                     0);
    if (r.status != 201) fail_msg("submit: %ld %s", r.status, r.body);
    ts_http_resp_free(&r);
    put_period(token, start, end, &r);
    assert_int_equal(r.status, 410);
    ts_http_resp_free(&r);
}

static void test_editor_period_refused(void **state)
{
    static const struct {
        const char *body;
        const char *member;
    } bad[] = {
        {"{}", "period"},
        {"{\"period\":null}", "period"},
        {"{\"period\":{\"start\":\"2027-03-01\"}}", "period.end"},
        {"{\"period\":{\"start\":\"2027-02-30\",\"end\":\"2027-03-02\"}}", "period.start"},
        {"{\"period\":{\"start\":\"2027-03-01\",\"end\":\"03.03.2027\"}}", "period.end"},
        {"{\"period\":{\"start\":\"2027-03-05\",\"end\":\"2027-03-01\"}}", "period.end"},
        {"{\"period\":{\"start\":\"2027-03-01\",\"end\":\"2027-03-02\",\"x\":1}}", NULL},
    };
    char id[128], token[128], id2[128], token2[128];
    ts_http_resp r;
    json_t *doc;

    (void)state;
    new_draft("{\"period_editable\":true}", 20, 21, id, token);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        call("PUT", ts_pathf("/v1/edit/%s/period", token), NULL, bad[i].body, &r);
        if (bad[i].member) {
            expect_member(&r, 400, bad[i].member, NULL);
        } else {
            assert_int_equal(r.status, 400);
            ts_http_resp_free(&r);
        }
    }
    /* the detail in German when Accept-Language asks for it (both languages exist) */
    {
        const char *h[] = {"Accept-Language: de", "Content-Type: application/json", NULL};
        const char *body = "{\"period\":{\"start\":\"2027-03-05\",\"end\":\"2027-03-01\"}}";
        ts_http_req q = {0};
        q.method = "PUT";
        q.url = ts_server_url(&srv, ts_pathf("/v1/edit/%s/period", token));
        q.headers = h;
        q.body = body;
        q.body_len = strlen(body);
        assert_int_equal(ts_http(&q, &r), 0);
        expect_member(&r, 400, "period.end", "vor dem Beginn");
    }

    /* not allowed by the form server: 403 naming why, nothing changed */
    new_draft(NULL, 20, 21, id2, token2);
    put_period(token2, day(30), day(31), &r);
    expect_member(&r, 403, "period", "form");
    call("GET", ts_pathf("/v1/drafts/%s", id2), key_a, NULL, &r);
    doc = ts_forms_json(&r);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "period"), "start")),
                        day(20));
    json_decref(doc);
    ts_http_resp_free(&r);
    /* an unknown link: 404 */
    put_period("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", day(30), day(31), &r);
    assert_int_equal(r.status, 404);
    ts_http_resp_free(&r);
}

/* A draft the form server opened without a period (and without the option):
 * the rules ask for one, so the applicant may give it in the editor - and
 * correct it until finishing - instead of meeting a reason no field answers. */
static void test_editor_gives_missing_period(void **state)
{
    char id[128], token[128];
    ts_http_resp r;
    json_t *doc;

    (void)state;
    new_draft(NULL, -1, -1, id, token);
    /* finishing is refused for the missing period */
    call("POST", ts_pathf("/v1/edit/%s/finish", token), NULL, "", &r);
    doc = ts_forms_json(&r);
    assert_false(json_is_true(json_object_get(doc, "success")));
    assert_non_null(strstr(r.body, "period"));
    json_decref(doc);
    ts_http_resp_free(&r);
    /* the editor page offers the fields */
    call("GET", ts_pathf("/edit/%s", token), NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_true(page_editable(r.body));
    ts_http_resp_free(&r);

    put_period(token, day(20), day(21), &r);
    if (r.status != 200) fail_msg("PUT period without a period: %ld %s", r.status, r.body);
    ts_http_resp_free(&r);
    /* the form server sees the period and that the applicant now holds it */
    call("GET", ts_pathf("/v1/drafts/%s", id), key_a, NULL, &r);
    doc = ts_forms_json(&r);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "period"), "start")),
                        day(20));
    assert_true(editable_in(doc));
    json_decref(doc);
    ts_http_resp_free(&r);
    /* a second change (a typo corrected) is allowed too */
    put_period(token, day(22), day(23), &r);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
    call("POST", ts_pathf("/v1/edit/%s/finish", token), NULL, "", &r);
    doc = ts_forms_json(&r);
    if (!json_is_true(json_object_get(doc, "success"))) fail_msg("finish: %s", r.body);
    json_decref(doc);
    ts_http_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_option_set_unset),
        cmocka_unit_test(test_option_bad),
        cmocka_unit_test(test_editor_changes_period),
        cmocka_unit_test(test_editor_period_refused),
        cmocka_unit_test(test_editor_gives_missing_period),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
