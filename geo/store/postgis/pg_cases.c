/*
 * pg_cases.c - cases in the PostGIS store (store_forms.h): the submission
 * of a draft as one transaction, and reading a case and its features back;
 * the same answers as sqlite/store_cases.c.
 *
 * SQLite's submission takes the one write lock and then checks the key.
 * Here two instances may submit with the same (client, key) at once, so the
 * key is claimed first, by inserting it: INSERT ... ON CONFLICT (client_id,
 * key) DO NOTHING RETURNING. PostgreSQL makes a second inserter of the key
 * wait until the first one's transaction ends; when it committed, nothing
 * comes back and the row that won is read (a replay or a reused key), when
 * it rolled back, the second one claims the key. The claimed key points at
 * no case until the case is written (its case_id is set at the end, the
 * foreign key allows NULL). Then the draft is locked (SELECT ... FOR
 * UPDATE), so two submissions of one draft under different keys are
 * serialised too and the second sees submitted_at. Event ids follow commit
 * order (pg_case_events.h).
 */
#include "date.h"
#include "pg_case_events.h"
#include "pg_store.h"
#include "store_forms.h"
#include "token.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The key's row as the winner left it: GE_OK with its case, GE_ENOENT when
 * there is none (as sqlite/store_cases.c's ge_case_key_lookup). */
static int ge_pg_key_lookup(PGconn *c, const char *client, const char *key,
                            const char *request_hash, char case_id[40], bool *same_request,
                            ge_err *err)
{
    PGresult *r = NULL;
    const char *p[] = {client, key};
    int rc = ge_pg_exec(c, "reading an idempotency key",
                        "SELECT case_id, request_hash FROM idempotency_keys"
                        " WHERE client_id = $1 AND key = $2",
                        2, p, &r, err);
    if (rc < 0) return rc;
    if (PQntuples(r) == 0) {
        rc = ge_err_set(err, GE_ENOENT, "the idempotency key is unused");
    } else {
        ge_pg_copy_text(case_id, 40, r, 0, 0);
        *same_request = !PQgetisnull(r, 0, 1) && strcmp(PQgetvalue(r, 0, 1), request_hash) == 0;
    }
    PQclear(r);
    return rc;
}

/* Claims the key for this transaction: *claimed false (and the outcome
 * decided) when a committed submission holds it. A key seen taken and then
 * gone when read (the retention purge deleted it in between) is claimed
 * again. */
static int ge_pg_key_claim(PGconn *c, const ge_case_submit *in, const char *client, const char *now,
                           bool *claimed, ge_submit_outcome *outcome, char case_id[40], ge_err *err)
{
    const char *p[] = {client, in->idempotency_key, in->request_hash, now};
    int rc = GE_OK;

    for (int attempt = 0; attempt < 3; attempt++) {
        PGresult *r = NULL;
        bool same = false;
        rc = ge_pg_exec(c, "claiming the idempotency key",
                        "INSERT INTO idempotency_keys (client_id, key, case_id, request_hash,"
                        " created_at) VALUES ($1, $2, NULL, $3, $4)"
                        " ON CONFLICT (client_id, key) DO NOTHING RETURNING 1",
                        4, p, &r, err);
        if (rc < 0) return rc;
        *claimed = PQntuples(r) == 1;
        PQclear(r);
        if (*claimed) return GE_OK;
        rc =
            ge_pg_key_lookup(c, client, in->idempotency_key, in->request_hash, case_id, &same, err);
        if (rc == GE_OK) *outcome = same ? GE_SUBMIT_REPLAYED : GE_SUBMIT_KEY_REUSED;
        if (rc != GE_ENOENT) return rc;
        ge_err_clear(err);
    }
    return rc;
}

/* Locks the draft and decides from it: *decided when it cannot become a
 * case (submitted, expired, changed since validation). */
static int ge_pg_draft_check(PGconn *c, const ge_case_submit *in, const char *client,
                             const char *now, bool *decided, ge_submit_outcome *outcome,
                             ge_err *err)
{
    PGresult *r = NULL;
    const char *p[] = {in->draft_id, client, now, in->draft_features};
    int rc = ge_pg_exec(c, "reading the draft",
                        "SELECT submitted_at IS NOT NULL, expires_at <= $3, features::text = $4"
                        " FROM drafts WHERE id = $1 AND client_id = $2 FOR UPDATE",
                        4, p, &r, err);
    *decided = false;
    if (rc < 0) return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return ge_err_set(err, GE_ENOENT, "no such draft");
    }
    *decided = true;
    if (strcmp(PQgetvalue(r, 0, 0), "t") == 0)
        *outcome = GE_SUBMIT_DRAFT_SUBMITTED;
    else if (strcmp(PQgetvalue(r, 0, 1), "t") == 0)
        *outcome = GE_SUBMIT_DRAFT_EXPIRED;
    else if (strcmp(PQgetvalue(r, 0, 2), "t") != 0)
        *outcome = GE_SUBMIT_DRAFT_CHANGED;
    else
        *decided = false;
    PQclear(r);
    return GE_OK;
}

