/*
 * ts_server.c - run geoeditor as a server process for API tests (see ts_server.h).
 */
#include "ts_server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ts.h"
#include "ts_backend.h"
#include "ts_http.h"

#define TS_SERVER_MAX_ARGS 64

static void ts_server_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

char *ts_server_log(const ts_server *s)
{
    size_t len;
    char *text = ts_read_file(s->log_path, &len);
    return text ? text : calloc(1, 1);
}

bool ts_server_log_wait(const ts_server *s, const char *needle, int timeout_s)
{
    for (int waited = 0; waited <= timeout_s * 1000; waited += 20) {
        char *log = ts_server_log(s);
        bool found = log && strstr(log, needle);
        free(log);
        if (found) return true;
        ts_server_sleep_ms(20);
    }
    return false;
}

const char *ts_server_url(const ts_server *s, const char *path)
{
    static __thread char bufs[8][4200]; /* per thread: tests call it from several */
    static __thread int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s%s", s->base, path);
    return b;
}

/* Has the process ended? Collects it and sets exit_status if so. */
static bool ts_server_reap(ts_server *s)
{
    int st;
    pid_t r;

    if (s->pid <= 0) return true;
    r = waitpid(s->pid, &st, WNOHANG);
    if (r == 0) return false;
    if (r == s->pid)
        s->exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    else
        s->exit_status = -1;
    s->pid = 0;
    return true;
}

int ts_server_wait(ts_server *s, int timeout_s)
{
    for (int waited = 0; waited <= timeout_s * 1000; waited += 20) {
        if (ts_server_reap(s)) return s->exit_status;
        ts_server_sleep_ms(20);
    }
    return -1;
}

int ts_server_signal(const ts_server *s, int sig)
{
    return s->pid > 0 ? kill(s->pid, sig) : -1;
}

void ts_server_kill(ts_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        ts_server_wait(s, 30);
    }
}

/* Where a sanitizer's report starts in a server log (at the start of its
 * line, "==PID==ERROR: LeakSanitizer: ..."), or NULL when there is none. */
static const char *ts_server_sanitizer_report(const char *log)
{
    static const char *const marks[] = {"ERROR: LeakSanitizer", "ERROR: AddressSanitizer",
                                        "runtime error:", "WARNING: ThreadSanitizer", NULL};
    const char *first = NULL;

    for (size_t i = 0; marks[i]; i++) {
        const char *p = strstr(log, marks[i]);
        if (p && (!first || p < first)) first = p;
    }
    while (first && first > log && first[-1] != '\n')
        first--;
    return first;
}

/* Says why a stopped server counts as failed: its sanitizer report, or else
 * the end of its log. */
static void ts_server_explain_exit(const ts_server *s, const char *log, const char *report)
{
    const char *from = report;
    int lines = 0;

    if (!from) {
        from = log + strlen(log);
        while (from > log && lines <= 30)
            if (*--from == '\n') lines++;
    }
    fprintf(stderr,
            "test: server of %s exited with status %d%s\n---- %s ----\n%.16000s\n---- end ----\n",
            s->dir, s->exit_status, report ? " and a sanitizer report" : "",
            report ? "sanitizer report" : "end of the server log", from);
}

int ts_server_stop(ts_server *s)
{
    char *log;
    const char *report;

    if (s->pid <= 0) return s->exit_status;
    kill(s->pid, SIGTERM);
    if (ts_server_wait(s, 60) < 0) {
        fprintf(stderr, "test: server %d ignored SIGTERM for 60 s; killing it\n", (int)s->pid);
        ts_server_kill(s);
    }
    /* Under ASan the leak check runs when the server exits: a leak makes the
     * exit status non-zero (LSan's exitcode, or an abort with
     * abort_on_error=1). A report that did not change the status (UBSan
     * without halt_on_error) fails the stop all the same. */
    log = ts_server_log(s);
    report = ts_server_sanitizer_report(log);
    if (report && s->exit_status == 0) s->exit_status = TS_SERVER_SANITIZER_REPORT;
    if (s->exit_status != 0) ts_server_explain_exit(s, log, report);
    free(log);
    return s->exit_status;
}

/* The port from the server's "listening" line, or 0 while it is not there. */
static int ts_server_read_port(const ts_server *s)
{
    char *log = ts_server_log(s), *line;
    int port = 0;

    line = log ? strstr(log, "\"msg\":\"listening\"") : NULL;
    if (line) {
        char *p = strstr(line, "\"port\":");
        if (p) port = atoi(p + 7);
    }
    free(log);
    return port;
}

