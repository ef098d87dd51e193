/*
 * session.c - caseworker sessions, CSRF tokens and the login throttle
 * (session.h).
 *
 * The throttle lives in this process's memory: a small table of recent
 * failures per user name and per remote address, keyed by a hash (the name
 * someone typed may be a password typed into the wrong field, so it is
 * never kept in clear). Unknown names are counted exactly like known ones,
 * so a lockout tells nothing about which names exist. When the table is
 * full, the entry used longest ago makes room.
 */
#include "session.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "../geo/date.h"
#include "log.h"

/* ---- limits ------------------------------------------------------------- */

/* Written once at start-up (ge_session_limits_configure, before the server
 * accepts connections), read-only afterwards. */
static ge_session_limits ge_limits = {GE_SESSION_IDLE, GE_SESSION_MAX_AGE, GE_LOGIN_LOCKOUT,
                                      GE_LOGIN_MAX_FAILURES, GE_LOGIN_MAX_ADDR_FAILURES};

void ge_session_limits_configure(const ge_config *cfg)
{
    ge_limits.idle = cfg->session_idle_timeout;
    ge_limits.max_age = cfg->session_max_age;
    ge_limits.lockout = cfg->login_lockout;
    ge_log(GE_LOG_INFO, "session limits", "{s:I, s:I, s:I}", "idle_s", (json_int_t)ge_limits.idle,
           "max_age_s", (json_int_t)ge_limits.max_age, "lockout_s", (json_int_t)ge_limits.lockout);
}

const ge_session_limits *ge_session_limits_get(void)
{
    return &ge_limits;
}

/* ---- CSRF --------------------------------------------------------------- */

static const unsigned char ge_csrf_context[] = "geoEDITOR CSRF secret v1";

/* The session's CSRF secret (base64url) from the session id's raw bytes. */
static void ge_csrf_secret(const unsigned char raw_id[32], unsigned char secret[32])
{
    crypto_generichash(secret, 32, ge_csrf_context, sizeof ge_csrf_context - 1, raw_id, 32);
}

