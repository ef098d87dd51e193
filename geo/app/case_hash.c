/*
 * case_hash.c - the canonical serialisation and SHA-256 of a case's features
 * and validation report (case_hash.h).
 */
#include "case_hash.h"

#include <stdlib.h>
#include <string.h>

#include "crs.h"
#include "geojson_out.h"

#define GE_CASE_HASH_DUMP_FLAGS                                                                    \
    (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15))

int ge_case_hash(GEOSContextHandle_t h, const ge_features *features, int srid,
                 const char *report_json, char out[GE_TOKEN_HASH_LEN], ge_err *err)
{
    ge_features bare = {0};
    ge_crs crs;
    json_t *fc = NULL, *report = NULL, *doc = NULL;
    json_error_t je;
    char *text = NULL;
    int rc = ge_crs_from_epsg(srid, &crs, err);

    if (rc < 0) goto err;
    /* Feature ids are not part of a case: its features are numbered by order. */
    bare.n = features->n;
    bare.items = calloc(features->n ? features->n : 1, sizeof *bare.items);
    if (!bare.items) {
        rc = ge_err_set(err, GE_ENOMEM, "case hash: out of memory");
        goto err;
    }
    for (size_t i = 0; i < features->n; i++) {
        bare.items[i].geom = features->items[i].geom;
        bare.items[i].properties = features->items[i].properties;
    }
    fc = ge_geojson_out_features(h, &bare, &crs, &crs, err);
    if (!fc) {
        rc = err ? err->code : GE_EINTERNAL;
        goto err;
    }
    report = json_loads(report_json ? report_json : "null", JSON_DECODE_ANY, &je);
    if (!report) {
        rc = ge_err_set(err, GE_EINVAL, "case hash: the stored report is not JSON: %s", je.text);
        goto err;
    }
    doc = json_pack("{s:O, s:O}", "features", fc, "report", report);
    text = doc ? json_dumps(doc, GE_CASE_HASH_DUMP_FLAGS) : NULL;
    if (!text) {
        rc = ge_err_set(err, GE_ENOMEM, "case hash: out of memory");
        goto err;
    }
    ge_token_sha256_hex(text, strlen(text), out);
    rc = GE_OK;
err:
    free(text);
    json_decref(doc);
    json_decref(report);
    json_decref(fc);
    free(bare.items);
    return rc;
}
