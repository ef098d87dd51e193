/*
 * pg_sql.h - running SQL on one libpq connection the way the PostGIS store
 * does everywhere: always with parameters kept apart from the text
 * (PQexecParams, text format), results checked, and a failure turned into
 * the project's error convention (error.h) with the server's message and
 * SQLSTATE in it.
 */
#ifndef GE_PG_SQL_H
#define GE_PG_SQL_H

#include <stdint.h>

#include <libpq-fe.h>

#include "error.h"

/* The GE_E* code for an SQLSTATE, as ge_store_sql_code maps SQLite's codes:
 * class 23 (a constraint, like SQLITE_CONSTRAINT) and 22 (bad data, like
 * SQLITE_MISMATCH) are GE_EINVAL; 40001, 40P01 and 55P03 (serialization
 * failure, deadlock, lock not available: like SQLITE_BUSY, worth a retry)
 * GE_ECONFLICT; 53 (out of resources) GE_ELIMIT; 57014 (canceled)
 * GE_ECANCELED; the rest GE_EIO. */
int ge_pg_sqlstate_code(const char *sqlstate);

/* Runs sql with n text parameters ($1..$n; NULL binds NULL). With out, the
 * result is the caller's to PQclear; without, it is cleared. On failure the
 * error names `what`, the server's message and its SQLSTATE. */
int ge_pg_exec(PGconn *c, const char *what, const char *sql, int n, const char *const *params,
               PGresult **out, ge_err *err);

/* Runs sql (one text parameter $1 unless arg is NULL) that yields one
 * integer; when it yields no row or NULL, *out keeps its value. */
int ge_pg_int(PGconn *c, const char *what, const char *sql, const char *arg, int64_t *out,
              ge_err *err);

#endif
