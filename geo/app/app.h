/*
 * app.h - what every use case of the application layer (drafts.h, ...)
 * takes and gives: an explicit context (the store, the reference index, the
 * services, a clock) and a result that says how it went as a kind, a
 * bilingual message and the extra members a problem answer names.
 *
 * geo/ knows no HTTP: the server maps the kinds to statuses and
 * problem+json in one place (server/app_http.c); the CLI can print them.
 * Use cases read the time only through ge_app_now, so that tests set the
 * clock rather than sleep.
 */
#ifndef GE_APP_H
#define GE_APP_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "date.h"
#include "error.h"
#include "text.h"

struct ge_store;
struct ge_refindex;
struct ge_services;

/* The current Unix time as a clock tells it (ud: the clock's own data). */
typedef time_t (*ge_app_clock_fn)(void *ud);

typedef struct ge_app {
    struct ge_store *store;
    struct ge_refindex *refindex;       /* NULL: no reference data (acquire per use) */
    const struct ge_services *services; /* NULL: none configured */
    ge_app_clock_fn clock;              /* NULL: the real clock, time(NULL) */
    void *clock_ud;
    /* Metres within which other cases conflict with a case whose service's
     * conflict rule names no distance (the setting conflict_distance). */
    double conflict_distance;
} ge_app;

/* Now, by the context's clock. */
time_t ge_app_now(const ge_app *app);

/* The store's time text ("2026-11-25T21:22:43Z") of now + seconds. */
void ge_app_utc_in(const ge_app *app, long seconds, char out[GE_DATE_UTC_LEN]);

/* Today's local date (TZ applies) by the context's clock. */
ge_date ge_app_today(const ge_app *app);

/* How a use case went. */
typedef enum ge_app_kind {
    GE_APP_OK = 0,
    GE_APP_INVALID,       /* the input is malformed */
    GE_APP_NOT_FOUND,     /* no such thing (or not the caller's) */
    GE_APP_CONFLICT,      /* the thing's state does not allow it */
    GE_APP_GONE,          /* it existed but expired or was used up */
    GE_APP_UNPROCESSABLE, /* well-formed but refused (rules broken, limits) */
    GE_APP_STALE,         /* the caller's version of the thing is not the current one */
    GE_APP_FAILED         /* could not be done (err: I/O, memory, budget, ...) */
} ge_app_kind;

#define GE_APP_TEXT_MAX 1024 /* as long as a problem's detail (server/http.c) */

typedef struct ge_app_result {
    ge_app_kind kind;
    char de[GE_APP_TEXT_MAX]; /* the message, German and English (not for OK, FAILED) */
    char en[GE_APP_TEXT_MAX];
    json_t *extra; /* the problem's extra members ("member", "header", ...) or NULL */
    ge_err err;    /* FAILED: what failed (its code decides how it is told) */
} ge_app_result;

void ge_app_result_init(ge_app_result *r);
void ge_app_result_clear(ge_app_result *r);

/*
 * Refuses with a kind and a message in both languages, a labelled pair
 * (geo/core/text.h) of printf formats that take the same arguments:
 *   ge_app_refuse(r, GE_APP_GONE, DE("Entwurf %s ..."), EN("Draft %s ..."), id)
 * Returns the matching GE_E* code (INVALID GE_EINVAL, NOT_FOUND GE_ENOENT,
 * CONFLICT and STALE GE_ECONFLICT, GONE GE_EGONE, UNPROCESSABLE GE_ELIMIT), so
 * "return ge_app_refuse(...)" works.
 */
#define ge_app_refuse(r, kind, de, ...)                                                            \
    ge_app_refuse_pair(r, kind, GE_DE(de), GE_EN_ARGS(__VA_ARGS__))
int ge_app_refuse_pair(ge_app_result *r, ge_app_kind kind, const char *de, const char *en, ...)
    __attribute__((format(printf, 3, 5), format(printf, 4, 5)));

/* Sets an extra member of the answer (takes the reference of v). */
void ge_app_extra(ge_app_result *r, const char *name, json_t *v);

/* FAILED with err; returns err->code. */
int ge_app_failed(ge_app_result *r, const ge_err *err);

/*
 * A failure about one member of the input (its message is err's, as the
 * engine and parsers write them): FAILED for server-side errors (I/O,
 * memory, budget, cancelled), else UNPROCESSABLE (GE_ELIMIT, GE_ENOENT) or
 * INVALID, naming member. Returns err->code.
 */
int ge_app_bad_member(ge_app_result *r, const char *member, const ge_err *err);

#endif
