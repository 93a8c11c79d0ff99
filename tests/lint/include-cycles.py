#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Fails when two parts of user/ depend on each other: a part is a .c and its
# .h (user/kernel/live.c + live.h; a private X_int.h belongs to part X);
# A depends on B when A's .c or .h
# includes B's .h. Data flows one way (docs/design.md), so the graph must
# have no cycle.
import os
import re
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "user")
deps = {}
for d, _, files in os.walk(root):
    for f in files:
        if not f.endswith((".c", ".h")):
            continue
        part = os.path.relpath(os.path.join(d, f), root)[:-2]
        # X_int.h: the private header of the files of part X
        part = part[:-4] if part.endswith("_int") else part
        with open(os.path.join(d, f)) as fh:
            for m in re.finditer(r'^#include "([^"]+)\.h"', fh.read(), re.M):
                dep = m.group(1)
                dep = dep[:-4] if dep.endswith("_int") else dep
                if dep != part and os.path.exists(os.path.join(root, dep + ".h")):
                    deps.setdefault(part, set()).add(dep)

cycles = []
state = {}


def visit(n, stack):
    state[n] = 1
    stack.append(n)
    for m in sorted(deps.get(n, ())):
        if state.get(m) == 1:
            cycles.append(stack[stack.index(m):] + [m])
        elif m not in state:
            visit(m, stack)
    stack.pop()
    state[n] = 2


for n in sorted(deps):
    if n not in state:
        visit(n, [])
for c in cycles:
    print("include cycle: " + " -> ".join(c))
sys.exit(1 if cycles else 0)
