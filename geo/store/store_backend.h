/*
 * store_backend.h - what a store implementation provides: one function
 * pointer per ge_store_* function, grouped by subject, one struct per
 * subject. store.c forwards every ge_store_* call to the backend the store
 * was opened with (sqlite/ or postgis/, chosen by the form of opts->path).
 *
 * Each subject file of a backend defines its subject's struct
 * (sqlite/store_clients.c: ge_sqlite_clients_ops, postgis/pg_clients.c:
 * ge_pg_clients_ops) and nothing else public, so that subjects are written
 * and changed without touching one another's lines; the backend's table
 * (ge_sqlite_backend, ge_pg_backend) only points at them. A backend function
 * has the signature of the ge_store_* function it implements and gets the
 * ge_store itself; its own state is ge_store_impl(st). Every entry is set:
 * a function a backend lacks answers an error (tests/unit/test_store_backend.c).
 *
 * Nothing outside geo/store includes this header.
 */
#ifndef GE_STORE_BACKEND_H
#define GE_STORE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "error.h"
#include "store.h"
#include "store_addresses.h"
#include "store_case_tiles.h"
#include "store_decisions.h"
#include "store_export.h"
#include "store_features.h"
#include "store_forms.h"
#include "store_retention.h"
#include "store_review.h"
#include "store_tiles.h"
#include "store_users.h"
#include "store_webhooks.h"
#include "store_webhooks_admin.h"

/* store.h: open, close and what a store says about itself. */
typedef struct ge_store_core_ops {
    /* Opens the store at opts->path and migrates it up to version target
     * (ge_store_latest_version() for all); sets the backend's state with
     * ge_store_set_impl(st, ...) before anything can fail after it, so that
     * close cleans up after a failed open too. */
    int (*open)(ge_store *st, const ge_store_opts *opts, int target, ge_err *err);
    /* Frees the backend's state (ge_store_impl(st), possibly NULL). */
    void (*close)(ge_store *st);
    const char *(*name)(const ge_store *st);
    int (*srid)(const ge_store *st);
    int (*schema_version)(ge_store *st);
    int (*ping)(ge_store *st, ge_err *err);
    void (*mem_stats)(ge_store *st, ge_store_mem *out);
} ge_store_core_ops;

/* store.h: layers (sqlite/store_spatialite.c) */
typedef struct ge_store_layers_ops {
    int (*layers_stamp)(ge_store *st, int64_t *stamp, ge_err *err);
    int (*layer_list)(ge_store *st, ge_layer_info **out, size_t *n, ge_err *err);
    int (*layer_get)(ge_store *st, const char *name, ge_layer_info *out, ge_err *err);
    int (*layer_scan)(ge_store *st, const char *name, ge_feature_cb cb, void *ud, ge_err *err);
    /* the import batch: begin hands out the backend's own batch (*batch),
     * which the other four get back; commit and abort free it */
    int (*batch_begin)(ge_store *st, time_t now, void **batch, ge_err *err);
    int (*batch_layer)(void *batch, const ge_layer_info *meta, ge_err *err);
    int (*batch_add)(void *batch, const unsigned char *wkb, size_t wkb_len, const char *props_json,
                     ge_err *err);
    int (*batch_commit)(void *batch, ge_err *err);
    void (*batch_abort)(void *batch);
} ge_store_layers_ops;

/* store_addresses.h: addresses (sqlite/store_addresses.c) */
typedef struct ge_store_addresses_ops {
    int (*addresses_search)(ge_store *st, const char *q, int limit, ge_address *out, size_t *n,
                            ge_err *err);
} ge_store_addresses_ops;

/* store_case_tiles.h: case tiles (sqlite/store_case_tiles.c) */
typedef struct ge_store_case_tiles_ops {
    int (*case_tiles_version)(ge_store *st, int64_t *version, ge_err *err);
    int (*case_tiles_query)(ge_store *st, const double box[4], const char *services_json,
                            int64_t *version, ge_feature_cb cb, void *ud, ge_err *err);
} ge_store_case_tiles_ops;

