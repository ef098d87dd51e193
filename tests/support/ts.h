/*
 * ts.h - small helpers shared by all test programs: where things are
 * (binary, source tree, shared data), scratch directories, and skipping with
 * a visible message when the shared OSM extract is absent.
 */
#ifndef GE_TS_H
#define GE_TS_H

#include <stdbool.h>
#include <stddef.h>

/* The value of a variable ctest sets (GE_BINARY, GE_SOURCE_DIR, ...); aborts if unset. */
const char *ts_env(const char *name);

/* Path of the shared OSM extract, or NULL after printing a visible
 * "SKIP: ../shared/data/... is absent" line. */
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

/* printf into a rotating per-thread buffer (8 of 2048 bytes), for request
 * paths built inline: ts_server_url(s, ts_pathf("/v1/cases/%s", id)). */
__attribute__((format(printf, 1, 2))) const char *ts_pathf(const char *fmt, ...);

#endif
