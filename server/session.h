/*
 * session.h - caseworker sessions: the cookie, its CSRF token, timeouts and
 * the login throttle. Handlers of the review app call ge_session_require()
 * first thing:
 *
 *   ge_session s;
 *   int rc = ge_session_require(req, resp, &s);   // 401 / 403 problem in resp
 *   if (rc < 0) return rc;
 *   if (!ge_session_allows_service(&s, c.service)) ... 404 ...
 *   ...
 *   ge_session_clear(&s);
 *
 * The session id is 32 random bytes in the cookie "ge_session" (HttpOnly,
 * SameSite=Strict, Path=/, Secure when public_url is https or a proxy says
 * X-Forwarded-Proto: https); the store keeps only its hash. The CSRF secret
 * is derived from the session id with a keyed hash (so GET /v1/session can
 * hand it out again, while the store keeps only its hash) and leaves the
 * server masked with a fresh random pad each time, so that a compressed
 * response never repeats it byte for byte (BREACH). Every request with a
 * method other than GET, HEAD and OPTIONS must carry it as X-CSRF-Token.
 *
 * Timeouts: a session ends after session_idle_timeout seconds without a
 * request and session_max_age seconds after login, whichever comes first
 * (settings, config.c; defaults GE_SESSION_IDLE and GE_SESSION_MAX_AGE).
 */
#ifndef GE_SESSION_H
#define GE_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "../geo/store/store_users.h"
#include "../geo/core/token.h"
#include "http.h"
#include "throttle.h"

#define GE_SESSION_COOKIE          "ge_session"
#define GE_SESSION_IDLE            1800  /* 30 minutes */
#define GE_SESSION_MAX_AGE         43200 /* 12 hours */
#define GE_LOGIN_LOCKOUT           900   /* 15 minutes */
#define GE_LOGIN_MAX_FAILURES      5     /* per user name, then locked */
#define GE_LOGIN_MAX_ADDR_FAILURES 20    /* per address (IPv6: per /64), then locked */

/* A masked CSRF token: 64 bytes in URL-safe base64 (86) + NUL. */
#define GE_CSRF_TOKEN_LEN 87

typedef struct ge_session_limits {
    long idle;        /* seconds */
    long max_age;     /* seconds */
    long lockout;     /* seconds */
    int max_failures; /* per name */
    int max_addr_failures;
} ge_session_limits;

/* Takes the timeouts from the settings; called once at start-up. */
void ge_session_limits_configure(const ge_config *cfg);

/* The limits in force. */
const ge_session_limits *ge_session_limits_get(void);

typedef struct ge_session {
    ge_user user;
    char id_hash[GE_TOKEN_HASH_LEN];
    char csrf_token[GE_CSRF_TOKEN_LEN]; /* freshly masked, for answers */
    char expires_at[32];                /* absolute end */
} ge_session;

void ge_session_clear(ge_session *s);

/*
 * The session of the request's cookie: GE_OK with *out filled, or a 401
 * problem in resp (no cookie, unknown, expired, logged out, user disabled)
 * or a 403 problem (state-changing method without the session's
 * X-CSRF-Token). Records the activity for the idle timeout.
 */
int ge_session_require(ge_req *req, ge_resp *resp, ge_session *out);

/* Does the user have the admin role? */
bool ge_session_is_admin(const ge_session *s);

/* May the user see cases of this service (admins: every service)? */
bool ge_session_allows_service(const ge_session *s, const char *service);

/* ---- what the client sends, read without a request (pure functions) ---- */

/* Copies the value of our cookie ("ge_session=...") from a Cookie header
 * (may be NULL) into out; false when absent or too long for a token. */
bool ge_session_cookie_parse(const char *cookie_header, char out[GE_TOKEN_MAX]);

/* The raw 32 bytes of a session id as the cookie carries it; false when id
 * (may be NULL) is not a session id as ge_session_start makes them. */
bool ge_session_id_decode(const char *id, unsigned char raw[32]);

/* Does a masked CSRF token from the X-CSRF-Token header (may be NULL)
 * unmask to the secret whose hash is stored? Compared in constant time. */
bool ge_session_csrf_check(const char *token, const char *stored_hash);

/* ---- for the login handler (handlers_auth.c) --------------------------- */

/* Starts a session for user_id: a new random id (never one the client sent),
 * the cookie in resp, the masked CSRF token in csrf_token. */
int ge_session_start(ge_req *req, ge_resp *resp, int64_t user_id,
                     char csrf_token[GE_CSRF_TOKEN_LEN], ge_err *err);

/* Ends the session on the server and tells the browser to drop the cookie. */
int ge_session_end(ge_req *req, ge_resp *resp, const ge_session *s, ge_err *err);

/* Before checking a password: may name try from the request's address
 * (grouped: IPv6 per /64)? Counts the attempt as a failure in advance (so
 * that parallel guesses cannot slip past the limit); false with
 * *retry_after (seconds) when the name or the address is locked. Unknown
 * names count exactly like known ones, and no other login, however many,
 * ends a lock early (throttle.h). The counts are the store's, shared by
 * every instance on it; when the store cannot count, false (1 s) too. */
bool ge_session_throttle_begin(const ge_req *req, const char *name, long *retry_after,
                               ge_throttle_attempt *a);

/* After a successful login: takes back the attempt's advance counts and
 * forgets the name's earlier failures. */
void ge_session_throttle_success(const ge_req *req, const ge_throttle_attempt *a);

#endif
