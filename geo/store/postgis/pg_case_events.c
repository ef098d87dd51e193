/*
 * pg_case_events.c - the case-events lock and WKB as hex text (see
 * pg_case_events.h).
 */
#include "pg_case_events.h"

#include <stdlib.h>

#include "pg_sql.h"

int ge_pg_case_events_lock(PGconn *c, ge_err *err)
{
    const char *p[] = {GE_PG_CASE_EVENTS_LOCK_KEY};
    return ge_pg_exec(c, "taking the case events lock", "SELECT pg_advisory_xact_lock($1::bigint)",
                      1, p, NULL, err);
}

char *ge_pg_wkb_hex(const unsigned char *wkb, size_t len, ge_err *err)
{
    static const char digits[] = "0123456789abcdef";
    char *hex = malloc(2 * len + 1);

    if (!hex) {
        ge_err_set(err, GE_ENOMEM, "store: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[wkb[i] >> 4];
        hex[2 * i + 1] = digits[wkb[i] & 15];
    }
    hex[2 * len] = '\0';
    return hex;
}
