/*
 * handlers_staticmap.c - map images (PNG) and site plans (PDF) of drawn
 * features, rendered on the server (geo/maps/staticmap.h, siteplan.h) for
 * the receipt and the editor's print:
 *
 *   GET /v1/cases/{id}/map.png|pdf  a case of the form server (Bearer API
 *                                   key), or of a caseworker's services
 *                                   (session)
 *   GET /v1/drafts/{id}/map.png     a draft of the form server (Bearer API key)
 *   GET /v1/edit/{token}/map.png|pdf the applicant's draft (capability
 *                                   token), for the Munimap printGeoEditing;
 *                                   after submission the submitted case,
 *                                   until the draft's original expiry
 *                                   (ge_sm_edit)
 *
 * PNG query: width and height in pixels (default 800 x 600), dpi (default
 * 96; an A4 receipt at 150 DPI is 1240 x 1754), lang. PDF query: lang,
 * scale (250, 500 or 1000; default: the standard scale mapscale.h chooses).
 * Each is checked and a bad one answers 400 naming it; so does any other
 * parameter.
 *
 * Both are in the language of the case (its draft's locale; German when
 * that is gone), not the caller's Accept-Language: they are documents of
 * the case. lang=de|en overrides it. Both have a title (the service and
 * the reference), street names and house numbers, and a standard scale
 * printed as a ratio beside the scale bar. The PDF is an A4 sheet with a
 * title block: service, reference, case id, period, status, the location
 * sentence (siteplan.h).
 *
 * Each feature is drawn in the services style with its service and its
 * validation state (valid, warning, error): a case's from the report stored
 * at submission, a draft's from validating it now. A violation that names no
 * feature (too many features, the period) marks every feature. The legend
 * says which service and state each symbol stands for, in the request's
 * language. X-Map-Bbox and X-Map-Crs say where the image lies (minx, miny,
 * maxx, maxy of its frame in the store CRS).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../geo/app/case_location.h"
#include "../geo/app/case_status.h"
#include "../geo/app/cases.h"
#include "../geo/core/geos_ctx.h"
#include "../geo/maps/mapscale.h"
#include "../geo/maps/siteplan.h"
#include "../geo/maps/mapstyle.h"
#include "../geo/rules/service.h"
#include "../geo/maps/staticmap.h"
#include "../geo/core/token.h"
#include "case_view.h"
#include "app_http.h"
#include "forms_common.h"
#include "handlers.h"
#include "log.h"
#include "staticmap_params.h"
#include "styles_dir.h"

typedef struct ge_sm_mod {
    ge_mapstyles styles;
    const json_t *order[3]; /* basemap, overlays, services - those that exist */
    size_t norder;
} ge_sm_mod;

#define GE_SM_TL(lang, de, en) GE_PICK((lang) == GE_LANG_DE, de, en)

/* "error" > "warning" > "valid" per feature, from a report's violations. */
static void ge_sm_states(const char *report_text, const json_t *report_doc, size_t n,
                         const char **states)
{
    json_t *report = report_doc ? json_incref((json_t *)report_doc)
                                : (report_text ? json_loads(report_text, 0, NULL) : NULL);
    size_t i;
    json_t *v;

    for (i = 0; i < n; i++)
        states[i] = "valid";
    json_array_foreach(json_object_get(report, "violations"), i, v)
    {
        const char *sev = json_string_value(json_object_get(v, "severity"));
        const json_t *f = json_object_get(v, "feature");
        bool error = sev && strcmp(sev, "error") == 0;
        if (!sev) continue;
        for (size_t k = 0; k < n; k++) {
            if (json_is_integer(f) && (size_t)json_integer_value(f) != k) continue;
            if (error)
                states[k] = "error";
            else if (strcmp(states[k], "valid") == 0)
                states[k] = "warning";
        }
    }
    json_decref(report);
}

static const char *ge_sm_state_label(ge_lang lang, const char *state)
{
    if (strcmp(state, "error") == 0)
        return GE_SM_TL(lang, DE("nicht zulässig"), EN("not acceptable"));
    if (strcmp(state, "warning") == 0)
        return GE_SM_TL(lang, DE("mit Hinweisen"), EN("with remarks"));
    return GE_SM_TL(lang, DE("zulässig"), EN("acceptable"));
}