static void ge_csrf_hash(const unsigned char secret[32], char out[GE_TOKEN_HASH_LEN])
{
    char b64[64];
    sodium_bin2base64(b64, sizeof b64, secret, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    ge_token_hash(b64, out);
    sodium_memzero(b64, sizeof b64);
}

/* pad || (pad XOR secret), base64url: a different text every time. */
static void ge_csrf_mask(const unsigned char secret[32], char out[GE_CSRF_TOKEN_LEN])
{
    unsigned char buf[64];
    randombytes_buf(buf, 32);
    for (int i = 0; i < 32; i++)
        buf[32 + i] = buf[i] ^ secret[i];
    sodium_bin2base64(out, GE_CSRF_TOKEN_LEN, buf, sizeof buf,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(buf, sizeof buf);
}

/* Does a masked token from a header unmask to the secret whose hash is
 * stored? Compared in constant time. */
static bool ge_csrf_check(const char *token, const char *stored_hash)
{
    unsigned char buf[64], secret[32];
    char h[GE_TOKEN_HASH_LEN];
    size_t len = 0;
    bool ok;

    if (!token || strlen(token) != GE_CSRF_TOKEN_LEN - 1) return false;
    if (sodium_base642bin(buf, sizeof buf, token, strlen(token), NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        len != sizeof buf)
        return false;
    for (int i = 0; i < 32; i++)
        secret[i] = buf[i] ^ buf[32 + i];
    ge_csrf_hash(secret, h);
    ok = ge_token_equal(h, stored_hash);
    sodium_memzero(secret, sizeof secret);
    return ok;
}

/* The raw 32 bytes of a session id as the cookie carries it. */
static bool ge_session_id_raw(const char *id, unsigned char raw[32])
{
    size_t len = 0;
    if (!id || strlen(id) != GE_TOKEN_LEN || !ge_token_plausible(id)) return false;
    return sodium_base642bin(raw, 32, id, GE_TOKEN_LEN, NULL, &len, NULL,
                             sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
           len == 32;
}

/* ---- the cookie --------------------------------------------------------- */

/* Copies the value of our cookie from the Cookie header; false when absent. */
static bool ge_session_cookie(const ge_req *req, char out[GE_TOKEN_MAX])
{
    const char *h = ge_req_header(req, "Cookie");
    const size_t nlen = strlen(GE_SESSION_COOKIE);

    while (h && *h) {
        const char *end = strchr(h, ';');
        size_t len;
        while (*h == ' ' || *h == '\t')
            h++;
        len = end ? (size_t)(end - h) : strlen(h);
        if (len > nlen && strncmp(h, GE_SESSION_COOKIE "=", nlen + 1) == 0 &&
            len - nlen - 1 < GE_TOKEN_MAX) {
            memcpy(out, h + nlen + 1, len - nlen - 1);
            out[len - nlen - 1] = '\0';
            return true;
        }
        h = end ? end + 1 : NULL;
    }
    return false;
}

/* Secure when we are reached over TLS: the public URL says so, or the TLS
 * proxy in front of us does. A forged X-Forwarded-Proto only makes a
 * browser keep the cookie from plain http, which harms no one else. */
static bool ge_session_secure(const ge_req *req)
{
    const char *p = ge_req_header(req, "X-Forwarded-Proto");
    return strncmp(req->ctx->cfg->public_url, "https://", 8) == 0 ||
           (p && strcasecmp(p, "https") == 0);
}

static int ge_session_set_cookie(ge_req *req, ge_resp *resp, const char *value, long max_age)
{
    char c[256];
    snprintf(c, sizeof c, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict%s",
             GE_SESSION_COOKIE, value, max_age, ge_session_secure(req) ? "; Secure" : "");
    return ge_resp_header(resp, "Set-Cookie", c);
}

/* ---- sessions ----------------------------------------------------------- */

void ge_session_clear(ge_session *s)
{
    if (!s) return;
    ge_user_clear(&s->user);
    sodium_memzero(s, sizeof *s);
}

bool ge_session_is_admin(const ge_session *s)
{
    return strcmp(s->user.role, GE_ROLE_ADMIN) == 0;
}

bool ge_session_allows_service(const ge_session *s, const char *service)
{
    json_t *arr;
    bool ok = false;
    size_t i;
    json_t *v;

    if (ge_session_is_admin(s)) return true;
    if (!service || !s->user.services_json) return false;
    arr = json_loads(s->user.services_json, 0, NULL);
    json_array_foreach(arr, i, v) ok =
        ok || (json_is_string(v) && strcmp(json_string_value(v), service) == 0);
    json_decref(arr);
    return ok;
}

static int ge_session_unauthorized(ge_req *req, ge_resp *resp, bool had_cookie)
{
    if (had_cookie)
        ge_resp_problem(resp, req, 401,
                        GE_TR(req,
                              "The session has ended (logged out, timed out or not valid): "
                              "log in again with POST /v1/login.",
                              "Die Sitzung ist beendet (abgemeldet, abgelaufen oder ungültig): "
                              "melden Sie sich mit POST /v1/login neu an."));
    else
        ge_resp_problem(resp, req, 401,
                        GE_TR(req,
                              "This call needs a caseworker session: log in with POST "
                              "/v1/login and send the cookie '" GE_SESSION_COOKIE "'.",
                              "Dieser Aufruf braucht eine Sitzung als Sachbearbeiter*in: "
                              "melden Sie sich mit POST /v1/login an und senden Sie das "
                              "Cookie '" GE_SESSION_COOKIE "'."));
    ge_resp_header(resp, "WWW-Authenticate", "Cookie realm=\"geoeditor\"");
    return GE_EINVAL;
}

static bool ge_session_safe_method(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0;
}

int ge_session_require(ge_req *req, ge_resp *resp, ge_session *out)
{
    const ge_session_limits *lim = ge_session_limits_get();
    char id[GE_TOKEN_MAX], now[32], idle_cut[32];
    unsigned char raw[32], secret[32];
    ge_session_row row;
    time_t t = time(NULL);
    ge_err err;
    int rc;

    memset(out, 0, sizeof *out);
    memset(&row, 0, sizeof row);
    if (!ge_session_cookie(req, id)) return ge_session_unauthorized(req, resp, false);
    if (!ge_session_id_raw(id, raw)) {
        rc = ge_session_unauthorized(req, resp, true);
        goto err;
    }
    ge_token_hash(id, out->id_hash);
    rc = ge_store_session_get(req->ctx->store, out->id_hash, &row, &err);
    if (rc == GE_ENOENT) {
        rc = ge_session_unauthorized(req, resp, true);
        goto err;
    }
    if (rc < 0) {
        rc = ge_resp_error(resp, req, &err);
        goto err;
    }
    ge_date_utc(t, now);
    ge_date_utc(t - lim->idle, idle_cut);
    if (strcmp(now, row.expires_at) >= 0 || strcmp(row.last_seen, idle_cut) < 0) {
        /* Over: gone from the server too, not only refused. */
        ge_store_session_delete(req->ctx->store, out->id_hash, NULL);
        rc = ge_session_unauthorized(req, resp, true);
        goto err;
    }
    if (!ge_session_safe_method(req->method) &&
        !ge_csrf_check(ge_req_header(req, "X-CSRF-Token"), row.csrf_hash)) {
        json_t *p = ge_resp_problem(
            resp, req, 403,
            ge_req_header(req, "X-CSRF-Token")
                ? GE_TR(req,
                        "The X-CSRF-Token header does not belong to this session: use the "
                        "csrf_token of this session's login or of GET /v1/session.",
                        "Der Header X-CSRF-Token gehört nicht zu dieser Sitzung: verwenden Sie "
                        "das csrf_token der Anmeldung oder von GET /v1/session.")
                : GE_TR(req,
                        "A state-changing request of a session needs the header X-CSRF-Token "
                        "(the csrf_token of the login or of GET /v1/session).",
                        "Eine ändernde Anfrage einer Sitzung braucht den Header X-CSRF-Token "
                        "(das csrf_token der Anmeldung oder von GET /v1/session)."));
        if (p) json_object_set_new(p, "header", json_string("X-CSRF-Token"));
        rc = GE_EINVAL;
        goto err;
    }
    if (strcmp(row.last_seen, now) != 0 &&
        ge_store_session_touch(req->ctx->store, out->id_hash, &err) < 0) {
        rc = ge_resp_error(resp, req, &err);
        goto err;
    }
    ge_csrf_secret(raw, secret);
    ge_csrf_mask(secret, out->csrf_token);
    out->user = row.user;
    memset(&row.user, 0, sizeof row.user);
    memcpy(out->expires_at, row.expires_at, sizeof out->expires_at);
    rc = GE_OK;
err:
    if (rc < 0) ge_session_clear(out);
    ge_user_clear(&row.user);
    sodium_memzero(id, sizeof id);
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(secret, sizeof secret);
    return rc;
}

int ge_session_start(ge_req *req, ge_resp *resp, int64_t user_id,
                     char csrf_token[GE_CSRF_TOKEN_LEN], ge_err *err)
{
    const ge_session_limits *lim = ge_session_limits_get();
    char id[GE_TOKEN_MAX], id_hash[GE_TOKEN_HASH_LEN], csrf_hash[GE_TOKEN_HASH_LEN];
    char expires[32], idle_cut[32];
    unsigned char raw[32], secret[32];
    time_t t = time(NULL);
    int rc = ge_token_new("", id, err);

    if (rc < 0) goto err;
    if (!ge_session_id_raw(id, raw)) {
        rc = ge_err_set(err, GE_EINTERNAL, "a new session id does not decode");
        goto err;
    }
    ge_csrf_secret(raw, secret);
    ge_csrf_hash(secret, csrf_hash);
    ge_token_hash(id, id_hash);
    ge_date_utc(t + lim->max_age, expires);
    /* Housekeeping on the way: sessions that ended without a logout. */
    ge_date_utc(t - lim->idle, idle_cut);
    ge_store_sessions_expire(req->ctx->store, idle_cut, NULL, NULL);
    rc = ge_store_session_create(req->ctx->store, id_hash, csrf_hash, user_id, expires, err);
    if (rc < 0) goto err;
    rc = ge_session_set_cookie(req, resp, id, lim->max_age);
    if (rc < 0) {
        rc = ge_err_set(err, GE_ENOMEM, "out of memory");
        goto err;
    }
    ge_csrf_mask(secret, csrf_token);
err:
    sodium_memzero(id, sizeof id);
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(secret, sizeof secret);
    return rc;
}

int ge_session_end(ge_req *req, ge_resp *resp, const ge_session *s, ge_err *err)
{
    int rc = ge_store_session_delete(req->ctx->store, s->id_hash, err);
    if (rc == GE_ENOENT) rc = GE_OK; /* a parallel logout came first */
    if (rc == GE_OK && ge_session_set_cookie(req, resp, "", 0) < 0)
        rc = ge_err_set(err, GE_ENOMEM, "out of memory");
    return rc;
}

/* ---- the login throttle ------------------------------------------------- */

#define GE_THROTTLE_SLOTS 4096

typedef struct ge_throttle_entry {
    char key[GE_TOKEN_HASH_LEN]; /* "" when free */
    int failures;
    time_t window_start; /* failures older than a lockout period are forgotten */
    time_t locked_until;
    time_t used;
} ge_throttle_entry;

static ge_throttle_entry ge_throttle[GE_THROTTLE_SLOTS];
static pthread_mutex_t ge_throttle_mu = PTHREAD_MUTEX_INITIALIZER;

static void ge_throttle_key(const char *kind, const char *value, char out[GE_TOKEN_HASH_LEN])
{
    crypto_generichash_state st;
    unsigned char h[32];
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)kind, strlen(kind) + 1);
    crypto_generichash_update(&st, (const unsigned char *)value, strlen(value));
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, GE_TOKEN_HASH_LEN, h, sizeof h);
}

/* The entry of key, made (or taken over from the least recently used) when
 * absent. Call with the mutex held. */
static ge_throttle_entry *ge_throttle_find(const char *key, time_t now, long lockout)
{
    ge_throttle_entry *free_slot = NULL, *oldest = &ge_throttle[0], *e = NULL;

    for (size_t i = 0; i < GE_THROTTLE_SLOTS; i++) {
        ge_throttle_entry *x = &ge_throttle[i];
        if (x->key[0] && strcmp(x->key, key) == 0) {
            e = x;
            break;
        }
        if (!x->key[0] && !free_slot) free_slot = x;
        if (x->used < oldest->used) oldest = x;
    }
    if (!e) {
        e = free_slot ? free_slot : oldest;
        memset(e, 0, sizeof *e);
        memcpy(e->key, key, GE_TOKEN_HASH_LEN);
        e->window_start = now;
    }
    if (e->locked_until && e->locked_until <= now) {
        e->failures = 0;
        e->locked_until = 0;
        e->window_start = now;
    }
    if (!e->locked_until && e->window_start + lockout <= now) {
        e->failures = 0;
        e->window_start = now;
    }
    e->used = now;
    return e;
}

bool ge_session_throttle_begin(const ge_req *req, const char *name, long *retry_after)
{
    const ge_session_limits *lim = ge_session_limits_get();
    char kn[GE_TOKEN_HASH_LEN], ka[GE_TOKEN_HASH_LEN];
    ge_throttle_entry *en, *ea;
    time_t now = time(NULL);
    long wait = 0;

    ge_throttle_key("name", name, kn);
    ge_throttle_key("addr", req->remote, ka);
    pthread_mutex_lock(&ge_throttle_mu);
    en = ge_throttle_find(kn, now, lim->lockout);
    ea = ge_throttle_find(ka, now, lim->lockout);
    if (en->locked_until > now) wait = (long)(en->locked_until - now);
    if (ea->locked_until > now && (long)(ea->locked_until - now) > wait)
        wait = (long)(ea->locked_until - now);
    if (wait == 0) {
        if (++en->failures >= lim->max_failures) en->locked_until = now + lim->lockout;
        if (++ea->failures >= lim->max_addr_failures) ea->locked_until = now + lim->lockout;
    }
    pthread_mutex_unlock(&ge_throttle_mu);
    *retry_after = wait;
    return wait == 0;
}

void ge_session_throttle_success(const ge_req *req, const char *name)
{
    const ge_session_limits *lim = ge_session_limits_get();
    char kn[GE_TOKEN_HASH_LEN], ka[GE_TOKEN_HASH_LEN];
    ge_throttle_entry *e;
    time_t now = time(NULL);

    ge_throttle_key("name", name, kn);
    ge_throttle_key("addr", req->remote, ka);
    pthread_mutex_lock(&ge_throttle_mu);
    e = ge_throttle_find(kn, now, lim->lockout);
    e->failures = 0;
    e->locked_until = 0;
    e = ge_throttle_find(ka, now, lim->lockout);
    if (e->failures > 0) e->failures--;
    if (e->failures < lim->max_addr_failures) e->locked_until = 0;
    pthread_mutex_unlock(&ge_throttle_mu);
}
