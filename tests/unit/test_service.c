/*
 * test_service.c - loading the shipped services, describing them, and the
 * errors a malformed service file gets (file, JSON path, problem).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "ts_group.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geos_ctx.h"
#include "service.h"
#include "ts.h"

static const char *services_dir(void)
{
    static char dir[4096];
    snprintf(dir, sizeof dir, "%s/data/services", ts_env("GE_SOURCE_DIR"));
    return dir;
}

static void test_shipped_services_load(void **state)
{
    ge_services *ss;
    ge_err err = {0};
    (void)state;
    if (ge_services_load_dir(services_dir(), &ss, &err) != GE_OK) fail_msg("%s", err.msg);
    assert_int_equal(ge_services_count(ss), 3);
    assert_string_equal(ge_services_at(ss, 0)->id, "construction-access");
    assert_string_equal(ge_services_at(ss, 1)->id, "info-stand");
    assert_string_equal(ge_services_at(ss, 2)->id, "skip-container");
    assert_non_null(ge_services_find(ss, "skip-container"));
    assert_null(ge_services_find(ss, "fireworks"));
    for (size_t i = 0; i < ge_services_count(ss); i++) {
        const ge_service *s = ge_services_at(ss, i);
        assert_true(s->nrules >= 10);
        for (size_t r = 0; r < s->nrules; r++)
            assert_true(strlen(s->rules[r].source) > 20); /* every limit says where it comes from */
    }
    ge_services_free(ss);
}

static void test_describe(void **state)
{
    ge_services *ss;
    json_t *d, *list;
    (void)state;
    assert_int_equal(ge_services_load_dir(services_dir(), &ss, NULL), GE_OK);
    d = ge_service_describe(ge_services_find(ss, "skip-container"));
    assert_non_null(d);
    assert_string_equal(json_string_value(json_object_get(d, "id")), "skip-container");
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(d, "title"), "de")),
                           "Schuttmulde"));
    json_t *g = json_object_get(d, "geometry");
    assert_string_equal(json_string_value(json_array_get(json_object_get(g, "types"), 0)),
                        "Polygon");
    assert_int_equal(json_array_size(json_object_get(g, "types")), 1);
    assert_int_equal(json_integer_value(json_object_get(g, "min_count")), 1);
    assert_int_equal(json_integer_value(json_object_get(g, "max_count")), 3);
    json_t *p = json_object_get(d, "period");
    assert_true(json_is_true(json_object_get(p, "required")));
    assert_int_equal(json_integer_value(json_object_get(p, "max_days")), 28);
    assert_int_equal(json_integer_value(json_object_get(p, "min_lead_days")), 5);
    json_t *rules = json_object_get(d, "rules");
    int found = 0;
    for (size_t i = 0; i < json_array_size(rules); i++) {
        json_t *r = json_array_get(rules, i);
        if (!strcmp(json_string_value(json_object_get(r, "id")), "hydrant-distance")) {
            found = 1;
            assert_string_equal(json_string_value(json_object_get(r, "kind")), "min_distance");
            assert_string_equal(json_string_value(json_object_get(r, "unit")), "m");
            assert_true(json_number_value(json_object_get(json_object_get(r, "params"), "min_m")) ==
                        5.0);
            assert_non_null(json_object_get(json_object_get(r, "messages"), "de"));
            /* the zone an editor draws, from the table of kinds */
            json_t *z = json_object_get(r, "zone");
            assert_string_equal(json_string_value(json_object_get(z, "type")), "clearance");
            assert_string_equal(json_string_value(json_array_get(json_object_get(z, "layers"), 0)),
                                "hydrants");
            assert_true(json_number_value(json_object_get(z, "distance_m")) == 5.0);
        }
        if (!strcmp(json_string_value(json_object_get(r, "id")), "inside-street-space"))
            assert_string_equal(
                json_string_value(json_object_get(json_object_get(r, "zone"), "type")), "within");
        if (!strcmp(json_string_value(json_object_get(r, "id")), "width"))
            assert_null(json_object_get(r, "zone"));
        if (!strcmp(json_string_value(json_object_get(r, "kind")), "conflict")) {
            json_t *a = json_object_get(json_object_get(r, "messages"), "anonymous");
            found++;
            assert_non_null(strstr(json_string_value(json_object_get(a, "de")), "{overlap}"));
            assert_null(strstr(json_string_value(json_object_get(a, "en")), "{other}"));
        }
    }
    assert_int_equal(found, 2);
    json_decref(d);
    list = ge_services_describe(ss);
    assert_int_equal(json_array_size(list), 3);
    assert_non_null(json_object_get(json_array_get(list, 0), "geometry"));
    json_decref(list);
    ge_services_free(ss);
}

