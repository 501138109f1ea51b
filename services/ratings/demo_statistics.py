"""Demo certificates for the rating statistics: invented bodies in eight provinces and three
years of invented assessment batches, so the statistics show realistic shapes.

Everything is invented and says so: body names end in "(demo, invented)", candidates are
named 示例…, their IDs carry valid check digits but belong to no one, and the spread over
occupations, levels and pass rates is made up (lower levels common, higher ones rare). Loaded
by `make run` after the classification, once per batch id, through the normal assessment path.
"""

from __future__ import annotations

import random
from datetime import date

from schemas.envelope import Event
from schemas.ratings import ASSESSMENT_SUBMITTED, AssessedCandidate, AssessmentSubmitted, Level
from services.platform.logs import get_logger
from services.platform.national_ids import mod11_2, person_ref
from services.platform.runtime import Runtime

from . import store
from .demo import register_demo_body, wait_for_codes
from .domain import RANK, REVIEW_FROM

log = get_logger(__name__)

# 2022 classification codes (all present in data/csco22.csv).
OCCUPATIONS = (
    "6-31-01-03",  # 电工
    "6-18-02-04",  # 焊工
    "6-18-01-01",  # 车工
    "4-12-01-01",  # 汽车维修工
    "4-03-02-01",  # 中式烹调师
    "4-10-01-05",  # 养老护理员
    "4-01-06-01",  # 电子商务师
    "4-10-01-03",  # 保育师
    "4-10-03-02",  # 美发师
    "6-31-07-03",  # 工业机器人系统操作员
    "4-04-05-05",  # 人工智能训练师
    "6-29-03-03",  # 电梯安装维修工
)
# (body id, name, kind, province, how many occupations, candidates per year)
BODIES = (
    ("demo-stat-gd-school", "Guangdong Demo Technical School (demo, invented)", "social",
     "440000", 8, 420),
    ("demo-stat-gd-works", "Guangdong Demo Works (demo, invented)", "enterprise",
     "440000", 5, 260),
    ("demo-stat-js-college", "Jiangsu Demo Skills College (demo, invented)", "social",
     "320000", 7, 360),
    ("demo-stat-zj-centre", "Zhejiang Demo Assessment Centre (demo, invented)", "social",
     "330000", 6, 300),
    ("demo-stat-sd-group", "Shandong Demo Machinery Group (demo, invented)", "enterprise",
     "370000", 4, 180),
    ("demo-stat-sc-school", "Sichuan Demo Vocational School (demo, invented)", "social",
     "510000", 6, 220),
    ("demo-stat-hn-centre", "Henan Demo Training Centre (demo, invented)", "social",
     "410000", 5, 160),
    ("demo-stat-gs-school", "Gansu Demo Vocational School (demo, invented)", "social",
     "620000", 3, 45),
)  # fmt: skip
YEARS = (2023, 2024, 2025, 2026)
# Share of candidates per level: the lower levels are where most certificates are.
LEVEL_SHARES: tuple[tuple[Level, int], ...] = (
    ("junior", 34),
    ("intermediate", 30),
    ("senior", 22),
    ("technician", 10),
    ("senior_technician", 4),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def batch_id(body_id: str, year: int) -> str:
    return f"{body_id}-{year}-invented"


def candidate_id(rng: random.Random, province: str) -> str:
    born = date(1975, 1, 1).toordinal() + rng.randrange(365 * 27)
    digits = f"{province[:2]}0102{date.fromordinal(born):%Y%m%d}{rng.randrange(1000):03d}"
    return digits + mod11_2(digits)


def body_occupations(index: int) -> list[str]:
    """What the index-th body assesses: a run of the list, its first one its main trade."""
    width, offset = BODIES[index][4], (index * 3) % len(OCCUPATIONS)
    return [OCCUPATIONS[(offset + i) % len(OCCUPATIONS)] for i in range(width)]


def demo_batch(key: bytes, index: int, year: int) -> AssessmentSubmitted:
    """The index-th body's batch for a year (the same every time: seeded by body and year)."""
    body_id, _, kind, province, _, size = BODIES[index]
    rng = random.Random(f"{body_id}:{year}")
    codes = body_occupations(index)
    weights = [len(codes) - i for i in range(len(codes))]  # a body's first trades are its main
    levels = [lv for lv, _ in LEVEL_SHARES if kind == "enterprise" or lv != "senior_technician"]
    shares = [share for lv, share in LEVEL_SHARES if lv in levels]
    candidates = []
    for _ in range(size + rng.randrange(size // 5 + 1)):
        level = rng.choices(levels, shares)[0]
        national_id = candidate_id(rng, province)
        passes = rng.random() < 0.82
        theory = float(rng.randrange(62, 98) if passes else rng.randrange(35, 75))
        practical = float(rng.randrange(60, 96) if passes else rng.randrange(40, 59))
        review = float(rng.randrange(65, 92)) if RANK[level] >= REVIEW_FROM else None
        candidates.append(
            AssessedCandidate(
                person=person_ref(national_id, key),
                id_last4=national_id[-4:],
                name="示例" + rng.choice(SURNAMES) + rng.choice(GIVEN),
                occupation_code=rng.choices(codes, weights)[0],
                level=level,
                theory=theory,
                practical=practical,
                review=review,
            )
        )
    return AssessmentSubmitted(
        batch_id=batch_id(body_id, year),
        body_id=body_id,
        exam_date=date(year, 5 + index % 6, 10 + index),
        candidates=candidates,
    )


async def load_statistics_demo(runtime: Runtime) -> None:
    if not runtime.settings.load_baseline:
        return
    pool = runtime.pool
    if await store.batch_header(pool, batch_id(BODIES[-1][0], YEARS[-1])) is not None:
        log.info("demo statistics batches already loaded")
        return
    if not await wait_for_codes(runtime, list(OCCUPATIONS)):
        return
    async with pool.acquire() as conn, conn.transaction():
        for index, (body_id, name, kind, province, _, _) in enumerate(BODIES):
            since = dict.fromkeys(body_occupations(index), date(YEARS[0], 1, 1))
            await register_demo_body(conn, body_id, name, kind, province, since)
    key = runtime.settings.id_hash_key.encode()
    for year in YEARS:
        for index in range(len(BODIES)):
            data = demo_batch(key, index, year)
            if await store.batch_header(pool, data.batch_id) is not None:
                continue
            await runtime.bus.publish(
                Event(
                    id=f"assessment:{data.batch_id}",
                    source="/ratings/demo",
                    type=ASSESSMENT_SUBMITTED,
                    subject=data.batch_id,
                    actor="system:demo",
                    data=data,
                )
            )
    log.info("demo statistics batches published (invented)", bodies=len(BODIES), years=YEARS)
