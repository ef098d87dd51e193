/*
 * store_tiles.c - box queries on reference layers for tiles (see
 * store_tiles.h), SpatiaLite flavour.
 *
 * The box goes straight to the layer's R*Tree ("idx_ref_<name>_geometry",
 * made by CreateSpatialIndex) rather than through the SpatialIndex virtual
 * table: the same index, one layer less, and the statement stays a plain
 * prepared query with four bound numbers. Table names cannot be bound; they
 * are built only from layer names that passed ge_store_layer_name_valid().
 */
#include "store_shared.h"
#include "store_tiles.h"

#include <stdio.h>

#include "sqlite_internal.h"

static int ge_store_tiles_version_conn(ge_conn *c, const char *layer, int64_t *version, ge_err *err)
{
    sqlite3_stmt *s;
    int rc = ge_store_sql_prepare(c, "SELECT version FROM layers WHERE name = ?", &s, err);
    if (rc < 0) return rc;
    sqlite3_bind_text(s, 1, layer, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int64(s, 0);
        rc = GE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = ge_err_set(err, GE_ENOENT, "layer '%s' does not exist", layer);
    } else {
        rc = ge_store_sql_err(err, c->db, rc, "reading a layer version");
    }
    sqlite3_finalize(s);
    return rc;
}

static int ge_sqlite_tiles_version(ge_store *st, const char *layer, int64_t *version, ge_err *err)
{
    ge_conn *c;
    int rc;

    rc = ge_tiles_layer_check(layer, err);
    if (rc < 0) return rc;
    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_store_tiles_version_conn(c, layer, version, err);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_tiles_query(ge_store *st, const char *layer, const double box[4],
                                 int64_t *version, ge_feature_cb cb, void *ud, ge_err *err)
{
    char sql[320];
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int64_t v = 0;
    int rc;

    rc = ge_tiles_query_check(layer, box, err);
    if (rc < 0) return rc;
    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) return rc;
    /* One read transaction: version and rows from the same snapshot. */
    rc = ge_store_sql_exec(c, "BEGIN", err);
    if (rc == GE_OK) rc = ge_store_tiles_version_conn(c, layer, &v, err);
    if (rc == GE_OK) {
        snprintf(sql, sizeof sql,
                 "SELECT fid, AsBinary(geometry), props FROM \"ref_%s\" WHERE fid IN "
                 "(SELECT pkid FROM \"idx_ref_%s_geometry\" "
                 "WHERE xmin <= ?3 AND xmax >= ?1 AND ymin <= ?4 AND ymax >= ?2) ORDER BY fid",
                 layer, layer);
        rc = ge_store_sql_prepare(c, sql, &s, err);
    }
    if (rc == GE_OK)
        for (int i = 0; i < 4; i++)
            sqlite3_bind_double(s, i + 1, box[i]);
    while (rc == GE_OK) {
        int step = sqlite3_step(s);
        if (step == SQLITE_DONE) break;
        if (step != SQLITE_ROW) {
            rc = ge_store_sql_err(err, c->db, step, "reading features in a box");
            break;
        }
        if (sqlite3_column_type(s, 1) != SQLITE_BLOB) continue; /* NULL geometry */
        rc = cb(ud, sqlite3_column_int64(s, 0), sqlite3_column_blob(s, 1),
                (size_t)sqlite3_column_bytes(s, 1), (const char *)sqlite3_column_text(s, 2));
    }
    sqlite3_finalize(s);
    if (!sqlite3_get_autocommit(c->db)) ge_store_sql_exec(c, "COMMIT", NULL);
    ge_store_release(st, c);
    if (rc == GE_OK && version) *version = v;
    return rc;
}

static int ge_sqlite_tiles_fields(ge_store *st, const char *layer, json_t **out, ge_err *err)
{
    char sql[256];
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    json_t *fields = NULL;
    int64_t v;
    int rc;

    *out = NULL;
    rc = ge_tiles_layer_check(layer, err);
    if (rc < 0) return rc;
    fields = json_object();
    if (!fields) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) goto out;
    rc = ge_store_tiles_version_conn(c, layer, &v, err);
    if (rc == GE_OK) {
        /* A mixed column (numbers here, text there) is listed as String:
         * the text sorts after the number kinds in max(). */
        snprintf(sql, sizeof sql,
                 "SELECT j.key, max(CASE j.type WHEN 'integer' THEN 1 WHEN 'real' THEN 1 "
                 "WHEN 'true' THEN 2 WHEN 'false' THEN 2 ELSE 3 END) "
                 "FROM \"ref_%s\" AS f, json_each(f.props) AS j WHERE j.type <> 'null' "
                 "GROUP BY j.key ORDER BY j.key",
                 layer);
        rc = ge_store_sql_prepare(c, sql, &s, err);
    }
    while (rc == GE_OK) {
        int step = sqlite3_step(s);
        if (step == SQLITE_DONE) break;
        if (step != SQLITE_ROW) {
            rc = ge_store_sql_err(err, c->db, step, "reading property names");
            break;
        }
        ge_tiles_field_set(fields, (const char *)sqlite3_column_text(s, 0),
                           sqlite3_column_int(s, 1));
    }
    sqlite3_finalize(s);
    ge_store_release(st, c);
out:
    if (rc < 0) {
        json_decref(fields);
        return rc;
    }
    *out = fields;
    return GE_OK;
}

const ge_store_tiles_ops ge_sqlite_tiles_ops = {
    .tiles_version = ge_sqlite_tiles_version,
    .tiles_query = ge_sqlite_tiles_query,
    .tiles_fields = ge_sqlite_tiles_fields,
};
