/*
 * forms_common.c - client authentication, parameters, features in and out
 * and draft validation shared by the form-server and applicant handlers
 * (forms_common.h).
 */
#include "forms_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../geo/app/case_hash.h"
#include "../geo/app/draft_check.h"
#include "../geo/app/drafts.h"
#include "../geo/app/case_location.h"
#include "../geo/core/date.h"
#include "../geo/core/geojson_in.h"
#include "../geo/core/geojson_out.h"
#include "../geo/core/geos_ctx.h"
#include "../geo/core/token.h"
#include "../geo/rules/refindex.h"
#include "../geo/rules/rules.h"
#include "../geo/rules/service.h"
#include "app_http.h"
#include "log.h"

int ge_forms_auth(ge_req *req, ge_resp *resp, ge_client *client)
{
    const char *h = ge_req_header(req, "Authorization");
    char hash[GE_TOKEN_HASH_LEN];
    ge_err err;
    int rc;

    memset(client, 0, sizeof *client);
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
        ge_resp_problem(resp, req, 401,
                        GE_TR(req,
                              DE("Dieser Aufruf braucht den API-Schlüssel des Formularservers: "
                                 "senden Sie den Header 'Authorization: Bearer <API-Schlüssel>'."),
                              EN("This call needs the form server's API key: send the header "
                                 "'Authorization: Bearer <API key>'.")));
        ge_resp_header(resp, "WWW-Authenticate", "Bearer realm=\"geoeditor\"");
        return GE_EINVAL;
    }
    h += 7;
    while (*h == ' ')
        h++;
    /* Hash whatever came, plausible or not, so that the time taken does not
     * tell a malformed key from a wrong one. */
    ge_token_hash(h, hash);
    rc = ge_token_plausible(h) ? ge_store_client_by_key(req->ctx->store, hash, client, &err)
                               : ge_err_set(&err, GE_ENOENT, "malformed key");
    if (rc == GE_ENOENT) {
        ge_resp_problem(resp, req, 401,
                        GE_TR(req, DE("Der API-Schlüssel ist ungültig oder wurde widerrufen."),
                              EN("The API key is not valid or has been revoked.")));
        ge_resp_header(resp, "WWW-Authenticate",
                       "Bearer realm=\"geoeditor\", error=\"invalid_token\"");
        return GE_EINVAL;
    }
    if (rc < 0) return ge_resp_error(resp, req, &err);
    return GE_OK;
}

ge_crs ge_forms_store_crs(const ge_req *req)
{
    ge_app app = ge_req_app(req);
    return ge_app_store_crs(&app);
}

int ge_forms_crs_param(ge_req *req, ge_resp *resp, ge_crs *crs, bool *explicit_crs)
{
    const char *v = ge_req_query(req, "crs");
    ge_err err;
    json_t *p;

    *crs = GE_CRS84;
    if (explicit_crs) *explicit_crs = false;
    if (!v) return GE_OK;
    if (ge_crs_parse(v, crs, &err) < 0) {
        p = ge_resp_problem(resp, req, 400, "crs: %s", err.msg);
        if (p) json_object_set_new(p, "parameter", json_string("crs"));
        return GE_EINVAL;
    }
    if (explicit_crs) *explicit_crs = true;
    return GE_OK;
}

int ge_forms_body(ge_req *req, ge_resp *resp, json_t **out)
{
    ge_err err;
    json_t *p;

    *out = NULL;
    if (req->body_len == 0) {
        ge_resp_problem(resp, req, 400,
                        GE_TR(req, DE("Der Anfragekörper ist leer; erwartet wird ein JSON-Objekt."),
                              EN("The request body is empty; a JSON object is expected.")));
        return GE_EINVAL;
    }
    if (ge_geojson_in_load(req->body, req->body_len, out, &err) < 0) {
        p = ge_resp_problem(resp, req, err.code == GE_ELIMIT ? 422 : 400,
                            GE_TR(req, DE("Der Anfragekörper ist kein gültiges JSON: %s"),
                                  EN("The request body is not valid JSON: %s")),
                            err.msg);
        (void)p;
        return GE_EINVAL;
    }
    if (!json_is_object(*out)) {
        ge_resp_problem(resp, req, 400,
                        GE_TR(req, DE("Der Anfragekörper muss ein JSON-Objekt sein."),
                              EN("The request body must be a JSON object.")));
        json_decref(*out);
        *out = NULL;
        return GE_EINVAL;
    }
    return GE_OK;
}

