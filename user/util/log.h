/* SPDX-License-Identifier: GPL-2.0 */
/* Messages to standard error, with a level; libbpf's own messages are routed
 * here one level down and shown with --verbose. */
#ifndef __APPBAN_LOG_H
#define __APPBAN_LOG_H

/* LVL_ERR and LVL_WARN are always shown; --verbose adds INFO, twice DEBUG. */
enum log_level { LVL_ERR = -1, LVL_WARN = 0, LVL_INFO = 1, LVL_DEBUG = 2 };

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Send libbpf's messages through log_msg. */
void log_hook_libbpf(void);

#define pr_err(...) log_msg(LVL_ERR, __VA_ARGS__)
#define pr_warn(...) log_msg(LVL_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LVL_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LVL_DEBUG, __VA_ARGS__)

#endif /* __APPBAN_LOG_H */
