"""Faults with real servers: a worker killed mid-batch, Postgres or NATS going away, bad start."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from nats.js.errors import NotFoundError

from services.platform.app import create_app
from services.platform.bus import Bus
from services.platform.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from services.platform.migrate import upgrade_async
from services.platform.runtime import Runtime
from services.registry import ALL

from .harness import Servers, delete_streams, eventually, settings_for, unique
from .releases import demo_group_release, occupation, release, release_event

ROOT = Path(__file__).resolve().parents[1]


def service_env(database_url: str, nats_url: str, root: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLSREG_")}
    return env | {
        "DATABASE_URL": database_url,
        "NATS_URL": nats_url,
        "SKILLSREG_SUBJECT_ROOT": root,
        "SKILLSREG_PORT": str(free_port()),
        "SKILLSREG_LOAD_BASELINE": "false",
        "SKILLSREG_CONSUMER_BATCH": "8",
        "SKILLSREG_CONSUMER_ACK_WAIT": "3",
        "SKILLSREG_HTTP_WORKERS": "0",  # one process, so SIGKILL stops its consumer mid-batch
        **extra,
    }


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "services.occupations"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def test_worker_killed_mid_batch_applies_every_event_exactly_once(
    servers: Servers, database_url: str
) -> None:
    root = unique("t")
    bus = await Bus.connect(servers.nats_url, root=root)
    await bus.ensure_streams(["occupations"])
    import asyncpg

    db = await asyncpg.connect(database_url)
    groups = await db.fetch(
        "SELECT code FROM occupations.occupation WHERE level = 3 ORDER BY code LIMIT 120"
    )
    codes = [g["code"][:-2] + "97" for g in groups]
    assert not await db.fetchval(
        "SELECT count(*) FROM occupations.occupation WHERE code = any($1::text[])", codes
    )
    for n, code in enumerate(codes):
        await bus.publish(release_event(release(f"kill-{n:03d}", occupation(code))))

    env = service_env(database_url, servers.nats_url, root)
    applied = "SELECT count(*) FROM occupations.release WHERE release_id LIKE 'kill-%'"
    worker = start_worker(env)
    try:
        done = await eventually(lambda: db.fetchval(applied), until=lambda n: n >= 16, timeout=90)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        assert done < len(codes), "the worker finished before it could be killed"
        worker = start_worker(env)
        await eventually(lambda: db.fetchval(applied), until=lambda n: n == len(codes), timeout=90)
        changes = await db.fetchval(
            "SELECT count(*) FROM occupations.occupation_change WHERE release_id LIKE 'kill-%'"
        )
        inbox = await db.fetchval(
            "SELECT count(*) FROM occupations.inbox WHERE event_id LIKE 'test-kill-%'"
        )
        assert (changes, inbox) == (len(codes), len(codes))
        # Derived events went out once each, whatever the relay was doing when killed.
        pending = "SELECT count(*) FROM occupations.outbox WHERE published_at IS NULL"
        await eventually(lambda: db.fetchval(pending), until=lambda n: n == 0, timeout=90)
        info = await bus.js.stream_info(bus.stream_name("occupations"))
        assert info.state.messages == 2 * len(codes)  # releases + one catalogue.changed each
    finally:
        worker.kill()
        worker.wait(10)
        await db.close()
        await bus.close()
        await delete_streams(servers.nats_url, root)


@pytest.fixture
async def own_postgres(server_dir: Path) -> AsyncIterator[EmbeddedPostgres]:
    """A Postgres of this test's own, so stopping it disturbs no other test."""
    pg = EmbeddedPostgres(server_dir / "pg", fsync=False)
    await asyncio.to_thread(pg.start)
    await upgrade_async(pg.url)
    yield pg
    pg.stop()


async def test_postgres_outage_acks_nothing_and_applies_after_return(
    servers: Servers, own_postgres: EmbeddedPostgres
) -> None:
    settings = settings_for(own_postgres.url, servers.nats_url)
    runtime = await Runtime.open(settings, ALL)
    app = create_app(runtime)
    runtime.start_background()
    transport = httpx.ASGITransport(app=app)
    client = httpx.AsyncClient(transport=transport, base_url="http://skillsreg.test")
    bus = runtime.bus
    applied = "SELECT count(*) FROM occupations.release"
    try:
        await bus.publish(release_event(demo_group_release()))
        await eventually(lambda: runtime.pool.fetchval(applied), until=lambda n: n == 1)

        await asyncio.to_thread(own_postgres.stop)
        for n in range(5):
            await bus.publish(
                release_event(release(f"outage-{n}", occupation(f"8-99-01-0{n + 1}")))
            )
        ready = await eventually(
            lambda: client.get("/health/ready"), until=lambda r: r.status_code == 503, timeout=90
        )
        assert ready.json()["checks"]["postgres"] is False
        read = await client.get("/occupations/4-04-05-01")  # 503 with Retry-After, never 500
        assert read.status_code == 503 and read.headers["retry-after"] == "5"
        await asyncio.sleep(1.5)  # several fetch/fail cycles while Postgres is away
        info = await bus.js.consumer_info(bus.stream_name("occupations"), "occupations-catalogue")
        assert info.ack_floor.stream_seq == 1  # only the group release was ever acknowledged

        await asyncio.to_thread(own_postgres.start)
        await eventually(lambda: runtime.pool.fetchval(applied), until=lambda n: n == 6, timeout=90)
        await eventually(lambda: client.get("/health/ready"), until=lambda r: r.status_code == 200)
        codes = await runtime.pool.fetchval(
            "SELECT count(*) FROM occupations.occupation WHERE code LIKE '8-99-01-0%' AND level = 4"
        )
        assert codes == 5
    finally:
        await client.aclose()
        await runtime.close()
        await delete_streams(servers.nats_url, settings.subject_root)


