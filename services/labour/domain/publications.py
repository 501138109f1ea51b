"""Rules of labour-market publications: what a catalogue, a pay survey or a package must hold,
who may publish for which region, how revisions replace each other, how ranks move."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import msgspec

from schemas.labour import CataloguePublished, PackagePublished, PayPublished
from schemas.regions import NATIONAL


class Issue(msgspec.Struct, frozen=True):
    """One reason a publication is refused: where (a JSON path into it) and what."""

    field: str
    message: str


class Occupation(msgspec.Struct, frozen=True):
    """Our copy of a classification entry, as far as the checks need it."""

    level: int
    status: str


class Body(msgspec.Struct, frozen=True):
    kind: str


def describe(issues: Iterable[Issue], limit: int = 20) -> str:
    shown = list(issues)
    text = "; ".join(f"{i.field}: {i.message}" for i in shown[:limit])
    return text + (f" (and {len(shown) - limit} more)" if len(shown) > limit else "")


# -- who publishes what -------------------------------------------------------------------


def out_of_scope(region: str, publisher_region: str | None) -> str | None:
    """Why a publisher may not publish for `region` (None: it may). `publisher_region` is None
    for the ministry (every region) and the province's code for a provincial department."""
    if publisher_region is None or publisher_region == region:
        return None
    shown = "the national figures" if region == NATIONAL else f"region {region}"
    return (
        f"a token of province {publisher_region} publishes for {publisher_region} only, not {shown}"
    )


# -- revisions --------------------------------------------------------------------------------


class Applied(msgspec.Struct, frozen=True):
    revision: int
    content_hash: str


def revision_problem(applied: Applied | None, revision: int, content_hash: str) -> str | None:
    """None if `revision` applies; "same" if it is what was applied; else why it cannot."""
    if applied is None or revision > applied.revision:
        return None
    if revision == applied.revision:
        if applied.content_hash == content_hash:
            return "same"
        return (
            f"revision {revision} was already applied with different content; "
            "publish the correction as a higher revision"
        )
    return f"revision {revision} is older than the applied revision {applied.revision}"


# -- occupation codes -------------------------------------------------------------------------


def code_problem(code: str, known: Mapping[str, Occupation]) -> str | None:
    found = known.get(code)
    if found is None:
        return f"{code} is not an occupation of the classification"
    if found.level != 4:
        return f"{code} is a group, not an occupation"
    if found.status != "active":
        return f"{code} is retired"
    return None


def codes_of(publication: CataloguePublished | PayPublished | PackagePublished) -> list[str]:
    if isinstance(publication, CataloguePublished):
        return sorted({e.occupation_code for e in publication.entries})
    if isinstance(publication, PayPublished):
        return sorted({r.occupation_code for r in publication.rows})
    return [publication.occupation_code]


# -- the checks -------------------------------------------------------------------------------


def check_catalogue(catalogue: CataloguePublished, known: Mapping[str, Occupation]) -> list[Issue]:
    issues: list[Issue] = []
    ranks: dict[int, int] = {}
    codes: dict[str, int] = {}
    for i, entry in enumerate(catalogue.entries):
        where = f"entries[{i}]"
        if entry.rank in ranks:
            issues.append(
                Issue(f"{where}.rank", f"rank {entry.rank} is also entries[{ranks[entry.rank]}]")
            )
        ranks.setdefault(entry.rank, i)
        if entry.occupation_code in codes:
            first = codes[entry.occupation_code]
            issues.append(
                Issue(
                    f"{where}.occupation_code", f"{entry.occupation_code} is also entries[{first}]"
                )
            )
            continue
        codes[entry.occupation_code] = i
        problem = code_problem(entry.occupation_code, known)
        if problem:
            issues.append(Issue(f"{where}.occupation_code", problem))
    return issues


PERCENTILES = ("p10", "p25", "p50", "p75", "p90")


