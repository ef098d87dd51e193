/*
 * test_dxf_layers.c - DXF layer names of an export's cases (dxf_layers.h):
 * references cleaned to letters, digits, '-' and '_' (umlauts spelt out,
 * other runs one '_', at most 64 bytes), names unique without regard to
 * case, the same case always on the same layer, "0" and "Defpoints" kept
 * clear of, a name for a case without reference; many cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <stdio.h>
#include <string.h>

#include "dxf_layers.h"
#include "ts.h"

static const char *clean(const char *ref)
{
    static char out[GE_DXF_LAYER_MAX + 1];
    ge_dxf_layer_clean(ref, out, sizeof out);
    return out;
}

static void test_clean(void **state)
{
    char longref[300];
    (void)state;
    assert_string_equal(clean("AZ-2026-0042"), "AZ-2026-0042");
    assert_string_equal(clean("Bau/17 Zufahrt"), "Bau_17_Zufahrt");
    assert_string_equal(clean("Stra\xc3\x9f"
                              "e: \xc3\x84nderung <1>"),
                        "Strasse_Aenderung_1");
    assert_string_equal(clean("  ;=*?|`,\"\\ "), "");
    assert_string_equal(clean("__x__"), "x");
    assert_string_equal(clean("caf\xc3\xa9 \xe2\x82\xac 5"), "caf_5");
    assert_string_equal(clean("0"), "ref_0");
    assert_string_equal(clean("DefPoints"), "ref_DefPoints");
    assert_string_equal(clean(NULL), "");
    memset(longref, 'a', sizeof longref - 1);
    longref[sizeof longref - 1] = '\0';
    assert_int_equal(strlen(clean(longref)), GE_DXF_LAYER_MAX);
}

static void test_unique(void **state)
{
    ge_dxf_layers *t = ge_dxf_layers_new();
    bool is_new;
    const char *a, *b, *c, *d;
    char first[GE_DXF_LAYER_MAX + 1];
    (void)state;
    assert_non_null(t);
    a = ge_dxf_layers_get(t, "aaaaaaaa11111111aaaaaaaa11111111", "EXP 1", &is_new);
    assert_true(is_new);
    assert_string_equal(a, "EXP_1");
    snprintf(first, sizeof first, "%s", a);
    /* the same case again: the same layer, not new */
    a = ge_dxf_layers_get(t, "aaaaaaaa11111111aaaaaaaa11111111", "EXP 1", &is_new);
    assert_false(is_new);
    assert_string_equal(a, first);
    /* another case whose reference cleans to the same name, ignoring case */
    b = ge_dxf_layers_get(t, "bbbbbbbb22222222bbbbbbbb22222222", "exp/1", &is_new);
    assert_true(is_new);
    assert_string_equal(b, "exp_1_bbbbbbbb");
    c = ge_dxf_layers_get(t, "cccccccc33333333cccccccc33333333", NULL, &is_new);
    assert_string_equal(c, "case_cccccccc");
    /* a reference that is another case's fallback name */
    d = ge_dxf_layers_get(t, "dddddddd44444444dddddddd44444444", "case cccccccc", &is_new);
    assert_string_equal(d, "case_cccccccc_dddddddd");
    ge_dxf_layers_free(t);
}

/* 5000 cases, every second one with the same reference: all names unique,
 * each case found again (the tables grow). */
static void test_many(void **state)
{
    ge_dxf_layers *t = ge_dxf_layers_new();
    char id[40], names[5000][GE_DXF_LAYER_MAX + 1];
    bool is_new;
    (void)state;
    assert_non_null(t);
    for (int i = 0; i < 5000; i++) {
        const char *n;
        snprintf(id, sizeof id, "%032x", (unsigned)i * 2654435761u);
        n = ge_dxf_layers_get(t, id, i % 2 ? "same" : id, &is_new);
        assert_non_null(n);
        assert_true(is_new);
        snprintf(names[i], sizeof names[i], "%s", n);
    }
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof id, "%032x", (unsigned)i * 2654435761u);
        assert_string_equal(ge_dxf_layers_get(t, id, "whatever", &is_new), names[i]);
        assert_false(is_new);
    }
    for (int i = 1; i < 5000; i += 2)
        for (int j = i + 2; j < 5000 && j < i + 40; j += 2)
            assert_true(strcmp(names[i], names[j]) != 0);
    ge_dxf_layers_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_unique),
        cmocka_unit_test(test_many),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
