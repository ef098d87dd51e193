/*
 * pgplace.c - the PostGIS side of the placement benchmark as an application
 * server would call it: for every request, one prepared statement over
 * loopback, ge_place_address(label) or ge_place(x, y) (gen_sql.py), one
 * connection, one call at a time (as the HTTP side: one keep-alive
 * connection, sequential).
 *
 *   pgplace CONNINFO REQUESTS.tsv OUT.tsv
 *
 * REQUESTS.tsv: "id<TAB>address<TAB>label" or "id<TAB>point<TAB>x<TAB>y" (store
 * CRS). OUT.tsv: "id<TAB>found<TAB>distance_m<TAB>geojson<TAB>wall_ms<TAB>cpu_ms"
 * per request: wall_ms is the round trip as the client sees it; cpu_ms the
 * backend's CPU time for the call, from /proc/PID/schedstat (nanoseconds of
 * run time of the backend process, read before and after; needs to run on
 * the same host as the server, as root or as the postgres user).
 * Built by bench/placements/run.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double pp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The backend's run time in ms, or -1. */
static double pp_cpu_ms(const char *path)
{
    FILE *f = fopen(path, "r");
    unsigned long long ns = 0;
    int ok = f && fscanf(f, "%llu", &ns) == 1;

    if (f) fclose(f);
    return ok ? (double)ns / 1e6 : -1;
}

static int pp_prepare(PGconn *c, const char *name, const char *sql, int nparams)
{
    PGresult *r = PQprepare(c, name, sql, nparams, NULL);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

    if (!ok) fprintf(stderr, "pgplace: %s", PQerrorMessage(c));
    PQclear(r);
    return ok;
}

int main(int argc, char **argv)
{
    PGconn *c;
    PGresult *r;
    FILE *in, *out;
    char line[1024], stat_path[64];
    int rc = 0;
    long n = 0, failures = 0;

    if (argc != 4) {
        fprintf(stderr, "usage: pgplace CONNINFO REQUESTS.tsv OUT.tsv\n");
        return 2;
    }
    c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "pgplace: %s", PQerrorMessage(c));
        return 1;
    }
    r = PQexec(c, "SELECT pg_backend_pid()");
    snprintf(stat_path, sizeof stat_path, "/proc/%s/schedstat",
             PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : "0");
    PQclear(r);
    if (!pp_prepare(c, "addr",
                    "SELECT distance_m, ST_AsGeoJSON(rect, 15, 0) FROM ge_place_address($1, 50)",
                    1) ||
        !pp_prepare(c, "point",
                    "SELECT distance_m, ST_AsGeoJSON(rect, 15, 0) FROM ge_place($1::float8, "
                    "$2::float8, 50)",
                    2)) {
        PQfinish(c);
        return 1;
    }
    in = fopen(argv[2], "r");
    out = fopen(argv[3], "w");
    if (!in || !out) {
        perror("pgplace");
        return 1;
    }
    while (fgets(line, sizeof line, in)) {
        char *id, *kind, *a, *b, *save = NULL;
        const char *params[2];
        double t0, c0, t1, c1;

        line[strcspn(line, "\n")] = '\0';
        id = strtok_r(line, "\t", &save);
        kind = strtok_r(NULL, "\t", &save);
        a = strtok_r(NULL, "\t", &save);
        b = strtok_r(NULL, "\t", &save);
        if (!id || !kind || !a) continue;
        params[0] = a;
        params[1] = b;
        c0 = pp_cpu_ms(stat_path);
        t0 = pp_now_ms();
        if (!strcmp(kind, "address"))
            r = PQexecPrepared(c, "addr", 1, params, NULL, NULL, 0);
        else
            r = PQexecPrepared(c, "point", 2, params, NULL, NULL, 0);
        t1 = pp_now_ms();
        c1 = pp_cpu_ms(stat_path);
        n++;
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            fprintf(stderr, "pgplace: request %s: %s", id, PQerrorMessage(c));
            failures++;
        } else if (PQntuples(r) > 0) {
            fprintf(out, "%s\t1\t%s\t%s\t%.3f\t%.3f\n", id, PQgetvalue(r, 0, 0),
                    PQgetvalue(r, 0, 1), t1 - t0, c0 >= 0 && c1 >= 0 ? c1 - c0 : -1);
        } else {
            fprintf(out, "%s\t0\t\t\t%.3f\t%.3f\n", id, t1 - t0, c0 >= 0 && c1 >= 0 ? c1 - c0 : -1);
        }
        PQclear(r);
    }
    fclose(in);
    fclose(out);
    PQfinish(c);
    if (failures) {
        fprintf(stderr, "pgplace: %ld of %ld requests failed\n", failures, n);
        rc = 1;
    }
    return rc;
}
