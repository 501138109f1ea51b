"""Schemathesis over every operation of the OpenAPI document, against a real server process:
no input answers 5xx, and every documented response matches its schema.

Each operation runs twice, without a token and with an admin token (which reaches every write),
with a bounded number of generated requests (`SKILLSREG_FUZZ_EXAMPLES`, 6 here; `make fuzz`
runs 500). The document is built the way the server builds it, so operations become separate
tests that pytest-xdist spreads; a test checks the served document has the same operations.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from services.platform.app import create_app
from services.platform.auth import create_token
from services.platform.embedded import free_port
from services.platform.settings import Settings
from services.registry import ALL

from .harness import Servers, delete_streams, unique

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = int(os.environ.get("SKILLSREG_FUZZ_EXAMPLES", "6"))


class _Described:
    """Enough of a Runtime to build the app and its OpenAPI document (nothing runs)."""

    services = ALL
    settings = Settings()


def openapi_document() -> dict[str, Any]:
    """As served: encoded to JSON (defaults and examples become plain values)."""
    document = create_app(_Described()).openapi_schema.to_schema()  # type: ignore[arg-type]
    decoded: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(document))
    return decoded


# The coverage phase (boundary values enumerated at collection) would cost most of the budget,
# so only the examples and the generated (fuzzing) phase run.
CONFIG = SchemathesisConfig.from_dict(
    {"phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}}}
)
schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)


@dataclass
class Api:
    url: str
    admin: dict[str, str]
    session: requests.Session


@pytest.fixture(scope="module")
async def api(servers: Servers, catalogue_template: str) -> AsyncIterator[Api]:
    """`python -m services` on a database of its own (with the 2022 classification)."""
    name, root = unique("skillsreg_fuzz_"), unique("t")
    database_url = await servers.create_database(name, template=catalogue_template)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="skillsreg-fuzz-") as exports:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLSREG_")} | {
            "DATABASE_URL": database_url,
            "NATS_URL": servers.nats_url,
            "SKILLSREG_SUBJECT_ROOT": root,
            "SKILLSREG_PORT": str(port),
            "SKILLSREG_LOAD_BASELINE": "false",
            "SKILLSREG_EXPORT_DIR": exports,
            "SKILLSREG_VERIFY_RATE_PER_MINUTE": "0",
            "SKILLSREG_LOG_LEVEL": "WARNING",
        }
        server = start_server(env)
        url = f"http://127.0.0.1:{port}"
        try:
            await _until_ready(url, server)
            conn = await asyncpg.connect(database_url)
            try:
                _, token = await create_token(conn, "admin", "fuzz", "schemathesis")
            finally:
                await conn.close()
            with requests.Session() as session:
                yield Api(url, {"Authorization": f"Bearer {token}"}, session)
        finally:
            stop_server(server)
            await delete_streams(servers.nats_url, root)
            await servers.drop_database(name)


def start_server(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "services"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(30)


async def _until_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            assert server.poll() is None, "the server exited"
            try:
                if (await client.get(f"{url}/health/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError("the server did not become ready")


def operations(document: dict[str, Any]) -> set[str]:
    return {f"{m.upper()} {p}" for p, item in document["paths"].items() for m in item}


def test_the_served_document_has_the_operations_fuzzed(api: Api) -> None:
    # (Component names may be spelled differently from one process to another.)
    served = api.session.get(f"{api.url}/schema/openapi.json", timeout=30).json()
    assert operations(served) == operations(openapi_document())
    assert len(operations(served)) >= 48


@pytest.mark.parametrize("as_admin", [False, True], ids=["anonymous", "admin"])
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("SKILLSREG_FUZZ_RANDOM") is None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
def test_no_operation_answers_5xx_or_off_its_schema(case: Any, api: Api, as_admin: bool) -> None:
    case.call_and_validate(
        base_url=api.url,
        session=api.session,
        headers=api.admin if as_admin else None,
        checks=[not_a_server_error, response_schema_conformance],
        timeout=60,
    )
