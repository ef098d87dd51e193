/*
 * test_api_auth.c - caseworkers' login, sessions and CSRF against the real
 * server: login with the cookie's attributes, the same 401 for a wrong
 * password, an unknown name and a disabled user; logout that ends the
 * session on the server; session fixation (a cookie sent to /v1/login is
 * never taken over); idle and absolute expiry (shortened through the
 * session module's environment overrides, the server's clock moved rather
 * than slept); CSRF missing, forged and replayed from another session;
 * lockout after repeated failures per name and per address with 429 +
 * Retry-After and recovery; a lock that no flood of made-up names from
 * other addresses (127.0.0.x) lifts; two instances on one store sharing
 * sessions and the throttle's counts; every bad login body as a problem
 * naming the member; and no password, session id or CSRF token in the
 * server's log.
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
#include <unistd.h>

#include "ts.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_review.h"
#include "ts_run.h"
#include "ts_server.h"

#define PW_BERTA "Blue skip on Linden street 2026"
#define PW_ADMIN "the keeper of all cases, long enough"
#define PW_OTTO  "disabled since spring, long phrase"

typedef struct login_result {
    long status;
    char cookie[128]; /* the ge_session value, "" when none was set */
    char set_cookie[512];
    char csrf[128];
    char detail[512];
    char body[2048];
} login_result;

static void setup_users(const char *db)
{
    assert_int_equal(ts_review_user_add(db, "berta", "caseworker", "skip-container", PW_BERTA), 0);
    assert_int_equal(ts_review_user_add(db, "admin", "admin", NULL, PW_ADMIN), 0);
    assert_int_equal(ts_review_user_add(db, "otto", "caseworker", "info-stand", PW_OTTO), 0);
    {
        const char *argv[] = {NULL, "user", "disable", "--db", db, "--name", "otto", NULL};
        ts_run_result r;
        assert_int_equal(ts_run(&r, NULL, argv), 0);
        assert_int_equal(r.status, 0);
        ts_run_free(&r);
    }
}

/* One request with an optional session cookie, CSRF token, extra header and
 * JSON body. */
