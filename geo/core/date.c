/*
 * date.c - day numbers <-> calendar dates, and the store's UTC time text (date.h).
 *
 * The conversions are Howard Hinnant's days_from_civil / civil_from_days,
 * exact for the proleptic Gregorian calendar without tables.
 */
#include "date.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

ge_date ge_date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (ge_date)(era * 146097 + doe - 719468);
}

void ge_date_to_ymd(ge_date day, int *y, int *m, int *d)
{
    int z = day + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int ge_date_days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : days[m - 1];
}

int ge_date_parse(const char *s, ge_date *out, ge_err *err)
{
    int y, m, d;

    if (!s) return ge_err_set(err, GE_EINVAL, "date is missing");
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') goto bad;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) goto bad;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > ge_date_days_in_month(y, m))
        return ge_err_set(err, GE_EINVAL, "'%s' is not a calendar date", s);
    *out = ge_date_from_ymd(y, m, d);
    return GE_OK;
bad:
    return ge_err_set(err, GE_EINVAL, "'%.40s' is not a date of the form YYYY-MM-DD", s);
}

void ge_date_format_iso(ge_date day, char *buf, size_t n)
{
    int y, m, d;
    ge_date_to_ymd(day, &y, &m, &d);
    snprintf(buf, n, "%04d-%02d-%02d", y, m, d);
}

void ge_date_format_de(ge_date day, char *buf, size_t n)
{
    int y, m, d;
    ge_date_to_ymd(day, &y, &m, &d);
    snprintf(buf, n, "%02d.%02d.%04d", d, m, y);
}

ge_date ge_date_local(time_t t)
{
    struct tm tm;
    localtime_r(&t, &tm);
    return ge_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void ge_date_utc(time_t t, char out[GE_DATE_UTC_LEN])
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, GE_DATE_UTC_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        out[0] = '\0';
}
