/*
 * rules_message.c - bilingual message rendering for the rule engine:
 * templates with {placeholders}, numbers with decimal comma or point,
 * geometry type names and GEOS validity reasons in German and English.
 *
 * Why numbers round away from the allowed side: a message must never show a
 * value that would have passed. "5,0 m Abstand, mindestens 5 m" for a
 * measured 4.96 m leaves the applicant puzzled; "4,96 m ... mindestens 5 m"
 * does not. See rules.h for the whole convention.
 */
#include "rules_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void ge_rules_format_number(double v, int decimals, int dir, bool german, char *buf, size_t n)
{
    double p = pow(10.0, decimals), r;
    char *dot, *end;

    /* Directed rounding first drops what is noise below a thousandth of the
     * last digit: 4.9 * 10 is 48.999999999 in binary, and a rectangle side
     * computed from UTM coordinates is 3.0100000001; neither may round a
     * whole step away. */
    if (dir < 0)
        r = floor(round(v * p * 1000.0) / 1000.0) / p;
    else if (dir > 0)
        r = ceil(round(v * p * 1000.0) / 1000.0) / p;
    else
        r = round(v * p) / p;
    if (r == 0) r = 0; /* no "-0" */
    snprintf(buf, n, "%.*f", decimals, r);
    dot = strchr(buf, '.');
    if (dot) {
        end = buf + strlen(buf) - 1;
        while (end > dot && *end == '0')
            *end-- = '\0';
        if (end == dot)
            *end = '\0';
        else if (german)
            *dot = ',';
    }
}

static bool gr_unit_is_count(const char *unit)
{
    return unit && (!strcmp(unit, "days") || !strcmp(unit, "features"));
}

double gr_limit_of(const gr_violation *v)
{
    const ge_rule *r = v->rule;
    if (v->bound == GR_BOUND_MIN) return r->min;
    if (v->bound == GR_BOUND_MAX) return r->max;
    return r->has_max ? r->max : r->has_min ? r->min : NAN;
}

static void gr_format_measured(const gr_violation *v, bool german, char *buf, size_t n)
{
    const char *unit = v->unit ? v->unit : ge_rule_unit(v->rule->kind);
    double limit = gr_limit_of(v);
    int decimals, dir;

    if (v->measured_text[german ? 0 : 1][0]) {
        snprintf(buf, n, "%s", v->measured_text[german ? 0 : 1]);
        return;
    }
    if (!v->has_measured) {
        snprintf(buf, n, "–");
        return;
    }
    if (gr_unit_is_count(unit)) {
        decimals = 0;
    } else {
        decimals = isfinite(limit) && fabs(v->measured - limit) < 0.1 ? 2 : 1;
    }
    dir = v->bound == GR_BOUND_MIN ? -1 : v->bound == GR_BOUND_MAX ? 1 : 0;
    ge_rules_format_number(v->measured, decimals, dir, german, buf, n);
}

static void gr_format_limit(const gr_violation *v, bool german, char *buf, size_t n)
{
    double limit = gr_limit_of(v);

    if (v->limit_text[german ? 0 : 1][0])
        snprintf(buf, n, "%s", v->limit_text[german ? 0 : 1]);
    else if (isfinite(limit))
        ge_rules_format_number(limit, 2, 0, german, buf, n);
    else
        snprintf(buf, n, "–");
}

