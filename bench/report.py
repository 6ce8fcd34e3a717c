"""Writes benchmarks.md and benchmarks.svg (gnuplot) from bench/run.py's results."""

import os
import subprocess
import tempfile

SCORE_CAP = 10.0

METHOD = """\
- **Throughput (P1–P3)**: wrk, {c} connections, {t} threads, {load} s per run after one {warm} s
  warm-up per side, {runs} runs per side in alternation (falconet, reference, falconet, …);
  the table shows medians. Both sides get the same wrk Lua script and request list
  (`bench/requests.lua`): one `Authorization: TargetToken …` request per target, over a random
  sample of up to {sample:,} targets; on nginx the same headers ask for a 1 KB static file, so
  the client's work is the same on both sides. Before the measured runs every request of the
  list is sent once (a target's first poll marks it `registered`, an action's first
  `deploymentBase` records `retrieved`: one write each), so the runs measure the steady state;
  the rate of that first pass is in the raw JSON. A run with a non-2xx answer or a socket
  error is refused. nginx: {workers} worker processes (falconet: one HTTP thread per core),
  `access_log off`, `sendfile on`, keep-alive (1M requests per connection).
- **P1** polls targets with nothing pending; **P3** then assigns a distribution set to a
  subset of the same fleet and fetches `deploymentBase/{{actionId}}` of those targets.
- **P2** alternates between two servers, one with the small and one with the large fleet.
- Server defaults throughout: the device cache (`ddi.device_cache_entries`, 262,144) holds
  every target of the sample, so repeated polls of P1/P2 read no database row, and a set's
  chunks are kept for P3; both are retired by any committed change, so they measure a fleet
  at rest. A fleet larger than the cache (or one under constant writes) polls through SQLite;
  `ddi.flush_interval_ms` (10 s) writes each polled target's last-seen time once per interval.
- **P4**: curl to `/dev/null` (`%{{speed_download}}`), {dl} alternating downloads per side, median;
  falconet serves the artifact's DDI `download-http` link to a target with the action open,
  nginx the same file (both from the page cache).
- **P5**: curl streams the multipart upload from disk (`-F file=@…`); the server's VmRSS is
  sampled every 10 ms (growth = peak − before the upload); the reference is one pass of
  Python's hashlib (OpenSSL) updating MD5, SHA-1 and SHA-256 per 1 MiB chunk over the same file
  (median of {hash} passes). The artifact's size and hashes are checked against that pass.
- **P6**: `POST /rest/v1/rollouts` (two groups, 10 % / 90 %, filter over every target) until
  `ready`, then `POST …/start`, on the large fleet after P2's polls; then the same on a
  fresh server over a throwaway PostgreSQL 15 on the same machine (fsync on, loopback TCP),
  its fleet registered through the Management API first.
- **P7**: VmRSS of a fresh server with an empty database 1 s after start; of the large-fleet
  server after the polling loads; and with {conns:,} keep-alive connections open, each having
  answered one DDI poll.
- **P8**: from just before exec to the end of the first whole response to a DDI poll (1 ms
  retry on connect), on an existing data dir, median of {starts} starts.
- **P9**: `falconet-sim` registers its devices through the Management API and polls with
  target tokens at the tenant's `pollingTime`.
- The load generator runs on the same {nproc} cores as the server under test, so absolute
  figures are lower than on a separate client machine; the ratios compare like with like.
  Single figures move by 10–20 % between runs when the machine has other work; alternating
  the two sides of a ratio keeps them under the same conditions.
"""


def fmt_ratio(r):
    return "—" if r is None else f"{r:.2f}"


def fmt_met(r):
    if r["met"] is None:
        return "—"
    return "yes" if r["met"] else "**no**"


def labels(rows):
    """Plot labels: the id, with a, b, c… when one id has several rows."""
    counts = {}
    for r in rows:
        counts[r["id"]] = counts.get(r["id"], 0) + 1
    seen, out = {}, []
    for r in rows:
        k = seen[r["id"]] = seen.get(r["id"], 0) + 1
        out.append(r["id"] + ("abcdefgh"[k - 1] if counts[r["id"]] > 1 else ""))
    return out


