/*
 * pg_case_tiles.c - box queries on case features for the review app's
 * tiles (store_case_tiles.h) in the PostGIS store; the same answers as
 * sqlite/store_case_tiles.c.
 *
 * The box goes to the GiST index of case_features (&&, the bounding boxes
 * meet, as SQLite's R*Tree lookup); the properties are built in the same
 * statement by json_build_object, in the same keys and order as SQLite's
 * json_object. The version is the highest case event id: event ids grow in
 * commit order here too (pg_case_events.h), and the version and the rows
 * come from one REPEATABLE READ snapshot, so a tile is never cached under a
 * version it does not show.
 */
#include "pg_rows.h"
#include "pg_store.h"
#include "store_case_tiles.h"
#include "store_shared.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char ge_pg_case_tiles_version_sql[] = "SELECT coalesce(max(id), 0) FROM case_events";

static int ge_pg_case_tiles_version(ge_store *st, int64_t *version, ge_err *err)
{
    PGconn *c = NULL;
    int64_t v = 0;
    int rc = ge_pg_acquire(st, &c, err);

    if (rc < 0) return rc;
    rc = ge_pg_int(c, "reading the case tiles' version", ge_pg_case_tiles_version_sql, NULL, &v,
                   err);
    ge_pg_release(st, c);
    if (rc == GE_OK) *version = v;
    return rc;
}

static int ge_pg_case_tiles_query(ge_store *st, const double box[4], const char *services_json,
                                  int64_t *version, ge_feature_cb cb, void *ud, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    char b[5][32];
    int64_t v = 0;
    int rc;

    rc = ge_store_box_check(box, "case tile query", err);
    if (rc < 0) return rc;
    ge_pg_box_params(box, ge_store_srid(st), b);
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_pg_exec(c, "reading case features in a box",
                    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL, err);
    if (rc == GE_OK)
        rc = ge_pg_int(c, "reading the case tiles' version", ge_pg_case_tiles_version_sql, NULL, &v,
                       err);
    if (rc == GE_OK) {
        const char *p[] = {b[0], b[1], b[2], b[3], services_json, b[4]};
        rc = ge_pg_exec(
            c, "reading case features in a box",
            "SELECT f.fid, ST_AsBinary(f.geometry),"
            " json_build_object('case_id', k.id, 'service', k.service, 'status', k.status,"
            "  'reference', k.reference,"
            "  'valid', CASE json_typeof(k.report -> 'valid')"
            "   WHEN 'boolean' THEN k.report -> 'valid' END)"
            " FROM case_features f JOIN cases k ON k.id = f.case_id"
            " WHERE f.geometry && ST_MakeEnvelope($1::float8, $2::float8, $3::float8,"
            "   $4::float8, $6::integer)"
            " AND k.purged_at IS NULL"
            " AND ($5::text IS NULL"
            "   OR k.service = ANY (SELECT json_array_elements_text($5::json)))"
            " ORDER BY f.fid",
            6, p, &r, err);
    }
    PQclear(PQexec(c, rc == GE_OK ? "COMMIT" : "ROLLBACK"));
    ge_pg_release(st, c);
    for (int i = 0; rc == GE_OK && i < PQntuples(r); i++) {
        size_t len = 0;
        unsigned char *wkb;
        if (PQgetisnull(r, i, 1)) continue; /* NULL geometry */
        wkb = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 1), &len);
        if (!wkb) {
            rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
            break;
        }
        rc = cb(ud, strtoll(PQgetvalue(r, i, 0), NULL, 10), wkb, len, PQgetvalue(r, i, 2));
        PQfreemem(wkb);
    }
    PQclear(r);
    if (rc == GE_OK && version) *version = v;
    return rc;
}

const ge_store_case_tiles_ops ge_pg_case_tiles_ops = {
    .case_tiles_version = ge_pg_case_tiles_version,
    .case_tiles_query = ge_pg_case_tiles_query,
};
