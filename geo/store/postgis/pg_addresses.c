/*
 * pg_addresses.c - address search (store_addresses.h) in the PostGIS store;
 * the same hits in the same order as sqlite/store_addresses.c.
 *
 * SQLite keeps an FTS5 table beside ref_addresses; here the search reads
 * ref_addresses itself: each address's street (or place), house number,
 * postcode and city, folded as FTS5's unicode61 remove_diacritics tokenizer
 * and the SQLite store fold them (case, the common Latin diacritics, "ß" as
 * "ss", punctuation between words), become a tsvector of the 'simple'
 * configuration (no stemming), and the query's words (ge_store_addresses_match)
 * a tsquery of prefixes 'w1':* & 'w2':*, folded the same way. No column or
 * index is added to the schema: the vector is computed in the query, which
 * reads the whole layer (a few thousand addresses take milliseconds). An
 * expression GIN index on GE_ADDR_DOC would make it an index lookup for
 * large cities; that is a schema change left for a numbered step.
 *
 * The order is the SQLite store's: the house number typed first, then
 * streets beginning with the first word typed, then street, house number as
 * a number and as text, postcode, fid - text compared in C order, lower()
 * folding ASCII only, as SQLite's LIKE and lower() do.
 */
#include "pg_store.h"
#include "store_addresses.h"
#include "store_shared.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "ß" and "ẞ" as "ss" (the street as the SQLite store's index holds it) */
#define GE_ADDR_SS(e) "replace(replace(" e ", 'ß', 'ss'), 'ẞ', 'ss')"
/* the common Latin diacritics off, and punctuation as a word boundary */
#define GE_ADDR_LETTERS_FROM "ÀÁÂÃÄÅÈÉÊËÌÍÎÏÒÓÔÕÖÙÚÛÜÝàáâãäåèéêëìíîïòóôõöùúûüýÿÇçÑñ"
#define GE_ADDR_LETTERS_TO   "AAAAAAEEEEIIIIOOOOOUUUUYaaaaaaeeeeiiiiooooouuuuyyCcNn"
#define GE_ADDR_PUNCT_FROM   "-./_+,;:()&@#"
#define GE_ADDR_PUNCT_TO     "             "
/* an address's text folded as the tokenizer folds it */
#define GE_ADDR_FOLD(e)                                                                            \
    "lower(translate(" GE_ADDR_SS(e) ", '" GE_ADDR_LETTERS_FROM GE_ADDR_PUNCT_FROM                 \
                                     "', '" GE_ADDR_LETTERS_TO GE_ADDR_PUNCT_TO                    \
                                     "') COLLATE \"C\")"
/* a tsquery folded alike: its words hold no punctuation, and its own
 * quotes, colons and '&' stay */
#define GE_ADDR_FOLD_QUERY(e)                                                                      \
    "lower(translate(" GE_ADDR_SS(e) ", '" GE_ADDR_LETTERS_FROM "', '" GE_ADDR_LETTERS_TO          \
                                     "') COLLATE \"C\")"
#define GE_ADDR_STREET "coalesce(props ->> 'street', props ->> 'place', '')"
#define GE_ADDR_DOC_TEXT                                                                           \
    "concat_ws(' ', " GE_ADDR_STREET ", props ->> 'housenumber', props ->> 'postcode',"            \
    " props ->> 'city')"
#define GE_ADDR_DOC   "to_tsvector('simple'::regconfig, " GE_ADDR_FOLD(GE_ADDR_DOC_TEXT) ")"
#define GE_ADDR_QUERY "to_tsquery('simple'::regconfig, " GE_ADDR_FOLD_QUERY("$1::text") ")"

#define GE_ADDR_STREET_SS GE_ADDR_SS(GE_ADDR_STREET)

