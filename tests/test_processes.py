"""`skillsreg serve` as a process tree: HTTP workers sharing one socket, a consumer process,
the embedded servers; SIGTERM and SIGINT stop all of it, and the next start reuses the data."""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec
import nats
import psutil
import pytest

from .instance import Instance, still_running
from .releases import demo_group_release

WAIT = {"Prefer": "wait=30"}


@pytest.fixture
def instance(server_dir: Path, request: pytest.FixtureRequest) -> Iterator[Instance]:
    running = Instance(server_dir, **getattr(request, "param", {}))
    try:
        yield running
    finally:
        running.kill()


def ministry_token(instance: Instance) -> dict[str, str]:
    created = instance.cli("tokens", "create", "--role", "ministry", "--org", "mohrss")
    return {"Authorization": f"Bearer {created.strip().splitlines()[-1]}"}


async def stream_messages(instance: Instance) -> int:
    nc = await nats.connect(f"nats://127.0.0.1:{instance.nats_port}")
    try:
        info = await nc.jetstream().stream_info("SKILLS_OCCUPATIONS")
        return int(info.state.messages)
    finally:
        await nc.close()


@pytest.mark.parametrize(
    ("instance", "sig"),
    [
        ({"SKILLSREG_HTTP_WORKERS": "2"}, signal.SIGTERM),
        ({"SKILLSREG_HTTP_WORKERS": "0"}, signal.SIGTERM),
        ({"SKILLSREG_HTTP_WORKERS": "0"}, signal.SIGHUP),
    ],
    indirect=["instance"],
    ids=["workers-sigterm", "one-process-sigterm", "one-process-sighup"],
)
def test_a_signal_stops_every_process_and_the_next_start_reuses_the_data(
    instance: Instance, sig: int
) -> None:
    instance.start()
    instance.wait_ready()
    headers = ministry_token(instance)
    body = msgspec.to_builtins(demo_group_release("before-restart"))
    applied = httpx.post(f"{instance.url}/releases", json=body, headers=headers | WAIT, timeout=40)
    assert applied.status_code == 201, applied.text
    messages = asyncio.run(stream_messages(instance))
    tree = instance.processes()
    names = {p.name() for p in tree}
    assert {"postgres", "nats-server"} <= names

    assert instance.stop(sig) == 0
    assert still_running(tree) == []
    for port in (instance.pg_port, instance.nats_port, instance.http_port):
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
    lines = instance.log_lines()  # JSON lines: stderr is not a terminal
    assert [line for line in lines if line["level"] in ("warning", "error")] == []
    assert lines[-1]["event"] == "embedded servers stopped"

    instance.start()
    instance.wait_ready()
    release = httpx.get(f"{instance.url}/releases/before-restart", timeout=10)
    assert release.json()["status"] == "applied"
    assert httpx.get(f"{instance.url}/occupations/8-99-01-00").status_code == 200
    assert asyncio.run(stream_messages(instance)) == messages  # the same store, not a new one
    again = httpx.post(f"{instance.url}/releases", json=body, headers=headers | WAIT, timeout=40)
    assert again.status_code == 200 and again.json()["status"] == "already applied"
    assert instance.stop(signal.SIGTERM) == 0


def served_by(metrics: str, path: str) -> dict[str, float]:
    """Requests per HTTP worker for `path`, from one answer of /metrics."""
    counts: dict[str, float] = {}
    pattern = re.compile(r"^litestar_requests_total\{(.*)\} (\S+)$")
    for line in metrics.splitlines():
        found = pattern.match(line)
        if found and f'path="{path}"' in found.group(1):
            worker = re.search(r'worker="([^"]+)"', found.group(1))
            assert worker, line
            counts[worker.group(1)] = counts.get(worker.group(1), 0) + float(found.group(2))
    return counts


async def burst(url: str, requests: int) -> None:
    limits = httpx.Limits(max_keepalive_connections=0)  # a new connection, accepted anew, each
    async with httpx.AsyncClient(limits=limits) as client:
        answers = await asyncio.gather(*(client.get(url) for _ in range(requests)))
    assert {a.status_code for a in answers} == {200}


@pytest.mark.parametrize("instance", [{"SKILLSREG_HTTP_WORKERS": "2"}], indirect=True)
def test_two_http_workers_share_the_load_and_the_metrics_and_a_dead_one_is_replaced(
    instance: Instance,
) -> None:
    instance.start()
    instance.wait_ready()
    workers = instance.workers()
    assert sorted(workers) == ["consumers", "http-1", "http-2"]

    sent = 0
    counts: dict[str, float] = {}
    path = "/health/live"
    while set(counts) != {"http-1", "http-2"} and sent < 2000:
        asyncio.run(burst(f"{instance.url}{path}", 50))
        sent += 50
        counts = served_by(httpx.get(f"{instance.url}/metrics").text, path)
    assert set(counts) == {"http-1", "http-2"}  # both answered ...
    assert sum(counts.values()) == sent  # ... and either one's /metrics counts all of them

    # Consumers run in their own process only: no HTTP worker subscribed to any.
    subscribed = [line for line in instance.log_lines() if line["event"] == "consumer subscribed"]
    assert {line["process"] for line in subscribed} == {"consumers"}
    ready = httpx.get(f"{instance.url}/health/ready").json()["consumers"]
    assert len(subscribed) == len({line["consumer"] for line in subscribed}) == len(ready)

    psutil.Process(workers["http-1"]).kill()
    deadline = time.monotonic() + 60
    while instance.workers().get("http-1") in (None, workers["http-1"]):
        assert time.monotonic() < deadline, instance.log()
        time.sleep(0.2)
    instance.wait_ready()
    asyncio.run(burst(f"{instance.url}{path}", 50))
    after = served_by(httpx.get(f"{instance.url}/metrics").text, path)
    assert sum(after.values()) == sent + 50  # the dead worker's counts are kept
    tree = instance.processes()
    assert instance.stop(signal.SIGINT) == 0  # Ctrl-C
    assert still_running(tree) == []
    assert instance.log_lines()[-1]["event"] == "embedded servers stopped"


@pytest.mark.parametrize("instance", [{"SKILLSREG_HTTP_WORKERS": "1"}], indirect=True)
def test_after_the_server_is_killed_outright_the_next_start_stops_what_it_left(
    instance: Instance,
) -> None:
    instance.start()
    instance.wait_ready()
    workers = [psutil.Process(pid) for pid in instance.workers().values()]
    servers = [p for p in instance.processes() if p.name() in ("postgres", "nats-server")]
    instance.stop(signal.SIGKILL)
    # Its workers are told by the kernel and stop; the embedded servers keep running, orphaned.
    deadline = time.monotonic() + 60
    while still_running(workers):
        assert time.monotonic() < deadline, still_running(workers)
        time.sleep(0.2)
    assert len(still_running(servers)) >= 2

    instance.start()  # finds its own servers on its ports, stops them and starts anew
    instance.wait_ready()
    assert still_running(servers) == []
    tree = instance.processes()
    assert instance.stop(signal.SIGTERM) == 0
    assert still_running(tree) == []
