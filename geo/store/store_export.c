/*
 * store_export.c - ge_store_cases_features: the features of many cases in
 * one read transaction on one connection (see store_export.h).
 */
#include "store_export.h"

#include "store_internal.h"

int ge_store_cases_features(ge_store *st, const char *const *ids, size_t n, ge_store_export_cb cb,
                            void *ud, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
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
    if (rc < 0) goto err;
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, ids[i], -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            int cb_rc = cb(ud, i, sqlite3_column_int64(s, 0), sqlite3_column_blob(s, 1),
                           (size_t)sqlite3_column_bytes(s, 1));
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
    s = NULL;
    rc = ge_store_sql_exec(c, "COMMIT", err);
    in_tx = rc < 0;
err:
    sqlite3_finalize(s);
    if (in_tx) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    ge_store_release(st, c);
    return rc;
}
