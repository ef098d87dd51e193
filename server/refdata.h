/*
 * refdata.h - the domain data every handler validates against: the services
 * (the files in data/services/, loaded once at start-up) and the reference layers
 * in memory (geo/rules/refindex.h), kept current while the server runs.
 *
 * An import runs as a separate process ("geoeditor import") and commits to the
 * same store file; a watcher thread polls ge_store_layers_stamp() and, when it
 * changed, builds a new snapshot and publishes it atomically. Requests that
 * hold the old snapshot finish with it; the next ones see the new data.
 */
#ifndef GE_REFDATA_H
#define GE_REFDATA_H

#include "http.h"

/* Loads the services from cfg->data_dir/services and the reference layers from
 * the store into ctx->services and ctx->refindex, and starts the watcher. A
 * malformed service file stops start-up with its message; a service whose
 * layers are not imported yet is a warning in the log. */
int ge_refdata_open(ge_ctx *ctx, ge_err *err);

/* Checks the store now and reloads if an import committed (the watcher calls
 * this every few seconds; tests may call it to avoid waiting). */
int ge_refdata_refresh(ge_ctx *ctx, ge_err *err);

#endif
