"""Use cases of the occupations context: check, submit and apply releases."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from schemas.envelope import Event
from schemas.occupations import (
    CATALOGUE_CHANGED,
    RELEASE_PUBLISHED,
    CatalogueChanged,
    OccupationState,
    ReleaseChange,
    ReleasePublished,
    ReleaseStatus,
    ReleaseSummary,
    WorkTypeChange,
)
from services.platform.bus import Bus
from services.platform.consumer import Rejected
from services.platform.db import Connection, Pool
from services.platform.outbox import Outbox

from . import store
from .domain.occupations import (
    Issue,
    State,
    ancestors_of,
    change_rows,
    check_amendments,
    check_items,
    check_overlaps,
    check_retirements,
    content_hash,
    describe,
    field_changes,
    item_state,
    size_issue,
)
from .domain.work_types import WORK_TYPE_FIELDS, WorkTypePlan, check_work_types, occupation_of
from .views import occupations as views


@dataclass
class ReleasePlan:
    """What a release would do to the current catalogue, or why it cannot."""

    release: ReleasePublished
    parents: list[str | None] = field(default_factory=list)
    amended: list[tuple[State, State]] = field(default_factory=list)
    retired: list[tuple[State, State]] = field(default_factory=list)
    work_types: WorkTypePlan = field(default_factory=WorkTypePlan)
    issues: list[Issue] = field(default_factory=list)

    def added(self) -> list[State]:
        pairs = zip(self.release.items, self.parents, strict=True)
        return [item_state(item, parent) for item, parent in pairs]

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.release.items),
            "amended": len(self.amended),
            "retired": len(self.retired),
            "work_types_added": len(self.work_types.added),
            "work_types_amended": len(self.work_types.amended),
            "work_types_retired": len(self.work_types.retired),
        }


async def plan_release(conn: Connection | Pool, release: ReleasePublished) -> ReleasePlan:
    """Check a whole release against the catalogue: the same rules for the API and the consumer."""
    plan = ReleasePlan(release)
    too_large = size_issue(release)
    if too_large:
        plan.issues.append(too_large)
        return plan
    work_type_codes = named_work_types(release)
    touched = {i.code for i in release.items} | {a.code for a in release.amendments}
    touched |= {r.code for r in release.retirements}
    touched |= {c for r in release.retirements for c in r.replaced_by}
    touched |= {group for code in list(touched) for group in ancestors_of(code)}
    touched |= {occupation_of(code) for code in work_type_codes}
    current = await store.catalogue_states(conn, sorted(touched))
    retired = frozenset(c for c, s in current.items() if s["status"] == "retired")
    plan.parents, item_issues = check_items(
        release.items,
        {c: s["level"] for c, s in current.items()},
        strict=release.kind != "baseline",
        retired=retired,
    )
    plan.amended, amend_issues = check_amendments(release.amendments, current)
    groups = [r.code for r in release.retirements if current.get(r.code, {}).get("level", 4) < 4]
    children = await store.active_children(conn, groups) if groups else {}
    replacements = {c for c in current if c not in retired} | {i.code for i in release.items}
    plan.retired, retire_issues = check_retirements(
        release.retirements, current, children, replacements
    )
    holders = [a.code for a in release.amendments if a.work_types is not msgspec.UNSET]
    holders += [r.code for r in release.retirements]
    active_under = await store.active_work_types(conn, holders) if holders else {}
    work_type_codes |= {c for codes in active_under.values() for c in codes}
    work_types = await store.work_type_states(conn, sorted(work_type_codes))
    plan.work_types = check_work_types(release, current, work_types, active_under)
    plan.issues = check_overlaps(release) + item_issues + amend_issues + retire_issues
    plan.issues += plan.work_types.issues + await supersession_issues(conn, release)
    if release.kind == "baseline" and await store.has_releases(conn):
        # The lenient parent rule of the baseline is for the 2022 file only.
        plan.issues.insert(
            0, ("kind", "a baseline applies only to an empty catalogue; use new-occupations")
        )
    return plan


def named_work_types(release: ReleasePublished) -> set[str]:
    codes = {w.code for w in release.work_types}
    codes |= {w.code for w in release.work_type_amendments}
    codes |= {w.code for w in release.work_type_retirements}
    codes |= {c for w in release.work_type_retirements for c in w.replaced_by}
    codes |= {c for i in release.items for c in i.work_types}
    codes |= {c for a in release.amendments for c in (a.work_types or [])}
    return codes


async def supersession_issues(conn: Connection | Pool, release: ReleasePublished) -> list[Issue]:
    """A release may supersede one proposal (a public-comment draft), once."""
    target = release.supersedes
    if target is None:
        return []
    found = await store.release_kinds(conn, [target])
    if target == release.release_id or target not in found:
        return [("supersedes", f"no release {target} to supersede")]
    kind, superseded = found[target]
    if kind != "proposal":
        return [("supersedes", f"{target} is a {kind} release; only a proposal is superseded")]
    if superseded:
        return [("supersedes", f"proposal {target} was already superseded")]
    return []


async def apply_release(conn: Connection, event: Event[ReleasePublished], outbox: Outbox) -> None:
    """All entries or none: the consumer runs this inside one savepoint of its batch."""
    release = event.data
    digest = content_hash(release)
    applied = await store.release_hash(conn, release.release_id)
    if applied == digest:
        return  # the same release again: nothing to do
    if applied is not None:
        raise Rejected(
            f"release {release.release_id} was already applied with different content; "
            "publish corrections as a new release"
        )
    plan = await plan_release(conn, release)
    if plan.issues:
        raise Rejected(f"release {release.release_id} refused: {describe(plan.issues)}")
    revision = await store.insert_release(
        conn,
        release,
        content_hash=digest,
        event_id=event.id,
        actor=event.actor,
        counts=plan.counts(),
    )
    added = plan.added()
    changes = [("amended", b, a) for b, a in plan.amended]
    changes += [("retired", b, a) for b, a in plan.retired]
    types = plan.work_types
    type_changes = [("amended", b, a) for b, a in types.amended]
    type_changes += [("retired", b, a) for b, a in types.retired]
    if release.kind == "proposal":
        # A draft for comment: kept to be read, never applied to the catalogue.
        proposed = change_rows(added, changes, entity="occupation")
        proposed += change_rows(types.added, type_changes, entity="work_type")
        await store.insert_proposed(conn, release.release_id, proposed)
        return
    await store.insert_occupations(conn, release.release_id, added)
    await store.apply_changes(conn, release.release_id, changes)
    await store.apply_work_types(conn, release.release_id, types.added, type_changes)
    searchable = {s["code"] for s in added} | {a["code"] for _, a in plan.amended}
    await store.refresh_search_keys(conn, sorted(searchable | types.touched_occupations))
    states = [state_of(s, "added") for s in added]
    states += [state_of(a, "amended") for _, a in plan.amended]
    states += [state_of(a, "retired") for _, a in plan.retired]
    changed = CatalogueChanged(
        release_id=release.release_id,
        revision=revision,
        published_on=release.published_on,
        changes=states,
    )
    await outbox.enqueue(
        conn,
        Event(
            id=f"catalogue:{release.release_id}",
            source="/occupations",
            type=CATALOGUE_CHANGED,
            subject=release.release_id,
            actor=event.actor,
            data=changed,
        ),
    )


def state_of(state: State, change: str) -> OccupationState:
    return msgspec.convert(
        {k: state.get(k) for k in ("code", "level", "name_zh", "name_en", "tags", "parent_code")}
        | {"status": state.get("status", "active"), "change": change},
        OccupationState,
    )


# -- submission through the API or the CLI ------------------------------------------------


class ReleaseInvalid(Exception):
    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(describe(issues))
        self.issues = issues


class ReleaseConflict(Exception):
    pass


class ReleaseTooLarge(Exception):
    pass


class SubmitRelease(msgspec.Struct, frozen=True, kw_only=True):
    """The ministry publishes a release (over HTTP or from a file with the CLI)."""

    release: ReleasePublished
    actor: str
    source: str  # where it came from: `/occupations/releases`, `/occupations/cli`


class Submitted(msgspec.Struct, frozen=True):
    release_id: str
    event_id: str | None
    already_applied: bool = False


async def submit_release(command: SubmitRelease, *, pool: Pool, bus: Bus) -> Submitted:
    """Check a release synchronously, then publish it for the consumer to apply."""
    release, actor, source = command.release, command.actor, command.source
    too_large = size_issue(release)
    if too_large:
        raise ReleaseTooLarge(too_large[1])
    digest = content_hash(release)
    applied = await store.release_hash(pool, release.release_id)
    if applied == digest:
        return Submitted(release.release_id, None, already_applied=True)
    if applied is not None:
        raise ReleaseConflict(
            f"release {release.release_id} was already applied with different content; "
            "releases are immutable, publish corrections as a new release"
        )
    previous = await store.submissions(pool, release.release_id)
    pending = [s for s in previous if not s["refused"]]
    if any(s["content_hash"] != digest for s in pending):
        raise ReleaseConflict(
            f"another version of release {release.release_id} is waiting to be applied; "
            "use a new release id"
        )
    plan = await plan_release(pool, release)
    if plan.issues:
        raise ReleaseInvalid(plan.issues)
    event_id = f"release:{release.release_id}:{digest[:32]}"
    refusals = sum(1 for s in previous if s["refused"] and s["content_hash"] == digest)
    if refusals:
        # Refused before, now valid (the catalogue changed): a new id gets past the inbox. It
        # is numbered, not random, so a resend after a 503 publishes the same id again.
        event_id = f"{event_id}:r{refusals}"
    await store.insert_submission(
        pool,
        event_id=event_id,
        release_id=release.release_id,
        content_hash=digest,
        actor=actor,
        entries=release.size,
    )
    event = Event(
        id=event_id,
        source=source,
        type=RELEASE_PUBLISHED,
        subject=release.release_id,
        actor=actor,
        data=release,
    )
    try:
        await bus.publish(event)
    except BaseException:
        await store.delete_submission(pool, event_id)
        raise
    return Submitted(release.release_id, event_id)


# -- where a release stands ---------------------------------------------------------------


PROPOSAL_DETAIL = (
    "a proposal for public comment: kept as published, not applied to the catalogue; "
    "its changes are what it proposed"
)


def summary_of(row: Any) -> ReleaseSummary:
    return msgspec.convert(dict(row), ReleaseSummary)


def status_url(release_id: str) -> str:
    return f"/releases/{release_id}"


async def release_status(pool: Pool, release_id: str) -> ReleaseStatus | None:
    """Applied if the release table has it; else pending or refused, whichever came last."""
    url = status_url(release_id)
    row = await views.get_release(pool, release_id)
    if row is not None:
        changes = []
        for change in await views.release_changes(pool, release_id):
            after = change["after"]
            changes.append(
                ReleaseChange(
                    code=change["code"],
                    change=change["change"],
                    level=after["level"],
                    name_zh=after["name_zh"],
                    fields=[f for f, _, _ in field_changes(change["before"], after)],
                )
            )
        work_type_changes = [
            WorkTypeChange(
                code=change["code"],
                change=change["change"],
                occupation_code=occupation_of(change["code"]),
                name_zh=change["after"].get("name_zh"),
                fields=[
                    f
                    for f, _, _ in field_changes(
                        change["before"], change["after"], WORK_TYPE_FIELDS[1:]
                    )
                ],
            )
            for change in await views.release_changes(pool, release_id, "work_type")
        ]
        return ReleaseStatus(
            release_id=release_id,
            status="applied",
            status_url=url,
            detail=PROPOSAL_DETAIL if row["kind"] == "proposal" else "",
            release=summary_of(row),
            changes=changes,
            work_type_changes=work_type_changes,
        )
    pending = [s for s in await store.submissions(pool, release_id) if not s["refused"]]
    refused = await store.dead_letters_about(pool, release_id)
    if refused and (not pending or refused[0]["created_at"] > pending[0]["submitted_at"]):
        return ReleaseStatus(
            release_id=release_id,
            status="refused",
            status_url=url,
            detail="nothing of this release was applied",
            reason=refused[0]["reason"],
            refused_at=refused[0]["created_at"],
        )
    if pending:
        return ReleaseStatus(
            release_id=release_id,
            status="pending",
            status_url=url,
            detail="accepted; waiting for the catalogue to apply it",
        )
    return None
