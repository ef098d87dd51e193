/*
 * ts_review.c - helpers for tests of the caseworkers' routes (ts_review.h).
 */
#include "ts_review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ts_forms.h"
#include "ts_backend.h"
#include "ts_run.h"
#include "ts_store.h"

int ts_review_user_add(const char *db, const char *name, const char *role, const char *service,
                       const char *password)
{
    char input[512];
    const char *argv[12] = {NULL, "user", "add", "--db", db, "--name", name, "--role", role};
    size_t n = 9;
    ts_run_result r;
    int rc;

    if (service) {
        argv[n++] = "--service";
        argv[n++] = service;
    }
    argv[n] = NULL;
    snprintf(input, sizeof input, "%s\n", password);
    if (ts_run(&r, input, argv) != 0) return -1;
    rc = r.status == 0 ? 0 : -1;
    if (rc < 0) fprintf(stderr, "user add %s: %s\n", name, r.err ? r.err : "");
    ts_run_free(&r);
    return rc;
}

int ts_review_call(const ts_server *s, const char *method, const char *path, const char *cookie,
                   const char *csrf, const char *extra, const char *body, ts_http_resp *r)
{
    char ch[256];
    snprintf(ch, sizeof ch, "Cookie: ge_session=%s", cookie ? cookie : "");
    return ts_review_call_cookie(s, method, path, cookie ? ch : NULL, csrf, extra, body, r);
}

int ts_review_call_cookie(const ts_server *s, const char *method, const char *path,
                          const char *cookie_line, const char *csrf, const char *extra,
                          const char *body, ts_http_resp *r)
{
    char xh[256];
    snprintf(xh, sizeof xh, "X-CSRF-Token: %s", csrf ? csrf : "");
    const char *h[6] = {cookie_line, csrf ? xh : NULL, body ? TS_HTTP_JSON_TYPE : NULL, extra};
    return ts_http_send(method, ts_server_url(s, path), h, body, r);
}

long ts_review_login(const ts_server *s, const char *name, const char *password,
                     ts_review_session *out)
{
    json_t *body = json_pack("{s:s, s:s}", "name", name, "password", password), *doc;
    char *text = json_dumps(body, JSON_COMPACT);
    ts_http_resp r;
    const char *sc;

    memset(out, 0, sizeof *out);
    if (ts_review_call(s, "POST", "/v1/login", NULL, NULL, NULL, text, &r) == 0) {
        out->status = r.status;
        sc = ts_http_header(&r, "Set-Cookie");
        if (sc && strncmp(sc, "ge_session=", 11) == 0)
            snprintf(out->cookie, sizeof out->cookie, "%.*s", (int)strcspn(sc + 11, ";"), sc + 11);
        doc = ts_forms_json(&r);
        snprintf(out->csrf, sizeof out->csrf, "%s",
                 json_string_value(json_object_get(doc, "csrf_token"))
                     ? json_string_value(json_object_get(doc, "csrf_token"))
                     : "");
        json_decref(doc);
    }
    ts_http_resp_free(&r);
    free(text);
    json_decref(body);
    return out->status;
}

int ts_review_case(const ts_server *s, const char *key, double lon, double lat,
                   const char *applicant, char *case_id)
{
    char draft[128], token[128], path[256], body[512];
    ts_http_resp r;
    json_t *doc;
    int rc = -1;
    long st = ts_forms_draft(s, key, ts_forms_stand_body(lon, lat), draft, token);

    case_id[0] = '\0';
    if (st != 201) {
        fprintf(stderr, "ts_review_case: draft %ld\n", st);
        return -1;
    }
    snprintf(path, sizeof path, "/v1/drafts/%s/submit", draft);
    snprintf(body, sizeof body, "{\"reference\":\"AZ-%s\",\"applicant\":{\"name\":\"%s\"}}",
             draft + 24, applicant);
    if (ts_forms_call("POST", ts_server_url(s, path), key, draft, body, &r) != 0) goto out;
    doc = r.status == 201 ? ts_forms_json(&r) : NULL;
    if (doc && json_string_value(json_object_get(doc, "case_id"))) {
        snprintf(case_id, 40, "%s", json_string_value(json_object_get(doc, "case_id")));
        rc = 0;
    } else {
        fprintf(stderr, "ts_review_case: submit %ld %.400s\n", r.status, r.body ? r.body : "");
    }
    json_decref(doc);
out:
    ts_http_resp_free(&r);
    return rc;
}

int ts_review_client_with_webhook(const char *db, const char *name, const char *url, char *key,
                                  char *secret)
{
    const char *argv[] = {NULL,        "client",   "add",
                          "--db",      db,         "--name",
                          name,        "--origin", "https://forms.example.de",
                          "--webhook", url,        NULL};
    ts_run_result r;
    const char *p;
    int rc = -1;

    key[0] = '\0';
    if (secret) secret[0] = '\0';
    if (ts_run(&r, NULL, argv) != 0) return -1;
    if (r.status != 0 || !(p = strstr(r.out, "api_key: "))) {
        fprintf(stderr, "client add --webhook: %d %s\n", r.status, r.err ? r.err : "");
        goto out;
    }
    p += strlen("api_key: ");
    snprintf(key, 128, "%.*s", (int)strcspn(p, "\n"), p);
    if (secret && (p = strstr(r.out, "webhook_secret: "))) {
        p += strlen("webhook_secret: ");
        snprintf(secret, 128, "%.*s", (int)strcspn(p, "\n"), p);
    }
    rc = key[0] ? 0 : -1;
out:
    ts_run_free(&r);
    return rc;
}

const char *ts_review_sql_text(const char *db, const char *sql, const char *text_arg)
{
    static __thread char buf[4][512];
    static __thread int i;
    sqlite3 *h = NULL;
    sqlite3_stmt *s = NULL;
    char *out = buf[i = (i + 1) % 4];

    out[0] = '\0';
    if (ts_store_is_pg(db)) { /* ts_backend.h */
        char *v = ts_store_sql_text(db, sql, text_arg);
        snprintf(out, 512, "%s", v ? v : "");
        free(v);
        return out;
    }
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(h, 10000);
        if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK) {
            if (text_arg) sqlite3_bind_text(s, 1, text_arg, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
                snprintf(out, 512, "%s", (const char *)sqlite3_column_text(s, 0));
        }
        sqlite3_finalize(s);
    }
    sqlite3_close(h);
    return out;
}
