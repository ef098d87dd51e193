/*
 * rules_time.c - rules about time: the period's length, the lead time
 * before its start, and conflicts with other drafts or cases that overlap
 * in place and in time, told as much as the report's reader may learn
 * (ge_rules_conflicts in rules.h).
 *
 * Days are calendar days and both ends of a period count (1 to 14 August is
 * 14 days): that is how permits state them. Lead time is start minus today.
 */
#include "rules_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void gr_var_date(gr_var *v, const char *name, ge_date day)
{
    v->name = name;
    ge_date_format_de(day, v->de, sizeof v->de);
    ge_date_format_iso(day, v->en, sizeof v->en);
}

/* A missing period is reported once, by the first period rule. */
static int gr_period_missing(gr_ctx *c, const ge_rule *r)
{
    gr_violation v = {.rule = r, .feature = -1, .bound = GR_BOUND_MISSING};

    if (c->period_missing_reported) return GE_OK;
    c->period_missing_reported = true;
    return gr_emit(c, &v);
}

int gr_check_period_length(gr_ctx *c, const ge_rule *r, size_t nfeatures)
{
    (void)nfeatures;
    const ge_period *p = c->in->period;
    gr_violation v = {.rule = r, .feature = -1, .has_measured = true};

    if (!p) return gr_period_missing(c, r);
    v.measured = (double)(p->end - p->start + 1);
    if (r->has_min && v.measured < r->min)
        v.bound = GR_BOUND_MIN;
    else if (r->has_max && v.measured > r->max)
        v.bound = GR_BOUND_MAX;
    else
        return GE_OK;
    gr_var_date(&v.vars[0], "start", p->start);
    gr_var_date(&v.vars[1], "end", p->end);
    v.nvars = 2;
    return gr_emit(c, &v);
}

int gr_check_period_lead(gr_ctx *c, const ge_rule *r, size_t nfeatures)
{
    (void)nfeatures;
    const ge_period *p = c->in->period;
    gr_violation v = {.rule = r, .feature = -1, .has_measured = true};

    if (!p) return gr_period_missing(c, r);
    v.measured = (double)(p->start - c->in->today);
    if (r->has_min && v.measured < r->min)
        v.bound = GR_BOUND_MIN;
    else if (r->has_max && v.measured > r->max)
        v.bound = GR_BOUND_MAX;
    else
        return GE_OK;
    gr_var_date(&v.vars[0], "start", p->start);
    /* The earliest start the rule allows, so the message can offer it. */
    gr_var_date(&v.vars[1], "earliest", c->in->today + (ge_date)(r->has_min ? r->min : 0));
    v.nvars = 2;
    return gr_emit(c, &v);
}

/*
 * Conflicts, and what their reader may learn.
 *
 * Caseworkers (GE_RULES_CONFLICTS_FULL) get one violation per other case
 * near by: its id ({other}), its service, the distance and its exact
 * geometry, "ref": {"other", "service"}.
 *
 * Applicants and form servers (GE_RULES_CONFLICTS_ANONYMOUS) get, per drawn
 * feature and rule, at most one violation however many cases are near: the
 * part of their own feature that lies within the rule's distance of any
 * other application (the others' footprints grown by the distance, merged,
 * then clipped to the feature), its size, and a message that can say the
 * rule's distance and that size. Nothing else of the others goes in: not
 * which case or how many, not their service, reference or period, not the
 * distance to them (a distance to something outside one's drawing would
 * outline it beyond the drawing) and no vertex outside one's own feature.
 *
 * What repeated probing still reveals, and why that is accepted: the
 * editor autosaves every change and a form server may open drafts for any
 * period, so whoever keeps redrawing learns occupancy wherever they draw -
 * a drawing over a whole street shows, within it, the merged footprints of
 * the others grown by the distance (for a rule with distance 0 their exact
 * outline inside the drawing), and shifting the period narrows down when.
 * Size rules do not stop that, since conflicts are checked on a drawing
 * that breaks them too. That is the purpose of the warning - an applicant
 * must be able to find a place that is free - and what DESIGN.md allows
 * ("that another application occupies a place and period"); who applied,
 * for what, and anything outside the probe stay hidden. Rate limits or
 * checking conflicts only on drawings that pass the size rules would make
 * probing dearer, not impossible; they are not done here.
 */

/* The caseworkers' message when the shapes meet: the service's template
 * speaks of a distance ("in 0 m Entfernung"), which reads as if they were
 * apart; a distance of 0 means they overlap or touch. */
static const ge_text gr_conflict_overlap = {
    "Im selben Zeitraum überschneidet sich die Zeichnung mit einem anderen Antrag "
    "({other}).",
    "The drawing overlaps another application ({other}) in the same period.",
};

