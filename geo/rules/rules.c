/*
 * rules.c - the rule engine's driver: measures every feature once, runs the
 * service's rules in the order the service file lists them (first those
 * about the whole submission: count and period; then per feature), and
 * writes the report (rules.h).
 *
 * A rule that cannot be judged (its reference layer is not loaded) is not a
 * violation and not a pass: it goes to "unchecked", so that a caseworker
 * sees it and an import problem cannot pass as a clean report.
 */
#include "rules_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "geojson_out.h"
#include "location.h"
#include "rule_kinds.h"

void ge_rules_input_init(ge_rules_input *in)
{
    memset(in, 0, sizeof *in);
    in->srid = 25832;
    in->out_crs = GE_CRS84;
}

static const ge_text missing_period = {
    "Bitte geben Sie den Zeitraum der Nutzung an (Beginn und Ende).",
    "Please give the period of use (start and end).",
};

static const ge_text *gr_template(const gr_violation *v)
{
    const ge_rule *r = v->rule;

    if (v->text) return v->text;
    if (v->bound == GR_BOUND_MIN && r->text_min.de) return &r->text_min;
    if (v->bound == GR_BOUND_MAX && r->text_max.de) return &r->text_max;
    if (v->bound == GR_BOUND_MISSING)
        return r->text_missing.de ? &r->text_missing : &missing_period;
    if (r->text.de) return &r->text;
    /* The loader makes sure one of the variants exists for every bound. */
    return r->text_min.de ? &r->text_min : &r->text_max;
}

static bool gr_unit_is_whole(const char *unit)
{
    return unit && (!strcmp(unit, "days") || !strcmp(unit, "features"));
}

static json_t *gr_number(double v, const char *unit)
{
    if (!isfinite(v)) return json_null();
    if (gr_unit_is_whole(unit)) return json_integer((json_int_t)llround(v));
    /* Millimetres (m) or square centimetres (m2) are all a drawing holds. */
    return json_real(ge_geojson_round(v, unit && !strcmp(unit, "m2") ? 4 : 3));
}

static const char *gr_bound_name(int bound)
{
    return bound == GR_BOUND_MIN ? "min" : bound == GR_BOUND_MAX ? "max" : NULL;
}

/* Sets a member with a literal key, taking v; a NULL v (out of memory)
 * leaves *ok false. Cheaper than json_pack for the report's hot path: no
 * format parsing, no UTF-8 check of keys we wrote ourselves. */
static void gr_set(json_t *o, const char *key, json_t *v, bool *ok)
{
    if (!o || !v || json_object_set_new_nocheck(o, key, v) < 0) {
        json_decref(v);
        *ok = false;
    }
}

/* {"de": de, "en": en}, the strings checked to be UTF-8. */
static json_t *gr_texts(ge_text text)
{
    json_t *t = json_object();
    bool ok = t != NULL;

    gr_set(t, "de", json_string(text.de), &ok);
    gr_set(t, "en", json_string(text.en), &ok);
    if (!ok) {
        json_decref(t);
        return NULL;
    }
    return t;
}

int gr_emit(gr_ctx *c, gr_violation *v)
{
    const ge_rule *r = v->rule;
    const ge_text *t = gr_template(v);
    const char *unit = v->unit ? v->unit : ge_rule_unit(r->kind);
    char *de = gr_render(t->de, v, true), *en = gr_render(t->en, v, false);
    json_t *geom = NULL, *measured, *limit, *j = NULL;
    int rc = GE_OK;
    bool ok = true;

    if (!de || !en) {
        rc = ge_err_set(c->err, GE_ENOMEM, "out of memory");
        goto out;
    }
    if (v->highlight) {
        geom = ge_geojson_out_geometry(c->h, v->highlight, &c->store_crs, &c->in->out_crs, c->err);
        if (!geom) {
            rc = c->err ? c->err->code : GE_EINTERNAL;
            goto out;
        }
    }
    measured = v->measured_json  ? v->measured_json
               : v->has_measured ? gr_number(v->measured, unit)
                                 : json_null();
    v->measured_json = NULL;
    limit = v->limit_json                  ? v->limit_json
            : v->bound == GR_BOUND_MISSING ? json_null()
                                           : gr_number(gr_limit_of(v), unit);
    v->limit_json = NULL;
    j = json_object();
    gr_set(j, "rule", json_string(r->id), &ok);
    gr_set(j, "kind", json_string_nocheck(ge_rule_kind_name(r->kind)), &ok);
    gr_set(j, "severity", json_string_nocheck(ge_severity_name(r->severity)), &ok);
    gr_set(j, "feature", v->feature >= 0 ? json_integer(v->feature) : json_null(), &ok);
    gr_set(j, "message", gr_texts(GE_TEXT(DE(de), EN(en))), &ok);
    gr_set(j, "measured", measured, &ok);
    gr_set(j, "limit", limit, &ok);
    gr_set(j, "unit", unit && unit[0] ? json_string(unit) : json_null(), &ok);
    gr_set(j, "bound",
           gr_bound_name(v->bound) ? json_string_nocheck(gr_bound_name(v->bound)) : json_null(),
           &ok);
    gr_set(j, "geometry", geom ? geom : json_null(), &ok);
    geom = NULL;
    if (v->ref) {
        gr_set(j, "ref", v->ref, &ok);
        v->ref = NULL;
    }
    if (!ok) json_decref(j);
    /* json_array_append_new takes j also when it fails */
    if (!ok || json_array_append_new(c->violations, j) < 0) {
        rc = ge_err_set(c->err, GE_ENOMEM, "out of memory");
        goto out;
    }
out:
    free(de);
    free(en);
    json_decref(geom);
    json_decref(v->measured_json);
    json_decref(v->limit_json);
    json_decref(v->ref);
    if (v->highlight) GEOSGeom_destroy_r(c->h, v->highlight);
    v->highlight = NULL;
    v->ref = v->measured_json = v->limit_json = NULL;
    return rc;
}

