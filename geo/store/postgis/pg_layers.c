/*
 * pg_layers.c - reference layers in the PostGIS store (store.h): their
 * metadata, a scan of one layer, and the import batch that replaces layers
 * in one transaction; the same answers as sqlite/store_spatialite.c.
 *
 * A layer's features live in "ref_<name>" (fid bigint, props json,
 * geometry geometry(Geometry, <srid>) with a GiST index), created by its
 * first import. The only text put into SQL is a layer name after
 * ge_store_layer_name_valid() accepted it, used as a quoted identifier, and
 * the store's own SRID.
 *
 * The import batch: one transaction under a transaction-level advisory lock,
 * so that two imports (from two instances, say) run one after the other as
 * under SQLite's one writer. A layer's rows are emptied with DELETE, not
 * TRUNCATE: readers keep reading the old rows until the commit instead of
 * waiting for the lock TRUNCATE takes. The features go with COPY into a
 * temporary staging table (fid, props text, WKB) and from there in one
 * INSERT ... SELECT into the layer table, where PostGIS makes the geometry;
 * each feature is checked in C before it is copied (complete WKB, a JSON
 * object), so that a bad one is refused alone, with the same messages as the
 * SQLite store, and the batch goes on. fids are 1..n in the order added,
 * as SQLite gives them after emptying a table. The commit notifies
 * channel ge_layers, for instances that LISTEN rather than poll.
 */
#include "date.h"
#include "pg_rows.h"
#include "pg_store.h"
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* The advisory lock key of the import (pg_advisory_xact_lock). */
#define GE_PG_IMPORT_LOCK "7143082611"
/* The longest layer name here: "ref_" + 59 = 63, PostgreSQL's limit. */
#define GE_PG_LAYER_NAME_MAX 59
/* Bytes of COPY data gathered before they go to the server. */
#define GE_PG_COPY_CHUNK (256 * 1024)

typedef struct ge_pg_batch {
    ge_store *st;
    PGconn *c;
    char imported_at[32];
    bool copying; /* a COPY into the staging table is open */
    bool has_layer;
    bool fresh; /* the layer table was created by this batch */
    ge_layer_info layer;
    int64_t count;
    unsigned types;
    char *buf; /* COPY data not sent yet */
    size_t len, cap;
    char (*done)[64];
    size_t ndone;
} ge_pg_batch;

static int ge_layer_name_check(const char *name, ge_err *err)
{
    if (!ge_store_layer_name_valid(name))
        return ge_err_set(err, GE_EINVAL,
                          "layer name '%.64s' is not valid (want [a-z][a-z0-9_]{0,62})",
                          name ? name : "(null)");
    return GE_OK;
}

static int ge_pg_layers_stamp(ge_store *st, int64_t *stamp, ge_err *err)
{
    PGconn *c;
    int rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    *stamp = 0;
    /* versions only grow, and every import counts up those it writes */
    rc = ge_pg_int(c, "reading the layer versions", "SELECT coalesce(sum(version), 0) FROM layers",
                   NULL, stamp, err);
    ge_pg_release(st, c);
    return rc;
}

/* ---- reading layers ------------------------------------------------------ */

#define GE_LAYER_COLUMNS                                                                           \
    "name, title, description, geometry_type, srid, feature_count, bbox_minx, bbox_miny, "         \
    "bbox_maxx, bbox_maxy, source, attribution, imported_at, version, description_de"

static void ge_layer_from_row(const PGresult *r, int row, ge_layer_info *li)
{
    memset(li, 0, sizeof *li);
    ge_pg_copy_text(li->name, sizeof li->name, r, row, 0);
    ge_pg_copy_text(li->title, sizeof li->title, r, row, 1);
    ge_pg_copy_text(li->description, sizeof li->description, r, row, 2);
    ge_pg_copy_text(li->geometry_type, sizeof li->geometry_type, r, row, 3);
    li->srid = (int)strtol(PQgetvalue(r, row, 4), NULL, 10);
    li->feature_count = strtoll(PQgetvalue(r, row, 5), NULL, 10);
    for (int i = 0; i < 4; i++)
        li->bbox[i] = strtod(PQgetvalue(r, row, 6 + i), NULL);
    ge_pg_copy_text(li->source, sizeof li->source, r, row, 10);
    ge_pg_copy_text(li->attribution, sizeof li->attribution, r, row, 11);
    ge_pg_copy_text(li->imported_at, sizeof li->imported_at, r, row, 12);
    li->version = strtoll(PQgetvalue(r, row, 13), NULL, 10);
    ge_pg_copy_text(li->description_de, sizeof li->description_de, r, row, 14);
}

