"""The ports a start-up needs: checked before anything is touched, and who holds a taken one.

A second instance (another checkout's `make run`) or any other program may already listen on
a port we want. We stop with one sentence naming the port, its holder if we can see it, and the
setting to change, rather than talk to someone else's server.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass

import psutil


class StartRefused(RuntimeError):
    """Start-up cannot go on; the message is one plain sentence for the operator."""


@dataclass(frozen=True)
class Port:
    number: int
    what: str  # "the HTTP server", "the embedded PostgreSQL", ...
    setting: str  # the environment variable that moves it


class PortTaken(StartRefused):
    def __init__(self, port: Port, holder: str | None) -> None:
        by = f" by {holder}" if holder else " by another program"
        super().__init__(
            f"port {port.number} for {port.what} is already in use{by}; "
            f"stop it or set {port.setting} to a free port"
        )
        self.port = port
        self.holder = holder


def holder_of(port: int) -> str | None:
    """`postgres (pid 123, data /x/pgdata)`: the process listening on `port`, if visible."""
    try:
        listening = [
            c.pid
            for c in psutil.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port
        ]
    except (psutil.Error, OSError):
        return None
    pid = next((p for p in listening if p), None)
    if pid is None:
        return None
    try:
        process = psutil.Process(pid)
        name, args = process.name(), process.cmdline()
        where = _where(name, args, process)
    except (psutil.Error, OSError):
        return f"process {pid}"
    return f"{name} (pid {pid}{', ' + where if where else ''})"


# Where a server we may have started keeps its data: what tells two instances apart.
SERVER_FLAGS = {"postgres": ("-D", "data"), "nats-server": ("-c", "config")}


def _where(name: str, args: list[str], process: psutil.Process) -> str:
    flag, label = SERVER_FLAGS.get(name, ("", ""))
    if flag and flag in args[:-1]:
        return f"{label} {args[args.index(flag) + 1]}"
    if name.startswith("python") or "skillsreg" in " ".join(args):
        return f"in {process.cwd()}"
    return ""


def bind_listener(host: str, port: Port) -> socket.socket:
    """The listening HTTP socket, bound once; every HTTP worker process accepts on it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port.number))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortTaken(port, holder_of(port.number)) from exc
        raise StartRefused(
            f"cannot listen on {host}:{port.number} for {port.what} ({exc.strerror}); "
            f"set {port.setting} or SKILLSREG_HOST"
        ) from exc
    return sock


def ensure_free(port: Port, host: str = "127.0.0.1") -> None:
    """Raise PortTaken if something listens on `port` (what a server we start would need)."""
    bind_listener(host, port).close()
