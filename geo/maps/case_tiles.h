/*
 * case_tiles.h - the review app's vector tiles of submitted cases: MVT
 * layer "cases" with one feature per drawn case feature (feature id: its
 * fid in case_features) and the properties case_id, service, status,
 * reference and valid, for the services a caseworker may see. Purged cases
 * are left out. Encoded like every other tile (tilegen.h, mvt.h).
 *
 * Who may see which services is the caller's to decide (the HTTP layer
 * knows the session); this module only honours the list it is given.
 */
#ifndef GE_CASE_TILES_H
#define GE_CASE_TILES_H

#include "error.h"
#include "store.h"
#include "tilegen.h"
#include "tilemath.h"

/* The MVT layer name of case tiles. */
#define GE_CASE_TILES_LAYER "cases"

/*
 * Renders tile t of the cases of the services in services_json (a JSON
 * array of service ids; NULL: all services, for admins). out->version is
 * the case data version (ge_store_case_tiles_version) read with the
 * features. An empty tile is a success with out->data NULL.
 */
int ge_case_tiles_render(ge_store *st, const ge_tile *t, const char *services_json,
                         ge_tilegen_result *out, ge_err *err);

#endif