def score(r):
    """How far past the target: ≥ 1 meets it (value/limit for ≥, limit/value for <)."""
    a, lim = r["actual"], r["limit"]
    if a is None:
        return None
    if r["op"] == ">=":
        s = a / lim
    else:
        s = lim / a if a > 0 else SCORE_CAP
    return min(s, SCORE_CAP)


def table(rows):
    out = ["| id | measure | falconet | reference | ratio | target | met? |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        value = r["falconet"] if r["falconet"] is not None else r["note"]
        ref = r["reference"] if r["reference"] is not None else "—"
        out.append(f"| {r['id']} | {r['measure']} | {value} | {ref} | {fmt_ratio(r['ratio'])} | "
                   f"{r['target']} | {fmt_met(r)} |")
    return "\n".join(out)


def plot(rows, svg_path):
    """Bar chart of each figure's score against its target; returns False if nothing to plot."""
    points = [(lab, score(r), r["met"]) for lab, r in zip(labels(rows), rows) if score(r) is not None]
    if not points:
        return False
    with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as f:
        for i, (lab, s, met) in enumerate(points):
            f.write(f"{i} {lab} {s:.4f} {0x2e8b57 if met else 0xcc3333}\n")
        data = f.name
    script = f"""
set terminal svg size 760,380 dynamic font "sans,12" background rgb "white"
set output "{svg_path}"
set title "Falconet against its targets (score = figure / target, or target / figure for limits; ≥ 1 meets it)"
set style fill solid 0.8 border -1
set boxwidth 0.6
set logscale y
set yrange [0.05:{SCORE_CAP * 2}]
set xrange [-0.6:{len(points) - 0.4}]
set ylabel "score"
set grid ytics mytics
set key off
set arrow from graph 0, first 1 to graph 1, first 1 nohead lc rgb "black" dt 2 lw 1.5
plot "{data}" using 1:3:4:xtic(2) with boxes lc rgb variable, \\
     "" using 1:3:(sprintf($3 >= {SCORE_CAP:g} ? "≥%.0f" : "%.2f", $3)) with labels offset 0,0.7
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True, capture_output=True, timeout=60)
    finally:
        os.unlink(data)
    return True


def write(results, out_dir):
    rows, m, p = results["rows"], results["machine"], results["params"]
    svg = os.path.join(out_dir, "benchmarks.svg")
    has_plot = plot(rows, svg)
    missed = [f"{lab} ({r['target']})" for lab, r in zip(labels(rows), rows) if r["met"] is False]
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` (`bench/run.py`, mode **{results['mode']}**"
        + (f", only {', '.join(results['only'])}" if results["only"] else "")
        + f") on {results['date']}; the run took {results['elapsed_s'] / 60:.1f} min. "
        "Every ratio compares falconet with a reference measured in the same run on the same "
        "machine. What each id measures: [bench/README.md](../bench/README.md).",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        f"| CPU | {m['nproc']} × {m['cpu']} |",
        f"| memory | {m['memory_gib']} GiB |",
        f"| kernel | {m['kernel']} |",
        f"| falconet | {m['falconet']} (RelWithDebInfo, SQLite) |",
        f"| nginx | {m['nginx']} |",
        f"| wrk | {m['wrk']} |",
        f"| curl | {m['curl']} |",
        f"| Python | {m['python']} |",
        "",
        "## Results",
        "",
        table(rows),
        "",
        ("Targets missed: " + ", ".join(missed) + "." if missed else "Every measured target is met."),
        "",
    ]
    if has_plot:
        lines += ["![score of each figure against its target](benchmarks.svg)", ""]
    lines += ["## Method", "",
              METHOD.format(c=p["wrk_connections"], t=p["wrk_threads"], load=p["load_s"], warm=p["warmup_s"],
                            runs=p["runs"], sample=p["sample"], workers=m["nproc"], dl=p["dl_runs"],
                            hash=p["hash_runs"], conns=p["p7_conns"], starts=p["start_runs"],
                            nproc=m["nproc"]),
              "The raw figures of a run (every wrk run and download, first-pass rates, RSS before and "
              "at peak) go to `bench/results/latest.json`, which is not committed."]
    with open(os.path.join(out_dir, "benchmarks.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
