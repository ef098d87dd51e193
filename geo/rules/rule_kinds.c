/*
 * rule_kinds.c - the table of rule kinds (rule_kinds.h). Every fact about a
 * kind lives in its one entry below.
 */
#include "rule_kinds.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "rules_internal.h"

/* clang-format off */
#define NUM(k, f, lo)    {k, GE_RULE_PARAM_NUMBER, GE_RULE_FIELD_##f, lo, false, false, 0}
#define INT(k, f, lo)    {k, GE_RULE_PARAM_INTEGER, GE_RULE_FIELD_##f, lo, false, false, 0}
#define NUM_REQ(k, f)    {k, GE_RULE_PARAM_NUMBER, GE_RULE_FIELD_##f, 0, true, false, 0}
#define NUM_DEF(k, f, d) {k, GE_RULE_PARAM_NUMBER, GE_RULE_FIELD_##f, 0, false, true, d}
#define LAYERS           {"layers", GE_RULE_PARAM_LAYERS, GE_RULE_FIELD_NONE, 0, true, false, 0}
/* clang-format on */

static const ge_rule_kind_def kinds[GE_RULE_KIND_COUNT] = {
    [GE_RULE_GEOMETRY_TYPE] = {.name = "geometry_type",
                               .params = {{"types", GE_RULE_PARAM_TYPES, GE_RULE_FIELD_NONE, 0,
                                           true, false, 0}},
                               .applies = GE_GT_ALL,
                               .check_feature = gr_check_geometry_type},
    [GE_RULE_COUNT] = {.name = "count",
                       .params = {INT("min", MIN, 0), INT("max", MAX, 0)},
                       .range = true,
                       .applies = GE_GT_ALL,
                       .unit = "features",
                       .scope = GE_RULE_SCOPE_SUBMISSION,
                       .check_submission = gr_check_count},
    [GE_RULE_VALID_GEOMETRY] = {.name = "valid_geometry",
                                .params_optional = true,
                                .placeholders = {"reason"},
                                .applies = GE_GT_ALL,
                                .check_feature = gr_check_valid_geometry},
    [GE_RULE_AREA] = {.name = "area",
                      .params = {NUM("min_m2", MIN, 0), NUM("max_m2", MAX, 0)},
                      .range = true,
                      .applies = GE_GT_POLYGONAL,
                      .unit = "m2",
                      .needs_valid = true,
                      .check_feature = gr_check_area},
    [GE_RULE_LENGTH] = {.name = "length",
                        .params = {NUM("min_m", MIN, 0), NUM("max_m", MAX, 0)},
                        .range = true,
                        .applies = GE_GT_LINEAL,
                        .unit = "m",
                        .check_feature = gr_check_length},
    [GE_RULE_DIMENSIONS] = {.name = "dimensions",
                            .params = {{"measure", GE_RULE_PARAM_MEASURE, GE_RULE_FIELD_NONE, 0,
                                        true, false, 0},
                                       NUM("min_m", MIN, 0),
                                       NUM("max_m", MAX, 0)},
                            .range = true,
                            .applies = GE_GT_POLYGONAL,
                            .unit = "m",
                            .check_feature = gr_check_dimensions},
    [GE_RULE_INSIDE] = {.name = "inside",
                        .params = {LAYERS, NUM_DEF("tolerance_m", TOLERANCE, 0.05)},
                        .applies = GE_GT_ALL,
                        .unit = "m",
                        .needs_valid = true,
                        .zone = GE_RULE_ZONE_WITHIN,
                        .check_feature = gr_check_inside},
    [GE_RULE_OUTSIDE] = {.name = "outside",
                         .params = {LAYERS, NUM_DEF("min_overlap", TOLERANCE, 0.01)},
                         .applies = GE_GT_ALL,
                         .needs_valid = true,
                         .zone = GE_RULE_ZONE_AVOID,
                         .check_feature = gr_check_outside},
    [GE_RULE_MIN_DISTANCE] = {.name = "min_distance",
                              .params = {LAYERS, NUM_REQ("min_m", MIN)},
                              .applies = GE_GT_ALL,
                              .unit = "m",
                              .zone = GE_RULE_ZONE_CLEARANCE,
                              .check_feature = gr_check_min_distance},
    [GE_RULE_MAX_DISTANCE] = {.name = "max_distance",
                              .params = {LAYERS, NUM_REQ("max_m", MAX)},
                              .applies = GE_GT_ALL,
                              .unit = "m",
                              .zone = GE_RULE_ZONE_REACH,
                              .check_feature = gr_check_max_distance},
    [GE_RULE_PERIOD_LENGTH] = {.name = "period_length",
                               .params = {INT("min_days", MIN, 1), INT("max_days", MAX, 1)},
                               .range = true,
                               .placeholders = {"start", "end"},
                               .applies = GE_GT_ALL,
                               .unit = "days",
                               .scope = GE_RULE_SCOPE_SUBMISSION,
                               .check_submission = gr_check_period_length},
    [GE_RULE_PERIOD_LEAD] = {.name = "period_lead",
                             .params = {INT("min_days", MIN, 0), INT("max_days", MAX, 0)},
                             .range = true,
                             .placeholders = {"start", "earliest"},
                             .applies = GE_GT_ALL,
                             .unit = "days",
                             .scope = GE_RULE_SCOPE_SUBMISSION,
                             .check_submission = gr_check_period_lead},
    [GE_RULE_CONFLICT] = {.name = "conflict",
                          .params = {{"services", GE_RULE_PARAM_SERVICES, GE_RULE_FIELD_NONE, 0,
                                      false, false, 0},
                                     NUM_DEF("distance_m", MAX, 0)},
                          .placeholders = {"other", "other_service"},
                          .applies = GE_GT_ALL,
                          .unit = "m",
                          .needs_valid = true,
                          .check_feature = gr_check_conflict},
};

const ge_rule_kind_def *ge_rule_kind_def_of(ge_rule_kind kind)
{
    assert(kind >= 0 && kind < GE_RULE_KIND_COUNT);
    return &kinds[kind];
}

bool ge_rule_kind_from_name(const char *name, ge_rule_kind *out)
{
    for (int k = 0; k < GE_RULE_KIND_COUNT; k++) {
        if (!strcmp(name, kinds[k].name)) {
            *out = (ge_rule_kind)k;
            return true;
        }
    }
    return false;
}

void ge_rule_kind_names(char *buf, size_t n)
{
    buf[0] = '\0';
    for (int k = 0; k < GE_RULE_KIND_COUNT; k++)
        snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", k ? ", " : "", kinds[k].name);
}

const char *ge_rule_zone_name(ge_rule_zone zone)
{
    static const char *const names[] = {NULL, "within", "avoid", "clearance", "reach"};
    return zone >= 0 && zone <= GE_RULE_ZONE_REACH ? names[zone] : NULL;
}
