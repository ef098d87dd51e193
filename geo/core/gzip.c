/*
 * gzip.c - in-memory gzip with zlib (see gzip.h).
 */
#include "gzip.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int ge_gzip_compress(const void *data, size_t len, unsigned char **out, size_t *out_len,
                     ge_err *err)
{
    z_stream zs;
    unsigned char *buf = NULL;
    uLong bound;
    int rc;

    *out = NULL;
    *out_len = 0;
    memset(&zs, 0, sizeof zs);
    /* windowBits 15 + 16: a gzip wrapper; level 6 is zlib's default balance. */
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return ge_err_set(err, GE_ENOMEM, "gzip: cannot initialise zlib");
    bound = deflateBound(&zs, (uLong)len) + 32;
    buf = malloc(bound);
    if (!buf) {
        rc = ge_err_set(err, GE_ENOMEM, "gzip: out of memory");
        goto err;
    }
    zs.next_in = (unsigned char *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = buf;
    zs.avail_out = (uInt)bound;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
        rc = ge_err_set(err, GE_EINTERNAL, "gzip: deflate did not finish");
        goto err;
    }
    *out = buf;
    *out_len = zs.total_out;
    deflateEnd(&zs);
    return GE_OK;
err:
    free(buf);
    deflateEnd(&zs);
    return rc;
}

int ge_gzip_decompress(const void *data, size_t len, size_t max_len, unsigned char **out,
                       size_t *out_len, ge_err *err)
{
    z_stream zs;
    size_t cap = len * 4 + 256;
    unsigned char *buf = NULL;
    int rc, z;

    *out = NULL;
    *out_len = 0;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 32) != Z_OK) /* +32: gzip or zlib header */
        return ge_err_set(err, GE_ENOMEM, "gunzip: cannot initialise zlib");
    if (cap > max_len + 1) cap = max_len + 1;
    buf = malloc(cap);
    if (!buf) {
        rc = ge_err_set(err, GE_ENOMEM, "gunzip: out of memory");
        goto err;
    }
    zs.next_in = (unsigned char *)data;
    zs.avail_in = (uInt)len;
    for (;;) {
        zs.next_out = buf + zs.total_out;
        zs.avail_out = (uInt)(cap - zs.total_out);
        z = inflate(&zs, Z_NO_FLUSH);
        if (z == Z_STREAM_END) break;
        if (z != Z_OK && !(z == Z_BUF_ERROR && zs.avail_out == 0)) {
            rc = ge_err_set(err, GE_EINVAL, "gunzip: not gzip data (%s)",
                            zs.msg ? zs.msg : "truncated");
            goto err;
        }
        if (zs.avail_out == 0) {
            if (cap > max_len) {
                rc = ge_err_set(err, GE_ELIMIT, "gunzip: more than %zu bytes", max_len);
                goto err;
            }
            size_t ncap = cap * 2 > max_len + 1 ? max_len + 1 : cap * 2;
            unsigned char *p = realloc(buf, ncap);
            if (!p) {
                rc = ge_err_set(err, GE_ENOMEM, "gunzip: out of memory");
                goto err;
            }
            buf = p;
            cap = ncap;
        }
    }
    if (zs.total_out > max_len) {
        rc = ge_err_set(err, GE_ELIMIT, "gunzip: more than %zu bytes", max_len);
        goto err;
    }
    *out = buf;
    *out_len = zs.total_out;
    inflateEnd(&zs);
    return GE_OK;
err:
    free(buf);
    inflateEnd(&zs);
    return rc;
}

int ge_gzip_is_gzip(const void *data, size_t len)
{
    const unsigned char *p = data;
    return len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}
