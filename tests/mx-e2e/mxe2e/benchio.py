"""Helpers of the no-guest storage benchmarks (bench-mirror-amp, bench-blk-amp):
a unix-socket relay that counts the bytes one way, and CPU-seconds per thread."""

import os
import socket
import threading


class Relay:
    """unix-socket relay counting the bytes client -> server."""

    def __init__(self, listen, target):
        self.listen, self.target = listen, target
        self.up = 0
        self.lock = threading.Lock()
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(listen)
        self.srv.listen(4)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.target)
            threading.Thread(target=self._pipe, args=(c, s, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(s, c, False), daemon=True).start()

    def _pipe(self, a, b, count):
        try:
            while True:
                d = a.recv(1 << 20)
                if not d:
                    break
                if count:
                    with self.lock:
                        self.up += len(d)
                b.sendall(d)
        except OSError:
            pass
        finally:
            for x in (a, b):
                try:
                    x.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def count(self):
        with self.lock:
            return self.up

    def close(self):
        self.srv.close()


def cpu_s(pid):
    """CPU-seconds of a process and of each of its threads (by name)."""
    tck = os.sysconf("SC_CLK_TCK")
    total = 0.0
    threads = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                st = f.read()
        except OSError:
            continue
        name = st[st.index("(") + 1:st.rindex(")")]
        f = st[st.rindex(")") + 2:].split()
        t = (int(f[11]) + int(f[12])) / tck
        total += t
        threads[name] = round(threads.get(name, 0.0) + t, 3)
    return round(total, 3), threads


def io_bytes(pid, field="wchar"):
    """/proc/PID/io counter (wchar: bytes passed to write/pwrite by all threads)."""
    with open("/proc/%d/io" % pid) as f:
        for line in f:
            k, v = line.split(":")
            if k == field:
                return int(v)
    raise KeyError(field)
