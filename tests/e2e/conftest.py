"""Session fixtures for the Falconet end-to-end suite.

One `falconet serve` is started per test session (on a free port, in a temp
data dir) and shared by every test; tests therefore create uniquely named
entities and never rely on global state.  At the end the server gets SIGTERM
and must exit 0 within 10 s.

Run from the repository root:  /usr/bin/python3 -m pytest tests/e2e
FALCONET_BIN overrides the binary (default build/falconet).

FALCONET_E2E_DB=postgres runs the same suite on PostgreSQL: a throwaway server
(pg.py) is started for the session and every Falconet server gets a database of
its own on it.

FALCONET_E2E_BLOB=s3 keeps the artifacts in S3 instead: a throwaway s3rver (s3.py)
is started for the session and every Falconet server stores under a prefix of its
own in its bucket. test_s3.py always uses S3 (its own servers on the same s3rver).

FALCONET_E2E_CLUSTER=3 (implies PostgreSQL) makes every Server three falconet processes
on its one database behind haproxy (falconet_e2e.Server, Front): the tests talk to
haproxy, which sends consecutive requests to different processes. A test marked
`single_instance(reason)` runs its own servers as one process; the run lists those
tests and their reasons at the end.
"""

import os
import secrets
import sys

import pytest

import falconet_e2e
from falconet_e2e import Api, Server


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long-running test (1 GiB upload); runs by default")
    config.addinivalue_line("markers", "single_instance(reason): the test's own servers run "
                            "as one process in cluster mode (FALCONET_E2E_CLUSTER)")
    falconet_e2e.cluster_size = cluster_size()


def cluster_size():
    value = os.environ.get("FALCONET_E2E_CLUSTER", "1")
    if not value.isdigit() or not 1 <= int(value) <= 9:
        raise pytest.UsageError(f"FALCONET_E2E_CLUSTER must be a number from 1 to 9, not {value!r}")
    return int(value)


def on_postgres():
    backend = os.environ.get("FALCONET_E2E_DB", "postgres" if cluster_size() > 1 else "sqlite")
    if backend not in ("sqlite", "postgres"):
        raise pytest.UsageError(f"FALCONET_E2E_DB must be sqlite or postgres, not {backend!r}")
    if cluster_size() > 1 and backend != "postgres":
        raise pytest.UsageError("FALCONET_E2E_CLUSTER needs PostgreSQL (FALCONET_E2E_DB=postgres)")
    return backend == "postgres"


@pytest.fixture
def pg(postgres):
    """The session's PostgreSQL, for the tests that need one (skipped on SQLite runs)."""
    if postgres is None:
        pytest.skip("PostgreSQL only: run with FALCONET_E2E_DB=postgres")
    return postgres


@pytest.fixture(scope="session", autouse=True)
def postgres():
    """The session's PostgreSQL (None on SQLite); started before any server."""
    if not on_postgres():
        yield None
        return
    from pg import Postgres
    pg = Postgres().init().start()
    falconet_e2e.database_factory = pg.create_database
    try:
        yield pg
    finally:
        falconet_e2e.database_factory = None
        pg.cleanup()


def on_s3():
    backend = os.environ.get("FALCONET_E2E_BLOB", "fs")
    if backend not in ("fs", "s3"):
        raise pytest.UsageError(f"FALCONET_E2E_BLOB must be fs or s3, not {backend!r}")
    return backend == "s3"


@pytest.fixture(scope="session")
def s3rver():
    """The session's s3rver, started on first use (by test_s3.py or FALCONET_E2E_BLOB=s3)."""
    from s3 import S3rver
    srv = S3rver()
    try:
        yield srv.start()
    finally:
        srv.cleanup()


@pytest.fixture(scope="session", autouse=True)
def s3_blobs(request):
    """With FALCONET_E2E_BLOB=s3, every Server stores its artifacts in the s3rver."""
    if not on_s3():
        yield None
        return
    srv = request.getfixturevalue("s3rver")
    falconet_e2e.blob_factory = srv.new_prefix
    try:
        yield srv
    finally:
        falconet_e2e.blob_factory = None


@pytest.fixture(scope="session")
def server(tmp_path_factory, postgres, s3_blobs):
    # The data dir sits a few levels below the session's own temp dir so tests can
    # check that hostile artifact filenames never create files outside it.
    base = tmp_path_factory.mktemp("falconet-session")
    data_dir = base / "srv" / "a" / "b" / "data"
    srv = Server(data_dir, base / "server.log", password="pw-" + secrets.token_hex(8))
    srv.base_dir = str(base)
    srv.start()
    yield srv
    rc = srv.stop(timeout=10)
    assert rc == 0, f"falconet did not exit 0 within 10 s of SIGTERM (rc={rc})\n" + srv.log_tail()


@pytest.fixture(scope="session")
def api(server):
    return Api(server)


@pytest.fixture(autouse=True)
def _server_still_running(request):
    """After every test that used the shared server, make sure it did not crash."""
    yield
    if "server" in request.fixturenames or "api" in request.fixturenames:
        srv = request.getfixturevalue("server")
        assert srv.alive(), (f"falconet died during {request.node.nodeid} "
                             f"(exit codes {srv.returncodes()})\n" + srv.log_tail())


SINGLE_INSTANCE = []  # (nodeid, reason) of the single_instance tests run in cluster mode


@pytest.fixture(autouse=True)
def _single_instance(request, monkeypatch):
    """A test marked single_instance starts its servers as one process."""
    marker = request.node.get_closest_marker("single_instance")
    if marker is None or falconet_e2e.cluster_size == 1:
        yield
        return
    reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
    assert reason, f"{request.node.nodeid}: single_instance needs a reason"
    assert "server" not in request.fixturenames and "api" not in request.fixturenames, \
        "a single_instance test cannot use the session server (it is a cluster)"
    SINGLE_INSTANCE.append((request.node.nodeid, reason))
    monkeypatch.setattr(falconet_e2e, "cluster_size", 1)
    yield


def pytest_terminal_summary(terminalreporter):
    if falconet_e2e.cluster_size > 1:
        terminalreporter.section(f"cluster mode: {falconet_e2e.cluster_size} instances "
                                 "behind haproxy per server")
        terminalreporter.line(f"{len(SINGLE_INSTANCE)} test(s) ran their servers as one "
                              "process (single_instance):")
        for nodeid, reason in SINGLE_INSTANCE:
            terminalreporter.line(f"  {nodeid}: {reason}")
    # What the S3 signature-verifying proxy counted (s3.py), when the run used it.
    for line in getattr(sys.modules.get("s3"), "summary", []):
        terminalreporter.write_line(line)
