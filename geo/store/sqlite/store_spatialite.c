/*
 * store_spatialite.c - the SQLite store (store_backend.h: ge_sqlite_backend)
 * on one SQLite + SpatiaLite file.
 *
 * What is here: a small pool of connections (each used by one caller at a
 * time; SQLite in WAL mode lets readers run beside the one writer), the
 * migrations at open (store_migrations.c), the reference-layer tables and the
 * import batch that replaces layers in one write transaction.
 *
 * All SQL of the SQLite/SpatiaLite dialect lives in this file and in
 * store_migrations.c; a PostGIS backend would be a sibling of this file.
 * Every statement is prepared and its values bound. The only text ever put
 * into SQL is a layer name, and only after ge_store_layer_name_valid() has
 * accepted it ([a-z][a-z0-9_]{0,62}); it is then used as a quoted identifier.
 *
 * Durability: PRAGMA synchronous=FULL rather than NORMAL. With NORMAL in WAL
 * mode a power cut may lose the last committed transactions; here such a
 * transaction is a case whose 201 the form server has already seen and will
 * not retry, so each commit is worth its fsync. Writes are rare (draft
 * autosaves, submissions, one commit per import), so the cost does not show.
 *
 * The SRID: a new store records opts->srid (default 25832) in store_meta;
 * an existing store keeps the SRID it was created with whatever opts->srid
 * says, because every geometry in it is in that CRS. ge_store_srid() tells.
 */
#include "date.h"
#include "store.h"
#include "store_addresses.h"
#include "sqlite_internal.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h> /* before spatialite.h, which uses its types */
#include <spatialite.h>

#define GE_STORE_DEFAULT_SRID      25832
#define GE_STORE_DEFAULT_POOL      8
#define GE_STORE_DEFAULT_CACHE_KIB 2000 /* SQLite's own default (-2000) */
#define GE_STORE_BUSY_TIMEOUT_MS   10000

/* The SQLite store's state of an open ge_store (ge_store_impl). */
typedef struct ge_sqlite {
    char *path;
    int srid;
    bool readonly;
    int pool_size;
    int cache_kib; /* PRAGMA cache_size = -cache_kib on every connection */

    pthread_mutex_t mu; /* guards everything below */
    pthread_cond_t cv;  /* a connection came back, or the writer finished */
    ge_conn **idle;     /* stack of connections no one uses */
    int nidle;
    int nopen;    /* idle + handed out (+ being opened) */
    bool writing; /* an import batch holds the write slot */
} ge_sqlite;

typedef struct ge_sqlite_batch {
    ge_store *st;
    ge_conn *c;
    char imported_at[32];
    /* the layer being written */
    bool has_layer;
    ge_layer_info layer;
    sqlite3_stmt *insert;
    int64_t count;
    unsigned types; /* bit n set: a feature of WKB base type n was added */
    /* layers already written in this batch (each at most once) */
    char (*done)[64];
    size_t ndone;
} ge_sqlite_batch;

/* ---- small helpers ------------------------------------------------------- */

static int ge_layer_name_check(const char *name, ge_err *err)
{
    if (!ge_store_layer_name_valid(name))
        return ge_err_set(err, GE_EINVAL,
                          "layer name '%.64s' is not valid (want [a-z][a-z0-9_]{0,62})",
                          name ? name : "(null)");
    return GE_OK;
}

/* The GE_E* code for an SQLite result code. */
int ge_store_sql_code(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        return GE_ENOMEM;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return GE_ECONFLICT;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
        return GE_EINVAL;
    default:
        return GE_EIO;
    }
}

int ge_store_sql_err(ge_err *err, sqlite3 *db, int rc, const char *what)
{
    return ge_err_set(err, ge_store_sql_code(rc), "store: %s: %s", what,
                      db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

int ge_store_sql_prepare(ge_conn *c, const char *sql, sqlite3_stmt **out, ge_err *err)
{
    int rc = sqlite3_prepare_v2(c->db, sql, -1, out, NULL);
    if (rc != SQLITE_OK) {
        *out = NULL;
        return ge_store_sql_err(err, c->db, rc, "preparing a statement");
    }
    return GE_OK;
}

/* Runs one statement without parameters to its end. */
int ge_store_sql_exec(ge_conn *c, const char *sql, ge_err *err)
{
    sqlite3_stmt *stmt;
    int rc = ge_store_sql_prepare(c, sql, &stmt, err);
    if (rc < 0) return rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        ;
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, sql);
        sqlite3_finalize(stmt);
        return rc;
    }
    sqlite3_finalize(stmt);
    return GE_OK;
}

/* Runs a statement that yields one integer (or none: *out keeps its value). */
int ge_store_sql_int(ge_conn *c, const char *sql, const char *text_arg, int64_t *out, ge_err *err)
{
    sqlite3_stmt *stmt;
    int rc = ge_store_sql_prepare(c, sql, &stmt, err);
    if (rc < 0) return rc;
    if (text_arg) sqlite3_bind_text(stmt, 1, text_arg, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(stmt, 0);
        rc = GE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = GE_OK;
    } else {
        rc = ge_store_sql_err(err, c->db, rc, sql);
    }
    sqlite3_finalize(stmt);
    return rc;
}

