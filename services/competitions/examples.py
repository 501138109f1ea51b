"""Request examples for the OpenAPI document (invented demo values)."""

from __future__ import annotations

from typing import Any

from litestar.openapi.spec import Example
from litestar.params import Body


def body(summary: str, value: Any) -> Any:
    return Body(examples=[Example(summary=summary, value=value)])


COMPETITION = body(
    "A WorldSkills competition",
    {
        "code": "WSC2024",
        "name": "WorldSkills Competition 2024",
        "kind": "worldskills",
        "organiser": "worldskills-demo-org",
        "edition": 47,
        "host_city": "Lyon",
        "host_country": "FR",
        "starts_on": "2024-09-10",
        "ends_on": "2024-09-15",
        "rules": {"tie_threshold": 0, "excellence_threshold": 700, "medals": "derived"},
    },
)
SKILLS = body(
    "Two skills, one of them a team skill",
    {
        "skills": [
            {
                "number": "07",
                "name_en": "CNC Milling",
                "name_zh": "数控铣",
                "sector": "manufacturing_engineering_technology",
            },
            {
                "number": "04",
                "name_en": "Mechatronics",
                "sector": "manufacturing_engineering_technology",
                "team_size": 2,
            },
        ]
    },
)
RESULTS = body(
    "Revision 1 of skill 07 (demo competitors)",
    {
        "skills": [
            {
                "skill": "07",
                "revision": 1,
                "results": [
                    {
                        "member": "CN",
                        "competitors": [{"id": "demo-07-cn", "name": "Demo Competitor 07-CN"}],
                        "mark": 765.0,
                    },
                    {
                        "member": "KR",
                        "competitors": [{"id": "demo-07-kr", "name": "Demo Competitor 07-KR"}],
                        "mark": 741.5,
                        "medal": "SILVER",
                    },
                ],
            }
        ]
    },
)
MEMBERS = body(
    "Members and a province",
    {
        "members": [
            {"code": "CN", "name_en": "China", "name_zh": "中国"},
            {"code": "CN-GD", "name_en": "Guangdong", "name_zh": "广东", "kind": "province"},
        ]
    },
)
PUBLISHED_TALLY = body(
    "China at WorldSkills since 2010 (a published aggregate)",
    {
        "kind": "worldskills",
        "since": 2010,
        "until": 2024,
        "competitions": 7,
        "competitors": 283,
        "gold": 93,
        "silver": 41,
        "bronze": 28,
        "excellence": 71,
        "source": "Press briefing on the 47th WorldSkills Competition, 24 Sept 2024",
    },
)
POLICY = body(
    "National contest gold grants technician in the skill's linked occupation",
    {"rules": [{"medal": "GOLD", "level": "technician"}]},
)
