/*
 * pg_review.c - the caseworkers' read view of cases in the PostGIS store
 * (store_review.h): the filtered list, the counts of the morning view, a
 * case with its closing and purge dates, its history, and the cases that
 * conflict with it; the same answers and the same row order as
 * sqlite/store_review.c.
 *
 * As there, the list is one fixed statement whose conditions are switched
 * by bound parameters (NULL = no condition); lists travel as JSON array
 * text (json_array_elements_text); visibility is a condition of the same
 * statement. Spatial conditions go through the GiST index of case_features:
 * the bbox filter with && (box against box, as SpatiaLite's MbrIntersects),
 * the conflict rule with ST_DWithin (the exact distance, as ST_Distance <= d
 * after the R*Tree there). Orders end in the same unique tie-breaks (seq,
 * id), so that a page is the same rows in the same order on both stores;
 * reference order folds ASCII only, as NOCASE does (lower() under the C
 * collation of every text column).
 */
#include "pg_store.h"
#include "store_review.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Case folding for q, as GE_FOLD in sqlite/store_review.c: ASCII lower
 * case (lower() under "C") plus the German capital umlauts. */
#define GE_PG_FOLD(x)                                                                              \
    "lower(replace(replace(replace(" x ", 'Ä', 'ä'), 'Ö', 'ö'), 'Ü', 'ü') COLLATE \"C\")"

/* What q searches: the fields joined by a unit separator. */
#define GE_PG_REVIEW_TEXT                                                                          \
    "(k.id || chr(31) || coalesce(k.reference, '') || chr(31) ||"                                  \
    " coalesce(k.applicant->>'name', '') || chr(31) ||"                                            \
    " coalesce(k.applicant->>'email', '') || chr(31) ||"                                           \
    " coalesce(k.applicant->>'organisation', '') || chr(31) ||"                                    \
    " coalesce(k.applicant->>'organization', ''))"

/* The conditions of a case list; $1..$13 as ge_review_params fills them. */
#define GE_PG_REVIEW_WHERE                                                                         \
    " WHERE ($1::text IS NULL OR k.service IN (SELECT json_array_elements_text($1::json)))"        \
    " AND ($2::int = 1 OR k.service IN (SELECT json_array_elements_text($3::json)))"               \
    " AND ($4::text IS NULL OR k.status IN (SELECT json_array_elements_text($4::json)))"           \
    " AND ($5::text IS NULL OR k.period_end IS NULL OR k.period_end >= $5::text)"                  \
    " AND ($6::text IS NULL OR k.period_start IS NULL OR k.period_start <= $6::text)"              \
    " AND ($7::float8 IS NULL OR k.id IN (SELECT f.case_id FROM case_features f"                   \
    "   WHERE f.geometry && ST_MakeEnvelope($7::float8, $8::float8, $9::float8, $10::float8,"      \
    "     $13::int)))"                                                                             \
    " AND ($11::text IS NULL OR strpos(" GE_PG_FOLD(                                               \
        GE_PG_REVIEW_TEXT) ", $11::text) > 0)"                                                     \
                           " AND ($12::int = 1 OR k.purged_at IS NULL)"

#define GE_PG_REVIEW_NPARAMS 13

/* The text of the parameters $1..$13 of GE_PG_REVIEW_WHERE. */
typedef struct ge_review_params {
    const char *v[GE_PG_REVIEW_NPARAMS + 2]; /* + 2: room for a statement's own */
    char bbox[4][32];
    char srid[16];
} ge_review_params;

static void ge_review_params_fill(ge_store *st, const ge_case_filter *f,
                                  const ge_case_filter_params *p, ge_review_params *out)
{
    memset(out, 0, sizeof *out);
    out->v[0] = p->services;
    out->v[1] = f->admin ? "1" : "0";
    out->v[2] = p->allowed;
    out->v[3] = p->statuses;
    out->v[4] = f->from[0] ? f->from : NULL;
    out->v[5] = f->to[0] ? f->to : NULL;
    for (int i = 0; f->has_bbox && i < 4; i++) {
        snprintf(out->bbox[i], sizeof out->bbox[i], "%.17g", f->bbox[i]);
        out->v[6 + i] = out->bbox[i];
    }
    out->v[10] = p->q[0] ? p->q : NULL;
    out->v[11] = f->include_purged ? "1" : "0";
    snprintf(out->srid, sizeof out->srid, "%d", ge_store_srid(st));
    out->v[12] = out->srid;
}

