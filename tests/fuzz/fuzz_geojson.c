/*
 * fuzz_geojson.c - the GeoJSON reader (geo/core/geojson_in.c) through the
 * validation entry point (geo/app/validate.c: ge_validate_report_text, what
 * POST /v1/validate runs), and the reader alone on the same text as a bare
 * GeoJSON document in CRS84 and in EPSG:25833.
 *
 * Input: JSON text, a validation body ({"service": ..., "features": ...,
 * "period": ..., "crs": ...}) or a GeoJSON document. The rule engine runs
 * under a CPU budget of FZ_BUDGET_MS (fuzz.h), as a request's would, against
 * the services of data/services and a small reference snapshot. Checks: a
 * failure has a known code and a message; a success is a JSON report with
 * "valid"; features read have one geometry each, in the store CRS, and no
 * more than the limits allow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "geojson_in.h"
#include "geos_ctx.h"
#include "fuzz.h"
#include "service.h"
#include "validate.h"

static ge_services *services;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char dir[4096];
    ge_err err;

    ge_budget_init();
    snprintf(dir, sizeof dir, "%s/data/services", fz_source_dir());
    if (ge_services_load_dir(dir, &services, &err) < 0) {
        fprintf(stderr, "fuzz_geojson: %s\n", err.msg);
        abort();
    }
    (void)fz_snapshot();
    return 0;
}

static bool known_code(int rc)
{
    return rc == GE_EINVAL || rc == GE_ELIMIT || rc == GE_ENOENT || rc == GE_EBUDGET;
}

static void read_bare(GEOSContextHandle_t h, const char *text, size_t len, bool metric)
{
    ge_geojson_in_opts o;
    ge_features fs;
    ge_err err;
    int rc;

    ge_geojson_in_opts_init(&o);
    o.store_srid = 25833;
    o.allow_empty = metric;
    if (metric) {
        if (ge_crs_from_epsg(25833, &o.crs, &err) < 0) abort();
        o.crs_explicit = true;
    }
    rc = ge_geojson_in_parse_text(h, text, len, &o, &fs, &err);
    if (rc < 0) {
        FZ_CHECK(known_code(rc), "geojson_in: code %d: %s", rc, err.msg);
        FZ_CHECK(err.msg[0], "geojson_in: an error without a message");
        return;
    }
    FZ_CHECK(fs.n <= GE_GEOJSON_MAX_FEATURES, "%zu features", fs.n);
    FZ_CHECK(fs.nvertices <= GE_GEOJSON_MAX_VERTICES, "%zu vertices", fs.nvertices);
    for (size_t i = 0; i < fs.n; i++) {
        FZ_CHECK(fs.items[i].geom != NULL, "feature %zu without geometry", i);
        FZ_CHECK(!fs.items[i].properties || json_is_object(fs.items[i].properties),
                 "feature %zu: properties not an object", i);
    }
    ge_features_free(h, &fs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    const char *text = (const char *)data;
    ge_validate_opts o;
    char *out = NULL;
    size_t out_len = 0;
    ge_err err;
    int rc;

    ge_validate_opts_init(&o);
    o.services = services;
    o.snap = fz_snapshot();
    o.today = ge_date_from_ymd(2026, 11, 25);
    ge_budget_begin(fz_budget_ms(), NULL, NULL);
    rc = ge_validate_report_text(h, text, size, &o, &out, &out_len, &err);
    if (rc < 0) {
        FZ_CHECK(known_code(rc), "validate: code %d: %s", rc, err.msg);
        FZ_CHECK(err.msg[0], "validate: an error without a message");
    } else {
        json_error_t je;
        json_t *rep = json_loadb(out, out_len, 0, &je);
        FZ_CHECK(rep && json_is_boolean(json_object_get(rep, "valid")),
                 "the report is not JSON with \"valid\": %.200s", out);
        json_decref(rep);
    }
    free(out);
    ge_budget_end();

    ge_budget_begin(fz_budget_ms(), NULL, NULL);
    read_bare(h, text, size, false);
    read_bare(h, text, size, true);
    ge_budget_end();
    return 0;
}
