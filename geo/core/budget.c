/*
 * budget.c - per-thread cost budgets and GEOS interruption (budget.h).
 *
 * The state is thread-local: a budget belongs to the thread that does the
 * work, and GEOS calls the interrupt callback on that same thread, so the
 * hot path (a callback at every GEOS interrupt check, thousands per overlay)
 * reads only its own memory. It looks at the monotonic clock every 16th
 * call, and at the thread's CPU time and the gone test every 2 ms.
 */
#include "budget.h"

#include <geos_c.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

/* How often the expensive tests run: CPU time is a system call, the gone
 * test a recv() on the client's socket. */
#define GE_BUDGET_POLL_NS     2000000ull
#define GE_BUDGET_CLOCK_EVERY 16u

typedef struct ge_budget_tls {
    bool armed;
    ge_budget_state state;
    double limit_ms;    /* 0: no time limit */
    uint64_t cpu0_ns;   /* thread CPU time at begin */
    uint64_t next_poll; /* monotonic ns of the next CPU and gone test */
    unsigned calls;     /* callbacks since the last clock read */
    ge_budget_gone_fn gone;
    void *ud;
    unsigned long interrupts;
} ge_budget_tls;

static _Thread_local ge_budget_tls tb;
static atomic_bool stop_all;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static uint64_t ge_budget_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Decides whether the armed work must stop; cheap unless a poll is due. */
static bool ge_budget_poll(void)
{
    uint64_t now;

    if (!tb.armed) return false;
    if (tb.state != GE_BUDGET_RUNNING) return true;
    if (atomic_load_explicit(&stop_all, memory_order_relaxed)) {
        tb.state = GE_BUDGET_SHUTDOWN;
        return true;
    }
    if (++tb.calls < GE_BUDGET_CLOCK_EVERY) return false;
    tb.calls = 0;
    now = ge_budget_ns(CLOCK_MONOTONIC);
    if (now < tb.next_poll) return false;
    tb.next_poll = now + GE_BUDGET_POLL_NS;
    if (tb.limit_ms > 0 && ge_budget_used_ms() > tb.limit_ms)
        tb.state = GE_BUDGET_EXHAUSTED;
    else if (tb.gone && tb.gone(tb.ud))
        tb.state = GE_BUDGET_CANCELLED;
    return tb.state != GE_BUDGET_RUNNING;
}

/* GEOS calls this before each of its interrupt checks, on the thread doing
 * the work. A stopped budget asks again at every check, so that every later
 * GEOS operation of the thread fails fast too. */
static void ge_budget_geos_callback(void)
{
    if (ge_budget_poll()) GEOS_interruptRequest();
}

static void ge_budget_register(void)
{
    GEOS_interruptRegisterCallback(ge_budget_geos_callback);
}

void ge_budget_init(void)
{
    pthread_once(&init_once, ge_budget_register);
}

void ge_budget_begin(double cpu_ms, ge_budget_gone_fn gone, void *ud)
{
    ge_budget_init();
    tb.armed = true;
    tb.state = GE_BUDGET_RUNNING;
    tb.limit_ms = cpu_ms > 0 ? cpu_ms : 0;
    tb.cpu0_ns = ge_budget_ns(CLOCK_THREAD_CPUTIME_ID);
    tb.next_poll = ge_budget_ns(CLOCK_MONOTONIC) + GE_BUDGET_POLL_NS;
    tb.calls = 0;
    tb.gone = gone;
    tb.ud = ud;
}

void ge_budget_end(void)
{
    tb.armed = false;
    tb.state = GE_BUDGET_RUNNING;
    tb.gone = NULL;
    tb.ud = NULL;
}

bool ge_budget_check(void)
{
    return ge_budget_poll();
}

ge_budget_state ge_budget_state_now(void)
{
    /* No last look at the clock: work that finished is not thrown away for
     * having ended just past the limit. */
    return tb.armed ? tb.state : GE_BUDGET_RUNNING;
}

double ge_budget_limit_ms(void)
{
    return tb.armed ? tb.limit_ms : 0;
}

double ge_budget_used_ms(void)
{
    if (!tb.armed) return 0;
    return (double)(ge_budget_ns(CLOCK_THREAD_CPUTIME_ID) - tb.cpu0_ns) / 1e6;
}

unsigned long ge_budget_interrupts(void)
{
    return tb.interrupts;
}

void ge_budget_note_interrupt(void)
{
    tb.interrupts++;
}

void ge_budget_stop_all(void)
{
    atomic_store(&stop_all, true);
}

void ge_budget_resume_all(void)
{
    atomic_store(&stop_all, false);
}