static int ge_pg_case_write(ge_store *st, PGconn *c, const ge_case_submit *in, const char *client,
                            const char *case_id, const char *now, ge_err *err)
{
    char srid[16], idx[24];
    const char *pc[] = {case_id,
                        client,
                        in->draft_id,
                        in->service,
                        ge_pg_opt(in->reference),
                        in->applicant_json ? in->applicant_json : "{}",
                        ge_pg_opt(in->period_start),
                        ge_pg_opt(in->period_end),
                        in->report_json,
                        in->content_hash,
                        now};
    int rc = ge_pg_exec(c, "writing the case",
                        "INSERT INTO cases (id, client_id, draft_id, service, reference,"
                        " applicant, period_start, period_end, status, report,"
                        " content_hash, created_at, updated_at)"
                        " VALUES ($1, $2, $3, $4, $5, $6::json, $7, $8, 'received', $9::json,"
                        " $10, $11, $11)",
                        11, pc, NULL, err);
    if (rc < 0) return rc;

    snprintf(srid, sizeof srid, "%d", ge_store_srid(st));
    for (size_t i = 0; rc == GE_OK && i < in->nfeatures; i++) {
        const ge_case_feature *f = &in->features[i];
        if (f->wkb_len > INT32_MAX)
            return ge_err_set(err, GE_ELIMIT, "feature %zu: geometry too large", i);
        char *hex = ge_pg_wkb_hex(f->wkb, f->wkb_len, err);
        if (!hex) return GE_ENOMEM;
        snprintf(idx, sizeof idx, "%zu", i);
        const char *pf[] = {case_id, idx, f->props_json ? f->props_json : "{}", hex, srid};
        /* ST_Force2D as SQLite's CastToXY: the column is XY. */
        rc = ge_pg_exec(c, "writing a case feature",
                        "INSERT INTO case_features (case_id, idx, props, geometry)"
                        " VALUES ($1, $2, $3::json,"
                        " ST_Force2D(ST_GeomFromWKB(decode($4, 'hex'), $5::integer)))",
                        5, pf, NULL, err);
        free(hex);
    }
    if (rc < 0) return rc;

    rc = ge_pg_case_events_lock(c, err);
    if (rc < 0) return rc;
    const char *pe[] = {case_id, now, in->actor ? in->actor : "client"};
    rc = ge_pg_exec(c, "writing the case event",
                    "INSERT INTO case_events (case_id, at, actor, action, to_status)"
                    " VALUES ($1, $2, $3, 'submitted', 'received')",
                    3, pe, NULL, err);
    if (rc < 0) return rc;

    const char *pk[] = {client, in->idempotency_key, case_id};
    rc = ge_pg_exec(c, "writing the idempotency key",
                    "UPDATE idempotency_keys SET case_id = $3 WHERE client_id = $1 AND key = $2", 3,
                    pk, NULL, err);
    if (rc < 0) return rc;

    const char *pd[] = {now, in->draft_id};
    return ge_pg_exec(c, "marking the draft submitted",
                      "UPDATE drafts SET submitted_at = $1, updated_at = $1 WHERE id = $2", 2, pd,
                      NULL, err);
}