int ge_forms_members(ge_req *req, ge_resp *resp, const json_t *obj, const char *what,
                     const char *const *allowed)
{
    const char *key;
    json_t *v;
    char list[256] = "";

    for (size_t i = 0; allowed[i]; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                 allowed[i]);
    json_object_foreach((json_t *)obj, key, v)
    {
        size_t i;
        for (i = 0; allowed[i] && strcmp(allowed[i], key) != 0; i++)
            ;
        if (!allowed[i]) {
            json_t *p =
                ge_resp_problem(resp, req, 400,
                                GE_TR(req, DE("Unbekanntes Element '%.60s' in %s (bekannt: %s)."),
                                      EN("Unknown member '%.60s' in %s (known: %s).")),
                                key, what, list);
            if (p) json_object_set_new(p, "member", json_string(key));
            return GE_EINVAL;
        }
    }
    return GE_OK;
}

int ge_forms_bad_member(ge_req *req, ge_resp *resp, const char *member, const ge_err *err)
{
    ge_app_result r;

    ge_app_result_init(&r);
    ge_app_bad_member(&r, member, err);
    ge_resp_app(resp, req, &r);
    ge_app_result_clear(&r);
    return err->code;
}

int ge_forms_features_in(ge_req *req, ge_resp *resp, const json_t *features, const ge_crs *crs,
                         bool crs_explicit, const char *path, char **out_text)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_geojson_in_opts in;
    ge_features fs = {0};
    ge_crs store = ge_forms_store_crs(req);
    json_t *fc = NULL;
    ge_err err;
    int rc;

    *out_text = NULL;
    ge_geojson_in_opts_init(&in);
    in.crs = *crs;
    in.crs_explicit = crs_explicit;
    in.store_srid = store.epsg;
    in.allow_empty = true;
    in.path = path;
    rc = ge_geojson_in_parse(h, features, &in, &fs, &err);
    if (rc < 0) return ge_forms_bad_member(req, resp, path ? path : "features", &err);
    fc = ge_geojson_out_features(h, &fs, &store, &store, &err);
    if (!fc) {
        rc = ge_resp_error(resp, req, &err);
        goto err;
    }
    *out_text = json_dumps(fc, GE_JSON_DUMP_FLAGS);
    if (!*out_text) {
        ge_err_set(&err, GE_ENOMEM, "out of memory writing features");
        rc = ge_resp_error(resp, req, &err);
        goto err;
    }
    rc = GE_OK;
err:
    json_decref(fc);
    ge_features_free(h, &fs);
    return rc;
}

int ge_forms_json(ge_resp *resp, int status, json_t *doc, const char *content_type)
{
    char *text = doc ? json_dumps(doc, GE_JSON_DUMP_FLAGS | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!text) return GE_ENOMEM; /* the server answers a generic 500 */
    return ge_resp_take(resp, status, content_type ? content_type : "application/json", text,
                        strlen(text));
}

void ge_forms_content_crs(ge_resp *resp, const ge_crs *crs)
{
    char v[96];
    snprintf(v, sizeof v, "<%s>", ge_crs_uri(crs));
    ge_resp_header(resp, "Content-Crs", v);
}

static bool ge_forms_id_plausible(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n != GE_TOKEN_ID_LEN - 1) return false;
    return strspn(id, "0123456789abcdef") == n;
}