def check_pay(pay: PayPublished, known: Mapping[str, Occupation]) -> list[Issue]:
    issues: list[Issue] = []
    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(pay.rows):
        where = f"rows[{i}]"
        key = (row.occupation_code, row.level)
        if key in seen:
            issues.append(
                Issue(where, f"{row.occupation_code} at {row.level} is also rows[{seen[key]}]")
            )
        seen.setdefault(key, i)
        problem = code_problem(row.occupation_code, known)
        if problem:
            issues.append(Issue(f"{where}.occupation_code", problem))
        values = [getattr(row, p) for p in PERCENTILES]
        for (low, a), (high, b) in zip(
            zip(PERCENTILES, values, strict=True),
            zip(PERCENTILES[1:], values[1:], strict=True),
            strict=False,
        ):
            if b < a:
                issues.append(
                    Issue(
                        f"{where}.{high}",
                        f"percentiles out of order: {high} {b} is below {low} {a}",
                    )
                )
    levels: dict[str, int] = {}
    for i, guide in enumerate(pay.minimum_pay):
        if guide.level in levels:
            issues.append(
                Issue(
                    f"minimum_pay[{i}].level",
                    f"{guide.level} is also minimum_pay[{levels[guide.level]}]",
                )
            )
        levels.setdefault(guide.level, i)
    return issues


def check_package(
    package: PackagePublished, known: Mapping[str, Occupation], bodies: Mapping[str, Body]
) -> list[Issue]:
    issues: list[Issue] = []
    problem = code_problem(package.occupation_code, known)
    if problem:
        issues.append(Issue("occupation_code", problem))
    standard = package.standard
    if standard is not None and standard.status == "published" and standard.issued_on is None:
        issues.append(Issue("standard.issued_on", "a published standard needs its date"))
    seen: dict[str, int] = {}
    for i, selected in enumerate(package.evaluation_bodies):
        where = f"evaluation_bodies[{i}].body_id"
        if selected.body_id in seen:
            issues.append(
                Issue(
                    where, f"{selected.body_id} is also evaluation_bodies[{seen[selected.body_id]}]"
                )
            )
            continue
        seen[selected.body_id] = i
        body = bodies.get(selected.body_id)
        if body is None:
            issues.append(Issue(where, f"{selected.body_id} is not a registered evaluation body"))
        elif body.kind == "competition":
            issues.append(
                Issue(where, f"{selected.body_id} is a competition, not an evaluation body")
            )
    return issues


# -- periods and ranks ------------------------------------------------------------------------


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of `2024`, `2024-H2` or `2024-Q3`."""
    year, _, part = period.partition("-")
    first_month, months = 1, 12
    if part.startswith("H"):
        first_month, months = 1 + 6 * (int(part[1]) - 1), 6
    elif part.startswith("Q"):
        first_month, months = 1 + 3 * (int(part[1]) - 1), 3
    start = date(int(year), first_month, 1)
    after = first_month + months
    end_year, end_month = (int(year) + 1, 1) if after > 12 else (int(year), after)
    return start, date.fromordinal(date(end_year, end_month, 1).toordinal() - 1)


class Ranked(msgspec.Struct, frozen=True):
    occupation_code: str
    rank: int


class Change(msgspec.Struct, frozen=True):
    occupation_code: str
    from_rank: int | None
    to_rank: int | None


class Moves(msgspec.Struct, frozen=True):
    """Between two catalogues: codes that entered, left, rose or fell (biggest moves first)."""

    entered: list[Change]
    left: list[Change]
    rose: list[Change]
    fell: list[Change]


def movers(before: Iterable[Ranked], after: Iterable[Ranked]) -> Moves:
    old = {r.occupation_code: r.rank for r in before}
    new = {r.occupation_code: r.rank for r in after}
    both = [Change(c, old[c], new[c]) for c in new if c in old and old[c] != new[c]]
    return Moves(
        entered=sorted((Change(c, None, r) for c, r in new.items() if c not in old), key=_to),
        left=sorted((Change(c, r, None) for c, r in old.items() if c not in new), key=_from),
        rose=sorted(
            (m for m in both if _to(m) < _from(m)), key=lambda m: (_to(m) - _from(m), _to(m))
        ),
        fell=sorted(
            (m for m in both if _to(m) > _from(m)), key=lambda m: (_from(m) - _to(m), _to(m))
        ),
    )


def _from(change: Change) -> int:
    return change.from_rank or 0


def _to(change: Change) -> int:
    return change.to_rank or 0


def movement(previous: int | None, rank: int, has_previous: bool) -> str:
    if not has_previous:
        return ""
    if previous is None:
        return "new"
    return "up" if rank < previous else "down" if rank > previous else "same"