static int ge_pg_case_submit(ge_store *st, const ge_case_submit *in, time_t now,
                             ge_submit_outcome *outcome, char case_id[40], ge_err *err)
{
    PGconn *c = NULL;
    char at[GE_DATE_UTC_LEN], client[24];
    bool claimed = false, decided = false;
    int rc = ge_pg_acquire(st, &c, err);

    case_id[0] = '\0';
    if (rc < 0) return rc;
    ge_date_utc(now, at);
    snprintf(client, sizeof client, "%" PRId64, in->client_id);
    rc = ge_pg_exec(c, "starting a submission", "BEGIN", 0, NULL, NULL, err);
    if (rc == GE_OK) rc = ge_pg_key_claim(c, in, client, at, &claimed, outcome, case_id, err);
    if (rc < 0 || !claimed) goto end;
    rc = ge_pg_draft_check(c, in, client, at, &decided, outcome, err);
    if (rc < 0 || decided) goto end;
    rc = ge_token_id(case_id, err);
    if (rc == GE_OK) rc = ge_pg_case_write(st, c, in, client, case_id, at, err);
    if (rc == GE_OK) rc = ge_pg_exec(c, "committing the case", "COMMIT", 0, NULL, NULL, err);
    if (rc == GE_OK) {
        *outcome = GE_SUBMIT_CREATED;
        ge_pg_release(st, c);
        return GE_OK;
    }
end:
    /* A decision without writing, a failed write or a failed COMMIT:
     * nothing of this submission stays, not even the claimed key. */
    PQclear(PQexec(c, "ROLLBACK"));
    if (rc < 0) case_id[0] = '\0';
    ge_pg_release(st, c);
    return rc;
}

static int ge_pg_case_by_key(ge_store *st, int64_t client_id, const char *key,
                             const char *request_hash, char case_id[40], bool *same_request,
                             ge_err *err)
{
    PGconn *c = NULL;
    char client[24];
    int rc = ge_pg_acquire(st, &c, err);

    case_id[0] = '\0';
    *same_request = false;
    if (rc < 0) return rc;
    snprintf(client, sizeof client, "%" PRId64, client_id);
    rc = ge_pg_key_lookup(c, client, key, request_hash, case_id, same_request, err);
    ge_pg_release(st, c);
    return rc;
}

/* The columns of sqlite/store_case_row.h's GE_STORE_CASE_COLUMNS. */
#define GE_PG_CASE_COLUMNS                                                                         \
    "id, client_id, draft_id, service, reference, applicant, period_start, period_end, status,"    \
    " report, content_hash, created_at, updated_at, version"

static int ge_pg_case_from_row(const PGresult *r, ge_case *out, ge_err *err)
{
    int rc = GE_OK;
    ge_pg_copy_text(out->id, sizeof out->id, r, 0, 0);
    out->client_id = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    ge_pg_copy_text(out->draft_id, sizeof out->draft_id, r, 0, 2);
    ge_pg_copy_text(out->service, sizeof out->service, r, 0, 3);
    ge_pg_copy_text(out->reference, sizeof out->reference, r, 0, 4);
    out->applicant = PQgetisnull(r, 0, 5) ? strdup("{}") : ge_pg_dup_text(r, 0, 5, &rc, err);
    ge_pg_copy_text(out->period_start, sizeof out->period_start, r, 0, 6);
    ge_pg_copy_text(out->period_end, sizeof out->period_end, r, 0, 7);
    ge_pg_copy_text(out->status, sizeof out->status, r, 0, 8);
    out->report = PQgetisnull(r, 0, 9) ? strdup("null") : ge_pg_dup_text(r, 0, 9, &rc, err);
    ge_pg_copy_text(out->content_hash, sizeof out->content_hash, r, 0, 10);
    ge_pg_copy_text(out->created_at, sizeof out->created_at, r, 0, 11);
    ge_pg_copy_text(out->updated_at, sizeof out->updated_at, r, 0, 12);
    out->version = strtoll(PQgetvalue(r, 0, 13), NULL, 10);
    if (!out->applicant || !out->report) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    return rc;
}

/* The case sql ($1 = id) selects. */
static int ge_pg_case_get_by(ge_store *st, const char *sql, const char *id, ge_case *out,
                             ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    int rc = ge_pg_acquire(st, &c, err);

    memset(out, 0, sizeof *out);
    if (rc < 0) return rc;
    const char *p[] = {id};
    rc = ge_pg_exec(c, "reading a case", sql, 1, p, &r, err);
    ge_pg_release(st, c);
    if (rc == GE_OK && PQntuples(r) == 0)
        rc = ge_err_set(err, GE_ENOENT, "no such case");
    else if (rc == GE_OK)
        rc = ge_pg_case_from_row(r, out, err);
    PQclear(r);
    if (rc < 0) ge_case_clear(out);
    return rc;
}

static int ge_pg_case_get(ge_store *st, const char *id, ge_case *out, ge_err *err)
{
    return ge_pg_case_get_by(st,
                             "SELECT " GE_PG_CASE_COLUMNS " FROM cases"
                             " WHERE id = $1 AND purged_at IS NULL",
                             id, out, err);
}

