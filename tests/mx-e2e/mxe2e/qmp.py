"""Small QMP client over a unix socket (stdlib only).

A reader thread parses every JSON message: replies are matched to commands by
"id", events are kept in a list (all events, for the record) and in a pending
queue consumed by wait_event().  Commands may be issued from several threads.
"""

import json
import os
import socket
import threading
import time

from .util import HarnessError, Timeout


class QMPError(HarnessError):
    def __init__(self, cmd, err):
        self.cmd = cmd
        self.err = err or {}
        super().__init__("QMP %s failed: %s: %s" % (
            cmd, self.err.get("class", "?"), self.err.get("desc", err)))


class QMPClosed(HarnessError):
    pass


class Listener:
    """A listening unix socket that QEMU connects to (chardev socket, server=off).

    Listening on our side means nothing QEMU writes is lost before we attach and
    QEMU fails loudly if we are not there.
    """

    def __init__(self, path):
        self.path = path
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)

    def accept(self, timeout, alive=None, what="connection"):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout("timed out after %.0fs waiting for %s on %s" % (timeout, what, self.path))
            self.sock.settimeout(min(0.2, left))
            try:
                conn, _ = self.sock.accept()
                conn.settimeout(None)
                return conn
            except socket.timeout:
                if alive is not None and not alive():
                    raise HarnessError("QEMU exited before connecting its %s" % what)

    def close(self):
        try:
            self.sock.close()
        finally:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass


class QMP:
    def __init__(self, sock, log=None, name="qmp"):
        self.sock = sock
        self.name = name
        self.log = log
        self._wlock = threading.Lock()
        self._cv = threading.Condition()
        self._replies = {}
        self._next_id = 0
        self.events = []          # all events: dicts with "event", "data", "timestamp", "_t"
        self._pending = []        # events not yet consumed by wait_event
        self.greeting = None
        self.closed = False
        self._reader = threading.Thread(target=self._read_loop, name="qmp-" + name, daemon=True)
        self._reader.start()

    # -- construction ------------------------------------------------------
    @classmethod
    def connect(cls, path, timeout=10, log=None, name="qmp"):
        deadline = time.monotonic() + timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                break
            except OSError:
                s.close()
                if time.monotonic() > deadline:
                    raise Timeout("cannot connect to QMP socket %s" % path)
                time.sleep(0.05)
        q = cls(s, log=log, name=name)
        q.negotiate()
        return q

    def negotiate(self, timeout=30):
        with self._cv:
            ok = self._cv.wait_for(lambda: self.greeting is not None or self.closed, timeout)
        if not ok or self.greeting is None:
            raise HarnessError("%s: no QMP greeting" % self.name)
        self.cmd("qmp_capabilities", timeout=timeout)

    # -- I/O ---------------------------------------------------------------
    def _trace(self, direction, obj):
        if self.log:
            s = json.dumps(obj)
            if len(s) > 2000:
                s = s[:2000] + "..."
            self.log("%s %s %s", self.name, direction, s)

    def _read_loop(self):
        buf = b""
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    line = line.strip()
                    if not line:
                        continue
                    try:
                        msg = json.loads(line)
                    except ValueError:
                        continue
                    self._dispatch(msg)
        except OSError:
            pass
        finally:
            with self._cv:
                self.closed = True
                self._cv.notify_all()

    def _dispatch(self, msg):
        if "QMP" in msg:
            with self._cv:
                self.greeting = msg
                self._cv.notify_all()
            return
        if "event" in msg:
            msg["_t"] = time.monotonic()
            self._trace("<ev", msg)
            with self._cv:
                self.events.append(msg)
                self._pending.append(msg)
                self._cv.notify_all()
            return
        if "id" in msg:
            with self._cv:
                self._replies[msg["id"]] = msg
                self._cv.notify_all()

    def cmd_raw(self, name, args=None, timeout=60):
        with self._cv:
            if self.closed:
                raise QMPClosed("%s: QMP connection closed (QEMU gone?) before %s" % (self.name, name))
            self._next_id += 1
            cid = "%s-%d" % (self.name, self._next_id)
        msg = {"execute": name, "id": cid}
        if args:
            msg["arguments"] = args
        if name not in ("query-migrate", "query-block-jobs", "query-jobs"):
            self._trace(">", msg)
        data = (json.dumps(msg) + "\n").encode()
        with self._wlock:
            try:
                self.sock.sendall(data)
            except OSError as e:
                raise QMPClosed("%s: cannot send %s: %s" % (self.name, name, e))
        with self._cv:
            ok = self._cv.wait_for(lambda: cid in self._replies or self.closed, timeout)
            if cid in self._replies:
                rep = self._replies.pop(cid)
            elif self.closed:
                raise QMPClosed("%s: QMP connection closed while waiting for %s" % (self.name, name))
            else:
                raise Timeout("%s: no reply to %s within %ss" % (self.name, name, timeout))
        if name not in ("query-migrate", "query-block-jobs", "query-jobs"):
            self._trace("<", rep)
        return rep

    def cmd(self, name, args=None, timeout=60, **kw):
        """Run a command; return its "return" value or raise QMPError."""
        if kw:
            args = dict(args or {}, **kw)
        rep = self.cmd_raw(name, args, timeout=timeout)
        if "error" in rep:
            raise QMPError(name, rep["error"])
        return rep.get("return")

    def hmp(self, cmdline, timeout=60, check=True):
        """Run a human monitor command; return its text output.

        HMP reports most errors as text; with check=True output that looks like
        an error raises HarnessError."""
        out = self.cmd("human-monitor-command", {"command-line": cmdline}, timeout=timeout) or ""
        if check:
            low = out.lower()
            if low.startswith("error") or "\nerror" in low or "could not" in low or \
               "unknown command" in low or "failed" in low:
                raise HarnessError("HMP '%s' on %s: %s" % (cmdline, self.name, out.strip()))
        return out

    # -- events ------------------------------------------------------------
    def wait_event(self, name, timeout, match=None, alive=None):
        """Wait for (and consume) the first pending event called name (a str or a
        tuple of names) for which match(event) is true."""
        names = (name,) if isinstance(name, str) else tuple(name)
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for i, ev in enumerate(self._pending):
                    if ev["event"] in names and (match is None or match(ev)):
                        del self._pending[i]
                        return ev
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Timeout("%s: timed out after %.0fs waiting for event %s" % (
                        self.name, timeout, "/".join(names)))
                if self.closed:
                    raise QMPClosed("%s: QMP closed while waiting for event %s" % (self.name, "/".join(names)))
                self._cv.wait(min(left, 0.5))
                if alive is not None and not alive():
                    raise HarnessError("%s: QEMU exited while waiting for %s" % (self.name, "/".join(names)))

    def clear_events(self, name=None):
        with self._cv:
            if name is None:
                self._pending = []
            else:
                self._pending = [e for e in self._pending if e["event"] != name]

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass
