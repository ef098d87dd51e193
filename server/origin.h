/*
 * origin.h - web origins of form servers ("https://forms.example.de",
 * "http://127.0.0.1:8081"), written exactly as a browser serialises them in
 * postMessage events, the Origin header and CSP: lower-case scheme http or
 * https, "://", lower-case host (name, IPv4 or [IPv6]), a port only when it
 * is not the scheme's default, and nothing else - no path, not even "/",
 * no query, no user info.
 *
 * Origins are compared byte for byte later (editor messages, CSP
 * frame-ancestors), so one that a browser would write differently would
 * silently never match; it is refused when it is configured instead.
 */
#ifndef GE_ORIGIN_H
#define GE_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>

/* True when s is an origin as a browser writes it; otherwise false and why
 * (one line naming what is wrong) in why. */
bool ge_origin_valid(const char *s, char *why, size_t why_size);

#endif
