"""Results: checked and published by `submit_results`, applied by `apply_results`."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec

from schemas.competitions import (
    RESULTS_PUBLISHED,
    CompetitionRules,
    ResultsPublished,
    SkillResults,
    SkillResultsSubmitted,
)
from schemas.envelope import Event
from services.platform.bus import Bus, EventTooLarge
from services.platform.consumer import Rejected
from services.platform.db import Connection, Pool
from services.platform.outbox import Outbox
from services.platform.submissions import claim_idempotency_key

from .. import store
from ..domain import (
    ORDERINGS,
    SkillFacts,
    check_skill_results,
    content_event_id,
    content_hash,
    derive,
    identified,
    rank,
    results_digest,
    tally_of,
)
from .competitions import CompetitionNotFound
from .grants import grant_ratings


class Plan(msgspec.Struct, kw_only=True):
    """What a results submission would do, or why it cannot."""

    problems: list[tuple[str, str]] = msgspec.field(default_factory=list)  # (field, message)
    conflicts: list[tuple[str, str]] = msgspec.field(default_factory=list)  # revision refusals
    apply: list[SkillResults] = msgspec.field(default_factory=list)
    unchanged: list[str] = msgspec.field(default_factory=list)

    def refusal(self) -> str | None:
        found = self.problems + self.conflicts
        if not found:
            return None
        shown = "; ".join(f"{f}: {m}" for f, m in found[:20])
        more = f" (and {len(found) - 20} more)" if len(found) > 20 else ""
        return f"results refused: {shown}{more}"


# -- submitting results (HTTP and the CLI import) -----------------------------------------------


class SubmitResults(msgspec.Struct, frozen=True, kw_only=True):
    """Results of one or more skills of a competition, as its organiser submits them (national
    IDs in the clear: they go no further than `submit_results`)."""

    competition: str
    skills: list[SkillResultsSubmitted]
    actor: str
    source: str  # where it came from, e.g. `/competitions/<code>/results`
    idempotency_key: str | None = None


class ResultsRefused(Exception):
    """The results cannot apply: bad input (`plan.problems`) or revision conflicts."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(plan.refusal())
        self.plan = plan


class ResultsTooLarge(Exception):
    """More than one event carries: submit fewer skills at a time."""


async def submit_results(
    command: SubmitResults, *, pool: Pool, bus: Bus, id_key: bytes, today: date
) -> Event[ResultsPublished]:
    """Check the results against the competition now (every problem at once), then publish
    them for the consumer (`apply_results`), which checks again under row locks. Returns the
    event published; its id is the submission's (the same again for the same submission)."""
    code = command.competition
    competition = await store.get_competition(pool, code)
    if competition is None:
        raise CompetitionNotFound(code)
    async with pool.acquire() as conn:
        checked = await check_submission(
            conn, competition, command.skills, id_hash_key=id_key, today=today
        )
        skills, planned = checked.skills, checked.plan
        if planned.problems or planned.conflicts:
            raise ResultsRefused(planned)
        event_id = await submission_event_id(conn, code, skills, command.idempotency_key)
    if command.idempotency_key is not None:
        await claim_idempotency_key(
            pool,
            "competitions.idempotency_key",
            event_id,
            results_digest(skills),
            command.idempotency_key,
        )
    event = results_event(
        code, skills, actor=command.actor, event_id=event_id, source=command.source
    )
    try:
        await bus.publish(event)
    except (EventTooLarge, ValueError) as exc:
        raise ResultsTooLarge(str(exc)) from exc
    return event


class CheckedResults(msgspec.Struct, kw_only=True):
    """A results submission as it would travel (national IDs replaced by their keyed hash)
    and what it would do, or every reason it cannot."""

    skills: list[SkillResults]
    plan: Plan


async def check_submission(
    conn: Connection,
    competition: Any,
    submitted: list[SkillResultsSubmitted],
    *,
    id_hash_key: bytes,
    today: date,
) -> CheckedResults:
    """What is checked before a submission is published, whoever sends it (an HTTP body or
    an imported file): each national ID — which goes no further than this, replaced by its
    keyed hash — then the plan against the competition's skills, members, rules and
    revisions. Every problem is kept."""
    skills, problems = identified(submitted, id_hash_key, today)
    found = await plan(conn, competition, skills, lock=False)
    found.problems[:0] = problems
    return CheckedResults(skills=skills, plan=found)


def rules_of(competition: Any) -> CompetitionRules:
    return msgspec.convert(competition["rules"], CompetitionRules)


