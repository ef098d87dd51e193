/*
 * store_addresses.h - address search over the imported "addresses" layer:
 * an SQLite FTS5 index beside the layer, rebuilt in the import batch that
 * replaces the layer (so it is always the index of the rows readers see),
 * and a type-ahead query on it.
 *
 * The index folds case and diacritics (unicode61 remove_diacritics 2) and
 * writes "ß" as "ss" on both sides, so "Hauptstrasse", "hauptstraße" and
 * "Hauptstr." (as a prefix) all find "Hauptstraße". Every word of the query
 * is a prefix: "Altenh 5" finds "Altenhofer Weg 5" (and 50, 5a).
 */
#ifndef GE_STORE_ADDRESSES_H
#define GE_STORE_ADDRESSES_H

#include <stddef.h>

#include "error.h"
#include "store.h"

/* The layer the index is built from. */
#define GE_ADDRESSES_LAYER "addresses"

/* Limits of a query (the HTTP layer names them in its problems). */
#define GE_ADDRESSES_Q_MAX     200 /* bytes of query text */
#define GE_ADDRESSES_LIMIT_MAX 50

typedef struct ge_address {
    char label[256];  /* "Hauptstraße 1" as the import made it */
    char street[160]; /* street, or addr:place when there is no street */
    char housenumber[32];
    char postcode[16];
    char city[96];
    double x, y; /* store CRS (ge_store_srid) */
} ge_address;

/*
 * Finds up to limit (1..GE_ADDRESSES_LIMIT_MAX) addresses for the text q,
 * best first, equally good ones by street and then in natural house-number
 * order (2 before 10, 10 before 10a). *n is the number written to out (which
 * holds limit entries). GE_EINVAL when q has no letter or digit, or is longer
 * than GE_ADDRESSES_Q_MAX; a store without addresses gives *n = 0. A store
 * imported before the index existed gets it built on the first query.
 */
int ge_store_addresses_search(ge_store *st, const char *q, int limit, ge_address *out, size_t *n,
                              ge_err *err);

#endif
