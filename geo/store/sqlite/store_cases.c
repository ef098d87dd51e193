/*
 * store_cases.c - cases in the store (store_forms.h): the submission of a
 * draft as one transaction, and reading a case and its features back.
 *
 * A case is immutable once written: nothing here updates its features or its
 * report (status changes by caseworkers go through case_events and the status
 * column, elsewhere). Submission takes the write lock first (BEGIN
 * IMMEDIATE) and only then looks at the idempotency key and the draft, so
 * that two submissions with one key cannot both find the key unused.
 */
#include "store_forms.h"
#include "store_case_row.h"
#include "sqlite_internal.h"
#include "token.h"

#include <stdlib.h>
#include <string.h>

/* Steps a prepared INSERT/UPDATE to its end. */
static int ge_case_step(ge_conn *c, sqlite3_stmt *s, const char *what, ge_err *err)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return GE_OK;
    return ge_store_sql_err(err, c->db, rc, what);
}

/* The case an idempotency key of the client made: GE_OK with its id in
 * case_id and whether request_hash is the hash of the request that made it
 * (*same_request), GE_ENOENT when the key is unused. */
static int ge_case_key_lookup(ge_conn *c, int64_t client_id, const char *key,
                              const char *request_hash, char case_id[40], bool *same_request,
                              ge_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = ge_store_sql_prepare(c,
                                  "SELECT case_id, request_hash FROM idempotency_keys"
                                  " WHERE client_id = ?1 AND key = ?2",
                                  &s, err);
    if (rc < 0) return rc;
    sqlite3_bind_int64(s, 1, client_id);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const unsigned char *h = sqlite3_column_text(s, 1);
        ge_store_copy_text(case_id, 40, sqlite3_column_text(s, 0));
        *same_request = h && strcmp((const char *)h, request_hash) == 0;
        rc = GE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = ge_err_set(err, GE_ENOENT, "the idempotency key is unused");
    } else {
        rc = ge_store_sql_err(err, c->db, rc, "reading an idempotency key");
    }
    sqlite3_finalize(s);
    return rc;
}

/* Looks at the key and the draft inside the transaction; GE_OK with
 * *decided set when the outcome is known without writing. */
static int ge_case_check(ge_conn *c, const ge_case_submit *in, ge_submit_outcome *outcome,
                         bool *decided, char case_id[40], const char *now, ge_err *err)
{
    sqlite3_stmt *s = NULL;
    bool same_request = false;
    int rc = ge_case_key_lookup(c, in->client_id, in->idempotency_key, in->request_hash, case_id,
                                &same_request, err);
    *decided = false;
    if (rc == GE_OK) {
        *outcome = same_request ? GE_SUBMIT_REPLAYED : GE_SUBMIT_KEY_REUSED;
        *decided = true;
        return GE_OK;
    }
    if (rc != GE_ENOENT) return rc;
    case_id[0] = '\0'; /* the key is unused: the draft decides */
    ge_err_clear(err);
    rc = ge_store_sql_prepare(c,
                              "SELECT submitted_at IS NOT NULL, expires_at <= ?3, features = ?4"
                              " FROM drafts WHERE id = ?1 AND client_id = ?2",
                              &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, in->draft_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, in->client_id);
    sqlite3_bind_text(s, 3, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, in->draft_features, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        rc = ge_err_set(err, GE_ENOENT, "no such draft");
        goto err;
    }
    if (rc != SQLITE_ROW) {
        rc = ge_store_sql_err(err, c->db, rc, "reading the draft");
        goto err;
    }
    rc = GE_OK;
    *decided = true;
    if (sqlite3_column_int(s, 0))
        *outcome = GE_SUBMIT_DRAFT_SUBMITTED;
    else if (sqlite3_column_int(s, 1))
        *outcome = GE_SUBMIT_DRAFT_EXPIRED;
    else if (!sqlite3_column_int(s, 2))
        *outcome = GE_SUBMIT_DRAFT_CHANGED;
    else
        *decided = false;
err:
    sqlite3_finalize(s);
    return rc;
}

