"""The pages in a real browser (headless Chromium, JavaScript off): search, verification and
the medal-table switch are plain links and forms. Screenshots go to test-artifacts/."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.platform.settings import Settings

from .conftest import Client
from .test_competitions_reads import fixture_competition
from .test_ratings_helpers import World, candidate

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (`make browser` installs it as root)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "services"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
async def site(settings: Settings, tmp_path: Path) -> AsyncIterator[str]:
    """The whole app served by uvicorn on a loopback port, in its own process."""
    async for url in serve(settings, tmp_path, demo=False):
        yield url


@pytest.fixture
async def demo_site(settings: Settings, tmp_path: Path) -> AsyncIterator[str]:
    """The same, loading the demo data as `make run` does."""
    async for url in serve(settings, tmp_path, demo=True):
        yield url


async def serve(settings: Settings, tmp_path: Path, *, demo: bool) -> AsyncIterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLSREG_")} | {
        "DATABASE_URL": str(settings.database_url),
        "NATS_URL": str(settings.nats_url),
        "SKILLSREG_SUBJECT_ROOT": settings.subject_root,
        "SKILLSREG_PORT": str(port),
        "SKILLSREG_LOAD_BASELINE": "true" if demo else "false",
        "SKILLSREG_EXPORT_DIR": str(tmp_path / "exports"),
        "SKILLSREG_LOG_FORMAT": "console",
        "SKILLSREG_HTTP_WORKERS": "0",
        "SKILLSREG_EXPORT_INTERVAL": "0",
    }
    server = start_server(env)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                if server.poll() is not None:
                    raise RuntimeError(f"the server exited with {server.returncode}")
                try:
                    if (await http.get(f"{url}/health/live")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


async def test_search_verification_and_medal_switch_without_javascript(
    client: Client, site: str
) -> None:
    playwright_api = pytest.importorskip("playwright.async_api")
    world = await World(client).build()
    submitted = await world.submit("batch-browser-1", [candidate(1, name="张三丰")])
    number = submitted.json()["outcomes"][0]["certificate_number"]
    await fixture_competition(client)
    ARTIFACTS.mkdir(exist_ok=True)

    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = await browser.new_context(java_script_enabled=False, locale="zh-CN")
            page = await context.new_page()

            await page.goto(f"{site}/zh/")
            await page.fill("#q", "4-04-05")
            await page.click("#search-button")
            await page.wait_for_url("**/zh/occupations?q=4-04-05*")
            assert "计算机程序设计员" in await page.inner_text("#results")
            await page.screenshot(path=str(ARTIFACTS / "search-zh.png"), full_page=True)
            await page.click("#lang-switch")
            await page.wait_for_url("**/en/occupations?q=4-04-05*")
            assert "Occupations" in await page.inner_text("h1")

            await page.goto(f"{site}/en/verify")
            await page.fill("#number", number)
            await page.fill("#name", "张三丰")
            await page.click("#verify-button")
            await page.wait_for_selector("#verification")
            assert await page.inner_text("#holder") == "张*丰"
            await page.screenshot(path=str(ARTIFACTS / "verify-en.png"), full_page=True)

            await page.goto(f"{site}/en/competitions/WSCT2024")
            await page.wait_for_selector('#medal-table[data-rank-by="gold"]')
            await page.click('#rank-switch a[data-rank="total"]')
            await page.wait_for_selector('#medal-table[data-rank-by="total"]')
            first = "#medal-table tbody tr:first-child td.member"
            assert await page.get_attribute(first, "data-member") == "CN"
            assert "China" in await page.inner_text(first)
            await page.screenshot(path=str(ARTIFACTS / "medal-table-total.png"), full_page=True)

            await page.click('#medal-table a[href="/en/members/CN"]')
            await page.wait_for_selector("#medal-chart svg")
            await page.screenshot(path=str(ARTIFACTS / "member-cn.png"), full_page=True)
        finally:
            await browser.close()
