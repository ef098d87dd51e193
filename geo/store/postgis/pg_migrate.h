/*
 * pg_migrate.h - the numbered schema migrations of the PostGIS store and
 * the runner that applies them.
 *
 * The list (pg_migrations.c) has the same versions as the SpatiaLite
 * store's (geo/store/store_migrations.c), and each version means the same
 * tables, columns, indexes and triggers on both, so "schema version 12"
 * says the same thing whichever store holds it (tests/unit/test_pg_migrations.c
 * compares the two schemas column by column).
 *
 * The runner records the version in a one-row table schema_version (the
 * SQLite store uses PRAGMA user_version), applies each missing migration in
 * a transaction of its own together with the new version number, and does
 * all of it under a session advisory lock: several instances starting at
 * once against one database wait for each other, and the first migrates
 * while the others then find nothing left to do.
 */
#ifndef GE_PG_MIGRATE_H
#define GE_PG_MIGRATE_H

#include <stddef.h>

#include <libpq-fe.h>

#include "error.h"

/* One migration: the statements that take a database from version-1 to
 * version. A statement may use the parameter $1, the store's SRID (as text);
 * nothing else is ever bound or spliced in. */
typedef struct ge_pg_migration {
    int version;
    const char *name;
    const char *const *steps; /* NULL-terminated */
} ge_pg_migration;

/* Ordered by version, 1..n without gaps (asserted by the runner). */
extern const ge_pg_migration ge_pg_migrations[];
extern const size_t ge_pg_nmigrations;

/* The advisory lock (pg_advisory_lock's one-bigint key) the runner holds. */
#define GE_PG_MIGRATE_LOCK_KEY "7154816402318551900"

/* The newest version this build knows. */
int ge_pg_latest_version(void);

/* The database's schema version: 0 when it has no schema_version table. */
int ge_pg_schema_version(PGconn *c, int *version, ge_err *err);

/*
 * Takes the database c is connected to up to version target (normally
 * ge_pg_latest_version()), creating the PostGIS extension first when it is
 * missing (which needs the right to). A new database gets srid (the SRID of
 * every geometry it will hold, recorded in store_meta); an existing one
 * keeps its own. *applied (unless NULL) counts the migrations this call
 * applied. Refused with GE_ECONFLICT when the database's version is newer
 * than this build knows, and with GE_EINVAL when the database holds tables
 * but no schema_version (a database of something else). c must not be in a
 * transaction; it is left outside one, the lock released.
 */
int ge_pg_migrate(PGconn *c, int srid, int target, int *applied, ge_err *err);

#endif