int ge_store_insert_named(ge_conn *c, sqlite3_stmt *s, const char *column, const char *what,
                          const char *name, int64_t *id, ge_err *err)
{
    char doing[64];
    int rc = sqlite3_step(s);

    if (rc == SQLITE_DONE) {
        if (id) *id = sqlite3_last_insert_rowid(c->db);
        return GE_OK;
    }
    if ((rc & 0xff) == SQLITE_CONSTRAINT && strstr(sqlite3_errmsg(c->db), column))
        return ge_err_set(err, GE_ECONFLICT, "a %s named '%.100s' exists already", what, name);
    snprintf(doing, sizeof doing, "adding a %s", what);
    return ge_store_sql_err(err, c->db, rc, doing);
}

void ge_store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

void ge_store_bind_opt(sqlite3_stmt *s, int i, const char *v)
{
    ge_store_bind_text(s, i, v && v[0] ? v : NULL);
}

void ge_store_copy_text(char *dst, size_t cap, const unsigned char *src)
{
    snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

/* ---- connections and the pool -------------------------------------------- */

static void ge_conn_close(ge_conn *c)
{
    if (!c) return;
    if (c->db) {
        int rc = sqlite3_close(c->db);
        (void)rc;
        assert(rc == SQLITE_OK); /* every statement is finalized */
    }
    if (c->splite) spatialite_cleanup_ex(c->splite);
    free(c);
}

static int ge_conn_open(ge_sqlite *sq, ge_conn **out, ge_err *err)
{
    int flags = SQLITE_OPEN_NOMUTEX |
                (sq->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ge_conn *c = calloc(1, sizeof *c);
    int rc;
    int64_t ignored = 0;

    if (!c) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    rc = sqlite3_open_v2(sq->path, &c->db, flags, NULL);
    if (rc != SQLITE_OK) {
        int sys = c->db ? sqlite3_system_errno(c->db) : 0;
        rc = ge_err_set(err, GE_EIO, "store '%s': cannot open: %s%s%s", sq->path,
                        c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc), sys ? ": " : "",
                        sys ? strerror(sys) : "");
        ge_conn_close(c);
        return rc;
    }
    c->splite = spatialite_alloc_connection();
    if (!c->splite) {
        ge_conn_close(c);
        return ge_err_set(err, GE_ENOMEM, "store: out of memory (SpatiaLite connection)");
    }
    spatialite_init_ex(c->db, c->splite, 0);
    sqlite3_busy_timeout(c->db, GE_STORE_BUSY_TIMEOUT_MS);

    /* The first real read: this is where a file that is not a database, or
     * that cannot be read, shows itself. */
    rc = ge_store_sql_int(c, "SELECT count(*) FROM sqlite_master", NULL, &ignored, NULL);
    if (rc == GE_OK) rc = ge_store_sql_exec(c, "PRAGMA foreign_keys = ON", NULL);
    if (rc == GE_OK && !sq->readonly) rc = ge_store_sql_exec(c, "PRAGMA journal_mode = WAL", NULL);
    if (rc == GE_OK && !sq->readonly) rc = ge_store_sql_exec(c, "PRAGMA synchronous = FULL", NULL);
    if (rc == GE_OK) {
        /* PRAGMA takes no parameters; the number is our own int. */
        char sql[48];
        snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", sq->cache_kib);
        rc = ge_store_sql_exec(c, sql, NULL);
    }
    if (rc < 0) {
        rc = ge_err_set(err, GE_EIO, "store '%s': cannot read it: %s", sq->path,
                        sqlite3_errmsg(c->db));
        ge_conn_close(c);
        return rc;
    }
    *out = c;
    return GE_OK;
}

/* Hands out an idle connection, opens a new one while the pool is not full,
 * or waits for one to come back. */
int ge_store_acquire(ge_store *st, ge_conn **out, ge_err *err)
{
    ge_sqlite *sq = ge_store_impl(st);
    int rc;

    pthread_mutex_lock(&sq->mu);
    for (;;) {
        if (sq->nidle > 0) {
            *out = sq->idle[--sq->nidle];
            pthread_mutex_unlock(&sq->mu);
            return GE_OK;
        }
        if (sq->nopen < sq->pool_size) break;
        pthread_cond_wait(&sq->cv, &sq->mu);
    }
    sq->nopen++; /* reserve the slot; open outside the lock */
    pthread_mutex_unlock(&sq->mu);

    rc = ge_conn_open(sq, out, err);
    if (rc < 0) {
        pthread_mutex_lock(&sq->mu);
        sq->nopen--;
        pthread_cond_broadcast(&sq->cv);
        pthread_mutex_unlock(&sq->mu);
    }
    return rc;
}

void ge_store_release(ge_store *st, ge_conn *c)
{
    ge_sqlite *sq = ge_store_impl(st);
    if (!c) return;
    /* A connection goes back without an open transaction; should a caller
     * path ever forget one, end it here rather than hand it on. */
    if (!sqlite3_get_autocommit(c->db)) {
        assert(!"connection returned inside a transaction");
        ge_store_sql_exec(c, "ROLLBACK", NULL);
    }
    pthread_mutex_lock(&sq->mu);
    assert(sq->nidle < sq->pool_size);
    sq->idle[sq->nidle++] = c;
    pthread_cond_broadcast(&sq->cv);
    pthread_mutex_unlock(&sq->mu);
}

/* ---- migrations ---------------------------------------------------------- */

int ge_sqlite_latest_version(void)
{
    return ge_store_spatialite_migrations[ge_store_spatialite_nmigrations - 1].version;
}

static int ge_read_version(ge_conn *c, int *version, ge_err *err)
{
    int64_t v = 0;
    int rc = ge_store_sql_int(c, "PRAGMA user_version", NULL, &v, err);
    if (rc == GE_OK) *version = (int)v;
    return rc;
}

/* One migration step. SpatiaLite's functions (AddGeometryColumn, ...) report
 * failure by returning 0 rather than by an SQL error, so a step that yields
 * a row must yield a non-zero first column. */
static int ge_migration_step(ge_conn *c, const char *sql, int srid, ge_err *err)
{
    sqlite3_stmt *stmt;
    int idx, rc = ge_store_sql_prepare(c, sql, &stmt, err);
    if (rc < 0) return rc;
    idx = sqlite3_bind_parameter_index(stmt, ":srid");
    if (idx > 0) sqlite3_bind_int(stmt, idx, srid);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_type(stmt, 0) != SQLITE_NULL && sqlite3_column_int64(stmt, 0) == 0) {
            sqlite3_finalize(stmt);
            return ge_err_set(err, GE_EIO, "store: '%.120s' failed", sql);
        }
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
            ;
    }
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "migration step");
        sqlite3_finalize(stmt);
        return rc;
    }
    sqlite3_finalize(stmt);
    return GE_OK;
}

