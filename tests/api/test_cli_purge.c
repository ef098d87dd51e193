/*
 * test_cli_purge.c - DSGVO retention as an operator and a form server meet
 * it: cases made through the real form-server API of a running server, the
 * review decisions and their comments written into the store as the review
 * routes would (status events, closed_at), then the real "geoeditor purge".
 *
 * A closed case past its service's retention loses applicant, reference,
 * feature properties, comments, draft, idempotency keys and webhook
 * deliveries, and keeps geometry (byte for byte), service, status, period,
 * dates and report, with one 'purged' event more in its history; the
 * applicant's data is gone from the store file and its WAL too. Cases inside
 * retention (also one that is past another service's retention), open cases
 * and cases of a service no longer defined stay exactly as they were.
 * --dry-run changes nothing; a second purge changes nothing; the output names
 * no personal data; the form server gets 404 for the purged case. The
 * server's own timer (purge_interval) purges as well and stops with the
 * server. Bad command lines are one line and a non-zero exit.
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
#include <sys/stat.h>
#include <time.h>

#include "ts.h"
#include "ts_backend.h"
#include "ts_pg.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_review.h"
#include "ts_run.h"
#include "ts_server.h"
#include "ts_store.h"

/* Personal data the store must forget; none may appear in any output. */
#define NAME_A    "Erika Mustermann-Purgetest"
#define MAIL_A    "erika.purgetest@example.org"
#define REF_A     "AZ-PURGE-0001"
#define NOTE_A    "Stand vor Hausnummer 7 bei Familie Purgetest"
#define COMMENT_A "Rueckruf unter 0151 2345678 Purgetest"

static ts_server srv;
static char key[128];
static char purged_id[64], kept_id[64]; /* test_purge's cases a and b */

static int setup(void **state)
{
    static const char *const args[] = {"--purge-interval", "0", NULL};
    const char *add[] = {NULL,
                         "client",
                         "add",
                         "--db",
                         NULL,
                         "--name",
                         "Purge Forms",
                         "--origin",
                         "https://forms.example.de",
                         "--webhook",
                         "http://127.0.0.1:9/hook",
                         NULL};
    ts_server_opts o = {.args = args};
    ts_run_result r;
    const char *p;

    (void)state;
    if (ts_server_start(&srv, "cli_purge", &o) != 0) return -1;
    /* A client with a webhook, so that status events queue deliveries. */
    add[4] = srv.db;
    if (ts_run(&r, NULL, add) != 0 || r.status != 0) return -1;
    p = strstr(r.out, "api_key: ");
    if (!p) return -1;
    p += strlen("api_key: ");
    snprintf(key, sizeof key, "%.*s", (int)strcspn(p, "\n"), p);
    ts_run_free(&r);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

/* ---- the store, read and written as the review routes would ------------- */

/* Appends every row of sql (?1 = arg) as "col|col|...\n" to out. */
static void dump_query(sqlite3 *h, const char *sql, const char *arg, char **out, size_t *len)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(h));
    sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(s); i++) {
            const char *t = (const char *)sqlite3_column_text(s, i);
            size_t tl = t ? strlen(t) : 6;
            *out = realloc(*out, *len + tl + 2);
            assert_non_null(*out);
            memcpy(*out + *len, t ? t : "<null>", tl);
            *len += tl;
            (*out)[(*len)++] = i + 1 < sqlite3_column_count(s) ? '|' : '\n';
            (*out)[*len] = '\0';
        }
    }
    assert_int_equal(rc, SQLITE_DONE);
    sqlite3_finalize(s);
    *out = realloc(*out, *len + 3);
    memcpy(*out + *len, "#\n", 3);
    *len += 2;
}

/* dump_query on a PostGIS store (ts_backend.h): ?1 as $1, the same text. */
static void dump_query_pg(PGconn *c, const char *sql, const char *arg, char **out, size_t *len)
{
    char q[1024], *o = q;
    PGresult *r;

    for (const char *p = sql; *p && o < q + sizeof q - 1; p++)
        *o++ = *p == '?' && p[1] == '1' ? '$' : *p;
    *o = '\0';
    if (!strstr(q, "$1")) fail_msg("%s: no ?1", sql);
    r = PQexecParams(c, q, 1, NULL, &arg, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) fail_msg("%s: %s", q, PQresultErrorMessage(r));
    for (int row = 0; row < PQntuples(r); row++) {
        for (int i = 0; i < PQnfields(r); i++) {
            const char *t = PQgetisnull(r, row, i) ? NULL : PQgetvalue(r, row, i);
            size_t tl = t ? strlen(t) : 6;
            *out = realloc(*out, *len + tl + 2);
            assert_non_null(*out);
            memcpy(*out + *len, t ? t : "<null>", tl);
            *len += tl;
            (*out)[(*len)++] = i + 1 < PQnfields(r) ? '|' : '\n';
            (*out)[*len] = '\0';
        }
    }
    PQclear(r);
    *out = realloc(*out, *len + 3);
    memcpy(*out + *len, "#\n", 3);
    *len += 2;
}

