/*
 * store_shared.h - logic without SQL that both backends (store/sqlite and
 * store/postgis) run the same way: what a backend decides from the rows it
 * read, and how it fills a result, written once so the two cannot drift.
 * Kept apart from store_backend.h (the backend interface); each function
 * names the file that implements it.
 */
#ifndef GE_STORE_SHARED_H
#define GE_STORE_SHARED_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store_decisions.h"
#include "store_features.h"
#include "store_forms.h"
#include "store_webhooks.h"

#include <jansson.h>

/* A case as a status change reads it inside its transaction. */
typedef struct ge_decision_row {
    char service[64];
    char status[32];
    char updated_at[32];
    char closed_at[32];
    int64_t version;
    bool purged;
} ge_decision_row;

/* A status change's start (store_decision_rules.c): row and out emptied
 * (outcome GE_DECISION_NOT_FOUND, from GE_CASE_NSTATUS), then in checked - a case, an
 * actor and a status, and a comment where the status needs one; GE_EINVAL
 * with the reason in err when not. */
int ge_decision_start(const ge_status_change *in, ge_decision_row *row, ge_status_result *out,
                      ge_err *err);

/* Whether the change of in may go on for the case read as row: false when
 * the caller may not see the case (out untouched: not found), else out gets
 * the case's service, status, times and version, and false when the case is
 * purged, the precondition (If-Match) fails or the transition is not
 * allowed, with that outcome in out. (store_decision_rules.c) */
bool ge_decision_may_go_on(const ge_status_change *in, const ge_decision_row *row,
                           ge_status_result *out);

/* out->unacknowledged of each of out's conflicts, from the ids in
 * in->acknowledged; whether the caller named every one of them.
 * (store_decision_rules.c) */
bool ge_decision_acknowledge(const ge_status_change *in, ge_status_result *out);

/* out after the change of in was written at now for the case read as row:
 * the new time, version (row's + 1) and, when in's status closes the case,
 * closed_at. (store_decision_rules.c) */
void ge_decision_written(const ge_status_change *in, const ge_decision_row *row, const char *now,
                         ge_status_result *out);

/* out after a failed change: freed and emptied as ge_decision_start left it.
 * (store_decision_rules.c) */
void ge_decision_failed(ge_status_result *out);

/* GE_EINVAL naming layer unless ge_store_layer_name_valid accepts it.
 * (store_feature_rules.c) */
int ge_features_layer_check(const char *layer, ge_err *err);

/* A features query's start (store_feature_rules.c): page emptied (matched
 * -1), then q checked - its layer name, a limit of 1 or more, at most
 * max_filters property filters whose names have no quote or backslash and
 * at most 120 bytes; GE_EINVAL with the reason in err when not. */
int ge_features_query_start(const ge_features_query *q, size_t max_filters, ge_features_page *page,
                            ge_err *err);

/* The layer's version v as read (-1: no such layer) into *version; GE_ENOENT
 * naming layer when it does not exist. (store_feature_rules.c) */
int ge_features_layer_found(const char *layer, int64_t v, int64_t *version, ge_err *err);

/* The feature fid of the page's query read: true when it belongs to the
 * page (page's first and last fid and count updated), false when the page
 * is full - the extra row only tells that there is more (has_next).
 * (store_feature_rules.c) */
bool ge_features_page_take(const ge_features_query *q, ge_features_page *page, int64_t fid);

/* GE_ENOENT: feature fid is not in layer. (store_feature_rules.c) */
int ge_features_missing(const char *layer, int64_t fid, ge_err *err);

/* GE_EINVAL, the message starting with what (e.g. "tile query"), unless
 * every coordinate of box is finite. (store_tile_rules.c) */
int ge_store_box_check(const double box[4], const char *what, ge_err *err);

/* A tile query's layer and box (store_tile_rules.c): GE_EINVAL naming the
 * layer or the coordinate when not valid. */
int ge_tiles_query_check(const char *layer, const double box[4], ge_err *err);

/* GE_EINVAL naming layer unless it is a valid layer name, as the tiles and
 * their field list say it. (store_tile_rules.c) */
int ge_tiles_layer_check(const char *layer, ge_err *err);

/* Sets the field name of the tiles' field list to its kind as both stores'
 * SQL rank it: 1 "Number", 2 "Boolean", else "String" (a mixed column).
 * (store_tile_rules.c) */
void ge_tiles_field_set(json_t *fields, const char *name, int kind);

/* An address query's checks (store_addresses_match.c): q at most
 * GE_ADDRESSES_Q_MAX bytes with a letter or digit, limit
 * 1..GE_ADDRESSES_LIMIT_MAX; its match expression, number and word as
 * ge_store_addresses_match gives them (buffers as it wants them for
 * GE_ADDRESSES_Q_MAX). GE_EINVAL with the reason in err when not. */
int ge_addresses_query_check(const char *q, int limit, char *expr, char *number, char *word,
                             ge_err *err);

/* A webhook attempt's outcome (store_webhook_policy.c), made the attempts
 * count with it: delivered on a 2xx that is not permanent; a retry when the
 * answer is retryable and fewer than pol->max_attempts were made, *next_at
 * then now plus the backoff or the receiver's Retry-After within
 * GE_WEBHOOK_BACKOFF_MAX_S (else 0); failed otherwise. */
ge_webhook_outcome ge_store_webhook_decide(const ge_webhook_attempt *a,
                                           const ge_webhook_policy *pol, int made, int64_t now,
                                           int64_t *next_at);

/* GE_ENOENT: delivery id is gone or settled. (store_webhook_policy.c) */
int ge_store_webhook_gone(int64_t id, ge_err *err);

/* A revocation that changed no row (store_client_rules.c): GE_ECONFLICT
 * when client id exists (it is revoked already), else GE_ENOENT. */
int ge_client_revoke_refused(int64_t id, bool exists, ge_err *err);

/* A client looked up by its key's hash (store_client_rules.c): GE_OK when
 * stored_hash (the row's, NULL when there is no row) equals key_hash in
 * constant time; else out cleared and GE_ENOENT, the same text whether no
 * row or a different hash came back. */
int ge_client_key_matches(const char *stored_hash, const char *key_hash, ge_client *out,
                          ge_err *err);

#endif