static void ts_server_exec(const ts_server *s, const ts_server_opts *opts, const char *port)
{
    const char *argv[TS_SERVER_MAX_ARGS];
    char basemap[4200];
    bool has_basemap = false;
    int n = 0, fd;

    argv[n++] = "geoeditor";
    argv[n++] = "serve";
    argv[n++] = "--db";
    argv[n++] = s->store;
    argv[n++] = "--bind";
    argv[n++] = "127.0.0.1";
    argv[n++] = "--port";
    argv[n++] = port;
    for (const char *const *a = opts->args; a && *a && n < TS_SERVER_MAX_ARGS - 3; a++) {
        if (!strcmp(*a, "--basemap")) has_basemap = true;
        argv[n++] = *a;
    }
    /* on PostGIS the base map file stays where the file store keeps it */
    if (strcmp(s->store, s->db) != 0 && !has_basemap && ts_binary_has_basemap()) {
        snprintf(basemap, sizeof basemap, "%s.basemap.mbtiles", s->db);
        argv[n++] = "--basemap";
        argv[n++] = basemap;
    }
    argv[n] = NULL;
    setenv("GEOEDITOR_TEST_CLOCK_FILE", s->clock, 1); /* opts->env may name another */
    for (const char *const *e = opts->env; e && *e; e++)
        putenv((char *)*e);

    fd = open(s->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        dup2(fd, STDERR_FILENO);
        dup2(fd, STDOUT_FILENO);
        close(fd);
    }
    fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        close(fd);
    }
    {
        const char *bin = opts->binary ? opts->binary : ts_env("GE_BINARY");
        execv(bin, (char *const *)argv);
        fprintf(stderr, "test: cannot run %s: %s\n", bin, strerror(errno));
    }
    _exit(127);
}

void ts_server_set_clock(ts_server *s, long seconds)
{
#ifdef GE_TEST_HOOKS
    FILE *f = fopen(s->clock, "w");
    if (!f || fprintf(f, "%ld\n", seconds) < 0 || fclose(f) != 0) {
        fprintf(stderr, "test: cannot write the clock file %s: %s\n", s->clock, strerror(errno));
        abort();
    }
#else
    if (seconds > s->clock_s) ts_server_sleep_ms((int)(seconds - s->clock_s) * 1000);
#endif
    s->clock_s = seconds;
}

static void ts_server_dump_log(const ts_server *s)
{
    char *log = ts_server_log(s);
    fprintf(stderr, "---- server log (%s) ----\n%s---- end of server log ----\n", s->log_path,
            log ? log : "");
    free(log);
}

int ts_server_start(ts_server *s, const char *name, const ts_server_opts *opts)
{
    static const ts_server_opts none = {0};
    char port[16];
    int timeout_ms;

    if (!opts) opts = &none;
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s", ts_tmpdir(name));
    snprintf(s->db, sizeof s->db, "%s", opts->db ? opts->db : ts_path(s->dir, "geoeditor.db"));
    snprintf(s->store, sizeof s->store, "%s", ts_store_db(s->db, true));
    snprintf(s->log_path, sizeof s->log_path, "%s", ts_path(s->dir, "server.log"));
    ts_backend_watch_log(s->log_path);
    snprintf(s->clock, sizeof s->clock, "%s", ts_path(s->dir, "clock"));
    snprintf(port, sizeof port, "%d", opts->port);
    if (ts_on_postgis()) ts_binary_has_basemap(); /* asked before the fork: the child reads it */
    fflush(NULL);

    s->pid = fork();
    if (s->pid < 0) {
        fprintf(stderr, "test: fork: %s\n", strerror(errno));
        return -1;
    }
    if (s->pid == 0) ts_server_exec(s, opts, port);
    if (opts->no_wait) return 0;

    timeout_ms = (opts->timeout_s ? opts->timeout_s : 60) * 1000;
    for (int waited = 0; waited <= timeout_ms; waited += 20) {
        if (ts_server_reap(s)) {
            fprintf(stderr, "test: server '%s' exited with status %d while starting\n", name,
                    s->exit_status);
            ts_server_dump_log(s);
            return -1;
        }
        if (!s->port) s->port = opts->port ? opts->port : ts_server_read_port(s);
        if (s->port) {
            ts_http_resp r;
            int rc;
            snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
            rc = ts_http_get(ts_server_url(s, "/healthz"), &r);
            ts_http_resp_free(&r);
            if (rc == 0 && r.status == 200) return 0;
        }
        ts_server_sleep_ms(20);
    }
    fprintf(stderr, "test: server '%s' did not answer /healthz within %d s\n", name,
            timeout_ms / 1000);
    ts_server_dump_log(s);
    ts_server_kill(s);
    return -1;
}
