/*
 * pg_rows.h - features out of the PostGIS store in portions: the reading
 * side that pg_layers.c, pg_features.c, pg_tiles.c and pg_export.c share.
 * A query whose first three columns are a feature's fid, its geometry as
 * ST_AsBinary and its properties as text runs as a cursor inside the
 * caller's transaction and is fetched a few hundred rows at a time, so that
 * a layer of a million features never sits in memory at once; each row goes
 * to a ge_feature_cb with the WKB decoded.
 */
#ifndef GE_PG_ROWS_H
#define GE_PG_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "error.h"
#include "store.h"

/* A feature row's columns as a query says them (geometry g, props p). */
#define GE_PG_WKB(g) "encode(ST_AsBinary(" g "), 'hex')"

/* Runs sql (n text parameters) as a cursor on c, which must be inside a
 * transaction, and hands every row to cb (columns 0..2: fid, GE_PG_WKB,
 * props as text; further columns are ignored). A non-zero return of cb
 * stops and is returned; *rows (may be NULL) counts the rows handed over.
 * The cursor (ge_rows) ends with the transaction: one call per transaction. */
int ge_pg_feature_rows(PGconn *c, const char *what, const char *sql, int n,
                       const char *const *params, ge_feature_cb cb, void *ud, int64_t *rows,
                       ge_err *err);

/* Decodes the hex text of GE_PG_WKB into buf (grown as needed; *cap its
 * size); the number of bytes, or -1 when out of memory or not hex. */
long ge_pg_unhex(const char *hex, unsigned char **buf, size_t *cap);

/* A box and its SRID as the text parameters of ST_MakeEnvelope: out[0..3]
 * the coordinates (%.17g, exact), out[4] the SRID. */
void ge_pg_box_params(const double box[4], int srid, char out[5][32]);

#endif
