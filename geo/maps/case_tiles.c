/*
 * case_tiles.c - renders the review app's case tiles (see case_tiles.h): a
 * tilegen layer whose features come from the case store query instead of
 * a reference layer.
 */
#include "case_tiles.h"

#include "store_case_tiles.h"

static int ge_case_tiles_query(ge_store *st, const void *arg, const double box[4], int64_t *version,
                               ge_feature_cb cb, void *ud, ge_err *err)
{
    return ge_store_case_tiles_query(st, box, (const char *)arg, version, cb, ud, err);
}

int ge_case_tiles_render(ge_store *st, const ge_tile *t, const char *services_json,
                         ge_tilegen_result *out, ge_err *err)
{
    ge_tilegen_layer layer = {.source = GE_CASE_TILES_LAYER,
                              .name = GE_CASE_TILES_LAYER,
                              .query = ge_case_tiles_query,
                              .query_arg = services_json};
    return ge_tilegen_render(st, t, &layer, 1, out, err);
}