/* What applicants read when the rule has no "anonymous" message of its own:
 * [the rule's distance is 0 | more][an area overlaps | a line does | no size:
 * a point, or shapes that only touch]. */
static const ge_text gr_conflict_anonymous_text[2][3] = {
    {
        {"Ein anderer Antrag belegt im selben Zeitraum bereits einen Teil dieser Fläche "
         "({overlap} Überschneidung).",
         "Another application already uses part of this area in the same period "
         "({overlap} overlap)."},
        {"Ein anderer Antrag belegt im selben Zeitraum bereits einen Teil dieser Strecke "
         "({overlap} Überschneidung).",
         "Another application already uses part of this line in the same period "
         "({overlap} overlap)."},
        {"Ein anderer Antrag belegt im selben Zeitraum bereits diese Stelle oder grenzt "
         "an sie.",
         "Another application already uses or adjoins this place in the same period."},
    },
    {
        {"Im selben Zeitraum liegt ein anderer Antrag höchstens {limit} m von dieser "
         "Fläche entfernt; betroffen ist der markierte Teil ({overlap}).",
         "Another application in the same period lies within {limit} m of this area; "
         "the highlighted part ({overlap}) is affected."},
        {"Im selben Zeitraum liegt ein anderer Antrag höchstens {limit} m von dieser "
         "Strecke entfernt; betroffen ist der markierte Teil ({overlap}).",
         "Another application in the same period lies within {limit} m of this line; "
         "the highlighted part ({overlap}) is affected."},
        {"Im selben Zeitraum liegt ein anderer Antrag höchstens {limit} m von dieser "
         "Stelle entfernt.",
         "Another application in the same period lies within {limit} m of this place."},
    },
};

static bool gr_service_listed(const ge_rule *r, const char *service_id)
{
    for (size_t i = 0; service_id && i < r->nservices; i++)
        if (!strcmp(r->services[i], service_id)) return true;
    return false;
}

/* Does o conflict with f under r: a listed service, periods that overlap
 * (without a period on either side, assume they do: the caseworker should
 * rather see one warning too many), within the rule's distance? 1 with *d
 * the distance, 0 no, < 0 an error. */
static int gr_conflict_near(gr_ctx *c, const ge_rule *r, const gr_feature *f,
                            const ge_rules_other *o, double *d)
{
    const ge_period *p = c->in->period;
    double x0, y0, x1, y1;

    if (!o->geom || !gr_service_listed(r, o->service_id)) return 0;
    if (p && o->has_period && (o->period.end < p->start || p->end < o->period.start)) return 0;
    if (!GEOSGeom_getExtent_r(c->h, o->geom, &x0, &y0, &x1, &y1) ||
        x0 > f->maxx + r->max + GR_EPS || x1 < f->minx - r->max - GR_EPS ||
        y0 > f->maxy + r->max + GR_EPS || y1 < f->miny - r->max - GR_EPS)
        return 0;
    if (!GEOSDistance_r(c->h, f->geom, o->geom, d))
        return ge_err_set(c->err, GE_EINTERNAL, "distance to %s failed", o->ref ? o->ref : "?");
    return *d <= r->max + GR_EPS ? 1 : 0;
}

static int gr_conflict_full(gr_ctx *c, const ge_rule *r, const gr_feature *f)
{
    for (size_t i = 0; i < c->in->nothers; i++) {
        const ge_rules_other *o = &c->in->others[i];
        gr_violation v = {
            .rule = r, .feature = (long)f->index, .bound = GR_BOUND_MAX, .has_measured = true};
        double d;
        int rc = gr_conflict_near(c, r, f, o, &d);

        if (rc <= 0) {
            if (rc < 0) return rc;
            continue;
        }
        v.measured = d;
        if (d <= 0) v.text = &gr_conflict_overlap;
        v.highlight = GEOSGeom_clone_r(c->h, o->geom);
        v.ref = json_pack("{s:s, s:s}", "other", o->ref ? o->ref : "", "service", o->service_id);
        v.vars[0].name = "other";
        snprintf(v.vars[0].de, sizeof v.vars[0].de, "%s", o->ref ? o->ref : "");
        snprintf(v.vars[0].en, sizeof v.vars[0].en, "%s", o->ref ? o->ref : "");
        v.vars[1].name = "other_service";
        snprintf(v.vars[1].de, sizeof v.vars[1].de, "%s", o->service_id);
        snprintf(v.vars[1].en, sizeof v.vars[1].en, "%s", o->service_id);
        v.nvars = 2;
        rc = gr_emit(c, &v);
        if (rc < 0) return rc;
    }
    return GE_OK;
}

/* The parts of g (taken) of dimension dim, as one geometry; NULL when it
 * has none. An overlay leaves a GeometryCollection where shapes also touch
 * in a point or along an edge; those slivers say nothing to the applicant. */
