"""The measures P1-P9 of bench/run.py.

Each measure is a function taking the run's `Bench` context and returning
(rows, raw): rows for the report table, raw figures for the JSON results.
Servers are built lazily by the context and shared between measures, so the
order in MEASURES matters (P3 adds pending actions to P1's fleet, P6 starts a
rollout over the fleet P2 and P7 poll).
"""

import json
import os
import shutil
import subprocess
import time

import harness as h
from harness import MIB

GIB = 1 << 30


def row(id_, measure, falconet, reference, ratio, target, op, limit, actual, note=""):
    """One table row. `actual` is compared with `limit` by `op` ('>=' or '<')."""
    met = None if actual is None else (actual >= limit if op == ">=" else actual < limit)
    return {"id": id_, "measure": measure, "falconet": falconet, "reference": reference,
            "ratio": ratio, "target": target, "op": op, "limit": limit, "actual": actual,
            "met": met, "note": note}


def not_measured(id_, measure, target, why):
    return {"id": id_, "measure": measure, "falconet": None, "reference": None, "ratio": None,
            "target": target, "op": None, "limit": None, "actual": None, "met": None,
            "note": "not measured: " + why}


def rps_text(results):
    """Median req/s and its text."""
    rps = h.median([r["rps"] for r in results])
    p99 = h.median([r.get("p99_ms", 0) for r in results])
    return rps, f"{rps:,.0f} req/s (p99 {p99:.1f} ms)"


def poll_entries(fleet, indices, suffix_of=None):
    out = []
    for i in indices:
        suffix = suffix_of(i) if suffix_of else ""
        out.append((fleet.ddi_path(i, suffix), "TargetToken " + h.target_token(i)))
    return out


def nginx_entries(entries):
    """The same requests (same headers, same path lengths give or take) aimed at the 1 KB file."""
    return [(f"/1k.bin?{p.rsplit('/controller/v1/', 1)[1]}", auth) for p, auth in entries]


def versus_nginx(b, name, fleet, entries):
    """Alternating wrk runs: falconet with `entries`, nginx serving 1 KB with the same client work."""
    nginx = b.nginx()
    f_list = os.path.join(b.tmp, f"{name}-falconet.txt")
    n_list = os.path.join(b.tmp, f"{name}-nginx.txt")
    h.write_request_list(f_list, entries)
    h.write_request_list(n_list, nginx_entries(entries))
    primed = b.prime(fleet, entries)
    runs = h.alternate(b.m["runs"], b.m["warmup_s"], [
        ("falconet", lambda s: b.wrk(fleet.base, f_list, s)),
        ("nginx", lambda s: b.wrk(nginx.base, n_list, s))])
    runs["prime"] = primed
    f_rps, f_text = rps_text(runs["falconet"])
    n_rps, n_text = rps_text(runs["nginx"])
    return f_rps, f_text, n_rps, n_text, runs


def p1(b):
    n = b.m["p1_targets"]
    fleet = b.fleet("p1", n)
    indices = h.sample_indices(n, b.m["sample"])
    r = fleet.ddi_get(indices[0])
    if r.status_code != 200 or "deploymentBase" in r.text:
        raise RuntimeError(f"poll check failed: {r.status_code} {r.text[:200]}")
    f_rps, f_text, n_rps, n_text, runs = versus_nginx(b, "p1", fleet, poll_entries(fleet, indices))
    ratio = f_rps / n_rps
    return [row("P1", f"DDI root poll, {n:,} targets, nothing pending ÷ nginx static 1 KB",
                f_text, n_text, ratio, "≥ 1.2", ">=", 1.2, ratio)], runs


def p3(b):
    n = b.m["p1_targets"]
    fleet = b.fleet("p1", n)
    k = min(n, b.m["p3_pending"])
    indices = h.sample_indices(n, k, seed=3)
    ds, _, _ = fleet.make_ds()
    actions = fleet.assign(ds["id"], indices)
    r = fleet.ddi_get(indices[0], f"/deploymentBase/{actions[indices[0]]}")
    if r.status_code != 200:
        raise RuntimeError(f"deploymentBase check failed: {r.status_code} {r.text[:200]}")
    entries = poll_entries(fleet, indices, lambda i: f"/deploymentBase/{actions[i]}")
    f_rps, f_text, n_rps, n_text, runs = versus_nginx(b, "p3", fleet, entries)
    ratio = f_rps / n_rps
    return [row("P3", f"deploymentBase of a pending action ({k:,} targets) ÷ nginx static 1 KB",
                f_text, n_text, ratio, "≥ 0.8", ">=", 0.8, ratio)], runs


