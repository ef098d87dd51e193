/*
 * ts.c - test helpers: environment, shared data, scratch directories, the
 * exit status of skipped cases (ts.h).
 */
#include "ts.h"
#include "ts_backend.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *ts_env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "test: environment variable %s is not set (run through ctest)\n", name);
        abort();
    }
    return v;
}

int ts_cases_;
static int ts_skipped;

void ts_skip_(const char *file, int line)
{
    ts_skipped++;
    _skip(file, line);
}

int ts_exit(int failed)
{
    const char *unsupported = failed ? ts_backend_unsupported() : NULL;
    if (unsupported) {
        /* a PostGIS subject still a stub: not passed, and not this test's
         * failure either (ts_backend.h) */
        printf("SKIP: PostGIS: %d case(s) failed where the store answered \"%s\" (a "
               "subject not written yet): exit status %d, so ctest lists this program as "
               "skipped\n",
               failed, unsupported, TS_SKIPPED);
        fflush(stdout);
        return TS_SKIPPED;
    }
    if (failed) return failed;
    if (ts_skipped == 0) return 0;
    printf("SKIPPED: %d of %d case(s) skipped (listed above), %d passed: exit status %d, "
           "so ctest lists this program as skipped\n",
           ts_skipped, ts_cases_, ts_cases_ - ts_skipped, TS_SKIPPED);
    fflush(stdout);
    return TS_SKIPPED;
}

bool ts_extract_part(int argc, char **argv)
{
    if (argc == 1) return false;
    if (argc == 2 && !strcmp(argv[1], "--extract")) return true;
    fprintf(stderr,
            "usage: %s [--extract]   (--extract: only the cases that need the shared "
            "OSM extract)\n",
            argv[0]);
    exit(2);
}

const char *ts_shared_osm(void)
{
    static char path[4096];
    const char *dir = getenv("GE_SHARED_DATA");

    if (dir && *dir)
        snprintf(path, sizeof path, "%s/berlin-borsigwalde.osm.pbf", dir);
    else
        snprintf(path, sizeof path, "%s/../shared/data/berlin-borsigwalde.osm.pbf",
                 ts_env("GE_SOURCE_DIR"));
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "SKIP: shared extract %s is absent; tests that need it are skipped\n",
                path);
        return NULL;
    }
    return path;
}

static void ts_mkdir_p(const char *dir)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "test: cannot create %s: %s\n", tmp, strerror(errno));
        abort();
    }
}

const char *ts_tmpdir(const char *name)
{
    static char dir[4096];
    char cmd[4200];
    snprintf(dir, sizeof dir, "%s/%s-%ld", ts_env("GE_TEST_TMP"), name, (long)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) abort();
    ts_mkdir_p(dir);
    return dir;
}

void ts_write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

const char *ts_path(const char *dir, const char *file)
{
    static __thread char bufs[8][4096];
    static __thread int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, file);
    return b;
}

char *ts_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    *len = 0;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n >= 0) buf = calloc(1, (size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) *len = (size_t)n;
    return buf;
}

bool ts_mem_contains(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; hay && i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0) return true;
    return false;
}

const char *ts_demo_osm(void)
{
    return ts_env("GE_DEMO_OSM");
}

const char *ts_pathf(const char *fmt, ...)
{
    static __thread char buf[8][2048];
    static __thread int i;
    va_list ap;

    i = (i + 1) % 8;
    va_start(ap, fmt);
    vsnprintf(buf[i], sizeof buf[i], fmt, ap);
    va_end(ap);
    return buf[i];
}