static GEOSGeometry *gr_parts_of_dim(GEOSContextHandle_t h, GEOSGeometry *g, int dim)
{
    GEOSGeometry **parts = NULL, *out = NULL;
    int n, total = 0, k = 0;

    if (!g) return NULL;
    if (GEOSisEmpty_r(h, g) == 1) goto out;
    if (GEOSGeomTypeId_r(h, g) != GEOS_GEOMETRYCOLLECTION) {
        if (GEOSGeom_getDimensions_r(h, g) != dim) goto out;
        out = g;
        g = NULL;
        goto out;
    }
    /* OverlayNG writes atomic parts; a multi part would be taken apart */
    n = GEOSGetNumGeometries_r(h, g);
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i);
        if (GEOSGeom_getDimensions_r(h, part) == dim) total += GEOSGetNumGeometries_r(h, part);
    }
    if (total <= 0 || !(parts = calloc((size_t)total, sizeof *parts))) goto out;
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i);
        if (GEOSGeom_getDimensions_r(h, part) != dim) continue;
        for (int j = 0; j < GEOSGetNumGeometries_r(h, part) && k < total; j++) {
            GEOSGeometry *x = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, part, j));
            if (x && GEOSisEmpty_r(h, x) == 0)
                parts[k++] = x;
            else if (x)
                GEOSGeom_destroy_r(h, x);
        }
    }
    /* takes the parts (not the array), also when it fails */
    if (k > 0)
        out = GEOSGeom_createCollection_r(h, dim == 2 ? GEOS_MULTIPOLYGON : GEOS_MULTILINESTRING,
                                          parts, (unsigned)k);
out:
    free(parts);
    if (g) GEOSGeom_destroy_r(h, g);
    return out;
}

/* {overlap}: "3,2 m²" / "3.2 m²" for an area, "m" for a line; rounded up,
 * so that an overlap never reads as 0; "–" when it has no size. */
static void gr_var_overlap(gr_var *v, double size, int dim)
{
    char de[48], en[48];

    v->name = "overlap";
    if (!(size > 0)) {
        snprintf(v->de, sizeof v->de, "–");
        snprintf(v->en, sizeof v->en, "–");
        return;
    }
    ge_rules_format_number(size, 1, 1, true, de, sizeof de);
    ge_rules_format_number(size, 1, 1, false, en, sizeof en);
    snprintf(v->de, sizeof v->de, "%s %s", de, dim == 2 ? "m²" : "m");
    snprintf(v->en, sizeof v->en, "%s %s", en, dim == 2 ? "m²" : "m");
}

/* The part of f within the rule's distance of any of the others that
 * conflict (dim 1 or 2); NULL (a point, an overlay GEOS could not compute,
 * or shapes that only touch) means the whole feature is highlighted. A
 * failed overlay is not an error: the feature itself reveals nothing. */
static GEOSGeometry *gr_conflict_part(gr_ctx *c, const gr_feature *f, GEOSGeometry **zones,
                                      size_t nzones, double *size)
{
    GEOSContextHandle_t h = c->h;
    const GEOSGeometry *own =
        f->geom; /* valid: rules.c runs no conflict rule on an invalid drawing */
    GEOSGeometry *all, *zone = NULL, *part = NULL;

    *size = 0;
    /* takes the zones (not the array), also when it fails */
    all = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, zones, (unsigned)nzones);
    if (all) zone = GEOSUnaryUnion_r(h, all);
    if (zone) part = gr_parts_of_dim(h, GEOSIntersection_r(h, own, zone), f->dim);
    if (part && !(f->dim == 2 ? GEOSArea_r(h, part, size) : GEOSLength_r(h, part, size))) *size = 0;
    if (part && !(*size > 0)) {
        GEOSGeom_destroy_r(h, part);
        part = NULL;
        *size = 0;
    }
    if (zone) GEOSGeom_destroy_r(h, zone);
    if (all) GEOSGeom_destroy_r(h, all);
    return part;
}