def p2(b):
    small_n, big_n = b.m["p2_small"], b.m["big"]
    small = b.fleet("p2-small", small_n)
    big = b.fleet("big", big_n)
    lists, primed = {}, {}
    for name, fleet, n in (("small", small, small_n), ("big", big, big_n)):
        lists[name] = os.path.join(b.tmp, f"p2-{name}.txt")
        entries = poll_entries(fleet, h.sample_indices(n, b.m["sample"], seed=2))
        h.write_request_list(lists[name], entries)
        primed[name] = b.prime(fleet, entries)
    runs = h.alternate(b.m["runs"], b.m["warmup_s"], [
        ("small", lambda s: b.wrk(small.base, lists["small"], s)),
        ("big", lambda s: b.wrk(big.base, lists["big"], s))])
    b.big_polled = True
    runs["prime"] = primed
    big_rps, big_text = rps_text(runs["big"])
    small_rps, small_text = rps_text(runs["small"])
    ratio = big_rps / small_rps
    return [row("P2", f"root poll with {big_n:,} registered targets ÷ with {small_n:,}",
                big_text, small_text, ratio, "≥ 0.9", ">=", 0.9, ratio)], runs


def p4(b):
    size = b.m["p4_bytes"]
    path = os.path.join(b.www, "big.bin")
    h.make_random_file(path, size)
    try:
        fleet = b.fleet("p4", 1)
        ds, _, art = fleet.make_ds(path, "big.bin")
        aid = fleet.assign(ds["id"], [0])[0]
        dep = fleet.ddi_get(0, f"/deploymentBase/{aid}").json()
        url = dep["deployment"]["chunks"][0]["artifacts"][0]["_links"]["download-http"]["href"]
        auth = "Authorization: TargetToken " + h.target_token(0)
        nginx = b.nginx()
        speeds = {"falconet": [], "nginx": []}
        for _ in range(b.m["dl_runs"]):
            for name, u, hdr in (("falconet", url, [auth]), ("nginx", nginx.base + "/big.bin", [])):
                speed, got = h.curl_download(u, hdr)
                if got != size:
                    raise RuntimeError(f"{name} sent {got} of {size} bytes")
                speeds[name].append(speed)
    finally:
        os.unlink(path)
    f, n = h.median(speeds["falconet"]), h.median(speeds["nginx"])
    ratio = f / n
    return [row("P4", f"{size // MIB:,} MiB artifact download (DDI link) ÷ nginx sendfile, same file",
                f"{f / MIB:,.0f} MB/s", f"{n / MIB:,.0f} MB/s", ratio, "≥ 0.95", ">=", 0.95, ratio)], speeds


def p5(b):
    size = b.m["p5_bytes"]
    measure_rss = f"{size // MIB:,} MiB multipart upload: server RSS growth"
    measure_rate = f"{size // MIB:,} MiB multipart upload MB/s ÷ one pass MD5+SHA-1+SHA-256"
    need = max(6 * GIB, 3 * size) if b.mode == "full" else 3 * size + 256 * MIB
    free = shutil.disk_usage(b.tmp).free
    if free < need:
        why = f"disk ({free / GIB:.1f} GiB free, {need / GIB:.1f} GiB needed)"
        return [not_measured("P5", measure_rss, "< 16 MB", why),
                not_measured("P5", measure_rate, "≥ 0.75", why)], {"skipped": why}
    path = os.path.join(b.tmp, "upload.bin")
    h.make_random_file(path, size)
    server = None
    try:
        server = b.fresh("p5")
        sm = server.mgmt("POST", "/softwaremodules", json=[{"name": "up", "version": "1", "type": "os"}])[0]
        before = server.rss_kb()
        sampler = h.RssSampler(server.pid)
        sampler.start()
        try:
            art, secs = server.upload(sm["id"], path, "upload.bin")
        finally:
            peak = sampler.stop()
        passes = [h.hash_pass(path) for _ in range(b.m["hash_runs"])]
        if art.get("size") != size or art.get("hashes") != passes[0][1]:
            raise RuntimeError(f"artifact differs from the file: {art}")
        hash_secs = h.median([t for t, _ in passes])
    finally:
        if server:
            b.discard(server)
        os.unlink(path)
    growth_mb = (peak - before) / 1024
    up, ref = size / secs / MIB, size / hash_secs / MIB
    ratio = up / ref
    raw = {"rss_before_kb": before, "rss_peak_kb": peak, "upload_s": secs, "hash_s": hash_secs}
    return [row("P5", measure_rss, f"{growth_mb:.1f} MB (peak {peak / 1024:.1f} MB)", "—", None,
                "< 16 MB", "<", 16, growth_mb),
            row("P5", measure_rate, f"{up:,.0f} MB/s", f"{ref:,.0f} MB/s", ratio, "≥ 0.75", ">=", 0.75,
                ratio)], raw