static int ge_migration_apply(ge_conn *c, const ge_store_migration *m, int srid, ge_err *err)
{
    char sql[64];
    int rc = ge_store_sql_exec(c, "BEGIN IMMEDIATE", err);
    if (rc < 0) return rc;
    for (const char *const *s = m->steps; *s && rc == GE_OK; s++)
        rc = ge_migration_step(c, *s, srid, err);
    if (rc == GE_OK) {
        /* PRAGMA takes no parameters; the version is our own constant. */
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", m->version);
        rc = ge_store_sql_exec(c, sql, err);
    }
    if (rc == GE_OK) rc = ge_store_sql_exec(c, "COMMIT", err);
    if (rc < 0) {
        if (!sqlite3_get_autocommit(c->db)) ge_store_sql_exec(c, "ROLLBACK", NULL);
        ge_err_prefix(err, "migration %d (%s)", m->version, m->name);
    }
    return rc;
}

/* Takes the store from its version up to target. A new file first gets the
 * SpatiaLite metadata (spatial_ref_sys, geometry_columns, ...). */
static int ge_sqlite_migrate(ge_sqlite *sq, ge_conn *c, int target, ge_err *err)
{
    int version = 0, rc;
    int64_t has_meta = 0, ntables = 0;

    rc = ge_read_version(c, &version, err);
    if (rc < 0) return rc;
    if (version > ge_sqlite_latest_version())
        return ge_err_set(err, GE_ECONFLICT,
                          "store '%s' has schema version %d, newer than this build knows (%d)",
                          sq->path, version, ge_sqlite_latest_version());
    if (version == 0) {
        rc = ge_store_sql_int(c, "SELECT CheckSpatialMetaData()", NULL, &has_meta, err);
        if (rc == GE_OK)
            rc = ge_store_sql_int(c, "SELECT count(*) FROM sqlite_master", NULL, &ntables, err);
        if (rc < 0) return rc;
        if (has_meta == 0 && ntables > 0)
            return ge_err_set(err, GE_EINVAL,
                              "store '%s': the file is an SQLite database of something else "
                              "(tables, but no SpatiaLite metadata and no schema version)",
                              sq->path);
        /* InitSpatialMetadata(1) runs in a transaction of its own, so it
         * cannot share migration 1's; it is idempotent through the check
         * above should the process stop between the two. */
        if (has_meta == 0) {
            rc = ge_migration_step(c, "SELECT InitSpatialMetadata(1)", 0, err);
            if (rc < 0) {
                ge_err_prefix(err, "store '%s': creating the SpatiaLite metadata", sq->path);
                return rc;
            }
        }
    }
    for (size_t i = 0; i < ge_store_spatialite_nmigrations; i++) {
        const ge_store_migration *m = &ge_store_spatialite_migrations[i];
        assert(m->version == (int)i + 1);
        if (m->version <= version || m->version > target) continue;
        rc = ge_migration_apply(c, m, sq->srid, err);
        if (rc < 0) {
            ge_err_prefix(err, "store '%s'", sq->path);
            return rc;
        }
    }
    return GE_OK;
}