static void call(const ts_server *s, const char *method, const char *path, const char *cookie,
                 const char *csrf, const char *extra, const char *body, ts_http_resp *r)
{
    char ch[256];
    snprintf(ch, sizeof ch, "Cookie: theme=dark; ge_session=%s; lang=de", cookie ? cookie : "");
    assert_int_equal(
        ts_review_call_cookie(s, method, path, cookie ? ch : NULL, csrf, extra, body, r), 0);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static long login(const ts_server *s, const char *name, const char *pw, const char *cookie,
                  const char *extra, login_result *out)
{
    json_t *body = json_pack("{s:s, s:s}", "name", name, "password", pw), *doc;
    char *text = json_dumps(body, JSON_COMPACT);
    ts_http_resp r;
    const char *sc;

    memset(out, 0, sizeof *out);
    call(s, "POST", "/v1/login", cookie, NULL, extra, text, &r);
    out->status = r.status;
    copy_str(out->body, sizeof out->body, r.body);
    sc = ts_http_header(&r, "Set-Cookie");
    if (sc) {
        copy_str(out->set_cookie, sizeof out->set_cookie, sc);
        if (strncmp(sc, "ge_session=", 11) == 0)
            snprintf(out->cookie, sizeof out->cookie, "%.*s", (int)strcspn(sc + 11, ";"), sc + 11);
    }
    doc = ts_forms_json(&r);
    copy_str(out->csrf, sizeof out->csrf, json_string_value(json_object_get(doc, "csrf_token")));
    copy_str(out->detail, sizeof out->detail, json_string_value(json_object_get(doc, "detail")));
    if (r.status != 200 && r.status != 0) {
        const char *ct = ts_http_header(&r, "Content-Type");
        assert_non_null(ct);
        assert_string_equal(ct, "application/problem+json");
    }
    json_decref(doc);
    ts_http_resp_free(&r);
    free(text);
    json_decref(body);
    return out->status;
}

static long get_session(const ts_server *s, const char *cookie, char *user_out)
{
    ts_http_resp r;
    long st;
    call(s, "GET", "/v1/session", cookie, NULL, NULL, NULL, &r);
    st = r.status;
    if (user_out) {
        json_t *doc = ts_forms_json(&r);
        copy_str(user_out, 64,
                 json_string_value(json_object_get(json_object_get(doc, "user"), "name")));
        json_decref(doc);
    }
    ts_http_resp_free(&r);
    return st;
}

/* The log holds none of the secrets. */
static void assert_log_clean(const ts_server *s, const char *const *secrets)
{
    char *log = ts_server_log(s);
    assert_non_null(log);
    for (const char *const *p = secrets; *p; p++)
        if ((*p)[0] && strstr(log, *p)) fail_msg("the server log contains a secret: %s", *p);
    free(log);
}

static void test_login(void **state)
{
    ts_server s;
    login_result a, b, w, u, d;
    ts_http_resp r;
    json_t *doc;
    char user[64];

    (void)state;
    assert_int_equal(ts_server_start(&s, "api_auth_login", NULL), 0);
    setup_users(s.db);

    assert_int_equal(login(&s, "berta", PW_BERTA, NULL, NULL, &a), 200);
    assert_int_equal(strlen(a.cookie), 43);
    assert_non_null(strstr(a.set_cookie, "; HttpOnly"));
    assert_non_null(strstr(a.set_cookie, "; SameSite=Strict"));
    assert_non_null(strstr(a.set_cookie, "; Path=/"));
    assert_non_null(strstr(a.set_cookie, "; Max-Age=43200"));
    assert_null(strstr(a.set_cookie, "Secure")); /* plain http, no https public_url */
    assert_int_equal(strlen(a.csrf), 86);
    doc = json_loads(a.body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "user"), "name")),
                        "berta");
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "user"), "role")),
                        "caseworker");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(doc, "user"), "services"), 0)),
                        "skip-container");
    json_decref(doc);
    /* Behind a TLS proxy the cookie is Secure. */
    assert_int_equal(login(&s, "admin", PW_ADMIN, NULL, "X-Forwarded-Proto: https", &b), 200);
    assert_non_null(strstr(b.set_cookie, "; Secure"));
    assert_string_not_equal(a.cookie, b.cookie);

    assert_int_equal(get_session(&s, a.cookie, user), 200);
    assert_string_equal(user, "berta");
    assert_int_equal(get_session(&s, b.cookie, user), 200);
    assert_string_equal(user, "admin");
    /* GET /v1/session shows the CSRF token masked anew each time. */
    call(&s, "GET", "/v1/session", a.cookie, NULL, NULL, NULL, &r);
    doc = ts_forms_json(&r);
    assert_int_equal(strlen(json_string_value(json_object_get(doc, "csrf_token"))), 86);
    assert_string_not_equal(json_string_value(json_object_get(doc, "csrf_token")), a.csrf);
    assert_non_null(json_string_value(json_object_get(doc, "expires_at")));
    json_decref(doc);
    ts_http_resp_free(&r);
    assert_int_equal(get_session(&s, NULL, NULL), 401);
    assert_int_equal(get_session(&s, "not-a-session", NULL), 401);
    assert_int_equal(get_session(&s, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL), 401);

    /* A wrong password, an unknown name and a disabled user: one answer. */
    assert_int_equal(login(&s, "berta", "Blue skip on Linden street 2025", NULL, NULL, &w), 401);
    assert_int_equal(login(&s, "bertha", PW_BERTA, NULL, NULL, &u), 401);
    assert_int_equal(login(&s, "otto", PW_OTTO, NULL, NULL, &d), 401);
    assert_string_equal(w.detail, u.detail);
    assert_string_equal(w.detail, d.detail);
    assert_string_equal(w.cookie, "");
    assert_string_equal(u.cookie, "");
    assert_string_equal(d.cookie, "");
    assert_string_equal(w.csrf, "");
    assert_null(strstr(w.body, "Linden street"));

    /* The last login shows in the list. */
    {
        const char *argv[] = {NULL, "user", "list", "--db", s.db, NULL};
        ts_run_result rr;
        assert_int_equal(ts_run(&rr, NULL, argv), 0);
        const char *line = strstr(rr.out, "berta");
        assert_non_null(line);
        /* a time (only it has ':') in berta's line instead of "-" */
        assert_true(strchr(line, ':') && strchr(line, ':') < strchr(line, '\n'));
        ts_run_free(&rr);
    }
    {
        const char *const secrets[] = {
            PW_BERTA, PW_ADMIN, PW_OTTO, "Blue skip on Linden street 2025", a.cookie, b.cookie,
            a.csrf,   b.csrf,   NULL};
        assert_log_clean(&s, secrets);
    }
    assert_int_equal(ts_server_stop(&s), 0);
}

