"""Start-up work: load the demo competitions (labelled as such) once, results through the bus."""

from __future__ import annotations

import contextlib

from schemas.competitions import CompetitionCreate, SkillCreate, SkillResults
from services.platform.db import Pool
from services.platform.logs import get_logger
from services.platform.runtime import Runtime

from . import demo, domain, handlers

log = get_logger(__name__)

DEMO = "system:demo"


async def load_demo(runtime: Runtime) -> None:
    """Only where the baseline loads too (`make run`); a competition with results is left
    alone, so restarts publish nothing again."""
    if not runtime.settings.load_baseline:
        return
    pool = runtime.pool
    await handlers.register_members(
        handlers.RegisterMembers(members=demo.members(), rename=False), pool=pool
    )
    await load(runtime, demo.competition(), demo.skills(), demo.results())
    honours = dict((code, (skills, results)) for code, skills, results in demo.honours())
    for edition in demo.earlier_editions():
        skills, results = honours.get(edition.code, ([], []))
        await load(runtime, edition, skills, results)
    await _create(pool, demo.next_edition())
    await handlers.publish_member_tally(
        handlers.PublishMemberTally(member="CN", tally=demo.CHINA_SINCE_2010, actor=DEMO),
        pool=pool,
    )


async def _create(pool: Pool, competition: CompetitionCreate) -> None:
    with contextlib.suppress(handlers.AlreadyExists):  # loaded by an earlier start
        await handlers.create_competition(
            handlers.CreateCompetition(competition=competition, actor=DEMO), pool=pool
        )


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
    await _create(pool, competition)
    if skills:
        with contextlib.suppress(handlers.AlreadyExists):  # all or none: one transaction
            await handlers.add_skills(
                handlers.AddSkills(competition=code, skills=skills), pool=pool
            )
    if not results:
        return
    published = await runtime.bus.publish(
        handlers.results_event(
            code,
            results,
            actor=DEMO,
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