/* The first feature's location sentence in a case's report (the measures
 * entry of feature 0), as text or NULL. */
#define GE_PG_REVIEW_LOCATION0                                                                     \
    "(SELECT m->>'location' FROM json_array_elements(CASE WHEN"                                    \
    "   json_typeof(k.report->'measures') = 'array' THEN k.report->'measures' END) m"              \
    " WHERE json_typeof(m->'feature') = 'number' AND (m->>'feature')::numeric = 0 LIMIT 1)"

/* How many of a case's violations have severity S. */
#define GE_PG_REVIEW_VIOLATIONS(S)                                                                 \
    "(SELECT count(*) FROM json_array_elements(CASE WHEN"                                          \
    "   json_typeof(k.report->'violations') = 'array' THEN k.report->'violations' END) v"          \
    " WHERE v->>'severity' = '" S "')"

/*
 * The list statement in one order, as GE_REVIEW_LIST_SQL in
 * sqlite/store_review.c: the page by id alone with the number of all
 * matches (a window over the matches), then only the page's rows get their
 * report counts, box, location sentence and, only where the report has no
 * sentence, their first feature. $14 is the limit (NULL: none), $15 the
 * offset.
 */
#define GE_PG_REVIEW_LIST_SQL(ORDER)                                                               \
    "SELECT k.id, k.service, k.status, k.reference, k.period_start, k.period_end,"                 \
    " k.created_at, k.updated_at, k.closed_at, k.purged_at,"                                       \
    " CASE json_typeof(k.report->'valid')"                                                         \
    "   WHEN 'boolean' THEN (k.report->>'valid')::boolean::int"                                    \
    "   WHEN 'number' THEN ((k.report->>'valid')::numeric <> 0)::int ELSE 0 END,"                  \
    " " GE_PG_REVIEW_VIOLATIONS("error") ", " GE_PG_REVIEW_VIOLATIONS(                             \
        "warning") ","                                                                             \
                   " k.applicant->>'name',"                                                        \
                   " (SELECT min(ST_XMin(geometry)) FROM case_features WHERE case_id = k.id),"     \
                   " (SELECT min(ST_YMin(geometry)) FROM case_features WHERE case_id = k.id),"     \
                   " (SELECT max(ST_XMax(geometry)) FROM case_features WHERE case_id = k.id),"     \
                   " (SELECT max(ST_YMax(geometry)) FROM case_features WHERE case_id = k.id),"     \
                   " p.matched, " GE_PG_REVIEW_LOCATION0 ","                                       \
                   " CASE WHEN " GE_PG_REVIEW_LOCATION0 " IS NULL THEN"                            \
                   "   (SELECT ST_AsBinary(geometry) FROM case_features WHERE case_id = k.id"      \
                   "     ORDER BY idx LIMIT 1) END"                                                \
                   " FROM (SELECT k.id AS id, count(*) OVER () AS matched"                         \
                   "   FROM cases k" GE_PG_REVIEW_WHERE " ORDER BY " ORDER " LIMIT $14::bigint"    \
                   "   OFFSET $15::bigint) p"                                                      \
                   " JOIN cases k ON k.id = p.id ORDER BY " ORDER

/* Open first: the statuses that close a case (case_status.h). */
#define GE_PG_REVIEW_CLOSED "k.status IN ('approved', 'rejected')"

static const char *const ge_pg_review_list_sql[GE_CASE_NORDER] = {
    [GE_CASE_ORDER_NEWEST] = GE_PG_REVIEW_LIST_SQL("k.created_at DESC, k.seq DESC"),
    [GE_CASE_ORDER_OLDEST] = GE_PG_REVIEW_LIST_SQL("k.created_at, k.seq"),
    [GE_CASE_ORDER_START] =
        GE_PG_REVIEW_LIST_SQL(GE_PG_REVIEW_CLOSED ", k.period_start IS NULL,"
                                                  " k.period_start, k.created_at, k.seq"),
    [GE_CASE_ORDER_REFERENCE] = GE_PG_REVIEW_LIST_SQL(
        "k.reference IS NULL, lower(k.reference), k.created_at DESC, k.seq DESC"),
};

static double ge_pg_double(const PGresult *r, int row, int col)
{
    return strtod(PQgetvalue(r, row, col), NULL);
}