static void test_bad_login_bodies(void **state)
{
    static const struct {
        const char *body;
        const char *content_type;
        long status;
        const char *member;
    } cases[] = {
        {"{\"name\":\"berta\",\"password\":\"x\"}", "Content-Type: text/plain", 415, NULL},
        {"name=berta&password=x", "Content-Type: application/x-www-form-urlencoded", 415, NULL},
        {"{\"name\":\"berta\",", NULL, 400, NULL},
        {"[1,2]", NULL, 400, NULL},
        {"{\"password\":\"x\"}", NULL, 400, "name"},
        {"{\"name\":\"berta\"}", NULL, 400, "password"},
        {"{\"name\":7,\"password\":\"x\"}", NULL, 400, "name"},
        {"{\"name\":\"\",\"password\":\"x\"}", NULL, 400, "name"},
        {"{\"name\":\"berta\",\"password\":null}", NULL, 400, "password"},
        {"{\"name\":\"berta\",\"password\":\"x\",\"remember\":true}", NULL, 400, "remember"},
    };
    ts_server s;
    ts_http_resp r;

    (void)state;
    assert_int_equal(ts_server_start(&s, "api_auth_bad", NULL), 0);
    setup_users(s.db);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *headers[] = {
            cases[i].content_type ? cases[i].content_type : "Content-Type: application/json", NULL};
        ts_http_req q = {.method = "POST",
                         .url = ts_server_url(&s, "/v1/login"),
                         .headers = headers,
                         .body = cases[i].body,
                         .body_len = strlen(cases[i].body)};
        json_t *doc;
        assert_int_equal(ts_http(&q, &r), 0);
        doc = ts_forms_json(&r);
        if (r.status != cases[i].status ||
            strcmp(ts_http_header(&r, "Content-Type"), "application/problem+json") != 0 ||
            (cases[i].member &&
             (!json_string_value(json_object_get(doc, "member")) ||
              strcmp(json_string_value(json_object_get(doc, "member")), cases[i].member) != 0)))
            fail_msg("case %zu: status %ld, body %s", i, r.status, r.body);
        json_decref(doc);
        ts_http_resp_free(&r);
    }
    /* Over-long name and password: 400 naming the member and the limit. */
    {
        char *big = malloc(1100), *body = malloc(1300);
        json_t *doc;
        memset(big, 'p', 1099);
        big[1099] = '\0';
        snprintf(body, 1300, "{\"name\":\"berta\",\"password\":\"%s\"}", big);
        call(&s, "POST", "/v1/login", NULL, NULL, NULL, body, &r);
        assert_int_equal(r.status, 400);
        doc = ts_forms_json(&r);
        assert_string_equal(json_string_value(json_object_get(doc, "member")), "password");
        assert_int_equal(json_integer_value(json_object_get(doc, "limit")), 1024);
        assert_null(strstr(r.body, big));
        json_decref(doc);
        ts_http_resp_free(&r);
        big[120] = '\0';
        snprintf(body, 1300, "{\"name\":\"%s\",\"password\":\"x\"}", big);
        call(&s, "POST", "/v1/login", NULL, NULL, NULL, body, &r);
        assert_int_equal(r.status, 400);
        doc = ts_forms_json(&r);
        assert_string_equal(json_string_value(json_object_get(doc, "member")), "name");
        assert_int_equal(json_integer_value(json_object_get(doc, "limit")), 100);
        json_decref(doc);
        ts_http_resp_free(&r);
        free(big);
        free(body);
    }
    /* German detail when German is preferred. */
    call(&s, "POST", "/v1/login", NULL, NULL, "Accept-Language: de",
         "{\"name\":\"nobody\",\"password\":\"whatever it is\"}", &r);
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.body, "Passwort"));
    ts_http_resp_free(&r);
    /* Nothing broke: the right login still works. */
    {
        login_result a;
        assert_int_equal(login(&s, "berta", PW_BERTA, NULL, NULL, &a), 200);
    }
    assert_int_equal(ts_server_stop(&s), 0);
}

