#!/usr/bin/python3
"""Hostile RAM migration streams fed to a real `-incoming` destination.

Every input is a whole migration stream (magic, configuration section, one 'ram'
section, footer, EOF) loaded by a fresh `qemu-system-x86_64 -machine pc -S
-incoming defer` (capabilities and parameters set over QMP, then
`migrate-incoming exec:cat FILE`).  The destination is configured as one of:

  plain    defaults
  zlib     compress on, compress-method zlib (stock's compress threads)
  lz4      compress on, compress-method lz4 (qemu-mx: RAM_SAVE_FLAG_MX_LZ4_PAGE 0x400,
           decoded in the loading thread, migration/mx-decompress.c)
  xbzrle   xbzrle on

Verdict for each input: the destination either loads it (incoming status
'completed', guest still paused) or refuses it: incoming 'failed' and the process
exits with status 1 having printed an error.  A death by signal (crash, abort,
sanitizer), another exit status, an exit without a message, or no verdict within
the timeout (a hang) is a finding.  Deterministic cases check the verdict and the
error text of each flag combination and each malformed field (a refused stream
ends the destination, so its RAM is not read back); control cases (valid streams)
must load with the right bytes in guest RAM, so the checker can fail.  The random
part mutates valid streams (bit flips, byte/word overwrites with boundary values,
flag words, truncation, insertion, record splicing) from a seed.

  mx-ram-stream-fuzz.py [--qemu PATH] [--cases] [--random N] [--seed S] [--seconds T]
                        [--out DIR]      (findings' inputs are kept in DIR)

Prints `PASS name` / `FAIL name: why` lines (tests/mx/cases format) and a summary.
"""

import argparse
import json
import os
import random
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

TOP = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_QEMU = os.path.join(os.environ.get("MX_BUILD", os.path.join(TOP, "build", "qemu")),
                            "qemu-system-x86_64")

PAGE = 4096
RAM_MB = 16
RAM_BYTES = RAM_MB << 20
F_ZERO, F_MEM_SIZE, F_PAGE, F_EOS, F_CONT, F_XBZRLE, F_HOOK = 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80
F_COMPRESS, F_LZ4 = 0x100, 0x400
VM_EOF, VM_SECTION_START, VM_CONFIGURATION, VM_FOOTER = 0x00, 0x01, 0x07, 0x7e
VM_COMMAND = 0x08
CONFIGS = {
    "plain": ({}, {}),
    "zlib": ({"compress": True}, {"decompress-threads": 1, "compress-method": "zlib"}),
    "lz4": ({"compress": True}, {"decompress-threads": 1, "compress-method": "lz4"}),
    "xbzrle": ({"xbzrle": True}, {}),
}


def be32(v):
    return struct.pack(">I", v & 0xffffffff)


def be64(v):
    return struct.pack(">Q", v & 0xffffffffffffffff)


def idstr(s):
    return bytes([len(s)]) + s.encode()


