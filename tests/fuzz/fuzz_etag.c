/*
 * fuzz_etag.c - the If-None-Match list a client sends for a tile, a feature
 * page, a static file or any other cached answer, scanned against the tag
 * the server would send (server/http.c, ge_etag_list_scan).
 *
 * Input: the opaque tag (the text between the quotes the server writes) on
 * the first line, the header value after it. Checks, against a scanner
 * written here from RFC 9110's grammar (entity-tag = [ "W/" ] DQUOTE *etagc
 * DQUOTE, items separated by commas and blanks; "*"; the scan ends at the
 * first item that is neither), that the same bits come out; that a list
 * starting with the tag (strong or weak, plain or "-gz") names it whatever
 * follows; and that nothing but GE_ETAG_* bits is ever set.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The grammar, one index at a time. */
static unsigned model_scan(const char *h, const char *opaque, size_t olen)
{
    unsigned found = 0;
    size_t i = 0, len = strlen(h);

    for (;;) {
        size_t start, stop;
        while (i < len && (h[i] == ' ' || h[i] == '\t' || h[i] == ','))
            i++;
        if (i == len) return found;
        if (h[i] == '*') {
            found |= GE_ETAG_ANY;
            i++;
            continue;
        }
        if (i + 1 < len && h[i] == 'W' && h[i + 1] == '/') i += 2;
        if (i == len || h[i] != '"') return found;
        start = i + 1;
        stop = start;
        while (stop < len && h[stop] != '"')
            stop++;
        if (stop == len) return found; /* unterminated: not a tag */
        if (stop - start == olen && strncmp(h + start, opaque, olen) == 0)
            found |= GE_ETAG_PLAIN;
        else if (stop - start == olen + 3 && strncmp(h + start, opaque, olen) == 0 &&
                 strncmp(h + start + olen, "-gz", 3) == 0)
            found |= GE_ETAG_GZ;
        i = stop + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_strndup(data, size), *nl = strchr(text, '\n'), *h, *prefixed;
    const char *opaque;
    size_t olen, hlen;
    unsigned got, want;

    if (!nl) {
        free(text);
        return 0;
    }
    *nl = '\0';
    opaque = text;
    h = nl + 1;
    olen = strlen(opaque);
    hlen = strlen(h);

    got = ge_etag_list_scan(h, opaque, olen);
    want = model_scan(h, opaque, olen);
    FZ_CHECK((got & ~(GE_ETAG_ANY | GE_ETAG_PLAIN | GE_ETAG_GZ)) == 0, "stray bits %#x", got);
    FZ_CHECK(got == want, "scan %#x, grammar %#x for tag '%s' in '%s'", got, want, opaque, h);
    FZ_CHECK(ge_etag_list_scan(NULL, opaque, olen) == 0, "an absent header named something");

    /* A tag that can be quoted at all, put first: named whatever follows. */
    if (!strchr(opaque, '"')) {
        static const char *const forms[][2] = {
            {"\"", "\""}, {"W/\"", "\""}, {"\"", "-gz\""}, {"W/\"", "-gz\""}};
        prefixed = malloc(olen + hlen + 16);
        if (!prefixed) abort();
        for (size_t f = 0; f < 4; f++) {
            unsigned bit = f < 2 ? GE_ETAG_PLAIN : GE_ETAG_GZ;
            strcpy(prefixed, forms[f][0]);
            strcat(prefixed, opaque);
            strcat(prefixed, forms[f][1]);
            strcat(prefixed, ", ");
            strcat(prefixed, h);
            got = ge_etag_list_scan(prefixed, opaque, olen);
            FZ_CHECK(got & bit, "'%s' does not name tag '%s' (%#x)", prefixed, opaque, got);
            /* what the list names after it is still named */
            FZ_CHECK((got & want) == want, "'%s' lost %#x of what '%s' named", prefixed, want, h);
        }
        free(prefixed);
    }
    free(text);
    return 0;
}
