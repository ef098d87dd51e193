/*
 * ts_group.h - running a cmocka group so that a failed group teardown fails
 * the test program.
 *
 * cmocka 1.1 prints "[  FAILED  ] GROUP TEARDOWN" when a group teardown
 * returns non-zero, yet leaves it out of the count it returns, so ctest saw
 * a pass. Group teardowns are where most API tests stop their server, and a
 * server that exits non-zero - under ASan: LeakSanitizer found a leak in it
 * (see ts_server_stop) - must fail the test. Every test program runs its
 * groups through these instead of cmocka_run_group_tests[_name].
 */
#ifndef GE_TS_GROUP_H
#define GE_TS_GROUP_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Runs the group like _cmocka_run_group_tests; returns its count of failed
 * tests plus 1 when the group teardown failed. */
int ts_group_run(const char *name, const struct CMUnitTest *tests, size_t n,
                 CMFixtureFunction setup, CMFixtureFunction teardown);

#define ts_run_group_tests_name(name, tests, setup, teardown)                                      \
    ts_group_run(name, tests, sizeof(tests) / sizeof((tests)[0]), setup, teardown)
#define ts_run_group_tests(tests, setup, teardown)                                                 \
    ts_run_group_tests_name(#tests, tests, setup, teardown)

#endif
