/* SPDX-License-Identifier: GPL-2.0 */
/* What the configuration parser's files offer each other: the arguments of
 * its statements, checked and converted (config_arg.c). */
#ifndef __APPBAN_FLEET_CONFIG_INT_H
#define __APPBAN_FLEET_CONFIG_INT_H

#include <stdint.h>

#include "fleet/config.h"
#include "policy/lex.h"

#define CFG_PATH_LEN_MAX 4095 /* PATH_MAX with its NUL */

/* The functions below return 0, or -EINVAL after reporting the error at t;
 * `what` names the statement in the message ("state-dir"). */

/* An absolute path of at most 4095 bytes. */
int cfg_arg_path(struct diag *d, const char *what, const struct token *t);
/* A decimal number from min to max; unit ("seconds") is for the message. */
int cfg_arg_uint(struct diag *d, const char *what, const char *unit, const struct token *t,
		 uint64_t min, uint64_t max, uint64_t *v);
/* A size: bytes, or a number followed by K, M or G (powers of 1024). */
int cfg_arg_size(struct diag *d, const char *what, const struct token *t, uint64_t min,
		 uint64_t max, uint64_t *v);
/* yes or no. */
int cfg_arg_yes_no(struct diag *d, const char *what, const struct token *t, int *v);
/* N/s, N from 1 to FLEET_RATE_MAX. */
int cfg_arg_rate(struct diag *d, const struct token *t, unsigned int *rate);
/* sha256//BASE64 of 32 bytes. */
int cfg_arg_pin(struct diag *d, const struct token *t);
/* A syslog facility's name -> its number. */
int cfg_arg_facility(struct diag *d, const struct token *t, unsigned int *facility);
/* unix:/PATH, udp:HOST:PORT or tcp:HOST:PORT into s (allocates s->socket
 * or s->host; errors reported at loc): -ENOMEM too. */
int cfg_arg_syslog_address(struct diag *d, const char *address, struct src_loc loc,
			   struct fleet_sink *s);

#endif /* __APPBAN_FLEET_CONFIG_INT_H */
