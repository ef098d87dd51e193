/*
 * ts_http.c - the test HTTP client (see ts_http.h).
 */
#include "ts_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ts.h" /* cmocka, for ts_http_get_json */

typedef struct ts_buf {
    char *data;
    size_t len, cap;
} ts_buf;

static int ts_buf_add(ts_buf *b, const void *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        char *grown;
        while (cap < b->len + n + 1)
            cap *= 2;
        grown = realloc(b->data, cap);
        if (!grown) return -1;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

static size_t ts_http_on_body(char *data, size_t size, size_t n, void *ud)
{
    return ts_buf_add(ud, data, size * n) == 0 ? size * n : 0;
}

static size_t ts_http_on_header(char *data, size_t size, size_t n, void *ud)
{
    ts_buf *b = ud;
    /* A new status line (after "100 Continue" or a redirect) starts over:
     * keep only the final response's headers. */
    if (size * n >= 5 && strncmp(data, "HTTP/", 5) == 0) b->len = 0;
    return ts_buf_add(b, data, size * n) == 0 ? size * n : 0;
}

typedef struct ts_upload {
    const char *data;
    size_t len, pos;
} ts_upload;

/* Hands the body out in pieces of at most 1000 bytes, so that a chunked
 * upload really arrives as several chunks. */
static size_t ts_http_on_read(char *out, size_t size, size_t n, void *ud)
{
    ts_upload *u = ud;
    size_t room = size * n, left = u->len - u->pos;
    if (room > 1000) room = 1000;
    if (room > left) room = left;
    memcpy(out, u->data + u->pos, room);
    u->pos += room;
    return room;
}

int ts_http(const ts_http_req *req, ts_http_resp *resp)
{
    CURL *c = req->handle ? req->handle : curl_easy_init();
    struct curl_slist *hl = NULL;
    ts_buf body = {0}, head = {0};
    ts_upload up = {req->body, req->body_len, 0};
    const char *method = req->method ? req->method : (req->body ? "POST" : "GET");
    CURLcode cc;
    int rc = -1;

    memset(resp, 0, sizeof *resp);
    if (!c) {
        snprintf(resp->error, sizeof resp->error, "curl_easy_init failed");
        return -1;
    }
    if (req->handle) curl_easy_reset(c); /* keeps the connection cache: keep-alive works */
    curl_easy_setopt(c, CURLOPT_URL, req->url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, resp->error);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, req->timeout_s ? req->timeout_s : 60L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ts_http_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, ts_http_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &head);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (req->decode) curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    if (req->local_addr) {
        /* "host!": bind to this address, not to an interface of that name.
         * Linux answers every 127.0.0.0/8 address on lo, so one test can be
         * several clients that the server tells apart by address. */
        char iface[80];
        snprintf(iface, sizeof iface, "host!%s", req->local_addr);
        curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
    }
    for (const char *const *h = req->headers; h && *h; h++)
        hl = curl_slist_append(hl, *h);
    if (req->body) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, ts_http_on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, &up);
        if (req->chunked)
            hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
        else
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    cc = curl_easy_perform(c);
    if (cc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
        rc = 0;
    } else if (!resp->error[0]) {
        snprintf(resp->error, sizeof resp->error, "%s", curl_easy_strerror(cc));
    }
    resp->body = body.data ? body.data : calloc(1, 1);
    resp->body_len = body.len;
    resp->headers = head.data ? head.data : calloc(1, 1);
    curl_slist_free_all(hl);
    if (!req->handle) curl_easy_cleanup(c);
    return rc;
}

int ts_http_get(const char *url, ts_http_resp *resp)
{
    ts_http_req req = {.url = url};
    return ts_http(&req, resp);
}