static int ge_pg_layer_list(ge_store *st, ge_layer_info **out, size_t *n, ge_err *err)
{
    PGconn *c;
    PGresult *r = NULL;
    int rc = ge_pg_acquire(st, &c, err);

    *out = NULL;
    *n = 0;
    if (rc < 0) return rc;
    rc = ge_pg_exec(c, "listing layers", "SELECT " GE_LAYER_COLUMNS " FROM layers ORDER BY name", 0,
                    NULL, &r, err);
    ge_pg_release(st, c);
    if (rc < 0) return rc;
    int rows = PQntuples(r);
    if (rows > 0) {
        *out = calloc((size_t)rows, sizeof **out);
        if (!*out) rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
    }
    for (int i = 0; rc == GE_OK && i < rows; i++)
        ge_layer_from_row(r, i, &(*out)[i]);
    if (rc == GE_OK) *n = (size_t)rows;
    PQclear(r);
    return rc;
}

static int ge_layer_get_conn(PGconn *c, const char *name, ge_layer_info *out, ge_err *err)
{
    PGresult *r = NULL;
    const char *p[] = {name};
    int rc = ge_pg_exec(c, "reading layer metadata",
                        "SELECT " GE_LAYER_COLUMNS " FROM layers WHERE name = $1", 1, p, &r, err);
    if (rc < 0) return rc;
    if (PQntuples(r) == 0)
        rc = ge_err_set(err, GE_ENOENT, "layer '%s' does not exist", name);
    else if (out)
        ge_layer_from_row(r, 0, out);
    PQclear(r);
    return rc;
}

static int ge_pg_layer_get(ge_store *st, const char *name, ge_layer_info *out, ge_err *err)
{
    PGconn *c;
    int rc = ge_layer_name_check(name, err);
    if (rc < 0) return rc;
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_layer_get_conn(c, name, out, err);
    ge_pg_release(st, c);
    return rc;
}

static int ge_pg_layer_scan(ge_store *st, const char *name, ge_feature_cb cb, void *ud, ge_err *err)
{
    char sql[200];
    PGconn *c;
    int rc = ge_layer_name_check(name, err);
    if (rc < 0) return rc;
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    /* One snapshot: the metadata check and the rows agree while an import
     * commits. */
    rc = ge_pg_exec(c, "reading features", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0,
                    NULL, NULL, err);
    if (rc == GE_OK) rc = ge_layer_get_conn(c, name, NULL, err);
    if (rc == GE_OK) {
        snprintf(sql, sizeof sql,
                 "SELECT fid, " GE_PG_WKB("geometry") ", props::text FROM \"ref_%s\" ORDER BY fid",
                 name);
        rc = ge_pg_feature_rows(c, "reading features", sql, 0, NULL, cb, ud, NULL, err);
    }
    ge_pg_exec(c, "reading features", "COMMIT", 0, NULL, NULL, NULL);
    ge_pg_release(st, c);
    return rc;
}

/* ---- checking a feature before it is copied -------------------------------- */

typedef struct ge_wkb_reader {
    const unsigned char *p;
    size_t left;
} ge_wkb_reader;

