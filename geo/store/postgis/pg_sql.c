/*
 * pg_sql.c - checked statements on a libpq connection (see pg_sql.h).
 */
#include "pg_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ge_pg_sqlstate_code(const char *s)
{
    if (!s || strlen(s) != 5) return GE_EIO;
    if (strncmp(s, "23", 2) == 0 || strncmp(s, "22", 2) == 0) return GE_EINVAL;
    if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0 || strcmp(s, "55P03") == 0)
        return GE_ECONFLICT;
    if (strncmp(s, "53", 2) == 0) return GE_ELIMIT;
    if (strcmp(s, "57014") == 0) return GE_ECANCELED;
    return GE_EIO;
}

int ge_pg_exec(PGconn *c, const char *what, const char *sql, int n, const char *const *params,
               PGresult **out, ge_err *err)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (out) *out = NULL;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char msg[400], state_buf[8] = "";
        /* copied: the field lives in r, which is cleared before the message is made */
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        size_t len;
        if (state) {
            snprintf(state_buf, sizeof state_buf, "%s", state);
            state = state_buf;
        }
        snprintf(msg, sizeof msg, "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(c));
        len = strlen(msg);
        while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
            msg[--len] = '\0';
        /* a lost connection has no result and no SQLSTATE */
        int code = r ? ge_pg_sqlstate_code(state) : GE_EIO;
        PQclear(r);
        return ge_err_set(err, code, "%s: %s%s%s%s", what, msg, state ? " (SQLSTATE " : "",
                          state ? state : "", state ? ")" : "");
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return GE_OK;
}

int ge_pg_int(PGconn *c, const char *what, const char *sql, const char *arg, int64_t *out,
              ge_err *err)
{
    PGresult *r;
    const char *params[1] = {arg};
    int rc = ge_pg_exec(c, what, sql, arg ? 1 : 0, arg ? params : NULL, &r, err);
    if (rc < 0) return rc;
    if (PQntuples(r) > 0 && PQnfields(r) > 0 && !PQgetisnull(r, 0, 0))
        *out = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return GE_OK;
}
