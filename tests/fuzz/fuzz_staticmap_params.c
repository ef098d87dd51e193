/*
 * fuzz_staticmap_params.c - the query of the map image and site plan routes
 * (server/staticmap_params.c: width, height, dpi and lang for the PNG, lang
 * and scale for the PDF, nothing else) and the size check of
 * geo/maps/staticmap.c it ends in.
 *
 * Input: a query string ("width=1240&height=1754&dpi=150"); a first byte
 * '!' asks for German messages, a '#' after it for the PDF's parameters.
 * Checks: a refusal is a 400 problem naming a parameter; an accepted query
 * is within every limit of staticmap.h (sides, DPI, pixels) or a standard
 * scale, with a language offered; and what ge_staticmap_check accepts is
 * within the limits too.
 */
#include <stdbool.h>
#include <string.h>

#include "../../geo/maps/mapscale.h"
#include "../../geo/maps/staticmap.h"
#include "fuzz.h"
#include "staticmap_params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ge_lang lang = size && data[0] == '!' ? GE_LANG_DE : GE_LANG_EN;
    size_t skip = lang == GE_LANG_DE ? 1 : 0;
    bool pdf = size > skip && data[skip] == '#';
    ge_staticmap_params p = {.pdf = pdf};
    ge_resp resp;
    ge_err err;
    fz_req r;
    int rc;

    skip += pdf ? 1 : 0;
    fz_req_init(&r, (const char *)data + skip, size - skip, lang);
    ge_resp_init(&resp);
    rc = ge_staticmap_params_read(&r.req, &resp, &p);
    if (rc < 0) {
        FZ_CHECK(rc == GE_EINVAL && resp.status == 400 && resp.problem, "refusal %d/%d", rc,
                 resp.status);
        FZ_CHECK(json_is_string(json_object_get(resp.problem, "parameter")),
                 "a 400 that names no parameter");
    } else if (pdf) {
        FZ_CHECK(resp.status == 0, "accepted, yet a response was made");
        FZ_CHECK(p.scale == GE_STATICMAP_SCALE_AUTO || ge_mapscale_standard((int)p.scale),
                 "scale 1:%ld", p.scale);
        FZ_CHECK(p.lang == -1 || p.lang == GE_LANG_DE || p.lang == GE_LANG_EN, "lang %d", p.lang);
    } else {
        FZ_CHECK(resp.status == 0, "accepted, yet a response was made");
        FZ_CHECK(p.lang == -1 || p.lang == GE_LANG_DE || p.lang == GE_LANG_EN, "lang %d", p.lang);
        FZ_CHECK(p.width >= GE_STATICMAP_MIN_SIDE && p.width <= GE_STATICMAP_MAX_SIDE &&
                     p.height >= GE_STATICMAP_MIN_SIDE && p.height <= GE_STATICMAP_MAX_SIDE,
                 "size %ld x %ld", p.width, p.height);
        FZ_CHECK(p.dpi >= GE_STATICMAP_MIN_DPI && p.dpi <= GE_STATICMAP_MAX_DPI, "dpi %ld", p.dpi);
        FZ_CHECK(p.width * p.height <= GE_STATICMAP_MAX_PIXELS, "%ld pixels", p.width * p.height);
    }
    ge_resp_clear(&resp);
    /* the check itself, with what the input's bytes say as numbers */
    if (size >= 12) {
        int w, h;
        float dpi;
        memcpy(&w, data, 4);
        memcpy(&h, data + 4, 4);
        memcpy(&dpi, data + 8, 4);
        if (ge_staticmap_check(w, h, dpi, &err) == GE_OK)
            FZ_CHECK(w >= GE_STATICMAP_MIN_SIDE && w <= GE_STATICMAP_MAX_SIDE &&
                         h >= GE_STATICMAP_MIN_SIDE && h <= GE_STATICMAP_MAX_SIDE &&
                         (long)w * h <= GE_STATICMAP_MAX_PIXELS && dpi >= GE_STATICMAP_MIN_DPI &&
                         dpi <= GE_STATICMAP_MAX_DPI,
                     "ge_staticmap_check took %d x %d at %g DPI", w, h, (double)dpi);
    }
    fz_req_free(&r);
    return 0;
}
