"""Demo competitions for `make run`: WorldSkills Lyon 2024 consistent with every published fact,
earlier editions holding only their published honours, and Shanghai 2026 listed ahead.

Published facts (worldskills-facts.md): Lyon, 10-15 Sept 2024, 47th edition, 59 skills in six
sectors, 1,333 competitors from 66 members; China 68 competitors in all 59 skills, 36 gold,
9 silver, 4 bronze, 8 Medallions for Excellence, awards in 57 skills, first in gold, medals and
team score; the Albert Vidal Award to Junwei Lu and Huixuan Xie (China) in Industry 4.0;
Switzerland 45 competitors in 41 skills, 7/7/1, third. Everything else in WSC2024 is invented
and its note says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import cycle

from schemas.competitions import (
    CompetitionCreate,
    CompetitionRules,
    Competitor,
    MemberCreate,
    PublishedTallyCreate,
    ResultLine,
    SkillCreate,
    SkillResults,
)

from . import demo_lists as lists
from .member_names import names_of

CODE = "WSC2024"
ORGANISER = "worldskills-demo-org"
NOTE = (
    "演示数据：届次、日期、地点、59个项目及其领域、66个参赛方、中国（68名选手参加全部59个项目，"
    "获36金9银4铜8优胜奖，57个项目获奖）、瑞士（45名选手、41个项目，7金7银1铜，排名第三）及"
    "阿尔伯特·维达尔奖（中国，工业4.0）为公开信息；其余各项目成绩、其他参赛方成绩、选手姓名"
    "（“Demo Competitor …”）及59–64号项目编号均为虚构。 / "
    "DEMO DATA. Published facts: 47th WorldSkills Competition, Lyon, 10-15 Sept 2024; its 59 "
    "skills and their sectors; 66 members; China (68 competitors in all 59 skills, 36 gold, "
    "9 silver, 4 bronze, 8 excellence, awards in 57 skills); Switzerland (45 competitors in 41 "
    "skills, 7/7/1, third); the Albert Vidal Award (China, Industry 4.0). Invented: every "
    "other per-skill result, all marks, which 63 other members took part, competitors named "
    "'Demo Competitor ...', and skill numbers 59-64."
)
PARTIAL_NOTE = (
    "部分数据：仅收录公开报道的中国队金牌（无分数），其他成绩未收录。 / "
    "PARTIAL: only the honours published in our sources (China's golds, without marks); no other "
    "results are recorded for this edition."
)
TEAM_FILL = 18  # entries besides China and Switzerland per skill, so that 1,333 compete
COMPETITORS = 1_333


def competition() -> CompetitionCreate:
    return CompetitionCreate(
        code=CODE,
        name="47th WorldSkills Competition, Lyon 2024 (demo results)",
        name_zh="第47届世界技能大赛（里昂）（演示成绩）",
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


def earlier_editions() -> list[CompetitionCreate]:
    return [
        CompetitionCreate(
            code=code,
            name=f"{edition}th WorldSkills Competition" + (f", {city}" if city else "")
            if edition != 46
            else "WorldSkills Competition 2022 Special Edition (46th)",
            name_zh=name_zh,
            kind="worldskills",
            organiser=ORGANISER,
            edition=edition,
            host_city=city,
            host_country=country,
            starts_on=date.fromisoformat(starts),
            ends_on=date.fromisoformat(ends),
            rules=CompetitionRules(medals="given"),
            note=PARTIAL_NOTE,
            partial=True,
        )
        for code, edition, city, country, starts, ends, name_zh in lists.EDITIONS
    ]


def next_edition() -> CompetitionCreate:
    return CompetitionCreate(
        code="WSC2026",
        name="48th WorldSkills Competition, Shanghai 2026",
        name_zh="第48届世界技能大赛（上海）",
        kind="worldskills",
        organiser=ORGANISER,
        edition=48,
        host_city="Shanghai",
        host_country="CN",
        starts_on=date(2026, 9, 22),
        ends_on=date(2026, 9, 27),
        note="尚无成绩。 / No results yet.",
    )


def members() -> list[MemberCreate]:
    out = []
    for code in lists.MEMBERS:
        zh, en = names_of(code) or (code, code)
        out.append(MemberCreate(code=code, name_en=en, name_zh=zh))
    return out


def skills(only: set[str] | None = None) -> list[SkillCreate]:
    return [
        SkillCreate(
            number=s.number,
            name_en=s.name_en,
            name_zh=s.name_zh,
            sector=lists.SECTORS[s.sector],  # type: ignore[arg-type]
            team_size=s.team_size,
        )
        for s in lists.SKILLS
        if only is None or s.name_en in only
    ]


def china_medal(number: str) -> str:
    for medal, found in (
        ("NONE", lists.CHINA_NONE),
        ("EXCELLENCE", lists.CHINA_EXCELLENCE),
        ("BRONZE", lists.CHINA_BRONZE),
        ("SILVER", lists.CHINA_SILVER),
    ):
        if number in found:
            return medal
    return "GOLD"


def swiss_medal(number: str) -> str | None:
    """Switzerland's medal in a skill it entered ("NONE"), or None where it did not enter."""
    for medal, found in (
        ("GOLD", lists.SWISS_GOLD),
        ("SILVER", lists.SWISS_SILVER),
        ("BRONZE", lists.SWISS_BRONZE),
    ):
        if number in found:
            return medal
    return "NONE" if number in lists.SWISS_OTHER else None


