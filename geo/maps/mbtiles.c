/*
 * mbtiles.c - reading and writing MBTiles files (see mbtiles.h).
 *
 * Plain SQLite, no SpatiaLite: the schema is the MBTiles 1.3 one that every
 * reader (GDAL, tileserver-gl, MapLibre tools) understands.
 */
#include "mbtiles.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ge_mbtiles {
    sqlite3 *db;
    sqlite3_stmt *get;
    sqlite3_stmt *put;
    pthread_mutex_t mu;
    char *path;     /* final name (writer) */
    char *tmp_path; /* name while writing */
};

static int ge_mbtiles_sql_err(ge_err *err, sqlite3 *db, const char *what)
{
    return ge_err_set(err, GE_EIO, "mbtiles: %s: %s", what, db ? sqlite3_errmsg(db) : "no db");
}

static void ge_mbtiles_free(ge_mbtiles *m)
{
    if (!m) return;
    sqlite3_finalize(m->get);
    sqlite3_finalize(m->put);
    if (m->db) sqlite3_close(m->db);
    pthread_mutex_destroy(&m->mu);
    free(m->path);
    free(m->tmp_path);
    free(m);
}

int ge_mbtiles_create(ge_mbtiles **out, const char *path, ge_err *err)
{
    static const char *const schema =
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
        "CREATE TABLE metadata (name TEXT PRIMARY KEY, value TEXT);"
        "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,"
        " tile_data BLOB);"
        "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);"
        "BEGIN";
    ge_mbtiles *m = calloc(1, sizeof *m);
    size_t n;
    int rc;

    *out = NULL;
    if (!m) return ge_err_set(err, GE_ENOMEM, "mbtiles: out of memory");
    pthread_mutex_init(&m->mu, NULL);
    n = strlen(path) + 32;
    m->path = strdup(path);
    m->tmp_path = malloc(n);
    if (!m->path || !m->tmp_path) {
        rc = ge_err_set(err, GE_ENOMEM, "mbtiles: out of memory");
        goto err;
    }
    snprintf(m->tmp_path, n, "%s.tmp-%ld", path, (long)getpid());
    unlink(m->tmp_path);
    if (sqlite3_open_v2(m->tmp_path, &m->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = ge_err_set(err, GE_EIO, "mbtiles: cannot create '%s': %s", m->tmp_path,
                        m->db ? sqlite3_errmsg(m->db) : "out of memory");
        goto err;
    }
    if (sqlite3_exec(m->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(m->db,
                           "INSERT OR REPLACE INTO tiles (zoom_level, tile_column, tile_row, "
                           "tile_data) VALUES (?, ?, ?, ?)",
                           -1, &m->put, NULL) != SQLITE_OK) {
        rc = ge_mbtiles_sql_err(err, m->db, "creating the schema");
        goto err;
    }
    *out = m;
    return GE_OK;
err:
    if (m->db) unlink(m->tmp_path);
    ge_mbtiles_free(m);
    return rc;
}

int ge_mbtiles_put(ge_mbtiles *m, const ge_tile *t, const void *data, size_t len, ge_err *err)
{
    int rc;
    sqlite3_reset(m->put);
    sqlite3_bind_int(m->put, 1, t->z);
    sqlite3_bind_int64(m->put, 2, t->x);
    sqlite3_bind_int64(m->put, 3, ge_tilemath_tms_row(t->z, t->y));
    sqlite3_bind_blob(m->put, 4, data, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(m->put);
    sqlite3_clear_bindings(m->put);
    if (rc != SQLITE_DONE) return ge_mbtiles_sql_err(err, m->db, "writing a tile");
    return GE_OK;
}

int ge_mbtiles_set_meta(ge_mbtiles *m, const char *name, const char *value, ge_err *err)
{
    sqlite3_stmt *s;
    int rc;
    if (sqlite3_prepare_v2(m->db, "INSERT OR REPLACE INTO metadata (name, value) VALUES (?, ?)", -1,
                           &s, NULL) != SQLITE_OK)
        return ge_mbtiles_sql_err(err, m->db, "writing metadata");
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return ge_mbtiles_sql_err(err, m->db, "writing metadata");
    return GE_OK;
}

int ge_mbtiles_commit(ge_mbtiles *m, ge_err *err)
{
    int rc = GE_OK;
    sqlite3_finalize(m->put);
    m->put = NULL;
    if (sqlite3_exec(m->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = ge_mbtiles_sql_err(err, m->db, "committing");
    if (sqlite3_close(m->db) != SQLITE_OK && rc == GE_OK)
        rc = ge_err_set(err, GE_EIO, "mbtiles: closing '%s' failed", m->tmp_path);
    m->db = NULL;
    if (rc == GE_OK && rename(m->tmp_path, m->path) != 0)
        rc = ge_err_set(err, GE_EIO, "mbtiles: cannot rename into '%s'", m->path);
    if (rc < 0) unlink(m->tmp_path);
    ge_mbtiles_free(m);
    return rc;
}

void ge_mbtiles_abort(ge_mbtiles *m)
{
    if (!m) return;
    sqlite3_finalize(m->put);
    m->put = NULL;
    if (m->db) sqlite3_close(m->db);
    m->db = NULL;
    unlink(m->tmp_path);
    ge_mbtiles_free(m);
}

int ge_mbtiles_open(ge_mbtiles **out, const char *path, ge_err *err)
{
    ge_mbtiles *m = calloc(1, sizeof *m);
    int rc;

    *out = NULL;
    if (!m) return ge_err_set(err, GE_ENOMEM, "mbtiles: out of memory");
    pthread_mutex_init(&m->mu, NULL);
    if (sqlite3_open_v2(path, &m->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        rc = ge_err_set(err, GE_ENOENT, "mbtiles: cannot open '%s': %s", path,
                        m->db ? sqlite3_errmsg(m->db) : "out of memory");
        goto err;
    }
    if (sqlite3_prepare_v2(m->db,
                           "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
                           "AND tile_row = ?",
                           -1, &m->get, NULL) != SQLITE_OK) {
        rc = ge_err_set(err, GE_EIO, "mbtiles: '%s' is not an MBTiles file: %s", path,
                        sqlite3_errmsg(m->db));
        goto err;
    }
    *out = m;
    return GE_OK;
err:
    ge_mbtiles_free(m);
    return rc;
}

void ge_mbtiles_close(ge_mbtiles *m)
{
    ge_mbtiles_free(m);
}

int ge_mbtiles_get(ge_mbtiles *m, const ge_tile *t, unsigned char **data, size_t *len, ge_err *err)
{
    int rc, step;

    *data = NULL;
    *len = 0;
    pthread_mutex_lock(&m->mu);
    sqlite3_reset(m->get);
    sqlite3_bind_int(m->get, 1, t->z);
    sqlite3_bind_int64(m->get, 2, t->x);
    sqlite3_bind_int64(m->get, 3, ge_tilemath_tms_row(t->z, t->y));
    step = sqlite3_step(m->get);
    if (step == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(m->get, 0);
        const void *p = sqlite3_column_blob(m->get, 0);
        *data = malloc(n ? n : 1);
        if (!*data) {
            rc = ge_err_set(err, GE_ENOMEM, "mbtiles: out of memory");
        } else {
            if (n) memcpy(*data, p, n);
            *len = n;
            rc = GE_OK;
        }
    } else if (step == SQLITE_DONE) {
        rc = ge_err_set(err, GE_ENOENT, "no tile %d/%u/%u", t->z, t->y, t->x);
    } else {
        rc = ge_mbtiles_sql_err(err, m->db, "reading a tile");
    }
    sqlite3_reset(m->get);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

int ge_mbtiles_metadata(ge_mbtiles *m, json_t **out, ge_err *err)
{
    sqlite3_stmt *s = NULL;
    json_t *o = json_object();
    int rc = GE_OK, step;

    *out = NULL;
    if (!o) return ge_err_set(err, GE_ENOMEM, "mbtiles: out of memory");
    pthread_mutex_lock(&m->mu);
    if (sqlite3_prepare_v2(m->db, "SELECT name, value FROM metadata", -1, &s, NULL) != SQLITE_OK)
        rc = ge_mbtiles_sql_err(err, m->db, "reading metadata");
    while (rc == GE_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(s, 0);
        const char *v = (const char *)sqlite3_column_text(s, 1);
        if (k && v) json_object_set_new(o, k, json_string(v));
    }
    if (rc == GE_OK && step != SQLITE_DONE) rc = ge_mbtiles_sql_err(err, m->db, "reading metadata");
    sqlite3_finalize(s);
    pthread_mutex_unlock(&m->mu);
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return GE_OK;
}
