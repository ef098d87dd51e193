/*
 * store.c - the store interface (store.h and the store_*.h subject headers)
 * over its implementations: ge_store_open picks the backend, every other
 * ge_store_* function forwards to it (store_backend.h).
 *
 * Which backend: opts->path names a SpatiaLite file (sqlite/) - the
 * default, one binary and one file - or is a PostgreSQL connection string
 * (postgresql://..., postgres://..., key=value ...): PostgreSQL 15 +
 * PostGIS 3 (postgis/), for several instances on one database. Nothing in
 * here knows SQL.
 */
#include "store.h"
#include "store_backend.h"

#include <stdlib.h>
#include <string.h>

struct ge_store {
    const ge_store_backend *be;
    void *impl; /* the backend's own state */
};

/* The import batch the callers hold: its store and the backend's batch. */
struct ge_import_batch {
    ge_store *st;
    void *impl;
};

void *ge_store_impl(const ge_store *st)
{
    return st->impl;
}

void ge_store_set_impl(ge_store *st, void *impl)
{
    st->impl = impl;
}

const ge_store_backend *ge_store_backend_of(const ge_store *st)
{
    return st->be;
}

bool ge_store_path_is_postgres(const char *path)
{
    if (!path) return false;
    if (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0)
        return true;
    size_t i = 0;
    while (path[i] == ' ')
        i++;
    size_t k = i;
    while ((path[k] >= 'a' && path[k] <= 'z') || path[k] == '_')
        k++;
    while (k > i && path[k] == ' ')
        k++;
    return k > i && path[k] == '=';
}

/* The backend for opts->path. */
static const ge_store_backend *ge_store_backend_for(const ge_store_opts *opts)
{
    return opts && ge_store_path_is_postgres(opts->path) ? &ge_pg_backend : &ge_sqlite_backend;
}

int ge_store_latest_version(void)
{
    return ge_sqlite_latest_version();
}

int ge_store_open_at_version(ge_store **out, const ge_store_opts *opts, int target, ge_err *err)
{
    *out = NULL;
    ge_store *st = calloc(1, sizeof *st);
    if (!st) return ge_err_set(err, GE_ENOMEM, "out of memory");
    st->be = ge_store_backend_for(opts);
    int rc = st->be->core->open(st, opts, target, err);
    if (rc < 0) {
        ge_store_close(st);
        return rc;
    }
    *out = st;
    return GE_OK;
}

int ge_store_open(ge_store **out, const ge_store_opts *opts, ge_err *err)
{
    return ge_store_open_at_version(out, opts, ge_store_latest_version(), err);
}

void ge_store_close(ge_store *st)
{
    if (!st) return;
    st->be->core->close(st);
    free(st);
}

const char *ge_store_name(const ge_store *st)
{
    return st->be->core->name(st);
}

int ge_store_srid(const ge_store *st)
{
    return st->be->core->srid(st);
}

int ge_store_schema_version(ge_store *st)
{
    return st->be->core->schema_version(st);
}

int ge_store_ping(ge_store *st, ge_err *err)
{
    return st->be->core->ping(st, err);
}

void ge_store_mem_stats(ge_store *st, ge_store_mem *out)
{
    st->be->core->mem_stats(st, out);
}

/* ---- store.h: the import batch ------------------------------------------- */

int ge_import_batch_begin(ge_store *st, time_t now, ge_import_batch **out, ge_err *err)
{
    *out = NULL;
    ge_import_batch *b = calloc(1, sizeof *b);
    if (!b) return ge_err_set(err, GE_ENOMEM, "out of memory");
    b->st = st;
    int rc = st->be->layers->batch_begin(st, now, &b->impl, err);
    if (rc < 0) {
        free(b);
        return rc;
    }
    *out = b;
    return GE_OK;
}

int ge_import_batch_layer(ge_import_batch *b, const ge_layer_info *meta, ge_err *err)
{
    return b->st->be->layers->batch_layer(b->impl, meta, err);
}

int ge_import_batch_add(ge_import_batch *b, const unsigned char *wkb, size_t wkb_len,
                        const char *props_json, ge_err *err)
{
    return b->st->be->layers->batch_add(b->impl, wkb, wkb_len, props_json, err);
}

int ge_import_batch_commit(ge_import_batch *b, ge_err *err)
{
    int rc = b->st->be->layers->batch_commit(b->impl, err);
    free(b);
    return rc;
}

void ge_import_batch_abort(ge_import_batch *b)
{
    if (!b) return;
    b->st->be->layers->batch_abort(b->impl);
    free(b);
}

/* ---- store.h: layers ----------------------------------------------- */

int ge_store_layers_stamp(ge_store *st, int64_t *stamp, ge_err *err)
{
    return st->be->layers->layers_stamp(st, stamp, err);
}

