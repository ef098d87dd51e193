/*
 * buf.h - the one growable byte and string buffer of geoEDITOR: protobuf
 * tiles (mvt.c), PNG and PDF streams from cairo (staticmap.c, siteplan.c),
 * JSON reports, HTML pages, the metrics text.
 *
 * A zeroed ge_buf is empty and ready. Appending grows it geometrically and
 * keeps data NUL-terminated (so text needs no extra step; binary users
 * ignore the terminator). When memory runs out, or a length would overflow
 * size_t, the buffer is marked failed: every later append is a no-op
 * returning GE_ENOMEM, so a writer may append a whole page and check once at
 * the end (b.failed, or the result of ge_buf_steal).
 *
 *   ge_buf b = {0};
 *   ge_buf_puts(&b, "<p>");
 *   ge_buf_put_html(&b, title);
 *   ge_buf_printf(&b, "</p><p>%d</p>", n);
 *   char *page = ge_buf_steal(&b, &len);   // NULL when any append failed
 */
#ifndef GE_BUF_H
#define GE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct ge_buf {
    char *data; /* NULL until the first append; then NUL-terminated at len */
    size_t len; /* bytes appended, without the terminator */
    size_t cap; /* bytes allocated */
    bool failed;
} ge_buf;

/* Makes room for more bytes (and the terminator) beyond len, so a writer
 * may fill data[len..len+more) itself and add to len (data is then
 * terminated again by the next append). GE_OK or GE_ENOMEM. */
int ge_buf_reserve(ge_buf *b, size_t more);

/* Appends n bytes (may contain NULs). GE_OK or GE_ENOMEM. */
int ge_buf_put(ge_buf *b, const void *s, size_t n);
int ge_buf_puts(ge_buf *b, const char *s);
int ge_buf_putc(ge_buf *b, char c);
int ge_buf_printf(ge_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ge_buf_vprintf(ge_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Text with & < > " ' escaped for HTML element content and attribute
 * values (the one HTML escaper). GE_OK or GE_ENOMEM. */
int ge_buf_put_html(ge_buf *b, const char *s);

/* Empties the buffer and clears failed, keeping its memory. */
void ge_buf_clear(ge_buf *b);

/* The contents (NUL-terminated, "" when nothing was appended) for the
 * caller to free, and their length in *len (may be NULL); the buffer is
 * empty again. NULL (and the memory freed) when an append failed. */
char *ge_buf_steal(ge_buf *b, size_t *len);

/* Frees the memory; the buffer is empty again. */
void ge_buf_free(ge_buf *b);

#endif
