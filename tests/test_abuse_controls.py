"""Abuse controls: a revoked token stops working at once in every process; a per-client limit
counts the real client (X-Forwarded-For only from trusted proxies) and its 429 says when to
come back."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from services.platform.app import create_app
from services.platform.auth import create_token, revoke_token
from services.platform.embedded import free_port
from services.platform.runtime import Runtime
from services.registry import ALL

from .harness import Servers, delete_streams, settings_for, unique
from .test_api_fuzz import _until_ready, start_server, stop_server

NUMBER = "2026-000001-00000001-8"  # well-formed; no such certificate: 404 until limited


@pytest.fixture
async def two_processes(
    servers: Servers, database_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[list[str]]:
    """Two `python -m services` servers on one database and one NATS subject root; each is
    one process unless the test asks for HTTP workers (`indirect` parameter)."""
    workers = str(getattr(request, "param", 0))
    root = unique("t")
    urls, processes = [], []
    with tempfile.TemporaryDirectory(prefix="skillsreg-two-") as exports:
        try:
            for _ in range(2):
                port = free_port()
                env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLSREG_")}
                env |= {
                    "DATABASE_URL": database_url,
                    "NATS_URL": servers.nats_url,
                    "SKILLSREG_SUBJECT_ROOT": root,
                    "SKILLSREG_PORT": str(port),
                    "SKILLSREG_LOAD_BASELINE": "false",
                    "SKILLSREG_EXPORT_DIR": exports,
                    "SKILLSREG_LOG_LEVEL": "WARNING",
                    "SKILLSREG_HTTP_WORKERS": workers,
                }
                processes.append(start_server(env))
                urls.append(f"http://127.0.0.1:{port}")
            for url, process in zip(urls, processes, strict=True):
                await _until_ready(url, process)
            yield urls
        finally:
            for process in processes:
                stop_server(process)
            await delete_streams(servers.nats_url, root)


@pytest.mark.parametrize("two_processes", [2], indirect=True)
async def test_a_revoked_token_stops_working_at_once_in_every_process(
    two_processes: list[str], database_url: str
) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        # Each HTTP process (two servers of two workers) listens for revocations and caches.
        listening = """SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND query LIKE 'LISTEN %platform_token_revoked%'"""
        assert await conn.fetchval(listening) == 4
        token_id, token = await create_token(conn, "admin", "ops", "revocation test")
        admin = {"Authorization": f"Bearer {token}"}
        # A new connection per request, so the workers sharing a socket take turns.
        fresh = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(timeout=30, limits=fresh) as http:
            for _ in range(10):  # later look-ups are served from each process's cache
                for url in two_processes:
                    response = await http.get(f"{url}/dead-letters/occupations", headers=admin)
                    assert response.status_code == 200, response.text
            assert await revoke_token(conn, token_id)
            for _ in range(10):
                for url in two_processes:
                    response = await http.get(f"{url}/dead-letters/occupations", headers=admin)
                    assert response.status_code == 401, url
    finally:
        await conn.close()


async def test_forwarded_addresses_from_an_untrusted_peer_do_not_reset_the_limit(
    two_processes: list[str],
) -> None:
    """Through the real server: a new X-Forwarded-For per request is the same client."""
    async with httpx.AsyncClient(timeout=30) as http:
        statuses = []
        for n in range(121):
            spoofed = {"X-Forwarded-For": f"203.0.113.{n % 250}"}
            response = await http.get(f"{two_processes[0]}/certificates/{NUMBER}", headers=spoofed)
            statuses.append(response.status_code)
    assert statuses[:120] == [404] * 120
    assert statuses[120] == 429
    assert int(response.headers["retry-after"]) > 0
    assert response.headers["content-type"] == "application/problem+json"


async def verify_statuses(runtime: Runtime, hops: list[str]) -> list[int]:
    app = create_app(runtime, close_runtime=False)
    transport = httpx.ASGITransport(app=app)  # the peer is 127.0.0.1
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        return [
            (
                await http.get(f"/certificates/{NUMBER}", headers={"X-Forwarded-For": hop})
            ).status_code
            for hop in hops
        ]


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(
    servers: Servers, database_url: str
) -> None:
    settings = settings_for(database_url, servers.nats_url, trusted_proxies="127.0.0.0/8")
    runtime = await Runtime.open(settings, ALL)
    try:
        distinct = await verify_statuses(
            runtime, [f"198.51.100.{n}, 127.0.0.2" for n in range(130)]
        )
        assert set(distinct) == {404}  # 130 clients, one request each
        same = await verify_statuses(runtime, ["198.51.100.7"] * 121)
        assert same[:120] == [404] * 120 and same[120] == 429
    finally:
        await runtime.close()
        await delete_streams(servers.nats_url, settings.subject_root)
