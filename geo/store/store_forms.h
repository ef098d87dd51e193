/*
 * store_forms.h - the store's side of the form-server API: clients (form
 * servers and their hashed API keys), drafts (editing sessions reached by a
 * capability token) and cases (immutable submissions with their features, the
 * validation report at submission time and a content hash).
 *
 * Like store.h, callers never see SQL: secrets cross this interface only as
 * hashes (token.h), geometry as ISO WKB in the store's CRS, JSON as text.
 * Times are RFC 3339 UTC text ("2026-11-25T21:22:43Z"); they compare as
 * strings, which the queries rely on.
 *
 * Implemented in store_clients.c, store_drafts.c and store_cases.c.
 */
#ifndef GE_STORE_FORMS_H
#define GE_STORE_FORMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "store.h"

/* ---- clients ------------------------------------------------------------- */

typedef struct ge_client {
    int64_t id;
    char name[128];
    char *origins_json;    /* JSON array of origin strings; malloc'd */
    char webhook_url[512]; /* "" when none */
    char created_at[32];
    char revoked_at[32]; /* "" while active */
} ge_client;

void ge_client_clear(ge_client *c);

/* Adds a client. GE_ECONFLICT when the name is taken. webhook_url and
 * webhook_secret may be NULL. */
int ge_store_client_add(ge_store *st, const char *name, const char *key_hash,
                        const char *origins_json, const char *webhook_url,
                        const char *webhook_secret, time_t now, int64_t *id, ge_err *err);

/* All clients, oldest first. Free with ge_client_list_free. */
int ge_store_client_list(ge_store *st, ge_client **out, size_t *n, ge_err *err);
void ge_client_list_free(ge_client *v, size_t n);

/* Revokes a client (its key stops working at once). GE_ENOENT for an unknown
 * id, GE_ECONFLICT when already revoked. */
int ge_store_client_revoke(ge_store *st, int64_t id, time_t now, ge_err *err);

/* The active client whose key hashes to key_hash; GE_ENOENT when none (also
 * for a revoked client: the caller cannot tell them apart, and need not). */
int ge_store_client_by_key(ge_store *st, const char *key_hash, ge_client *out, ge_err *err);

/* ---- drafts -------------------------------------------------------------- */

typedef struct ge_draft {
    char id[40];
    int64_t client_id;
    char service[64];
    char reference[260];
    char locale[8];
    char period_start[16]; /* "" when none */
    char period_end[16];
    char *features; /* FeatureCollection text in the store CRS; malloc'd */
    char expires_at[32];
    char submitted_at[32]; /* "" while open */
    char created_at[32];
    char updated_at[32];
    bool period_editable; /* the applicant may change the period (migration 11) */
} ge_draft;

void ge_draft_clear(ge_draft *d);

/* Inserts a new draft (d->features may be NULL: empty). */
int ge_store_draft_create(ge_store *st, const ge_draft *d, const char *token_hash, time_t now,
                          ge_err *err);

/* GE_ENOENT when there is no such draft. */
int ge_store_draft_get(ge_store *st, const char *id, ge_draft *out, ge_err *err);

/* The draft a capability token (given as its hash) opens: GE_ENOENT when no
 * draft has it. Expiry and submission are the caller's to judge (410). */
int ge_store_draft_by_token(ge_store *st, const char *token_hash, ge_draft *out, ge_err *err);

/* Replaces the features of an open draft. GE_ENOENT for an unknown id,
 * GE_EGONE when the draft was submitted or has expired by now. */
int ge_store_draft_save(ge_store *st, const char *id, const char *features_json,
                        const char *validation_json, time_t now, char updated_at[32], ge_err *err);

/* Sets the period of an open draft the applicant may change it in
 * (period_editable), with the editor's report for it (may be NULL); start
 * and end "" remove it. The permission is checked inside the UPDATE, so a
 * form server turning it off meanwhile wins. GE_OK with updated_at;
 * GE_ECONFLICT when the draft does not allow it (now); GE_EGONE when it was
 * submitted or has expired; GE_ENOENT for an unknown id. */
int ge_store_draft_set_period(ge_store *st, const char *id, const char *start, const char *end,
                              const char *validation_json, time_t now, char updated_at[32],
                              ge_err *err);