static void ge_review_summary_row(const PGresult *r, int row, ge_case_summary *out)
{
    memset(out, 0, sizeof *out);
    ge_pg_copy_text(out->id, sizeof out->id, r, row, 0);
    ge_pg_copy_text(out->service, sizeof out->service, r, row, 1);
    ge_pg_copy_text(out->status, sizeof out->status, r, row, 2);
    ge_pg_copy_text(out->reference, sizeof out->reference, r, row, 3);
    ge_pg_copy_text(out->period_start, sizeof out->period_start, r, row, 4);
    ge_pg_copy_text(out->period_end, sizeof out->period_end, r, row, 5);
    ge_pg_copy_text(out->created_at, sizeof out->created_at, r, row, 6);
    ge_pg_copy_text(out->updated_at, sizeof out->updated_at, r, row, 7);
    ge_pg_copy_text(out->closed_at, sizeof out->closed_at, r, row, 8);
    ge_pg_copy_text(out->purged_at, sizeof out->purged_at, r, row, 9);
    out->valid = strtoll(PQgetvalue(r, row, 10), NULL, 10) != 0;
    out->errors = (int)strtoll(PQgetvalue(r, row, 11), NULL, 10);
    out->warnings = (int)strtoll(PQgetvalue(r, row, 12), NULL, 10);
    ge_pg_copy_text(out->applicant_name, sizeof out->applicant_name, r, row, 13);
    out->has_bbox = !PQgetisnull(r, row, 14);
    for (int i = 0; out->has_bbox && i < 4; i++)
        out->bbox[i] = ge_pg_double(r, row, 14 + i);
    out->location = PQgetisnull(r, row, 19) ? NULL : PQgetvalue(r, row, 19);
}

static int ge_pg_cases_list(ge_store *st, const ge_case_filter *f, ge_case_summary_cb cb, void *ud,
                            int64_t *matched, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    ge_case_filter_params p;
    ge_review_params rp;
    ge_case_summary row;
    char limit[24], offset[24];
    ge_case_order order =
        f->order >= 0 && f->order < GE_CASE_NORDER ? (ge_case_order)f->order : GE_CASE_ORDER_NEWEST;
    int rc = ge_case_filter_params_make(f, &p, err);

    if (rc == GE_OK) rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) goto err;
    ge_review_params_fill(st, f, &p, &rp);
    snprintf(limit, sizeof limit, "%" PRId64, f->limit);
    snprintf(offset, sizeof offset, "%" PRId64, f->offset > 0 ? f->offset : 0);
    rp.v[13] = f->limit < 0 ? NULL : limit;
    rp.v[14] = offset;
    /* The page and, past its end, the count on one snapshot, so that they
     * agree. */
    rc = ge_pg_exec(c, "listing cases", "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", 0, NULL,
                    NULL, err);
    if (rc < 0) goto err;
    rc = ge_pg_exec(c, "listing cases", ge_pg_review_list_sql[order], GE_PG_REVIEW_NPARAMS + 2,
                    rp.v, &r, err);
    if (rc < 0) goto err;
    if (matched) {
        *matched = PQntuples(r) > 0 ? strtoll(PQgetvalue(r, 0, 18), NULL, 10) : 0;
        /* A page past the end has no row to carry the number. */
        if (PQntuples(r) == 0 && f->offset > 0) {
            PGresult *n = NULL;
            rc = ge_pg_exec(c, "counting cases", "SELECT count(*) FROM cases k" GE_PG_REVIEW_WHERE,
                            GE_PG_REVIEW_NPARAMS, rp.v, &n, err);
            if (rc == GE_OK) *matched = strtoll(PQgetvalue(n, 0, 0), NULL, 10);
            PQclear(n);
        }
    }
    if (rc < 0) goto err;
    rc = ge_pg_exec(c, "listing cases", "COMMIT", 0, NULL, NULL, err);
    if (rc < 0) goto err;
    ge_pg_release(st, c);
    c = NULL;
    for (int i = 0; i < PQntuples(r); i++) {
        size_t len = 0;
        unsigned char *wkb = NULL;
        ge_review_summary_row(r, i, &row);
        if (!PQgetisnull(r, i, 20)) {
            wkb = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 20), &len);
            if (!wkb) {
                rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
                goto err;
            }
            row.first_wkb = wkb;
            row.first_wkb_len = len;
        }
        rc = cb(ud, &row);
        PQfreemem(wkb);
        if (rc != 0) goto err;
    }
    rc = GE_OK;
err:
    PQclear(r);
    ge_pg_release(st, c);
    ge_case_filter_params_free(&p);
    return rc;
}