async def test_nats_outage_fails_readiness_and_recovers(
    server_dir: Path, database_url: str
) -> None:
    nats_server = EmbeddedNats(server_dir / "nats", port=free_port())
    await asyncio.to_thread(nats_server.start)
    settings = settings_for(database_url, nats_server.url)
    runtime = await Runtime.open(settings, ALL)
    app = create_app(runtime)
    runtime.start_background()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    applied = "SELECT count(*) FROM occupations.release WHERE release_id = 'after-nats'"
    try:
        # Ready once every consumer's first heartbeat is in.
        await eventually(lambda: client.get("/health/ready"), until=lambda r: r.status_code == 200)
        await asyncio.to_thread(nats_server.stop)
        ready = await eventually(
            lambda: client.get("/health/ready"), until=lambda r: r.status_code == 503, timeout=90
        )
        assert ready.json()["checks"]["nats"] is False
        assert (await client.get("/health/live")).status_code == 200
        assert (await client.get("/occupations/4-04-05-01")).status_code == 200  # reads go on

        await asyncio.to_thread(nats_server.start)
        await eventually(
            lambda: client.get("/health/ready"), until=lambda r: r.status_code == 200, timeout=30
        )
        event = release_event(release("after-nats", occupation("4-04-05-98")))
        await eventually(lambda: _publish(runtime.bus, event), timeout=90)
        await eventually(lambda: runtime.pool.fetchval(applied), until=lambda n: n == 1, timeout=90)
    finally:
        await client.aclose()
        await runtime.close()
        nats_server.stop()


async def _publish(bus: Bus, event: object) -> bool:
    try:
        await bus.publish(event)  # type: ignore[arg-type]
    except (NotFoundError, TimeoutError, Exception):
        return False
    return True


@pytest.mark.parametrize("down", ["postgres", "nats"])
def test_start_with_a_server_down_exits_with_a_clear_message(servers: Servers, down: str) -> None:
    closed = f"127.0.0.1:{free_port()}"
    database_url = f"postgresql://postgres@{closed}/x" if down == "postgres" else servers.admin_url
    nats_url = f"nats://{closed}" if down == "nats" else servers.nats_url
    env = service_env(database_url, nats_url, unique("t"))
    done = subprocess.run(
        [sys.executable, "-m", "services.occupations"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
    )
    stderr = done.stderr.decode()
    assert done.returncode == 1
    expected = "cannot reach PostgreSQL" if down == "postgres" else "cannot reach NATS"
    assert f"skillsreg: cannot start: {expected}" in stderr
    assert "Traceback" not in stderr


def test_start_against_an_old_nats_server_is_refused_plainly(
    servers: Servers, server_dir: Path
) -> None:
    old = Path("/usr/sbin/nats-server")
    if not old.exists():
        pytest.skip("no nats-server older than 2.10 on this machine")
    version = subprocess.run([old, "--version"], capture_output=True, text=True).stdout
    if "v2.9" not in version:
        pytest.skip(f"the system nats-server is {version.strip()}, not older than 2.10")
    port = free_port()
    server = subprocess.Popen(
        [old, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(server_dir)]
    )
    try:
        env = service_env(servers.admin_url, f"nats://127.0.0.1:{port}", unique("t"))
        done = subprocess.run(
            [sys.executable, "-m", "services.occupations"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=60,
        )
    finally:
        server.terminate()
        server.wait(10)
    assert done.returncode == 1
    assert "needs nats-server 2.10 or newer" in done.stderr.decode()


async def test_consumer_that_cannot_subscribe_at_start_binds_when_nats_returns(
    server_dir: Path, database_url: str
) -> None:
    nats_server = EmbeddedNats(server_dir / "nats", port=free_port())
    await asyncio.to_thread(nats_server.start)
    settings = settings_for(database_url, nats_server.url)
    runtime = await Runtime.open(settings, ALL)
    applied = "SELECT count(*) FROM occupations.release WHERE release_id = 'late-bind'"
    try:
        await asyncio.to_thread(nats_server.stop)
        runtime.start_background()  # consumers start while NATS is away
        await eventually(
            lambda: runtime.ready(), until=lambda checks: not checks["consumers"], timeout=90
        )
        await asyncio.to_thread(nats_server.start)
        await eventually(lambda: runtime.ready(), until=lambda c: all(c.values()), timeout=90)
        event = release_event(release("late-bind", occupation("4-04-05-97")))
        await eventually(lambda: _publish(runtime.bus, event), timeout=90)
        await eventually(lambda: runtime.pool.fetchval(applied), until=lambda n: n == 1, timeout=90)
    finally:
        await runtime.close()
        nats_server.stop()
