/*
 * pg_drafts.c - drafts in the PostGIS store (store_forms.h): one editing
 * session of an applicant, opened by a form server and reached by a
 * capability token that the store knows only as a hash; the same answers
 * as sqlite/store_drafts.c.
 *
 * Whether a draft may still be changed is decided inside the UPDATE itself
 * (submitted_at IS NULL AND expires_at > now), not by a read before it, so
 * an autosave racing a submission - on this instance or another - can never
 * write into a submitted draft: PostgreSQL re-checks the condition on the
 * row it locks. features is a json column, which keeps its text as given;
 * json has no equality, so comparisons go through ::text.
 */
#include "date.h"
#include "pg_store.h"
#include "store_forms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GE_DRAFT_EMPTY "{\"type\":\"FeatureCollection\",\"features\":[]}"

static int ge_pg_draft_create(ge_store *st, const ge_draft *d, const char *token_hash, time_t now,
                              ge_err *err)
{
    PGconn *c = NULL;
    char at[GE_DATE_UTC_LEN], client[24];
    int rc = ge_pg_acquire(st, &c, err);

    if (rc < 0) return rc;
    ge_date_utc(now, at);
    snprintf(client, sizeof client, "%lld", (long long)d->client_id);
    const char *p[] = {d->id,
                       client,
                       d->service,
                       ge_pg_opt(d->reference),
                       d->locale[0] ? d->locale : "de",
                       ge_pg_opt(d->period_start),
                       ge_pg_opt(d->period_end),
                       d->features ? d->features : GE_DRAFT_EMPTY,
                       token_hash,
                       d->expires_at,
                       at,
                       d->period_editable ? "1" : "0"};
    rc = ge_pg_exec(c, "creating a draft",
                    "INSERT INTO drafts (id, client_id, service, reference, locale,"
                    " period_start, period_end, features, token_hash, expires_at,"
                    " created_at, updated_at, period_editable)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::json, $9, $10, $11, $11, $12)",
                    12, p, NULL, err);
    ge_pg_release(st, c);
    return rc;
}

#define GE_DRAFT_COLUMNS                                                                           \
    "id, client_id, service, reference, locale, period_start, period_end, features,"               \
    " expires_at, submitted_at, created_at, updated_at, period_editable"

static int ge_draft_from_row(const PGresult *r, ge_draft *out, ge_err *err)
{
    int rc = GE_OK;
    ge_pg_copy_text(out->id, sizeof out->id, r, 0, 0);
    out->client_id = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    ge_pg_copy_text(out->service, sizeof out->service, r, 0, 2);
    ge_pg_copy_text(out->reference, sizeof out->reference, r, 0, 3);
    ge_pg_copy_text(out->locale, sizeof out->locale, r, 0, 4);
    ge_pg_copy_text(out->period_start, sizeof out->period_start, r, 0, 5);
    ge_pg_copy_text(out->period_end, sizeof out->period_end, r, 0, 6);
    out->features =
        PQgetisnull(r, 0, 7) ? strdup(GE_DRAFT_EMPTY) : ge_pg_dup_text(r, 0, 7, &rc, err);
    ge_pg_copy_text(out->expires_at, sizeof out->expires_at, r, 0, 8);
    ge_pg_copy_text(out->submitted_at, sizeof out->submitted_at, r, 0, 9);
    ge_pg_copy_text(out->created_at, sizeof out->created_at, r, 0, 10);
    ge_pg_copy_text(out->updated_at, sizeof out->updated_at, r, 0, 11);
    out->period_editable = strtol(PQgetvalue(r, 0, 12), NULL, 10) != 0;
    if (!out->features) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    return rc;
}

/* One draft by a text column (id or token_hash). */
static int ge_draft_get_by(ge_store *st, const char *sql, const char *arg, ge_draft *out,
                           ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    int rc = ge_pg_acquire(st, &c, err);

    memset(out, 0, sizeof *out);
    if (rc < 0) return rc;
    const char *p[] = {arg};
    rc = ge_pg_exec(c, "reading a draft", sql, 1, p, &r, err);
    ge_pg_release(st, c);
    if (rc == GE_OK && PQntuples(r) == 0)
        rc = ge_err_set(err, GE_ENOENT, "no such draft");
    else if (rc == GE_OK)
        rc = ge_draft_from_row(r, out, err);
    PQclear(r);
    if (rc < 0) ge_draft_clear(out);
    return rc;
}

static int ge_pg_draft_get(ge_store *st, const char *id, ge_draft *out, ge_err *err)
{
    return ge_draft_get_by(st, "SELECT " GE_DRAFT_COLUMNS " FROM drafts WHERE id = $1", id, out,
                           err);
}

static int ge_pg_draft_by_token(ge_store *st, const char *token_hash, ge_draft *out, ge_err *err)
{
    return ge_draft_get_by(st, "SELECT " GE_DRAFT_COLUMNS " FROM drafts WHERE token_hash = $1",
                           token_hash, out, err);
}

/* Runs a guarded UPDATE of one draft; *changed tells whether it hit it. */
static int ge_draft_update_one(PGconn *c, const char *what, const char *sql, int n,
                               const char *const *p, bool *changed, ge_err *err)
{
    PGresult *r = NULL;
    int rc = ge_pg_exec(c, what, sql, n, p, &r, err);
    *changed = rc == GE_OK && strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    return rc;
}

/* Why an UPDATE guarded by id changed no row: GE_ENOENT, GE_EGONE, or
 * GE_ECONFLICT when the draft is open (so the guard's state was stale). */
