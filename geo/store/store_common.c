/*
 * store_common.c - what both store backends share and needs no SQL: the
 * layer-name check of every function that takes a layer name, and the
 * growing of result arrays.
 */
#include "store.h"
#include "store_backend.h"

#include <stdint.h>
#include <stdlib.h>

bool ge_store_layer_name_valid(const char *name)
{
    size_t i;
    if (!name || !(name[0] >= 'a' && name[0] <= 'z')) return false;
    for (i = 1; name[i]; i++) {
        char ch = name[i];
        if (i > 62 || !((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
            return false;
    }
    return true;
}

void *ge_store_grow(void *v, size_t *cap, size_t len, size_t elem_size, size_t first_cap,
                    ge_err *err)
{
    size_t ncap = *cap ? *cap * 2 : first_cap;
    void *grown;

    if (len < *cap) return v;
    grown = ncap <= SIZE_MAX / elem_size ? realloc(v, ncap * elem_size) : NULL;
    if (!grown) {
        ge_err_set(err, GE_ENOMEM, "store: out of memory");
        return NULL;
    }
    *cap = ncap;
    return grown;
}
