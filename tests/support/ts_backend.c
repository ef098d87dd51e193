/*
 * ts_backend.c - the store the API tests run on: a file, or a database per
 * store in the test cluster (ts_backend.h).
 */
#include "ts_backend.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "ts.h"
#include "ts_pg.h"
#include "ts_run.h"

#define TS_BACKEND_MAX 256

typedef struct ts_store_map {
    char *path;
    char *conninfo;
} ts_store_map;

static pthread_mutex_t ts_backend_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t ts_probe_lock = PTHREAD_MUTEX_INITIALIZER; /* ts_run takes the other */
static ts_store_map ts_maps[TS_BACKEND_MAX];
static int ts_nmaps;
static char *ts_logs[TS_BACKEND_MAX];
static int ts_nlogs;
static char ts_unsupported[512];

bool ts_on_postgis(void)
{
    const char *v = getenv("GE_TEST_STORE");
    return v && strcmp(v, "postgis") == 0;
}

/* the mapped connection string of path, or NULL (lock held) */
static const char *ts_store_find(const char *path)
{
    for (int i = 0; i < ts_nmaps; i++)
        if (strcmp(ts_maps[i].path, path) == 0) return ts_maps[i].conninfo;
    return NULL;
}

/* Can a store file be made at path (its parent is a directory, it is not one)? */
static bool ts_store_creatable(const char *path)
{
    char dir[4096];
    struct stat sb;
    char *slash;

    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) return false;
    snprintf(dir, sizeof dir, "%s", path);
    slash = strrchr(dir, '/');
    if (!slash) return true;
    if (slash == dir)
        slash[1] = '\0';
    else
        *slash = '\0';
    return stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode);
}

const char *ts_store_db(const char *path, bool create)
{
    const char *found;

    if (!path || !ts_on_postgis() || ge_store_path_is_postgres(path)) return path;
    pthread_mutex_lock(&ts_backend_lock);
    found = ts_store_find(path);
    if (!found && create && ts_nmaps < TS_BACKEND_MAX && ts_store_creatable(path)) {
        char name[32];
        const char *conninfo;

        snprintf(name, sizeof name, "s%d", ts_nmaps);
        conninfo = ts_pg_db(name, 1);
        if (!conninfo) {
            printf("SKIP: GE_TEST_STORE=postgis, but PostgreSQL 15 with PostGIS is not "
                   "installed: no store for this program\n");
            fflush(stdout);
            exit(TS_SKIPPED);
        }
        ts_maps[ts_nmaps].path = strdup(path);
        ts_maps[ts_nmaps].conninfo = strdup(conninfo);
        found = ts_maps[ts_nmaps++].conninfo;
    }
    pthread_mutex_unlock(&ts_backend_lock);
    return found ? found : path;
}

bool ts_store_is_pg(const char *path)
{
    return path && ge_store_path_is_postgres(ts_store_db(path, false));
}

const char *ts_store_gdal(const char *path)
{
    static char buf[4200];
    const char *db = ts_store_db(path, false);
    if (!db || !ge_store_path_is_postgres(db)) return path;
    snprintf(buf, sizeof buf, "PG:%s", db);
    return buf;
}

bool ts_binary_has_basemap(void)
{
    static int known = -1; /* -1: not asked yet */

    pthread_mutex_lock(&ts_probe_lock);
    if (known < 0) {
        const char *argv[] = {ts_env("GE_BINARY"), "import", "--help", NULL};
        ts_run_result r;
        known = ts_run(&r, NULL, argv) == 0 && r.out && strstr(r.out, "--basemap") ? 1 : 0;
        ts_run_free(&r);
    }
    pthread_mutex_unlock(&ts_probe_lock);
    return known == 1;
}

void ts_backend_note(const char *text)
{
    const char *hit, *start, *end;

    if (!text || !ts_on_postgis() || !(hit = strstr(text, "does not support"))) return;
    if (!strstr(hit, " yet")) return;
    start = hit;
    while (start > text && start[-1] != '\n' && start[-1] != '"')
        start--;
    end = strstr(hit, " yet") + 4;
    pthread_mutex_lock(&ts_backend_lock);
    if (!ts_unsupported[0])
        snprintf(ts_unsupported, sizeof ts_unsupported, "%.*s", (int)(end - start), start);
    pthread_mutex_unlock(&ts_backend_lock);
}

void ts_backend_watch_log(const char *path)
{
    if (!ts_on_postgis()) return;
    pthread_mutex_lock(&ts_backend_lock);
    if (ts_nlogs < TS_BACKEND_MAX) ts_logs[ts_nlogs++] = strdup(path);
    pthread_mutex_unlock(&ts_backend_lock);
}

const char *ts_backend_unsupported(void)
{
    for (int i = 0; i < ts_nlogs && !ts_unsupported[0]; i++) {
        size_t len;
        char *log = ts_read_file(ts_logs[i], &len);
        ts_backend_note(log);
        free(log);
    }
    return ts_unsupported[0] ? ts_unsupported : NULL;
}
