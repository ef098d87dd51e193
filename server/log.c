/*
 * log.c - one JSON object per line on stderr (see log.h).
 *
 * Lines are built with jansson and written with a single write(2) so that
 * lines from concurrent worker threads never interleave.
 */
#include "log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int ge_log_min_level = GE_LOG_INFO;

static const char *const ge_log_names[] = {"debug", "info", "warn", "error"};

void ge_log_set_level(int level)
{
    atomic_store(&ge_log_min_level, level);
}

int ge_log_level_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, ge_log_names[i]) == 0) return i;
    return -1;
}

void ge_log(int level, const char *msg, const char *fmt, ...)
{
    char ts[40];
    struct timespec now;
    struct tm tm;
    json_t *line, *fields = NULL;
    char *text;

    if (level < atomic_load(&ge_log_min_level)) return;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000);

    line = json_pack("{s:s, s:s, s:s}", "ts", ts, "level", ge_log_names[level & 3], "msg", msg);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        fields = json_vpack_ex(NULL, 0, fmt, ap);
        va_end(ap);
        if (fields && json_is_object(fields)) json_object_update(line, fields);
        json_decref(fields);
    }
    text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(line);
    if (text) {
        size_t len = strlen(text);
        text[len] = '\n'; /* json_dumps leaves room: replace the NUL, write len+1 */
        ssize_t w = write(STDERR_FILENO, text, len + 1);
        (void)w;
        free(text);
    }
}
