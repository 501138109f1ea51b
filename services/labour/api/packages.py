"""HTTP for new-occupation packages: publish (ministry), one occupation's, a release's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get

from schemas.labour import PackagePublished, SubmissionStatus
from schemas.labour_reads import Package, PackageCoverage, ReleasePackages
from services.platform.deps import BusDep, PoolDep, PrincipalDep
from services.platform.errors import Problem

from .. import examples
from ..handlers import PublishPackage, publish_package
from ..views import packages
from ..views.catalogues import named
from .params import OCCUPATION_CODE, PUBLIC_CACHE, path
from .publications import publish, publisher, publishing

RELEASE_ID = r"^[a-z0-9][a-z0-9.\-]{1,62}[a-z0-9]$"


class PackageController(Controller):
    path = "/labour"
    tags = ["labour"]

    @publishing(
        "/packages",
        summary="Publish what exists for an occupation: standard, training, bodies (ministry)",
        description=(
            "The standard or evaluation norm (drafted or published), training packages and "
            "materials, and the evaluation bodies selected for the occupation (ratings bodies, "
            "by id, as the ratings context announced them). 202 + status URL; "
            "`Prefer: wait=N`. A correction is the next `revision`."
        ),
    )
    async def publish(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[PackagePublished, examples.PACKAGE],
        principal: PrincipalDep,
        pool: PoolDep,
        bus: BusDep,
    ) -> Response[SubmissionStatus]:
        command = PublishPackage(package=data, publisher=publisher(principal, "ministry"))
        return await publish(request, pool, lambda: publish_package(command, pool=pool, bus=bus))

    @get("/packages", summary="Every occupation with a package, and what it holds")
    async def list_packages(self, pool: PoolDep) -> list[PackageCoverage]:
        return await packages.all_packages(pool)

    @get(
        "/packages/{code:str}",
        summary="An occupation's package, with each selected body's authorised levels",
        cache_control=PUBLIC_CACHE,
    )
    async def package(
        self, pool: PoolDep, code: Annotated[str, path(OCCUPATION_CODE, "Occupation code")]
    ) -> Package:
        occupation = await named(pool, code)
        today = datetime.now(UTC).date()
        found = None if occupation is None else await packages.package(pool, occupation, today)
        if found is None:
            raise Problem(404, "no-package", "No package published", code)
        return found

    @get(
        "/releases/{release_id:str}/packages",
        summary="Every occupation a release added, with what of its package exists",
        cache_control=PUBLIC_CACHE,
    )
    async def release_packages(
        self, pool: PoolDep, release_id: Annotated[str, path(RELEASE_ID, "Release id")]
    ) -> ReleasePackages:
        return await packages.release_packages(pool, release_id)
