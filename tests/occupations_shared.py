"""One app for a whole module of tests that only read, or whose writes are all refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from services.platform.app import create_app
from services.platform.runtime import Runtime
from services.registry import ALL

from .conftest import Client
from .harness import Servers, delete_streams, settings_for, unique


async def module_client(servers: Servers, catalogue_template: str) -> AsyncIterator[Client]:
    """Body of a module-scoped fixture: a fresh catalogue database and its own subject root."""
    name = unique("skillsreg_t_")
    url = await servers.create_database(name, template=catalogue_template)
    settings = settings_for(url, servers.nats_url)
    runtime = await Runtime.open(settings, ALL)
    runtime.start_background()
    transport = httpx.ASGITransport(app=create_app(runtime))
    try:
        async with Client(transport=transport, base_url="http://skillsreg.test") as client:
            client.runtime = runtime
            yield client
    finally:
        await runtime.close()
        await delete_streams(servers.nats_url, settings.subject_root)
        await servers.drop_database(name)
