/*
 * fuzz.h - what the libFuzzer targets of tests/fuzz share: the source tree
 * (for data/), a NUL-terminated copy of the input, a request (ge_req) made
 * from a query string as the server makes it, and a check that fails loudly.
 *
 * Every target is one file fuzz_<name>.c defining LLVMFuzzerTestOneInput
 * (and LLVMFuzzerInitialize when it loads something once); tests/fuzz/README.md
 * says what each one feeds and checks.
 */
#ifndef GE_FUZZ_H
#define GE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

/* The source tree: $GE_SOURCE_DIR, else where CMake configured it. */
const char *fz_source_dir(void);

/* A malloc'd NUL-terminated copy of the input (aborts when out of memory). */
char *fz_strndup(const uint8_t *data, size_t size);

/* A request whose query is qs ("a=1&b=%20", not NUL-terminated), split at
 * '&' and '=' and decoded per argument as the server does
 * (server_request.c: '+' is a space, then ge_router_pct_decode); an argument
 * the server would refuse as malformed is dropped, as its request never
 * reaches a handler. lang picks the language of messages. */
typedef struct fz_req {
    ge_req req;
    ge_query_arg args[64];
} fz_req;

void fz_req_init(fz_req *r, const char *qs, size_t len, ge_lang lang);
void fz_req_free(fz_req *r);

/* A small reference snapshot in EPSG:25833 around 13.3 E, 52.58 N (a
 * street space, a hydrant, a tree, a building and the city boundary), the
 * one tests/unit/test_validate.c uses and a little more, so that rules
 * meet reference data. Built on first use. */
struct ge_refsnap;
struct ge_refsnap *fz_snapshot(void);

/* The CPU budget of one input's GEOS work in milliseconds: small, so that
 * an input that is merely slow ends with GE_EBUDGET like a request would,
 * instead of passing libFuzzer's timeout; an input that runs past the
 * timeout despite the budget is a real hang (a loop that never checks it). */
#define FZ_BUDGET_MS 250

/* FZ_BUDGET_MS, or $GE_FUZZ_BUDGET_MS when set (0: no budget), to tell a
 * finding caused by the interrupt from one without it. */
double fz_budget_ms(void);

/* Aborts with a message when ok is false: a broken invariant is a crash. */
#define FZ_CHECK(ok, ...) ((ok) ? (void)0 : fz_fail(__FILE__, __LINE__, __VA_ARGS__))
void fz_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

#endif
