"""A throwaway PostgreSQL server for tests: started in a temporary directory.

:class:`ThrowawayPostgres` runs ``initdb`` and ``pg_ctl start`` from the
machine's PostgreSQL binaries (Debian's ``postgresql`` package), listening only
on a Unix socket in the temporary directory and on a loopback port, with trust
authentication; :meth:`ThrowawayPostgres.stop` stops it and removes the data.
PostgreSQL refuses to run as root, so as root the cluster belongs to an
unprivileged user (``postgres`` when it exists, else ``nobody``).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

__all__ = [
    "PostgresNotAvailableError",
    "ThrowawayPostgres",
    "find_binaries",
]


class PostgresNotAvailableError(RuntimeError):
    """The PostgreSQL server binaries are not installed (``apt-get install postgresql``)."""


def find_binaries() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise PostgresNotAvailableError(
        "PostgreSQL's initdb was not found: install the server with "
        "'apt-get install -y postgresql'"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own, for the length of a test session."""

    def __init__(self) -> None:
        self.bin = find_binaries()
        self.root = Path(tempfile.mkdtemp(prefix="familiekoordinering-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = "postgres"
        self._as: list[str] = []
        if os.geteuid() == 0:
            owner = "postgres"
            try:
                pwd.getpwnam(owner)
            except KeyError:
                owner = "nobody"
            entry = pwd.getpwnam(owner)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            self._as = ["runuser", "-u", owner, "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        """Create and start the cluster; return its ``postgresql://`` URL."""
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user,
            "--auth=trust", "--encoding=UTF8", "--no-sync",
        )  # fmt: skip
        return self.start_again()

    def start_again(self) -> str:
        """Start the cluster again after it was stopped (its data kept); return its URL."""
        options = (
            f"-k {self.root} -p {self.port} -h 127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.root / "log"), "-w", "start",
        )  # fmt: skip
        return self.url()

    def url(self, database: str = "postgres") -> str:
        """The URL of ``database`` on this server (over the Unix socket)."""
        return f"postgresql://{self.user}@/{database}?host={self.root}&port={self.port}"

    def stop(self) -> None:
        """Stop the server and remove its files."""
        try:
            self._run(
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "immediate",
                "stop",
            )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
