#!/usr/bin/python3
# qemu-mx: storage-migration copy benchmark (docs/mx/nbd-threads.md).
#
#   bench/nbd/mirror-bench.py [--size-gib 4] [--repeats 3] [--fmt raw]
#                             [--out DIR]
#                             NAME=QEMU_BINARY[::DST-ARG...][@@KEY=VALUE...] ...
# (DST-ARGs, separated by '::', are extra arguments of that destination QEMU;
# a DST-ARG 'src:ARG' is an extra argument of the source QEMU instead, and
# 'dstbin:PATH' runs the destination with another binary, e.g. a qemu-mx
# source against a stock destination (docs/mx/nbd-copy2x.md), and
# 'dstfile:OPTS' adds options to the destination's file node (aio=io_uring);
# KEY=VALUEs, separated by '@@', are extra options of the source's nbd node,
# e.g. @@mx-connections=2 (docs/mx/nbd-multiconn.md))
#
# Per run: a destination QEMU (-incoming defer, a virtio-blk device on a raw or
# qcow2 node on tmpfs) gets libvirt 9.0's commands (nbd-server-start,
# block-export-add writable, no iothread); a source QEMU (-S, virtio-blk on a
# raw tmpfs image full of data) gets blockdev-add nbd + raw and blockdev-mirror
# sync=full speed=max, until the job is READY; then block-job-cancel,
# blockdev-del, nbd-server-stop on the destination, and a full image compare.
# Per-thread CPU of both QEMUs comes from /proc/PID/task/TID/stat (sampled
# every 0.2 s, so that thread-pool workers that exit are counted too), the
# destination's main thread on its own line.  Binaries are interleaved per
# repeat.  Writes DIR/runs.jsonl and DIR/summary.md.
import argparse, json, os, socket, statistics, subprocess, sys, tempfile, time

HZ = os.sysconf('SC_CLK_TCK')


class QMP:
    def __init__(self, path):
        for _ in range(200):
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError('no QMP at ' + path)
        self.f = self.s.makefile('rw')
        self.events = []
        json.loads(self.f.readline())
        self.cmd('qmp_capabilities')

    def cmd(self, _name, **args):
        name = _name
        self.f.write(json.dumps({'execute': name, 'arguments': args}) + '\n')
        self.f.flush()
        while True:
            r = json.loads(self.f.readline())
            if 'event' in r:
                self.events.append(r)
                continue
            if 'error' in r:
                raise RuntimeError('%s: %s' % (name, r['error']))
            return r['return']


def threads(pid):
    out = {}
    try:
        tids = os.listdir('/proc/%d/task' % pid)
    except OSError:
        return out
    for tid in tids:
        try:
            st = open('/proc/%d/task/%s/stat' % (pid, tid)).read()
        except OSError:
            continue
        name = st[st.index('(') + 1:st.rindex(')')]
        f = st[st.rindex(')') + 2:].split()
        out[int(tid)] = (name, (int(f[11]) + int(f[12])) / HZ)
    return out


def proc_cpu(pid):
    st = open('/proc/%d/stat' % pid).read()
    f = st[st.rindex(')') + 2:].split()
    return (int(f[11]) + int(f[12])) / HZ


def group(pid, tid, name):
    if tid == pid:
        return 'main'
    if name.startswith('worker'):
        return 'worker (thread pool)'
    if name.startswith('IO '):
        return 'iothread ' + name[3:]
    return name


def per_thread(pid, before, after):
    g = {}
    for tid, (name, cpu) in after.items():
        d = cpu - before.get(tid, (name, 0.0))[1]
        k = group(pid, tid, name)
        g[k] = g.get(k, 0.0) + d
    return g


FIRMWARE = [a for d in ('/usr/share/qemu', '/usr/share/seabios') for a in ('-L', d)]


