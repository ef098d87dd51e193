/*
 * pg_rows.c - features read through a cursor (see pg_rows.h).
 */
#include "pg_rows.h"
#include "pg_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows per FETCH: big enough that round trips do not show, small enough
 * that a portion of polygons stays a few megabytes. */
#define GE_PG_FETCH_ROWS 500
#define GE_PG_FETCH      "FETCH 500 FROM ge_rows"

static int ge_hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

long ge_pg_unhex(const char *hex, unsigned char **buf, size_t *cap)
{
    size_t len = strlen(hex);
    if (len % 2) return -1;
    if (len / 2 > *cap || !*buf) {
        size_t ncap = len / 2 + 64;
        unsigned char *nb = realloc(*buf, ncap);
        if (!nb) return -1;
        *buf = nb;
        *cap = ncap;
    }
    for (size_t i = 0; i < len / 2; i++) {
        int hi = ge_hex_digit(hex[2 * i]), lo = ge_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        (*buf)[i] = (unsigned char)(hi << 4 | lo);
    }
    return (long)(len / 2);
}

int ge_pg_feature_rows(PGconn *c, const char *what, const char *sql, int n,
                       const char *const *params, ge_feature_cb cb, void *ud, int64_t *rows,
                       ge_err *err)
{
    static const char declare[] = "DECLARE ge_rows NO SCROLL CURSOR FOR ";
    size_t len = strlen(sql);
    char *q = malloc(sizeof declare + len);
    unsigned char *wkb = NULL;
    size_t cap = 0;
    int64_t count = 0;
    int rc;

    if (rows) *rows = 0;
    if (!q) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    memcpy(q, declare, sizeof declare - 1);
    memcpy(q + sizeof declare - 1, sql, len + 1);
    rc = ge_pg_exec(c, what, q, n, params, NULL, err);
    free(q);
    while (rc == GE_OK) {
        PGresult *r = NULL;
        rc = ge_pg_exec(c, what, GE_PG_FETCH, 0, NULL, &r, err);
        if (rc < 0) break;
        int nr = PQntuples(r);
        for (int i = 0; rc == GE_OK && i < nr; i++) {
            long wlen = PQgetisnull(r, i, 1) ? 0 : ge_pg_unhex(PQgetvalue(r, i, 1), &wkb, &cap);
            if (wlen < 0) {
                rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
                break;
            }
            count++;
            rc = cb(ud, strtoll(PQgetvalue(r, i, 0), NULL, 10), wlen ? wkb : NULL, (size_t)wlen,
                    PQgetisnull(r, i, 2) ? NULL : PQgetvalue(r, i, 2));
        }
        PQclear(r);
        if (nr < GE_PG_FETCH_ROWS) break; /* a short portion is the last one */
    }
    free(wkb);
    if (rows) *rows = count;
    return rc;
}

void ge_pg_box_params(const double box[4], int srid, char out[5][32])
{
    for (int i = 0; i < 4; i++)
        snprintf(out[i], sizeof out[i], "%.17g", box[i]);
    snprintf(out[4], sizeof out[4], "%d", srid);
}
