/*
 * store_drafts.c - drafts in the store (store_forms.h): one editing session of
 * an applicant, opened by a form server and reached by a capability token
 * that the store knows only as a hash.
 *
 * Whether a draft may still be changed is decided inside the UPDATE itself
 * (submitted_at IS NULL AND expires_at > now), not by a read before it, so an
 * autosave racing a submission can never write into a submitted draft.
 */
#include "store_forms.h"
#include "sqlite_internal.h"

#include <stdlib.h>
#include <string.h>

#define GE_DRAFT_EMPTY "{\"type\":\"FeatureCollection\",\"features\":[]}"

static int ge_sqlite_draft_create(ge_store *st, const ge_draft *d, const char *token_hash,
                                  time_t now, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char at[GE_DATE_UTC_LEN];
    int rc = ge_store_acquire(st, &c, err);

    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(c,
                              "INSERT INTO drafts (id, client_id, service, reference, locale,"
                              " period_start, period_end, features, token_hash, expires_at,"
                              " created_at, updated_at, period_editable)"
                              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12)",
                              &s, err);
    if (rc < 0) goto err;
    ge_date_utc(now, at);
    sqlite3_bind_text(s, 1, d->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, d->client_id);
    sqlite3_bind_text(s, 3, d->service, -1, SQLITE_TRANSIENT);
    ge_store_bind_opt(s, 4, d->reference);
    sqlite3_bind_text(s, 5, d->locale[0] ? d->locale : "de", -1, SQLITE_TRANSIENT);
    ge_store_bind_opt(s, 6, d->period_start);
    ge_store_bind_opt(s, 7, d->period_end);
    sqlite3_bind_text(s, 8, d->features ? d->features : GE_DRAFT_EMPTY, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 9, token_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 10, d->expires_at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 11, at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 12, d->period_editable ? 1 : 0);
    rc = sqlite3_step(s);
    rc = rc == SQLITE_DONE ? GE_OK : ge_store_sql_err(err, c->db, rc, "creating a draft");
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

#define GE_DRAFT_COLUMNS                                                                           \
    "id, client_id, service, reference, locale, period_start, period_end, features,"               \
    " expires_at, submitted_at, created_at, updated_at, period_editable"

static int ge_draft_from_row(sqlite3_stmt *s, ge_draft *out, ge_err *err)
{
    const unsigned char *f = sqlite3_column_text(s, 7);
    ge_store_copy_text(out->id, sizeof out->id, sqlite3_column_text(s, 0));
    out->client_id = sqlite3_column_int64(s, 1);
    ge_store_copy_text(out->service, sizeof out->service, sqlite3_column_text(s, 2));
    ge_store_copy_text(out->reference, sizeof out->reference, sqlite3_column_text(s, 3));
    ge_store_copy_text(out->locale, sizeof out->locale, sqlite3_column_text(s, 4));
    ge_store_copy_text(out->period_start, sizeof out->period_start, sqlite3_column_text(s, 5));
    ge_store_copy_text(out->period_end, sizeof out->period_end, sqlite3_column_text(s, 6));
    out->features = strdup(f ? (const char *)f : GE_DRAFT_EMPTY);
    ge_store_copy_text(out->expires_at, sizeof out->expires_at, sqlite3_column_text(s, 8));
    ge_store_copy_text(out->submitted_at, sizeof out->submitted_at, sqlite3_column_text(s, 9));
    ge_store_copy_text(out->created_at, sizeof out->created_at, sqlite3_column_text(s, 10));
    ge_store_copy_text(out->updated_at, sizeof out->updated_at, sqlite3_column_text(s, 11));
    out->period_editable = sqlite3_column_int(s, 12) != 0;
    if (!out->features) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    return GE_OK;
}

