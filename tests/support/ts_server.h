/*
 * ts_server.h - the real geoeditor binary as a server process for API tests.
 *
 * ts_server_start() runs "geoeditor serve" (GE_BINARY) on 127.0.0.1 with
 * port 0, so the kernel picks a free port and parallel tests never collide;
 * the port is read from the server's "listening" log line. The store is a
 * fresh file in a scratch directory (ts_tmpdir), or with GE_TEST_STORE=postgis
 * a fresh database named after it (ts_backend.h); standard error goes to a
 * file there, for assertions on the log (e.g. that no secret appears).
 * Start-up waits until GET /healthz answers 200. Its clock is the real one
 * until a test moves it (ts_server_set_clock) to let sessions, drafts or
 * locks expire without sleeping.
 */
#ifndef GE_TS_SERVER_H
#define GE_TS_SERVER_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct ts_server {
    pid_t pid; /* 0 once the process is collected */
    int port;
    char base[64];       /* "http://127.0.0.1:PORT" */
    char dir[4096];      /* scratch directory of this server */
    char db[4096];       /* the store file (its name on PostGIS, see ts_backend.h) */
    char store[4096];    /* what --db says: db, or on PostGIS its database */
    char log_path[4096]; /* its standard error */
    char clock[4096];    /* GEOEDITOR_TEST_CLOCK_FILE: seconds the clock is ahead */
    long clock_s;        /* what ts_server_set_clock last set */
    int exit_status;     /* after ts_server_wait: exit code, or 128 + signal */
} ts_server;

typedef struct ts_server_opts {
    const char *const *args; /* more arguments after "serve ...", NULL-terminated */
    const char *const *env;  /* more "NAME=value" entries, NULL-terminated */
    const char *db;          /* store file; NULL: <dir>/geoeditor.db */
    int port;                /* 0: a free port chosen by the kernel */
    bool no_wait;            /* return right after the start (start-up failure tests) */
    int timeout_s;           /* how long to wait for /healthz; 0: 60 */
    const char *binary;      /* the geoeditor to run; NULL: GE_BINARY (the build's) */
} ts_server_opts;

/* Starts a server; name names its scratch directory. 0, or -1 after printing
 * why (with the server's log) on stderr. */
int ts_server_start(ts_server *s, const char *name, const ts_server_opts *opts);

/* ts_server_stop's answer when the server exited 0 but its log holds a
 * sanitizer report. */
#define TS_SERVER_SANITIZER_REPORT (-2)

/* SIGTERM, then waits up to 60 s (SIGKILL after that). Returns the exit
 * status (also in s->exit_status), or TS_SERVER_SANITIZER_REPORT; when it is
 * not 0, prints the server's sanitizer report or the end of its log to
 * stderr. A test that stops its server in a group teardown must run the group
 * with ts_run_group_tests (ts_group.h), or cmocka ignores the failure. */
int ts_server_stop(ts_server *s);

int ts_server_signal(const ts_server *s, int sig);

/* Waits for the process to end: its exit status (also in s->exit_status), or
 * -1 when it still runs after timeout_s. */
int ts_server_wait(ts_server *s, int timeout_s);

/* SIGKILL and collect; for cleanup after a failed assertion. */
void ts_server_kill(ts_server *s);

/* The server's standard error so far; malloc'd, NUL-terminated. */
char *ts_server_log(const ts_server *s);

/* Waits until the log contains needle; false after timeout_s. */
bool ts_server_log_wait(const ts_server *s, const char *needle, int timeout_s);

/*
 * Sets the server's clock (the one its use cases, sessions, login locks,
 * webhook sender and retention read) to the real time + seconds, at once,
 * for every later look at the time (server/test_clock.h). A build without
 * the hook (GE_TEST_HOOKS off: Release) cannot move it: there a step
 * forward sleeps for real, so a test holds in both builds.
 */
void ts_server_set_clock(ts_server *s, long seconds);

/* base + path in a rotating static buffer. */
const char *ts_server_url(const ts_server *s, const char *path);

#endif
