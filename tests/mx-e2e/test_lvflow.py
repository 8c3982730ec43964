#!/usr/bin/env python3
"""Unit test of the libvirt flow's offline checks (no libvirtd, no QEMU):
reading the source's final query-migrate out of libvirtd's monitor log, and the
verdict that a compression method set by -global really compressed pages.

    python3 tests/mx-e2e/test_lvflow.py
"""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mxe2e import lvflow  # noqa: E402


def reply(ret, n=1):
    # the shape libvirtd 9.0 logs at log level 1 for qemu.qemu_monitor
    return ("2026-12-01 10:48:30.123+0000: 1234: info : qemuMonitorJSONIOProcessLine:209 : "
            "QEMU_MONITOR_RECV_REPLY: mon=0x7f3838005d00 reply=%s\n"
            % json.dumps({"return": ret, "id": "libvirt-%d" % n}))


ACTIVE = {"status": "active", "ram": {"transferred": 1}}
DONE_PLAIN = {"status": "completed", "total-time": 3711, "ram": {"transferred": 2}}
DONE_LZ4 = {"status": "completed", "ram": {"transferred": 3},
            "compression": {"method": "multifd-lz4", "pages": 12702, "compressed-size": 21586432}}
JOBS = [{"status": "completed", "type": "mirror", "id": "drive-virtio-disk0"}]


class FR:
    def __init__(self, parameters, capabilities):
        self.sc = {"parameters": parameters, "capabilities": capabilities}


class TestLvflow(unittest.TestCase):
    def log(self, *lines):
        f = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)
        f.write("".join(lines))
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_last_completed_reply(self):
        p = self.log(reply(ACTIVE, 1), "unrelated line\n", reply(JOBS, 2),
                     reply(DONE_PLAIN, 3), reply(ACTIVE, 4), reply(DONE_LZ4, 5), "torn reply={\"ret\n")
        self.assertEqual(lvflow._last_query_migrate(p), DONE_LZ4)

    def test_no_reply(self):
        self.assertIsNone(lvflow._last_query_migrate(self.log(reply(ACTIVE), reply(JOBS))))
        self.assertIsNone(lvflow._last_query_migrate("/nonexistent/libvirtd.log"))

    def check(self, qm, parameters, capabilities):
        res = {"ok": True, "why": None}
        lvflow._check_method(FR(parameters, capabilities), res, qm)
        return res

    def test_method_used(self):
        r = self.check(DONE_LZ4, {"multifd-compression": "lz4"}, {"multifd": True})
        self.assertTrue(r["ok"], r)

    def test_method_not_used_fails(self):
        # the negative control of the check: -global asked for lz4, the stream had none
        r = self.check(DONE_PLAIN, {"multifd-compression": "lz4"}, {"multifd": True})
        self.assertFalse(r["ok"])
        self.assertIn("multifd-lz4", r["why"])
        r = self.check(None, {"multifd-compression": "lz4"}, {"multifd": True})
        self.assertFalse(r["ok"])
        # another method, or no compressed page at all
        r = self.check(DONE_LZ4, {"multifd-compression": "zstd"}, {"multifd": True})
        self.assertFalse(r["ok"])
        zero = dict(DONE_LZ4, compression=dict(DONE_LZ4["compression"], pages=0))
        self.assertFalse(self.check(zero, {"multifd-compression": "lz4"}, {"multifd": True})["ok"])

    def test_compress_threads(self):
        qm = dict(DONE_PLAIN, compression={"method": "lz4", "pages": 5})
        self.assertTrue(self.check(qm, {"compress-method": "lz4"}, {"compress": True})["ok"])
        self.assertFalse(self.check(DONE_LZ4, {"compress-method": "lz4"}, {"compress": True})["ok"])

    def test_nothing_to_check(self):
        # no compression asked (or multifd without compression): nothing is required
        self.assertTrue(self.check(DONE_PLAIN, {}, {})["ok"])
        self.assertTrue(self.check(DONE_PLAIN, {"multifd-compression": "none"}, {"multifd": True})["ok"])
        self.assertTrue(self.check(DONE_PLAIN, {"multifd-compression": "lz4"}, {})["ok"])


if __name__ == "__main__":
    unittest.main(verbosity=1)