/* ---- open and close ------------------------------------------------------ */

static void ge_sqlite_free(ge_sqlite *sq)
{
    if (!sq) return;
    for (int i = 0; i < sq->nidle; i++)
        ge_conn_close(sq->idle[i]);
    pthread_cond_destroy(&sq->cv);
    pthread_mutex_destroy(&sq->mu);
    free(sq->idle);
    free(sq->path);
    free(sq);
}

static int ge_sqlite_open(ge_store *st, const ge_store_opts *opts, int target, ge_err *err)
{
    ge_sqlite *sq = NULL;
    ge_conn *c = NULL;
    struct stat sb;
    int rc, version = 0;
    int64_t srid = 0;

    if (!opts || !opts->path || !opts->path[0])
        return ge_err_set(err, GE_EINVAL, "store: no database path given");
    if (opts->srid < 0 || opts->pool_size < 0 || opts->cache_kib < 0)
        return ge_err_set(err, GE_EINVAL,
                          "store: srid, pool_size and cache_kib must not be negative");
    if (target < 0 || target > ge_sqlite_latest_version())
        return ge_err_set(err, GE_EINVAL, "store: schema version %d is unknown (latest is %d)",
                          target, ge_sqlite_latest_version());
    if (stat(opts->path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode))
            return ge_err_set(err, GE_EIO, "store '%s': is a directory, not a database file",
                              opts->path);
    } else if (opts->readonly) {
        return ge_err_set(err, errno == ENOENT ? GE_ENOENT : GE_EIO, "store '%s': %s", opts->path,
                          strerror(errno));
    }

    sq = calloc(1, sizeof *sq);
    if (!sq) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    sq->pool_size = opts->pool_size > 0 ? opts->pool_size : GE_STORE_DEFAULT_POOL;
    sq->cache_kib = opts->cache_kib > 0 ? opts->cache_kib : GE_STORE_DEFAULT_CACHE_KIB;
    sq->srid = opts->srid > 0 ? opts->srid : GE_STORE_DEFAULT_SRID;
    sq->readonly = opts->readonly;
    sq->path = strdup(opts->path);
    sq->idle = calloc((size_t)sq->pool_size, sizeof *sq->idle);
    pthread_mutex_init(&sq->mu, NULL);
    pthread_cond_init(&sq->cv, NULL);
    if (!sq->path || !sq->idle) {
        ge_sqlite_free(sq);
        return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    }
    ge_store_set_impl(st, sq);

    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) goto fail;
    if (!sq->readonly) {
        rc = ge_sqlite_migrate(sq, c, target, err);
        if (rc < 0) goto fail;
    }
    rc = ge_read_version(c, &version, err);
    if (rc < 0) goto fail;
    if (version > ge_sqlite_latest_version()) {
        rc = ge_err_set(err, GE_ECONFLICT,
                        "store '%s' has schema version %d, newer than this build knows (%d)",
                        sq->path, version, ge_sqlite_latest_version());
        goto fail;
    }
    if (version >= 1) {
        rc = ge_store_sql_int(c, "SELECT CAST(value AS INTEGER) FROM store_meta WHERE key = 'srid'",
                              NULL, &srid, err);
        if (rc < 0) goto fail;
        if (srid <= 0) {
            rc = ge_err_set(err, GE_EIO, "store '%s': store_meta has no srid", sq->path);
            goto fail;
        }
        sq->srid = (int)srid;
    } else if (sq->readonly) {
        rc = ge_err_set(err, GE_EINVAL, "store '%s': not a geoEDITOR store (schema version 0)",
                        sq->path);
        goto fail;
    }
    ge_store_release(st, c);
    return GE_OK;

fail:
    if (c) {
        pthread_mutex_lock(&sq->mu);
        sq->nopen--;
        pthread_mutex_unlock(&sq->mu);
        ge_conn_close(c);
    }
    ge_sqlite_free(sq);
    ge_store_set_impl(st, NULL);
    return rc;
}

static void ge_sqlite_close(ge_store *st)
{
    ge_sqlite *sq = ge_store_impl(st);
    if (!sq) return;
    pthread_mutex_lock(&sq->mu);
    /* Closing while a connection is still handed out is a caller bug. */
    assert(sq->nidle == sq->nopen && !sq->writing);
    pthread_mutex_unlock(&sq->mu);
    /* Fold the WAL into the database so the file stands alone. */
    if (!sq->readonly && sq->nidle > 0)
        ge_store_sql_exec(sq->idle[0], "PRAGMA wal_checkpoint(TRUNCATE)", NULL);
    ge_sqlite_free(sq);
}

static const char *ge_sqlite_name(const ge_store *st)
{
    const ge_sqlite *sq = ge_store_impl(st);
    return sq->path;
}

static int ge_sqlite_srid(const ge_store *st)
{
    const ge_sqlite *sq = ge_store_impl(st);
    return sq->srid;
}

