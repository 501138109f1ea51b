"""`skillsreg serve` as a real process tree, as `make run` starts it: its own data directory,
embedded Postgres and NATS on ports of its own, HTTP workers and a consumer process."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from services.platform.embedded import free_port

ROOT = Path(__file__).resolve().parents[1]
SKILLSREG = Path(sys.executable).parent / "skillsreg"
WORKER = "services.platform.worker"


class Instance:
    def __init__(self, root: Path, **env: str) -> None:
        self.root = root
        self.pg_port, self.nats_port, self.http_port = free_port(), free_port(), free_port()
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/skillsreg"

    @property
    def log_file(self) -> Path:
        return self.root / f"serve-{self.starts}.log"

    def environment(self) -> dict[str, str]:
        # Nothing of the caller's: no URLs (embedded servers), no runtime dir (platformdirs
        # warns without one, and a normal start must not show that).
        keep = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SKILLSREG_", "PROMETHEUS_"))
            and k not in ("DATABASE_URL", "NATS_URL", "XDG_RUNTIME_DIR")
        }
        return keep | {
            "SKILLSREG_DATA_DIR": str(self.data_dir),
            "SKILLSREG_EMBEDDED_PG_PORT": str(self.pg_port),
            "SKILLSREG_EMBEDDED_NATS_PORT": str(self.nats_port),
            "SKILLSREG_PORT": str(self.http_port),
            "SKILLSREG_LOAD_BASELINE": "false",
            "SKILLSREG_EXPORT_INTERVAL": "0",
            **self.env,
        }

    def start(self) -> subprocess.Popen[bytes]:
        self.starts += 1
        with open(self.log_file, "wb") as log:
            self.proc = subprocess.Popen(
                [str(SKILLSREG), "serve"],
                cwd=self.root,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self.proc

    def cli(self, *args: str) -> str:
        """A `skillsreg` command against this instance's servers; its output."""
        env = self.environment() | {
            "DATABASE_URL": self.database_url,
            "NATS_URL": f"nats://127.0.0.1:{self.nats_port}",
        }
        done = subprocess.run(
            [str(SKILLSREG), *args], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout + done.stderr

    def run(self, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Start and expect it to exit on its own (a refused start)."""
        return subprocess.run(
            [str(SKILLSREG), "serve"],
            cwd=self.root,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def wait_ready(self, timeout: float = 120) -> None:
        assert self.proc
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/health/ready", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"not ready within {timeout}s:\n{self.log()}")

    def processes(self) -> list[psutil.Process]:
        """The whole tree: this process, its workers and the embedded servers."""
        assert self.proc
        parent = psutil.Process(self.proc.pid)
        return [parent, *parent.children(recursive=True)]

    def workers(self) -> dict[str, int]:
        """The supervisor's children by name (`http-1`, `consumers`): their pids."""
        assert self.proc
        found: dict[str, int] = {}
        for child in psutil.Process(self.proc.pid).children():
            with contextlib.suppress(psutil.Error):
                args = child.cmdline()
                if WORKER in args:
                    found[args[args.index(WORKER) + 2]] = child.pid
        return found

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        assert self.proc
        self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        """After a test: nothing of it may outlive the test, orphans included."""
        mine = [self.proc.pid] if self.proc and self.proc.poll() is None else []
        for process in psutil.process_iter(["pid", "cmdline"]):
            if str(self.data_dir) in " ".join(process.info["cmdline"] or []):
                mine.append(process.info["pid"])
        tree: list[psutil.Process] = []
        for pid in mine:
            with contextlib.suppress(psutil.Error):
                tree += [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
        for process in tree:
            with contextlib.suppress(psutil.Error):
                process.kill()
        if self.proc and self.proc.poll() is None:
            self.proc.wait(10)

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def log_lines(self) -> list[dict[str, Any]]:
        """Every line as JSON (stderr is not a terminal, so the log is JSON lines)."""
        return [json.loads(line) for line in self.log().splitlines() if line.strip()]


def still_running(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those still running (a zombie has exited and only waits for its parent to reap it)."""
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive
