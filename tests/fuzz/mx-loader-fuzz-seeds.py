#!/usr/bin/python3
"""Seed corpus and dictionary of the in-process loader fuzz target.

Writes into DIR one file per seed, in the input format of
tests/qtest/fuzz/mx_migration_fuzz.c: byte 0 the destination's set-up (0 plain,
1 zlib, 2 lz4, 4 xbzrle, +8 two decompress threads), then the stream after
magic and version (no configuration section): sections, footers, EOF.

The RAM seeds are the bodies of tests/fuzz/mx-ram-stream-fuzz.py (its valid
streams and every deterministic case), in a 'ram' section naming the fuzz VM's
one RAM block "ram"; also a second 'ram' section part (an iteration), and the
block records of tests/fuzz/mx-blk-record-corpus (after its 5 bytes of
mode and device sizes) in a 'block' section for the
VM's drive "d0", alone and after RAM; each QEMU_VM_COMMAND once.

  mx-loader-fuzz-seeds.py DIR [--dict FILE]
"""

import importlib.util
import os
import struct
import sys

HERE = os.path.dirname(os.path.realpath(__file__))
spec = importlib.util.spec_from_file_location("rsf", os.path.join(HERE, "mx-ram-stream-fuzz.py"))
rsf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rsf)

MODES = {"plain": 0, "zlib": 1, "lz4": 2, "xbzrle": 4}
RAM = [("ram", rsf.RAM_BYTES)]
SECTION_START, SECTION_PART, SECTION_END, FOOTER, EOF = 0x01, 0x02, 0x03, 0x7e, 0x00


class FuzzMachine:
    name = "none"
    blocks = RAM


def ram_block_names(body):
    return body.replace(b"\x06pc.ram", b"\x03ram")


def section_start(sid, name, version):
    return bytes([SECTION_START]) + rsf.be32(sid) + rsf.idstr(name) + rsf.be32(0) + rsf.be32(version)


def footer(sid):
    return bytes([FOOTER]) + rsf.be32(sid)


def ram_section(body, sid=2):
    return section_start(sid, "ram", 4) + rsf.mem_size(RAM) + body + footer(sid)


def ram_part(body, sid=2):
    return bytes([SECTION_PART]) + rsf.be32(sid) + body + footer(sid)


def block_section(body, sid=3):
    return section_start(sid, "block", 1) + body + footer(sid)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    m = FuzzMachine()
    seeds = {}
    for i, (cfg, s) in enumerate(rsf.seeds(m)):
        # rsf.stream(): magic, version, configuration, ram section start ... EOF
        hdr = rsf.header_len(m)
        body = ram_block_names(s[hdr:-6])          # without footer and EOF
        seeds["valid-%s" % cfg] = bytes([MODES[cfg]]) + ram_section(body) + bytes([EOF])
        seeds["iter-%s" % cfg] = (bytes([MODES[cfg]]) + ram_section(rsf.be64(rsf.F_EOS))
                                  + ram_part(body) + bytes([EOF]))
    for name, cfg, body, _exp, _txt, _peek in rsf.cases(m):
        seeds["case-" + name] = bytes([MODES[cfg]]) + ram_section(ram_block_names(body)) + bytes([EOF])
    bdir = os.path.join(HERE, "mx-blk-record-corpus")
    for f in sorted(os.listdir(bdir)):
        with open(os.path.join(bdir, f), "rb") as fh:
            rec = fh.read()[5:]         # after that harness's mode and sizes
        seeds["blk-" + f] = bytes([0]) + block_section(rec) + bytes([EOF])
    with open(os.path.join(bdir, "run-4k"), "rb") as fh:
        rec = fh.read()[5:]
    seeds["ram-then-blk"] = (bytes([2]) + ram_section(ram_block_names(rsf.seeds(m)[1][1][rsf.header_len(m):-6]))
                             + block_section(rec) + bytes([EOF]))
    # a stock zero chunk for "d1", the drive no device uses: refused (it aborted)
    seeds["blk-unattached-d1"] = (bytes([0]) + block_section(rsf.be64(0x09) + rsf.idstr("d1")
                                                             + rsf.be64(0x02)) + bytes([EOF]))
    # every QEMU_VM_COMMAND once, after a loaded 'ram' section (postcopy ones reach
    # their handlers in the fresh mode only; the persistent mode refuses them)
    ram = ram_section(rsf.be64(rsf.F_EOS))
    cmds = {"advise": (3, rsf.be64(1 << 12) + rsf.be64(1 << 12)), "open-return-path": (1, b""),
            "ping": (2, rsf.be32(7)), "listen": (4, b""), "run": (5, b""),
            "ram-discard": (6, b"\x00" + rsf.idstr("ram") + rsf.be64(0) + rsf.be64(4096)),
            "packaged": (7, rsf.be32(1)), "enable-colo": (8, b""),
            "recv-bitmap": (10, rsf.idstr("ram")), "resume": (9, b"")}
    for name, (num, arg) in cmds.items():
        tail = bytes([EOF]) if name == "packaged" else b""
        seeds["cmd-" + name] = (bytes([0]) + ram + bytes([0x08]) + struct.pack(">HH", num, len(arg))
                                + arg + tail + bytes([EOF]))
    for k, v in seeds.items():
        with open(os.path.join(out, k), "wb") as fh:
            fh.write(v)
    if len(sys.argv) > 3 and sys.argv[2] == "--dict":
        toks = [b"\x03ram", b"\x05block", b"\x02d0", rsf.mem_size(RAM)[:8],
                b"\x7e", rsf.be64(rsf.F_EOS), rsf.be32(4), rsf.be32(1)]
        toks += [struct.pack(">H", f) for f in (0x02, 0x04, 0x08, 0x10, 0x20, 0x28, 0x22, 0x40,
                                                0x60, 0x80, 0x100, 0x120, 0x400, 0x420)]
        toks += [struct.pack(">H", f) for f in (0x101, 0x109, 0x102, 0x104, 0x108, 0x001, 0x009)]
        with open(sys.argv[3], "w") as fh:
            for t in toks:
                fh.write('"%s"\n' % "".join("\\x%02x" % b for b in t))
    print("%d seeds in %s" % (len(seeds), out))


if __name__ == "__main__":
    main()