int ge_forms_client_draft(ge_req *req, ge_resp *resp, const ge_client *client, ge_draft *out)
{
    const char *id = ge_req_param(req, "id");
    ge_err err;
    int rc = ge_forms_id_plausible(id) ? ge_store_draft_get(req->ctx->store, id, out, &err)
                                       : ge_err_set(&err, GE_ENOENT, "no such draft");

    if (rc == GE_OK && out->client_id != client->id) {
        ge_draft_clear(out);
        rc = GE_ENOENT;
    }
    if (rc == GE_ENOENT) {
        json_t *p = ge_resp_problem(resp, req, 404,
                                    GE_TR(req, DE("Es gibt keinen Entwurf '%.40s' dieses Clients."),
                                          EN("There is no draft '%.40s' of this client.")),
                                    id ? id : "");
        if (p) json_object_set_new(p, "parameter", json_string("id"));
        return GE_ENOENT;
    }
    if (rc < 0) return ge_resp_error(resp, req, &err);
    return GE_OK;
}

typedef struct ge_forms_collect {
    GEOSContextHandle_t h;
    ge_features *fs;
    size_t cap;
    ge_err *err;
} ge_forms_collect;

static int ge_forms_collect_cb(void *ud, int64_t fid, const unsigned char *wkb, size_t wkb_len,
                               const char *props_json)
{
    ge_forms_collect *c = ud;
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

int ge_forms_case_features(const ge_req *req, GEOSContextHandle_t h, const char *case_id,
                           ge_features *out, ge_err *err)
{
    ge_forms_collect c = {.h = h, .fs = out, .err = err};
    memset(out, 0, sizeof *out);
    int rc = ge_store_case_features(req->ctx->store, case_id, ge_forms_collect_cb, &c, err);
    if (rc < 0) ge_features_free(h, out);
    return rc;
}

int ge_forms_case_verify(const ge_req *req, const ge_case *c, bool *intact, ge_features *keep,
                         ge_err *err)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_features fs = {0};
    char hash[GE_TOKEN_HASH_LEN];
    int rc = ge_forms_case_features(req, h, c->id, &fs, err);

    *intact = false;
    if (rc == GE_OK)
        rc = ge_case_hash(h, &fs, ge_store_srid(req->ctx->store), c->report, hash, err);
    if (rc == GE_OK) *intact = ge_token_equal(hash, c->content_hash);
    if (rc == GE_OK && keep) {
        *keep = fs;
        return rc;
    }
    ge_features_free(h, &fs);
    return rc;
}

int ge_forms_case_locations(const ge_req *req, const char *service, json_t *doc,
                            const ge_features *fs, bool measures, ge_err *err)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_refsnap *snap = req->ctx->refindex ? ge_refindex_acquire(req->ctx->refindex) : NULL;
    const ge_service *svc =
        req->ctx->services && service ? ge_services_find(req->ctx->services, service) : NULL;
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

json_t *ge_forms_case_doc(const ge_case *c, bool intact, ge_rules_conflicts conflicts)
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
     * the features make it for a report without (ge_forms_case_locations). */
    if (doc) {
        json_t *loc = ge_case_location_stored(report, 0);
        json_object_set_new(doc, "location", loc ? json_incref(loc) : json_null());
    }
    if (doc && c->period_start[0])
        json_object_set_new(
            doc, "period", json_pack("{s:s, s:s}", "start", c->period_start, "end", c->period_end));
    return doc;
}

void ge_forms_utc_in(const ge_req *req, long seconds, char out[32])
{
    ge_app app = ge_req_app(req);
    ge_app_utc_in(&app, seconds, out);
}

/* The open draft of the path's token, or a 404/410 problem. */
int ge_forms_edit_draft(ge_req *req, ge_resp *resp, ge_draft *d)
{
    ge_app app = ge_req_app(req);
    ge_app_result r;
    int rc;

    ge_app_result_init(&r);
    rc = ge_app_draft_open(&app, ge_req_param(req, "token"), d, &r);
    if (rc < 0) rc = ge_resp_app(resp, req, &r);
    ge_app_result_clear(&r);
    return rc;
}
