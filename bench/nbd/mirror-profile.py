#!/usr/bin/python3
# qemu-mx: profile one copy of bench/nbd/mirror-bench.py (docs/mx/nbd-copy2x.md).
#
#   PROF_OUT=DIR bench/nbd/mirror-profile.py MODE SIZE_GIB BINARY [dst=BINARY]
#                                            [DST-ARG ...] [@@KEY=VALUE ...]
# MODE: none (per-thread CPU only), perf (perf record -g of both QEMUs during
# the copy: DIR/dst.perf.data, DIR/src.perf.data) or strace (strace -c -f of
# both: DIR/dst.strace, DIR/src.strace).  dst=BINARY: another destination
# binary; DST-ARGs: extra destination arguments; @@KEY=VALUE: options of the
# source's nbd node.  Environment: SRC_EXTRA (extra source arguments),
# MIRROR_EXTRA (JSON merged into blockdev-mirror's arguments).  The image
# lives in /dev/shm/mx-mirror-profile.  Run it under flock /tmp/mx-bench.lock.
import importlib.util, os, sys, subprocess, time, json, signal
spec = importlib.util.spec_from_file_location(
    'mb', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'mirror-bench.py'))
mb = importlib.util.module_from_spec(spec); spec.loader.exec_module(mb)
mode = sys.argv[1]; size = int(float(sys.argv[2]) * 2**30)
binary = sys.argv[3]
rest = sys.argv[4:]
dst_bin = None
dst_extra = []; nbd_opts = {}
for r in rest:
    if r.startswith('dst='):
        dst_bin = r[4:]
    elif r.startswith('@@'):
        k, v = r[2:].split('=', 1); nbd_opts[k] = int(v) if v.isdigit() else v
    else:
        dst_extra.append(r)
out = os.environ.get('PROF_OUT', '/tmp/mx-mirror-profile')
os.makedirs(out, exist_ok=True)
state = {'procs': []}
orig_cmd = mb.QMP.cmd
orig_launch = mb.launch
pids = {}
def launch(b, name, qmp_path, extra, prefix=()):
    if name == 'dst' and dst_bin:
        b = dst_bin
    if name == 'src' and os.environ.get('SRC_EXTRA'):
        extra = extra + os.environ['SRC_EXTRA'].split()
    if name == 'src' and os.environ.get('SRC_BIN'):
        b = os.environ['SRC_BIN']
    p, q = orig_launch(b, name, qmp_path, extra, prefix)
    pids[name] = p.pid
    return p, q
mb.launch = launch
def tids(pid):
    r = {}
    for t in os.listdir('/proc/%d/task' % pid):
        r[int(t)] = open('/proc/%d/task/%s/comm' % (pid, t)).read().strip()
    return r
def cmd(self, _name, **args):
    if _name == 'blockdev-mirror':
        d, s = pids['dst'], pids['src']
        dt = tids(d); st = tids(s)
        json.dump({'dst': dt, 'src': st, 'dpid': d, 'spid': s}, open(out + '/tids.json', 'w'))
        if mode == 'perf':
            state['procs'].append(subprocess.Popen(['perf', 'record', '-e', 'cpu-clock', '-F', '2000', '-g', '-p', str(d), '-o', out + '/dst.perf.data'], stdout=subprocess.DEVNULL, stderr=open(out+'/perf-dst.log','w')))
            state['procs'].append(subprocess.Popen(['perf', 'record', '-e', 'cpu-clock', '-F', '2000', '-g', '-p', str(s), '-o', out + '/src.perf.data'], stdout=subprocess.DEVNULL, stderr=open(out+'/perf-src.log','w')))
            time.sleep(0.5)
        elif mode == 'strace':
            for n, pid in (('dst', d), ('src', s)):
                state['procs'].append(subprocess.Popen(['strace', '-c', '-f', '-o', out + '/%s.strace' % n, '-p', str(pid)], stderr=subprocess.DEVNULL))
            time.sleep(0.5)
    if _name == 'blockdev-mirror' and os.environ.get('MIRROR_EXTRA'):
        args.update(json.loads(os.environ['MIRROR_EXTRA']))
    r = orig_cmd(self, _name, **args)
    if _name == 'query-block-jobs' and r and r[0].get('ready') and state['procs']:
        for p in state['procs']:
            p.send_signal(signal.SIGINT)
        for p in state['procs']:
            p.wait()
        state['procs'] = []
    return r
mb.QMP.cmd = cmd
work = '/dev/shm/mx-mirror-profile'
os.makedirs(work, exist_ok=True)
src = work + '/src.raw'
if not os.path.exists(src) or os.path.getsize(src) != size:
    mb.make_src(src, size)
r = mb.run_one(binary, src, work + '/dst.img', 'raw', size, 10951, work, dst_extra, nbd_opts)
gib = size / 2**30
print('MB/s %.0f secs %.2f ok %s' % (r['MBps'], r['secs'], r['data_ok']))
print('dst', {k: round(v / gib, 2) for k, v in r['dst_threads'].items() if v > 0.005})
print('src', {k: round(v / gib, 2) for k, v in r['src_threads'].items() if v > 0.005})
json.dump(r, open(out + '/run.json', 'w'))
