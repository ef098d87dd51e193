/*
 * store_internal.h - what the SpatiaLite store's files share and nobody else
 * sees: the list of numbered schema migrations (store_migrations.c) that
 * store_spatialite.c applies at open, and the connection pool and SQL helpers
 * that the store's subject files (store_<subject>.c) use.
 *
 * The migrations are SQL for SQLite + SpatiaLite. A PostGIS backend would keep
 * its own list with the same version numbers and the same meaning per
 * version, so that "schema version 3" says the same thing on both.
 */
#ifndef GE_STORE_INTERNAL_H
#define GE_STORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "date.h"
#include "error.h"
#include "store.h"

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

/* Binds v to parameter i as text, or NULL when v is NULL ("" stays ""). */
void ge_store_bind_text(sqlite3_stmt *s, int i, const char *v);

/* Binds v as text, or NULL when v is NULL or "": an optional member that a
 * fixed buffer holds as "" when absent is stored as NULL. */
void ge_store_bind_opt(sqlite3_stmt *s, int i, const char *v);

/* Copies a column's text (NULL as "") into a fixed buffer, cut to fit. */
void ge_store_copy_text(char *dst, size_t cap, const unsigned char *src);

/*
 * Room for one more row in a malloc'd result array v of *cap elements of
 * elem_size bytes, len of them used: v itself while there is room, else v
 * grown to twice the size (the first time first_cap elements), *cap updated.
 * NULL with GE_ENOMEM in err when memory runs out; v is then untouched and
 * still the caller's to free.
 */
void *ge_store_grow(void *v, size_t *cap, size_t len, size_t elem_size, size_t first_cap,
                    ge_err *err);

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

/* ge_store_case_conflicts (store_review.h) on a connection the caller holds,
 * e.g. inside the decision's write transaction (store_decisions.c), so that
 * what is checked is what is decided on. */
struct ge_case_filter;
struct ge_case_conflict;
int ge_store_case_conflicts_on(ge_conn *c, const char *case_id, double distance_m,
                               const struct ge_case_filter *who, size_t limit,
                               int (*cb)(void *ud, const struct ge_case_conflict *k), void *ud,
                               ge_err *err);

#endif
