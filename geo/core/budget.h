/*
 * budget.h - a cost budget for the work one thread does for one request:
 * computing time, a way to learn that nobody waits for the answer any more,
 * and a process-wide stop for shutdown. GEOS operations under a budget are
 * interrupted when it runs out.
 *
 * Why: a drawing of a few kilobytes can cost GEOS seconds and gigabytes (a
 * 101-vertex star polygon has 2,500 self-crossings to node; overlays of it
 * are quadratic), and the validation routes need no login. The rule engine
 * avoids the known expensive cases (rules.h: overlays are never run on an
 * invalid drawing); the budget bounds everything else, whatever the input.
 *
 * How: ge_budget_begin() arms the calling thread's budget; while it is
 * armed, GEOS's interrupt callback (registered once per process by
 * ge_budget_init) and ge_budget_check() in our own loops look at the clock
 * and stop the work once the thread has used up its CPU time, the caller's
 * "gone" test says the client left, or ge_budget_stop_all() was called.
 * GEOS then throws an InterruptedException: the call in progress fails, and
 * so does every later GEOS call of this thread until ge_budget_end().
 *
 * GEOS 3.11 knows only one process-wide interrupt flag (per-thread requests
 * came with 3.12's GEOS_interruptThread). Setting it lets the first thread
 * that reaches an interrupt check throw, which is nearly always the thread
 * that asked - but another thread at a check point in the same instant may
 * be hit instead. ge_budget_interrupts() counts the interrupts a thread's
 * GEOS context reported, so that a caller whose budget did not run out can
 * tell an interrupt that was meant for someone else and do its work again
 * (the rule engine does).
 */
#ifndef GE_BUDGET_H
#define GE_BUDGET_H

#include <stdbool.h>

/* Why a budget stopped the work. */
typedef enum {
    GE_BUDGET_RUNNING = 0, /* not stopped (or not armed) */
    GE_BUDGET_EXHAUSTED,   /* the CPU time is used up */
    GE_BUDGET_CANCELLED,   /* the gone test said nobody waits for the result */
    GE_BUDGET_SHUTDOWN     /* ge_budget_stop_all(): the server is stopping */
} ge_budget_state;

/* Tells whether the client is still there; true means gone. Called at most
 * every few milliseconds, from the budgeted thread. */
typedef bool (*ge_budget_gone_fn)(void *ud);

/* Registers the GEOS interrupt callback; idempotent and thread-safe. */
void ge_budget_init(void);

/* Arms the calling thread's budget: cpu_ms of this thread's CPU time from
 * now (0: no time limit), and gone (may be NULL) asked now and then. */
void ge_budget_begin(double cpu_ms, ge_budget_gone_fn gone, void *ud);

/* Disarms it; GEOS calls of this thread run unbounded again. */
void ge_budget_end(void);

/* For loops of our own: looks at the clock (cheaply, at most every few
 * milliseconds) and returns true once the work should stop. Always false
 * when no budget is armed. */
bool ge_budget_check(void);

/* Why the calling thread's budget stopped the work (RUNNING when it did not). */
ge_budget_state ge_budget_state_now(void);

/* The CPU time the armed budget allows, in milliseconds (0: none armed). */
double ge_budget_limit_ms(void);

/* Milliseconds of CPU time this thread used since ge_budget_begin(). */
double ge_budget_used_ms(void);

/* Interrupts this thread's GEOS calls reported so far (a running count). */
unsigned long ge_budget_interrupts(void);

/* Called by the GEOS error handler (geos_ctx.c) when an InterruptedException
 * reaches it on this thread. */
void ge_budget_note_interrupt(void);

/* Stops every armed budget in the process at its next check (shutdown);
 * ge_budget_resume_all() undoes it (tests, a server started again). */
void ge_budget_stop_all(void);
void ge_budget_resume_all(void);

#endif
