"""Shared set-up for the ratings tests: invented occupation codes, bodies and candidates.

Every name and code here is invented test data (occupation names say so).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from schemas.envelope import Event, new_event_id
from schemas.occupations import CATALOGUE_CHANGED, CatalogueChanged, OccupationState
from schemas.ratings import LEVELS
from services.platform.national_ids import mod11_2

from .conftest import Client
from .harness import eventually

CODE = "4-99-01-01"  # invented, active
OTHER_CODE = "4-99-01-02"  # invented, active, not authorised for the school
RETIRED_CODE = "4-99-01-03"  # invented, retired
UNKNOWN_CODE = "4-99-01-99"  # never published
EXAM = "2026-06-15"
SOCIAL_LEVELS = ["apprentice", "junior", "intermediate", "senior", "technician"]


def national_id(n: int, born: str = "19900307") -> str:
    body = f"110105{born}{n % 1000:03d}"
    return body + mod11_2(body)


def candidate(n: int, level: str = "senior", **changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "national_id": national_id(n),
        "name": "测试张三丰",
        "occupation_code": CODE,
        "level": level,
        "theory": 80,
        "practical": 75,
    }
    if level in LEVELS and LEVELS.index(level) >= LEVELS.index("technician"):
        out["review"] = 70
    return out | changes


async def publish_codes(
    client: Client,
    changes: list[tuple[str, str]],
    revision: int,
    release: str = "test-codes",
    *,
    wait: bool = True,
) -> None:
    event = Event(
        id=new_event_id(),
        source="/tests",
        type=CATALOGUE_CHANGED,
        data=CatalogueChanged(
            release_id=f"{release}-{revision}",
            revision=revision,
            published_on=date(2026, 1, 1),
            changes=[
                OccupationState(code=code, level=4, name_zh="测试职业（虚构）", status=status)  # type: ignore[arg-type]
                for code, status in changes
            ],
        ),
    )
    await client.runtime.bus.publish(event)
    if not wait:
        return
    await eventually(
        lambda: client.runtime.pool.fetchval(
            "SELECT count(*) FROM ratings.occupation WHERE code = any($1) AND revision = $2",
            [c for c, _ in changes],
            revision,
        ),
        until=lambda n: n == len(changes),
    )


class World:
    """Two bodies (an enterprise and a school), their tokens, and the ministry's token."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.ministry: dict[str, str] = {}
        self.enterprise: dict[str, str] = {}
        self.school: dict[str, str] = {}

    async def build(self) -> World:
        c = self.client
        await publish_codes(
            c, [(CODE, "active"), (OTHER_CODE, "active"), (RETIRED_CODE, "active")], 10_000
        )
        self.ministry = await c.token("ministry", "mohrss-test")
        self.enterprise = await c.token("evaluation_body", "ent-demo")
        self.school = await c.token("evaluation_body", "school-demo")
        for body_id, kind in (("ent-demo", "enterprise"), ("school-demo", "social")):
            r = await c.post(
                "/evaluation-bodies",
                json={"body_id": body_id, "name": f"Demo {kind} (invented)", "kind": kind},
                headers=self.ministry,
            )
            assert r.status_code == 201, r.text
        grants = [
            ("ent-demo", CODE, list(LEVELS)),
            ("ent-demo", OTHER_CODE, list(LEVELS)),
            ("ent-demo", RETIRED_CODE, list(LEVELS)),
            ("school-demo", CODE, SOCIAL_LEVELS),
        ]
        for body_id, code, levels in grants:
            r = await c.post(
                f"/evaluation-bodies/{body_id}/authorisations",
                json={"occupation_code": code, "levels": levels, "valid_from": "2026-01-01"},
                headers=self.ministry,
            )
            assert r.status_code == 201, r.text
        await publish_codes(c, [(RETIRED_CODE, "retired")], 10_001)
        return self

    async def submit(
        self,
        batch_id: str,
        candidates: list[dict[str, Any]],
        *,
        body: str = "ent-demo",
        headers: dict[str, str] | None = None,
        wait: int = 15,
        exam_date: str = EXAM,
    ) -> Any:
        token = (
            headers
            if headers is not None
            else (self.enterprise if body == "ent-demo" else self.school)
        )
        return await self.client.post(
            "/assessment-batches",
            json={
                "batch_id": batch_id,
                "body_id": body,
                "exam_date": exam_date,
                "candidates": candidates,
            },
            headers=token | ({"Prefer": f"wait={wait}"} if wait else {}),
        )

    async def count(self, table: str) -> int:
        value: int = await self.client.runtime.pool.fetchval(
            f"SELECT count(*) FROM ratings.{table}"
        )
        return value
