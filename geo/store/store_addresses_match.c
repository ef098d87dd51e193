/*
 * store_addresses_match.c - an address query checked and cut into words,
 * for both stores' address search (store_backend.h:
 * ge_store_addresses_match, store_shared.h: ge_addresses_query_check): the
 * SQLite store binds the result to FTS5's MATCH, the PostGIS store turns it
 * into a tsquery.
 */
#include "store_addresses.h"
#include "store_backend.h"
#include "store_shared.h"

#include <stdbool.h>
#include <string.h>

static bool ge_addr_word_byte(unsigned char ch)
{
    return ch >= 0x80 || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
           (ch >= 'A' && ch <= 'Z');
}

/* Builds the MATCH expression: "w1"* "w2"* ... (implicit AND). Returns the
 * number of words; out must hold 4 * strlen(q) + 1 bytes (a word grows by
 * its quotes, star and space, and "ß" (2 bytes) becomes "ss"). number gets
 * the first word that starts with a digit ("" when none), word the first
 * other word as it is matched (ß as ss); each holds 2 * strlen(q) + 1 bytes. */
size_t ge_store_addresses_match(const char *q, char *out, char *number, char *word)
{
    size_t words = 0, o = 0;
    const unsigned char *p = (const unsigned char *)q;

    number[0] = word[0] = '\0';

    while (*p) {
        if (!ge_addr_word_byte(*p)) {
            p++;
            continue;
        }
        if (words++) out[o++] = ' ';
        if (!number[0] && *p >= '0' && *p <= '9') {
            size_t k = 0;
            while (p[k] && ge_addr_word_byte(p[k])) {
                number[k] = (char)p[k];
                k++;
            }
            number[k] = '\0';
        }
        out[o++] = '"';
        size_t w0 = o;
        bool is_number = *p >= '0' && *p <= '9';
        while (*p && ge_addr_word_byte(*p)) {
            if (p[0] == 0xC3 && p[1] == 0x9F) { /* ß */
                out[o++] = 's';
                out[o++] = 's';
                p += 2;
            } else if (p[0] == 0xE1 && p[1] == 0xBA && p[2] == 0x9E) { /* ẞ */
                out[o++] = 's';
                out[o++] = 's';
                p += 3;
            } else {
                out[o++] = (char)*p++; /* never '"': that is not a word byte */
            }
        }
        if (!is_number && !word[0]) {
            memcpy(word, out + w0, o - w0);
            word[o - w0] = '\0';
        }
        out[o++] = '"';
        out[o++] = '*';
    }
    out[o] = '\0';
    return words;
}

int ge_addresses_query_check(const char *q, int limit, char *expr, char *number, char *word,
                             ge_err *err)
{
    size_t len = q ? strlen(q) : 0;

    if (len > GE_ADDRESSES_Q_MAX)
        return ge_err_set(err, GE_EINVAL, "the address query is %zu bytes long (at most %d)", len,
                          GE_ADDRESSES_Q_MAX);
    if (!q || ge_store_addresses_match(q, expr, number, word) == 0)
        return ge_err_set(err, GE_EINVAL, "the address query has no letter or digit");
    if (limit < 1 || limit > GE_ADDRESSES_LIMIT_MAX)
        return ge_err_set(err, GE_EINVAL, "limit %d is out of range (1..%d)", limit,
                          GE_ADDRESSES_LIMIT_MAX);
    return GE_OK;
}
