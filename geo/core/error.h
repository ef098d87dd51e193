/*
 * error.h - the one error convention of geoEDITOR.
 *
 * Every fallible function returns an int: GE_OK (0) on success or a negative
 * GE_E* code, and, when the caller passes a ge_err, writes one human-readable
 * line that names what was wrong ("layer 'hydrants': ..."). The code says what
 * kind of failure it is (the HTTP layer maps it to a status); the message says
 * which member, value or limit. Like libuv, codes are negative so that
 * "if (rc < 0)" reads the same everywhere.
 */
#ifndef GE_ERROR_H
#define GE_ERROR_H

#include <stddef.h>

enum {
    GE_OK = 0,
    GE_EINVAL = -1,    /* bad input: the caller sent something wrong */
    GE_ENOENT = -2,    /* a named thing does not exist */
    GE_EIO = -3,       /* a file, database or network operation failed */
    GE_ENOMEM = -4,    /* out of memory */
    GE_ECONFLICT = -5, /* the state does not allow it (already exists, in use) */
    GE_ELIMIT = -6,    /* a configured limit was exceeded */
    GE_EINTERNAL = -7, /* a bug or an unexpected library failure */
    GE_EGONE = -8,     /* existed, but expired or was used up */
    GE_EBUDGET = -9,   /* the work needed more than its cost budget (budget.h) */
    GE_ECANCELED = -10 /* stopped: nobody waits for the result, or the server stops */
};

typedef struct ge_err {
    int code;
    char msg[512];
} ge_err;

/* Sets err (if not NULL) and returns code, so that "return ge_err_set(...)" works. */
int ge_err_set(ge_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefixes the current message with "prefix: " (e.g. the file name). */
void ge_err_prefix(ge_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void ge_err_clear(ge_err *err);

/* "EINVAL", "ENOENT", ... for logs. */
const char *ge_code_name(int code);

#endif