static void test_logout_and_csrf(void **state)
{
    ts_server s;
    login_result a, b, c;
    ts_http_resp r;
    json_t *doc;
    char forged[87];

    (void)state;
    assert_int_equal(ts_server_start(&s, "api_auth_csrf", NULL), 0);
    setup_users(s.db);
    assert_int_equal(login(&s, "berta", PW_BERTA, NULL, NULL, &a), 200);
    assert_int_equal(login(&s, "berta", PW_BERTA, NULL, NULL, &b), 200); /* second browser */
    assert_int_equal(login(&s, "admin", PW_ADMIN, NULL, NULL, &c), 200);
    assert_int_equal(ts_forms_sql_int(s.db, "SELECT count(*) FROM sessions", NULL), 3);

    /* No token, a forged one, and real tokens of other sessions: 403. */
    memset(forged, 'A', 86);
    forged[86] = '\0';
    const char *bad[] = {NULL, forged, "short", b.csrf, c.csrf};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        call(&s, "POST", "/v1/logout", a.cookie, bad[i], NULL, NULL, &r);
        if (r.status != 403) fail_msg("csrf case %zu: status %ld %s", i, r.status, r.body);
        assert_string_equal(ts_http_header(&r, "Content-Type"), "application/problem+json");
        doc = ts_forms_json(&r);
        assert_string_equal(json_string_value(json_object_get(doc, "header")), "X-CSRF-Token");
        json_decref(doc);
        ts_http_resp_free(&r);
    }
    assert_int_equal(get_session(&s, a.cookie, NULL), 200); /* still logged in */
    /* A token of session a does not work with the cookie of session b either. */
    call(&s, "POST", "/v1/logout", b.cookie, a.csrf, NULL, NULL, &r);
    assert_int_equal(r.status, 403);
    ts_http_resp_free(&r);
    /* Without a cookie, a token alone gets 401. */
    call(&s, "POST", "/v1/logout", NULL, a.csrf, NULL, NULL, &r);
    assert_int_equal(r.status, 401);
    ts_http_resp_free(&r);

    /* The token from GET /v1/session (another mask of the same secret) works. */
    {
        char fresh[128];
        call(&s, "GET", "/v1/session", a.cookie, NULL, NULL, NULL, &r);
        doc = ts_forms_json(&r);
        copy_str(fresh, sizeof fresh, json_string_value(json_object_get(doc, "csrf_token")));
        json_decref(doc);
        ts_http_resp_free(&r);
        call(&s, "POST", "/v1/logout", a.cookie, fresh, NULL, NULL, &r);
    }
    assert_int_equal(r.status, 204);
    assert_non_null(strstr(ts_http_header(&r, "Set-Cookie"), "Max-Age=0"));
    ts_http_resp_free(&r);
    /* Gone on the server: the old cookie gets 401, the row is deleted. */
    assert_int_equal(get_session(&s, a.cookie, NULL), 401);
    call(&s, "POST", "/v1/logout", a.cookie, a.csrf, NULL, NULL, &r);
    assert_int_equal(r.status, 401);
    ts_http_resp_free(&r);
    assert_int_equal(ts_forms_sql_int(s.db, "SELECT count(*) FROM sessions", NULL), 2);
    /* The other sessions live on; the login's own token logs b out. */
    assert_int_equal(get_session(&s, b.cookie, NULL), 200);
    call(&s, "POST", "/v1/logout", b.cookie, b.csrf, NULL, NULL, &r);
    assert_int_equal(r.status, 204);
    ts_http_resp_free(&r);
    assert_int_equal(get_session(&s, c.cookie, NULL), 200);

    /* The store knows sessions only as hashes. */
    assert_int_equal(
        ts_forms_sql_int(s.db, "SELECT count(*) FROM sessions WHERE id_hash = ?1", c.cookie), 0);
    assert_int_equal(ts_forms_sql_int(s.db,
                                      "SELECT count(*) FROM sessions WHERE length(id_hash) = 64"
                                      " AND length(csrf_hash) = 64",
                                      NULL),
                     1);
    /* Disabling a user ends their sessions at once. */
    {
        const char *argv[] = {NULL, "user", "disable", "--db", s.db, "--name", "admin", NULL};
        ts_run_result rr;
        assert_int_equal(ts_run(&rr, NULL, argv), 0);
        assert_int_equal(rr.status, 0);
        ts_run_free(&rr);
    }
    assert_int_equal(get_session(&s, c.cookie, NULL), 401);
    {
        const char *const secrets[] = {PW_BERTA, PW_ADMIN, a.cookie, b.cookie, c.cookie,
                                       a.csrf,   b.csrf,   c.csrf,   NULL};
        assert_log_clean(&s, secrets);
    }
    assert_int_equal(ts_server_stop(&s), 0);
}