def launch(binary, name, qmp_path, extra, prefix=()):
    cmd = list(prefix) + [binary] + FIRMWARE + ['-name', name + ',debug-threads=on', '-nodefaults',
           '-display', 'none', '-machine', 'q35', '-accel', 'tcg', '-m', '128',
           '-qmp', 'unix:%s,server=on,wait=off' % qmp_path] + extra
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stderr=open(qmp_path + '.log', 'w'))
    return p, QMP(qmp_path)


def run_one(binary, src_img, dst_img, fmt, size, port, work, dst_extra=(),
            nbd_opts=None, link=None):
    src_extra = [a[4:] for a in dst_extra if a.startswith('src:')]
    dst_binary = ([a[7:] for a in dst_extra if a.startswith('dstbin:')] or [binary])[-1]
    dst_file_opts = ''.join(',' + a[8:] for a in dst_extra if a.startswith('dstfile:'))
    dst_extra = [a for a in dst_extra if not a.startswith(('src:', 'dstbin:', 'dstfile:'))]
    host = link.dst_ip if link else '127.0.0.1'
    dprefix = link.exec_prefix('dst') if link else ()
    sprefix = link.exec_prefix('src') if link else ()
    if fmt == 'qcow2':
        subprocess.check_call(['qemu-img', 'create', '-q', '-f', 'qcow2', dst_img, str(size)])
    else:
        with open(dst_img, 'wb') as f:
            f.truncate(size)
    dp, dq = launch(dst_binary, 'dst', work + '/dst.qmp', [
        '-blockdev', 'driver=file,node-name=dst-file,filename=%s%s' % (dst_img, dst_file_opts),
        '-blockdev', 'driver=%s,node-name=dst-fmt,file=dst-file' % fmt,
        '-device', 'virtio-blk-pci,drive=dst-fmt,id=vd0',
        '-incoming', 'defer', '-S'] + list(dst_extra), dprefix)
    sp, sq = launch(binary, 'src', work + '/src.qmp', [
        '-blockdev', 'driver=file,node-name=src-file,filename=%s' % src_img,
        '-blockdev', 'driver=raw,node-name=src-fmt,file=src-file',
        '-device', 'virtio-blk-pci,drive=src-fmt,id=vd0', '-S'] + src_extra, sprefix)
    try:
        dq.cmd('migrate-set-capabilities', capabilities=[
            {'capability': 'late-block-activate', 'state': True},
            {'capability': 'return-path', 'state': True}])
        dq.cmd('nbd-server-start', addr={'type': 'inet', 'data': {
            'host': host, 'port': str(port)}})
        dq.cmd('block-export-add', type='nbd', id='libvirt-nbd-dst-fmt',
               **{'node-name': 'dst-fmt'}, writable=True, name='drive-virtio-disk0')
        sq.cmd('blockdev-add', driver='nbd', **{'node-name': 'mig-nbd'},
               server={'type': 'inet', 'host': host, 'port': str(port)},
               export='drive-virtio-disk0', **(nbd_opts or {}))
        sq.cmd('blockdev-add', driver='raw', **{'node-name': 'mig-fmt'}, file='mig-nbd')
        src_nbd_nodes = len([n for n in sq.cmd('query-named-block-nodes')
                             if n['drv'] == 'nbd'])
        dpid, spid = dp.pid, sp.pid
        d0, s0 = threads(dpid), threads(spid)
        dtot0, stot0 = proc_cpu(dpid), proc_cpu(spid)
        dlast, slast = dict(d0), dict(s0)
        t0 = time.monotonic()
        sq.cmd('blockdev-mirror', **{'job-id': 'drive-virtio-disk0', 'auto-finalize': True,
                                     'auto-dismiss': False},
               device='src-fmt', target='mig-fmt', speed=9223372036853727232, sync='full')
        while True:
            time.sleep(0.2)
            for last, pid in ((dlast, dpid), (slast, spid)):
                for tid, v in threads(pid).items():
                    last[tid] = v
            jobs = sq.cmd('query-block-jobs')
            if jobs and jobs[0].get('ready'):
                break
            if not jobs:
                raise RuntimeError('mirror job vanished: %s' % sq.events)
        t1 = time.monotonic()
        dtot1, stot1 = proc_cpu(dpid), proc_cpu(spid)
        dthr = per_thread(dpid, d0, dlast)
        sthr = per_thread(spid, s0, slast)
        dthr['(exited, not sampled)'] = max(0.0, dtot1 - dtot0 - sum(dthr.values()))
        sthr['(exited, not sampled)'] = max(0.0, stot1 - stot0 - sum(sthr.values()))
        dthreads_during = sorted(set(n for n, _ in dlast.values()))
        exps = dq.cmd('query-block-exports')
        dst_conns = exps[0].get('mx-nbd-connections') if exps else None
        sq.cmd('block-job-cancel', device='drive-virtio-disk0')
        while sq.cmd('query-block-jobs')[0]['status'] != 'concluded':
            time.sleep(0.05)
        sq.cmd('job-dismiss', id='drive-virtio-disk0')
        sq.cmd('blockdev-del', **{'node-name': 'mig-fmt'})
        sq.cmd('blockdev-del', **{'node-name': 'mig-nbd'})
        dq.cmd('nbd-server-stop')
        time.sleep(0.5)
        dthreads_after = sorted(set(n for n, _ in threads(dpid).values()))
    finally:
        for q, p in ((sq, sp), (dq, dp)):
            try:
                q.cmd('quit')
            except Exception:
                pass
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    if fmt == 'qcow2':
        same = subprocess.call(['qemu-img', 'compare', '-q', '-f', 'raw', '-F', 'qcow2',
                                src_img, dst_img]) == 0
    else:
        same = subprocess.call(['cmp', '-s', src_img, dst_img]) == 0
    os.unlink(dst_img)
    secs = t1 - t0
    gib = size / 2**30
    return {'secs': secs, 'MBps': size / 1e6 / secs, 'data_ok': same,
            'dst_cpu': dtot1 - dtot0, 'src_cpu': stot1 - stot0,
            'dst_threads': dthr, 'src_threads': sthr,
            'dst_cpu_per_gib': (dtot1 - dtot0) / gib, 'src_cpu_per_gib': (stot1 - stot0) / gib,
            'dst_main_share': dthr.get('main', 0.0) / max(1e-9, dtot1 - dtot0),
            'dst_thread_names_during': dthreads_during,
            'src_nbd_nodes': src_nbd_nodes, 'dst_connections': dst_conns,
            'dst_thread_names_after_stop': dthreads_after}


