/*
 * store_features.c - pages of a reference layer's features for OGC API -
 * Features (store_features.h), on the SpatiaLite store.
 *
 * Every statement is assembled from fixed fragments of this file; the only
 * name in it is the layer's, after ge_store_layer_name_valid() accepted it,
 * as a quoted identifier. Values (bbox, cursor, filter names and values,
 * limit) are always bound.
 *
 * The bbox goes through the layer's R*Tree (SpatiaLite's idx_ref_<name>_geometry,
 * whose float boxes are rounded outwards, so it never misses a feature) and
 * then through an exact Intersects() on the few candidates: a bbox query over
 * a large layer touches only what lies near the box.
 */
#include "store_features.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"
#include "store_shared.h"

/* Longest WHERE clause: the bbox fragment plus GE_FEATURES_MAX_FILTERS filters. */
#define GE_FEATURES_MAX_FILTERS 16
#define GE_FEATURES_SQL_MAX     4096

/* The WHERE conditions of a query, without the fid range, and how to bind them. */
typedef struct ge_features_where {
    char sql[GE_FEATURES_SQL_MAX];
    const ge_features_query *q;
    int srid;
    char paths[GE_FEATURES_MAX_FILTERS][160]; /* JSON paths '$."name"' */
} ge_features_where;

static int ge_features_where_build(ge_features_where *w, const ge_features_query *q, int srid,
                                   ge_err *err)
{
    size_t len = 0;
    int n;

    memset(w, 0, sizeof *w);
    w->q = q;
    w->srid = srid;
    /* Parameters ?1 .. ?4: the bbox, ?5 the SRID, ?6.. the filters as
     * (path, value) pairs; ?100, ?101 the fid range; ?102 the limit. */
    n = snprintf(w->sql, sizeof w->sql, " WHERE fid > ?100 AND fid < ?101");
    len = (size_t)n;
    if (q->has_bbox) {
        n = snprintf(w->sql + len, sizeof w->sql - len,
                     " AND fid IN (SELECT pkid FROM \"idx_ref_%s_geometry\" WHERE xmin <= ?3 AND "
                     "xmax >= ?1 AND ymin <= ?4 AND ymax >= ?2)"
                     " AND Intersects(geometry, BuildMbr(?1, ?2, ?3, ?4, ?5)) = 1",
                     q->layer);
        len += (size_t)n;
    }
    /* The filters' names are checked (ge_features_query_start). */
    for (size_t i = 0; i < q->n_filters; i++) {
        snprintf(w->paths[i], sizeof w->paths[i], "$.\"%s\"", q->filters[i].name);
        n = snprintf(w->sql + len, sizeof w->sql - len,
                     " AND CAST(json_extract(props, ?%zu) AS TEXT) = ?%zu", 6 + 2 * i, 7 + 2 * i);
        len += (size_t)n;
    }
    if (len >= sizeof w->sql) return ge_err_set(err, GE_EINVAL, "query too long");
    return GE_OK;
}