static int ge_pg_case_by_draft(ge_store *st, const char *draft_id, ge_case *out, ge_err *err)
{
    return ge_pg_case_get_by(st,
                             "SELECT " GE_PG_CASE_COLUMNS " FROM cases"
                             " WHERE draft_id = $1 AND purged_at IS NULL",
                             draft_id, out, err);
}

/* Row i's bytea column col as bytes (PQfreemem them); NULL for SQL NULL or
 * when memory runs out (*rc GE_ENOMEM then). */
static unsigned char *ge_pg_bytes(const PGresult *r, int i, int col, size_t *len, int *rc,
                                  ge_err *err)
{
    unsigned char *b;
    *len = 0;
    if (PQgetisnull(r, i, col)) return NULL;
    b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, col), len);
    if (!b) *rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
    return b;
}

static int ge_pg_case_features(ge_store *st, const char *id, ge_feature_cb cb, void *ud,
                               ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    int rc = ge_pg_acquire(st, &c, err);

    if (rc < 0) return rc;
    const char *p[] = {id};
    rc = ge_pg_exec(c, "reading case features",
                    "SELECT idx, ST_AsBinary(geometry), props FROM case_features"
                    " WHERE case_id = $1 ORDER BY idx",
                    1, p, &r, err);
    ge_pg_release(st, c);
    for (int i = 0; rc == GE_OK && i < PQntuples(r); i++) {
        size_t len = 0;
        unsigned char *wkb = ge_pg_bytes(r, i, 1, &len, &rc, err);
        if (rc < 0) break;
        int cb_rc = cb(ud, strtoll(PQgetvalue(r, i, 0), NULL, 10), wkb, len,
                       PQgetisnull(r, i, 2) ? NULL : PQgetvalue(r, i, 2));
        PQfreemem(wkb);
        if (cb_rc != 0) rc = cb_rc;
    }
    PQclear(r);
    return rc;
}

static int ge_pg_cases_near(ge_store *st, const double bbox[4], const char *exclude_draft_id,
                            size_t limit, ge_case_near_cb cb, void *ud, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    char b[4][32], srid[16], lim[24];
    int rc = ge_pg_acquire(st, &c, err);

    if (rc < 0) return rc;
    for (int i = 0; i < 4; i++)
        snprintf(b[i], sizeof b[i], "%.17g", bbox[i]);
    snprintf(srid, sizeof srid, "%d", ge_store_srid(st));
    snprintf(lim, sizeof lim, "%zu", limit);
    const char *p[] = {b[0], b[1], b[2], b[3], exclude_draft_id, lim, srid};
    /* && alone, as SQLite's R*Tree lookup: the boxes meet (the GiST
     * index); ties of created_at in insertion order. */
    rc = ge_pg_exec(c, "finding cases near by",
                    "SELECT k.id, k.service, k.period_start, k.period_end,"
                    " ST_AsBinary(f.geometry)"
                    " FROM case_features f JOIN cases k ON k.id = f.case_id"
                    " WHERE f.geometry && ST_MakeEnvelope($1::float8, $2::float8, $3::float8,"
                    "   $4::float8, $7::integer)"
                    " AND k.status <> 'rejected'"
                    " AND ($5::text IS NULL OR k.draft_id IS DISTINCT FROM $5::text)"
                    " ORDER BY k.created_at, k.seq, f.idx LIMIT $6::bigint",
                    7, p, &r, err);
    ge_pg_release(st, c);
    for (int i = 0; rc == GE_OK && i < PQntuples(r); i++) {
        size_t len = 0;
        unsigned char *wkb = ge_pg_bytes(r, i, 4, &len, &rc, err);
        if (rc < 0) break;
        int cb_rc = cb(ud, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                       PQgetisnull(r, i, 2) ? NULL : PQgetvalue(r, i, 2),
                       PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3), wkb, len);
        PQfreemem(wkb);
        if (cb_rc != 0) rc = cb_rc;
    }
    PQclear(r);
    return rc;
}

const ge_store_cases_ops ge_pg_cases_ops = {
    .case_submit = ge_pg_case_submit,
    .case_by_key = ge_pg_case_by_key,
    .case_get = ge_pg_case_get,
    .case_by_draft = ge_pg_case_by_draft,
    .case_features = ge_pg_case_features,
    .cases_near = ge_pg_cases_near,
};