/* What the map is of: a case or a draft, for its title and title block. */
typedef struct ge_sm_doc {
    const char *service;
    const char *reference;
    const char *case_id; /* NULL for a draft */
    const char *status;  /* NULL for a draft */
    const char *period_start, *period_end;
    const char *locale;      /* the case's language ("de", "en"); NULL: German */
    const char *report_text; /* for the location sentence; or report_doc */
    const json_t *report_doc;
} ge_sm_doc;

/* A date YYYY-MM-DD as the language writes it. */
static void ge_sm_date(ge_lang lang, const char *d, char *out, size_t n)
{
    if (d && strlen(d) >= 10 && lang == GE_LANG_DE)
        snprintf(out, n, "%.2s.%.2s.%.4s", d + 8, d + 5, d);
    else
        snprintf(out, n, "%.10s", d ? d : "");
}

static const char *ge_sm_legend_type(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    switch (GEOSGeomTypeId_r(h, g)) {
    case GEOS_POINT:
    case GEOS_MULTIPOINT:
        return "Point";
    case GEOS_LINESTRING:
    case GEOS_MULTILINESTRING:
        return "LineString";
    default:
        return "Polygon";
    }
}

/* The site plan of doc into resp (200 application/pdf); GE_OK or a
 * failure for the caller to answer. */
static int ge_sm_pdf(ge_req *req, ge_resp *resp, const ge_sm_doc *doc, ge_lang lang,
                     const char *title, const ge_staticmap_opts *o, ge_staticmap_result *r,
                     ge_err *err)
{
    json_t *report = doc->report_doc
                         ? json_incref((json_t *)doc->report_doc)
                         : (doc->report_text ? json_loads(doc->report_text, 0, NULL) : NULL);
    const json_t *loc = ge_case_location_stored(report, 0);
    char period[64], from[16], to[16], footer[160], now[32], today[16], pdf_title[400], disp[160];
    ge_case_status st;
    ge_siteplan_row rows[5];
    size_t n = 0;
    ge_siteplan sp = {0};
    unsigned char *pdf = NULL;
    size_t len = 0;
    int rc;

    ge_sm_date(lang, doc->period_start, from, sizeof from);
    ge_sm_date(lang, doc->period_end, to, sizeof to);
    if (doc->period_start && *doc->period_start)
        snprintf(period, sizeof period, "%s \xe2\x80\x93 %s", from, to);
    else
        period[0] = '\0';
    ge_forms_utc_in(req, 0, now);
    ge_sm_date(lang, now, today, sizeof today);
    snprintf(footer, sizeof footer,
             GE_SM_TL(lang, DE("Erstellt am %s mit geoEDITOR"), EN("Made on %s with geoEDITOR")),
             today);
    rows[n++] =
        (ge_siteplan_row){GE_SM_TL(lang, DE("Aktenzeichen"), EN("Reference")), doc->reference};
    rows[n++] = (ge_siteplan_row){
        GE_SM_TL(lang, DE("Vorgang"), EN("Case")),
        doc->case_id ? doc->case_id
                     : GE_SM_TL(lang, DE("(noch nicht eingereicht)"), EN("(not submitted yet)"))};
    rows[n++] = (ge_siteplan_row){GE_SM_TL(lang, DE("Zeitraum"), EN("Period")), period};
    rows[n++] =
        (ge_siteplan_row){"Status", doc->status && ge_case_status_parse(doc->status, &st)
                                        ? ge_case_status_label(st, lang == GE_LANG_DE ? "de" : "en")
                                        : GE_SM_TL(lang, DE("Entwurf"), EN("draft"))};
    rows[n++] = (ge_siteplan_row){
        GE_SM_TL(lang, DE("Ort"), EN("Location")),
        json_string_value(json_object_get(loc, lang == GE_LANG_DE ? "de" : "en"))};
    snprintf(pdf_title, sizeof pdf_title, "%s %s", GE_SM_TL(lang, DE("Lageplan"), EN("Site plan")),
             doc->reference ? doc->reference : "");
    sp.heading = GE_SM_TL(lang, DE("Lageplan"), EN("Site plan"));
    sp.subtitle = title;
    sp.rows = rows;
    sp.nrows = n;
    sp.footer = footer;
    sp.pdf_title = pdf_title;
    rc = ge_siteplan_pdf(&sp, o, r, &pdf, &len, err);
    json_decref(report);
    if (rc < 0) return rc;
    rc = ge_resp_take(resp, 200, "application/pdf", (char *)pdf, len);
    snprintf(disp, sizeof disp, "inline; filename=\"%s-%.40s.pdf\"",
             GE_SM_TL(lang, DE("lageplan"), EN("site-plan")),
             doc->case_id ? doc->case_id : "draft");
    ge_resp_header(resp, "Content-Disposition", disp);
    (void)req;
    return rc;
}

