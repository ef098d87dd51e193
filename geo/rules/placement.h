/*
 * placement.h - the placement assistant: given a point (an address's, or
 * one the applicant chose) and the size of what is to be placed, find the
 * nearest placements that pass every rule of the service.
 *
 * How it places, for any service (nothing here knows skips or stands):
 *  1. The feasible region near the anchor, from the service's rules of
 *     severity "error": inside the union of each "inside" rule's layers,
 *     minus the items of "outside" rules, minus every item of a
 *     "min_distance" rule grown by its distance, minus the features the
 *     applicant keeps (see ge_placement_req.keep).
 *  2. Candidates of the service's shape (service.h ge_place_spec):
 *     rectangles of the asked size along the road segments near the anchor,
 *     both sides, kerb-side first (in the carriageway along the kerb, then
 *     on the sidewalk along it, then farther in or out); points on a grid;
 *     lines from the anchor straight across to the street space. Ranked by
 *     the side of the street (the anchor's side first), then by distance.
 *  3. In that order, a candidate the region covers goes through the rule
 *     engine itself (rules.h, with the kept features and the period), and
 *     only what it finds valid is proposed: the region only spares the
 *     engine the hopeless ones, so a rule kind the region does not model
 *     can never let a bad proposal through. Proposals without warnings come
 *     first; proposals do not overlap each other.
 * When nothing fits, the result says why in words (the constraint that
 * ruled out most of the kerb within reach).
 *
 * Everything is in the store's metric CRS, against one reference snapshot;
 * the work is bounded by the caller's budget (budget.h) and by the number of
 * candidates (max_distance_m at most 200).
 */
#ifndef GE_PLACEMENT_H
#define GE_PLACEMENT_H

#include <geos_c.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "geojson_in.h"
#include "refindex.h"
#include "rules.h"
#include "service.h"

#define GE_PLACEMENT_MAX_LIMIT    10
#define GE_PLACEMENT_MAX_DISTANCE 200.0

typedef struct ge_placement_req {
    const ge_service *service;
    double ax, ay;            /* the anchor (store CRS) */
    ge_place_shape shape;     /* GE_PLACE_INFER: the service's (ge_placement_shape) */
    double width_m, length_m; /* rectangles: the size (both 0: the service's default) */
    int limit;                /* proposals wanted, 1..GE_PLACEMENT_MAX_LIMIT */
    double max_distance_m;    /* from the anchor, at most GE_PLACEMENT_MAX_DISTANCE */
    const ge_period *period;  /* checked by the engine; NULL: none given */
    ge_date today;
    const ge_features *keep;      /* already drawn: kept, not collided with; may be NULL */
    const ge_rules_other *others; /* for conflict rules, as in ge_rules_input */
    size_t nothers;
    ge_rules_conflicts conflicts;
    ge_crs out_crs; /* of the reports' highlight geometries */
} ge_placement_req;

/* Defaults: limit 3, 50 m, CRS84 reports, anonymous conflicts; today is
 * the caller's to set (its clock's date, e.g. ge_app_today). */
void ge_placement_req_init(ge_placement_req *req);

typedef struct ge_placement {
    GEOSGeometry *geom; /* the proposed feature (store CRS) */
    double distance_m;  /* from the anchor to the feature */
    json_t *report;     /* the engine's report of the kept features and this one */
} ge_placement;

typedef struct ge_placement_result {
    ge_placement *v; /* best first */
    size_t n;
    json_t *reasons; /* [{"de", "en"}] why no (or no more) placement fits; empty when n == limit */
    double width_m, length_m; /* the size used (rectangles) */
    ge_place_shape shape;     /* the shape used */
} ge_placement_result;

/* The shape the service proposes: its placement spec, else from its
 * geometry_type rule (only areas: rectangle; lines allowed: line; else
 * point). */
ge_place_shape ge_placement_shape(const ge_service *svc);

/* A size outside the service's limits, for a caller that words it itself. */
typedef struct ge_placement_issue {
    const char *member; /* "size.width_m", "size.length_m" or "size" (the area) */
    double value, limit;
    bool above; /* above the largest (else below the smallest) */
} ge_placement_issue;

/* Checks the request against the service before any search: the size of a
 * rectangle within the service's dimension and area rules, the limit and the
 * distance within range. GE_EINVAL or GE_ELIMIT with err naming the member
 * and the limit ("size.width_m: 3.5 m is above the service's largest width
 * of 3 m"); for GE_ELIMIT also *issue when issue is not NULL. */
int ge_placement_check(const ge_placement_req *req, ge_placement_issue *issue, ge_err *err);

/* Searches. GE_EBUDGET / GE_ECANCELED when the budget stopped it. */
int ge_placement_search(GEOSContextHandle_t h, const ge_refsnap *snap, const ge_placement_req *req,
                        ge_placement_result *out, ge_err *err);

void ge_placement_result_free(GEOSContextHandle_t h, ge_placement_result *r);

#endif
