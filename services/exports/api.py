"""HTTP: open-data exports to download (public) and on-demand runs (admin)."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter, PathParameter
from litestar.response import File, Response

from schemas.exports import ExportList, ExportRun
from services.platform.auth import authorise
from services.platform.deps import PoolDep, PrincipalDep, SettingsDep
from services.platform.errors import Problem, field_error
from services.platform.openapi import problem_responses
from services.platform.submissions import preferred_wait

from . import handlers, store
from .files import METADATA

FILE_NAME = re.compile(r"^([a-z][a-z0-9_]*\.(csv|jsonl|zip)|metadata\.json)$")
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/jsonl",
    "json": "application/json",
    "zip": "application/zip",
}


class ExportController(Controller):
    path = "/exports"
    tags = ["open data"]

    @get("/", summary="Export runs, newest first; `latest` names the newest complete one")
    async def list_exports(
        self,
        pool: PoolDep,
        settings: SettingsDep,
        after: Annotated[
            str | None,
            Parameter(pattern=handlers.EXPORT_ID, description="Last id seen", required=False),
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
    ) -> ExportList:
        rows = await store.list_runs(pool, before=after, limit=limit + 1)
        runs = [handlers.to_run(r) for r in rows[:limit]]
        latest = handlers.latest_on_disk(handlers.export_root(settings))
        if len(rows) <= limit:
            return ExportList(items=runs, latest=latest)
        last = runs[-1].export_id
        return ExportList(
            items=runs, latest=latest, next_after=last, next=f"/exports?limit={limit}&after={last}"
        )

    @post(
        "/",
        summary="Start an export now (admin); 202 with the run's status URL",
        description="`Prefer: wait=N` waits up to N seconds (max 30) for the export to finish; "
        "409 while another export runs (on any replica).",
        status_code=202,
        security=[{"BearerToken": []}],
        responses=problem_responses(409),
    )
    async def start_export(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        settings: SettingsDep,
        principal: PrincipalDep,
    ) -> Response[ExportRun]:
        authorise(principal, "admin")
        command = handlers.StartExport(trigger="on-demand", requested_by=principal.actor)
        try:
            started = await handlers.start_export(
                command, pool=pool, app=request.app, settings=settings
            )
        except handlers.ExportBusy as exc:
            raise Problem(409, "export-running", "An export is already running", str(exc)) from exc
        export_id = started.export_id
        if wait := preferred_wait(request.headers.get("prefer")):
            await asyncio.wait({started.task}, timeout=wait)
        run = handlers.to_run(await store.get_run(pool, export_id))
        status = 200 if run.status != "running" else 202
        return Response(run, status_code=status, headers={"Location": f"/exports/{export_id}"})

    @get("/{export_id:str}", summary="One export run: status, and its metadata when complete")
    async def get_export(
        self, pool: PoolDep, export_id: Annotated[str, PathParameter(max_length=40)]
    ) -> ExportRun:
        row = await store.get_run(pool, _export_id(export_id))
        if row is None:
            raise Problem(404, "unknown-export", "Unknown export", f"no export {export_id}")
        return handlers.to_run(row)

    @get(
        "/{export_id:str}/{name:str}",
        summary="A file of an export; `latest` is the newest complete export",
        media_type="application/octet-stream",
    )
    async def export_file(
        self,
        settings: SettingsDep,
        export_id: Annotated[str, PathParameter(max_length=40, description="id or `latest`")],
        name: Annotated[str, PathParameter(max_length=80, examples=[])],
    ) -> File:
        if not FILE_NAME.match(name):
            raise Problem(
                400,
                "invalid-file-name",
                "Not an export file name",
                f"{name!r}",
                errors=[
                    field_error("name", "expected <dataset>.csv, <dataset>.jsonl or metadata.json")
                ],
            )
        root = handlers.export_root(settings)
        resolved = handlers.latest_on_disk(root) if export_id == "latest" else _export_id(export_id)
        path = root / resolved / name if resolved else None
        if path is None or not path.is_file():
            raise Problem(404, "unknown-export-file", "No such export file", f"{export_id}/{name}")
        # A dated export never changes; `latest` moves with each export.
        cache = "no-cache" if export_id == "latest" else "public, max-age=31536000, immutable"
        return File(
            path=path,
            filename=name,
            media_type=MEDIA[name.rsplit(".", 1)[1]],
            content_disposition_type="inline" if name == METADATA else "attachment",
            headers={"Cache-Control": cache, "X-Export-Id": str(resolved)},
        )


def _export_id(value: str) -> str:
    if not re.match(handlers.EXPORT_ID, value):
        raise Problem(
            400,
            "invalid-export-id",
            "Not an export id",
            f"{value!r}",
            errors=[field_error("export_id", "expected YYYYMMDDTHHMMSSZ-xxxx or latest")],
        )
    return value