static int ge_pg_cases_counts(ge_store *st, const ge_case_filter *f, const char *from,
                              const char *until, ge_case_counts *out, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    ge_case_filter *all = malloc(sizeof *all);
    ge_case_filter_params p;
    ge_review_params rp;
    int rc;

    memset(out, 0, sizeof *out);
    memset(&p, 0, sizeof p);
    if (!all) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    /* Every status, whatever the list asks for. */
    memcpy(all, f, sizeof *all);
    all->statuses = 0;
    rc = ge_case_filter_params_make(all, &p, err);
    if (rc == GE_OK) rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) goto err;
    ge_review_params_fill(st, all, &p, &rp);
    rp.v[13] = from;
    rp.v[14] = until;
    rc = ge_pg_exec(c, "counting cases by status",
                    "SELECT k.status, count(*), count(*) FILTER (WHERE NOT " GE_PG_REVIEW_CLOSED
                    " AND k.period_start >= $14::text AND k.period_start <= $15::text)"
                    " FROM cases k" GE_PG_REVIEW_WHERE " GROUP BY k.status",
                    GE_PG_REVIEW_NPARAMS + 2, rp.v, &r, err);
    for (int i = 0; rc == GE_OK && i < PQntuples(r); i++) {
        ge_case_status status;
        int64_t n = strtoll(PQgetvalue(r, i, 1), NULL, 10);
        if (ge_case_status_parse(PQgetvalue(r, i, 0), &status))
            out->by_status[status] += n;
        else
            out->other_status += n;
        out->starting += strtoll(PQgetvalue(r, i, 2), NULL, 10);
    }
err:
    PQclear(r);
    ge_pg_release(st, c);
    ge_case_filter_params_free(&p);
    free(all);
    return rc;
}

/* The columns ge_pg_case_from_row reads, as GE_STORE_CASE_COLUMNS. */
#define GE_PG_CASE_COLUMNS                                                                         \
    "id, client_id, draft_id, service, reference, applicant, period_start, period_end, status,"    \
    " report, content_hash, created_at, updated_at, version"
#define GE_PG_CASE_NCOLS 14

static int ge_pg_case_from_row(const PGresult *r, int row, ge_case *out, ge_err *err)
{
    ge_pg_copy_text(out->id, sizeof out->id, r, row, 0);
    out->client_id = strtoll(PQgetvalue(r, row, 1), NULL, 10);
    ge_pg_copy_text(out->draft_id, sizeof out->draft_id, r, row, 2);
    ge_pg_copy_text(out->service, sizeof out->service, r, row, 3);
    ge_pg_copy_text(out->reference, sizeof out->reference, r, row, 4);
    out->applicant = strdup(PQgetisnull(r, row, 5) ? "{}" : PQgetvalue(r, row, 5));
    ge_pg_copy_text(out->period_start, sizeof out->period_start, r, row, 6);
    ge_pg_copy_text(out->period_end, sizeof out->period_end, r, row, 7);
    ge_pg_copy_text(out->status, sizeof out->status, r, row, 8);
    out->report = strdup(PQgetisnull(r, row, 9) ? "null" : PQgetvalue(r, row, 9));
    ge_pg_copy_text(out->content_hash, sizeof out->content_hash, r, row, 10);
    ge_pg_copy_text(out->created_at, sizeof out->created_at, r, row, 11);
    ge_pg_copy_text(out->updated_at, sizeof out->updated_at, r, row, 12);
    out->version = strtoll(PQgetvalue(r, row, 13), NULL, 10);
    if (!out->applicant || !out->report) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    return GE_OK;
}

static int ge_pg_case_review_get(ge_store *st, const char *id, ge_case *out, char closed_at[32],
                                 char purged_at[32], ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    int rc = ge_pg_acquire(st, &c, err);

    memset(out, 0, sizeof *out);
    closed_at[0] = purged_at[0] = '\0';
    if (rc < 0) return rc;
    const char *p[] = {id};
    rc = ge_pg_exec(c, "reading a case",
                    "SELECT " GE_PG_CASE_COLUMNS ", closed_at, purged_at FROM cases WHERE id = $1",
                    1, p, &r, err);
    ge_pg_release(st, c);
    if (rc == GE_OK && PQntuples(r) == 0) {
        rc = ge_err_set(err, GE_ENOENT, "no such case");
    } else if (rc == GE_OK) {
        rc = ge_pg_case_from_row(r, 0, out, err);
        ge_pg_copy_text(closed_at, 32, r, 0, GE_PG_CASE_NCOLS);
        ge_pg_copy_text(purged_at, 32, r, 0, GE_PG_CASE_NCOLS + 1);
    }
    if (rc < 0) ge_case_clear(out);
    PQclear(r);
    return rc;
}

