/*
 * ts_backend.h - which store the API tests run on. By default every store
 * is a file. With GE_TEST_STORE=postgis in the environment (scripts/test's
 * second run) a test still names its store by a file path, but the store is
 * a fresh database in the test cluster (ts_pg.h: $GE_TEST_PG_URI, or a
 * throwaway cluster of its own), made the first time the path is used:
 * ts_server_start passes it as --db, ts_run replaces the path after a
 * geoeditor command's --db with it, and a base map file goes to --basemap
 * <path>.basemap.mbtiles (where the file store keeps it), so tests that look
 * at the base map file find it where they did.
 *
 * Tests that read or write the store file themselves: ts_store_sql and
 * friends (ts_store.h) run the same statements on PostgreSQL ("?N" becomes
 * "$N"); a case that opens the file with sqlite3 calls TS_SQLITE_ONLY first.
 *
 * A PostGIS subject not written yet answers "the PostGIS store does not
 * support ge_store_... yet". The support code notes that answer wherever it
 * shows (a server's log, a command's output); when such a program has failed
 * cases, ts_exit reports it as skipped (exit 77) with a "SKIP: PostGIS: ..."
 * line naming the missing function - never as passed.
 */
#ifndef GE_TS_BACKEND_H
#define GE_TS_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

/* True when the tests run on PostGIS (GE_TEST_STORE=postgis). */
bool ts_on_postgis(void);

/* The --db value for the store a test names path: path itself on the file
 * store, and where path is already a connection string. On PostGIS: the
 * connection string of the database made for path; a path not seen before
 * gets a new database when create is true (a command that makes a store) and
 * its parent directory exists, else it stays the path (so "no store there"
 * answers the same as on files). The program exits 77 after a SKIP line when
 * GE_TEST_STORE=postgis and PostgreSQL is not installed. The answer is valid
 * for the program's lifetime. */
const char *ts_store_db(const char *path, bool create);

/* True when path names a store that is a PostgreSQL database (mapped, or a
 * connection string itself). */
bool ts_store_is_pg(const char *path);

/* The store of path as GDAL opens it: path, or "PG:<conninfo>" on PostGIS
 * (static buffer, valid until the next call). */
const char *ts_store_gdal(const char *path);

/* True when the geoeditor binary under test takes --basemap (asked once). */
bool ts_binary_has_basemap(void);

/* Looks for the PostGIS store's "does not support ... yet" in text and
 * remembers the first such line (and a count). */
void ts_backend_note(const char *text);

/* Remembers a server log to look into at the end (ts_backend_unsupported). */
void ts_backend_watch_log(const char *path);

/* The first "does not support ... yet" seen (logs read now), or NULL. */
const char *ts_backend_unsupported(void);

/* In a case that opens the store file itself (sqlite3 calls, file checks):
 * on PostGIS, skips the case after a visible line naming why. */
#define TS_SQLITE_ONLY(why)                                                                        \
    do {                                                                                           \
        if (ts_on_postgis()) {                                                                     \
            print_message("SKIP: SQLite-only: %s\n", why);                                         \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

#endif
