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
 *                    "ref": {"layer", "id"} | {"other", "service"} (optional)}],
 *    "measures": [{"feature", "type", "area_m2", "perimeter_m",
 *                  "width_m", "length_m"}],   (what applies to the type)
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
    const char *ref; /* its id, shown in messages as {other} */
    const char *service_id;
    const GEOSGeometry *geom; /* store CRS */
    bool has_period;
    ge_period period;
} ge_rules_other;

typedef struct ge_rules_input {
    const ge_service *service;
    const ge_features *features;  /* in the store CRS */
    int srid;                     /* the store CRS (the snapshot's) */
    const ge_period *period;      /* NULL when the applicant gave none */
    ge_date today;                /* for lead times; the caller's local date */
    const ge_rules_other *others; /* for conflict rules */
    size_t nothers;
    /* The caller may not look at other applicants' cases (the public
     * POST /v1/validate): conflict rules go to "unchecked", saying why. */
    bool conflicts_unchecked;
    ge_crs out_crs; /* CRS of highlight geometries (GE_CRS84 for GeoJSON) */
} ge_rules_input;

/* Fills in with defaults: CRS84 output, today's date, no period. */
void ge_rules_input_init(ge_rules_input *in);

/* Validates; snap may be NULL (no reference data yet: every layer rule is
 * reported as unchecked). Returns GE_EINVAL only for input the engine
 * cannot judge (e.g. features in another CRS than the snapshot). */
int ge_rules_validate(GEOSContextHandle_t h, const ge_refsnap *snap, const ge_rules_input *in,
                      json_t **report, ge_err *err);

/* Reads {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}; the end must not be
 * before the start. Errors name the member. */
int ge_rules_period_from_json(const json_t *v, ge_period *out, ge_err *err);

/* v with the given decimals, trailing zeros cut, German decimal comma when
 * german; dir < 0 rounds down, > 0 up, 0 to nearest. */
void ge_rules_format_number(double v, int decimals, int dir, bool german, char *buf, size_t n);

#endif
