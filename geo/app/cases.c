/*
 * cases.c - viewing one case: found for a form server or a caseworker,
 * its features, content hash and location sentences, its document and
 * the form server's view (cases.h).
 */
#include "cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_hash.h"
#include "case_location.h"
#include "draft_check.h"
#include "geojson_out.h"
#include "geos_ctx.h"
#include "refindex.h"
#include "service.h"
#include "store.h"
#include "token.h"

bool ge_app_case_id_plausible(const char *id)
{
    return id && strlen(id) == GE_TOKEN_ID_LEN - 1 &&
           strspn(id, "0123456789abcdef") == GE_TOKEN_ID_LEN - 1;
}

double ge_app_case_conflict_distance(const ge_app *app, const char *service)
{
    const ge_services *ss = app->services;
    const ge_service *svc = ss && service ? ge_services_find(ss, service) : NULL;

    for (size_t i = 0; svc && i < svc->nrules; i++)
        if (svc->rules[i].kind == GE_RULE_CONFLICT && svc->rules[i].has_max)
            return svc->rules[i].max;
    return app->conflict_distance;
}

void ge_app_case_tag(int64_t version, char out[GE_APP_CASE_TAG_MAX])
{
    snprintf(out, GE_APP_CASE_TAG_MAX, "\"v%lld\"", (long long)version);
}

/* ---- features, hash, sentences, document --------------------------------- */

typedef struct ge_app_collect {
    GEOSContextHandle_t h;
    ge_features *fs;
    size_t cap;
    ge_err *err;
} ge_app_collect;

static int ge_app_collect_cb(void *ud, int64_t fid, const unsigned char *wkb, size_t wkb_len,
                             const char *props_json)
{
    ge_app_collect *c = ud;
    GEOSWKBReader *r;
    GEOSGeometry *g;
    json_t *props;
    json_error_t je;

    (void)fid;
    if (c->fs->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 8;
        ge_feature *ni = realloc(c->fs->items, nc * sizeof *ni);
        if (!ni) return ge_err_set(c->err, GE_ENOMEM, "out of memory");
        c->fs->items = ni;
        c->cap = nc;
    }
    r = GEOSWKBReader_create_r(c->h);
    g = r && wkb ? GEOSWKBReader_read_r(c->h, r, wkb, wkb_len) : NULL;
    if (r) GEOSWKBReader_destroy_r(c->h, r);
    if (!g) return ge_err_set(c->err, GE_EIO, "a stored case geometry cannot be read");
    props = json_loads(props_json ? props_json : "{}", 0, &je);
    if (!props) {
        GEOSGeom_destroy_r(c->h, g);
        return ge_err_set(c->err, GE_EIO, "stored case properties are not JSON");
    }
    c->fs->items[c->fs->n].geom = g;
    c->fs->items[c->fs->n].properties = props;
    c->fs->items[c->fs->n].id = NULL;
    c->fs->n++;
    return 0;
}

int ge_app_case_features(const ge_app *app, GEOSContextHandle_t h, const char *case_id,
                         ge_features *out, ge_err *err)
{
    ge_app_collect c = {.h = h, .fs = out, .err = err};
    memset(out, 0, sizeof *out);
    int rc = ge_store_case_features(app->store, case_id, ge_app_collect_cb, &c, err);
    if (rc < 0) ge_features_free(h, out);
    return rc;
}

int ge_app_case_verify(const ge_app *app, const ge_case *c, bool *intact, ge_features *keep,
                       ge_err *err)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_features fs = {0};
    char hash[GE_TOKEN_HASH_LEN];
    int rc = ge_app_case_features(app, h, c->id, &fs, err);

    *intact = false;
    if (rc == GE_OK) rc = ge_case_hash(h, &fs, ge_store_srid(app->store), c->report, hash, err);
    if (rc == GE_OK) *intact = ge_token_equal(hash, c->content_hash);
    if (rc == GE_OK && keep) {
        *keep = fs;
        return rc;
    }
    ge_features_free(h, &fs);
    return rc;
}

int ge_app_case_locations(const ge_app *app, const char *service, json_t *doc,
                          const ge_features *fs, bool measures, ge_err *err)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_refsnap *snap = app->refindex ? ge_refindex_acquire(app->refindex) : NULL;
    const ge_service *svc =
        app->services && service ? ge_services_find(app->services, service) : NULL;
    json_t *m, *loc;
    int rc = GE_OK;

    ge_err_clear(err);
    if (measures) {
        /* A copy: the stored report in "validation" stays as stored. */
        m = json_deep_copy(json_object_get(json_object_get(doc, "validation"), "measures"));
        if (!m) m = json_array();
        if (!m || json_object_set_new(doc, "measures", m) < 0) {
            rc = ge_err_set(err, GE_ENOMEM, "out of memory");
            goto out;
        }
        rc = ge_case_location_complete(h, snap, svc, m, fs, err);
        if (rc < 0) goto out;
    }
    if (ge_case_location_valid(json_object_get(doc, "location"))) goto out;
    /* The measures just completed hold the first feature's sentence if one
     * can be said; without them it is made here. */
    loc = ge_case_location(h, snap, svc, measures ? ge_case_location_stored(doc, 0) : NULL,
                           fs && fs->n ? fs->items[0].geom : NULL, err);
    if (!loc && ge_case_location_fatal(err->code)) {
        rc = err->code;
        goto out;
    }
    ge_err_clear(err);
    if (json_object_set_new(doc, "location", loc ? loc : json_null()) < 0)
        rc = ge_err_set(err, GE_ENOMEM, "out of memory");
