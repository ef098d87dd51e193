/*
 * store_review.c - the caseworkers' read view of cases in the store
 * (store_review.h): the filtered list, a case with its closing and purge
 * dates, its history, and the cases that conflict with it.
 *
 * The list is one fixed statement whose conditions are all switched by
 * bound parameters (NULL = no condition), so that no filter value is ever
 * spliced into SQL: lists (services, statuses) travel as JSON array text and
 * are opened with json_each. Visibility (admin or the user's services) is
 * a condition of the same statement, not a later pass, so that
 * numberMatched and paging count only what the user may see.
 *
 * Only q needs a case's text columns; it reads them in a subquery of its
 * own (evaluated only when q is given), so that the other conditions and
 * the order are answered by the index cases_created alone (migration 6)
 * instead of reading every case's whole row.
 */
#include "store_review.h"
#include "store_case_row.h"
#include "sqlite_internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/*
 * Case folding for q: ASCII lower case plus the German capital umlauts,
 * the same on both sides (ge_case_filter_params_make in C, GE_FOLD in
 * SQL). SQLite's lower() folds ASCII only; this keeps "Müller" findable as
 * "MÜLLER" without an ICU build of SQLite.
 */
#define GE_FOLD(x)                                                                                 \
    "lower(replace(replace(replace(coalesce(" x ", ''), 'Ä', 'ä'), 'Ö', 'ö'), 'Ü', 'ü'))"

/* What q searches, folded once per row: the fields joined by a unit
 * separator (a match across two fields would need q to hold one). */
#define GE_REVIEW_TEXT                                                                             \
    "k.id || char(31) || coalesce(k.reference, '') || char(31) ||"                                 \
    " coalesce(json_extract(k.applicant, '$.name'), '') || char(31) ||"                            \
    " coalesce(json_extract(k.applicant, '$.email'), '') || char(31) ||"                           \
    " coalesce(json_extract(k.applicant, '$.organisation'), '') || char(31) ||"                    \
    " coalesce(json_extract(k.applicant, '$.organization'), '')"

/* The conditions of a case list; ?1.. as bound in ge_review_bind. */
#define GE_REVIEW_WHERE                                                                            \
    " WHERE (?1 IS NULL OR k.service IN (SELECT value FROM json_each(?1)))"                        \
    " AND (?2 = 1 OR k.service IN (SELECT value FROM json_each(?3)))"                              \
    " AND (?4 IS NULL OR k.status IN (SELECT value FROM json_each(?4)))"                           \
    " AND (?5 IS NULL OR k.period_end IS NULL OR k.period_end >= ?5)"                              \
    " AND (?6 IS NULL OR k.period_start IS NULL OR k.period_start <= ?6)"                          \
    " AND (?7 IS NULL OR k.id IN (SELECT f.case_id FROM case_features f"                           \
    "   WHERE f.fid IN (SELECT pkid FROM idx_case_features_geometry"                               \
    "     WHERE xmin <= ?9 AND xmax >= ?7 AND ymin <= ?10 AND ymax >= ?8)"                         \
    "   AND MbrIntersects(f.geometry, BuildMbr(?7, ?8, ?9, ?10))))"                                \
    " AND (?11 IS NULL OR k.rowid IN (SELECT k.rowid FROM cases k"                                 \
    "   WHERE instr(" GE_FOLD(GE_REVIEW_TEXT) ", ?11) > 0))"                                       \
                                              " AND (?12 = 1 OR k.purged_at IS NULL)"

static void ge_review_bind(sqlite3_stmt *s, const ge_case_filter *f, const ge_case_filter_params *p)
{
    if (p->services) sqlite3_bind_text(s, 1, p->services, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 2, f->admin ? 1 : 0);
    sqlite3_bind_text(s, 3, p->allowed, -1, SQLITE_TRANSIENT);
    if (p->statuses) sqlite3_bind_text(s, 4, p->statuses, -1, SQLITE_TRANSIENT);
    if (f->from[0]) sqlite3_bind_text(s, 5, f->from, -1, SQLITE_TRANSIENT);
    if (f->to[0]) sqlite3_bind_text(s, 6, f->to, -1, SQLITE_TRANSIENT);
    if (f->has_bbox)
        for (int i = 0; i < 4; i++)
            sqlite3_bind_double(s, 7 + i, f->bbox[i]);
    if (p->q[0]) sqlite3_bind_text(s, 11, p->q, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 12, f->include_purged ? 1 : 0);
}

