/*
 * test_password.c - which passwords may be set (geo/core/password.h,
 * ge_password_check): the length limits first, then the user name and its
 * parts ignoring case (parts under 3 characters are not looked for), then
 * zxcvbn's estimate: common passwords and patterns are too common, long
 * random strings and passphrases are fine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "password.h"
#include "ts.h"
#include "ts_group.h"

static void test_verdicts(void **state)
{
    static const struct {
        const char *name, *pw;
        ge_password_verdict want;
        const char *part;
    } cases[] = {
        {"berta", "elevenchars", GE_PASSWORD_TOO_SHORT, ""},
        {"berta", "berta", GE_PASSWORD_TOO_SHORT, ""}, /* length comes first */
        {"berta", "Berta on the road 7", GE_PASSWORD_HAS_NAME, "berta"},
        {"Berta", "with bErTa inside 7", GE_PASSWORD_HAS_NAME, "Berta"},
        {"m.mueller", "Mueller und Partner 7", GE_PASSWORD_HAS_NAME, "mueller"},
        {"m.mueller", "m.mueller-m.mueller", GE_PASSWORD_HAS_NAME, "m.mueller"},
        {"anna schmidt", "the schmidt family 1999", GE_PASSWORD_HAS_NAME, "schmidt"},
        {"jürgen", "Jürgen is in the office", GE_PASSWORD_HAS_NAME, "jürgen"},
        {"al", "always all right, albeit", GE_PASSWORD_OK, ""}, /* "al" too short to look for */
        {"a.b", "a.b and more words here", GE_PASSWORD_HAS_NAME, "a.b"}, /* the whole name */
        {"a.b", "a b and more words here", GE_PASSWORD_OK, ""},
        {"berta", "Password1234", GE_PASSWORD_TOO_COMMON, ""},
        {"berta", "iloveyou1234", GE_PASSWORD_TOO_COMMON, ""},
        {"berta", "qwertyuiop123", GE_PASSWORD_TOO_COMMON, ""},
        {"berta", "Sommer2024!!", GE_PASSWORD_TOO_COMMON, ""},
        {"berta", "111111111111", GE_PASSWORD_TOO_COMMON, ""},
        {"berta", "1qaz2wsx3edc", GE_PASSWORD_TOO_COMMON, ""}, /* keyboard columns */
        {"berta", "z-gfRWJM5WTliFG_", GE_PASSWORD_OK, ""},
        {"berta", "correct horse battery staple", GE_PASSWORD_OK, ""},
        {"berta", "Rote Mulde am Markt 7", GE_PASSWORD_OK, ""},
        {NULL, "z-gfRWJM5WTliFG_", GE_PASSWORD_OK, ""},
    };
    char part[64];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ge_password_verdict v = ge_password_check(cases[i].pw, cases[i].name, part, sizeof part);
        if (v != cases[i].want || strcmp(part, cases[i].part) != 0)
            fail_msg("case %zu (%s / %s): verdict %d part '%s', want %d '%s'", i,
                     cases[i].name ? cases[i].name : "(null)", cases[i].pw, (int)v, part,
                     (int)cases[i].want, cases[i].part);
    }
}

static void test_too_long(void **state)
{
    static char big[GE_PASSWORD_MAX + 2];

    (void)state;
    memset(big, 'x', GE_PASSWORD_MAX + 1);
    assert_int_equal(ge_password_check(big, "berta", NULL, 0), GE_PASSWORD_TOO_LONG);
    big[GE_PASSWORD_MAX] = '\0'; /* the longest allowed: checked, quickly */
    assert_int_equal(ge_password_check(big, "berta", NULL, 0), GE_PASSWORD_TOO_COMMON);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_too_long),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