/* Renders features (store CRS) of doc with their states into resp, as a
 * PNG or a site plan PDF. */
static int ge_sm_respond(ge_req *req, ge_resp *resp, const ge_sm_mod *mod, const ge_sm_doc *doc,
                         const ge_features *fs, const char *const *states,
                         const ge_staticmap_params *p)
{
    const char *service = doc->service;
    ge_lang lang = p->lang >= 0                                        ? (ge_lang)p->lang
                   : doc->locale && strncmp(doc->locale, "en", 2) == 0 ? GE_LANG_EN
                                                                       : GE_LANG_DE;
    static const struct {
        const char *source, *type;
        ge_text name;
    } refs[] = {
        {"street_space", "Polygon",
         GE_TEXT_INIT(DE("Öffentlicher Straßenraum"), EN("Public street space"))},
        {"cycleways", "LineString",
         GE_TEXT_INIT(DE("Radweg oder Radfahrstreifen"), EN("Cycleway or cycle lane"))},
        {"hydrants", "Point", GE_TEXT_INIT(DE("Hydrant"), EN("Fire hydrant"))},
        {"trees", "Point", GE_TEXT_INIT(DE("Baum"), EN("Tree"))},
        {"boundary", "LineString", GE_TEXT_INIT(DE("Gemeindegrenze"), EN("Municipal boundary"))},
    };
    GEOSContextHandle_t h = ge_geos_ctx();
    const ge_service *svc = ge_services_find(req->ctx->services, service);
    const char *title = svc ? (lang == GE_LANG_DE ? svc->title.de : svc->title.en) : service;
    char map_title[400];
    size_t nf = fs->n, nleg = 0;
    ge_staticmap_feature *feats = calloc(nf ? nf : 1, sizeof *feats);
    json_t **props = calloc(nf ? nf : 1, sizeof *props);
    ge_staticmap_legend *leg = calloc(nf + 5, sizeof *leg);
    char(*labels)[200] = calloc(nf ? nf : 1, sizeof *labels);
    ge_staticmap_opts o;
    ge_staticmap_result r;
    ge_err err;
    int rc = GE_OK;

    if (!feats || !props || !leg || !labels) {
        rc = ge_err_set(&err, GE_ENOMEM, "static map: out of memory");
        goto err;
    }
    for (size_t i = 0; i < nf; i++) {
        const char *type = ge_sm_legend_type(h, fs->items[i].geom);
        bool seen = false;
        props[i] = json_pack("{s:s, s:s}", "service", service, "state", states[i]);
        feats[i].geom = fs->items[i].geom;
        feats[i].props = props[i];
        for (size_t k = 0; k < nleg; k++)
            seen = seen || (json_equal(props[i], (json_t *)leg[k].props) &&
                            strcmp(leg[k].geometry_type, type) == 0);
        if (seen) continue;
        snprintf(labels[nleg], sizeof labels[nleg], "%s: %s", title ? title : service,
                 ge_sm_state_label(lang, states[i]));
        leg[nleg] = (ge_staticmap_legend){"features", type, props[i], labels[nleg]};
        nleg++;
    }
    for (size_t k = 0; k < sizeof refs / sizeof refs[0]; k++)
        leg[nleg++] = (ge_staticmap_legend){refs[k].source, refs[k].type, NULL,
                                            ge_text_pick(refs[k].name, lang == GE_LANG_DE)};
    if (nf == 0) {
        ge_resp_problem(resp, req, 409,
                        GE_TR(req, DE("Es ist noch nichts gezeichnet, daher gibt es keine Karte."),
                              EN("Nothing is drawn yet, so there is no map to show.")));
        rc = GE_ECONFLICT;
        goto done;
    }
    memset(&o, 0, sizeof o);
    o.width = (int)p->width;
    o.height = (int)p->height;
    o.dpi = (double)p->dpi;
    o.store = req->ctx->store;
    o.srid = ge_store_srid(req->ctx->store);
    o.styles = mod->order;
    o.nstyles = mod->norder;
    o.features_source = "features";
    o.features = feats;
    o.nfeatures = nf;
    o.legend = leg;
    o.nlegend = nleg;
    o.scale_denominator = (int)p->scale;
    o.data_date_label = GE_SM_TL(lang, DE("Datenstand"), EN("Reference data as of"));
    o.german_dates = lang == GE_LANG_DE;
    o.german_credits = lang == GE_LANG_DE;
    snprintf(map_title, sizeof map_title, "%s%s%s", title ? title : service,
             doc->reference && *doc->reference ? " \xc2\xb7 " : "",
             doc->reference ? doc->reference : "");
    if (p->pdf) {
        rc = ge_sm_pdf(req, resp, doc, lang, title, &o, &r, &err);
        if (rc < 0) goto err;
    } else {
        o.title = map_title;
        rc = ge_staticmap_render(&o, &r, &err);
        if (rc < 0) goto err;
        rc = ge_resp_take(resp, 200, "image/png", (char *)r.png, r.png_len);
    }
    if (rc == GE_OK) {
        /* Where the image lies, for a client that places it (a world file's
         * content) - and for tests that look at a feature's pixels. */
        char bbox[160], crs[80];
        snprintf(bbox, sizeof bbox, "%.3f,%.3f,%.3f,%.3f", r.extent[0], r.extent[1], r.extent[2],
                 r.extent[3]);
        snprintf(crs, sizeof crs, "http://www.opengis.net/def/crs/EPSG/0/%d", o.srid);
        ge_resp_header(resp, "X-Map-Bbox", bbox);
        ge_resp_header(resp, "X-Map-Crs", crs);
        snprintf(bbox, sizeof bbox, "%d", r.scale_denominator);
        ge_resp_header(resp, "X-Map-Scale", bbox);
        ge_resp_header(resp, "Content-Language", lang == GE_LANG_DE ? "de" : "en");
        ge_resp_etag_body(resp);
        ge_resp_cache(resp, "private, no-cache");
    }
    goto done;
err:
    rc = ge_resp_error(resp, req, &err);
done:
    for (size_t i = 0; props && i < nf; i++)
        json_decref(props[i]);
    free(props);
    free(feats);
    free(leg);
    free(labels);
    return rc;
}