/* A distance as JSON text the way SQLite writes a REAL: a whole number
 * keeps ".0", so that readers see a real on both stores. */
#define GE_PG_JSON_REAL(x)                                                                         \
    "(" x "::text || CASE WHEN " x "::text ~ '^-?[0-9]+$' THEN '.0' ELSE '' END)::json"

static int ge_pg_case_events(ge_store *st, const char *case_id, ge_case_event_cb cb, void *ud,
                             ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    ge_case_event e;
    int rc = ge_pg_acquire(st, &c, err);

    if (rc < 0) return rc;
    const char *p[] = {case_id};
    /* The form server's name joins by the whole actor text, so that
     * "client:3x" does not meet client 3. */
    rc = ge_pg_exec(
        c, "reading case events",
        "SELECT e.id, e.at, e.actor, e.action, e.from_status, e.to_status, e.comment,"
        " CASE WHEN substr(e.actor, 1, 5) = 'user:' THEN substr(e.actor, 6) ELSE k.name END,"
        /* the conflicts the decision overrode (migration 10), nearest first */
        " coalesce((SELECT json_agg(json_build_object('case_id', o.case_id,"
        "     'service', x.service, 'reference', x.reference, 'status', x.status,"
        "     'distance_m', " GE_PG_JSON_REAL(
            "o.distance_m") ") ORDER BY o.distance_m, o.case_id)"
                            "   FROM case_event_overrides o LEFT JOIN cases x ON x.id = o.case_id"
                            "   WHERE o.event_id = e.id)::text, '[]')"
                            " FROM case_events e LEFT JOIN clients k"
                            "   ON substr(e.actor, 1, 7) = 'client:' AND e.actor = 'client:' || "
                            "k.id"
                            " WHERE e.case_id = $1 ORDER BY e.id",
        1, p, &r, err);
    ge_pg_release(st, c);
    for (int i = 0; rc == GE_OK && i < PQntuples(r); i++) {
        memset(&e, 0, sizeof e);
        e.id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        ge_pg_copy_text(e.at, sizeof e.at, r, i, 1);
        ge_pg_copy_text(e.actor, sizeof e.actor, r, i, 2);
        ge_pg_copy_text(e.action, sizeof e.action, r, i, 3);
        ge_pg_copy_text(e.from_status, sizeof e.from_status, r, i, 4);
        ge_pg_copy_text(e.to_status, sizeof e.to_status, r, i, 5);
        e.comment = PQgetisnull(r, i, 6) ? NULL : PQgetvalue(r, i, 6);
        ge_pg_copy_text(e.actor_name, sizeof e.actor_name, r, i, 7);
        e.overrides = PQgetvalue(r, i, 8);
        rc = cb(ud, &e);
    }
    PQclear(r);
    return rc;
}

/*
 * The conflict rule between the case "me" and the other case "k" at the
 * distance D (an SQL expression), as GE_REVIEW_CONFLICT_JOIN in
 * sqlite/store_review.c: ST_DWithin finds the other features through the
 * GiST index and checks the exact distance. A missing period on either
 * side overlaps everything. The counts and one case's conflicts share it.
 */
#define GE_PG_CONFLICT_JOIN(D)                                                                     \
    " JOIN case_features a ON a.case_id = me.id"                                                   \
    " JOIN case_features b ON ST_DWithin(a.geometry, b.geometry, " D ")"                           \
    " JOIN cases k ON k.id = b.case_id"                                                            \
    " WHERE k.id <> me.id AND k.status <> 'rejected'"                                              \
    " AND (me.period_start IS NULL OR me.period_end IS NULL"                                       \
    "   OR k.period_start IS NULL OR k.period_end IS NULL"                                         \
    "   OR (k.period_start <= me.period_end AND k.period_end >= me.period_start))"

