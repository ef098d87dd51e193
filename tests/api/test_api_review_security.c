/*
 * test_api_review_security.c - every caseworker route, one table, tried by
 * everyone who must not get in, against the real server:
 *
 *   - a stranger: no cookie, a made-up cookie, the cookie of a session that
 *     has logged out (401 problem each; HEAD too), a form server's API key on routes
 *     that are not the form server's (401), and on its routes for another
 *     client's case (404);
 *   - a caseworker of another service: 404 for the case, exactly like a case
 *     that does not exist; collections (list, export, tiles) without the
 *     case;
 *   - PATCH with no X-CSRF-Token, a forged one, a real one of another
 *     (still valid) session, one of a logged-out session, the token as a
 *     query parameter or a cookie instead of the header: 403, and nothing in
 *     the store changed;
 *   - the owner as the control: the same requests succeed with the right
 *     session, so the refusals above are not a broken route; even then no
 *     other site is granted a CORS read or a preflight for PATCH, and no
 *     answer may be kept by a shared cache.
 *
 * Plus what test_api_auth.c checks for /v1/session, here for the case
 * routes: a session id planted before login is never adopted (and a
 * planted session of another user is not upgraded by the victim's login);
 * idle and absolute expiry end access to cases (also a PATCH with a valid
 * token: 401, nothing changed); a lockout of a name (429, also for the right
 * password) leaves that user's open session alone; and no response body,
 * header or server log line shows a password, API key, webhook secret,
 * session id, CSRF token or capability token.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ts.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_review.h"
#include "ts_server.h"

#define PW_ERIKA       "Info stands on Fridays, 2026"
#define PW_MAX         "reviews skip containers, 2026"
#define PW_ERIKA_GUESS "erika2026!"

#define CASE_LON 13.3125
#define CASE_LAT 52.5375

/* What the route gives a caseworker who may not see the case. */
typedef enum route_kind {
    ROUTE_CASE,      /* a route of one case: 404 as for none */
    ROUTE_COLLECTION /* many cases: 200 without that case */
} route_kind;

typedef struct route {
    const char *method;
    const char *path; /* "%s" is the case id (or, for tiles, z/y/x) */
    route_kind kind;
    bool bearer;  /* also a form server's route (Authorization: Bearer) */
    bool session; /* takes a caseworker session */
    bool shows;   /* the owner's answer holds the case id (list, export, tile) */
} route;

/* Every caseworker route of the review contract (issue 7). */
static const route routes[] = {
    {"GET", "/v1/cases", ROUTE_COLLECTION, false, true, true},
    {"GET", "/v1/cases/%s", ROUTE_CASE, true, true, true},
    {"PATCH", "/v1/cases/%s", ROUTE_CASE, false, true, false},
    {"GET", "/v1/cases/%s/features", ROUTE_CASE, true, true, false},
    {"GET", "/v1/cases/%s/map.png?width=64&height=64", ROUTE_CASE, true, true, false},
    {"GET", "/v1/cases/%s/history", ROUTE_CASE, false, true, false},
    {"GET", "/v1/cases/%s/conflicts", ROUTE_CASE, false, true, false},
    {"GET", "/v1/export?f=geojson", ROUTE_COLLECTION, false, true, true},
    {"GET", "/v1/export?f=csv", ROUTE_COLLECTION, false, true, true},
    {"GET", "/collections/cases/tiles/WebMercatorQuad/%s", ROUTE_COLLECTION, false, true, true},
    {"GET", "/collections/cases/tiles/WebMercatorQuad", ROUTE_COLLECTION, false, true, false},
};
#define NROUTES (sizeof routes / sizeof routes[0])

static ts_server srv;
static char key_a[128], key_b[128], hook_secret[128];
static char case_id[40], other_id[40];
static ts_review_session erika, erika2, erika_gone, max;

/* Every secret handed out, and every answer received except the ones that
 * legitimately hand a secret out (login, draft creation). */
static char secrets[64][160];
static size_t nsecrets;
static char *answers;
static size_t answers_len;

static void secret(const char *s)
{
    if (!s || !s[0]) return;
    assert_true(nsecrets < 64);
    snprintf(secrets[nsecrets++], 160, "%s", s);
}

