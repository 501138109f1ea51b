"""Competitions, their skills, and members: registered over HTTP or at start-up."""

from __future__ import annotations

from typing import Any

import msgspec

from schemas.competitions import (
    CompetitionCreate,
    MemberCreate,
    PublishedTallyCreate,
    SkillCreate,
)
from services.platform.db import Pool
from services.platform.errors import field_error

from .. import store

SCHEMA = "competitions"


class InvalidInput(Exception):
    """The command cannot apply as given; `problem` names why, `errors` point at fields."""

    def __init__(self, problem: str, title: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(title)
        self.problem, self.title, self.errors = problem, title, errors


class AlreadyExists(Exception):
    def __init__(self, problem: str, title: str, detail: str) -> None:
        super().__init__(detail)
        self.problem, self.title, self.detail = problem, title, detail


class CreateCompetition(msgspec.Struct, frozen=True, kw_only=True):
    competition: CompetitionCreate
    actor: str


async def create_competition(command: CreateCompetition, *, pool: Pool) -> None:
    data = command.competition
    if data.ends_on < data.starts_on:
        raise InvalidInput(
            "invalid-dates",
            "The competition ends before it starts",
            [field_error("ends_on", "must not be before starts_on")],
        )
    if not await store.insert_competition(pool, data, command.actor):
        raise AlreadyExists("competition-exists", "Competition exists", f"{data.code} exists")


class AddSkills(msgspec.Struct, frozen=True, kw_only=True):
    competition: str
    skills: list[SkillCreate]


async def add_skills(command: AddSkills, *, pool: Pool) -> None:
    code, skills = command.competition, command.skills
    numbers = [s.number for s in skills]
    errors = [
        field_error(f"skills[{i}].number", f"skill {n} appears twice")
        for i, n in enumerate(numbers)
        if n in numbers[:i]
    ]
    linked = sorted({s.occupation_code for s in skills if s.occupation_code})
    known = await store.active_occupations(pool, linked)
    errors += [
        field_error(
            f"skills[{i}].occupation_code",
            f"{s.occupation_code} is not an active occupation code",
        )
        for i, s in enumerate(skills)
        if s.occupation_code and s.occupation_code not in known
    ]
    if errors:
        raise InvalidInput("invalid-skills", "The skills cannot be added", errors)
    async with pool.acquire() as conn, conn.transaction():
        taken = await store.existing_skills(conn, code, numbers)
        if taken or await store.insert_skills(conn, code, skills) != len(numbers):
            raise AlreadyExists(
                "skill-exists",
                "Skill already in this competition",
                f"{code} already has skill(s) {', '.join(taken) or 'added concurrently'}",
            )


class RegisterMembers(msgspec.Struct, frozen=True, kw_only=True):
    members: list[MemberCreate]
    rename: bool  # the ministry may rename members; organisers only add new codes


async def register_members(command: RegisterMembers, *, pool: Pool) -> int:
    """Returns how many members were written."""
    codes = [m.code for m in command.members]
    errors = [
        field_error(f"members[{i}].code", f"{c} appears twice")
        for i, c in enumerate(codes)
        if c in codes[:i]
    ]
    if errors:
        raise InvalidInput("invalid-members", "The members cannot be registered", errors)
    return await store.upsert_members(pool, command.members, rename=command.rename)


class PublishMemberTally(msgspec.Struct, frozen=True, kw_only=True):
    member: str
    tally: PublishedTallyCreate
    actor: str


class UnknownMember(Exception):
    pass


async def publish_member_tally(command: PublishMemberTally, *, pool: Pool) -> Any:
    """Record (or replace) a member's totals as a source publishes them; returns the row."""
    data = command.tally
    if data.until < data.since:
        raise InvalidInput(
            "invalid-period",
            "The period ends before it starts",
            [field_error("until", "must not be before since")],
        )
    if command.member not in await store.known_members(pool, [command.member]):
        raise UnknownMember(command.member)
    return await store.put_published_tally(pool, command.member, data, command.actor)


class CompetitionNotFound(Exception):
    pass