/* One draft by a text column (id or token_hash). */
static int ge_draft_get_by(ge_store *st, const char *sql, const char *arg, ge_draft *out,
                           ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc = ge_store_acquire(st, &c, err);

    memset(out, 0, sizeof *out);
    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(c, sql, &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        rc = ge_draft_from_row(s, out, err);
    else if (rc == SQLITE_DONE)
        rc = ge_err_set(err, GE_ENOENT, "no such draft");
    else
        rc = ge_store_sql_err(err, c->db, rc, "reading a draft");
err:
    if (rc < 0) ge_draft_clear(out);
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_draft_get(ge_store *st, const char *id, ge_draft *out, ge_err *err)
{
    return ge_draft_get_by(st, "SELECT " GE_DRAFT_COLUMNS " FROM drafts WHERE id = ?1", id, out,
                           err);
}

static int ge_sqlite_draft_by_token(ge_store *st, const char *token_hash, ge_draft *out,
                                    ge_err *err)
{
    return ge_draft_get_by(st, "SELECT " GE_DRAFT_COLUMNS " FROM drafts WHERE token_hash = ?1",
                           token_hash, out, err);
}

static int ge_sqlite_draft_save(ge_store *st, const char *id, const char *features_json,
                                const char *validation_json, time_t now, char updated_at[32],
                                ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int64_t exists = 0;
    int rc = ge_store_acquire(st, &c, err);

    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(c,
                              "UPDATE drafts SET features = ?1, validation = ?2, updated_at = ?3"
                              " WHERE id = ?4 AND submitted_at IS NULL AND expires_at > ?3",
                              &s, err);
    if (rc < 0) goto err;
    ge_date_utc(now, updated_at);
    sqlite3_bind_text(s, 1, features_json, -1, SQLITE_TRANSIENT);
    ge_store_bind_opt(s, 2, validation_json);
    sqlite3_bind_text(s, 3, updated_at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "saving a draft");
        goto err;
    }
    if (sqlite3_changes(c->db) == 1) {
        rc = GE_OK;
        goto err;
    }
    rc = ge_store_sql_int(c, "SELECT count(*) FROM drafts WHERE id = ?1", id, &exists, err);
    if (rc == GE_OK)
        rc = exists ? ge_err_set(err, GE_EGONE, "the draft was submitted or has expired")
                    : ge_err_set(err, GE_ENOENT, "no such draft");
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

/* Why an UPDATE guarded by id changed no row: GE_ENOENT, GE_EGONE, or
 * GE_ECONFLICT when the draft is open (so the guard's state was stale). */
static int ge_draft_why_unchanged(ge_conn *c, const char *id, const char *now, ge_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = ge_store_sql_prepare(c,
                                  "SELECT submitted_at IS NULL AND expires_at > ?2 FROM drafts"
                                  " WHERE id = ?1",
                                  &s, err);
    if (rc < 0) return rc;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, now, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        rc = sqlite3_column_int(s, 0)
                 ? ge_err_set(err, GE_ECONFLICT, "the draft changed meanwhile")
                 : ge_err_set(err, GE_EGONE, "the draft was submitted or has expired");
    else if (rc == SQLITE_DONE)
        rc = ge_err_set(err, GE_ENOENT, "no such draft");
    else
        rc = ge_store_sql_err(err, c->db, rc, "reading a draft");
    sqlite3_finalize(s);
    return rc;
}

static int ge_sqlite_draft_set_period(ge_store *st, const char *id, const char *start,
                                      const char *end, const char *validation_json, time_t now,
                                      char updated_at[32], ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc = ge_store_acquire(st, &c, err);

    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(c,
                              "UPDATE drafts SET period_start = ?1, period_end = ?2,"
                              " validation = ?3, updated_at = ?4"
                              " WHERE id = ?5 AND submitted_at IS NULL AND expires_at > ?4"
                              " AND period_editable = 1",
                              &s, err);
    if (rc < 0) goto err;
    ge_date_utc(now, updated_at);
    ge_store_bind_opt(s, 1, start);
    ge_store_bind_opt(s, 2, end);
    ge_store_bind_opt(s, 3, validation_json);
    sqlite3_bind_text(s, 4, updated_at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "changing a draft's period");
        goto err;
    }
    /* no row: unknown, closed, or open but (now) without the permission */
    rc = sqlite3_changes(c->db) == 1 ? GE_OK : ge_draft_why_unchanged(c, id, updated_at, err);
    if (rc == GE_ECONFLICT)
        rc =
            ge_err_set(err, GE_ECONFLICT, "the draft does not let the applicant change the period");
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_draft_update(ge_store *st, const ge_draft *from, const ge_draft *to,
                                  time_t now, char updated_at[32], ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc = ge_store_acquire(st, &c, err);

    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(
        c,
        "UPDATE drafts SET reference = ?1, locale = ?2, period_start = ?3, period_end = ?4,"
        " features = ?5,"
        " validation = CASE WHEN features IS ?5 AND period_start IS ?3 AND period_end IS ?4"
        " THEN validation ELSE NULL END,"
        " updated_at = ?6, period_editable = ?13"
        " WHERE id = ?7 AND submitted_at IS NULL AND expires_at > ?6"
        " AND reference IS ?8 AND locale IS ?9 AND period_start IS ?10 AND period_end IS ?11"
        " AND coalesce(features, '" GE_DRAFT_EMPTY "') = ?12 AND period_editable = ?14",
        &s, err);
    if (rc < 0) goto err;
    ge_date_utc(now, updated_at);
    ge_store_bind_opt(s, 1, to->reference);
    sqlite3_bind_text(s, 2, to->locale[0] ? to->locale : "de", -1, SQLITE_TRANSIENT);
    ge_store_bind_opt(s, 3, to->period_start);
    ge_store_bind_opt(s, 4, to->period_end);
    sqlite3_bind_text(s, 5, to->features ? to->features : GE_DRAFT_EMPTY, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 6, updated_at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 7, from->id, -1, SQLITE_TRANSIENT);
    ge_store_bind_opt(s, 8, from->reference);
    sqlite3_bind_text(s, 9, from->locale, -1, SQLITE_TRANSIENT);
    ge_store_bind_opt(s, 10, from->period_start);
    ge_store_bind_opt(s, 11, from->period_end);
    sqlite3_bind_text(s, 12, from->features ? from->features : GE_DRAFT_EMPTY, -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 13, to->period_editable ? 1 : 0);
    sqlite3_bind_int(s, 14, from->period_editable ? 1 : 0);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "changing a draft");
        goto err;
    }
    rc = sqlite3_changes(c->db) == 1 ? GE_OK : ge_draft_why_unchanged(c, from->id, updated_at, err);
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

const ge_store_drafts_ops ge_sqlite_drafts_ops = {
    .draft_create = ge_sqlite_draft_create,
    .draft_get = ge_sqlite_draft_get,
    .draft_by_token = ge_sqlite_draft_by_token,
    .draft_save = ge_sqlite_draft_save,
    .draft_set_period = ge_sqlite_draft_set_period,
    .draft_update = ge_sqlite_draft_update,
};
