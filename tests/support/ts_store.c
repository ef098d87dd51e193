/*
 * ts_store.c - helpers for unit tests on a store (ts_store.h).
 */
#include "ts_store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "token.h"
#include "ts.h"

int ts_store_open(const char *name, const char *file, ge_store **st, char *path_out)
{
    ge_store_opts o = {.path = ts_path(ts_tmpdir(name), file), .srid = 25832};
    ge_err err;

    if (path_out) snprintf(path_out, 4096, "%s", o.path);
    if (ge_store_open(st, &o, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

void ts_wkb_point(unsigned char out[21], double x, double y)
{
    uint32_t type = 1;
    out[0] = 1; /* little endian, as on the machines we run on */
    memcpy(out + 1, &type, 4);
    memcpy(out + 5, &x, 8);
    memcpy(out + 13, &y, 8);
}

void ts_store_draft(ge_store *st, int64_t client, const char *service, ge_draft *d)
{
    char token[GE_TOKEN_MAX], th[GE_TOKEN_HASH_LEN];
    ge_err err;

    memset(d, 0, sizeof *d);
    assert_int_equal(ge_token_id(d->id, &err), GE_OK);
    assert_int_equal(ge_token_new("", token, &err), GE_OK);
    ge_token_hash(token, th);
    d->client_id = client;
    snprintf(d->service, sizeof d->service, "%s", service);
    snprintf(d->expires_at, sizeof d->expires_at, "2999-01-01T00:00:00Z");
    assert_int_equal(ge_store_draft_create(st, d, th, &err), GE_OK);
}
