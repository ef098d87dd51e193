/*
 * ts_pg.h - a PostgreSQL + PostGIS server for tests of the PostGIS store:
 * the one $GE_TEST_PG_URI names (a superuser's URI, e.g. of a cluster a
 * ctest fixture or scripts/test started), else a throwaway cluster that the
 * test program starts through scripts/pg-throwaway in a temporary directory
 * and stops when it exits. Each test case then makes a fresh database of
 * its own in it, so cases do not see each other's schemas.
 *
 * When PostgreSQL 15 or PostGIS is not installed, ts_pg_db prints one
 * visible "SKIP: ..." line and returns NULL; the case then calls skip(), so
 * the program exits 77 and ctest lists it as skipped (ts.h).
 */
#ifndef GE_TS_PG_H
#define GE_TS_PG_H

#include <libpq-fe.h>

/* A fresh, empty database named name (lower-case letters, digits and '_';
 * dropped first when it exists), without PostGIS unless with_postgis; its
 * connection string in a static buffer (valid until the next call), or
 * NULL after printing why (not installed: SKIP; else: FAIL). */
const char *ts_pg_db(const char *name, int with_postgis);

/* A connection to the server's "postgres" database as the superuser, for
 * what the tests do beside the code under test (pg_terminate_backend,
 * pg_stat_activity); fails the test when it cannot connect. */
PGconn *ts_pg_admin(void);

/* Runs sql on c and fails the test unless it succeeds; the first column of
 * the first row as malloc'd text (NULL when there is none), or NULL. */
char *ts_pg_sql(PGconn *c, const char *sql);

/* Connects to conninfo; fails the test when it cannot. */
PGconn *ts_pg_connect(const char *conninfo);

#endif
