/*
 * pg_pool.h - a pool of libpq connections to one PostgreSQL database, for
 * the PostGIS store (geo/store/postgis/).
 *
 * The pool holds at most `size` connections, opened when first needed (one
 * at open, so that a wrong URI or an unreachable server is told at start).
 * A caller acquires a connection for one unit of work (a statement or a
 * transaction) and releases it; while all are in use, acquire waits up to
 * its timeout. Thread-safe: any thread may acquire and release.
 *
 * Broken connections heal themselves: acquire looks at an idle connection
 * before handing it out (without a round trip: a server that ended the
 * backend - pg_terminate_backend, a restart, a failover - has left an error
 * or EOF on the socket) and replaces a dead one by a new connection; release
 * rolls back a transaction the caller left open and drops a connection whose
 * state is unknown. A statement that fails because the connection died in
 * its middle still fails: the caller decides whether to retry, as only it
 * knows whether the work is idempotent.
 */
#ifndef GE_PG_POOL_H
#define GE_PG_POOL_H

#include <stddef.h>

#include <libpq-fe.h>

#include "error.h"

typedef struct ge_pg_pool ge_pg_pool;

typedef struct ge_pg_pool_opts {
    const char *uri;         /* libpq connection URI or "key=value" string */
    int size;                /* most connections at once; 0: 8 */
    int connect_timeout_s;   /* per connection attempt; 0: 10 s */
    const char *application; /* application_name; NULL: "geoeditor" (the URI may override) */
} ge_pg_pool_opts;

/* Opens the pool and its first connection. GE_EIO when it cannot connect
 * (the message names the server and libpq's reason, never the password). */
int ge_pg_pool_open(ge_pg_pool **out, const ge_pg_pool_opts *opts, ge_err *err);

/* Closes every connection; all must have been released. NULL is fine. */
void ge_pg_pool_close(ge_pg_pool *p);

/* Hands out a healthy connection, waiting up to timeout_ms (< 0: forever)
 * while all are in use: GE_ELIMIT when the wait ran out, GE_EIO when a new
 * connection could not be made. Pair every acquire with one release. */
int ge_pg_pool_acquire(ge_pg_pool *p, int timeout_ms, PGconn **out, ge_err *err);

/* Gives a connection back. An open transaction is rolled back; a connection
 * that is broken or in an unknown state is closed (a new one is made when
 * needed). */
void ge_pg_pool_release(ge_pg_pool *p, PGconn *c);

/* "postgresql://user@host:port/dbname" of the pool's database, without the
 * password, for messages and logs. */
const char *ge_pg_pool_name(const ge_pg_pool *p);

/* The same for one connection, into buf (cut to fit). */
void ge_pg_conn_name(PGconn *c, char *buf, size_t len);

/* libpq's message of c without its trailing newline, cut to fit buf. */
const char *ge_pg_conn_message(PGconn *c, char *buf, size_t len);

/* Counters, for tests and metrics: connections open now (idle or in use),
 * and connections found broken (at acquire or release) and closed since the
 * pool was opened. */
int ge_pg_pool_open_count(ge_pg_pool *p);
long ge_pg_pool_broken_count(ge_pg_pool *p);

/* The pool at one moment, for metrics: its size (most connections), the
 * connections open now, and of them those idle (not handed out). */
void ge_pg_pool_stats(ge_pg_pool *p, int *size, int *open, int *idle);

#endif
