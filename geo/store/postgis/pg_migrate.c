/*
 * pg_migrate.c - applies the PostGIS store's migrations (pg_migrations.c)
 * to a database; see pg_migrate.h for the contract.
 *
 * Why a session advisory lock around the whole run rather than each
 * migration's transaction alone: two instances that start at once both read
 * "version 3"; without the lock both would run migration 4 and the second
 * would fail on "column already exists" (DDL is transactional in
 * PostgreSQL, but two transactions may both decide to do it). With the
 * lock the second waits, then reads the version the first left and has
 * nothing to do. The lock is the session's, so a runner that dies (killed
 * instance, lost connection) releases it with its connection.
 *
 * Before version 1 a database gets what it needs from outside our
 * migrations: the PostGIS extension (the SQLite store's
 * InitSpatialMetadata) and the schema_version table.
 */
#include "pg_migrate.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pg_pool.h"
#include "pg_sql.h"

int ge_pg_latest_version(void)
{
    return ge_pg_migrations[ge_pg_nmigrations - 1].version;
}

static int ge_pg_has_schema_version(PGconn *c, int64_t *exists, ge_err *err)
{
    *exists = 0;
    return ge_pg_int(c, "reading the schema version",
                     "SELECT (to_regclass('schema_version') IS NOT NULL)::integer", NULL, exists,
                     err);
}

int ge_pg_schema_version(PGconn *c, int *version, ge_err *err)
{
    int64_t exists = 0, v = 0;
    int rc = ge_pg_has_schema_version(c, &exists, err);
    if (rc == GE_OK && exists)
        rc = ge_pg_int(c, "reading the schema version", "SELECT version FROM schema_version", NULL,
                       &v, err);
    if (rc == GE_OK) *version = (int)v;
    return rc;
}

static void ge_pg_rollback(PGconn *c)
{
    if (PQtransactionStatus(c) != PQTRANS_IDLE) PQclear(PQexec(c, "ROLLBACK"));
}

/* A database without schema_version: refuse one that holds other tables,
 * make sure it has PostGIS, then create schema_version at 0. */
static int ge_pg_prepare(PGconn *c, const char *name, ge_err *err)
{
    int64_t ntables = 0, has_postgis = 0;
    int rc = ge_pg_int(c, "looking at the database",
                       "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
                       " AND tablename <> 'spatial_ref_sys'",
                       NULL, &ntables, err);
    if (rc < 0) return rc;
    if (ntables > 0)
        return ge_err_set(err, GE_EINVAL,
                          "store '%s': the database is one of something else (%lld tables, "
                          "but no schema_version)",
                          name, (long long)ntables);
    rc = ge_pg_int(c, "looking for PostGIS",
                   "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'", NULL,
                   &has_postgis, err);
    if (rc == GE_OK && !has_postgis) {
        rc = ge_pg_exec(c, "creating the PostGIS extension",
                        "CREATE EXTENSION IF NOT EXISTS postgis", 0, NULL, NULL, err);
        if (rc < 0) {
            ge_err_prefix(err,
                          "store '%s' has no PostGIS, and this user may not add it "
                          "(as a superuser: CREATE EXTENSION postgis)",
                          name);
            return rc;
        }
    }
    if (rc < 0) return rc;
    rc = ge_pg_exec(c, "creating schema_version", "BEGIN", 0, NULL, NULL, err);
    /* one row: "single" is its primary key and can only be true */
    if (rc == GE_OK)
        rc = ge_pg_exec(c, "creating schema_version",
                        "CREATE TABLE schema_version ("
                        "  single boolean PRIMARY KEY DEFAULT true CHECK (single),"
                        "  version integer NOT NULL)",
                        0, NULL, NULL, err);
    if (rc == GE_OK)
        rc = ge_pg_exec(c, "creating schema_version",
                        "INSERT INTO schema_version (version) VALUES (0)", 0, NULL, NULL, err);
    if (rc == GE_OK) rc = ge_pg_exec(c, "creating schema_version", "COMMIT", 0, NULL, NULL, err);
    if (rc < 0) {
        ge_pg_rollback(c);
        ge_err_prefix(err, "store '%s'", name);
    }
    return rc;
}

static int ge_pg_apply(PGconn *c, const ge_pg_migration *m, const char *srid, ge_err *err)
{
    char version[16];
    const char *params[1] = {srid};
    int rc = ge_pg_exec(c, "BEGIN", "BEGIN", 0, NULL, NULL, err);

    for (const char *const *s = m->steps; *s && rc == GE_OK; s++) {
        int n = strstr(*s, "$1") ? 1 : 0;
        rc = ge_pg_exec(c, "migration step", *s, n, n ? params : NULL, NULL, err);
        if (rc < 0) ge_err_prefix(err, "'%.80s'", *s);
    }
    snprintf(version, sizeof version, "%d", m->version);
    params[0] = version;
    if (rc == GE_OK)
        rc = ge_pg_exec(c, "recording the version", "UPDATE schema_version SET version = $1", 1,
                        params, NULL, err);
    if (rc == GE_OK) rc = ge_pg_exec(c, "COMMIT", "COMMIT", 0, NULL, NULL, err);
    if (rc < 0) {
        ge_pg_rollback(c);
        ge_err_prefix(err, "migration %d (%s)", m->version, m->name);
    }
    return rc;
}

static int ge_pg_migrate_locked(PGconn *c, const char *name, int srid, int target, int *applied,
                                ge_err *err)
{
    char srid_text[16];
    int64_t exists = 0;
    int version = 0, rc;

    rc = ge_pg_has_schema_version(c, &exists, err);
    if (rc == GE_OK && !exists) rc = ge_pg_prepare(c, name, err);
    if (rc == GE_OK) rc = ge_pg_schema_version(c, &version, err);
    if (rc < 0) return rc;
    if (version > ge_pg_latest_version())
        return ge_err_set(err, GE_ECONFLICT,
                          "store '%s' has schema version %d, newer than this build knows (%d)",
                          name, version, ge_pg_latest_version());

    snprintf(srid_text, sizeof srid_text, "%d", srid);
    for (size_t i = 0; i < ge_pg_nmigrations; i++) {
        const ge_pg_migration *m = &ge_pg_migrations[i];
        assert(m->version == (int)i + 1);
        if (m->version <= version || m->version > target) continue;
        rc = ge_pg_apply(c, m, srid_text, err);
        if (rc < 0) {
            ge_err_prefix(err, "store '%s'", name);
            return rc;
        }
        if (applied) (*applied)++;
    }
    return GE_OK;
}

int ge_pg_migrate(PGconn *c, int srid, int target, int *applied, ge_err *err)
{
    const char *key[1] = {GE_PG_MIGRATE_LOCK_KEY};
    char name[256];
    int rc;

    if (applied) *applied = 0;
    ge_pg_conn_name(c, name, sizeof name);
    if (PQtransactionStatus(c) != PQTRANS_IDLE)
        return ge_err_set(err, GE_EINTERNAL, "store '%s': migrating inside a transaction", name);
    /* waits while another instance migrates */
    rc = ge_pg_exec(c, "taking the migration lock", "SELECT pg_advisory_lock($1::bigint)", 1, key,
                    NULL, err);
    if (rc < 0) {
        ge_err_prefix(err, "store '%s'", name);
        return rc;
    }
    rc = ge_pg_migrate_locked(c, name, srid, target, applied, err);
    ge_pg_rollback(c);
    PQclear(PQexecParams(c, "SELECT pg_advisory_unlock($1::bigint)", 1, NULL, key, NULL, NULL, 0));
    return rc;
}
