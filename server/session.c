/*
 * session.c - caseworker sessions, CSRF tokens and the login throttle
 * (session.h).
 *
 * The throttle's cells live in the store (throttle.h's sketch, migration
 * 13), so that every instance on one store counts in the same cells:
 * failures per user name and per address group in fixed tables that hold
 * only hashed cells (the name someone typed may be a password typed into
 * the wrong field, so it is never kept). Unknown names are counted exactly like known
 * ones, so a lockout tells nothing about which names exist, and no flood of
 * other logins can end a lock before its time.
 */
#include "session.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "../geo/core/date.h"
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

bool ge_session_csrf_check(const char *token, const char *stored_hash)
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

bool ge_session_id_decode(const char *id, unsigned char raw[32])
{
    size_t len = 0;
    if (!id || strlen(id) != GE_TOKEN_LEN || !ge_token_plausible(id)) return false;
    return sodium_base642bin(raw, 32, id, GE_TOKEN_LEN, NULL, &len, NULL,
                             sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
           len == 32;
}

/* ---- the cookie --------------------------------------------------------- */

bool ge_session_cookie_parse(const char *h, char out[GE_TOKEN_MAX])
{
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
                              DE("Die Sitzung ist beendet (abgemeldet, abgelaufen oder ungültig): "
                                 "melden Sie sich mit POST /v1/login neu an."),
                              EN("The session has ended (logged out, timed out or not valid): "
                                 "log in again with POST /v1/login.")));
    else
        ge_resp_problem(resp, req, 401,
                        GE_TR(req,
                              DE("Dieser Aufruf braucht eine Sitzung als Sachbearbeiter*in: "
                                 "melden Sie sich mit POST /v1/login an und senden Sie das "
                                 "Cookie '" GE_SESSION_COOKIE "'."),
                              EN("This call needs a caseworker session: log in with POST "
                                 "/v1/login and send the cookie '" GE_SESSION_COOKIE "'.")));
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
    time_t t = ge_ctx_now(req->ctx);
    ge_err err;
    int rc;

    memset(out, 0, sizeof *out);
    memset(&row, 0, sizeof row);
    if (!ge_session_cookie_parse(ge_req_header(req, "Cookie"), id))
        return ge_session_unauthorized(req, resp, false);
    if (!ge_session_id_decode(id, raw)) {
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
        !ge_session_csrf_check(ge_req_header(req, "X-CSRF-Token"), row.csrf_hash)) {
        json_t *p = ge_resp_problem(
            resp, req, 403,
            ge_req_header(req, "X-CSRF-Token")
                ? GE_TR(req,
                        DE("Der Header X-CSRF-Token gehört nicht zu dieser Sitzung: verwenden Sie "
                           "das csrf_token der Anmeldung oder von GET /v1/session."),
                        EN("The X-CSRF-Token header does not belong to this session: use the "
                           "csrf_token of this session's login or of GET /v1/session."))
                : GE_TR(req,
                        DE("Eine ändernde Anfrage einer Sitzung braucht den Header X-CSRF-Token "
                           "(das csrf_token der Anmeldung oder von GET /v1/session)."),
                        EN("A state-changing request of a session needs the header X-CSRF-Token "
                           "(the csrf_token of the login or of GET /v1/session).")));
        if (p) json_object_set_new(p, "header", json_string("X-CSRF-Token"));
        rc = GE_EINVAL;
        goto err;
    }
    if (strcmp(row.last_seen, now) != 0 &&
        ge_store_session_touch(req->ctx->store, out->id_hash, t, &err) < 0) {
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
    time_t t = ge_ctx_now(req->ctx);
    int rc = ge_token_new("", id, err);

    if (rc < 0) goto err;
    if (!ge_session_id_decode(id, raw)) {
        rc = ge_err_set(err, GE_EINTERNAL, "a new session id does not decode");
        goto err;
    }
    ge_csrf_secret(raw, secret);
    ge_csrf_hash(secret, csrf_hash);
    ge_token_hash(id, id_hash);
    ge_date_utc(t + lim->max_age, expires);
    /* Housekeeping on the way: sessions that ended without a logout. */
    ge_date_utc(t - lim->idle, idle_cut);
    ge_store_sessions_expire(req->ctx->store, t, idle_cut, NULL, NULL);
    rc = ge_store_session_create(req->ctx->store, id_hash, csrf_hash, user_id, expires, t, err);
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

/* 2 rows of 65536 cells per count, kept in the store (migration 13): at
 * most 262144 rows for names and address groups, whatever happens. A flood
 * of F counted failures within a lockout period locks a name it never tried
 * only when both of the name's cells reach 5: for F = 100000 (5000
 * addresses at 20 each) that is about one name in 2500, for F = 20000 one
 * in three billion. */
#define GE_THROTTLE_WIDTH 65536

/* How often a begin or success is tried again when the store answers
 * GE_ECONFLICT (PostgreSQL: a deadlock or serialization failure). */
#define GE_THROTTLE_TRIES 3

/* The limits and the hash keys; the cells are the store's. */
static ge_throttle ge_login_throttle;
static bool ge_login_throttle_ready;
static pthread_mutex_t ge_login_throttle_mu = PTHREAD_MUTEX_INITIALIZER;

/* Reads the store's hash key (made by the first process that needs it), so
 * that every instance hashes a name to the same cells. */
static int ge_login_throttle_init(ge_store *store, ge_err *err)
{
    unsigned char fresh[32], key[32];
    int rc = GE_OK;

    pthread_mutex_lock(&ge_login_throttle_mu);
    if (!ge_login_throttle_ready) {
        if (sodium_init() < 0) abort(); /* no random key, no throttle: better not go on */
        randombytes_buf(fresh, sizeof fresh);
        rc = ge_store_throttle_key(store, fresh, key, err);
        if (rc == GE_OK) {
            ge_throttle_init(&ge_login_throttle, NULL, NULL, GE_THROTTLE_WIDTH,
                             GE_LOGIN_MAX_FAILURES, GE_LOGIN_MAX_ADDR_FAILURES, key);
            ge_login_throttle_ready = true;
        }
        sodium_memzero(fresh, sizeof fresh);
        sodium_memzero(key, sizeof key);
    }
    pthread_mutex_unlock(&ge_login_throttle_mu);
    return rc;
}

/* One begin or success on the attempt's four cells, inside the store's
 * transaction (ge_store_throttle_update). */
typedef struct ge_throttle_op {
    ge_throttle_attempt *a;
    bool begin;
    time_t now;
    long lockout;
    long retry_after;
    bool ok;
} ge_throttle_op;

static int ge_throttle_op_cb(void *ud, ge_store_throttle_cell *cells, size_t n)
{
    ge_throttle_op *op = ud;
    ge_throttle_cell mem[2 * GE_THROTTLE_ROWS];
    ge_throttle_cell *names[GE_THROTTLE_ROWS], *addrs[GE_THROTTLE_ROWS];

    for (size_t i = 0; i < n; i++) {
        mem[i].failures = cells[i].failures < 0            ? 0
                          : cells[i].failures > UINT32_MAX ? UINT32_MAX
                                                           : (uint32_t)cells[i].failures;
        mem[i].epoch = (uint32_t)cells[i].epoch;
        mem[i].window_end = cells[i].window_end;
    }
    for (int r = 0; r < GE_THROTTLE_ROWS; r++) {
        names[r] = &mem[r];
        addrs[r] = &mem[GE_THROTTLE_ROWS + r];
    }
    if (op->begin)
        op->ok = ge_throttle_begin_cells(&ge_login_throttle, names, addrs, op->now, op->lockout,
                                         &op->retry_after, op->a);
    else
        ge_throttle_success_cells(&ge_login_throttle, names, addrs, op->a);
    for (size_t i = 0; i < n; i++) {
        cells[i].failures = mem[i].failures;
        cells[i].epoch = mem[i].epoch;
        cells[i].window_end = mem[i].window_end;
    }
    return 0;
}

/* Runs op on the attempt's cells in the store. */
static int ge_throttle_store_op(ge_store *store, ge_throttle_op *op, ge_err *err)
{
    ge_store_throttle_cell cells[2 * GE_THROTTLE_ROWS];
    int rc = GE_ECONFLICT;

    for (int r = 0; r < GE_THROTTLE_ROWS; r++) {
        cells[r] = (ge_store_throttle_cell){.tbl = 0, .idx = (int64_t)op->a->name.cell[r]};
        cells[GE_THROTTLE_ROWS + r] =
            (ge_store_throttle_cell){.tbl = 1, .idx = (int64_t)op->a->addr.cell[r]};
    }
    for (int i = 0; i < GE_THROTTLE_TRIES && rc == GE_ECONFLICT; i++)
        rc = ge_store_throttle_update(store, cells, 2 * GE_THROTTLE_ROWS, ge_throttle_op_cb, op,
                                      err);
    return rc;
}

bool ge_session_throttle_begin(const ge_req *req, const char *name, long *retry_after,
                               ge_throttle_attempt *a)
{
    ge_throttle_op op = {.a = a,
                         .begin = true,
                         .now = ge_ctx_now(req->ctx),
                         .lockout = ge_session_limits_get()->lockout};
    ge_err err;
    int rc = ge_login_throttle_init(req->ctx->store, &err);

    memset(a, 0, sizeof *a);
    if (rc == GE_OK) {
        ge_throttle_place(&ge_login_throttle, name, req->remote, a);
        rc = ge_throttle_store_op(req->ctx->store, &op, &err);
    }
    if (rc < 0) {
        /* A throttle that cannot count lets no guess through: locked for
         * a second, and the operator hears why. */
        ge_log(GE_LOG_ERROR, "login throttle unavailable", "{s:s, s:s}", "request_id",
               req->request_id, "error", err.msg);
        a->counted = false;
        *retry_after = 1;
        return false;
    }
    *retry_after = op.retry_after;
    return op.ok;
}

void ge_session_throttle_success(const ge_req *req, const ge_throttle_attempt *a)
{
    ge_throttle_attempt copy = *a;
    ge_throttle_op op = {.a = &copy, .begin = false};
    ge_err err;

    if (!a->counted) return;
    if (ge_throttle_store_op(req->ctx->store, &op, &err) < 0)
        ge_log(GE_LOG_ERROR, "login throttle unavailable", "{s:s, s:s}", "request_id",
               req->request_id, "error", err.msg);
}