# --- pages and their encodings -------------------------------------------
def pattern_page(seed):
    line = bytes((seed * 37 + i * 11) & 0xff for i in range(16))
    return line * (PAGE // 16)


def lz4_repeat(page, period):
    """A valid LZ4 block of a page that repeats its first `period` bytes: one
    sequence (period literals, a match at offset period), then 5 literals."""
    assert page[:period] * (PAGE // period) == page[:PAGE // period * period]
    mlen = PAGE - period - 5
    ext = mlen - 4 - 15
    tok = bytes([(min(period, 15) << 4) | 15])
    lit = b""
    if period >= 15:
        r = period - 15
        lit = b"\xff" * (r // 255) + bytes([r % 255])
    mext = b"\xff" * (ext // 255) + bytes([ext % 255])
    return tok + lit + page[:period] + struct.pack("<H", period) + mext + b"\x50" + page[-5:]


def rec_page(off, page, block="pc.ram", cont=False):
    return be64(off | F_PAGE | (F_CONT if cont else 0)) + (b"" if cont else idstr(block)) + page


def rec_zero(off, block="pc.ram", cont=False, fill=0):
    return be64(off | F_ZERO | (F_CONT if cont else 0)) + (b"" if cont else idstr(block)) + bytes([fill])


def rec_comp(flag, off, data, block="pc.ram", cont=False, declared=None):
    return (be64(off | flag | (F_CONT if cont else 0)) + (b"" if cont else idstr(block)) +
            be32(len(data) if declared is None else declared) + data)


def rec_xbzrle(off, enc, block="pc.ram", cont=False, xh_flags=1, declared=None):
    return (be64(off | F_XBZRLE | (F_CONT if cont else 0)) + (b"" if cont else idstr(block)) +
            bytes([xh_flags]) + struct.pack(">H", len(enc) if declared is None else declared) + enc)


def mem_size(blocks):
    total = sum(n for _, n in blocks)
    return be64(total | F_MEM_SIZE) + b"".join(idstr(b) + be64(n) for b, n in blocks)


class Machine:
    """Facts of the destination's machine: its name and RAM blocks."""

    def __init__(self, qemu):
        self.qemu = qemu
        out = subprocess.run([qemu, "-machine", "help"], capture_output=True, text=True).stdout
        self.name = "pc-i440fx-7.2"
        for line in out.splitlines():
            if line.startswith("pc ") and "alias of" in line:
                self.name = line.split("alias of", 1)[1].strip().rstrip(")")
        self.blocks = None          # filled by probe()


def stream(machine, body, footer=True, eof=True):
    out = be32(0x5145564d) + be32(3)
    out += bytes([VM_CONFIGURATION]) + be32(len(machine.name)) + machine.name.encode()
    out += bytes([VM_SECTION_START]) + be32(2) + idstr("ram") + be32(0) + be32(4)
    out += mem_size(machine.blocks) + body
    if footer:
        out += bytes([VM_FOOTER]) + be32(2)
    if eof:
        out += bytes([VM_EOF])
    return out


# --- running one input ------------------------------------------------------
class Dest:
    def __init__(self, qemu, tmp, timeout=15.0):
        self.qemu, self.tmp, self.timeout = qemu, tmp, timeout
        self.n = 0

    def run(self, data, config="plain", peek=None, extra=(), limit_as=None):
        """Load `data`; returns a dict: verdict (loaded/refused/crash/bad-exit/hang/
        silent), rc, err, and mem (bytes at the offsets of peek, if loaded)."""
        self.n += 1
        path = os.path.join(self.tmp, "in.bin")
        with open(path, "wb") as f:
            f.write(data)
        sock = os.path.join(self.tmp, "q%d.sock" % self.n)
        caps, params = CONFIGS[config]
        args = [self.qemu, "-machine", "pc", "-accel", "tcg", "-nodefaults", "-no-user-config",
                "-display", "none", "-m", "%dM" % RAM_MB, "-S", "-incoming", "defer",
                "-qmp", "unix:%s,server=on,wait=on" % sock] + list(extra)
        def limit():
            if limit_as:
                resource.setrlimit(resource.RLIMIT_AS, (limit_as, limit_as))
        p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, start_new_session=True, preexec_fn=limit)
        res = {"config": config}
        q = None
        try:
            q = self._connect(sock, p)
            if q is None:
                return self._ended(p, res)
            q.cmd("qmp_capabilities")
            if caps:
                q.cmd("migrate-set-capabilities", {"capabilities": [
                    {"capability": k, "state": v} for k, v in caps.items()]})
            if params:
                q.cmd("migrate-set-parameters", params)
            q.cmd("migrate-incoming", {"uri": "exec:cat %s" % path})
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline:
                if p.poll() is not None:
                    return self._ended(p, res)
                try:
                    st = q.cmd("query-migrate").get("status")
                except (OSError, ValueError, EOFError):
                    p.wait(5)
                    return self._ended(p, res)
                if st == "completed":
                    res["verdict"] = "loaded"
                    if q.cmd("query-status")["status"] == "running":
                        res["verdict"] = "ran"          # -S: must not
                    if peek:
                        res["mem"] = self._peek(q, peek)
                    q.cmd("quit")
                    p.wait(10)
                    return res
                time.sleep(0.01)
            res["verdict"] = "hang"
            return res
        except (OSError, ValueError, EOFError, subprocess.TimeoutExpired) as e:
            if p.poll() is None:
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    pass
            if p.poll() is not None:
                return self._ended(p, res)
            res["verdict"] = "hang"
            res["err"] = str(e)
            return res
        finally:
            if q:
                q.close()
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            if "err" not in res and p.stderr:
                try:
                    res["err"] = p.stderr.read().decode(errors="replace")
                except (OSError, ValueError):
                    pass
            p.stderr.close()
            try:
                os.unlink(sock)
            except OSError:
                pass

    def _connect(self, sock, p):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if p.poll() is not None:
                return None
            try:
                return QMP(sock)
            except OSError:
                time.sleep(0.005)
        raise OSError("QMP socket never appeared")

    def _ended(self, p, res):
        rc = p.wait()
        res["rc"] = rc
        res["err"] = p.stderr.read().decode(errors="replace")
        if rc < 0:
            res["verdict"] = "crash"
        elif rc != 1:
            res["verdict"] = "bad-exit"
        elif not res["err"].strip():
            res["verdict"] = "silent"
        else:
            res["verdict"] = "refused"
        return res

    @staticmethod
    def _peek(q, offsets):
        out = {}
        for off in offsets:
            r = q.cmd("human-monitor-command", {"command-line": "xp /2gx 0x%x" % off})
            # "0000000000100000: 0x0706050403020100 0x0f0e0d0c0b0a0908"
            words = [w for w in r.split(":", 1)[1].split() if w.startswith("0x")][:2]
            out[off] = b"".join(int(w, 16).to_bytes(8, "little") for w in words)
        return out


class QMP:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.s.connect(path)
        except OSError:
            self.s.close()
            raise
        self.s.settimeout(10)
        self.f = self.s.makefile("rb")
        self._read()            # greeting

    def _read(self):
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError("QMP closed")
            m = json.loads(line)
            if "event" not in m:
                return m

    def cmd(self, name, args=None):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.s.sendall(json.dumps(msg).encode() + b"\n")
        r = self._read()
        if "error" in r:
            raise ValueError("%s: %s" % (name, r["error"].get("desc")))
        return r.get("return")

    def close(self):
        try:
            self.f.close()
            self.s.close()
        except OSError:
            pass


def probe(dest, machine):
    """RAM blocks of the destination machine (id, used length), from HMP."""
    path = os.path.join(dest.tmp, "probe.sock")
    p = subprocess.Popen([dest.qemu, "-machine", "pc", "-accel", "tcg", "-nodefaults",
                          "-no-user-config", "-display", "none", "-m", "%dM" % RAM_MB, "-S",
                          "-qmp", "unix:%s,server=on,wait=on" % path],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        q = dest._connect(path, p)
        q.cmd("qmp_capabilities")
        txt = q.cmd("human-monitor-command", {"command-line": "info ramblock"})
        q.cmd("quit")
        q.close()
        p.wait(10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    # the stream's RAM list may name only some blocks: pc.ram, at its used length
    blocks = []
    for line in txt.splitlines():
        f = line.split()
        if len(f) >= 4 and f[0] == "pc.ram":
            blocks.append((f[0], int(f[-2], 16)))
    machine.blocks = blocks
    return blocks


# --- deterministic cases ----------------------------------------------------
OFF_A, OFF_B, OFF_C = 0x100000, 0x101000, 0x102000      # guest-physical = pc.ram offsets


def cases(machine):
    """(name, config, body, expect, error text or None, peek {offset: first 16 bytes})"""
    pa, pb, pc = pattern_page(1), pattern_page(2), pattern_page(3)
    lz_b = lz4_repeat(pb, 16)
    zl_c = zlib.compress(pc)
    blk0 = machine.blocks[0][0]
    out = [
        # controls: must load, with the right bytes in guest RAM
        ("control-page-zero", "plain", rec_page(OFF_A, pa) + rec_zero(OFF_B, cont=True, fill=0x5a)
         + be64(F_EOS), "loaded", None, {OFF_A: pa[:16], OFF_B: b"\x5a" * 16}),
        ("control-lz4", "lz4", rec_page(OFF_A, pa) + rec_comp(F_LZ4, OFF_B, lz_b, cont=True)
         + be64(F_EOS), "loaded", None, {OFF_A: pa[:16], OFF_B: pb[:16]}),
        ("control-zlib", "zlib", rec_comp(F_COMPRESS, OFF_C, zl_c) + be64(F_EOS), "loaded", None,
         {OFF_C: pc[:16]}),
        ("control-mem-size-only", "plain", be64(F_EOS), "loaded", None, {}),
        # page kinds the destination is not configured for
        ("lz4-page-compress-off", "plain", rec_comp(F_LZ4, OFF_B, lz_b) + be64(F_EOS),
         "refused", "lz4-compressed page", {OFF_B: bytes(16)}),
        ("lz4-page-method-zlib", "zlib", rec_comp(F_LZ4, OFF_B, lz_b) + be64(F_EOS),
         "refused", "compress-method is zlib here", {}),
        ("zlib-page-method-lz4", "lz4", rec_comp(F_COMPRESS, OFF_C, zl_c) + be64(F_EOS),
         "refused", "compress-method is lz4 here", {}),
        ("zlib-page-compress-off", "plain", rec_comp(F_COMPRESS, OFF_C, zl_c) + be64(F_EOS),
         "refused", "compressed page", {}),
        # stock 7.2 decodes an XBZRLE page even with xbzrle off (its decode buffer
        # always exists): either verdict, never a crash
        ("xbzrle-page-xbzrle-off", "plain", rec_xbzrle(OFF_A, b"\x00\x01\x00") + be64(F_EOS),
         "either", None, {}),
        # lz4 pages that must not decode, and never reach RAM
        ("lz4-length-zero", "lz4", rec_comp(F_LZ4, OFF_B, b"") + be64(F_EOS),
         "refused", "invalid compressed page length", {}),
        ("lz4-length-huge", "lz4", rec_comp(F_LZ4, OFF_B, lz_b, declared=0x7fffffff) + be64(F_EOS),
         "refused", "invalid compressed page length", {}),
        ("lz4-length-negative", "lz4", rec_comp(F_LZ4, OFF_B, lz_b, declared=0xffffffff) + be64(F_EOS),
         "refused", "invalid compressed page length", {}),
        ("lz4-truncated-block", "lz4", rec_comp(F_LZ4, OFF_B, lz_b[:-3]) + be64(F_EOS),
         "refused", "does not decode", {}),
        ("lz4-decodes-short", "lz4", rec_comp(F_LZ4, OFF_B, b"\x50hello") + be64(F_EOS),
         "refused", "does not decode", {}),
        ("lz4-offset-before-start", "lz4",
         rec_comp(F_LZ4, OFF_B, b"\x1f\xaa\x40\x00" + b"\xff" * 15 + b"\xe2" + b"\x50" + b"\0" * 5)
         + be64(F_EOS), "refused", "does not decode", {}),
        ("lz4-one-page-long", "lz4", rec_comp(F_LZ4, OFF_B, b"\x00" * PAGE) + be64(F_EOS),
         "refused", None, {}),
        ("lz4-stream-ends-inside", "lz4", rec_comp(F_LZ4, OFF_B, lz_b[:10], declared=len(lz_b)),
         "refused", None, {}),
        # zlib pages
        ("zlib-garbage", "zlib", rec_comp(F_COMPRESS, OFF_C, b"\x78\x9c" + b"\xde\xad" * 20) + be64(F_EOS),
         "refused", None, {}),
        ("zlib-length-huge", "zlib", rec_comp(F_COMPRESS, OFF_C, zl_c, declared=0x10000) + be64(F_EOS),
         "refused", None, {}),
        # addresses, blocks, flags
        ("offset-past-block", "plain", rec_page(RAM_BYTES, pa) + be64(F_EOS), "refused",
         "Illegal RAM offset", {}),
        ("offset-huge", "plain", rec_page(0xfffffffffffff000, pa) + be64(F_EOS), "refused",
         "Illegal RAM offset", {}),
        ("unknown-block", "plain", rec_page(OFF_A, pa, block="nosuch") + be64(F_EOS), "refused",
         "Can't find block", {}),
        ("continue-first", "plain", rec_page(OFF_A, pa, cont=True) + be64(F_EOS), "refused",
         None, {}),
        ("block-name-empty", "plain", rec_page(OFF_A, pa, block="") + be64(F_EOS), "refused",
         None, {}),
        ("flags-page-and-zero", "plain", be64(OFF_A | F_PAGE | F_ZERO) + idstr(blk0) + pa
         + be64(F_EOS), "refused", "Unknown combination", {}),
        ("flags-lz4-and-zlib", "lz4", be64(OFF_B | F_LZ4 | F_COMPRESS) + idstr(blk0) + be32(len(lz_b))
         + lz_b + be64(F_EOS), "refused", None, {}),
        ("flags-all-low", "plain", be64(OFF_A | 0xfff) + idstr(blk0) + pa + be64(F_EOS),
         "refused", None, {}),
        ("flags-hook-no-rdma", "plain", be64(F_HOOK) + be64(F_EOS), "refused", None, {}),
        ("flags-unknown-0x200", "plain", be64(OFF_A | 0x200) + be64(F_EOS), "refused", None, {}),
        ("flags-unknown-0x800", "plain", be64(OFF_A | 0x800) + be64(F_EOS), "refused", None, {}),
        ("flags-none", "plain", be64(OFF_A) + be64(F_EOS), "refused", None, {}),
        ("mem-size-again-wrong", "plain", mem_size([("pc.ram", 4096)]) + be64(F_EOS),
         "refused", None, {}),
        ("page-truncated", "plain", rec_page(OFF_A, pa[:100]), "refused", None, {}),
        ("no-eos", "plain", rec_page(OFF_A, pa), "refused", None, {}),
        ("xbzrle-garbage", "xbzrle", rec_xbzrle(OFF_A, b"\xff" * 40) + be64(F_EOS),
         "refused", None, {}),
        ("xbzrle-length-huge", "xbzrle", rec_xbzrle(OFF_A, b"\x00", declared=0xffff) + be64(F_EOS),
         "refused", None, {}),
        ("xbzrle-bad-header", "xbzrle", rec_xbzrle(OFF_A, b"\x00\x01\x00", xh_flags=0x7) + be64(F_EOS),
         "refused", None, {}),
    ]
    return out


# --- regressions of the in-process loader fuzzer (tests/qtest/fuzz/mx_migration_fuzz.c)
def block_section(records, sid=3):
    return (bytes([VM_SECTION_START]) + be32(sid) + idstr("block") + be32(0) + be32(1) + records
            + bytes([VM_FOOTER]) + be32(sid))


def regressions(machine):
    """(name, config, whole stream, extra destination args, expect, error text, RLIMIT_AS)"""
    ram = stream(machine, be64(F_EOS), eof=False)
    unattached = ["-drive", "if=none,id=mxd1,driver=null-co,size=1048576"]
    attached = unattached + ["-device", "virtio-blk-pci,drive=mxd1"]
    zero_chunk = be64(0x01 | 0x08) + idstr("mxd1") + be64(0x02)          # stock: DEVICE_BLOCK|ZERO
    zero_run = be64(0x100 | 0x08) + idstr("mxd1") + be32(4096) + be64(0x02)  # qemu-mx: RUN|ZERO
    return [
        # a block record for a drive no guest device uses aborted the destination
        # (stock too): bdrv_co_write_req_prepare: Assertion `child->perm & BLK_PERM_WRITE'
        ("blk-drive-without-device", "plain", ram + block_section(zero_chunk) + bytes([VM_EOF]),
         unattached, "refused", "not writable here", None),
        ("blk-run-drive-without-device", "plain", ram + block_section(zero_run) + bytes([VM_EOF]),
         unattached, "refused", "not writable here", None),
        # control: the same records load into a drive a guest device uses
        ("blk-control-drive-with-device", "plain",
         ram + block_section(zero_chunk[:-8] + zero_run) + bytes([VM_EOF]), attached, "loaded", None,
         None),
        # MIG_CMD_PACKAGED (command 7) announcing 3.75 GiB, then the stream ends: the
        # destination allocated all of it first and, under an address-space limit,
        # died ("GLib: failed to allocate"); now refused
        ("packaged-huge-length", "plain",
         ram + bytes([VM_COMMAND]) + struct.pack(">HH", 7, 4) + be32(0xf0000000) + bytes(64),
         [], "refused", "CMD_PACKAGED: Buffer receive fail", 3 << 30),
        # control: a 3 MiB package (an EOF, then filler) loads, through several chunks
        ("packaged-control-3mib", "plain",
         ram + bytes([VM_COMMAND]) + struct.pack(">HH", 7, 4) + be32((3 << 20) + 5)
         + bytes((3 << 20) + 5) + bytes([VM_EOF]), [], "loaded", None, 3 << 30),
    ]


def check(res, expect, text, peek, allow_either=False):
    v = res.get("verdict")
    err = " ".join((res.get("err") or "").split())
    if v in ("crash", "bad-exit", "silent", "hang", "ran"):
        return "%s (rc %s): %s" % (v, res.get("rc"), err[-300:])
    if allow_either or expect == "either":
        return None
    if v != expect:
        return "expected %s, got %s: %s" % (expect, v, err[-300:])
    if text and text not in err:
        return "expected '%s' in the error: %s" % (text, err[-300:])
    for off, want in (peek or {}).items():
        got = (res.get("mem") or {}).get(off)
        if v == "loaded" and got is not None and got != want:
            return "guest RAM at 0x%x is %s, expected %s" % (off, got.hex(), want.hex())
    return None


# --- mutations --------------------------------------------------------------
BOUNDARY = [0, 1, 0x7f, 0x80, 0xff, 0xfff, 0x1000, 0x7fffffff, 0x80000000, 0xffffffff]


def mutate(rng, data, lo):
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 3, 5))):
        k = rng.randrange(9)
        i = rng.randrange(lo, len(b)) if len(b) > lo else lo
        if k == 0 and i < len(b):
            b[i] ^= 1 << rng.randrange(8)
        elif k == 1 and i < len(b):
            b[i] = rng.choice((0, 0xff, 0x7f, 0x80, rng.randrange(256)))
        elif k == 2 and i + 4 <= len(b):
            b[i:i + 4] = struct.pack(">I", rng.choice(BOUNDARY))
        elif k == 3 and i + 8 <= len(b):
            # a record header: page offset with a random flag set
            flags = rng.choice((F_ZERO, F_PAGE, F_COMPRESS, F_LZ4, F_XBZRLE, F_EOS, F_MEM_SIZE,
                                F_HOOK, 0x200, 0x800, rng.randrange(0x1000)))
            if rng.random() < 0.5:
                flags |= F_CONT
            b[i:i + 8] = be64(rng.randrange(0, RAM_BYTES * 2, PAGE) | flags)
        elif k == 4:
            del b[i:]                                     # truncate
        elif k == 5:
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
        elif k == 6 and i < len(b):
            del b[i:i + rng.randrange(1, 64)]
        elif k == 7 and len(b) > lo + 16:
            j = rng.randrange(lo, len(b))
            n = rng.randrange(1, 512)
            b[i:i] = b[j:j + n]                           # splice a piece elsewhere
        elif k == 8 and i + 2 <= len(b):
            b[i:i + 2] = struct.pack(">H", rng.choice((0, 1, 0xfff, 0x1000, 0x1001, 0xffff)))
    return bytes(b)


def seeds(machine):
    pa, pb, pc = pattern_page(4), pattern_page(5), pattern_page(6)
    lz = lz4_repeat(pb, 16)
    lz0 = lz4_repeat(bytes(PAGE), 1)
    out = [
        ("plain", rec_page(OFF_A, pa) + rec_zero(OFF_B, cont=True) + rec_page(OFF_C, pc, cont=True)
         + be64(F_EOS)),
        ("lz4", rec_comp(F_LZ4, OFF_A, lz) + rec_comp(F_LZ4, OFF_B, lz0, cont=True)
         + rec_page(OFF_C, pc, cont=True) + rec_zero(OFF_C + PAGE, cont=True) + be64(F_EOS)),
        ("zlib", rec_comp(F_COMPRESS, OFF_A, zlib.compress(pa)) + rec_zero(OFF_B, cont=True)
         + be64(F_EOS)),
        ("xbzrle", rec_page(OFF_A, pa) + rec_xbzrle(OFF_A, b"\x00\x04\xde\xad\xbe\xef", cont=True)
         + be64(F_EOS)),
    ]
    return [(cfg, stream(machine, body)) for cfg, body in out]


def header_len(machine):
    return len(stream(machine, b"", footer=False, eof=False))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--qemu", default=DEFAULT_QEMU)
    ap.add_argument("--cases", action="store_true", help="the deterministic cases")
    ap.add_argument("--random", type=int, default=0, help="random mutated inputs (max)")
    ap.add_argument("--seconds", type=float, default=0, help="stop the random part after this long")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="keep the inputs of findings here")
    ap.add_argument("--self-test", action="store_true",
                    help="the checker must report a destination that dies by a signal")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="mx-ram-fuzz-")
    fails = 0
    try:
        if a.self_test:
            fake = os.path.join(tmp, "fake-qemu")
            with open(fake, "w") as f:
                f.write("#!/bin/sh\nkill -SEGV $$\n")
            os.chmod(fake, 0o755)
            res = Dest(fake, tmp).run(b"")
            ok = check(res, "refused", None, None) is not None and res.get("verdict") == "crash"
            print("%s ram-stream-checker-sees-crash%s" % ("PASS" if ok else "FAIL",
                                                          "" if ok else ": verdict %s" % res))
            return 0 if ok else 1
        if not os.access(a.qemu, os.X_OK):
            print("SKIP ram-stream: %s not built" % a.qemu)
            return 0
        machine = Machine(a.qemu)
        dest = Dest(a.qemu, tmp)
        probe(dest, machine)
        if not machine.blocks or machine.blocks[0][0] != "pc.ram":
            print("FAIL ram-stream-probe: RAM blocks %s" % machine.blocks)
            return 1

        def finding(name, data, why):
            nonlocal fails
            fails += 1
            print("FAIL ram-stream-%s: %s" % (name, why), flush=True)
            if a.out:
                os.makedirs(a.out, exist_ok=True)
                with open(os.path.join(a.out, name + ".bin"), "wb") as f:
                    f.write(data)

        if a.cases:
            for name, cfg, body, expect, text, peek in cases(machine):
                whole = name not in ("page-truncated", "no-eos", "lz4-stream-ends-inside")
                data = stream(machine, body, footer=whole, eof=whole)
                res = dest.run(data, cfg, peek=list(peek) if peek else None)
                why = check(res, expect, text, peek)
                if why:
                    finding(name, data, why)
                else:
                    print("PASS ram-stream-%s" % name, flush=True)
            for name, cfg, data, extra, expect, text, limit_as in regressions(machine):
                res = dest.run(data, cfg, extra=extra, limit_as=limit_as)
                why = check(res, expect, text, None)
                if why:
                    finding(name, data, why)
                else:
                    print("PASS ram-stream-%s" % name, flush=True)
        if a.random:
            rng = random.Random(a.seed)
            sd = seeds(machine)
            lo = header_len(machine) - len(mem_size(machine.blocks))   # keep magic+config+section
            t0 = time.monotonic()
            counts = {}
            n = 0
            for n in range(1, a.random + 1):
                cfg, base = rng.choice(sd)
                if rng.random() < 0.25:
                    cfg = rng.choice(list(CONFIGS))
                data = mutate(rng, base, lo)
                res = dest.run(data, cfg)
                counts[res.get("verdict")] = counts.get(res.get("verdict"), 0) + 1
                why = check(res, None, None, None, allow_either=True)
                if why:
                    finding("random-%d-%d" % (a.seed, n), data, why)
                if a.seconds and time.monotonic() - t0 > a.seconds:
                    break
            dt = time.monotonic() - t0
            summary = ", ".join("%s %d" % kv for kv in sorted(counts.items()))
            line = "ram-stream-random: %d inputs (seed %d) in %.0fs: %s" % (n, a.seed, dt, summary)
            if not [k for k in counts if k not in ("loaded", "refused")]:
                print("PASS " + line)
            else:
                print("FAIL " + line)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
