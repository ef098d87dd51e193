/*
 * rules_time.c - rules about time: the period's length, the lead time
 * before its start, and conflicts with other drafts or cases that overlap
 * in place and in time.
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

int gr_check_period_length(gr_ctx *c, const ge_rule *r)
{
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

int gr_check_period_lead(gr_ctx *c, const ge_rule *r)
{
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

/* The conflict rule's message when the shapes meet: the service's
 * template speaks of a distance ("in 0 m Entfernung"), which reads as if
 * they were apart; a distance of 0 means they overlap or touch. */
static const ge_text gr_conflict_overlap = {
    (char *)"Im selben Zeitraum überschneidet sich die Zeichnung mit einem anderen Antrag "
            "({other}).",
    (char *)"The drawing overlaps another application ({other}) in the same period.",
};

static bool gr_service_listed(const ge_rule *r, const char *service_id)
{
    for (size_t i = 0; service_id && i < r->nservices; i++)
        if (!strcmp(r->services[i], service_id)) return true;
    return false;
}

int gr_check_conflict(gr_ctx *c, const ge_rule *r, const gr_feature *f)
{
    const ge_period *p = c->in->period;

    /* Not a pass: the applicant must not read "no conflict" where nobody
     * looked, and the caseworker sees the rule among the unchecked ones. */
    if (c->in->conflicts_unchecked)
        return gr_unchecked(
            c, r, (long)f->index,
            "Überschneidungen mit anderen Anträgen werden hier nicht geprüft, weil deren Daten "
            "nicht öffentlich sind; die Behörde prüft sie bei der Bearbeitung.",
            "Conflicts with other applications are not checked here because their data is not "
            "public; the authority checks them when it processes the application.");

    for (size_t i = 0; i < c->in->nothers; i++) {
        const ge_rules_other *o = &c->in->others[i];
        gr_violation v = {
            .rule = r, .feature = (long)f->index, .bound = GR_BOUND_MAX, .has_measured = true};
        double x0, y0, x1, y1, d;
        int rc;

        if (!o->geom || !gr_service_listed(r, o->service_id)) continue;
        /* Without a period on either side, assume they overlap: the
         * caseworker should rather see one warning too many. */
        if (p && o->has_period && (o->period.end < p->start || p->end < o->period.start)) continue;
        if (!GEOSGeom_getExtent_r(c->h, o->geom, &x0, &y0, &x1, &y1) ||
            x0 > f->maxx + r->max + GR_EPS || x1 < f->minx - r->max - GR_EPS ||
            y0 > f->maxy + r->max + GR_EPS || y1 < f->miny - r->max - GR_EPS)
            continue;
        if (!GEOSDistance_r(c->h, f->geom, o->geom, &d))
            return ge_err_set(c->err, GE_EINTERNAL, "distance to %s failed", o->ref ? o->ref : "?");
        if (d > r->max + GR_EPS) continue;
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
