/*
 * store_users.h - the store's side of caseworker accounts: users (name,
 * argon2id password hash, role, services, disabled) and their login
 * sessions.
 *
 * Session ids and CSRF secrets cross this interface only as hashes
 * (token.h); password hashes only leave the store for checking a login
 * (ge_store_user_credentials), never in a listing. Times are RFC 3339 UTC
 * text and compare as strings. Implemented in store_users.c.
 */
#ifndef GE_STORE_USERS_H
#define GE_STORE_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "password.h"
#include "store.h"

/* The roles a user can have. */
#define GE_ROLE_CASEWORKER "caseworker"
#define GE_ROLE_ADMIN      "admin"

typedef struct ge_user {
    int64_t id;
    char name[128];
    char role[16];       /* GE_ROLE_CASEWORKER or GE_ROLE_ADMIN */
    char *services_json; /* JSON array of service ids; malloc'd */
    bool disabled;
    char created_at[32];
    char last_login_at[32]; /* "" when never */
} ge_user;

void ge_user_clear(ge_user *u);

/* Adds a user. GE_ECONFLICT when the name is taken. */
int ge_store_user_add(ge_store *st, const char *name, const char *password_hash, const char *role,
                      const char *services_json, time_t now, int64_t *id, ge_err *err);

/* Replaces a user's password hash and ends all their sessions (whoever
 * knew the old password is logged out). GE_ENOENT for an unknown name. */
int ge_store_user_set_password(ge_store *st, const char *name, const char *password_hash,
                               time_t now, ge_err *err);

/* Disables a user and ends all their sessions. GE_ENOENT for an unknown
 * name, GE_ECONFLICT when already disabled. */
int ge_store_user_disable(ge_store *st, const char *name, time_t now, ge_err *err);

/* All users by name. Free with ge_user_list_free. */
int ge_store_user_list(ge_store *st, ge_user **out, size_t *n, ge_err *err);
void ge_user_list_free(ge_user *v, size_t n);

/* A user and the password hash to check a login against (disabled users
 * too: the caller decides). GE_ENOENT for an unknown name. */
int ge_store_user_credentials(ge_store *st, const char *name, ge_user *out,
                              char hash[GE_PASSWORD_HASH_MAX], ge_err *err);

/* ---- sessions ------------------------------------------------------------ */

typedef struct ge_session_row {
    ge_user user;
    char csrf_hash[72];
    char created_at[32];
    char last_seen[32];
    char expires_at[32]; /* the absolute end of the session */
} ge_session_row;

/* Starts a session and records the login as the user's last one. */
int ge_store_session_create(ge_store *st, const char *id_hash, const char *csrf_hash,
                            int64_t user_id, const char *expires_at, time_t now, ge_err *err);

/* The session with this id hash, with its user; GE_ENOENT when there is
 * none or its user is disabled. Expiry is the caller's to judge. Clear
 * out->user with ge_user_clear. */
int ge_store_session_get(ge_store *st, const char *id_hash, ge_session_row *out, ge_err *err);

/* Records activity: last_seen = now. */
int ge_store_session_touch(ge_store *st, const char *id_hash, time_t now, ge_err *err);

/* Ends a session. GE_ENOENT when there was none. */
int ge_store_session_delete(ge_store *st, const char *id_hash, ge_err *err);

/* Deletes every session that ended by now (expires_at <= now) or was idle
 * since before idle_before; *n (may be NULL) is how many. */
int ge_store_sessions_expire(ge_store *st, time_t now, const char *idle_before, int64_t *n,
                             ge_err *err);

/* ---- the login throttle's cells ------------------------------------------ */

/* One cell of the login throttle's sketches (server/throttle.h), kept in the
 * store so that every instance counts in the same cells. */
typedef struct ge_store_throttle_cell {
    int tbl;     /* 0: names, 1: address groups */
    int64_t idx; /* the cell in its sketch */
    int64_t failures;
    int64_t epoch;
    int64_t window_end; /* Unix seconds, 0: empty */
} ge_store_throttle_cell;

/* Changes the n cells in memory (tbl and idx stay); non-zero undoes the
 * transaction and is returned. */
typedef int (*ge_store_throttle_fn)(void *ud, ge_store_throttle_cell *cells, size_t n);

/*
 * In one write transaction: reads the cells named by cells[i].tbl/idx
 * (distinct; a cell never written reads as zeros), lets fn change them and
 * writes them back. Another caller's update of any of them waits until
 * this one ends, on every instance.
 */
int ge_store_throttle_update(ge_store *st, ge_store_throttle_cell *cells, size_t n,
                             ge_store_throttle_fn fn, void *ud, ge_err *err);

/* The throttle's hash key, the same for every instance: the stored one, or
 * `fresh` stored when there is none yet. */
int ge_store_throttle_key(ge_store *st, const unsigned char fresh[32], unsigned char key[32],
                          ge_err *err);

#endif
