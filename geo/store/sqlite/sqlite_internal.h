/*
 * sqlite_internal.h - what the SpatiaLite store's files share and nobody else
 * sees: the list of numbered schema migrations (store_migrations.c) that
 * store_spatialite.c applies at open, the connection pool and SQL helpers
 * that the store's subject files (store_<subject>.c) use, and each subject
 * file's part of the backend table (store_backend.h).
 *
 * The migrations are SQL for SQLite + SpatiaLite. The PostGIS store keeps
 * its own list with the same version numbers and the same meaning per
 * version (postgis/pg_migrations.c), so that "schema version 3" says the
 * same thing on both.
 */
#ifndef GE_SQLITE_INTERNAL_H
#define GE_SQLITE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "date.h"
#include "error.h"
#include "store.h"
#include "store_backend.h"

/* One SQLite connection with its SpatiaLite per-connection cache. */
typedef struct ge_conn {
    sqlite3 *db;
    void *splite;
} ge_conn;

/* Hands out a connection of the pool (waits while all are in use). Every
 * acquire is paired with one release, without an open transaction. */
int ge_store_acquire(ge_store *st, ge_conn **out, ge_err *err);
void ge_store_release(ge_store *st, ge_conn *c);

/* The GE_E* code for an SQLite result code, and an error naming `what`. */
int ge_store_sql_code(int rc);
int ge_store_sql_err(ge_err *err, sqlite3 *db, int rc, const char *what);

int ge_store_sql_prepare(ge_conn *c, const char *sql, sqlite3_stmt **out, ge_err *err);

/* Runs one statement without parameters to its end ("BEGIN IMMEDIATE", ...). */
int ge_store_sql_exec(ge_conn *c, const char *sql, ge_err *err);

/* Runs a statement that yields one integer, with an optional text parameter ?1;
 * when it yields no row, *out keeps its value. */
int ge_store_sql_int(ge_conn *c, const char *sql, const char *text_arg, int64_t *out, ge_err *err);

/* Steps a prepared INSERT of a row whose name must be unique: GE_OK with the
 * new rowid in *id (unless NULL); GE_ECONFLICT "a <what> named '<name>'
 * exists already" when the UNIQUE index on column ("users.name") refuses
 * it; else the SQLite error, as "adding a <what>". */
int ge_store_insert_named(ge_conn *c, sqlite3_stmt *s, const char *column, const char *what,
                          const char *name, int64_t *id, ge_err *err);

/* Binds v to parameter i as text, or NULL when v is NULL ("" stays ""). */
void ge_store_bind_text(sqlite3_stmt *s, int i, const char *v);

/* Binds v as text, or NULL when v is NULL or "": an optional member that a
 * fixed buffer holds as "" when absent is stored as NULL. */
void ge_store_bind_opt(sqlite3_stmt *s, int i, const char *v);

/* Copies a column's text (NULL as "") into a fixed buffer, cut to fit. */
void ge_store_copy_text(char *dst, size_t cap, const unsigned char *src);

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

/* ge_store_addresses_search's index rebuilt on a connection inside the
 * import's write transaction (store_addresses.c). */
int ge_store_addresses_reindex_conn(ge_conn *c, ge_err *err);

/* ge_store_case_conflicts (store_review.h) on a connection the caller holds,
 * e.g. inside the decision's write transaction (store_decisions.c), so that
 * what is checked is what is decided on. */
struct ge_case_filter;
struct ge_case_conflict;
int ge_store_case_conflicts_on(ge_conn *c, const char *case_id, double distance_m,
                               const struct ge_case_filter *who, size_t limit,
                               int (*cb)(void *ud, const struct ge_case_conflict *k), void *ud,
                               ge_err *err);

/* Each subject file's part of ge_sqlite_backend (store_spatialite.c). */
extern const ge_store_layers_ops ge_sqlite_layers_ops;
extern const ge_store_addresses_ops ge_sqlite_addresses_ops;
extern const ge_store_case_tiles_ops ge_sqlite_case_tiles_ops;
extern const ge_store_cases_ops ge_sqlite_cases_ops;
extern const ge_store_clients_ops ge_sqlite_clients_ops;
extern const ge_store_decisions_ops ge_sqlite_decisions_ops;
extern const ge_store_drafts_ops ge_sqlite_drafts_ops;
extern const ge_store_export_ops ge_sqlite_export_ops;
extern const ge_store_features_ops ge_sqlite_features_ops;
extern const ge_store_retention_ops ge_sqlite_retention_ops;
extern const ge_store_review_ops ge_sqlite_review_ops;
extern const ge_store_tiles_ops ge_sqlite_tiles_ops;
extern const ge_store_users_ops ge_sqlite_users_ops;
extern const ge_store_webhooks_ops ge_sqlite_webhooks_ops;
extern const ge_store_webhooks_admin_ops ge_sqlite_webhooks_admin_ops;

#endif