def results() -> list[SkillResults]:
    """WSC2024: marks chosen so that the derived medals give every published figure."""
    others = [m for m in lists.MEMBERS if m not in ("CN", "CH")]
    rotation = cycle(others)
    # Four individual skills take one entry fewer, so that exactly 1,333 compete.
    fewer = {s.number for s in lists.SKILLS if s.team_size == 1}
    fewer = set(sorted(fewer)[: _surplus()])
    out = []
    for index, skill in enumerate(lists.SKILLS):
        podium: dict[str, str] = {}  # medal -> member
        cn, ch = china_medal(skill.number), swiss_medal(skill.number)
        if cn in ("GOLD", "SILVER", "BRONZE"):
            podium[cn] = "CN"
        if ch in ("GOLD", "SILVER", "BRONZE"):
            podium[ch] = "CH"
        if skill.number in lists.OTHER_GOLD:
            podium["GOLD"] = lists.OTHER_GOLD[skill.number]
        count = TEAM_FILL - (skill.number in fewer)
        entrants = [m for m in podium.values() if m not in ("CN", "CH")]
        while len(entrants) < count:
            member = next(rotation)
            if member not in entrants:
                entrants.append(member)
        for medal in ("GOLD", "SILVER", "BRONZE"):
            if medal not in podium:
                podium[medal] = next(m for m in entrants if m not in podium.values())
        order = [podium["GOLD"], podium["SILVER"], podium["BRONZE"]]
        rest = [m for m in entrants if m not in order]
        if ch == "NONE":
            rest.insert(3 + index % 5, "CH")
        if cn == "EXCELLENCE":
            rest.insert(0, "CN")
        wiggle = index % 5
        marks = {member: 760 - 10 * place + wiggle for place, member in enumerate(order)}
        marks |= {member: 735 - 3 * place + wiggle for place, member in enumerate(rest)}
        if cn == "NONE":
            marks["CN"] = 650 + wiggle
        if skill.number == lists.ALBERT_VIDAL[0]:
            marks["CN"] = 790  # the highest mark of the competition
        lines = [line(member, skill, mark) for member, mark in marks.items()]
        out.append(SkillResults(skill=skill.number, revision=1, results=lines))
    return out


def _surplus() -> int:
    """Competitors over 1,333 if every skill took TEAM_FILL other entries."""
    china = sum(s.team_size for s in lists.SKILLS)
    swiss = sum(s.team_size for s in lists.SKILLS if swiss_medal(s.number))
    return china + swiss + TEAM_FILL * china - COMPETITORS


def line(member: str, skill: lists.DemoSkill, mark: float) -> ResultLine:
    if (skill.number, member) == lists.ALBERT_VIDAL[:2]:
        names = lists.ALBERT_VIDAL[2]
        people = [
            Competitor(id=f"wsc2024-{skill.number}-cn-{n}", name=x) for n, x in enumerate(names, 1)
        ]
    else:
        people = [
            Competitor(
                id=f"demo-{CODE.lower()}-{skill.number}-{member.lower()}-{n}",
                name=f"Demo Competitor {skill.number}-{member}" + (f" #{n}" if n > 1 else ""),
            )
            for n in range(1, skill.team_size + 1)
        ]
    return ResultLine(member=member, competitors=people, mark=mark)


def honours() -> Iterator[tuple[str, list[SkillCreate], list[SkillResults]]]:
    """Per earlier edition: its skills with published honours, and those honours (no marks)."""
    for edition in earlier_editions():
        found = [h for h in lists.HONOURS if h.competition == edition.code]
        if not found:
            continue
        names = {h.skill for h in found}
        results = []
        for skill in skills(names):
            team = lists.BY_NAME[skill.name_en].team_size
            lines = []
            for h in (h for h in found if h.skill == skill.name_en):
                people = [
                    Competitor(
                        id=f"{edition.code.lower()}-{skill.number}-{h.member.lower()}-{n}",
                        name=h.competitors[n - 1]
                        if n <= len(h.competitors)
                        else "未记录姓名 / name not recorded",
                    )
                    for n in range(1, team + 1)
                ]
                lines.append(ResultLine(member=h.member, competitors=people, medal=h.medal))
            results.append(SkillResults(skill=skill.number, revision=1, results=lines))
        yield edition.code, skills(names), results


CHINA_SINCE_2010 = PublishedTallyCreate(
    kind="worldskills",
    since=2010,
    until=2024,
    competitions=7,
    competitors=283,
    gold=93,
    silver=41,
    bronze=28,
    excellence=71,
    source="Press briefing on the 47th WorldSkills Competition, 24 Sept 2024 "
    "(41st London 2011 to 47th Lyon 2024)",
)
