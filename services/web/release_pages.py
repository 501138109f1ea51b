"""Pages over releases of the classification, and the open-data downloads."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import Parameter, PathParameter
from litestar.response import Response

from schemas.exports import ExportList, ExportMetadata
from schemas.occupations import ReleasePage, ReleaseStatus
from services.platform.public_api import ApiError

from .labour_pages import release_packages
from .render import api, error_page, page, refused

AnyRequest = Request[Any, Any, Any]


class ReleasePages(Controller):
    include_in_schema = False

    @get("/releases")
    async def releases(
        self, request: AnyRequest, after: Annotated[str, Parameter(max_length=12)] = ""
    ) -> Response[str]:
        async with api(request) as public:
            found = await public.get("/releases", ReleasePage, {"after": after})
        return page(request, "releases.html", found=found)

    @get("/releases/{release_id:str}")
    async def release(
        self, request: AnyRequest, release_id: Annotated[str, PathParameter(max_length=80)]
    ) -> Response[str]:
        async with api(request) as public:
            try:
                status = await public.find(f"/releases/{release_id}", ReleaseStatus)
            except ApiError as exc:
                return refused(request, exc)
            packages = await release_packages(request, public, release_id)
        if status is None or status.release is None:
            return error_page(request, 404)
        return page(request, "release.html", state=status, packages=packages)

    @get("/exports")
    async def downloads(self, request: AnyRequest) -> Response[str]:
        async with api(request) as public:
            runs = await public.get("/exports", ExportList, {"limit": 10})
            metadata = None
            if runs.latest:
                metadata = await public.find("/exports/latest/metadata.json", ExportMetadata)
        return page(request, "exports.html", runs=runs, metadata=metadata)