/* store_forms.h: cases (sqlite/store_cases.c) */
typedef struct ge_store_cases_ops {
    int (*case_submit)(ge_store *st, const ge_case_submit *in, time_t now,
                       ge_submit_outcome *outcome, char case_id[40], ge_err *err);
    int (*case_by_key)(ge_store *st, int64_t client_id, const char *key, const char *request_hash,
                       char case_id[40], bool *same_request, ge_err *err);
    int (*case_get)(ge_store *st, const char *id, ge_case *out, ge_err *err);
    int (*case_by_draft)(ge_store *st, const char *draft_id, ge_case *out, ge_err *err);
    int (*case_features)(ge_store *st, const char *id, ge_feature_cb cb, void *ud, ge_err *err);
    int (*cases_near)(ge_store *st, const double bbox[4], const char *exclude_draft_id,
                      size_t limit, ge_case_near_cb cb, void *ud, ge_err *err);
} ge_store_cases_ops;

/* store_forms.h: clients (sqlite/store_clients.c) */
typedef struct ge_store_clients_ops {
    int (*client_add)(ge_store *st, const char *name, const char *key_hash,
                      const char *origins_json, const char *webhook_url, const char *webhook_secret,
                      time_t now, int64_t *id, ge_err *err);
    int (*client_list)(ge_store *st, ge_client **out, size_t *n, ge_err *err);
    int (*client_revoke)(ge_store *st, int64_t id, time_t now, ge_err *err);
    int (*client_by_key)(ge_store *st, const char *key_hash, ge_client *out, ge_err *err);
} ge_store_clients_ops;

/* store_decisions.h: decisions (sqlite/store_decisions.c) */
typedef struct ge_store_decisions_ops {
    int (*case_set_status)(ge_store *st, const ge_status_change *in, time_t now,
                           ge_status_result *out, ge_err *err);
} ge_store_decisions_ops;

/* store_forms.h: drafts (sqlite/store_drafts.c) */
typedef struct ge_store_drafts_ops {
    int (*draft_create)(ge_store *st, const ge_draft *d, const char *token_hash, time_t now,
                        ge_err *err);
    int (*draft_get)(ge_store *st, const char *id, ge_draft *out, ge_err *err);
    int (*draft_by_token)(ge_store *st, const char *token_hash, ge_draft *out, ge_err *err);
    int (*draft_save)(ge_store *st, const char *id, const char *features_json,
                      const char *validation_json, time_t now, char updated_at[32], ge_err *err);
    int (*draft_set_period)(ge_store *st, const char *id, const char *start, const char *end,
                            const char *validation_json, time_t now, char updated_at[32],
                            ge_err *err);
    int (*draft_update)(ge_store *st, const ge_draft *from, const ge_draft *to, time_t now,
                        char updated_at[32], ge_err *err);
} ge_store_drafts_ops;

/* store_export.h: export (sqlite/store_export.c) */
typedef struct ge_store_export_ops {
    int (*cases_features)(ge_store *st, const char *const *ids, size_t n, ge_store_export_cb cb,
                          void *ud, ge_err *err);
} ge_store_export_ops;

/* store_features.h: features (sqlite/store_features.c) */
typedef struct ge_store_features_ops {
    int (*features_query)(ge_store *st, const ge_features_query *q, ge_feature_cb cb, void *ud,
                          ge_features_page *page, ge_err *err);
    int (*feature_get)(ge_store *st, const char *layer, int64_t fid, ge_feature_cb cb, void *ud,
                       int64_t *version, ge_err *err);
    int (*layer_property_names)(ge_store *st, const char *layer, char ***names, size_t *n,
                                int64_t *version, ge_err *err);
} ge_store_features_ops;

/* store_retention.h: retention (sqlite/store_retention.c) */
typedef struct ge_store_retention_ops {
    int (*retention_services)(ge_store *st, char (**out)[64], size_t *n, ge_err *err);
    int (*retention_closed)(ge_store *st, const char *service, const char *cutoff,
                            ge_store_closed_case **out, size_t *n, ge_err *err);
    int (*retention_purge)(ge_store *st, const char *case_id, const char *service,
                           const char *cutoff, const char *now, bool *purged, ge_err *err);
    int (*retention_checkpoint)(ge_store *st, bool *complete, ge_err *err);
} ge_store_retention_ops;

