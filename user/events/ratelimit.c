// SPDX-License-Identifier: GPL-2.0
/* Token buckets per (app, action), in a small open-addressing table: a
 * policy has a bounded number of apps, so entries are never evicted. The
 * tokens are counted in nanoseconds of refill (one record = 1e9 / rate ns)
 * so that integer arithmetic is exact. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events/ratelimit.h"

#define NSEC 1000000000ull
#define APP_LEN 64

struct bucket {
	char app[APP_LEN];
	int action;
	int used;
	uint64_t tokens; /* in units of 1/(rate) ns: burst * NSEC at most */
	uint64_t last_ns; /* the last refill */
	uint64_t held; /* held back in the current window */
	uint64_t window_ns; /* the first held-back record of the window */
};

struct ratelimit {
	uint64_t rate, burst;
	struct bucket *b;
	size_t cap, n;
	uint64_t total;
};

struct ratelimit *ratelimit_new(unsigned int rate, unsigned int burst)
{
	struct ratelimit *rl;

	if (!rate || !burst)
		return NULL;
	rl = calloc(1, sizeof(*rl));
	if (!rl)
		return NULL;
	rl->rate = rate;
	rl->burst = burst;
	rl->cap = 64;
	rl->b = calloc(rl->cap, sizeof(*rl->b));
	if (!rl->b) {
		free(rl);
		return NULL;
	}
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	free(rl->b);
	free(rl);
}

static uint64_t hash(const char *app, int action)
{
	uint64_t h = 1469598103934665603ull ^ (unsigned int)action;

	for (; *app; app++)
		h = (h ^ (unsigned char)*app) * 1099511628211ull;
	return h;
}

static struct bucket *slot(struct bucket *b, size_t cap, const char *app, int action)
{
	size_t i = hash(app, action) & (cap - 1);

	while (b[i].used && (b[i].action != action || strcmp(b[i].app, app)))
		i = (i + 1) & (cap - 1);
	return &b[i];
}

static int grow(struct ratelimit *rl)
{
	size_t cap = rl->cap * 2, i;
	struct bucket *nb = calloc(cap, sizeof(*nb));

	if (!nb)
		return -ENOMEM;
	for (i = 0; i < rl->cap; i++)
		if (rl->b[i].used)
			*slot(nb, cap, rl->b[i].app, rl->b[i].action) = rl->b[i];
	free(rl->b);
	rl->b = nb;
	rl->cap = cap;
	return 0;
}

int ratelimit_take(struct ratelimit *rl, const char *app, int action, uint64_t now_ns)
{
	uint64_t full = rl->burst * NSEC, dt;
	struct bucket *b;
	char name[APP_LEN];

	snprintf(name, sizeof(name), "%s", app ? app : "");
	b = slot(rl->b, rl->cap, name, action);
	if (!b->used) {
		/* out of memory to grow: the table keeps a quarter free, else
		 * every record passes (nothing is ever dropped silently) */
		if ((rl->n + 1) * 4 > rl->cap * 3) {
			if (grow(rl))
				return 1;
			b = slot(rl->b, rl->cap, name, action);
		}
		memcpy(b->app, name, sizeof(name));
		b->action = action;
		b->used = 1;
		b->tokens = full;
		b->last_ns = now_ns;
		rl->n++;
	}
	if (now_ns > b->last_ns) {
		dt = now_ns - b->last_ns;
		/* (capped before the product: no overflow after a long pause) */
		if (dt >= full / rl->rate + 1)
			b->tokens = full;
		else
			b->tokens = b->tokens + dt * rl->rate > full ? full :
								       b->tokens + dt * rl->rate;
		b->last_ns = now_ns;
	}
	if (b->tokens >= NSEC) {
		b->tokens -= NSEC;
		return 1;
	}
	if (!b->held)
		b->window_ns = now_ns;
	b->held++;
	rl->total++;
	return 0;
}

uint64_t ratelimit_report(struct ratelimit *rl, uint64_t now_ns, int flush, ratelimit_report_cb cb,
			  void *ctx)
{
	uint64_t next = 0;
	size_t i;

	for (i = 0; i < rl->cap; i++) {
		struct bucket *b = &rl->b[i];

		if (!b->used || !b->held)
			continue;
		if (flush || now_ns >= b->window_ns + NSEC) {
			uint64_t n = b->held;

			b->held = 0;
			cb(ctx, b->app, b->action, n);
			continue;
		}
		if (!next || b->window_ns + NSEC < next)
			next = b->window_ns + NSEC;
	}
	return next;
}

uint64_t ratelimit_suppressed_total(const struct ratelimit *rl)
{
	return rl ? rl->total : 0;
}
