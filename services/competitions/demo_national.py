"""Demo national contest for `make run`: invented, and labelled so in its name and note.

A national vocational skills contest with a team from each of the 31 mainland provinces
(member codes `CN-XX`, GB/T 2260 provinces in `schemas.regions`), twelve skills — ten linked
to occupations of the 2022 classification, two set up for 2024 new occupations — and a
rating policy granting certificates to its medallists, so a medallist can be followed from the
contest page to the certificate, its verification and the rating statistics. The contest, its
dates, skills' names, every mark, competitor and ID are invented; IDs carry valid check
digits and belong to no one. Loaded once, through the bus, after our copy of the
classification holds the skills' occupations.
"""

from __future__ import annotations

import asyncio
import random
from datetime import date

from schemas.competitions import (
    CompetitionCreate,
    CompetitionRules,
    CompetitorSubmitted,
    MemberCreate,
    PolicyRule,
    ResultLineSubmitted,
    SkillCreate,
    SkillResultsSubmitted,
)
from schemas.regions import PROVINCES
from services.platform.logs import get_logger
from services.platform.national_ids import mod11_2
from services.platform.runtime import Runtime
from services.platform.submissions import wait_for

from . import domain, handlers, store

log = get_logger(__name__)

CODE = "DEMO-NVSC2025"
ORGANISER = "demo-nvsc-organiser"
NOTE = (
    "DEMO DATA. An invented national vocational skills contest: its name, dates, skills, every "
    "mark, competitor and ID are made up and describe no real event or person. Province teams "
    "use the real GB/T 2260 provinces; skills 11 and 12 are set up for 2024 new occupations; "
    "the rating policy (gold: technician, silver and bronze: senior) is invented too."
)
# (number, English, Chinese, sector, 2022 occupation code, or the name of a 2024 one)
SKILLS = (
    ("01", "Electrical Installation (demo)", "电工（演示）", "construction_building_technology",
     "6-31-01-03"),
    ("02", "Welding (demo)", "焊接（演示）", "manufacturing_engineering_technology", "6-18-02-04"),
    ("03", "Turning (demo)", "车工（演示）", "manufacturing_engineering_technology", "6-18-01-01"),
    ("04", "Milling (demo)", "铣工（演示）", "manufacturing_engineering_technology", "6-18-01-02"),
    ("05", "Automobile Maintenance (demo)", "汽车维修（演示）", "transportation_logistics",
     "4-12-01-01"),
    ("06", "Chinese Cuisine (demo)", "中式烹调（演示）", "social_personal_services", "4-03-02-01"),
    ("07", "Elderly Care (demo)", "养老护理（演示）", "social_personal_services", "4-10-01-05"),
    ("08", "E-commerce (demo)", "电子商务（演示）", "information_communication_technology",
     "4-01-06-01"),
    ("09", "Industrial Robot Operation (demo)", "工业机器人系统操作（演示）",
     "manufacturing_engineering_technology", "6-31-07-03"),
    ("10", "Elevator Installation and Maintenance (demo)", "电梯安装维修（演示）",
     "construction_building_technology", "6-29-03-03"),
    ("11", "Industrial Internet O&M (demo, 2024 new occupation)",
     "工业互联网运维（演示，2024新职业）", "information_communication_technology",
     "工业互联网运维员"),
    ("12", "Intelligent Manufacturing System O&M (demo, 2024 new occupation)",
     "智能制造系统运维（演示，2024新职业）", "manufacturing_engineering_technology",
     "智能制造系统运维员"),
)  # fmt: skip
POLICY = [
    PolicyRule(medal="GOLD", level="technician"),
    PolicyRule(medal="SILVER", level="senior"),
    PolicyRule(medal="BRONZE", level="senior"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
WAIT = 300.0


def competition() -> CompetitionCreate:
    return CompetitionCreate(
        code=CODE,
        name="National Vocational Skills Contest 2025 (demo, invented) "
        "全国职业技能大赛（演示，虚构）",
        kind="national",
        organiser=ORGANISER,
        starts_on=date(2025, 11, 10),
        ends_on=date(2025, 11, 14),
        rules=CompetitionRules(tie_threshold=0, excellence_threshold=85, medals="derived"),
        note=NOTE,
    )


def members() -> list[MemberCreate]:
    return [
        MemberCreate(code=p.iso, name_en=p.name_en, name_zh=p.name_zh, kind="province")
        for p in PROVINCES
    ]


def skills(codes: dict[str, str]) -> list[SkillCreate]:
    """`codes`: the 2024 new occupations' codes by name, from our copy of the classification."""
    return [
        SkillCreate(
            number=number,
            name_en=name_en,
            name_zh=name_zh,
            sector=sector,  # type: ignore[arg-type]
            occupation_code=codes.get(link, link),
        )
        for number, name_en, name_zh, sector, link in SKILLS
    ]


def national_id(rng: random.Random, province: str) -> str:
    born = date(1996, 1, 1).toordinal() + rng.randrange(365 * 8)
    digits = f"{province[:2]}0102{date.fromordinal(born):%Y%m%d}{rng.randrange(1000):03d}"
    return digits + mod11_2(digits)


def results() -> list[SkillResultsSubmitted]:
    """Every team enters every skill; marks out of 100, all different within a skill. IDs are
    invented (valid check characters, no one's) and hashed before they travel."""
    out = []
    for number, *_ in SKILLS:
        rng = random.Random(f"{CODE}:{number}")
        marks = rng.sample(range(6000, 9800), len(PROVINCES))
        lines = []
        for province, mark in zip(PROVINCES, marks, strict=True):
            person = CompetitorSubmitted(
                id=f"demo-nvsc2025-{number}-{province.iso.lower()}",
                name="示例" + rng.choice(SURNAMES) + rng.choice(GIVEN),
                national_id=national_id(rng, province.code),
            )
            lines.append(
                ResultLineSubmitted(member=province.iso, competitors=[person], mark=mark / 100)
            )
        out.append(SkillResultsSubmitted(skill=number, revision=1, results=lines))
    return out


async def load_national_demo(runtime: Runtime) -> None:
    """Only where the baseline loads (`make run`), and only while the contest has no results."""
    if not runtime.settings.load_baseline:
        return
    pool = runtime.pool
    if await pool.fetchval(
        "SELECT true FROM competitions.skill WHERE competition = $1 AND revision IS NOT NULL", CODE
    ):
        log.info("demo national contest already loaded", competition=CODE)
        return
    wanted = [link for *_, link in SKILLS]

    async def known() -> dict[str, str]:
        """Each wanted code or 2024 occupation name → its code, where our copy holds it."""
        rows = await pool.fetch(
            """SELECT code, name_zh FROM competitions.occupation
            WHERE (code = any($1::text[]) OR name_zh = any($1::text[])) AND status = 'active'""",
            wanted,
        )
        return {r["code"]: r["code"] for r in rows} | {r["name_zh"]: r["code"] for r in rows}

    codes = await wait_for(known, lambda found: set(wanted) <= set(found), WAIT)
    if not set(wanted) <= set(codes):
        log.warning("demo national contest skipped: occupations not received")
        return
    # The ratings service learns the same codes from the same event; give it a moment.
    await asyncio.sleep(2.0)
    await store.insert_competition(pool, competition(), "system:demo")
    await store.upsert_members(pool, members(), rename=False)
    await store.insert_skills(pool, CODE, skills(codes))
    if await store.get_policy(pool, CODE) is None:
        rules = [{"medal": r.medal, "level": r.level} for r in POLICY]
        await store.set_policy(pool, CODE, rules, "system:demo")
    key = runtime.settings.id_hash_key.encode()
    data, problems = domain.identified(results(), key, date.today())
    assert not problems, problems  # the generator makes valid IDs
    await runtime.bus.publish(
        handlers.results_event(
            CODE,
            data,
            actor="system:demo",
            event_id=domain.content_event_id(CODE, data),
            source="/competitions/demo",
        )
    )
    log.info("demo national contest published (invented)", competition=CODE, skills=len(data))
