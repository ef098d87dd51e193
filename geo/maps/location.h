/*
 * location.h - the location sentence: where a drawn feature is, in German
 * and English, from the reference data alone ("Lindenallee, vor Nr. 9,
 * Nordseite, 6 m vom Hydranten" / "Lindenallee, in front of no. 9, north
 * side, 6 m from the hydrant").
 *
 * The parts, each left out when the data cannot support it:
 *  1. the street: the named road ("roads", property "name") whose centre
 *     line is nearest to the feature's centre, within 25 m (more for roads
 *     tagged wider than 20 m); or the named pedestrian area or square
 *     ("pedestrian_areas") the centre lies in, when no named road runs within
 *     5 m. Without either: "bei Lindenallee 9" / "near Lindenallee 9" for the
 *     nearest address ("addresses", property "label") within 30 m.
 *  2. a corner: "Ecke Kirchweg" / "corner of Kirchweg" when a junction
 *     ("junctions", property "names") of the street with another named road
 *     lies within 12 m of the centre.
 *  3. the house number, from the addresses whose "street" (or "place")
 *     names the street (compared without case, repeated blanks or hyphens,
 *     "Straße" = "Strasse" = "Str."), each projected onto the street's centre
 *     line (position along it, side): "vor Nr. 9" when one on the feature's
 *     side lies within 5 m along the street (plus half the feature's length
 *     along it, at most 15 m); "zwischen Nr. 9 und 11" between two neighbours on its side at
 *     most 50 m apart; "bei Nr. 9" for one on its side within 15 m;
 *     "gegenüber Nr. 12" for one on the other side within 10 m when its own
 *     side has none of these. Only for features smaller than 40 m across;
 *     numbers in a pair sort naturally ("9" < "9a" < "11").
 *  4. the side of the street as a compass side ("Nordseite" / "north side";
 *     "Nordostseite" when the side faces within 15 degrees of a diagonal): the
 *     direction, perpendicular to the street, from its centre line to the
 *     feature; only when the feature's centre is at least 1 m off the centre
 *     line, no part of it reaches more than 0.25 m across, and it does not lie
 *     between two carriageways of the same name. Compass directions are those
 *     of the store CRS's grid (UTM: within 3 degrees of true north).
 *  5. the clearance that matters most for the service: among its
 *     min_distance rules (and outside rules, limit 0) that apply to the
 *     feature's type, the nearest item within the rule's limit plus 10 m with
 *     the smallest margin (distance minus limit): "6 m vom Hydranten" /
 *     "6 m from the hydrant" (layer_words.h), rounded like the engine's
 *     messages (rules.h: one decimal, two near the limit, down), "am
 *     Hydranten" / "at the hydrant" when that rounds to 0.
 * Parts are joined with ", " in this order.
 *
 * A feature 40 m across or more (a long fence, a large area) is said to
 * stand on a street only when every vertex of it lies within the street's
 * 25 m; it gets no square, corner, house number, nearest address, nor "am
 * Hydranten" (of something inside it): of so large a thing they tell
 * little.
 *
 * Cost: a few STRtree queries around the feature and arithmetic on the
 * segments and points they return; a GEOS distance per clearance candidate
 * (a drawing of 64 vertices or more is prepared for them once, as the rule
 * engine does). About 10 us per feature on the demo quarter and on the
 * shared extract, 3 ms for a 10,000-vertex drawing. Loops check the
 * thread's budget (budget.h).
 */
#ifndef GE_LOCATION_H
#define GE_LOCATION_H

#include <geos_c.h>
#include <jansson.h>

#include "error.h"
#include "refindex.h"
#include "service.h"

/* The sentence for g (in the store CRS, the snapshot's) as a new
 * {"de": ..., "en": ...}. svc (may be NULL: no clearance) names the rules
 * whose clearances count. Returns NULL in two cases, told apart by err
 * (cleared on entry): nothing can honestly be said (err->code GE_OK: no
 * snapshot, nothing near), or a failure (err->code < 0: GE_ENOMEM,
 * GE_EBUDGET when the thread's budget ran out, GE_EINTERNAL when GEOS
 * failed). */
json_t *ge_location_describe(GEOSContextHandle_t h, const ge_refsnap *snap, const GEOSGeometry *g,
                             const ge_service *svc, ge_err *err);

#endif