/* A case's features with their states from its report at submission. */
static int ge_sm_case_map(ge_req *req, ge_resp *resp, const ge_sm_mod *mod, const ge_case *c,
                          const ge_staticmap_params *p)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_features fs = {0};
    const char **states = NULL;
    ge_app app = ge_req_app(req);
    ge_err err;
    int rc = ge_app_case_features(&app, h, c->id, &fs, &err);

    if (rc == GE_OK && !(states = calloc(fs.n ? fs.n : 1, sizeof *states)))
        rc = ge_err_set(&err, GE_ENOMEM, "static map: out of memory");
    if (rc < 0) {
        rc = ge_resp_error(resp, req, &err);
    } else {
        /* the case's language: its draft's locale (German once it is gone) */
        ge_draft d;
        ge_sm_doc doc = {.service = c->service,
                         .reference = c->reference,
                         .case_id = c->id,
                         .status = c->status,
                         .period_start = c->period_start,
                         .period_end = c->period_end,
                         .report_text = c->report};
        memset(&d, 0, sizeof d);
        if (c->draft_id[0] && ge_store_draft_get(req->ctx->store, c->draft_id, &d, NULL) == GE_OK)
            doc.locale = d.locale;
        ge_sm_states(c->report, NULL, fs.n, states);
        rc = ge_sm_respond(req, resp, mod, &doc, &fs, states, p);
        ge_draft_clear(&d);
    }
    free(states);
    ge_features_free(h, &fs);
    return rc;
}

/* Whether the route asked for the site plan (.../map.pdf). */
static bool ge_sm_is_pdf(const ge_req *req)
{
    size_t n = req->path ? strlen(req->path) : 0;
    return n > 4 && strcmp(req->path + n - 4, ".pdf") == 0;
}

