/*
 * date.h - calendar dates as day numbers, for periods and lead times.
 *
 * Permits count calendar days, so a date is an int32 day number (days since
 * 1970-01-01, proleptic Gregorian); differences are plain subtraction and no
 * time zone is involved. "Today" is decided by the caller (the server takes
 * the local date of the deployment, Europe/Berlin) and passed in, so rules are
 * reproducible in tests.
 */
#ifndef GE_DATE_H
#define GE_DATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"

typedef int32_t ge_date;

/* Days since 1970-01-01 of a valid y-m-d. */
ge_date ge_date_from_ymd(int y, int m, int d);
void ge_date_to_ymd(ge_date day, int *y, int *m, int *d);

/* Parses "YYYY-MM-DD" (an RFC 3339 full-date); a date-time is refused so that
 * nobody wonders in which time zone its date was meant. */
int ge_date_parse(const char *s, ge_date *out, ge_err *err);

/* "2026-08-01" (ISO, also for English) or "01.08.2026" (German). buf >= 11. */
void ge_date_format_iso(ge_date day, char *buf, size_t n);
void ge_date_format_de(ge_date day, char *buf, size_t n);

/* The local date (TZ applies) of Unix time t; which t is now, the
 * caller's clock says (ge_app_today in geo/app/app.h). */
ge_date ge_date_local(time_t t);

/* The store's time text of Unix time t: UTC in whole seconds, e.g.
 * "2026-11-25T21:22:43Z", the form every *_at column holds and compares as
 * text; "" for a t that gmtime cannot represent. */
#define GE_DATE_UTC_LEN 32
void ge_date_utc(time_t t, char out[GE_DATE_UTC_LEN]);

#endif