static void ge_sqlite_mem_stats(ge_store *st, ge_store_mem *out)
{
    ge_sqlite *sq = ge_store_impl(st);
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&sq->mu);
    out->pool_size = sq->pool_size;
    out->open = sq->nopen;
    out->idle = sq->nidle;
    /* An idle connection is no one's while the lock is held (the pool hands
     * it out only under it), so reading its status races with nothing. */
    for (int i = 0; i < sq->nidle; i++) {
        int cur = 0, hi = 0;
        sqlite3 *db = sq->idle[i]->db;
        if (sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_USED, &cur, &hi, 0) == SQLITE_OK)
            out->cache_bytes += cur;
        if (sqlite3_db_status(db, SQLITE_DBSTATUS_SCHEMA_USED, &cur, &hi, 0) == SQLITE_OK)
            out->schema_bytes += cur;
        if (sqlite3_db_status(db, SQLITE_DBSTATUS_STMT_USED, &cur, &hi, 0) == SQLITE_OK)
            out->stmt_bytes += cur;
    }
    pthread_mutex_unlock(&sq->mu);
    out->cache_limit_bytes = (int64_t)sq->cache_kib * 1024;
    out->sqlite_used = sqlite3_memory_used();
    out->sqlite_highwater = sqlite3_memory_highwater(0);
}

static int ge_sqlite_schema_version(ge_store *st)
{
    ge_conn *c;
    int version = -1;
    if (ge_store_acquire(st, &c, NULL) < 0) return -1;
    if (ge_read_version(c, &version, NULL) < 0) version = -1;
    ge_store_release(st, c);
    return version;
}

static int ge_sqlite_ping(ge_store *st, ge_err *err)
{
    ge_conn *c;
    int64_t one = 0;
    int rc = ge_store_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_store_sql_int(c, "SELECT 1", NULL, &one, err);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_layers_stamp(ge_store *st, int64_t *stamp, ge_err *err)
{
    ge_conn *c;
    int rc = ge_store_acquire(st, &c, err);
    if (rc < 0) return rc;
    *stamp = 0;
    /* Versions only grow and every import bumps the versions of the layers it
     * writes, so the sum changes with every committed import. */
    rc = ge_store_sql_int(c, "SELECT coalesce(sum(version), 0) FROM layers", NULL, stamp, err);
    ge_store_release(st, c);
    return rc;
}

/* ---- reading layers ------------------------------------------------------ */

#define GE_LAYER_COLUMNS                                                                           \
    "name, title, description, geometry_type, srid, feature_count, bbox_minx, bbox_miny, "         \
    "bbox_maxx, bbox_maxy, source, attribution, imported_at, version, description_de"

static void ge_layer_from_row(sqlite3_stmt *s, ge_layer_info *li)
{
    memset(li, 0, sizeof *li);
    ge_store_copy_text(li->name, sizeof li->name, sqlite3_column_text(s, 0));
    ge_store_copy_text(li->title, sizeof li->title, sqlite3_column_text(s, 1));
    ge_store_copy_text(li->description, sizeof li->description, sqlite3_column_text(s, 2));
    ge_store_copy_text(li->geometry_type, sizeof li->geometry_type, sqlite3_column_text(s, 3));
    li->srid = sqlite3_column_int(s, 4);
    li->feature_count = sqlite3_column_int64(s, 5);
    for (int i = 0; i < 4; i++)
        li->bbox[i] = sqlite3_column_double(s, 6 + i);
    ge_store_copy_text(li->source, sizeof li->source, sqlite3_column_text(s, 10));
    ge_store_copy_text(li->attribution, sizeof li->attribution, sqlite3_column_text(s, 11));
    ge_store_copy_text(li->imported_at, sizeof li->imported_at, sqlite3_column_text(s, 12));
    li->version = sqlite3_column_int64(s, 13);
    ge_store_copy_text(li->description_de, sizeof li->description_de, sqlite3_column_text(s, 14));
}

static int ge_sqlite_layer_list(ge_store *st, ge_layer_info **out, size_t *n, ge_err *err)
{
    ge_conn *c;
    sqlite3_stmt *s = NULL;
    ge_layer_info *v = NULL;
    size_t len = 0, cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_store_sql_prepare(c, "SELECT " GE_LAYER_COLUMNS " FROM layers ORDER BY name", &s, err);
    while (rc == GE_OK) {
        int step = sqlite3_step(s);
        if (step == SQLITE_DONE) break;
        if (step != SQLITE_ROW) {
            rc = ge_store_sql_err(err, c->db, step, "listing layers");
            break;
        }
        ge_layer_info *nv = ge_store_grow(v, &cap, len, sizeof *v, 16, err);
        if (!nv) {
            rc = GE_ENOMEM;
            break;
        }
        v = nv;
        ge_layer_from_row(s, &v[len++]);
    }
    sqlite3_finalize(s);
    ge_store_release(st, c);
    if (rc < 0) {
        free(v);
        return rc;
    }
    *out = v;
    *n = len;
    return GE_OK;
}

static int ge_layer_get_conn(ge_conn *c, const char *name, ge_layer_info *out, ge_err *err)
{
    sqlite3_stmt *s;
    int rc =
        ge_store_sql_prepare(c, "SELECT " GE_LAYER_COLUMNS " FROM layers WHERE name = ?", &s, err);
    if (rc < 0) return rc;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        if (out) ge_layer_from_row(s, out);
        rc = GE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = ge_err_set(err, GE_ENOENT, "layer '%s' does not exist", name);
    } else {
        rc = ge_store_sql_err(err, c->db, rc, "reading layer metadata");
    }
    sqlite3_finalize(s);
    return rc;
}

