/*
 * rules.h - the rule engine: checks an applicant's drawing against a
 * service's rules and the reference layers, and explains every violation in
 * German and English with the measured value, the limit and a geometry to
 * highlight.
 *
 * One call validates one submission: all features, all rules of the
 * service, against one reference snapshot, with no database round trip. It
 * is safe to call from many threads at once, each with its own GEOS context
 * (see refindex.h for why the shared snapshot is safe).
 *
 * The report (a new json_t):
 *   {"valid": bool,                 no violation of severity "error"
 *    "service": id,
 *    "crs": URI of the geometries in the report,
 *    "violations": [{"rule", "kind", "severity": "error"|"warning",
 *                    "feature": index in the input or null (count, period),
 *                    "message": {"de", "en"},
 *                    "measured": number|string|null, "limit": number|array|null,
 *                    "unit": "m"|"m2"|"days"|"features"|null,
 *                    "bound": "min"|"max"|null,
 *                    "geometry": GeoJSON geometry to highlight or null,
 *                    "ref": {"layer", "id"} | {"other", "service"} (optional;
 *                           "other" only for GE_RULES_CONFLICTS_FULL)}],
 *    "measures": [{"feature", "type", "area_m2", "perimeter_m",
 *                  "width_m", "length_m",     (what applies to the type)
 *                  "valid": false,            (only for a malformed drawing)
 *                  "location": {"de", "en"}}], (where it is, location.h; absent
 *                                               when nothing can be said)
 *    "unchecked": [{"rule", "feature", "reason": {"de", "en"}}]}
 *
 * Limits are inclusive the natural way: "min_m": 5 accepts 5.00 m and
 * refuses 4.99 m; "max_m2": 6 accepts 6.00 m2. Lengths and distances are
 * compared at 0.5 mm (areas at 0.0005 m2) so that float noise from a CRS
 * round trip never turns an exact 5.000 m into a violation.
 *
 * Numbers in messages: German with a decimal comma ("3,2 m"), English with a
 * point ("3.2 m"); one decimal, two when the value is within 0.1 of the
 * limit, and always rounded away from the allowed side (down for "at least",
 * up for "at most"), so 4.99 m against 5 m reads "4,99 m ..., mindestens
 * 5 m" and never "5,0 m ..., mindestens 5 m". Limits print as written
 * (up to two decimals). Days and counts are whole numbers.
 *
 * Conflicts with other applications (the rule kind "conflict") are told
 * as the caller's audience may learn them (ge_rules_conflicts below). For
 * applicants and form servers (anonymous, the default) a feature gets at
 * most one conflict violation per rule, however many others are near:
 *   "measured": the size of the overlap (m2 for areas, m for lines; null
 *               for points and where the overlap has no size),
 *   "unit": "m2" | "m" | null, "limit": null, "bound": null,
 *   "geometry": the part of the applicant's own feature that lies within
 *               the rule's distance of another application (the feature
 *               itself for points or an overlap without size), no "ref";
 * and the message comes from the rule's "anonymous" templates or a built-in
 * text, which can speak of {limit} (the rule's distance) and {overlap}
 * ("3,2 m²"), never of another case's id, service, reference, period,
 * distance or shape. For caseworkers (full) every other case near by gets
 * its own violation with its id, service, distance and exact geometry.
 */
#ifndef GE_RULES_H
#define GE_RULES_H

#include <geos_c.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "crs.h"
#include "date.h"
#include "error.h"
#include "geojson_in.h"
#include "refindex.h"
#include "service.h"

/* A period of use, both days inclusive: 1 to 14 August is 14 days. */
typedef struct ge_period {
    ge_date start;
    ge_date end;
} ge_period;

/* Another draft or case that may conflict (the caller selects candidates,
 * typically the store's cases near the drawing). */
typedef struct ge_rules_other {
    const char *ref; /* its id, shown in caseworkers' messages as {other} */
    const char *service_id;
    const GEOSGeometry *geom; /* store CRS */
    bool has_period;
    ge_period period;
} ge_rules_other;

/* What a report may tell about other applications (the conflict rule).
 * The zero value is the private one: a caller that forgets to choose tells
 * nothing about anyone else. */
typedef enum ge_rules_conflicts {
    /* Applicants and form servers: that another application occupies part
     * of what they drew in that period, as the overlap with their own
     * feature (see above); nothing that names or outlines another case. */
    GE_RULES_CONFLICTS_ANONYMOUS = 0,
    /* Caseworkers: each other case near by with its id, service, distance
     * and exact geometry. */
    GE_RULES_CONFLICTS_FULL,
    /* The public POST /v1/validate, which may not look at other cases at
     * all: conflict rules go to "unchecked", saying why. */
    GE_RULES_CONFLICTS_UNCHECKED,
} ge_rules_conflicts;

typedef struct ge_rules_input {
    const ge_service *service;
    const ge_features *features;  /* in the store CRS */
    int srid;                     /* the store CRS (the snapshot's) */
    const ge_period *period;      /* NULL when the applicant gave none */
    ge_date today;                /* for lead times; the caller's local date */
    const ge_rules_other *others; /* for conflict rules */
    size_t nothers;
    ge_rules_conflicts conflicts; /* who reads the report (above) */
    ge_crs out_crs;               /* CRS of highlight geometries (GE_CRS84 for GeoJSON) */
} ge_rules_input;

/* Fills in with defaults: CRS84 output, no period, anonymous conflicts;
 * today is the caller's to set (its clock's date, e.g. ge_app_today). */
void ge_rules_input_init(ge_rules_input *in);

/* Validates; snap may be NULL (no reference data yet: every layer rule is
 * reported as unchecked). Returns GE_EINVAL only for input the engine
 * cannot judge (e.g. features in another CRS than the snapshot). */
int ge_rules_validate(GEOSContextHandle_t h, const ge_refsnap *snap, const ge_rules_input *in,
                      json_t **report, ge_err *err);

/* For reports stored before conflicts were told anonymously (a case's
 * report is kept as submitted, under its content hash): rewrites, in
 * place, every conflict violation that names another case ("ref" with
 * "other") into the anonymous form without a geometry or figure, one per
 * rule and feature. Returns how many violations it changed or removed;
 * reports written anonymously are left as they are. Only for showing a
 * stored report to applicants and form servers; the stored text (and so
 * the hash) stays as it was. */
size_t ge_rules_report_anonymize(json_t *report);

/* Reads {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}; the end must not be
 * before the start. Errors name the member. */
int ge_rules_period_from_json(const json_t *v, ge_period *out, ge_err *err);

/* v with the given decimals, trailing zeros cut, German decimal comma when
 * german; dir < 0 rounds down, > 0 up, 0 to nearest. */
void ge_rules_format_number(double v, int decimals, int dir, bool german, char *buf, size_t n);

#endif
