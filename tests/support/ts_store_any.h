/*
 * ts_store_any.h - plain SQL on a test store of either backend, for store
 * tests that run on both (ts_store_open_on) and need fixtures the interface
 * cannot make or read back what it stored: the path names a SQLite file or
 * a PostgreSQL connection string (ge_store_path_is_postgres), and the SQL
 * is written once with SQLite's numbered parameters ?1..?9, which become
 * $1..$9 for PostgreSQL. Write SQL both understand (CAST(? AS INTEGER),
 * ||, coalesce; no json_extract, no rowid).
 */
#ifndef GE_TS_STORE_ANY_H
#define GE_TS_STORE_ANY_H

/* As ts_store_sql: runs one statement with n text parameters (NULL binds
 * NULL), fails the test unless it runs; the number of changed rows. */
long long ts_any_sql(const char *path, const char *sql, int n, ...);

/* As ts_store_sql_int / ts_store_sql_text: the first column of the first
 * row (?1 = arg unless NULL); -1 / NULL when there is no row. */
long long ts_any_sql_int(const char *path, const char *sql, const char *arg);
char *ts_any_sql_text(const char *path, const char *sql, const char *arg);

#endif
