/*
 * log.h - structured logging: one JSON object per line on stderr.
 *
 * Fields are given in jansson's json_pack() notation so that every value is
 * escaped by the JSON library, never by hand:
 *   ge_log(GE_LOG_INFO, "listening", "{s:s, s:i}", "bind", addr, "port", port);
 * Pass NULL as fmt for a message without fields. Secrets (passwords, API keys,
 * capability tokens) must never be passed as fields.
 */
#ifndef GE_LOG_H
#define GE_LOG_H

enum { GE_LOG_DEBUG = 0, GE_LOG_INFO = 1, GE_LOG_WARN = 2, GE_LOG_ERROR = 3 };

void ge_log_set_level(int level);

/* "debug", "info", "warn", "error" -> level; -1 when unknown. */
int ge_log_level_parse(const char *name);

void ge_log(int level, const char *msg, const char *fmt, ...);

#endif
