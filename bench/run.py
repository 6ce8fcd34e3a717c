"""Falconet benchmark harness: `make bench` runs this.

Usage: /usr/bin/python3 bench/run.py [--quick | --smoke] [--only P1,P4] [--out DIR]

Starts falconet (SQLite, temp data dirs, 127.0.0.1) and nginx (generated config)
itself, measures P1-P9 (see bench/README.md), each against a reference measured
in the same run, and writes DIR/benchmarks.md, DIR/benchmarks.svg and the raw
figures as JSON. Full and quick runs default to docs/ (JSON in
bench/results/latest.json); smoke runs need --out and never touch docs/.
"""

import argparse
import datetime
import json
import os
import shutil
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness as h  # noqa: E402
import measures  # noqa: E402
import report  # noqa: E402

GIB = 1 << 30
MIB = h.MIB

# Sizes and durations per mode. Throughput loads: `runs` alternating pairs of
# `load_s` seconds each after one `warmup_s` run per side.
MODES = {
    "full": dict(p1_targets=100_000, p3_pending=10_000, p2_small=1_000, big=1_000_000, sample=100_000,
                 load_s=10, warmup_s=2, runs=3, p4_bytes=GIB, dl_runs=5, p5_bytes=2 * GIB, hash_runs=2,
                 p7_conns=10_000, start_runs=5, p9_devices=100_000, p9_seconds=90, p9_connections=256),
    "quick": dict(p1_targets=10_000, p3_pending=2_000, p2_small=1_000, big=100_000, sample=20_000,
                  load_s=3, warmup_s=1, runs=3, p4_bytes=64 * MIB, dl_runs=5, p5_bytes=256 * MIB, hash_runs=2,
                  p7_conns=10_000, start_runs=5, p9_devices=10_000, p9_seconds=30, p9_connections=64),
    "smoke": dict(p1_targets=500, p3_pending=100, p2_small=100, big=2_000, sample=2_000,
                  load_s=1, warmup_s=1, runs=1, p4_bytes=4 * MIB, dl_runs=1, p5_bytes=8 * MIB, hash_runs=1,
                  p7_conns=200, start_runs=3, p9_devices=200, p9_seconds=5, p9_connections=8),
}
WRK_CONNECTIONS, WRK_THREADS = 64, 2
PRIME_BOUND_S = 900


class Bench:
    """The run's context: mode, temp dir, and the servers shared between measures."""

    def __init__(self, mode, binary, tmp):
        self.mode, self.m, self.binary, self.tmp = mode, MODES[mode], binary, tmp
        self.www = os.path.join(tmp, "www")
        os.makedirs(self.www)
        with open(os.path.join(self.www, "1k.bin"), "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(tmp, 0o755)
        self.fleets = {}
        self._nginx = None
        self.big_polled = False
        self.workers = os.cpu_count() or 2

    def fleet(self, name, n):
        """A running server named `name` with at least n registered targets."""
        srv = self.fleets.get(name)
        if srv is None:
            srv = self.fleets[name] = h.Falconet(self.binary, self.tmp, name).start()
        if srv.targets < n:
            t0 = time.perf_counter()
            srv.register(n)
            log(f"  {name}: registered {n:,} targets in {time.perf_counter() - t0:.1f} s, "
                f"RSS {srv.rss_after_register['VmRSS'] / 1024:.1f} MB")
        return srv

    def fresh(self, name):
        return h.Falconet(self.binary, self.tmp, name).start()

    def discard(self, srv):
        srv.stop()
        shutil.rmtree(srv.dir, ignore_errors=True)

    def nginx(self):
        if self._nginx is None:
            self._nginx = h.Nginx(self.tmp, self.www, self.workers).start()
        return self._nginx

    def wrk(self, base, request_list, seconds):
        return h.wrk(base, request_list, seconds or self.m["load_s"], WRK_CONNECTIONS, WRK_THREADS)

    def prime(self, server, entries):
        """Sends every request once (first polls write once, see harness.send_once)."""
        r = h.send_once(server.port, entries, deadline_s=PRIME_BOUND_S)
        if r["non2xx"] or r["errors"]:
            raise RuntimeError(f"priming: {r['non2xx']} non-2xx answers, {r['errors']} socket errors")
        return r

    def close(self):
        for srv in self.fleets.values():
            srv.stop()
        if self._nginx:
            self._nginx.stop()


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def machine_facts(binary):
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    except OSError:
        pass
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem_kb / (1 << 20), 1),
            "kernel": os.uname().release,
            "falconet": h.tool_version([binary, "version"]),
            "nginx": h.tool_version([h.nginx_binary(), "-v"], r"nginx/(\S+)"),
            "wrk": h.tool_version(["wrk", "-v"], r"wrk (\S+)"),
            "curl": h.tool_version(["curl", "--version"], r"curl (\S+)"),
            "python": sys.version.split()[0]}


