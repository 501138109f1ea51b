"""Start-up work: load the demo competitions (labelled as such) once, results through the bus."""

from __future__ import annotations

from schemas.competitions import CompetitionCreate, SkillCreate, SkillResults
from services.platform.logs import get_logger
from services.platform.runtime import Runtime

from . import demo, domain, handlers, store

log = get_logger(__name__)


async def load_demo(runtime: Runtime) -> None:
    """Only where the baseline loads too (`make run`); a competition with results is left
    alone, so restarts publish nothing again."""
    if not runtime.settings.load_baseline:
        return
    pool = runtime.pool
    await store.upsert_members(pool, demo.members(), rename=False)
    await load(runtime, demo.competition(), demo.skills(), demo.results())
    honours = dict((code, (skills, results)) for code, skills, results in demo.honours())
    for edition in demo.earlier_editions():
        skills, results = honours.get(edition.code, ([], []))
        await load(runtime, edition, skills, results)
    await store.insert_competition(pool, demo.next_edition(), "system:demo")
    await store.put_published_tally(pool, "CN", demo.CHINA_SINCE_2010, "system:demo")


async def load(
    runtime: Runtime,
    competition: CompetitionCreate,
    skills: list[SkillCreate],
    results: list[SkillResults],
) -> None:
    pool, code = runtime.pool, competition.code
    if await pool.fetchval(
        "SELECT true FROM competitions.skill WHERE competition = $1 AND revision IS NOT NULL",
        code,
    ):
        log.info("demo competition already loaded", competition=code)
        return
    await store.insert_competition(pool, competition, "system:demo")
    if skills:
        await store.insert_skills(pool, code, skills)
    if not results:
        return
    published = await runtime.bus.publish(
        handlers.results_event(
            code,
            results,
            actor="system:demo",
            event_id=domain.content_event_id(code, results),
            source="/competitions/demo",
        )
    )
    log.info(
        "demo results published (labelled in the competition's note)",
        competition=code,
        skills=len(results),
        duplicate=published.duplicate,
    )
