"""Start-up refuses plainly when a port is taken, by another program or another instance, and
touches nothing; logs read well at a terminal and parse as JSON elsewhere."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import re
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.platform.embedded import EmbeddedNats, EmbeddedPostgres
from services.platform.ports import PortTaken
from services.platform.settings import Settings

from .instance import SKILLSREG, Instance

PORTS = {
    "postgres": ("pg_port", "SKILLSREG_EMBEDDED_PG_PORT", "the embedded PostgreSQL"),
    "nats": ("nats_port", "SKILLSREG_EMBEDDED_NATS_PORT", "the embedded NATS server"),
    "http": ("http_port", "SKILLSREG_PORT", "the HTTP server"),
}


def assert_refused(done: subprocess.CompletedProcess[str], port: int, which: str) -> str:
    _, setting, what = PORTS[which]
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr  # one plain sentence, nothing else
    assert lines[0].startswith(f"skillsreg: cannot start: port {port} for {what} is already in")
    assert f"set {setting} to a free port" in lines[0]
    return lines[0]


@pytest.mark.parametrize("which", list(PORTS))
def test_a_port_held_by_another_program_stops_start_up_before_anything(
    server_dir: Path, which: str
) -> None:
    instance = Instance(server_dir)
    with socket.socket() as foreign:
        foreign.bind(("127.0.0.1", 0))
        foreign.listen()
        port = foreign.getsockname()[1]
        setattr(instance, PORTS[which][0], port)
        done = instance.run()
    sentence = assert_refused(done, port, which)
    assert f"(pid {os.getpid()}" in sentence  # the holder: this test's own process
    assert not instance.data_dir.exists()  # nothing was created, let alone started


@pytest.fixture(scope="module")
def first() -> Iterator[Instance]:
    """A running instance, as a developer's first checkout serving with `make run`."""
    with tempfile.TemporaryDirectory(prefix="skillsreg-test-") as root:
        running = Instance(Path(root), SKILLSREG_HTTP_WORKERS="0")
        running.start()
        try:
            running.wait_ready()
            yield running
        finally:
            running.kill()


@pytest.mark.parametrize("which", list(PORTS))
def test_a_second_instance_on_a_port_of_the_first_stops_without_touching_it(
    first: Instance, server_dir: Path, which: str
) -> None:
    second = Instance(server_dir)
    attribute = PORTS[which][0]
    port = getattr(first, attribute)
    setattr(second, attribute, port)
    sentence = assert_refused(second.run(), port, which)
    assert str(first.root) in sentence  # names the first instance by its directory
    assert not second.data_dir.exists()
    assert httpx.get(f"{first.url}/health/ready").status_code == 200


def test_a_second_instance_on_the_same_data_directory_stops(first: Instance) -> None:
    second = Instance(first.root)  # the same checkout, every port different
    done = second.run()
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"the data directory {first.data_dir / 'postgres'} is in use" in done.stderr
    assert f"(pid {first.proc.pid if first.proc else 0})" in done.stderr
    assert httpx.get(f"{first.url}/health/ready").status_code == 200


def test_an_embedded_server_is_started_only_if_ours_answers(
    first: Instance, server_dir: Path
) -> None:
    """Without the start-up check: a server whose port another one holds never counts as up."""
    pg = EmbeddedPostgres(server_dir / "pg", fsync=False, port=first.pg_port)
    with pytest.raises(PortTaken, match=str(first.data_dir / "postgres" / "pgdata")):
        pg.start()
    broker = EmbeddedNats(server_dir / "nats", port=first.nats_port)
    with pytest.raises(PortTaken, match=str(first.data_dir / "nats" / "nats.conf")):
        broker.start()
    assert pg.proc is None and broker.proc is None
    assert httpx.get(f"{first.url}/health/ready").status_code == 200


LOG_ONE_LINE = (
    "from services.platform.logs import configure_logging, get_logger;"
    "configure_logging(); get_logger('skillsreg').info('serving', url='http://x')"
)


def test_logs_are_json_in_a_pipe_and_readable_lines_at_a_terminal() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLSREG_")}
    piped = subprocess.run(
        [sys.executable, "-c", LOG_ONE_LINE], env=env, capture_output=True, text=True
    )
    assert json.loads(piped.stderr)["event"] == "serving"

    controller, terminal = pty.openpty()
    try:
        subprocess.run([sys.executable, "-c", LOG_ONE_LINE], env=env, stderr=terminal, check=True)
        shown = os.read(controller, 65536).decode()
    finally:
        os.close(controller)
        os.close(terminal)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown)  # colours at a terminal
    assert "[info     ] serving" in plain and "url=http://x" in plain

    forced = subprocess.run(
        [sys.executable, "-c", LOG_ONE_LINE],
        env=env | {"SKILLSREG_LOG_FORMAT": "json"},
        capture_output=True,
        text=True,
    )
    assert json.loads(forced.stderr)["url"] == "http://x"


async def test_a_command_that_uses_the_bus_closes_it_without_a_warning(
    settings: Settings, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLSREG_")} | {
        "DATABASE_URL": str(settings.database_url),
        "NATS_URL": str(settings.nats_url),
        "SKILLSREG_SUBJECT_ROOT": settings.subject_root,
        "SKILLSREG_EXPORT_DIR": str(tmp_path / "exports"),
    }
    env.pop("XDG_RUNTIME_DIR", None)
    done = await asyncio.to_thread(
        subprocess.run,
        [str(SKILLSREG), "export"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "written to" in done.stdout
    assert "warning" not in (done.stdout + done.stderr).lower()