/* Replaces reference, locale, period, options and features of an open draft with
 * those of `to`, but only while the draft is still exactly `from` (the state
 * the caller read and judged): the check is part of the UPDATE, so a change
 * in between (an autosave, another PATCH) is never overwritten. The stored
 * report of the editor is dropped when the features or the period change. GE_OK with
 * updated_at; GE_ECONFLICT when the draft changed meanwhile; GE_EGONE when
 * it was submitted or has expired; GE_ENOENT for an unknown id. */
int ge_store_draft_update(ge_store *st, const ge_draft *from, const ge_draft *to, time_t now,
                          char updated_at[32], ge_err *err);

/* ---- cases --------------------------------------------------------------- */

typedef struct ge_case_feature {
    const unsigned char *wkb; /* store CRS */
    size_t wkb_len;
    const char *props_json; /* NULL: "{}" */
} ge_case_feature;

typedef struct ge_case_submit {
    int64_t client_id;
    const char *draft_id;
    const char *draft_features; /* the draft's features that were validated */
    const char *idempotency_key;
    const char *request_hash; /* tells a retry from a different request */
    const char *service;
    const char *reference; /* NULL: none */
    const char *applicant_json;
    const char *period_start; /* NULL: none */
    const char *period_end;
    const char *report_json;
    const char *content_hash;
    const ge_case_feature *features;
    size_t nfeatures;
    const char *actor; /* for the audit trail, e.g. "client:3" */
} ge_case_submit;

typedef enum ge_submit_outcome {
    GE_SUBMIT_CREATED,         /* a new case; case_id set */
    GE_SUBMIT_REPLAYED,        /* the key was used before for this request; case_id set */
    GE_SUBMIT_KEY_REUSED,      /* the key was used before for another request */
    GE_SUBMIT_DRAFT_SUBMITTED, /* the draft became a case under another key */
    GE_SUBMIT_DRAFT_CHANGED,   /* the draft's features changed after validation */
    GE_SUBMIT_DRAFT_EXPIRED    /* the draft expired meanwhile */
} ge_submit_outcome;

/*
 * Turns a draft into a case in one write transaction: the case, its
 * features, the "submitted" event, the idempotency key and the draft's
 * submitted_at commit together or not at all. Concurrent calls with the same
 * (client, key) are serialised by the write lock: the first creates, the
 * others see its key and replay. Returns GE_OK with *outcome, or an error
 * for storage failures only.
 */
int ge_store_case_submit(ge_store *st, const ge_case_submit *in, time_t now,
                         ge_submit_outcome *outcome, char case_id[40], ge_err *err);

/* The case a client's key made, for a replay before validating again:
 * GE_ENOENT when the key is unused; *same_request tells a retry. */
int ge_store_case_by_key(ge_store *st, int64_t client_id, const char *key, const char *request_hash,
                         char case_id[40], bool *same_request, ge_err *err);

typedef struct ge_case {
    char id[40];
    int64_t client_id;
    char draft_id[40];
    char service[64];
    char reference[260];
    char *applicant; /* JSON text; malloc'd */
    char period_start[16];
    char period_end[16];
    char status[32];
    char *report; /* JSON text; malloc'd */
    char content_hash[80];
    char created_at[32];
    char updated_at[32];
    int64_t version; /* 1 at submission, + 1 with every change (migration 8) */
} ge_case;

void ge_case_clear(ge_case *c);

/* GE_ENOENT when there is no such case. */
int ge_store_case_get(ge_store *st, const char *id, ge_case *out, ge_err *err);

/* The case submitted from the draft draft_id; GE_ENOENT when there is none
 * or it has been purged (retention). */
int ge_store_case_by_draft(ge_store *st, const char *draft_id, ge_case *out, ge_err *err);

/* Visits a case's features in order (fid is the index from 0). */
int ge_store_case_features(ge_store *st, const char *id, ge_feature_cb cb, void *ud, ge_err *err);

/* One feature of a case near a drawing, for the conflict rules. */
typedef int (*ge_case_near_cb)(void *ud, const char *case_id, const char *service,
                               const char *period_start, const char *period_end,
                               const unsigned char *wkb, size_t wkb_len);

/* Visits the features of cases that are not rejected (an approved case
 * takes the place; review contract) whose bounding boxes meet bbox (minx,
 * miny, maxx, maxy in the store CRS), through the spatial index, at most
 * limit of them; a case made from exclude_draft_id
 * (may be NULL) is left out, so a draft never conflicts with itself. */
int ge_store_cases_near(ge_store *st, const double bbox[4], const char *exclude_draft_id,
                        size_t limit, ge_case_near_cb cb, void *ud, ge_err *err);

#endif
