/*
 * fuzz_features_params.c - the query of GET /collections/{id}/items
 * (server/features_params.c): f, limit, bbox, bbox-crs, crs, datetime, the
 * cursors and property filters, as the server hands them over after
 * splitting and decoding the query string (fuzz.h).
 *
 * Input: a query string ("bbox=1,2,3,4&bbox-crs=...&class=x"); a first
 * byte '!' asks for German messages. Checks: every refusal is a 400 problem
 * naming a parameter; an accepted query has a limit in range, a bbox that is
 * not inverted, filters only on the layer's properties and at most
 * GE_FEATURES_MAX_FILTERS_Q of them; the bbox transformed into the store CRS
 * as the handler does it (corner and edge points) is finite.
 */
#include <math.h>
#include <string.h>

#include "../../geo/core/crs.h"
#include "config.h"
#include "features_internal.h"
#include "fuzz.h"

static const char *const items_params[] = {"f",     "limit",  "bbox",     "bbox-crs", "crs",
                                           "after", "before", "datetime", NULL};
static char *props[] = {"class", "name", "species", "highway", "ref"};

static ge_config cfg;
static ge_ctx ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ge_config_defaults(&cfg);
    ctx.cfg = &cfg;
    return 0;
}

/* What handlers_features.c does with an accepted bbox. */
static void bbox_to_store(const ge_features_params *p)
{
    ge_crs store;
    ge_err err;
    double xy[32];
    size_t n = 0;

    if (ge_crs_from_epsg(25833, &store, &err) < 0) abort();
    for (int i = 0; i < 4; i++) {
        double t = i / 4.0;
        double a0 = p->bbox[0], b0 = p->bbox[1], a1 = p->bbox[2], b1 = p->bbox[3];
        double pts[8] = {a0 + (a1 - a0) * t, b0, a1, b0 + (b1 - b0) * t,
                         a1 - (a1 - a0) * t, b1, a0, b1 - (b1 - b0) * t};
        memcpy(xy + n, pts, sizeof pts);
        n += 8;
    }
    if (ge_crs_transform(&p->bbox_crs, &store, xy, n / 2, &err) < 0) return;
    for (size_t i = 0; i < n; i++)
        FZ_CHECK(isfinite(xy[i]), "bbox point %zu transformed to %g", i / 2, xy[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ge_lang lang = size && data[0] == '!' ? GE_LANG_DE : GE_LANG_EN;
    size_t skip = lang == GE_LANG_DE ? 1 : 0;
    ge_features_params p;
    ge_resp resp;
    fz_req r;
    int rc;

    fz_req_init(&r, (const char *)data + skip, size - skip, lang);
    r.req.ctx = &ctx;
    ge_resp_init(&resp);
    rc = ge_features_check_params(&r.req, &resp, items_params, props, 5);
    if (rc == GE_OK) rc = ge_features_parse_items(&r.req, &resp, props, 5, &p);
    if (rc < 0) {
        FZ_CHECK(rc == GE_EINVAL, "refused with %d", rc);
        FZ_CHECK(resp.status == 400 && resp.problem, "refusal without a 400 problem");
        FZ_CHECK(json_is_string(json_object_get(resp.problem, "parameter")),
                 "a 400 that names no parameter");
        FZ_CHECK(json_is_string(json_object_get(resp.problem, "detail")), "a 400 without detail");
    } else {
        FZ_CHECK(resp.status == 0, "accepted, yet a response was made");
        FZ_CHECK(p.limit >= 1 && p.limit <= cfg.features_limit_max, "limit %ld", p.limit);
        FZ_CHECK(p.n_filters <= GE_FEATURES_MAX_FILTERS_Q, "%zu filters", p.n_filters);
        for (size_t i = 0; i < p.n_filters; i++) {
            bool known = false;
            for (size_t k = 0; k < 5; k++)
                known = known || strcmp(p.filters[i].name, props[k]) == 0;
            FZ_CHECK(known, "filter on '%s'", p.filters[i].name);
        }
        FZ_CHECK(!(p.after && p.before), "after and before");
        if (p.has_bbox) {
            FZ_CHECK(p.bbox[0] <= p.bbox[2] && p.bbox[1] <= p.bbox[3], "inverted bbox");
            bbox_to_store(&p);
        }
        if (ge_req_query(&r.req, "datetime"))
            FZ_CHECK(ge_features_datetime_valid(ge_req_query(&r.req, "datetime")), "datetime");
    }
    ge_resp_clear(&resp);
    fz_req_free(&r);
    return 0;
}