static void keep(const ts_http_resp *r)
{
    size_t hn = r->headers ? strlen(r->headers) : 0, bn = r->body ? r->body_len : 0;
    char *n = realloc(answers, answers_len + hn + bn + 2);
    assert_non_null(n);
    answers = n;
    memcpy(answers + answers_len, r->headers ? r->headers : "", hn);
    answers_len += hn;
    memcpy(answers + answers_len, r->body ? r->body : "", bn);
    answers_len += bn;
    answers[answers_len++] = '\n';
    answers[answers_len] = '\0';
}

static bool mem_has(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; k && i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0) return true;
    return false;
}

static long login(const ts_server *s, const char *name, const char *pw, ts_review_session *out)
{
    long st = ts_review_login(s, name, pw, out);
    secret(out->cookie);
    secret(out->csrf);
    return st;
}

/* The tile (z 16) that holds lon, lat, as "16/y/x". */
static const char *tile_of(double lon, double lat)
{
    static char buf[64];
    double n = 65536.0, r = lat * M_PI / 180.0;
    int x = (int)floor((lon + 180.0) / 360.0 * n);
    int y = (int)floor((1.0 - log(tan(r) + 1.0 / cos(r)) / M_PI) / 2.0 * n);
    snprintf(buf, sizeof buf, "16/%d/%d", y, x);
    return buf;
}

static const char *route_path(const route *rt, const char *id)
{
    static char buf[4][512];
    static int i;
    i = (i + 1) % 4;
    const char *hole = strstr(rt->path, "%s");
    if (!hole) return rt->path;
    snprintf(buf[i], sizeof buf[i], "%.*s%s%s", (int)(hole - rt->path), rt->path,
             strstr(rt->path, "/tiles/") ? tile_of(CASE_LON, CASE_LAT) : id, hole + 2);
    return buf[i];
}

static const char *patch_body = "{\"status\":\"in_review\"}";

static void call(const char *method, const char *path, const char *cookie, const char *csrf,
                 const char *extra, ts_http_resp *r)
{
    const char *body = strcmp(method, "PATCH") == 0 ? patch_body : NULL;
    if (ts_review_call(&srv, method, path, cookie, csrf, extra, body, r) != 0)
        fail_msg("%s %s: %s", method, path, r->error);
    keep(r);
}

static void expect_problem(const ts_http_resp *r, long status, const char *what)
{
    const char *ct = ts_http_header(r, "Content-Type");
    if (r->status != status)
        fail_msg("%s: expected %ld, got %ld: %.300s", what, status, r->status,
                 r->body ? r->body : "");
    if (!ct || strcmp(ct, "application/problem+json") != 0)
        fail_msg("%s: a %ld must be a problem, not %s", what, status, ct ? ct : "(none)");
}

/* The case as the store has it, to prove that nothing changed. */
static const char *case_state(const char *id)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "%s|%lld",
             ts_review_sql_text(srv.db,
                                "SELECT status || '|' || updated_at FROM cases WHERE id = ?1", id),
             ts_forms_sql_int(srv.db, "SELECT count(*) FROM case_events WHERE case_id = ?1", id));
    return buf;
}

