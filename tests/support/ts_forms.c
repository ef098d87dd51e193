/*
 * ts_forms.c - helpers for tests of the form-server API (ts_forms.h).
 */
#include "ts_forms.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ts_backend.h"
#include "ts_run.h"
#include "ts_store.h"

int ts_forms_client_add(const char *db, const char *name, char *key)
{
    const char *argv[] = {
        NULL, "client", "add", "--db", db, "--name", name, "--origin", "https://forms.example.de",
        NULL};
    ts_run_result r;
    const char *p;
    int rc = -1;

    key[0] = '\0';
    if (ts_run(&r, NULL, argv) != 0 || r.status != 0) {
        fprintf(stderr, "client add failed (%d): %s\n", r.status, r.err ? r.err : "");
        goto out;
    }
    p = strstr(r.out, "api_key: ");
    if (!p) goto out;
    p += strlen("api_key: ");
    size_t n = strcspn(p, "\n");
    if (n == 0 || n >= 128) goto out;
    memcpy(key, p, n);
    key[n] = '\0';
    rc = 0;
out:
    ts_run_free(&r);
    return rc;
}

int ts_forms_call(const char *method, const char *url, const char *key, const char *idem,
                  const char *body, ts_http_resp *r)
{
    char auth[256], idem_h[512];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key ? key : "");
    snprintf(idem_h, sizeof idem_h, "Idempotency-Key: %s", idem ? idem : "");
    const char *h[6] = {key ? auth : NULL, idem ? idem_h : NULL, body ? TS_HTTP_JSON_TYPE : NULL};
    return ts_http_send(method, url, h, body, r);
}

json_t *ts_forms_json(const ts_http_resp *r)
{
    json_error_t e;
    return r->body ? json_loadb(r->body, r->body_len, 0, &e) : NULL;
}

const char *ts_forms_period(void)
{
    static __thread char buf[96];
    char a[16], b[16];
    time_t t = time(NULL);
    struct tm tm;
    time_t ta = t + 20 * 86400, tb = t + 21 * 86400;
    localtime_r(&ta, &tm);
    strftime(a, sizeof a, "%Y-%m-%d", &tm);
    localtime_r(&tb, &tm);
    strftime(b, sizeof b, "%Y-%m-%d", &tm);
    snprintf(buf, sizeof buf, "{\"start\":\"%s\",\"end\":\"%s\"}", a, b);
    return buf;
}

const char *ts_forms_stand_body(double lon, double lat)
{
    static __thread char buf[512];
    snprintf(buf, sizeof buf,
             "{\"service\":\"info-stand\",\"reference\":\"T-%.6f\",\"period\":%s,"
             "\"features\":{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
             "\"properties\":{\"note\":\"stand\"},\"geometry\":{\"type\":\"Point\","
             "\"coordinates\":[%.7f,%.7f]}}]}}",
             lon, ts_forms_period(), lon, lat);
    return buf;
}

long ts_forms_draft(const ts_server *s, const char *key, const char *body_json, char *id,
                    char *token)
{
    ts_http_resp r;
    json_t *doc;
    long status;

    if (id) id[0] = '\0';
    if (token) token[0] = '\0';
    if (ts_forms_call("POST", ts_server_url(s, "/v1/drafts"), key, NULL, body_json, &r) != 0) {
        ts_http_resp_free(&r);
        return 0;
    }
    status = r.status;
    doc = status == 201 ? ts_forms_json(&r) : NULL;
    if (doc) {
        const char *i = json_string_value(json_object_get(doc, "id"));
        const char *u = json_string_value(json_object_get(doc, "editor_url"));
        const char *t = u ? strstr(u, "/edit/") : NULL;
        if (id && i) snprintf(id, 128, "%s", i);
        if (token && t) snprintf(token, 128, "%s", t + strlen("/edit/"));
    }
    json_decref(doc);
    ts_http_resp_free(&r);
    return status;
}

long long ts_forms_sql_int(const char *db, const char *sql, const char *text_arg)
{
    if (ts_store_is_pg(db)) return ts_store_sql_int(db, sql, text_arg); /* ts_backend.h */
    sqlite3 *h = NULL;
    sqlite3_stmt *s = NULL;
    long long v = -1;

    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) goto out;
    sqlite3_busy_timeout(h, 10000);
    if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK) {
        fprintf(stderr, "sql: %s: %s\n", sql, sqlite3_errmsg(h));
        goto out;
    }
    if (text_arg) sqlite3_bind_text(s, 1, text_arg, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
out:
    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}

long long ts_forms_sql_exec(const char *db, const char *sql, const char *text_arg)
{
    if (ts_store_is_pg(db)) return ts_store_sql(db, sql, text_arg ? 1 : 0, text_arg);
    sqlite3 *h = NULL;
    sqlite3_stmt *s = NULL;
    long long v = -1;

    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) goto out;
    sqlite3_busy_timeout(h, 10000);
    if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK) {
        fprintf(stderr, "sql: %s: %s\n", sql, sqlite3_errmsg(h));
        goto out;
    }
    if (text_arg) sqlite3_bind_text(s, 1, text_arg, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_DONE)
        v = sqlite3_changes(h);
    else
        fprintf(stderr, "sql: %s: %s\n", sql, sqlite3_errmsg(h));
out:
    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}

bool ts_forms_integrity_ok(const char *db)
{
    if (ts_store_is_pg(db)) return ts_store_integrity_ok(db);
    sqlite3 *h = NULL;
    sqlite3_stmt *s = NULL;
    bool ok = false;

    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        ok = t && strcmp((const char *)t, "ok") == 0;
        if (!ok) fprintf(stderr, "integrity_check: %s\n", t ? (const char *)t : "(null)");
    }
    sqlite3_finalize(s);
    sqlite3_close(h);
    return ok;
}
