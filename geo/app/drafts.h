/*
 * drafts.h - the use cases of drafts, one function each: create, open (the
 * applicant's link), save (autosave), update (the form server's change),
 * finish (hand the drawing back) and submit (turn it into a case); check is
 * in draft_check.h. Each takes the context (app.h) and answers with a
 * result kind; the refusals' texts (submitted, expired, ...) exist here
 * once, in German and English.
 */
#ifndef GE_APP_DRAFTS_H
#define GE_APP_DRAFTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "app.h"
#include "crs.h"
#include "store_forms.h"
#include "token.h"

/* "open", "submitted" or "expired" by the context's clock. */
const char *ge_app_draft_status(const ge_app *app, const ge_draft *d);

/* Whether the form server may still change d: CONFLICT when it was
 * submitted, GONE when it has expired. */
int ge_app_draft_closed(const ge_app *app, const ge_draft *d, ge_app_result *r);

/* The entity tag of a draft's state: a hash of everything an update may
 * change and the applicant changes (reference, locale, period, features,
 * options). */
#define GE_APP_DRAFT_TAG_MAX 40
void ge_app_draft_tag(const ge_draft *d, char out[GE_APP_DRAFT_TAG_MAX]);

/* The errors of a report, [{rule, feature, message}] (new reference). */
json_t *ge_app_report_errors(const json_t *report);

/* ---- create --------------------------------------------------------------- */

typedef struct ge_app_draft_new {
    int64_t client_id;
    const char *service; /* an id the services know (the caller checked) */
    const char *reference;
    const char *locale;       /* NULL: "de" */
    const char *period_start; /* NULL: none */
    const char *period_end;
    const char *features; /* stored form (draft_check.h); NULL: empty */
    bool period_editable; /* the applicant may change the period */
    long expires_in;      /* seconds from now */
} ge_app_draft_new;

/* Makes a draft and its capability token (shown once, stored as a hash):
 * d filled (clear it with ge_draft_clear), token set. */
int ge_app_draft_create(const ge_app *app, const ge_app_draft_new *in, ge_draft *d,
                        char token[GE_TOKEN_MAX], ge_app_result *r);

/* ---- the applicant's link ---------------------------------------------- */

/* The open draft a capability token opens: NOT_FOUND (no such link), GONE
 * (submitted, or expired). */
int ge_app_draft_open(const ge_app *app, const char *token, ge_draft *d, ge_app_result *r);

/* Autosave: checks text (stored form) and saves it with the report: *report
 * set (new reference), d->updated_at the save's time; GONE when the draft
 * closed meanwhile. */
int ge_app_draft_save(const ge_app *app, ge_draft *d, const char *text, const ge_crs *out_crs,
                      json_t **report, ge_app_result *r);

/* Finish: checks the drawing (text, saving it first when not NULL, else the
 * saved one) and answers as the Munimap geoEDITOR protocol's
 * finishGeoEditing_response: {success: true, geoJSON (out_crs), draft_id,
 * validation} or {success: false, message, missing, draft_id, validation},
 * the message in the draft's language. *doc is a new reference. */
int ge_app_draft_finish(const ge_app *app, ge_draft *d, const char *text, const ge_crs *out_crs,
                        json_t **doc, ge_app_result *r);

/* ---- the form server's change ------------------------------------------- */

/* Replaces d's reference, locale, period and features by to's while d is
 * still as read: STALE with d re-read when it changed meanwhile, CONFLICT
 * or GONE (as ge_app_draft_closed) when it closed; to->updated_at set. */
int ge_app_draft_update(const ge_app *app, ge_draft *d, ge_draft *to, ge_app_result *r);

/* ---- submit --------------------------------------------------------------- */

typedef struct ge_app_submission {
    int64_t client_id;
    const ge_draft *draft;
    const char *idempotency_key;
    const char *request_hash; /* tells a retry from a different request */
    const char *reference;    /* NULL: the draft's */
    const char *period_start; /* NULL: the draft's */
    const char *period_end;
    const char *applicant_json;
} ge_app_submission;

/*
 * Turns a draft into a case: a retry of a finished submission answers its
 * case (*replayed) without checking again; else the drawing is checked
 * (outside any transaction: it is the slow part) and the store re-checks
 * inside its write transaction that the key is unused and the draft
 * unchanged. case_id set on success. Refusals: UNPROCESSABLE (the key was
 * used for another request: extra "header"; rules broken: extra "errors"
 * and "validation"), CONFLICT (submitted already, changed meanwhile), GONE
 * (expired).
 */
int ge_app_draft_submit(const ge_app *app, const ge_app_submission *in, char case_id[40],
                        bool *replayed, ge_app_result *r);

#endif
