/*
 * test_clock.c - the clock the API tests move (test_clock.h).
 */
#include "test_clock.h"

#include <stdio.h>
#include <stdlib.h>

#ifdef GE_TEST_HOOKS
static time_t ge_test_clock_now(void *ud)
{
    const char *path = ud;
    long long offset = 0;
    FILE *f = fopen(path, "r");

    if (f) {
        if (fscanf(f, "%lld", &offset) != 1) offset = 0;
        fclose(f);
    }
    return time(NULL) + (time_t)offset;
}
#endif

void ge_test_clock_install(ge_app_clock_fn *clock, void **ud)
{
#ifdef GE_TEST_HOOKS
    const char *path = getenv("GEOEDITOR_TEST_CLOCK_FILE");
    if (path && path[0]) {
        *clock = ge_test_clock_now;
        *ud = (void *)path;
    }
#else
    (void)clock;
    (void)ud;
#endif
}