static void test_session_fixation(void **state)
{
    ts_server s;
    login_result att, vic, planted;
    char user[64];

    (void)state;
    assert_int_equal(ts_server_start(&s, "api_auth_fixation", NULL), 0);
    setup_users(s.db);
    /* The attacker's own valid session, planted in the victim's browser. */
    assert_int_equal(login(&s, "admin", PW_ADMIN, NULL, NULL, &att), 200);
    assert_int_equal(login(&s, "berta", PW_BERTA, att.cookie, NULL, &vic), 200);
    assert_string_not_equal(vic.cookie, att.cookie);
    /* The planted id never became the victim's session. */
    assert_int_equal(get_session(&s, att.cookie, user), 200);
    assert_string_equal(user, "admin");
    assert_int_equal(get_session(&s, vic.cookie, user), 200);
    assert_string_equal(user, "berta");
    /* A made-up id sent to the login is not adopted either. */
    assert_int_equal(
        login(&s, "berta", PW_BERTA, "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", NULL, &planted),
        200);
    assert_string_not_equal(planted.cookie, "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ");
    assert_int_equal(get_session(&s, "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", NULL), 401);
    assert_int_equal(ts_server_stop(&s), 0);
}

static void test_expiry(void **state)
{
    static const char *const env[] = {"GEOEDITOR_SESSION_IDLE_TIMEOUT=3",
                                      "GEOEDITOR_SESSION_MAX_AGE=6", NULL};
    ts_server_opts o = {.env = env};
    ts_server s;
    login_result a, b;
    time_t start;
    long ahead = 0, st = 200;

    (void)state;
    assert_int_equal(ts_server_start(&s, "api_auth_expiry", &o), 0);
    setup_users(s.db);
    assert_true(ts_server_log_wait(&s, "\"idle_s\":3,", 5)); /* the settings came through */

    /* Idle: nothing for longer than 3 s ends the session. */
    assert_int_equal(login(&s, "berta", PW_BERTA, NULL, NULL, &a), 200);
    assert_non_null(strstr(a.set_cookie, "Max-Age=6"));
    assert_int_equal(get_session(&s, a.cookie, NULL), 200);
    ts_server_set_clock(&s, 4); /* the server's clock 4 s on */
    assert_int_equal(get_session(&s, a.cookie, NULL), 401);
    assert_int_equal(ts_forms_sql_int(s.db, "SELECT count(*) FROM sessions", NULL), 0);

    /* Absolute: active every second, it still ends after 6 s. */
    assert_int_equal(login(&s, "berta", PW_BERTA, NULL, NULL, &b), 200);
    start = time(NULL);
    while (ahead < 12 && (st = get_session(&s, b.cookie, NULL)) == 200)
        ts_server_set_clock(&s, 4 + ++ahead); /* a second passes */
    assert_int_equal(st, 401);
    assert_true(ahead + (time(NULL) - start) >= 5); /* the server's seconds since the login */
    assert_int_equal(ts_server_stop(&s), 0);
}