static int ge_sqlite_layer_get(ge_store *st, const char *name, ge_layer_info *out, ge_err *err)
{
    ge_conn *c;
    int rc = ge_layer_name_check(name, err);
    if (rc < 0) return rc;
    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_layer_get_conn(c, name, out, err);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_layer_scan(ge_store *st, const char *name, ge_feature_cb cb, void *ud,
                                ge_err *err)
{
    char sql[160];
    ge_conn *c;
    sqlite3_stmt *s = NULL;
    int rc = ge_layer_name_check(name, err);
    if (rc < 0) return rc;
    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) return rc;
    /* One read transaction: the metadata check and the rows come from the
     * same snapshot even while an import commits. */
    rc = ge_store_sql_exec(c, "BEGIN", err);
    if (rc == GE_OK) rc = ge_layer_get_conn(c, name, NULL, err);
    if (rc == GE_OK) {
        snprintf(sql, sizeof sql,
                 "SELECT fid, AsBinary(geometry), props FROM \"ref_%s\" ORDER BY fid", name);
        rc = ge_store_sql_prepare(c, sql, &s, err);
    }
    while (rc == GE_OK) {
        int step = sqlite3_step(s);
        if (step == SQLITE_DONE) break;
        if (step != SQLITE_ROW) {
            rc = ge_store_sql_err(err, c->db, step, "reading features");
            break;
        }
        rc = cb(ud, sqlite3_column_int64(s, 0), sqlite3_column_blob(s, 1),
                (size_t)sqlite3_column_bytes(s, 1), (const char *)sqlite3_column_text(s, 2));
    }
    sqlite3_finalize(s);
    if (!sqlite3_get_autocommit(c->db)) ge_store_sql_exec(c, "COMMIT", NULL);
    ge_store_release(st, c);
    return rc;
}

/* ---- the import batch ---------------------------------------------------- */

/* The batch's transaction may have ended under it: SQLite rolls back by
 * itself on some errors, and SpatiaLite's geometry triggers RAISE(ROLLBACK). */
static int ge_batch_alive(ge_sqlite_batch *b, ge_err *err)
{
    if (sqlite3_get_autocommit(b->c->db))
        return ge_err_set(err, GE_EIO, "store: the import transaction was rolled back");
    return GE_OK;
}

/* Creates ref_<name> with its geometry column and spatial index, or empties
 * it; inside the batch's transaction either way, so readers keep seeing the
 * old rows until commit and an abort restores them. */
static int ge_layer_table_reset(ge_sqlite_batch *b, const char *name, ge_err *err)
{
    char table[80], sql[256];
    int64_t exists = 0;
    sqlite3_stmt *s = NULL;
    int rc;

    snprintf(table, sizeof table, "ref_%s", name);
    rc = ge_store_sql_int(b->c,
                          "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                          table, &exists, err);
    if (rc < 0) return rc;
    if (exists) {
        snprintf(sql, sizeof sql, "DELETE FROM \"%s\"", table);
        return ge_store_sql_exec(b->c, sql, err);
    }
    snprintf(sql, sizeof sql,
             "CREATE TABLE \"%s\" ("
             "fid INTEGER PRIMARY KEY, "
             "props TEXT NOT NULL DEFAULT '{}' "
             "CHECK (json_valid(props) AND json_type(props) = 'object'))",
             table);
    rc = ge_store_sql_exec(b->c, sql, err);
    if (rc < 0) return rc;
    /* SpatiaLite reports failure by returning 0 */
    static const char *const steps[] = {
        "SELECT AddGeometryColumn(?1, 'geometry', ?2, 'GEOMETRY', 'XY', 1)",
        "SELECT CreateSpatialIndex(?1, 'geometry')"};
    for (size_t i = 0; i < 2; i++) {
        rc = ge_store_sql_prepare(b->c, steps[i], &s, err);
        if (rc < 0) return rc;
        sqlite3_bind_text(s, 1, table, -1, SQLITE_TRANSIENT);
        if (i == 0) sqlite3_bind_int(s, 2, ge_store_srid(b->st));
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW || sqlite3_column_int(s, 0) != 1) {
            rc = rc == SQLITE_ROW
                     ? ge_err_set(err, GE_EIO, "store: %s failed for %s",
                                  i == 0 ? "AddGeometryColumn" : "CreateSpatialIndex", table)
                     : ge_store_sql_err(err, b->c->db, rc, "creating a layer table");
            sqlite3_finalize(s);
            return rc;
        }
        sqlite3_finalize(s);
    }
    return GE_OK;
}

/* Writes the metadata of the layer just written: count, bbox, type, version+1. */
static int ge_layer_finish(ge_sqlite_batch *b, ge_err *err)
{
    char sql[256];
    sqlite3_stmt *s = NULL;
    ge_layer_info *li = &b->layer;
    double bbox[4] = {0, 0, 0, 0};
    int rc;

    if (!b->has_layer) return GE_OK;
    snprintf(sql, sizeof sql,
             "SELECT min(MbrMinX(geometry)), min(MbrMinY(geometry)), max(MbrMaxX(geometry)), "
             "max(MbrMaxY(geometry)) FROM \"ref_%s\"",
             li->name);
    rc = ge_store_sql_prepare(b->c, sql, &s, err);
    if (rc < 0) return rc;
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        rc = ge_store_sql_err(err, b->c->db, rc, "computing the layer extent");
        sqlite3_finalize(s);
        return rc;
    }
    if (sqlite3_column_type(s, 0) != SQLITE_NULL)
        for (int i = 0; i < 4; i++)
            bbox[i] = sqlite3_column_double(s, i);
    sqlite3_finalize(s);

    rc = ge_store_sql_prepare(
        b->c,
        "INSERT INTO layers (name, title, description, geometry_type, srid, "
        "feature_count, bbox_minx, bbox_miny, bbox_maxx, bbox_maxy, source, "
        "attribution, imported_at, version, description_de) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 1, ?14) "
        "ON CONFLICT (name) DO UPDATE SET title = excluded.title, "
        "description = excluded.description, "
        "description_de = excluded.description_de, geometry_type = excluded.geometry_type, "
        "srid = excluded.srid, feature_count = excluded.feature_count, "
        "bbox_minx = excluded.bbox_minx, bbox_miny = excluded.bbox_miny, "
        "bbox_maxx = excluded.bbox_maxx, bbox_maxy = excluded.bbox_maxy, "
        "source = excluded.source, attribution = excluded.attribution, "
        "imported_at = excluded.imported_at, version = layers.version + 1",
        &s, err);
    if (rc < 0) return rc;
    sqlite3_bind_text(s, 1, li->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, li->title[0] ? li->title : li->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, li->description, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, ge_store_geometry_type_name(b->types), -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, ge_store_srid(b->st));
    sqlite3_bind_int64(s, 6, b->count);
    for (int i = 0; i < 4; i++)
        sqlite3_bind_double(s, 7 + i, bbox[i]);
    sqlite3_bind_text(s, 11, li->source, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 12, li->attribution, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 13, b->imported_at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 14, li->description_de, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    rc = rc == SQLITE_DONE ? GE_OK : ge_store_sql_err(err, b->c->db, rc, "writing layer metadata");
    sqlite3_finalize(s);
    /* the address search index is replaced with its layer, in this transaction */
    if (rc == GE_OK && strcmp(li->name, GE_ADDRESSES_LAYER) == 0)
        rc = ge_store_addresses_reindex_conn(b->c, err);
    sqlite3_finalize(b->insert);
    b->insert = NULL;
    b->has_layer = false;
    return rc;
}

static void ge_batch_free(ge_sqlite_batch *b)
{
    ge_store *st = b->st;
    ge_sqlite *sq = ge_store_impl(st);
    sqlite3_finalize(b->insert);
    if (b->c) {
        if (!sqlite3_get_autocommit(b->c->db)) ge_store_sql_exec(b->c, "ROLLBACK", NULL);
        ge_store_release(st, b->c);
    }
    pthread_mutex_lock(&sq->mu);
    sq->writing = false;
    pthread_cond_broadcast(&sq->cv);
    pthread_mutex_unlock(&sq->mu);
    free(b->done);
    free(b);
}

static int ge_sqlite_batch_begin(ge_store *st, time_t now, void **out, ge_err *err)
{
    ge_sqlite *sq = ge_store_impl(st);
    ge_sqlite_batch *b;
    int rc;

    *out = NULL;
    if (sq->readonly) return ge_err_set(err, GE_EINVAL, "store '%s' is open read-only", sq->path);
    b = calloc(1, sizeof *b);
    if (!b) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    b->st = st;
    /* One writer at a time: wait here rather than spin in SQLite's busy
     * handler. Other processes are still kept out by BEGIN IMMEDIATE. */
    pthread_mutex_lock(&sq->mu);
    while (sq->writing)
        pthread_cond_wait(&sq->cv, &sq->mu);
    sq->writing = true;
    pthread_mutex_unlock(&sq->mu);

    rc = ge_store_acquire(st, &b->c, err);
    if (rc == GE_OK) rc = ge_store_sql_exec(b->c, "BEGIN IMMEDIATE", err);
    if (rc < 0) {
        ge_err_prefix(err, "starting an import");
        ge_batch_free(b);
        return rc;
    }
    ge_date_utc(now, b->imported_at);
    *out = b;
    return GE_OK;
}

