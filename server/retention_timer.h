/*
 * retention_timer.h - the server's retention timer: every cfg->purge_interval
 * seconds (setting purge_interval, default one day, 0 = off; the first run a
 * few seconds after start) it purges the personal data of closed cases past
 * their service's retention_days, exactly as "geoeditor purge" does
 * (geo/app/retention.h), and logs one JSON line with the counts.
 *
 * The timer plugs in like a handler module (handlers.h) without routes: its
 * registration function starts the thread and a ge_ctx_on_stop() callback
 * ends it. A purge in progress stops between two cases as soon as the server
 * starts draining, so shutdown never waits for a long backlog.
 */
#ifndef GE_SERVER_RETENTION_H
#define GE_SERVER_RETENTION_H

#include "http.h"
#include "router.h"

/* Starts the timer when purge_interval > 0 and the services are loaded
 * (a ctx without services, as in route-listing tests, starts nothing). */
int ge_retention_timer_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

#endif