static int setup(void **state)
{
    char draft[128], token[128];
    (void)state;
    if (ts_server_start(&srv, "api_review_security", NULL) != 0) return -1;
    if (ts_review_client_with_webhook(srv.db, "Form A", "http://127.0.0.1:9/hook", key_a,
                                      hook_secret) != 0 ||
        ts_forms_client_add(srv.db, "Form B", key_b) != 0)
        return -1;
    secret(key_a);
    secret(key_b);
    secret(hook_secret);
    secret(PW_ERIKA);
    secret(PW_MAX);
    secret(PW_ERIKA_GUESS);
    if (ts_review_user_add(srv.db, "erika", "caseworker", "info-stand", PW_ERIKA) != 0 ||
        ts_review_user_add(srv.db, "max", "caseworker", "skip-container", PW_MAX) != 0)
        return -1;
    if (ts_review_case(&srv, key_a, CASE_LON, CASE_LAT, "Erika Mustermann", case_id) != 0 ||
        ts_review_case(&srv, key_b, CASE_LON + 0.01, CASE_LAT, "Otto Normal", other_id) != 0)
        return -1;
    /* A draft's capability token must not leak through any case route. */
    if (ts_forms_draft(&srv, key_a, ts_forms_stand_body(CASE_LON, CASE_LAT), draft, token) != 201)
        return -1;
    secret(token);
    if (login(&srv, "erika", PW_ERIKA, &erika) != 200 ||
        login(&srv, "erika", PW_ERIKA, &erika2) != 200 ||
        login(&srv, "erika", PW_ERIKA, &erika_gone) != 200 ||
        login(&srv, "max", PW_MAX, &max) != 200)
        return -1;
    {
        ts_http_resp r;
        call("POST", "/v1/logout", erika_gone.cookie, erika_gone.csrf, NULL, &r);
        if (r.status != 204) return -1;
        ts_http_resp_free(&r);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(answers);
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

static void test_strangers(void **state)
{
    static const char *const made_up[] = {
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not a session", "x",
        "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ",
        NULL};
    char state_before[256];

    (void)state;
    snprintf(state_before, sizeof state_before, "%s", case_state(case_id));
    for (size_t i = 0; i < NROUTES; i++) {
        const route *rt = &routes[i];
        const char *path = route_path(rt, case_id);
        char what[600];
        ts_http_resp r;

        snprintf(what, sizeof what, "%s %s", rt->method, rt->path);
        /* no cookie */
        call(rt->method, path, NULL, NULL, NULL, &r);
        expect_problem(&r, 401, what);
        ts_http_resp_free(&r);
        /* made-up cookies, with a token to pass any CSRF check */
        for (const char *const *c = made_up; *c; c++) {
            call(rt->method, path, *c, erika.csrf, NULL, &r);
            expect_problem(&r, 401, what);
            ts_http_resp_free(&r);
        }
        /* HEAD, which the GET route answers, checks just the same */
        if (strcmp(rt->method, "GET") == 0) {
            call("HEAD", path, NULL, NULL, NULL, &r);
            if (r.status != 401) fail_msg("HEAD %s: %ld", rt->path, r.status);
            ts_http_resp_free(&r);
            call("HEAD", path, made_up[0], NULL, NULL, &r);
            if (r.status != 401) fail_msg("HEAD %s with a made-up cookie: %ld", rt->path, r.status);
            ts_http_resp_free(&r);
        }
        /* a session that has logged out, with its own token */
        call(rt->method, path, erika_gone.cookie, erika_gone.csrf, NULL, &r);
        expect_problem(&r, 401, what);
        ts_http_resp_free(&r);
        /* a form server's key: its routes only, its cases only */
        {
            char auth[200];
            snprintf(auth, sizeof auth, "Authorization: Bearer %s", key_b);
            call(rt->method, path, NULL, NULL, auth, &r);
            expect_problem(&r, rt->bearer ? 404 : 401, what);
            ts_http_resp_free(&r);
            if (rt->bearer) {
                snprintf(auth, sizeof auth, "Authorization: Bearer %s", key_a);
                call(rt->method, path, NULL, NULL, auth, &r);
                if (r.status != 200) fail_msg("%s: the owning client got %ld", what, r.status);
                ts_http_resp_free(&r);
            }
        }
    }
    assert_string_equal(case_state(case_id), state_before);
}

static void test_other_service(void **state)
{
    char state_before[256];

    (void)state;
    snprintf(state_before, sizeof state_before, "%s", case_state(case_id));
    for (size_t i = 0; i < NROUTES; i++) {
        const route *rt = &routes[i];
        char what[600];
        ts_http_resp r, none;

        if (!rt->session) continue;
        /* the owner, as the control: the route works and shows the case;
         * asked from another site's page, the answer grants it no CORS
         * read, and no shared cache may keep it */
        if (strcmp(rt->method, "GET") == 0) {
            const char *cc;
            snprintf(what, sizeof what, "%s %s as erika", rt->method, rt->path);
            call(rt->method, route_path(rt, case_id), erika.cookie, NULL,
                 "Origin: https://evil.example", &r);
            if (r.status != 200) fail_msg("%s: %ld %.300s", what, r.status, r.body ? r.body : "");
            if (rt->shows && !mem_has(r.body, r.body_len, case_id))
                fail_msg("%s: the owner's answer lacks the case", what);
            if (ts_http_header(&r, "Access-Control-Allow-Origin"))
                fail_msg("%s: CORS granted to %s", what,
                         ts_http_header(&r, "Access-Control-Allow-Origin"));
            cc = ts_http_header(&r, "Cache-Control");
            if (!cc || (!strstr(cc, "private") && !strstr(cc, "no-store")))
                fail_msg("%s: Cache-Control %s lets shared caches keep it", what, cc ? cc : "-");
            ts_http_resp_free(&r);
        }
        snprintf(what, sizeof what, "%s %s as max", rt->method, rt->path);
        call(rt->method, route_path(rt, case_id), max.cookie, max.csrf, NULL, &r);
        if (rt->kind == ROUTE_CASE && strcmp(rt->method, "GET") == 0) {
            ts_http_resp h;
            call("HEAD", route_path(rt, case_id), max.cookie, NULL, NULL, &h);
            if (h.status != 404) fail_msg("HEAD %s as max: %ld", rt->path, h.status);
            ts_http_resp_free(&h);
        }
        if (rt->kind == ROUTE_CASE) {
            /* the same answer as for a case that does not exist */
            json_t *a, *b;
            expect_problem(&r, 404, what);
            call(rt->method, route_path(rt, "0123456789abcdef0123456789abcdef"), max.cookie,
                 max.csrf, NULL, &none);
            expect_problem(&none, 404, what);
            a = ts_forms_json(&r);
            b = ts_forms_json(&none);
            assert_string_equal(json_string_value(json_object_get(a, "title")),
                                json_string_value(json_object_get(b, "title")));
            assert_null(strstr(r.body, "info-stand"));
            assert_null(strstr(r.body, "Mustermann"));
            json_decref(a);
            json_decref(b);
            ts_http_resp_free(&none);
        } else {
            if (r.status != 200 && r.status != 204)
                fail_msg("%s: %ld %.300s", what, r.status, r.body ? r.body : "");
            if (mem_has(r.body, r.body_len, case_id)) fail_msg("%s: shows the case", what);
        }
        ts_http_resp_free(&r);
    }
    assert_string_equal(case_state(case_id), state_before);
}

static void test_csrf(void **state)
{
    char forged[87], state_before[256], hdr[300];
    const char *path = NULL;
    ts_http_resp r;

    (void)state;
    memset(forged, 'A', 86);
    forged[86] = '\0';
    snprintf(state_before, sizeof state_before, "%s", case_state(case_id));
    for (size_t i = 0; i < NROUTES; i++) {
        const route *rt = &routes[i];
        const char *bad[] = {NULL, forged, "", "short", erika2.csrf, erika_gone.csrf, max.csrf};
        char what[600];

        if (strcmp(rt->method, "GET") == 0 || !rt->session) continue;
        path = route_path(rt, case_id);
        for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
            snprintf(what, sizeof what, "%s %s, bad token %zu", rt->method, rt->path, k);
            call(rt->method, path, erika.cookie, bad[k], NULL, &r);
            expect_problem(&r, 403, what);
            {
                json_t *p = ts_forms_json(&r);
                assert_string_equal(json_string_value(json_object_get(p, "header")),
                                    "X-CSRF-Token");
                json_decref(p);
            }
            ts_http_resp_free(&r);
            assert_string_equal(case_state(case_id), state_before);
        }
        /* the token anywhere but in the header does not count */
        {
            char qpath[600];
            snprintf(qpath, sizeof qpath, "%s?csrf_token=%s&X-CSRF-Token=%s", path, erika.csrf,
                     erika.csrf);
            call(rt->method, qpath, erika.cookie, NULL, NULL, &r);
            expect_problem(&r, 403, what);
            ts_http_resp_free(&r);
            snprintf(hdr, sizeof hdr, "Cookie: ge_session=%s; X-CSRF-Token=%s", erika.cookie,
                     erika.csrf);
            call(rt->method, path, NULL, NULL, hdr, &r);
            expect_problem(&r, 403, what);
            ts_http_resp_free(&r);
        }
        /* the session's own token from a fresh GET /v1/session works */
        {
            json_t *doc;
            char fresh[128];
            /* (not kept: this answer hands the token out) */
            assert_int_equal(
                ts_review_call(&srv, "GET", "/v1/session", erika2.cookie, NULL, NULL, NULL, &r), 0);
            doc = ts_forms_json(&r);
            snprintf(fresh, sizeof fresh, "%s",
                     json_string_value(json_object_get(doc, "csrf_token")));
            secret(fresh);
            json_decref(doc);
            ts_http_resp_free(&r);
            /* ... but not with erika's other session */
            call(rt->method, path, erika.cookie, fresh, NULL, &r);
            expect_problem(&r, 403, what);
            ts_http_resp_free(&r);
            assert_string_equal(case_state(case_id), state_before);
            call(rt->method, path, erika2.cookie, fresh, NULL, &r);
            if (r.status != 200) fail_msg("%s with its own token: %ld", rt->path, r.status);
            ts_http_resp_free(&r);
        }
    }
    assert_non_null(path); /* PATCH is in the table */
    assert_string_not_equal(case_state(case_id), state_before);
    assert_string_equal(
        ts_review_sql_text(srv.db, "SELECT status FROM cases WHERE id = ?1", case_id), "in_review");
    assert_int_equal(ts_forms_sql_int(srv.db,
                                      "SELECT count(*) FROM case_events WHERE case_id = ?1 AND"
                                      " action = 'status'",
                                      case_id),
                     1);
}

/* No other site's page may send a PATCH with the caseworker's cookie: the
 * CORS preflight for it is not granted (SameSite=Strict aside). */
static void test_no_cors_preflight(void **state)
{
    const char *h[] = {"Origin: https://evil.example", "Access-Control-Request-Method: PATCH",
                       "Access-Control-Request-Headers: x-csrf-token, content-type", NULL};
    char path[128];
    ts_http_req q = {.method = "OPTIONS", .headers = h};
    ts_http_resp r;

    (void)state;
    snprintf(path, sizeof path, "/v1/cases/%s", case_id);
    q.url = ts_server_url(&srv, path);
    assert_int_equal(ts_http(&q, &r), 0);
    keep(&r);
    assert_true(r.status < 500);
    assert_null(ts_http_header(&r, "Access-Control-Allow-Origin"));
    assert_null(ts_http_header(&r, "Access-Control-Allow-Credentials"));
    ts_http_resp_free(&r);
}

/* A session id chosen by an attacker before the login is never adopted. */
static void test_fixation(void **state)
{
    static const char planted[] = "PLANTEDplantedPLANTEDplantedPLANTEDplanted0";
    ts_review_session victim;
    ts_http_resp r;
    json_t *body = json_pack("{s:s, s:s}", "name", "erika", "password", PW_ERIKA);
    char *text = json_dumps(body, JSON_COMPACT), cookie[128] = "";
    const char *sc;

    (void)state;
    /* the victim logs in with the planted cookie in her browser */
    assert_int_equal(ts_review_call(&srv, "POST", "/v1/login", planted, NULL, NULL, text, &r), 0);
    assert_int_equal(r.status, 200);
    sc = ts_http_header(&r, "Set-Cookie");
    assert_non_null(sc);
    snprintf(cookie, sizeof cookie, "%.*s", (int)strcspn(sc + 11, ";"), sc + 11);
    secret(cookie);
    ts_http_resp_free(&r);
    assert_string_not_equal(cookie, planted);
    /* the planted id opens nothing, the issued one does */
    for (size_t i = 0; i < NROUTES; i++) {
        if (strcmp(routes[i].method, "GET") != 0) continue;
        call("GET", route_path(&routes[i], case_id), planted, NULL, NULL, &r);
        expect_problem(&r, 401, routes[i].path);
        ts_http_resp_free(&r);
    }
    call("GET", "/v1/session", cookie, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
    /* The attacker's own session (max, skip containers) planted in the
     * victim's browser: her login does not upgrade it to her services. */
    assert_int_equal(ts_review_login(&srv, "max", PW_MAX, &victim), 200);
    secret(victim.cookie);
    secret(victim.csrf);
    assert_int_equal(ts_review_call(&srv, "POST", "/v1/login", victim.cookie, NULL, NULL, text, &r),
                     0);
    assert_int_equal(r.status, 200);
    sc = ts_http_header(&r, "Set-Cookie");
    assert_non_null(sc);
    assert_null(strstr(sc, victim.cookie));
    {
        char issued[128];
        snprintf(issued, sizeof issued, "%.*s", (int)strcspn(sc + 11, ";"), sc + 11);
        secret(issued);
    }
    ts_http_resp_free(&r);
    for (size_t i = 0; i < NROUTES; i++) {
        if (!routes[i].session || routes[i].kind != ROUTE_CASE) continue;
        call(routes[i].method, route_path(&routes[i], case_id), victim.cookie, victim.csrf, NULL,
             &r);
        expect_problem(&r, 404, routes[i].path);
        ts_http_resp_free(&r);
    }
    free(text);
    json_decref(body);
}

/* Expired sessions: idle and absolute, on the case routes. */
static void test_expiry(void **state)
{
    /* idle 3 s, absolute 7 s: far enough apart that a busy machine's slow
     * requests in the once-a-second loop below never make it idle */
    static const char *const env[] = {"GEOEDITOR_SESSION_IDLE_TIMEOUT=3",
                                      "GEOEDITOR_SESSION_MAX_AGE=7", NULL};
    ts_server_opts o = {.env = env};
    ts_server s;
    ts_review_session a, b;
    char key[128], id[40], before[256];
    ts_http_resp r;
    time_t start;
    long ahead = 0, st = 200;

    (void)state;
    assert_int_equal(ts_server_start(&s, "api_review_expiry", &o), 0);
    assert_int_equal(ts_forms_client_add(s.db, "Form", key), 0);
    assert_int_equal(ts_review_user_add(s.db, "erika", "caseworker", "info-stand", PW_ERIKA), 0);
    assert_int_equal(ts_review_case(&s, key, CASE_LON, CASE_LAT, "Erika Mustermann", id), 0);
    snprintf(before, sizeof before, "%s",
             ts_review_sql_text(s.db, "SELECT status || updated_at FROM cases WHERE id = ?1", id));

    /* idle: a PATCH with a valid token after 4 s of nothing is a 401 */
    assert_int_equal(ts_review_login(&s, "erika", PW_ERIKA, &a), 200);
    ts_server_set_clock(&s, 4); /* the server's clock 4 s on */
    assert_int_equal(ts_review_call(&s, "PATCH", "/v1/cases/0123456789abcdef0123456789abcdef",
                                    a.cookie, a.csrf, NULL, patch_body, &r),
                     0);
    assert_int_equal(r.status, 401);
    ts_http_resp_free(&r);
    {
        char path[128];
        snprintf(path, sizeof path, "/v1/cases/%s", id);
        assert_int_equal(ts_review_call(&s, "PATCH", path, a.cookie, a.csrf, NULL, patch_body, &r),
                         0);
        assert_int_equal(r.status, 401);
        ts_http_resp_free(&r);
        assert_string_equal(
            ts_review_sql_text(s.db, "SELECT status || updated_at FROM cases WHERE id = ?1", id),
            before);

        /* absolute: busy every second, the session still ends after 7 s */
        assert_int_equal(ts_review_login(&s, "erika", PW_ERIKA, &b), 200);
        start = time(NULL);
        while (ahead < 15) {
            assert_int_equal(ts_review_call(&s, "PATCH", path, b.cookie, b.csrf, NULL,
                                            "{\"status\":\"received\"}", &r),
                             0);
            st = r.status;
            ts_http_resp_free(&r);
            if (st != 409) break; /* received -> received: refused, but authenticated */
            ts_server_set_clock(&s, 4 + ++ahead); /* a second passes */
        }
        assert_int_equal(st, 401);
        assert_true(ahead + (time(NULL) - start) >= 6); /* the server's seconds since the login */
        assert_int_equal(ts_review_call(&s, "PATCH", path, b.cookie, b.csrf, NULL, patch_body, &r),
                         0);
        assert_int_equal(r.status, 401);
        ts_http_resp_free(&r);
    }
    assert_string_equal(
        ts_review_sql_text(s.db, "SELECT status || updated_at FROM cases WHERE id = ?1", id),
        before);
    assert_int_equal(ts_forms_sql_int(s.db, "SELECT count(*) FROM sessions", NULL), 0);
    assert_int_equal(ts_server_stop(&s), 0);
}

/* Someone guesses erika's password: she is locked out of new logins (also
 * with the right password), but her open session keeps working, so a
 * guesser cannot throw a caseworker out in the middle of her work. */
static void test_lockout_keeps_open_sessions(void **state)
{
    /* long enough that a slow machine's five argon2id checks never outlast
     * it (recovery after the lockout: test_api_auth.c) */
    static const char *const env[] = {"GEOEDITOR_LOGIN_LOCKOUT=120", NULL};
    ts_server_opts o = {.env = env};
    ts_server s;
    ts_review_session open, x;
    char key[128], id[40], path[128];
    ts_http_resp r;

    (void)state;
    assert_int_equal(ts_server_start(&s, "api_review_lockout", &o), 0);
    assert_int_equal(ts_forms_client_add(s.db, "Form", key), 0);
    assert_int_equal(ts_review_user_add(s.db, "erika", "caseworker", "info-stand", PW_ERIKA), 0);
    assert_int_equal(ts_review_case(&s, key, CASE_LON, CASE_LAT, "Erika Mustermann", id), 0);
    assert_int_equal(ts_review_login(&s, "erika", PW_ERIKA, &open), 200);
    for (int i = 0; i < 5; i++)
        assert_int_equal(ts_review_login(&s, "erika", PW_ERIKA_GUESS, &x), 401);
    assert_int_equal(ts_review_login(&s, "erika", PW_ERIKA, &x), 429);
    assert_string_equal(x.cookie, "");
    snprintf(path, sizeof path, "/v1/cases/%s", id);
    assert_int_equal(
        ts_review_call(&s, "PATCH", path, open.cookie, open.csrf, NULL, patch_body, &r), 0);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
    /* and the lock holds all the while */
    assert_int_equal(ts_review_login(&s, "erika", PW_ERIKA, &x), 429);
    {
        char *log = ts_server_log(&s);
        assert_null(strstr(log, PW_ERIKA_GUESS));
        assert_null(strstr(log, PW_ERIKA));
        assert_null(strstr(log, open.cookie));
        assert_null(strstr(log, open.csrf));
        assert_null(strstr(log, key));
        free(log);
    }
    assert_int_equal(ts_server_stop(&s), 0);
}

/* Runs last: what every answer and the log of the shared server hold. */
static void test_no_secrets(void **state)
{
    char *log;
    size_t log_len;

    (void)state;
    /* the owner's reads once more, so that their answers are checked too */
    for (size_t i = 0; i < NROUTES; i++) {
        ts_http_resp r;
        char auth[200];
        if (strcmp(routes[i].method, "GET") != 0) continue;
        if (routes[i].session) {
            call("GET", route_path(&routes[i], case_id), erika.cookie, NULL, NULL, &r);
            ts_http_resp_free(&r);
        }
        if (routes[i].bearer) {
            snprintf(auth, sizeof auth, "Authorization: Bearer %s", key_a);
            call("GET", route_path(&routes[i], case_id), NULL, NULL, auth, &r);
            ts_http_resp_free(&r);
        }
    }
    assert_true(nsecrets >= 10);
    assert_true(answers_len > 0);
    log = ts_server_log(&srv);
    assert_non_null(log);
    log_len = strlen(log);
    /* the log saw the requests (it is the right file) */
    assert_non_null(strstr(log, "/v1/cases/"));
    for (size_t i = 0; i < nsecrets; i++) {
        if (mem_has(answers, answers_len, secrets[i]))
            fail_msg("an answer contains secret %zu (%.12s...)", i, secrets[i]);
        if (mem_has(log, log_len, secrets[i]))
            fail_msg("the server log contains secret %zu (%.12s...)", i, secrets[i]);
    }
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strangers),
        cmocka_unit_test(test_other_service),
        cmocka_unit_test(test_csrf),
        cmocka_unit_test(test_no_cors_preflight),
        cmocka_unit_test(test_fixation),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_lockout_keeps_open_sessions),
        cmocka_unit_test(test_no_secrets),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