static int gr_conflict_anonymous(gr_ctx *c, const ge_rule *r, const gr_feature *f)
{
    GEOSContextHandle_t h = c->h;
    gr_violation v = {.rule = r, .feature = (long)f->index, .bound = GR_BOUND_NONE};
    GEOSGeometry **zones = NULL, *part = NULL;
    size_t nzones = 0;
    bool any = false;
    double size = 0;
    int rc = GE_OK;

    for (size_t i = 0; i < c->in->nothers; i++) {
        const ge_rules_other *o = &c->in->others[i];
        double d;
        GEOSGeometry *z;

        rc = gr_conflict_near(c, r, f, o, &d);
        if (rc < 0) goto out;
        if (rc == 0) continue;
        rc = GE_OK;
        any = true;
        if (f->dim == 0) break; /* a point is highlighted as it is */
        if (!zones && !(zones = calloc(c->in->nothers, sizeof *zones))) {
            rc = ge_err_set(c->err, GE_ENOMEM, "out of memory");
            goto out;
        }
        /* Its footprint grown by the rule's distance: what of the drawing
         * lies there is what conflicts. */
        z = r->max > 0 ? GEOSBuffer_r(h, o->geom, r->max, 8) : GEOSGeom_clone_r(h, o->geom);
        if (z) zones[nzones++] = z;
    }
    if (!any) goto out;
    if (nzones) {
        part = gr_conflict_part(c, f, zones, nzones, &size);
        nzones = 0; /* taken */
    }
    /* The service's own words, unless they speak of an overlap that has no
     * size here (a point, shapes that only touch): "(–)" helps nobody. */
    if (r->text_anonymous.de && (part || (!strstr(r->text_anonymous.de, "{overlap}") &&
                                          !strstr(r->text_anonymous.en, "{overlap}"))))
        v.text = &r->text_anonymous;
    else
        v.text = &gr_conflict_anonymous_text[r->max > 0 ? 1 : 0][part ? (f->dim == 2 ? 0 : 1) : 2];
    if (part) {
        v.highlight = part;
        part = NULL;
        v.has_measured = true;
        v.measured = size;
        v.unit = f->dim == 2 ? "m2" : "m";
    } else {
        v.highlight = GEOSGeom_clone_r(h, f->geom);
        v.unit = "";
    }
    v.limit_json = json_null();
    gr_var_overlap(&v.vars[0], size, f->dim);
    v.nvars = 1;
    rc = gr_emit(c, &v);
out:
    for (size_t i = 0; i < nzones; i++)
        GEOSGeom_destroy_r(h, zones[i]);
    free(zones);
    if (part) GEOSGeom_destroy_r(h, part);
    return rc;
}

int gr_check_conflict(gr_ctx *c, const ge_rule *r, const gr_feature *f)
{
    switch (c->in->conflicts) {
    case GE_RULES_CONFLICTS_UNCHECKED:
        /* Not a pass: the applicant must not read "no conflict" where
         * nobody looked, and the caseworker sees the rule among the
         * unchecked ones. */
        return gr_unchecked(
            c, r, (long)f->index,
            GE_TEXT(DE("Überschneidungen mit anderen Anträgen werden hier nicht geprüft, weil "
                       "deren Daten "
                       "nicht öffentlich sind; die Behörde prüft sie bei der Bearbeitung."),
                    EN("Conflicts with other applications are not checked here because their data "
                       "is not "
                       "public; the authority checks them when it processes the application.")));
    case GE_RULES_CONFLICTS_FULL:
        return gr_conflict_full(c, r, f);
    case GE_RULES_CONFLICTS_ANONYMOUS:
    default:
        return gr_conflict_anonymous(c, r, f);
    }
}

size_t ge_rules_report_anonymize(json_t *report)
{
    json_t *violations = json_object_get(report, "violations"), *seen = json_object();
    size_t changed = 0, i = 0;

    while (seen && i < json_array_size(violations)) {
        json_t *v = json_array_get(violations, i);
        const json_t *ref = json_object_get(v, "ref"), *limit = json_object_get(v, "limit");
        const char *kind = json_string_value(json_object_get(v, "kind"));
        double d = json_is_number(limit) ? json_number_value(limit) : 0;
        ge_rule rule = {.kind = GE_RULE_CONFLICT, .has_max = true, .max = d};
        gr_violation gv = {.rule = &rule, .bound = GR_BOUND_NONE};
        const ge_text *t = &gr_conflict_anonymous_text[d > 0 ? 1 : 0][2];
        char key[96], *de, *en;

        if (!kind || strcmp(kind, "conflict") != 0 || !json_object_get(ref, "other")) {
            i++;
            continue;
        }
        changed++;
        /* one per rule and feature: the count would tell how many cases */
        snprintf(key, sizeof key, "%.60s/%lld",
                 json_string_value(json_object_get(v, "rule"))
                     ? json_string_value(json_object_get(v, "rule"))
                     : "",
                 (long long)json_integer_value(json_object_get(v, "feature")));
        if (json_object_get(seen, key)) {
            json_array_remove(violations, i);
            continue;
        }
        json_object_set_new(seen, key, json_true());
        de = gr_render(t->de, &gv, true);
        en = gr_render(t->en, &gv, false);
        json_object_set_new(v, "message", json_pack("{s:s?, s:s?}", "de", de, "en", en));
        free(de);
        free(en);
        json_object_del(v, "ref");
        json_object_set_new(v, "measured", json_null());
        json_object_set_new(v, "limit", json_null());
        json_object_set_new(v, "unit", json_null());
        json_object_set_new(v, "bound", json_null());
        json_object_set_new(v, "geometry", json_null());
        i++;
    }
    json_decref(seen);
    return changed;
}
