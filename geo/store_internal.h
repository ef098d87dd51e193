/*
 * store_internal.h - what the SpatiaLite store's files share and nobody else
 * sees: the list of numbered schema migrations (store_migrations.c) that
 * store_spatialite.c applies at open.
 *
 * The migrations are SQL for SQLite + SpatiaLite. A PostGIS backend would keep
 * its own list with the same version numbers and the same meaning per
 * version, so that "schema version 3" says the same thing on both.
 */
#ifndef GE_STORE_INTERNAL_H
#define GE_STORE_INTERNAL_H

#include <stddef.h>

/*
 * One migration: the statements that take a store from version-1 to
 * version. They run in order inside one transaction together with the
 * "PRAGMA user_version = version" that records them, so a migration is
 * applied completely or not at all. A statement may use the parameter
 * ":srid" (the store's SRID); nothing else is ever bound or spliced in.
 */
typedef struct ge_store_migration {
    int version;
    const char *name;
    const char *const *steps; /* NULL-terminated */
} ge_store_migration;

/* Ordered by version, versions 1..n without gaps (asserted at open). */
extern const ge_store_migration ge_store_spatialite_migrations[];
extern const size_t ge_store_spatialite_nmigrations;

#endif
