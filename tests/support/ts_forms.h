/*
 * ts_forms.h - helpers for tests of the form-server API: make a client with
 * the real "geoeditor client add", call the API with a Bearer key and an
 * Idempotency-Key, open drafts, and read the store file directly (SQLite)
 * to count what was written.
 */
#ifndef GE_TS_FORMS_H
#define GE_TS_FORMS_H

#include <jansson.h>
#include <stdbool.h>

#include "ts_http.h"
#include "ts_server.h"

/* Runs "geoeditor client add --db db --name name --origin https://forms.example.de"
 * and copies the printed API key into key (at least 128 bytes). 0 or -1. */
int ts_forms_client_add(const char *db, const char *name, char *key);

/* One request: method, url, optional key (Bearer), optional Idempotency-Key,
 * optional body (JSON text). 0 when a response arrived. */
int ts_forms_call(const char *method, const char *url, const char *key, const char *idem,
                  const char *body, ts_http_resp *r);

/* The response body as JSON, or NULL. */
json_t *ts_forms_json(const ts_http_resp *r);

/* A period of use that passes the shipped services' lead-time rules:
 * start in 20 days, end in 21 days, as {"start": ..., "end": ...} text. */
const char *ts_forms_period(void);

/* POST /v1/drafts with body_json; on 201 copies id and the token of
 * editor_url (each at least 128 bytes). Returns the status. */
long ts_forms_draft(const ts_server *s, const char *key, const char *body_json, char *id,
                    char *token);

/* A valid info-stand draft body: one point near lon, lat, the test period. */
const char *ts_forms_stand_body(double lon, double lat);

/* Runs an SQL query yielding one integer on the store file (read-only);
 * text_arg binds ?1 when not NULL. -1 on failure. */
long long ts_forms_sql_int(const char *db, const char *sql, const char *text_arg);

/* Runs one writing statement on the store file (as an intruder with file
 * access would); text_arg binds ?1. The number of changed rows, or -1. */
long long ts_forms_sql_exec(const char *db, const char *sql, const char *text_arg);

/* PRAGMA integrity_check of the store file: true when "ok". */
bool ts_forms_integrity_ok(const char *db);

#endif
