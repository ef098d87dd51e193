/*
 * ts_store.h - helpers for unit tests that work on a store directly (no
 * server): a scratch store file, WKB points, and drafts made the way
 * POST /v1/drafts stores them, for tests that then submit cases; plain SQL
 * on a store file, for fixtures the API cannot make and for reading back
 * what it stored.
 */
#ifndef GE_TS_STORE_H
#define GE_TS_STORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "store_forms.h"

/* Opens a new store (SRID 25832) at <scratch dir name>/<file>; copies its
 * path to path_out (4096 bytes) unless NULL. 0 or -1 after printing why.
 * With GE_TEST_STORE=postgis in the environment the store is a fresh
 * database `name` in the test cluster instead (ts_pg.h; path_out gets its
 * connection string, so ts_store_sql and friends do not work on it: tests
 * that use them are SQLite-only), -1 when there is no PostgreSQL. */
int ts_store_open(const char *name, const char *file, ge_store **st, char *path_out);

/* The backends a store test can run on, for cases written once and run on
 * each (see test_store_clients.c): "sqlite", "postgis". */
#define TS_STORE_SQLITE  "sqlite"
#define TS_STORE_POSTGIS "postgis"

/* As ts_store_open on the backend named (TS_STORE_*): 0, -1 after printing
 * why, or 1 when the backend is PostGIS and PostgreSQL is not installed
 * (after a visible SKIP line: the case then calls skip()). name must be
 * lower-case letters, digits and '_' (it names the database). */
int ts_store_open_on(const char *backend, const char *name, const char *file, ge_store **st,
                     char *path_out);

/* A little-endian WKB point (x, y). */
void ts_wkb_point(unsigned char out[21], double x, double y);

/* Stores a new draft of client for service, with a fresh id and token,
 * expiring in 2999, into *d (asserts success). */
void ts_store_draft(ge_store *st, int64_t client, const char *service, ge_draft *d);

/* Runs one statement on the store file at path (foreign keys on) with n
 * text parameters ?1..?n (NULL binds NULL); fails the test unless it runs to
 * its end. The number of changed rows. When path names a PostGIS store
 * (ts_backend.h: GE_TEST_STORE=postgis) the statement runs on its database,
 * with ?N as $N: plain SQL that both speak works on both. */
long long ts_store_sql(const char *path, const char *sql, int n, ...);
long long ts_store_sqlv(const char *path, const char *sql, int n, va_list ap);

/* The first column of the first row of sql (?1 = arg unless NULL): as an
 * integer, -1 when there is no row; as malloc'd text, NULL when there is
 * none or it is NULL. */
long long ts_store_sql_int(const char *path, const char *sql, const char *arg);
char *ts_store_sql_text(const char *path, const char *sql, const char *arg);

/* The store's contents for "is X stored anywhere" checks: the file's bytes,
 * or on PostGIS every row of every table as text, one per line; malloc'd,
 * NUL-terminated, *len its size (unless NULL). */
char *ts_store_contents(const char *path, size_t *len);

/* On PostGIS: amcheck over every B-tree index of the store (PRAGMA
 * integrity_check's counterpart), true when it finds nothing; false for a
 * file store (the caller checks a file itself, ts_forms_integrity_ok). */
bool ts_store_integrity_ok(const char *path);

#endif