/* Everything the store holds about a case, as text: the case row, its
 * features with their geometry in hex, its events, keys, draft and
 * deliveries (without the columns the webhook sender updates). */
static char *dump_case(const char *db, const char *case_id)
{
    static const char *const queries[] = {
        "SELECT * FROM cases WHERE id = ?1",
        "SELECT fid, idx, props, hex(geometry) FROM case_features WHERE case_id = ?1 ORDER BY idx",
        "SELECT * FROM case_events WHERE case_id = ?1 ORDER BY id",
        "SELECT * FROM idempotency_keys WHERE case_id = ?1",
        "SELECT * FROM drafts WHERE id = (SELECT draft_id FROM cases WHERE id = ?1)",
        "SELECT id, event_id, case_id, client_id, created_at FROM webhook_deliveries"
        " WHERE case_id = ?1 ORDER BY id",
    };
    sqlite3 *h = NULL;
    char *out = calloc(1, 1);
    size_t len = 0;

    if (ts_store_is_pg(db)) {
        PGconn *c = ts_pg_connect(ts_store_db(db, false));
        for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
            const char *q = queries[i];
            if (strstr(q, "hex(geometry)"))
                q = "SELECT fid, idx, props, encode(ST_AsBinary(geometry), 'hex') FROM"
                    " case_features WHERE case_id = ?1 ORDER BY idx";
            dump_query_pg(c, q, case_id, &out, &len);
        }
        PQfinish(c);
        return out;
    }
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 20000);
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++)
        dump_query(h, queries[i], case_id, &out, &len);
    sqlite3_close(h);
    return out;
}

/* One text value of sql (?1 = arg) into buf ("<null>" for NULL). */
static const char *sql_text(const char *db, const char *sql, const char *arg, char *buf, size_t cap)
{
    sqlite3 *h = NULL;
    char *d = NULL;
    size_t len = 0;

    if (ts_store_is_pg(db)) {
        PGconn *c = ts_pg_connect(ts_store_db(db, false));
        dump_query_pg(c, sql, arg, &d, &len);
        PQfinish(c);
    } else {
        assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        sqlite3_busy_timeout(h, 20000);
        dump_query(h, sql, arg, &d, &len);
        sqlite3_close(h);
    }
    /* "value\n#\n" -> "value" */
    d[strcspn(d, "\n")] = '\0';
    snprintf(buf, cap, "%s", d);
    free(d);
    return buf;
}

