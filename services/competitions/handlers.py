"""Use cases of the competitions context: check and apply published results, grant ratings."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any

import msgspec

from schemas.competitions import (
    RESULTS_PUBLISHED,
    CompetitionCreate,
    CompetitionRules,
    MemberCreate,
    PolicyRule,
    PublishedTallyCreate,
    RatingPolicy,
    ResultsPublished,
    SkillCreate,
    SkillResults,
    SkillResultsSubmitted,
)
from schemas.envelope import Event
from schemas.grants import (
    RATINGS_GRANTED,
    RATINGS_WITHDRAWN,
    GrantedRating,
    RatingsGranted,
    RatingsWithdrawn,
    WithdrawnGrant,
)
from schemas.occupations import CatalogueChanged
from schemas.ratings import TOP_GRADES, CertificateIssued, CertificateRevoked
from services.platform.bus import Bus, EventTooLarge
from services.platform.consumer import Rejected
from services.platform.db import Connection, Pool
from services.platform.errors import field_error
from services.platform.outbox import Outbox
from services.platform.submissions import claim_idempotency_key

from . import store
from .domain import (
    ORDERINGS,
    Earned,
    SkillFacts,
    check_skill_results,
    content_event_id,
    content_hash,
    derive,
    grant_id,
    grant_person,
    identified,
    rank,
    results_digest,
    tally_of,
    withdrawal_reason,
)

SCHEMA = "competitions"


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


# -- competitions, skills, members --------------------------------------------------------------


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


class CompetitionNotFound(Exception):
    pass


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
    # National IDs go no further than this: checked, then replaced by their keyed hash.
    skills, problems = identified(command.skills, id_key, today)
    if problems:
        raise ResultsRefused(Plan(problems=problems))
    async with pool.acquire() as conn:
        planned = await plan(conn, competition, skills, lock=False)
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


async def apply_catalogue(conn: Connection, event: Event[CatalogueChanged], outbox: Outbox) -> None:
    await store.upsert_occupations(conn, event.data.revision, event.data.changes)


# -- ratings granted by results ---------------------------------------------------------------


async def apply_certificates(
    conn: Connection, event: Event[CertificateIssued], outbox: Outbox
) -> None:
    """The certificates the ratings service issued for our grants, by grant id."""
    issued = {c.grant_id: c.number for c in event.data.certificates if c.grant_id}
    if event.data.origin == "grant" and issued:
        await store.link_certificates(conn, issued)


async def apply_revocation(
    conn: Connection, event: Event[CertificateRevoked], outbox: Outbox
) -> None:
    if event.data.origin in (None, "grant"):
        await store.record_revocation(conn, event.data.number, event.data.revoked_at)


Earnings = dict[tuple[str, str], tuple[Any, Earned | None]]


async def grant_ratings(
    conn: Connection,
    outbox: Outbox,
    competition: Any,
    revised: Mapping[str, int] | None,
    actor: str,
) -> int:
    """Bring the grants in line with the current results; return how many grants went out.

    `revised` maps the skills a results revision just replaced to that revision: there, a
    grant the results no longer earn (medal gone, or now earning another level or occupation)
    is withdrawn first, and what the person earns now is granted as a new version. Without it
    (a policy set again) grants already made stand. Either way nothing is granted twice.
    """
    code = competition["code"]
    policy = await store.get_policy(conn, code)
    if policy is None:
        return 0
    skills = sorted(revised) if revised is not None else None
    results = earnings(policy["rules"], await store.identified_results(conn, code, skills))
    latest = {(g["skill"], g["person"]): g for g in await store.latest_grants(conn, code, skills)}
    withdrawn = await withdraw_grants(conn, outbox, code, latest, results, revised or {}, actor)
    policy_id = f"{code}:policy-v{policy['version']}"
    candidates: dict[str, tuple[GrantedRating, dict[str, Any]]] = {}
    for (skill, person), (row, earned) in results.items():
        last = latest.get((skill, person))
        if earned is None or (last and last["live"] and last["grant_id"] not in withdrawn):
            continue
        version = last["version"] + 1 if last else 1
        grant = GrantedRating(
            grant_id=grant_id(code, skill, row["person"], version),
            person=row["person"],
            id_last4=row["id_last4"] or "",
            name=row["name"],
            occupation_code=earned.occupation_code,
            level=earned.level,
            competition_code=code,
            skill_number=skill,
            medal=earned.medal,
            awarded_on=competition["ends_on"],
        )
        record = {
            "grant_id": grant.grant_id,
            "competition": code,
            "skill": skill,
            "person": person,
            "version": version,
            "policy_id": policy_id,
            "result_revision": row["revision"],
            "medal": earned.medal,
            "level": earned.level,
            "occupation_code": earned.occupation_code,
            "person_id": row["person_id"],
        }
        candidates[grant.grant_id] = (grant, record)
    if not candidates:
        return 0
    fresh = await store.record_grants(conn, [record for _, record in candidates.values()])
    if not fresh:
        return 0
    await outbox.enqueue(
        conn,
        Event(
            id=f"grants:{code}:{_digest(fresh)}",
            source="/competitions",
            type=RATINGS_GRANTED,
            subject=code,
            actor=actor,
            data=RatingsGranted(
                competition_code=code,
                policy_id=policy_id,
                result_revision=max(candidates[g][1]["result_revision"] for g in fresh),
                grants=[candidates[g][0] for g in sorted(fresh)],
            ),
        ),
    )
    return len(fresh)


def earnings(rules: Any, rows: list[Any]) -> Earnings:
    """Per (skill, grant person): the identified result row and what it earns under the policy
    rules (None: nothing, e.g. no rule for its medal or no occupation to rate in)."""
    by_medal = {r.medal: r for r in msgspec.convert(rules, list[PolicyRule])}
    out: Earnings = {}
    for row in rows:
        rule = by_medal.get(row["medal"])
        occupation = (rule.occupation_code or row["occupation_code"]) if rule else None
        earned = Earned(row["medal"], rule.level, occupation) if rule and occupation else None
        out[row["skill"], grant_person(row["person"])] = (row, earned)
    return out


class SetRatingPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """The ministry sets which results of a competition grant which rating."""

    competition: str
    policy: RatingPolicy
    actor: str


class PolicySet(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    granted: int  # grants the results already applied earn under it


class PolicyInvalid(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


async def set_rating_policy(command: SetRatingPolicy, *, pool: Pool) -> PolicySet:
    code, rules = command.competition, command.policy.rules
    competition = await store.get_competition(pool, code)
    if competition is None:
        raise CompetitionNotFound(code)
    linked = sorted({r.occupation_code for r in rules if r.occupation_code})
    known = await store.active_occupations(pool, linked)
    errors = [
        field_error(f"rules[{i}].occupation_code", f"{r.occupation_code} is not known")
        for i, r in enumerate(rules)
        if r.occupation_code and r.occupation_code not in known
    ]
    errors += [
        field_error(f"rules[{i}].level", f"{r.level} is assessed by enterprises only")
        for i, r in enumerate(rules)
        if r.level in TOP_GRADES
    ]
    medals = [r.medal for r in rules]
    errors += [
        field_error(f"rules[{i}].medal", f"{m} has two rules")
        for i, m in enumerate(medals)
        if m in medals[:i]
    ]
    if errors:
        raise PolicyInvalid(errors)
    async with pool.acquire() as conn, conn.transaction():
        version = await store.set_policy(conn, code, msgspec.to_builtins(rules), command.actor)
        # Results already applied qualify too; grants already made are not repeated.
        granted = await grant_ratings(conn, Outbox(SCHEMA), competition, None, command.actor)
    return PolicySet(version=version, granted=granted)


async def withdraw_grants(
    conn: Connection,
    outbox: Outbox,
    code: str,
    latest: Mapping[tuple[str, str], Any],
    results: Earnings,
    revised: Mapping[str, int],
    actor: str,
) -> set[str]:
    """Withdraw the live grants of revised skills that the results no longer earn, and emit
    `ratings.withdrawn` for them; return their ids."""
    reasons: dict[str, tuple[int, str]] = {}
    for (skill, person), grant in latest.items():
        if skill not in revised or not grant["live"]:
            continue
        row, earned = results.get((skill, person), (None, None))
        granted = Earned(grant["medal"], grant["level"], grant["occupation_code"])
        medal = row["medal"] if row else "NONE"
        reason = withdrawal_reason(skill, granted, medal, earned, revised[skill])
        if reason:
            reasons[grant["grant_id"]] = (revised[skill], reason)
    if not reasons:
        return set()
    withdrawn = await store.withdraw_grants(
        conn,
        [{"grant_id": g, "revision": rev, "reason": why} for g, (rev, why) in reasons.items()],
    )
    if withdrawn:
        await outbox.enqueue(
            conn,
            Event(
                id=f"withdrawn:{code}:{_digest(withdrawn)}",
                source="/competitions",
                type=RATINGS_WITHDRAWN,
                subject=code,
                actor=actor,
                data=RatingsWithdrawn(
                    competition_code=code,
                    result_revision=max(reasons[g][0] for g in withdrawn),
                    withdrawals=[
                        WithdrawnGrant(grant_id=g, reason=reasons[g][1]) for g in sorted(withdrawn)
                    ],
                ),
            ),
        )
    return withdrawn


def _digest(grant_ids: set[str]) -> str:
    """An event id part from the grant ids it carries: each is granted or withdrawn once."""
    return hashlib.sha256("\n".join(sorted(grant_ids)).encode()).hexdigest()[:32]


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