static int ge_pg_cases_conflict_counts(ge_store *st, const ge_case_conflict_query *q, size_t n,
                                       int *counts, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    json_t *page = json_array();
    char *text = NULL;
    int rc = GE_OK;

    for (size_t i = 0; i < n; i++) {
        counts[i] = 0;
        if (!(q[i].distance_m >= 0)) {
            rc = ge_err_set(err, GE_EINVAL, "distance must be 0 or more");
            goto err;
        }
        if (!page || json_array_append_new(page, json_pack("[s, f]", q[i].id, q[i].distance_m)))
            break;
    }
    text = page && json_array_size(page) == n ? json_dumps(page, JSON_COMPACT) : NULL;
    if (!text) {
        rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
        goto err;
    }
    if (n == 0) goto err;
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) goto err;
    const char *p[] = {text};
    /* One statement for the whole page: each listed case's features look
     * up their neighbours in the GiST index, at the case's distance. */
    rc =
        ge_pg_exec(c, "counting conflicts",
                   "SELECT p.n - 1, (SELECT count(DISTINCT k.id) FROM cases me" GE_PG_CONFLICT_JOIN(
                       "p.d") " AND me.id = p.id)"
                              " FROM (SELECT t.v->>0 AS id, (t.v->>1)::float8 AS d, t.n"
                              "   FROM json_array_elements($1::json) WITH ORDINALITY AS t(v, n)) p",
                   1, p, &r, err);
    for (int i = 0; rc == GE_OK && i < PQntuples(r); i++) {
        long long k = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        if (k >= 0 && (size_t)k < n) counts[k] = (int)strtoll(PQgetvalue(r, i, 1), NULL, 10);
    }
err:
    PQclear(r);
    ge_pg_release(st, c);
    free(text);
    json_decref(page);
    return rc;
}

int ge_pg_case_conflicts_on(PGconn *c, const char *case_id, double distance_m,
                            const ge_case_filter *who, size_t limit, ge_case_conflict_cb cb,
                            void *ud, ge_err *err)
{
    PGresult *r = NULL;
    ge_case_conflict k;
    char d[32], lim[24];
    int rc;

    if (!(distance_m >= 0)) return ge_err_set(err, GE_EINVAL, "distance must be 0 or more");
    snprintf(d, sizeof d, "%.17g", distance_m);
    snprintf(lim, sizeof lim, "%zu", limit);
    const char *p[] = {case_id, d, lim};
    rc = ge_pg_exec(c, "finding conflicting cases",
                    "SELECT k.id, k.service, k.status, k.reference, k.period_start, k.period_end,"
                    " min(ST_Distance(a.geometry, b.geometry)) AS d"
                    " FROM cases me" GE_PG_CONFLICT_JOIN("$2::float8") " AND me.id = $1"
                                                                       " GROUP BY k.id"
                                                                       " ORDER BY d, k.created_at,"
                                                                       " k.id LIMIT $3::bigint",
                    3, p, &r, err);
    for (int i = 0; rc == GE_OK && i < PQntuples(r); i++) {
        memset(&k, 0, sizeof k);
        ge_pg_copy_text(k.id, sizeof k.id, r, i, 0);
        ge_pg_copy_text(k.service, sizeof k.service, r, i, 1);
        ge_pg_copy_text(k.status, sizeof k.status, r, i, 2);
        ge_pg_copy_text(k.reference, sizeof k.reference, r, i, 3);
        ge_pg_copy_text(k.period_start, sizeof k.period_start, r, i, 4);
        ge_pg_copy_text(k.period_end, sizeof k.period_end, r, i, 5);
        k.distance_m = ge_pg_double(r, i, 6);
        k.visible = who ? ge_case_filter_allows(who, k.service) : false;
        rc = cb(ud, &k);
    }
    PQclear(r);
    return rc;
}

static int ge_pg_case_conflicts(ge_store *st, const char *case_id, double distance_m,
                                const ge_case_filter *who, size_t limit, ge_case_conflict_cb cb,
                                void *ud, ge_err *err)
{
    PGconn *c = NULL;
    int rc;

    if (!(distance_m >= 0)) return ge_err_set(err, GE_EINVAL, "distance must be 0 or more");
    rc = ge_pg_acquire(st, &c, err);
    if (rc == GE_OK) rc = ge_pg_case_conflicts_on(c, case_id, distance_m, who, limit, cb, ud, err);
    ge_pg_release(st, c);
    return rc;
}

const ge_store_review_ops ge_pg_review_ops = {
    .cases_list = ge_pg_cases_list,
    .cases_counts = ge_pg_cases_counts,
    .case_review_get = ge_pg_case_review_get,
    .case_events = ge_pg_case_events,
    .case_conflicts = ge_pg_case_conflicts,
    .cases_conflict_counts = ge_pg_cases_conflict_counts,
};