static int ge_draft_why_unchanged(PGconn *c, const char *id, const char *now, ge_err *err)
{
    PGresult *r = NULL;
    const char *p[] = {id, now};
    int rc = ge_pg_exec(c, "reading a draft",
                        "SELECT submitted_at IS NULL AND expires_at > $2 FROM drafts"
                        " WHERE id = $1",
                        2, p, &r, err);
    if (rc == GE_OK && PQntuples(r) == 0)
        rc = ge_err_set(err, GE_ENOENT, "no such draft");
    else if (rc == GE_OK)
        rc = strcmp(PQgetvalue(r, 0, 0), "t") == 0
                 ? ge_err_set(err, GE_ECONFLICT, "the draft changed meanwhile")
                 : ge_err_set(err, GE_EGONE, "the draft was submitted or has expired");
    PQclear(r);
    return rc;
}

static int ge_pg_draft_save(ge_store *st, const char *id, const char *features_json,
                            const char *validation_json, time_t now, char updated_at[32],
                            ge_err *err)
{
    PGconn *c = NULL;
    int64_t exists = 0;
    bool changed = false;
    int rc = ge_pg_acquire(st, &c, err);

    if (rc < 0) return rc;
    ge_date_utc(now, updated_at);
    const char *p[] = {features_json, ge_pg_opt(validation_json), updated_at, id};
    rc = ge_draft_update_one(c, "saving a draft",
                             "UPDATE drafts SET features = $1::json, validation = $2::json,"
                             " updated_at = $3"
                             " WHERE id = $4 AND submitted_at IS NULL AND expires_at > $3",
                             4, p, &changed, err);
    if (rc == GE_OK && !changed) {
        rc = ge_pg_int(c, "saving a draft", "SELECT count(*) FROM drafts WHERE id = $1", id,
                       &exists, err);
        if (rc == GE_OK)
            rc = exists ? ge_err_set(err, GE_EGONE, "the draft was submitted or has expired")
                        : ge_err_set(err, GE_ENOENT, "no such draft");
    }
    ge_pg_release(st, c);
    return rc;
}

static int ge_pg_draft_set_period(ge_store *st, const char *id, const char *start, const char *end,
                                  const char *validation_json, time_t now, char updated_at[32],
                                  ge_err *err)
{
    PGconn *c = NULL;
    bool changed = false;
    int rc = ge_pg_acquire(st, &c, err);

    if (rc < 0) return rc;
    ge_date_utc(now, updated_at);
    const char *p[] = {ge_pg_opt(start), ge_pg_opt(end), ge_pg_opt(validation_json), updated_at,
                       id};
    rc = ge_draft_update_one(c, "changing a draft's period",
                             "UPDATE drafts SET period_start = $1, period_end = $2,"
                             " validation = $3::json, updated_at = $4"
                             " WHERE id = $5 AND submitted_at IS NULL AND expires_at > $4"
                             " AND period_editable = 1",
                             5, p, &changed, err);
    /* no row: unknown, closed, or open but (now) without the permission */
    if (rc == GE_OK && !changed) {
        rc = ge_draft_why_unchanged(c, id, updated_at, err);
        if (rc == GE_ECONFLICT)
            rc = ge_err_set(err, GE_ECONFLICT,
                            "the draft does not let the applicant change the period");
    }
    ge_pg_release(st, c);
    return rc;
}

static int ge_pg_draft_update(ge_store *st, const ge_draft *from, const ge_draft *to, time_t now,
                              char updated_at[32], ge_err *err)
{
    PGconn *c = NULL;
    bool changed = false;
    int rc = ge_pg_acquire(st, &c, err);

    if (rc < 0) return rc;
    ge_date_utc(now, updated_at);
    const char *p[] = {ge_pg_opt(to->reference),
                       to->locale[0] ? to->locale : "de",
                       ge_pg_opt(to->period_start),
                       ge_pg_opt(to->period_end),
                       to->features ? to->features : GE_DRAFT_EMPTY,
                       updated_at,
                       from->id,
                       ge_pg_opt(from->reference),
                       from->locale,
                       ge_pg_opt(from->period_start),
                       ge_pg_opt(from->period_end),
                       from->features ? from->features : GE_DRAFT_EMPTY,
                       to->period_editable ? "1" : "0",
                       from->period_editable ? "1" : "0"};
    rc = ge_draft_update_one(
        c, "changing a draft",
        "UPDATE drafts SET reference = $1, locale = $2, period_start = $3, period_end = $4,"
        " features = $5::json,"
        " validation = CASE WHEN features::text = $5::text"
        " AND period_start IS NOT DISTINCT FROM $3::text"
        " AND period_end IS NOT DISTINCT FROM $4::text THEN validation ELSE NULL END,"
        " updated_at = $6, period_editable = $13::integer"
        " WHERE id = $7 AND submitted_at IS NULL AND expires_at > $6"
        " AND reference IS NOT DISTINCT FROM $8::text AND locale = $9"
        " AND period_start IS NOT DISTINCT FROM $10::text"
        " AND period_end IS NOT DISTINCT FROM $11::text"
        " AND features::text = $12::text AND period_editable = $14::integer",
        14, p, &changed, err);
    if (rc == GE_OK && !changed) rc = ge_draft_why_unchanged(c, from->id, updated_at, err);
    ge_pg_release(st, c);
    return rc;
}

const ge_store_drafts_ops ge_pg_drafts_ops = {
    .draft_create = ge_pg_draft_create,
    .draft_get = ge_pg_draft_get,
    .draft_by_token = ge_pg_draft_by_token,
    .draft_save = ge_pg_draft_save,
    .draft_set_period = ge_pg_draft_set_period,
    .draft_update = ge_pg_draft_update,
};
