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
"""

import os
import secrets
import sys

import pytest

import falconet_e2e
from falconet_e2e import Api, Server


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long-running test (1 GiB upload); runs by default")


def on_postgres():
    backend = os.environ.get("FALCONET_E2E_DB", "sqlite")
    if backend not in ("sqlite", "postgres"):
        raise pytest.UsageError(f"FALCONET_E2E_DB must be sqlite or postgres, not {backend!r}")
    return backend == "postgres"


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
                             f"(rc={srv.proc.returncode})\n" + srv.log_tail())


def pytest_terminal_summary(terminalreporter):
    """What the S3 signature-verifying proxy counted (s3.py), when the run used it."""
    for line in getattr(sys.modules.get("s3"), "summary", []):
        terminalreporter.write_line(line)
