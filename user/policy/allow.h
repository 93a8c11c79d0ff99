/* SPDX-License-Identifier: GPL-2.0 */
/* `allow` blocks -> exception entries: users and groups resolved through
 * NSS, `until` dates checked against now and converted to the clock that
 * the kernel compares them with. */
#ifndef __APPBAN_ALLOW_H
#define __APPBAN_ALLOW_H

#include <stdint.h>

#include "policy/ast.h"
#include "policy/compiled.h"

/* Wall-clock now in ns (CLOCK_REALTIME). For tests only, APPBAN_TEST_NOW=
 * EPOCH_SECONDS pretends that it is that time: an exception ending "at the
 * end of today" can then end seconds after a load. */
int64_t allow_now_wall_ns(void);

/* The CLOCK_BOOTTIME ns at which wall-clock second `until` (seconds since
 * the epoch) is reached, given one reading of both clocks; 1 (long past)
 * when it is before the boot. */
__u64 allow_until_boot_ns_at(int64_t until, int64_t now_wall_ns, __u64 now_boot_ns);
/* The same with the clocks read now (allow_now_wall_ns()); 0 stays 0 (never). */
__u64 allow_until_boot_ns(int64_t until);

/* A user or group name through NSS (files, LDAP, SSSD ...): 0, -ENOENT
 * when there is none, else -errno of the lookup. */
int nss_user_id(const char *name, __u32 *uid);
int nss_group_id(const char *name, __u32 *gid);

/* Compile the allow blocks of `p` into c->allows and c->excs; problems go
 * to d (an unknown user or group is an error, an until in the past a
 * warning: that exception never applies). */
int compile_allows(const struct policy *p, struct compiled_policy *c, struct diag *d);

#endif /* __APPBAN_ALLOW_H */