static bool ge_wkb_u32(ge_wkb_reader *r, bool le, uint32_t *v)
{
    if (r->left < 4) return false;
    const unsigned char *p = r->p;
    *v = le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
            : (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
    r->p += 4;
    r->left -= 4;
    return true;
}

static bool ge_wkb_skip(ge_wkb_reader *r, uint64_t bytes)
{
    if (bytes > r->left) return false;
    r->p += bytes;
    r->left -= bytes;
    return true;
}

/* Walks one geometry of ISO, OGC or EWKB; false when it is cut short or
 * not WKB at all. depth bounds nested collections. */
static bool ge_wkb_walk(ge_wkb_reader *r, int depth)
{
    uint32_t t, n, m;
    if (depth > 32 || r->left < 5 || r->p[0] > 1) return false;
    bool le = r->p[0] == 1;
    r->p++;
    r->left--;
    if (!ge_wkb_u32(r, le, &t)) return false;
    unsigned dims = 2;
    if (t & 0x80000000u) dims++;                             /* EWKB Z */
    if (t & 0x40000000u) dims++;                             /* EWKB M */
    if (t & 0x20000000u && !ge_wkb_skip(r, 4)) return false; /* EWKB SRID */
    t &= 0x0fffffffu;
    if (t / 1000 == 1 || t / 1000 == 2)
        dims++;
    else if (t / 1000 == 3)
        dims += 2;
    else if (t / 1000 > 3)
        return false;
    t %= 1000;
    uint64_t pt = 8u * dims;
    switch (t) {
    case 1:
        return ge_wkb_skip(r, pt);
    case 2:
        return ge_wkb_u32(r, le, &n) && ge_wkb_skip(r, pt * n);
    case 3:
        if (!ge_wkb_u32(r, le, &n)) return false;
        for (uint32_t i = 0; i < n; i++)
            if (!ge_wkb_u32(r, le, &m) || !ge_wkb_skip(r, pt * m)) return false;
        return true;
    case 4:
    case 5:
    case 6:
    case 7:
        if (!ge_wkb_u32(r, le, &n) || n > r->left / 5) return false;
        for (uint32_t i = 0; i < n; i++)
            if (!ge_wkb_walk(r, depth + 1)) return false;
        return true;
    default:
        return false;
    }
}

static bool ge_wkb_complete(const unsigned char *wkb, size_t len)
{
    ge_wkb_reader r = {wkb, len};
    return ge_wkb_walk(&r, 0) && r.left == 0;
}

/* A JSON object, as the SQLite store's CHECK (json_valid(props) AND
 * json_type(props) = 'object'). A number too large for jansson is still
 * JSON: PostgreSQL's json type then has the last word. */
static bool ge_props_object(const char *props)
{
    json_error_t je;
    const char *p = props;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (*p != '{') return false;
    json_t *j = json_loads(props, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!j) return strstr(je.text, "overflow") != NULL;
    json_decref(j);
    return true;
}

/* ---- the import batch ------------------------------------------------------ */

static int ge_batch_flush(ge_pg_batch *b, ge_err *err)
{
    if (b->len == 0) return GE_OK;
    if (PQputCopyData(b->c, b->buf, (int)b->len) != 1)
        return ge_err_set(err, GE_EIO, "store: copying features: %s", PQerrorMessage(b->c));
    b->len = 0;
    return GE_OK;
}

static int ge_batch_put(ge_pg_batch *b, const char *s, size_t n, ge_err *err)
{
    if (b->len + n > b->cap) {
        int rc = ge_batch_flush(b, err);
        if (rc < 0) return rc;
        if (n > b->cap) {
            size_t ncap = n > GE_PG_COPY_CHUNK ? n : GE_PG_COPY_CHUNK;
            char *nb = realloc(b->buf, ncap);
            if (!nb) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
            b->buf = nb;
            b->cap = ncap;
        }
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    return GE_OK;
}

/* Ends the COPY into the staging table; ok false aborts it. */
static int ge_batch_copy_end(ge_pg_batch *b, bool ok, ge_err *err)
{
    int rc = GE_OK;
    PGresult *r;
    if (!b->copying) return GE_OK;
    if (ok) rc = ge_batch_flush(b, err);
    b->copying = false;
    b->len = 0;
    if (PQputCopyEnd(b->c, ok && rc == GE_OK ? NULL : "import aborted") != 1 && rc == GE_OK)
        rc = ge_err_set(err, GE_EIO, "store: copying features: %s", PQerrorMessage(b->c));
    while ((r = PQgetResult(b->c)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == GE_OK && ok)
            rc = ge_err_set(err, ge_pg_sqlstate_code(PQresultErrorField(r, PG_DIAG_SQLSTATE)),
                            "store: copying features: %s", PQresultErrorMessage(r));
        PQclear(r);
    }
    return rc;
}

static int ge_batch_copy_begin(ge_pg_batch *b, ge_err *err)
{
    int rc = ge_pg_exec(b->c, "staging features",
                        "CREATE TEMP TABLE IF NOT EXISTS ge_import_stage"
                        " (fid bigint, props text, wkb bytea) ON COMMIT DROP",
                        0, NULL, NULL, err);
    if (rc == GE_OK)
        rc = ge_pg_exec(b->c, "staging features", "TRUNCATE ge_import_stage", 0, NULL, NULL, err);
    if (rc < 0) return rc;
    PGresult *r = PQexec(b->c, "COPY ge_import_stage (fid, props, wkb) FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        rc = ge_err_set(err, GE_EIO, "store: starting to copy features: %s",
                        PQresultErrorMessage(r));
        PQclear(r);
        return rc;
    }
    PQclear(r);
    b->copying = true;
    return GE_OK;
}

/* Creates ref_<name> or empties it, inside the batch's transaction. */
static int ge_layer_table_reset(ge_pg_batch *b, const char *name, ge_err *err)
{
    char sql[400], table[80];
    int64_t exists = 0;
    int rc;

    snprintf(table, sizeof table, "\"ref_%s\"", name);
    rc = ge_pg_int(b->c, "looking for a layer table",
                   "SELECT count(*) FROM pg_class"
                   " WHERE oid = to_regclass($1)",
                   table, &exists, err);
    if (rc < 0) return rc;
    b->fresh = !exists;
    if (exists) {
        snprintf(sql, sizeof sql, "DELETE FROM %s", table);
        return ge_pg_exec(b->c, "emptying a layer table", sql, 0, NULL, NULL, err);
    }
    snprintf(sql, sizeof sql,
             "CREATE TABLE %s (fid bigint PRIMARY KEY,"
             " props json NOT NULL DEFAULT '{}' CHECK (json_typeof(props) = 'object'),"
             " geometry geometry(Geometry, %d) NOT NULL)",
             table, ge_store_srid(b->st));
    return ge_pg_exec(b->c, "creating a layer table", sql, 0, NULL, NULL, err);
}

/* Moves the staged features into the layer table and writes the layer's
 * metadata: count, bbox, type, version+1. */
static int ge_layer_finish(ge_pg_batch *b, ge_err *err)
{
    char sql[400], srid[16], count[24], box[4][32];
    PGresult *r = NULL;
    ge_layer_info *li = &b->layer;
    int rc;

    if (!b->has_layer) return GE_OK;
    b->has_layer = false;
    rc = ge_batch_copy_end(b, true, err);
    snprintf(srid, sizeof srid, "%d", ge_store_srid(b->st));
    if (rc == GE_OK) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO \"ref_%s\" (fid, props, geometry) SELECT fid, props::json,"
                 " ST_SetSRID(ST_Force2D(ST_GeomFromWKB(wkb)), $1::integer)"
                 " FROM ge_import_stage ORDER BY fid",
                 li->name);
        const char *p[] = {srid};
        rc = ge_pg_exec(b->c, "writing features", sql, 1, p, NULL, err);
    }
    if (rc == GE_OK && b->fresh) {
        /* after the rows: one build instead of one insert per row */
        snprintf(sql, sizeof sql, "CREATE INDEX ON \"ref_%s\" USING gist (geometry)", li->name);
        rc = ge_pg_exec(b->c, "indexing a layer", sql, 0, NULL, NULL, err);
    }
    if (rc == GE_OK) {
        /* box3d is computed from the coordinates; ST_Extent would read the
         * float bounding boxes PostGIS keeps with a geometry */
        snprintf(sql, sizeof sql,
                 "SELECT min(ST_XMin(geometry::box3d)), min(ST_YMin(geometry::box3d)),"
                 " max(ST_XMax(geometry::box3d)), max(ST_YMax(geometry::box3d)) FROM \"ref_%s\"",
                 li->name);
        rc = ge_pg_exec(b->c, "computing the layer extent", sql, 0, NULL, &r, err);
    }
    if (rc < 0) return rc;
    for (int i = 0; i < 4; i++)
        snprintf(box[i], sizeof box[i], "%s", PQgetisnull(r, 0, i) ? "0" : PQgetvalue(r, 0, i));
    PQclear(r);
    snprintf(count, sizeof count, "%" PRId64, b->count);
    const char *p[] = {li->name,
                       li->title[0] ? li->title : li->name,
                       li->description,
                       ge_store_geometry_type_name(b->types),
                       srid,
                       count,
                       box[0],
                       box[1],
                       box[2],
                       box[3],
                       li->source,
                       li->attribution,
                       b->imported_at,
                       li->description_de};
    rc = ge_pg_exec(b->c, "writing layer metadata",
                    "INSERT INTO layers (name, title, description, geometry_type, srid,"
                    " feature_count, bbox_minx, bbox_miny, bbox_maxx, bbox_maxy, source,"
                    " attribution, imported_at, version, description_de)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14)"
                    " ON CONFLICT (name) DO UPDATE SET title = excluded.title,"
                    " description = excluded.description,"
                    " description_de = excluded.description_de,"
                    " geometry_type = excluded.geometry_type, srid = excluded.srid,"
                    " feature_count = excluded.feature_count, bbox_minx = excluded.bbox_minx,"
                    " bbox_miny = excluded.bbox_miny, bbox_maxx = excluded.bbox_maxx,"
                    " bbox_maxy = excluded.bbox_maxy, source = excluded.source,"
                    " attribution = excluded.attribution, imported_at = excluded.imported_at,"
                    " version = layers.version + 1",
                    14, p, NULL, err);
    return rc;
}

