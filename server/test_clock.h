/*
 * test_clock.h - the clock the API tests move (test builds only, CMake
 * option GE_TEST_HOOKS, off in Release builds).
 *
 * When the server or a CLI command starts with GEOEDITOR_TEST_CLOCK_FILE
 * naming a file, its clock (ge_ctx.clock and ge_cli_now, read by the use
 * cases in geo/app, the sessions, the webhook sender and retention) is the
 * real time plus the whole seconds that file holds ("3600", "-60"; missing,
 * empty or unreadable: 0), read on every call. A file rather than a fixed
 * offset: a test makes a draft at the real time and then lets it expire by
 * writing the file, on the server its group shares, without sleeping or
 * restarting it; and no request can move the clock, in any build.
 */
#ifndef GE_TEST_CLOCK_H
#define GE_TEST_CLOCK_H

#include "../geo/app/app.h"

/* Sets *clock and *ud to the test clock when the environment names one
 * (nothing without GE_TEST_HOOKS or the variable: the real clock stays). */
void ge_test_clock_install(ge_app_clock_fn *clock, void **ud);

#endif
