/*
 * pgload.c - the PostGIS side of the validation benchmark as a client sends
 * it: each drawing travels as GeoJSON text over the socket, as a parameter of
 * a prepared statement, and PostgreSQL parses it (jsonb input,
 * ST_GeomFromGeoJSON) and transforms it (ST_Transform) inside ge_check, just
 * as geoeditor parses the body of POST /v1/validate. (pgbench cannot send a
 * different text per transaction from a file; reading the drawings from a
 * table would spare PostgreSQL receiving and parsing them.)
 *
 *   pgload verdicts CONNINFO BODIES.jsonl
 *       every body once, in order, on one connection: prints "line<TAB>rule,rule"
 *       (the violated rule ids, as compare.py reads them)
 *   pgload load CONNINFO BODIES.jsonl CONNECTIONS SECONDS
 *       CONNECTIONS threads, one connection each, for SECONDS, each sending
 *       bodies in random order; prints "validations/s p50_ms p99_ms failures"
 *
 * libpq, synchronous, one query in flight per connection (as pgbench and
 * wrk do). Built by bench/validate/run.
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *query = "SELECT array_to_string(ge_check($1::text::jsonb, current_date), ',')";

typedef struct pl_thread {
    pthread_t tid;
    const char *conninfo;
    char **bodies;
    size_t nbodies;
    double until;
    unsigned seed;
    double *lat; /* ms */
    size_t n, cap;
    long failures;
    int rc;
} pl_thread;

static double pl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static PGconn *pl_connect(const char *conninfo)
{
    PGconn *c = PQconnectdb(conninfo);
    PGresult *r;

    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "pgload: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    r = PQprepare(c, "check", query, 1, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "pgload: prepare: %s", PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
        return NULL;
    }
    PQclear(r);
    return c;
}

static void *pl_run(void *arg)
{
    pl_thread *t = arg;
    PGconn *c = pl_connect(t->conninfo);

    if (!c) {
        t->rc = 1;
        return NULL;
    }
    for (;;) {
        double t0 = pl_now();
        if (t0 >= t->until) break;
        const char *body = t->bodies[rand_r(&t->seed) % t->nbodies];
        PGresult *r = PQexecPrepared(c, "check", 1, &body, NULL, NULL, 0);
        double ms = (pl_now() - t0) * 1e3;
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            if (t->failures++ == 0) fprintf(stderr, "pgload: %s", PQerrorMessage(c));
        }
        PQclear(r);
        if (t->n == t->cap) {
            t->cap = t->cap ? 2 * t->cap : 65536;
            double *v = realloc(t->lat, t->cap * sizeof *v);
            if (!v) break;
            t->lat = v;
        }
        t->lat[t->n++] = ms;
    }
    PQfinish(c);
    return NULL;
}

static int pl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static char **pl_read(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    char **v = NULL, *line = NULL;
    size_t cap = 0, lcap = 0;
    ssize_t len;

    *n = 0;
    if (!f) {
        perror(path);
        return NULL;
    }
    while ((len = getline(&line, &lcap, f)) > 0) {
        if (line[len - 1] == '\n') line[--len] = '\0';
        if (*n == cap) {
            cap = cap ? 2 * cap : 1024;
            v = realloc(v, cap * sizeof *v);
        }
        v[(*n)++] = strdup(line);
    }
    free(line);
    fclose(f);
    return v;
}

static int pl_verdicts(const char *conninfo, char **bodies, size_t n)
{
    PGconn *c = pl_connect(conninfo);

    if (!c) return 1;
    for (size_t i = 0; i < n; i++) {
        const char *body = bodies[i];
        PGresult *r = PQexecPrepared(c, "check", 1, &body, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            fprintf(stderr, "pgload: body %zu: %s", i + 1, PQerrorMessage(c));
            PQclear(r);
            PQfinish(c);
            return 1;
        }
        printf("%zu\t%s\n", i + 1, PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    PQfinish(c);
    return 0;
}

int main(int argc, char **argv)
{
    size_t nbodies = 0;
    char **bodies;
    int rc = 0;

    if (argc < 4 || (strcmp(argv[1], "verdicts") && strcmp(argv[1], "load")) ||
        (!strcmp(argv[1], "load") && argc < 6)) {
        fprintf(stderr,
                "usage: pgload verdicts CONNINFO BODIES | load CONNINFO BODIES CONNS SECONDS\n");
        return 2;
    }
    bodies = pl_read(argv[3], &nbodies);
    if (!bodies || nbodies == 0) return 1;
    if (!strcmp(argv[1], "verdicts")) {
        rc = pl_verdicts(argv[2], bodies, nbodies);
    } else {
        int conns = atoi(argv[4]);
        double secs = atof(argv[5]), t0, dt;
        pl_thread *ts = calloc((size_t)conns, sizeof *ts);
        size_t total = 0;
        long failures = 0;
        double *all;

        if (conns < 1 || !ts) return 2;
        t0 = pl_now();
        for (int i = 0; i < conns; i++) {
            ts[i] = (pl_thread){.conninfo = argv[2],
                                .bodies = bodies,
                                .nbodies = nbodies,
                                .until = t0 + secs,
                                .seed = 4242u + (unsigned)i};
            pthread_create(&ts[i].tid, NULL, pl_run, &ts[i]);
        }
        for (int i = 0; i < conns; i++) {
            pthread_join(ts[i].tid, NULL);
            total += ts[i].n;
            failures += ts[i].failures;
            rc |= ts[i].rc;
        }
        dt = pl_now() - t0;
        all = malloc((total ? total : 1) * sizeof *all);
        for (int i = 0, k = 0; i < conns; i++) {
            memcpy(all + k, ts[i].lat, ts[i].n * sizeof *all);
            k += (int)ts[i].n;
            free(ts[i].lat);
        }
        qsort(all, total, sizeof *all, pl_cmp);
        if (total)
            printf("%.1f %.3f %.3f %ld\n", (double)total / dt, all[(total - 1) / 2],
                   all[(size_t)((double)(total - 1) * 0.99 + 0.5)], failures);
        else
            rc = 1;
        free(all);
        free(ts);
    }
    for (size_t i = 0; i < nbodies; i++)
        free(bodies[i]);
    free(bodies);
    return rc;
}
