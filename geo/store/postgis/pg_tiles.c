/*
 * pg_tiles.c - box queries on reference layers for tiles (store_tiles.h)
 * in the PostGIS store; the same answers as sqlite/store_tiles.c.
 *
 * The box is `geometry && ST_MakeEnvelope(...)`: the GiST index's bounding
 * boxes, as SQLite's R*Tree lookup (a feature whose box touches the tile's,
 * edges included). Table names are built only from layer names that passed
 * ge_store_layer_name_valid().
 */
#include "pg_rows.h"
#include "pg_store.h"
#include "store_shared.h"
#include "store_tiles.h"

#include <stdio.h>
#include <stdlib.h>

static int ge_pg_tiles_version_conn(PGconn *c, const char *layer, int64_t *version, ge_err *err)
{
    PGresult *r = NULL;
    const char *p[] = {layer};
    int rc = ge_pg_exec(c, "reading a layer version", "SELECT version FROM layers WHERE name = $1",
                        1, p, &r, err);
    if (rc < 0) return rc;
    if (PQntuples(r) == 0)
        rc = ge_err_set(err, GE_ENOENT, "layer '%s' does not exist", layer);
    else
        *version = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return rc;
}

static int ge_pg_tiles_version(ge_store *st, const char *layer, int64_t *version, ge_err *err)
{
    PGconn *c;
    int rc;

    rc = ge_tiles_layer_check(layer, err);
    if (rc < 0) return rc;
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_pg_tiles_version_conn(c, layer, version, err);
    ge_pg_release(st, c);
    return rc;
}

static int ge_pg_tiles_query(ge_store *st, const char *layer, const double box[4], int64_t *version,
                             ge_feature_cb cb, void *ud, ge_err *err)
{
    char sql[320], v[5][32];
    PGconn *c = NULL;
    int64_t ver = 0;
    int rc;

    rc = ge_tiles_query_check(layer, box, err);
    if (rc < 0) return rc;
    ge_pg_box_params(box, ge_store_srid(st), v);
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    /* one snapshot: version and rows agree */
    rc = ge_pg_exec(c, "reading features in a box",
                    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL, err);
    if (rc == GE_OK) rc = ge_pg_tiles_version_conn(c, layer, &ver, err);
    if (rc == GE_OK) {
        snprintf(
            sql, sizeof sql,
            "SELECT fid, " GE_PG_WKB(
                "geometry") ", props::text FROM \"ref_%s\""
                            " WHERE geometry && ST_MakeEnvelope($1::float8, $2::float8, $3::float8,"
                            " $4::float8, $5::integer) ORDER BY fid",
            layer);
        const char *p[] = {v[0], v[1], v[2], v[3], v[4]};
        rc = ge_pg_feature_rows(c, "reading features in a box", sql, 5, p, cb, ud, NULL, err);
    }
    ge_pg_exec(c, "reading features in a box", "COMMIT", 0, NULL, NULL, NULL);
    ge_pg_release(st, c);
    if (rc == GE_OK && version) *version = ver;
    return rc;
}

static int ge_pg_tiles_fields(ge_store *st, const char *layer, json_t **out, ge_err *err)
{
    char sql[400];
    PGconn *c = NULL;
    PGresult *r = NULL;
    json_t *fields = NULL;
    int64_t v;
    int rc;

    *out = NULL;
    rc = ge_tiles_layer_check(layer, err);
    if (rc < 0) return rc;
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_pg_tiles_version_conn(c, layer, &v, err);
    if (rc == GE_OK) {
        /* a mixed column (numbers here, text there) is listed as String */
        snprintf(
            sql, sizeof sql,
            "SELECT j.key, max(CASE json_typeof(j.value) WHEN 'number' THEN 1"
            " WHEN 'boolean' THEN 2 ELSE 3 END)"
            " FROM \"ref_%s\" AS f, json_each(f.props) AS j"
            " WHERE json_typeof(j.value) <> 'null' GROUP BY j.key ORDER BY j.key COLLATE \"C\"",
            layer);
        rc = ge_pg_exec(c, "reading property names", sql, 0, NULL, &r, err);
    }
    ge_pg_release(st, c);
    if (rc < 0) return rc;
    fields = json_object();
    if (!fields) rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
    for (int i = 0; rc == GE_OK && i < PQntuples(r); i++) {
        ge_tiles_field_set(fields, PQgetvalue(r, i, 0), atoi(PQgetvalue(r, i, 1)));
    }
    PQclear(r);
    if (rc < 0) {
        json_decref(fields);
        return rc;
    }
    *out = fields;
    return GE_OK;
}

const ge_store_tiles_ops ge_pg_tiles_ops = {
    .tiles_version = ge_pg_tiles_version,
    .tiles_query = ge_pg_tiles_query,
    .tiles_fields = ge_pg_tiles_fields,
};
