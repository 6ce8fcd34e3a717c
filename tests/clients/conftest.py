"""Fixtures for the real-device-client tests.

One `falconet serve` per test module (Server from tests/e2e/falconet_e2e.py, imported via
falconet_clients), with FALCONET_DDI_FLUSH_INTERVAL_MS=200 so poll times reach the
Management API quickly. Missing client tools fail the tests; nothing is skipped.
"""

import os
import secrets

import pytest

from falconet_clients import Api, Server, make_cert, require_tools

SERVER_ENV = {"FALCONET_DDI_FLUSH_INTERVAL_MS": "200"}


@pytest.fixture(scope="session")
def tools():
    require_tools()


@pytest.fixture(scope="session")
def cert(tmp_path_factory, tools):
    return make_cert(str(tmp_path_factory.mktemp("signer")))


@pytest.fixture
def workdir(tmp_path):
    return str(tmp_path)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("falconet-clients")
    srv = Server(base / "data", base / "server.log", password="pw-" + secrets.token_hex(8))
    saved = {k: os.environ.get(k) for k in SERVER_ENV}
    os.environ.update(SERVER_ENV)  # Server.start() passes os.environ to the child
    try:
        srv.start()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    yield srv
    rc = srv.stop(timeout=10)
    assert rc == 0, f"falconet did not exit 0 within 10 s of SIGTERM (rc={rc})\n" + srv.log_tail()


@pytest.fixture(scope="module")
def api(server):
    return Api(server)


@pytest.fixture(autouse=True)
def _server_still_running(request):
    yield
    if "server" in request.fixturenames or "api" in request.fixturenames:
        srv = request.getfixturevalue("server")
        assert srv.alive(), (f"falconet died during {request.node.nodeid} "
                             f"(exit codes {srv.returncodes()})\n" + srv.log_tail())
