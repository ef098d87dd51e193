/*
 * store_export.c - ge_store_cases_features: the features of many cases in
 * one read transaction on one connection (see store_export.h).
 */
#include "store_export.h"

#include "case_location.h"
#include "sqlite_internal.h"

/* The report's measures of case id as {"measures": [...]}, or NULL when it
 * has none (or no memory: the sentences are then made anew by the caller,
 * which is no reason to fail an export). */
static json_t *ge_store_export_measures(sqlite3_stmt *s, const char *id)
{
    const char *text;
    json_t *doc = NULL;

    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW && (text = (const char *)sqlite3_column_text(s, 0)))
        doc = json_loads(text, 0, NULL);
    sqlite3_reset(s);
    return doc;
}

static int ge_sqlite_cases_features(ge_store *st, const char *const *ids, size_t n,
                                    ge_store_export_cb cb, void *ud, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL, *r = NULL;
    json_t *report = NULL;
    bool in_tx = false;
    int rc = ge_store_acquire(st, &c, err);

    if (rc < 0) goto err;
    /* One snapshot for the whole export; a reader takes no write lock. */
    rc = ge_store_sql_exec(c, "BEGIN", err);
    if (rc < 0) goto err;
    in_tx = true;
    rc = ge_store_sql_prepare(c,
                              "SELECT idx, AsBinary(geometry) FROM case_features"
                              " WHERE case_id = ?1 ORDER BY idx",
                              &s, err);
    if (rc == GE_OK)
        rc = ge_store_sql_prepare(
            c,
            "SELECT json_object('measures', json_extract(report, '$.measures'))"
            " FROM cases WHERE id = ?1 AND json_type(report, '$.measures') ="
            " 'array'",
            &r, err);
    if (rc < 0) goto err;
    for (size_t i = 0; i < n; i++) {
        json_decref(report);
        report = ge_store_export_measures(r, ids[i]);
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, ids[i], -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            ge_store_export_feature f = {.case_index = i,
                                         .idx = sqlite3_column_int64(s, 0),
                                         .wkb = sqlite3_column_blob(s, 1),
                                         .wkb_len = (size_t)sqlite3_column_bytes(s, 1)};
            int cb_rc;
            f.location = f.idx >= 0 ? ge_case_location_stored(report, (size_t)f.idx) : NULL;
            cb_rc = cb(ud, &f);
            if (cb_rc != 0) {
                rc = cb_rc;
                goto err;
            }
        }
        if (rc != SQLITE_DONE) {
            rc = ge_store_sql_err(err, c->db, rc, "reading case features");
            goto err;
        }
    }
    sqlite3_finalize(s);
    sqlite3_finalize(r);
    s = r = NULL;
    rc = ge_store_sql_exec(c, "COMMIT", err);
    in_tx = rc < 0;
err:
    json_decref(report);
    sqlite3_finalize(s);
    sqlite3_finalize(r);
    if (in_tx) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    ge_store_release(st, c);
    return rc;
}

const ge_store_export_ops ge_sqlite_export_ops = {
    .cases_features = ge_sqlite_cases_features,
};
