/*
 * ts_http.h - a small HTTP client for API tests: libcurl for well-formed
 * requests (any method, headers, body, chunked upload, gzip, keep-alive by
 * reusing a handle, a source address of our choice on 127.0.0.0/8), raw
 * sockets for what libcurl will not send (oversized or malformed requests,
 * a body that stops half-way).
 */
#ifndef GE_TS_HTTP_H
#define GE_TS_HTTP_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct ts_http_resp {
    long status;   /* 0 when the transfer failed */
    char *headers; /* the final response's header block, as received */
    char *body;    /* NUL-terminated (decoded when req.decode) */
    size_t body_len;
    char error[CURL_ERROR_SIZE]; /* libcurl's message when status is 0 */
} ts_http_resp;

typedef struct ts_http_req {
    const char *method; /* NULL: GET, or POST when there is a body */
    const char *url;
    const char *const *headers; /* "Name: value" lines, NULL-terminated, or NULL */
    const void *body;           /* NULL: no body */
    size_t body_len;
    bool chunked;           /* send the body with Transfer-Encoding: chunked */
    bool decode;            /* offer gzip and decode it (Accept-Encoding by libcurl) */
    CURL *handle;           /* reuse for keep-alive; NULL: a fresh handle */
    long timeout_s;         /* 0: 60 */
    const char *local_addr; /* connect from it (e.g. "127.0.0.2"); NULL: any */
} ts_http_req;

/* 0 when a response arrived (any status), -1 on a transport error (resp->error says). */
int ts_http(const ts_http_req *req, ts_http_resp *resp);

/* GET url; the response must be freed even on failure. */
int ts_http_get(const char *url, ts_http_resp *resp);

/* GET url (with the header lines in headers, NULL-ended, or none) in a test
 * case: fails the case unless it answers status want with a JSON body.
 * The parsed body; the answer is kept in *keep (the caller frees it) or freed. */
json_t *ts_http_get_json(const char *url, const char *const *headers, long want,
                         ts_http_resp *keep);

#define TS_HTTP_JSON_TYPE "Content-Type: application/json"

/* method url with the header lines in h (the NULLs among them skipped, so
 * optional ones can stand in their place) and body (text; none when NULL).
 * As ts_http. */
int ts_http_send(const char *method, const char *url, const char *const h[6], const char *body,
                 ts_http_resp *resp);

/* The value of a header of the response (case-insensitive name), copied into a
 * rotating static buffer; NULL when absent. */
const char *ts_http_header(const ts_http_resp *resp, const char *name);

void ts_http_resp_free(ts_http_resp *resp);

/* ---- raw sockets -------------------------------------------------------- */

/* A TCP connection to 127.0.0.1:port, or -1. */
int ts_http_connect(int port);

/* The same from the loopback address src (e.g. "127.0.0.2": the whole of
 * 127.0.0.0/8 is local on Linux), so that a test can be several clients. */
int ts_http_connect_from(int port, const char *src);

/* Waits up to timeout_ms for the peer to close fd (end of stream or reset),
 * throwing away what it sends: 1 when it closed, 0 when it is still open. */
int ts_http_wait_closed(int fd, int timeout_ms);

/* Writes all of data; 0, or -1 when the peer closed or failed. */
int ts_http_send_all(int fd, const void *data, size_t len);

/* Reads until the peer closes or timeout_ms passes without data. NUL-terminated,
 * malloc'd; *len (if not NULL) is its length. */
char *ts_http_read_all(int fd, int timeout_ms, size_t *len);

/* Connects, sends data, reads the answer (ts_http_read_all), closes. NULL if
 * the connection failed. */
char *ts_http_raw(int port, const void *data, size_t len, int timeout_ms);

/* The status code of the first status line in a raw answer, or 0. */
int ts_http_raw_status(const char *answer);

#endif
