/*
 * pg_features.c - pages of a reference layer's features for OGC API -
 * Features (store_features.h) in the PostGIS store; the same pages, counts
 * and flags as sqlite/store_features.c.
 *
 * Statements are built from fixed fragments; the only name in them is the
 * layer's, after ge_store_layer_name_valid(), as a quoted identifier. Values
 * (fid range, bbox, filter names and values, limit) are parameters,
 * numbered as the conditions are added, since PostgreSQL wants every
 * parameter up to the highest one used.
 *
 * The bbox is ST_Intersects with ST_MakeEnvelope, which goes through the
 * GiST index (&&) and then tests exactly, edges included, as SpatiaLite's
 * R*Tree lookup plus Intersects().
 *
 * A property filter compares the value as SQLite's CAST(json_extract(...)
 * AS TEXT) says it, not as PostgreSQL's ->> does: a JSON number 1e2 or 2.50
 * is "100.0" or "2.5" there (->> keeps "1e2" and "2.50"), an integer stays
 * as written, true/false are "1"/"0". So ?n=100.0 matches the same features
 * on both stores. Reals are written by PostgreSQL's shortest round-trip
 * form plus ".0" when it has no point; SQLite prints 15 significant digits,
 * so numbers with more (0.30000000000000004) or of 1e15 and up may still be
 * written differently.
 */
#include "pg_rows.h"
#include "pg_store.h"
#include "store_features.h"
#include "store_shared.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GE_FEATURES_MAX_FILTERS 16
#define GE_FEATURES_SQL_MAX     8192
/* fid range 2, bbox 5, filters 2 each, limit 1 */
#define GE_FEATURES_MAX_PARAMS (2 + 5 + 2 * GE_FEATURES_MAX_FILTERS + 1)

/* A property's value as text the way the SQLite store compares it; %1$s is
 * the parameter number of the property name. */
#define GE_PROP_TEXT                                                                               \
    "(CASE json_typeof(props -> $%1$d::text)"                                                      \
    " WHEN 'number' THEN CASE WHEN props ->> $%1$d::text ~ '^-?[0-9]+$'"                           \
    " THEN props ->> $%1$d::text"                                                                  \
    " ELSE regexp_replace((props ->> $%1$d::text)::float8::text, '^(-?[0-9]+)$', '\\1.0') END"     \
    " WHEN 'boolean' THEN CASE WHEN props ->> $%1$d::text = 'true' THEN '1' ELSE '0' END"          \
    " ELSE props ->> $%1$d::text END)"

typedef struct ge_features_where {
    char sql[GE_FEATURES_SQL_MAX];
    const char *params[GE_FEATURES_MAX_PARAMS];
    int n; /* parameters of the WHERE clause: $1 .. $n */
    char lo[24], hi[24], limit[24];
    char box[4][32], srid[16];
} ge_features_where;

static int ge_features_where_build(ge_features_where *w, const ge_features_query *q, int srid,
                                   ge_err *err)
{
    size_t len;

    memset(w, 0, sizeof *w);
    len = (size_t)snprintf(w->sql, sizeof w->sql, " WHERE fid > $1::bigint AND fid < $2::bigint");
    w->params[0] = w->lo;
    w->params[1] = w->hi;
    w->n = 2;
    if (q->has_bbox) {
        for (int i = 0; i < 4; i++) {
            snprintf(w->box[i], sizeof w->box[i], "%.17g", q->bbox[i]);
            w->params[w->n++] = w->box[i];
        }
        snprintf(w->srid, sizeof w->srid, "%d", srid);
        w->params[w->n++] = w->srid;
        len += (size_t)snprintf(w->sql + len, sizeof w->sql - len,
                                " AND ST_Intersects(geometry, ST_MakeEnvelope($3::float8,"
                                " $4::float8, $5::float8, $6::float8, $7::integer))");
    }
    /* The filters' names are checked (ge_features_query_start). */
    for (size_t i = 0; i < q->n_filters && len < sizeof w->sql; i++) {
        w->params[w->n++] = q->filters[i].name;
        w->params[w->n++] = q->filters[i].value;
        len += (size_t)snprintf(w->sql + len, sizeof w->sql - len, " AND " GE_PROP_TEXT " = $%2$d",
                                w->n - 1, w->n);
    }
    if (len >= sizeof w->sql) return ge_err_set(err, GE_EINVAL, "query too long");
    return GE_OK;
}

static void ge_features_range(ge_features_where *w, int64_t lo, int64_t hi)
{
    snprintf(w->lo, sizeof w->lo, "%" PRId64, lo);
    snprintf(w->hi, sizeof w->hi, "%" PRId64, hi);
}

/* "SELECT <what> FROM ref_<layer> <where> <tail>": its first value, *out
 * unchanged when there is no row. */
