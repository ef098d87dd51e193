/*
 * draft_check.h - checking a draft's drawing (the "check" use case) and
 * what every use case that runs the rule engine on stored features shares:
 * the features text of drafts (a FeatureCollection in the store's metric
 * CRS rounded to 1 mm, so that what is checked at submission is exactly
 * what was drawn) parsed and written out, the other applicants' open cases
 * near by for the conflict rules, and the engine's report.
 */
#ifndef GE_APP_DRAFT_CHECK_H
#define GE_APP_DRAFT_CHECK_H

#include <geos_c.h>
#include <jansson.h>

#include "app.h"
#include "crs.h"
#include "geojson_in.h"
#include "rules.h"
#include "store_forms.h"

/* The store's CRS as a ge_crs. */
ge_crs ge_app_store_crs(const ge_app *app);

/* Parses stored features text (store CRS) into GEOS features. */
int ge_app_features_parse(const ge_app *app, GEOSContextHandle_t h, const char *text,
                          ge_features *out, ge_err *err);

/* Stored features text -> FeatureCollection in out_crs (new reference). */
json_t *ge_app_features_out(const ge_app *app, const char *text, const ge_crs *out_crs,
                            ge_err *err);

/* At most this many features of other cases go into one validation. */
#define GE_APP_MAX_OTHERS 1000

/* Other applicants' cases near by, for the conflict rules (h and err set
 * by the caller; the rest zero). */
typedef struct ge_app_others {
    GEOSContextHandle_t h;
    ge_rules_other *v;
    size_t n, cap;
    ge_err *err;
} ge_app_others;

/* Loads the open cases whose features lie within the service's widest
 * conflict distance of the box (store CRS), except one made from
 * exclude_draft_id; nothing when the service has no conflict rule. */
int ge_app_others_in_box(const ge_app *app, const ge_service *svc, const double box[4],
                         const char *exclude_draft_id, ge_app_others *o, ge_err *err);
void ge_app_others_free(ge_app_others *o);

/*
 * Validates stored features of a service for a period (either date may be
 * NULL or "") as if it were `today` (lead times) against the current
 * reference snapshot and, for conflict rules, the open cases near by
 * (except one made from draft_id), telling conflicts as `conflicts` says;
 * highlight geometries in out_crs. *report is a new reference. The engine
 * is called directly rather than through ge_validate_request: the features
 * are already in the store CRS, and an empty drawing (a fresh draft, or
 * everything deleted) must give a report ("draw something"), not a
 * malformed-request error.
 */
int ge_app_validate_on(const ge_app *app, const char *draft_id, const char *service,
                       const char *features_text, const char *period_start, const char *period_end,
                       ge_date today, ge_rules_conflicts conflicts, const ge_crs *out_crs,
                       json_t **report, ge_err *err);

/*
 * Check: the report on a draft's drawing (features_text, or the saved one
 * when NULL) for its service and period, today by the context's clock, as
 * applicants and form servers read it (conflicts anonymous). A drawing the
 * engine cannot take fails as a bad "features" member.
 */
int ge_app_draft_check(const ge_app *app, const ge_draft *d, const char *features_text,
                       const ge_crs *out_crs, json_t **report, ge_app_result *r);

#endif