/* The first feature's location sentence in a case's report (the measures
 * entry of feature 0, rules.h), as JSON text or NULL. */
#define GE_REVIEW_LOCATION0                                                                        \
    "(SELECT json_extract(m.value, '$.location') FROM json_each(k.report, '$.measures') m"         \
    " WHERE json_extract(m.value, '$.feature') = 0 LIMIT 1)"

static int ge_review_count(ge_conn *c, const ge_case_filter *f, const ge_case_filter_params *p,
                           int64_t *matched, ge_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = ge_store_sql_prepare(c, "SELECT count(*) FROM cases k" GE_REVIEW_WHERE, &s, err);
    if (rc < 0) goto err;
    ge_review_bind(s, f, p);
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        rc = ge_store_sql_err(err, c->db, rc, "counting cases");
        goto err;
    }
    *matched = sqlite3_column_int64(s, 0);
    rc = GE_OK;
err:
    sqlite3_finalize(s);
    return rc;
}

static void ge_review_summary_row(sqlite3_stmt *s, ge_case_summary *out)
{
    memset(out, 0, sizeof *out);
    ge_store_copy_text(out->id, sizeof out->id, sqlite3_column_text(s, 0));
    ge_store_copy_text(out->service, sizeof out->service, sqlite3_column_text(s, 1));
    ge_store_copy_text(out->status, sizeof out->status, sqlite3_column_text(s, 2));
    ge_store_copy_text(out->reference, sizeof out->reference, sqlite3_column_text(s, 3));
    ge_store_copy_text(out->period_start, sizeof out->period_start, sqlite3_column_text(s, 4));
    ge_store_copy_text(out->period_end, sizeof out->period_end, sqlite3_column_text(s, 5));
    ge_store_copy_text(out->created_at, sizeof out->created_at, sqlite3_column_text(s, 6));
    ge_store_copy_text(out->updated_at, sizeof out->updated_at, sqlite3_column_text(s, 7));
    ge_store_copy_text(out->closed_at, sizeof out->closed_at, sqlite3_column_text(s, 8));
    ge_store_copy_text(out->purged_at, sizeof out->purged_at, sqlite3_column_text(s, 9));
    out->valid = sqlite3_column_int(s, 10) != 0;
    out->errors = sqlite3_column_int(s, 11);
    out->warnings = sqlite3_column_int(s, 12);
    ge_store_copy_text(out->applicant_name, sizeof out->applicant_name, sqlite3_column_text(s, 13));
    out->has_bbox = sqlite3_column_type(s, 14) != SQLITE_NULL;
    for (int i = 0; out->has_bbox && i < 4; i++)
        out->bbox[i] = sqlite3_column_double(s, 14 + i);
    out->location = (const char *)sqlite3_column_text(s, 19);
    out->first_wkb = sqlite3_column_blob(s, 20);
    out->first_wkb_len = out->first_wkb ? (size_t)sqlite3_column_bytes(s, 20) : 0;
}

/*
 * The list statement in one order: the page first, by id alone, with the
 * number of all matches from a window function (one pass over the matches
 * instead of a count and a page; for the newest first its window is in the
 * order the index cases_created gives, so nothing is sorted; within a
 * second the newer insertion (seq, migration 7) comes first; the other
 * orders sort the matches, whose keys the same index covers except the
 * reference); only the page's rows then get their report counts and box
 * (from the features' own MBRs, exact unlike the R*Tree's float32 boxes),
 * the first feature's location sentence from the report and, only where
 * the report has none, that feature itself (case_location.h). ORDER is an
 * ORDER BY list over the case k, used for the window, the page and the
 * result alike.
 */
