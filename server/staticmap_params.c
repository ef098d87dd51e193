/*
 * staticmap_params.c - the query of the map image and site plan routes,
 * checked: see staticmap_params.h.
 */
#include "staticmap_params.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../geo/core/json_util.h"
#include "../geo/maps/mapscale.h"
#include "../geo/maps/staticmap.h"

int ge_staticmap_params_read(const ge_req *req, ge_resp *resp, ge_staticmap_params *p)
{
    static const char *const known_png[] = {"width", "height", "dpi", "lang", NULL};
    static const char *const known_pdf[] = {"lang", "scale", NULL};
    const char *const *known = p->pdf ? known_pdf : known_png;
    const char *lang = ge_req_query(req, "lang");
    ge_err err;
    int rc;

    for (size_t i = 0; i < ge_req_query_count(req); i++) {
        const ge_query_arg *a = ge_req_query_at(req, i);
        bool ok = false;
        for (size_t k = 0; known[k]; k++)
            ok = ok || strcmp(a->name, known[k]) == 0;
        if (!ok) {
            json_t *pr = ge_resp_problem(
                resp, req, 400,
                p->pdf
                    ? GE_TR(req, DE("Unbekannter Parameter '%.64s'; bekannt sind lang und scale."),
                            EN("Unknown query parameter '%.64s'; known are lang and scale."))
                    : GE_TR(req,
                            DE("Unbekannter Parameter '%.64s'; bekannt sind width, height, dpi "
                               "und lang."),
                            EN("Unknown query parameter '%.64s'; known are width, height, dpi "
                               "and lang.")),
                a->name);
            if (pr) json_object_set_new(pr, "parameter", ge_json_string_lossy(a->name));
            return GE_EINVAL;
        }
    }
    p->lang = -1;
    if (lang && strcmp(lang, "de") == 0) {
        p->lang = GE_LANG_DE;
    } else if (lang && strcmp(lang, "en") == 0) {
        p->lang = GE_LANG_EN;
    } else if (lang) {
        json_t *pr =
            ge_resp_problem(resp, req, 400,
                            GE_TR(req, DE("lang: '%.16s' wird nicht angeboten; de oder en."),
                                  EN("lang: '%.16s' is not offered; de or en.")),
                            lang);
        if (pr) json_object_set_new(pr, "parameter", json_string("lang"));
        return GE_EINVAL;
    }
    p->scale = GE_STATICMAP_SCALE_AUTO;
    if (p->pdf) {
        const char *sc = ge_req_query(req, "scale");
        if (sc) {
            char *end = NULL;
            long n = strtol(sc, &end, 10);
            if (!*sc || *end || !ge_mapscale_standard((int)n)) {
                json_t *pr = ge_resp_problem(
                    resp, req, 400,
                    GE_TR(req, DE("scale: '%.16s' wird nicht angeboten; 250, 500 oder 1000 (1:n)."),
                          EN("scale: '%.16s' is not offered; 250, 500 or 1000 (1:n).")),
                    sc);
                if (pr) json_object_set_new(pr, "parameter", json_string("scale"));
                return GE_EINVAL;
            }
            p->scale = n;
        }
        return GE_OK;
    }
    p->width = GE_SM_DEFAULT_WIDTH;
    p->height = GE_SM_DEFAULT_HEIGHT;
    p->dpi = GE_SM_DEFAULT_DPI;
    rc = ge_req_parse_long(req, resp, "width", ge_req_query(req, "width"), GE_STATICMAP_MIN_SIDE,
                           GE_STATICMAP_MAX_SIDE, &p->width);
    if (rc == GE_EINVAL) return rc;
    rc = ge_req_parse_long(req, resp, "height", ge_req_query(req, "height"), GE_STATICMAP_MIN_SIDE,
                           GE_STATICMAP_MAX_SIDE, &p->height);
    if (rc == GE_EINVAL) return rc;
    rc = ge_req_parse_long(req, resp, "dpi", ge_req_query(req, "dpi"), GE_STATICMAP_MIN_DPI,
                           GE_STATICMAP_MAX_DPI, &p->dpi);
    if (rc == GE_EINVAL) return rc;
    if (ge_staticmap_check((int)p->width, (int)p->height, (double)p->dpi, &err) < 0) {
        json_t *pr = ge_resp_problem(
            resp, req, 400,
            GE_TR(req,
                  DE("Das Bild hätte %ld x %ld = %ld Pixel; höchstens %ld werden erzeugt (eine "
                     "A4-Seite mit 300 DPI)."),
                  EN("The image is %ld x %ld = %ld pixels; at most %ld are made (an A4 page at "
                     "300 DPI).")),
            p->width, p->height, p->width * p->height, GE_STATICMAP_MAX_PIXELS);
        if (pr) {
            json_object_set_new(pr, "parameter", json_string("height"));
            json_object_set_new(pr, "limit", json_integer(GE_STATICMAP_MAX_PIXELS));
        }
        return GE_EINVAL;
    }
    return GE_OK;
}
