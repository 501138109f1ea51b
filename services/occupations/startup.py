"""Start-up work: publish the 2022 baseline once, then the demo releases, through the bus."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import msgspec

from schemas.occupations import ReleasePublished
from services.platform.logs import get_logger
from services.platform.runtime import Runtime

from . import store
from .baseline import BASELINE_RELEASE, read_baseline, release_event

log = get_logger(__name__)

# Applied in this order after the baseline; each file is a `ReleasePublished` in JSON.
DEMO_RELEASES = (
    "new-occupations-2024-proposal.json",
    "new-occupations-2024.json",
    "new-occupations-2025.json",
)
BASELINE_WAIT = 300.0  # seconds; the first import on a cold machine takes a while


async def load_baseline(runtime: Runtime) -> None:
    if not runtime.settings.load_baseline:
        return
    if await store.release_hash(runtime.pool, BASELINE_RELEASE) is not None:
        log.info("baseline already loaded", release=BASELINE_RELEASE)
        return
    release, report = read_baseline(runtime.settings.baseline_csv)
    published = await runtime.bus.publish(
        release_event(release, actor="system:baseline", source="/occupations/baseline")
    )
    log.info(
        "baseline published",
        release=BASELINE_RELEASE,
        duplicate=published.duplicate,
        rows=report.rows_read,
        loaded_by_level=report.loaded_by_level,
        duplicates_dropped=len(report.duplicates_dropped),
        refused=len(report.refused),
        official_occupations=report.official_occupations,
        occupation_gap=report.occupation_gap,
        report=f"/releases/{BASELINE_RELEASE}",
    )


def read_release(path: Path) -> ReleasePublished:
    return msgspec.json.decode(path.read_bytes(), type=ReleasePublished)


async def load_demo_releases(runtime: Runtime) -> None:
    """Demo batches build on the baseline and on each other (a final release supersedes its
    proposal; 2025 adds a work type under a 2024 occupation), so each waits for the one
    before it to apply, then the missing ones are published."""
    if not runtime.settings.load_baseline:
        return
    if not await applied(runtime, BASELINE_RELEASE):
        log.warning("baseline not applied; demo releases not loaded")
        return
    data_dir = runtime.settings.baseline_csv.parent
    for name in DEMO_RELEASES:
        release = read_release(data_dir / name)
        if await store.release_hash(runtime.pool, release.release_id) is None:
            await runtime.bus.publish(
                release_event(release, actor="system:demo", source="/occupations/demo")
            )
            log.info("demo release published", release=release.release_id, size=release.size)
        if not await applied(runtime, release.release_id):
            log.warning("demo release not applied; later ones not loaded", release=name)
            return


async def applied(runtime: Runtime, release_id: str) -> bool:
    """Wait until `release_id` has applied (or the wait runs out, or the process stops)."""
    deadline = time.monotonic() + BASELINE_WAIT
    while await store.release_hash(runtime.pool, release_id) is None:
        if time.monotonic() > deadline or runtime.stop.is_set():
            return False
        await asyncio.sleep(0.2)
    return True
