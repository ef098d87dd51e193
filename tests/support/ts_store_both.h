/*
 * ts_store_both.h - store tests whose cases are written once and run on
 * each backend (ts_store_open_on, see test_store_clients.c): one entry
 * registers a case on SQLite and on PostGIS, and one line declares the
 * usual fixture - a store of the case's backend in a static variable,
 * opened by open_store and closed by close_store (NULL while the backend is
 * not available: the case skips).
 */
#ifndef GE_TS_STORE_BOTH_H
#define GE_TS_STORE_BOTH_H

#include "store.h"
#include "ts_store.h"

/* fn as two cmocka cases (cmocka.h included before): on SQLite and on
 * PostGIS, the backend as the case's initial state. */
#define TS_STORE_ON_BOTH(fn, setup, teardown)                                                      \
    cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, TS_STORE_SQLITE),                \
        cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, TS_STORE_POSTGIS)

/* close_store(state): closes the store in st and sets st to NULL. */
#define TS_STORE_CLOSE_FIXTURE(st)                                                                 \
    static int close_store(void **state)                                                           \
    {                                                                                              \
        (void)state;                                                                               \
        ge_store_close(st);                                                                        \
        (st) = NULL;                                                                               \
        return 0;                                                                                  \
    }

/* open_store(state): a new store in st on the case's backend (ts_store_open_on
 * with name, file and path_out; st stays NULL when the backend is not
 * available); and close_store as TS_STORE_CLOSE_FIXTURE. */
#define TS_STORE_FIXTURE(st, name, file, path_out)                                                 \
    static int open_store(void **state)                                                            \
    {                                                                                              \
        return ts_store_open_on(*state, name, file, &(st), path_out) < 0 ? -1 : 0;                 \
    }                                                                                              \
    TS_STORE_CLOSE_FIXTURE(st)

#endif