def make_src(path, size):
    # Incompressible-looking but cheap: 1 MiB of random bytes, each MiB stamped
    # with its index so that a misplaced block fails the compare.
    blk = os.urandom(1 << 20)
    with open(path, 'wb') as f:
        for i in range(size >> 20):
            f.write(i.to_bytes(8, 'little') + blk[8:])


def med(xs):
    return statistics.median(xs) if xs else float('nan')


def summarize(runs, names, size):
    gib = size / 2**30
    lines = ['| metric | ' + ' | '.join(names) + ' |', '|---|' + '---|' * len(names)]

    def row(label, fn, fmtx='%.2f'):
        vals = []
        for n in names:
            rs = [r for r in runs if r['name'] == n]
            vals.append(fmtx % med([fn(r) for r in rs]))
        lines.append('| %s | %s |' % (label, ' | '.join(vals)))
    row('MB/s (median)', lambda r: r['MBps'], '%.0f')
    row('data ok (all runs)', lambda r: 0, '%s')
    lines[-1] = '| data ok (all runs) | ' + ' | '.join(
        str(all(r['data_ok'] for r in runs if r['name'] == n)) for n in names) + ' |'
    row('destination CPU-s/GiB', lambda r: r['dst_cpu_per_gib'])
    row('destination main thread CPU-s/GiB', lambda r: r['dst_threads'].get('main', 0) / gib)
    row('destination main thread share of destination CPU', lambda r: 100 * r['dst_main_share'], '%.1f%%')
    keys = sorted(set(k for r in runs for k in r['dst_threads'] if k != 'main'))
    for k in keys:
        row('destination %s CPU-s/GiB' % k, lambda r, k=k: r['dst_threads'].get(k, 0) / gib)
    row('source NBD connections', lambda r: r.get('src_nbd_nodes', 1), '%d')
    row('source CPU-s/GiB', lambda r: r['src_cpu_per_gib'])
    keys = sorted(set(k for r in runs for k in r['src_threads']))
    for k in keys:
        row('source %s CPU-s/GiB' % k, lambda r, k=k: r['src_threads'].get(k, 0) / gib)
    lines.append('')
    base = names[0]
    for n in names[1:]:
        for label, key in (('MB/s', 'MBps'), ('destination CPU-s/GiB', 'dst_cpu_per_gib'),
                           ('source CPU-s/GiB', 'src_cpu_per_gib')):
            a = med([r[key] for r in runs if r['name'] == base])
            b = med([r[key] for r in runs if r['name'] == n])
            lines.append('- %s ratio %s/%s: %.2f' % (label, n, base, b / a))
    return '\n'.join(lines) + '\n'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--size-gib', type=float, default=4)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--fmt', default='raw', choices=['raw', 'qcow2'])
    ap.add_argument('--out', default=None)
    ap.add_argument('--port', type=int, default=10809 + 100)
    ap.add_argument('--veth', type=int, default=0, metavar='MBIT',
                    help='run the two QEMUs in the harness\'s two network '
                    'namespaces joined by a veth shaped to MBIT Mbit/s')
    ap.add_argument('bins', nargs='+')
    a = ap.parse_args()
    size = int(a.size_gib * 2**30)
    # NAME=BINARY[::DESTINATION-ARG::...]
    bins = []
    for b in a.bins:
        name, rest = b.split('=', 1)
        rest, *opts = rest.split('@@')
        parts = rest.split('::')
        nbd_opts = {}
        for o in opts:
            k, v = o.split('=', 1)
            nbd_opts[k] = int(v) if v.isdigit() else v
        bins.append((name, parts[0], parts[1:], nbd_opts))
    names = [n for n, _, _, _ in bins]
    work = tempfile.mkdtemp(dir='/dev/shm', prefix='mx-nbd-bench.')
    src = work + '/src.raw'
    make_src(src, size)
    runs = []
    out = a.out
    if out:
        os.makedirs(out, exist_ok=True)
        raw = open(out + '/runs.jsonl', 'w')
    link = None
    if a.veth:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        '..', '..', 'tests', 'mx-e2e'))
        from mxe2e.netns import LinkPair
        link = LinkPair(rate_mbit=a.veth)
        link.up()
    try:
        for rep in range(a.repeats):
            for name, binary, dst_extra, nbd_opts in bins:
                r = run_one(binary, src, work + '/dst.img', a.fmt, size, a.port, work,
                            dst_extra, nbd_opts, link)
                r.update(name=name, binary=binary, dst_args=dst_extra, repeat=rep,
                         fmt=a.fmt, size=size, nbd_opts=nbd_opts)
                runs.append(r)
                print(json.dumps(r), flush=True)
                if out:
                    raw.write(json.dumps(r) + '\n')
                    raw.flush()
    finally:
        if link:
            link.down()
        subprocess.call(['rm', '-rf', work])
    s = summarize(runs, names, size)
    print(s)
    if out:
        open(out + '/summary.md', 'w').write(
            '# %s GiB %s mirror over %s, %d repeats (medians)\n\n' % (
                a.size_gib, a.fmt, ('a %d Mbit/s veth' % a.veth) if a.veth else 'loopback',
                a.repeats)
            + 'Command: `%s`\n\n' % ' '.join(['bench/nbd/mirror-bench.py'] + sys.argv[1:]) + s)


if __name__ == '__main__':
    main()
