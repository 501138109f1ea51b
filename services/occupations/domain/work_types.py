"""Rules for work types (工种), the level below an occupation: what a release may add, amend
and retire. Pure functions, no I/O; `handlers.plan_release` feeds them the catalogue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec

from schemas.occupations import ReleasePublished
from schemas.release_parts import WorkTypeItem

from .occupations import Issue, State, amend

WORK_TYPE_FIELDS = (
    "code",
    "occupation_code",
    "name_zh",
    "name_en",
    "name_en_source",
    "definition",
    "invented",
    "status",
)
WORK_TYPE_AMENDABLE = ("name_zh", "name_en", "name_en_source", "definition", "invented")


def occupation_of(work_type_code: str) -> str:
    """`4-04-05-01-01` → `4-04-05-01`: a work type's code starts with its occupation's."""
    return work_type_code[: -len("-01")]


def work_type_state(item: WorkTypeItem) -> State:
    return msgspec.structs.asdict(item) | {
        "occupation_code": occupation_of(item.code),
        "invented": sorted(set(item.invented)),
        "status": "active",
    }


def unnamed_state(code: str) -> State:
    """A work type an occupation listed by code alone (the release format before names)."""
    return {
        "code": code,
        "occupation_code": occupation_of(code),
        "name_zh": None,
        "name_en": None,
        "name_en_source": None,
        "definition": "",
        "invented": [],
        "status": "active",
    }


@dataclass
class WorkTypePlan:
    added: list[State] = field(default_factory=list)
    amended: list[tuple[State, State]] = field(default_factory=list)
    retired: list[tuple[State, State]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def touched_occupations(self) -> set[str]:
        states = self.added + [a for _, a in self.amended] + [a for _, a in self.retired]
        return {s["occupation_code"] for s in states}


def check_work_types(
    release: ReleasePublished,
    occupations: dict[str, State],
    current: dict[str, State],
    active_under: dict[str, list[str]],
) -> WorkTypePlan:
    """What the release does to work types, or why it cannot.

    `occupations` holds the catalogue states of every occupation the release names (work types'
    occupations included); `current` the stored work types it names; `active_under` the active
    work types of each occupation the release amends or retires.
    """
    plan = WorkTypePlan()
    new_occupations = {i.code for i in release.items if i.level == 4}
    leaving = {r.code for r in release.retirements}
    retiring = {r.code for r in release.work_type_retirements}
    seen: set[str] = set()

    def place(where: str, code: str) -> bool:
        """Whether `code` may be added: once, new, under an occupation that stays."""
        occupation = occupation_of(code)
        state = occupations.get(occupation)
        if code in seen:
            plan.issues.append((where, f"work type {code} appears more than once in the release"))
        elif code in current:
            known = current[code]["status"] == "retired"
            plan.issues.append(
                (where, f"work type {code} was retired; codes are not reused")
                if known
                else (where, f"work type {code} is already in the catalogue")
            )
        elif occupation in leaving:
            plan.issues.append((where, f"occupation {occupation} is retired by this release"))
        elif occupation not in new_occupations and not (
            state and state["level"] == 4 and state["status"] == "active"
        ):
            plan.issues.append(
                (where, f"occupation {occupation} of work type {code} is not an active occupation")
            )
        else:
            seen.add(code)
            return True
        seen.add(code)
        return False

    for index, item in enumerate(release.work_types):
        if place(f"work_types[{index}].code", item.code):
            plan.added.append(work_type_state(item))
    for index, occupation in enumerate(release.items):
        for position, code in enumerate(occupation.work_types):
            if code.startswith(occupation.code + "-") and place(
                f"items[{index}].work_types[{position}]", code
            ):
                plan.added.append(unnamed_state(code))
    _legacy_lists(release, current, active_under, plan, seen)
    for index, change in enumerate(release.work_type_amendments):
        where, before = f"work_type_amendments[{index}].code", current.get(change.code)
        if not _changeable(plan, where, change.code, before, seen, "amend"):
            continue
        assert before is not None
        after = amend(before, change, WORK_TYPE_AMENDABLE)
        if after == before:
            plan.issues.append((where, f"the amendment of work type {change.code} changes nothing"))
        plan.amended.append((before, after))
    for index, retirement in enumerate(release.work_type_retirements):
        where, before = f"work_type_retirements[{index}].code", current.get(retirement.code)
        if not _changeable(plan, where, retirement.code, before, seen, "retire"):
            continue
        assert before is not None
        plan.retired.append((before, before | {"status": "retired"}))
        for position, other in enumerate(retirement.replaced_by):
            active = current.get(other, {}).get("status") == "active"
            added = any(a["code"] == other for a in plan.added)
            if other in retiring or not (active or added):
                plan.issues.append(
                    (
                        f"work_type_retirements[{index}].replaced_by[{position}]",
                        f"replacement {other} is not an active work type",
                    )
                )
    retired_now = {b["code"] for b, _ in plan.retired}
    for index, leaving_occupation in enumerate(release.retirements):
        code = leaving_occupation.code
        staying = [c for c in active_under.get(code, []) if c not in retired_now]
        if staying:
            plan.issues.append(
                (
                    f"retirements[{index}].code",
                    f"cannot retire {code}: it still holds work types "
                    f"{', '.join(staying[:5])}; retire them in the same release",
                )
            )
    return plan


def _changeable(
    plan: WorkTypePlan, where: str, code: str, before: State | None, seen: set[str], verb: str
) -> bool:
    if code in seen:
        plan.issues.append((where, f"work type {code} appears more than once in the release"))
        return False
    seen.add(code)
    if before is None:
        plan.issues.append((where, f"cannot {verb} work type {code}: not in the catalogue"))
        return False
    if before["status"] == "retired":
        plan.issues.append((where, f"cannot {verb} work type {code}: it was retired"))
        return False
    return True


def _legacy_lists(
    release: ReleasePublished,
    current: dict[str, State],
    active_under: dict[str, list[str]],
    plan: WorkTypePlan,
    seen: set[str],
) -> None:
    """An amendment's `work_types` (codes) replaces the occupation's list: codes it drops
    retire, codes it adds arrive unnamed."""
    for index, amendment in enumerate(release.amendments):
        if amendment.work_types is msgspec.UNSET:
            continue
        listed: Sequence[str] = amendment.work_types
        active = active_under.get(amendment.code, [])
        for position, code in enumerate(listed):
            if code in active or not code.startswith(amendment.code + "-"):
                continue
            where = f"amendments[{index}].work_types[{position}]"
            if code in seen:
                plan.issues.append((where, f"work type {code} appears more than once"))
            elif code in current:
                plan.issues.append((where, f"work type {code} was retired; codes are not reused"))
            else:
                plan.added.append(unnamed_state(code))
            seen.add(code)
        for code in active:
            if code not in listed and code not in seen:
                seen.add(code)
                plan.retired.append((current[code], current[code] | {"status": "retired"}))
