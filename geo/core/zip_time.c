/*
 * zip_time.c - ge_zip_set_time: every entry of an in-memory ZIP stamped
 * with one modification time (zip_time.h). Walks the central directory from
 * the end-of-central-directory record (PKWARE APPNOTE 4.3.12, 4.3.16).
 */
#include "zip_time.h"

#include <stdbool.h>
#include <stdint.h>

static unsigned ge_zip_u16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t ge_zip_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void ge_zip_put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)(v >> 8 & 0xff);
}

void ge_zip_dos_time(time_t t, unsigned *dos_date, unsigned *dos_time)
{
    struct tm tm;

    localtime_r(&t, &tm);
    if (tm.tm_year < 80) { /* DOS time starts in 1980 */
        tm.tm_year = 80;
        tm.tm_mon = 0;
        tm.tm_mday = 1;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    }
    *dos_date = (unsigned)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
    *dos_time = (unsigned)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
}

int ge_zip_set_time(unsigned char *buf, size_t len, time_t t, ge_err *err)
{
    size_t eocd = 0, pos;
    unsigned count, dos_date, dos_time;
    uint32_t cd_size, cd_off;
    bool found = false;

    if (len < 22) return ge_err_set(err, GE_EINVAL, "zip: %zu bytes are too few", len);
    /* The record is 22 bytes plus a comment of at most 65535. */
    for (size_t i = len - 22 + 1; i-- > 0 && len - i <= 22 + 65535;)
        if (ge_zip_u32(buf + i) == 0x06054b50) {
            eocd = i;
            found = true;
            break;
        }
    if (!found) return ge_err_set(err, GE_EINVAL, "zip: no end of central directory");
    count = ge_zip_u16(buf + eocd + 10);
    cd_size = ge_zip_u32(buf + eocd + 12);
    cd_off = ge_zip_u32(buf + eocd + 16);
    if (count == 0xffff || cd_size == 0xffffffff || cd_off == 0xffffffff)
        return ge_err_set(err, GE_EINVAL, "zip: ZIP64 archives are not stamped");
    if ((size_t)cd_off + cd_size > eocd)
        return ge_err_set(err, GE_EINVAL, "zip: the central directory lies outside the file");
    ge_zip_dos_time(t, &dos_date, &dos_time);
    pos = cd_off;
    for (unsigned k = 0; k < count; k++) {
        uint32_t local;
        if (pos + 46 > eocd || ge_zip_u32(buf + pos) != 0x02014b50)
            return ge_err_set(err, GE_EINVAL, "zip: central directory entry %u is broken", k);
        local = ge_zip_u32(buf + pos + 42);
        if ((size_t)local + 30 > cd_off || ge_zip_u32(buf + local) != 0x04034b50)
            return ge_err_set(err, GE_EINVAL, "zip: the local header of entry %u is broken", k);
        ge_zip_put16(buf + pos + 12, dos_time);
        ge_zip_put16(buf + pos + 14, dos_date);
        ge_zip_put16(buf + local + 10, dos_time);
        ge_zip_put16(buf + local + 12, dos_date);
        pos += 46 + ge_zip_u16(buf + pos + 28) + ge_zip_u16(buf + pos + 30) +
               ge_zip_u16(buf + pos + 32);
    }
    return GE_OK;
}
