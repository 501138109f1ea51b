"""Processes of the ratings benchmark: the service processes, and what each one costs.

Memory is the peak over the run: RSS for the service processes, nats-server and the driver;
PSS summed over the postmaster and its backends for Postgres (shared buffers count once). CPU
is user + system time from /proc, so a figure per 1,000 candidates holds even when other
work shares the machine (wall-clock rates do not).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from services.platform.embedded import free_port

from .servers import BenchServers

ROOT = Path(__file__).resolve().parents[1]
LOG = Path(os.environ["BENCH_LOG"]) if os.environ.get("BENCH_LOG") else None
PROFILE = os.environ["BENCH_PROFILE"].split() if os.environ.get("BENCH_PROFILE") else []
TICK = os.sysconf("SC_CLK_TCK")


class Services:
    """N `python -m services.ratings` processes; each serves HTTP and runs the consumers."""

    def __init__(self, servers: BenchServers, count: int) -> None:
        self.ports = [free_port() for _ in range(count)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLSREG_")}
        self.env = env | {
            "DATABASE_URL": servers.database_url,
            "NATS_URL": servers.nats_url,
            "SKILLSREG_SUBJECT_ROOT": servers.root,
            "SKILLSREG_LOG_LEVEL": "WARNING",
            "SKILLSREG_LOAD_BASELINE": "false",
            "SKILLSREG_VERIFY_RATE_PER_MINUTE": "0",  # off: one client address sends it all
            "SKILLSREG_DB_POOL_MAX": "20",
            # One process, as these figures were measured (CPU and memory read from its pid).
            "SKILLSREG_HTTP_WORKERS": "0",
        }
        self.procs: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Services:
        for port in self.ports:
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, *PROFILE, "-m", "services.ratings"],
                    cwd=ROOT,
                    env=self.env | {"SKILLSREG_PORT": str(port)},
                    stdout=LOG.open("ab") if LOG else subprocess.DEVNULL,
                )
            )
        return self

    def __exit__(self, *_: object) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGINT)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def _status(pid: int, field: str) -> int:
    for name in ("status", "smaps_rollup"):
        try:
            text = Path(f"/proc/{pid}/{name}").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _listener(port: int) -> int | None:
    """The pid listening on a local TCP port (found through its socket inode)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(parts[9])
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(entry.name)
        except OSError:
            continue
    return None


class Memory:
    """Peak memory per process and CPU time per process group.

    RSS is sampled every second; Postgres's PSS every fifth second, since reading every
    backend's smaps costs CPU the services under test would otherwise have.
    """

    PG_EVERY = 5

    def __init__(self, services: Services, servers: BenchServers) -> None:
        self.services = services
        self.nats = _listener(int(servers.nats_url.rsplit(":", 1)[1]))
        self.pg = _listener(int(servers.database_url.rsplit(":", 1)[1].split("/")[0]))
        self.peak: dict[str, int] = {}
        self.samples = 0

    def sample(self) -> None:
        now = {
            f"service {i + 1} (RSS)": _status(p.pid, "VmRSS")
            for i, p in enumerate(self.services.procs)
        }
        now["bench driver (RSS)"] = _status(os.getpid(), "VmRSS")
        if self.nats:
            now["nats-server (RSS)"] = _status(self.nats, "VmRSS")
        if self.pg and self.samples % self.PG_EVERY == 0:
            now["postgres (PSS, all backends)"] = sum(
                _status(pid, "Pss") for pid in [self.pg, *_children(self.pg)]
            )
        for name, value in now.items():
            self.peak[name] = max(self.peak.get(name, 0), value)
        self.samples += 1

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far: services, nats-server, postgres (all backends), driver."""
        pg = [self.pg, *_children(self.pg)] if self.pg else []
        return {
            "services": sum(cpu_seconds(p.pid) for p in self.services.procs),
            "nats-server": cpu_seconds(self.nats) if self.nats else 0.0,
            "postgres": sum(cpu_seconds(pid) for pid in pg),
            "driver": cpu_seconds(os.getpid()),
        }

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.to_thread(self.sample)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: after[k] - before.get(k, 0.0) for k in after}