static int ge_sqlite_batch_layer(void *batch, const ge_layer_info *meta, ge_err *err)
{
    ge_sqlite_batch *b = batch;
    char sql[160];
    int rc = ge_layer_name_check(meta->name, err);
    if (rc < 0) return rc;
    rc = ge_batch_alive(b, err);
    if (rc < 0) return rc;
    for (size_t i = 0; i < b->ndone; i++)
        if (strcmp(b->done[i], meta->name) == 0)
            return ge_err_set(err, GE_ECONFLICT, "layer '%s' is written twice in one import",
                              meta->name);
    if (b->has_layer && strcmp(b->layer.name, meta->name) == 0)
        return ge_err_set(err, GE_ECONFLICT, "layer '%s' is written twice in one import",
                          meta->name);
    rc = ge_layer_finish(b, err);
    if (rc < 0) return rc;

    rc = ge_layer_table_reset(b, meta->name, err);
    if (rc == GE_OK) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO \"ref_%s\" (props, geometry) "
                 "VALUES (?1, CastToXY(GeomFromWKB(?2, ?3)))",
                 meta->name);
        rc = ge_store_sql_prepare(b->c, sql, &b->insert, err);
    }
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

static int ge_sqlite_batch_add(void *batch, const unsigned char *wkb, size_t wkb_len,
                               const char *props_json, ge_err *err)
{
    ge_sqlite_batch *b = batch;
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
    sqlite3_reset(b->insert);
    sqlite3_bind_text(b->insert, 1, props_json ? props_json : "{}", -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(b->insert, 2, wkb, (int)wkb_len, SQLITE_TRANSIENT);
    sqlite3_bind_int(b->insert, 3, ge_store_srid(b->st));
    rc = sqlite3_step(b->insert);
    if (rc != SQLITE_DONE) {
        int code = ge_store_sql_code(rc);
        const char *why = sqlite3_errmsg(b->c->db);
        if ((rc & 0xff) == SQLITE_CONSTRAINT)
            why = strstr(why, "NOT NULL") ? "geometry is not valid WKB"
                                          : "properties are not a JSON object";
        rc = ge_err_set(err, code, "layer '%s': feature %lld: %s%s", b->layer.name,
                        (long long)b->count + 1, why,
                        sqlite3_get_autocommit(b->c->db) ? " (the import was rolled back)" : "");
        sqlite3_reset(b->insert);
        return rc;
    }
    b->count++;
    b->types |= 1u << type;
    return GE_OK;
}

static int ge_sqlite_batch_commit(void *batch, ge_err *err)
{
    ge_sqlite_batch *b = batch;
    int rc = ge_batch_alive(b, err);
    if (rc == GE_OK) rc = ge_layer_finish(b, err);
    if (rc == GE_OK) rc = ge_store_sql_exec(b->c, "COMMIT", err);
    if (rc < 0) ge_err_prefix(err, "committing the import");
    ge_batch_free(b); /* rolls back if the commit did not happen */
    return rc;
}

static void ge_sqlite_batch_abort(void *batch)
{
    ge_sqlite_batch *b = batch;
    if (b) ge_batch_free(b);
}

const ge_store_layers_ops ge_sqlite_layers_ops = {
    .layers_stamp = ge_sqlite_layers_stamp,
    .layer_list = ge_sqlite_layer_list,
    .layer_get = ge_sqlite_layer_get,
    .layer_scan = ge_sqlite_layer_scan,
    .batch_begin = ge_sqlite_batch_begin,
    .batch_layer = ge_sqlite_batch_layer,
    .batch_add = ge_sqlite_batch_add,
    .batch_commit = ge_sqlite_batch_commit,
    .batch_abort = ge_sqlite_batch_abort,
};

static const ge_store_core_ops ge_sqlite_core_ops = {
    .open = ge_sqlite_open,
    .close = ge_sqlite_close,
    .name = ge_sqlite_name,
    .srid = ge_sqlite_srid,
    .schema_version = ge_sqlite_schema_version,
    .ping = ge_sqlite_ping,
    .mem_stats = ge_sqlite_mem_stats,
};

const ge_store_backend ge_sqlite_backend = {
    .name = "sqlite",
    .core = &ge_sqlite_core_ops,
    .layers = &ge_sqlite_layers_ops,
    .addresses = &ge_sqlite_addresses_ops,
    .case_tiles = &ge_sqlite_case_tiles_ops,
    .cases = &ge_sqlite_cases_ops,
    .clients = &ge_sqlite_clients_ops,
    .decisions = &ge_sqlite_decisions_ops,
    .drafts = &ge_sqlite_drafts_ops,
    .export = &ge_sqlite_export_ops,
    .features = &ge_sqlite_features_ops,
    .retention = &ge_sqlite_retention_ops,
    .review = &ge_sqlite_review_ops,
    .tiles = &ge_sqlite_tiles_ops,
    .users = &ge_sqlite_users_ops,
    .webhooks = &ge_sqlite_webhooks_ops,
    .webhooks_admin = &ge_sqlite_webhooks_admin_ops,
};
