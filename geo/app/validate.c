/*
 * validate.c - a validation request body -> features, period, service ->
 * the rule engine's report (validate.h).
 *
 * Kept out of the HTTP layer so that every entry point (the API, the
 * editor's autosave check, a future batch tool) reads a request the same way
 * and says the same things about a bad one.
 */
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "geojson_out.h"

void ge_validate_opts_init(ge_validate_opts *o)
{
    memset(o, 0, sizeof *o);
    o->store_srid = 25832;
    o->crs = GE_CRS84;
    o->out_crs = GE_CRS84;
}

static int ge_validate_members(const json_t *body, ge_err *err)
{
    const char *key;
    json_t *v;

    if (!json_is_object(body))
        return ge_err_set(err, GE_EINVAL,
                          "expected a JSON object {\"service\", \"features\", \"period\"}");
    json_object_foreach((json_t *)body, key, v)
    {
        if (strcmp(key, "service") && strcmp(key, "features") && strcmp(key, "period") &&
            strcmp(key, "crs"))
            return ge_err_set(err, GE_EINVAL,
                              "unknown member '%.60s' (a request has service, features, period, "
                              "crs)",
                              key);
    }
    return GE_OK;
}

static int ge_validate_service(const json_t *body, const ge_services *ss, const ge_service **out,
                               ge_err *err)
{
    const json_t *v = json_object_get(body, "service");
    char known[256] = "";

    if (!v)
        return ge_err_set(err, GE_EINVAL, "service: missing; name the service to check against");
    if (!json_is_string(v))
        return ge_err_set(err, GE_EINVAL, "service: expected a service id string");
    *out = ge_services_find(ss, json_string_value(v));
    if (*out) return GE_OK;
    for (size_t i = 0; i < ge_services_count(ss); i++)
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
                 ge_services_at(ss, i)->id);
    return ge_err_set(err, GE_ENOENT, "service: '%.60s' does not exist (known: %s)",
                      json_string_value(v), known[0] ? known : "none");
}

/* The CRS of the coordinates: the request parameter, else the body's "crs". */
static int ge_validate_crs(const json_t *body, const ge_validate_opts *o, ge_crs *crs,
                           bool *explicit_crs, ge_err *err)
{
    const json_t *v = json_object_get(body, "crs");
    ge_crs c;
    int rc;

    *crs = o->crs;
    *explicit_crs = o->crs_explicit;
    if (!v) return GE_OK;
    if (!json_is_string(v)) return ge_err_set(err, GE_EINVAL, "crs: expected a CRS URI string");
    rc = ge_crs_parse(json_string_value(v), &c, err);
    if (rc < 0) {
        ge_err_prefix(err, "crs");
        return rc;
    }
    if (o->crs_explicit && !ge_crs_equal(&c, &o->crs))
        return ge_err_set(err, GE_EINVAL, "crs: the body says %s but the request names %s",
                          ge_crs_uri(&c), ge_crs_uri(&o->crs));
    *crs = c;
    *explicit_crs = true;
    return GE_OK;
}

int ge_validate_request(GEOSContextHandle_t h, const json_t *body, const ge_validate_opts *o,
                        json_t **report, ge_err *err)
{
    const ge_service *svc = NULL;
    const json_t *features, *pv;
    ge_geojson_in_opts in;
    ge_features fs = {0};
    ge_period period;
    ge_rules_input ri;
    int rc;

    *report = NULL;
    rc = ge_validate_members(body, err);
    if (rc == GE_OK) rc = ge_validate_service(body, o->services, &svc, err);
    if (rc < 0) return rc;
    ge_geojson_in_opts_init(&in);
    in.limits = o->limits;
    in.store_srid = o->snap ? ge_refsnap_srid(o->snap) : o->store_srid;
    in.path = "features";
    rc = ge_validate_crs(body, o, &in.crs, &in.crs_explicit, err);
    if (rc < 0) return rc;
    pv = json_object_get(body, "period");
    if (pv && !json_is_null(pv)) {
        rc = ge_rules_period_from_json(pv, &period, err);
        if (rc < 0) return rc;
    }
    features = json_object_get(body, "features");
    if (!features)
        return ge_err_set(err, GE_EINVAL, "features: missing; send the drawing as GeoJSON");
    rc = ge_geojson_in_parse(h, features, &in, &fs, err);
    if (rc < 0) return rc;
    ge_rules_input_init(&ri);
    ri.service = svc;
    ri.features = &fs;
    ri.srid = in.store_srid;
    ri.period = pv && !json_is_null(pv) ? &period : NULL;
    ri.today = o->today;
    ri.others = o->others;
    ri.nothers = o->nothers;
    ri.conflicts = o->conflicts;
    ri.out_crs = o->out_crs;
    rc = ge_rules_validate(h, o->snap, &ri, report, err);
    ge_features_free(h, &fs);
    return rc;
}

int ge_validate_request_text(GEOSContextHandle_t h, const char *buf, size_t len,
                             const ge_validate_opts *o, json_t **report, ge_err *err)
{
    json_t *body = NULL;
    int rc;

    *report = NULL;
    rc = ge_geojson_in_load(buf, len, &body, err);
    if (rc < 0) return rc;
    rc = ge_validate_request(h, body, o, report, err);
    json_decref(body);
    return rc;
}

/* The body's "crs" member, when the request named none and we know it. */
static void ge_validate_out_crs(const json_t *body, ge_validate_opts *o)
{
    const json_t *v = json_is_object(body) ? json_object_get(body, "crs") : NULL;
    ge_crs c;
    ge_err err;

    if (o->crs_explicit || !json_is_string(v)) return;
    if (ge_crs_parse(json_string_value(v), &c, &err) == GE_OK) o->out_crs = c;
}

/* The report's text, written by jansson straight into one buffer that the
 * HTTP layer then sends and frees: json_dumps would grow its own buffer from
 * 16 bytes and copy the result once more. */
static int ge_validate_text_put(const char *s, size_t n, void *ud)
{
    return ge_buf_put(ud, s, n) < 0 ? -1 : 0;
}

int ge_validate_report_text(GEOSContextHandle_t h, const char *buf, size_t len,
                            const ge_validate_opts *o, char **text, size_t *text_len, ge_err *err)
{
    ge_validate_opts opts = *o;
    json_t *body = NULL, *report = NULL;
    ge_buf t = {0};
    int rc;

    *text = NULL;
    *text_len = 0;
    rc = ge_geojson_in_load(buf, len, &body, err);
    if (rc < 0) return rc;
    ge_validate_out_crs(body, &opts);
    rc = ge_validate_request(h, body, &opts, &report, err);
    if (rc < 0) goto out;
    ge_buf_reserve(&t, 2048); /* most reports fit */
    if (json_dump_callback(report, ge_validate_text_put, &t,
                           GE_JSON_DUMP_FLAGS | JSON_PRESERVE_ORDER) < 0) {
        ge_buf_free(&t);
        rc = ge_err_set(err, GE_ENOMEM, "out of memory writing the report");
        goto out;
    }
    *text = ge_buf_steal(&t, text_len);
out:
    json_decref(report);
    json_decref(body);
    return rc;
}