static int ge_sm_case(ge_req *req, ge_resp *resp, void *ud)
{
    const char *id = ge_req_param(req, "id");
    ge_client client;
    ge_case c;
    ge_staticmap_params p = {.pdf = ge_sm_is_pdf(req)};
    int rc;

    memset(&c, 0, sizeof c);
    memset(&client, 0, sizeof client);
    if (!ge_case_view_has_bearer(req)) {
        /* A caseworker: the session and its services decide (case_view.h). */
        ge_session s;
        rc = ge_session_require(req, resp, &s);
        if (rc < 0) return rc;
        rc = ge_staticmap_params_read(req, resp, &p);
        if (rc == GE_OK) rc = ge_case_view_find(req, resp, &s, &c, NULL);
        ge_session_clear(&s);
        if (rc == GE_OK) rc = ge_sm_case_map(req, resp, ud, &c, &p);
        goto done;
    }
    rc = ge_forms_auth(req, resp, &client);
    if (rc < 0) return rc;
    rc = ge_staticmap_params_read(req, resp, &p);
    if (rc < 0) goto done;
    {
        ge_app app = ge_req_app(req);
        ge_app_result r;
        ge_app_result_init(&r);
        rc = ge_app_case_of_client(&app, client.id, id, &c, &r);
        rc = rc < 0 ? ge_resp_app(resp, req, &r) : ge_sm_case_map(req, resp, ud, &c, &p);
        ge_app_result_clear(&r);
    }
done:
    ge_case_clear(&c);
    ge_client_clear(&client);
    return rc;
}

/* A draft's features with their states from validating them now. */
static int ge_sm_draft_map(ge_req *req, ge_resp *resp, const ge_sm_mod *mod, const ge_draft *d,
                           const ge_staticmap_params *p)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_features fs = {0};
    ge_app app = ge_req_app(req);
    ge_crs store = ge_app_store_crs(&app);
    json_t *report = NULL;
    const char **states = NULL;
    ge_err err;
    int rc = d->features ? ge_app_features_parse(&app, h, d->features, &fs, &err) : GE_OK;

    if (rc == GE_OK && fs.n)
        rc = ge_app_validate_on(&app, d->id, d->service, d->features, d->period_start,
                                d->period_end, ge_app_today(&app), GE_RULES_CONFLICTS_ANONYMOUS,
                                &store, &report, &err);
    if (rc == GE_OK && !(states = calloc(fs.n ? fs.n : 1, sizeof *states)))
        rc = ge_err_set(&err, GE_ENOMEM, "out of memory");
    if (rc < 0) {
        rc = ge_resp_error(resp, req, &err);
    } else {
        ge_sm_doc doc = {.service = d->service,
                         .reference = d->reference,
                         .period_start = d->period_start,
                         .period_end = d->period_end,
                         .locale = d->locale,
                         .report_doc = report};
        ge_sm_states(NULL, report, fs.n, states);
        rc = ge_sm_respond(req, resp, mod, &doc, &fs, states, p);
    }
    free(states);
    json_decref(report);
    ge_features_free(h, &fs);
    return rc;
}

static int ge_sm_draft(ge_req *req, ge_resp *resp, void *ud)
{
    ge_client client;
    ge_draft d;
    ge_staticmap_params p = {0};
    int rc;

    memset(&d, 0, sizeof d);
    rc = ge_forms_auth(req, resp, &client);
    if (rc < 0) return rc;
    rc = ge_staticmap_params_read(req, resp, &p);
    if (rc == GE_OK) rc = ge_forms_client_draft(req, resp, &client, &d);
    if (rc == GE_OK) rc = ge_sm_draft_map(req, resp, ud, &d, &p);
    ge_draft_clear(&d);
    ge_client_clear(&client);
    return rc;
}

/*
 * The applicant's drawing, for the Munimap printGeoEditing: 404 for a token
 * that opens no draft. While the draft is open, its features as drawn now.
 * Once it is submitted, the submitted case's (its drawing and report as
 * submitted), so that a print URL handed to the form before the submission
 * still prints what was submitted - until the draft's original expiry, as
 * long as the token would have opened the draft anyway, and while the case
 * is not purged. It shows only what the applicant drew and was told, never
 * the case's status or the caseworkers' words. Expired: 410.
 */