static void iso_days_ago(int days, char *buf, size_t cap)
{
    time_t t = time(NULL) - (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- cases through the real API ---------------------------------------- */

/* A submitted info-stand case with an applicant, a reference and feature
 * properties; its id into case_id (64 bytes), its draft id into draft_id. */
static void make_case(const ts_server *s, const char *k, const char *ref, const char *name,
                      const char *mail, const char *note, double lon, char *case_id, char *draft_id)
{
    char body[1024], submit[768], path[256], token[128], idem[64];
    ts_http_resp r;
    json_t *doc;
    long st;

    snprintf(body, sizeof body,
             "{\"service\":\"info-stand\",\"reference\":\"%s\",\"period\":%s,"
             "\"features\":{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
             "\"properties\":{\"note\":\"%s\"},\"geometry\":{\"type\":\"Point\","
             "\"coordinates\":[%.7f,52.5851234]}},{\"type\":\"Feature\","
             "\"properties\":{\"note\":\"%s (2)\"},\"geometry\":{\"type\":\"Point\","
             "\"coordinates\":[%.7f,52.5852234]}}]}}",
             ref, ts_forms_period(), note, lon, note, lon + 0.0001);
    st = ts_forms_draft(s, k, body, draft_id, token);
    if (st != 201) fail_msg("draft: %ld", st);
    snprintf(submit, sizeof submit,
             "{\"reference\":\"%s\",\"applicant\":{\"name\":\"%s\",\"email\":\"%s\","
             "\"phone\":\"+49 521 000000\"}}",
             ref, name, mail);
    snprintf(path, sizeof path, "/v1/drafts/%s/submit", draft_id);
    snprintf(idem, sizeof idem, "purge-%s", ref);
    assert_int_equal(ts_forms_call("POST", ts_server_url(s, path), k, idem, submit, &r), 0);
    if (r.status != 201) fail_msg("submit: %ld %s", r.status, r.body);
    doc = ts_forms_json(&r);
    snprintf(case_id, 64, "%s", json_string_value(json_object_get(doc, "case_id")));
    json_decref(doc);
    ts_http_resp_free(&r);
}

/* The review as R2's PATCH would write it: received -> in_review ->
 * final, each a status event with a comment, then closed_at. */
static void close_case(const char *db, const char *case_id, const char *final, int days_ago,
                       const char *comment)
{
    char at1[32], at2[32];

    iso_days_ago(days_ago + 2, at1, sizeof at1);
    iso_days_ago(days_ago, at2, sizeof at2);
    ts_store_sql(
        db,
        "INSERT INTO case_events (case_id, at, actor, action, from_status, to_status, comment)"
        " VALUES (?1, ?2, 'user:erika', 'status', 'received', 'in_review', ?3)",
        3, case_id, at1, comment);
    ts_store_sql(
        db,
        "INSERT INTO case_events (case_id, at, actor, action, from_status, to_status, comment)"
        " VALUES (?1, ?2, 'user:erika', 'status', 'in_review', ?3, ?4)",
        4, case_id, at2, final, comment);
    assert_int_equal(ts_store_sql(db,
                                  "UPDATE cases SET status = ?2, closed_at = ?3, updated_at = ?3"
                                  " WHERE id = ?1",
                                  3, case_id, final, at2),
                     1);
}

static void run(ts_run_result *r, const char *const *argv)
{
    assert_int_equal(ts_run(r, NULL, argv), 0);
}

/* No personal data of any test case in text. */
static void assert_no_personal_data(const char *text)
{
    static const char *const secrets[] = {NAME_A,       MAIL_A,    REF_A,
                                          NOTE_A,       COMMENT_A, "Purgetest",
                                          "Mustermann", "0151",    "@example.org"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        if (strstr(text, secrets[i])) fail_msg("output holds '%s':\n%s", secrets[i], text);
}

static bool file_contains(const char *path, const char *needle)
{
    size_t len = 0;
    /* on PostGIS: the rows of its database (the -wal file is absent there) */
    char *b = ts_store_is_pg(path) ? ts_store_contents(path, &len) : ts_read_file(path, &len);
    bool found = b && ts_mem_contains(b, len, needle);
    free(b);
    return found;
}

/* ---- the purge ------------------------------------------------------------ */

/* A case's geometries in hex and its history as one text each, on either
 * store (ts_backend.h); only compared with what the same store said before. */
#define HEX_SQL                                                                                    \
    "SELECT group_concat(hex(geometry), ',') FROM"                                                 \
    " (SELECT geometry FROM case_features WHERE case_id = ?1 ORDER BY idx)"
#define PG_HEX_SQL                                                                                 \
    "SELECT string_agg(encode(ST_AsBinary(geometry), 'hex'), ',' ORDER BY idx)"                    \
    " FROM case_features WHERE case_id = ?1"
#define EVENT_TEXT                                                                                 \
    "id || '/' || at || '/' || actor || '/' || action || '/' || coalesce(from_status, '-') ||"     \
    " '/' || to_status"
#define EVENTS_SQL(and)                                                                            \
    "SELECT group_concat(" EVENT_TEXT ", ',') FROM"                                                \
    " (SELECT * FROM case_events WHERE case_id = ?1" and                                           \
        " ORDER BY id)"
#define PG_EVENTS_SQL(and)                                                                         \
    "SELECT string_agg(" EVENT_TEXT ", ',' ORDER BY id) FROM case_events WHERE case_id = ?1" and

/* What a purge keeps of the case row, as one text. */
#define KEEP_SQL                                                                                   \
    "SELECT service || '|' || status || '|' || period_start || '|' || period_end || '|' ||"        \
    " created_at || '|' || updated_at || '|' || closed_at || '|' || report || '|' ||"              \
    " content_hash || '|' || client_id FROM cases WHERE id = ?1"

static void test_purge(void **state)
{
    char a[64], b[64], c[64], d[64], e[64], da[128], db_[128], dc[128], dd[128], de[128];
    char buf[65536], old_hex[4096], old_events[4096], old_keep[65536];
    long long n_events;
    char *before_b, *before_c, *before_d, *before_e, *before_a, *after;
    const char *db = srv.db;
    const bool pg = ts_store_is_pg(db);
    const char *purge[] = {NULL, "purge", "--db", db, NULL};
    const char *dry[] = {NULL, "purge", "--db", db, "--dry-run", NULL};
    ts_run_result r;
    ts_http_resp resp;
    char now_minus[32];

    (void)state;
    /* a: info-stand (180 days), approved 200 days ago: due */
    make_case(&srv, key, REF_A, NAME_A, MAIL_A, NOTE_A, 13.3101234, a, da);
    close_case(db, a, "approved", 200, COMMENT_A);
    /* b: rejected 10 days ago: inside retention */
    make_case(&srv, key, "AZ-B", "Beate Bleibt", "b@example.net", "note b", 13.3111234, b, db_);
    close_case(db, b, "rejected", 10, "rejected: the place is taken");
    /* c: open for 1000 days: never closed, never due */
    make_case(&srv, key, "AZ-C", "Carl Offen", "c@example.net", "note c", 13.3121234, c, dc);
    iso_days_ago(1000, now_minus, sizeof now_minus);
    ts_store_sql(
        db,
        "INSERT INTO case_events (case_id, at, actor, action, from_status, to_status, comment)"
        " VALUES (?1, ?2, 'user:erika', 'status', 'received', 'in_review', 'looking')",
        2, c, now_minus);
    ts_store_sql(
        db, "UPDATE cases SET status = 'in_review', created_at = ?2, updated_at = ?2 WHERE id = ?1",
        2, c, now_minus);
    /* d: a service no longer defined, closed 1000 days ago: left alone */
    make_case(&srv, key, "AZ-D", "Dora Alt", "d@example.net", "note d", 13.3131234, d, dd);
    close_case(db, d, "approved", 1000, "ok");
    ts_store_sql(db, "UPDATE cases SET service = 'retired-service' WHERE id = ?1", 1, d);
    /* e: construction-access (730 days), closed 400 days ago: past
     * info-stand's 180 days, but its own service keeps it */
    make_case(&srv, key, "AZ-E", "Emil Lang", "e@example.net", "note e", 13.3141234, e, de);
    close_case(db, e, "approved", 400, "ok");
    ts_store_sql(db, "UPDATE cases SET service = 'construction-access' WHERE id = ?1", 1, e);

    /* the status events queued webhook deliveries (the client has a URL) */
    assert_true(
        ts_forms_sql_int(db, "SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1", a) == 2);
    assert_int_equal(ts_forms_sql_int(db, "SELECT count(*) FROM drafts WHERE id = ?1", da), 1);

    before_a = dump_case(db, a);
    before_b = dump_case(db, b);
    before_c = dump_case(db, c);
    before_d = dump_case(db, d);
    before_e = dump_case(db, e);
    sql_text(db, pg ? PG_HEX_SQL : HEX_SQL, a, old_hex, sizeof old_hex);
    sql_text(db, pg ? PG_EVENTS_SQL("") : EVENTS_SQL(""), a, old_events, sizeof old_events);
    assert_int_equal(strlen(old_hex) > 40, 1);
    sql_text(db, KEEP_SQL, a, old_keep, sizeof old_keep);
    n_events = ts_forms_sql_int(db, "SELECT count(*) FROM case_events WHERE case_id = ?1", a);
    assert_int_equal(n_events, 3);

    /* --dry-run: lists a (and d as left alone), changes nothing */
    run(&r, dry);
    if (r.status != 0) fail_msg("dry run: %d %s", r.status, r.err);
    assert_non_null(strstr(r.out, a));
    assert_non_null(strstr(r.out, "due"));
    assert_non_null(strstr(r.out, d));
    assert_non_null(strstr(r.out, "retired-service"));
    assert_null(strstr(r.out, b));
    assert_null(strstr(r.out, c));
    assert_null(strstr(r.out, e));
    assert_non_null(strstr(r.out, "dry run: 1 case due, 1 of an unknown service"));
    assert_no_personal_data(r.out);
    assert_no_personal_data(r.err);
    ts_run_free(&r);
    after = dump_case(db, a);
    assert_string_equal(after, before_a);
    free(after);

    /* the purge */
    run(&r, purge);
    if (r.status != 0) fail_msg("purge: %d %s", r.status, r.err);
    assert_non_null(strstr(r.out, "purged "));
    assert_non_null(strstr(r.out, a));
    assert_non_null(strstr(r.out, "info-stand"));
    assert_non_null(strstr(r.out, "purged 1 case (1 due"));
    assert_non_null(strstr(r.out, d));
    assert_null(strstr(r.out, b));
    assert_null(strstr(r.out, c));
    assert_null(strstr(r.out, e));
    assert_no_personal_data(r.out);
    assert_no_personal_data(r.err);
    ts_run_free(&r);

    /* a: personal data gone */
    assert_string_equal(
        sql_text(db, "SELECT applicant FROM cases WHERE id = ?1", a, buf, sizeof buf), "{}");
    assert_string_equal(
        sql_text(db, "SELECT reference FROM cases WHERE id = ?1", a, buf, sizeof buf), "<null>");
    assert_int_equal(ts_forms_sql_int(db,
                                      "SELECT count(*) FROM case_features WHERE case_id = ?1"
                                      " AND CAST(props AS TEXT) <> '{}'",
                                      a),
                     0);
    assert_int_equal(
        ts_forms_sql_int(db, "SELECT count(*) FROM case_features WHERE case_id = ?1", a), 2);
    assert_int_equal(ts_forms_sql_int(db, "SELECT count(*) FROM drafts WHERE id = ?1", da), 0);
    assert_int_equal(
        ts_forms_sql_int(db, "SELECT count(*) FROM idempotency_keys WHERE case_id = ?1", a), 0);
    assert_int_equal(ts_forms_sql_int(db,
                                      "SELECT count(*) FROM webhook_deliveries"
                                      " WHERE case_id = ?1",
                                      a),
                     0);
    assert_int_equal(ts_forms_sql_int(db,
                                      "SELECT count(*) FROM case_events WHERE case_id = ?1"
                                      " AND comment IS NOT NULL",
                                      a),
                     0);
    assert_int_equal(ts_forms_sql_int(db,
                                      "SELECT count(*) FROM cases WHERE id = ?1"
                                      " AND purged_at IS NOT NULL",
                                      a),
                     1);
    /* a: everything else kept */
    assert_string_equal(sql_text(db, pg ? PG_HEX_SQL : HEX_SQL, a, buf, sizeof buf), old_hex);
    /* a: service, status, period, dates, report, content hash, client kept */
    assert_string_equal(sql_text(db, KEEP_SQL, a, buf, sizeof buf), old_keep);
    assert_non_null(strstr(old_keep, "info-stand|approved|"));
    /* a: the history is the old events without comments, then 'purged' */
    assert_string_equal(sql_text(db,
                                 pg ? PG_EVENTS_SQL(" AND action <> 'purged'")
                                    : EVENTS_SQL(" AND action <> 'purged'"),
                                 a, buf, sizeof buf),
                        old_events);
    assert_int_equal(ts_forms_sql_int(db, "SELECT count(*) FROM case_events WHERE case_id = ?1", a),
                     n_events + 1);
    assert_string_equal(sql_text(db,
                                 "SELECT action || '/' || actor || '/' || from_status || '/' ||"
                                 " to_status || '/' || coalesce(comment, '-') FROM case_events"
                                 " WHERE case_id = ?1 ORDER BY id DESC LIMIT 1",
                                 a, buf, sizeof buf),
                        "purged/system:retention/approved/approved/-");
    /* the others: exactly as before */
    after = dump_case(db, b);
    assert_string_equal(after, before_b);
    free(after);
    after = dump_case(db, c);
    assert_string_equal(after, before_c);
    free(after);
    after = dump_case(db, d);
    assert_string_equal(after, before_d);
    free(after);
    after = dump_case(db, e);
    assert_string_equal(after, before_e);
    free(after);

    /* gone from the file and the WAL, not only from the rows */
    assert_false(file_contains(db, NAME_A));
    assert_false(file_contains(db, MAIL_A));
    assert_false(file_contains(db, NOTE_A));
    assert_false(file_contains(db, COMMENT_A));
    assert_false(file_contains(ts_path(srv.dir, "geoeditor.db-wal"), NAME_A));
    assert_false(file_contains(ts_path(srv.dir, "geoeditor.db-wal"), COMMENT_A));
    /* ... while b's are still there (the check above can see data) */
    assert_true(file_contains(db, "Beate Bleibt") ||
                file_contains(ts_path(srv.dir, "geoeditor.db-wal"), "Beate Bleibt"));

    /* twice: nothing more happens */
    after = dump_case(db, a);
    run(&r, purge);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "purged 0 cases (0 due"));
    assert_null(strstr(r.out, a));
    ts_run_free(&r);
    {
        char *again = dump_case(db, a);
        assert_string_equal(again, after);
        free(again);
    }
    free(after);
    after = dump_case(db, b);
    assert_string_equal(after, before_b);
    free(after);

    assert_true(ts_forms_integrity_ok(db));

    /* the form server: the purged case is gone, the others answer */
    snprintf(buf, sizeof buf, "/v1/cases/%s", a);
    assert_int_equal(ts_forms_call("GET", ts_server_url(&srv, buf), key, NULL, NULL, &resp), 0);
    assert_int_equal(resp.status, 404);
    assert_no_personal_data(resp.body ? resp.body : "");
    ts_http_resp_free(&resp);
    snprintf(buf, sizeof buf, "/v1/cases/%s/features", a);
    assert_int_equal(ts_forms_call("GET", ts_server_url(&srv, buf), key, NULL, NULL, &resp), 0);
    assert_int_equal(resp.status, 404);
    ts_http_resp_free(&resp);
    snprintf(buf, sizeof buf, "/v1/cases/%s/map.png", a);
    assert_int_equal(ts_forms_call("GET", ts_server_url(&srv, buf), key, NULL, NULL, &resp), 0);
    assert_int_equal(resp.status, 404);
    ts_http_resp_free(&resp);
    snprintf(buf, sizeof buf, "/v1/cases/%s", b);
    assert_int_equal(ts_forms_call("GET", ts_server_url(&srv, buf), key, NULL, NULL, &resp), 0);
    assert_int_equal(resp.status, 200);
    ts_http_resp_free(&resp);
    snprintf(buf, sizeof buf, "/v1/cases/%s/features", b);
    assert_int_equal(ts_forms_call("GET", ts_server_url(&srv, buf), key, NULL, NULL, &resp), 0);
    assert_int_equal(resp.status, 200);
    ts_http_resp_free(&resp);

    snprintf(purged_id, sizeof purged_id, "%s", a);
    snprintf(kept_id, sizeof kept_id, "%s", b);
    free(before_a);
    free(before_b);
    free(before_c);
    free(before_d);
    free(before_e);
}

/* ---- the caseworkers' view of a purged case ------------------------------ */

static json_t *review_get(const ts_review_session *se, const char *path, long status)
{
    ts_http_resp r;
    json_t *doc;
    assert_int_equal(ts_review_call(&srv, "GET", path, se->cookie, NULL, NULL, NULL, &r), 0);
    if (r.status != status) fail_msg("GET %s: %ld %s", path, r.status, r.body);
    assert_no_personal_data(r.body ? r.body : "");
    doc = ts_forms_json(&r);
    ts_http_resp_free(&r);
    assert_non_null(doc);
    return doc;
}

static bool list_has(const json_t *doc, const char *id)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "cases"), i,
                       c) if (strcmp(json_string_value(json_object_get(c, "case_id")), id) ==
                              0) return true;
    return false;
}