int ge_store_layer_list(ge_store *st, ge_layer_info **out, size_t *n, ge_err *err)
{
    return st->be->layers->layer_list(st, out, n, err);
}

int ge_store_layer_get(ge_store *st, const char *name, ge_layer_info *out, ge_err *err)
{
    return st->be->layers->layer_get(st, name, out, err);
}

int ge_store_layer_scan(ge_store *st, const char *name, ge_feature_cb cb, void *ud, ge_err *err)
{
    return st->be->layers->layer_scan(st, name, cb, ud, err);
}

/* ---- store_addresses.h: addresses ---------------------------------- */

int ge_store_addresses_search(ge_store *st, const char *q, int limit, ge_address *out, size_t *n,
                              ge_err *err)
{
    return st->be->addresses->addresses_search(st, q, limit, out, n, err);
}

/* ---- store_case_tiles.h: case tiles -------------------------------- */

int ge_store_case_tiles_version(ge_store *st, int64_t *version, ge_err *err)
{
    return st->be->case_tiles->case_tiles_version(st, version, err);
}

int ge_store_case_tiles_query(ge_store *st, const double box[4], const char *services_json,
                              int64_t *version, ge_feature_cb cb, void *ud, ge_err *err)
{
    return st->be->case_tiles->case_tiles_query(st, box, services_json, version, cb, ud, err);
}

/* ---- store_forms.h: cases ------------------------------------------ */

int ge_store_case_submit(ge_store *st, const ge_case_submit *in, time_t now,
                         ge_submit_outcome *outcome, char case_id[40], ge_err *err)
{
    return st->be->cases->case_submit(st, in, now, outcome, case_id, err);
}

int ge_store_case_by_key(ge_store *st, int64_t client_id, const char *key, const char *request_hash,
                         char case_id[40], bool *same_request, ge_err *err)
{
    return st->be->cases->case_by_key(st, client_id, key, request_hash, case_id, same_request, err);
}

int ge_store_case_get(ge_store *st, const char *id, ge_case *out, ge_err *err)
{
    return st->be->cases->case_get(st, id, out, err);
}

int ge_store_case_by_draft(ge_store *st, const char *draft_id, ge_case *out, ge_err *err)
{
    return st->be->cases->case_by_draft(st, draft_id, out, err);
}

int ge_store_case_features(ge_store *st, const char *id, ge_feature_cb cb, void *ud, ge_err *err)
{
    return st->be->cases->case_features(st, id, cb, ud, err);
}

int ge_store_cases_near(ge_store *st, const double bbox[4], const char *exclude_draft_id,
                        size_t limit, ge_case_near_cb cb, void *ud, ge_err *err)
{
    return st->be->cases->cases_near(st, bbox, exclude_draft_id, limit, cb, ud, err);
}

/* ---- store_forms.h: clients ---------------------------------------- */

int ge_store_client_add(ge_store *st, const char *name, const char *key_hash,
                        const char *origins_json, const char *webhook_url,
                        const char *webhook_secret, time_t now, int64_t *id, ge_err *err)
{
    return st->be->clients->client_add(st, name, key_hash, origins_json, webhook_url,
                                       webhook_secret, now, id, err);
}

int ge_store_client_list(ge_store *st, ge_client **out, size_t *n, ge_err *err)
{
    return st->be->clients->client_list(st, out, n, err);
}

int ge_store_client_revoke(ge_store *st, int64_t id, time_t now, ge_err *err)
{
    return st->be->clients->client_revoke(st, id, now, err);
}

int ge_store_client_by_key(ge_store *st, const char *key_hash, ge_client *out, ge_err *err)
{
    return st->be->clients->client_by_key(st, key_hash, out, err);
}

/* ---- store_decisions.h: decisions ---------------------------------- */

int ge_store_case_set_status(ge_store *st, const ge_status_change *in, time_t now,
                             ge_status_result *out, ge_err *err)
{
    return st->be->decisions->case_set_status(st, in, now, out, err);
}

/* ---- store_forms.h: drafts ----------------------------------------- */

int ge_store_draft_create(ge_store *st, const ge_draft *d, const char *token_hash, time_t now,
                          ge_err *err)
{
    return st->be->drafts->draft_create(st, d, token_hash, now, err);
}

int ge_store_draft_get(ge_store *st, const char *id, ge_draft *out, ge_err *err)
{
    return st->be->drafts->draft_get(st, id, out, err);
}

int ge_store_draft_by_token(ge_store *st, const char *token_hash, ge_draft *out, ge_err *err)
{
    return st->be->drafts->draft_by_token(st, token_hash, out, err);
}