static int ge_case_write(ge_store *st, ge_conn *c, const ge_case_submit *in, const char *case_id,
                         const char *now, ge_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = ge_store_sql_prepare(c,
                                  "INSERT INTO cases (id, client_id, draft_id, service, reference,"
                                  " applicant, period_start, period_end, status, report,"
                                  " content_hash, created_at, updated_at)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'received', ?9, ?10,"
                                  " ?11, ?11)",
                                  &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, in->client_id);
    sqlite3_bind_text(s, 3, in->draft_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, in->service, -1, SQLITE_TRANSIENT);
    ge_store_bind_opt(s, 5, in->reference);
    sqlite3_bind_text(s, 6, in->applicant_json ? in->applicant_json : "{}", -1, SQLITE_TRANSIENT);
    ge_store_bind_opt(s, 7, in->period_start);
    ge_store_bind_opt(s, 8, in->period_end);
    sqlite3_bind_text(s, 9, in->report_json, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 10, in->content_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 11, now, -1, SQLITE_TRANSIENT);
    rc = ge_case_step(c, s, "writing the case", err);
    if (rc < 0) goto err;
    sqlite3_finalize(s);

    /* CastToXY as the import does: the column is XY, and a trigger of
     * SpatiaLite refuses (RAISE ROLLBACK) any other dimension or SRID. */
    rc = ge_store_sql_prepare(c,
                              "INSERT INTO case_features (case_id, idx, props, geometry)"
                              " VALUES (?1, ?2, ?3, CastToXY(GeomFromWKB(?4, ?5)))",
                              &s, err);
    if (rc < 0) goto err;
    for (size_t i = 0; i < in->nfeatures; i++) {
        const ge_case_feature *f = &in->features[i];
        if (f->wkb_len > INT32_MAX) {
            rc = ge_err_set(err, GE_ELIMIT, "feature %zu: geometry too large", i);
            goto err;
        }
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, case_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
        sqlite3_bind_text(s, 3, f->props_json ? f->props_json : "{}", -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, 4, f->wkb, (int)f->wkb_len, SQLITE_TRANSIENT);
        sqlite3_bind_int(s, 5, ge_store_srid(st));
        rc = ge_case_step(c, s, "writing a case feature", err);
        if (rc < 0) goto err;
    }
    sqlite3_finalize(s);

    rc = ge_store_sql_prepare(c,
                              "INSERT INTO case_events (case_id, at, actor, action, to_status)"
                              " VALUES (?1, ?2, ?3, 'submitted', 'received')",
                              &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, in->actor ? in->actor : "client", -1, SQLITE_TRANSIENT);
    rc = ge_case_step(c, s, "writing the case event", err);
    if (rc < 0) goto err;
    sqlite3_finalize(s);

    rc = ge_store_sql_prepare(c,
                              "INSERT INTO idempotency_keys (client_id, key, case_id,"
                              " request_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                              &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_int64(s, 1, in->client_id);
    sqlite3_bind_text(s, 2, in->idempotency_key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, case_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, in->request_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, now, -1, SQLITE_TRANSIENT);
    rc = ge_case_step(c, s, "writing the idempotency key", err);
    if (rc < 0) goto err;
    sqlite3_finalize(s);

    rc = ge_store_sql_prepare(
        c, "UPDATE drafts SET submitted_at = ?1, updated_at = ?1 WHERE id = ?2", &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, in->draft_id, -1, SQLITE_TRANSIENT);
    rc = ge_case_step(c, s, "marking the draft submitted", err);
err:
    sqlite3_finalize(s);
    return rc;
}

static int ge_sqlite_case_submit(ge_store *st, const ge_case_submit *in, time_t now,
                                 ge_submit_outcome *outcome, char case_id[40], ge_err *err)
{
    ge_conn *c = NULL;
    char at[GE_DATE_UTC_LEN];
    bool decided = false;
    int rc = ge_store_acquire(st, &c, err);

    case_id[0] = '\0';
    if (rc < 0) goto err;
    rc = ge_store_sql_exec(c, "BEGIN IMMEDIATE", err);
    if (rc < 0) goto err;
    ge_date_utc(now, at);
    rc = ge_case_check(c, in, outcome, &decided, case_id, at, err);
    if (rc < 0 || decided) goto err;
    rc = ge_token_id(case_id, err);
    if (rc == GE_OK) rc = ge_case_write(st, c, in, case_id, at, err);
    if (rc == GE_OK) rc = ge_store_sql_exec(c, "COMMIT", err);
    if (rc == GE_OK) *outcome = GE_SUBMIT_CREATED;
err:
    /* A read-only decision, a failed write or a failed COMMIT: nothing of
     * this submission stays. (A SpatiaLite trigger may have rolled back
     * already; then there is no transaction left to end.) */
    if (c && !sqlite3_get_autocommit(c->db)) ge_store_sql_exec(c, "ROLLBACK", NULL);
    if (rc < 0) case_id[0] = '\0';
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_case_by_key(ge_store *st, int64_t client_id, const char *key,
                                 const char *request_hash, char case_id[40], bool *same_request,
                                 ge_err *err)
{
    ge_conn *c = NULL;
    int rc = ge_store_acquire(st, &c, err);

    case_id[0] = '\0';
    *same_request = false;
    if (rc == GE_OK)
        rc = ge_case_key_lookup(c, client_id, key, request_hash, case_id, same_request, err);
    ge_store_release(st, c);
    return rc;
}

int ge_store_case_from_row(sqlite3_stmt *s, ge_case *out, ge_err *err)
{
    ge_store_copy_text(out->id, sizeof out->id, sqlite3_column_text(s, 0));
    out->client_id = sqlite3_column_int64(s, 1);
    ge_store_copy_text(out->draft_id, sizeof out->draft_id, sqlite3_column_text(s, 2));
    ge_store_copy_text(out->service, sizeof out->service, sqlite3_column_text(s, 3));
    ge_store_copy_text(out->reference, sizeof out->reference, sqlite3_column_text(s, 4));
    out->applicant =
        strdup(sqlite3_column_text(s, 5) ? (const char *)sqlite3_column_text(s, 5) : "{}");
    ge_store_copy_text(out->period_start, sizeof out->period_start, sqlite3_column_text(s, 6));
    ge_store_copy_text(out->period_end, sizeof out->period_end, sqlite3_column_text(s, 7));
    ge_store_copy_text(out->status, sizeof out->status, sqlite3_column_text(s, 8));
    out->report =
        strdup(sqlite3_column_text(s, 9) ? (const char *)sqlite3_column_text(s, 9) : "null");
    ge_store_copy_text(out->content_hash, sizeof out->content_hash, sqlite3_column_text(s, 10));
    ge_store_copy_text(out->created_at, sizeof out->created_at, sqlite3_column_text(s, 11));
    ge_store_copy_text(out->updated_at, sizeof out->updated_at, sqlite3_column_text(s, 12));
    out->version = sqlite3_column_int64(s, 13);
    if (!out->applicant || !out->report) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    return GE_OK;
}

int ge_store_case_select_one(ge_conn *c, const char *sql, const char *id, ge_case *out,
                             sqlite3_stmt **s, ge_err *err)
{
    int rc = ge_store_sql_prepare(c, sql, s, err);

    if (rc < 0) return rc;
    sqlite3_bind_text(*s, 1, id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(*s);
    if (rc == SQLITE_DONE) return ge_err_set(err, GE_ENOENT, "no such case");
    if (rc != SQLITE_ROW) return ge_store_sql_err(err, c->db, rc, "reading a case");
    return ge_store_case_from_row(*s, out, err);
}

/* The case sql (one ?1 = id) selects, on a connection of its own. */
static int ge_case_get_by(ge_store *st, const char *sql, const char *id, ge_case *out, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc = ge_store_acquire(st, &c, err);

    memset(out, 0, sizeof *out);
    if (rc == GE_OK) rc = ge_store_case_select_one(c, sql, id, out, &s, err);
    if (rc < 0) ge_case_clear(out);
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_case_get(ge_store *st, const char *id, ge_case *out, ge_err *err)
{
    return ge_case_get_by(st,
                          "SELECT " GE_STORE_CASE_COLUMNS " FROM cases"
                          " WHERE id = ?1 AND purged_at IS NULL",
                          id, out, err);
}

static int ge_sqlite_case_by_draft(ge_store *st, const char *draft_id, ge_case *out, ge_err *err)
{
    return ge_case_get_by(st,
                          "SELECT " GE_STORE_CASE_COLUMNS " FROM cases"
                          " WHERE draft_id = ?1 AND purged_at IS NULL",
                          draft_id, out, err);
}

static int ge_sqlite_case_features(ge_store *st, const char *id, ge_feature_cb cb, void *ud,
                                   ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc = ge_store_acquire(st, &c, err);

    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(c,
                              "SELECT idx, AsBinary(geometry), props FROM case_features"
                              " WHERE case_id = ?1 ORDER BY idx",
                              &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int cb_rc = cb(ud, sqlite3_column_int64(s, 0), sqlite3_column_blob(s, 1),
                       (size_t)sqlite3_column_bytes(s, 1), (const char *)sqlite3_column_text(s, 2));
        if (cb_rc != 0) {
            rc = cb_rc;
            goto err;
        }
    }
    rc = rc == SQLITE_DONE ? GE_OK : ge_store_sql_err(err, c->db, rc, "reading case features");
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_cases_near(ge_store *st, const double bbox[4], const char *exclude_draft_id,
                                size_t limit, ge_case_near_cb cb, void *ud, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc = ge_store_acquire(st, &c, err);

    if (rc < 0) goto err;
    /* Straight to the R*Tree that CreateSpatialIndex made, as the layer
     * queries do: cheaper than SpatiaLite's SpatialIndex virtual table. */
    rc = ge_store_sql_prepare(c,
                              "SELECT k.id, k.service, k.period_start, k.period_end,"
                              " AsBinary(f.geometry)"
                              " FROM case_features f JOIN cases k ON k.id = f.case_id"
                              " WHERE f.fid IN (SELECT pkid FROM idx_case_features_geometry"
                              "   WHERE xmin <= ?3 AND xmax >= ?1 AND ymin <= ?4 AND ymax >= ?2)"
                              " AND k.status <> 'rejected'"
                              " AND (?5 IS NULL OR k.draft_id IS NOT ?5)"
                              " ORDER BY k.created_at LIMIT ?6",
                              &s, err);
    if (rc < 0) goto err;
    for (int i = 0; i < 4; i++)
        sqlite3_bind_double(s, i + 1, bbox[i]);
    if (exclude_draft_id) sqlite3_bind_text(s, 5, exclude_draft_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)limit);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int cb_rc =
            cb(ud, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
               (const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
               sqlite3_column_blob(s, 4), (size_t)sqlite3_column_bytes(s, 4));
        if (cb_rc != 0) {
            rc = cb_rc;
            goto err;
        }
    }
    rc = rc == SQLITE_DONE ? GE_OK : ge_store_sql_err(err, c->db, rc, "finding cases near by");
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

const ge_store_cases_ops ge_sqlite_cases_ops = {
    .case_submit = ge_sqlite_case_submit,
    .case_by_key = ge_sqlite_case_by_key,
    .case_get = ge_sqlite_case_get,
    .case_by_draft = ge_sqlite_case_by_draft,
    .case_features = ge_sqlite_case_features,
    .cases_near = ge_sqlite_cases_near,
};
