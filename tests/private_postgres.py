"""A PostgreSQL server of a test's own, which it may stop and start (never the shared one on 5432).

`initdb` into a fresh folder (trust authentication, fsync off), then the postmaster on 127.0.0.1 and a
free port, its socket in that folder. As root both run as the `postgres` OS user (initdb refuses
root). `stop(mode)` signals the postmaster by PID; `start()` brings it back on the same port and data.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support import free_port, unavailable

# pg_ctl's shutdown modes, as the postmaster's signals (postgres(1), "Shutting down the server").
SHUTDOWN_SIGNALS = {"smart": signal.SIGTERM, "fast": signal.SIGINT, "immediate": signal.SIGQUIT}
# fsync off is safe here: the process stops, never the machine, and the OS keeps what was written.
# synchronous_commit stays on: an immediate stop would lose commits still in WAL buffers, and
# "2xx only after a durable commit" is what the restart tests check.
SERVER_OPTIONS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "shared_buffers": "32MB",
    "max_connections": "100",
    "log_min_messages": "warning",
}
OS_USER = "postgres"


def server_binary(name: str) -> str:
    """`initdb` or `postgres`: on PATH, else the newest /usr/lib/postgresql/*/bin; else unavailable."""
    found = shutil.which(name)
    if found is None:
        versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: p.parts[-3])
        found = str(versions[-1]) if versions else None
    if found is None:
        unavailable(f"the PostgreSQL server binary {name} is not installed (apt-get install postgresql)")
    assert found is not None
    return found


class PrivatePostgres:
    """One server: `start()`, `stop(mode)`, `start()` again, `remove()` at the end."""

    def __init__(self) -> None:
        self.initdb, self.postgres = server_binary("initdb"), server_binary("postgres")
        self.as_user = self._os_user()
        self.folder = Path(tempfile.mkdtemp(prefix="obs-private-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        if self.as_user is not None:
            os.chown(self.folder, self.as_user.pw_uid, self.as_user.pw_gid)
        self._run(
            [self.initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]
        )

    @property
    def url(self) -> str:
        """SQLAlchemy URL of its `postgres` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def start(self, timeout: float = 30.0) -> None:
        """Start the postmaster on its port and data folder; return once it accepts connections."""
        assert not self.running(), "already running"
        options = [f"--{name}={value}" for name, value in SERVER_OPTIONS.items()]
        command = [
            self.postgres,
            "-D",
            str(self.data),
            "-p",
            str(self.port),
            "-k",
            str(self.folder),
            *options,
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **self._user())
        deadline = time.monotonic() + timeout
        while not self.accepts_connections():
            if self.process.poll() is not None:
                raise AssertionError(f"postgres exited: {self.log.read_text(errors='replace')[-2000:]}")
            if time.monotonic() > deadline:
                self.stop("immediate")
                raise AssertionError(f"postgres did not accept connections within {timeout}s")
            time.sleep(0.05)

    def stop(self, mode: str = "fast", timeout: float = 30.0) -> None:
        """Shut the server down as `pg_ctl stop -m mode` does, by signalling its postmaster's PID."""
        if not self.running():
            return
        assert self.process is not None
        self.process.send_signal(SHUTDOWN_SIGNALS[mode])
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()  # the postmaster's children exit when it is gone
            self.process.wait(timeout)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def accepts_connections(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(
                host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", connect_timeout=2
            ):
                return True
        except psycopg.OperationalError:
            return False

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.database_url(name)

    def remove(self) -> None:
        """Stop it and delete its folder."""
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def _os_user(self) -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam(OS_USER)
        except KeyError:
            unavailable(f"running as root, and there is no {OS_USER} OS user to run initdb as")
        raise AssertionError("unreachable")

    def _user(self) -> dict[str, Any]:
        if self.as_user is None:
            return {}
        return {
            "user": self.as_user.pw_uid,
            "group": self.as_user.pw_gid,
            "extra_groups": [],
            "cwd": self.folder,
            "env": {**os.environ, "HOME": self.as_user.pw_dir, "USER": OS_USER},
        }

    def _run(self, command: list[str]) -> None:
        result = subprocess.run(command, capture_output=True, timeout=120, **self._user())
        if result.returncode:
            output = (result.stdout + result.stderr).decode(errors="replace")[-2000:]
            raise AssertionError(f"{Path(command[0]).name} failed: {output}")


@contextmanager
def running_private_postgres() -> Iterator[PrivatePostgres]:
    """A new server, started; stopped and deleted afterwards (for module fixtures)."""
    server = PrivatePostgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()
