"""Demo ratings for `make run`: two invented bodies and one invented assessment batch.

Everything here is invented and says so: body names end in "(demo, invented)", candidate
names start with 示例 ("example"), and the IDs are generated with valid check digits but
belong to no one. Loaded only where the 2022 baseline loads, once (the batch id is fixed).
"""

from __future__ import annotations

from datetime import date

from schemas.envelope import Event
from schemas.ratings import (
    ASSESSMENT_SUBMITTED,
    LEVELS,
    AssessedCandidate,
    AssessmentSubmitted,
    Authorisation,
)
from services.platform.db import Connection
from services.platform.logs import get_logger
from services.platform.national_ids import mod11_2, normalise_id, person_ref
from services.platform.outbox import Outbox
from services.platform.runtime import Runtime
from services.platform.submissions import wait_for

from . import store
from .handlers import SCHEMA
from .handlers.bodies import announce_authorisation, announce_body

log = get_logger(__name__)

SCHOOL = "demo-school-invented"
ENTERPRISE = "demo-enterprise-invented"
CODE = "4-04-05-01"  # 计算机程序设计员 in the 2022 classification
BATCH = "demo-batch-2026-06-invented"
NAMES = ["示例张三丰", "示例李四", "示例王五", "示例赵六", "示例孙七", "示例周八"]


def demo_id(n: int) -> str:
    digits = f"11010519950101{n:03d}"
    return digits + mod11_2(digits)


def submission(key: bytes) -> AssessmentSubmitted:
    levels = ["junior", "intermediate", "senior", "technician", "senior", "junior"]
    scores = [(88, 91), (72, 64), (55, 80), (81, 77), (90, 93), (66, 70)]
    candidates = []
    for n, (name, level, (theory, practical)) in enumerate(zip(NAMES, levels, scores, strict=True)):
        national_id = normalise_id(demo_id(n + 1))
        review = 75.0 if LEVELS.index(level) >= LEVELS.index("technician") else None
        candidates.append(
            AssessedCandidate(
                person=person_ref(national_id, key),
                id_last4=national_id[-4:],
                name=name,
                occupation_code=CODE,
                level=level,  # type: ignore[arg-type]
                theory=float(theory),
                practical=float(practical),
                review=review,
            )
        )
    return AssessmentSubmitted(
        batch_id=BATCH, body_id=SCHOOL, exam_date=date(2026, 6, 15), candidates=candidates
    )


async def register_demo_body(
    conn: Connection,
    body_id: str,
    name: str,
    kind: str,
    province: str,
    occupations: dict[str, date],
) -> None:
    """A demo body and its authorisations (occupation → valid from), with their events, once."""
    body = await store.insert_body(conn, body_id, name, kind, "system:demo", province)
    if body is None:
        return
    outbox = Outbox(SCHEMA)
    await announce_body(conn, outbox, body, "system:demo")
    allowed = list(LEVELS if kind == "enterprise" else LEVELS[:5])
    for code, valid_from in occupations.items():
        authorisation_id = await store.insert_authorisation(
            conn, body_id, code, allowed, valid_from, None, "system:demo"
        )
        granted = Authorisation(
            authorisation_id=authorisation_id,
            occupation_code=code,
            levels=allowed,
            valid_from=valid_from,
            valid_to=None,
        )
        await announce_authorisation(conn, outbox, body_id, granted, "system:demo")


async def wait_for_codes(runtime: Runtime, codes: list[str]) -> bool:
    """Wait until our copy of the classification (from the occupations service's events)
    holds `codes`; False if it did not within five minutes."""
    found = await wait_for(
        lambda: store.occupation_statuses(runtime.pool, codes),
        lambda s: len(s) == len(set(codes)),
        300,
    )
    if len(found) < len(set(codes)):
        log.warning("demo ratings skipped: occupation codes not received", codes=codes)
        return False
    return True


async def load_demo(runtime: Runtime) -> None:
    if not runtime.settings.load_baseline:
        return
    pool = runtime.pool
    if await store.batch_header(pool, BATCH) is not None:
        log.info("demo ratings already loaded", batch=BATCH)
        return
    if not await wait_for_codes(runtime, [CODE]):
        return
    async with pool.acquire() as conn, conn.transaction():
        for body_id, name, kind, province in (
            (SCHOOL, "Demo Vocational School (demo, invented)", "social", "110000"),
            (ENTERPRISE, "Demo Enterprise (demo, invented)", "enterprise", "440000"),
        ):
            await register_demo_body(conn, body_id, name, kind, province, {CODE: date(2026, 1, 1)})
    key = runtime.settings.id_hash_key.encode()
    data = submission(key)
    await runtime.bus.publish(
        Event(
            id=f"assessment:{BATCH}",
            source="/ratings/demo",
            type=ASSESSMENT_SUBMITTED,
            subject=BATCH,
            actor="system:demo",
            data=data,
        )
    )
    log.info("demo assessment batch published (invented)", batch=BATCH, body=SCHOOL)
