/*
 * test_clock.h - the clock the API tests move (test builds only, CMake
 * option GE_TEST_HOOKS, off in Release builds).
 *
 * When the server starts with GEOEDITOR_TEST_CLOCK_FILE naming a file, its
 * clock (ge_ctx.clock, read by the use cases in geo/app) is the real time
 * plus the whole seconds that file holds ("3600", "-60"; missing, empty or
 * unreadable: 0), read on every call. A file rather than a fixed offset:
 * a test makes a draft at the real time and then lets it expire by writing
 * the file, on the server its group shares, without sleeping or restarting
 * it; and no request can move the clock, in any build.
 */
#ifndef GE_TEST_CLOCK_H
#define GE_TEST_CLOCK_H

#include "http.h"

/* Sets ctx's clock from the environment (nothing without GE_TEST_HOOKS or
 * the variable). */
void ge_test_clock_install(ge_ctx *ctx);

#endif
