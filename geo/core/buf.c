/*
 * buf.c - ge_buf, the growable byte and string buffer (buf.h): geometric
 * growth from 256 bytes, a terminating NUL after every append, a sticky
 * failure on exhausted memory or an overflowing length.
 */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define GE_BUF_FIRST_CAP 256

int ge_buf_reserve(ge_buf *b, size_t more)
{
    size_t need, cap;
    char *grown;

    if (b->failed) return GE_ENOMEM;
    if (more > SIZE_MAX - 1 - b->len) goto fail; /* len + more + NUL overflows */
    need = b->len + more + 1;
    if (need <= b->cap) return GE_OK;
    cap = b->cap ? b->cap : GE_BUF_FIRST_CAP;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    grown = realloc(b->data, cap);
    if (!grown) goto fail;
    b->data = grown;
    b->cap = cap;
    b->data[b->len] = '\0';
    return GE_OK;
fail:
    b->failed = true;
    return GE_ENOMEM;
}

int ge_buf_put(ge_buf *b, const void *s, size_t n)
{
    if (ge_buf_reserve(b, n) < 0) return GE_ENOMEM;
    if (n) memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return GE_OK;
}

int ge_buf_puts(ge_buf *b, const char *s)
{
    return ge_buf_put(b, s, strlen(s));
}

int ge_buf_putc(ge_buf *b, char c)
{
    return ge_buf_put(b, &c, 1);
}

int ge_buf_vprintf(ge_buf *b, const char *fmt, va_list ap)
{
    va_list aq;
    int n;

    if (b->failed) return GE_ENOMEM;
    /* first try into the room there is, then once more into enough room */
    va_copy(aq, ap);
    n = vsnprintf(b->data ? b->data + b->len : NULL, b->data ? b->cap - b->len : 0, fmt, aq);
    va_end(aq);
    if (n < 0) {
        if (b->data) b->data[b->len] = '\0';
        b->failed = true;
        return GE_ENOMEM;
    }
    if (!b->data || (size_t)n >= b->cap - b->len) {
        if (ge_buf_reserve(b, (size_t)n) < 0) return GE_ENOMEM;
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    }
    b->len += (size_t)n;
    return GE_OK;
}

int ge_buf_printf(ge_buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = ge_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int ge_buf_put_html(ge_buf *b, const char *s)
{
    const char *run = s;

    for (; *s; s++) {
        const char *rep;
        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        ge_buf_put(b, run, (size_t)(s - run));
        ge_buf_puts(b, rep);
        run = s + 1;
    }
    return ge_buf_put(b, run, (size_t)(s - run));
}

void ge_buf_clear(ge_buf *b)
{
    b->len = 0;
    b->failed = false;
    if (b->data) b->data[0] = '\0';
}

char *ge_buf_steal(ge_buf *b, size_t *len)
{
    char *out;

    if (!b->failed && !b->data) ge_buf_reserve(b, 0);
    if (b->failed) {
        ge_buf_free(b);
        if (len) *len = 0;
        return NULL;
    }
    out = b->data;
    if (len) *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return out;
}

void ge_buf_free(ge_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}
