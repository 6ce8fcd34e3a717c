"""Parallel clients: creates, uploads and reads from several threads at once all succeed."""

import os
import threading

from falconet_e2e import Api, expect_json, hashes_of, uid


def test_parallel_creates_and_uploads(api, server):
    prefix = f"par-{uid()}-"
    sm = api.create_sm("os")
    errors = []
    results = {}

    def worker(n):
        try:
            client = Api(server)  # own connection pool per thread
            ids = [f"{prefix}{n:02d}-{i:02d}" for i in range(10)]
            for cid in ids:
                client.create_target(cid)
            data = os.urandom(200_000 + n)
            art = client.upload(sm["id"], f"par-{n}.bin", data)
            assert art["hashes"] == hashes_of(data)
            r = client.get(f"/softwaremodules/{sm['id']}/artifacts/{art['id']}/download")
            assert r.status_code == 200 and r.content == data
            for cid in ids:
                assert expect_json(client.get(f"/targets/{cid}"), 200)["controllerId"] == cid
            results[n] = art["id"]
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"worker {n}: {e!r}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, "\n".join(errors)
    assert len(results) == 8
    mine = [t for t in api.list_all("/targets") if t["controllerId"].startswith(prefix)]
    assert len(mine) == 80
    arts = expect_json(api.get(f"/softwaremodules/{sm['id']}/artifacts"), 200)
    assert sorted(a["id"] for a in arts) == sorted(results.values())
