#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Checks bpf/syscall_nr.h, the numbers the fallback engine's raw sys_enter
# and sys_exit programs switch on, against the kernel's own headers as the
# C preprocessor reads them: <asm/unistd_64.h> for x86-64, and
# <asm-generic/unistd.h> with arm64's __ARCH_WANT_RENAMEAT for arm64 (both
# in linux-libc-dev). A syscall the header lacks must be APPBAN_NR_ABSENT.
import os
import re
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
ours = os.path.join(here, "..", "..", "bpf", "syscall_nr.h")

# Our name -> the kernel's __NR_ name, where they differ.
KERNEL_NAME = {"sendfile64": "sendfile", "umount": "umount2"}


def kernel_numbers(header, *defines):
    out = subprocess.run(
        ["cpp", "-dM", *defines, "-include", header, "/dev/null"],
        check=True, capture_output=True, text=True).stdout
    raw = dict(re.findall(r"^#define (__NR\w*) (.+)$", out, re.M))

    def value(name, depth=0):
        v = raw.get(name)
        if v is None or depth > 4:
            return None
        v = v.strip().strip("()")
        if re.fullmatch(r"\d+", v):
            return int(v)
        return value(v, depth + 1)

    return value


def main():
    text = open(ours).read()
    failed = 0
    for arch, header, defines in (
            ("X86_64", "asm/unistd_64.h", ()),
            ("ARM64", "asm-generic/unistd.h",
             ("-D__ARCH_WANT_RENAMEAT", "-D__ARCH_WANT_SYS_CLONE3", "-D__BITS_PER_LONG=64"))):
        value = kernel_numbers(header, *defines)
        for name, v in re.findall(r"^#define APPBAN_%s_NR_(\w+) (.+?)(?:\s*/\*.*)?$" % arch,
                                  text, re.M):
            kname = KERNEL_NAME.get(name, name)
            want = value("__NR_" + kname)
            if want is None:
                want = value("__NR3264_" + kname)
            got = None if v.startswith("APPBAN_NR_ABSENT") else int(v)
            if got != want:
                print("%s: %s is %s, the kernel's header says %s" % (arch, name, v, want))
                failed = 1
    print("syscall-nr: bpf/syscall_nr.h %s" % ("differs" if failed else "matches the kernel's headers"))
    return failed


sys.exit(main())
