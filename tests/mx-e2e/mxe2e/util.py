"""Shared helpers: paths, cleanup registry (atexit + signals), logging, small utils."""

import atexit
import datetime
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
E2E_DIR = os.path.dirname(HERE)                      # tests/mx-e2e
REPO_TOP = os.path.dirname(os.path.dirname(E2E_DIR))  # repo top
BUILD_E2E = os.path.join(REPO_TOP, "build", "e2e")
GUEST_DIR = os.path.join(BUILD_E2E, "guest")
RUNS_DIR = os.path.join(BUILD_E2E, "runs")
DEFAULT_QEMU = os.path.join(REPO_TOP, "build", "qemu", "qemu-system-x86_64")
STOCK_QEMU = "/usr/bin/qemu-system-x86_64"


class HarnessError(Exception):
    """An error with a message meant for the user (no traceback needed)."""


class Timeout(HarnessError):
    pass


# --------------------------------------------------------------------------
# Cleanup registry: LIFO list of callables run on normal exit, on exceptions
# (context managers call them too) and on SIGINT/SIGTERM/SIGHUP.

_cleanup_lock = threading.RLock()
_cleanups = []          # list of [id, desc, fn]
_cleanup_seq = [0]
_signals_installed = [False]


def register_cleanup(fn, desc=""):
    with _cleanup_lock:
        _cleanup_seq[0] += 1
        h = _cleanup_seq[0]
        _cleanups.append([h, desc, fn])
        return h


def run_cleanup(handle):
    """Run (and unregister) one cleanup now."""
    with _cleanup_lock:
        ent = None
        for i, e in enumerate(_cleanups):
            if e[0] == handle:
                ent = _cleanups.pop(i)
                break
    if ent:
        try:
            ent[2]()
        except Exception as e:  # pragma: no cover - best effort
            sys.stderr.write("mx-e2e: cleanup %s failed: %s\n" % (ent[1], e))


def unregister_cleanup(handle):
    with _cleanup_lock:
        for i, e in enumerate(_cleanups):
            if e[0] == handle:
                _cleanups.pop(i)
                return


def run_all_cleanups():
    while True:
        with _cleanup_lock:
            if not _cleanups:
                return
            ent = _cleanups.pop()
        try:
            ent[2]()
        except Exception as e:
            sys.stderr.write("mx-e2e: cleanup %s failed: %s\n" % (ent[1], e))


def _signal_handler(signum, frame):
    # Turn the signal into an exception in the main thread so that context
    # managers unwind; atexit then catches anything left over.
    signal.signal(signum, signal.SIG_DFL if signum != signal.SIGINT else signal.default_int_handler)
    if signum == signal.SIGINT:
        raise KeyboardInterrupt()
    raise SystemExit(128 + signum)


def install_signal_handlers():
    if _signals_installed[0]:
        return
    if threading.current_thread() is not threading.main_thread():
        return
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _signal_handler)
    signal.signal(signal.SIGINT, _signal_handler)
    _signals_installed[0] = True


atexit.register(run_all_cleanups)


# --------------------------------------------------------------------------
# Unix sockets: sun_path holds at most 107 bytes, and a run directory under a
# checkout in a deep directory is longer than that.  Sockets therefore live in
# one short private directory per harness process, removed by the cleanup
# registry (normal exit, exceptions, SIGINT/SIGTERM/SIGHUP); the run's files
# stay in its run directory.

SUN_PATH_MAX = 107
_sock_dir = [None]
_sock_seq = [0]


def _remove_sock_dir():
    d, _sock_dir[0] = _sock_dir[0], None
    if d:
        shutil.rmtree(d, ignore_errors=True)


def sock_dir():
    """The process's short directory for unix sockets (created on first use)."""
    with _cleanup_lock:
        if _sock_dir[0] is None:
            # MX_E2E_SOCK_DIR picks another parent (the deep-checkout test uses
            # it as its negative control).
            base = os.environ.get("MX_E2E_SOCK_DIR") or (
                "/tmp" if os.access("/tmp", os.W_OK) else tempfile.gettempdir())
            _sock_dir[0] = tempfile.mkdtemp(prefix="mxe2e-", dir=base)
            register_cleanup(_remove_sock_dir, "socket directory " + _sock_dir[0])
        return _sock_dir[0]


def sock_path(name):
    """A fresh unix socket path for `name` (unique within this process)."""
    with _cleanup_lock:
        _sock_seq[0] += 1
        path = os.path.join(sock_dir(), "%d-%s" % (_sock_seq[0], name))
    if len(path.encode()) > SUN_PATH_MAX:
        raise HarnessError("unix socket path too long (%d > %d bytes): %s" % (
            len(path.encode()), SUN_PATH_MAX, path))
    return path


# --------------------------------------------------------------------------

def now_iso():
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def timestamp():
    return datetime.datetime.now().strftime("%Y%m%d-%H%M%S")


class Log:
    """Tiny logger: writes to a file (always) and to stderr when verbose."""

    def __init__(self, path=None, verbose=False):
        self.path = path
        self.verbose = verbose
        self.t0 = time.monotonic()
        self._f = open(path, "a", buffering=1) if path else None
        self._lock = threading.Lock()

    def __call__(self, msg, *args):
        if args:
            msg = msg % args
        line = "[%8.3f] %s" % (time.monotonic() - self.t0, msg)
        with self._lock:
            if self._f:
                self._f.write(line + "\n")
            if self.verbose:
                sys.stderr.write(line + "\n")

    def close(self):
        if self._f:
            self._f.close()
            self._f = None


def run(cmd, check=True, timeout=60, input=None, quiet=False):
    """subprocess.run wrapper with a timeout and a readable error."""
    try:
        p = subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, text=True)
    except subprocess.TimeoutExpired:
        raise HarnessError("command timed out after %ss: %s" % (timeout, " ".join(cmd)))
    except FileNotFoundError:
        raise HarnessError("command not found: %s" % cmd[0])
    if check and p.returncode != 0:
        raise HarnessError("command failed (rc=%d): %s\n%s" % (
            p.returncode, " ".join(cmd), (p.stderr or p.stdout).strip()))
    return p


def wait_until(pred, timeout, interval=0.05, what="condition"):
    """Poll pred() until it returns a true value; raise Timeout after timeout s."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise Timeout("timed out after %.0fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