static void ge_batch_free(ge_pg_batch *b)
{
    if (b->c) {
        ge_batch_copy_end(b, false, NULL);
        if (PQtransactionStatus(b->c) != PQTRANS_IDLE)
            ge_pg_exec(b->c, "ending an import", "ROLLBACK", 0, NULL, NULL, NULL);
        ge_pg_release(b->st, b->c);
    }
    free(b->buf);
    free(b->done);
    free(b);
}

static int ge_pg_batch_begin(ge_store *st, time_t now, void **out, ge_err *err)
{
    ge_pg *pg = ge_store_impl(st);
    ge_pg_batch *b;
    int rc;

    *out = NULL;
    if (pg->readonly)
        return ge_err_set(err, GE_EINVAL, "store '%s' is open read-only", ge_store_name(st));
    b = calloc(1, sizeof *b);
    if (!b) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    b->st = st;
    rc = ge_pg_acquire(st, &b->c, err);
    if (rc == GE_OK) rc = ge_pg_exec(b->c, "starting an import", "BEGIN", 0, NULL, NULL, err);
    /* one import at a time, across every instance on this database */
    if (rc == GE_OK)
        rc = ge_pg_exec(b->c, "starting an import",
                        "SELECT pg_advisory_xact_lock(" GE_PG_IMPORT_LOCK ")", 0, NULL, NULL, err);
    if (rc < 0) {
        ge_err_prefix(err, "starting an import");
        ge_batch_free(b);
        return rc;
    }
    ge_date_utc(now, b->imported_at);
    *out = b;
    return GE_OK;
}