def rollout_over_fleet(fleet, n):
    """Creates a rollout over every target (10 %/90 % groups) until `ready`, then starts
    it. Returns (total, create, start seconds, raw)."""
    ds, _, _ = fleet.make_ds()
    t0 = time.perf_counter()
    body = fleet.mgmt("POST", "/rollouts", json={
        "name": "bench-" + os.urandom(4).hex(), "distributionSetId": ds["id"],
        "targetFilterQuery": "controllerId==bench*",
        "groups": [{"name": "g1", "targetPercentage": 10}, {"name": "g2", "targetPercentage": 90}]},
        expect=(201,))
    while body["status"] != "ready":
        if time.perf_counter() - t0 > 600:
            raise RuntimeError(f"rollout not ready: {body['status']}")
        time.sleep(0.05)
        body = fleet.mgmt("GET", f"/rollouts/{body['id']}")
    t1 = time.perf_counter()
    started = fleet.mgmt("POST", f"/rollouts/{body['id']}/start")
    t2 = time.perf_counter()
    if body["totalTargets"] != n:
        raise RuntimeError(f"rollout covers {body['totalTargets']} of {n} targets")
    raw = {"create_s": t1 - t0, "start_s": t2 - t1, "status_after_start": started and started.get("status")}
    return t2 - t0, t1 - t0, t2 - t1, raw


def p6(b):
    n = b.m["big"]
    measure = f"create + start a rollout over {n:,} targets (10 %/90 % groups)"
    total, create, start, raw = rollout_over_fleet(b.fleet("big", n), n)
    rows = [row("P6", measure + ", SQLite", f"{total:.2f} s (create {create:.2f} s, start {start:.2f} s)",
                "—", None, "< 10 s", "<", 10, total)]
    pg_row, raw["postgresql"] = p6_postgresql(b, n, measure + ", PostgreSQL")
    return rows + [pg_row], raw


def p6_postgresql(b, n, measure):
    """P6 on a throwaway PostgreSQL (the e2e suite's, on this machine, fsync on); the
    fleet is registered through the Management API as on SQLite. A failure here is
    this row's, not the SQLite row's."""
    try:
        pg = h.postgres_module().Postgres()
    except (AssertionError, KeyError, OSError) as e:  # no server binaries / postgres user
        return not_measured("P6", measure, "< 20 s", f"no PostgreSQL server: {e}"), {}
    fleet = None
    try:
        pg.init(port=h.free_port()).start()
        fleet = h.Falconet(b.binary, b.tmp, "p6-pg", env={"FALCONET_DATABASE_URL": pg.create_database()})
        fleet.start()
        t0 = time.perf_counter()
        fleet.register(n)
        registered_s = time.perf_counter() - t0
        total, create, start, raw = rollout_over_fleet(fleet, n)
    except Exception as e:  # noqa: BLE001 - reported in the row, the run goes on
        return not_measured("P6", measure, "< 20 s", f"error: {e}"), {"error": str(e)}
    finally:
        try:
            if fleet:
                b.discard(fleet)
        finally:
            pg.cleanup()
    raw["register_s"] = registered_s
    text = (f"{total:.2f} s (create {create:.2f} s, start {start:.2f} s; "
            f"registering the fleet: {registered_s:.0f} s)")
    return row("P6", measure, text, "—", None, "< 20 s", "<", 20, total), raw


