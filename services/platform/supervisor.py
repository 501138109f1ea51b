"""The parent of a multi-process server: HTTP workers accepting on one socket it bound, and one
process for consumers, outbox relays and start-up work. It restarts a child that dies, and on
SIGTERM, SIGINT or SIGHUP stops them all before the embedded servers stop.

Children run in sessions of their own, so a Ctrl-C at the terminal reaches only this process,
which asks each child once (SIGTERM) to stop; a second Ctrl-C kills what is left. If this
process is killed outright, each child is told by the kernel (parent-death signal) and stops.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module
from types import FrameType

from .logs import get_logger
from .ports import StartRefused
from .process import STOP_SIGNALS, log_serving
from .readiness import instance_of
from .runtime import Service
from .settings import Settings

log = get_logger(__name__)

STOP_GRACE = 30.0  # seconds children get to finish before they are killed
QUICK = 10.0  # a child that dies sooner than this after starting did not start
GIVE_UP = 5  # such deaths in a row before the supervisor stops everything
PACKAGE = __name__.split(".", 1)[0]  # services are importable as `<PACKAGE>.<name>`


@dataclass
class Child:
    name: str  # "http-1", "consumers": in its log lines and HTTP metrics
    role: str  # "http", "background" or "migrate"
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    failures: int = 0  # quick deaths in a row
    restart_at: float = 0.0


def runs_in_background(service: Service) -> bool:
    return bool(service.consumers or service.outbox or service.startup)


class Supervisor:
    def __init__(
        self,
        settings: Settings,
        services: Sequence[Service],
        listener: socket.socket,
        http_workers: int,
    ) -> None:
        for service in services:
            module = import_module(f"{PACKAGE}.{service.name}")
            if getattr(module, "SERVICE", None) is not service:
                raise StartRefused(
                    f"service {service.name!r} is not {PACKAGE}.{service.name}.SERVICE, so worker "
                    "processes cannot load it; set SKILLSREG_HTTP_WORKERS=0"
                )
        self.settings = settings
        self.services = services
        self.listener = listener
        self.children = [Child(f"http-{n}", "http") for n in range(1, http_workers + 1)]
        if any(runs_in_background(s) for s in services):
            self.children.insert(0, Child("consumers", "background"))
        self.signals = 0
        self.metrics_dir = ""

    def run(self) -> int:
        """Until a signal (0) or a child that cannot start (1)."""
        self.metrics_dir = tempfile.mkdtemp(prefix="skillsreg-metrics-")
        previous = {sig: signal.signal(sig, self._on_signal) for sig in STOP_SIGNALS}
        try:
            for child in self.children:
                self._start(child)
            log_serving(
                self.settings,
                self.services,
                processes=[c.name for c in self.children],
            )
            return self._watch()
        finally:
            self._stop_children()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            shutil.rmtree(self.metrics_dir, ignore_errors=True)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signals += 1

    def _command(self, child: Child) -> tuple[list[str], tuple[int, ...]]:
        names = ",".join(s.name for s in self.services)
        args = [sys.executable, "-m", f"{__package__}.worker", child.role, child.name, names]
        args += ["--parent", str(os.getpid())]
        if child.role == "http":
            fd = self.listener.fileno()
            return [*args, "--fd", str(fd)], (fd,)
        return args, ()

    def migrate(self) -> bool:
        """Streams and migrations, in a child that exits when done (Alembic and SQLAlchemy,
        ~25 MB, would stay in this long-lived process); False if it failed (it said why)."""
        args, _ = self._command(Child("migrate", "migrate"))
        env = os.environ | {
            "DATABASE_URL": str(self.settings.database_url),
            "NATS_URL": str(self.settings.nats_url),
        }
        return subprocess.run(args, env=env, check=False).returncode == 0

    def _start(self, child: Child) -> None:
        args, fds = self._command(child)
        env = os.environ | {
            "DATABASE_URL": str(self.settings.database_url),
            "NATS_URL": str(self.settings.nats_url),
            # Each process writes its metrics here; /metrics in any HTTP worker sums them.
            "PROMETHEUS_MULTIPROC_DIR": self.metrics_dir,
            # Children run in sessions of their own, so readiness cannot group them by
            # process group: they name the server's instance instead.
            "SKILLSREG_INSTANCE": instance_of(self.settings),
        }
        child.proc = subprocess.Popen(args, env=env, pass_fds=fds, start_new_session=True)
        child.started = time.monotonic()

    def _watch(self) -> int:
        while not self.signals:
            time.sleep(0.1)
            now = time.monotonic()
            for child in self.children:
                if child.proc is None:
                    if now >= child.restart_at:
                        self._start(child)
                    continue
                code = child.proc.poll()
                if code is None:
                    continue
                self._forget(child)
                lived = now - child.started
                child.failures = child.failures + 1 if lived < QUICK else 0
                if child.failures >= GIVE_UP:
                    log.error(
                        "process keeps failing at start; stopping",
                        process=child.name,
                        exit_code=code,
                    )
                    return 1
                delay = min(0.5 * 2**child.failures, 30.0)
                child.restart_at = now + delay
                log.warning("process exited; restarting it", process=child.name, exit_code=code)
        log.info("stopping")
        return 0

    def _forget(self, child: Child) -> None:
        """After a child's exit: its live gauges no longer count in /metrics."""
        from prometheus_client import multiprocess

        if child.proc is not None:
            multiprocess.mark_process_dead(child.proc.pid, self.metrics_dir)  # type: ignore[no-untyped-call]
        child.proc = None

    def _stop_children(self) -> None:
        running = [c for c in self.children if c.proc is not None and c.proc.poll() is None]
        for child in running:
            assert child.proc
            child.proc.send_signal(signal.SIGTERM)
        asked = self.signals
        deadline = time.monotonic() + STOP_GRACE
        while any(c.proc.poll() is None for c in running if c.proc):
            # A second Ctrl-C or SIGTERM, or the grace running out: kill what is left.
            if time.monotonic() > deadline or self.signals > asked:
                for child in running:
                    if child.proc and child.proc.poll() is None:
                        log.warning("killing a process that did not stop", process=child.name)
                        child.proc.kill()
                break
            time.sleep(0.05)
        for child in self.children:
            if child.proc is not None:
                child.proc.wait()
                self._forget(child)
