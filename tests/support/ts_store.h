/*
 * ts_store.h - helpers for unit tests that work on a store directly (no
 * server): a scratch store file, WKB points, and drafts made the way
 * POST /v1/drafts stores them, for tests that then submit cases.
 */
#ifndef GE_TS_STORE_H
#define GE_TS_STORE_H

#include <stdint.h>

#include "store.h"
#include "store_forms.h"

/* Opens a new store (SRID 25832) at <scratch dir name>/<file>; copies its
 * path to path_out (4096 bytes) unless NULL. 0 or -1 after printing why. */
int ts_store_open(const char *name, const char *file, ge_store **st, char *path_out);

/* A little-endian WKB point (x, y). */
void ts_wkb_point(unsigned char out[21], double x, double y);

/* Stores a new draft of client for service, with a fresh id and token,
 * expiring in 2999, into *d (asserts success). */
void ts_store_draft(ge_store *st, int64_t client, const char *service, ge_draft *d);

#endif
