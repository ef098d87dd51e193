/*
 * ts.h - small helpers shared by all test programs: where things are
 * (binary, source tree, shared data), scratch directories, skipping with a
 * visible message when the shared OSM extract is absent, and the exit status
 * that tells ctest which programs skipped cases.
 */
#ifndef GE_TS_H
#define GE_TS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* ---- honest counts -----------------------------------------------------------
 * cmocka counts a skipped case as not failed, and so would ctest: a program
 * whose cases all skipped would show as passed. skip() is redefined here to
 * count the skips (ts.h includes cmocka.h, so the order of includes does not
 * matter), and every test program ends with
 *
 *     return ts_exit(ts_run_group_tests(tests, setup, teardown));   (ts_group.h)
 *
 * ts_exit returns the number of failed cases when any failed; else, when a
 * case skipped, it prints how many ran and skipped and returns TS_SKIPPED (77),
 * which tests/CMakeLists.txt declares as SKIP_RETURN_CODE, so ctest lists the
 * program as skipped, not passed; else 0. tests/CMakeLists.txt refuses a test
 * program whose source does not call ts_exit.
 *
 * ctest counts programs, not cases: a program with 10 cases of which 2 skip is
 * "skipped" as a whole. A program whose cases need the shared extract only in
 * part is therefore run as two ctest tests (see ts_extract_part). */
#define TS_SKIPPED 77

#undef skip
#define skip() ts_skip_(__FILE__, __LINE__)

/* The group runners (these and ts_group.h's) count the cases they are
 * given, for ts_exit's line. */
extern int ts_cases_;
#undef cmocka_run_group_tests
#define cmocka_run_group_tests(tests, setup, teardown)                                             \
    (ts_cases_ += (int)(sizeof(tests) / sizeof((tests)[0])),                                       \
     _cmocka_run_group_tests(#tests, tests, sizeof(tests) / sizeof((tests)[0]), setup, teardown))
#undef cmocka_run_group_tests_name
#define cmocka_run_group_tests_name(name, tests, setup, teardown)                                  \
    (ts_cases_ += (int)(sizeof(tests) / sizeof((tests)[0])),                                       \
     _cmocka_run_group_tests(name, tests, sizeof(tests) / sizeof((tests)[0]), setup, teardown))

/* skip() as redefined above: counts, then cmocka's _skip (does not return). */
void ts_skip_(const char *file, int line);

/* In a test case: unless have, skips it after a visible line
 * "SKIP: <what> is absent" (what: a string literal). */
#define TS_NEED(have, what)                                                                        \
    do {                                                                                           \
        if (!(have)) {                                                                             \
            print_message("SKIP: " what " is absent\n");                                           \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* The exit status for `failed` failed cases (the sum of what the
 * cmocka_run_group_tests calls returned), see above. */
int ts_exit(int failed);

/* For programs with cases that need the shared extract and cases that do
 * not: true when run as "PROGRAM --extract" (ctest's test PROGRAM_extract),
 * where main runs only the extract's cases; false without arguments, where it
 * runs only the others. Exits with status 2 on any other argument.
 * tests/CMakeLists.txt adds the PROGRAM_extract test for each source that
 * calls this function. */
bool ts_extract_part(int argc, char **argv);

/* The value of a variable ctest sets (GE_BINARY, GE_SOURCE_DIR, ...); aborts if unset. */
const char *ts_env(const char *name);

/* Path of the shared OSM extract, or NULL after printing a visible
 * "SKIP: .../berlin-borsigwalde.osm.pbf is absent" line. It lies in
 * $GE_SHARED_DATA when that is set (GE_SHARED_DATA=/nonexistent runs the
 * suite as a machine without it would), else in ../shared/data beside the
 * source tree. */
const char *ts_shared_osm(void);

/* A fresh, empty directory for this test: GE_TEST_TMP/<name>-<pid>. Returns a
 * static buffer valid until the next call. */
const char *ts_tmpdir(const char *name);

/* A whole file as a NUL-terminated malloc'd buffer (binary safe: *len holds
 * its size); NULL when it cannot be read. */
char *ts_read_file(const char *path, size_t *len);

/* True when needle occurs in the len bytes at hay (which may hold NULs). */
bool ts_mem_contains(const char *hay, size_t len, const char *needle);

/* The project's demo quarter, generated at build time (GE_DEMO_OSM). */
const char *ts_demo_osm(void);

/* Joins a directory and a file name into a static rotating buffer. */
const char *ts_path(const char *dir, const char *file);

/* Writes text into a new file at path; fails the test if it cannot. */
void ts_write_text(const char *path, const char *text);

/* printf into a rotating per-thread buffer (8 of 2048 bytes), for request
 * paths built inline: ts_server_url(s, ts_pathf("/v1/cases/%s", id)). */
__attribute__((format(printf, 1, 2))) const char *ts_pathf(const char *fmt, ...);

#endif