/* clang-format off */
#define SVC_HEAD "{\"id\":\"t\",\"title\":{\"de\":\"T\",\"en\":\"T\"},\"description\":{\"de\":\"D\",\"en\":\"D\"}," \
                 "\"retention_days\":30,\"rules\":["
#define MSG "\"messages\":{\"de\":\"x {measured} {limit}\",\"en\":\"x\"},\"source\":\"s\""
#define RULE(kind, params) "{\"id\":\"r\",\"kind\":\"" kind "\",\"severity\":\"error\",\"params\":" params "," MSG "}"

static int parse_text(const char *text, ge_service **out, ge_err *err)
{
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    int rc;
    if (!doc)
        fail_msg("test document is not JSON: %s: %s", je.text, text);
    rc = ge_service_parse(doc, "test.json", out, err);
    json_decref(doc);
    return rc;
}

static void test_every_kind_parses(void **state)
{
    static const char *const rules[] = {
        RULE("geometry_type", "{\"types\":[\"Point\",\"MultiPolygon\"]}"),
        RULE("count", "{\"max\":2}"),
        "{\"id\":\"r\",\"kind\":\"valid_geometry\",\"severity\":\"warning\",\"messages\":{\"de\":\"{reason}\",\"en\":\"{reason}\"},\"source\":\"s\"}",
        RULE("area", "{\"max_m2\":6}"),
        RULE("length", "{\"min_m\":1}"),
        RULE("dimensions", "{\"measure\":\"width\",\"max_m\":2}"),
        RULE("inside", "{\"layers\":[\"boundary\",\"street_space\"]}"),
        RULE("outside", "{\"layers\":[\"buildings\"],\"min_overlap\":0.5}"),
        RULE("min_distance", "{\"layers\":[\"hydrants\"],\"min_m\":5}"),
        RULE("max_distance", "{\"layers\":[\"roads\"],\"max_m\":0.5}"),
        RULE("period_length", "{\"max_days\":14}"),
        RULE("period_lead", "{\"min_days\":5}"),
        RULE("conflict", "{\"distance_m\":2}"),
    };
    char doc[2048];
    (void)state;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        ge_service *s;
        ge_err err = { 0 };
        snprintf(doc, sizeof doc, SVC_HEAD "%s]}", rules[i]);
        if (parse_text(doc, &s, &err) != GE_OK)
            fail_msg("rule %zu: %s", i, err.msg);
        assert_int_equal(s->nrules, 1);
        if (s->rules[0].kind == GE_RULE_INSIDE)
            assert_true(s->rules[0].tolerance == 0.05 && s->rules[0].nlayers == 2);
        if (s->rules[0].kind == GE_RULE_CONFLICT) {
            assert_int_equal(s->rules[0].nservices, 1);
            assert_string_equal(s->rules[0].services[0], "t");
        }
        ge_service_free(s);
    }
}

