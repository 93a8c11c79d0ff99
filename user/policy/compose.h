/* SPDX-License-Identifier: GPL-2.0 */
/* Layers (docs/policy.md, "Exception files"): one base policy and any number
 * of exceptions files -> one policy AST, which policy_compile takes as it
 * takes a policy read from one file. */
#ifndef __APPBAN_COMPOSE_H
#define __APPBAN_COMPOSE_H

#include <stddef.h>

#include "policy/ast.h"
#include "policy/diag.h"

/*
 * A new policy: a copy of `base` (its name, serial, mode, deny
 * fileless-exec, expires, apps and allow blocks), then the allow blocks of
 * each layer in the order given (the caller sorts them by policy name),
 * each named LAYER/NAME, LAYER being the layer's policy name, and its app
 * lines resolved against the base's apps by name.
 *
 * The layers are exceptions files parsed with POLICY_PARSE_LAYER. An app
 * line naming an app the base does not have is a warning at its place in
 * the layer's file, and the line is dropped; an allow block left with no
 * app is dropped too, with a warning. Neither fails the composition.
 *
 * Messages about a layer name its file (policy.file, else its name); every
 * one is counted in d. base and the layers are left unchanged, and the
 * result owns copies of all it holds: free it with policy_free, in any
 * order. Returns 0 and *out; -EINVAL after an error in d (a base that is an
 * exceptions file, a layer that is a base, two layers of one name), *out
 * NULL; -ENOMEM.
 */
int policy_compose(const struct policy *base, struct policy *const *layers, size_t n_layers,
		   struct policy **out, struct diag *d);

#endif /* __APPBAN_COMPOSE_H */