#define GE_REVIEW_LIST_SQL(ORDER)                                                                  \
    "SELECT k.id, k.service, k.status, k.reference, k.period_start, k.period_end,"                 \
    " k.created_at, k.updated_at, k.closed_at, k.purged_at,"                                       \
    " coalesce(json_extract(k.report, '$.valid'), 0),"                                             \
    " (SELECT count(*) FROM json_each(k.report, '$.violations') v"                                 \
    "   WHERE json_extract(v.value, '$.severity') = 'error'),"                                     \
    " (SELECT count(*) FROM json_each(k.report, '$.violations') v"                                 \
    "   WHERE json_extract(v.value, '$.severity') = 'warning'),"                                   \
    " json_extract(k.applicant, '$.name'),"                                                        \
    " (SELECT min(MbrMinX(geometry)) FROM case_features WHERE case_id = k.id),"                    \
    " (SELECT min(MbrMinY(geometry)) FROM case_features WHERE case_id = k.id),"                    \
    " (SELECT max(MbrMaxX(geometry)) FROM case_features WHERE case_id = k.id),"                    \
    " (SELECT max(MbrMaxY(geometry)) FROM case_features WHERE case_id = k.id),"                    \
    " p.matched, " GE_REVIEW_LOCATION0 ","                                                         \
    " CASE WHEN " GE_REVIEW_LOCATION0 " IS NULL THEN"                                              \
    "   (SELECT AsBinary(geometry) FROM case_features WHERE case_id = k.id"                        \
    "     ORDER BY idx LIMIT 1) END"                                                               \
    " FROM (SELECT k.id AS id,"                                                                    \
    "   count(*) OVER (ORDER BY " ORDER                                                            \
    "     ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS matched"                    \
    "   FROM cases k" GE_REVIEW_WHERE " ORDER BY " ORDER " LIMIT ?13 OFFSET ?14) p"                \
    " JOIN cases k ON k.id = p.id ORDER BY " ORDER

/* Open first: the statuses that close a case (case_status.h). */
#define GE_REVIEW_CLOSED "k.status IN ('approved', 'rejected')"

static const char *const ge_review_list_sql[GE_CASE_NORDER] = {
    [GE_CASE_ORDER_NEWEST] = GE_REVIEW_LIST_SQL("k.created_at DESC, k.seq DESC"),
    [GE_CASE_ORDER_OLDEST] = GE_REVIEW_LIST_SQL("k.created_at, k.seq"),
    [GE_CASE_ORDER_START] =
        GE_REVIEW_LIST_SQL(GE_REVIEW_CLOSED ", k.period_start IS NULL,"
                                            " k.period_start, k.created_at, k.seq"),
    [GE_CASE_ORDER_REFERENCE] = GE_REVIEW_LIST_SQL(
        "k.reference IS NULL, k.reference COLLATE NOCASE, k.created_at DESC, k.seq DESC"),
};

