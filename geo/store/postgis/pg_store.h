/*
 * pg_store.h - what the PostGIS store's files share and nobody else sees:
 * its state of an open ge_store (a libpq connection pool and the SRID), a
 * connection for one unit of work, the answer of a function not written
 * yet, and each subject file's part of the backend table (store_backend.h).
 *
 * A subject file (pg_<subject>.c, one per sqlite/store_<subject>.c) includes
 * this header and its subject's store_*.h, keeps its functions static, and
 * ends with its `const ge_store_<subject>_ops ge_pg_<subject>_ops`; see
 * pg_clients.c and geo/store/README.md.
 */
#ifndef GE_PG_STORE_H
#define GE_PG_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "error.h"
#include "pg_pool.h"
#include "pg_sql.h"
#include "store.h"
#include "store_backend.h"

/* How long a caller waits for a connection while all are in use. */
#define GE_PG_ACQUIRE_TIMEOUT_MS 30000

/* The PostGIS store's state (ge_store_impl). */
typedef struct ge_pg {
    ge_pg_pool *pool;
    int srid;
    bool readonly;
} ge_pg;

/* A connection of the store's pool for one unit of work (waits up to
 * GE_PG_ACQUIRE_TIMEOUT_MS); every acquire is paired with one release,
 * outside a transaction (the pool rolls back one left open). */
int ge_pg_acquire(ge_store *st, PGconn **out, ge_err *err);
void ge_pg_release(ge_store *st, PGconn *c);

/* GE_EINTERNAL, "the PostGIS store does not support <fn> yet". */
int ge_pg_unsupported(ge_err *err, const char *fn);

/* v, or NULL when v is NULL or "": an optional member that a fixed buffer
 * holds as "" when absent is stored as NULL (as ge_store_bind_opt). */
const char *ge_pg_opt(const char *v);

/* Copies a result's text (NULL as "") into a fixed buffer, cut to fit. */
void ge_pg_copy_text(char *dst, size_t cap, const PGresult *r, int row, int col);

/* A result's text as a malloc'd string, NULL for SQL NULL; *rc becomes
 * GE_ENOMEM (message in err) when memory runs out. */
char *ge_pg_dup_text(const PGresult *r, int row, int col, int *rc, ge_err *err);

/* Each subject file's part of ge_pg_backend (pg_store.c). */
extern const ge_store_layers_ops ge_pg_layers_ops;
extern const ge_store_addresses_ops ge_pg_addresses_ops;
extern const ge_store_case_tiles_ops ge_pg_case_tiles_ops;
extern const ge_store_cases_ops ge_pg_cases_ops;
extern const ge_store_clients_ops ge_pg_clients_ops;
extern const ge_store_decisions_ops ge_pg_decisions_ops;
extern const ge_store_drafts_ops ge_pg_drafts_ops;
extern const ge_store_export_ops ge_pg_export_ops;
extern const ge_store_features_ops ge_pg_features_ops;
extern const ge_store_retention_ops ge_pg_retention_ops;
extern const ge_store_review_ops ge_pg_review_ops;
extern const ge_store_tiles_ops ge_pg_tiles_ops;
extern const ge_store_users_ops ge_pg_users_ops;
extern const ge_store_webhooks_ops ge_pg_webhooks_ops;
extern const ge_store_webhooks_admin_ops ge_pg_webhooks_admin_ops;

/* The conflicts of a case (ge_store_case_conflicts) on a connection the
 * caller holds, e.g. inside a decision's transaction after its row lock
 * (pg_review.c; as ge_store_case_conflicts_on in the SQLite store). The
 * callback runs on the connection's time. */
int ge_pg_case_conflicts_on(PGconn *c, const char *case_id, double distance_m,
                            const ge_case_filter *who, size_t limit, ge_case_conflict_cb cb,
                            void *ud, ge_err *err);

#endif
