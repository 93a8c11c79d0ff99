#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What a curious root user would try on appban's objects, through the raw
bpf(2) system call (no bpftool needed). Prints "ok" or "errno NAME" and
exits 0 either way; exit 2 on usage errors.

  bpf_attack.py map-delete PIN   open a map pin read-write, delete key 0...0
  bpf_attack.py link-update PIN  open a link pin, replace its program (by an
                                 invalid descriptor: harmless if let through)
"""
import ctypes
import errno
import os
import platform
import sys

# bpf(2)'s number differs by architecture (arm64 takes asm-generic's): the
# wrong one is ENOSYS, not the refusal under test.
SYS_BPF = {"x86_64": 321, "aarch64": 280}[platform.machine()]
BPF_MAP_DELETE_ELEM, BPF_OBJ_GET, BPF_LINK_UPDATE = 3, 7, 29
libc = ctypes.CDLL(None, use_errno=True)


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr) + bytes(144 - len(attr)))
    r = libc.syscall(SYS_BPF, cmd, buf, 144)
    return r, ctypes.get_errno()


def obj_get(path):
    p = ctypes.create_string_buffer(path.encode())
    attr = ctypes.addressof(p).to_bytes(8, "little") + (0).to_bytes(8, "little")
    return bpf(BPF_OBJ_GET, attr)


def report(r, err):
    print("ok" if r >= 0 else "errno " + errno.errorcode.get(err, str(err)))


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    op, path = sys.argv[1], sys.argv[2]
    fd, err = obj_get(path)
    if fd < 0:
        report(fd, err)
        return 0
    if op == "map-delete":
        key = ctypes.create_string_buffer(256)
        attr = fd.to_bytes(4, "little") + bytes(4) + ctypes.addressof(key).to_bytes(8, "little")
        report(*bpf(BPF_MAP_DELETE_ELEM, attr))
    elif op == "link-update":
        bad = (2**32 - 1)
        attr = fd.to_bytes(4, "little") + bad.to_bytes(4, "little") + bytes(8)
        report(*bpf(BPF_LINK_UPDATE, attr))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    os.close(fd)
    return 0


sys.exit(main())
