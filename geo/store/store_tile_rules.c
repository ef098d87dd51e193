/*
 * store_tile_rules.c - what the tile queries of both backends check and
 * answer without SQL (store_shared.h): the layer name, the box, the kinds
 * of the field list. sqlite/store_tiles.c, sqlite/store_case_tiles.c and
 * their postgis/ twins run the statements.
 */
#include "store_shared.h"

#include <math.h>

int ge_store_box_check(const double box[4], const char *what, ge_err *err)
{
    for (int i = 0; i < 4; i++)
        if (!isfinite(box[i]))
            return ge_err_set(err, GE_EINVAL, "%s: box coordinate %d is not finite", what, i);
    return GE_OK;
}

int ge_tiles_layer_check(const char *layer, ge_err *err)
{
    if (ge_store_layer_name_valid(layer)) return GE_OK;
    return ge_err_set(err, GE_EINVAL, "'%s' is not a valid layer name", layer ? layer : "");
}

int ge_tiles_query_check(const char *layer, const double box[4], ge_err *err)
{
    int rc = ge_tiles_layer_check(layer, err);
    if (rc < 0) return rc;
    return ge_store_box_check(box, "tile query", err);
}

void ge_tiles_field_set(json_t *fields, const char *name, int kind)
{
    json_object_set_new(fields, name,
                        json_string(kind == 1   ? "Number"
                                    : kind == 2 ? "Boolean"
                                                : "String"));
}