def p7(b):
    idle_srv = b.fresh("p7-idle")
    time.sleep(1)
    idle = idle_srv.rss_kb() / 1024
    b.discard(idle_srv)
    n = b.m["big"]
    fleet = b.fleet("big", n)
    if not b.big_polled:
        lst = os.path.join(b.tmp, "p7-polls.txt")
        entries = poll_entries(fleet, h.sample_indices(n, b.m["sample"], seed=7))
        h.write_request_list(lst, entries)
        b.prime(fleet, entries)
        b.wrk(fleet.base, lst, None)
        b.big_polled = True
    polled_parts = h.rss_parts_kb(fleet.pid)
    polled = polled_parts["VmRSS"] / 1024
    registered = fleet.rss_after_register["VmRSS"] / 1024
    conns = b.m["p7_conns"]
    t0 = time.perf_counter()
    socks = h.open_keepalive_connections(fleet.port, conns, n)
    try:
        opened_s = time.perf_counter() - t0
        time.sleep(0.5)
        with_conns = fleet.rss_kb() / 1024
        fds = len(os.listdir(f"/proc/{fleet.pid}/fd"))
    finally:
        for s in socks:
            s.close()
    raw = {"idle_mb": idle, "polled_mb": polled, "polled_parts_kb": polled_parts,
           "after_register_parts_kb": fleet.rss_after_register, "conns": conns, "conns_mb": with_conns,
           "server_fds": fds, "open_s": opened_s}
    return [row("P7", "server RSS idle (fresh start, empty database)", f"{idle:.1f} MB", "—", None,
                "< 20 MB", "<", 20, idle),
            row("P7", f"server RSS with {n:,} targets after polling", f"{polled:.1f} MB (heap {polled_parts['RssAnon'] / 1024:.1f}, files "
                f"{polled_parts['RssFile'] / 1024:.1f}, shared {polled_parts['RssShmem'] / 1024:.1f}; "
                f"{registered:.1f} MB after registering)", "—", None, "< 64 MB", "<", 64, polled),
            row("P7", f"server RSS with {conns:,} open keep-alive connections ({n:,} targets)",
                f"{with_conns:.1f} MB", "—", None, "< 128 MB", "<", 128, with_conns)], raw


def p8(b):
    srv = h.Falconet(b.binary, b.tmp, "p8")
    probe = h.poll_request(0, srv.port)
    first, first_status = h.time_to_first_answer(srv, probe)
    srv.wait_ready()
    srv.register(1)
    srv.stop()
    times = []
    for _ in range(b.m["start_runs"]):
        t, _ = h.time_to_first_answer(srv, probe, want_status=200)
        times.append(t)
        srv.stop()
    shutil.rmtree(srv.dir, ignore_errors=True)
    med = h.median(times) * 1000
    raw = {"first_start_ms": first * 1000, "first_status": first_status, "restarts_ms": [t * 1000 for t in times]}
    return [row("P8", "process start to first answered DDI poll (existing data dir, median)",
                f"{med:.1f} ms (first start on an empty dir: {first * 1000:.1f} ms)", "—", None,
                "< 100 ms", "<", 100, med)], raw


def p9(b):
    devices = b.m["p9_devices"]
    measure = f"simulated fleet, {devices:,} devices, pollingTime 00:00:30, {b.m['p9_seconds']} s"
    sim = os.environ.get("FALCONET_SIM_BIN", os.path.join(os.path.dirname(b.binary), "falconet-sim"))
    if not os.access(sim, os.X_OK):
        return [not_measured("P9", measure, "0 errors", "falconet-sim not built")], {}
    server = b.fresh("p9")
    try:
        server.set_config("pollingTime", "00:00:30")  # the lowest value the server accepts
        cmd = [sim, "--server", server.base, "--devices", str(devices), "--auth", "target-token",
               "--register", "api", "--mgmt-user", "admin", "--mgmt-password", h.PASSWORD,
               "--duration", str(b.m["p9_seconds"]), "--connections", str(b.m["p9_connections"]),
               "--report", "json"]
        out = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=h.raise_fd_limit,
                             timeout=b.m["p9_seconds"] + 900)
        if out.returncode != 0 and not out.stdout.strip().startswith("{"):
            raise RuntimeError(f"falconet-sim failed ({out.returncode}): {out.stderr[-500:]}")
        report = json.loads(out.stdout)
        report["exit_code"] = out.returncode
    finally:
        b.discard(server)
    errors = report["errors"]["total"]
    poll = report["requests"]["poll"]
    text = (f"{report['rate_total']:,.0f} req/s, poll p99 {poll['latency_ms']['p99']:.1f} ms, "
            f"{errors:,} errors ({report['requests_total']:,} requests, "
            f"registration {report['registration_s']:.1f} s)")
    return [row("P9", measure, text, "—", None, "0 errors", "<", 1, errors)], report


# Run order: P8 and P7's idle figure want a quiet process table; P3 changes P1's fleet;
# P6 starts a rollout over the fleet P2 and P7 poll.
MEASURES = [("P8", p8), ("P1", p1), ("P3", p3), ("P2", p2), ("P7", p7), ("P6", p6),
            ("P4", p4), ("P5", p5), ("P9", p9)]