static int ge_features_scalar(PGconn *c, ge_features_where *w, const char *layer, const char *what,
                              const char *tail, int64_t lo, int64_t hi, int64_t *out, ge_err *err)
{
    char sql[GE_FEATURES_SQL_MAX + 256];
    PGresult *r = NULL;
    int rc;

    snprintf(sql, sizeof sql, "SELECT %s FROM \"ref_%s\"%s%s", what, layer, w->sql, tail);
    ge_features_range(w, lo, hi);
    rc = ge_pg_exec(c, "reading features", sql, w->n, w->params, &r, err);
    if (rc < 0) return rc;
    if (PQntuples(r) > 0) *out = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return GE_OK;
}

static int ge_features_layer_version(PGconn *c, const char *layer, int64_t *version, ge_err *err)
{
    int64_t v = -1;
    int rc = ge_pg_int(c, "reading a layer version", "SELECT version FROM layers WHERE name = $1",
                       layer, &v, err);
    if (rc < 0) return rc;
    return ge_features_layer_found(layer, v, version, err);
}

/* The fid where the page before `before` starts; *has_prev: more before it. */
static int ge_features_page_start(PGconn *c, ge_features_where *w, const char *layer,
                                  int64_t before, size_t limit, int64_t *start, bool *has_prev,
                                  ge_err *err)
{
    char sql[GE_FEATURES_SQL_MAX + 256];
    PGresult *r = NULL;
    int rc, rows;

    *start = before;
    *has_prev = false;
    snprintf(sql, sizeof sql, "SELECT fid FROM \"ref_%s\"%s ORDER BY fid DESC LIMIT $%d::bigint",
             layer, w->sql, w->n + 1);
    ge_features_range(w, 0, before);
    snprintf(w->limit, sizeof w->limit, "%zu", limit + 1);
    w->params[w->n] = w->limit;
    rc = ge_pg_exec(c, "paging back", sql, w->n + 1, w->params, &r, err);
    if (rc < 0) return rc;
    rows = PQntuples(r);
    if ((size_t)rows > limit) {
        *has_prev = true;
        rows = (int)limit;
    }
    if (rows > 0) *start = strtoll(PQgetvalue(r, rows - 1, 0), NULL, 10);
    PQclear(r);
    return GE_OK;
}

/* The page's rows go through this: the extra row beyond the limit only says
 * that there is more. */
typedef struct ge_features_pager {
    const ge_features_query *q;
    ge_features_page *page;
    ge_feature_cb cb;
    void *ud;
} ge_features_pager;

#define GE_FEATURES_PAGE_FULL (-0x7ffe)

static int ge_features_pager_cb(void *ud, int64_t fid, const unsigned char *wkb, size_t len,
                                const char *props)
{
    ge_features_pager *pg = ud;
    if (!ge_features_page_take(pg->q, pg->page, fid)) return GE_FEATURES_PAGE_FULL;
    return pg->cb(pg->ud, fid, wkb, len, props);
}

static int ge_features_query_conn(PGconn *c, const ge_features_query *q, int srid, ge_feature_cb cb,
                                  void *ud, ge_features_page *page, ge_err *err)
{
    ge_features_where *w = NULL;
    char sql[GE_FEATURES_SQL_MAX + 256];
    int64_t lo, hi = INT64_MAX, one = 0;
    int rc = ge_features_layer_version(c, q->layer, &page->version, err);

    if (rc < 0) return rc;
    w = malloc(sizeof *w);
    if (!w) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    rc = ge_features_where_build(w, q, srid, err);
    if (rc < 0) goto out;

    if (q->before > 0) {
        int64_t start;
        rc = ge_features_page_start(c, w, q->layer, q->before, q->limit, &start, &page->has_prev,
                                    err);
        if (rc < 0) goto out;
        lo = start - 1;
        hi = q->before;
        /* something from the cursor on: the page that led here */
        rc = ge_features_scalar(c, w, q->layer, "1", " LIMIT 1", q->before - 1, INT64_MAX, &one,
                                err);
        if (rc < 0) goto out;
        page->has_next = one == 1;
    } else {
        lo = q->after;
        if (q->after > 0) {
            rc = ge_features_scalar(c, w, q->layer, "1", " LIMIT 1", INT64_MIN, q->after + 1, &one,
                                    err);
            if (rc < 0) goto out;
            page->has_prev = one == 1;
        }
    }
    if (q->count) {
        page->matched = 0;
        rc = ge_features_scalar(c, w, q->layer, "count(*)", "", INT64_MIN, INT64_MAX,
                                &page->matched, err);
        if (rc < 0) goto out;
    }

    snprintf(sql, sizeof sql,
             "SELECT fid, " GE_PG_WKB("geometry") ", props::text FROM \"ref_%s\"%s"
                                                  " ORDER BY fid LIMIT $%d::bigint",
             q->layer, w->sql, w->n + 1);
    ge_features_range(w, lo, hi);
    snprintf(w->limit, sizeof w->limit, "%zu", q->limit + 1);
    w->params[w->n] = w->limit;
    ge_features_pager pager = {q, page, cb, ud};
    rc = ge_pg_feature_rows(c, "reading features", sql, w->n + 1, w->params, ge_features_pager_cb,
                            &pager, NULL, err);
    if (rc == GE_FEATURES_PAGE_FULL) rc = GE_OK;
out:
    free(w);
    return rc;
}

