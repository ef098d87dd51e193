/*
 * credit.c - a map's data credit in the reader's language (credit.h): a
 * left-to-right pass that replaces the known phrases where they start.
 */
#include "credit.h"

#include <string.h>

#include "text.h"

static const struct {
    const char *from;
    ge_text to;
} ge_credit_phrases[] = {
    {"(c)", GE_TEXT_INIT(DE("\xc2\xa9"), EN("\xc2\xa9"))},
    {"(C)", GE_TEXT_INIT(DE("\xc2\xa9"), EN("\xc2\xa9"))},
    {"OpenStreetMap contributors",
     GE_TEXT_INIT(DE("OpenStreetMap-Mitwirkende"), EN("OpenStreetMap contributors"))},
    {"Demo data: fictional, made by geoEDITOR",
     GE_TEXT_INIT(DE("Demodaten: erfunden, erstellt von geoEDITOR"),
                  EN("Demo data: fictional, made by geoEDITOR"))},
};

/* Appends len bytes of s, never splitting a UTF-8 character. */
static void ge_credit_put(char *out, size_t size, size_t *n, const char *s, size_t len)
{
    if (*n + 1 >= size) return;
    if (len > size - 1 - *n) {
        len = size - 1 - *n;
        while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
            len--;
        memcpy(out + *n, s, len);
        out[*n + len] = '\0';
        *n = size - 1; /* full: nothing more after a cut */
        return;
    }
    memcpy(out + *n, s, len);
    *n += len;
    out[*n] = '\0';
}

char *ge_credit_local(const char *credit, bool german, char *out, size_t size)
{
    size_t n = 0;

    if (!size) return out;
    out[0] = '\0';
    for (const char *c = credit ? credit : ""; *c;) {
        size_t k, nphr = sizeof ge_credit_phrases / sizeof ge_credit_phrases[0];
        for (k = 0; k < nphr; k++) {
            const char *from = ge_credit_phrases[k].from;
            if (strncmp(c, from, strlen(from)) == 0) {
                const char *to = ge_text_pick(ge_credit_phrases[k].to, german);
                ge_credit_put(out, size, &n, to, strlen(to));
                c += strlen(from);
                break;
            }
        }
        if (k == nphr) {
            /* one whole UTF-8 character */
            size_t len = 1;
            while (c[len] && ((unsigned char)c[len] & 0xc0) == 0x80)
                len++;
            ge_credit_put(out, size, &n, c, len);
            c += len;
        }
    }
    return out;
}