def run_all(bench, only):
    rows, raw = [], {}
    for id_, fn in measures.MEASURES:
        if only and id_ not in only:
            continue
        log(f"{id_} ...")
        t0 = time.perf_counter()
        try:
            r, raw[id_] = fn(bench)
        except Exception as e:  # a failed measure is reported, the others still run
            traceback.print_exc()
            r, raw[id_] = [measures.not_measured(id_, "(failed)", "", f"error: {e}".splitlines()[0][:200])], {}
        raw[id_ + "_seconds"] = round(time.perf_counter() - t0, 1)
        for x in r:
            log(f"  {x['id']} {x['measure']}: {x['falconet']} | ref {x['reference']} | "
                f"ratio {x['ratio']} | met {x['met']} {x['note']}")
        rows.extend(r)
    return rows, raw


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="smaller fleets and files, 3 s loads")
    g.add_argument("--smoke", action="store_true", help="tiny sizes, 1 s loads (what make test runs)")
    ap.add_argument("--only", help="comma-separated ids, e.g. P1,P4")
    ap.add_argument("--out", help="directory for benchmarks.md/.svg/.json (default docs/)")
    ap.add_argument("--from-json", metavar="FILE", help="only re-render the page from saved results")
    ap.add_argument("--bin", default=os.environ.get("FALCONET_BIN", os.path.join(h.REPO, "build", "falconet")))
    args = ap.parse_args()
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    if mode == "smoke" and not args.out and not args.from_json:
        ap.error("--smoke needs --out (it must not overwrite docs/benchmarks.md)")
    only = {x.strip().upper() for x in args.only.split(",")} if args.only else None
    out_dir = os.path.abspath(args.out or os.path.join(h.REPO, "docs"))
    os.makedirs(out_dir, exist_ok=True)
    if args.from_json:
        with open(args.from_json) as f:
            report.write(json.load(f), out_dir)
        return
    binary = os.path.abspath(args.bin)
    for tool in ("wrk", "curl", h.nginx_binary(), "gnuplot"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found (make bench installs BENCH_DEPS)")
    h.raise_fd_limit()

    started = time.perf_counter()
    tmp = tempfile.mkdtemp(prefix="falconet-bench-")
    bench = Bench(mode, binary, tmp)
    try:
        rows, raw = run_all(bench, only)
    finally:
        bench.close()
        shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.perf_counter() - started

    rows.sort(key=lambda r: int(r["id"][1:]))  # run order differs from id order
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "mode": mode, "only": sorted(only) if only else None, "elapsed_s": round(elapsed, 1),
               "machine": machine_facts(binary), "params": dict(bench.m, wrk_connections=WRK_CONNECTIONS,
                                                                 wrk_threads=WRK_THREADS),
               "rows": rows, "raw": raw}
    json_path = (os.path.join(h.REPO, "bench", "results", "latest.json") if not args.out
                 else os.path.join(out_dir, "benchmarks.json"))
    os.makedirs(os.path.dirname(json_path), exist_ok=True)
    with open(json_path, "w") as f:
        json.dump(results, f, indent=1)
    report.write(results, out_dir)
    log(f"done in {elapsed:.0f} s: {os.path.join(out_dir, 'benchmarks.md')}, {json_path}")


if __name__ == "__main__":
    main()
