/*
 * test_credit.c - a map's data credit in the reader's language
 * (geo/maps/credit.h): the importers' English credits read as German readers
 * know them on a German map, "(c)" becomes "©" in both languages, a city's
 * own credit stays as given, and a credit too long for the buffer is cut at
 * a character's start, never inside an umlaut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "credit.h"
#include "ts.h"
#include "ts_group.h"

static void test_phrases(void **state)
{
    static const struct {
        const char *in;
        bool german;
        const char *want;
    } cases[] = {
        {"(c) OpenStreetMap contributors", true, "\xc2\xa9 OpenStreetMap-Mitwirkende"},
        {"(c) OpenStreetMap contributors", false, "\xc2\xa9 OpenStreetMap contributors"},
        {"Demo data: fictional, made by geoEDITOR", true,
         "Demodaten: erfunden, erstellt von geoEDITOR"},
        {"Demo data: fictional, made by geoEDITOR", false,
         "Demo data: fictional, made by geoEDITOR"},
        {"Stadt Musterstadt, Baumkataster; (C) OpenStreetMap contributors", true,
         "Stadt Musterstadt, Baumkataster; \xc2\xa9 OpenStreetMap-Mitwirkende"},
        {"Straßen- und Grünflächenamt", true, "Straßen- und Grünflächenamt"},
        {"", true, ""},
        {NULL, true, ""},
    };
    char out[128];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ge_credit_local(cases[i].in, cases[i].german, out, sizeof out);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("case %zu: '%s' (german %d) gave '%s', want '%s'", i,
                     cases[i].in ? cases[i].in : "(null)", cases[i].german, out, cases[i].want);
    }
}

static void test_cut(void **state)
{
    char out[8];

    (void)state;
    /* "Amt Grün" needs 10 bytes with its end; in 8 there is room for
     * "Amt Gr" and half of the ü, which is left out rather than cut */
    assert_string_equal(ge_credit_local("Amt Grün", true, out, 8), "Amt Gr");
    assert_string_equal(ge_credit_local("Amt Grün", true, out, 7), "Amt Gr");
    char whole[10];
    assert_string_equal(ge_credit_local("Amt Grün", true, whole, sizeof whole), "Amt Gr\xc3\xbcn");
    /* a replacement that does not fit whole is cut the same way */
    assert_string_equal(ge_credit_local("ab (c)", true, out, 4), "ab ");
    assert_string_equal(ge_credit_local("x", true, out, 1), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phrases),
        cmocka_unit_test(test_cut),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