static int ge_sm_edit(ge_req *req, ge_resp *resp, void *ud)
{
    const char *token = ge_req_param(req, "token");
    char hash[GE_TOKEN_HASH_LEN], now[32];
    ge_draft d;
    ge_case c;
    ge_staticmap_params p = {.pdf = ge_sm_is_pdf(req)};
    ge_err err;
    int rc = ge_staticmap_params_read(req, resp, &p);

    memset(&d, 0, sizeof d);
    memset(&c, 0, sizeof c);
    if (rc < 0) return rc;
    ge_token_hash(token ? token : "", hash);
    rc = ge_token_plausible(token) ? ge_store_draft_by_token(req->ctx->store, hash, &d, &err)
                                   : ge_err_set(&err, GE_ENOENT, "no such draft");
    if (rc == GE_ENOENT) {
        ge_resp_problem(resp, req, 404,
                        GE_TR(req, DE("Dieser Bearbeitungslink ist ungültig."),
                              EN("This editing link is not valid.")));
        return GE_ENOENT;
    }
    if (rc < 0) return ge_resp_error(resp, req, &err);
    ge_forms_utc_in(req, 0, now);
    if (strcmp(d.expires_at, now) <= 0) {
        ge_resp_problem(resp, req, 410,
                        GE_TR(req, DE("Dieser Bearbeitungslink ist nicht mehr offen."),
                              EN("This editing link is no longer open.")));
        rc = GE_EGONE;
    } else if (!d.submitted_at[0]) {
        rc = ge_sm_draft_map(req, resp, ud, &d, &p);
    } else if ((rc = ge_store_case_by_draft(req->ctx->store, d.id, &c, &err)) == GE_OK) {
        rc = ge_sm_case_map(req, resp, ud, &c, &p);
    } else if (rc == GE_ENOENT) {
        ge_resp_problem(resp, req, 410,
                        GE_TR(req,
                              DE("Der Antrag wurde eingereicht und seine Daten sind inzwischen "
                                 "gelöscht; es gibt keine Karte mehr."),
                              EN("The application was submitted and its data has since been "
                                 "deleted; there is no map to show.")));
        rc = GE_EGONE;
    } else {
        rc = ge_resp_error(resp, req, &err);
    }
    ge_case_clear(&c);
    ge_draft_clear(&d);
    return rc;
}

static void ge_sm_stop(void *ud)
{
    ge_sm_mod *mod = ud;
    ge_mapstyles_free(&mod->styles);
    free(mod);
}

int ge_handlers_staticmap_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    static const char *const order[] = {"basemap", "overlays", "services"};
    char dir[4200];
    ge_sm_mod *mod = calloc(1, sizeof *mod);
    int rc;

    if (!mod) return ge_err_set(err, GE_ENOMEM, "static map: out of memory");
    ge_styles_dir(ctx->cfg, dir, sizeof dir);
    rc = ge_mapstyles_load_dir(dir, &mod->styles, err);
    if (rc < 0) {
        free(mod);
        return rc;
    }
    for (size_t i = 0; i < 3; i++) {
        const ge_mapstyle *st = ge_mapstyles_find(&mod->styles, order[i]);
        if (st)
            mod->order[mod->norder++] = st->doc;
        else /* the maps still render, without what this style draws */
            ge_log(GE_LOG_WARN, "static maps: a style is missing", "{s:s, s:s}", "style", order[i],
                   "dir", dir);
    }
    rc = ge_ctx_on_stop(ctx, ge_sm_stop, mod);
    if (rc < 0) {
        ge_sm_stop(mod);
        return ge_err_set(err, rc, "static map: cannot register the stop hook");
    }
    rc = ge_router_add(r, "GET", "/v1/cases/{id}/map.png", ge_sm_case, mod, err);
    if (rc == GE_OK) rc = ge_router_add(r, "GET", "/v1/drafts/{id}/map.png", ge_sm_draft, mod, err);
    if (rc == GE_OK) rc = ge_router_add(r, "GET", "/v1/edit/{token}/map.png", ge_sm_edit, mod, err);
    if (rc == GE_OK) rc = ge_router_add(r, "GET", "/v1/cases/{id}/map.pdf", ge_sm_case, mod, err);
    if (rc == GE_OK) rc = ge_router_add(r, "GET", "/v1/edit/{token}/map.pdf", ge_sm_edit, mod, err);
    return rc;
}
