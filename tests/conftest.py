"""Fixtures: real servers per test session, a fresh database and subject root per test."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from services.occupations.baseline import read_baseline, release_event
from services.platform.app import create_app
from services.platform.auth import create_token
from services.platform.migrate import upgrade_async
from services.platform.runtime import Runtime
from services.platform.settings import Settings
from services.registry import ALL

from .harness import Servers, delete_streams, eventually, settings_for, unique


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    # Not under pytest's tmp_path: concurrent pytest runs prune each other's numbered
    # temp dirs, which would pull the data directory from under a running server.
    with tempfile.TemporaryDirectory(prefix="skillsreg-test-") as root:
        running = Servers(Path(root)).start()
        yield running
        running.stop()


@pytest.fixture
def server_dir() -> Iterator[Path]:
    """A directory for a test's own server (see `servers` for why not `tmp_path`)."""
    with tempfile.TemporaryDirectory(prefix="skillsreg-test-") as root:
        yield Path(root)


@pytest.fixture(scope="session")
async def migrated_template(servers: Servers) -> AsyncIterator[str]:
    """A database with every migration applied, cloned for each test."""
    name = unique("skillsreg_tpl_")
    url = await servers.create_database(name)
    await upgrade_async(url)
    yield name
    await servers.drop_database(name)


@pytest.fixture(scope="session")
async def catalogue_template(servers: Servers, migrated_template: str) -> AsyncIterator[str]:
    """A database holding the 2022 baseline, applied through the real bus and consumer."""
    name = unique("skillsreg_cat_")
    url = await servers.create_database(name, template=migrated_template)
    settings = settings_for(url, servers.nats_url)
    runtime = await Runtime.open(settings, ALL)
    release, _ = read_baseline(settings.baseline_csv)
    runtime.start_background()
    await runtime.bus.publish(release_event(release, actor="system:test", source="/tests"))
    await eventually(
        lambda: runtime.pool.fetchval("SELECT count(*) FROM occupations.release"),
        until=lambda n: n == 1,
    )
    await runtime.close()
    await delete_streams(servers.nats_url, settings.subject_root)
    yield name
    await servers.drop_database(name)


async def _database(servers: Servers, template: str) -> AsyncIterator[str]:
    name = unique("skillsreg_t_")
    url = await servers.create_database(name, template=template)
    yield url
    await servers.drop_database(name)


@pytest.fixture
async def empty_database_url(servers: Servers, migrated_template: str) -> AsyncIterator[str]:
    async for url in _database(servers, migrated_template):
        yield url


@pytest.fixture
async def database_url(servers: Servers, catalogue_template: str) -> AsyncIterator[str]:
    """A fresh database that already holds the 2022 classification."""
    async for url in _database(servers, catalogue_template):
        yield url


@pytest.fixture
async def settings(servers: Servers, database_url: str) -> AsyncIterator[Settings]:
    configured = settings_for(database_url, servers.nats_url)
    yield configured
    await delete_streams(servers.nats_url, configured.subject_root)


class Client(httpx.AsyncClient):
    runtime: Runtime

    async def token(self, role: str, organisation: str) -> dict[str, str]:
        _, token = await create_token(self.runtime.pool, role, organisation, "test")
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    """The whole API in-process, with consumers and relays running."""
    runtime = await Runtime.open(settings, ALL)
    app = create_app(runtime)
    runtime.start_background()  # what the lifespan does under uvicorn
    transport = httpx.ASGITransport(app=app)
    try:
        async with Client(transport=transport, base_url="http://skillsreg.test") as test_client:
            test_client.runtime = runtime
            yield test_client
    finally:
        await runtime.close()