static void ge_features_where_bind(const ge_features_where *w, sqlite3_stmt *s, int64_t lo,
                                   int64_t hi)
{
    const ge_features_query *q = w->q;
    if (q->has_bbox) {
        for (int i = 0; i < 4; i++)
            sqlite3_bind_double(s, i + 1, q->bbox[i]);
        sqlite3_bind_int(s, 5, w->srid);
    }
    for (size_t i = 0; i < q->n_filters; i++) {
        sqlite3_bind_text(s, (int)(6 + 2 * i), w->paths[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(s, (int)(7 + 2 * i), q->filters[i].value, -1, SQLITE_STATIC);
    }
    sqlite3_bind_int64(s, 100, lo);
    sqlite3_bind_int64(s, 101, hi);
}

/* Runs "SELECT <what> FROM ref_<layer> <where> <tail>" and returns its first
 * column of the first row in *out (unchanged when there is no row). */
static int ge_features_scalar(ge_conn *c, const ge_features_where *w, const char *what,
                              const char *tail, int64_t lo, int64_t hi, int64_t *out, ge_err *err)
{
    char sql[GE_FEATURES_SQL_MAX + 256];
    sqlite3_stmt *s = NULL;
    int rc;

    snprintf(sql, sizeof sql, "SELECT %s FROM \"ref_%s\"%s%s", what, w->q->layer, w->sql, tail);
    rc = ge_store_sql_prepare(c, sql, &s, err);
    if (rc < 0) return rc;
    ge_features_where_bind(w, s, lo, hi);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
        rc = GE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = GE_OK;
    } else {
        rc = ge_store_sql_err(err, c->db, rc, "reading features");
    }
    sqlite3_finalize(s);
    return rc;
}

/* The layer's version; GE_ENOENT when it does not exist. */
static int ge_features_layer_version(ge_conn *c, const char *layer, int64_t *version, ge_err *err)
{
    int64_t v = -1;
    int rc = ge_store_sql_int(c, "SELECT version FROM layers WHERE name = ?1", layer, &v, err);
    if (rc < 0) return rc;
    return ge_features_layer_found(layer, v, version, err);
}

/* The fid where the page before `before` starts: the limit-th matching fid
 * counted backwards. *has_prev says whether more lie before it. */
static int ge_features_page_start(ge_conn *c, const ge_features_where *w, int64_t before,
                                  size_t limit, int64_t *start, bool *has_prev, ge_err *err)
{
    char sql[GE_FEATURES_SQL_MAX + 256];
    sqlite3_stmt *s = NULL;
    size_t seen = 0;
    int rc;

    *start = before;
    *has_prev = false;
    snprintf(sql, sizeof sql, "SELECT fid FROM \"ref_%s\"%s ORDER BY fid DESC LIMIT ?102",
             w->q->layer, w->sql);
    rc = ge_store_sql_prepare(c, sql, &s, err);
    if (rc < 0) return rc;
    ge_features_where_bind(w, s, 0, before);
    sqlite3_bind_int64(s, 102, (int64_t)limit + 1);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (seen == limit) {
            *has_prev = true;
            break;
        }
        *start = sqlite3_column_int64(s, 0);
        seen++;
    }
    rc = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? GE_OK
                                                 : ge_store_sql_err(err, c->db, rc, "paging back");
    sqlite3_finalize(s);
    return rc;
}

static int ge_features_query_conn(ge_conn *c, const ge_features_query *q, int srid,
                                  ge_feature_cb cb, void *ud, ge_features_page *page, ge_err *err)
{
    ge_features_where *w = NULL;
    char sql[GE_FEATURES_SQL_MAX + 256];
    sqlite3_stmt *s = NULL;
    int64_t lo, hi = INT64_MAX, one = 0;
    int rc = ge_features_layer_version(c, q->layer, &page->version, err);

    if (rc < 0) goto out;
    w = malloc(sizeof *w);
    if (!w) {
        rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
        goto out;
    }
    rc = ge_features_where_build(w, q, srid, err);
    if (rc < 0) goto out;

    if (q->before > 0) {
        int64_t start;
        rc = ge_features_page_start(c, w, q->before, q->limit, &start, &page->has_prev, err);
        if (rc < 0) goto out;
        lo = start - 1;
        hi = q->before;
        /* Something from the cursor on: the page that led here. */
        rc = ge_features_scalar(c, w, "1", " LIMIT 1", q->before - 1, INT64_MAX, &one, err);
        if (rc < 0) goto out;
        page->has_next = one == 1;
    } else {
        lo = q->after;
        if (q->after > 0) {
            rc = ge_features_scalar(c, w, "1", " LIMIT 1", INT64_MIN, q->after + 1, &one, err);
            if (rc < 0) goto out;
            page->has_prev = one == 1;
        }
    }
    if (q->count) {
        page->matched = 0;
        rc = ge_features_scalar(c, w, "count(*)", "", INT64_MIN, INT64_MAX, &page->matched, err);
        if (rc < 0) goto out;
    }

    snprintf(sql, sizeof sql,
             "SELECT fid, AsBinary(geometry), props FROM \"ref_%s\"%s ORDER BY fid LIMIT ?102",
             q->layer, w->sql);
    rc = ge_store_sql_prepare(c, sql, &s, err);
    if (rc < 0) goto out;
    ge_features_where_bind(w, s, lo, hi);
    sqlite3_bind_int64(s, 102, (int64_t)q->limit + 1);
    for (;;) {
        int step = sqlite3_step(s);
        int64_t fid;
        if (step == SQLITE_DONE) break;
        if (step != SQLITE_ROW) {
            rc = ge_store_sql_err(err, c->db, step, "reading features");
            goto out;
        }
        fid = sqlite3_column_int64(s, 0);
        if (!ge_features_page_take(q, page, fid)) break;
        rc = cb(ud, fid, sqlite3_column_blob(s, 1), (size_t)sqlite3_column_bytes(s, 1),
                (const char *)sqlite3_column_text(s, 2));
        if (rc != 0) goto out;
    }
    rc = GE_OK;
out:
    sqlite3_finalize(s);
    free(w);
    return rc;
}

