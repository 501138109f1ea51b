"""Demo data for `make run`: a WSC2024 Lyon skeleton with invented per-skill results.

Facts (public press figures): the 47th WorldSkills Competition, Lyon, 10–15 Sept 2024, 59
skills; China entered all 59 skills with 68 competitors and won 36 gold, 9 silver, 4 bronze
and 8 Medallions for Excellence. Everything else is invented and says so in its name: skill
names other than 07 CNC Milling, sectors, marks, other members' results and every competitor.
"""

from __future__ import annotations

from datetime import date

from schemas.competitions import (
    CompetitionCreate,
    CompetitionRules,
    Competitor,
    MemberCreate,
    ResultLine,
    SkillCreate,
    SkillResults,
)

CODE = "WSC2024"
ORGANISER = "worldskills-demo-org"
NOTE = (
    "DEMO DATA. Facts: 47th WorldSkills Competition, Lyon, 10-15 Sept 2024, 59 skills; China "
    "(68 competitors, all 59 skills) won 36 gold, 9 silver, 4 bronze, 8 excellence. Invented: "
    "skill names other than 07 CNC Milling, sectors, all marks, other members' results and "
    "every competitor (named 'Demo Competitor ...')."
)
SECTORS = (
    "construction_building_technology",
    "creative_arts_fashion",
    "information_communication_technology",
    "manufacturing_engineering_technology",
    "social_personal_services",
    "transportation_logistics",
)
MEMBERS = [
    MemberCreate(code="CN", name_en="China", name_zh="中国"),
    MemberCreate(code="KR", name_en="Korea", name_zh="韩国"),
    MemberCreate(code="FR", name_en="France", name_zh="法国"),
    MemberCreate(code="JP", name_en="Japan", name_zh="日本"),
    MemberCreate(code="CH", name_en="Switzerland", name_zh="瑞士"),
    MemberCreate(code="DE", name_en="Germany", name_zh="德国"),
    MemberCreate(code="BR", name_en="Brazil", name_zh="巴西"),
    MemberCreate(code="AT", name_en="Austria", name_zh="奥地利"),
]
# China's outcome per skill: the public totals, spread over the 59 skills (spread invented).
CHINA = ["GOLD"] * 36 + ["SILVER"] * 9 + ["BRONZE"] * 4 + ["EXCELLENCE"] * 8 + ["NONE"] * 2
TEAM_SKILLS = 9  # 59 skills + 9 two-person teams = China's 68 competitors
RIVALS_ABOVE = {"GOLD": 0, "SILVER": 1, "BRONZE": 2, "EXCELLENCE": 3, "NONE": 3}
CHINA_MARK = {"GOLD": 760, "SILVER": 755, "BRONZE": 750, "EXCELLENCE": 720, "NONE": 690}


def competition() -> CompetitionCreate:
    return CompetitionCreate(
        code=CODE,
        name="WorldSkills Competition 2024, Lyon (demo results)",
        kind="worldskills",
        organiser=ORGANISER,
        edition=47,
        host_city="Lyon",
        host_country="FR",
        starts_on=date(2024, 9, 10),
        ends_on=date(2024, 9, 15),
        rules=CompetitionRules(tie_threshold=0, excellence_threshold=700, medals="derived"),
        note=NOTE,
    )


def skills() -> list[SkillCreate]:
    out = []
    for i in range(1, 60):
        number = f"{i:02d}"
        name = "CNC Milling" if number == "07" else f"Demo Skill {number}"
        out.append(
            SkillCreate(
                number=number,
                name_en=name,
                name_zh="数控铣" if number == "07" else None,
                sector=SECTORS[i % len(SECTORS)],  # type: ignore[arg-type]
                team_size=2 if i % 6 == 0 and i <= 6 * TEAM_SKILLS else 1,
            )
        )
    return out


def results() -> list[SkillResults]:
    """Invented marks chosen so the derived medals give China its public totals."""
    rivals = [m.code for m in MEMBERS if m.code != "CN"]
    out = []
    for index, (skill, outcome) in enumerate(zip(skills(), CHINA, strict=True)):
        wiggle = (index * 7) % 5  # vary marks a little between skills; order is unchanged
        order = rivals[index % len(rivals) :] + rivals[: index % len(rivals)]
        above = RIVALS_ABOVE[outcome]
        lines = [line("CN", skill, CHINA_MARK[outcome] + wiggle)]
        for rank, member in enumerate(order):
            below = CHINA_MARK[outcome] - 8 * (rank - above + 1)
            mark = 790 - 6 * rank if rank < above else below
            lines.append(line(member, skill, mark + wiggle))
        out.append(SkillResults(skill=skill.number, revision=1, results=lines))
    return out


def line(member: str, skill: SkillCreate, mark: float) -> ResultLine:
    people = [
        Competitor(
            id=f"demo-{CODE.lower()}-{skill.number}-{member.lower()}-{n}",
            name=f"Demo Competitor {skill.number}-{member}" + (f" #{n}" if n > 1 else ""),
        )
        for n in range(1, skill.team_size + 1)
    ]
    return ResultLine(member=member, competitors=people, mark=mark)