out:
    if (snap) ge_refsnap_release(snap);
    return rc;
}

json_t *ge_app_case_doc(const ge_case *c, bool intact, ge_rules_conflicts conflicts)
{
    json_t *report = json_loads(c->report ? c->report : "null", JSON_DECODE_ANY, NULL);
    json_t *applicant = json_loads(c->applicant ? c->applicant : "{}", 0, NULL), *doc;

    /* a report stored before conflicts were told anonymously */
    if (report && conflicts != GE_RULES_CONFLICTS_FULL) ge_rules_report_anonymize(report);
    doc = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:b, s:o, s:o}", "case_id", c->id,
                    "status", c->status, "service", c->service, "reference",
                    c->reference[0] ? c->reference : NULL, "draft_id", c->draft_id, "created",
                    c->created_at, "updated", c->updated_at, "content_hash", c->content_hash,
                    "content_hash_valid", intact, "validation", report ? report : json_null(),
                    "applicant", applicant ? applicant : json_object());
    /* The case's version (1 at submission, + 1 per change), also its ETag. */
    if (doc) json_object_set_new(doc, "version", json_integer((json_int_t)c->version));
    /* Where its first feature is, as the report says; the views that read
     * the features make it for a report without (ge_app_case_locations). */
    if (doc) {
        json_t *loc = ge_case_location_stored(report, 0);
        json_object_set_new(doc, "location", loc ? json_incref(loc) : json_null());
    }
    if (doc && c->period_start[0])
        json_object_set_new(
            doc, "period", json_pack("{s:s, s:s}", "start", c->period_start, "end", c->period_end));
    return doc;
}

int ge_app_case_features_out(const ge_app *app, const char *case_id, const ge_crs *crs, json_t **fc,
                             ge_app_result *r)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_crs store = ge_app_store_crs(app);
    ge_features fs = {0};
    ge_err err;
    int rc = ge_app_case_features(app, h, case_id, &fs, &err);

    *fc = rc == GE_OK ? ge_geojson_out_features(h, &fs, &store, crs, &err) : NULL;
    ge_features_free(h, &fs);
    return *fc ? GE_OK : ge_app_failed(r, &err);
}

/* ---- finding a case ------------------------------------------------------- */

int ge_app_case_of_client(const ge_app *app, int64_t client_id, const char *id, ge_case *out,
                          ge_app_result *r)
{
    ge_err err;
    int rc = ge_app_case_id_plausible(id) ? ge_store_case_get(app->store, id, out, &err)
                                          : ge_err_set(&err, GE_ENOENT, "no such case");

    if (rc == GE_OK && out->client_id != client_id) {
        ge_case_clear(out);
        rc = GE_ENOENT;
    }
    if (rc == GE_ENOENT) {
        rc = ge_app_refuse(r, GE_APP_NOT_FOUND, DE("Es gibt keinen Fall '%.40s' dieses Clients."),
                           EN("There is no case '%.40s' of this client."), id ? id : "");
        ge_app_extra(r, "parameter", json_string("id"));
        return rc;
    }
    return rc < 0 ? ge_app_failed(r, &err) : GE_OK;
}

int ge_app_case_not_visible(const char *id, ge_app_result *r)
{
    int rc =
        ge_app_refuse(r, GE_APP_NOT_FOUND, DE("Es gibt keinen Fall '%.40s', den Sie sehen dürfen."),
                      EN("There is no case '%.40s' you may see."), id ? id : "");
    ge_app_extra(r, "parameter", json_string("id"));
    return rc;
}

int ge_app_case_find(const ge_app *app, const ge_case_filter *who, const char *id, ge_case *out,
                     char closed_at[32], char purged_at[32], ge_app_result *r)
{
    char closed[32] = "", purged[32] = "";
    ge_err err;
    int rc = ge_app_case_id_plausible(id)
                 ? ge_store_case_review_get(app->store, id, out, closed, purged, &err)
                 : GE_ENOENT;

    if (rc == GE_OK && !ge_case_filter_allows(who, out->service)) {
        ge_case_clear(out);
        rc = GE_ENOENT;
    }
    if (rc == GE_ENOENT) return ge_app_case_not_visible(id, r);
    if (rc < 0) return ge_app_failed(r, &err);
    if (closed_at) memcpy(closed_at, closed, sizeof closed);
    if (purged_at) memcpy(purged_at, purged, sizeof purged);
    return GE_OK;
}

/* ---- the form server's view ---------------------------------------------- */

int ge_app_case_view_client(const ge_app *app, int64_t client_id, const char *id, json_t **doc,
                            int64_t *version, ge_app_result *r)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_features fs = {0};
    ge_case c;
    bool intact = false;
    ge_err err;
    int rc;

    *doc = NULL;
    memset(&c, 0, sizeof c);
    rc = ge_app_case_of_client(app, client_id, id, &c, r);
    if (rc < 0) return rc;
    rc = ge_app_case_verify(app, &c, &intact, &fs, &err);
    if (rc == GE_OK) {
        *doc = ge_app_case_doc(&c, intact, GE_RULES_CONFLICTS_ANONYMOUS);
        rc = *doc ? ge_app_case_locations(app, c.service, *doc, &fs, false, &err)
                  : ge_err_set(&err, GE_ENOMEM, "out of memory");
    }
    *version = c.version;
    if (rc < 0) {
        json_decref(*doc);
        *doc = NULL;
        rc = ge_app_failed(r, &err);
    }
    ge_features_free(h, &fs);
    ge_case_clear(&c);
    return rc;
}
