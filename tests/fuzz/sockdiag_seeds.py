#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Seeds of fuzz_sockdiag: real NETLINK_SOCK_DIAG replies of this kernel (one
# file per receive buffer), as user/sockdiag.c asks for them. Run as root
# with a few TCP/UDP sockets open: tests/fuzz/sockdiag_seeds.py DIR
import os
import socket
import struct
import sys

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
SOCK_DESTROY = 21
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLMSG_DONE = 3


def req(nl_type, flags, seq, family, proto, sockid=b"\0" * 48):
    # inet_diag_req_v2: family, protocol, ext, pad, states, inet_diag_sockid
    body = struct.pack("=BBBBI", family, proto, 0, 0, 0xffffffff) + sockid
    return struct.pack("=IHHII", 16 + len(body), nl_type, flags, seq, 0) + body


def main(out):
    os.makedirs(out, exist_ok=True)
    # Something to see: a listener, a connection to it, a UDP socket.
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    cli = socket.create_connection(srv.getsockname())
    udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    udp.bind(("::1", 0))
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG)
    n = 0
    for fam, fname in ((socket.AF_INET, "inet"), (socket.AF_INET6, "inet6")):
        for proto, pname in ((6, "tcp"), (17, "udp")):
            nl.send(req(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, 0, fam, proto))
            part = 0
            while True:
                buf = nl.recv(65536)
                with open(os.path.join(out, "%s-%s-%d.bin" % (fname, pname, part)), "wb") as f:
                    f.write(buf)
                part += 1
                n += 1
                # the last message of a buffer ends the dump when it is DONE
                off, last = 0, None
                while off + 16 <= len(buf):
                    ln, ty = struct.unpack_from("=IH", buf, off)
                    last = ty
                    off += (ln + 3) & ~3 if ln else len(buf)
                if last == NLMSG_DONE:
                    break
    # An error answer: SOCK_DESTROY of a socket that does not exist.
    nl.send(req(SOCK_DESTROY, NLM_F_REQUEST | NLM_F_ACK, 0, socket.AF_INET, 6))
    with open(os.path.join(out, "destroy-enoent.bin"), "wb") as f:
        f.write(nl.recv(65536))
    print("%d seeds in %s" % (n + 1, out))
    cli.close()
    srv.close()
    udp.close()


main(sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/sockdiag")