/* store_review.h: review (sqlite/store_review.c) */
typedef struct ge_store_review_ops {
    int (*cases_list)(ge_store *st, const ge_case_filter *f, ge_case_summary_cb cb, void *ud,
                      int64_t *matched, ge_err *err);
    int (*cases_counts)(ge_store *st, const ge_case_filter *f, const char *from, const char *until,
                        ge_case_counts *out, ge_err *err);
    int (*case_review_get)(ge_store *st, const char *id, ge_case *out, char closed_at[32],
                           char purged_at[32], ge_err *err);
    int (*case_events)(ge_store *st, const char *case_id, ge_case_event_cb cb, void *ud,
                       ge_err *err);
    int (*case_conflicts)(ge_store *st, const char *case_id, double distance_m,
                          const ge_case_filter *who, size_t limit, ge_case_conflict_cb cb, void *ud,
                          ge_err *err);
    int (*cases_conflict_counts)(ge_store *st, const ge_case_conflict_query *q, size_t n,
                                 int *counts, ge_err *err);
} ge_store_review_ops;

/* store_tiles.h: tiles (sqlite/store_tiles.c) */
typedef struct ge_store_tiles_ops {
    int (*tiles_version)(ge_store *st, const char *layer, int64_t *version, ge_err *err);
    int (*tiles_query)(ge_store *st, const char *layer, const double box[4], int64_t *version,
                       ge_feature_cb cb, void *ud, ge_err *err);
    int (*tiles_fields)(ge_store *st, const char *layer, json_t **out, ge_err *err);
} ge_store_tiles_ops;

/* store_users.h: users (sqlite/store_users.c) */
typedef struct ge_store_users_ops {
    int (*user_add)(ge_store *st, const char *name, const char *password_hash, const char *role,
                    const char *services_json, time_t now, int64_t *id, ge_err *err);
    int (*user_set_password)(ge_store *st, const char *name, const char *password_hash, time_t now,
                             ge_err *err);
    int (*user_disable)(ge_store *st, const char *name, time_t now, ge_err *err);
    int (*user_list)(ge_store *st, ge_user **out, size_t *n, ge_err *err);
    int (*user_credentials)(ge_store *st, const char *name, ge_user *out,
                            char hash[GE_PASSWORD_HASH_MAX], ge_err *err);
    int (*session_create)(ge_store *st, const char *id_hash, const char *csrf_hash, int64_t user_id,
                          const char *expires_at, time_t now, ge_err *err);
    int (*session_get)(ge_store *st, const char *id_hash, ge_session_row *out, ge_err *err);
    int (*session_touch)(ge_store *st, const char *id_hash, time_t now, ge_err *err);
    int (*session_delete)(ge_store *st, const char *id_hash, ge_err *err);
    int (*sessions_expire)(ge_store *st, time_t now, const char *idle_before, int64_t *n,
                           ge_err *err);
    int (*throttle_update)(ge_store *st, ge_store_throttle_cell *cells, size_t n,
                           ge_store_throttle_fn fn, void *ud, ge_err *err);
    int (*throttle_key)(ge_store *st, const unsigned char fresh[32], unsigned char key[32],
                        ge_err *err);
} ge_store_users_ops;

/* store_webhooks.h: webhooks (sqlite/store_webhooks.c) */
typedef struct ge_store_webhooks_ops {
    int (*webhooks_claim)(ge_store *st, int64_t now, int lease_s, size_t max,
                          ge_webhook_delivery **out, size_t *n, ge_err *err);
    int (*webhooks_pending)(ge_store *st, int64_t *n, ge_err *err);
    int (*webhook_record)(ge_store *st, int64_t id, int64_t now, const ge_webhook_attempt *a,
                          const ge_webhook_policy *pol, ge_webhook_outcome *outcome, int *attempts,
                          int64_t *next_at, ge_err *err);
    int (*webhook_release)(ge_store *st, int64_t id, int64_t now, ge_err *err);
} ge_store_webhooks_ops;

/* store_webhooks_admin.h: webhooks admin (sqlite/store_webhooks_admin.c) */
typedef struct ge_store_webhooks_admin_ops {
    int (*webhooks_list)(ge_store *st, const ge_webhook_filter *f, ge_webhook_row **out, size_t *n,
                         ge_err *err);
    int (*webhooks_count)(ge_store *st, int64_t client_id, ge_webhook_counts *out, ge_err *err);
    int (*webhooks_retry)(ge_store *st, const int64_t *ids, size_t n, int64_t now, size_t *retried,
                          ge_err *err);
    int (*webhooks_retry_failed)(ge_store *st, int64_t client_id, int64_t now,
                                 ge_webhook_retry_stats *stats, ge_err *err);
} ge_store_webhooks_admin_ops;

