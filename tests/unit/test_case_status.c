/*
 * test_case_status.c - the review workflow: every pair of statuses against
 * the documented table, names round-trip, closing and comment rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"
#include <stdio.h>
#include <string.h>

#include "case_status.h"
#include "ts.h"

static void test_names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < GE_CASE_NSTATUS; s++) {
        ge_case_status back;
        assert_true(ge_case_status_parse(ge_case_status_name((ge_case_status)s), &back));
        assert_int_equal(back, s);
        assert_string_not_equal(ge_case_status_label((ge_case_status)s, "de"),
                                ge_case_status_label((ge_case_status)s, "en"));
    }
    ge_case_status x;
    assert_false(ge_case_status_parse("submitted", &x));
    assert_false(ge_case_status_parse("APPROVED", &x));
    assert_false(ge_case_status_parse("", &x));
    assert_false(ge_case_status_parse(NULL, &x));
}

static void test_transitions(void **state)
{
    (void)state;
    /* The complete table: anything not listed here is refused. */
    static const char *const allowed[] = {
        "received>in_review",          "in_review>approved",          "in_review>rejected",
        "in_review>changes_requested", "changes_requested>in_review",
    };
    int nallowed = 0;
    for (int f = 0; f < GE_CASE_NSTATUS; f++)
        for (int t = 0; t < GE_CASE_NSTATUS; t++) {
            char pair[64];
            snprintf(pair, sizeof pair, "%s>%s", ge_case_status_name((ge_case_status)f),
                     ge_case_status_name((ge_case_status)t));
            bool listed = false;
            for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
                if (strcmp(pair, allowed[i]) == 0) listed = true;
            if (ge_case_status_allowed((ge_case_status)f, (ge_case_status)t) != listed)
                fail_msg("transition %s: expected %s", pair, listed ? "allowed" : "refused");
            nallowed += listed;
        }
    assert_int_equal(nallowed, 5);

    ge_case_status next[GE_CASE_NSTATUS];
    assert_int_equal(ge_case_status_next(GE_CASE_IN_REVIEW, next), 3);
    assert_int_equal(next[0], GE_CASE_APPROVED);
    assert_int_equal(ge_case_status_next(GE_CASE_APPROVED, next), 0);
    assert_int_equal(ge_case_status_next(GE_CASE_REJECTED, next), 0);
    assert_false(ge_case_status_allowed(GE_CASE_NSTATUS, GE_CASE_RECEIVED));
}

static void test_closing_and_comments(void **state)
{
    (void)state;
    assert_true(ge_case_status_closes(GE_CASE_APPROVED));
    assert_true(ge_case_status_closes(GE_CASE_REJECTED));
    assert_false(ge_case_status_closes(GE_CASE_CHANGES_REQUESTED));
    assert_false(ge_case_status_closes(GE_CASE_IN_REVIEW));
    assert_true(ge_case_status_needs_comment(GE_CASE_REJECTED));
    assert_true(ge_case_status_needs_comment(GE_CASE_CHANGES_REQUESTED));
    assert_false(ge_case_status_needs_comment(GE_CASE_APPROVED));
    assert_string_equal(ge_case_status_label(GE_CASE_IN_REVIEW, "de"), "In Prüfung");
    assert_string_equal(ge_case_status_label(GE_CASE_IN_REVIEW, "en"), "In review");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_closing_and_comments),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