static int ge_sqlite_features_query(ge_store *st, const ge_features_query *q, ge_feature_cb cb,
                                    void *ud, ge_features_page *page, ge_err *err)
{
    ge_conn *c = NULL;
    int rc;

    rc = ge_features_query_start(q, GE_FEATURES_MAX_FILTERS, page, err);
    if (rc < 0) return rc;
    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) return rc;
    /* One snapshot for version, count and page (see the header). */
    rc = ge_store_sql_exec(c, "BEGIN", err);
    if (rc == GE_OK) rc = ge_features_query_conn(c, q, ge_store_srid(st), cb, ud, page, err);
    if (!sqlite3_get_autocommit(c->db)) ge_store_sql_exec(c, "COMMIT", NULL);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_feature_get(ge_store *st, const char *layer, int64_t fid, ge_feature_cb cb,
                                 void *ud, int64_t *version, ge_err *err)
{
    char sql[160];
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int64_t v = 0;
    int rc;

    rc = ge_features_layer_check(layer, err);
    if (rc < 0) return rc;
    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_store_sql_exec(c, "BEGIN", err);
    if (rc == GE_OK) rc = ge_features_layer_version(c, layer, &v, err);
    if (rc < 0) goto out;
    snprintf(sql, sizeof sql,
             "SELECT fid, AsBinary(geometry), props FROM \"ref_%s\" WHERE fid = ?1", layer);
    rc = ge_store_sql_prepare(c, sql, &s, err);
    if (rc < 0) goto out;
    sqlite3_bind_int64(s, 1, fid);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        if (version) *version = v;
        rc = cb(ud, sqlite3_column_int64(s, 0), sqlite3_column_blob(s, 1),
                (size_t)sqlite3_column_bytes(s, 1), (const char *)sqlite3_column_text(s, 2));
    } else if (rc == SQLITE_DONE) {
        rc = ge_features_missing(layer, fid, err);
    } else {
        rc = ge_store_sql_err(err, c->db, rc, "reading a feature");
    }
out:
    sqlite3_finalize(s);
    if (!sqlite3_get_autocommit(c->db)) ge_store_sql_exec(c, "COMMIT", NULL);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_layer_property_names(ge_store *st, const char *layer, char ***names, size_t *n,
                                          int64_t *version, ge_err *err)
{
    char sql[200];
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char **v = NULL;
    size_t len = 0, cap = 0;
    int rc;

    *names = NULL;
    *n = 0;
    rc = ge_features_layer_check(layer, err);
    if (rc < 0) return rc;
    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_store_sql_exec(c, "BEGIN", err);
    if (rc == GE_OK) rc = ge_features_layer_version(c, layer, version, err);
    if (rc < 0) goto out;
    snprintf(sql, sizeof sql,
             "SELECT DISTINCT j.key FROM \"ref_%s\" AS t, json_each(t.props) AS j ORDER BY 1",
             layer);
    rc = ge_store_sql_prepare(c, sql, &s, err);
    while (rc == GE_OK) {
        int step = sqlite3_step(s);
        if (step == SQLITE_DONE) break;
        if (step != SQLITE_ROW) {
            rc = ge_store_sql_err(err, c->db, step, "reading property names");
            break;
        }
        char **nv = ge_store_grow(v, &cap, len, sizeof *v, 32, err);
        if (!nv) {
            rc = GE_ENOMEM;
            break;
        }
        v = nv;
        v[len] = strdup((const char *)sqlite3_column_text(s, 0));
        if (!v[len]) {
            rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
            break;
        }
        len++;
    }
out:
    sqlite3_finalize(s);
    if (!sqlite3_get_autocommit(c->db)) ge_store_sql_exec(c, "COMMIT", NULL);
    ge_store_release(st, c);
    if (rc < 0) {
        ge_store_names_free(v, len);
        return rc;
    }
    *names = v;
    *n = len;
    return GE_OK;
}

const ge_store_features_ops ge_sqlite_features_ops = {
    .features_query = ge_sqlite_features_query,
    .feature_get = ge_sqlite_feature_get,
    .layer_property_names = ge_sqlite_layer_property_names,
};
