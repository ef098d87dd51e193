/*
 * ts_review.h - helpers for tests of the caseworkers' routes: accounts made
 * with the real "geoeditor user add", logging in through POST /v1/login,
 * requests with the session cookie and X-CSRF-Token, and cases made the way
 * a form server makes them (draft, then submit with an Idempotency-Key).
 */
#ifndef GE_TS_REVIEW_H
#define GE_TS_REVIEW_H

#include <jansson.h>

#include "ts_http.h"
#include "ts_server.h"

/* "geoeditor user add --db db --name name --role role [--service service]"
 * with the password on standard input. 0 or -1 (after printing why). */
int ts_review_user_add(const char *db, const char *name, const char *role, const char *service,
                       const char *password);

typedef struct ts_review_session {
    long status;      /* of the login */
    char cookie[128]; /* the ge_session value, "" when none was set */
    char csrf[128];   /* csrf_token of the answer */
} ts_review_session;

/* POST /v1/login; returns the status (200 on success). */
long ts_review_login(const ts_server *s, const char *name, const char *password,
                     ts_review_session *out);

/* One request: optional cookie (ge_session), CSRF token, one extra header
 * line ("If-Match: ..."), JSON body. 0 when an answer arrived. */
int ts_review_call(const ts_server *s, const char *method, const char *path, const char *cookie,
                   const char *csrf, const char *extra, const char *body, ts_http_resp *r);

/* The same with the whole Cookie line given (NULL: none), for tests of how
 * the session cookie is found among others. */
int ts_review_call_cookie(const ts_server *s, const char *method, const char *path,
                          const char *cookie_line, const char *csrf, const char *extra,
                          const char *body, ts_http_resp *r);

/* A new info-stand case of the client with this API key: one point at
 * lon, lat, the test period, the applicant's name. Copies the case id (at
 * least 40 bytes). 0 or -1 (after printing why). */
int ts_review_case(const ts_server *s, const char *key, double lon, double lat,
                   const char *applicant, char *case_id);

/* "geoeditor client add ... --webhook url": the API key and the webhook
 * secret (each at least 128 bytes; secret may be NULL). 0 or -1. */
int ts_review_client_with_webhook(const char *db, const char *name, const char *url, char *key,
                                  char *secret);

/* The text of an SQL query's first column (read-only; ?1 = text_arg when
 * not NULL), in a rotating static buffer; "" when there is no row. */
const char *ts_review_sql_text(const char *db, const char *sql, const char *text_arg);

#endif
