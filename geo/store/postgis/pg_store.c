/*
 * pg_store.c - the PostGIS store (store_backend.h: ge_pg_backend) on a
 * PostgreSQL 15 + PostGIS 3 database named by a libpq connection string:
 * open (the pool, the migrations under their advisory lock, the SRID from
 * store_meta), close, ping, the schema version, the pool's memory figures,
 * and the backend table that
 * points at each subject file's part (pg_<subject>.c).
 */
#include "pg_store.h"
#include "pg_migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GE_PG_DEFAULT_SRID 25832

int ge_pg_acquire(ge_store *st, PGconn **out, ge_err *err)
{
    ge_pg *pg = ge_store_impl(st);
    return ge_pg_pool_acquire(pg->pool, GE_PG_ACQUIRE_TIMEOUT_MS, out, err);
}

void ge_pg_release(ge_store *st, PGconn *c)
{
    ge_pg *pg = ge_store_impl(st);
    if (c) ge_pg_pool_release(pg->pool, c);
}

int ge_pg_unsupported(ge_err *err, const char *fn)
{
    return ge_err_set(err, GE_EINTERNAL, "the PostGIS store does not support %s yet", fn);
}

const char *ge_pg_opt(const char *v)
{
    return v && v[0] ? v : NULL;
}

void ge_pg_copy_text(char *dst, size_t cap, const PGresult *r, int row, int col)
{
    snprintf(dst, cap, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

char *ge_pg_dup_text(const PGresult *r, int row, int col, int *rc, ge_err *err)
{
    if (PQgetisnull(r, row, col)) return NULL;
    char *s = strdup(PQgetvalue(r, row, col));
    if (!s) *rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
    return s;
}

static void ge_pg_close(ge_store *st)
{
    ge_pg *pg = ge_store_impl(st);
    if (!pg) return;
    ge_pg_pool_close(pg->pool);
    free(pg);
    ge_store_set_impl(st, NULL);
}

static int ge_pg_open(ge_store *st, const ge_store_opts *opts, int target, ge_err *err)
{
    PGconn *c = NULL;
    int rc, version = 0;
    int64_t srid = 0;

    if (!opts || !opts->path || !opts->path[0])
        return ge_err_set(err, GE_EINVAL, "store: no database given");
    if (opts->srid < 0 || opts->pool_size < 0)
        return ge_err_set(err, GE_EINVAL, "store: srid and pool_size must not be negative");
    if (target < 0 || target > ge_pg_latest_version())
        return ge_err_set(err, GE_EINVAL, "store: schema version %d is unknown (latest is %d)",
                          target, ge_pg_latest_version());
    ge_pg *pg = calloc(1, sizeof *pg);
    if (!pg) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    pg->srid = opts->srid > 0 ? opts->srid : GE_PG_DEFAULT_SRID;
    pg->readonly = opts->readonly;
    ge_store_set_impl(st, pg);
    ge_pg_pool_opts po = {.uri = opts->path, .size = opts->pool_size};
    rc = ge_pg_pool_open(&pg->pool, &po, err);
    if (rc < 0) return rc;

    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    const char *name = ge_pg_pool_name(pg->pool);
    if (!pg->readonly) rc = ge_pg_migrate(c, pg->srid, target, NULL, err);
    if (rc == GE_OK) rc = ge_pg_schema_version(c, &version, err);
    if (rc == GE_OK && version > ge_pg_latest_version())
        rc = ge_err_set(err, GE_ECONFLICT,
                        "store '%s' has schema version %d, newer than this build knows (%d)", name,
                        version, ge_pg_latest_version());
    if (rc == GE_OK && version < 1)
        rc = ge_err_set(err, GE_EINVAL, "store '%s': not a geoEDITOR store (schema version 0)",
                        name);
    if (rc == GE_OK)
        rc =
            ge_pg_int(c, "reading the SRID",
                      "SELECT value::integer FROM store_meta WHERE key = 'srid'", NULL, &srid, err);
    if (rc == GE_OK && srid <= 0)
        rc = ge_err_set(err, GE_EIO, "store '%s': store_meta has no srid", name);
    if (rc == GE_OK) pg->srid = (int)srid;
    ge_pg_release(st, c);
    return rc;
}

static const char *ge_pg_name(const ge_store *st)
{
    const ge_pg *pg = ge_store_impl(st);
    return ge_pg_pool_name(pg->pool);
}

static int ge_pg_srid(const ge_store *st)
{
    const ge_pg *pg = ge_store_impl(st);
    return pg->srid;
}

static int ge_pg_schema_version_of(ge_store *st)
{
    PGconn *c;
    int version = -1;
    if (ge_pg_acquire(st, &c, NULL) < 0) return -1;
    if (ge_pg_schema_version(c, &version, NULL) < 0) version = -1;
    ge_pg_release(st, c);
    return version;
}

/* The pool's figures; the SQLite-only ones (page cache, schema, statements,
 * sqlite3_memory_*) stay 0. */
static void ge_pg_mem_stats(ge_store *st, ge_store_mem *out)
{
    ge_pg *pg = ge_store_impl(st);
    memset(out, 0, sizeof *out);
    ge_pg_pool_stats(pg->pool, &out->pool_size, &out->open, &out->idle);
}

static int ge_pg_ping(ge_store *st, ge_err *err)
{
    PGconn *c;
    int64_t one = 0;
    int rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_pg_int(c, "ping", "SELECT 1", NULL, &one, err);
    ge_pg_release(st, c);
    return rc;
}

static const ge_store_core_ops ge_pg_core_ops = {
    .open = ge_pg_open,
    .close = ge_pg_close,
    .name = ge_pg_name,
    .srid = ge_pg_srid,
    .schema_version = ge_pg_schema_version_of,
    .ping = ge_pg_ping,
    .mem_stats = ge_pg_mem_stats,
};

const ge_store_backend ge_pg_backend = {
    .name = "postgis",
    .core = &ge_pg_core_ops,
    .layers = &ge_pg_layers_ops,
    .addresses = &ge_pg_addresses_ops,
    .case_tiles = &ge_pg_case_tiles_ops,
    .cases = &ge_pg_cases_ops,
    .clients = &ge_pg_clients_ops,
    .decisions = &ge_pg_decisions_ops,
    .drafts = &ge_pg_drafts_ops,
    .export = &ge_pg_export_ops,
    .features = &ge_pg_features_ops,
    .retention = &ge_pg_retention_ops,
    .review = &ge_pg_review_ops,
    .tiles = &ge_pg_tiles_ops,
    .users = &ge_pg_users_ops,
    .webhooks = &ge_pg_webhooks_ops,
    .webhooks_admin = &ge_pg_webhooks_admin_ops,
};
