/*
 * cpu.c - the validation benchmark's in-process driver: runs request bodies
 * through the same code as POST /v1/validate (ge_validate_report_text: the
 * body text to the report text), without HTTP and the network, and prints the
 * CPU time per validation. A busy shared machine inflates wall-clock figures
 * but hardly the CPU time of one thread; and under valgrind --tool=callgrind
 * the same run gives instruction counts per function, which do not depend on
 * the machine's load at all.
 *
 *   cpu STORE SERVICES_DIR BODIES.jsonl [PASSES]
 *
 * The reference snapshot is built from the store before the clock starts (as
 * the server does at start-up); every body is validated PASSES times (default
 * 3), the first pass warms the per-thread prepared geometries as the server's
 * first requests do and is not counted. With GE_CPU_DUMP=FILE the reports of
 * the first pass go to FILE, one line each (to compare two builds' answers).
 * Built by bench/validate/run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geos_ctx.h"
#include "refindex.h"
#include "service.h"
#include "store.h"
#include "validate.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    ge_store *st = NULL;
    ge_services *ss = NULL;
    ge_refsnap *snap = NULL;
    ge_err err;
    char **bodies = NULL, *line = NULL;
    size_t nbodies = 0, cap = 0, lcap = 0, out_bytes = 0;
    ssize_t len;
    int passes = argc > 4 ? atoi(argv[4]) : 3, rc = 1;
    long fails = 0;
    FILE *f;

    if (argc < 4) {
        fprintf(stderr, "usage: cpu STORE SERVICES_DIR BODIES.jsonl [PASSES]\n");
        return 2;
    }
    ge_err_clear(&err);
    ge_store_opts so = {.path = argv[1], .readonly = true};
    if (ge_store_open(&st, &so, &err) < 0 || ge_services_load_dir(argv[2], &ss, &err) < 0 ||
        ge_refindex_build_from_store(st, &snap, &err) < 0) {
        fprintf(stderr, "cpu: %s\n", err.msg);
        goto out;
    }
    f = fopen(argv[3], "r");
    if (!f) {
        perror(argv[3]);
        goto out;
    }
    while ((len = getline(&line, &lcap, f)) > 0) {
        if (nbodies == cap) {
            cap = cap ? 2 * cap : 1024;
            bodies = realloc(bodies, cap * sizeof *bodies);
        }
        bodies[nbodies++] = strndup(line, (size_t)(line[len - 1] == '\n' ? len - 1 : len));
    }
    fclose(f);

    GEOSContextHandle_t h = ge_geos_ctx();
    ge_validate_opts o;
    ge_validate_opts_init(&o);
    o.services = ss;
    o.snap = snap;
    o.conflicts = GE_RULES_CONFLICTS_UNCHECKED; /* as the handler: no other cases in public */
    o.today = ge_date_local(time(NULL));
    double t0 = 0;
    FILE *dump = getenv("GE_CPU_DUMP") ? fopen(getenv("GE_CPU_DUMP"), "w") : NULL;
    for (int p = 0; p < passes; p++) {
        if (p == 1) t0 = cpu_now();
        for (size_t i = 0; i < nbodies; i++) {
            char *text = NULL;
            size_t tlen = 0;
            ge_err_clear(&err);
            if (ge_validate_report_text(h, bodies[i], strlen(bodies[i]), &o, &text, &tlen, &err) <
                0)
                fails++;
            if (dump && p == 0) fprintf(dump, "%s\n", text ? text : err.msg);
            out_bytes += tlen;
            free(text);
        }
    }
    double dt = cpu_now() - t0;
    if (dump) fclose(dump);
    long counted = passes > 1 ? (long)nbodies * (passes - 1) : 0;
    printf("bodies %zu passes %d failures %ld report bytes/validation %.0f\n", nbodies, passes,
           fails, passes ? (double)out_bytes / ((double)nbodies * passes) : 0);
    if (counted)
        printf("cpu per validation: %.1f us (%ld validations, %.3f s thread CPU)\n",
               dt * 1e6 / (double)counted, counted, dt);
    rc = fails ? 1 : 0;
out:
    for (size_t i = 0; i < nbodies; i++)
        free(bodies[i]);
    free(bodies);
    free(line);
    if (snap) ge_refsnap_release(snap);
    ge_services_free(ss);
    ge_store_close(st);
    ge_geos_thread_cleanup();
    return rc;
}
