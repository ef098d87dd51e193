/*
 * ts_group.c - cmocka groups whose failed teardown fails the program
 * (ts_group.h).
 */
#include "ts_group.h"

#include <stdio.h>

#include "ts.h"

/* The group's own teardown and whether it failed. Groups run one after the
 * other on the main thread, so one slot is enough. */
static CMFixtureFunction ts_group_teardown_fn;
static int ts_group_teardown_rc;

static int ts_group_teardown(void **state)
{
    ts_group_teardown_rc = ts_group_teardown_fn(state);
    return ts_group_teardown_rc;
}

int ts_group_run(const char *name, const struct CMUnitTest *tests, size_t n,
                 CMFixtureFunction setup, CMFixtureFunction teardown)
{
    int failed;

    ts_cases_ += (int)n; /* for ts_exit's line (ts.h) */
    ts_group_teardown_fn = teardown;
    ts_group_teardown_rc = 0;
    failed = _cmocka_run_group_tests(name, tests, n, setup, teardown ? ts_group_teardown : NULL);
    if (ts_group_teardown_rc != 0) {
        fprintf(stderr, "test: the teardown of group '%s' failed (see above)\n", name);
        failed++;
    }
    ts_group_teardown_fn = NULL;
    return failed;
}
