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
"""

import os
import secrets

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


@pytest.fixture(scope="session")
def server(tmp_path_factory, postgres):
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
