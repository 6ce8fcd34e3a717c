"""A throwaway PostgreSQL for the end-to-end suite (FALCONET_E2E_DB=postgres).

`Postgres` runs initdb in a fresh temp dir (as the `postgres` OS user when the suite
runs as root: initdb refuses root), starts the server with pg_ctl on a free loopback
port (its Unix socket in the same temp dir), creates one database per Falconet server
(`create_database`) and removes everything in `cleanup`. Falconet connects over TCP
as the user `falconet` with a password, so the tests also see that the password never
reaches a log. The cluster uses the C locale: text sorts bytewise, as in SQLite.

The binaries come from FALCONET_PG_BINDIR, else the newest /usr/lib/postgresql/*/bin.
The benchmark harness (bench/measures.py, P6 on PostgreSQL) uses it as well.
"""

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile

USER = "falconet"


def _bindir():
    configured = os.environ.get("FALCONET_PG_BINDIR")
    if configured:
        return configured
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0)
    if not found:
        raise AssertionError("FALCONET_E2E_DB=postgres but no PostgreSQL server binaries were "
                             "found (install postgresql, or set FALCONET_PG_BINDIR)")
    return os.path.dirname(found[-1])


class Postgres:
    def __init__(self):
        self.bindir = _bindir()
        # initdb and postgres refuse to run as root: the dir goes to the postgres user.
        owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        self.run_as = ["runuser", "-u", "postgres", "--"] if owner else []
        self.password = "pg-" + secrets.token_hex(12)
        self.dir = tempfile.mkdtemp(prefix="falconet-pg-")
        if owner:
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        self.port = None
        self.databases = 0

    def _run(self, tool, *args, check=True):
        cmd = self.run_as + [os.path.join(self.bindir, tool), *args]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=120)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed ({r.returncode}):\n"
                                 + r.stdout.decode(errors="replace") + self.log_tail())
        return r

    def init(self, port=None):
        """initdb; the server will listen on port (default: a free one)."""
        pwfile = os.path.join(self.dir, "pwfile")
        with open(pwfile, "w") as f:
            f.write(self.password + "\n")
        if self.run_as:
            shutil.chown(pwfile, "postgres", "postgres")
        self._run("initdb", "-D", self.data, "-U", USER, f"--pwfile={pwfile}",
                  "--auth-local=trust", "--auth-host=scram-sha-256",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        os.unlink(pwfile)
        if port is None:
            from falconet_e2e import free_port  # imported here: the bench has no pytest
            port = free_port()
        self.port = port
        return self

    def start(self):
        opts = (f"-k {self.dir} -c listen_addresses=127.0.0.1 -p {self.port} -c fsync=on"
                " -c max_connections=300")
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", self.data, "-l", self.log, "-o", opts)
        return self

    def stop(self, mode="fast"):
        return self._run("pg_ctl", "stop", "-w", "-t", "60", "-D", self.data, "-m", mode,
                         check=False)

    def create_database(self):
        """A new empty database; returns Falconet's URL for it."""
        self.databases += 1
        name = f"falconet_{self.databases}"
        self._run("createdb", "-h", self.dir, "-p", str(self.port), "-U", USER, name)
        return f"postgres://{USER}:{self.password}@127.0.0.1:{self.port}/{name}"

    def log_tail(self, n=3000):
        try:
            with open(self.log, "rb") as f:
                return "\n--- postgres log (tail) ---\n" + f.read()[-n:].decode(errors="replace")
        except OSError:
            return ""

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
