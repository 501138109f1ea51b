"""Start-up work: publish the 2022 baseline once, if the catalogue does not have it yet."""

from __future__ import annotations

from services.platform.logs import get_logger
from services.platform.runtime import Runtime

from . import store
from .baseline import BASELINE_RELEASE, read_baseline, release_event

log = get_logger(__name__)


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
        rows=report.rows,
        loaded_by_level=report.loaded_by_level,
        duplicates_dropped=report.duplicates_dropped,
        refused=report.refused,
        official_occupations=report.official_occupations,
        occupation_gap=report.occupation_gap,
    )