int ge_store_draft_save(ge_store *st, const char *id, const char *features_json,
                        const char *validation_json, time_t now, char updated_at[32], ge_err *err)
{
    return st->be->drafts->draft_save(st, id, features_json, validation_json, now, updated_at, err);
}

int ge_store_draft_set_period(ge_store *st, const char *id, const char *start, const char *end,
                              const char *validation_json, time_t now, char updated_at[32],
                              ge_err *err)
{
    return st->be->drafts->draft_set_period(st, id, start, end, validation_json, now, updated_at,
                                            err);
}

int ge_store_draft_update(ge_store *st, const ge_draft *from, const ge_draft *to, time_t now,
                          char updated_at[32], ge_err *err)
{
    return st->be->drafts->draft_update(st, from, to, now, updated_at, err);
}

/* ---- store_export.h: export ---------------------------------------- */

int ge_store_cases_features(ge_store *st, const char *const *ids, size_t n, ge_store_export_cb cb,
                            void *ud, ge_err *err)
{
    return st->be->export->cases_features(st, ids, n, cb, ud, err);
}

/* ---- store_features.h: features ------------------------------------ */

int ge_store_features_query(ge_store *st, const ge_features_query *q, ge_feature_cb cb, void *ud,
                            ge_features_page *page, ge_err *err)
{
    return st->be->features->features_query(st, q, cb, ud, page, err);
}

int ge_store_feature_get(ge_store *st, const char *layer, int64_t fid, ge_feature_cb cb, void *ud,
                         int64_t *version, ge_err *err)
{
    return st->be->features->feature_get(st, layer, fid, cb, ud, version, err);
}

int ge_store_layer_property_names(ge_store *st, const char *layer, char ***names, size_t *n,
                                  int64_t *version, ge_err *err)
{
    return st->be->features->layer_property_names(st, layer, names, n, version, err);
}

/* ---- store_retention.h: retention ---------------------------------- */

int ge_store_retention_services(ge_store *st, char (**out)[64], size_t *n, ge_err *err)
{
    return st->be->retention->retention_services(st, out, n, err);
}

int ge_store_retention_closed(ge_store *st, const char *service, const char *cutoff,
                              ge_store_closed_case **out, size_t *n, ge_err *err)
{
    return st->be->retention->retention_closed(st, service, cutoff, out, n, err);
}

int ge_store_retention_purge(ge_store *st, const char *case_id, const char *service,
                             const char *cutoff, const char *now, bool *purged, ge_err *err)
{
    return st->be->retention->retention_purge(st, case_id, service, cutoff, now, purged, err);
}

int ge_store_retention_checkpoint(ge_store *st, bool *complete, ge_err *err)
{
    return st->be->retention->retention_checkpoint(st, complete, err);
}

/* ---- store_review.h: review ---------------------------------------- */

int ge_store_cases_list(ge_store *st, const ge_case_filter *f, ge_case_summary_cb cb, void *ud,
                        int64_t *matched, ge_err *err)
{
    return st->be->review->cases_list(st, f, cb, ud, matched, err);
}

int ge_store_cases_counts(ge_store *st, const ge_case_filter *f, const char *from,
                          const char *until, ge_case_counts *out, ge_err *err)
{
    return st->be->review->cases_counts(st, f, from, until, out, err);
}

int ge_store_case_review_get(ge_store *st, const char *id, ge_case *out, char closed_at[32],
                             char purged_at[32], ge_err *err)
{
    return st->be->review->case_review_get(st, id, out, closed_at, purged_at, err);
}

int ge_store_case_events(ge_store *st, const char *case_id, ge_case_event_cb cb, void *ud,
                         ge_err *err)
{
    return st->be->review->case_events(st, case_id, cb, ud, err);
}

int ge_store_case_conflicts(ge_store *st, const char *case_id, double distance_m,
                            const ge_case_filter *who, size_t limit, ge_case_conflict_cb cb,
                            void *ud, ge_err *err)
{
    return st->be->review->case_conflicts(st, case_id, distance_m, who, limit, cb, ud, err);
}

int ge_store_cases_conflict_counts(ge_store *st, const ge_case_conflict_query *q, size_t n,
                                   int *counts, ge_err *err)
{
    return st->be->review->cases_conflict_counts(st, q, n, counts, err);
}

/* ---- store_tiles.h: tiles ------------------------------------------ */

int ge_store_tiles_version(ge_store *st, const char *layer, int64_t *version, ge_err *err)
{
    return st->be->tiles->tiles_version(st, layer, version, err);
}

int ge_store_tiles_query(ge_store *st, const char *layer, const double box[4], int64_t *version,
                         ge_feature_cb cb, void *ud, ge_err *err)
{
    return st->be->tiles->tiles_query(st, layer, box, version, cb, ud, err);
}