static void test_malformed_files_name_path_and_problem(void **state)
{
    static const struct {
        const char *doc;
        const char *msg;
    } cases[] = {
        { "[]", "test.json: expected a service object, found an array" },
        { "{\"id\":\"t\"}", "test.json: 'title' is missing" },
        { SVC_HEAD "]", NULL }, /* placeholder, replaced below by a full doc */
        { "{\"id\":\"T x\",\"title\":{\"de\":\"T\",\"en\":\"T\"}}", "test.json: id 'T x' is not a valid service id" },
        { "{\"id\":\"t\",\"titel\":1}", "test.json: unknown key 'titel' (known: id, title, description, retention_days, rules, comment, version, placement)" },
        { "{\"id\":\"t\",\"title\":{\"de\":\"T\"},\"description\":{\"de\":\"D\",\"en\":\"D\"}}", "test.json: title: 'en' is missing" },
        { "{\"id\":\"t\",\"title\":{\"de\":\"T\",\"en\":\"T\",\"fr\":\"T\"}}", "test.json: title: unknown key 'fr' (known: de, en)" },
        { "{\"id\":\"t\",\"title\":{\"de\":\"T\",\"en\":\"T\"},\"description\":{\"de\":\"D\",\"en\":\"D\"},\"rules\":[]}",
          "test.json: 'retention_days' is missing" },
        { "{\"id\":\"t\",\"title\":{\"de\":\"T\",\"en\":\"T\"},\"description\":{\"de\":\"D\",\"en\":\"D\"},\"retention_days\":\"30\",\"rules\":[]}",
          "test.json: retention_days: expected a number, found a string" },
        { SVC_HEAD RULE("circle", "{}") "]}", "test.json: rules[0].kind: unknown rule kind 'circle' (known: geometry_type, count," },
        { SVC_HEAD RULE("min_distance", "{\"layers\":[\"hydrants\"],\"min_m\":\"5\"}") "]}",
          "test.json: rules[0].params.min_m: expected a number, found a string" },
        { SVC_HEAD RULE("min_distance", "{\"layers\":[\"hydrants\"],\"min\":5}") "]}",
          "test.json: rules[0].params: unknown key 'min' (known: layers, min_m)" },
        { SVC_HEAD RULE("min_distance", "{\"layers\":[\"hydrants\"]}") "]}",
          "test.json: rules[0].params: 'min_m' is missing" },
        { SVC_HEAD RULE("min_distance", "{\"layers\":[\"hydrants\"],\"min_m\":-1}") "]}",
          "test.json: rules[0].params.min_m: -1 is below the smallest allowed value 0" },
        { SVC_HEAD RULE("min_distance", "{\"layers\":[],\"min_m\":5}") "]}",
          "test.json: rules[0].params.layers: expected a non-empty array of names, found an empty one" },
        { SVC_HEAD RULE("min_distance", "{\"layers\":[\"Hydrants\"],\"min_m\":5}") "]}",
          "test.json: rules[0].params.layers[0]: 'Hydrants' is not a valid name" },
        { SVC_HEAD RULE("area", "{}") "]}", "test.json: rules[0].params: needs 'min_m2' or 'max_m2' (or both)" },
        { SVC_HEAD RULE("area", "{\"min_m2\":5,\"max_m2\":2}") "]}", "test.json: rules[0].params: 'min_m2' 5 is larger than 'max_m2' 2" },
        { SVC_HEAD RULE("count", "{\"min\":1.5}") "]}", "test.json: rules[0].params.min: expected a whole number, found 1.5" },
        { SVC_HEAD RULE("dimensions", "{\"measure\":\"depth\",\"max_m\":2}") "]}",
          "test.json: rules[0].params: 'measure' must be \"width\" or \"length\"" },
        { SVC_HEAD RULE("geometry_type", "{\"types\":[\"Circle\"]}") "]}",
          "test.json: rules[0].params.types[0]: not a geometry type" },
        { SVC_HEAD "{\"id\":\"r\",\"kind\":\"area\",\"severity\":\"fatal\",\"params\":{\"max_m2\":1}," MSG "}]}",
          "test.json: rules[0].severity: 'fatal' is neither \"error\" nor \"warning\"" },
        { SVC_HEAD "{\"id\":\"r\",\"kind\":\"area\",\"severity\":\"error\",\"params\":{\"max_m2\":1},\"source\":\"s\"}]}",
          "test.json: rules[0]: 'messages' is missing" },
        { SVC_HEAD "{\"id\":\"r\",\"kind\":\"area\",\"severity\":\"error\",\"params\":{\"max_m2\":1}," MSG ",\"limit\":3}]}",
          "test.json: rules[0]: unknown key 'limit'" },
        { SVC_HEAD "{\"id\":\"r\",\"kind\":\"area\",\"severity\":\"error\",\"params\":{\"max_m2\":1},\"messages\":{\"de\":\"x\",\"en\":\"x\"}}]}",
          "test.json: rules[0]: 'source' is missing" },
        { SVC_HEAD "{\"id\":\"r\",\"kind\":\"area\",\"severity\":\"error\",\"params\":{\"max_m2\":1},\"messages\":{\"de\":\"{mesured} m²\",\"en\":\"x\"},\"source\":\"s\"}]}",
          "test.json: rules[0].messages.de: unknown placeholder {mesured} (this kind fills {measured}, {limit})" },
        { SVC_HEAD "{\"id\":\"r\",\"kind\":\"area\",\"severity\":\"error\",\"params\":{\"max_m2\":1},\"messages\":{\"de\":\"{reason}\",\"en\":\"x\"},\"source\":\"s\"}]}",
          "test.json: rules[0].messages.de: unknown placeholder {reason}" },
        { SVC_HEAD "{\"id\":\"r\",\"kind\":\"area\",\"severity\":\"error\",\"params\":{\"max_m2\":1},\"messages\":{\"de\":\"x\"},\"source\":\"s\"}]}",
          "test.json: rules[0].messages: 'en' is missing" },
        { SVC_HEAD "{\"id\":\"r\",\"kind\":\"area\",\"severity\":\"error\",\"params\":{\"min_m2\":1,\"max_m2\":2},\"messages\":{\"de\":\"x\",\"en\":\"x\"},\"source\":\"s\"}]}",
          "test.json: rules[0].messages: the rule has a minimum and a maximum: give 'min' and 'max' messages" },
        { SVC_HEAD "{\"id\":\"r\",\"kind\":\"area\",\"severity\":\"error\",\"params\":{\"min_m2\":1,\"max_m2\":2},\"messages\":{\"min\":{\"de\":\"x\",\"en\":\"x\"}},\"source\":\"s\"}]}",
          "test.json: rules[0].messages: 'de'/'en' or 'max' is needed (the rule has a maximum)" },
        { SVC_HEAD "{\"id\":\"r\",\"kind\":\"inside\",\"severity\":\"error\",\"params\":{\"layers\":[\"a\"]},\"messages\":{\"max\":{\"de\":\"x\",\"en\":\"x\"}},\"source\":\"s\"}]}",
          "test.json: rules[0].messages: unknown key 'max' (known: de, en)" },
        { SVC_HEAD RULE("area", "{\"max_m2\":1}") "," RULE("area", "{\"max_m2\":2}") "]}",
          "test.json: rules[1]: rule id 'r' is used twice (also rules[0])" },
        { SVC_HEAD "{\"id\":\"r\",\"kind\":\"area\",\"severity\":\"error\",\"messages\":{\"de\":\"x\",\"en\":\"x\"},\"source\":\"s\"}]}",
          "test.json: rules[0]: 'params' is missing" },
        /* what applicants read of a conflict names no other case and no distance to it */
        { SVC_HEAD "{\"id\":\"r\",\"kind\":\"conflict\",\"severity\":\"warning\",\"params\":{\"distance_m\":2},\"messages\":{\"de\":\"{other}\",\"en\":\"x\",\"anonymous\":{\"de\":\"x {other}\",\"en\":\"x\"}},\"source\":\"s\"}]}",
          "test.json: rules[0].messages.anonymous.de: unknown placeholder {other} (an anonymous message fills {limit}, {overlap})" },
        { SVC_HEAD "{\"id\":\"r\",\"kind\":\"conflict\",\"severity\":\"warning\",\"params\":{\"distance_m\":2},\"messages\":{\"de\":\"x\",\"en\":\"x\",\"anonymous\":{\"de\":\"x\",\"en\":\"{measured} m\"}},\"source\":\"s\"}]}",
          "test.json: rules[0].messages.anonymous.en: unknown placeholder {measured} (an anonymous message fills {limit}, {overlap})" },
        { SVC_HEAD "{\"id\":\"r\",\"kind\":\"conflict\",\"severity\":\"warning\",\"params\":{\"distance_m\":2},\"messages\":{\"de\":\"x\",\"en\":\"x\",\"anonymous\":{\"de\":\"x\"}},\"source\":\"s\"}]}",
          "test.json: rules[0].messages.anonymous: 'en' is missing" },
        { SVC_HEAD "{\"id\":\"r\",\"kind\":\"area\",\"severity\":\"error\",\"params\":{\"max_m2\":1},\"messages\":{\"de\":\"x\",\"en\":\"x\",\"anonymous\":{\"de\":\"x\",\"en\":\"x\"}},\"source\":\"s\"}]}",
          "test.json: rules[0].messages: unknown key 'anonymous' (known: de, en, min, max, missing)" },
        { SVC_HEAD "{\"id\":\"r\",\"kind\":\"conflict\",\"severity\":\"warning\",\"params\":{\"distance_m\":2},\"messages\":{\"de\":\"x\",\"en\":\"x\",\"max\":{\"de\":\"x\",\"en\":\"x\"}},\"source\":\"s\"}]}",
          "test.json: rules[0].messages: unknown key 'max' (known: de, en, anonymous)" },
    };
    /* clang-format on */
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ge_service *s = NULL;
        ge_err err = {0};
        if (!cases[i].msg) continue;
        int rc = parse_text(cases[i].doc, &s, &err);
        if (rc != GE_EINVAL || !strstr(err.msg, cases[i].msg))
            fail_msg("case %zu\n  got %d '%s'\n  want '%s'", i, rc, err.msg, cases[i].msg);
        assert_null(s);
    }
}