static void test_caseworker_view_of_purged_case(void **state)
{
    ts_review_session se;
    char path[256];
    json_t *doc, *events, *last;

    (void)state;
    assert_true(purged_id[0]);
    assert_int_equal(
        ts_review_user_add(srv.db, "purge-admin", "admin", NULL, "a long retention pass phrase"),
        0);
    assert_int_equal(ts_review_login(&srv, "purge-admin", "a long retention pass phrase", &se),
                     200);

    /* the list leaves the purged case out unless asked for */
    doc = review_get(&se, "/v1/cases?limit=500", 200);
    assert_false(list_has(doc, purged_id));
    assert_true(list_has(doc, kept_id));
    json_decref(doc);
    doc = review_get(&se, "/v1/cases?limit=500&purged=true", 200);
    assert_true(list_has(doc, purged_id));
    json_decref(doc);

    /* the detail answers, anonymised, with the decision and the geometry */
    snprintf(path, sizeof path, "/v1/cases/%s", purged_id);
    doc = review_get(&se, path, 200);
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "approved");
    assert_string_equal(json_string_value(json_object_get(doc, "service")), "info-stand");
    assert_true(json_is_null(json_object_get(doc, "reference")) ||
                !json_object_get(doc, "reference"));
    assert_int_equal(json_object_size(json_object_get(doc, "applicant")), 0);
    assert_int_equal(json_array_size(json_object_get(json_object_get(doc, "features"), "features")),
                     2);
    /* its content hash cannot match any more (applicant and properties are
     * gone): not a verdict of tampering but a note of why, with the day */
    {
        const char *purged = json_string_value(json_object_get(doc, "purged"));
        const json_t *note = json_object_get(doc, "content_hash_note");
        const char *de = json_string_value(json_object_get(note, "de"));
        const char *en = json_string_value(json_object_get(note, "en"));
        char de_day[16], en_day[16];
        assert_non_null(purged);
        assert_non_null(json_object_get(doc, "content_hash_valid"));
        assert_true(json_is_null(json_object_get(doc, "content_hash_valid")));
        assert_non_null(de);
        assert_non_null(en);
        snprintf(de_day, sizeof de_day, "%.2s.%.2s.%.4s", purged + 8, purged + 5, purged);
        snprintf(en_day, sizeof en_day, "%.10s", purged);
        if (!strstr(de, de_day) || !strstr(de, "Löschfrist") || !strstr(de, "Personenbezogene"))
            fail_msg("German note: %s", de);
        if (!strstr(en, en_day) || !strstr(en, "retention") || !strstr(en, "Personal data"))
            fail_msg("English note: %s", en);
    }
    json_decref(doc);
    /* a case that is not purged verifies as before and has no note */
    snprintf(path, sizeof path, "/v1/cases/%s", kept_id);
    doc = review_get(&se, path, 200);
    assert_true(json_is_true(json_object_get(doc, "content_hash_valid")));
    assert_true(json_is_null(json_object_get(doc, "content_hash_note")));
    json_decref(doc);

    /* the history: comments gone, 'purged' by system:retention last */
    snprintf(path, sizeof path, "/v1/cases/%s/history", purged_id);
    doc = review_get(&se, path, 200);
    events = json_object_get(doc, "events");
    assert_int_equal(json_array_size(events), 4);
    for (size_t i = 0; i < json_array_size(events); i++)
        assert_true(json_is_null(json_object_get(json_array_get(events, i), "comment")));
    last = json_array_get(events, json_array_size(events) - 1);
    assert_string_equal(json_string_value(json_object_get(last, "action")), "purged");
    assert_string_equal(json_string_value(json_object_get(last, "actor")), "system:retention");
    /* the system is no one with a name */
    assert_non_null(json_object_get(last, "actor_name"));
    assert_true(json_is_null(json_object_get(last, "actor_name")));
    json_decref(doc);
}

