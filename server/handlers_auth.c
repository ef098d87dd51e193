/*
 * handlers_auth.c - caseworkers log in and out (session.h):
 *
 *   POST /v1/login    {name, password} -> 200 {user: {name, role, services},
 *                     csrf_token} and the session cookie; 401 (the same
 *                     answer for an unknown name, a wrong password and a
 *                     disabled user), 429 with Retry-After while locked
 *   POST /v1/logout   ends the session on the server (X-CSRF-Token needed)
 *   GET  /v1/session  the current user and a freshly masked CSRF token, or 401
 *
 * An unknown name is checked against a dummy hash, so it costs as much time
 * as a wrong password. Login requires a JSON body with Content-Type
 * application/json: a cross-site form cannot send that without a CORS
 * preflight, which we never grant, so no other site can log a browser in
 * under an account of its choosing (login CSRF). Nothing secret is logged:
 * not the password, the session id or the CSRF token, and on failure not
 * even the name (people type passwords into the name field).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "../geo/core/password.h"
#include "../geo/store/store_users.h"
#include "forms_common.h"
#include "handlers.h"
#include "log.h"
#include "session.h"

#define GE_LOGIN_NAME_MAX 100

static json_t *ge_auth_user_doc(const ge_user *u)
{
    json_t *services = json_loads(u->services_json ? u->services_json : "[]", 0, NULL);
    return json_pack("{s:s, s:s, s:o}", "name", u->name, "role", u->role, "services",
                     services ? services : json_array());
}

static int ge_auth_member_problem(ge_req *req, ge_resp *resp, const char *member, ge_text detail)
{
    json_t *p = ge_resp_problem(resp, req, 400, "%s", ge_req_text(req, detail));
    if (p) json_object_set_new(p, "member", json_string(member));
    return GE_EINVAL;
}

/* The body's name and password, or a 400/415 problem naming what is wrong. */
static int ge_auth_body(ge_req *req, ge_resp *resp, json_t **body, const char **name,
                        const char **password)
{
    static const char *const members[] = {"name", "password", NULL};
    const char *ct = ge_req_header(req, "Content-Type");
    json_t *n, *p;
    int rc;

    *body = NULL;
    if (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
        (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
        json_t *pr = ge_resp_problem(
            resp, req, 415,
            GE_TR(req,
                  DE("Melden Sie sich mit einem JSON-Körper und dem Header Content-Type: "
                     "application/json an."),
                  EN("Log in with a JSON body and the header Content-Type: application/json.")));
        if (pr) json_object_set_new(pr, "header", json_string("Content-Type"));
        return GE_EINVAL;
    }
    rc = ge_forms_body(req, resp, body);
    if (rc < 0) return rc;
    rc = ge_forms_members(req, resp, *body, "the login", members);
    if (rc < 0) return rc;
    n = json_object_get(*body, "name");
    p = json_object_get(*body, "password");
    if (!json_is_string(n) || json_string_length(n) == 0)
        return ge_auth_member_problem(req, resp, "name",
                                      GE_TEXT(DE("name muss ein nicht leerer Text sein."),
                                              EN("name must be a non-empty string.")));
    if (json_string_length(n) > GE_LOGIN_NAME_MAX) {
        json_t *pr = ge_resp_problem(resp, req, 400,
                                     GE_TR(req, DE("name ist länger als %d Zeichen."),
                                           EN("name is longer than %d characters.")),
                                     GE_LOGIN_NAME_MAX);
        if (pr) {
            json_object_set_new(pr, "member", json_string("name"));
            json_object_set_new(pr, "limit", json_integer(GE_LOGIN_NAME_MAX));
        }
        return GE_EINVAL;
    }
    if (!json_is_string(p) || json_string_length(p) == 0)
        return ge_auth_member_problem(req, resp, "password",
                                      GE_TEXT(DE("password muss ein nicht leerer Text sein."),
                                              EN("password must be a non-empty string.")));
    if (json_string_length(p) > GE_PASSWORD_MAX) {
        json_t *pr = ge_resp_problem(resp, req, 400,
                                     GE_TR(req, DE("password ist länger als %d Zeichen."),
                                           EN("password is longer than %d characters.")),
                                     GE_PASSWORD_MAX);
        if (pr) {
            json_object_set_new(pr, "member", json_string("password"));
            json_object_set_new(pr, "limit", json_integer(GE_PASSWORD_MAX));
        }
        return GE_EINVAL;
    }
    if (strlen(json_string_value(n)) != json_string_length(n) ||
        strlen(json_string_value(p)) != json_string_length(p))
        return ge_auth_member_problem(req, resp, "name",
                                      GE_TEXT(DE("name und password dürfen kein NUL enthalten."),
                                              EN("name and password must not contain NUL.")));
    *name = json_string_value(n);
    *password = json_string_value(p);
    return GE_OK;
}

static int ge_auth_login(ge_req *req, ge_resp *resp, void *ud)
{
    char hash[GE_PASSWORD_HASH_MAX], csrf[GE_CSRF_TOKEN_LEN];
    const char *name = NULL, *password = NULL;
    json_t *body = NULL, *doc;
    ge_user u;
    ge_throttle_attempt attempt;
    long retry = 0;
    bool known, ok;
    ge_err err;
    int rc;

    (void)ud;
    memset(&u, 0, sizeof u);
    hash[0] = csrf[0] = '\0';
    rc = ge_auth_body(req, resp, &body, &name, &password);
    if (rc < 0) goto err;
    if (!ge_session_throttle_begin(req, name, &retry, &attempt)) {
        char ra[24];
        json_t *p = ge_resp_problem(resp, req, 429,
                                    GE_TR(req,
                                          DE("Zu viele fehlgeschlagene Anmeldungen: versuchen Sie "
                                             "es in %ld Sekunden wieder."),
                                          EN("Too many failed logins: try again in %ld seconds.")),
                                    retry);
        if (p) json_object_set_new(p, "retry_after", json_integer(retry));
        snprintf(ra, sizeof ra, "%ld", retry);
        ge_resp_header(resp, "Retry-After", ra);
        ge_log(GE_LOG_WARN, "login locked", "{s:s, s:s, s:I}", "request_id", req->request_id,
               "remote", req->remote, "retry_after", (json_int_t)retry);
        rc = GE_ELIMIT;
        goto err;
    }
    rc = ge_store_user_credentials(req->ctx->store, name, &u, hash, &err);
    if (rc < 0 && rc != GE_ENOENT) {
        rc = ge_resp_error(resp, req, &err);
        goto err;
    }
    known = rc == GE_OK;
    /* Always one argon2id verification, also for an unknown name. */
    ok = ge_password_verify(password, known ? hash : ge_password_dummy_hash());
    if (!known || !ok || u.disabled) {
        ge_resp_problem(resp, req, 401,
                        GE_TR(req, DE("Der Name oder das Passwort ist falsch."),
                              EN("The name or the password is wrong.")));
        ge_log(GE_LOG_INFO, "login failed", "{s:s, s:s}", "request_id", req->request_id, "remote",
               req->remote);
        rc = GE_EINVAL;
        goto err;
    }
    ge_session_throttle_success(req, &attempt);
    /* A new session id every time: a cookie that came with this request
     * (perhaps planted by someone else) is never taken over. */
    rc = ge_session_start(req, resp, u.id, csrf, &err);
    if (rc < 0) {
        rc = ge_resp_error(resp, req, &err);
        goto err;
    }
    doc = json_pack("{s:o, s:s}", "user", ge_auth_user_doc(&u), "csrf_token", csrf);
    ge_log(GE_LOG_INFO, "login", "{s:s, s:s, s:s}", "request_id", req->request_id, "user", u.name,
           "remote", req->remote);
    rc = ge_resp_json(resp, 200, doc);
err:
    sodium_memzero(hash, sizeof hash);
    sodium_memzero(csrf, sizeof csrf);
    ge_user_clear(&u);
    json_decref(body);
    return rc;
}

static int ge_auth_logout(ge_req *req, ge_resp *resp, void *ud)
{
    ge_session s;
    ge_err err;
    int rc = ge_session_require(req, resp, &s);

    (void)ud;
    if (rc < 0) return rc;
    rc = ge_session_end(req, resp, &s, &err);
    if (rc == GE_OK) {
        ge_log(GE_LOG_INFO, "logout", "{s:s, s:s}", "request_id", req->request_id, "user",
               s.user.name);
        rc = ge_resp_empty(resp, 204);
    } else {
        rc = ge_resp_error(resp, req, &err);
    }
    ge_session_clear(&s);
    return rc;
}

static int ge_auth_session(ge_req *req, ge_resp *resp, void *ud)
{
    ge_session s;
    json_t *doc;
    int rc = ge_session_require(req, resp, &s);

    (void)ud;
    if (rc < 0) return rc;
    doc = json_pack("{s:o, s:s, s:s}", "user", ge_auth_user_doc(&s.user), "csrf_token",
                    s.csrf_token, "expires_at", s.expires_at);
    ge_session_clear(&s);
    return ge_resp_json(resp, 200, doc);
}

int ge_handlers_auth_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    int rc;

    ge_session_limits_configure(ctx->cfg);
    if (!ge_password_dummy_hash()[0])
        return ge_err_set(err, GE_ENOMEM, "cannot make the dummy password hash");
    rc = ge_router_add(r, "POST", "/v1/login", ge_auth_login, ctx, err);
    if (rc == GE_OK) rc = ge_router_add(r, "POST", "/v1/logout", ge_auth_logout, ctx, err);
    if (rc == GE_OK) rc = ge_router_add(r, "GET", "/v1/session", ge_auth_session, ctx, err);
    return rc;
}
