/*
 * case_location.c - the location sentence of a submitted case's features
 * (case_location.h): the stored one, or one made now for a report that has
 * none.
 */
#include "case_location.h"

#include "location.h"

bool ge_case_location_valid(const json_t *v)
{
    return json_is_object(v) && json_is_string(json_object_get(v, "de")) &&
           json_is_string(json_object_get(v, "en"));
}

json_t *ge_case_location_stored(const json_t *report, size_t feature)
{
    const json_t *measures = json_object_get(report, "measures");
    json_t *m, *loc;
    size_t i;

    /* The engine writes one entry per feature in order (rules.h), so the
     * entry at the feature's index is the one, unless a report was made
     * otherwise: then look for it. */
    m = json_array_get(measures, feature);
    if (json_integer_value(json_object_get(m, "feature")) != (json_int_t)feature ||
        !json_is_integer(json_object_get(m, "feature"))) {
        m = NULL;
        json_array_foreach(measures, i, loc)
        {
            json_t *f = json_object_get(loc, "feature");
            if (json_is_integer(f) && json_integer_value(f) == (json_int_t)feature) {
                m = loc;
                break;
            }
        }
    }
    loc = json_object_get(m, "location");
    return ge_case_location_valid(loc) ? loc : NULL;
}

json_t *ge_case_location(GEOSContextHandle_t h, const ge_refsnap *snap, const ge_service *svc,
                         const json_t *stored, const GEOSGeometry *g, ge_err *err)
{
    ge_err_clear(err);
    if (ge_case_location_valid(stored)) return json_incref((json_t *)stored);
    if (!g || !snap) return NULL;
    return ge_location_describe(h, snap, g, svc, err);
}

json_t *ge_case_location_wkb(GEOSContextHandle_t h, const ge_refsnap *snap, const ge_service *svc,
                             const json_t *stored, const unsigned char *wkb, size_t wkb_len,
                             ge_err *err)
{
    GEOSWKBReader *rd = NULL;
    GEOSGeometry *g = NULL;
    json_t *loc = NULL;

    ge_err_clear(err);
    if (ge_case_location_valid(stored)) return json_incref((json_t *)stored);
    if (!wkb || !wkb_len || !snap) return NULL;
    rd = GEOSWKBReader_create_r(h);
    if (!rd) {
        ge_err_set(err, GE_ENOMEM, "out of memory");
        goto out;
    }
    /* A feature the store cannot give back as geometry has no sentence;
     * that is no reason to fail a list or an export. */
    g = GEOSWKBReader_read_r(h, rd, wkb, wkb_len);
    if (g) loc = ge_location_describe(h, snap, g, svc, err);
out:
    if (g) GEOSGeom_destroy_r(h, g);
    if (rd) GEOSWKBReader_destroy_r(h, rd);
    return loc;
}

bool ge_case_location_fatal(int code)
{
    return code == GE_ENOMEM || code == GE_EBUDGET || code == GE_ECANCELED;
}

int ge_case_location_complete(GEOSContextHandle_t h, const ge_refsnap *snap, const ge_service *svc,
                              json_t *measures, const ge_features *fs, ge_err *err)
{
    json_t *m;
    size_t i;

    ge_err_clear(err);
    json_array_foreach(measures, i, m)
    {
        json_t *f = json_object_get(m, "feature"), *loc;
        json_int_t k = json_integer_value(f);

        if (!json_is_object(m) || ge_case_location_valid(json_object_get(m, "location"))) continue;
        if (!json_is_integer(f) || k < 0 || !fs || (size_t)k >= fs->n) continue;
        loc = ge_case_location(h, snap, svc, NULL, fs->items[k].geom, err);
        if (!loc && ge_case_location_fatal(err->code)) return err->code;
        ge_err_clear(err);
        if (loc && json_object_set_new(m, "location", loc) < 0)
            return ge_err_set(err, GE_ENOMEM, "out of memory");
    }
    return GE_OK;
}
