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

#include "../geo/app/draft_check.h"
#include "../geo/app/drafts.h"
#include "../geo/core/date.h"
#include "../geo/core/geojson_in.h"
#include "../geo/core/geojson_out.h"
#include "../geo/core/geos_ctx.h"
#include "../geo/core/token.h"
#include "../geo/rules/rules.h"
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