static void test_load_dir_errors(void **state)
{
    const char *dir = ts_tmpdir("test_service");
    ge_services *ss;
    ge_err err;
    char path[4200];
    (void)state;
    /* id must match the file name */
    ts_write_text(ts_path(dir, "other.json"), SVC_HEAD RULE("area", "{\"max_m2\":1}") "]}");
    assert_int_equal(ge_services_load_dir(dir, &ss, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "other.json: id 't' does not match the file name (t.json)"));
    remove(ts_path(dir, "other.json"));
    /* not JSON: file, line, column */
    ts_write_text(ts_path(dir, "t.json"), "{\"id\": \"t\",\n  oops}");
    assert_int_equal(ge_services_load_dir(dir, &ss, &err), GE_EINVAL);
    snprintf(path, sizeof path, "%s/t.json: line 2, column", dir);
    assert_non_null(strstr(err.msg, path));
    /* good file; README and other files are ignored */
    ts_write_text(ts_path(dir, "t.json"), SVC_HEAD RULE("area", "{\"max_m2\":1}") "]}");
    ts_write_text(ts_path(dir, "README.md"), "# notes");
    assert_int_equal(ge_services_load_dir(dir, &ss, &err), GE_OK);
    assert_int_equal(ge_services_count(ss), 1);
    ge_services_free(ss);
    /* missing directory */
    assert_int_equal(ge_services_load_dir("/nonexistent/services", &ss, &err), GE_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/services"));
}

static void test_duplicate_ids(void **state)
{
    ge_service *v[2];
    ge_services *ss;
    ge_err err;
    (void)state;
    assert_int_equal(parse_text(SVC_HEAD RULE("area", "{\"max_m2\":1}") "]}", &v[0], NULL), GE_OK);
    assert_int_equal(parse_text(SVC_HEAD RULE("area", "{\"max_m2\":1}") "]}", &v[1], NULL), GE_OK);
    assert_int_equal(ge_services_from(v, 2, &ss, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "service id 't' is already defined"));
}

static void warn_count(void *ud, const char *msg)
{
    (void)msg;
    (*(int *)ud)++;
}

static void test_unknown_layers_are_warnings(void **state)
{
    ge_services *ss;
    ge_refbuilder *b;
    ge_refsnap *snap;
    int warnings = 0;
    GEOSContextHandle_t h = ge_geos_ctx();
    (void)state;
    assert_int_equal(ge_services_load_dir(services_dir(), &ss, NULL), GE_OK);
    assert_int_equal(ge_refindex_builder_new(25833, &b, NULL), GE_OK);
    /* everything the shipped services name except pedestrian_areas */
    static const char *const layers[] = {"boundary",  "buildings", "roads", "street_space",
                                         "junctions", "hydrants",  "trees", "cycleways"};
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++)
        assert_int_equal(ge_refindex_builder_add(
                             b, layers[i], GEOSGeom_createPointFromXY_r(h, 1, 1), 1, NULL, NULL),
                         GE_OK);
    assert_int_equal(ge_refindex_builder_finish(b, &snap, NULL), GE_OK);
    assert_int_equal(ge_services_check_layers(ss, snap, warn_count, &warnings), 1);
    assert_int_equal(warnings, 1);
    ge_refsnap_release(snap);
    ge_services_free(ss);
}

static int teardown(void **state)
{
    (void)state;
    ge_geos_thread_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_services_load),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_every_kind_parses),
        cmocka_unit_test(test_malformed_files_name_path_and_problem),
        cmocka_unit_test(test_load_dir_errors),
        cmocka_unit_test(test_duplicate_ids),
        cmocka_unit_test(test_unknown_layers_are_warnings),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, teardown));
}
