"""Ratings granted by results, under the competition's rating policy."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import msgspec

from schemas.competitions import PolicyRule, RatingPolicy
from schemas.envelope import Event
from schemas.grants import (
    RATINGS_GRANTED,
    RATINGS_WITHDRAWN,
    GrantedRating,
    RatingsGranted,
    RatingsWithdrawn,
    WithdrawnGrant,
)
from schemas.ratings import TOP_GRADES
from services.platform.db import Connection, Pool
from services.platform.errors import field_error
from services.platform.outbox import Outbox

from .. import store
from ..domain import Earned, grant_id, grant_person, withdrawal_reason
from .competitions import SCHEMA, CompetitionNotFound

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