int gr_unchecked(gr_ctx *c, const ge_rule *r, long feature, ge_text reason)
{
    json_t *j = json_object();
    bool ok = j != NULL;

    gr_set(j, "rule", json_string(r->id), &ok);
    gr_set(j, "feature", feature >= 0 ? json_integer(feature) : json_null(), &ok);
    gr_set(j, "reason", gr_texts(reason), &ok);
    if (!ok) json_decref(j);
    if (!ok || json_array_append_new(c->unchecked, j) < 0)
        return ge_err_set(c->err, GE_ENOMEM, "out of memory");
    return GE_OK;
}

static int gr_unchecked_invalid(gr_ctx *c, const ge_rule *r, const gr_feature *f)
{
    char de[256], en[256];

    snprintf(de, sizeof de,
             "Die Zeichnung ist fehlerhaft (%s); diese Regel wird geprüft, sobald sie "
             "korrigiert ist.",
             gr_reason_text(f->reason, true));
    snprintf(en, sizeof en,
             "The drawing is malformed (%s); this rule is checked once it is corrected.",
             gr_reason_text(f->reason, false));
    return gr_unchecked(c, r, (long)f->index, GE_TEXT(DE(de), EN(en)));
}

/* The kind's check (rule_kinds.h). On an invalid drawing the kinds that
 * overlay it or measure its area wait until it is corrected: the answers
 * are undefined, and the overlays can cost seconds (a 101-vertex star has
 * 2,500 self-crossings). Distances and sizes of the rectangle stay well
 * defined and are checked. */
static int gr_check_feature(gr_ctx *c, const ge_rule *r, const gr_feature *f)
{
    const ge_rule_kind_def *d = ge_rule_kind_def_of(r->kind);

    if (!(r->applies_to & f->type) || !d->check_feature) return GE_OK;
    if (!f->valid && d->needs_valid) return gr_unchecked_invalid(c, r, f);
    return d->check_feature(c, r, f);
}

static int gr_check_collection(gr_ctx *c, const ge_rule *r, size_t n)
{
    const ge_rule_kind_def *d = ge_rule_kind_def_of(r->kind);
    return d->check_submission ? d->check_submission(c, r, n) : GE_OK;
}

/* The feature's entry in "measures": its sizes and, when one can be said,
 * its location sentence (location.h). A sentence that cannot be made for
 * any other reason than memory or the budget is left out: it explains the
 * report and never changes a verdict. */
static int gr_feature_report(gr_ctx *c, const gr_feature *f, json_t *measures)
{
    json_t *m = gr_feature_measures(f), *loc;
    ge_err lerr = {0};

    if (!m) return ge_err_set(c->err, GE_ENOMEM, "out of memory");
    loc = ge_location_describe(c->h, c->snap, f->geom, c->in->service, &lerr);
    if (loc && json_object_set_new_nocheck(m, "location", loc) < 0) lerr.code = GE_ENOMEM;
    if (lerr.code == GE_ENOMEM || lerr.code == GE_EBUDGET) {
        json_decref(m);
        return ge_err_set(c->err, lerr.code, "%s", lerr.msg[0] ? lerr.msg : "out of memory");
    }
    if (json_array_append_new(measures, m) < 0)
        return ge_err_set(c->err, GE_ENOMEM, "out of memory");
    return GE_OK;
}

static bool gr_has_errors(const json_t *violations)
{
    size_t i;
    json_t *v;

    json_array_foreach(violations, i, v)
    {
        if (!strcmp(json_string_value(json_object_get(v, "severity")), "error")) return true;
    }
    return false;
}

