/*
 * gzip.h - gzip (RFC 1952) in memory with zlib: tiles are stored gzipped in
 * MBTiles and cached gzipped for clients that accept it.
 */
#ifndef GE_GZIP_H
#define GE_GZIP_H

#include <stddef.h>

#include "error.h"

/* Compresses len bytes into a malloc'd *out. */
int ge_gzip_compress(const void *data, size_t len, unsigned char **out, size_t *out_len,
                     ge_err *err);

/* Decompresses gzip (or zlib) data into a malloc'd *out of at most max_len
 * bytes (GE_ELIMIT beyond: a bomb); GE_EINVAL for data that is not gzip. */
int ge_gzip_decompress(const void *data, size_t len, size_t max_len, unsigned char **out,
                       size_t *out_len, ge_err *err);

/* True when data starts with the gzip magic bytes. */
int ge_gzip_is_gzip(const void *data, size_t len);

#endif
