"""Start-up work: load the WSC2024 demo (labelled as such) once, through the bus."""

from __future__ import annotations

from services.platform.logs import get_logger
from services.platform.runtime import Runtime

from . import demo, domain, handlers, store

log = get_logger(__name__)


async def load_demo(runtime: Runtime) -> None:
    """Only where the baseline loads too (`make run`), and only if WSC2024 has no results."""
    if not runtime.settings.load_baseline:
        return
    pool = runtime.pool
    existing = await store.get_competition(pool, demo.CODE)
    if existing is not None and await pool.fetchval(
        "SELECT true FROM competitions.skill WHERE competition = $1 AND revision IS NOT NULL",
        demo.CODE,
    ):
        log.info("demo competition already loaded", competition=demo.CODE)
        return
    await store.insert_competition(pool, demo.competition(), "system:demo")
    await store.upsert_members(pool, demo.MEMBERS, rename=False)
    await store.insert_skills(pool, demo.CODE, demo.skills())
    results = demo.results()
    published = await runtime.bus.publish(
        handlers.results_event(
            demo.CODE,
            results,
            actor="system:demo",
            event_id=domain.content_event_id(demo.CODE, results),
            source="/competitions/demo",
        )
    )
    log.info(
        "demo results published (invented, labelled demo)",
        competition=demo.CODE,
        skills=len(results),
        duplicate=published.duplicate,
    )