static int ge_pg_features_query(ge_store *st, const ge_features_query *q, ge_feature_cb cb,
                                void *ud, ge_features_page *page, ge_err *err)
{
    PGconn *c = NULL;
    int rc;

    rc = ge_features_query_start(q, GE_FEATURES_MAX_FILTERS, page, err);
    if (rc < 0) return rc;
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    /* one snapshot for version, count and page (see the header) */
    rc = ge_pg_exec(c, "reading features", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0,
                    NULL, NULL, err);
    if (rc == GE_OK) rc = ge_features_query_conn(c, q, ge_store_srid(st), cb, ud, page, err);
    ge_pg_exec(c, "reading features", "COMMIT", 0, NULL, NULL, NULL);
    ge_pg_release(st, c);
    return rc;
}

static int ge_pg_feature_get(ge_store *st, const char *layer, int64_t fid, ge_feature_cb cb,
                             void *ud, int64_t *version, ge_err *err)
{
    char sql[200], id[24];
    PGconn *c = NULL;
    PGresult *r = NULL;
    int64_t v = 0;
    int rc;

    rc = ge_features_layer_check(layer, err);
    if (rc < 0) return rc;
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_pg_exec(c, "reading a feature", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0,
                    NULL, NULL, err);
    if (rc == GE_OK) rc = ge_features_layer_version(c, layer, &v, err);
    if (rc == GE_OK) {
        snprintf(sql, sizeof sql,
                 "SELECT fid, " GE_PG_WKB("geometry") ", props::text FROM \"ref_%s\""
                                                      " WHERE fid = $1::bigint",
                 layer);
        snprintf(id, sizeof id, "%" PRId64, fid);
        const char *p[] = {id};
        rc = ge_pg_exec(c, "reading a feature", sql, 1, p, &r, err);
    }
    ge_pg_exec(c, "reading a feature", "COMMIT", 0, NULL, NULL, NULL);
    ge_pg_release(st, c);
    if (rc < 0) return rc;
    if (PQntuples(r) == 0) {
        rc = ge_features_missing(layer, fid, err);
    } else {
        unsigned char *wkb = NULL;
        size_t cap = 0;
        long len = ge_pg_unhex(PQgetvalue(r, 0, 1), &wkb, &cap);
        if (len < 0) {
            rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
        } else {
            if (version) *version = v;
            rc = cb(ud, strtoll(PQgetvalue(r, 0, 0), NULL, 10), wkb, (size_t)len,
                    PQgetvalue(r, 0, 2));
        }
        free(wkb);
    }
    PQclear(r);
    return rc;
}

static int ge_pg_layer_property_names(ge_store *st, const char *layer, char ***names, size_t *n,
                                      int64_t *version, ge_err *err)
{
    char sql[200];
    PGconn *c = NULL;
    PGresult *r = NULL;
    char **v = NULL;
    int rc, rows = 0;

    *names = NULL;
    *n = 0;
    rc = ge_features_layer_check(layer, err);
    if (rc < 0) return rc;
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_pg_exec(c, "reading property names", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                    0, NULL, NULL, err);
    if (rc == GE_OK) rc = ge_features_layer_version(c, layer, version, err);
    if (rc == GE_OK) {
        snprintf(sql, sizeof sql,
                 "SELECT DISTINCT k COLLATE \"C\" FROM \"ref_%s\" AS t,"
                 " json_object_keys(t.props) AS k ORDER BY 1",
                 layer);
        rc = ge_pg_exec(c, "reading property names", sql, 0, NULL, &r, err);
    }
    ge_pg_exec(c, "reading property names", "COMMIT", 0, NULL, NULL, NULL);
    ge_pg_release(st, c);
    if (rc < 0) return rc;
    rows = PQntuples(r);
    if (rows > 0) {
        v = calloc((size_t)rows, sizeof *v);
        if (!v) rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
    }
    for (int i = 0; rc == GE_OK && i < rows; i++) {
        v[i] = strdup(PQgetvalue(r, i, 0));
        if (!v[i]) rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
    }
    PQclear(r);
    if (rc < 0) {
        ge_store_names_free(v, (size_t)rows);
        return rc;
    }
    *names = v;
    *n = (size_t)rows;
    return GE_OK;
}

const ge_store_features_ops ge_pg_features_ops = {
    .features_query = ge_pg_features_query,
    .feature_get = ge_pg_feature_get,
    .layer_property_names = ge_pg_layer_property_names,
};