/* A backend: its name and one struct per subject. */
typedef struct ge_store_backend {
    const char *name; /* "sqlite", "postgis" */
    const ge_store_core_ops *core;
    const ge_store_layers_ops *layers;
    const ge_store_addresses_ops *addresses;
    const ge_store_case_tiles_ops *case_tiles;
    const ge_store_cases_ops *cases;
    const ge_store_clients_ops *clients;
    const ge_store_decisions_ops *decisions;
    const ge_store_drafts_ops *drafts;
    const ge_store_export_ops *export;
    const ge_store_features_ops *features;
    const ge_store_retention_ops *retention;
    const ge_store_review_ops *review;
    const ge_store_tiles_ops *tiles;
    const ge_store_users_ops *users;
    const ge_store_webhooks_ops *webhooks;
    const ge_store_webhooks_admin_ops *webhooks_admin;
} ge_store_backend;

/* Calls X(subject) for every subject struct of ge_store_backend, e.g. for a
 * test that looks through every entry of a table. */
#define GE_STORE_SUBJECTS(X)                                                                       \
    X(core)                                                                                        \
    X(layers)                                                                                      \
    X(addresses)                                                                                   \
    X(case_tiles)                                                                                  \
    X(cases)                                                                                       \
    X(clients)                                                                                     \
    X(decisions)                                                                                   \
    X(drafts)                                                                                      \
    X(export)                                                                                      \
    X(features)                                                                                    \
    X(retention)                                                                                   \
    X(review)                                                                                      \
    X(tiles)                                                                                       \
    X(users)                                                                                       \
    X(webhooks)                                                                                    \
    X(webhooks_admin)

extern const ge_store_backend ge_sqlite_backend;
extern const ge_store_backend ge_pg_backend;

/* The newest migration of the SQLite store (sqlite/store_migrations.c); the
 * PostGIS store has the same versions (tests/unit/test_pg_migrations.c). */
int ge_sqlite_latest_version(void);

/* The backend's own state of an open store, as its open set it. */
void *ge_store_impl(const ge_store *st);
void ge_store_set_impl(ge_store *st, void *impl);

/* The backend a store was opened with. */
const ge_store_backend *ge_store_backend_of(const ge_store *st);

/* A case filter's values as a backend binds them (store_case_filter.c):
 * lists as JSON array text (NULL: no condition; allowed is always set),
 * q folded as the backend folds the searched text. */
typedef struct ge_case_filter_params {
    char *services; /* JSON text or NULL */
    char *allowed;
    char *statuses;
    char q[GE_CASE_FILTER_Q_MAX * 2 + 1];
} ge_case_filter_params;

int ge_case_filter_params_make(const ge_case_filter *f, ge_case_filter_params *p, ge_err *err);
void ge_case_filter_params_free(ge_case_filter_params *p);

/*
 * Room for one more row in a malloc'd result array v of *cap elements of
 * elem_size bytes, len of them used: v itself while there is room, else v
 * grown to twice the size (the first time first_cap elements), *cap updated.
 * NULL with GE_ENOMEM in err when memory runs out; v is then untouched and
 * still the caller's to free. (store_rows.c; both backends use it)
 */
void *ge_store_grow(void *v, size_t *cap, size_t len, size_t elem_size, size_t first_cap,
                    ge_err *err);

/* The import batch on both backends (store_common.c): the base type (1
 * Point .. 7 GeometryCollection) of ISO, OGC or EWKB, 0 when wkb is not
 * WKB; and the layer's geometry_type for the set of base types written
 * (bit n: type n), "Geometry" when they are mixed or none. */
int ge_store_wkb_base_type(const unsigned char *wkb, size_t len);
const char *ge_store_geometry_type_name(unsigned types);

/* An address query as FTS5's MATCH expression: "w1"* "w2"* ... (words are
 * runs of letters and digits, any non-ASCII byte a letter; "ß" and "ẞ" are
 * written "ss"); the number of words. out holds 4 * strlen(q) + 1 bytes;
 * number gets the first word that starts with a digit ("" when none), word
 * the first other word, each 2 * strlen(q) + 1 bytes.
 * (store_addresses_match.c; both backends' address search) */
size_t ge_store_addresses_match(const char *q, char *out, char *number, char *word);

/* The login throttle's key as stored (64 lower-case hex digits) and back;
 * GE_EINVAL when the stored text is not such a key. (store_common.c) */
void ge_store_throttle_key_hex(const unsigned char key[32], char hex[65]);
int ge_store_throttle_key_parse(const char *hex, unsigned char key[32], ge_err *err);

#endif
