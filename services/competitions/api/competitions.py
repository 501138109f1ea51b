"""HTTP API of competitions: organisers write, everyone reads (no national IDs, masked names)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, HeaderParameter, Parameter

from schemas.competitions import (
    COMPETITION_CODE,
    MEMBER_CODE,
    SKILL_NUMBER,
    Awards,
    Competition,
    CompetitionCreate,
    CompetitionKind,
    CompetitionPage,
    MedalTable,
    RankBy,
    RefusedPage,
    RefusedSubmission,
    ResultPage,
    ResultsSubmit,
    Sector,
    Skill,
    SkillPage,
    SkillResultsView,
    SkillsCreate,
    SubmissionStatus,
    Submitted,
)
from schemas.limits import INT32_MAX, INT64_MAX
from services.platform.auth import authorise
from services.platform.deps import BusDep, PoolDep, PrincipalDep, SettingsDep
from services.platform.errors import Problem, field_error
from services.platform.openapi import problem_responses
from services.platform.submissions import (
    idempotency_key,
    preferred_wait,
    wait_for,
)

from .. import examples, handlers, store, views
from ..domain import rank, tally_of
from ..handlers import Plan
from .common import (
    PUBLIC_CACHE,
    authorise_organiser,
    competition_found,
    competition_or_404,
    full_names,
    medal_row,
    run,
    to_competition,
    to_result,
    to_skill,
)


def refuse(outcome: Plan) -> None:
    if outcome.problems:
        raise Problem(
            400,
            "invalid-results",
            "The results cannot apply",
            f"{len(outcome.problems)} problem(s); nothing was applied",
            errors=[field_error(f, m) for f, m in outcome.problems],
        )
    if outcome.conflicts:
        raise Problem(
            409,
            "revision-conflict",
            "The results conflict with an applied revision",
            "; ".join(m for _, m in outcome.conflicts),
            errors=[field_error(f, m) for f, m in outcome.conflicts],
        )


async def read_status(pool: Any, code: str, event_id: str) -> SubmissionStatus:
    row = await store.submission(pool, event_id, code)
    if row is None:
        return SubmissionStatus(event_id=event_id, status="pending")
    return SubmissionStatus(
        event_id=event_id,
        status=row["status"],
        reason=row["reason"],
        applied=list(row["applied"]),
        unchanged=list(row["unchanged"]),
    )


class CompetitionController(Controller):
    path = "/competitions"
    tags = ["competitions"]

    @post(
        "/",
        summary="Create a competition (ministry)",
        security=[{"BearerToken": []}],
        responses=problem_responses(409),
    )
    async def create(
        self,
        pool: PoolDep,
        principal: PrincipalDep,
        data: Annotated[CompetitionCreate, examples.COMPETITION],
    ) -> Competition:
        authorise(principal, "ministry")
        command = handlers.CreateCompetition(competition=data, actor=principal.actor)
        await run(handlers.create_competition(command, pool=pool))
        return to_competition(await store.get_competition(pool, data.code))

    @get("/", summary="List competitions, newest first (keyset: `after` = last code)")
    async def list_competitions(
        self,
        pool: PoolDep,
        kind: Annotated[CompetitionKind | None, Parameter(required=False)] = None,
        after: Annotated[str | None, Parameter(pattern=COMPETITION_CODE, required=False)] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> CompetitionPage:
        rows = await views.list_competitions(pool, kind=kind, after=after, limit=limit + 1)
        items = [to_competition(r) for r in rows[:limit]]
        more = len(rows) > limit
        return CompetitionPage(items=items, next_after=items[-1].code if more else None)

    @get("/{code:str}", summary="One competition and its rules")
    async def get_competition(self, pool: PoolDep, code: FromPath[str]) -> Competition:
        return to_competition(await competition_or_404(pool, code))

    @post(
        "/{code:str}/skills",
        summary="Add skills (organiser of the competition, or ministry)",
        security=[{"BearerToken": []}],
        responses=problem_responses(409),
    )
    async def add_skills(
        self,
        pool: PoolDep,
        principal: PrincipalDep,
        code: FromPath[str],
        data: Annotated[SkillsCreate, examples.SKILLS],
    ) -> SkillPage:
        competition = await competition_or_404(pool, code)
        authorise_organiser(principal, competition, ministry=True)
        command = handlers.AddSkills(competition=code, skills=data.skills)
        await run(handlers.add_skills(command, pool=pool))
        numbers = {s.number for s in data.skills}
        rows = await views.list_skills(pool, code, sector=None, after=None, limit=500)
        return SkillPage(items=[to_skill(r) for r in rows if r["number"] in numbers])

    @get("/{code:str}/skills", summary="Skills of a competition (keyset: `after` = number)")
    async def list_skills(
        self,
        pool: PoolDep,
        code: FromPath[str],
        sector: Annotated[Sector | None, Parameter(required=False)] = None,
        after: Annotated[str | None, Parameter(pattern=SKILL_NUMBER, required=False)] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 100,
    ) -> SkillPage:
        found = await views.competition_skills(
            pool, code, sector=sector, after=after, limit=limit + 1
        )
        rows = msgspec.convert(competition_found(found, code)["skill_rows"], list[Skill])
        items = rows[:limit]
        return SkillPage(items=items, next_after=items[-1].number if len(rows) > limit else None)

    @get(
        "/{code:str}/skills/{number:str}/results",
        cache_control=PUBLIC_CACHE,
        summary="Results of one skill",
    )
    async def skill_results(
        self,
        pool: PoolDep,
        code: FromPath[str],
        number: FromPath[str],
        revision: Annotated[int | None, Parameter(ge=1, le=INT32_MAX, required=False)] = None,
    ) -> SkillResultsView:
        competition = competition_found(
            await views.skill_results(pool, code, number, revision), code
        )
        if competition["skill_row"] is None:
            raise Problem(404, "unknown-skill", "Unknown skill", f"{code} has no skill {number}")
        skill = msgspec.convert(competition["skill_row"], Skill)
        revisions = list(competition["revisions"])
        if revision is not None and revision not in revisions:
            raise Problem(404, "unknown-revision", "Unknown revision", f"no revision {revision}")
        rows = msgspec.convert(competition["result_rows"], list[views.ResultRow])
        shown = revision or skill.revision
        return SkillResultsView(
            skill=skill,
            revision=shown,
            results=[to_result(r, full_names(competition)) for r in rows],
            history=[r for r in revisions if r != shown],
            partial=competition["partial"],
            note=competition["note"],
        )

    @get(
        "/{code:str}/entries",
        cache_control=PUBLIC_CACHE,
        summary="Entries and results (keyset: `after` = skill/member)",
    )
    async def entries(
        self,
        pool: PoolDep,
        code: FromPath[str],
        member: Annotated[str | None, Parameter(pattern=MEMBER_CODE, required=False)] = None,
        after: Annotated[
            str | None, Parameter(pattern=r"^[A-Z0-9]{1,6}/[A-Z0-9\-]{2,6}$", required=False)
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
    ) -> ResultPage:
        cursor = tuple(after.split("/", 1)) if after else None
        competition = competition_found(
            await views.entries(
                pool,
                code,
                member=member,
                after=cursor,  # type: ignore[arg-type]
                limit=limit + 1,
            ),
            code,
        )
        rows = msgspec.convert(competition["result_rows"], list[views.ResultRow])
        items = [to_result(r, full_names(competition)) for r in rows[:limit]]
        last = f"{items[-1].skill}/{items[-1].member}" if len(rows) > limit else None
        return ResultPage(items=items, next_after=last)

    @post(
        "/{code:str}/results",
        summary="Publish results of one or more skills (organiser); 202 + status URL",
        description=(
            "`Idempotency-Key` names the submission: sent again with the same content it gets "
            "the first outcome, with other content a 422. Without a key the content names it. "
            "Either way a resend after a 503 is safe. `Prefer: wait=N` waits for the outcome."
        ),
        status_code=202,
        security=[{"BearerToken": []}],
        responses=problem_responses(409, 422),
    )
    async def publish_results(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        bus: BusDep,
        settings: SettingsDep,
        principal: PrincipalDep,
        code: FromPath[str],
        data: Annotated[ResultsSubmit, examples.RESULTS],
        idempotency: Annotated[
            str | None,
            HeaderParameter(
                name="Idempotency-Key",
                required=False,
                description="A key of the client's choosing: 1 to 100 letters, digits, "
                "'.', '_', ':' or '-' (a UUID is safest)",
            ),
        ] = None,
    ) -> Response[Submitted]:
        competition = await competition_or_404(pool, code)
        authorise_organiser(principal, competition, ministry=False)
        command = handlers.SubmitResults(
            competition=code,
            skills=data.skills,
            actor=principal.actor,
            source=f"/competitions/{code}/results",
            idempotency_key=idempotency_key(idempotency),
        )
        try:
            event = await handlers.submit_results(
                command,
                pool=pool,
                bus=bus,
                id_key=settings.id_hash_key.encode(),
                today=datetime.now(UTC).date(),
            )
        except handlers.ResultsRefused as exc:
            refuse(exc.plan)
            raise
        except handlers.CompetitionNotFound as exc:  # found above; checked for every caller
            raise Problem(
                404, "unknown-competition", "Unknown competition", f"no competition {code}"
            ) from exc
        except handlers.ResultsTooLarge as exc:
            raise Problem(413, "too-large", "Results too large for one event", str(exc)) from exc
        status = SubmissionStatus(event_id=event.id, status="pending")
        if wait := preferred_wait(request.headers.get("prefer")):
            status = await wait_for(
                lambda: read_status(pool, code, event.id), lambda s: s.status != "pending", wait
            )
        url = f"/competitions/{code}/submissions/{event.id}"
        body = Submitted(
            event_id=event.id,
            status=status.status,
            status_url=url,
            skills=[s.skill for s in data.skills],
        )
        if status.status == "refused":
            raise Problem(409, "results-refused", "The results were refused", status.reason)
        return Response(
            body, status_code=200 if status.status == "applied" else 202, headers={"Location": url}
        )

    @get(
        "/{code:str}/submissions",
        summary="Refused results submissions, with reasons (keyset: `after` = id)",
        description="Includes events published straight to NATS, which have no HTTP answer.",
    )
    async def refused(
        self,
        pool: PoolDep,
        code: FromPath[str],
        after: Annotated[int | None, Parameter(ge=0, le=INT64_MAX, required=False)] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> RefusedPage:
        async with pool.acquire() as conn:  # one connection for the check and the read
            await competition_or_404(conn, code)
            rows = await views.refused_submissions(conn, code, after=after, limit=limit + 1)
        items = [RefusedSubmission(**r) for r in rows[:limit]]
        return RefusedPage(items=items, next_after=items[-1].id if len(rows) > limit else None)

    @get("/{code:str}/submissions/{event_id:str}", summary="Status of a results submission")
    async def submission(
        self, pool: PoolDep, code: FromPath[str], event_id: FromPath[str]
    ) -> SubmissionStatus:
        return await read_status(pool, code, event_id)

    @get(
        "/{code:str}/medal-table",
        cache_control=PUBLIC_CACHE,
        summary="Medal table under one ordering; optional sector",
    )
    async def medal_table(
        self,
        pool: PoolDep,
        code: FromPath[str],
        rank_by: Annotated[RankBy, Parameter(description="Ordering of the table")] = "gold",
        sector: Annotated[Sector | None, Parameter(required=False)] = None,
    ) -> MedalTable:
        if sector is None:
            competition = competition_found(await views.standings(pool, code, rank_by), code)
            rows = msgspec.convert(competition["standing_rows"], list[views.StandingRow])
            ranked = [(r["rank"], tally_of(r)) for r in rows]
        else:  # a sector's table is small enough to rank on the fly
            competition = competition_found(await views.sector_tallies(pool, code, sector), code)
            tallies = msgspec.convert(competition["tally_rows"], list[views.TallyRow])
            ranked = rank([tally_of(r) for r in tallies], rank_by)
        return MedalTable(
            competition=code,
            rank_by=rank_by,
            sector=sector,
            rows=[medal_row(place, t) for place, t in ranked],
            partial=competition["partial"],
            note=competition["note"],
        )

    @get(
        "/{code:str}/awards",
        cache_control=PUBLIC_CACHE,
        summary="Albert Vidal Award and Best of Nation",
    )
    async def awards(self, pool: PoolDep, code: FromPath[str]) -> Awards:
        competition = competition_found(await views.awards(pool, code), code)
        full = full_names(competition)
        rows = msgspec.convert(competition["result_rows"], list[views.ResultRow])
        results = [to_result(r, full) for r in rows]
        return Awards(
            competition=code,
            albert_vidal_award=[r for r in results if r.albert_vidal_award],
            best_of_nation=sorted(
                (r for r in results if r.best_of_nation), key=lambda r: (r.member, r.skill)
            ),
        )
