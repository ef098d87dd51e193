/*
 * zip_time.h - sets the modification time of every entry of a ZIP file held
 * in memory. GDAL's ZIP writer (the zipped Shapefile of the export) leaves
 * the DOS date and time of its entries at zero, which archive tools show as
 * 1980-00-00; the export stamps them with the time it was made instead.
 *
 * ZIP stores an entry's time twice, in its local header and in the central
 * directory, as MS-DOS date and time in local time with 2-second steps
 * (years 1980..2107). Both are overwritten in place; nothing else changes
 * (the CRCs cover the data only).
 */
#ifndef GE_ZIP_TIME_H
#define GE_ZIP_TIME_H

#include <stddef.h>
#include <time.h>

#include "error.h"

/* Stamps every entry of the ZIP in buf[0..len) with t. GE_EINVAL (naming
 * what is wrong) when buf is not a ZIP this can read: no end of central
 * directory, ZIP64, or headers pointing outside buf. */
int ge_zip_set_time(unsigned char *buf, size_t len, time_t t, ge_err *err);

/* The DOS date and time of t in local time (what ge_zip_set_time writes). */
void ge_zip_dos_time(time_t t, unsigned *dos_date, unsigned *dos_time);

#endif
