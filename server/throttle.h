/*
 * throttle.h - the login throttle's bookkeeping: failed logins counted per
 * user name and per client address group, in fixed memory, without ever
 * dropping a lock to make room.
 *
 *   ge_throttle_attempt a;
 *   if (!ge_throttle_begin(t, name, remote, now, lockout, &retry, &a)) -> 429
 *   ... check the password ...
 *   if (right) ge_throttle_success(t, &a);
 *
 * Each of the two counts (names, address groups) is a count-min sketch:
 * GE_THROTTLE_ROWS rows of `width` cells; a key (the name as typed, or the
 * address group) counts in one cell per row, chosen by a keyed hash
 * (SipHash with a random key per process, so nobody can aim at a cell). The
 * key's count is the smallest of its cells; it is locked while that count
 * is at the limit (all its cells are). Two keys that share a cell add up
 * there, so a key may be locked early, never late, and only when it shares
 * a full cell in every row. Nothing is ever evicted: the table neither
 * grows nor makes room, so a flood of made-up names, however long, cannot
 * take a lock away; at worst it locks more. Names that exist and names that
 * do not are counted alike, so the answers (401, 429, Retry-After) tell
 * nothing about which names exist.
 *
 * A cell counts failures until its window ends (lockout seconds after the
 * first failure it counted); a key that reaches the limit extends its cells'
 * windows to lockout seconds from then. Only that end, never another login,
 * clears a count at the limit: a success takes back its own advance count
 * and forgets the rest of its name's failures only in cells below the
 * limit.
 *
 * Addresses are grouped before counting (ge_throttle_addr_group): IPv4 per
 * address, IPv6 per /64 (the block one subscriber gets), IPv4-mapped IPv6
 * as IPv4. Thread-safe: one mutex, O(1) work per call.
 */
#ifndef GE_THROTTLE_H
#define GE_THROTTLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define GE_THROTTLE_ROWS 2
/* Room for an address group: an IPv6 text, "/64" and the NUL. */
#define GE_THROTTLE_GROUP_MAX 64

typedef struct ge_throttle_cell {
    uint32_t failures;
    uint32_t epoch;     /* one more each time the cell starts counting anew */
    int64_t window_end; /* 0: empty */
} ge_throttle_cell;

typedef struct ge_throttle_table {
    ge_throttle_cell *cells; /* GE_THROTTLE_ROWS * width */
    size_t width;            /* a power of two */
    uint32_t limit;          /* failures that lock */
    unsigned char key[16];   /* SipHash key */
} ge_throttle_table;

typedef struct ge_throttle {
    pthread_mutex_t mu;
    ge_throttle_table names, addrs;
} ge_throttle;

/* Where one key counts: its cell in every row, and each cell's epoch when
 * it was looked at. */
typedef struct ge_throttle_at {
    size_t cell[GE_THROTTLE_ROWS];
    uint32_t epoch[GE_THROTTLE_ROWS];
} ge_throttle_at;

/* One login attempt between ge_throttle_begin and ge_throttle_success. */
typedef struct ge_throttle_attempt {
    ge_throttle_at name, addr;
    bool counted;
} ge_throttle_attempt;

/*
 * Sets up t over caller-owned storage: name_cells and addr_cells hold
 * GE_THROTTLE_ROWS * width zeroed cells each (width a power of two). A name
 * locks after max_name failures, an address group after max_addr. key: 32
 * bytes for the hashes (tests), or NULL for random ones.
 */
void ge_throttle_init(ge_throttle *t, ge_throttle_cell *name_cells, ge_throttle_cell *addr_cells,
                      size_t width, int max_name, int max_addr, const unsigned char *key);

/*
 * Before checking a password: may name try from remote (the client's
 * address as text) at now? When neither the name nor the address group is
 * locked, counts the attempt as a failure of both in advance (so parallel
 * guesses cannot slip past the limit) and returns true. Otherwise returns
 * false with *retry_after, the seconds until the later of the two locks
 * ends, and counts nothing.
 */
bool ge_throttle_begin(ge_throttle *t, const char *name, const char *remote, time_t now,
                       long lockout, long *retry_after, ge_throttle_attempt *a);

/* After the password of an attempt that began was right: takes back the
 * attempt's advance counts and forgets the name's other failures (in cells
 * below the limit: locks of other names stay). */
void ge_throttle_success(ge_throttle *t, const ge_throttle_attempt *a);

/*
 * The same over cells kept elsewhere (the store, for several instances):
 * ge_throttle_place says where name and remote's address group count
 * (a->name.cell[r] and a->addr.cell[r], row r's cell as index into a table
 * of GE_THROTTLE_ROWS * width cells) and touches no cell; the caller then
 * holds those cells, locked against every other caller, as names[r] and
 * addrs[r] for ge_throttle_begin_cells / ge_throttle_success_cells, which
 * answer as ge_throttle_begin / ge_throttle_success. t's cells are not
 * used (ge_throttle_init may get NULL for them).
 */
void ge_throttle_place(const ge_throttle *t, const char *name, const char *remote,
                       ge_throttle_attempt *a);
bool ge_throttle_begin_cells(const ge_throttle *t, ge_throttle_cell *const names[GE_THROTTLE_ROWS],
                             ge_throttle_cell *const addrs[GE_THROTTLE_ROWS], time_t now,
                             long lockout, long *retry_after, ge_throttle_attempt *a);
void ge_throttle_success_cells(const ge_throttle *t,
                               ge_throttle_cell *const names[GE_THROTTLE_ROWS],
                               ge_throttle_cell *const addrs[GE_THROTTLE_ROWS],
                               const ge_throttle_attempt *a);

/* The group an address counts in, as text: an IPv4 address as it is, an
 * IPv6 address as its /64 ("2001:db8:1:2::/64"), an IPv4-mapped IPv6
 * address as the IPv4 address; anything else unchanged. */
void ge_throttle_addr_group(const char *remote, char out[GE_THROTTLE_GROUP_MAX]);

#endif
