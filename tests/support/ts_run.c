/*
 * ts_run.c - run a command and capture its output (see ts_run.h).
 */
#include "ts_run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ts.h"
#include "ts_backend.h"
#include "store.h"

typedef struct ts_buf {
    char *data;
    size_t len, cap;
} ts_buf;

static void ts_buf_add(ts_buf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->data = realloc(b->data, b->cap);
        if (!b->data) abort();
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static int ts_run_plain(ts_run_result *r, const char *input, const char *const *argv);

/* Does the geoeditor command in argv make a store where none is? (serve,
 * import, client add, user add; the others refuse a missing store) */
static bool ts_run_creates(const char *const *argv)
{
    const char *cmd = argv[1] ? argv[1] : "";
    const char *sub = argv[1] && argv[2] ? argv[2] : "";
    return !strcmp(cmd, "serve") || !strcmp(cmd, "import") ||
           ((!strcmp(cmd, "client") || !strcmp(cmd, "user")) && !strcmp(sub, "add"));
}

/* On PostGIS (ts_backend.h): argv of a geoeditor command with the store
 * path after --db replaced by its database, and for import and serve
 * --basemap <path>.basemap.mbtiles added, where the file store keeps it;
 * NULL when argv stays as it is. Free with free(). */
static const char **ts_run_map_argv(const char *const *argv)
{
    static char basemaps[64][4200];
    static int next;
    size_t n = 0, k = 0;
    const char **out;
    const char *db = NULL;
    bool has_basemap = false, creates;

    if (!ts_on_postgis()) return NULL;
    if (argv[0] && strcmp(argv[0], ts_env("GE_BINARY")) != 0) return NULL;
    n = 1; /* argv[0] may be NULL: the geoeditor binary */
    while (argv[n])
        n++;
    creates = ts_run_creates(argv);
    out = calloc(n + 3, sizeof *out);
    if (!out) abort();
    out[k++] = argv[0];
    for (size_t i = 1; i < n; i++) {
        out[k++] = argv[i];
        if (!strcmp(argv[i], "--basemap")) has_basemap = true;
        if (!strcmp(argv[i], "--db") && i + 1 < n) {
            db = argv[++i];
            out[k++] = ts_store_db(db, creates);
        }
    }
    if (db && ts_store_is_pg(db) && !ge_store_path_is_postgres(db) && !has_basemap && argv[1] &&
        (!strcmp(argv[1], "import") || !strcmp(argv[1], "serve")) && ts_binary_has_basemap()) {
        char *b = basemaps[__atomic_fetch_add(&next, 1, __ATOMIC_RELAXED) % 64];
        snprintf(b, sizeof basemaps[0], "%s.basemap.mbtiles", db);
        out[k++] = "--basemap";
        out[k++] = b;
    }
    out[k] = NULL;
    return out;
}

int ts_run(ts_run_result *r, const char *input, const char *const *argv)
{
    const char **mapped = ts_run_map_argv(argv);
    int rc;

    if (mapped) argv = mapped;
    rc = ts_run_plain(r, input, argv);
    free(mapped);
    if (rc == 0) {
        ts_backend_note(r->out);
        ts_backend_note(r->err);
    }
    return rc;
}

static int ts_run_plain(ts_run_result *r, const char *input, const char *const *argv)
{
    int out[2], err[2], in[2];
    ts_buf bo = {0}, be = {0};
    pid_t pid;
    int st;

    memset(r, 0, sizeof *r);
    if (pipe(out) || pipe(err) || pipe(in)) return -1;
    pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        const char *bin = argv[0] ? argv[0] : ts_env("GE_BINARY");
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(in[1]);
        close(out[0]);
        close(err[0]);
        size_t n = 1;
        while (argv[n])
            n++;
        const char **args = calloc(n + 1, sizeof *args);
        memcpy(args, argv, n * sizeof *args);
        args[0] = bin;
        execvp(bin, (char *const *)args);
        fprintf(stderr, "exec %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    if (input) {
        signal(SIGPIPE, SIG_IGN);
        ssize_t w = write(in[1], input, strlen(input));
        (void)w;
    }
    close(in[1]);
    struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        char buf[8192];
        if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else {
                ts_buf_add(i == 0 ? &bo : &be, buf, (size_t)n);
            }
        }
    }
    waitpid(pid, &st, 0);
    ts_buf_add(&bo, "", 0);
    ts_buf_add(&be, "", 0);
    r->out = bo.data;
    r->err = be.data;
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}

void ts_run_free(ts_run_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

/* Runs an import: 0, or -1 after printing its output and errors. */
static int ts_run_import_argv(const char *const *argv)
{
    ts_run_result r;
    int rc = -1;

    if (ts_run(&r, NULL, argv) != 0) return -1;
    if (r.status == 0)
        rc = 0;
    else
        fprintf(stderr, "import failed (%d):\n%s\n%s\n", r.status, r.out ? r.out : "",
                r.err ? r.err : "");
    ts_run_free(&r);
    return rc;
}

int ts_run_import(const char *db, const char *osm)
{
    const char *argv[] = {NULL, "import", "--quiet", "--db", db, osm, NULL};
    return ts_run_import_argv(argv);
}

int ts_run_import_srid(const char *db, const char *srid, const char *source)
{
    const char *argv[] = {NULL, "import", "--db", db, "--srid", srid, source, NULL};
    return ts_run_import_argv(argv);
}

int ts_run_server_on_import(ts_server *s, const char *name, const char *srid, const char *source)
{
    char dir[256], db[4096];
    ts_server_opts o = {.db = db};

    snprintf(dir, sizeof dir, "%s_db", name);
    snprintf(db, sizeof db, "%s", ts_path(ts_tmpdir(dir), "store.db"));
    if (ts_run_import_srid(db, srid, source) != 0) return -1;
    return ts_server_start(s, name, &o);
}

int ts_count_lines(const char *s)
{
    int n = 0;
    size_t len = strlen(s);
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\n') n++;
    if (len && s[len - 1] != '\n') n++;
    return n;
}