static int ge_sqlite_cases_list(ge_store *st, const ge_case_filter *f, ge_case_summary_cb cb,
                                void *ud, int64_t *matched, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    ge_case_filter_params p;
    ge_case_summary row;
    bool any = false;
    ge_case_order order =
        f->order >= 0 && f->order < GE_CASE_NORDER ? (ge_case_order)f->order : GE_CASE_ORDER_NEWEST;
    int rc = ge_case_filter_params_make(f, &p, err);

    if (rc == GE_OK) rc = ge_store_acquire(st, &c, err);
    if (rc < 0) goto err;
    /* The page and, past its end, the count in one read transaction, so
     * that they agree. */
    rc = ge_store_sql_exec(c, "BEGIN", err);
    if (rc < 0) goto err;
    /* ge_review_list_sql: the page first, then its rows' details. */
    rc = ge_store_sql_prepare(c, ge_review_list_sql[order], &s, err);
    if (rc < 0) goto err;
    ge_review_bind(s, f, &p);
    sqlite3_bind_int64(s, 13, f->limit < 0 ? -1 : f->limit);
    sqlite3_bind_int64(s, 14, f->offset > 0 ? f->offset : 0);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int cb_rc;
        ge_review_summary_row(s, &row);
        if (!any && matched) *matched = sqlite3_column_int64(s, 18);
        any = true;
        cb_rc = cb(ud, &row);
        if (cb_rc != 0) {
            rc = cb_rc;
            goto err;
        }
    }
    if (rc == SQLITE_DONE && !any && matched) {
        /* A page past the end has no row to carry the number. */
        *matched = 0;
        if (f->offset > 0) {
            sqlite3_finalize(s);
            s = NULL;
            rc = ge_review_count(c, f, &p, matched, err);
            if (rc < 0) goto err;
            rc = SQLITE_DONE;
        }
    }
    rc = rc == SQLITE_DONE ? GE_OK : ge_store_sql_err(err, c->db, rc, "listing cases");
err:
    sqlite3_finalize(s);
    if (c && !sqlite3_get_autocommit(c->db)) ge_store_sql_exec(c, "ROLLBACK", NULL);
    ge_store_release(st, c);
    ge_case_filter_params_free(&p);
    return rc;
}

static int ge_sqlite_cases_counts(ge_store *st, const ge_case_filter *f, const char *from,
                                  const char *until, ge_case_counts *out, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    ge_case_filter *all = malloc(sizeof *all);
    ge_case_filter_params p;
    int rc;

    memset(out, 0, sizeof *out);
    memset(&p, 0, sizeof p);
    if (!all) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    /* Every status, whatever the list asks for. */
    memcpy(all, f, sizeof *all);
    all->statuses = 0;
    rc = ge_case_filter_params_make(all, &p, err);
    if (rc == GE_OK) rc = ge_store_acquire(st, &c, err);
    if (rc < 0) goto err;
    /* One pass over the matches, which the index cases_created covers. */
    rc = ge_store_sql_prepare(c,
                              "SELECT k.status, count(*), sum(NOT " GE_REVIEW_CLOSED
                              " AND k.period_start >= ?13 AND k.period_start <= ?14)"
                              " FROM cases k" GE_REVIEW_WHERE " GROUP BY k.status",
                              &s, err);
    if (rc < 0) goto err;
    ge_review_bind(s, all, &p);
    sqlite3_bind_text(s, 13, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 14, until, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        ge_case_status status;
        int64_t n = sqlite3_column_int64(s, 1);
        if (ge_case_status_parse((const char *)sqlite3_column_text(s, 0), &status))
            out->by_status[status] += n;
        else
            out->other_status += n;
        out->starting += sqlite3_column_int64(s, 2);
    }
    rc = rc == SQLITE_DONE ? GE_OK : ge_store_sql_err(err, c->db, rc, "counting cases by status");
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    ge_case_filter_params_free(&p);
    free(all);
    return rc;
}