int ge_store_tiles_fields(ge_store *st, const char *layer, json_t **out, ge_err *err)
{
    return st->be->tiles->tiles_fields(st, layer, out, err);
}

/* ---- store_users.h: users ------------------------------------------ */

int ge_store_user_add(ge_store *st, const char *name, const char *password_hash, const char *role,
                      const char *services_json, time_t now, int64_t *id, ge_err *err)
{
    return st->be->users->user_add(st, name, password_hash, role, services_json, now, id, err);
}

int ge_store_user_set_password(ge_store *st, const char *name, const char *password_hash,
                               time_t now, ge_err *err)
{
    return st->be->users->user_set_password(st, name, password_hash, now, err);
}

int ge_store_user_disable(ge_store *st, const char *name, time_t now, ge_err *err)
{
    return st->be->users->user_disable(st, name, now, err);
}

int ge_store_user_list(ge_store *st, ge_user **out, size_t *n, ge_err *err)
{
    return st->be->users->user_list(st, out, n, err);
}

int ge_store_user_credentials(ge_store *st, const char *name, ge_user *out,
                              char hash[GE_PASSWORD_HASH_MAX], ge_err *err)
{
    return st->be->users->user_credentials(st, name, out, hash, err);
}

int ge_store_session_create(ge_store *st, const char *id_hash, const char *csrf_hash,
                            int64_t user_id, const char *expires_at, time_t now, ge_err *err)
{
    return st->be->users->session_create(st, id_hash, csrf_hash, user_id, expires_at, now, err);
}

int ge_store_session_get(ge_store *st, const char *id_hash, ge_session_row *out, ge_err *err)
{
    return st->be->users->session_get(st, id_hash, out, err);
}

int ge_store_session_touch(ge_store *st, const char *id_hash, time_t now, ge_err *err)
{
    return st->be->users->session_touch(st, id_hash, now, err);
}

int ge_store_session_delete(ge_store *st, const char *id_hash, ge_err *err)
{
    return st->be->users->session_delete(st, id_hash, err);
}

int ge_store_sessions_expire(ge_store *st, time_t now, const char *idle_before, int64_t *n,
                             ge_err *err)
{
    return st->be->users->sessions_expire(st, now, idle_before, n, err);
}

int ge_store_throttle_update(ge_store *st, ge_store_throttle_cell *cells, size_t n,
                             ge_store_throttle_fn fn, void *ud, ge_err *err)
{
    return st->be->users->throttle_update(st, cells, n, fn, ud, err);
}

int ge_store_throttle_key(ge_store *st, const unsigned char fresh[32], unsigned char key[32],
                          ge_err *err)
{
    return st->be->users->throttle_key(st, fresh, key, err);
}

/* ---- store_webhooks.h: webhooks ------------------------------------ */

int ge_store_webhooks_claim(ge_store *st, int64_t now, int lease_s, size_t max,
                            ge_webhook_delivery **out, size_t *n, ge_err *err)
{
    return st->be->webhooks->webhooks_claim(st, now, lease_s, max, out, n, err);
}

int ge_store_webhooks_pending(ge_store *st, int64_t *n, ge_err *err)
{
    return st->be->webhooks->webhooks_pending(st, n, err);
}

int ge_store_webhook_record(ge_store *st, int64_t id, int64_t now, const ge_webhook_attempt *a,
                            const ge_webhook_policy *pol, ge_webhook_outcome *outcome,
                            int *attempts, int64_t *next_at, ge_err *err)
{
    return st->be->webhooks->webhook_record(st, id, now, a, pol, outcome, attempts, next_at, err);
}

int ge_store_webhook_release(ge_store *st, int64_t id, int64_t now, ge_err *err)
{
    return st->be->webhooks->webhook_release(st, id, now, err);
}

/* ---- store_webhooks_admin.h: webhooks admin ------------------------ */

int ge_store_webhooks_list(ge_store *st, const ge_webhook_filter *f, ge_webhook_row **out,
                           size_t *n, ge_err *err)
{
    return st->be->webhooks_admin->webhooks_list(st, f, out, n, err);
}

int ge_store_webhooks_count(ge_store *st, int64_t client_id, ge_webhook_counts *out, ge_err *err)
{
    return st->be->webhooks_admin->webhooks_count(st, client_id, out, err);
}

int ge_store_webhooks_retry(ge_store *st, const int64_t *ids, size_t n, int64_t now,
                            size_t *retried, ge_err *err)
{
    return st->be->webhooks_admin->webhooks_retry(st, ids, n, now, retried, err);
}

int ge_store_webhooks_retry_failed(ge_store *st, int64_t client_id, int64_t now,
                                   ge_webhook_retry_stats *stats, ge_err *err)
{
    return st->be->webhooks_admin->webhooks_retry_failed(st, client_id, now, stats, err);
}
