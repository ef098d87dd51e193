/*
 * store_addresses.c - the FTS5 address index and its type-ahead query (see
 * store_addresses.h), SQLite flavour.
 *
 * The index is a plain FTS5 table whose rowid is the fid of ref_addresses,
 * holding normalised copies of street, house number, postcode and city. It
 * is not an external-content table over ref_addresses because the values
 * live inside the props JSON and are normalised ("ß" -> "ss") on the way in;
 * a copy of a few short strings per address is cheap. Being rebuilt inside
 * the import transaction, it never points at rows of another import.
 *
 * The user's text never becomes SQL, nor raw FTS5 syntax: it is cut into
 * words (runs of letters and digits; any non-ASCII byte counts as a letter,
 * the tokenizer decides the rest), each word becomes a quoted FTS5 string
 * with a prefix star (ge_store_addresses_match, store_addresses_match.c),
 * and the resulting expression is bound to MATCH.
 */
#include "store_addresses.h"
#include "store_shared.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"

/* "ß" (U+00DF) and "ẞ" (U+1E9E) are both written "ss", in the index and in
 * queries, so that the spellings Straße/Strasse meet. */
#define GE_ADDR_NORM(e) "replace(replace(" e ", 'ß', 'ss'), 'ẞ', 'ss')"

static const char ge_addr_create[] =
    "CREATE VIRTUAL TABLE IF NOT EXISTS fts_addresses USING fts5("
    "street, housenumber, postcode, city, tokenize = 'unicode61 remove_diacritics 2')";

static const char ge_addr_fill[] =
    "INSERT INTO fts_addresses (rowid, street, housenumber, postcode, city) SELECT "
    "fid, " GE_ADDR_NORM("coalesce(json_extract(props, '$.street'), json_extract(props, "
                         "'$.place'), '')") ", coalesce(json_extract(props, '$.housenumber'), ''), "
                                            "coalesce(json_extract(props, '$.postcode'), "
                                            "''), " GE_ADDR_NORM("coalesce(json_extract(props, "
                                                                 "'$.city'), '')") " FROM "
                                                                                   "ref_addresses";

int ge_store_addresses_reindex_conn(struct ge_conn *c, ge_err *err)
{
    int rc = ge_store_sql_exec(c, ge_addr_create, err);
    if (rc == GE_OK) rc = ge_store_sql_exec(c, "DELETE FROM fts_addresses", err);
    if (rc == GE_OK) rc = ge_store_sql_exec(c, ge_addr_fill, err);
    if (rc < 0) ge_err_prefix(err, "building the address index");
    return rc;
}

static int ge_addr_table_exists(ge_conn *c, const char *name, bool *yes, ge_err *err)
{
    int64_t n = 0;
    int rc =
        ge_store_sql_int(c, "SELECT count(*) FROM sqlite_master WHERE name = ?", name, &n, err);
    *yes = n > 0;
    return rc < 0 ? rc : GE_OK;
}

/* A store imported before the index existed: build it once, in its own write
 * transaction (re-checked inside it, as another thread may have done it). */
static int ge_addr_ensure_index(ge_conn *c, bool *have, ge_err *err)
{
    bool fts = false, layer = false;
    int rc = ge_addr_table_exists(c, "fts_addresses", &fts, err);
    if (rc == GE_OK && !fts) rc = ge_addr_table_exists(c, "ref_addresses", &layer, err);
    if (rc < 0 || fts || !layer) {
        *have = fts;
        return rc;
    }
    rc = ge_store_sql_exec(c, "BEGIN IMMEDIATE", err);
    if (rc < 0) return rc;
    rc = ge_addr_table_exists(c, "fts_addresses", &fts, err);
    if (rc == GE_OK && !fts) rc = ge_store_addresses_reindex_conn(c, err);
    if (rc == GE_OK) rc = ge_store_sql_exec(c, "COMMIT", err);
    if (rc < 0 && !sqlite3_get_autocommit(c->db)) ge_store_sql_exec(c, "ROLLBACK", NULL);
    *have = rc == GE_OK;
    return rc;
}