static int ge_sqlite_case_review_get(ge_store *st, const char *id, ge_case *out, char closed_at[32],
                                     char purged_at[32], ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc = ge_store_acquire(st, &c, err);

    memset(out, 0, sizeof *out);
    closed_at[0] = purged_at[0] = '\0';
    if (rc < 0) goto err;
    rc = ge_store_case_select_one(c,
                                  "SELECT " GE_STORE_CASE_COLUMNS ", closed_at, purged_at"
                                  " FROM cases WHERE id = ?1",
                                  id, out, &s, err);
    if (rc < 0) goto err;
    ge_store_copy_text(closed_at, 32, sqlite3_column_text(s, GE_STORE_CASE_NCOLS));
    ge_store_copy_text(purged_at, 32, sqlite3_column_text(s, GE_STORE_CASE_NCOLS + 1));
err:
    if (rc < 0) ge_case_clear(out);
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_case_events(ge_store *st, const char *case_id, ge_case_event_cb cb, void *ud,
                                 ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    ge_case_event e;
    int rc = ge_store_acquire(st, &c, err);

    if (rc < 0) goto err;
    /* The form server's name joins by its id; the text comparison keeps
     * "client:3x" from meeting client 3 (CAST reads the leading digits). */
    rc = ge_store_sql_prepare(
        c,
        "SELECT e.id, e.at, e.actor, e.action, e.from_status, e.to_status, e.comment,"
        " CASE WHEN substr(e.actor, 1, 5) = 'user:' THEN substr(e.actor, 6)"
        "   ELSE k.name END,"
        /* the conflicts the decision overrode (migration 10), nearest first */
        " (SELECT json_group_array(json_object('case_id', o.case_id, 'service', x.service,"
        "     'reference', x.reference, 'status', x.status, 'distance_m', o.distance_m))"
        "   FROM (SELECT * FROM case_event_overrides WHERE event_id = e.id"
        "     ORDER BY distance_m, case_id) o"
        "   LEFT JOIN cases x ON x.id = o.case_id)"
        " FROM case_events e LEFT JOIN clients k"
        "   ON substr(e.actor, 1, 7) = 'client:'"
        "   AND k.id = CAST(substr(e.actor, 8) AS INTEGER) AND e.actor = 'client:' || k.id"
        " WHERE e.case_id = ?1 ORDER BY e.id",
        &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int cb_rc;
        memset(&e, 0, sizeof e);
        e.id = sqlite3_column_int64(s, 0);
        ge_store_copy_text(e.at, sizeof e.at, sqlite3_column_text(s, 1));
        ge_store_copy_text(e.actor, sizeof e.actor, sqlite3_column_text(s, 2));
        ge_store_copy_text(e.action, sizeof e.action, sqlite3_column_text(s, 3));
        ge_store_copy_text(e.from_status, sizeof e.from_status, sqlite3_column_text(s, 4));
        ge_store_copy_text(e.to_status, sizeof e.to_status, sqlite3_column_text(s, 5));
        e.comment = (const char *)sqlite3_column_text(s, 6);
        ge_store_copy_text(e.actor_name, sizeof e.actor_name, sqlite3_column_text(s, 7));
        e.overrides = (const char *)sqlite3_column_text(s, 8);
        cb_rc = cb(ud, &e);
        if (cb_rc != 0) {
            rc = cb_rc;
            goto err;
        }
    }
    rc = rc == SQLITE_DONE ? GE_OK : ge_store_sql_err(err, c->db, rc, "reading case events");
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

/*
 * The conflict rule of the review contract, between the case "me" and the
 * other case "k" with the distance D (an SQL expression): candidates
 * through the R*Tree with each of our features' box grown by the
 * distance, then the exact distance (GEOS through SpatiaLite, in the
 * metric store CRS). A missing period on either side overlaps everything,
 * as in the conflict rule (rules_time.c). The list's counts and the
 * conflicts of one case share it, so that they always agree.
 */
#define GE_REVIEW_CONFLICT_JOIN(D)                                                                 \
    " JOIN case_features a ON a.case_id = me.id"                                                   \
    " JOIN case_features b ON b.fid IN (SELECT pkid FROM idx_case_features_geometry"               \
    "   WHERE xmin <= MbrMaxX(a.geometry) + " D " AND xmax >= MbrMinX(a.geometry) - " D            \
    "   AND ymin <= MbrMaxY(a.geometry) + " D " AND ymax >= MbrMinY(a.geometry) - " D ")"          \
    " JOIN cases k ON k.id = b.case_id"                                                            \
    " WHERE k.id <> me.id AND k.status <> 'rejected'"                                              \
    " AND (me.period_start IS NULL OR me.period_end IS NULL"                                       \
    "   OR k.period_start IS NULL OR k.period_end IS NULL"                                         \
    "   OR (k.period_start <= me.period_end AND k.period_end >= me.period_start))"                 \
    " AND ST_Distance(a.geometry, b.geometry) <= " D

static int ge_sqlite_cases_conflict_counts(ge_store *st, const ge_case_conflict_query *q, size_t n,
                                           int *counts, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
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
    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) goto err;
    /* One statement for the whole page: each listed case's features look
     * up their neighbours in the spatial index, at the case's distance. */
    rc = ge_store_sql_prepare(
        c,
        "SELECT CAST(p.key AS INTEGER), (SELECT count(DISTINCT k.id) FROM cases "
        "me" GE_REVIEW_CONFLICT_JOIN(
            "json_extract(p.value, '$[1]')") " AND me.id = json_extract(p.value, '$[0]'))"
                                             " FROM json_each(?1) p",
        &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, text, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        sqlite3_int64 i = sqlite3_column_int64(s, 0);
        if (i >= 0 && (size_t)i < n) counts[i] = sqlite3_column_int(s, 1);
    }
    rc = rc == SQLITE_DONE ? GE_OK : ge_store_sql_err(err, c->db, rc, "counting conflicts");
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    free(text);
    json_decref(page);
    return rc;
}

int ge_store_case_conflicts_on(ge_conn *c, const char *case_id, double distance_m,
                               const ge_case_filter *who, size_t limit, ge_case_conflict_cb cb,
                               void *ud, ge_err *err)
{
    sqlite3_stmt *s = NULL;
    ge_case_conflict k;
    int rc;

    if (!(distance_m >= 0)) return ge_err_set(err, GE_EINVAL, "distance must be 0 or more");
    rc = ge_store_sql_prepare(
        c,
        "SELECT k.id, k.service, k.status, k.reference, k.period_start, k.period_end,"
        " min(ST_Distance(a.geometry, b.geometry)) AS d"
        " FROM cases me" GE_REVIEW_CONFLICT_JOIN(
            "?2") " AND me.id = ?1"
                  " GROUP BY k.id ORDER BY d, k.created_at, k.id LIMIT ?3",
        &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(s, 2, distance_m);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)limit);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int cb_rc;
        memset(&k, 0, sizeof k);
        ge_store_copy_text(k.id, sizeof k.id, sqlite3_column_text(s, 0));
        ge_store_copy_text(k.service, sizeof k.service, sqlite3_column_text(s, 1));
        ge_store_copy_text(k.status, sizeof k.status, sqlite3_column_text(s, 2));
        ge_store_copy_text(k.reference, sizeof k.reference, sqlite3_column_text(s, 3));
        ge_store_copy_text(k.period_start, sizeof k.period_start, sqlite3_column_text(s, 4));
        ge_store_copy_text(k.period_end, sizeof k.period_end, sqlite3_column_text(s, 5));
        k.distance_m = sqlite3_column_double(s, 6);
        k.visible = who ? ge_case_filter_allows(who, k.service) : false;
        cb_rc = cb(ud, &k);
        if (cb_rc != 0) {
            rc = cb_rc;
            goto err;
        }
    }
    rc = rc == SQLITE_DONE ? GE_OK : ge_store_sql_err(err, c->db, rc, "finding conflicting cases");
err:
    sqlite3_finalize(s);
    return rc;
}

static int ge_sqlite_case_conflicts(ge_store *st, const char *case_id, double distance_m,
                                    const ge_case_filter *who, size_t limit, ge_case_conflict_cb cb,
                                    void *ud, ge_err *err)
{
    ge_conn *c = NULL;
    int rc = ge_store_acquire(st, &c, err);

    if (rc == GE_OK)
        rc = ge_store_case_conflicts_on(c, case_id, distance_m, who, limit, cb, ud, err);
    ge_store_release(st, c);
    return rc;
}

const ge_store_review_ops ge_sqlite_review_ops = {
    .cases_list = ge_sqlite_cases_list,
    .cases_counts = ge_sqlite_cases_counts,
    .case_review_get = ge_sqlite_case_review_get,
    .case_events = ge_sqlite_case_events,
    .case_conflicts = ge_sqlite_case_conflicts,
    .cases_conflict_counts = ge_sqlite_cases_conflict_counts,
};
