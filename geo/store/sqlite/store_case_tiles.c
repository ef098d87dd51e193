/*
 * store_case_tiles.c - box queries on case features for the review app's
 * tiles (see store_case_tiles.h), SpatiaLite flavour.
 *
 * Like the reference layers' tile query (store_tiles.c), the box goes
 * straight to the R*Tree that CreateSpatialIndex made for case_features.
 * The properties are built by SQLite's json_object() in the same statement,
 * so the tile renderer gets them in the same shape as a reference layer's
 * and needs no case-specific code. The service list is bound as JSON text
 * and unpacked by json_each(): one prepared statement for any number of
 * services, nothing spliced into the SQL.
 */
#include "store_case_tiles.h"
#include "store_shared.h"

#include "sqlite_internal.h"

static const char ge_store_case_tiles_version_sql[] =
    "SELECT coalesce(max(id), 0) FROM case_events";

static int ge_sqlite_case_tiles_version(ge_store *st, int64_t *version, ge_err *err)
{
    ge_conn *c = NULL;
    int64_t v = 0;
    int rc = ge_store_acquire(st, &c, err);

    if (rc < 0) return rc;
    rc = ge_store_sql_int(c, ge_store_case_tiles_version_sql, NULL, &v, err);
    ge_store_release(st, c);
    if (rc == GE_OK) *version = v;
    return rc;
}

static int ge_sqlite_case_tiles_query(ge_store *st, const double box[4], const char *services_json,
                                      int64_t *version, ge_feature_cb cb, void *ud, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int64_t v = 0;
    int rc;

    rc = ge_store_box_check(box, "case tile query", err);
    if (rc < 0) return rc;
    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) return rc;
    /* One read transaction: the version and the rows from one snapshot, so
     * a tile is never cached under a version it does not show. */
    rc = ge_store_sql_exec(c, "BEGIN", err);
    if (rc == GE_OK) rc = ge_store_sql_int(c, ge_store_case_tiles_version_sql, NULL, &v, err);
    if (rc == GE_OK)
        rc = ge_store_sql_prepare(
            c,
            "SELECT f.fid, AsBinary(f.geometry),"
            " json_object('case_id', k.id, 'service', k.service, 'status', k.status,"
            "  'reference', k.reference,"
            "  'valid', CASE json_type(k.report, '$.valid')"
            "   WHEN 'true' THEN json('true') WHEN 'false' THEN json('false') END)"
            " FROM case_features f JOIN cases k ON k.id = f.case_id"
            " WHERE f.fid IN (SELECT pkid FROM idx_case_features_geometry"
            "   WHERE xmin <= ?3 AND xmax >= ?1 AND ymin <= ?4 AND ymax >= ?2)"
            " AND k.purged_at IS NULL"
            " AND (?5 IS NULL OR k.service IN (SELECT value FROM json_each(?5)))"
            " ORDER BY f.fid",
            &s, err);
    if (rc == GE_OK) {
        for (int i = 0; i < 4; i++)
            sqlite3_bind_double(s, i + 1, box[i]);
        if (services_json) sqlite3_bind_text(s, 5, services_json, -1, SQLITE_STATIC);
    }
    while (rc == GE_OK) {
        int step = sqlite3_step(s);
        if (step == SQLITE_DONE) break;
        if (step != SQLITE_ROW) {
            rc = ge_store_sql_err(err, c->db, step, "reading case features in a box");
            break;
        }
        if (sqlite3_column_type(s, 1) != SQLITE_BLOB) continue; /* NULL geometry */
        rc = cb(ud, sqlite3_column_int64(s, 0), sqlite3_column_blob(s, 1),
                (size_t)sqlite3_column_bytes(s, 1), (const char *)sqlite3_column_text(s, 2));
    }
    sqlite3_finalize(s);
    if (c && !sqlite3_get_autocommit(c->db)) ge_store_sql_exec(c, "COMMIT", NULL);
    ge_store_release(st, c);
    if (rc == GE_OK && version) *version = v;
    return rc;
}

const ge_store_case_tiles_ops ge_sqlite_case_tiles_ops = {
    .case_tiles_version = ge_sqlite_case_tiles_version,
    .case_tiles_query = ge_sqlite_case_tiles_query,
};