/* The rank: first the hits whose house number is the number typed (?3,
 * the first word that starts with a digit; NULL when there is none), then
 * those whose number starts with it ("Lindenallee 2" puts 2 before 21, and
 * both before addresses that match only because their postcode starts with
 * "2"); within that, streets that begin with the first other word typed
 * (?4) before streets that merely contain a word starting so ("Linden"
 * puts Lindenallee before Am Lindenhof). Equal ranks by street, then house
 * number as a number, then as text (10 before 10a), so a street's numbers
 * come out in order. FTS5's bm25 is not used: every hit matches every word,
 * and bm25 would only tell them apart by document length (a postcode
 * present or not), scattering one street's numbers. */
static const char ge_addr_query[] =
    "SELECT json_extract(a.props, '$.label'), "
    "coalesce(json_extract(a.props, '$.street'), json_extract(a.props, '$.place')), "
    "json_extract(a.props, '$.housenumber'), json_extract(a.props, '$.postcode'), "
    "json_extract(a.props, '$.city'), X(a.geometry), Y(a.geometry) "
    "FROM (SELECT rowid AS id, "
    "(CASE WHEN lower(housenumber) = lower(?3) THEN 0 "
    "WHEN substr(lower(housenumber), 1, length(?3)) = lower(?3) THEN 1 ELSE 2 END) AS t, "
    "(CASE WHEN street LIKE ?4 || '%' THEN 0 ELSE 1 END) AS u, "
    "street AS s, housenumber AS h, postcode AS p FROM fts_addresses "
    "WHERE fts_addresses MATCH ?1 "
    "ORDER BY t, u, s, CAST(h AS INTEGER), h, p, rowid LIMIT ?2) AS f "
    "JOIN ref_addresses AS a ON a.fid = f.id "
    "ORDER BY f.t, f.u, f.s, CAST(f.h AS INTEGER), f.h, f.p, f.id";

static int ge_sqlite_addresses_search(ge_store *st, const char *q, int limit, ge_address *out,
                                      size_t *n, ge_err *err)
{
    char expr[4 * GE_ADDRESSES_Q_MAX + 1], number[2 * GE_ADDRESSES_Q_MAX + 1],
        word[2 * GE_ADDRESSES_Q_MAX + 1];
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    bool have = false;
    int rc;

    *n = 0;
    rc = ge_addresses_query_check(q, limit, expr, number, word, err);
    if (rc < 0) return rc;

    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_addr_ensure_index(c, &have, err);
    if (rc < 0 || !have) goto done;
    rc = ge_store_sql_prepare(c, ge_addr_query, &s, err);
    if (rc < 0) goto done;
    sqlite3_bind_text(s, 1, expr, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, limit);
    if (number[0]) sqlite3_bind_text(s, 3, number, -1, SQLITE_STATIC);
    if (word[0]) sqlite3_bind_text(s, 4, word, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        ge_address *a = &out[*n];
        ge_store_copy_text(a->label, sizeof a->label, sqlite3_column_text(s, 0));
        ge_store_copy_text(a->street, sizeof a->street, sqlite3_column_text(s, 1));
        ge_store_copy_text(a->housenumber, sizeof a->housenumber, sqlite3_column_text(s, 2));
        ge_store_copy_text(a->postcode, sizeof a->postcode, sqlite3_column_text(s, 3));
        ge_store_copy_text(a->city, sizeof a->city, sqlite3_column_text(s, 4));
        a->x = sqlite3_column_double(s, 5);
        a->y = sqlite3_column_double(s, 6);
        if (++*n == (size_t)limit) break;
    }
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE
             ? GE_OK
             : ge_store_sql_err(err, c->db, rc, "searching addresses");
done:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

const ge_store_addresses_ops ge_sqlite_addresses_ops = {
    .addresses_search = ge_sqlite_addresses_search,
};
