/*
 * pg_export.c - ge_store_cases_features in the PostGIS store (see
 * store_export.h): the features of many cases from one snapshot on one
 * connection, as sqlite/store_export.c.
 */
#include "case_location.h"
#include "pg_rows.h"
#include "pg_store.h"
#include "store_export.h"

#include <stdlib.h>

/* The report's measures of case id as {"measures": [...]}, or NULL when it
 * has none (or no memory: the caller then makes the sentences anew). */
static json_t *ge_pg_export_measures(PGconn *c, const char *id)
{
    PGresult *r = NULL;
    json_t *doc = NULL;
    const char *p[] = {id};
    if (ge_pg_exec(c, "reading a case report",
                   "SELECT json_build_object('measures', report -> 'measures')::text"
                   " FROM cases WHERE id = $1 AND json_typeof(report -> 'measures') = 'array'",
                   1, p, &r, NULL) < 0)
        return NULL;
    if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) doc = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    PQclear(r);
    return doc;
}

static int ge_pg_cases_features(ge_store *st, const char *const *ids, size_t n,
                                ge_store_export_cb cb, void *ud, ge_err *err)
{
    PGconn *c = NULL;
    json_t *report = NULL;
    unsigned char *wkb = NULL;
    size_t cap = 0;
    int rc = ge_pg_acquire(st, &c, err);

    if (rc < 0) return rc;
    /* one snapshot for the whole export */
    rc = ge_pg_exec(c, "reading case features", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                    0, NULL, NULL, err);
    for (size_t i = 0; rc == GE_OK && i < n; i++) {
        PGresult *r = NULL;
        const char *p[] = {ids[i]};
        json_decref(report);
        report = ge_pg_export_measures(c, ids[i]);
        rc = ge_pg_exec(c, "reading case features",
                        "SELECT idx, " GE_PG_WKB("geometry") " FROM case_features"
                                                             " WHERE case_id = $1 ORDER BY idx",
                        1, p, &r, err);
        for (int row = 0; rc == GE_OK && row < PQntuples(r); row++) {
            long len = ge_pg_unhex(PQgetvalue(r, row, 1), &wkb, &cap);
            if (len < 0) {
                rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
                break;
            }
            ge_store_export_feature f = {.case_index = i,
                                         .idx = strtoll(PQgetvalue(r, row, 0), NULL, 10),
                                         .wkb = wkb,
                                         .wkb_len = (size_t)len};
            f.location = f.idx >= 0 ? ge_case_location_stored(report, (size_t)f.idx) : NULL;
            rc = cb(ud, &f);
        }
        PQclear(r);
    }
    ge_pg_exec(c, "reading case features", "COMMIT", 0, NULL, NULL, NULL);
    ge_pg_release(st, c);
    json_decref(report);
    free(wkb);
    return rc;
}

const ge_store_export_ops ge_pg_export_ops = {
    .cases_features = ge_pg_cases_features,
};