/* ---- the server's timer ----------------------------------------------------- */

static void test_timer_purges_in_running_server(void **state)
{
    static const char *const args[] = {"--purge-interval", "1", NULL};
    ts_server_opts o = {.args = args};
    ts_server s;
    char k[128], a[64], da[128], b[64], db_[128];
    char *log;

    (void)state;
    assert_int_equal(ts_server_start(&s, "cli_purge_timer", &o), 0);
    assert_int_equal(ts_forms_client_add(s.db, "Timer Forms", k), 0);
    assert_true(ts_server_log_wait(&s, "\"msg\":\"retention timer started\"", 30));
    make_case(&s, k, REF_A, NAME_A, MAIL_A, NOTE_A, 13.3101234, a, da);
    make_case(&s, k, "AZ-T2", "Tanja Bleibt", "t@example.net", "note t", 13.3111234, b, db_);
    close_case(s.db, b, "approved", 1, "fine");
    close_case(s.db, a, "rejected", 181, COMMENT_A);
    /* within a few runs of the one-second timer */
    assert_true(ts_server_log_wait(&s, "\"purged\":1", 60));
    assert_int_equal(
        ts_forms_sql_int(s.db,
                         "SELECT count(*) FROM cases WHERE id = ?1"
                         " AND purged_at IS NOT NULL AND CAST(applicant AS TEXT) = '{}'"
                         " AND reference IS NULL",
                         a),
        1);
    assert_int_equal(ts_forms_sql_int(s.db,
                                      "SELECT count(*) FROM case_events WHERE case_id = ?1"
                                      " AND action = 'purged' AND actor = 'system:retention'",
                                      a),
                     1);
    assert_int_equal(ts_forms_sql_int(s.db,
                                      "SELECT count(*) FROM cases WHERE id = ?1"
                                      " AND purged_at IS NULL AND CAST(applicant AS TEXT) <> '{}'",
                                      b),
                     1);
    /* SIGTERM: the timer thread ends with the server, which exits cleanly */
    assert_int_equal(ts_server_stop(&s), 0);
    log = ts_server_log(&s);
    assert_non_null(strstr(log, "\"msg\":\"retention purge\""));
    assert_non_null(strstr(log, "\"due\":1,\"purged\":1"));
    assert_no_personal_data(log);
    free(log);
    assert_true(ts_forms_integrity_ok(s.db));
}