static int ge_batch_alive(ge_pg_batch *b, ge_err *err)
{
    if (!b->copying && PQtransactionStatus(b->c) != PQTRANS_INTRANS)
        return ge_err_set(err, GE_EIO, "store: the import transaction was rolled back");
    return GE_OK;
}

static int ge_pg_batch_layer(void *batch, const ge_layer_info *meta, ge_err *err)
{
    ge_pg_batch *b = batch;
    int rc = ge_layer_name_check(meta->name, err);
    if (rc < 0) return rc;
    /* PostgreSQL cuts identifiers to 63 bytes: two longer names would share
     * one ref_ table */
    if (strlen(meta->name) > GE_PG_LAYER_NAME_MAX)
        return ge_err_set(err, GE_EINVAL,
                          "layer name '%s' is too long for the PostGIS store (at most %d "
                          "characters: ref_<name> must fit PostgreSQL's 63)",
                          meta->name, GE_PG_LAYER_NAME_MAX);
    rc = ge_batch_alive(b, err);
    if (rc < 0) return rc;
    for (size_t i = 0; i < b->ndone; i++)
        if (strcmp(b->done[i], meta->name) == 0)
            return ge_err_set(err, GE_ECONFLICT, "layer '%s' is written twice in one import",
                              meta->name);
    rc = ge_layer_finish(b, err);
    if (rc == GE_OK) rc = ge_layer_table_reset(b, meta->name, err);
    if (rc == GE_OK) rc = ge_batch_copy_begin(b, err);
    if (rc == GE_OK) {
        char(*nd)[64] = realloc(b->done, (b->ndone + 1) * sizeof *nd);
        if (!nd)
            rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
        else {
            b->done = nd;
            snprintf(b->done[b->ndone++], 64, "%s", meta->name);
        }
    }
    if (rc < 0) {
        ge_err_prefix(err, "layer '%s'", meta->name);
        return rc;
    }
    b->layer = *meta;
    b->has_layer = true;
    b->count = 0;
    b->types = 0;
    return GE_OK;
}