static const char ge_addr_query[] =
    "SELECT props ->> 'label', coalesce(props ->> 'street', props ->> 'place'),"
    " props ->> 'housenumber', props ->> 'postcode', props ->> 'city',"
    " CASE WHEN ST_GeometryType(geometry) = 'ST_Point' THEN ST_X(geometry) END,"
    " CASE WHEN ST_GeometryType(geometry) = 'ST_Point' THEN ST_Y(geometry) END"
    " FROM (SELECT fid, props, geometry, " GE_ADDR_STREET_SS " COLLATE \"C\" AS s,"
    " coalesce(props ->> 'housenumber', '') COLLATE \"C\" AS h,"
    " coalesce(props ->> 'postcode', '') COLLATE \"C\" AS p"
    " FROM ref_addresses WHERE " GE_ADDR_DOC " @@ " GE_ADDR_QUERY ") AS f"
    " ORDER BY CASE WHEN lower(h) = lower($3::text) THEN 0"
    " WHEN substr(lower(h), 1, length($3::text)) = lower($3::text) THEN 1 ELSE 2 END,"
    " CASE WHEN lower(s) LIKE lower($4::text) || '%' THEN 0 ELSE 1 END,"
    " s, coalesce(substring(h from '^[0-9]{1,18}')::bigint, 0), h, p, fid"
    " LIMIT $2::integer";

/* '"w1"* "w2"*' (FTS5) as "'w1':* & 'w2':*" (tsquery); the words hold no
 * quote (ge_store_addresses_match). out holds 2 * strlen(expr) + 1 bytes. */
static void ge_addr_tsquery(const char *expr, char *out)
{
    size_t o = 0;
    for (const char *p = expr; *p; p++) {
        if (*p == '"')
            out[o++] = '\'';
        else if (*p == '*')
            out[o++] = ':', out[o++] = '*';
        else if (*p == ' ')
            out[o++] = ' ', out[o++] = '&', out[o++] = ' ';
        else
            out[o++] = *p;
    }
    out[o] = '\0';
}

static int ge_pg_addresses_search(ge_store *st, const char *q, int limit, ge_address *out,
                                  size_t *n, ge_err *err)
{
    char expr[4 * GE_ADDRESSES_Q_MAX + 1], tsq[8 * GE_ADDRESSES_Q_MAX + 1],
        number[2 * GE_ADDRESSES_Q_MAX + 1], word[2 * GE_ADDRESSES_Q_MAX + 1], lim[16];
    PGconn *c = NULL;
    PGresult *r = NULL;
    int64_t have = 0;
    int rc;

    *n = 0;
    rc = ge_addresses_query_check(q, limit, expr, number, word, err);
    if (rc < 0) return rc;
    ge_addr_tsquery(expr, tsq);
    snprintf(lim, sizeof lim, "%d", limit);

    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_pg_int(c, "searching addresses",
                   "SELECT count(*) FROM pg_class"
                   " WHERE oid = to_regclass('ref_addresses')",
                   NULL, &have, err);
    if (rc == GE_OK && have) {
        const char *p[] = {tsq, lim, number[0] ? number : NULL, word[0] ? word : NULL};
        rc = ge_pg_exec(c, "searching addresses", ge_addr_query, 4, p, &r, err);
    }
    ge_pg_release(st, c);
    for (int i = 0; rc == GE_OK && r && i < PQntuples(r) && i < limit; i++) {
        ge_address *a = &out[*n];
        ge_pg_copy_text(a->label, sizeof a->label, r, i, 0);
        ge_pg_copy_text(a->street, sizeof a->street, r, i, 1);
        ge_pg_copy_text(a->housenumber, sizeof a->housenumber, r, i, 2);
        ge_pg_copy_text(a->postcode, sizeof a->postcode, r, i, 3);
        ge_pg_copy_text(a->city, sizeof a->city, r, i, 4);
        a->x = PQgetisnull(r, i, 5) ? 0 : strtod(PQgetvalue(r, i, 5), NULL);
        a->y = PQgetisnull(r, i, 6) ? 0 : strtod(PQgetvalue(r, i, 6), NULL);
        ++*n;
    }
    PQclear(r);
    return rc;
}

const ge_store_addresses_ops ge_pg_addresses_ops = {
    .addresses_search = ge_pg_addresses_search,
};
