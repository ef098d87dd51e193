/*
 * fuzz_wkb.c - WKB as the store hands it to geo/: the reference index
 * builder (geo/rules/refindex.c: GEOS's WKB reader, then the subdivision
 * of large geometries into pieces) and the export (geo/app/export.c: GDAL's
 * WKB reader, the type check and the transformation), each fed the input.
 *
 * Input: WKB (ISO, OGC or EWKB; either byte order). Checks: the builder
 * either refuses with a message or takes it, and the snapshot then answers a
 * query over the whole layer with at most as many pieces as it holds, each
 * one with the feature's id; the export either refuses with a message or
 * counts the row, and its file is finished every 256 rows.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "budget.h"
#include "export.h"
#include "fuzz.h"
#include "geos_ctx.h"
#include "refindex.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ge_budget_init();
    return 0;
}

static void index_it(GEOSContextHandle_t h, const uint8_t *data, size_t size)
{
    ge_refbuilder *b;
    ge_refsnap *snap = NULL;
    const ge_reflayer *l;
    ge_refhits hits = {0};
    ge_err err;
    int rc;

    if (ge_refindex_builder_new(25833, &b, &err) < 0) abort();
    rc = ge_refindex_builder_add_wkb(b, "trees", data, size, 7, "{\"species\":\"Tilia\"}", &err);
    if (rc < 0) {
        FZ_CHECK(err.msg[0], "a refusal without a message");
        ge_refindex_builder_free(b);
        return;
    }
    FZ_CHECK(ge_refindex_builder_finish(b, &snap, &err) == GE_OK, "finish: %s", err.msg);
    l = ge_refsnap_layer(snap, "trees");
    if (l && ge_reflayer_size(l) > 0) {
        rc = ge_reflayer_query(h, l, -1e300, -1e300, 1e300, 1e300, &hits, &err);
        if (rc == GE_OK) {
            FZ_CHECK(hits.n <= ge_reflayer_size(l), "%zu hits of %zu pieces", hits.n,
                     ge_reflayer_size(l));
            for (size_t i = 0; i < hits.n; i++)
                FZ_CHECK(hits.v[i]->fid == 7, "a piece of feature %lld", (long long)hits.v[i]->fid);
        }
        ge_refhits_free(&hits);
    }
    ge_refsnap_release(snap);
}

/* One export takes many rows: a GeoJSON file in GDAL's memory, begun and
 * finished every EXPORT_ROWS inputs (its set-up costs more than a row). */
#define EXPORT_ROWS 256
static ge_export *x;
static size_t rows;

static void export_it(const uint8_t *data, size_t size)
{
    ge_export_row row = {0};
    size_t before;
    ge_err err;

    if (!x) {
        ge_crs crs;
        if (ge_crs_from_epsg(4326, &crs, &err) < 0) abort();
        if (ge_export_begin(&x, GE_EXPORT_GEOJSON, 25833, &crs, &err) < 0) abort();
        rows = 0;
    }
    row.case_id = "c1";
    row.service = "skip-container";
    row.status = "submitted";
    row.wkb = data;
    row.wkb_len = size;
    before = ge_export_count(x);
    if (ge_export_add(x, &row, &err) < 0)
        FZ_CHECK(err.msg[0] && ge_export_count(x) == before, "a refusal without a message");
    else
        FZ_CHECK(ge_export_count(x) == before + 1, "a row added, %zu counted",
                 ge_export_count(x) - before);
    if (++rows == EXPORT_ROWS) {
        char *bytes = NULL;
        size_t len = 0;
        FZ_CHECK(ge_export_finish(x, time(NULL), &bytes, &len, &err) == GE_OK, "export finish: %s",
                 err.msg);
        free(bytes);
        x = NULL;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GEOSContextHandle_t h = ge_geos_ctx();

    ge_budget_begin(fz_budget_ms(), NULL, NULL);
    index_it(h, data, size);
    ge_budget_end();
    export_it(data, size);
    return 0;
}