/* ---- bad command lines ------------------------------------------------------ */

static void test_bad_input(void **state)
{
    const char *dir = ts_tmpdir("cli_purge_bad");
    const char *missing = ts_path(dir, "nothing-here.db");
    char missing_copy[4096];
    struct stat sb;
    ts_run_result r;

    (void)state;
    snprintf(missing_copy, sizeof missing_copy, "%s", missing);
    {
        const char *argv[] = {NULL, "purge", "--db", srv.db, "--frobnicate", NULL};
        run(&r, argv);
        assert_int_equal(r.status, 2);
        assert_int_equal(ts_count_lines(r.err), 1);
        assert_non_null(strstr(r.err, "unknown option '--frobnicate'"));
        ts_run_free(&r);
    }
    {
        /* a server setting is no purge option */
        const char *argv[] = {NULL, "purge", "--db", srv.db, "--purge-interval", "5", NULL};
        run(&r, argv);
        assert_int_equal(r.status, 2);
        assert_int_equal(ts_count_lines(r.err), 1);
        ts_run_free(&r);
    }
    {
        const char *argv[] = {NULL, "purge", "--db", missing_copy, NULL};
        run(&r, argv);
        assert_int_equal(r.status, 1);
        assert_int_equal(ts_count_lines(r.err), 1);
        assert_non_null(strstr(r.err, "no store at"));
        assert_non_null(strstr(r.err, missing_copy));
        ts_run_free(&r);
        /* and none was created */
        assert_int_not_equal(stat(missing_copy, &sb), 0);
    }
    {
        const char *argv[] = {NULL, "purge", "--db", missing_copy, "--dry-run", NULL};
        run(&r, argv);
        assert_int_equal(r.status, 1);
        assert_int_equal(ts_count_lines(r.err), 1);
        ts_run_free(&r);
        assert_int_not_equal(stat(missing_copy, &sb), 0);
    }
    {
        const char *argv[] = {NULL, "purge", "--db", srv.db, "--services-dir", dir, NULL};
        /* an empty folder holds no services: every closed case would be of
         * an unknown service; that is allowed and purges nothing */
        run(&r, argv);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, "purged 0 cases"));
        ts_run_free(&r);
    }
    {
        const char *argv[] = {
            NULL, "purge", "--db", srv.db, "--services-dir", ts_path(dir, "no-such-dir"), NULL};
        run(&r, argv);
        assert_int_equal(r.status, 1);
        assert_int_equal(ts_count_lines(r.err), 1);
        assert_non_null(strstr(r.err, "cannot read the services"));
        ts_run_free(&r);
    }
    {
        /* a malformed service file: named, nothing purged */
        FILE *f = fopen(ts_path(dir, "bad.json"), "w");
        assert_non_null(f);
        fputs("{\"id\":\"bad\",\"title\":{\"de\":\"B\",\"en\":\"B\"},\"description\":"
              "{\"de\":\"B\",\"en\":\"B\"},\"retention_days\":-3,\"rules\":[]}",
              f);
        fclose(f);
        const char *argv[] = {NULL, "purge", "--db", srv.db, "--services-dir", dir, NULL};
        run(&r, argv);
        assert_int_equal(r.status, 1);
        assert_int_equal(ts_count_lines(r.err), 1);
        assert_non_null(strstr(r.err, "retention_days"));
        ts_run_free(&r);
        /* more than a century: refused (closed_at + retention must stay a date) */
        f = fopen(ts_path(dir, "bad.json"), "w");
        assert_non_null(f);
        fputs("{\"id\":\"bad\",\"title\":{\"de\":\"B\",\"en\":\"B\"},\"description\":"
              "{\"de\":\"B\",\"en\":\"B\"},\"retention_days\":100000,\"rules\":[]}",
              f);
        fclose(f);
        run(&r, argv);
        assert_int_equal(r.status, 1);
        assert_int_equal(ts_count_lines(r.err), 1);
        assert_non_null(strstr(r.err, "retention_days: 100000 is above the largest allowed value"));
        ts_run_free(&r);
    }
    {
        /* the store from a config file, as a deployment runs it from cron */
        char conf[4096];
        FILE *f;
        snprintf(conf, sizeof conf, "%s", ts_path(dir, "geoeditor.conf"));
        f = fopen(conf, "w");
        assert_non_null(f);
        fprintf(f, "# deployment\ndb = %s\ndata_dir = %s/data\npurge_interval = 3600\n", srv.store,
                ts_env("GE_SOURCE_DIR"));
        fclose(f);
        const char *argv[] = {NULL, "purge", "--config", conf, "--dry-run", NULL};
        run(&r, argv);
        if (r.status != 0) fail_msg("--config: %d %s", r.status, r.err);
        assert_non_null(strstr(r.out, "dry run: 0 cases due, 1 of an unknown service"));
        ts_run_free(&r);
    }
    {
        const char *argv[] = {NULL, "purge", "extra-argument", "--db", srv.db, NULL};
        run(&r, argv);
        assert_int_equal(r.status, 2);
        assert_int_equal(ts_count_lines(r.err), 1);
        ts_run_free(&r);
    }
    {
        const char *argv[] = {NULL, "purge", "--help", NULL};
        run(&r, argv);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, "--dry-run"));
        assert_non_null(strstr(r.out, "retention_days"));
        ts_run_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_purge),
        cmocka_unit_test(test_caseworker_view_of_purged_case),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_timer_purges_in_running_server),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
