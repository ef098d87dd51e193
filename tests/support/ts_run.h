/*
 * ts_run.h - run the geoeditor binary (or any command) to completion and
 * capture its exit status, standard output and standard error.
 */
#ifndef GE_TS_RUN_H
#define GE_TS_RUN_H

#include "ts_server.h"

typedef struct ts_run_result {
    int status; /* exit status, or 128+signal when killed */
    char *out;  /* standard output (NUL-terminated, malloc'd) */
    char *err;  /* standard error */
} ts_run_result;

/* Runs argv (argv[0] == NULL means the geoeditor binary from GE_BINARY) with
 * standard input from /dev/null (or from `input` when not NULL). */
int ts_run(ts_run_result *r, const char *input, const char *const *argv);

void ts_run_free(ts_run_result *r);

/* "geoeditor import --quiet --db db osm": 0, or -1 after printing why. */
int ts_run_import(const char *db, const char *osm);

/* "geoeditor import --db db --srid srid source": 0, or -1 after printing its
 * output and errors. */
int ts_run_import_srid(const char *db, const char *srid, const char *source);

/* Imports source (with srid) into a new store in the scratch folder
 * "<name>_db" and starts a server named name on it (s->db names the store).
 * 0, or -1 after printing why. */
int ts_run_server_on_import(ts_server *s, const char *name, const char *srid, const char *source);

/* Number of lines in s (a last line without '\n' counts). */
int ts_count_lines(const char *s);

#endif