json_t *ts_http_get_json(const char *url, const char *const *headers, long want, ts_http_resp *keep)
{
    ts_http_resp r;
    ts_http_req q = {.url = url, .headers = headers};
    json_error_t jerr;
    json_t *doc;

    if (ts_http(&q, &r) != 0) fail_msg("GET %s: %s", url, r.error);
    if (r.status != want) fail_msg("GET %s: status %ld, want %ld: %s", url, r.status, want, r.body);
    doc = json_loads(r.body, 0, &jerr);
    if (!doc) fail_msg("GET %s: not JSON: %s", url, jerr.text);
    if (keep)
        *keep = r;
    else
        ts_http_resp_free(&r);
    return doc;
}

int ts_http_send(const char *method, const char *url, const char *const h[6], const char *body,
                 ts_http_resp *resp)
{
    const char *headers[7];
    size_t n = 0;
    ts_http_req req = {0};

    for (size_t i = 0; i < 6; i++)
        if (h[i]) headers[n++] = h[i];
    headers[n] = NULL;
    req.method = method;
    req.url = url;
    req.headers = headers;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    return ts_http(&req, resp);
}

const char *ts_http_header(const ts_http_resp *resp, const char *name)
{
    static __thread char bufs[8][1024]; /* per thread: tests call it from several */
    static __thread int next;
    size_t n = strlen(name);
    const char *p = resp->headers;

    while (p && *p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
            char *b = bufs[next++ % 8];
            const char *v = p + n + 1;
            size_t vlen;
            while (*v == ' ' || *v == '\t')
                v++;
            vlen = (size_t)(p + len - v);
            while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == ' '))
                vlen--;
            if (vlen >= sizeof bufs[0]) vlen = sizeof bufs[0] - 1;
            memcpy(b, v, vlen);
            b[vlen] = '\0';
            return b;
        }
        p = eol ? eol + 1 : NULL;
    }
    return NULL;
}

void ts_http_resp_free(ts_http_resp *resp)
{
    free(resp->body);
    free(resp->headers);
    resp->body = resp->headers = NULL;
}

int ts_http_connect(int port)
{
    return ts_http_connect_from(port, NULL);
}

int ts_http_connect_from(int port, const char *src)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0) return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    if (src && (inet_pton(AF_INET, src, &sa.sin_addr) != 1 ||
                bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0)) {
        close(fd);
        return -1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int ts_http_send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int ts_http_wait_closed(int fd, int timeout_ms)
{
    struct timespec t0, now;
    char chunk[4096];

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        long left;
        ssize_t r;
        clock_gettime(CLOCK_MONOTONIC, &now);
        left =
            timeout_ms - ((now.tv_sec - t0.tv_sec) * 1000L + (now.tv_nsec - t0.tv_nsec) / 1000000L);
        if (left <= 0) return 0;
        if (poll(&p, 1, (int)left) <= 0) continue;
        r = recv(fd, chunk, sizeof chunk, 0);
        if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) return 1;
    }
}

char *ts_http_read_all(int fd, int timeout_ms, size_t *len)
{
    ts_buf b = {0};
    char chunk[16384];

    ts_buf_add(&b, "", 0);
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ssize_t r;
        int pr = poll(&p, 1, timeout_ms);
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) break;
        r = recv(fd, chunk, sizeof chunk, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) /* closed, or reset after the answer */
            break;
        ts_buf_add(&b, chunk, (size_t)r);
    }
    if (len) *len = b.len;
    return b.data;
}

char *ts_http_raw(int port, const void *data, size_t len, int timeout_ms)
{
    int fd = ts_http_connect(port);
    char *answer;

    if (fd < 0) return NULL;
    /* A server that answers early and closes may make the rest of the send
     * fail: the answer still counts. */
    ts_http_send_all(fd, data, len);
    answer = ts_http_read_all(fd, timeout_ms, NULL);
    close(fd);
    return answer;
}

int ts_http_raw_status(const char *answer)
{
    int status = 0;
    if (answer && sscanf(answer, "HTTP/1.%*d %d", &status) == 1) return status;
    return 0;
}