static int gr_validate_once(GEOSContextHandle_t h, const ge_refsnap *snap, const ge_rules_input *in,
                            json_t **report, ge_err *err)
{
    gr_ctx c = {.h = h, .snap = snap, .in = in, .err = err};
    const ge_service *s = in->service;
    size_t n = in->features ? in->features->n : 0;
    gr_feature *feats = NULL;
    json_t *measures = NULL;
    int rc;

    *report = NULL;
    if (!s) return ge_err_set(err, GE_EINVAL, "no service given");
    if (snap && ge_refsnap_srid(snap) != in->srid)
        return ge_err_set(err, GE_EINVAL,
                          "features are in EPSG:%d but the reference data is in EPSG:%d", in->srid,
                          ge_refsnap_srid(snap));
    rc = ge_crs_from_epsg(in->srid, &c.store_crs, err);
    if (rc < 0) return rc;
    c.violations = json_array();
    c.unchecked = json_array();
    measures = json_array();
    feats = calloc(n ? n : 1, sizeof *feats);
    if (!c.violations || !c.unchecked || !measures || !feats) {
        rc = ge_err_set(err, GE_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        rc = gr_feature_prepare(&c, &feats[i], i, in->features->items[i].geom);
        if (rc < 0) goto out;
    }
    for (size_t k = 0; k < s->nrules; k++) {
        rc = gr_check_collection(&c, &s->rules[k], n);
        if (rc < 0) goto out;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < s->nrules; k++) {
            rc = gr_check_feature(&c, &s->rules[k], &feats[i]);
            if (rc < 0) goto out;
            if (ge_budget_check()) {
                rc = ge_err_set(err, GE_EBUDGET, "stopped by the budget");
                goto out;
            }
        }
        rc = gr_feature_report(&c, &feats[i], measures);
        if (rc < 0) goto out;
    }
    *report = json_pack("{s:b, s:s, s:s, s:O, s:O, s:O}", "valid", !gr_has_errors(c.violations),
                        "service", s->id, "crs", ge_crs_uri(&in->out_crs), "violations",
                        c.violations, "measures", measures, "unchecked", c.unchecked);
    if (!*report) rc = ge_err_set(err, GE_ENOMEM, "out of memory");
out:
    for (size_t i = 0; feats && i < n; i++)
        gr_feature_clear(&c, &feats[i]);
    free(feats);
    json_decref(c.violations);
    json_decref(c.unchecked);
    json_decref(measures);
    return rc;
}

/* Counts the drawing's vertices, for the budget's message. */
static size_t gr_vertex_count(GEOSContextHandle_t h, const ge_features *fs)
{
    size_t n = 0;
    for (size_t i = 0; fs && i < fs->n; i++) {
        int k = GEOSGetNumCoordinates_r(h, fs->items[i].geom);
        if (k > 0) n += (size_t)k;
    }
    return n;
}

/* Runs the validation under the thread's budget (budget.h). An interrupt
 * while the budget still runs was meant for another thread (GEOS 3.11 has
 * one interrupt flag per process): the answers of that run cannot be
 * trusted, since an interrupted predicate reads as "no", so it runs again. */
int ge_rules_validate(GEOSContextHandle_t h, const ge_refsnap *snap, const ge_rules_input *in,
                      json_t **report, ge_err *err)
{
    for (int attempt = 0;; attempt++) {
        unsigned long seen = ge_budget_interrupts();
        int rc = gr_validate_once(h, snap, in, report, err);
        ge_budget_state st = ge_budget_state_now();

        if (st == GE_BUDGET_RUNNING && (rc != GE_EBUDGET) && ge_budget_interrupts() == seen)
            return rc;
        json_decref(*report);
        *report = NULL;
        if (st == GE_BUDGET_EXHAUSTED)
            return ge_err_set(err, GE_EBUDGET,
                              "checking the drawing (%zu vertices) needed more than the "
                              "computing budget of %.0f ms",
                              gr_vertex_count(h, in->features), ge_budget_limit_ms());
        if (st != GE_BUDGET_RUNNING)
            return ge_err_set(err, GE_ECANCELED, "the check was stopped: %s",
                              st == GE_BUDGET_CANCELLED ? "the client is gone"
                                                        : "the server is stopping");
        if (attempt == 2)
            return ge_err_set(err, GE_EINTERNAL,
                              "GEOS was interrupted three times on behalf of other threads");
    }
}

int ge_rules_period_from_json(const json_t *v, ge_period *out, ge_err *err)
{
    const char *key;
    json_t *m;
    int rc;

    if (!json_is_object(v))
        return ge_err_set(err, GE_EINVAL,
                          "period: expected {\"start\": \"YYYY-MM-DD\", \"end\": \"YYYY-MM-DD\"}");
    json_object_foreach((json_t *)v, key, m)
    {
        if (strcmp(key, "start") && strcmp(key, "end"))
            return ge_err_set(err, GE_EINVAL, "period: unknown member '%.60s' (start, end)", key);
    }
    for (int i = 0; i < 2; i++) {
        const char *name = i ? "end" : "start";
        const json_t *d = json_object_get(v, name);
        if (!json_is_string(d))
            return ge_err_set(err, GE_EINVAL, "period.%s: %s", name,
                              d ? "expected a date string \"YYYY-MM-DD\"" : "is missing");
        rc = ge_date_parse(json_string_value(d), i ? &out->end : &out->start, err);
        if (rc < 0) {
            ge_err_prefix(err, "period.%s", name);
            return rc;
        }
    }
    if (out->end < out->start)
        return ge_err_set(err, GE_EINVAL, "period: end %s is before start %s",
                          json_string_value(json_object_get(v, "end")),
                          json_string_value(json_object_get(v, "start")));
    return GE_OK;
}