static void test_lockout(void **state)
{
    static const char *const env[] = {"GEOEDITOR_LOGIN_LOCKOUT=8", NULL};
    ts_server_opts o = {.env = env};
    ts_server s;
    login_result x;
    ts_http_resp r;
    json_t *doc;

    (void)state;
    assert_int_equal(ts_server_start(&s, "api_auth_lockout", &o), 0);
    setup_users(s.db);
    for (int i = 0; i < 5; i++)
        assert_int_equal(login(&s, "berta", "guess number one", NULL, NULL, &x), 401);
    /* Locked: even the right password gets 429 now, with Retry-After. */
    call(&s, "POST", "/v1/login", NULL, NULL, NULL,
         "{\"name\":\"berta\",\"password\":\"" PW_BERTA "\"}", &r);
    assert_int_equal(r.status, 429);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/problem+json");
    {
        long ra = atol(ts_http_header(&r, "Retry-After"));
        assert_true(ra >= 1 && ra <= 8);
        doc = ts_forms_json(&r);
        assert_int_equal(json_integer_value(json_object_get(doc, "retry_after")), ra);
        json_decref(doc);
    }
    assert_null(strstr(r.headers, "ge_session="));
    ts_http_resp_free(&r);
    /* Other names are not locked. */
    assert_int_equal(login(&s, "admin", PW_ADMIN, NULL, NULL, &x), 200);
    /* An unknown name locks just the same (no enumeration by lockout). */
    for (int i = 0; i < 5; i++)
        assert_int_equal(login(&s, "nobody", "guess number two", NULL, NULL, &x), 401);
    assert_int_equal(login(&s, "nobody", "guess number two", NULL, NULL, &x), 429);
    /* Recovery once the lockout has passed. */
    ts_server_set_clock(&s, 9); /* the server's clock past the 8 s lock */
    assert_int_equal(login(&s, "berta", PW_BERTA, NULL, NULL, &x), 200);
    /* The log tells of the lock without the name or the guesses. */
    {
        const char *const secrets[] = {PW_BERTA, PW_ADMIN, "guess number", x.cookie, x.csrf, NULL};
        char *log = ts_server_log(&s);
        assert_non_null(strstr(log, "login locked"));
        free(log);
        assert_log_clean(&s, secrets);
    }
    assert_int_equal(ts_server_stop(&s), 0);
}

/* Two instances on one store, as behind a balancer: a session made by one
 * works on the other, and failures counted by either lock the name on both
 * (the throttle's cells are the store's, migration 13). */
static void test_two_instances(void **state)
{
    ts_server a, b;
    ts_server_opts ob = {0};
    login_result x;

    (void)state;
    assert_int_equal(ts_server_start(&a, "api_auth_two_a", NULL), 0);
    setup_users(a.db);
    ob.db = a.db;
    assert_int_equal(ts_server_start(&b, "api_auth_two_b", &ob), 0);
    assert_int_equal(login(&a, "admin", PW_ADMIN, NULL, NULL, &x), 200);
    assert_int_equal(get_session(&b, x.cookie, NULL), 200);
    /* 3 + 2 failures: the limit of 5, reached only together */
    for (int i = 0; i < 3; i++)
        assert_int_equal(login(&a, "berta", "guess number one", NULL, NULL, &x), 401);
    for (int i = 0; i < 2; i++)
        assert_int_equal(login(&b, "berta", "guess number one", NULL, NULL, &x), 401);
    assert_int_equal(login(&a, "berta", PW_BERTA, NULL, NULL, &x), 429);
    assert_int_equal(login(&b, "berta", PW_BERTA, NULL, NULL, &x), 429);
    assert_int_equal(ts_server_stop(&b), 0);
    assert_int_equal(ts_server_stop(&a), 0);
}

static void test_address_limit(void **state)
{
    ts_server s;
    login_result x;

    (void)state;
    assert_int_equal(ts_server_start(&s, "api_auth_addr", NULL), 0);
    setup_users(s.db);
    /* 20 failures from one address, each under a different name ... */
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof name, "sprayed-%d", i);
        assert_int_equal(login(&s, name, "one common password", NULL, NULL, &x), 401);
    }
    /* ... and the address is locked for every name. */
    assert_int_equal(login(&s, "berta", PW_BERTA, NULL, NULL, &x), 429);
    assert_int_equal(ts_server_stop(&s), 0);
}

/* One login from a given source address (127.0.0.x) over a kept-alive
 * handle: the status, and Retry-After (0 when absent). */
static long login_from(const ts_server *s, const char *addr, CURL *handle, const char *name,
                       const char *pw, long *retry_after)
{
    const char *headers[] = {"Content-Type: application/json", NULL};
    json_t *body = json_pack("{s:s, s:s}", "name", name, "password", pw);
    char *text = json_dumps(body, JSON_COMPACT);
    ts_http_req q = {.method = "POST",
                     .url = ts_server_url(s, "/v1/login"),
                     .headers = headers,
                     .body = text,
                     .body_len = strlen(text),
                     .handle = handle,
                     .local_addr = addr};
    ts_http_resp r;
    const char *ra;
    long st;

    if (ts_http(&q, &r) != 0) fail_msg("login from %s: %s", addr, r.error);
    st = r.status;
    ra = ts_http_header(&r, "Retry-After");
    if (retry_after) *retry_after = ra ? atol(ra) : 0;
    ts_http_resp_free(&r);
    free(text);
    json_decref(body);
    return st;
}