async def plan(
    conn: Connection, competition: Any, skills: list[SkillResults], *, lock: bool
) -> Plan:
    """Check a submission against the competition's skills, members, rules and revisions.

    The API runs this before publishing (to answer 400/409 at once); the consumer runs it
    again under row locks, since state may have moved in between.
    """
    code, rules, out = competition["code"], rules_of(competition), Plan()
    numbers = [s.skill for s in skills]
    read = store.lock_skills if lock else store.skill_facts
    rows = await read(conn, code, sorted(set(numbers)))
    members = await store.known_members(
        conn, sorted({line.member for s in skills for line in s.results})
    )
    seen: set[str] = set()
    for index, results in enumerate(skills):
        where = f"skills[{index}]"
        if results.skill in seen:
            out.problems.append((f"{where}.skill", f"skill {results.skill} appears twice"))
            continue
        seen.add(results.skill)
        row = rows.get(results.skill)
        facts = SkillFacts(row["team_size"], members, competition["partial"]) if row else None
        out.problems += check_skill_results(results, facts, rules, where)
    if out.problems:
        return out
    hashes = await store.revision_hashes(conn, code, [(s.skill, s.revision) for s in skills])
    for index, results in enumerate(skills):
        current = rows[results.skill]["revision"]
        where = f"skills[{index}].revision"
        if current is None or results.revision > current:
            out.apply.append(results)
        elif results.revision == current:
            if hashes.get((results.skill, results.revision)) == content_hash(results):
                out.unchanged.append(results.skill)
            else:
                out.conflicts.append(
                    (
                        where,
                        f"skill {results.skill} revision {current} was already applied with "
                        "different content; publish a correction as a higher revision",
                    )
                )
        else:
            out.conflicts.append(
                (
                    where,
                    f"revision {results.revision} of skill {results.skill} is older than the "
                    f"applied revision {current}",
                )
            )
    return out


def result_rows(
    skills: list[SkillResults], rules: CompetitionRules, event: Event[Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows for store.apply_results: revisions and result lines."""
    revisions, lines = [], []
    for results in skills:
        revisions.append(
            {
                "skill": results.skill,
                "revision": results.revision,
                "content_hash": content_hash(results),
                "event_id": event.id,
                "actor": event.actor,
            }
        )
        for line, (place, medal) in zip(
            results.results, derive(results.results, rules), strict=True
        ):
            people = []
            for seq, person in enumerate(line.competitors, start=1):
                # Without an organiser id the person is known only within this entry.
                person_id = (
                    person.id or f"{event.data.competition}.{results.skill}.{line.member}.{seq}"
                )
                people.append(
                    {
                        "id": person_id,
                        "name": person.name,
                        "nid_hash": person.person,
                        "id_last4": person.id_last4 if person.person else None,
                    }
                )
            lines.append(
                {
                    "skill": results.skill,
                    "revision": results.revision,
                    "member": line.member,
                    "mark": line.mark,
                    "position": line.position or place,
                    "medal": medal,
                    "competitors": people,
                }
            )
    return revisions, lines


async def apply_results(conn: Connection, event: Event[ResultsPublished], outbox: Outbox) -> None:
    """All skills of the event or none: the consumer runs this inside one savepoint."""
    data = event.data
    # Locked: results of one competition apply one event at a time, so its tallies and
    # standings are rebuilt from a complete picture even with several replicas.
    competition = await store.get_competition(conn, data.competition, lock=True)
    if competition is None:
        raise Rejected(f"unknown competition {data.competition!r}")
    outcome = await plan(conn, competition, data.skills, lock=True)
    refusal = outcome.refusal()
    if refusal:
        raise Rejected(refusal)
    if outcome.apply:
        revisions, lines = result_rows(outcome.apply, rules_of(competition), event)
        await store.apply_results(conn, data.competition, revisions, lines)
        await refresh_standings(conn, data.competition)
        revised = {s.skill: s.revision for s in outcome.apply}
        await grant_ratings(conn, outbox, competition, revised, event.actor)
    await store.record_submission(
        conn, event.id, data.competition, [s.skill for s in outcome.apply], outcome.unchanged
    )


async def refresh_standings(conn: Connection, competition: str) -> None:
    """Rebuild the tallies, then rank every member under every ordering (the domain's rules)."""
    await store.refresh_tally(conn, competition)
    rows = await store.competition_tallies(conn, competition)
    tallies = [tally_of(r) for r in rows]
    standings = {r["member"]: dict(r) for r in rows}
    for rank_by in ORDERINGS:
        for place, tally in rank(tallies, rank_by):
            standings[tally.member][f"rank_{rank_by}"] = place
    await store.replace_standings(conn, competition, list(standings.values()))


def results_event(
    competition: str, skills: list[SkillResults], *, actor: str, event_id: str, source: str
) -> Event[ResultsPublished]:
    return Event(
        id=event_id,
        source=source,
        type=RESULTS_PUBLISHED,
        subject=competition,
        actor=actor,
        data=ResultsPublished(competition=competition, skills=skills),
    )


async def submission_event_id(
    conn: Connection | Pool, competition: str, skills: list[SkillResults], key: str | None
) -> str:
    """The id a results submission is published under: from the client's Idempotency-Key, else
    from the content. Either way a resend (after a 503, say) publishes the same id, so it cannot
    apply under an id the client does not know. Content refused before gets a numbered id, so
    the same results can be sent again once the cause is fixed (a key's refusal stands)."""
    if key is not None:
        return f"results:{competition}:{key}"
    base = content_event_id(competition, skills)
    refusals = await store.refusals_of(conn, base)
    return base if refusals == 0 else f"{base}:r{refusals}"