char *gr_render(const char *tpl, const gr_violation *v, bool german)
{
    ge_buf out = {0};
    char value[128];
    const char *p = tpl;

    ge_buf_reserve(&out, strlen(tpl) + 256);
    while (*p) {
        const char *open = strchr(p, '{'), *close;
        size_t lit = open ? (size_t)(open - p) : strlen(p);
        char name[40];

        close = open ? strchr(open, '}') : NULL;
        if (!close) lit = strlen(p);
        value[0] = '\0';
        if (close) {
            size_t nl = (size_t)(close - open - 1);
            snprintf(name, sizeof name, "%.*s", (int)(nl < sizeof name ? nl : sizeof name - 1),
                     open + 1);
            if (!strcmp(name, "measured"))
                gr_format_measured(v, german, value, sizeof value);
            else if (!strcmp(name, "limit"))
                gr_format_limit(v, german, value, sizeof value);
            else {
                snprintf(value, sizeof value, "–");
                for (int i = 0; i < v->nvars; i++)
                    if (!strcmp(v->vars[i].name, name))
                        snprintf(value, sizeof value, "%s", german ? v->vars[i].de : v->vars[i].en);
            }
        }
        ge_buf_put(&out, p, lit);
        ge_buf_puts(&out, value);
        p = close ? close + 1 : p + lit;
    }
    return ge_buf_steal(&out, NULL);
}

static const struct {
    unsigned bit;
    const char *de, *en;
} type_names[] = {
    {GE_GT_POINT, "Punkt", "point"},
    {GE_GT_LINESTRING, "Linie", "line"},
    {GE_GT_POLYGON, "Fläche", "area"},
    {GE_GT_MULTIPOINT, "mehrteiliger Punkt", "multi-point"},
    {GE_GT_MULTILINESTRING, "mehrteilige Linie", "multi-part line"},
    {GE_GT_MULTIPOLYGON, "mehrteilige Fläche", "multi-part area"},
};

const char *gr_type_name(unsigned bit, bool german)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (type_names[i].bit == bit) return german ? type_names[i].de : type_names[i].en;
    return german ? "Geometrie" : "geometry";
}

void gr_type_list(unsigned bits, bool german, char *buf, size_t n)
{
    size_t count = 0, total = 0;

    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        total += (bits & type_names[i].bit) != 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++) {
        if (!(bits & type_names[i].bit)) continue;
        count++;
        snprintf(buf + strlen(buf), n - strlen(buf), "%s%s",
                 count == 1       ? ""
                 : count == total ? (german ? " oder " : " or ")
                                  : ", ",
                 german ? type_names[i].de : type_names[i].en);
    }
}

/* GEOS 3.11 IsValidOp's reasons. */
static const struct {
    const char *geos, *de, *en;
} reasons[] = {
    {"Self-intersection", "Die Umrisslinie überschneidet sich selbst",
     "the outline crosses itself"},
    {"Ring Self-intersection", "Die Umrisslinie berührt sich selbst", "the outline touches itself"},
    /* not GEOS's: rules_measure.c's name for a line that is not simple */
    {"Line self-intersection", "Die Linie kreuzt sich selbst", "the line crosses itself"},
    {"Too few points", "Zu wenige verschiedene Punkte", "too few distinct points"},
    {"Invalid Coordinate", "Ungültige Koordinate", "invalid coordinate"},
    {"Hole lies outside shell", "Ein Loch liegt außerhalb der Fläche",
     "a hole lies outside the area"},
    {"Holes are nested", "Löcher liegen ineinander", "holes are nested"},
    {"Interior is disconnected", "Die Fläche zerfällt in getrennte Teile",
     "the area falls apart into pieces"},
    {"Nested shells", "Teilflächen liegen ineinander", "parts lie inside each other"},
    {"Duplicate Rings", "Ein Umriss ist doppelt", "an outline is duplicated"},
    {"Ring is not closed", "Ein Umriss ist nicht geschlossen", "an outline is not closed"},
};

const char *gr_reason_text(const char *geos_reason, bool german)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (!strncmp(geos_reason, reasons[i].geos, strlen(reasons[i].geos)) &&
            (geos_reason[strlen(reasons[i].geos)] == '\0' ||
             geos_reason[strlen(reasons[i].geos)] == ' ' ||
             geos_reason[strlen(reasons[i].geos)] == '['))
            return german ? reasons[i].de : reasons[i].en;
    return geos_reason;
}