/* Appends s to the COPY data with the text format's escapes. */
static int ge_batch_put_escaped(ge_pg_batch *b, const char *s, ge_err *err)
{
    char tmp[512];
    size_t n = 0;
    int rc = GE_OK;
    for (; *s && rc == GE_OK; s++) {
        char ch = *s, esc = 0;
        switch (ch) {
        case '\\':
            esc = '\\';
            break;
        case '\n':
            esc = 'n';
            break;
        case '\r':
            esc = 'r';
            break;
        case '\t':
            esc = 't';
            break;
        default:
            break;
        }
        if (esc) {
            tmp[n++] = '\\';
            tmp[n++] = esc;
        } else {
            tmp[n++] = ch;
        }
        if (n >= sizeof tmp - 2) {
            rc = ge_batch_put(b, tmp, n, err);
            n = 0;
        }
    }
    if (rc == GE_OK && n) rc = ge_batch_put(b, tmp, n, err);
    return rc;
}

static int ge_pg_batch_add(void *batch, const unsigned char *wkb, size_t wkb_len,
                           const char *props_json, ge_err *err)
{
    static const char hex[] = "0123456789abcdef";
    ge_pg_batch *b = batch;
    char head[40], tmp[512];
    int rc, type;

    if (!b->has_layer)
        return ge_err_set(err, GE_EINVAL, "store: feature added before any layer was started");
    type = ge_store_wkb_base_type(wkb, wkb_len);
    if (!type)
        return ge_err_set(err, GE_EINVAL, "layer '%s': feature %lld: geometry is not WKB",
                          b->layer.name, (long long)b->count + 1);
    if (wkb_len > INT32_MAX)
        return ge_err_set(err, GE_ELIMIT, "layer '%s': feature %lld: geometry too large",
                          b->layer.name, (long long)b->count + 1);
    if (!ge_wkb_complete(wkb, wkb_len))
        return ge_err_set(err, GE_EINVAL, "layer '%s': feature %lld: geometry is not valid WKB",
                          b->layer.name, (long long)b->count + 1);
    if (!props_json) props_json = "{}";
    if (!ge_props_object(props_json))
        return ge_err_set(err, GE_EINVAL,
                          "layer '%s': feature %lld: properties are not a JSON object",
                          b->layer.name, (long long)b->count + 1);
    rc = ge_batch_alive(b, err);
    if (rc < 0) return rc;
    int n = snprintf(head, sizeof head, "%" PRId64 "\t", b->count + 1);
    rc = ge_batch_put(b, head, (size_t)n, err);
    if (rc == GE_OK) rc = ge_batch_put_escaped(b, props_json, err);
    if (rc == GE_OK) rc = ge_batch_put(b, "\t\\\\x", 4, err);
    for (size_t i = 0; rc == GE_OK && i < wkb_len;) {
        size_t k = 0;
        for (; i < wkb_len && k < sizeof tmp; i++) {
            tmp[k++] = hex[wkb[i] >> 4];
            tmp[k++] = hex[wkb[i] & 15];
        }
        rc = ge_batch_put(b, tmp, k, err);
    }
    if (rc == GE_OK) rc = ge_batch_put(b, "\n", 1, err);
    if (rc < 0) return rc;
    b->count++;
    b->types |= 1u << type;
    return GE_OK;
}

static int ge_pg_batch_commit(void *batch, ge_err *err)
{
    ge_pg_batch *b = batch;
    int rc = ge_batch_alive(b, err);
    if (rc == GE_OK) rc = ge_layer_finish(b, err);
    if (rc == GE_OK)
        rc = ge_pg_exec(b->c, "announcing the import", "NOTIFY ge_layers", 0, NULL, NULL, err);
    if (rc == GE_OK) rc = ge_pg_exec(b->c, "committing", "COMMIT", 0, NULL, NULL, err);
    if (rc < 0) ge_err_prefix(err, "committing the import");
    ge_batch_free(b); /* rolls back if the commit did not happen */
    return rc;
}

static void ge_pg_batch_abort(void *batch)
{
    if (batch) ge_batch_free(batch);
}

const ge_store_layers_ops ge_pg_layers_ops = {
    .layers_stamp = ge_pg_layers_stamp,
    .layer_list = ge_pg_layer_list,
    .layer_get = ge_pg_layer_get,
    .layer_scan = ge_pg_layer_scan,
    .batch_begin = ge_pg_batch_begin,
    .batch_layer = ge_pg_batch_layer,
    .batch_add = ge_pg_batch_add,
    .batch_commit = ge_pg_batch_commit,
    .batch_abort = ge_pg_batch_abort,
};