/*
 * Issue 11: five wrong passwords lock berta (from 127.0.0.2); then 4200
 * logins under made-up names come from 127.0.0.3. They used to push berta's
 * lock out of the throttle's full table, and the right password from
 * 127.0.0.4 got 200. A lock now ends only when its time is up: 429 with
 * Retry-After, while that fresh address and another name still get in.
 */
static void test_flood_keeps_lock(void **state)
{
    ts_server s;
    CURL *h2 = curl_easy_init(), *h3 = curl_easy_init(), *h4 = curl_easy_init();
    long retry = 0, n401 = 0, n429 = 0;
    unsigned int seed = (unsigned int)time(NULL);
    char name[64];

    (void)state;
    assert_non_null(h2);
    assert_non_null(h3);
    assert_non_null(h4);
    assert_int_equal(ts_server_start(&s, "api_auth_flood", NULL), 0);
    setup_users(s.db);
    for (int i = 0; i < 5; i++)
        assert_int_equal(login_from(&s, "127.0.0.2", h2, "berta", "guess number one", NULL), 401);
    assert_int_equal(login_from(&s, "127.0.0.2", h2, "berta", PW_BERTA, &retry), 429);
    assert_true(retry >= 1 && retry <= 900);

    for (int i = 0; i < 4200; i++) {
        long st;
        snprintf(name, sizeof name, "flood-%08x-%d", (unsigned int)rand_r(&seed), i);
        st = login_from(&s, "127.0.0.3", h3, name, "one common password", NULL);
        n401 += st == 401;
        n429 += st == 429;
    }
    /* 127.0.0.3 is a client of its own: locked after its 20th failure. */
    assert_int_equal(n401, 20);
    assert_int_equal(n429, 4180);

    retry = 0;
    assert_int_equal(login_from(&s, "127.0.0.4", h4, "berta", PW_BERTA, &retry), 429);
    assert_true(retry >= 1 && retry <= 900);
    assert_int_equal(login_from(&s, "127.0.0.4", h4, "admin", PW_ADMIN, NULL), 200);
    {
        /* The server told the three clients apart by their addresses. */
        char *log = ts_server_log(&s);
        assert_non_null(strstr(log, "\"remote\":\"127.0.0.2\""));
        assert_non_null(strstr(log, "\"remote\":\"127.0.0.3\""));
        assert_non_null(strstr(log, "\"remote\":\"127.0.0.4\""));
        free(log);
    }
    curl_easy_cleanup(h2);
    curl_easy_cleanup(h3);
    curl_easy_cleanup(h4);
    assert_int_equal(ts_server_stop(&s), 0);
}

typedef struct guess_arg {
    const ts_server *s;
    long status;
} guess_arg;

static void *guess_thread(void *p)
{
    guess_arg *g = p;
    login_result x;
    g->status = login(g->s, "berta", "a parallel wrong guess", NULL, NULL, &x);
    return NULL;
}

static void test_parallel_guesses(void **state)
{
    ts_server s;
    pthread_t t[12];
    guess_arg g[12];
    int n401 = 0, n429 = 0;

    (void)state;
    assert_int_equal(ts_server_start(&s, "api_auth_parallel", NULL), 0);
    setup_users(s.db);
    /* Twelve guesses at once: the attempts are counted before the slow
     * password check, so no more than five of them are checked at all. */
    for (int i = 0; i < 12; i++) {
        g[i].s = &s;
        g[i].status = 0;
        assert_int_equal(pthread_create(&t[i], NULL, guess_thread, &g[i]), 0);
    }
    for (int i = 0; i < 12; i++) {
        pthread_join(t[i], NULL);
        n401 += g[i].status == 401;
        n429 += g[i].status == 429;
    }
    assert_int_equal(n401, 5);
    assert_int_equal(n429, 7);
    assert_int_equal(ts_server_stop(&s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login),
        cmocka_unit_test(test_bad_login_bodies),
        cmocka_unit_test(test_logout_and_csrf),
        cmocka_unit_test(test_session_fixation),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_lockout),
        cmocka_unit_test(test_address_limit),
        cmocka_unit_test(test_two_instances),
        cmocka_unit_test(test_parallel_guesses),
        cmocka_unit_test(test_flood_keeps_lock),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
