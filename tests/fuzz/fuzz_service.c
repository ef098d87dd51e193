/*
 * fuzz_service.c - the service file parser (geo/rules/service.c): a
 * service document as data/services/<id>.json holds it, read as
 * ge_service_load_file reads it (duplicate keys refused), described as
 * GET /v1/services/{id} does, and - when it parses - used by the rule engine
 * on a fixed drawing near the reference snapshot (fuzz.h), under the CPU
 * budget, so that odd rule parameters (a negative distance, a huge buffer)
 * reach the code that uses them.
 *
 * Checks: a refusal has a message; a parsed service has an id and its
 * description is a JSON object with that id; validation ends with a report
 * or a known code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "fuzz.h"
#include "geos_ctx.h"
#include "service.h"
#include "validate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ge_budget_init();
    (void)fz_snapshot();
    return 0;
}

/* A skip container in front of the building, one a line, one a point. */
static const char drawing[] =
    "{\"type\":\"FeatureCollection\",\"features\":["
    "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[385004,5826004],[385010,5826004],[385010,5826007],[385004,5826007],[385004,5826004]]]}},"
    "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":"
    "[385050,5826010]}}]}";

static void validate_with(GEOSContextHandle_t h, ge_service *svc)
{
    ge_services *ss = NULL;
    ge_validate_opts o;
    ge_err err;
    char *out = NULL;
    size_t out_len = 0;
    int rc;

    json_t *b;
    char *body;

    if (ge_services_from(&svc, 1, &ss, &err) < 0) return; /* it freed svc */
    ge_validate_opts_init(&o);
    o.services = ss;
    o.snap = fz_snapshot();
    o.today = ge_date_from_ymd(2026, 11, 25);
    b = json_pack("{s:s, s:s, s:{s:s, s:s}, s:o}", "service", ge_services_at(ss, 0)->id, "crs",
                  "http://www.opengis.net/def/crs/EPSG/0/25833", "period", "start", "2026-12-01",
                  "end", "2026-12-14", "features", json_loads(drawing, 0, NULL));
    body = b ? json_dumps(b, JSON_COMPACT) : NULL;
    json_decref(b);
    if (!body) abort();
    ge_budget_begin(fz_budget_ms(), NULL, NULL);
    rc = ge_validate_report_text(h, body, strlen(body), &o, &out, &out_len, &err);
    ge_budget_end();
    FZ_CHECK(rc >= 0 || rc == GE_EBUDGET, "validation with a parsed service failed: %d %s", rc,
             err.msg);
    free(out);
    free(body);
    ge_services_free(ss);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je), *desc;
    ge_service *svc = NULL;
    ge_err err;

    if (!doc) return 0;
    if (ge_service_parse(doc, "fuzz.json", &svc, &err) < 0) {
        FZ_CHECK(err.msg[0], "a refusal without a message");
        json_decref(doc);
        return 0;
    }
    FZ_CHECK(svc->id && svc->id[0], "a service without an id");
    desc = ge_service_describe(svc);
    FZ_CHECK(json_is_object(desc) && json_is_string(json_object_get(desc, "id")) &&
                 strcmp(json_string_value(json_object_get(desc, "id")), svc->id) == 0,
             "the description does not carry the id");
    json_decref(desc);
    validate_with(h, svc);
    json_decref(doc);
    return 0;
}
